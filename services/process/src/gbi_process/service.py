"""Process use cases: run a transaction's steps across the layers below.

The proefberekening (a citizen's quick estimate) is the walking skeleton: fetch the household from the BRP
(integration), establish the responsible gemeente (woonplaatsbeginsel), calculate the norm that applies on the
peildatum (domain), and store the result with an audit record (data).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from gbi_shared.clients import GatewayClient
from gbi_shared.context import RequestContext
from gbi_shared.contracts.berekening import BerekeningAntwoord
from gbi_shared.contracts.common import euro_to_cents
from gbi_shared.contracts.data import ProefberekeningRecord, ProefberekeningRecordCreate
from gbi_shared.contracts.huishouden import BrpHuishoudenVerzoek, Huishouden
from gbi_shared.contracts.proefberekening import Proefberekening, ProefberekeningVerzoek, proefberekening_uit_record
from gbi_shared.errors import NotFoundError, UnprocessableError
from gbi_shared.tijd import vandaag_nl

__all__ = ["ProcessService", "vandaag"]


def vandaag() -> date:
    """Today in the Netherlands: the legal date, whatever the server's time zone."""
    return vandaag_nl()


def _persoon(geboortedatum: date | None, veld: str) -> dict[str, Any]:
    if geboortedatum is None:
        raise UnprocessableError(
            f"De BRP kent geen volledige geboortedatum van de {veld}; een proefberekening is dan niet mogelijk"
        )
    return {"geboortedatum": geboortedatum.isoformat()}


def berekening_verzoek(huishouden: Huishouden, peildatum: date) -> dict[str, Any]:  # JSON body
    """The domain layer's household calculation request for what the BRP tells (no income or assets known)."""
    body: dict[str, Any] = {
        "gemeente": huishouden.gemeente,
        "peildatum": peildatum.isoformat(),
        "aanvrager": _persoon(huishouden.aanvrager.geboortedatum, "aanvrager"),
        "kinderen": [],
        "medebewoners": [],
        "inkomsten": [],
    }
    if huishouden.partner is not None:
        body["partner"] = _persoon(huishouden.partner.geboortedatum, "partner")
    for kind in huishouden.kinderen:
        # Children whose birth date is unknown cannot be aged; minors are what matters for the leefvorm.
        if kind.geboortedatum is not None and kind.geboortedatum <= peildatum:
            body["kinderen"].append({"geboortedatum": kind.geboortedatum.isoformat()})
    return body


class ProcessService:
    def __init__(self, gateway: GatewayClient) -> None:
        self._gw = gateway

    async def proefberekening(
        self, verzoek: ProefberekeningVerzoek, ctx: RequestContext, idempotency_key: str | None
    ) -> Proefberekening:
        peildatum = verzoek.peildatum or vandaag()
        huishouden = await self._gw.post_model(
            "/internal/integration/v1/brp/huishoudens", BrpHuishoudenVerzoek(bsn=verzoek.bsn), Huishouden
        )
        try:
            await self._gw.request("GET", f"/internal/data/v1/gemeenten/{huishouden.gemeente}")
        except NotFoundError as exc:
            raise UnprocessableError(
                f"De gemeente waar deze persoon woont ({huishouden.gemeente}) voert de bijstand niet via GBI uit",
                code="gemeente-niet-aangesloten",
            ) from exc
        verzoek_domein = berekening_verzoek(huishouden, peildatum)
        berekening = await self._gw.post_model(
            "/api/v1/berekeningen", verzoek_domein, BerekeningAntwoord, gemeente=huishouden.gemeente
        )
        opslag = ProefberekeningRecordCreate(
            bsn=verzoek.bsn,
            peildatum=peildatum,
            request=verzoek_domein,
            result=berekening.model_dump(mode="json", by_alias=True),
            norm_cents=euro_to_cents(Decimal(berekening.norm)),
        )
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        record = await self._gw.post_model(
            "/internal/data/v1/proefberekeningen",
            opslag,
            ProefberekeningRecord,
            gemeente=huishouden.gemeente,
            headers=headers,
        )
        return proefberekening_uit_record(record)

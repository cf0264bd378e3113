"""Use cases of the oversight views of the channels: management figures (with a CSV export), the audit trail of a
case and the process diagram of a case. They check who may ask, then ask the layer that knows:

    what                              who (medewerker of the gemeente)                 asks
    managementinformatie              teamleider, beheerder, auditor                   data (grouped SQL)
    audittrail of a case              klantmanager, inkomensconsulent, handhaver,      data (reading is logged)
                                      teamleider, auditor
    procesdiagram of a case           klantmanager, inkomensconsulent, handhaver,      process (SVG of the model
                                      teamleider                                       version the case runs on)

Everything stays within the caller's own gemeente (their context carries it); another gemeente's case answers 404
exactly like a missing one.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import JsonValue

from gbi_shared.clients import GatewayClient
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.inzicht import AudittrailPagina, Herkomst, Managementinformatie, Zaakonderbouwing
from gbi_shared.errors import ForbiddenError, NotFoundError

__all__ = [
    "AUDITTRAIL_ROLLEN",
    "DIAGRAM_ROLLEN",
    "MANAGEMENT_ROLLEN",
    "InzichtService",
    "als_csv",
    "herkomst_van",
]

DATA = "/internal/data/v1"
PROCESS = "/internal/process/v1"
MANAGEMENT_ROLLEN = ("teamleider", "beheerder", "auditor")
AUDITTRAIL_ROLLEN = ("klantmanager", "inkomensconsulent", "handhaver", "teamleider", "auditor")
DIAGRAM_ROLLEN = ("klantmanager", "inkomensconsulent", "handhaver", "teamleider")
_GEEN_AANVRAAG = "Geen aanvraag met dit id"


def _medewerker_met(ctx: RequestContext, rollen: tuple[str, ...], wat: str) -> None:
    if ctx.actor_type is not ActorType.MEDEWERKER or not ctx.has_role(*rollen):
        raise ForbiddenError(f"{wat} is alleen voor medewerkers met een van de rollen {', '.join(rollen)}")


class InzichtService:
    def __init__(self, gateway: GatewayClient) -> None:
        self._gw = gateway

    async def managementinformatie(
        self, ctx: RequestContext, *, van: date | None, tot: date | None
    ) -> Managementinformatie:
        _medewerker_met(ctx, MANAGEMENT_ROLLEN, "Managementinformatie")
        params = {}
        if van is not None:
            params["van"] = van.isoformat()
        if tot is not None:
            params["tot"] = tot.isoformat()
        return await self._gw.get_model(f"{DATA}/managementinformatie", Managementinformatie, params=params or None)

    async def audittrail(
        self, ctx: RequestContext, aanvraag_id: UUID, *, voor: int | None, page_size: int
    ) -> AudittrailPagina:
        _medewerker_met(ctx, AUDITTRAIL_ROLLEN, "De audittrail van een zaak")
        params = {"pageSize": str(page_size)}
        if voor is not None:
            params["voor"] = str(voor)
        try:
            return await self._gw.get_model(
                f"{DATA}/aanvragen/{aanvraag_id}/audittrail", AudittrailPagina, params=params
            )
        except NotFoundError:
            raise NotFoundError(_GEEN_AANVRAAG) from None

    async def onderbouwing(self, ctx: RequestContext, aanvraag_id: UUID) -> Zaakonderbouwing:
        """The source data with provenance and the calculation with its explanation, as the process recorded them."""
        _medewerker_met(ctx, DIAGRAM_ROLLEN, "De onderbouwing van een zaak")
        try:
            resp = await self._gw.request("GET", f"{PROCESS}/aanvragen/{aanvraag_id}/onderbouwing")
        except NotFoundError:
            raise NotFoundError(_GEEN_AANVRAAG) from None
        data = resp.json()
        bronnen = data.get("bronnen") if isinstance(data, dict) else None
        berekening = data.get("berekening") if isinstance(data, dict) else None
        return Zaakonderbouwing(
            aanvraag_id=aanvraag_id,
            herkomst=herkomst_van(bronnen),
            bronnen=bronnen if isinstance(bronnen, dict) else None,
            berekening=berekening if isinstance(berekening, dict) else None,
        )

    async def procesdiagram(self, ctx: RequestContext, aanvraag_id: UUID) -> bytes:
        """The SVG of the case's process with its current step marked."""
        _medewerker_met(ctx, DIAGRAM_ROLLEN, "Het procesdiagram van een zaak")
        try:
            resp = await self._gw.request("GET", f"{PROCESS}/aanvragen/{aanvraag_id}/procesdiagram")
        except NotFoundError:
            raise NotFoundError("Van deze aanvraag is geen procesdiagram beschikbaar") from None
        return resp.body


def als_csv(info: Managementinformatie) -> str:
    """The figures as one tidy table (a row per figure: onderdeel, kenmerk, maat, waarde), separated by semicolons
    as Dutch spreadsheet programs expect; numbers as plain digits with a decimal point."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["gemeente", "van", "tot", "onderdeel", "kenmerk", "maat", "waarde"])
    vast = [info.gemeente, info.van.isoformat(), info.tot.isoformat()]

    def rij(onderdeel: str, kenmerk: str, maat: str, waarde: object) -> None:
        writer.writerow([*vast, onderdeel, kenmerk, maat, "" if waarde is None else str(waarde)])

    rij("totaal", "", "ingekomen", info.ingekomen)
    rij("totaal", "", "besloten", info.besloten)
    for b in info.besluiten:
        rij("besluiten", b.soort, "aantal", b.aantal)
    for naam, aandeel in (
        ("binnen-beslistermijn", info.binnen_beslistermijn),
        ("straight-through", info.straight_through),
    ):
        rij(naam, "", "aantal", aandeel.aantal)
        rij(naam, "", "van", aandeel.van)
        rij(naam, "", "percentage", aandeel.percentage)
    d = info.doorlooptijd
    for maat, waarde in (
        ("aantal", d.aantal),
        ("gemiddeld-dagen", d.gemiddeld_dagen),
        ("mediaan-dagen", d.mediaan_dagen),
        ("p90-dagen", d.p90_dagen),
        ("langste-dagen", d.langste_dagen),
    ):
        rij("doorlooptijd", "", maat, waarde)
    for k in d.klassen:
        rij("doorlooptijd-klasse", k.label, "aantal", k.aantal)
    for m in info.per_maand:
        rij("per-maand", m.maand, "ingekomen", m.ingekomen)
        rij("per-maand", m.maand, "besloten", m.besloten)
    for r in info.open_taken:
        rij("open-taken", r.rol, "open", r.open)
        rij("open-taken", r.rol, "geclaimd", r.geclaimd)
        rij("open-taken", r.rol, "verlopen", r.verlopen)
        rij("open-taken", r.rol, "oudste-dagen", r.oudste_dagen)
        for lk in r.leeftijd:
            rij("open-taken-leeftijd", f"{r.rol} {lk.label}", "aantal", lk.aantal)
    return out.getvalue()


def herkomst_van(bronnen: JsonValue | Any) -> list[Herkomst]:
    """Every part of the source data that names its source and moment (``bron`` + ``opgevraagdOp``, the
    Bronvermelding of the contracts), with its path, in document order."""
    out: list[Herkomst] = []

    def walk(node: Any, pad: str) -> None:
        if isinstance(node, dict):
            vermelding = node.get("bron")
            moment = node.get("opgevraagdOp")
            if isinstance(vermelding, dict) and isinstance(vermelding.get("bron"), str):
                moment = vermelding.get("opgevraagdOp")
                vermelding = vermelding.get("bron")
            if isinstance(vermelding, str) and isinstance(moment, str):
                try:
                    op = datetime.fromisoformat(moment.replace("Z", "+00:00"))
                except ValueError:
                    op = None
                if op is not None:
                    out.append(Herkomst(onderdeel=pad or "(geheel)", bron=vermelding, opgevraagd_op=op))
            for key, value in node.items():
                if key != "bron":
                    walk(value, f"{pad}.{key}" if pad else key)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pad}[{index}]")

    walk(bronnen, "")
    return out

"""Student finance: the port and its adapter for DUO via Suwinet (DUODossierStudiefinancieringGSD v0200,
DUOStudiefinancieringInfo).

Mapping (SuwiML -> ``gbi_shared.contracts.bronnen.Studiefinanciering``): Studiefinanciering[].CdRegeling (WSF =
Wet studiefinanciering 2000, WTOS) -> toekenningen[].regeling, CdSrtOnderwijs -> onderwijs, DatBToekenning /
DatEToekenning (inclusive) -> periode (tot exclusive), BedrToekenningPerMaand -> bedragPerMaand, IndPrestatiebeurs ->
prestatiebeurs; Studieschuld.BedrStudieschuld / DatPeil -> studieschuld / studieschuldPeildatum. Only grants that
overlap the period asked are returned; the debt always. Left out: the DUOPersoonsInfo service (enrolments,
diplomas), the split of a grant into basisbeurs, aanvullende beurs, lening and reisproduct, repayment terms.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import Field

from gbi_integration.bronnen._client import BronClient
from gbi_integration.bronnen._suwinet import Datum, StandaardBedr, SuwiModel, lees_suwinet, onbruikbaar
from gbi_integration.settings import IntegrationSettings
from gbi_shared._http import HttpTransport
from gbi_shared.context import RequestContext
from gbi_shared.contracts.bronnen import Periode, Studiefinanciering, Toekenning, bedrag
from gbi_shared.contracts.huishouden import Bronvermelding

__all__ = ["BRON", "StudiefinancieringPort", "SuwinetDuo", "studiefinanciering_uit_suwinet"]

BRON = "DUO via Suwinet (DUODossierStudiefinancieringGSD v0200)"
_ONDERWIJS: dict[str, Literal["mbo", "hbo", "wo", "vavo"]] = {"MBO": "mbo", "HBO": "hbo", "WO": "wo", "VAVO": "vavo"}


class StudiefinancieringPort(Protocol):
    """WSF 2000 / WTOS grants of a person overlapping ``periode``, and the student debt."""

    async def studiefinanciering(self, bsn: str, periode: Periode, ctx: RequestContext) -> Studiefinanciering: ...


class _Toekenning(SuwiModel):
    cd_regeling: Literal["WSF", "WTOS"]
    cd_srt_onderwijs: str = ""
    dat_b_toekenning: Datum
    dat_e_toekenning: Datum | None = None
    bedr_toekenning_per_maand: StandaardBedr
    ind_prestatiebeurs: Literal["J", "N"] = "N"


class _Schuld(SuwiModel):
    bedr_studieschuld: StandaardBedr
    dat_peil: Datum | None = None


class _Client(SuwiModel):
    studiefinanciering: list[_Toekenning] = Field(default_factory=list)
    studieschuld: _Schuld | None = None


class _Antwoord(SuwiModel):
    client_suwi: _Client


def studiefinanciering_uit_suwinet(
    bsn: str, periode: Periode, antwoord: _Antwoord | None, *, fetched_at: datetime
) -> Studiefinanciering:
    toekenningen: list[Toekenning] = []
    schuld: _Schuld | None = None
    if antwoord is not None:
        schuld = antwoord.client_suwi.studieschuld
        for t in antwoord.client_suwi.studiefinanciering:
            looptijd = Periode(
                vanaf=t.dat_b_toekenning,
                tot=t.dat_e_toekenning + timedelta(days=1) if t.dat_e_toekenning is not None else None,
            )
            if not looptijd.overlapt(periode.vanaf, periode.tot):
                continue
            toekenningen.append(
                Toekenning(
                    regeling="wsf" if t.cd_regeling == "WSF" else "wtos",
                    onderwijs=_ONDERWIJS.get(t.cd_srt_onderwijs.upper(), "overig"),
                    periode=looptijd,
                    bedrag_per_maand=bedrag(t.bedr_toekenning_per_maand.centen),
                    prestatiebeurs=t.ind_prestatiebeurs == "J",
                )
            )
    return Studiefinanciering(
        bsn=bsn,
        periode=periode,
        toekenningen=toekenningen,
        studieschuld=bedrag(schuld.bedr_studieschuld.centen) if schuld is not None else None,
        studieschuld_peildatum=schuld.dat_peil if schuld is not None else None,
        bron=Bronvermelding(bron=BRON, opgevraagd_op=fetched_at),
    )


class SuwinetDuo:
    """``POST <duo_url>/DUOStudiefinancieringInfo`` with ``{"Burgerservicenr": ...}``."""

    def __init__(self, settings: IntegrationSettings, transport: HttpTransport) -> None:
        self.client = BronClient("DUO", settings.duo_url, settings, transport)

    async def studiefinanciering(self, bsn: str, periode: Periode, ctx: RequestContext) -> Studiefinanciering:
        def parse(data: Any) -> _Antwoord | None:
            return lees_suwinet(data, _Antwoord, "DUO")

        antwoord = await self.client.lees(
            "POST", "/DUOStudiefinancieringInfo", ctx, parse, body={"Burgerservicenr": bsn}
        )
        with onbruikbaar("DUO"):
            return studiefinanciering_uit_suwinet(bsn, periode, antwoord, fetched_at=datetime.now(UTC))

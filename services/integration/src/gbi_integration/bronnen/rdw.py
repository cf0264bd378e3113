"""Vehicles: the port and its adapter for the RDW via Suwinet (RDWDossierGSD v0200, VoertuigbezitInfoPersoon).

Mapping (SuwiML -> ``gbi_shared.contracts.bronnen.Voertuig``): Aansprakelijke.DatRegistratieAansprakelijkheid ->
datumTenaamstelling, DatEindeRegistratieAansprakelijkheid -> datumEindeTenaamstelling, Voertuig.KentekenVoertuig ->
kenteken, MerkVoertuig -> merk, TypeVoertuig -> handelsbenaming, DatEersteToelatingVoertuig ->
datumEersteToelating, CdSrtVoertuig (EU category: M1 personenauto, N* bedrijfsauto, L3-L5 motorfiets, L1-L2
bromfiets, O* aanhangwagen) -> soort, BedrCatalogusprijs (RDW open data; a simulator extension of the Suwinet
message) -> catalogusprijs. ``geschatteWaarde`` is our indication (``geschatte_waarde``), not an RDW fact.

The request asks for the peilperiode of one day (DatB = DatE = peildatum). Left out: the KentekenInfo detail query,
vehicles of organisations (VoertuigbezitInfoOrg), APK and insurance data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from pydantic import Field

from gbi_integration.bronnen._client import BronClient
from gbi_integration.bronnen._suwinet import Datum, StandaardBedr, SuwiModel, lees_suwinet, onbruikbaar, suwinet_datum
from gbi_integration.settings import IntegrationSettings
from gbi_shared._http import HttpTransport
from gbi_shared.context import RequestContext
from gbi_shared.contracts.bronnen import Voertuig, Voertuigen, VoertuigSoort, bedrag
from gbi_shared.contracts.huishouden import Bronvermelding

__all__ = ["BRON", "WAARDERING", "SuwinetRdw", "VoertuigenPort", "geschatte_waarde", "voertuigen_uit_suwinet"]

BRON = "RDW kentekenregister via Suwinet (RDWDossierGSD v0200)"
WAARDERING = (
    "indicatie: catalogusprijs x 0,80 x 0,88 per volledig jaar sinds eerste toelating, minimaal 5%; geen taxatie"
)


class VoertuigenPort(Protocol):
    """Vehicles registered to a person on the peildatum."""

    async def voertuigen(self, bsn: str, peildatum: date, ctx: RequestContext) -> Voertuigen: ...


def geschatte_waarde(catalogusprijs: int, eerste_toelating: date | None, peildatum: date) -> int:
    """An indication of today's value in cents: 20% off the catalogue price at once, then 12% a full year."""
    jaren = 0
    if eerste_toelating is not None and eerste_toelating <= peildatum:
        jaren = (
            peildatum.year
            - eerste_toelating.year
            - ((peildatum.month, peildatum.day) < (eerste_toelating.month, eerste_toelating.day))
        )
    factor = Decimal("0.80") * Decimal("0.88") ** jaren
    waarde = (Decimal(catalogusprijs) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    minimum = (Decimal(catalogusprijs) * Decimal("0.05")).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(max(waarde, minimum))


def _soort(categorie: str) -> VoertuigSoort:
    c = categorie.upper()
    if c.startswith("M"):
        return "personenauto" if c == "M1" else "bedrijfsauto"
    if c.startswith("N"):
        return "bedrijfsauto"
    if c in ("L1", "L1E", "L2", "L2E"):
        return "bromfiets"
    if c.startswith("L"):
        return "motorfiets"
    if c.startswith("O"):
        return "aanhangwagen"
    return "overig"


class _Voertuig(SuwiModel):
    kenteken_voertuig: str
    cd_srt_voertuig: str = ""
    merk_voertuig: str
    type_voertuig: str | None = None
    dat_eerste_toelating_voertuig: Datum | None = None
    bedr_catalogusprijs: StandaardBedr | None = None


class _Aansprakelijke(SuwiModel):
    dat_registratie_aansprakelijkheid: Datum
    dat_einde_registratie_aansprakelijkheid: Datum | None = None
    voertuig: _Voertuig


class _Client(SuwiModel):
    aansprakelijke: list[_Aansprakelijke] = Field(default_factory=list)


class _Antwoord(SuwiModel):
    client_suwi: _Client


def voertuigen_uit_suwinet(
    bsn: str, peildatum: date, antwoord: _Antwoord | None, *, fetched_at: datetime
) -> Voertuigen:
    items: list[Voertuig] = []
    for a in antwoord.client_suwi.aansprakelijke if antwoord else []:
        v = a.voertuig
        prijs = v.bedr_catalogusprijs.centen if v.bedr_catalogusprijs is not None else None
        waarde = geschatte_waarde(prijs, v.dat_eerste_toelating_voertuig, peildatum) if prijs is not None else None
        items.append(
            Voertuig(
                kenteken=v.kenteken_voertuig.replace("-", "").upper(),
                soort=_soort(v.cd_srt_voertuig),
                merk=v.merk_voertuig,
                handelsbenaming=v.type_voertuig,
                datum_eerste_toelating=v.dat_eerste_toelating_voertuig,
                datum_tenaamstelling=a.dat_registratie_aansprakelijkheid,
                datum_einde_tenaamstelling=a.dat_einde_registratie_aansprakelijkheid,
                catalogusprijs=bedrag(prijs) if prijs is not None else None,
                geschatte_waarde=bedrag(waarde) if waarde is not None else None,
                waardering=WAARDERING if waarde is not None else None,
            )
        )
    return Voertuigen(
        bsn=bsn, peildatum=peildatum, voertuigen=items, bron=Bronvermelding(bron=BRON, opgevraagd_op=fetched_at)
    )


class SuwinetRdw:
    """``POST <rdw_url>/VoertuigbezitInfoPersoon`` with the BSN and a peilperiode of one day."""

    def __init__(self, settings: IntegrationSettings, transport: HttpTransport) -> None:
        self.client = BronClient("RDW", settings.rdw_url, settings, transport)

    async def voertuigen(self, bsn: str, peildatum: date, ctx: RequestContext) -> Voertuigen:
        def parse(data: Any) -> _Antwoord | None:
            return lees_suwinet(data, _Antwoord, "RDW")

        dag = suwinet_datum(peildatum)
        body = {
            "Burgerservicenr": bsn,
            "DatBPeilperiodeAansprakelijkheid": dag,
            "DatEPeilperiodeAansprakelijkheid": dag,
        }
        antwoord = await self.client.lees("POST", "/VoertuigbezitInfoPersoon", ctx, parse, body=body)
        with onbruikbaar("RDW"):
            return voertuigen_uit_suwinet(bsn, peildatum, antwoord, fetched_at=datetime.now(UTC))

"""Property: the port and its adapter for the Kadaster via Suwinet (KadasterDossierGSD v0300, PersoonsInfo).

Mapping (SuwiML -> ``gbi_shared.contracts.bronnen.Eigendom``, one per ZakelijkRecht of the person):
OnroerendeZaak.KadastraleAanduiding (CdKadastraleGemeente, KadastraleSectie, KadastraalPerceelnr,
VolgnrKadastraalAppartementsrecht) -> kadastraleAanduiding ("SGR00 H 4711", "ASD04 K 5123 A12");
CdTypeOnroerendeZaak P/A -> soort perceel/appartementsrecht; ZakelijkRecht.CdAardZakelijkRecht (2 eigendom, 3
erfpacht, 7 opstal, 12 vruchtgebruik) -> aardRecht; TellerAandeel/NoemerAandeel -> aandeel; DatBZakelijkRecht ->
datumVerkrijging; LocatieOZ.StraatadresBag -> adres; BedrKoopsom -> koopsom; OmsKadastraalObject -> omschrijving.
Simulator extensions of the message (in reality separate queries): Hypotheek[] (BRK mortgage deeds) -> hypotheken,
WozObject (LV WOZ) -> wozWaarde, wozPeildatum, eigenWoning (IndEigenaarBewoner). Derived: overwaarde = aandeel x
(WOZ - hypotheken).

PersoonsInfo gives the current state: for a peildatum in the past, rights acquired after it are left out; rights
that ended before today are not known. Left out: publiekrechtelijke beperkingen, ObjectInfo queries by aanduiding or
address, other parties on the same object.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, Protocol

from pydantic import Field

from gbi_integration.bronnen._client import BronClient
from gbi_integration.bronnen._suwinet import Datum, StandaardBedr, SuwiModel, lees_suwinet, onbruikbaar
from gbi_integration.settings import IntegrationSettings
from gbi_shared._http import HttpTransport
from gbi_shared.context import RequestContext
from gbi_shared.contracts.bronnen import Eigendom, Eigendommen, Hypotheek, bedrag
from gbi_shared.contracts.huishouden import Bronvermelding

__all__ = ["BRON", "EigendommenPort", "SuwinetKadaster", "eigendommen_uit_suwinet"]

BRON = "Kadaster (BRK) en LV WOZ via Suwinet (KadasterDossierGSD v0300)"
_AARD: dict[str, Literal["eigendom", "erfpacht", "opstal", "vruchtgebruik"]] = {
    "2": "eigendom",
    "3": "erfpacht",
    "7": "opstal",
    "12": "vruchtgebruik",
}


class EigendommenPort(Protocol):
    """Rights on real estate a person holds on the peildatum, with WOZ value and registered mortgages."""

    async def eigendommen(self, bsn: str, peildatum: date, ctx: RequestContext) -> Eigendommen: ...


class _Aanduiding(SuwiModel):
    cd_kadastrale_gemeente: str
    kadastrale_sectie: str
    kadastraal_perceelnr: int
    volgnr_kadastraal_appartementsrecht: int | None = None


class _Recht(SuwiModel):
    cd_aard_zakelijk_recht: str
    teller_aandeel: int = Field(default=1, ge=1)
    noemer_aandeel: int = Field(default=1, ge=1)
    dat_b_zakelijk_recht: Datum | None = None


class _Adres(SuwiModel):
    straatnaam: str
    huisnr: int
    huisletter: str | None = None
    huisnrtoevoeging: str | None = None
    postcd: str
    woonplaatsnaam: str


class _Locatie(SuwiModel):
    straatadres_bag: _Adres | None = None


class _Hypotheek(SuwiModel):
    bedr_hypotheek: StandaardBedr
    naam_hypotheekhouder: str | None = None
    dat_inschrijving_hypotheek: Datum | None = None


class _Woz(SuwiModel):
    bedr_woz_waarde: StandaardBedr
    dat_waardepeildatum: Datum | None = None
    ind_eigenaar_bewoner: Literal["J", "N"] | None = None


class _Zaak(SuwiModel):
    cd_type_onroerende_zaak: str | None = None
    kadastrale_aanduiding: _Aanduiding
    oms_kadastraal_object: str | None = None
    zakelijk_recht: list[_Recht] = Field(default_factory=list)
    locatie_oz: list[_Locatie] = Field(default_factory=list, alias="LocatieOZ")
    bedr_koopsom: StandaardBedr | None = None
    hypotheek: list[_Hypotheek] = Field(default_factory=list)
    woz_object: _Woz | None = None


class _Eigendom(SuwiModel):
    onroerende_zaak: list[_Zaak] = Field(default_factory=list)


class _Client(SuwiModel):
    eigendom: _Eigendom


class _Antwoord(SuwiModel):
    client_suwi: _Client


def _adres(zaak: _Zaak) -> _Adres | None:
    for locatie in zaak.locatie_oz:
        if locatie.straatadres_bag is not None:
            return locatie.straatadres_bag
    return None


def _aandeel(cents: int, teller: int, noemer: int) -> int:
    return int((Decimal(cents) * teller / noemer).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def eigendommen_uit_suwinet(
    bsn: str, peildatum: date, antwoord: _Antwoord | None, *, fetched_at: datetime
) -> Eigendommen:
    items: list[Eigendom] = []
    for zaak in antwoord.client_suwi.eigendom.onroerende_zaak if antwoord else []:
        a = zaak.kadastrale_aanduiding
        aanduiding = f"{a.cd_kadastrale_gemeente} {a.kadastrale_sectie} {a.kadastraal_perceelnr}"
        appartement = a.volgnr_kadastraal_appartementsrecht is not None or zaak.cd_type_onroerende_zaak == "A"
        if a.volgnr_kadastraal_appartementsrecht is not None:
            aanduiding += f" A{a.volgnr_kadastraal_appartementsrecht}"
        adres = _adres(zaak)
        regel = None
        if adres is not None:
            nummer = f"{adres.huisnr}{adres.huisletter or ''}" + (
                f"-{adres.huisnrtoevoeging}" if adres.huisnrtoevoeging else ""
            )
            regel = f"{adres.straatnaam} {nummer}, {adres.postcd} {adres.woonplaatsnaam}"
        hypotheken = [
            Hypotheek(
                bedrag=bedrag(h.bedr_hypotheek.centen),
                hypotheekhouder=h.naam_hypotheekhouder,
                datum_inschrijving=h.dat_inschrijving_hypotheek,
            )
            for h in zaak.hypotheek
        ]
        woz = zaak.woz_object.bedr_woz_waarde.centen if zaak.woz_object is not None else None
        for recht in zaak.zakelijk_recht:
            if recht.dat_b_zakelijk_recht is not None and recht.dat_b_zakelijk_recht > peildatum:
                continue
            overwaarde = None
            if woz is not None:
                schuld = sum(h.bedr_hypotheek.centen for h in zaak.hypotheek)
                overwaarde = _aandeel(woz - schuld, recht.teller_aandeel, recht.noemer_aandeel)
            items.append(
                Eigendom(
                    kadastrale_aanduiding=aanduiding,
                    soort="appartementsrecht" if appartement else "perceel",
                    aard_recht=_AARD.get(recht.cd_aard_zakelijk_recht, "overig"),
                    aandeel_teller=recht.teller_aandeel,
                    aandeel_noemer=recht.noemer_aandeel,
                    omschrijving=zaak.oms_kadastraal_object,
                    adres=regel,
                    postcode=adres.postcd if adres else None,
                    huisnummer=adres.huisnr if adres else None,
                    datum_verkrijging=recht.dat_b_zakelijk_recht,
                    koopsom=bedrag(zaak.bedr_koopsom.centen) if zaak.bedr_koopsom is not None else None,
                    woz_waarde=bedrag(woz) if woz is not None else None,
                    woz_peildatum=zaak.woz_object.dat_waardepeildatum if zaak.woz_object is not None else None,
                    hypotheken=hypotheken,
                    eigen_woning=(zaak.woz_object.ind_eigenaar_bewoner == "J")
                    if zaak.woz_object is not None and zaak.woz_object.ind_eigenaar_bewoner is not None
                    else None,
                    overwaarde=bedrag(overwaarde) if overwaarde is not None else None,
                )
            )
    return Eigendommen(
        bsn=bsn, peildatum=peildatum, eigendommen=items, bron=Bronvermelding(bron=BRON, opgevraagd_op=fetched_at)
    )


class SuwinetKadaster:
    """``POST <kadaster_url>/PersoonsInfo`` with ``{"Burgerservicenr": ...}``."""

    def __init__(self, settings: IntegrationSettings, transport: HttpTransport) -> None:
        self.client = BronClient("Kadaster", settings.kadaster_url, settings, transport)

    async def eigendommen(self, bsn: str, peildatum: date, ctx: RequestContext) -> Eigendommen:
        def parse(data: Any) -> _Antwoord | None:
            return lees_suwinet(data, _Antwoord, "Kadaster")

        antwoord = await self.client.lees("POST", "/PersoonsInfo", ctx, parse, body={"Burgerservicenr": bsn})
        with onbruikbaar("Kadaster"):
            return eigendommen_uit_suwinet(bsn, peildatum, antwoord, fetched_at=datetime.now(UTC))

"""The wire protocols the simulated sources speak: the documented contract of every answer (JSON).

**Suwinet** (UWV, RDW, Kadaster, DUO): SuwiML messages of the BKWI "Dossier...GSD" services, rendered as JSON with
the SuwiML element names (PascalCase). ``POST /suwinet/<Dienst>-<versie>/<Operatie>`` with the request element's
content as body (``{"Burgerservicenr": "999995431"}``); the answer is the response element's content: either
``ClientSuwi`` (with, for UWV, ``PeriodeGegevensleveringIko``), or ``NietsGevonden`` (the source knows nothing), or
``FWI`` (Foutbericht: the backend could not deliver; HTTP 200, as Suwinet does). Dates are SuwiML ``Datum``
(``YYYYMMDD``), end dates inclusive; amounts are SuwiML ``StandaardBedr`` with ``WaardeBedr`` in euro cents.
Simulator extensions, not in the real KadasterDossierGSD: ``Hypotheek`` (from the BRK mortgage deeds) and
``WozObject`` (from the Landelijke Voorziening WOZ); and ``BedrCatalogusprijs`` in the RDW ``Voertuig`` (RDW open
data). They are marked below.

**DJI** (detention, in reality delivered to gemeenten through the Inlichtingenbureau's Justitiekoppeling) and the
**Inlichtingenbureau** signal service: small JSON APIs in camelCase, ISO dates.

The models forbid unknown fields: the simulator's tests validate every answer against them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel, to_pascal

__all__ = [
    "DjiAntwoord",
    "DjiDetentie",
    "DjiVerzoek",
    "DuoAntwoord",
    "FwiAntwoord",
    "IbFeedAntwoord",
    "IbSignaal",
    "IbZoekAntwoord",
    "IbZoekVerzoek",
    "KadasterAntwoord",
    "NietsGevondenAntwoord",
    "RdwAntwoord",
    "UwvAntwoord",
]

Datum = Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")]
JN = Literal["J", "N"]


class _Suwi(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_pascal, populate_by_name=True)


class _Json(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


class StandaardBedr(_Suwi):
    cd_positief_negatief: Literal["+", "-"]
    waarde_bedr: int = Field(ge=0, description="In eurocenten")


# ------------------------------------------------------------------------------------------------ FWI / NietsGevonden


class Fout(_Suwi):
    code: str
    melding: str
    bron: str | None = None


class Fwi(_Suwi):
    fout: list[Fout] = Field(min_length=1)


class FwiAntwoord(_Suwi):
    fwi: Fwi = Field(alias="FWI")


class NietsGevondenAntwoord(_Suwi):
    niets_gevonden: dict[str, str]


# ------------------------------------------------------------------------------------------------ UWV


class AdministratieveEenheid(_Suwi):
    loonheffingennr: str = Field(pattern=r"^[0-9]{9}L[0-9]{2}$")
    naam_aeh: str


class Inkomstenperiode(_Suwi):
    dat_b_ikp: Datum
    dat_e_ikp: Datum | None = None
    cd_srt_ikv: str = Field(pattern=r"^[0-9]{2}$", description="Code soort inkomstenverhouding (Belastingdienst)")


class Inkomstenopgave(_Suwi):
    dat_b_iko: Datum
    dat_e_iko: Datum
    aant_verloonde_uren_iko: int | None = Field(default=None, ge=0)
    bedr_brutoloon_sv: StandaardBedr
    bedr_loon_lb_premie_volksverz: StandaardBedr
    bedr_ingehouden_lb_premie_volksverz: StandaardBedr
    bedr_opgb_recht_vakantietoeslag: StandaardBedr | None = None


class Inkomstenverhouding(_Suwi):
    nr_inkomstenverhouding: str
    administratieve_eenheid: AdministratieveEenheid
    inkomstenperiode: list[Inkomstenperiode] = Field(min_length=1)
    inkomstenopgave: list[Inkomstenopgave]


class ClientSuwiUwv(_Suwi):
    burgerservicenr: str
    inkomstenverhouding: list[Inkomstenverhouding] = Field(min_length=1)


class PeriodeGegevensleveringIko(_Suwi):
    dat_b_periode: Datum
    dat_e_periode: Datum


class UwvAntwoord(_Suwi):
    """UWVDossierInkomstenGSD v0200, UWVPersoonsIkvInfo: the person's income relations in the polis."""

    client_suwi: ClientSuwiUwv
    periode_gegevenslevering_iko: PeriodeGegevensleveringIko


# ------------------------------------------------------------------------------------------------ RDW


class Voertuig(_Suwi):
    kenteken_voertuig: str = Field(pattern=r"^[A-Z0-9]{6}$")
    cd_srt_voertuig: str = Field(description="Europese voertuigcategorie (M1, N1, L3, ...)")
    merk_voertuig: str
    type_voertuig: str
    dat_eerste_toelating_voertuig: Datum
    bedr_catalogusprijs: StandaardBedr | None = Field(default=None, description="Simulator extension (RDW open data)")


class Aansprakelijke(_Suwi):
    dat_registratie_aansprakelijkheid: Datum
    dat_einde_registratie_aansprakelijkheid: Datum | None = None
    voertuig: Voertuig


class ClientSuwiRdw(_Suwi):
    burgerservicenr: str
    aansprakelijke: list[Aansprakelijke] = Field(min_length=1)


class RdwAntwoord(_Suwi):
    """RDWDossierGSD v0200, VoertuigbezitInfoPersoon: vehicles the person was liable for in the peilperiode."""

    client_suwi: ClientSuwiRdw


# ------------------------------------------------------------------------------------------------ Kadaster


class KadastraleAanduiding(_Suwi):
    cd_kadastrale_gemeente: str
    kadastrale_gemeentenaam: str
    kadastrale_sectie: str
    kadastraal_perceelnr: int = Field(ge=1)
    volgnr_kadastraal_appartementsrecht: int | None = Field(default=None, ge=1)


class ZakelijkRecht(_Suwi):
    cd_aard_zakelijk_recht: str
    oms_aard_zakelijk_recht: str
    teller_aandeel: int = Field(ge=1)
    noemer_aandeel: int = Field(ge=1)
    dat_b_zakelijk_recht: Datum


class StraatadresBag(_Suwi):
    straatnaam: str
    huisnr: int = Field(ge=1)
    huisletter: str | None = None
    huisnrtoevoeging: str | None = None
    postcd: str = Field(pattern=r"^[1-9][0-9]{3}[A-Z]{2}$")
    woonplaatsnaam: str


class Locatie(_Suwi):
    straatadres_bag: StraatadresBag


class Hypotheek(_Suwi):
    """Simulator extension: a mortgage deed registered on the object (BRK stukken)."""

    bedr_hypotheek: StandaardBedr
    naam_hypotheekhouder: str
    dat_inschrijving_hypotheek: Datum


class WozObject(_Suwi):
    """Simulator extension: the object's WOZ value (Landelijke Voorziening WOZ)."""

    bedr_woz_waarde: StandaardBedr
    dat_waardepeildatum: Datum
    ind_eigenaar_bewoner: JN


class OnroerendeZaak(_Suwi):
    cd_type_onroerende_zaak: Literal["P", "A"] = Field(description="P perceel, A appartementsrecht")
    kadastrale_aanduiding: KadastraleAanduiding
    oms_kadastraal_object: str
    zakelijk_recht: list[ZakelijkRecht] = Field(min_length=1)
    locatie_oz: list[Locatie] = Field(alias="LocatieOZ")
    bedr_koopsom: StandaardBedr | None = None
    jaar_aankoop: int | None = None
    ind_meer_gerechtigden: JN
    hypotheek: list[Hypotheek] = Field(default_factory=list)
    woz_object: WozObject | None = None


class Eigendom(_Suwi):
    onroerende_zaak: list[OnroerendeZaak] = Field(min_length=1)


class ClientSuwiKadaster(_Suwi):
    burgerservicenr: str
    eigendom: Eigendom


class KadasterAntwoord(_Suwi):
    """KadasterDossierGSD v0300, PersoonsInfo: the person's current rights on real estate."""

    client_suwi: ClientSuwiKadaster


# ------------------------------------------------------------------------------------------------ DUO


class Studiefinanciering(_Suwi):
    cd_regeling: Literal["WSF", "WTOS"]
    cd_srt_onderwijs: Literal["MBO", "HBO", "WO", "VAVO"]
    dat_b_toekenning: Datum
    dat_e_toekenning: Datum | None = None
    bedr_toekenning_per_maand: StandaardBedr
    ind_prestatiebeurs: JN


class Studieschuld(_Suwi):
    bedr_studieschuld: StandaardBedr
    dat_peil: Datum


class ClientSuwiDuo(_Suwi):
    burgerservicenr: str
    studiefinanciering: list[Studiefinanciering] = Field(default_factory=list)
    studieschuld: Studieschuld | None = None


class DuoAntwoord(_Suwi):
    """DUODossierStudiefinancieringGSD v0200, DUOStudiefinancieringInfo: grants and student debt."""

    client_suwi: ClientSuwiDuo


# ------------------------------------------------------------------------------------------------ DJI


class DjiVerzoek(_Json):
    """``POST /dji/api/v1/detenties/zoeken``: detentions overlapping ``[periodeVan, periodeTot)``."""

    bsn: str = Field(pattern=r"^[0-9]{9}$")
    periode_van: date
    periode_tot: date


class DjiDetentie(_Json):
    detentie_id: str
    datum_insluiting: date
    datum_ontslag: date | None = Field(default=None, description="De dag van ontslag; leeg: nog ingesloten")
    inrichting: str
    titel: Literal["VOORLOPIGE_HECHTENIS", "GEVANGENISSTRAF", "VERVANGENDE_HECHTENIS", "TBS"]


class DjiAntwoord(_Json):
    detenties: list[DjiDetentie]


# ------------------------------------------------------------------------------------------------ Inlichtingenbureau


class IbSignaal(_Json):
    volgnummer: int = Field(ge=1, description="Positie in de feed van de gemeente")
    signaal_id: str
    bsn: str = Field(pattern=r"^[0-9]{9}$")
    signaalsoort: Literal["INKOMEN", "VOERTUIG", "BANKREKENING_BUITENLAND", "DETENTIE", "VERBLIJF_BUITENLAND"]
    periode_begin: date
    periode_einde: date | None = Field(default=None, description="Inclusief; leeg: loopt nog")
    datum_levering: date
    omschrijving: str
    bedrag_cent: int | None = Field(default=None, ge=0)
    kenteken: str | None = None
    landcode: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    instantie: str | None = None


class IbFeedAntwoord(_Json):
    """``GET /inlichtingenbureau/api/v1/gemeenten/{gemeente}/signalen?na=&aantal=``: the signals after volgnummer
    ``na``, oldest first. ``laatsteVolgnummer`` is that of the last signal in this page (null when empty)."""

    gemeente: str = Field(pattern=r"^[0-9]{4}$")
    signalen: list[IbSignaal]
    laatste_volgnummer: int | None
    meer: bool


class IbZoekVerzoek(_Json):
    bsn: str = Field(pattern=r"^[0-9]{9}$")


class IbZoekAntwoord(_Json):
    """``POST /inlichtingenbureau/api/v1/gemeenten/{gemeente}/signalen/zoeken``: all signals of one person."""

    gemeente: str = Field(pattern=r"^[0-9]{4}$")
    signalen: list[IbSignaal]

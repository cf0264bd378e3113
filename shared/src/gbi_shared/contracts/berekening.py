"""Contracts of the domain layer's calculations (Participatiewet): requests and responses over HTTP.

JSON field names are camelCase; every amount is a string with exactly two decimals (``"1401.50"``), never a
number, so no client or proxy turns a euro into a float. Percentages are strings too (``"12.5"``). Dates are
ISO 8601 (``"2026-03-01"``). Models are frozen and reject unknown fields.

Calculations:

* ``BerekeningVerzoek`` -> ``BerekeningAntwoord``            algemene bijstand of a household (Pw 11-34)
* ``BerekeningVerzoek`` -> ``VoorschotAntwoord``             voorschot pending the decision (Pw 52)
* ``BijzondereBijstandVerzoek`` -> ``BijzondereBijstandAntwoord``   bijzondere bijstand under local policy (Pw 35)
* ``NormAntwoord``                                          one norm by category and peildatum (Pw 20-23)
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from gbi_shared.contracts.common import CamelModel, GemeenteCode

__all__ = [
    "Bedrag",
    "BedragMetTeken",
    "BerekeningAntwoord",
    "BerekeningVerzoek",
    "BijzondereBijstandAntwoord",
    "BijzondereBijstandBeleidInvoer",
    "BijzondereBijstandVerzoek",
    "DraagkrachtschijfInvoer",
    "InkomenInvoer",
    "InkomstenSoortCode",
    "KindInvoer",
    "LeefvormCode",
    "MedebewonerInvoer",
    "NormAntwoord",
    "Percentage",
    "PersoonInvoer",
    "RedenUitvoer",
    "RelatieCode",
    "RolCode",
    "ToelichtingregelUitvoer",
    "VermogenInvoer",
    "VoorschotAntwoord",
]

MAX_PERSONEN = 50
MAX_INKOMSTEN = 100

#: A non-negative amount in euro with exactly two decimals: ``"0.00"``, ``"1401.50"``.
Bedrag = Annotated[
    str,
    StringConstraints(pattern=r"^(0|[1-9][0-9]{0,11})\.[0-9]{2}$"),
    Field(description="Bedrag in euro met precies twee decimalen", examples=["1401.50"]),
]
#: An amount that may be negative (net vermogen in an explanation line).
BedragMetTeken = Annotated[
    str,
    StringConstraints(pattern=r"^-?(0|[1-9][0-9]{0,11})\.[0-9]{2}$"),
    Field(description="Bedrag in euro met precies twee decimalen, eventueel negatief", examples=["-250.00"]),
]
#: A percentage with at most two decimals: ``"110"``, ``"12.5"``.
Percentage = Annotated[
    str,
    StringConstraints(pattern=r"^(0|[1-9][0-9]{0,3})(\.[0-9]{1,2})?$"),
    Field(description="Percentage met hoogstens twee decimalen", examples=["110", "12.5"]),
]

LeefvormCode = Literal["alleenstaande", "alleenstaande-ouder", "gehuwden"]
RelatieCode = Literal["ouder", "kind", "broer-zus", "kamerhuurder", "kostganger", "overig"]
RolCode = Literal["aanvrager", "partner"]
InkomstenSoortCode = Literal["arbeid", "uitkering", "alimentatie", "pensioen", "kinderbijslag", "toeslag", "overig"]


# ------------------------------------------------------------------------------------------------ requests


class PersoonInvoer(CamelModel):
    """The claimant or the partner."""

    geboortedatum: date
    in_inrichting: bool = Field(default=False, description="Verblijft in een inrichting (Pw 23)")
    gedetineerd: bool = Field(default=False, description="Rechtens zijn vrijheid ontnomen (Pw 13 lid 1)")
    verblijf_buitenland_dagen: int = Field(
        default=0, ge=0, le=366, description="Dagen buiten Nederland in het kalenderjaar van de peildatum (Pw 13)"
    )
    studiefinanciering: bool = Field(
        default=False, description="Kan studiefinanciering (WSF 2000) of WTOS krijgen (Pw 13 lid 2)"
    )
    medisch_urenbeperkt: bool = Field(
        default=False, description="Medisch urenbeperkt, voor de vrijlating van Pw 31 lid 2 y"
    )
    onttrekt_zich_aan_straf: bool = Field(
        default=False,
        description="Onttrekt zich aan de tenuitvoerlegging van een vrijheidsstraf of vrijheidsbenemende maatregel "
        "(Pw 13 lid 1)",
    )


class KindInvoer(CamelModel):
    """A ten laste komend kind (under 18 on the peildatum)."""

    geboortedatum: date


class MedebewonerInvoer(CamelModel):
    """Another person with their main residence in the home (possible kostendeler, Pw 19a)."""

    geboortedatum: date
    relatie: RelatieCode
    commerciele_huurovereenkomst: bool = Field(
        default=False, description="Huurt of woont in tegen een commerciele prijs op een schriftelijke overeenkomst"
    )
    studiefinanciering: bool = Field(default=False, description="Ontvangt studiefinanciering of WTOS")
    bbl_leerling: bool = Field(
        default=False, description="Volgt de beroepsbegeleidende leerweg (BBL); geen kostendeler (Pw 19a lid 1)"
    )


class InkomenInvoer(CamelModel):
    """Net monthly income of the claimant or partner."""

    persoon: RolCode
    soort: InkomstenSoortCode
    netto_per_maand: Bedrag
    vrijlating_startdatum: date | None = Field(
        default=None, description="Alleen bij arbeid: begin van de vrijlating n (Pw 31 lid 2 n), r volgt daarop"
    )


class VermogenInvoer(CamelModel):
    """Assets of the household (Pw 34)."""

    bezittingen: Bedrag
    schulden: Bedrag
    overwaarde_eigen_woning: Bedrag = "0.00"


class BerekeningVerzoek(CamelModel):
    """A household to calculate algemene bijstand (or a voorschot) for, on a peildatum."""

    gemeente: GemeenteCode = Field(description="CBS-gemeentecode", examples=["0599"])
    peildatum: date
    aanvrager: PersoonInvoer
    partner: PersoonInvoer | None = None
    kinderen: list[KindInvoer] = Field(default_factory=list, max_length=MAX_PERSONEN)
    medebewoners: list[MedebewonerInvoer] = Field(default_factory=list, max_length=MAX_PERSONEN)
    inkomsten: list[InkomenInvoer] = Field(default_factory=list, max_length=MAX_INKOMSTEN)
    vermogen: VermogenInvoer | None = Field(
        default=None,
        description="Niet opgegeven: het vermogen wordt niet getoetst (signalering vermogen-niet-getoetst); "
        "verplicht voor bijzondere bijstand",
    )


class DraagkrachtschijfInvoer(CamelModel):
    """Of the income between vanafPctNorm and totPctNorm (null: no upper bound) percent of the norm,
    pctMeetellen percent counts as draagkracht."""

    vanaf_pct_norm: Percentage
    tot_pct_norm: Percentage | None = None
    pct_meetellen: Percentage


class BijzondereBijstandBeleidInvoer(CamelModel):
    """A gemeente's bijzondere-bijstand policy in force (Pw 35)."""

    beleid_id: str = Field(min_length=1, max_length=200, description="Id en versie van het beleid")
    draagkrachtschijven: list[DraagkrachtschijfInvoer] = Field(max_length=20)
    draagkrachtperiode_maanden: int = Field(ge=1, le=60)
    toegestane_kostensoorten: list[str] = Field(max_length=200)
    wettelijke_drempel: bool = Field(default=True, description="Weigeren onder de wettelijke drempel (Pw 35 lid 2)")
    drempel: Bedrag | None = Field(default=None, description="Eigen drempel, als wettelijkeDrempel false is")
    norm_zonder_kostendelers: bool = False
    norm_inclusief_vakantietoeslag: bool = True


class BijzondereBijstandVerzoek(CamelModel):
    """One cost item of a household under the gemeente's policy."""

    huishouden: BerekeningVerzoek
    kostensoort: str = Field(min_length=1, max_length=200)
    kosten: Bedrag
    inkomen_per_maand: Bedrag = Field(description="Netto inkomen per maand voor de draagkracht, inclusief bijstand")
    beleid: BijzondereBijstandBeleidInvoer


# ------------------------------------------------------------------------------------------------ responses


class RedenUitvoer(CamelModel):
    """A reason (no right, refusal) or a signal, with its article."""

    code: str
    tekst: str
    artikel: str


class ToelichtingregelUitvoer(CamelModel):
    """One step of a calculation: the rule applied, its article, the amount, and the version of the rule data
    used (parameterversie = KEY@geldigVanaf, geldigVanaf its start). Names as in ``proefberekening``."""

    stap: str
    regel: str = Field(description="De toegepaste regel in woorden")
    artikel: str
    bedrag: BedragMetTeken | None = None
    parameterversie: str | None = Field(default=None, description="Versie van de gebruikte parameter (KEY@datum)")
    geldig_vanaf: date | None = None


class BerekeningAntwoord(CamelModel):
    """Right to and amount of algemene bijstand per month.

    bijstandInclusiefVakantietoeslag = norm - inTeKortenInkomen (zero without a right);
    bedragPerMaand = bijstandInclusiefVakantietoeslag - vakantietoeslagReservering.
    """

    gemeente: str
    peildatum: date
    recht: bool
    redenen: list[RedenUitvoer]
    signaleringen: list[RedenUitvoer]
    leefvorm: LeefvormCode
    normcategorie: str | None
    aantal_kostendelers: int | None = Field(description="A van Pw 22a; null als de kostendelersnorm niet geldt")
    norm: Bedrag
    vakantietoeslag_reservering: Bedrag
    in_te_korten_inkomen: Bedrag
    bijstand_inclusief_vakantietoeslag: Bedrag
    bedrag_per_maand: Bedrag
    geldlening: bool = Field(description="Bijstand als geldlening (krediethypotheek, Pw 50)")
    toelichting: list[ToelichtingregelUitvoer]
    regelset_versie: str


class NormAntwoord(CamelModel):
    """One statutory norm (incl. 5% vakantietoeslag) with its article and versions."""

    categorie: str
    bedrag: Bedrag
    artikel: str
    geldig_vanaf: date
    geldig_tot: date | None = Field(description="Exclusief; null is onbepaald")
    versie: str
    bron: str
    regelset_versie: str


class VoorschotAntwoord(CamelModel):
    """Voorschot per month (Pw 52) and the calculation it rests on."""

    peildatum: date
    bedrag: Bedrag
    percentage: Percentage
    grondslag: Bedrag
    berekening: BerekeningAntwoord
    toelichting: list[ToelichtingregelUitvoer]


class BijzondereBijstandAntwoord(CamelModel):
    """Outcome of a bijzondere-bijstand calculation (Pw 35)."""

    toegekend: bool
    bedrag: Bedrag
    kosten: Bedrag
    normcategorie: str
    norm: Bedrag
    draagkracht_per_maand: Bedrag
    draagkracht_inkomen: Bedrag
    draagkracht_vermogen: Bedrag
    draagkracht: Bedrag
    drempel: Bedrag | None
    redenen: list[RedenUitvoer]
    toelichting: list[ToelichtingregelUitvoer]
    beleid_id: str
    regelset_versie: str

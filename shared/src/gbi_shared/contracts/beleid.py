"""Local policy of a gemeente (beleid) as effective-dated versions, and the calculations that apply it.

Policy is data owned by the data service (``/internal/data/v1/beleid/...``) and published by the domain layer
(``/api/v1/beleid/...``), which knows what it means. Every subject (onderwerp) has its own content model::

    onderwerp              inhoud model                        what it sets
    bijzondere-bijstand    BijzondereBijstandBeleidsinhoud     draagkracht bands, period, drempel, cost types (Pw 35)
    afstemming             AfstemmingBeleidsinhoud             lowering per category of culpable behaviour (Pw 18)
    vakantiegeld           VakantiegeldBeleidsinhoud           month in which the vakantietoeslag is paid (Pw 19)
    vierogen               VierogenBeleidsinhoud               when a decision needs a teamleider's approval

Versions are append-only: a change is a new version with a ``geldigVanaf``; the version in force on a peildatum is
the one with the latest ``geldigVanaf`` on or before it (of two with the same date, the higher ``versie``).

This module checks the *form* of the content (:func:`lees_inhoud`; the data service and the domain both use it).
Whether the content makes sense (bands that join up from 0%, known cost types, ...) is the domain layer's check.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Final, Literal, cast

from pydantic import Field, JsonValue, StringConstraints, ValidationError

from gbi_shared.contracts.berekening import (
    Bedrag,
    BerekeningVerzoek,
    BijzondereBijstandAntwoord,
    DraagkrachtschijfInvoer,
    Percentage,
)
from gbi_shared.contracts.common import CamelModel, GemeenteCode
from gbi_shared.errors import BadRequestError, InvalidParam, NotFoundError

__all__ = [
    "INHOUD_MODELLEN",
    "ONDERWERPEN",
    "AfstemmingBeleidsinhoud",
    "Beleidsinhoud",
    "Beleidsversie",
    "BeleidsversieLijst",
    "BeleidsversieNieuw",
    "BeleidsversieVerwijzing",
    "BijzondereBijstandBeleidsinhoud",
    "BijzondereBijstandBerekeningAntwoord",
    "BijzondereBijstandBerekeningVerzoek",
    "Kostensoort",
    "Onderwerp",
    "VakantiegeldBeleidsinhoud",
    "Verlaging",
    "VierogenBeleidsinhoud",
    "beleid_id",
    "check_onderwerp",
    "lees_inhoud",
]

Onderwerp = Literal["bijzondere-bijstand", "afstemming", "vakantiegeld", "vierogen"]
ONDERWERPEN: Final[tuple[str, ...]] = ("bijzondere-bijstand", "afstemming", "vakantiegeld", "vierogen")

#: A cost type code (kebab-case), for example ``bewindvoering``. The domain layer keeps the list of known codes.
Kostensoort = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=80)]
_CODE = r"^[a-z0-9]+(-[a-z0-9]+)*$"


# ------------------------------------------------------------------------------------------------ content


class BijzondereBijstandBeleidsinhoud(CamelModel):
    """Bijzondere bijstand (Pw 35): of the income between vanafPctNorm and totPctNorm percent of the norm,
    pctMeetellen percent counts as draagkracht per month, over draagkrachtperiodeMaanden months. The bands start
    at 0% and join up; only the last one has no upper bound."""

    draagkrachtschijven: list[DraagkrachtschijfInvoer] = Field(min_length=1, max_length=20)
    draagkrachtperiode_maanden: int = Field(ge=1, le=60, description="Periode waarover de draagkracht telt")
    wettelijke_drempel: bool = Field(
        default=True, description="Weigeren onder de wettelijke drempel op de peildatum (Pw 35 lid 2)"
    )
    drempel: Bedrag | None = Field(
        default=None, description="Eigen drempel (alleen als wettelijkeDrempel false is); leeg: geen drempel"
    )
    toegestane_kostensoorten: list[Kostensoort] = Field(
        min_length=1, max_length=100, description="De kostensoorten waarvoor bijzondere bijstand kan worden verleend"
    )
    norm_zonder_kostendelers: bool = Field(
        default=False, description="Draagkracht meten aan de norm alsof er geen kostendelers zijn"
    )
    norm_inclusief_vakantietoeslag: bool = Field(
        default=True, description="Draagkracht meten aan de norm inclusief (true) of exclusief vakantietoeslag"
    )


class Verlaging(CamelModel):
    """One category of the afstemmingsverordening: the lowering of the norm and for how long."""

    categorie: str = Field(min_length=1, max_length=50, pattern=_CODE, examples=["categorie-1"])
    omschrijving: str = Field(min_length=1, max_length=500, description="Welke gedragingen in deze categorie vallen")
    percentage: Percentage = Field(description="Verlaging als percentage van de norm")
    duur_maanden: int = Field(ge=1, le=36, description="Duur van de verlaging in maanden")


class AfstemmingBeleidsinhoud(CamelModel):
    """Afstemmingsverordening (Pw 8 lid 1 a, 18): lowering per category of culpable behaviour."""

    verlagingen: list[Verlaging] = Field(min_length=1, max_length=50)


class VakantiegeldBeleidsinhoud(CamelModel):
    """When the reserved vakantietoeslag (Pw 19 lid 3) is paid out."""

    uitbetalingsmaand: int = Field(ge=1, le=12, description="Maand van uitbetaling (1-12); wettelijk gebruik: 6")


class VierogenBeleidsinhoud(CamelModel):
    """Which decisions need a teamleider's approval (4-ogenprincipe) before they are sent."""

    bedragsgrens_per_maand: Bedrag = Field(
        description="Een besluit boven dit bedrag per maand (of eenmalig) vraagt goedkeuring van een teamleider"
    )
    bij_afwijking_van_berekening: bool = Field(
        default=True, description="Elke afwijking van de berekening vraagt goedkeuring van een teamleider"
    )


Beleidsinhoud = (
    BijzondereBijstandBeleidsinhoud | AfstemmingBeleidsinhoud | VakantiegeldBeleidsinhoud | VierogenBeleidsinhoud
)

INHOUD_MODELLEN: Final[Mapping[str, type[CamelModel]]] = {
    "bijzondere-bijstand": BijzondereBijstandBeleidsinhoud,
    "afstemming": AfstemmingBeleidsinhoud,
    "vakantiegeld": VakantiegeldBeleidsinhoud,
    "vierogen": VierogenBeleidsinhoud,
}

_INHOUD_BESCHRIJVING = (
    "De inhoud van het beleid; de vorm hangt af van het onderwerp: bijzondere-bijstand "
    "{draagkrachtschijven: [{vanafPctNorm, totPctNorm|null, pctMeetellen}], draagkrachtperiodeMaanden, "
    "wettelijkeDrempel, drempel|null, toegestaneKostensoorten, normZonderKostendelers, normInclusiefVakantietoeslag}; "
    "afstemming {verlagingen: [{categorie, omschrijving, percentage, duurMaanden}]}; vakantiegeld "
    "{uitbetalingsmaand}; vierogen {bedragsgrensPerMaand, bijAfwijkingVanBerekening}. Percentages en bedragen zijn "
    'strings ("110", "2500.00").'
)


def check_onderwerp(onderwerp: str) -> str:
    """``onderwerp`` when it is a known policy subject, else 404 (a resource that does not exist)."""
    if onderwerp not in INHOUD_MODELLEN:
        raise NotFoundError(
            f"Onbekend beleidsonderwerp {onderwerp!r}; bekend zijn: {', '.join(ONDERWERPEN)}",
            code="beleidsonderwerp-onbekend",
        )
    return onderwerp


def _veld(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def lees_inhoud(onderwerp: str, inhoud: Mapping[str, Any]) -> Beleidsinhoud:
    """The content of a policy version as its model; 404 for an unknown subject, 400 naming every wrong field
    (``inhoud.draagkrachtschijven[1].pctMeetellen``)."""
    model = INHOUD_MODELLEN[check_onderwerp(onderwerp)]
    try:
        parsed = model.model_validate(inhoud)
    except ValidationError as exc:
        params = [
            InvalidParam(name=_veld(("inhoud", *err["loc"])), code=str(err["type"]), reason=str(err["msg"]))
            for err in exc.errors()
        ]
        names = ", ".join(p.name for p in params[:5])
        raise BadRequestError(f"Ongeldige inhoud voor {onderwerp}: {names}", invalid_params=params) from exc
    return cast(Beleidsinhoud, parsed)


def beleid_id(gemeente: str, onderwerp: str, versie: int, geldig_vanaf: date) -> str:
    """How explanations cite a policy version: ``bijzondere-bijstand/0599/v2@2027-01-01``."""
    return f"{onderwerp}/{gemeente}/v{versie}@{geldig_vanaf.isoformat()}"


# ------------------------------------------------------------------------------------------------ versions


class BeleidsversieNieuw(CamelModel):
    """A new version of a gemeente's policy on one subject (the gemeente is the caller's). ``geldigVanaf`` is
    today or later, and not before the latest version's; a version that is not yet in force can be replaced by a
    new one with the same ``geldigVanaf``."""

    geldig_vanaf: date = Field(description="Eerste dag waarop deze versie geldt")
    toelichting: str = Field(
        min_length=1, max_length=2000, description="Waarom deze versie: besluit, verordening, bron"
    )
    inhoud: dict[str, JsonValue] = Field(description=_INHOUD_BESCHRIJVING)


class Beleidsversie(CamelModel):
    """One version of a gemeente's policy on one subject: what, from when, who recorded it and why."""

    gemeente: GemeenteCode
    onderwerp: Onderwerp
    versie: int = Field(ge=1, description="Volgnummer per gemeente en onderwerp (1, 2, 3, ...)")
    beleid_id: str = Field(description="Zoals berekeningen deze versie noemen (onderwerp/gemeente/vN@geldigVanaf)")
    geldig_vanaf: date
    geldig_tot: date | None = Field(
        description="Exclusief: de geldigVanaf van de volgende versie; leeg zolang er geen volgende is"
    )
    inhoud: dict[str, JsonValue] = Field(description=_INHOUD_BESCHRIJVING)
    toelichting: str
    aangemaakt_door: str = Field(description="Wie deze versie vastlegde (actor uit de context; 'seed' bij installatie)")
    aangemaakt_op: datetime


class BeleidsversieLijst(CamelModel):
    """All versions of a gemeente's policy on one subject, oldest first."""

    items: list[Beleidsversie]


class BeleidsversieVerwijzing(CamelModel):
    """The policy version a calculation applied."""

    gemeente: GemeenteCode
    onderwerp: Onderwerp
    versie: int
    geldig_vanaf: date
    beleid_id: str


# ------------------------------------------------------------------------------------------------ calculation


class BijzondereBijstandBerekeningVerzoek(CamelModel):
    """One cost item of a household; the policy is the gemeente's (huishouden.gemeente) in force on the
    peildatum (huishouden.peildatum)."""

    huishouden: BerekeningVerzoek
    kostensoort: Kostensoort = Field(examples=["bewindvoering"])
    kosten: Bedrag
    inkomen_per_maand: Bedrag = Field(description="Netto inkomen per maand voor de draagkracht, inclusief bijstand")


class BijzondereBijstandBerekeningAntwoord(BijzondereBijstandAntwoord):
    """Bijzondere bijstand (Pw 35) under the gemeente's policy, naming the version applied."""

    beleidsversie: BeleidsversieVerwijzing

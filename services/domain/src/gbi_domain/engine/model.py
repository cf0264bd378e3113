"""Input and output values of the engine: frozen dataclasses with slots, amounts in integer euro cents.

These are the engine's own types; the HTTP contracts (pydantic, amounts as ``"1234.56"`` strings) live in
``gbi_shared.contracts.berekening`` and are converted at the edge by :mod:`gbi_domain.mapping`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from gbi_domain.engine.snel import snel_init

__all__ = [
    "Berekening",
    "Huishouden",
    "Inkomen",
    "InkomstenSoort",
    "Leefvorm",
    "Medebewoner",
    "Persoon",
    "Reden",
    "Relatie",
    "Rol",
    "Toelichtingregel",
    "Vermogen",
]


class Leefvorm(StrEnum):
    """Household type (Pw art. 3 and 4): the unmarried cohabitant counts as gehuwd."""

    ALLEENSTAANDE = "alleenstaande"
    ALLEENSTAANDE_OUDER = "alleenstaande-ouder"
    GEHUWDEN = "gehuwden"


class Relatie(StrEnum):
    """Relation of a co-resident to the claimant; ouder, kind and broer-zus are 1st/2nd degree relatives."""

    OUDER = "ouder"
    KIND = "kind"
    BROER_ZUS = "broer-zus"
    KAMERHUURDER = "kamerhuurder"
    KOSTGANGER = "kostganger"
    OVERIG = "overig"


class Rol(StrEnum):
    """Whose income it is."""

    AANVRAGER = "aanvrager"
    PARTNER = "partner"


class InkomstenSoort(StrEnum):
    """Kind of income (Pw art. 31-32). ``alimentatie`` is alimony for the claimant or partner; child alimony is
    income of the child and does not belong in the household's income list."""

    ARBEID = "arbeid"
    UITKERING = "uitkering"
    ALIMENTATIE = "alimentatie"
    PENSIOEN = "pensioen"
    KINDERBIJSLAG = "kinderbijslag"
    TOESLAG = "toeslag"
    OVERIG = "overig"


@snel_init
@dataclass(frozen=True, slots=True)
class Persoon:
    """The claimant or the partner.

    ``verblijf_buitenland_dagen`` counts the days outside the Netherlands in the calendar year of the
    peildatum (Pw art. 13 lid 1). ``studiefinanciering``: can get student finance (WSF 2000) or WTOS for the
    education followed (Pw art. 13 lid 2). ``medisch_urenbeperkt``: medically limited in working hours, for
    the y-vrijlating (Pw art. 31 lid 2 y). ``onttrekt_zich_aan_straf``: evades the execution of a custodial
    sentence or measure (Pw art. 13 lid 1).
    """

    geboortedatum: date
    in_inrichting: bool = False
    gedetineerd: bool = False
    verblijf_buitenland_dagen: int = 0
    studiefinanciering: bool = False
    medisch_urenbeperkt: bool = False
    onttrekt_zich_aan_straf: bool = False


@snel_init
@dataclass(frozen=True, slots=True)
class Medebewoner:
    """Someone else with their main residence in the same home (a possible kostendeler, Pw art. 19a).

    ``commerciele_huurovereenkomst``: rents or boards at a commercial price on a written contract.
    ``studiefinanciering``: receives student finance or WTOS. ``bbl_leerling``: follows the beroepsbegeleidende
    leerweg (BBL, WEB). Neither is a kostendeler (Pw art. 19a lid 1).
    """

    geboortedatum: date
    relatie: Relatie
    commerciele_huurovereenkomst: bool = False
    studiefinanciering: bool = False
    bbl_leerling: bool = False


@snel_init
@dataclass(frozen=True, slots=True)
class Inkomen:
    """Net income per month of the claimant or partner.

    ``vrijlating_startdatum`` (work income only) is the start of the n-vrijlating period; the r-vrijlating
    follows it (Pw art. 31 lid 2 n and r). Without it neither n nor r is applied.
    """

    persoon: Rol
    soort: InkomstenSoort
    netto_per_maand: int
    vrijlating_startdatum: date | None = None


@snel_init
@dataclass(frozen=True, slots=True)
class Vermogen:
    """Assets of the household (Pw art. 34): possessions and debts, and the equity in an owner-occupied home
    (kept apart: up to the limit of art. 34 lid 2 d it is exempt)."""

    bezittingen: int
    schulden: int
    overwaarde_eigen_woning: int = 0


@snel_init
@dataclass(frozen=True, slots=True)
class Huishouden:
    """Everything the household calculation decides on. ``gemeente`` is the CBS code of the municipality.

    ``vermogen`` ``None`` means not declared (an estimate such as a proefberekening): the vermogen test is then
    not done and the result carries the signal ``vermogen-niet-getoetst``; a decision must pass it.
    """

    gemeente: str
    peildatum: date
    aanvrager: Persoon
    vermogen: Vermogen | None = None
    partner: Persoon | None = None
    kinderen: tuple[date, ...] = ()
    medebewoners: tuple[Medebewoner, ...] = ()
    inkomsten: tuple[Inkomen, ...] = ()


class Reden(NamedTuple):
    """A reason (no right, refusal) or a signal for the caseworker, with the article it rests on.

    (An immutable named tuple rather than a frozen dataclass: it is built many times per calculation.)
    """

    code: str
    tekst: str
    artikel: str


class Toelichtingregel(NamedTuple):
    """One step of a calculation: what was done, the amount (cents) if any, the article, and the version of the
    rule data used (``parameter`` is the row id ``KEY@geldigVanaf``). An immutable named tuple for speed."""

    stap: str
    tekst: str
    artikel: str
    bedrag: int | None = None
    parameter: str | None = None
    geldig_vanaf: date | None = None


@snel_init
@dataclass(frozen=True, slots=True)
class Berekening:
    """The outcome of the household calculation (algemene bijstand, Pw art. 11, 19-34), amounts in cents.

    ``bijstand`` = norm - counted income (never below zero, zero without a right); it includes the 5%
    vakantietoeslag, of which ``vakantietoeslag_reservering`` is reserved, so ``bedrag_per_maand`` (paid
    monthly) = ``bijstand - vakantietoeslag_reservering``. ``aantal_kostendelers`` is the A of art. 22a, or
    ``None`` when the kostendelersnorm does not apply. ``geldlening``: bijstand as a loan (art. 50, equity in the
    home above the exempt amount).
    """

    gemeente: str
    peildatum: date
    recht: bool
    redenen: tuple[Reden, ...]
    signaleringen: tuple[Reden, ...]
    leefvorm: Leefvorm
    normcategorie: str | None
    aantal_kostendelers: int | None
    norm: int
    in_te_korten_inkomen: int
    bijstand: int
    vakantietoeslag_reservering: int
    bedrag_per_maand: int
    geldlening: bool
    toelichting: tuple[Toelichtingregel, ...]
    regelset_versie: str

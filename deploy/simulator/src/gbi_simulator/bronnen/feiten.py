"""What the simulated sources know about one person: plain facts with absolute dates, money in cents.

The facts are built for a given day (the simulator's clock): hand-picked persons (``profielen``) and the generated
rest (``generator``) are described relative to that day, so every test person stays useful whatever the clock says.
End dates here are **inclusive** (the last day), as the Suwinet messages deliver them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = [
    "Detentie",
    "Feiten",
    "Hypotheek",
    "Ikv",
    "Onroerend",
    "Signaal",
    "Studieschuld",
    "Toekenning",
    "Voertuig",
    "dag",
    "laatste_dag",
    "maand",
]


def maand(today: date, offset: int) -> date:
    """The first day of the month ``offset`` months from today's month (negative: in the past)."""
    index = today.year * 12 + today.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def laatste_dag(today: date, offset: int) -> date:
    """The last day of the month ``offset`` months from today's month."""
    return maand(today, offset + 1) - timedelta(days=1)


def dag(today: date, offset: int) -> date:
    return today + timedelta(days=offset)


@dataclass(frozen=True, slots=True)
class Ikv:
    """An inkomstenverhouding (UWV polis): who pays, what kind (CdSrtIkv), from when, how much a month."""

    nummer: str
    loonheffingennr: str
    naam: str
    cd_srt_ikv: str
    begin: date
    einde: date | None
    bruto: int
    uren: int | None = None


@dataclass(frozen=True, slots=True)
class Voertuig:
    """A vehicle with its tenaamstelling (RDW aansprakelijkheid). ``categorie`` is the EU vehicle category."""

    kenteken: str
    categorie: str
    merk: str
    handelsbenaming: str
    eerste_toelating: date
    tenaamstelling: date
    einde_tenaamstelling: date | None
    catalogusprijs: int | None


@dataclass(frozen=True, slots=True)
class Hypotheek:
    bedrag: int
    hypotheekhouder: str
    inschrijving: date


@dataclass(frozen=True, slots=True)
class Onroerend:
    """A right on a perceel or appartementsrecht (BRK), its address, WOZ value and registered mortgages."""

    kadastrale_gemeente_code: str
    kadastrale_gemeente: str
    sectie: str
    perceelnummer: int
    appartementsindex: int | None
    omschrijving: str
    straat: str
    huisnummer: int
    huisletter: str | None
    toevoeging: str | None
    postcode: str
    woonplaats: str
    aard_recht: str
    teller: int
    noemer: int
    verkregen: date
    koopsom: int | None
    woz: int
    woz_peildatum: date
    eigenaar_bewoner: bool
    hypotheken: tuple[Hypotheek, ...] = ()

    @property
    def aanduiding(self) -> str:
        base = f"{self.kadastrale_gemeente_code} {self.sectie} {self.perceelnummer}"
        return base if self.appartementsindex is None else f"{base} A{self.appartementsindex}"


@dataclass(frozen=True, slots=True)
class Toekenning:
    """A grant of WSF 2000 or WTOS (DUO)."""

    regeling: str
    onderwijs: str
    begin: date
    einde: date | None
    bedrag: int
    prestatiebeurs: bool


@dataclass(frozen=True, slots=True)
class Studieschuld:
    bedrag: int
    peildatum: date


@dataclass(frozen=True, slots=True)
class Detentie:
    """A detention (DJI): from insluiting to ontslag (the day of release; None: still detained)."""

    detentie_id: str
    insluiting: date
    ontslag: date | None
    inrichting: str
    titel: str


@dataclass(frozen=True, slots=True)
class Signaal:
    """An Inlichtingenbureau signal about a person, before it gets its place in the gemeente's feed."""

    bsn: str
    soort: str
    begin: date
    einde: date | None
    geleverd: date
    omschrijving: str
    bedrag: int | None = None
    kenteken: str | None = None
    land: str | None = None
    instantie: str | None = None


@dataclass(slots=True)
class Feiten:
    """Everything the simulated sources know about one person on one day."""

    bsn: str
    ikvs: list[Ikv] = field(default_factory=list)
    voertuigen: list[Voertuig] = field(default_factory=list)
    onroerend: list[Onroerend] = field(default_factory=list)
    toekenningen: list[Toekenning] = field(default_factory=list)
    studieschuld: Studieschuld | None = None
    detenties: list[Detentie] = field(default_factory=list)
    signalen: list[Signaal] = field(default_factory=list)

    def leeg(self) -> bool:
        return not (
            self.ikvs
            or self.voertuigen
            or self.onroerend
            or self.toekenningen
            or self.studieschuld
            or self.detenties
            or self.signalen
        )

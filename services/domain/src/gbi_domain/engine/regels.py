"""Effective-dated rule data: norms, amounts and rule parameters, loaded once from package data.

The data lives in ``gbi_domain/rules/`` as CSV in one long format, one row per key per period:

* ``normbedragen.csv`` - the norms of Pw art. 20-23 and 22a lid 3 (``key,artikel,geldigVanaf,geldigTot,bedrag,bron``)
* ``bedragen.csv``     - other amounts: vermogensgrenzen (art. 34), vrijlatingen (art. 31), drempel (art. 35), ...
* ``parameters.csv``   - non-monetary parameters (``...,waarde,eenheid,bron``): percentages, ages, durations

``geldigTot`` is exclusive; a blank means open-ended. A key without a row on a date has no value on that date:
every lookup then raises :class:`~gbi_domain.errors.NotFoundError` naming the key and the date. The engine never
falls back to an older or a newer amount.

Every row has an id ``KEY@geldigVanaf`` (the *parameter version*) that calculations cite in their explanation;
the whole rule set has a version (a hash of the three files) that makes a calculation reproducible.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Final

from gbi_domain.engine.datums import grensdatum_leeftijd, grensdatum_maanden, plus_maanden
from gbi_domain.errors import NotFoundError

__all__ = [
    "AOW_LEEFTIJD",
    "NORM_CATEGORIEEN",
    "Eenheid",
    "Peilregels",
    "Regel",
    "Regelset",
    "Soort",
    "laad_regelset",
    "peilregels",
    "standaard_regelset",
]

AOW_LEEFTIJD: Final = "AOW_LEEFTIJD"

#: The norm categories of normbedragen.csv (Pw art. 20, 21, 22, 22a lid 3 and 23).
NORM_CATEGORIEEN: Final = frozenset(
    {
        "J", "JK", "JJ", "JJK", "MJ", "MJK", "J_VERHOGING", "M", "MM", "O", "OO", "MO",
        "KD_JONG_MET_KIND", "KD_JONG_ZONDER_KIND", "I", "II", "I_VERHOGING", "II_VERHOGING",
    }
)  # fmt: skip

_BESTANDEN: Final = ("normbedragen.csv", "bedragen.csv", "parameters.csv")
_VENSTER_SLEUTEL: Final = "MM"


class Eenheid(StrEnum):
    """Unit of a rule value; fixes what :attr:`Regel.geheel` holds."""

    EUR = "EUR"  # geheel: euro cents
    PCT = "PCT"  # geheel: basis points (1% = 100)
    JAAR = "JAAR"
    MAANDEN = "MAANDEN"
    WEKEN = "WEKEN"


class Soort(StrEnum):
    """Which file a key comes from."""

    NORM = "norm"
    BEDRAG = "bedrag"
    PARAMETER = "parameter"


@dataclass(frozen=True, slots=True)
class Regel:
    """One value of one key for one period ``[geldig_vanaf, geldig_tot)``."""

    key: str
    artikel: str
    geldig_vanaf: date
    geldig_tot: date | None
    waarde: Decimal
    eenheid: Eenheid
    bron: str
    soort: Soort
    geheel: int  # cents (EUR), basis points (PCT) or a whole number (JAAR, MAANDEN, WEKEN)
    id: str  # the parameter version, "KEY@geldigVanaf"

    def geldig_op(self, peildatum: date) -> bool:
        """Whether this value is in force on ``peildatum``."""
        return self.geldig_vanaf <= peildatum and (self.geldig_tot is None or peildatum < self.geldig_tot)


def _fout(bestand: str, regelnummer: int, tekst: str) -> ValueError:
    return ValueError(f"{bestand} regel {regelnummer}: {tekst}")


def _lees(bestand: str, tekst: str, soort: Soort) -> list[Regel]:
    reader = csv.DictReader(io.StringIO(tekst))
    waardekolom = "waarde" if soort is Soort.PARAMETER else "bedrag"
    verwacht = ["key", "artikel", "geldigVanaf", "geldigTot", waardekolom, "bron"]
    if soort is Soort.PARAMETER:
        verwacht.insert(5, "eenheid")
    if reader.fieldnames != verwacht:
        raise _fout(bestand, 1, f"kolommen {reader.fieldnames} in plaats van {verwacht}")
    regels: list[Regel] = []
    for nummer, rij in enumerate(reader, start=2):
        try:
            vanaf = date.fromisoformat(rij["geldigVanaf"])
            tot = date.fromisoformat(rij["geldigTot"]) if rij["geldigTot"] else None
            waarde = Decimal(rij[waardekolom])
        except (ValueError, InvalidOperation) as exc:
            raise _fout(bestand, nummer, str(exc)) from exc
        if tot is not None and tot <= vanaf:
            raise _fout(bestand, nummer, "geldigTot ligt niet na geldigVanaf")
        if not rij["key"] or not rij["artikel"] or not rij["bron"]:
            raise _fout(bestand, nummer, "key, artikel en bron zijn verplicht")
        eenheid = Eenheid(rij["eenheid"]) if soort is Soort.PARAMETER else Eenheid.EUR
        if eenheid is Eenheid.EUR:
            if waarde.as_tuple().exponent != -2 or waarde < 0:
                raise _fout(bestand, nummer, "bedrag moet niet-negatief zijn met precies twee decimalen")
            geheel = int(waarde * 100)
        elif eenheid is Eenheid.PCT:
            geheel_pct = waarde * 100
            if geheel_pct != geheel_pct.to_integral_value() or waarde < 0:
                raise _fout(bestand, nummer, "percentage met hoogstens twee decimalen")
            geheel = int(geheel_pct)
        else:
            if waarde != waarde.to_integral_value() or waarde < 0:
                raise _fout(bestand, nummer, f"{eenheid} moet een geheel getal zijn")
            geheel = int(waarde)
        regels.append(
            Regel(
                key=rij["key"],
                artikel=rij["artikel"],
                geldig_vanaf=vanaf,
                geldig_tot=tot,
                waarde=waarde,
                eenheid=eenheid,
                bron=rij["bron"],
                soort=soort,
                geheel=geheel,
                id=f"{rij['key']}@{vanaf.isoformat()}",
            )
        )
    return regels


@dataclass(frozen=True, slots=True)
class Regelset:
    """All rule data, indexed by key, each key's periods sorted and non-overlapping."""

    regels: Mapping[str, tuple[Regel, ...]]
    versie: str
    venster_vanaf: date
    venster_tot: date
    _peil_cache: dict[date, Peilregels] = field(default_factory=dict, compare=False, repr=False)
    _aow_cache: dict[date, date | bool] = field(default_factory=dict, compare=False, repr=False)

    def zoek(self, key: str, peildatum: date) -> Regel:
        """The value of ``key`` in force on ``peildatum``.

        Raises :class:`NotFoundError` when the key is unknown, when ``peildatum`` lies outside the periods the
        system knows, or when the key does not apply in that period (a blank in the source table).
        """
        perioden = self.regels.get(key)
        if perioden is None:
            raise NotFoundError("sleutel", key, None, f"Onbekende sleutel {key!r}: geen norm, bedrag of parameter.")
        for regel in perioden:
            if regel.geldig_op(peildatum):
                return regel
        onderwerp = "normcategorie" if perioden[0].soort is Soort.NORM else "parameter"
        raise NotFoundError(onderwerp, key, peildatum, self._niet_op_datum(key, perioden, peildatum))

    def _niet_op_datum(self, key: str, perioden: tuple[Regel, ...], peildatum: date) -> str:
        if not self.venster_vanaf <= peildatum < self.venster_tot:
            return (
                f"{key!r} is niet bekend op {peildatum.isoformat()}: de regels van dit systeem gelden van "
                f"{self.venster_vanaf.isoformat()} tot {self.venster_tot.isoformat()} (exclusief)."
            )
        bekend = ", ".join(
            f"{r.geldig_vanaf.isoformat()} tot {r.geldig_tot.isoformat() if r.geldig_tot else 'onbepaald'}"
            for r in perioden
        )
        return f"{key!r} is niet van toepassing op {peildatum.isoformat()} (wel bekend: {bekend})."

    def peil(self, peildatum: date) -> Peilregels:
        """The rules in force on ``peildatum``, cached per date (the window holds a few hundred dates)."""
        gevonden = self._peil_cache.get(peildatum)
        if gevonden is None:
            gevonden = Peilregels.maak(self, peildatum)
            if len(self._peil_cache) < 10_000:
                self._peil_cache[peildatum] = gevonden
        return gevonden

    def aow_datum(self, geboortedatum: date) -> date | bool:
        """The date on which someone born on ``geboortedatum`` reaches the pensioengerechtigde leeftijd.

        The AOW age of a calendar year applies to who reaches it in that year (AOW art. 7a); where two rows
        qualify (67 years falls in 2027 and 67 years and 3 months in 2028) the later date applies, as in the
        SVB tables (born from 1 October 1960: 67 years and 3 months). Returns ``True`` when the person reached
        it before the first known row (AOW ages before 2024 were all lower), ``False`` when it falls after
        the last known row (the AOW age never decreases, so that date is at least
        ``geboortedatum + last known age``: see :meth:`Peilregels.aow_bereikt`).

        Limit: a date found in the last known row is final only if the next year's AOW age (not yet in the
        data) does not move it; that matters from peildata in the last known year, far beyond the norms.
        """
        bekend = self._aow_cache.get(geboortedatum)
        if bekend is not None:
            return bekend
        perioden = self.regels[AOW_LEEFTIJD]
        kandidaten = [d for r in perioden if r.geldig_op(d := plus_maanden(geboortedatum, r.geheel))]
        uitkomst: date | bool
        if kandidaten:
            uitkomst = max(kandidaten)
        elif plus_maanden(geboortedatum, perioden[0].geheel) < perioden[0].geldig_vanaf:
            uitkomst = True
        else:
            uitkomst = False
        self._aow_cache[geboortedatum] = uitkomst
        return uitkomst


def laad_regelset(bestanden: Mapping[str, str] | None = None) -> Regelset:
    """Load and validate the rule data (package data unless ``bestanden`` maps file name -> CSV text)."""
    teksten: dict[str, str] = {}
    pakket = resources.files("gbi_domain.rules")
    for naam in _BESTANDEN:
        teksten[naam] = bestanden[naam] if bestanden is not None else (pakket / naam).read_text("utf-8")
    soorten = {"normbedragen.csv": Soort.NORM, "bedragen.csv": Soort.BEDRAG, "parameters.csv": Soort.PARAMETER}
    per_key: dict[str, list[Regel]] = {}
    herkomst: dict[str, str] = {}
    for naam, tekst in teksten.items():
        for regel in _lees(naam, tekst, soorten[naam]):
            if herkomst.setdefault(regel.key, naam) != naam:
                raise ValueError(f"sleutel {regel.key!r} staat in {herkomst[regel.key]} en in {naam}")
            per_key.setdefault(regel.key, []).append(regel)
    geordend: dict[str, tuple[Regel, ...]] = {}
    for key, lijst in per_key.items():
        lijst.sort(key=lambda r: r.geldig_vanaf)
        for vorige, volgende in pairwise(lijst):
            if vorige.geldig_tot is None or vorige.geldig_tot > volgende.geldig_vanaf:
                raise ValueError(f"{key}: perioden {vorige.id} en {volgende.id} overlappen")
            if vorige.eenheid is not volgende.eenheid:
                raise ValueError(f"{key}: eenheid wisselt tussen {vorige.id} en {volgende.id}")
        geordend[key] = tuple(lijst)
    onbekend = NORM_CATEGORIEEN - {k for k, v in geordend.items() if v[0].soort is Soort.NORM}
    if onbekend:
        raise ValueError(f"normcategorieen zonder data: {sorted(onbekend)}")
    if AOW_LEEFTIJD not in geordend:
        raise ValueError("AOW_LEEFTIJD ontbreekt")
    venster = geordend[_VENSTER_SLEUTEL]
    venster_tot = venster[-1].geldig_tot
    if venster_tot is None:
        raise ValueError(f"{_VENSTER_SLEUTEL} moet een einddatum hebben: het systeem kent geen open toekomst")
    hasher = hashlib.sha256()
    for naam in _BESTANDEN:
        hasher.update(naam.encode())
        hasher.update(teksten[naam].encode("utf-8"))
    return Regelset(
        regels=geordend,
        versie=hasher.hexdigest()[:12],
        venster_vanaf=venster[0].geldig_vanaf,
        venster_tot=venster_tot,
    )


@lru_cache(maxsize=1)
def standaard_regelset() -> Regelset:
    """The rule set shipped with this package, loaded once per process."""
    return laad_regelset()


@dataclass(frozen=True, slots=True)
class Peilregels:
    """The rules in force on one peildatum, with the age limits derived from them precomputed.

    ``grens_N`` is the latest birth date of someone who has reached that age on the peildatum, so an age check
    is one comparison (see :func:`gbi_domain.engine.datums.grensdatum_leeftijd`).
    """

    regelset: Regelset
    peildatum: date
    in_kracht: Mapping[str, Regel]
    grens_meerderjarig: date
    grens_volwassen: date
    grens_kostendeler: date
    grens_studiefinanciering: date
    grens_vrijlating: date
    grens_kind_r: date
    grens_aow_minimum: date
    grens_aow_maximum: date
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)
    """Per-peildatum memo for values derived from the rules (explanation lines that only depend on them)."""

    @staticmethod
    def maak(regelset: Regelset, peildatum: date) -> Peilregels:
        """Resolve every key on ``peildatum``; fails when the date lies outside the system's window."""
        if not regelset.venster_vanaf <= peildatum < regelset.venster_tot:
            raise NotFoundError(
                "peildatum",
                _VENSTER_SLEUTEL,
                peildatum,
                f"Peildatum {peildatum.isoformat()} valt buiten de perioden die dit systeem kent "
                f"({regelset.venster_vanaf.isoformat()} tot {regelset.venster_tot.isoformat()}, exclusief).",
            )
        in_kracht: dict[str, Regel] = {}
        for key, perioden in regelset.regels.items():
            for regel in perioden:
                if regel.geldig_op(peildatum):
                    in_kracht[key] = regel
                    break

        def jaren(key: str) -> date:
            return grensdatum_leeftijd(peildatum, regelset.zoek(key, peildatum).geheel)

        aow = [r.geheel for r in regelset.regels[AOW_LEEFTIJD]]

        return Peilregels(
            regelset=regelset,
            peildatum=peildatum,
            in_kracht=in_kracht,
            grens_meerderjarig=jaren("LEEFTIJD_MEERDERJARIG"),
            grens_volwassen=jaren("LEEFTIJD_VOLWASSENENNORM"),
            grens_kostendeler=jaren("KOSTENDELER_MIN_LEEFTIJD"),
            grens_studiefinanciering=jaren("STUDIEFINANCIERING_UITSLUITING_TOT_LEEFTIJD"),
            grens_vrijlating=jaren("VRIJLATING_MIN_LEEFTIJD"),
            grens_kind_r=jaren("VRIJLATING_R_KIND_TOT_LEEFTIJD"),
            grens_aow_minimum=grensdatum_maanden(peildatum, min(aow)),
            grens_aow_maximum=grensdatum_maanden(peildatum, max(aow)),
        )

    def regel(self, key: str) -> Regel:
        """The row of ``key`` in force on this peildatum; :class:`NotFoundError` when there is none."""
        regel = self.in_kracht.get(key)
        if regel is None:
            return self.regelset.zoek(key, self.peildatum)  # raises NotFoundError with the right message
        return regel

    def aow_bereikt(self, geboortedatum: date) -> bool:
        """Whether the person has reached the pensioengerechtigde leeftijd on this peildatum (AOW art. 7a)."""
        if geboortedatum > self.grens_aow_minimum:
            return False  # younger than the lowest AOW age the system knows; AOW ages never decrease
        aow = self.regelset.aow_datum(geboortedatum)
        if aow is True:
            return True
        if aow is False:
            if geboortedatum > self.grens_aow_maximum:
                return False
            raise NotFoundError(
                "parameter",
                AOW_LEEFTIJD,
                self.peildatum,
                f"De pensioengerechtigde leeftijd voor geboortedatum {geboortedatum.isoformat()} is niet bekend "
                "in de regels van dit systeem.",
            )
        assert isinstance(aow, date)
        return aow <= self.peildatum


def peilregels(peildatum: date) -> Peilregels:
    """The shipped rules in force on ``peildatum`` (cached)."""
    return standaard_regelset().peil(peildatum)

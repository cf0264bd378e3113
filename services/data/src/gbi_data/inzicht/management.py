"""Management figures of one gemeente over a period, computed by the database.

Every figure comes from a handful of grouped queries (``GROUP BY`` on the database, never a row per case in
Python): the aanvragen and besluiten per month, the decisions grouped by their lead time in days and whether a
person was involved, and the unfinished tasks grouped by role, status and age class. Python only folds those
groups (at most a few hundred: one per distinct lead time) into the answer, so the cost does not grow with the
number of cases beyond what the indexes on ``(gemeente, ...)`` make the database read.

Definitions (also in the contract, :mod:`gbi_shared.contracts.inzicht`):

- *ingekomen*: aanvragen whose ``aanvraagdatum`` lies in the period; *besloten*: besluiten whose ``datum`` does.
- *doorlooptijd*: ``besluit.datum - aanvraag.aanvraagdatum`` in days, for the besluiten of the period.
- *binnen de beslistermijn*: a lead time of at most 56 days (8 weeks, Awb 4:13 / art. 44 Pw), extensions
  (verdaging) not counted.
- *straight through*: no task was ever made for the aanvraag (no person worked on it before the decision).
- *open taken*: tasks ``open`` or ``geclaimd`` at the data service's clock, by role, with the age since creation.

Every query names the gemeente; on PostgreSQL row-level security binds the same rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, get_args

from sqlalchemy import ColumnElement, Integer, String, and_, case, cast, exists, func, literal, select
from sqlalchemy.orm import Session

from gbi_data.alo.models import Aanvraag, Besluit, Taak
from gbi_shared.contracts.alo import TaakRol
from gbi_shared.contracts.inzicht import (
    BESLISTERMIJN_DAGEN,
    Aandeel,
    BesluitAantal,
    Doorlooptijd,
    DoorlooptijdKlasse,
    LeeftijdKlasse,
    MaandCijfers,
    Managementinformatie,
    OpenTakenRol,
)
from gbi_shared.tijd import nl_datum

__all__ = [
    "DOORLOOPTIJD_KLASSEN",
    "LEEFTIJD_KLASSEN",
    "MAX_PERIODE_DAGEN",
    "maanden",
    "managementinformatie",
    "twaalf_maanden_tot",
    "vandaag",
]

#: The longest period one request may cover (keeps the month series short).
MAX_PERIODE_DAGEN = 3 * 366
#: Lead-time classes in days (both bounds included; None: open-ended), in weeks 1, 2, 4, 6, 8 and beyond.
DOORLOOPTIJD_KLASSEN: tuple[tuple[int, int | None], ...] = ((0, 7), (8, 14), (15, 28), (29, 42), (43, 56), (57, None))
#: Age classes of unfinished tasks in whole days.
LEEFTIJD_KLASSEN: tuple[tuple[int, int | None], ...] = ((0, 0), (1, 7), (8, 28), (29, None))
_ROLLEN: tuple[str, ...] = get_args(TaakRol)
_SOORTEN = ("toekenning", "afwijzing", "buiten-behandeling")


def _label(van: int, tot: int | None) -> str:
    if tot is None:
        return f"{van} dagen of meer"
    if van == tot:
        return "minder dan 1 dag" if van == 0 else f"{van} dagen"
    return f"{van}-{tot} dagen"


def _procent(aantal: int, van: int) -> str | None:
    if van == 0:
        return None
    return str((Decimal(aantal) * 100 / Decimal(van)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _maand(column: Any, dialect: str) -> ColumnElement[str]:
    """``YYYY-MM`` of a date column, on the database."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return cast(func.strftime("%Y-%m", column), String)


def _dagen(later: Any, earlier: Any, dialect: str) -> ColumnElement[int]:
    """Whole days between two date columns, on the database."""
    if dialect == "postgresql":
        return cast(later - earlier, Integer)
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def maanden(van: date, tot: date) -> list[str]:
    """Every calendar month the period touches, oldest first."""
    out: list[str] = []
    jaar, maand = van.year, van.month
    while (jaar, maand) <= (tot.year, tot.month):
        out.append(f"{jaar:04d}-{maand:02d}")
        jaar, maand = (jaar + 1, 1) if maand == 12 else (jaar, maand + 1)
    return out


@dataclass(frozen=True, slots=True)
class _Besluitgroep:
    dagen: int
    automatisch: bool
    aantal: int


def _per_maand(session: Session, gemeente: str, van: date, tot: date, dialect: str) -> list[MaandCijfers]:
    in_maand = _maand(Aanvraag.aanvraagdatum, dialect)
    ingekomen = dict(
        session.execute(
            select(in_maand, func.count())
            .where(Aanvraag.gemeente == gemeente, Aanvraag.aanvraagdatum >= van, Aanvraag.aanvraagdatum <= tot)
            .group_by(in_maand)
        ).all()
    )
    besluit_maand = _maand(Besluit.datum, dialect)
    besloten = dict(
        session.execute(
            select(besluit_maand, func.count())
            .where(Besluit.gemeente == gemeente, Besluit.datum >= van, Besluit.datum <= tot)
            .group_by(besluit_maand)
        ).all()
    )
    return [
        MaandCijfers(maand=m, ingekomen=int(ingekomen.get(m, 0)), besloten=int(besloten.get(m, 0)))
        for m in maanden(van, tot)
    ]


def _besluitgroepen(session: Session, gemeente: str, van: date, tot: date, dialect: str) -> list[_Besluitgroep]:
    dagen = _dagen(Besluit.datum, Aanvraag.aanvraagdatum, dialect).label("dagen")
    met_taak = exists().where(Taak.gemeente == gemeente, Taak.aanvraag_id == Besluit.aanvraag_id)
    automatisch = case((met_taak, literal(0)), else_=literal(1)).label("automatisch")
    rows = session.execute(
        select(dagen, automatisch, func.count())
        .select_from(Besluit)
        .join(Aanvraag, and_(Aanvraag.id == Besluit.aanvraag_id, Aanvraag.gemeente == Besluit.gemeente))
        .where(Besluit.gemeente == gemeente, Besluit.datum >= van, Besluit.datum <= tot)
        .group_by(dagen, automatisch)
    )
    return [_Besluitgroep(max(int(d), 0), bool(a), int(n)) for d, a, n in rows]


def _besluiten(session: Session, gemeente: str, van: date, tot: date) -> list[BesluitAantal]:
    counted = dict(
        session.execute(
            select(Besluit.soort, func.count())
            .where(Besluit.gemeente == gemeente, Besluit.datum >= van, Besluit.datum <= tot)
            .group_by(Besluit.soort)
        ).all()
    )
    return [BesluitAantal(soort=s, aantal=int(counted.get(s, 0))) for s in _SOORTEN]


def _doorlooptijd(groepen: Sequence[_Besluitgroep]) -> Doorlooptijd:
    per_dag: Counter[int] = Counter()
    for g in groepen:
        per_dag[g.dagen] += g.aantal
    totaal = sum(per_dag.values())
    klassen = [
        DoorlooptijdKlasse(
            label=_label(lo, hi),
            van_dagen=lo,
            tot_en_met_dagen=hi,
            aantal=sum(n for d, n in per_dag.items() if d >= lo and (hi is None or d <= hi)),
        )
        for lo, hi in DOORLOOPTIJD_KLASSEN
    ]
    if totaal == 0:
        return Doorlooptijd(
            aantal=0, gemiddeld_dagen=None, mediaan_dagen=None, p90_dagen=None, langste_dagen=None, klassen=klassen
        )
    ordered = sorted(per_dag.items())

    def kth(k: int) -> int:
        """The k-th smallest lead time (1-based)."""
        seen = 0
        for dagen, n in ordered:
            seen += n
            if seen >= k:
                return dagen
        return ordered[-1][0]

    if totaal % 2:
        mediaan = Decimal(kth(totaal // 2 + 1))
    else:
        mediaan = (Decimal(kth(totaal // 2)) + Decimal(kth(totaal // 2 + 1))) / 2
    p90 = kth(-(-totaal * 9 // 10))  # nearest rank: ceil(0.9 n)
    som = sum(d * n for d, n in ordered)
    gemiddeld = (Decimal(som) / Decimal(totaal)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Doorlooptijd(
        aantal=totaal,
        gemiddeld_dagen=str(gemiddeld),
        mediaan_dagen=str(int(mediaan)) if mediaan == mediaan.to_integral() else str(mediaan.quantize(Decimal("0.1"))),
        p90_dagen=p90,
        langste_dagen=ordered[-1][0],
        klassen=klassen,
    )


def _open_taken(session: Session, gemeente: str, nu: datetime) -> list[OpenTakenRol]:
    # Age class by comparing created_at with bounds computed here: the same SQL on every database.
    whens = []
    for index, (_lo, hi) in enumerate(LEEFTIJD_KLASSEN):
        if hi is not None:
            whens.append((Taak.created_at > nu - timedelta(days=hi + 1), literal(index)))
    klasse = case(*whens, else_=literal(len(LEEFTIJD_KLASSEN) - 1)).label("klasse")
    rows = session.execute(
        select(
            Taak.rol,
            klasse,
            func.sum(case((Taak.status == "open", 1), else_=0)),
            func.sum(case((Taak.status == "geclaimd", 1), else_=0)),
            func.sum(case((Taak.due_at < nu, 1), else_=0)),
            func.min(Taak.created_at),
        )
        .where(Taak.gemeente == gemeente, Taak.status.in_(("open", "geclaimd")))
        .group_by(Taak.rol, klasse)
    )
    per_rol: dict[str, dict[str, Any]] = {
        rol: {"open": 0, "geclaimd": 0, "verlopen": 0, "oudste": None, "klassen": [0] * len(LEEFTIJD_KLASSEN)}
        for rol in _ROLLEN
    }
    for rol, index, open_, geclaimd, verlopen, oudste in rows:
        entry = per_rol.setdefault(
            str(rol), {"open": 0, "geclaimd": 0, "verlopen": 0, "oudste": None, "klassen": [0] * len(LEEFTIJD_KLASSEN)}
        )
        entry["open"] += int(open_ or 0)
        entry["geclaimd"] += int(geclaimd or 0)
        entry["verlopen"] += int(verlopen or 0)
        entry["klassen"][int(index)] += int(open_ or 0) + int(geclaimd or 0)
        if oudste is not None:
            oudste = oudste if oudste.tzinfo else oudste.replace(tzinfo=UTC)  # SQLite's MIN loses the type
            entry["oudste"] = oudste if entry["oudste"] is None else min(entry["oudste"], oudste)
    return [
        OpenTakenRol(
            rol=rol,
            open=e["open"],
            geclaimd=e["geclaimd"],
            verlopen=e["verlopen"],
            oudste_dagen=max((nu - e["oudste"]).days, 0) if e["oudste"] is not None else None,
            leeftijd=[
                LeeftijdKlasse(label=_label(lo, hi), van_dagen=lo, tot_en_met_dagen=hi, aantal=e["klassen"][i])
                for i, (lo, hi) in enumerate(LEEFTIJD_KLASSEN)
            ],
        )
        for rol, e in per_rol.items()
    ]


def vandaag(nu: datetime) -> date:
    """The legal date in the Netherlands at ``nu``."""
    return nl_datum(nu)


def twaalf_maanden_tot(tot: date) -> date:
    """The first day of the month 11 months before ``tot``'s: with ``tot`` twelve calendar months."""
    jaar, maand = tot.year, tot.month - 11
    if maand < 1:
        jaar, maand = jaar - 1, maand + 12
    return date(jaar, maand, 1)


def managementinformatie(session: Session, gemeente: str, van: date, tot: date, nu: datetime) -> Managementinformatie:
    """The figures of ``gemeente`` for the period ``van``..``tot`` (both included) and its open work at ``nu``.
    The caller checks the period (``van <= tot``, at most :data:`MAX_PERIODE_DAGEN`)."""
    dialect = session.get_bind().dialect.name
    groepen = _besluitgroepen(session, gemeente, van, tot, dialect)
    per_maand = _per_maand(session, gemeente, van, tot, dialect)
    besloten = sum(g.aantal for g in groepen)
    binnen = sum(g.aantal for g in groepen if g.dagen <= BESLISTERMIJN_DAGEN)
    automatisch = sum(g.aantal for g in groepen if g.automatisch)
    return Managementinformatie(
        gemeente=gemeente,
        van=van,
        tot=tot,
        peilmoment=nu,
        ingekomen=sum(m.ingekomen for m in per_maand),
        besloten=besloten,
        besluiten=_besluiten(session, gemeente, van, tot),
        doorlooptijd=_doorlooptijd(groepen),
        binnen_beslistermijn=Aandeel(aantal=binnen, van=besloten, percentage=_procent(binnen, besloten)),
        straight_through=Aandeel(aantal=automatisch, van=besloten, percentage=_procent(automatisch, besloten)),
        per_maand=per_maand,
        open_taken=_open_taken(session, gemeente, nu),
    )

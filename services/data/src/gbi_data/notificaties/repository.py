"""All SQL of notifications out. Every query on a tenant-owned table filters on ``gemeente`` explicitly; on
PostgreSQL row-level security enforces the same rule a second time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gbi_data.notificaties.models import Abonnement, AbonnementKanaal, Kanaal, Levering, OutboxRij

__all__ = [
    "Cursor",
    "abonnees_van",
    "add_row",
    "claim_leveringen",
    "delete_abonnement",
    "delete_kanaal",
    "get_abonnement",
    "get_kanaal",
    "get_levering",
    "heeft_abonnementen",
    "insert_leveringen",
    "insert_outbox_en_abonnees",
    "kanalen_van",
    "list_abonnementen",
    "list_kanalen",
    "list_leveringen",
    "replace_kanalen",
]

#: A keyset position: (created_at, id) of the last row of the previous page.
Cursor = tuple[datetime, uuid.UUID]


def add_row(session: Session, row: object) -> bool:
    """Insert ``row`` in a savepoint; False when a constraint refused it (the transaction stays usable)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


# --- kanalen --------------------------------------------------------------------------------------------------------


def list_kanalen(session: Session) -> Sequence[Kanaal]:
    return session.scalars(select(Kanaal).order_by(Kanaal.naam)).all()


def get_kanaal(session: Session, naam: str, *, lock: bool = False) -> Kanaal | None:
    query = select(Kanaal).where(Kanaal.naam == naam)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def delete_kanaal(session: Session, naam: str) -> bool:
    """Delete a kanaal; False when an abonnement (of any gemeente) still uses it. The foreign key decides, not a
    count: row-level security would hide other gemeenten' abonnementen from a count."""
    try:
        with session.begin_nested():
            session.execute(delete(Kanaal).where(Kanaal.naam == naam))
    except IntegrityError:
        return False
    return True


# --- abonnementen ---------------------------------------------------------------------------------------------------


def list_abonnementen(session: Session, gemeente: str, *, eigenaar: str | None = None) -> Sequence[Abonnement]:
    query = select(Abonnement).where(Abonnement.gemeente == gemeente)
    if eigenaar is not None:
        query = query.where(Abonnement.eigenaar == eigenaar)
    return session.scalars(query.order_by(Abonnement.created_at, Abonnement.id)).all()


def get_abonnement(
    session: Session, gemeente: str, abonnement_id: uuid.UUID, *, lock: bool = False
) -> Abonnement | None:
    query = select(Abonnement).where(Abonnement.id == abonnement_id, Abonnement.gemeente == gemeente)
    if lock:
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def kanalen_van(
    session: Session, gemeente: str, abonnement_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[AbonnementKanaal]]:
    ids = list(set(abonnement_ids))
    out: dict[uuid.UUID, list[AbonnementKanaal]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.scalars(
        select(AbonnementKanaal)
        .where(AbonnementKanaal.gemeente == gemeente, AbonnementKanaal.abonnement_id.in_(ids))
        .order_by(AbonnementKanaal.abonnement_id, AbonnementKanaal.volgorde)
    )
    for row in rows:
        out[row.abonnement_id].append(row)
    return out


def replace_kanalen(
    session: Session, gemeente: str, abonnement_id: uuid.UUID, kanalen: Sequence[tuple[str, dict[str, str]]]
) -> None:
    session.execute(
        delete(AbonnementKanaal).where(
            AbonnementKanaal.gemeente == gemeente, AbonnementKanaal.abonnement_id == abonnement_id
        )
    )
    session.add_all(
        AbonnementKanaal(
            id=uuid.uuid4(),
            gemeente=gemeente,
            abonnement_id=abonnement_id,
            volgorde=i,
            kanaal=naam,
            filters=dict(filters),
        )
        for i, (naam, filters) in enumerate(kanalen)
    )
    session.flush()


def delete_abonnement(session: Session, gemeente: str, abonnement_id: uuid.UUID) -> None:
    """Delete an abonnement with its kanalen and its leveringen (pending ones are no longer wanted).

    A change published concurrently may add a levering between the two deletes (its foreign key only shares the
    abonnement's row lock, so publishing never waits for this): then the abonnement's delete fails on that levering
    and is tried again, which removes it too. The change is never the one that fails."""
    for attempt in range(3):
        try:
            with session.begin_nested():
                session.execute(
                    delete(Levering).where(Levering.gemeente == gemeente, Levering.abonnement_id == abonnement_id)
                )
                session.execute(
                    delete(AbonnementKanaal).where(
                        AbonnementKanaal.gemeente == gemeente, AbonnementKanaal.abonnement_id == abonnement_id
                    )
                )
                session.execute(
                    delete(Abonnement).where(Abonnement.gemeente == gemeente, Abonnement.id == abonnement_id)
                )
            return
        except IntegrityError:
            if attempt == 2:
                raise


# --- publish ------------------------------------------------------------------------------------------------------


# Prebuilt statements of an announcement (every write of a case makes one): no statement construction per call.
_OUTBOX_TABLE: Table = OutboxRij.__table__  # type: ignore[assignment]
_OUTBOX_COLUMNS = tuple(column.key for column in _OUTBOX_TABLE.columns)
_INSERT_OUTBOX = insert(_OUTBOX_TABLE)
_ABONNEES = select(AbonnementKanaal.abonnement_id, AbonnementKanaal.filters).where(
    AbonnementKanaal.gemeente == bindparam("gemeente"), AbonnementKanaal.kanaal == bindparam("kanaal")
)


def insert_outbox(session: Session, row: OutboxRij) -> None:
    """Insert an outbox row (a new ORM object; it stays outside the session): one prebuilt Core insert."""
    session.connection().execute(_INSERT_OUTBOX, {name: getattr(row, name) for name in _OUTBOX_COLUMNS})


#: PostgreSQL: the outbox row's insert as a data-modifying CTE of the abonnees' select (one statement, one round
#: trip; the select does not need to see the new row).
_INSERT_OUTBOX_MET_ABONNEES = _ABONNEES.add_cte(
    insert(_OUTBOX_TABLE)
    .values({column.key: bindparam(f"o_{column.key}", type_=column.type) for column in _OUTBOX_TABLE.columns})
    .cte("outbox_rij")
)


def insert_outbox_en_abonnees(session: Session, row: OutboxRij) -> list[tuple[uuid.UUID, dict[str, str]]]:
    """Insert an outbox row (as :func:`insert_outbox`) and answer the filter groups of the abonnementen of its
    gemeente on its kanaal (as :func:`abonnees_van`): on PostgreSQL in one statement, on SQLite in two."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        insert_outbox(session, row)
        return abonnees_van(session, row.gemeente, row.kanaal)
    params: dict[str, Any] = {f"o_{name}": getattr(row, name) for name in _OUTBOX_COLUMNS}
    params |= {"gemeente": row.gemeente, "kanaal": row.kanaal}
    rows = connection.execute(_INSERT_OUTBOX_MET_ABONNEES, params)
    return [(abonnement_id, dict(filters or {})) for abonnement_id, filters in rows]


def abonnees_van(session: Session, gemeente: str, kanaal: str) -> list[tuple[uuid.UUID, dict[str, str]]]:
    """(abonnement id, filters) of every filter group of the gemeente on ``kanaal``."""
    rows = session.connection().execute(_ABONNEES, {"gemeente": gemeente, "kanaal": kanaal})
    return [(row.abonnement_id, dict(row.filters or {})) for row in rows]


def insert_leveringen(
    session: Session, gemeente: str, outbox_id: uuid.UUID, abonnement_ids: Sequence[uuid.UUID], now: datetime
) -> None:
    """One pending levering per abonnement, due now (one multi-row INSERT)."""
    session.execute(
        insert(Levering),
        [
            {
                "id": uuid.uuid4(),
                "gemeente": gemeente,
                "outbox_id": outbox_id,
                "abonnement_id": abonnement_id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for abonnement_id in abonnement_ids
        ],
    )


# --- leveringen -----------------------------------------------------------------------------------------------------

LeveringRij = tuple[Levering, OutboxRij]


def get_levering(session: Session, gemeente: str, levering_id: uuid.UUID, *, lock: bool = False) -> LeveringRij | None:
    query = select(Levering).where(Levering.id == levering_id, Levering.gemeente == gemeente)
    if lock:
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    levering = session.scalars(query).one_or_none()
    if levering is None:
        return None
    outbox = session.scalars(
        select(OutboxRij).where(OutboxRij.id == levering.outbox_id, OutboxRij.gemeente == gemeente)
    ).one()
    return levering, outbox


def list_leveringen(
    session: Session,
    gemeente: str,
    *,
    status: str | None,
    abonnement_ids: Sequence[uuid.UUID] | None,
    outbox_id: uuid.UUID | None,
    after: Cursor | None,
    limit: int,
) -> list[LeveringRij]:
    """Newest first, keyset-paged on (created_at, id). ``abonnement_ids`` None: every abonnement."""
    query = (
        select(Levering, OutboxRij)
        .join(OutboxRij, and_(OutboxRij.id == Levering.outbox_id, OutboxRij.gemeente == Levering.gemeente))
        .where(Levering.gemeente == gemeente)
    )
    if status is not None:
        query = query.where(Levering.status == status)
    if abonnement_ids is not None:
        query = query.where(Levering.abonnement_id.in_(list(abonnement_ids)))
    if outbox_id is not None:
        query = query.where(Levering.outbox_id == outbox_id)
    if after is not None:
        value, last_id = after
        query = query.where(or_(Levering.created_at < value, and_(Levering.created_at == value, Levering.id < last_id)))
    rows = session.execute(query.order_by(Levering.created_at.desc(), Levering.id.desc()).limit(limit))
    return [(row[0], row[1]) for row in rows]


def heeft_abonnementen(session: Session, gemeente: str) -> bool:
    """Whether the gemeente has any abonnement (without one no levering arises there)."""
    query = select(Abonnement.id).where(Abonnement.gemeente == gemeente).limit(1)
    return session.scalar(query) is not None


def claim_leveringen(
    session: Session, gemeente: str, *, worker: str, now: datetime, lease_until: datetime, limit: int
) -> list[tuple[Levering, OutboxRij, Abonnement]]:
    """Lease up to ``limit`` due leveringen (pending, ``next_attempt_at`` passed, lease free or expired) to
    ``worker``; each claim counts as an attempt.

    PostgreSQL: ``SELECT ... FOR NO KEY UPDATE SKIP LOCKED`` picks rows no concurrent claimer holds, then the lease
    is set in the same transaction; a claimer that starts after this one committed sees the lease and skips them.
    SQLite: one ``UPDATE ... WHERE <due and free> ... RETURNING``, inside the transaction's write lock.
    """
    lv = Levering
    due = and_(
        lv.gemeente == gemeente,
        lv.status == "pending",
        lv.next_attempt_at.is_not(None),
        lv.next_attempt_at <= now,
        or_(lv.lease_owner.is_(None), lv.lease_until.is_(None), lv.lease_until <= now),
    )
    candidates = select(lv.id).where(due).order_by(lv.next_attempt_at, lv.created_at, lv.id).limit(limit)
    lease: dict[str, Any] = {
        "lease_owner": worker,
        "lease_until": lease_until,
        "attempts": lv.attempts + 1,
        "updated_at": now,
    }
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(candidates.with_for_update(skip_locked=True, key_share=True)))
        if not ids:
            return []
        statement = update(lv).where(lv.gemeente == gemeente, lv.id.in_(ids))
    else:
        statement = update(lv).where(due, lv.id.in_(candidates.scalar_subquery()))
    claimed_ids = list(
        session.scalars(
            statement.values(**lease).returning(lv.id),
            execution_options={"synchronize_session": False},
        )
    )
    if not claimed_ids:
        return []
    rows = session.execute(
        select(lv, OutboxRij, Abonnement)
        .join(OutboxRij, and_(OutboxRij.id == lv.outbox_id, OutboxRij.gemeente == lv.gemeente))
        .join(Abonnement, and_(Abonnement.id == lv.abonnement_id, Abonnement.gemeente == lv.gemeente))
        .where(lv.gemeente == gemeente, lv.id.in_(claimed_ids))
        .order_by(lv.next_attempt_at, lv.created_at, lv.id)
        .execution_options(populate_existing=True)
    )
    return [(row[0], row[1], row[2]) for row in rows]

"""All SQL of the ALO store. Every query on a tenant-owned table filters on ``gemeente`` explicitly; on PostgreSQL
row-level security enforces the same rule a second time.

Locks: a row that a use case reads in order to change it is read ``FOR NO KEY UPDATE`` on PostgreSQL (it does
not block inserts of children, whose foreign-key checks take ``KEY SHARE``), so concurrent changes of one row
queue instead of overwriting each other. SQLite serialises writing transactions anyway (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from gbi_data.alo.models import (
    Aanvraag,
    Besluit,
    Document,
    Klok,
    Procesinstantie,
    Processtap,
    Taak,
    TaakOpmerking,
    TijdlijnItem,
    Uitkering,
    Voorschot,
)
from gbi_data.database import CLOCK_OFFSET

__all__ = [
    "Cursor",
    "add_row",
    "claim_procesinstanties",
    "count_taken",
    "get_aanvraag",
    "get_aanvraag_by_idempotency_key",
    "get_besluit",
    "get_besluit_met_subject",
    "get_document",
    "get_document_by_idempotency_key",
    "get_klok_offset",
    "get_procesinstantie",
    "get_procesinstantie_by_aanvraag",
    "get_stap",
    "get_taak",
    "get_taak_by_sleutel",
    "get_tijdlijn_item_by_sleutel",
    "get_uitkering",
    "get_voorschot",
    "has_open_procesinstanties",
    "insert_new",
    "insert_tijdlijn",
    "koppel_beschikking",
    "list_aanvragen",
    "list_documenten",
    "list_opmerkingen",
    "list_taken",
    "list_tijdlijn",
    "list_voorschotten",
    "mark_procesinstantie_runnable",
    "save_procesinstantie",
    "set_aanvraag_status",
    "set_klok_offset",
    "subjects_of",
]

#: A keyset position: (sort value, id) of the last row of the previous page.
Cursor = tuple[datetime, uuid.UUID]


def add_row(session: Session, row: object) -> bool:
    """Insert ``row`` in a savepoint. False when a unique constraint refused it (a concurrent or earlier request
    made that row first); the surrounding transaction stays usable."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False  # the savepoint's rollback has expunged ``row``
    return True


def _insert_skipping(table: Table, returning: Iterable[Any], key: list[str] | None = None) -> dict[str, Any]:
    """Per dialect name: ``INSERT ... ON CONFLICT [(key)] DO NOTHING RETURNING ...`` into ``table`` (a row that a
    unique constraint, or the one on ``key``, already holds is skipped and returns nothing)."""
    return {
        dialect.dialect.name: dialect.insert(table).on_conflict_do_nothing(index_elements=key).returning(*returning)
        for dialect in (postgresql, sqlite)
    }


#: Per table: :func:`_insert_skipping` returning its primary key, made on first use.
_INSERT_NEW: dict[str, dict[str, Any]] = {}
#: Per mapped class: (attribute, column) of every column.
_COLUMNS_OF: dict[type, tuple[tuple[str, str], ...]] = {}


def insert_new(session: Session, row: Any) -> bool:
    """Insert ``row`` (a new ORM object; it stays outside the session) unless a unique constraint holds such a row
    already (a concurrent or earlier request made it first): one prebuilt statement (``INSERT ... ON CONFLICT DO
    NOTHING RETURNING``), where :func:`add_row` takes a savepoint, a flush and its release. False when it was not
    inserted; the transaction stays usable either way. Every column's value comes from ``row`` (none is defaulted).
    """
    cls = type(row)
    columns = _COLUMNS_OF.get(cls)
    table = cls.__table__
    if columns is None:
        mapper = sa_inspect(cls)
        columns = _COLUMNS_OF[cls] = tuple((attr.key, attr.columns[0].key) for attr in mapper.column_attrs)
    statements = _INSERT_NEW.get(table.name)
    if statements is None:
        statements = _INSERT_NEW[table.name] = _insert_skipping(table, table.primary_key.columns)
    connection = session.connection()
    statement = statements[connection.dialect.name]
    values = {column: getattr(row, attr) for attr, column in columns}
    return connection.execute(statement, values).first() is not None


def _locked(query: Select[Any], lock: bool) -> Select[Any]:
    return query.with_for_update(key_share=True).execution_options(populate_existing=True) if lock else query


# Prebuilt statements of the hot paths (a process run's saves, claims, tijdlijn entries; the reads of an aanvraag):
# built once with bind parameters, so a request pays no statement construction and no cache key generation for
# them, only the execution. Same SQL as the statements built per call before.
_ID: BindParameter[Any] = bindparam("id")
_GEMEENTE: BindParameter[Any] = bindparam("gemeente")
_AANVRAAG = select(Aanvraag).where(Aanvraag.id == _ID, Aanvraag.gemeente == _GEMEENTE)
_AANVRAAG_LOCKED = _locked(_AANVRAAG, True)
_AANVRAAG_BY_KEY = select(Aanvraag).where(Aanvraag.gemeente == _GEMEENTE, Aanvraag.idempotency_key == bindparam("key"))
_SUBJECTS = select(Aanvraag.id, Aanvraag.data_subject_id).where(
    Aanvraag.gemeente == _GEMEENTE, Aanvraag.id.in_(bindparam("ids", expanding=True))
)
_TIJDLIJN = (
    select(TijdlijnItem)
    .where(TijdlijnItem.gemeente == _GEMEENTE, TijdlijnItem.aanvraag_id == bindparam("aanvraag_id"))
    .order_by(TijdlijnItem.at, TijdlijnItem.created_at, TijdlijnItem.id)
)
_TIJDLIJN_BY_SLEUTEL = select(TijdlijnItem).where(
    TijdlijnItem.gemeente == _GEMEENTE,
    TijdlijnItem.aanvraag_id == bindparam("aanvraag_id"),
    TijdlijnItem.sleutel == bindparam("sleutel"),
)
_INSTANCE = select(Procesinstantie).where(Procesinstantie.id == _ID, Procesinstantie.gemeente == _GEMEENTE)
_INSTANCE_LOCKED = _locked(_INSTANCE, True)
_INSTANCE_BY_AANVRAAG = select(Procesinstantie).where(
    Procesinstantie.aanvraag_id == bindparam("aanvraag_id"), Procesinstantie.gemeente == _GEMEENTE
)
_INSTANCE_FOR_SAVE = (
    select(Procesinstantie, Aanvraag.data_subject_id, Besluit.soort)
    .outerjoin(
        Aanvraag, and_(Aanvraag.id == Procesinstantie.aanvraag_id, Aanvraag.gemeente == Procesinstantie.gemeente)
    )
    .outerjoin(
        Besluit, and_(Besluit.aanvraag_id == Procesinstantie.aanvraag_id, Besluit.gemeente == Procesinstantie.gemeente)
    )
    .where(Procesinstantie.id == _ID, Procesinstantie.gemeente == _GEMEENTE)
    .with_for_update(key_share=True, of=Procesinstantie)
    .execution_options(populate_existing=True)
)
_STAPPEN = select(Processtap).where(
    Processtap.gemeente == _GEMEENTE, Processtap.procesinstantie_id == bindparam("instance_id")
)
_STAPPEN_ORDER = (Processtap.created_at, Processtap.stap_sleutel)
_ALL_STAPPEN = _STAPPEN.order_by(*_STAPPEN_ORDER)
_SOME_STAPPEN = _STAPPEN.where(Processtap.stap_sleutel.in_(bindparam("sleutels", expanding=True))).order_by(
    *_STAPPEN_ORDER
)
_STAP = _STAPPEN.where(Processtap.stap_sleutel == bindparam("sleutel"))
_STAPPEN_TABLE: Table = Processtap.__table__  # type: ignore[assignment]
# One row per step (executemany; one multi-row statement where the driver allows it, "insertmanyvalues").
_INSERT_STAPPEN = _insert_skipping(
    _STAPPEN_TABLE, [_STAPPEN_TABLE.c.stap_sleutel], ["procesinstantie_id", "stap_sleutel"]
)


_TIJDLIJN_TABLE: Table = TijdlijnItem.__table__  # type: ignore[assignment]
# New tijdlijn entries of a save (executemany, as the steps); an entry whose sleutel the tijdlijn holds is skipped.
_INSERT_TIJDLIJN = _insert_skipping(_TIJDLIJN_TABLE, [_TIJDLIJN_TABLE.c.sleutel], ["aanvraag_id", "sleutel"])
_AANVRAGEN_TABLE: Table = Aanvraag.__table__  # type: ignore[assignment]
_A = _AANVRAGEN_TABLE.c
# A status change of an aanvraag that is not closed and has another status (locks the row as it changes it).
_SET_AANVRAAG_STATUS = (
    update(_AANVRAGEN_TABLE)
    .where(
        _A.id == bindparam("b_id"),
        _A.gemeente == bindparam("b_gemeente"),
        _A.status != bindparam("b_status"),
        _A.status.not_in(bindparam("b_final", expanding=True)),
    )
    .values(status=bindparam("b_status"), version=_A.version + 1, updated_at=bindparam("b_now"))
    .returning(_A.version)
)
_INSTANCES_TABLE: Table = Procesinstantie.__table__  # type: ignore[assignment]
_P = _INSTANCES_TABLE.c
_SAVED_COLUMNS = ("state", "status", "next_due_at", "version", "lease_owner", "lease_until", "attempts", "last_error")
_SAVE_INSTANCE = (
    update(_INSTANCES_TABLE)
    .where(_P.id == bindparam("b_id"), _P.gemeente == bindparam("b_gemeente"))
    .values({name: bindparam(f"b_{name}") for name in (*_SAVED_COLUMNS, "updated_at")})
)


def _due(now: Any, gemeente: Any = _GEMEENTE) -> ColumnElement[bool]:
    """An instance of the bound gemeente that is due at ``now`` (runnable, or waiting with its deadline passed) and
    whose lease is free or expired."""
    p = Procesinstantie
    return and_(
        p.gemeente == gemeente,
        or_(p.status == "runnable", and_(p.status == "waiting", p.next_due_at.is_not(None), p.next_due_at <= now)),
        or_(p.lease_owner.is_(None), p.lease_until.is_(None), p.lease_until <= now),
    )


#: PostgreSQL: the due instances no concurrent claimer holds (``SELECT ... FOR NO KEY UPDATE SKIP LOCKED``, a CTE)
#: leased in the same statement, the instances returned: one round trip, compiled once. (An update's parameters may
#: not be named as its columns.)
_CLAIMED = (
    select(Procesinstantie.id, Procesinstantie.updated_at)
    .where(_due(bindparam("c_now"), bindparam("c_gemeente")))
    .order_by(Procesinstantie.updated_at, Procesinstantie.id)
    .limit(bindparam("c_limit"))
    .with_for_update(skip_locked=True, key_share=True)
    .cte("kandidaten")
)
#: (the candidates' updated_at before the lease moved it: the order the claim picked them in, oldest first)
_CLAIM = (
    update(Procesinstantie)
    .where(Procesinstantie.gemeente == bindparam("c_gemeente"), Procesinstantie.id == _CLAIMED.c.id)
    .values(
        lease_owner=bindparam("c_worker"),
        lease_until=bindparam("c_lease_until"),
        attempts=Procesinstantie.attempts + 1,
        updated_at=bindparam("c_now"),
    )
    .returning(Procesinstantie, _CLAIMED.c.updated_at)
    .execution_options(synchronize_session=False, populate_existing=True)
)
_BESLUIT = select(Besluit).where(Besluit.gemeente == _GEMEENTE, Besluit.aanvraag_id == bindparam("aanvraag_id"))
#: An aanvraag's data subject with its besluit (none: NULL), in one round trip: what a read of the besluit needs of the
#: aanvraag (whether the caller may see it, whom the audit entry names) without loading the aanvraag's row.
_BESLUIT_MET_SUBJECT = (
    select(Aanvraag.data_subject_id, Besluit)
    .select_from(Aanvraag)
    .outerjoin(Besluit, and_(Besluit.aanvraag_id == Aanvraag.id, Besluit.gemeente == Aanvraag.gemeente))
    .where(Aanvraag.id == _ID, Aanvraag.gemeente == _GEMEENTE)
)
#: Link a beschikking to the besluit of an aanvraag when it has none (the row locked by the update itself).
_KOPPEL_BESCHIKKING = (
    update(Besluit)
    .where(
        Besluit.gemeente == bindparam("k_gemeente"),
        Besluit.aanvraag_id == bindparam("k_aanvraag_id"),
        Besluit.beschikking_document_id.is_(None),
    )
    .values(beschikking_document_id=bindparam("k_document_id"))
    .returning(Besluit)
    .execution_options(synchronize_session=False, populate_existing=True)
)
_UITKERING = select(Uitkering).where(Uitkering.gemeente == _GEMEENTE, Uitkering.aanvraag_id == bindparam("aanvraag_id"))
_DOCUMENT_WITH_CONTENT = select(Document).where(Document.id == _ID, Document.gemeente == _GEMEENTE)
_DOCUMENT = _DOCUMENT_WITH_CONTENT.options(defer(Document.inhoud, raiseload=True))


# --- klok -----------------------------------------------------------------------------------------------------------


def get_klok_offset(session: Session) -> int:
    known = session.info.get(CLOCK_OFFSET)  # read with the transaction's binding (a request on PostgreSQL)
    if known is not None:
        return int(known)
    return int(session.scalar(select(Klok.offset_seconden).where(Klok.id == 1)) or 0)


def set_klok_offset(session: Session, offset: int, by: str, at: datetime) -> None:
    session.info.pop(CLOCK_OFFSET, None)
    result = session.execute(
        update(Klok).where(Klok.id == 1).values(offset_seconden=offset, updated_at=at, updated_by=by)
    )
    if getattr(result, "rowcount", 0) == 0:  # the migration seeds the row; a hand-emptied table gets it back
        session.add(Klok(id=1, offset_seconden=offset, updated_at=at, updated_by=by))
        session.flush()


# --- aanvragen ------------------------------------------------------------------------------------------------------


def get_aanvraag(session: Session, gemeente: str, aanvraag_id: uuid.UUID, *, lock: bool = False) -> Aanvraag | None:
    query = _AANVRAAG_LOCKED if lock else _AANVRAAG
    return session.scalars(query, {"id": aanvraag_id, "gemeente": gemeente}).one_or_none()


def get_aanvraag_by_idempotency_key(session: Session, gemeente: str, key: str) -> Aanvraag | None:
    return session.scalars(_AANVRAAG_BY_KEY, {"gemeente": gemeente, "key": key}).one_or_none()


def _before(sort: Any, id_column: Any, cursor: Cursor | None, *, descending: bool) -> ColumnElement[bool] | None:
    if cursor is None:
        return None
    value, last_id = cursor
    if descending:
        return or_(sort < value, and_(sort == value, id_column < last_id))
    return or_(sort > value, and_(sort == value, id_column > last_id))


def list_aanvragen(
    session: Session,
    gemeente: str,
    *,
    data_subject_id: str | None,
    status: str | None,
    after: Cursor | None,
    limit: int,
) -> Sequence[Aanvraag]:
    """Newest first, keyset-paged on (created_at, id)."""
    query = select(Aanvraag).where(Aanvraag.gemeente == gemeente).options(defer(Aanvraag.gegevens))
    if data_subject_id is not None:
        query = query.where(Aanvraag.data_subject_id == data_subject_id)
    if status is not None:
        query = query.where(Aanvraag.status == status)
    position = _before(Aanvraag.created_at, Aanvraag.id, after, descending=True)
    if position is not None:
        query = query.where(position)
    return session.scalars(query.order_by(Aanvraag.created_at.desc(), Aanvraag.id.desc()).limit(limit)).all()


def list_aanvragen_van_burger(
    session: Session, data_subject_id: str, *, status: str | None, after: Cursor | None, limit: int
) -> Sequence[Aanvraag]:
    """A citizen's own aanvragen in every gemeente, newest first (the citizen-wide index, migration 0008). On
    PostgreSQL the transaction must carry ``gbi.subject`` (:func:`bind_subject`); row-level security then shows
    exactly this citizen's rows of ``aanvragen`` and nothing of any other table."""
    query = select(Aanvraag).where(Aanvraag.data_subject_id == data_subject_id).options(defer(Aanvraag.gegevens))
    if status is not None:
        query = query.where(Aanvraag.status == status)
    position = _before(Aanvraag.created_at, Aanvraag.id, after, descending=True)
    if position is not None:
        query = query.where(position)
    return session.scalars(query.order_by(Aanvraag.created_at.desc(), Aanvraag.id.desc()).limit(limit)).all()


def get_aanvraag_van_burger(session: Session, data_subject_id: str, aanvraag_id: uuid.UUID) -> Aanvraag | None:
    return session.scalars(
        select(Aanvraag)
        .where(Aanvraag.id == aanvraag_id, Aanvraag.data_subject_id == data_subject_id)
        .options(defer(Aanvraag.gegevens))
    ).one_or_none()


def bind_subject(session: Session, data_subject_id: str) -> None:
    """PostgreSQL: let this transaction see one citizen's ``aanvragen`` rows in every gemeente (policy
    ``burger_eigen_aanvragen``). Only the citizen lookup binds a subject, in a transaction bound to no gemeente."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('gbi.subject', :subject, true)"), {"subject": data_subject_id})


def subjects_of(session: Session, gemeente: str, aanvraag_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The data subject (pseudonym) of each aanvraag."""
    ids = list(set(aanvraag_ids))
    if not ids:
        return {}
    rows = session.execute(_SUBJECTS, {"gemeente": gemeente, "ids": ids})
    return {row.id: row.data_subject_id for row in rows}


def list_tijdlijn(session: Session, gemeente: str, aanvraag_id: uuid.UUID) -> Sequence[TijdlijnItem]:
    return session.scalars(_TIJDLIJN, {"gemeente": gemeente, "aanvraag_id": aanvraag_id}).all()


def get_tijdlijn_item_by_sleutel(
    session: Session, gemeente: str, aanvraag_id: uuid.UUID, sleutel: str
) -> TijdlijnItem | None:
    params = {"gemeente": gemeente, "aanvraag_id": aanvraag_id, "sleutel": sleutel}
    return session.scalars(_TIJDLIJN_BY_SLEUTEL, params).one_or_none()


# --- procesinstanties -----------------------------------------------------------------------------------------------


def get_procesinstantie(
    session: Session, gemeente: str, instance_id: uuid.UUID, *, lock: bool = False
) -> Procesinstantie | None:
    query = _INSTANCE_LOCKED if lock else _INSTANCE
    return session.scalars(query, {"id": instance_id, "gemeente": gemeente}).one_or_none()


def get_procesinstantie_for_save(
    session: Session, gemeente: str, instance_id: uuid.UUID
) -> tuple[Procesinstantie, str | None, str | None] | None:
    """The instance, locked as :func:`get_procesinstantie` with ``lock`` does, with its aanvraag's data subject
    (for the audit entry) and the soort of the aanvraag's besluit (None: none yet; an uitkering the save takes
    along needs a toekenning) in the same round trip."""
    row = session.execute(_INSTANCE_FOR_SAVE, {"id": instance_id, "gemeente": gemeente}).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def insert_stappen(
    session: Session, gemeente: str, instance_id: uuid.UUID, stappen: Sequence[tuple[str, Any]], now: datetime
) -> set[str]:
    """Insert step records in one statement; a key already recorded (a concurrent writer was first) is skipped.
    Returns the keys this statement inserted."""
    if not stappen:
        return set()
    rows = [
        {
            "id": uuid.uuid4(),
            "gemeente": gemeente,
            "procesinstantie_id": instance_id,
            "stap_sleutel": sleutel,
            "resultaat": resultaat,
            "created_at": now,
        }
        for sleutel, resultaat in stappen
    ]
    connection = session.connection()
    return set(connection.execute(_INSERT_STAPPEN[connection.dialect.name], rows).scalars())


def save_procesinstantie(session: Session, row: Procesinstantie) -> None:
    """Write what a save changes of ``row`` (read locked by :func:`get_procesinstantie_for_save`, then taken out of
    the session and changed): one prebuilt ``UPDATE``, no unit of work."""
    params: dict[str, Any] = {f"b_{name}": getattr(row, name) for name in _SAVED_COLUMNS}
    params |= {"b_id": row.id, "b_gemeente": row.gemeente, "b_updated_at": row.updated_at}
    session.connection().execute(_SAVE_INSTANCE, params)


def insert_tijdlijn(session: Session, rows: Sequence[TijdlijnItem]) -> set[str]:
    """Insert new tijdlijn entries (each with a sleutel) in one statement; an entry whose sleutel the aanvraag's
    tijdlijn holds already (an earlier or concurrent request added it) is skipped. Returns the sleutels inserted."""
    if not rows:
        return set()
    columns = [c.key for c in _TIJDLIJN_TABLE.columns]
    values = [{name: getattr(row, name) for name in columns} for row in rows]
    connection = session.connection()
    return set(connection.execute(_INSERT_TIJDLIJN[connection.dialect.name], values).scalars())


def set_aanvraag_status(
    session: Session, gemeente: str, aanvraag_id: uuid.UUID, status: str, final: Iterable[str], now: datetime
) -> int | None:
    """Set the aanvraag's status unless it has that status or one of ``final`` (one ``UPDATE ... RETURNING``; the
    row's lock is taken by the update itself). Returns the new version, None when nothing changed."""
    params = {"b_id": aanvraag_id, "b_gemeente": gemeente, "b_status": status, "b_final": list(final), "b_now": now}
    version = session.connection().execute(_SET_AANVRAAG_STATUS, params).scalar_one_or_none()
    return None if version is None else int(version)


def get_procesinstantie_by_aanvraag(session: Session, gemeente: str, aanvraag_id: uuid.UUID) -> Procesinstantie | None:
    return session.scalars(_INSTANCE_BY_AANVRAAG, {"aanvraag_id": aanvraag_id, "gemeente": gemeente}).one_or_none()


def claim_procesinstanties(
    session: Session, gemeente: str, *, worker: str, now: datetime, lease_until: datetime, limit: int
) -> list[Procesinstantie]:
    """Lease up to ``limit`` instances that are due (runnable, or waiting with ``next_due_at`` passed) and whose
    lease is free or expired, to ``worker`` until ``lease_until``.

    PostgreSQL: ``SELECT ... FOR NO KEY UPDATE SKIP LOCKED`` picks rows no concurrent claimer holds, and the lease
    is set in the same statement (a CTE); a claimer that starts after this one committed sees the lease, skips them.
    SQLite: the candidates selected in their order, then one ``UPDATE ... WHERE <due and free> ... RETURNING`` of
    them, both inside the transaction's write lock (``BEGIN IMMEDIATE``). Either way the answer is oldest first.
    """
    p = Procesinstantie
    if session.get_bind().dialect.name == "postgresql":
        # One prebuilt statement: the candidates as a CTE of the update that leases them.
        params = {"c_gemeente": gemeente, "c_now": now, "c_limit": limit, "c_worker": worker}
        params["c_lease_until"] = lease_until
        picked = session.execute(_CLAIM, params).all()
        return [row for row, _ in sorted(picked, key=lambda found: (found[1], str(found[0].id)))]
    due = and_(
        p.gemeente == gemeente,
        or_(p.status == "runnable", and_(p.status == "waiting", p.next_due_at.is_not(None), p.next_due_at <= now)),
        or_(p.lease_owner.is_(None), p.lease_until.is_(None), p.lease_until <= now),
    )
    # SQLite: the candidates in their order (oldest first, as the lease moves updated_at), then leased in the
    # transaction's write lock, so nothing else can claim them in between.
    order = {
        row.id: index
        for index, row in enumerate(session.execute(select(p.id).where(due).order_by(p.updated_at, p.id).limit(limit)))
    }
    if not order:
        return []
    statement = update(p).where(due, p.id.in_(list(order)))
    lease = {
        "lease_owner": worker,
        "lease_until": lease_until,
        "attempts": p.attempts + 1,
        "updated_at": now,
    }
    claimed = session.scalars(
        statement.values(**lease).returning(p),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).all()
    return sorted(claimed, key=lambda row: order[row.id])


def has_open_procesinstanties(session: Session, gemeente: str) -> bool:
    """Whether the gemeente has an instance that is not finished (runnable or waiting, leased or not): the only
    ones a later claim can find without a new instance being started."""
    p = Procesinstantie
    query = select(p.id).where(p.gemeente == gemeente, p.status.in_(("runnable", "waiting"))).limit(1)
    return session.scalar(query) is not None


def mark_procesinstantie_runnable(session: Session, gemeente: str, instance_id: uuid.UUID, now: datetime) -> bool:
    """Wake an instance that is not finished (a task it waits for was completed). The version goes up, so a
    worker that read the instance before this cannot save over it. False when it is finished (or missing)."""
    p = Procesinstantie
    result = session.execute(
        update(p)
        .where(p.id == instance_id, p.gemeente == gemeente, p.status.in_(("runnable", "waiting")))
        .values(status="runnable", next_due_at=None, version=p.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def get_stap(session: Session, gemeente: str, instance_id: uuid.UUID, sleutel: str) -> Processtap | None:
    params = {"gemeente": gemeente, "instance_id": instance_id, "sleutel": sleutel}
    return session.scalars(_STAP, params).one_or_none()


def get_stappen(
    session: Session, gemeente: str, instance_id: uuid.UUID, sleutels: Iterable[str] | None = None
) -> list[Processtap]:
    """The recorded steps of an instance (only ``sleutels`` when given), oldest first."""
    params: dict[str, Any] = {"gemeente": gemeente, "instance_id": instance_id}
    if sleutels is None:
        return list(session.scalars(_ALL_STAPPEN, params))
    params["sleutels"] = list(sleutels)
    return list(session.scalars(_SOME_STAPPEN, params))


# --- taken ----------------------------------------------------------------------------------------------------------


def get_taak(session: Session, gemeente: str, taak_id: uuid.UUID, *, lock: bool = False) -> Taak | None:
    query = select(Taak).where(Taak.id == taak_id, Taak.gemeente == gemeente)
    return session.scalars(_locked(query, lock)).one_or_none()


def get_taak_by_sleutel(session: Session, gemeente: str, instance_id: uuid.UUID, sleutel: str) -> Taak | None:
    return session.scalars(
        select(Taak).where(
            Taak.gemeente == gemeente, Taak.procesinstantie_id == instance_id, Taak.taak_sleutel == sleutel
        )
    ).one_or_none()


def list_taken(
    session: Session,
    gemeente: str,
    *,
    rol: str | None,
    status: str | None,
    toegewezen_aan: str | None,
    aanvraag_id: uuid.UUID | None,
    sort: Literal["due", "created"],
    after: Cursor | None,
    limit: int,
) -> Sequence[Taak]:
    """Oldest deadline (``due``) or oldest task (``created``) first, keyset-paged on (that column, id)."""
    query = select(Taak).where(Taak.gemeente == gemeente)
    if rol is not None:
        query = query.where(Taak.rol == rol)
    if status is not None:
        query = query.where(Taak.status == status)
    if toegewezen_aan is not None:
        query = query.where(Taak.toegewezen_aan == toegewezen_aan)
    if aanvraag_id is not None:
        query = query.where(Taak.aanvraag_id == aanvraag_id)
    column = Taak.due_at if sort == "due" else Taak.created_at
    position = _before(column, Taak.id, after, descending=False)
    if position is not None:
        query = query.where(position)
    return session.scalars(query.order_by(column, Taak.id).limit(limit)).all()


def count_taken(session: Session, gemeente: str, now: datetime) -> list[tuple[str, int, int, int]]:
    """Per rol: (rol, open, geclaimd, verlopen) of the tasks that are not finished."""
    unfinished = Taak.status.in_(("open", "geclaimd"))
    rows = session.execute(
        select(
            Taak.rol,
            func.sum(case((Taak.status == "open", 1), else_=0)),
            func.sum(case((Taak.status == "geclaimd", 1), else_=0)),
            func.sum(case((Taak.due_at < now, 1), else_=0)),
        )
        .where(Taak.gemeente == gemeente, unfinished)
        .group_by(Taak.rol)
        .order_by(Taak.rol)
    )
    return [(str(r[0]), int(r[1] or 0), int(r[2] or 0), int(r[3] or 0)) for r in rows]


def list_opmerkingen(session: Session, gemeente: str, taak_id: uuid.UUID) -> Sequence[TaakOpmerking]:
    return session.scalars(
        select(TaakOpmerking)
        .where(TaakOpmerking.gemeente == gemeente, TaakOpmerking.taak_id == taak_id)
        .order_by(TaakOpmerking.op, TaakOpmerking.id)
    ).all()


# --- documenten -----------------------------------------------------------------------------------------------------


def list_documenten(session: Session, gemeente: str, aanvraag_id: uuid.UUID) -> Sequence[Document]:
    """Metadata only: the content is not loaded."""
    return session.scalars(
        select(Document)
        .where(Document.gemeente == gemeente, Document.aanvraag_id == aanvraag_id)
        .options(defer(Document.inhoud, raiseload=True))
        .order_by(Document.created_at, Document.id)
    ).all()


def get_document(
    session: Session, gemeente: str, document_id: uuid.UUID, *, with_content: bool = False
) -> Document | None:
    query = _DOCUMENT_WITH_CONTENT if with_content else _DOCUMENT
    return session.scalars(query, {"id": document_id, "gemeente": gemeente}).one_or_none()


def get_document_by_idempotency_key(session: Session, gemeente: str, key: str) -> Document | None:
    return session.scalars(
        select(Document)
        .where(Document.gemeente == gemeente, Document.idempotency_key == key)
        .options(defer(Document.inhoud, raiseload=True))
    ).one_or_none()


# --- besluiten, uitkeringen, voorschotten ---------------------------------------------------------------------------


def get_besluit(session: Session, gemeente: str, aanvraag_id: uuid.UUID) -> Besluit | None:
    return session.scalars(_BESLUIT, {"gemeente": gemeente, "aanvraag_id": aanvraag_id}).one_or_none()


def get_besluit_met_subject(
    session: Session, gemeente: str, aanvraag_id: uuid.UUID
) -> tuple[str, Besluit | None] | None:
    """The aanvraag's data subject and its besluit (None: not decided yet), in one statement; None when the
    gemeente has no such aanvraag."""
    row = session.execute(_BESLUIT_MET_SUBJECT, {"id": aanvraag_id, "gemeente": gemeente}).one_or_none()
    return None if row is None else (row[0], row[1])


def koppel_beschikking(
    session: Session, gemeente: str, aanvraag_id: uuid.UUID, document_id: uuid.UUID
) -> Besluit | None:
    """Link ``document_id`` to the aanvraag's besluit if it has no beschikking yet (one ``UPDATE ... RETURNING``).
    Returns the besluit as linked; None when nothing changed (no besluit, or one with a beschikking already)."""
    params = {"k_gemeente": gemeente, "k_aanvraag_id": aanvraag_id, "k_document_id": document_id}
    return session.scalars(_KOPPEL_BESCHIKKING, params).one_or_none()


def get_uitkering(session: Session, gemeente: str, aanvraag_id: uuid.UUID) -> Uitkering | None:
    return session.scalars(_UITKERING, {"gemeente": gemeente, "aanvraag_id": aanvraag_id}).one_or_none()


def get_voorschot(session: Session, gemeente: str, aanvraag_id: uuid.UUID, volgnummer: int) -> Voorschot | None:
    return session.scalars(
        select(Voorschot).where(
            Voorschot.gemeente == gemeente, Voorschot.aanvraag_id == aanvraag_id, Voorschot.volgnummer == volgnummer
        )
    ).one_or_none()


def list_voorschotten(session: Session, gemeente: str, aanvraag_id: uuid.UUID) -> Sequence[Voorschot]:
    return session.scalars(
        select(Voorschot)
        .where(Voorschot.gemeente == gemeente, Voorschot.aanvraag_id == aanvraag_id)
        .order_by(Voorschot.volgnummer)
    ).all()

"""All SQL of the data service. Every query on a tenant-owned table filters on ``gemeente`` explicitly; on
PostgreSQL row-level security enforces the same rule a second time."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gbi_data.models import (
    AuditChainHead,
    AuditRecord,
    Beleidsversie,
    Gemeente,
    Proefberekening,
    utcnow,
)

__all__ = [
    "add_audit_record",
    "add_beleidsversie",
    "add_proefberekening",
    "advance_chain_head",
    "append_audit_rows",
    "append_audit_values",
    "beleidsversie_op",
    "bind_tenant",
    "eerste_geldig_vanaf",
    "get_beleidsversie",
    "get_chain_head",
    "get_gemeente",
    "get_proefberekening",
    "get_proefberekening_by_idempotency_key",
    "insert_missing_gemeenten",
    "iter_audit_chain",
    "laatste_beleidsversie",
    "list_audit_records",
    "list_beleidsversies",
    "list_gemeenten",
    "lock_chain_head",
    "lock_chain_position",
    "onderwerpen_met_beleid",
    "volgende_geldig_vanaf",
]


# --- gemeenten (reference data) ---------------------------------------------------------------------------------


def list_gemeenten(session: Session) -> Sequence[Gemeente]:
    return session.scalars(select(Gemeente).order_by(Gemeente.code)).all()


def get_gemeente(session: Session, code: str) -> Gemeente | None:
    return session.get(Gemeente, code)


def insert_missing_gemeenten(session: Session, gemeenten: Iterable[tuple[str, str]]) -> int:
    """Insert the gemeenten that are not there yet; existing rows are left as they are. Returns how many."""
    existing = set(session.scalars(select(Gemeente.code)))
    new = [Gemeente(code=code, naam=naam, actief=True) for code, naam in gemeenten if code not in existing]
    session.add_all(new)
    session.flush()
    return len(new)


# --- proefberekeningen --------------------------------------------------------------------------------------------


def get_proefberekening(session: Session, gemeente: str, proefberekening_id: uuid.UUID) -> Proefberekening | None:
    return session.scalars(
        select(Proefberekening).where(Proefberekening.id == proefberekening_id, Proefberekening.gemeente == gemeente)
    ).one_or_none()


def get_proefberekening_by_idempotency_key(session: Session, gemeente: str, key: str) -> Proefberekening | None:
    return session.scalars(
        select(Proefberekening).where(Proefberekening.gemeente == gemeente, Proefberekening.idempotency_key == key)
    ).one_or_none()


def add_proefberekening(session: Session, row: Proefberekening) -> bool:
    """Insert ``row`` in a savepoint. False when a unique constraint refused it (a concurrent request with the same
    Idempotency-Key won); the surrounding transaction stays usable."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False  # the savepoint's rollback has expunged ``row``
    return True


# --- audit log ----------------------------------------------------------------------------------------------------


def lock_chain_head(session: Session, gemeente: str, genesis_hash: str) -> AuditChainHead:
    """The head of ``gemeente``'s chain, created if missing, locked until the transaction ends.

    PostgreSQL: ``SELECT ... FOR UPDATE`` on the head row serialises appends per gemeente. SQLite: the transaction
    already holds the database's write lock (``BEGIN IMMEDIATE``), so appends are serialised anyway.
    """
    values = {"gemeente": gemeente, "last_seq": 0, "last_hash": genesis_hash, "updated_at": utcnow()}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(AuditChainHead).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(AuditChainHead).values(values).on_conflict_do_nothing())
    head = session.scalars(
        select(AuditChainHead)
        .where(AuditChainHead.gemeente == gemeente)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return head


# Prebuilt Core statements of the audit append (built once: no statement construction, cache key or ORM
# execution per call; executed on the session's connection, outside the unit of work).
_HEAD: Table = AuditChainHead.__table__  # type: ignore[assignment]
_LOG: Table = AuditRecord.__table__  # type: ignore[assignment]
_LOCK_HEAD = (
    select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.gemeente == bindparam("gemeente")).with_for_update()
)
_ADVANCE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.gemeente == bindparam("head_gemeente"))
    .values(last_seq=bindparam("head_seq"), last_hash=bindparam("head_hash"), updated_at=bindparam("head_updated_at"))
)
#: The columns of an entry, in the order of the table.
AUDIT_COLUMNS: tuple[str, ...] = tuple(column.key for column in _LOG.columns)
_INSERT_ENTRY = insert(_LOG).values({name: bindparam(f"v_{name}") for name in AUDIT_COLUMNS})
# PostgreSQL: the insert as a data-modifying CTE of the head's update (one statement, one round trip).
_APPEND_PG = _ADVANCE_HEAD.add_cte(_INSERT_ENTRY.cte("audit_entry"))


def lock_chain_position(session: Session, gemeente: str, genesis_hash: str) -> tuple[int, str]:
    """(last seq, last hash) of ``gemeente``'s chain, its head locked until the transaction ends: one round trip
    where the head exists (``SELECT ... FOR UPDATE``), the head created first where it does not (see
    :func:`lock_chain_head`). The caller writes the next entry with :func:`append_audit_values`."""
    connection = session.connection()
    params = {"gemeente": gemeente}
    row = connection.execute(_LOCK_HEAD, params).one_or_none()
    if row is None:  # the gemeente's first entry: create the head (a concurrent creator may win), then lock it
        values = {"gemeente": gemeente, "last_seq": 0, "last_hash": genesis_hash, "updated_at": utcnow()}
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(dialect.insert(_HEAD).values(values).on_conflict_do_nothing())
        row = connection.execute(_LOCK_HEAD, params).one()
    return int(row[0]), str(row[1])


def append_audit_values(session: Session, values: dict[str, object]) -> None:
    """Insert an audit entry (the one after the position :func:`lock_chain_position` locked; ``values`` has every
    column of :data:`AUDIT_COLUMNS`) and move the chain head to it. PostgreSQL: one statement (the insert as a
    data-modifying CTE of the head's update); SQLite: two."""
    connection = session.connection()
    params = {f"v_{name}": values[name] for name in AUDIT_COLUMNS}
    params |= {
        "head_gemeente": values["gemeente"],
        "head_seq": values["seq"],
        "head_hash": values["hash"],
        "head_updated_at": utcnow(),
    }
    if connection.dialect.name == "postgresql":
        connection.execute(_APPEND_PG, params)
    else:
        connection.execute(_INSERT_ENTRY, params)
        connection.execute(_ADVANCE_HEAD, params)


#: PostgreSQL: consecutive entries and the head's move in one statement, the insert a data-modifying CTE of the
#: update as in :data:`_APPEND_PG`. The entries go as one JSON array of objects (one per entry, in order), which
#: ``json_populate_recordset`` turns into rows of ``audit_log``'s row type: each value is read by its column's own
#: input function with the column's length (a too long string is refused, as the insert's assignment cast refuses
#: it; a timestamp keeps its microseconds and zone). One parameter, encoded by the json module, instead of one array
#: per column, which psycopg dumped element by element (~45% of a batched append's CPU, measured). Driver SQL of a
#: fixed text whatever the number of entries (psycopg prepares it once per connection); no SQLAlchemy compile.
_AUDIT_COLUMN_LIST = ", ".join(AUDIT_COLUMNS)
_ENTRY_INSERT = (
    f"INSERT INTO {_LOG.name} ({_AUDIT_COLUMN_LIST}) SELECT {_AUDIT_COLUMN_LIST} "  # noqa: S608
    f"FROM json_populate_recordset(NULL::{_LOG.name}, %(entries)s::json)"
)
_HEAD_MOVE = "SET last_seq = %(head_seq)s, last_hash = %(head_hash)s, updated_at = %(head_updated_at)s"
_APPEND_MANY_PG = (
    f"WITH audit_entries AS ({_ENTRY_INSERT}) UPDATE {_HEAD.name} {_HEAD_MOVE} WHERE gemeente = %(head_gemeente)s"
)


def _json_value(value: object) -> object:
    """A value of an entry the json module cannot encode itself, as :data:`_APPEND_MANY_PG` sends it: a UUID as
    its text, a timestamp as ``UTCDateTime`` binds one (timezone-aware only) in ISO 8601, in UTC."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"an audit entry holds no {type(value).__name__}")


def _entries_json(rows: Sequence[dict[str, object]]) -> str:
    return json.dumps(
        [{name: row[name] for name in AUDIT_COLUMNS} for row in rows],
        default=_json_value,
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    )


def append_audit_rows(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Insert consecutive audit entries of one gemeente (the ones after the position :func:`lock_chain_position`
    locked, in order; each with every column of :data:`AUDIT_COLUMNS`) and move the chain head to the last one:
    one entry as :func:`append_audit_values`; more on PostgreSQL in one statement (:data:`_APPEND_MANY_PG`), on
    SQLite in one ``executemany`` of the prebuilt insert and the head's update. Not one multi-row ``VALUES``
    statement: SQLAlchemy does not cache the compiled form of those, and compiling one per call cost more than the
    round trip it saves."""
    if not rows:
        return
    if len(rows) == 1:
        append_audit_values(session, rows[0])
        return
    connection = session.connection()
    last = rows[-1]
    if connection.dialect.name == "postgresql":
        params: dict[str, object] = {
            "entries": _entries_json(rows),
            "head_gemeente": last["gemeente"],
            "head_seq": last["seq"],
            "head_hash": last["hash"],
            "head_updated_at": utcnow(),
        }
        connection.exec_driver_sql(_APPEND_MANY_PG, params)
        return
    connection.execute(_INSERT_ENTRY, [{f"v_{name}": row[name] for name in AUDIT_COLUMNS} for row in rows])
    head = {"head_gemeente": last["gemeente"], "head_seq": last["seq"], "head_hash": last["hash"]}
    connection.execute(_ADVANCE_HEAD, head | {"head_updated_at": utcnow()})


def get_chain_head(session: Session, gemeente: str) -> AuditChainHead | None:
    return session.scalars(select(AuditChainHead).where(AuditChainHead.gemeente == gemeente)).one_or_none()


def add_audit_record(session: Session, record: AuditRecord) -> None:
    session.add(record)
    session.flush()


def advance_chain_head(session: Session, gemeente: str, seq: int, record_hash: str) -> None:
    session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.gemeente == gemeente)
        .values(last_seq=seq, last_hash=record_hash, updated_at=utcnow())
    )


def list_audit_records(
    session: Session, gemeente: str, *, after: int, limit: int, operation: str | None = None
) -> Sequence[AuditRecord]:
    query = select(AuditRecord).where(AuditRecord.gemeente == gemeente, AuditRecord.seq > after)
    if operation is not None:
        query = query.where(AuditRecord.operation == operation)
    return session.scalars(query.order_by(AuditRecord.seq).limit(limit)).all()


def iter_audit_chain(session: Session, gemeente: str, batch_size: int = 1000) -> Iterator[AuditRecord]:
    """The whole chain of ``gemeente`` in ``seq`` order, read in batches (keyset pagination)."""
    after = 0
    while True:
        batch = list_audit_records(session, gemeente, after=after, limit=batch_size)
        yield from batch
        if len(batch) < batch_size:
            return
        after = batch[-1].seq


# --- beleid (local policy, effective-dated versions) ------------------------------------------------------------


def bind_tenant(session: Session, gemeente: str) -> None:
    """Bind the rest of this transaction to ``gemeente`` (PostgreSQL: ``gbi.gemeente``, so row-level security lets
    its rows through). For work that is not a request, such as seeding; requests are bound by ``Database``."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('gbi.gemeente', :gemeente, true)"), {"gemeente": gemeente})


def list_beleidsversies(session: Session, gemeente: str, onderwerp: str) -> Sequence[Beleidsversie]:
    """Every version of ``gemeente``'s policy on ``onderwerp``, oldest first."""
    return session.scalars(
        select(Beleidsversie)
        .where(Beleidsversie.gemeente == gemeente, Beleidsversie.onderwerp == onderwerp)
        .order_by(Beleidsversie.versie)
    ).all()


def get_beleidsversie(session: Session, gemeente: str, onderwerp: str, versie: int) -> Beleidsversie | None:
    return session.scalars(
        select(Beleidsversie).where(
            Beleidsversie.gemeente == gemeente, Beleidsversie.onderwerp == onderwerp, Beleidsversie.versie == versie
        )
    ).one_or_none()


def beleidsversie_op(session: Session, gemeente: str, onderwerp: str, peildatum: date) -> Beleidsversie | None:
    """The version in force on ``peildatum``: the latest ``geldig_vanaf`` on or before it, of equal dates the
    highest ``versie`` (a correction of a planned version)."""
    return session.scalars(
        select(Beleidsversie)
        .where(
            Beleidsversie.gemeente == gemeente,
            Beleidsversie.onderwerp == onderwerp,
            Beleidsversie.geldig_vanaf <= peildatum,
        )
        .order_by(Beleidsversie.geldig_vanaf.desc(), Beleidsversie.versie.desc())
        .limit(1)
    ).one_or_none()


def laatste_beleidsversie(session: Session, gemeente: str, onderwerp: str) -> Beleidsversie | None:
    """The version with the highest number (also the latest ``geldig_vanaf``: versions never go back in time)."""
    return session.scalars(
        select(Beleidsversie)
        .where(Beleidsversie.gemeente == gemeente, Beleidsversie.onderwerp == onderwerp)
        .order_by(Beleidsversie.versie.desc())
        .limit(1)
    ).one_or_none()


def eerste_geldig_vanaf(session: Session, gemeente: str, onderwerp: str) -> date | None:
    return session.scalar(
        select(func.min(Beleidsversie.geldig_vanaf)).where(
            Beleidsversie.gemeente == gemeente, Beleidsversie.onderwerp == onderwerp
        )
    )


def volgende_geldig_vanaf(session: Session, gemeente: str, onderwerp: str, na: date) -> date | None:
    """The first ``geldig_vanaf`` after ``na``: where the version in force on ``na`` stops (exclusive)."""
    return session.scalar(
        select(func.min(Beleidsversie.geldig_vanaf)).where(
            Beleidsversie.gemeente == gemeente, Beleidsversie.onderwerp == onderwerp, Beleidsversie.geldig_vanaf > na
        )
    )


def onderwerpen_met_beleid(session: Session, gemeente: str) -> set[str]:
    return set(session.scalars(select(Beleidsversie.onderwerp).where(Beleidsversie.gemeente == gemeente).distinct()))


def add_beleidsversie(session: Session, row: Beleidsversie) -> bool:
    """Insert ``row`` in a savepoint. False when the unique (gemeente, onderwerp, versie) refused it: a concurrent
    request recorded that version number first. The surrounding transaction stays usable."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True

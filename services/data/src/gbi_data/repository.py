"""All SQL of the data service. Every query on a tenant-owned table filters on ``gemeente`` explicitly; on
PostgreSQL row-level security enforces the same rule a second time."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gbi_data.models import AuditChainHead, AuditRecord, Gemeente, Proefberekening, utcnow

__all__ = [
    "add_audit_record",
    "add_proefberekening",
    "advance_chain_head",
    "get_chain_head",
    "get_gemeente",
    "get_proefberekening",
    "get_proefberekening_by_idempotency_key",
    "insert_missing_gemeenten",
    "iter_audit_chain",
    "list_audit_records",
    "list_gemeenten",
    "lock_chain_head",
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

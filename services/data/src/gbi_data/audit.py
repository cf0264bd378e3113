"""The processing log: pseudonyms, the hash chain, and its verification.

Every entry is linked to the one before it in the same gemeente's chain::

    hash = SHA-256( canonical JSON of the entry's fields, prev_hash included )

where the canonical JSON has sorted keys, no insignificant whitespace, UTF-8, UUIDs as strings and timestamps as
ISO 8601 UTC with microseconds. Changing any field of an entry breaks its hash; deleting or re-ordering entries
breaks the ``seq`` run or the ``prev_hash`` link; deleting entries from the end leaves the chain head pointing past
the last entry. ``python -m gbi_data.audit verify`` walks every chain and exits 1 at the first problem.

Data subjects are stored as HMAC-SHA256 pseudonyms of their BSN (key: ``GBI_AUDIT_PSEUDONYM_KEY``), never the BSN.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import hmac
import json
import secrets
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from opentelemetry import trace
from sqlalchemy import String, event
from sqlalchemy.orm import Session

from gbi_data import repository
from gbi_data.database import Database
from gbi_data.models import AuditRecord, UTCDateTime, utcnow
from gbi_data.settings import DataSettings, get_settings

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditValues",
    "ChainVerification",
    "Pseudonymiser",
    "append",
    "append_batch",
    "append_many",
    "canonical_json",
    "defer",
    "main",
    "record_hash",
    "verify_all",
    "verify_chain",
    "write_deferred",
]

GENESIS_HASH = "0" * 64
#: The hash of entries written now covers the fields of version 2; entries of version 1 (before migration 0007,
#: without end time and parent span) keep verifying with the fields they were hashed with.
HASH_VERSION = 2


class Pseudonymiser:
    """Keyed pseudonyms: the same BSN gives the same pseudonym (so a person's entries can be found for an inzage
    request), and without the key the BSN cannot be recovered by trying all of them."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def pseudonym(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def digest(self, payload: Any) -> str:
        """Keyed digest of a JSON-able payload (used for idempotency: a BSN inside stays unrecoverable)."""
        return hmac.new(self._key, canonical_json(payload), hashlib.sha256).hexdigest()


def canonical_json(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hashed_fields(record: AuditRecord | _Unmapped) -> dict[str, Any]:
    """The fields the hash covers: everything but the hash itself (for the entry's own ``hash_version``)."""
    version = record.hash_version or 1
    fields: dict[str, Any] = {
        "v": version,
        "id": str(record.id),
        "gemeente": record.gemeente,
        "seq": record.seq,
        "occurred_at": _timestamp(record.occurred_at),
        "trace_id": record.trace_id,
        "span_id": record.span_id,
        "status": record.status,
        "operation": record.operation,
        "processing_activity": record.processing_activity,
        "data_subject_id": record.data_subject_id,
        "data_subject_type": record.data_subject_type,
        "actor": record.actor,
        "actor_type": record.actor_type,
        "purpose": record.purpose,
        "outcome": record.outcome,
        "prev_hash": record.prev_hash,
    }
    if version >= 2:
        fields["ended_at"] = _timestamp(record.ended_at) if record.ended_at is not None else None
        fields["parent_span_id"] = record.parent_span_id
    return fields


def record_hash(record: AuditRecord | _Unmapped) -> str:
    return hashlib.sha256(canonical_json(hashed_fields(record))).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What a layer reports about one processing of personal data (before it is sequenced and hashed)."""

    operation: str
    processing_activity: str
    actor: str
    actor_type: str
    purpose: str
    outcome: str = "success"
    status: str = "OK"
    data_subject_id: str | None = None
    data_subject_type: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    parent_span_id: str | None = None
    # The standard's start_time and end_time of the action; unset: the moment of the append for both.
    started_at: datetime | None = None
    ended_at: datetime | None = None


def _current_trace_ids() -> tuple[str, str, str | None]:
    """(trace id, span id, parent span id) of the current span: the data service's server span, whose parent is the
    calling layer's action (W3C trace context). Without a span: fresh random ids and no parent."""
    span = trace.get_current_span()
    span_context = span.get_span_context()
    if span_context.is_valid:
        parent = getattr(span, "parent", None)
        parent_id = format(parent.span_id, "016x") if parent is not None and parent.span_id else None
        return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x"), parent_id
    return secrets.token_hex(16), secrets.token_hex(8), None


#: Every column of an entry, in the table's order: what the insert writes of a record.
_COLUMNS: tuple[str, ...] = tuple(column.key for column in AuditRecord.__table__.columns)


class _Unmapped:
    """An audit entry's columns as plain attributes (all that :func:`hashed_fields` and the insert read), without
    the ORM's instrumentation of :class:`AuditRecord` (~17 instrumented attribute sets per entry): for the entries a
    transaction deferred, which are written and never handed back."""

    __slots__ = _COLUMNS

    # The columns of AuditRecord, typed as its attributes read (one slot each).
    id: uuid.UUID
    gemeente: str
    seq: int
    occurred_at: datetime
    trace_id: str
    span_id: str
    status: str
    operation: str
    processing_activity: str
    data_subject_id: str | None
    data_subject_type: str | None
    actor: str
    actor_type: str
    purpose: str
    outcome: str
    prev_hash: str
    hash: str
    ended_at: datetime | None
    parent_span_id: str | None
    hash_version: int

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)


#: An entry's columns as plain attributes, as :func:`append_batch` hands them back.
AuditValues = _Unmapped

#: What an entry is made as: an ``AuditRecord`` (handed back to the caller) or an ``_Unmapped`` (only written).
_Record = TypeVar("_Record", AuditRecord, _Unmapped)


def _unsequenced(
    gemeente: str,
    entry: AuditEntry,
    now: datetime,
    trace_ids: tuple[str, str, str | None],
    make: type[_Record],
) -> _Record:
    """The record of ``entry`` made by ``make`` (``AuditRecord`` or ``_Unmapped``, from the same keywords),
    everything but its place in the chain (sequence number, link and hash)."""
    trace_id, span_id, parent_span_id = trace_ids
    values = dict(
        id=uuid.uuid4(),
        gemeente=gemeente,
        occurred_at=entry.started_at or now,
        ended_at=entry.ended_at or now,
        parent_span_id=entry.parent_span_id or (parent_span_id if not entry.span_id else None),
        hash_version=HASH_VERSION,
        trace_id=entry.trace_id or trace_id,
        span_id=entry.span_id or span_id,
        status=entry.status,
        operation=entry.operation,
        processing_activity=entry.processing_activity,
        data_subject_id=entry.data_subject_id,
        data_subject_type=entry.data_subject_type,
        actor=entry.actor,
        actor_type=entry.actor_type,
        purpose=entry.purpose,
        outcome=entry.outcome,
    )
    _check(values)
    return make(**values)


#: The string columns of an entry and their lengths (``None``: unlimited), and its timestamp columns: all but the
#: chain's own (``prev_hash`` and ``hash``, hex digests set when the entry is sequenced).
_STRING_COLUMNS: tuple[tuple[str, int | None], ...] = tuple(
    (column.key, column.type.length)
    for column in AuditRecord.__table__.columns
    if isinstance(column.type, String) and column.key not in ("prev_hash", "hash")
)
_TIMESTAMP_COLUMNS: tuple[str, ...] = tuple(
    column.key for column in AuditRecord.__table__.columns if isinstance(column.type, UTCDateTime)
)


def _check(values: dict[str, Any]) -> None:
    """Refuse an entry the database would not store as it is hashed, before it is hashed or written (one place for
    :func:`append`, :func:`append_many` and :func:`append_batch`; the caller's transaction then writes nothing):

    - a string longer than its column (``ValueError``). Checked here, not left to the database: PostgreSQL cuts the
      blanks past a ``varchar(n)``'s length without an error (SQL's rule for an explicit or assignment cast), so
      ``"o" * 200 + "  "`` would be stored as ``"o" * 200`` while the hash covers the blanks, and
      :func:`verify_chain` would then report the entry altered; SQLite does not check a length at all;
    - a value of another type than ``str`` (or ``None``) in a string column (``TypeError``): the database would
      store its text (``123`` as ``"123"``) while the hash covers the typed value;
    - a timestamp that is no timezone-aware ``datetime`` (a naive one: ``ValueError``, as ``UTCDateTime`` refuses
      it; another type: ``TypeError``).
    """
    for name, length in _STRING_COLUMNS:
        value = values[name]
        if value is None:
            continue
        if not isinstance(value, str):
            raise TypeError(f"audit column {name} holds a string, not {type(value).__name__}")
        if length is not None and len(value) > length:
            raise ValueError(f"audit column {name} holds at most {length} characters, not {len(value)}")
    for name in _TIMESTAMP_COLUMNS:
        value = values[name]
        if value is None:
            continue
        if not isinstance(value, datetime):
            raise TypeError(f"audit column {name} holds a timestamp, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("timestamps must be timezone-aware")


def append(session: Session, gemeente: str, entry: AuditEntry) -> AuditRecord:
    """Append ``entry`` to ``gemeente``'s chain in the caller's transaction (so it commits or rolls back together
    with the processing it records).

    Everything but the sequence number and the link is prepared first; then the chain head is locked and read (one
    round trip), the entry hashed and written together with the head's move (one more). The head's lock is held
    from there until the caller's transaction ends, so an append is best the last statement before the commit.
    """
    record = _unsequenced(gemeente, entry, utcnow(), _current_trace_ids(), AuditRecord)
    last_seq, record.prev_hash = repository.lock_chain_position(session, gemeente, GENESIS_HASH)
    record.seq = last_seq + 1
    record.hash = record_hash(record)
    # A Core insert of the same values (the record object stays outside the session: no unit-of-work flush).
    repository.append_audit_values(session, {name: getattr(record, name) for name in _COLUMNS})
    return record


def append_many(session: Session, gemeente: str, entries: Sequence[AuditEntry]) -> list[AuditRecord]:
    """Append ``entries`` to ``gemeente``'s chain, in their order, in the caller's transaction: the chain head is
    locked once for all of them (one processing of several sources is one wait for the lock, not one per source),
    and they commit or roll back together. The same two round trips as :func:`append` (prebuilt statements, no
    unit of work), however many entries."""
    return _append_many(session, gemeente, entries, AuditRecord)


def append_batch(session: Session, gemeente: str, entries: Sequence[AuditEntry]) -> list[AuditValues]:
    """:func:`append_many` for a caller that only reads what was written (``POST audit:batch`` answers with it):
    the same entries, statements and hashes, handed back as plain :class:`AuditValues` (the same attributes and
    values) instead of ORM objects, whose instrumented attribute sets cost ~1/3 of a six-entry append's CPU."""
    return _append_many(session, gemeente, entries, _Unmapped)


def _append_many(session: Session, gemeente: str, entries: Sequence[AuditEntry], make: type[_Record]) -> list[_Record]:
    """:func:`append_many`, its records made by ``make`` (``AuditRecord``, or ``_Unmapped`` where none is handed
    back: the same columns, the same hashes)."""
    if not entries:
        return []
    now, trace_ids = utcnow(), _current_trace_ids()
    prepared = [_unsequenced(gemeente, entry, now, trace_ids, make) for entry in entries]
    seq, prev_hash = repository.lock_chain_position(session, gemeente, GENESIS_HASH)
    rows: list[dict[str, object]] = []
    for record in prepared:
        seq += 1
        record.seq, record.prev_hash = seq, prev_hash
        record.hash = prev_hash = record_hash(record)
        rows.append({name: getattr(record, name) for name in _COLUMNS})
    repository.append_audit_rows(session, rows)
    return prepared


#: ``session.info`` key: entries appended with :func:`defer`, per gemeente, not written yet.
_DEFERRED = "gbi.audit_deferred"


def defer(session: Session, gemeente: str, entry: AuditEntry) -> None:
    """Append ``entry`` to ``gemeente``'s chain when the caller's transaction commits (all entries a transaction
    deferred in one :func:`append_many` per gemeente, as its last statements; nothing when it rolls back). For use
    cases that need no sequence number back: several entries of one request cost one lock and one insert.

    For the gemeente the transaction is bound to (row-level security checks the chain's rows at the commit); a use
    case that binds one gemeente after another appends at once instead. An entry deferred inside a savepoint that
    rolls back is still written: defer only what the transaction as a whole did."""
    deferred: dict[str, list[AuditEntry]] | None = session.info.get(_DEFERRED)
    if deferred is None:
        deferred = session.info[_DEFERRED] = {}
    deferred.setdefault(gemeente, []).append(_stamped(entry))


def _stamped(entry: AuditEntry) -> AuditEntry:
    """``entry`` with the moment and the span it happened in (a deferred entry is written later, maybe elsewhere)."""
    if entry.started_at is not None and entry.ended_at is not None and entry.trace_id is not None:
        return entry
    now = utcnow()
    trace_id, span_id, parent_span_id = _current_trace_ids()
    return dataclasses.replace(
        entry,
        started_at=entry.started_at or now,
        ended_at=entry.ended_at or now,
        trace_id=entry.trace_id or trace_id,
        span_id=entry.span_id or span_id,
        parent_span_id=entry.parent_span_id or (parent_span_id if not entry.span_id else None),
    )


def write_deferred(session: Session) -> None:
    """Write the entries :func:`defer` kept (the commit does it; call it to write them earlier)."""
    deferred: dict[str, list[AuditEntry]] | None = session.info.pop(_DEFERRED, None)
    for gemeente, entries in sorted((deferred or {}).items()):  # chain heads locked in one order (no deadlock)
        _append_many(session, gemeente, entries, _Unmapped)  # nobody gets these records back: no ORM objects


@event.listens_for(Session, "before_commit")
def _write_deferred_before_commit(session: Session) -> None:
    # Also called when a savepoint is released: the entries wait for the transaction's own commit.
    if session.info.get(_DEFERRED) and not session.in_nested_transaction():
        write_deferred(session)


@event.listens_for(Session, "after_rollback")
def _drop_deferred_after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_DEFERRED, None)


@dataclass(frozen=True, slots=True)
class ChainVerification:
    gemeente: str
    valid: bool
    checked: int
    last_seq: int
    first_invalid_seq: int | None = None
    reason: str | None = None


def verify_chain(session: Session, gemeente: str) -> ChainVerification:
    """Walk ``gemeente``'s chain from the start; stop at the first entry that is missing, altered or mislinked."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0

    def broken(seq: int, reason: str) -> ChainVerification:
        return ChainVerification(gemeente, False, checked, expected_seq - 1, seq, reason)

    for record in repository.iter_audit_chain(session, gemeente):
        if record.seq != expected_seq:
            return broken(expected_seq, f"entry {expected_seq} is missing (next entry found: {record.seq})")
        if record.prev_hash != prev_hash:
            return broken(record.seq, f"entry {record.seq} does not link to entry {record.seq - 1}")
        if record_hash(record) != record.hash:
            return broken(record.seq, f"entry {record.seq} was altered (its hash does not match its content)")
        prev_hash = record.hash
        expected_seq += 1
        checked += 1
    last_seq = expected_seq - 1
    head = repository.get_chain_head(session, gemeente)
    head_seq, head_hash = (head.last_seq, head.last_hash) if head is not None else (0, GENESIS_HASH)
    if head_seq > last_seq:
        return broken(last_seq + 1, f"entries {last_seq + 1}..{head_seq} are missing at the end of the chain")
    if head_seq != last_seq or head_hash != prev_hash:
        return broken(last_seq, "the chain head does not match the last entry")
    return ChainVerification(gemeente, True, checked, last_seq)


def verify_all(database: Database, gemeenten: Sequence[str] | None = None) -> list[ChainVerification]:
    """Verify the chain of every gemeente (or the ones named), each in its own tenant-bound transaction."""
    if gemeenten is None:
        with database.transaction(gemeente=None, read_only=True) as session:
            gemeenten = [g.code for g in repository.list_gemeenten(session)]
    results = []
    for code in gemeenten:
        with database.transaction(gemeente=code, read_only=True) as session:
            results.append(verify_chain(session, code))
    return results


def main(argv: Sequence[str] | None = None, *, settings: DataSettings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gbi_data.audit", description="GBI processing log tools")
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="walk the hash chains; exit 1 at the first tampered or missing entry")
    verify.add_argument("--gemeente", action="append", help="only this gemeente (CBS code); may be repeated")
    args = parser.parse_args(argv)

    database = Database(settings or get_settings())
    try:
        results = verify_all(database, args.gemeente)
    finally:
        database.dispose()
    failed = [r for r in results if not r.valid]
    for r in results:
        if r.valid:
            sys.stdout.write(f"{r.gemeente}: ok ({r.checked} entries)\n")
        else:
            sys.stdout.write(f"{r.gemeente}: BROKEN at entry {r.first_invalid_seq}: {r.reason}\n")
    total = sum(r.checked for r in results)
    sys.stdout.write(f"{len(results)} chains, {total} entries verified, {len(failed)} broken\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

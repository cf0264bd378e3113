"""Migration 0007: the Logius "Logboek Dataverwerkingen" fields on every entry, entries of before 0007 still verify,
and on PostgreSQL the log is append-only for every role, the owner included (privileges and triggers)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from gbi_data import audit, repository
from gbi_data.audit import GENESIS_HASH, AuditEntry, verify_chain
from gbi_data.database import Database, normalise_url
from gbi_data.migrate import upgrade
from gbi_data.models import AuditRecord
from gbi_data.settings import DataSettings

AMSTERDAM = "0363"
ENTRY = AuditEntry(
    operation="aanvraag.lezen",
    processing_activity="gbi.alo.behandelen",
    actor="medewerker-1",
    actor_type="medewerker",
    purpose="participatiewet",
    data_subject_id="ab" * 32,
    data_subject_type="BSN",
)


def _append(database: Database, n: int = 1, entry: AuditEntry = ENTRY) -> list[AuditRecord]:
    out = []
    for _ in range(n):
        with database.transaction(gemeente=AMSTERDAM) as session:
            out.append(audit.append(session, AMSTERDAM, entry))
    return out


def _chain(database: Database) -> list[AuditRecord]:
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        return list(repository.iter_audit_chain(session, AMSTERDAM))


def test_every_entry_carries_the_standards_fields(database: Database) -> None:
    provider = TracerProvider()
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("caller") as caller, tracer.start_as_current_span("server") as server:
        _append(database)
    (entry,) = _chain(database)
    assert entry.trace_id == format(server.get_span_context().trace_id, "032x")
    assert entry.span_id == format(server.get_span_context().span_id, "016x")
    assert entry.parent_span_id == format(caller.get_span_context().span_id, "016x")
    assert entry.status == "OK"
    assert entry.operation == "aanvraag.lezen"
    assert entry.occurred_at <= entry.ended_at  # type: ignore[operator]
    assert entry.processing_activity == "gbi.alo.behandelen"
    assert (entry.data_subject_id, entry.data_subject_type) == ("ab" * 32, "BSN")
    assert (entry.actor, entry.purpose, entry.outcome, entry.gemeente) == (
        "medewerker-1",
        "participatiewet",
        "success",
        AMSTERDAM,
    )
    assert entry.hash_version == audit.HASH_VERSION == 2


def test_start_and_end_time_of_the_action_are_kept(database: Database) -> None:
    start, end = datetime(2026, 11, 28, 10, 0, 0, 123000, tzinfo=UTC), datetime(2026, 11, 28, 10, 0, 1, tzinfo=UTC)
    _append(database, entry=dataclasses.replace(ENTRY, started_at=start, ended_at=end))
    (entry,) = _chain(database)
    assert (entry.occurred_at, entry.ended_at) == (start, end)
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        assert verify_chain(session, AMSTERDAM).valid


def test_entries_of_before_0007_keep_verifying(database: Database) -> None:
    # An entry as revision 0001-0006 wrote it: hash version 1, no end time, no parent span.
    with database.transaction(gemeente=AMSTERDAM) as session:
        head = repository.lock_chain_head(session, AMSTERDAM, GENESIS_HASH)
        old = AuditRecord(
            id=uuid.uuid4(),
            gemeente=AMSTERDAM,
            seq=1,
            occurred_at=datetime(2026, 11, 1, tzinfo=UTC),
            trace_id="1" * 32,
            span_id="2" * 16,
            status="OK",
            operation="x",
            processing_activity="y",
            actor="a",
            actor_type="service",
            purpose="p",
            outcome="success",
            prev_hash=head.last_hash,
            hash_version=1,
        )
        old.hash = audit.record_hash(old)
        assert "ended_at" not in audit.hashed_fields(old)
        repository.add_audit_record(session, old)
        repository.advance_chain_head(session, AMSTERDAM, 1, old.hash)
    _append(database, 2)
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        assert verify_chain(session, AMSTERDAM) == audit.ChainVerification(AMSTERDAM, True, 3, 3)


# --- PostgreSQL: append-only for every role ------------------------------------------------------------------------


@pytest.fixture
def pg(postgres_url: str) -> Iterator[tuple[Database, str]]:
    settings = DataSettings(database_url=postgres_url, environment="test")
    upgrade(settings)
    database = Database(settings)
    _append(database, 3)
    yield database, postgres_url
    database.dispose()


def _as(url: str, sql: str, *, app_role: bool) -> None:
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as connection:
            if app_role:
                connection.execute(text("SET LOCAL ROLE gbi_app"))
            connection.execute(text("SELECT set_config('gbi.gemeente', '0363', true)"))
            connection.execute(text(sql))
    finally:
        engine.dispose()


CHANGES = [
    "UPDATE audit_log SET outcome = 'denied' WHERE seq = 2",
    "DELETE FROM audit_log WHERE seq = 3",
    "TRUNCATE audit_log",
    "UPDATE audit_chain_heads SET last_seq = 1",
    "DELETE FROM audit_chain_heads",
]


@pytest.mark.postgres
@pytest.mark.parametrize("sql", CHANGES)
@pytest.mark.parametrize("app_role", [True, False], ids=["application role", "table owner"])
def test_nobody_rewrites_or_deletes_the_log(pg: tuple[Database, str], sql: str, app_role: bool) -> None:
    database, url = pg
    with pytest.raises(DBAPIError) as info:
        _as(url, sql, app_role=app_role)
    assert (
        "permission denied" in str(info.value)
        or "append-only" in str(info.value)
        or "forward" in str(info.value)
        or "refused" in str(info.value)
    )
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        assert verify_chain(session, AMSTERDAM) == audit.ChainVerification(AMSTERDAM, True, 3, 3)


@pytest.mark.postgres
def test_appends_still_work_under_the_triggers(pg: tuple[Database, str]) -> None:
    database, _ = pg
    _append(database, 2)
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        assert verify_chain(session, AMSTERDAM) == audit.ChainVerification(AMSTERDAM, True, 5, 5)

"""The processing log is tamper-evident: editing, deleting or truncating entries is found, and concurrent appends
still form one gapless chain per gemeente, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from gbi_data import audit, repository
from gbi_data.audit import GENESIS_HASH, AuditEntry, Pseudonymiser, canonical_json, record_hash, verify_chain
from gbi_data.database import Database, normalise_url
from gbi_data.migrate import upgrade
from gbi_data.models import AuditRecord
from gbi_data.settings import DataSettings

AMSTERDAM = "0363"
ROTTERDAM = "0599"
ENTRY = AuditEntry(
    operation="test.lezen",
    processing_activity="gbi.test",
    actor="medewerker-1",
    actor_type="medewerker",
    purpose="participatiewet",
    data_subject_id="ab" * 32,
    data_subject_type="BSN",
)


def _append(database: Database, gemeente: str, n: int, entry: AuditEntry = ENTRY) -> None:
    for _ in range(n):
        with database.transaction(gemeente=gemeente) as session:
            audit.append(session, gemeente, entry)


def _verify(database: Database, gemeente: str = AMSTERDAM) -> audit.ChainVerification:
    with database.transaction(gemeente=gemeente) as session:
        return verify_chain(session, gemeente)


@pytest.fixture
def tamper(migrated: DataSettings) -> Iterator[Callable[..., Any]]:
    """SQL as an intruder with the table owner's rights: on PostgreSQL they first switch off the append-only triggers
    of migration 0007 (which otherwise refuse every UPDATE and DELETE), so what is left to catch them is the chain."""
    engine = create_engine(normalise_url(migrated.database_url))

    def run(sql: str, gemeente: str = AMSTERDAM, **params: Any) -> None:
        with engine.begin() as connection:
            postgres = connection.dialect.name == "postgresql"
            if postgres:
                connection.execute(text("SELECT set_config('gbi.gemeente', :g, true)"), {"g": gemeente})
                for table in ("audit_log", "audit_chain_heads"):
                    connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            connection.execute(text(sql), params)
            if postgres:
                for table in ("audit_log", "audit_chain_heads"):
                    connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))

    yield run
    engine.dispose()


# --- pure parts -----------------------------------------------------------------------------------------------------


def test_canonical_json_is_order_independent_and_compact() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == canonical_json({"a": "é", "b": 1}) == '{"a":"é","b":1}'.encode()


def test_pseudonym_is_keyed_stable_and_not_the_bsn() -> None:
    one, other = Pseudonymiser("key-one"), Pseudonymiser("key-two")
    assert one.pseudonym("999993653") == one.pseudonym("999993653")
    assert one.pseudonym("999993653") != other.pseudonym("999993653")
    assert len(one.pseudonym("999993653")) == 64
    assert "999993653" not in one.pseudonym("999993653")


def test_every_field_is_covered_by_the_hash() -> None:
    record = AuditRecord(
        id=uuid.uuid4(),
        gemeente=AMSTERDAM,
        seq=1,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        trace_id="0" * 32,
        span_id="0" * 16,
        status="OK",
        operation="x",
        processing_activity="y",
        data_subject_id=None,
        data_subject_type=None,
        actor="a",
        actor_type="service",
        purpose="p",
        outcome="success",
        prev_hash=GENESIS_HASH,
        ended_at=datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC),
        parent_span_id="1" * 16,
        hash_version=audit.HASH_VERSION,
    )
    original = record_hash(record)
    assert {"ended_at", "parent_span_id"} <= set(audit.hashed_fields(record))
    for field in audit.hashed_fields(record):
        if field == "v":
            continue
        before = getattr(record, field)
        later = datetime(2026, 1, 2, tzinfo=UTC)
        setattr(record, field, 2 if field == "seq" else later if field in ("occurred_at", "ended_at") else "z")
        assert record_hash(record) != original, field
        setattr(record, field, before)
    assert record_hash(record) == original


# --- against a database ---------------------------------------------------------------------------------------------


def test_appends_form_a_linked_chain_per_gemeente(database: Database) -> None:
    _append(database, AMSTERDAM, 3)
    _append(database, ROTTERDAM, 2)
    with database.transaction(gemeente=AMSTERDAM) as session:
        records = list(repository.iter_audit_chain(session, AMSTERDAM))
    assert [r.seq for r in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS_HASH
    assert records[1].prev_hash == records[0].hash
    assert all(r.gemeente == AMSTERDAM for r in records)
    assert _verify(database, AMSTERDAM) == audit.ChainVerification(AMSTERDAM, True, 3, 3)
    assert _verify(database, ROTTERDAM) == audit.ChainVerification(ROTTERDAM, True, 2, 2)


def test_empty_chain_is_valid(database: Database) -> None:
    assert _verify(database, AMSTERDAM) == audit.ChainVerification(AMSTERDAM, True, 0, 0)


def test_editing_an_entry_is_detected(database: Database, tamper: Callable[..., Any]) -> None:
    _append(database, AMSTERDAM, 4)
    tamper("UPDATE audit_log SET outcome = 'denied' WHERE gemeente = '0363' AND seq = 2")
    result = _verify(database)
    assert not result.valid
    assert result.first_invalid_seq == 2
    assert "altered" in (result.reason or "")


def test_editing_an_entry_and_its_hash_breaks_the_next_link(database: Database, tamper: Callable[..., Any]) -> None:
    _append(database, AMSTERDAM, 4)
    with database.transaction(gemeente=AMSTERDAM) as session:
        second = next(r for r in repository.iter_audit_chain(session, AMSTERDAM) if r.seq == 2)
        forged = replace_record(second, actor="someone-else")
    tamper(
        "UPDATE audit_log SET actor = :actor, hash = :hash WHERE gemeente = '0363' AND seq = 2",
        actor=forged.actor,
        hash=forged.hash,
    )
    result = _verify(database)
    assert not result.valid
    assert result.first_invalid_seq == 3
    assert "link" in (result.reason or "")


def test_deleting_an_entry_is_detected(database: Database, tamper: Callable[..., Any]) -> None:
    _append(database, AMSTERDAM, 4)
    tamper("DELETE FROM audit_log WHERE gemeente = '0363' AND seq = 2")
    result = _verify(database)
    assert not result.valid
    assert result.first_invalid_seq == 2
    assert "missing" in (result.reason or "")


def test_deleting_the_last_entries_is_detected(database: Database, tamper: Callable[..., Any]) -> None:
    _append(database, AMSTERDAM, 4)
    tamper("DELETE FROM audit_log WHERE gemeente = '0363' AND seq >= 3")
    result = _verify(database)
    assert not result.valid
    assert result.first_invalid_seq == 3
    assert "end of the chain" in (result.reason or "")


def test_concurrent_appends_give_one_gapless_chain(database: Database) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            _append(database, AMSTERDAM, 5)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _verify(database) == audit.ChainVerification(AMSTERDAM, True, 30, 30)


def test_append_many_chains_its_entries_in_order_after_single_appends(database: Database) -> None:
    _append(database, AMSTERDAM, 2)
    entries = [replace(ENTRY, operation=f"bronnen.b{i}", outcome=f"o{i}") for i in range(4)]
    with database.transaction(gemeente=AMSTERDAM) as session:
        written = audit.append_many(session, AMSTERDAM, entries)
    assert [r.seq for r in written] == [3, 4, 5, 6]
    _append(database, AMSTERDAM, 1)
    with database.transaction(gemeente=AMSTERDAM) as session:
        records = list(repository.iter_audit_chain(session, AMSTERDAM))
        head = repository.get_chain_head(session, AMSTERDAM)
        assert head is not None
        assert (head.last_seq, head.last_hash) == (7, records[-1].hash)
    assert [r.operation for r in records[2:6]] == ["bronnen.b0", "bronnen.b1", "bronnen.b2", "bronnen.b3"]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(records))
    assert all(record_hash(r) == r.hash for r in records)
    assert _verify(database) == audit.ChainVerification(AMSTERDAM, True, 7, 7)
    assert _verify(database, ROTTERDAM) == audit.ChainVerification(ROTTERDAM, True, 0, 0)
    with database.transaction(gemeente=AMSTERDAM) as session:
        assert audit.append_many(session, AMSTERDAM, []) == []
    assert _verify(database) == audit.ChainVerification(AMSTERDAM, True, 7, 7)


def test_append_many_rolls_back_whole(database: Database) -> None:
    _append(database, AMSTERDAM, 1)

    def processing_that_fails() -> None:
        with database.transaction(gemeente=AMSTERDAM) as session:
            audit.append_many(session, AMSTERDAM, [ENTRY, ENTRY, ENTRY])
            raise RuntimeError("the processing failed after its log was written")

    with pytest.raises(RuntimeError):
        processing_that_fails()
    assert _verify(database) == audit.ChainVerification(AMSTERDAM, True, 1, 1)


def test_concurrent_batches_and_single_appends_give_one_gapless_chain(database: Database) -> None:
    errors: list[BaseException] = []

    def batches() -> None:
        try:
            for _ in range(4):
                with database.transaction(gemeente=AMSTERDAM) as session:
                    audit.append_many(session, AMSTERDAM, [ENTRY] * 6)
        except BaseException as exc:  # reported below
            errors.append(exc)

    def singles() -> None:
        try:
            _append(database, AMSTERDAM, 5)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=f) for f in (batches, singles, batches, singles)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _verify(database) == audit.ChainVerification(AMSTERDAM, True, 58, 58)


def test_verify_cli_exit_codes(database: Database, migrated: DataSettings, tamper: Callable[..., Any]) -> None:
    _append(database, AMSTERDAM, 2)
    _append(database, ROTTERDAM, 1)
    assert audit.main(["verify"], settings=migrated) == 0
    tamper("UPDATE audit_log SET purpose = 'iets anders' WHERE gemeente = '0363' AND seq = 1")
    assert audit.main(["verify"], settings=migrated) == 1
    assert audit.main(["verify", "--gemeente", ROTTERDAM], settings=migrated) == 0


def test_verify_cli_as_a_module(tmp_path: Path) -> None:
    # The entry point is the same on both databases: run it once, on SQLite.
    settings = DataSettings(database_url=f"sqlite:///{tmp_path / 'gbi.db'}", environment="test")
    upgrade(settings)
    database = Database(settings)
    try:
        _append(database, AMSTERDAM, 2)
    finally:
        database.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GBI_")} | {
        "GBI_DATABASE_URL": settings.database_url
    }
    command = [sys.executable, "-m", "gbi_data.audit", "verify"]
    ok = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "0363: ok (2 entries)" in ok.stdout
    with sqlite3.connect(tmp_path / "gbi.db") as connection:
        connection.execute("DELETE FROM audit_log WHERE gemeente = '0363' AND seq = 1")
    connection.close()
    broken = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert broken.returncode == 1
    assert "0363: BROKEN at entry 1" in broken.stdout


def replace_record(record: AuditRecord, **changes: Any) -> AuditRecord:
    """A detached copy of ``record`` with ``changes`` and a freshly computed hash (a forger's best effort)."""
    copy = AuditRecord(**{c.key: getattr(record, c.key) for c in AuditRecord.__table__.columns} | changes)
    copy.hash = record_hash(copy)
    return copy

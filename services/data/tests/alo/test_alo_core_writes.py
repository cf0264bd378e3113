"""The writes of an ALO request as prebuilt Core statements (issue 4, ADR 0032): a new row is one ``INSERT ... ON
CONFLICT DO NOTHING`` (no savepoint, no read before it), a save changes its instance, tijdlijn and aanvraag with one
statement each, and a request's audit entries are written together when its transaction commits (one lock of the
chain head, one insert), in the order they were made; nothing of them when it rolls back. On SQLite and, with
GBI_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from gbi_data import audit
from gbi_data.alo import repository
from gbi_data.alo.models import Besluit
from gbi_data.audit import GENESIS_HASH, AuditEntry, record_hash
from gbi_data.database import Database
from gbi_data.models import AuditChainHead, AuditRecord

from .conftest import BSN_B, statements

V1 = "/internal/data/v1"
AMSTERDAM = "0363"
ENTRY = AuditEntry(
    operation="procesinstantie.opslaan",
    processing_activity="gbi.alo",
    actor="gbi-process",
    actor_type="service",
    purpose="participatiewet",
    outcome="updated",
    data_subject_id="ab" * 32,
    data_subject_type="BSN",
)


def _chain(database: Database, gemeente: str = AMSTERDAM) -> tuple[list[AuditRecord], tuple[int, str]]:
    with database.transaction(gemeente=gemeente, read_only=True) as session:
        records = list(session.scalars(select(AuditRecord).where(AuditRecord.gemeente == gemeente).order_by("seq")))
        head = session.scalars(select(AuditChainHead).where(AuditChainHead.gemeente == gemeente)).one_or_none()
        return records, (head.last_seq, head.last_hash) if head is not None else (0, GENESIS_HASH)


def test_append_many_writes_linked_entries_in_order_and_moves_the_head(database: Database) -> None:
    entries = [replace(ENTRY, operation=f"op.{i}", outcome=f"o{i}") for i in range(5)]
    with database.transaction(gemeente=AMSTERDAM) as session:
        audit.append(session, AMSTERDAM, ENTRY)  # the head exists now
    with database.transaction(gemeente=AMSTERDAM) as session:
        returned = audit.append_many(session, AMSTERDAM, entries)
    with database.transaction(gemeente=AMSTERDAM) as session:
        assert audit.append_many(session, AMSTERDAM, []) == []
        audit.append_many(session, AMSTERDAM, entries[:1])  # one entry: the single append's statement
    records, head = _chain(database)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5, 6, 7]
    assert [r.operation for r in records] == ["procesinstantie.opslaan", *(e.operation for e in entries), "op.0"]
    for before, record in itertools.pairwise(records):
        assert record.prev_hash == before.hash
    assert all(record_hash(r) == r.hash for r in records)
    assert head == (7, records[-1].hash)
    # What append_many returned is what was stored, column by column.
    for got, stored in zip(returned, records[1:6], strict=True):
        assert {c: getattr(got, c) for c in audit._COLUMNS} == {c: getattr(stored, c) for c in audit._COLUMNS}
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        assert audit.verify_chain(session, AMSTERDAM).valid


def test_append_many_keeps_empty_columns_and_refuses_a_too_long_value_without_writing(database: Database) -> None:
    """Entries without a data subject or parent span (a column of only NULLs), and a value longer than its column:
    refused before it is hashed (``ValueError``, on SQLite too, which checks no length; PostgreSQL would cut blanks
    past the length silently, ADR 0046), with nothing of the batch written and the head where it was (ADR 0035)."""
    bare = replace(ENTRY, data_subject_id=None, data_subject_type=None)
    with database.transaction(gemeente=AMSTERDAM) as session:
        audit.append_many(session, AMSTERDAM, [bare, replace(bare, outcome="o2")])
    records, head = _chain(database)
    assert [(r.seq, r.data_subject_id, r.outcome) for r in records] == [(1, None, "updated"), (2, None, "o2")]
    assert head == (2, records[-1].hash)
    with pytest.raises(ValueError, match="at most 200"), database.transaction(gemeente=AMSTERDAM) as session:
        audit.append_many(session, AMSTERDAM, [bare, replace(bare, operation="x" * 201)])
    assert [(r.seq, r.hash) for r in _chain(database)[0]] == [(r.seq, r.hash) for r in records]
    assert _chain(database)[1] == head
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        assert audit.verify_chain(session, AMSTERDAM).valid


def test_deferred_entries_are_written_at_the_commit_in_their_order_and_never_after_a_rollback(
    database: Database,
) -> None:
    with database.transaction(gemeente=AMSTERDAM) as session:
        audit.defer(session, AMSTERDAM, replace(ENTRY, operation="a.een"))
        # A savepoint released in between does not write them (they wait for the transaction's own commit).
        with session.begin_nested():
            audit.defer(session, AMSTERDAM, replace(ENTRY, operation="a.twee"))
        assert _chain(database)[0] == []  # nothing written yet, not even visible to another transaction
    records, head = _chain(database)
    assert [r.operation for r in records] == ["a.een", "a.twee"]
    assert head == (2, records[-1].hash)

    def failing_processing() -> None:
        with database.transaction(gemeente=AMSTERDAM) as session:
            audit.defer(session, AMSTERDAM, replace(ENTRY, operation="a.drie"))
            raise RuntimeError("the processing failed after its audit entry")

    with pytest.raises(RuntimeError):
        failing_processing()
    with database.transaction(gemeente=AMSTERDAM) as session:
        audit.defer(session, AMSTERDAM, replace(ENTRY, operation="a.vier"))
    records, _ = _chain(database)
    assert [r.operation for r in records] == ["a.een", "a.twee", "a.vier"]
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        assert audit.verify_chain(session, AMSTERDAM).valid


def test_a_deferred_entry_is_stored_as_append_many_stores_its_audit_record(database: Database, monkeypatch) -> None:
    """The entries a transaction deferred are made as plain ``_Unmapped`` records, not ``AuditRecord``s (ADR 0039):
    at the same place of the same chain, with the same id, they store the same row, column by column, the same
    hash included, as :func:`audit.append_many` stores and hands back."""
    stamped = [
        replace(
            ENTRY,
            operation=f"op.{i}",
            data_subject_id=None if i else ENTRY.data_subject_id,  # an empty column too
            started_at=datetime(2026, 11, 29, 9, 0, i, 123456, tzinfo=UTC),
            ended_at=datetime(2026, 11, 29, 9, 0, i, 654321, tzinfo=UTC),
            trace_id="a" * 32,
            span_id=f"{i:016x}",
            parent_span_id="b" * 16,
        )
        for i in range(2)
    ]
    with database.transaction(gemeente=AMSTERDAM) as session:
        audit.append(session, AMSTERDAM, ENTRY)  # not the chain's start: the entries link to a real hash

    appended: list[AuditRecord] = []

    def append_many_then_roll_back() -> None:
        with database.transaction(gemeente=AMSTERDAM) as session:
            appended.extend(audit.append_many(session, AMSTERDAM, stamped))
            raise RuntimeError("undone: the chain stays where it was, the deferred entries take the same places")

    with pytest.raises(RuntimeError, match="undone"):
        append_many_then_roll_back()
    assert all(type(r) is AuditRecord for r in appended)
    ids = iter([r.id for r in appended])
    monkeypatch.setattr(audit.uuid, "uuid4", lambda: next(ids))
    with database.transaction(gemeente=AMSTERDAM) as session:
        for entry in stamped:
            audit.defer(session, AMSTERDAM, entry)
    monkeypatch.undo()
    records, head = _chain(database)
    assert [r.seq for r in records] == [1, 2, 3]
    for want, stored in zip(appended, records[1:], strict=True):
        assert {c: getattr(stored, c) for c in audit._COLUMNS} == {c: getattr(want, c) for c in audit._COLUMNS}
        assert record_hash(stored) == stored.hash == want.hash
    assert head == (3, appended[-1].hash)
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        assert audit.verify_chain(session, AMSTERDAM).valid


def test_insert_new_is_false_for_a_row_a_constraint_holds_and_the_transaction_goes_on(database: Database, alo) -> None:
    aanvraag = uuid.UUID(alo.aanvraag()["id"])
    now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)

    def besluit(soort: str) -> Besluit:
        return Besluit(
            id=uuid.uuid4(),
            gemeente=AMSTERDAM,
            aanvraag_id=aanvraag,
            soort=soort,
            datum=now.date(),
            ingangsdatum=None,
            bedrag_per_maand_cents=None,
            gronden={"grond": soort},
            beschikking_document_id=None,
            vastgesteld_door="gbi-proces",
            goedgekeurd_door=None,
            request_hash=soort,
            created_at=now,
        )

    first = besluit("afwijzing")
    with database.transaction(gemeente=AMSTERDAM) as session:
        assert repository.insert_new(session, first)
        assert first not in session  # written by the statement, not by the unit of work
        assert not repository.insert_new(session, besluit("toekenning"))  # one besluit per aanvraag
        # The transaction is still usable (no savepoint was needed) and sees the first one.
        stored = repository.get_besluit(session, AMSTERDAM, aanvraag)
        assert stored is not None
        assert (stored.id, stored.soort, stored.gronden) == (first.id, "afwijzing", {"grond": "afwijzing"})


@pytest.mark.postgres
def test_a_save_with_its_aanvraag_changes_takes_one_statement_per_change(postgres_alo) -> None:
    """PostgreSQL: the save of ADR 0027 with steps, a tijdlijn entry and the status takes nine statements (eighteen
    before ADR 0032, eleven before ADR 0035), one for each thing it changes."""
    alo = postgres_alo
    _aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    body = {
        "state": '{"step": 2}',
        "status": "runnable",
        "version": got["version"],
        "leaseOwner": "w",
        "keepLease": True,
        "stappen": [{"stapSleutel": f"task-{i}", "resultaat": {"i": i}} for i in range(3)],
        "tijdlijn": [{"soort": "in-behandeling", "omschrijving": "x", "actor": "gemeente", "sleutel": "zaak"}],
        "aanvraagStatus": "in-behandeling",
    }
    before = alo.operations()
    with statements(alo.client) as seen:
        saved = alo.client.put(f"{V1}/procesinstanties/{got['id']}", json=body, headers=alo.actors.service())
    assert saved.status_code == 200, saved.text
    assert seen == [
        *("SELECT", "SELECT"),  # binding the transaction, the instance with its aanvraag's subject (locked)
        *("INSERT", "UPDATE"),  # the steps, the instance
        *("INSERT", "UPDATE"),  # the tijdlijn entry, the aanvraag's status
        "WITH",  # the announcement: outbox and abonnees (one statement, ADR 0035)
        *("SELECT", "WITH"),  # the chain head's lock; the three entries and its move (one statement, ADR 0035)
    ]
    added = alo.operations()[len(before) :]
    assert added == ["procesinstantie.opslaan", "aanvraag.tijdlijn-aanvullen", "aanvraag.status-wijzigen"]


@pytest.mark.postgres
def test_a_claim_leases_its_candidates_in_one_statement(postgres_alo) -> None:
    """PostgreSQL: a claim selects its candidates (locked, skipping locked ones) and leases them in one statement,
    and an empty claim asks whether the gemeente has open instances (ADR 0035)."""
    alo = postgres_alo
    first, second = alo.zaak()[1], alo.zaak(BSN_B)[1]
    with statements(alo.client) as seen:
        got = alo.claim("w", limit=1)
    assert [g["id"] for g in got] == [first["id"]]
    assert (got[0]["leaseOwner"], got[0]["attempts"]) == ("w", 1)
    assert seen == [
        "SELECT",  # binding the transaction
        "WITH",  # the candidates and their lease
        "SELECT",  # their aanvragen's subjects
        *("SELECT", "WITH"),  # the chain head's lock; the entry and its move
    ]
    assert [g["id"] for g in alo.claim("v")] == [second["id"]]  # the first is leased: never to two workers
    with statements(alo.client) as seen:
        assert alo.claim("u") == []
    assert seen == ["SELECT", "WITH", "SELECT"]  # binding; the claim that finds nothing; whether any is open


@pytest.fixture
def postgres_alo(alo: Any, database_url: str) -> Any:
    if not database_url.startswith("postgresql"):
        pytest.skip("statement counts are pinned on PostgreSQL")
    return alo

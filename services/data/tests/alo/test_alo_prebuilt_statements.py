"""The prebuilt statements of the hot paths (issue 4: built once with bind parameters instead of per call) write and
read exactly what the statements built per call did: the same audit entry and chain head as the ORM append, the
same step rows, the same claims. On SQLite and, with GBI_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from gbi_data import audit
from gbi_data import repository as data_repository
from gbi_data.alo import repository
from gbi_data.alo.models import Processtap
from gbi_data.audit import GENESIS_HASH, AuditEntry, record_hash
from gbi_data.database import Database
from gbi_data.models import AuditChainHead, AuditRecord
from gbi_data.settings import DataSettings

AMSTERDAM = "0363"
ROTTERDAM = "0599"
ENTRY = AuditEntry(
    operation="procesinstantie.opslaan",
    processing_activity="gbi.alo",
    actor="gbi-process",
    actor_type="service",
    purpose="participatiewet",
    outcome="updated",
    data_subject_id="cd" * 32,
    data_subject_type="BSN",
    trace_id="1" * 32,
    span_id="2" * 16,
    parent_span_id="3" * 16,
    started_at=datetime(2026, 11, 29, 8, 0, 0, 123456, tzinfo=UTC),
    ended_at=datetime(2026, 11, 29, 8, 0, 1, 654321, tzinfo=UTC),
)
#: Every column but the ones that differ by construction between two appends in two gemeenten.
_SAME = [c for c in audit._COLUMNS if c not in ("id", "gemeente", "hash")]


def _orm_append(session, gemeente: str, entry: AuditEntry) -> AuditRecord:
    """The append as it was before the prebuilt statements: ORM record, flush, ORM update of the head."""
    head = data_repository.lock_chain_head(session, gemeente, GENESIS_HASH)
    record = audit._unsequenced(gemeente, entry, datetime.now(UTC), ("x" * 32, "y" * 16, None), AuditRecord)
    record.seq, record.prev_hash = head.last_seq + 1, head.last_hash
    record.hash = record_hash(record)
    data_repository.add_audit_record(session, record)
    data_repository.advance_chain_head(session, gemeente, record.seq, record.hash)
    return record


def _stored(database: Database, gemeente: str) -> tuple[list[AuditRecord], tuple[int, str]]:
    with database.transaction(gemeente=gemeente, read_only=True) as session:
        records = list(session.scalars(select(AuditRecord).where(AuditRecord.gemeente == gemeente).order_by("seq")))
        head = session.scalars(select(AuditChainHead).where(AuditChainHead.gemeente == gemeente)).one()
        return records, (head.last_seq, head.last_hash)


def test_the_prebuilt_append_stores_what_the_orm_append_stored(database: Database) -> None:
    for _ in range(2):  # the first append creates the chain head, the second finds it
        with database.transaction(gemeente=AMSTERDAM) as session:
            _orm_append(session, AMSTERDAM, ENTRY)
        with database.transaction(gemeente=ROTTERDAM) as session:
            returned = audit.append(session, ROTTERDAM, ENTRY)
    old, old_head = _stored(database, AMSTERDAM)
    new, new_head = _stored(database, ROTTERDAM)
    assert [r.seq for r in new] == [1, 2]
    for before, after in zip(old, new, strict=True):
        assert {c: getattr(after, c) for c in _SAME} == {c: getattr(before, c) for c in _SAME} | {
            "prev_hash": after.prev_hash
        }
        assert record_hash(after) == after.hash
    assert new[0].prev_hash == GENESIS_HASH
    assert new[1].prev_hash == new[0].hash
    # What append returned is what was stored, column by column, and the head points at it.
    assert {c: getattr(returned, c) for c in audit._COLUMNS} == {c: getattr(new[1], c) for c in audit._COLUMNS}
    assert new_head == (2, new[1].hash)
    assert old_head == (2, old[1].hash)
    with database.transaction(gemeente=ROTTERDAM) as session:
        assert audit.verify_chain(session, ROTTERDAM).valid


def test_a_rolled_back_append_leaves_chain_and_head_untouched(database: Database) -> None:
    with database.transaction(gemeente=ROTTERDAM) as session:
        audit.append(session, ROTTERDAM, ENTRY)

    def failing_processing() -> None:
        with database.transaction(gemeente=ROTTERDAM) as session:
            audit.append(session, ROTTERDAM, ENTRY)
            raise RuntimeError("the processing failed after its audit entry")

    with pytest.raises(RuntimeError):
        failing_processing()
    records, head = _stored(database, ROTTERDAM)
    assert [r.seq for r in records] == [1]
    assert head == (1, records[0].hash)


@pytest.fixture
def instance(database: Database, migrated: DataSettings, alo) -> uuid.UUID:
    _aanvraag, made = alo.zaak()
    return uuid.UUID(made["id"])


def test_insert_stappen_inserts_the_new_keys_and_skips_recorded_ones(database: Database, instance) -> None:
    now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    with database.transaction(gemeente=AMSTERDAM) as session:
        assert repository.insert_stappen(session, AMSTERDAM, instance, [("a", {"n": 1})], now) == {"a"}
    with database.transaction(gemeente=AMSTERDAM) as session:
        later = now + timedelta(seconds=1)
        inserted = repository.insert_stappen(
            session, AMSTERDAM, instance, [("a", {"n": 99}), ("b", [1, 2.5, None, "x"]), ("c", "tekst")], later
        )
        assert inserted == {"b", "c"}
        assert repository.insert_stappen(session, AMSTERDAM, instance, [], later) == set()
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        rows = repository.get_stappen(session, AMSTERDAM, instance)
        some = repository.get_stappen(session, AMSTERDAM, instance, ["c", "a", "zz"])
        one = repository.get_stap(session, AMSTERDAM, instance, "b")
        raw = session.scalars(select(Processtap).where(Processtap.procesinstantie_id == instance)).all()
    assert [(r.stap_sleutel, r.resultaat) for r in rows] == [
        ("a", {"n": 1}),
        ("b", [1, 2.5, None, "x"]),
        ("c", "tekst"),
    ]
    assert [r.stap_sleutel for r in some] == ["a", "c"]
    assert one is not None
    assert one.resultaat == [1, 2.5, None, "x"]
    assert {r.gemeente for r in raw} == {AMSTERDAM}
    assert {r.stap_sleutel: r.created_at for r in raw} == {"a": now, "b": later, "c": later}


def test_prebuilt_reads_stay_within_the_gemeente(database: Database, instance) -> None:
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        row = repository.get_procesinstantie(session, AMSTERDAM, instance)
        assert row is not None
        found = repository.get_procesinstantie_for_save(session, AMSTERDAM, instance)
        assert found is not None
        assert found[0].id == instance
        assert found[1] is not None
        assert repository.get_aanvraag(session, AMSTERDAM, row.aanvraag_id) is not None
        subjects = repository.subjects_of(session, AMSTERDAM, [row.aanvraag_id, row.aanvraag_id, uuid.uuid4()])
        assert subjects == {row.aanvraag_id: found[1]}
        assert repository.subjects_of(session, AMSTERDAM, []) == {}
    with database.transaction(gemeente=ROTTERDAM, read_only=True) as session:
        assert repository.get_procesinstantie(session, ROTTERDAM, instance) is None
        assert repository.get_procesinstantie_for_save(session, ROTTERDAM, instance) is None
        assert repository.get_aanvraag(session, ROTTERDAM, row.aanvraag_id) is None
        assert repository.subjects_of(session, ROTTERDAM, [row.aanvraag_id]) == {}


def test_an_empty_claim_changes_and_audits_nothing(database: Database, alo) -> None:
    """A poll that finds nothing due (the common claim under load) leases nothing and writes no audit entry; a
    waiting instance becomes due exactly when its deadline passes."""
    _aanvraag, made = alo.zaak()
    instance = uuid.UUID(made["id"])
    now = datetime.now(UTC)
    with database.transaction(gemeente=AMSTERDAM) as session:
        claimed = repository.claim_procesinstanties(
            session, AMSTERDAM, worker="a", now=now, lease_until=now + timedelta(minutes=5), limit=10
        )
        assert [r.id for r in claimed] == [instance]
        row = claimed[0]
        row.status, row.next_due_at, row.lease_owner, row.lease_until = "waiting", now + timedelta(hours=1), None, None
        session.flush()
    records_before, _ = _stored(database, AMSTERDAM)
    with database.transaction(gemeente=AMSTERDAM) as session:
        assert (
            repository.claim_procesinstanties(
                session, AMSTERDAM, worker="b", now=now, lease_until=now + timedelta(minutes=5), limit=10
            )
            == []
        )
    records_after, _ = _stored(database, AMSTERDAM)
    assert len(records_after) == len(records_before)
    later = now + timedelta(hours=1, seconds=1)
    with database.transaction(gemeente=AMSTERDAM) as session:
        claimed = repository.claim_procesinstanties(
            session, AMSTERDAM, worker="b", now=later, lease_until=later + timedelta(minutes=5), limit=10
        )
        assert [(r.id, r.lease_owner) for r in claimed] == [(instance, "b")]


def test_the_batched_append_stores_what_it_returned(database: Database) -> None:
    """``append_many`` (PostgreSQL: one JSON array of the entries, turned into rows by ``json_populate_recordset``)
    stores every column as it hashed it: microseconds and the zone of a timestamp given in another zone, text
    beyond ASCII, absent values, the chain's links and the head."""
    elsewhere = timezone(timedelta(hours=-5, minutes=-30))
    entries = [
        ENTRY,
        dataclasses.replace(
            ENTRY,
            operation='beschikking.raadplegen \u00e9\u00fc\u20ac \U0001f600 "quoted" \\ back',
            data_subject_id=None,
            data_subject_type=None,
            parent_span_id=None,
            started_at=datetime(2026, 11, 29, 3, 0, 0, 1, tzinfo=elsewhere),
            ended_at=datetime(2026, 11, 29, 3, 0, 0, 999999, tzinfo=elsewhere),
        ),
        dataclasses.replace(ENTRY, operation="o" * 200, outcome="success"),
    ]
    with database.transaction(gemeente=ROTTERDAM) as session:
        audit.append(session, ROTTERDAM, ENTRY)
        returned = audit.append_many(session, ROTTERDAM, entries)
    stored, head = _stored(database, ROTTERDAM)
    assert [r.seq for r in stored] == [1, 2, 3, 4]
    for made, kept in zip(returned, stored[1:], strict=True):
        assert {c: getattr(kept, c) for c in audit._COLUMNS} == {c: getattr(made, c) for c in audit._COLUMNS}
        assert record_hash(kept) == kept.hash
    assert stored[2].occurred_at == datetime(2026, 11, 29, 8, 30, 0, 1, tzinfo=UTC)
    assert stored[2].data_subject_id is None
    assert stored[2].parent_span_id is None
    assert head == (4, stored[3].hash)
    with database.transaction(gemeente=ROTTERDAM) as session:
        assert audit.verify_chain(session, ROTTERDAM).valid


#: Entries no append may write (the database would not store them as they are hashed), with the exception each
#: raises before anything is hashed or written: the same on SQLite and PostgreSQL (checked in Python, not left to the
#: database, which cuts trailing blanks silently or, SQLite, checks no length at all).
_BAD_ENTRIES = [
    pytest.param({"operation": "o" * 201}, ValueError, id="too-long"),
    # PostgreSQL would store "o" * 200 (a varchar cuts blanks past its length) while the hash covers the blanks.
    pytest.param({"operation": "o" * 200 + "  "}, ValueError, id="too-long-by-trailing-blanks"),
    pytest.param({"outcome": "x" * 50 + " "}, ValueError, id="too-long-by-a-blank-outcome"),
    pytest.param({"span_id": "2" * 16 + " "}, ValueError, id="too-long-by-a-blank-span"),
    pytest.param({"started_at": datetime(2026, 11, 29, 8, 0)}, ValueError, id="naive-timestamp"),
    # Stored as their text ("123", "true", ...) while the hash covers the typed value.
    pytest.param({"operation": 123}, TypeError, id="int"),
    pytest.param({"operation": True}, TypeError, id="bool"),
    pytest.param({"operation": 1.5}, TypeError, id="float"),
    pytest.param({"operation": 10**30}, TypeError, id="huge-int"),
    pytest.param({"operation": ["a", 1]}, TypeError, id="list"),
    pytest.param({"data_subject_id": 42}, TypeError, id="int-in-a-nullable-column"),
    pytest.param({"started_at": "2026-11-29T08:00:00Z"}, TypeError, id="timestamp-as-text"),
]


def _append_single(session, gemeente: str, entries: list[AuditEntry]) -> None:
    for entry in entries:
        audit.append(session, gemeente, entry)


_APPENDS = [
    pytest.param(_append_single, id="append"),
    pytest.param(audit.append_many, id="append_many"),
    pytest.param(audit.append_batch, id="append_batch"),
]


@pytest.mark.parametrize("append", _APPENDS)
@pytest.mark.parametrize(("bad", "error"), _BAD_ENTRIES)
def test_an_append_with_a_bad_entry_writes_nothing(
    database: Database, append, bad: dict[str, object], error: type[Exception]
) -> None:
    with database.transaction(gemeente=ROTTERDAM) as session:
        audit.append(session, ROTTERDAM, ENTRY)
    with pytest.raises(error) as raised, database.transaction(gemeente=ROTTERDAM) as session:
        append(session, ROTTERDAM, [ENTRY, dataclasses.replace(ENTRY, **bad)])  # type: ignore[arg-type]
    assert type(raised.value) is error  # exactly, on both dialects: refused before any statement
    stored, head = _stored(database, ROTTERDAM)
    assert [r.seq for r in stored] == [1]
    assert head == (1, stored[0].hash)
    with database.transaction(gemeente=ROTTERDAM) as session:
        assert audit.verify_chain(session, ROTTERDAM).valid


@pytest.mark.parametrize("append", _APPENDS)
def test_a_string_of_exactly_its_columns_length_is_stored_as_hashed(database: Database, append) -> None:
    # Blanks within the length are kept (varchar keeps them; only blanks past the length are cut).
    entry = dataclasses.replace(ENTRY, operation="o" * 198 + "  ", outcome=" " * 50, data_subject_id="d" * 64)
    with database.transaction(gemeente=ROTTERDAM) as session:
        append(session, ROTTERDAM, [entry, entry])
    stored, _ = _stored(database, ROTTERDAM)
    assert [(r.operation, r.outcome, r.data_subject_id) for r in stored] == [("o" * 198 + "  ", " " * 50, "d" * 64)] * 2
    with database.transaction(gemeente=ROTTERDAM) as session:
        assert audit.verify_chain(session, ROTTERDAM).valid


_AMSTERDAM_TIME = ZoneInfo("Europe/Amsterdam")
_FOLD = datetime(2026, 10, 25, 2, 30, 0, 7, tzinfo=_AMSTERDAM_TIME, fold=1)
#: Columns that differ by construction between the same entries appended in two gemeenten (the chain's links too).
_SAME_STORED = [c for c in _SAME if c != "prev_hash"]


def _stored_text(database: Database, gemeente: str) -> list[object]:
    """The rows of ``gemeente``'s chain as the database holds them (PostgreSQL: each row's text, ``a::text`` of the
    compared columns; SQLite: each value with its storage class), in order, without the columns that differ by
    construction."""
    with database.transaction(gemeente=gemeente, read_only=True) as session:
        if database.is_postgresql:
            row = f"ROW({', '.join(f'a.{c}' for c in _SAME_STORED)})::text"
            sql = f"SELECT {row} FROM audit_log a WHERE a.gemeente = :g ORDER BY a.seq"
            return list(session.scalars(text(sql), {"g": gemeente}))
        columns = ", ".join(f"a.{c}, typeof(a.{c})" for c in _SAME_STORED)
        sql = f"SELECT {columns} FROM audit_log a WHERE a.gemeente = :g ORDER BY a.seq"
        return [tuple(r) for r in session.execute(text(sql), {"g": gemeente})]


_STORED_ALIKE = [
    pytest.param({}, None, id="plain"),
    pytest.param(
        {  # 02:30 the second time (fold): 01:30 UTC, not 00:30
            "started_at": _FOLD,
            "ended_at": datetime(2026, 10, 25, 2, 59, 59, 999999, tzinfo=_AMSTERDAM_TIME, fold=1),
        },
        None,
        id="dst-fold",
    ),
    pytest.param(
        {"started_at": datetime(2026, 10, 25, 2, 30, tzinfo=_AMSTERDAM_TIME, fold=0)}, None, id="dst-before-fold"
    ),
    pytest.param({"operation": "a\x01b\tc\nd\re\x1bf\x1fg\x7fh\u2028i\u00a0", "outcome": "\x08"}, None, id="controls"),
    pytest.param({"operation": '"\\u0041\\" \' ; --', "purpose": "  "}, None, id="escapes-and-blanks"),
    pytest.param({"operation": "o" * 198 + "  "}, None, id="blanks-within-the-length"),
    pytest.param({"operation": "o" * 200 + "  "}, ValueError, id="blanks-past-the-length"),
    pytest.param({"operation": 123}, TypeError, id="non-string"),
]


@pytest.mark.parametrize(("change", "error"), _STORED_ALIKE)
def test_a_batched_append_stores_what_single_appends_store(
    database: Database, change: dict[str, object], error: type[Exception] | None
) -> None:
    """The same entries, batched (PostgreSQL: one JSON array) in one gemeente and appended one by one (the single
    entry's insert) in another, are stored alike, or refused alike with the same exception and nothing written."""
    entries = [ENTRY, dataclasses.replace(ENTRY, **change), ENTRY]  # type: ignore[arg-type]

    def batched() -> None:
        with database.transaction(gemeente=AMSTERDAM) as session:
            audit.append_batch(session, AMSTERDAM, entries)

    def one_by_one() -> None:
        with database.transaction(gemeente=ROTTERDAM) as session:
            for entry in entries:
                audit.append(session, ROTTERDAM, entry)

    if error is not None:
        for append in (batched, one_by_one):
            with pytest.raises(error) as raised:
                append()
            assert type(raised.value) is error
        assert _stored_text(database, AMSTERDAM) == _stored_text(database, ROTTERDAM) == []
        return
    batched()
    one_by_one()
    stored = _stored_text(database, AMSTERDAM)
    assert len(stored) == 3
    assert stored == _stored_text(database, ROTTERDAM)
    for gemeente in (AMSTERDAM, ROTTERDAM):
        with database.transaction(gemeente=gemeente) as session:
            assert audit.verify_chain(session, gemeente).valid
    records, _ = _stored(database, AMSTERDAM)
    if "started_at" in change:  # read back as the same instant (in UTC: an ambiguous local time equals no other zone's)
        started_at = change["started_at"]
        assert isinstance(started_at, datetime)
        assert records[1].occurred_at == started_at.astimezone(UTC)
    if change.get("started_at") is _FOLD:
        assert records[1].occurred_at == datetime(2026, 10, 25, 1, 30, 0, 7, tzinfo=UTC)
    for name, value in change.items():
        if isinstance(value, str):
            assert getattr(records[1], name) == value

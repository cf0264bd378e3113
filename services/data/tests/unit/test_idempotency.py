"""Idempotency holds under concurrency: many simultaneous requests with one Idempotency-Key store one row and
log one entry; every caller gets that row back. The unique constraint, not luck, decides."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from gbi_data.database import Database
from gbi_data.models import AuditRecord, Proefberekening
from gbi_data.service import DataService
from gbi_data.settings import DataSettings
from gbi_shared import ActorType, ConflictError, RequestContext
from gbi_shared.contracts.data import ProefberekeningRecordCreate

AMSTERDAM = "0363"
CTX = RequestContext(actor_id="medewerker-1", actor_type=ActorType.MEDEWERKER, gemeente=AMSTERDAM)
BODY = ProefberekeningRecordCreate(
    bsn="999993653", peildatum=date(2026, 1, 1), request={"a": 1}, result={"b": 2}, norm_cents=100
)


def _create(database: Database, service: DataService, body: ProefberekeningRecordCreate, key: str | None) -> uuid.UUID:
    with database.transaction(gemeente=AMSTERDAM) as session:
        record, _ = service.create_proefberekening(session, CTX, AMSTERDAM, body, key)
        return record.id


def _counts(database: Database) -> tuple[int, int]:
    with database.transaction(gemeente=AMSTERDAM) as session:
        rows = session.scalar(select(func.count()).select_from(Proefberekening))
        entries = session.scalar(select(func.count()).select_from(AuditRecord))
        return int(rows or 0), int(entries or 0)


def test_concurrent_requests_with_one_key_store_one_row(database: Database, migrated: DataSettings) -> None:
    service = DataService(migrated)
    barrier = threading.Barrier(8)
    ids: list[uuid.UUID] = []
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            ids.append(_create(database, service, BODY, "same-key"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ids) == 8
    assert len(set(ids)) == 1
    assert _counts(database) == (1, 1)


def test_key_reused_with_another_body_conflicts(database: Database, migrated: DataSettings) -> None:
    service = DataService(migrated)
    _create(database, service, BODY, "k")
    with pytest.raises(ConflictError):
        _create(database, service, BODY.model_copy(update={"norm_cents": 101}), "k")
    assert _counts(database) == (1, 1)

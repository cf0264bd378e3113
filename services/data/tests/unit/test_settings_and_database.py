"""Settings and engine set-up: production refuses the dev pseudonym key, URLs get our drivers, SQLite is set up
for concurrent use, and timestamps come back timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, StatementError

from gbi_data.database import Database, create_db_engine, normalise_url
from gbi_data.migrate import upgrade
from gbi_data.models import Gemeente
from gbi_data.settings import DEV_PSEUDONYM_KEY, DataSettings

PUBLIC_KEY = SecretStr("-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----")


def test_defaults_follow_the_runtime_contract() -> None:
    assert DataSettings.model_fields["database_url"].default == "sqlite:///var/gbi.db"
    assert DataSettings.model_fields["service_name"].default == "gbi-data"


def test_database_url_is_read_from_gbi_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GBI_DATABASE_URL", "postgresql+psycopg://u:p@db/gbi")
    assert DataSettings().database_url == "postgresql+psycopg://u:p@db/gbi"


def test_production_refuses_the_dev_pseudonym_key() -> None:
    with pytest.raises(ValidationError, match="GBI_AUDIT_PSEUDONYM_KEY"):
        DataSettings(environment="production", context_public_key=PUBLIC_KEY)
    with pytest.raises(ValidationError, match="GBI_AUDIT_PSEUDONYM_KEY"):
        DataSettings(environment="production", context_public_key=PUBLIC_KEY, audit_pseudonym_key=SecretStr("short"))
    ok = DataSettings(environment="production", context_public_key=PUBLIC_KEY, audit_pseudonym_key=SecretStr("k" * 32))
    assert ok.audit_pseudonym_key.get_secret_value() != DEV_PSEUDONYM_KEY


def test_app_role_must_be_a_plain_identifier() -> None:
    with pytest.raises(ValidationError):
        DataSettings(database_app_role="gbi; DROP TABLE x")
    assert DataSettings(database_app_role="").database_app_role == ""


def test_postgres_urls_get_psycopg3() -> None:
    assert normalise_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u:p@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///var/gbi.db").drivername == "sqlite"


def test_sqlite_engine_creates_the_folder_and_sets_wal_foreign_keys_busy_timeout(tmp_path: Path) -> None:
    settings = DataSettings(database_url=f"sqlite:///{tmp_path / 'a' / 'b' / 'gbi.db'}", database_busy_timeout_ms=1234)
    engine = create_db_engine(settings)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
        assert (tmp_path / "a" / "b").is_dir()
    finally:
        engine.dispose()


def test_timestamps_are_utc_aware_on_the_way_back(database: Database) -> None:
    amsterdam_time = datetime(2026, 3, 1, 13, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1)))
    with database.owner_transaction() as session:
        session.add(Gemeente(code="9999", naam="Test", actief=False, created_at=amsterdam_time))
    with database.owner_transaction() as session:
        session.expire_all()
        stored = session.get(Gemeente, "9999")
        assert stored is not None
        assert stored.created_at == amsterdam_time
        assert stored.created_at.tzinfo is UTC
        assert stored.created_at.hour == 12


def test_naive_timestamps_are_refused(database: Database) -> None:
    def store_naive() -> None:
        with database.owner_transaction() as session:
            session.add(Gemeente(code="9998", naam="Test", actief=False, created_at=datetime(2026, 1, 1)))

    with pytest.raises(StatementError, match="timezone-aware"):
        store_naive()


def test_ping(database: Database) -> None:
    database.ping()
    with database.transaction(gemeente=None) as session:
        assert session.execute(text("SELECT 1")).scalar() == 1


def second_writer(database: Database) -> None:
    with database.transaction(gemeente=None) as session:
        session.execute(text("SELECT 1"))  # the transaction (BEGIN IMMEDIATE) starts with the first statement


def test_sqlite_readers_do_not_wait_for_a_writer_and_writers_queue(tmp_path: Path) -> None:
    settings = DataSettings(database_url=f"sqlite:///{tmp_path / 'gbi.db'}", database_busy_timeout_ms=100)
    upgrade(settings)
    database = Database(settings)
    try:
        with database.transaction(gemeente=None) as writer:
            writer.add(Gemeente(code="9997", naam="Nog niet vastgelegd", actief=True))
            writer.flush()
            # A read-only transaction runs beside the writer and sees the last committed state.
            with database.transaction(gemeente=None, read_only=True) as reader:
                assert reader.get(Gemeente, "0363") is not None
                assert reader.get(Gemeente, "9997") is None
            # A second writer waits for the lock (busy timeout) and then gives up.
            with pytest.raises(OperationalError, match="locked"):
                second_writer(database)
    finally:
        database.dispose()


@pytest.mark.postgres
def test_an_idle_connection_that_died_is_replaced_before_use(postgres_url: str) -> None:
    """The pool pings a connection that sat idle (not one that came back a moment ago): a connection whose server
    process died meanwhile is replaced, and the transaction runs on a fresh one."""
    from gbi_data import database as database_module

    settings = DataSettings(
        database_url=postgres_url, environment="test", database_pool_size=1, database_max_overflow=0
    )
    db = Database(settings)
    killer = create_engine(normalise_url(postgres_url))
    try:
        with db.transaction(gemeente=None) as session:
            first = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with db.transaction(gemeente=None) as session:
            assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() == first  # reused, no ping
        with killer.begin() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar_one() is True
        # The pooled connection has been idle "long enough" (the clock is moved, not waited for).
        real = database_module.time.monotonic
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(database_module.time, "monotonic", lambda: real() + database_module.PING_AFTER_IDLE_S + 1)
            with db.transaction(gemeente=None) as session:
                assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() != first
    finally:
        db.dispose()
        killer.dispose()

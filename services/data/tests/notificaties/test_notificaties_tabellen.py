"""The notificaties revision goes down and up on its own; on PostgreSQL its tenant-owned tables have row-level
security and the application role only its grants (the outbox is append-only)."""

from __future__ import annotations

import uuid

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from gbi_data.database import Database, normalise_url
from gbi_data.migrate import MIGRATIONS_DIR, check, downgrade, upgrade
from gbi_data.notificaties.models import NOTIFICATIE_TABLES, NOTIFICATIE_TENANT_TABLES
from gbi_data.settings import DataSettings


def _tables(settings: DataSettings) -> set[str]:
    engine = create_engine(normalise_url(settings.database_url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _revision() -> tuple[str, str]:
    """(the notificaties revision, the one before it), found by file so a rebase of the chain does not matter."""
    for revision in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions():
        if revision.path.endswith("_notificaties.py"):
            down = revision.down_revision
            assert isinstance(down, str)
            return revision.revision, down
    raise AssertionError("no notificaties revision")


def test_the_notificaties_revision_goes_down_and_up(settings: DataSettings) -> None:
    upgrade(settings)
    assert set(NOTIFICATIE_TABLES) <= _tables(settings)
    revision, before = _revision()
    downgrade(settings, before)
    remaining = _tables(settings)
    assert not set(NOTIFICATIE_TABLES) & remaining
    assert {"aanvragen", "klok", "audit_log"} <= remaining
    upgrade(settings, revision)
    assert set(NOTIFICATIE_TABLES) <= _tables(settings)
    upgrade(settings)
    assert check(settings) is None
    database = Database(settings)
    try:
        with database.transaction(gemeente=None) as session:
            assert session.execute(text("SELECT naam FROM kanalen")).scalars().all() == ["aanvragen"]
    finally:
        database.dispose()


def _counts(database: Database, gemeente: str | None) -> dict[str, int]:
    with database.transaction(gemeente=gemeente) as session:
        return {
            t: int(session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in NOTIFICATIE_TENANT_TABLES
        }


@pytest.mark.postgres
def test_without_the_tenant_setting_the_tables_show_nothing(nrc, database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("row-level security is PostgreSQL's")
    nrc.abonnement()
    nrc.aanvraag()
    assert _counts(database, None) == dict.fromkeys(NOTIFICATIE_TENANT_TABLES, 0)
    assert _counts(database, "0599") == dict.fromkeys(NOTIFICATIE_TENANT_TABLES, 0)
    assert all(n >= 1 for n in _counts(database, "0363").values())


@pytest.mark.postgres
def test_the_outbox_is_append_only_and_rls_refuses_other_gemeenten(nrc, database: Database, owner_sql) -> None:
    if not database.is_postgresql:
        pytest.skip("row-level security and roles are PostgreSQL's")
    nrc.abonnement()
    nrc.aanvraag()
    for statement in ("UPDATE outbox SET actie = 'destroy'", "DELETE FROM outbox"):
        with pytest.raises(DBAPIError, match="permission denied"), database.transaction(gemeente="0363") as session:
            session.execute(text(statement))
    with pytest.raises(ProgrammingError, match="row-level security"), database.transaction(gemeente="0599") as s:
        s.execute(
            text(
                "INSERT INTO outbox (id, gemeente, kanaal, hoofd_object, resource, resource_url, actie, aanmaakdatum, "
                "kenmerken, created_at) VALUES (:id, '0363', 'aanvragen', '/x', 'aanvraag', '/x', 'create', now(), "
                "'{}', now())"
            ),
            {"id": uuid.uuid4()},
        )
    with database.transaction(gemeente="0599") as session:
        changed = session.execute(text("UPDATE leveringen SET status = 'failed'"))
        assert getattr(changed, "rowcount", None) == 0
    assert owner_sql("SELECT status FROM leveringen") == [("pending",)]

"""PostgreSQL row-level security backs up the service's tenant filters: without the tenant setting a query sees
nothing, with it only that gemeente's rows, and writes for another gemeente are refused. The application role
cannot rewrite or delete the audit log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from gbi_data import audit
from gbi_data.database import Database
from gbi_data.migrate import upgrade
from gbi_data.models import AuditRecord, Proefberekening
from gbi_data.settings import DataSettings

pytestmark = pytest.mark.postgres

AMSTERDAM = "0363"
ROTTERDAM = "0599"
ENTRY = audit.AuditEntry(
    operation="test", processing_activity="gbi.test", actor="a", actor_type="service", purpose="participatiewet"
)


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    settings = DataSettings(database_url=postgres_url, environment="test")
    upgrade(settings)
    database = Database(settings)
    for gemeente in (AMSTERDAM, AMSTERDAM, ROTTERDAM):
        with database.transaction(gemeente=gemeente) as session:
            session.add(_row(gemeente))
            audit.append(session, gemeente, ENTRY)
    yield database
    database.dispose()


def _row(gemeente: str) -> Proefberekening:
    return Proefberekening(
        id=uuid.uuid4(),
        gemeente=gemeente,
        data_subject_id="ab" * 32,
        peildatum=date(2026, 1, 1),
        created_by="test",
        request={},
        result={},
        norm_cents=100,
        request_hash="cd" * 32,
    )


def _count(database: Database, gemeente: str | None, model: type[Proefberekening] | type[AuditRecord]) -> int:
    with database.transaction(gemeente=gemeente) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_without_the_tenant_setting_a_query_returns_nothing(pg: Database) -> None:
    # No WHERE clause at all: only row-level security stands between this query and every gemeente's rows.
    assert _count(pg, None, Proefberekening) == 0
    assert _count(pg, None, AuditRecord) == 0


def test_with_the_tenant_setting_only_that_gemeentes_rows(pg: Database) -> None:
    assert _count(pg, AMSTERDAM, Proefberekening) == 2
    assert _count(pg, ROTTERDAM, Proefberekening) == 1
    assert _count(pg, AMSTERDAM, AuditRecord) == 2
    assert _count(pg, "0014", Proefberekening) == 0


def test_the_rows_do_exist_for_a_role_that_bypasses_rls(pg: Database) -> None:
    # The counterpart that makes the zero above meaningful: the login role of the test server is a superuser.
    engine = create_engine(pg.engine.url)
    try:
        with engine.connect() as connection:
            if not connection.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
                pytest.skip("the test login role is not a superuser, so it cannot see past row-level security")
            assert connection.execute(text("SELECT count(*) FROM proefberekeningen")).scalar() == 3
    finally:
        engine.dispose()


def test_the_table_owner_is_bound_too(pg: Database) -> None:
    # FORCE ROW LEVEL SECURITY binds the owner as well (a superuser bypasses all RLS, so the test hands the table
    # to a throwaway owner role and becomes it; everything is rolled back).
    engine = create_engine(pg.engine.url)
    owner = f"gbi_test_owner_{uuid.uuid4().hex[:8]}"
    try:
        with engine.begin() as connection:
            if connection.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
                schema = connection.execute(text("SELECT current_schema()")).scalar_one()
                connection.execute(text(f"CREATE ROLE {owner} NOLOGIN"))
                connection.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {owner}'))
                connection.execute(text(f"ALTER TABLE proefberekeningen OWNER TO {owner}"))
                connection.execute(text(f"SET LOCAL ROLE {owner}"))
            assert connection.execute(text("SELECT count(*) FROM proefberekeningen")).scalar() == 0
            connection.execute(text("SELECT set_config('gbi.gemeente', '0599', true)"))
            assert connection.execute(text("SELECT count(*) FROM proefberekeningen")).scalar() == 1
            connection.rollback()
    finally:
        engine.dispose()


def test_writing_a_row_for_another_gemeente_is_refused(pg: Database) -> None:
    def store_for_rotterdam() -> None:
        with pg.transaction(gemeente=AMSTERDAM) as session:
            session.add(_row(ROTTERDAM))

    with pytest.raises(ProgrammingError, match="row-level security"):
        store_for_rotterdam()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET outcome = 'x'", "DELETE FROM audit_log"])
def test_the_app_role_cannot_rewrite_the_audit_log(pg: Database, statement: str) -> None:
    with pytest.raises(DBAPIError, match="permission denied"), pg.transaction(gemeente=AMSTERDAM) as session:
        session.execute(text(statement))


def test_the_app_role_is_neither_owner_nor_superuser(pg: Database) -> None:
    with pg.transaction(gemeente=AMSTERDAM) as session:
        row = session.execute(
            text("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
    assert tuple(row) == ("gbi_app", False, False)

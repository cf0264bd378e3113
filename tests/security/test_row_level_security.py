"""Row-level security on every tenant table, proven on the data a real ALO leaves behind.

Tenant tables are discovered, not listed: every table of the migrated database with a ``gemeente`` column, and every
table of the data service's SQLAlchemy metadata with one (so a new table is covered the day its migration lands).
For each: RLS is enabled and FORCEd with a policy on ``gemeente = current_setting('gbi.gemeente', true)``; as the
application role without the tenant setting a bare ``SELECT count(*)`` (no WHERE at all) sees 0 rows, with another
gemeente's setting 0 rows, while a role that bypasses RLS sees the rows the ALO wrote. Every other table must be named
in ``GLOBAL_TABLES`` with the reason it holds no tenant data.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import psycopg
import pytest
from psycopg import sql

from gbi_runner import Suite

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

GEMEENTE = "0599"
GLOBAL_TABLES = {
    "alembic_version": "the schema version",
    "gemeenten": "the list of GBI gemeenten (CBS code, name): public facts",
    "kanalen": "notification channels (ZGW Notificaties): names and filters, no tenant data",
    "klok": "the one row of the test clock's offset",
    "betaalruns": "a payment run over several gemeenten; its tenant rows live in betalingen",
    "web_sessies": "web sessions (issue 6): one exists before login, keyed by a cookie hash; service-only routes",
}
# Tables with a gemeente column that are read across gemeenten by design, each with its reason. Reported in
# docs/reliability.md; the data service's own filter is their only guard.
RLS_EXEMPT = {
    "betaalrekeningen": "the gemeente's own payer account (its IBAN, no personal data), read by a run over gemeenten",
    "betaalrun_gemeenten": "which gemeenten one payment run covers and their progress counts (no personal data)",
}


def _metadata_tenant_tables() -> set[str]:
    import gbi_data
    from gbi_data.models import Base

    for module in pkgutil.walk_packages(gbi_data.__path__, "gbi_data."):
        if module.name.endswith(".models"):
            importlib.import_module(module.name)
    return {t.name for t in Base.metadata.sorted_tables if "gemeente" in t.c}


def _dsn(suite: Suite) -> str:
    url = suite.database_url
    if not url.startswith("postgresql"):
        pytest.skip("row-level security is PostgreSQL's (GBI_TEST_DATABASE_URL not set)")
    return url.replace("postgresql+psycopg://", "postgresql://")


def _tenant_tables(conn: psycopg.Connection[Any]) -> set[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_name = 'gemeente'"
    ).fetchall()
    views = {r[0] for r in conn.execute("SELECT viewname FROM pg_views WHERE schemaname = current_schema()")}
    return {r[0] for r in rows} - views


def test_every_table_is_a_tenant_table_or_named_global(suite: Suite) -> None:
    with psycopg.connect(_dsn(suite), autocommit=True) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
        tenant = _tenant_tables(conn)
    unclassified = tables - tenant - set(GLOBAL_TABLES)
    assert not unclassified, f"tables without a gemeente column that are not named global: {sorted(unclassified)}"


def test_every_tenant_table_forces_row_level_security(suite: Suite) -> None:
    with psycopg.connect(_dsn(suite), autocommit=True) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
        tenant = (_tenant_tables(conn) | (_metadata_tenant_tables() & tables)) - set(RLS_EXEMPT)
        missing = []
        for table in sorted(tenant):
            row = conn.execute(
                "SELECT c.relrowsecurity, c.relforcerowsecurity, "
                "(SELECT string_agg(coalesce(pg_get_expr(p.polqual, p.polrelid), ''), ' ') FROM pg_policy p "
                " WHERE p.polrelid = c.oid) FROM pg_class c WHERE c.relname = %s "
                "AND c.relnamespace = current_schema()::regnamespace",
                (table,),
            ).fetchone()
            if row is None or not row[0] or not row[1] or "current_setting('gbi.gemeente'" not in (row[2] or ""):
                missing.append((table, row))
    assert not missing, f"tenant tables without forced RLS on gbi.gemeente: {missing}"


def test_without_the_tenant_context_every_tenant_table_returns_nothing(suite: Suite, besloten: str) -> None:
    app_role = "gbi_app"
    # autocommit: each ``transaction()`` below is a real transaction, so SET LOCAL ends with it.
    with psycopg.connect(_dsn(suite), autocommit=True) as conn:
        tenant = sorted(_tenant_tables(conn) - set(RLS_EXEMPT))
        counts: dict[str, tuple[int, int | str, int | str]] = {}
        for table in tenant:
            q = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            with conn.transaction():
                total = int(conn.execute(q).fetchone()[0])  # type: ignore[index]  # the login role bypasses RLS
            seen: list[int | str] = []
            for setting in (None, "0363"):
                try:
                    with conn.transaction():
                        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(app_role)))
                        if setting is None:
                            seen.append(int(conn.execute(q).fetchone()[0]))  # type: ignore[index]
                        else:
                            # Bound to Amsterdam: not one row of any other gemeente.
                            conn.execute("SELECT set_config('gbi.gemeente', %s, true)", (setting,))
                            others = sql.SQL("SELECT count(*) FROM {} WHERE gemeente <> %s").format(
                                sql.Identifier(table)
                            )
                            seen.append(int(conn.execute(others, (setting,)).fetchone()[0]))  # type: ignore[index]
                except psycopg.errors.InsufficientPrivilege:
                    seen.append("no privilege")
            counts[table] = (total, seen[0], seen[1])
        # The 0599 rows as their own gemeente sees them: RLS filters, it does not hide everything.
        with conn.transaction():
            conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(app_role)))
            conn.execute("SELECT set_config('gbi.gemeente', %s, true)", (GEMEENTE,))
            own = int(conn.execute("SELECT count(*) FROM aanvragen").fetchone()[0])  # type: ignore[index]
    leaking = {t: c for t, c in counts.items() if c[1] not in (0, "no privilege") or c[2] not in (0, "no privilege")}
    assert not leaking, f"rows visible without (or with another) tenant context: {leaking}"
    with_rows = [t for t, c in counts.items() if c[0] > 0]
    # The ALO wrote into the core tables: the zeros above are about real rows.
    assert {"aanvragen", "procesinstanties", "processtappen", "besluiten", "audit_log"} <= set(with_rows), counts
    assert own >= 1
    print(f"RLS: {len(counts)} tenant tables, {len(with_rows)} with rows, 0 visible without tenant context")

"""PostgreSQL row-level security on the tenant-owned tables, and the application role.

Each tenant-owned table gets ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` (FORCE binds the table owner too) and
one policy: a row is visible and writable only when its ``gemeente`` equals ``current_setting('gbi.gemeente',
true)``, which the service sets per transaction from the verified context. Without that setting no row matches.

The application role (``GBI_DATABASE_APP_ROLE``, default ``gbi_app``; NOLOGIN, not the owner, never a superuser,
so RLS applies to it even when the login role is a superuser) gets exactly what the service needs: the audit log
is append-only for it (SELECT, INSERT; no UPDATE, no DELETE). The role is cluster-wide and is kept on downgrade,
since other databases of the cluster may use it. SQLite has neither roles nor RLS: this revision does nothing there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("proefberekeningen", "audit_log", "audit_chain_heads")
GRANTS = {
    "gemeenten": "SELECT",
    "proefberekeningen": "SELECT, INSERT",
    "audit_log": "SELECT, INSERT",
    "audit_chain_heads": "SELECT, INSERT, UPDATE",
}
POLICY = "tenant_isolation"
TENANT_PREDICATE = "gemeente = current_setting('gbi.gemeente', true)"


def _app_role() -> str:
    config = op.get_context().config
    role = str(config.attributes.get("app_role", "gbi_app")) if config is not None else "gbi_app"
    if role and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"invalid application role name: {role!r}")
    return role


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    role = _app_role()
    if role:
        op.execute(
            f"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                    BEGIN
                        CREATE ROLE {role} NOLOGIN;
                    EXCEPTION WHEN duplicate_object THEN NULL;  -- created concurrently for another database
                    END;
                END IF;
                IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
                    EXECUTE format('GRANT %I TO %I', '{role}', current_user);
                END IF;
                EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), '{role}');
            END
            $$
            """
        )
        for table, privileges in GRANTS.items():
            op.execute(f"GRANT {privileges} ON {table} TO {role}")
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    role = _app_role()
    if role:
        for table in GRANTS:
            op.execute(f"REVOKE ALL ON {table} FROM {role}")
        op.execute(
            f"""
            DO $$
            BEGIN
                IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                    EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM %I', current_schema(), '{role}');
                END IF;
            END
            $$
            """
        )

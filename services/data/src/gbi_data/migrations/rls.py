"""Row-level security and grants for a migration's tables: the boilerplate of revisions 0004-0006 in one place.

``tenant_tables(grants, tenant_tables)`` in a revision's ``upgrade()``, after creating its tables: on PostgreSQL it
grants the application role (revision 0002; ``config.attributes["app_role"]``, default ``gbi_app``) exactly the
privileges given per table, and puts each tenant-owned table under ``ENABLE`` + ``FORCE ROW LEVEL SECURITY`` with
the policy ``gemeente = current_setting('gbi.gemeente', true)``. On SQLite (no roles, no RLS) it does nothing.
Dropping a table drops its policy and grants, so a ``downgrade()`` needs no counterpart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from alembic import op

__all__ = ["POLICY", "TENANT_PREDICATE", "app_role", "tenant_tables"]

POLICY = "tenant_isolation"
TENANT_PREDICATE = "gemeente = current_setting('gbi.gemeente', true)"


def app_role() -> str:
    """The application role's name from the Alembic config (checked: it is put into SQL)."""
    config = op.get_context().config
    role = str(config.attributes.get("app_role", "gbi_app")) if config is not None else "gbi_app"
    if role and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"invalid application role name: {role!r}")
    return role


def tenant_tables(grants: Mapping[str, str], tenant: Iterable[str]) -> None:
    """Grant ``grants`` (table -> privileges, e.g. ``"SELECT, INSERT"``) to the application role and put the
    ``tenant`` tables under row-level security. PostgreSQL only."""
    if op.get_bind().dialect.name != "postgresql":
        return
    role = app_role()
    for table, privileges in grants.items():
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", table):
            raise ValueError(f"invalid table name: {table!r}")
        if role:
            op.execute(f"GRANT {privileges} ON {table} TO {role}")
    for table in tenant:
        if table not in grants:
            raise ValueError(f"tenant table without grants: {table!r}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})")

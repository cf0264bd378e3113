"""Local policy per gemeente as effective-dated, append-only versions (``beleidsversies``).

On PostgreSQL the table is tenant-owned like the others: ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` with the policy
``gemeente = current_setting('gbi.gemeente', true)``, and the application role (created in revision 0002) may only
SELECT and INSERT: a version is never updated or deleted. SQLite has neither roles nor RLS.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "beleidsversies"
POLICY = "tenant_isolation"
TENANT_PREDICATE = "gemeente = current_setting('gbi.gemeente', true)"


def _app_role() -> str:
    config = op.get_context().config
    role = str(config.attributes.get("app_role", "gbi_app")) if config is not None else "gbi_app"
    if role and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"invalid application role name: {role!r}")
    return role


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("onderwerp", sa.String(length=50), nullable=False),
        sa.Column("versie", sa.Integer(), nullable=False),
        sa.Column("geldig_vanaf", sa.Date(), nullable=False),
        sa.Column("inhoud", sa.JSON(), nullable=False),
        sa.Column("toelichting", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("versie >= 1", name=op.f("ck_beleidsversies_versie_positive")),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_beleidsversies_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beleidsversies")),
        sa.UniqueConstraint(
            "gemeente", "onderwerp", "versie", name=op.f("uq_beleidsversies_gemeente_onderwerp_versie")
        ),
    )
    op.create_index(
        "ix_beleidsversies_gemeente_onderwerp_geldig_vanaf", TABLE, ["gemeente", "onderwerp", "geldig_vanaf"]
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    role = _app_role()
    if role:
        op.execute(f"GRANT SELECT, INSERT ON {TABLE} TO {role}")
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {POLICY} ON {TABLE} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {TABLE}")
        role = _app_role()
        if role:
            op.execute(f"REVOKE ALL ON {TABLE} FROM {role}")
    op.drop_index("ix_beleidsversies_gemeente_onderwerp_geldig_vanaf", table_name=TABLE)
    op.drop_table(TABLE)

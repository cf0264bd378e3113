"""Interaction: web sessions (``web_sessies``, keyed by the hash of the cookie value) and a citizen's drafts
(``web_concepten``, per gemeente, BSN and kind; tenant-owned, row-level security), so that every interaction
replica sees the same sessions and a restart loses none (issue 6, ADR 0012).

The application role reads, writes and deletes both (sessions end and expired rows are purged).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gbi_data.migrations.rls import tenant_tables

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANTS = {
    "web_sessies": "SELECT, INSERT, UPDATE, DELETE",
    "web_concepten": "SELECT, INSERT, UPDATE, DELETE",
}


def upgrade() -> None:
    op.create_table(
        "web_sessies",
        sa.Column("sleutel", sa.CHAR(length=64), nullable=False),
        sa.Column("gegevens", sa.Text(), nullable=False),
        sa.Column("laatst_actief", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verloopt_op", sa.DateTime(timezone=True), nullable=True),
        sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sleutel", name=op.f("pk_web_sessies")),
    )
    op.create_index("ix_web_sessies_laatst_actief", "web_sessies", ["laatst_actief"])
    op.create_table(
        "web_concepten",
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("bsn", sa.String(length=9), nullable=False),
        sa.Column("soort", sa.String(length=40), nullable=False),
        sa.Column("gegevens", sa.Text(), nullable=False),
        sa.Column("bijgewerkt_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verloopt_op", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_web_concepten_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("gemeente", "bsn", "soort", name=op.f("pk_web_concepten")),
    )
    op.create_index("ix_web_concepten_verloopt_op", "web_concepten", ["verloopt_op"])
    tenant_tables(GRANTS, tenant=["web_concepten"])


def downgrade() -> None:
    op.drop_index("ix_web_concepten_verloopt_op", table_name="web_concepten")
    op.drop_table("web_concepten")
    op.drop_index("ix_web_sessies_laatst_actief", table_name="web_sessies")
    op.drop_table("web_sessies")

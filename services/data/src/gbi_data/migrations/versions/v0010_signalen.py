"""Inlichtingenbureau signals: deliveries (``signaal_leveringen``) and the signals that matched a client
(``handhavingsignalen``, unique per gemeente and signal id), plus the client lookup index ``ix_aanvragen_gemeente_bsn``
the set-based match joins on.

Both tables are tenant-owned (row-level security, ``gbi_data.migrations.rls``). The application role may insert and
read them; it updates a delivery's counts after the match and a signal's status, and deletes nothing.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gbi_data.migrations.rls import tenant_tables

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANTS = {
    "signaal_leveringen": "SELECT, INSERT, UPDATE",
    "handhavingsignalen": "SELECT, INSERT, UPDATE",
}
SOORTEN = "'inkomen', 'voertuig', 'bankrekening-buitenland', 'detentie', 'verblijf-buitenland'"
STATUSSEN = "'nieuw', 'in-onderzoek', 'afgehandeld'"


def upgrade() -> None:
    op.create_index("ix_aanvragen_gemeente_bsn", "aanvragen", ["gemeente", "bsn"])
    op.create_table(
        "signaal_leveringen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("aantal", sa.Integer(), nullable=False),
        sa.Column("gematcht", sa.Integer(), nullable=False),
        sa.Column("nieuw", sa.Integer(), nullable=False),
        sa.Column("dubbel", sa.Integer(), nullable=False),
        sa.Column("ongematcht", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("aantal = gematcht + ongematcht", name=op.f("ck_signaal_leveringen_aantal_sluit")),
        sa.CheckConstraint("gematcht = nieuw + dubbel", name=op.f("ck_signaal_leveringen_gematcht_sluit")),
        sa.CheckConstraint(
            "nieuw >= 0 AND dubbel >= 0 AND ongematcht >= 0",
            name=op.f("ck_signaal_leveringen_tellingen_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["gemeente"], ["gemeenten.code"], name=op.f("fk_signaal_leveringen_gemeente_gemeenten")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signaal_leveringen")),
        sa.UniqueConstraint("id", "gemeente", name=op.f("uq_signaal_leveringen_id_gemeente")),
    )
    op.create_index("ix_signaal_leveringen_gemeente_created_at", "signaal_leveringen", ["gemeente", "created_at"])
    op.create_table(
        "handhavingsignalen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("signaal_id", sa.String(length=64), nullable=False),
        sa.Column("bsn", sa.String(length=9), nullable=False),
        sa.Column("soort", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("signaal_vanaf", sa.Date(), nullable=False),
        sa.Column("signaal_tot", sa.Date(), nullable=True),
        sa.Column("periode_vanaf", sa.Date(), nullable=False),
        sa.Column("periode_tot", sa.Date(), nullable=True),
        sa.Column("uitkering_id", sa.Uuid(), nullable=False),
        sa.Column("aanvraag_id", sa.Uuid(), nullable=False),
        sa.Column("ontvangen_op", sa.Date(), nullable=False),
        sa.Column("omschrijving", sa.Text(), nullable=False),
        sa.Column("bedrag_cents", sa.BigInteger(), nullable=True),
        sa.Column("kenteken", sa.String(length=6), nullable=True),
        sa.Column("land", sa.CHAR(length=2), nullable=True),
        sa.Column("instantie", sa.String(length=200), nullable=True),
        sa.Column("levering_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"soort IN ({SOORTEN})", name=op.f("ck_handhavingsignalen_soort_valid")),
        sa.CheckConstraint(f"status IN ({STATUSSEN})", name=op.f("ck_handhavingsignalen_status_valid")),
        sa.CheckConstraint(
            "signaal_tot IS NULL OR signaal_tot > signaal_vanaf",
            name=op.f("ck_handhavingsignalen_signaal_periode_valid"),
        ),
        sa.CheckConstraint(
            "periode_tot IS NULL OR periode_tot > periode_vanaf", name=op.f("ck_handhavingsignalen_periode_valid")
        ),
        sa.ForeignKeyConstraint(
            ["gemeente"], ["gemeenten.code"], name=op.f("fk_handhavingsignalen_gemeente_gemeenten")
        ),
        sa.ForeignKeyConstraint(
            ["levering_id", "gemeente"],
            ["signaal_leveringen.id", "signaal_leveringen.gemeente"],
            name=op.f("fk_handhavingsignalen_levering_id_signaal_leveringen"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handhavingsignalen")),
        sa.UniqueConstraint("gemeente", "signaal_id", name=op.f("uq_handhavingsignalen_gemeente_signaal_id")),
    )
    op.create_index(
        "ix_handhavingsignalen_gemeente_status_created_at",
        "handhavingsignalen",
        ["gemeente", "status", "created_at"],
    )
    op.create_index("ix_handhavingsignalen_uitkering_id", "handhavingsignalen", ["uitkering_id"])
    tenant_tables(GRANTS, GRANTS)


def downgrade() -> None:
    # Dropping a table drops its indexes, policies and grants with it.
    op.drop_table("handhavingsignalen")
    op.drop_table("signaal_leveringen")
    op.drop_index("ix_aanvragen_gemeente_bsn", table_name="aanvragen")

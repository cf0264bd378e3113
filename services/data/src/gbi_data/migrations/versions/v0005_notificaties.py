"""Notifications out: kanalen, abonnementen (with their kanalen and filters), the outbox and the leveringen.

``kanalen`` is GBI-wide reference data; it is seeded with the kanaal the ALO store publishes on (``aanvragen``).
The other tables are tenant-owned: on PostgreSQL ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` with the policy
``gemeente = current_setting('gbi.gemeente', true)``, and the application role (revision 0002) gets what the service
needs: the outbox is append-only; abonnementen, their kanalen and leveringen change and may be deleted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_PREDICATE = "gemeente = current_setting('gbi.gemeente', true)"
GRANTS = {
    "kanalen": "SELECT, INSERT, UPDATE, DELETE",
    "abonnementen": "SELECT, INSERT, UPDATE, DELETE",
    "abonnement_kanalen": "SELECT, INSERT, DELETE",
    "outbox": "SELECT, INSERT",
    "leveringen": "SELECT, INSERT, UPDATE, DELETE",
}
TENANT_TABLES = ("abonnementen", "abonnement_kanalen", "outbox", "leveringen")
DROP_ORDER = ("leveringen", "outbox", "abonnement_kanalen", "abonnementen", "kanalen")
KANALEN = [
    {"naam": "aanvragen", "documentatie_link": None, "filters": ["gemeente", "status", "besluitSoort"]},
]


def _app_role() -> str:
    config = op.get_context().config
    role = str(config.attributes.get("app_role", "gbi_app")) if config is not None else "gbi_app"
    if role and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"invalid application role name: {role!r}")
    return role


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "kanalen",
        sa.Column("naam", sa.String(length=50), nullable=False),
        sa.Column("documentatie_link", sa.String(length=200), nullable=True),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("naam", name=op.f("pk_kanalen")),
    )
    op.create_table(
        "abonnementen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("callback_url", sa.String(length=1000), nullable=False),
        sa.Column("auth_versleuteld", sa.Text(), nullable=False),
        sa.Column("auth_hint", sa.String(length=40), nullable=False),
        sa.Column("eigenaar", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_abonnementen_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_abonnementen")),
        sa.UniqueConstraint("id", "gemeente", name=op.f("uq_abonnementen_id_gemeente")),
    )
    op.create_index("ix_abonnementen_gemeente_eigenaar", "abonnementen", ["gemeente", "eigenaar"])
    op.create_table(
        "abonnement_kanalen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("abonnement_id", sa.Uuid(), nullable=False),
        sa.Column("volgorde", sa.Integer(), nullable=False),
        sa.Column("kanaal", sa.String(length=50), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["abonnement_id", "gemeente"],
            ["abonnementen.id", "abonnementen.gemeente"],
            name=op.f("fk_abonnement_kanalen_abonnement_id_abonnementen"),
        ),
        sa.ForeignKeyConstraint(
            ["gemeente"], ["gemeenten.code"], name=op.f("fk_abonnement_kanalen_gemeente_gemeenten")
        ),
        sa.ForeignKeyConstraint(["kanaal"], ["kanalen.naam"], name=op.f("fk_abonnement_kanalen_kanaal_kanalen")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_abonnement_kanalen")),
    )
    op.create_index("ix_abonnement_kanalen_abonnement_id", "abonnement_kanalen", ["abonnement_id"])
    op.create_index("ix_abonnement_kanalen_gemeente_kanaal", "abonnement_kanalen", ["gemeente", "kanaal"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("kanaal", sa.String(length=50), nullable=False),
        sa.Column("hoofd_object", sa.String(length=1000), nullable=False),
        sa.Column("resource", sa.String(length=100), nullable=False),
        sa.Column("resource_url", sa.String(length=1000), nullable=False),
        sa.Column("actie", sa.String(length=100), nullable=False),
        sa.Column("aanmaakdatum", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kenmerken", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_outbox_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("id", "gemeente", name=op.f("uq_outbox_id_gemeente")),
    )
    op.create_index("ix_outbox_gemeente_created_at", "outbox", ["gemeente", "created_at"])
    op.create_table(
        "leveringen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("outbox_id", sa.Uuid(), nullable=False),
        sa.Column("abonnement_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_http_status", sa.Integer(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_leveringen_attempts_non_negative")),
        sa.CheckConstraint(
            "(status = 'delivered') = (delivered_at IS NOT NULL)", name=op.f("ck_leveringen_delivered_has_time")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')", name=op.f("ck_leveringen_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["abonnement_id", "gemeente"],
            ["abonnementen.id", "abonnementen.gemeente"],
            name=op.f("fk_leveringen_abonnement_id_abonnementen"),
        ),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_leveringen_gemeente_gemeenten")),
        sa.ForeignKeyConstraint(
            ["outbox_id", "gemeente"], ["outbox.id", "outbox.gemeente"], name=op.f("fk_leveringen_outbox_id_outbox")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leveringen")),
        sa.UniqueConstraint("outbox_id", "abonnement_id", name=op.f("uq_leveringen_outbox_id_abonnement_id")),
    )
    op.create_index("ix_leveringen_abonnement_id", "leveringen", ["abonnement_id"])
    op.create_index(
        "ix_leveringen_gemeente_status_next_attempt_at", "leveringen", ["gemeente", "status", "next_attempt_at"]
    )

    kanalen = sa.table(
        "kanalen",
        sa.column("naam", sa.String()),
        sa.column("documentatie_link", sa.String()),
        sa.column("filters", sa.JSON()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    stamp = now.replace(tzinfo=None) if _is_sqlite() else now
    op.bulk_insert(kanalen, [k | {"created_at": stamp, "updated_at": stamp} for k in KANALEN])

    if op.get_bind().dialect.name != "postgresql":
        return
    role = _app_role()
    if role:
        for table, privileges in GRANTS.items():
            op.execute(f"GRANT {privileges} ON {table} TO {role}")
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})")


def downgrade() -> None:
    # Dropping a table drops its indexes, policies and grants with it.
    for table in DROP_ORDER:
        op.drop_table(table)

"""Payment run (betaalrun): accounts, the facts uitkeringen are paid on, maatregelen, runs, payments, files.

``betaalrekeningen``, ``betaalruns`` and ``betaalrun_gemeenten`` hold no personal data and are not tenant-owned (a
run may span gemeenten; the API shows a gemeente only its own part). ``uitkering_grondslagen``, ``maatregelen``,
``betalingen`` and ``betaalbestanden`` are tenant-owned: on PostgreSQL ``ENABLE`` and ``FORCE ROW LEVEL SECURITY``
with the policy ``gemeente = current_setting('gbi.gemeente', true)``. Payments are append-only for the application
role; ``UNIQUE (uitkering_id, maand)`` makes a second payment of a month impossible.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_PREDICATE = "gemeente = current_setting('gbi.gemeente', true)"
GRANTS = {
    "betaalrekeningen": "SELECT, INSERT, UPDATE",
    "uitkering_grondslagen": "SELECT, INSERT, UPDATE",
    "maatregelen": "SELECT, INSERT",
    "betaalruns": "SELECT, INSERT, UPDATE",
    "betaalrun_gemeenten": "SELECT, INSERT, UPDATE",
    "betalingen": "SELECT, INSERT",
    "betaalbestanden": "SELECT, INSERT",
}
TENANT_TABLES = ("uitkering_grondslagen", "maatregelen", "betalingen", "betaalbestanden")
DROP_ORDER = (
    "betaalbestanden",
    "betalingen",
    "betaalrun_gemeenten",
    "betaalruns",
    "maatregelen",
    "uitkering_grondslagen",
    "betaalrekeningen",
)


def _app_role() -> str:
    config = op.get_context().config
    role = str(config.attributes.get("app_role", "gbi_app")) if config is not None else "gbi_app"
    if role and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"invalid application role name: {role!r}")
    return role


def _gemeente_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f(f"fk_{table}_gemeente_gemeenten"))


def upgrade() -> None:
    op.create_table(
        "betaalrekeningen",
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("naam", sa.String(length=70), nullable=False),
        sa.Column("toelichting", sa.Text(), nullable=False),
        _gemeente_fk("betaalrekeningen"),
        sa.PrimaryKeyConstraint("gemeente", name=op.f("pk_betaalrekeningen")),
    )
    op.create_table(
        "uitkering_grondslagen",
        sa.Column("uitkering_id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("huishouden", sa.JSON(), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("naam", sa.String(length=70), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _gemeente_fk("uitkering_grondslagen"),
        sa.ForeignKeyConstraint(
            ["uitkering_id"], ["uitkeringen.id"], name=op.f("fk_uitkering_grondslagen_uitkering_id_uitkeringen")
        ),
        sa.PrimaryKeyConstraint("uitkering_id", name=op.f("pk_uitkering_grondslagen")),
    )
    op.create_index(
        "ix_uitkering_grondslagen_gemeente_uitkering_id", "uitkering_grondslagen", ["gemeente", "uitkering_id"]
    )
    op.create_table(
        "maatregelen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("uitkering_id", sa.Uuid(), nullable=False),
        sa.Column("percentage_bp", sa.Integer(), nullable=False),
        sa.Column("van", sa.Date(), nullable=False),
        sa.Column("tot", sa.Date(), nullable=False),
        sa.Column("reden", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "percentage_bp > 0 AND percentage_bp <= 10000", name=op.f("ck_maatregelen_percentage_valid")
        ),
        sa.CheckConstraint("tot >= van", name=op.f("ck_maatregelen_periode_valid")),
        _gemeente_fk("maatregelen"),
        sa.ForeignKeyConstraint(
            ["uitkering_id"], ["uitkeringen.id"], name=op.f("fk_maatregelen_uitkering_id_uitkeringen")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maatregelen")),
    )
    op.create_index("ix_maatregelen_uitkering_id", "maatregelen", ["uitkering_id"])
    op.create_table(
        "betaalruns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("maand", sa.Date(), nullable=False),
        sa.Column("betaaldatum", sa.Date(), nullable=False),
        sa.Column("gemeenten", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fout", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('lopend', 'gereed', 'mislukt')", name=op.f("ck_betaalruns_status_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_betaalruns")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_betaalruns_idempotency_key")),
    )
    op.create_index("ix_betaalruns_status_lease_until", "betaalruns", ["status", "lease_until"])
    op.create_table(
        "betaalrun_gemeenten",
        sa.Column("betaalrun_id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("totaal", sa.Integer(), nullable=False),
        sa.Column("gedaan", sa.Integer(), nullable=False),
        sa.Column("aantal_betalingen", sa.Integer(), nullable=True),
        sa.Column("totaal_cents", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.String(length=35), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'betaald', 'bestand')", name=op.f("ck_betaalrun_gemeenten_status_valid")
        ),
        sa.CheckConstraint("gedaan >= 0 AND totaal >= 0", name=op.f("ck_betaalrun_gemeenten_tellingen_valid")),
        sa.ForeignKeyConstraint(
            ["betaalrun_id"], ["betaalruns.id"], name=op.f("fk_betaalrun_gemeenten_betaalrun_id_betaalruns")
        ),
        _gemeente_fk("betaalrun_gemeenten"),
        sa.PrimaryKeyConstraint("betaalrun_id", "gemeente", name=op.f("pk_betaalrun_gemeenten")),
    )
    op.create_table(
        "betalingen",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("uitkering_id", sa.Uuid(), nullable=False),
        sa.Column("maand", sa.Date(), nullable=False),
        sa.Column("betaalrun_id", sa.Uuid(), nullable=False),
        sa.Column("normcategorie", sa.String(length=30), nullable=True),
        sa.Column("norm_cents", sa.BigInteger(), nullable=False),
        sa.Column("inkomen_cents", sa.BigInteger(), nullable=False),
        sa.Column("bijstand_cents", sa.BigInteger(), nullable=False),
        sa.Column("reservering_cents", sa.BigInteger(), nullable=False),
        sa.Column("verlaging_cents", sa.BigInteger(), nullable=False),
        sa.Column("vakantietoeslag_cents", sa.BigInteger(), nullable=False),
        sa.Column("voorschot_verrekend_cents", sa.BigInteger(), nullable=False),
        sa.Column("bedrag_cents", sa.BigInteger(), nullable=False),
        sa.Column("regelset_versie", sa.String(length=60), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("naam", sa.String(length=70), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("bedrag_cents >= 0", name=op.f("ck_betalingen_bedrag_non_negative")),
        sa.ForeignKeyConstraint(
            ["betaalrun_id"], ["betaalruns.id"], name=op.f("fk_betalingen_betaalrun_id_betaalruns")
        ),
        _gemeente_fk("betalingen"),
        sa.ForeignKeyConstraint(
            ["uitkering_id"], ["uitkeringen.id"], name=op.f("fk_betalingen_uitkering_id_uitkeringen")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_betalingen")),
        sa.UniqueConstraint("uitkering_id", "maand", name=op.f("uq_betalingen_uitkering_id_maand")),
    )
    op.create_index("ix_betalingen_betaalrun_id_gemeente_id", "betalingen", ["betaalrun_id", "gemeente", "id"])
    op.create_table(
        "betaalbestanden",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("betaalrun_id", sa.Uuid(), nullable=False),
        sa.Column("soort", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("aantal", sa.Integer(), nullable=False),
        sa.Column("totaal_cents", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("inhoud_gzip", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("soort IN ('pain.001', 'journaal')", name=op.f("ck_betaalbestanden_soort_valid")),
        sa.ForeignKeyConstraint(
            ["betaalrun_id"], ["betaalruns.id"], name=op.f("fk_betaalbestanden_betaalrun_id_betaalruns")
        ),
        _gemeente_fk("betaalbestanden"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_betaalbestanden")),
        sa.UniqueConstraint(
            "betaalrun_id", "gemeente", "soort", name=op.f("uq_betaalbestanden_betaalrun_id_gemeente_soort")
        ),
    )

    if op.get_bind().dialect.name != "postgresql":
        return
    role = _app_role()
    if role:
        for table, privileges in GRANTS.items():
            op.execute(f"GRANT {privileges} ON {table} TO {role}")
        op.execute(f"GRANT USAGE ON SEQUENCE betalingen_id_seq TO {role}")
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})")


def downgrade() -> None:
    for table in DROP_ORDER:
        op.drop_table(table)

"""Initial schema: gemeenten, proefberekeningen, the audit log and its chain heads.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gemeenten",
        sa.Column("code", sa.CHAR(length=4), nullable=False),
        sa.Column("naam", sa.String(length=100), nullable=False),
        sa.Column("actief", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_gemeenten")),
    )
    op.create_table(
        "audit_chain_heads",
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_audit_chain_heads_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("gemeente", name=op.f("pk_audit_chain_heads")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=False),
        sa.Column("span_id", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("operation", sa.String(length=200), nullable=False),
        sa.Column("processing_activity", sa.String(length=200), nullable=False),
        sa.Column("data_subject_id", sa.String(length=64), nullable=True),
        sa.Column("data_subject_type", sa.String(length=10), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=50), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_audit_log_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("gemeente", "seq", name=op.f("uq_audit_log_gemeente_seq")),
    )
    op.create_index("ix_audit_log_gemeente_data_subject_id", "audit_log", ["gemeente", "data_subject_id"])
    op.create_table(
        "proefberekeningen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("data_subject_id", sa.String(length=64), nullable=False),
        sa.Column("peildatum", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("norm_cents", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("norm_cents >= 0", name=op.f("ck_proefberekeningen_norm_cents_non_negative")),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_proefberekeningen_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proefberekeningen")),
        sa.UniqueConstraint(
            "gemeente", "idempotency_key", name=op.f("uq_proefberekeningen_gemeente_idempotency_key")
        ),
    )
    op.create_index(
        "ix_proefberekeningen_gemeente_data_subject_id", "proefberekeningen", ["gemeente", "data_subject_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_proefberekeningen_gemeente_data_subject_id", table_name="proefberekeningen")
    op.drop_table("proefberekeningen")
    op.drop_index("ix_audit_log_gemeente_data_subject_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("audit_chain_heads")
    op.drop_table("gemeenten")

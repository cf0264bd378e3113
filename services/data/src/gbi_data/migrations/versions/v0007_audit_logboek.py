"""Audit records with every Logius "Logboek Dataverwerkingen" field, and an append-only log on PostgreSQL (issue 7).

The standard's fields map onto ``audit_log`` as: ``trace_id``, ``span_id`` (``operation_id`` in older drafts),
``parent_span_id`` (optional: the calling action within the trace), ``status`` (``status_code``), ``operation``
(``name``), ``occurred_at`` (``start_time``), ``ended_at`` (``end_time``, new here), and the attributes
``dpl.core.processing_activity_id`` (``processing_activity``), ``dpl.core.data_subject_id`` (a keyed pseudonym) and
``dpl.core.data_subject_id_type`` (``data_subject_type``); GBI adds actor, gemeente, purpose and outcome.

``hash_version`` says which fields an entry's hash covers: 1 for entries written before this revision (their hashes
stay valid), 2 for entries with the new fields.

PostgreSQL only (SQLite has no roles and the embedded default is a single process): the log becomes append-only
for every role, the owner included, in two layers:
- privileges: UPDATE, DELETE and TRUNCATE on ``audit_log`` and DELETE and TRUNCATE on ``audit_chain_heads`` are
  revoked from the application role and from PUBLIC;
- triggers: any UPDATE, DELETE or TRUNCATE of ``audit_log`` raises, and a chain head may only move forward
  (``last_seq`` grows, the gemeente stays) and is never deleted.
Only a superuser (or the owner disabling the triggers on purpose) can still change a row; the hash chain then shows
it (``python -m gbi_data.audit verify`` names the first tampered entry).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _app_role() -> str:
    config = op.get_context().config
    role = str(config.attributes.get("app_role", "gbi_app")) if config is not None else "gbi_app"
    if role and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"invalid application role name: {role!r}")
    return role


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("parent_span_id", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("hash_version", sa.SmallInteger(), nullable=False, server_default="1"))
    if op.get_bind().dialect.name != "postgresql":
        return
    role = _app_role()
    grantees = "PUBLIC" + (f", {role}" if role else "")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {grantees}")
    op.execute(f"REVOKE DELETE, TRUNCATE ON audit_chain_heads FROM {grantees}")
    op.execute(
        """
        CREATE OR REPLACE FUNCTION gbi_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        """
        CREATE OR REPLACE FUNCTION gbi_audit_chain_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'UPDATE' THEN
                RAISE EXCEPTION 'audit_chain_heads: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF NEW.gemeente <> OLD.gemeente OR NEW.last_seq <= OLD.last_seq THEN
                RAISE EXCEPTION 'audit_chain_heads: a chain head only moves forward'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION gbi_audit_log_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION gbi_audit_log_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_chain_heads_forward_only BEFORE UPDATE OR DELETE ON audit_chain_heads "
        "FOR EACH ROW EXECUTE FUNCTION gbi_audit_chain_head_forward_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_chain_heads_no_truncate BEFORE TRUNCATE ON audit_chain_heads "
        "FOR EACH STATEMENT EXECUTE FUNCTION gbi_audit_log_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_chain_heads_no_truncate ON audit_chain_heads")
        op.execute("DROP TRIGGER IF EXISTS audit_chain_heads_forward_only ON audit_chain_heads")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS gbi_audit_chain_head_forward_only()")
        op.execute("DROP FUNCTION IF EXISTS gbi_audit_log_append_only()")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash_version")
        batch.drop_column("parent_span_id")
        batch.drop_column("ended_at")

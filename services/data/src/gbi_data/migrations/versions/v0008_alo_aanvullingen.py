"""ALO additions (issue 4): a citizen finds their own aanvragen in every gemeente, and the besluit gets its
beschikking linked after the letter is rendered.

* ``ix_aanvragen_data_subject_id`` (data_subject_id, created_at): the citizen-wide index. A citizen's cases are
  found by their pseudonym, not through the gemeente the BRP names today, so a citizen who moved still sees the
  aanvragen of the gemeente they left (docs/adr/0010-citizen-wide-case-index.md).
* PostgreSQL: a second, SELECT-only row-level policy on ``aanvragen``: a row is also visible when its
  ``data_subject_id`` equals ``gbi.subject`` (set only by the data service's citizen lookup, in a transaction bound
  to no gemeente). Every other table stays tenant-only; the caller then reads the case in its own gemeente.
* PostgreSQL: the application role may UPDATE one column of ``besluiten``, ``beschikking_document_id`` (set
  once, by the service); the decision itself stays unchangeable for it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_aanvragen_data_subject_id"
POLICY = "burger_eigen_aanvragen"
SUBJECT_PREDICATE = "data_subject_id = current_setting('gbi.subject', true)"


def _app_role() -> str:
    config = op.get_context().config
    role = str(config.attributes.get("app_role", "gbi_app")) if config is not None else "gbi_app"
    if role and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"invalid application role name: {role!r}")
    return role


def upgrade() -> None:
    op.create_index(INDEX, "aanvragen", ["data_subject_id", "created_at"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE POLICY {POLICY} ON aanvragen FOR SELECT USING ({SUBJECT_PREDICATE})")
    role = _app_role()
    if role:
        op.execute(f"GRANT UPDATE (beschikking_document_id) ON besluiten TO {role}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        role = _app_role()
        if role:
            op.execute(f"REVOKE UPDATE (beschikking_document_id) ON besluiten FROM {role}")
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON aanvragen")
    op.drop_index(INDEX, table_name="aanvragen")

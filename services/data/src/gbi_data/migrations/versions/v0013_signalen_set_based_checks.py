"""Signal intake: the delivery reference of ``handhavingsignalen`` checked once per statement, not once per row
(ADR 0019).

The two foreign keys of ``handhavingsignalen`` ran a trigger per inserted row (an index probe and a row lock on
``signaal_leveringen`` / ``gemeenten`` each): about 40% of the database time of a delivery's match.

- ``fk_handhavingsignalen_gemeente_gemeenten`` is dropped: it was implied by the other one (a delivery's
  ``gemeente`` references ``gemeenten``).
- ``fk_handhavingsignalen_levering_id_signaal_leveringen`` becomes, on PostgreSQL, a statement-level trigger
  (``gbi_handhavingsignalen_levering_check``): after every INSERT or UPDATE of ``handhavingsignalen`` one anti-join
  of the new rows (transition table) with ``signaal_leveringen`` on ``(id, gemeente)`` raises
  ``foreign_key_violation`` when a row names a delivery that does not exist. Deliveries are append-only for the
  application role (no DELETE grant), so the reference cannot break from the other side. SQLite (the embedded,
  single-process default) keeps no check: its rows come from the same statement as the delivery's id.

Revision ID: 0013
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHECK = """
CREATE OR REPLACE FUNCTION gbi_handhavingsignalen_levering_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wees record;
BEGIN
    SELECT n.signaal_id, n.levering_id, n.gemeente INTO wees FROM nieuw n
    WHERE NOT EXISTS (SELECT 1 FROM signaal_leveringen l WHERE l.id = n.levering_id AND l.gemeente = n.gemeente)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'handhavingsignaal % names delivery % (gemeente %), which does not exist',
            wees.signaal_id, wees.levering_id, wees.gemeente
            USING ERRCODE = 'foreign_key_violation', TABLE = 'handhavingsignalen';
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    with op.batch_alter_table("handhavingsignalen") as batch:
        batch.drop_constraint("fk_handhavingsignalen_gemeente_gemeenten", type_="foreignkey")
        batch.drop_constraint("fk_handhavingsignalen_levering_id_signaal_leveringen", type_="foreignkey")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_CHECK)
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER gbi_handhavingsignalen_levering_{event.lower()} AFTER {event} ON handhavingsignalen"
            " REFERENCING NEW TABLE AS nieuw FOR EACH STATEMENT"
            " EXECUTE FUNCTION gbi_handhavingsignalen_levering_check()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS gbi_handhavingsignalen_levering_{event} ON handhavingsignalen")
        op.execute("DROP FUNCTION IF EXISTS gbi_handhavingsignalen_levering_check()")
    with op.batch_alter_table("handhavingsignalen") as batch:
        batch.create_foreign_key("fk_handhavingsignalen_gemeente_gemeenten", "gemeenten", ["gemeente"], ["code"])
        batch.create_foreign_key(
            "fk_handhavingsignalen_levering_id_signaal_leveringen",
            "signaal_leveringen",
            ["levering_id", "gemeente"],
            ["id", "gemeente"],
        )

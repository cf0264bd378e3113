"""Payment run: the references of ``betalingen`` checked once per statement, and ``uitkeringen`` by gemeente
(ADR 0029).

The three foreign keys of ``betalingen`` ran a trigger per inserted row (an SPI query, an index probe and a
``FOR KEY SHARE`` row lock on ``uitkeringen``, ``betaalruns`` and ``gemeenten`` each): with a chunk of 5,000
payments about half of the database time of its insert.

- ``fk_betalingen_gemeente_gemeenten`` is dropped: it is implied by the checked ``(uitkering_id, gemeente)``
  (an uitkering's ``gemeente`` references ``gemeenten``).
- ``fk_betalingen_uitkering_id_uitkeringen`` and ``fk_betalingen_betaalrun_id_betaalruns`` become, on PostgreSQL,
  a statement-level trigger (``gbi_betalingen_verwijzingen_check``): after every INSERT or UPDATE of
  ``betalingen`` one anti-join of the new rows (transition table) with ``uitkeringen`` on ``(id, gemeente)`` and
  with ``betaalruns`` on ``id`` raises ``foreign_key_violation`` naming the first row whose uitkering (in its own
  gemeente) or run does not exist. That is stricter than the foreign key was: a payment can no longer name an
  uitkering of another gemeente. Uitkeringen, runs and gemeenten are never deleted by the application role (no
  DELETE grant), so the references cannot break from the other side. SQLite (the embedded, single-process
  default) keeps no check: its payments come from a join with the uitkering's grondslag in the same statement.
- ``ix_uitkeringen_gemeente_id``: a gemeente's uitkeringen were only reachable by scanning all of them (starting a
  national run counted them per gemeente, twice, over the whole table).

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHECK = """
CREATE OR REPLACE FUNCTION gbi_betalingen_verwijzingen_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wees record;
BEGIN
    SELECT n.id, n.uitkering_id, n.gemeente INTO wees FROM nieuw n
    WHERE NOT EXISTS (SELECT 1 FROM uitkeringen u WHERE u.id = n.uitkering_id AND u.gemeente = n.gemeente)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'betaling % names uitkering % (gemeente %), which does not exist',
            wees.id, wees.uitkering_id, wees.gemeente
            USING ERRCODE = 'foreign_key_violation', TABLE = 'betalingen';
    END IF;
    SELECT n.betaalrun_id INTO wees FROM (SELECT DISTINCT betaalrun_id FROM nieuw) n
    WHERE NOT EXISTS (SELECT 1 FROM betaalruns r WHERE r.id = n.betaalrun_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a betaling names betaalrun %, which does not exist', wees.betaalrun_id
            USING ERRCODE = 'foreign_key_violation', TABLE = 'betalingen';
    END IF;
    RETURN NULL;
END
$$
"""

_FKS = {
    "fk_betalingen_gemeente_gemeenten": ("gemeenten", ["gemeente"], ["code"]),
    "fk_betalingen_uitkering_id_uitkeringen": ("uitkeringen", ["uitkering_id"], ["id"]),
    "fk_betalingen_betaalrun_id_betaalruns": ("betaalruns", ["betaalrun_id"], ["id"]),
}


def upgrade() -> None:
    op.create_index("ix_uitkeringen_gemeente_id", "uitkeringen", ["gemeente", "id"])
    with op.batch_alter_table("betalingen") as batch:
        for name in _FKS:
            batch.drop_constraint(name, type_="foreignkey")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_CHECK)
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER gbi_betalingen_verwijzingen_{event.lower()} AFTER {event} ON betalingen"
            " REFERENCING NEW TABLE AS nieuw FOR EACH STATEMENT"
            " EXECUTE FUNCTION gbi_betalingen_verwijzingen_check()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS gbi_betalingen_verwijzingen_{event} ON betalingen")
        op.execute("DROP FUNCTION IF EXISTS gbi_betalingen_verwijzingen_check()")
    with op.batch_alter_table("betalingen") as batch:
        for name, (table, local, remote) in _FKS.items():
            batch.create_foreign_key(name, table, local, remote)
    op.drop_index("ix_uitkeringen_gemeente_id", table_name="uitkeringen")

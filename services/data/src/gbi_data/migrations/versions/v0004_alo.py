"""The durable store of the ALO transaction: aanvragen and their tijdlijn, process instances (state, lease,
version), recorded steps, tasks and their notes, documents, besluiten, uitkeringen, voorschotten, and the clock.

Every table but ``klok`` is tenant-owned: on PostgreSQL ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` with the policy
``gemeente = current_setting('gbi.gemeente', true)``, and the application role (revision 0002) gets exactly what the
service needs: SELECT and INSERT everywhere, UPDATE only where rows change (aanvragen, procesinstanties, taken).
``klok`` is one shared row (the clock offset every replica reads); it is seeded here with offset 0.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_PREDICATE = "gemeente = current_setting('gbi.gemeente', true)"
# Table -> privileges of the application role. All but klok are tenant-owned (row-level security).
GRANTS = {
    "aanvragen": "SELECT, INSERT, UPDATE",
    "aanvraag_tijdlijn": "SELECT, INSERT",
    "procesinstanties": "SELECT, INSERT, UPDATE",
    "processtappen": "SELECT, INSERT",
    "taken": "SELECT, INSERT, UPDATE",
    "taak_opmerkingen": "SELECT, INSERT",
    "documenten": "SELECT, INSERT",
    "besluiten": "SELECT, INSERT",
    "uitkeringen": "SELECT, INSERT",
    "voorschotten": "SELECT, INSERT",
    "klok": "SELECT, INSERT, UPDATE",
}
TENANT_TABLES = tuple(t for t in GRANTS if t != "klok")
# Children first: the order in which downgrade drops them.
DROP_ORDER = (
    "taak_opmerkingen",
    "taken",
    "processtappen",
    "besluiten",
    "voorschotten",
    "uitkeringen",
    "procesinstanties",
    "documenten",
    "aanvraag_tijdlijn",
    "aanvragen",
    "klok",
)


def _app_role() -> str:
    config = op.get_context().config
    role = str(config.attributes.get("app_role", "gbi_app")) if config is not None else "gbi_app"
    if role and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"invalid application role name: {role!r}")
    return role


def upgrade() -> None:
    op.create_table(
        "klok",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("offset_seconden", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_klok_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_klok")),
    )
    op.create_table(
        "aanvragen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("bsn", sa.String(length=9), nullable=False),
        sa.Column("data_subject_id", sa.String(length=64), nullable=False),
        sa.Column("meldingsdatum", sa.Date(), nullable=False),
        sa.Column("aanvraagdatum", sa.Date(), nullable=False),
        sa.Column("kanaal", sa.String(length=20), nullable=False),
        sa.Column("gegevens", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('ontvangen', 'in-behandeling', 'wacht-op-bron', 'wacht-op-burger', 'wacht-op-medewerker', 'besloten', 'buiten-behandeling', 'ingetrokken')",
            name=op.f("ck_aanvragen_status_valid"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_aanvragen_version_positive")),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_aanvragen_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aanvragen")),
        sa.UniqueConstraint("gemeente", "idempotency_key", name=op.f("uq_aanvragen_gemeente_idempotency_key")),
        sa.UniqueConstraint("id", "gemeente", name=op.f("uq_aanvragen_id_gemeente")),
    )
    op.create_index("ix_aanvragen_gemeente_created_at", "aanvragen", ["gemeente", "created_at"])
    op.create_index("ix_aanvragen_gemeente_data_subject_id", "aanvragen", ["gemeente", "data_subject_id"])

    op.create_table(
        "aanvraag_tijdlijn",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("aanvraag_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("soort", sa.String(length=50), nullable=False),
        sa.Column("omschrijving", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("sleutel", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["aanvraag_id", "gemeente"],
            ["aanvragen.id", "aanvragen.gemeente"],
            name=op.f("fk_aanvraag_tijdlijn_aanvraag_id_aanvragen"),
        ),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_aanvraag_tijdlijn_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aanvraag_tijdlijn")),
        sa.UniqueConstraint("aanvraag_id", "sleutel", name=op.f("uq_aanvraag_tijdlijn_aanvraag_id_sleutel")),
    )
    op.create_index("ix_aanvraag_tijdlijn_aanvraag_id_at", "aanvraag_tijdlijn", ["aanvraag_id", "at"])

    op.create_table(
        "documenten",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("aanvraag_id", sa.Uuid(), nullable=False),
        sa.Column("soort", sa.String(length=30), nullable=False),
        sa.Column("bestandsnaam", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("grootte", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("inhoud", sa.LargeBinary(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "content_type IN ('application/pdf', 'image/png', 'image/jpeg')",
            name=op.f("ck_documenten_content_type_allowed"),
        ),
        sa.CheckConstraint("grootte >= 1", name=op.f("ck_documenten_grootte_positive")),
        sa.ForeignKeyConstraint(
            ["aanvraag_id", "gemeente"],
            ["aanvragen.id", "aanvragen.gemeente"],
            name=op.f("fk_documenten_aanvraag_id_aanvragen"),
        ),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_documenten_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documenten")),
        sa.UniqueConstraint("gemeente", "idempotency_key", name=op.f("uq_documenten_gemeente_idempotency_key")),
        sa.UniqueConstraint("id", "gemeente", name=op.f("uq_documenten_id_gemeente")),
    )
    op.create_index("ix_documenten_aanvraag_id", "documenten", ["aanvraag_id"])

    op.create_table(
        "procesinstanties",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("aanvraag_id", sa.Uuid(), nullable=False),
        sa.Column("definitie", sa.String(length=100), nullable=False),
        sa.Column("definitie_versie", sa.String(length=100), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('runnable', 'waiting', 'completed', 'failed')", name=op.f("ck_procesinstanties_status_valid")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_procesinstanties_attempts_non_negative")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_procesinstanties_version_positive")),
        sa.ForeignKeyConstraint(
            ["aanvraag_id", "gemeente"],
            ["aanvragen.id", "aanvragen.gemeente"],
            name=op.f("fk_procesinstanties_aanvraag_id_aanvragen"),
        ),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_procesinstanties_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procesinstanties")),
        sa.UniqueConstraint("aanvraag_id", name=op.f("uq_procesinstanties_aanvraag_id")),
        sa.UniqueConstraint("id", "gemeente", name=op.f("uq_procesinstanties_id_gemeente")),
    )
    op.create_index(
        "ix_procesinstanties_gemeente_status_next_due_at", "procesinstanties", ["gemeente", "status", "next_due_at"]
    )

    op.create_table(
        "uitkeringen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("aanvraag_id", sa.Uuid(), nullable=False),
        sa.Column("startdatum", sa.Date(), nullable=False),
        sa.Column("bedrag_per_maand_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('actief')", name=op.f("ck_uitkeringen_status_valid")),
        sa.CheckConstraint("bedrag_per_maand_cents >= 0", name=op.f("ck_uitkeringen_bedrag_non_negative")),
        sa.ForeignKeyConstraint(
            ["aanvraag_id", "gemeente"],
            ["aanvragen.id", "aanvragen.gemeente"],
            name=op.f("fk_uitkeringen_aanvraag_id_aanvragen"),
        ),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_uitkeringen_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uitkeringen")),
        sa.UniqueConstraint("aanvraag_id", name=op.f("uq_uitkeringen_aanvraag_id")),
    )
    op.create_table(
        "voorschotten",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("aanvraag_id", sa.Uuid(), nullable=False),
        sa.Column("volgnummer", sa.Integer(), nullable=False),
        sa.Column("bedrag_cents", sa.BigInteger(), nullable=False),
        sa.Column("periode", sa.String(length=7), nullable=False),
        sa.Column("betaaldatum", sa.Date(), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("bedrag_cents > 0", name=op.f("ck_voorschotten_bedrag_positive")),
        sa.CheckConstraint("volgnummer >= 1", name=op.f("ck_voorschotten_volgnummer_positive")),
        sa.ForeignKeyConstraint(
            ["aanvraag_id", "gemeente"],
            ["aanvragen.id", "aanvragen.gemeente"],
            name=op.f("fk_voorschotten_aanvraag_id_aanvragen"),
        ),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_voorschotten_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voorschotten")),
        sa.UniqueConstraint("aanvraag_id", "volgnummer", name=op.f("uq_voorschotten_aanvraag_id_volgnummer")),
    )
    op.create_table(
        "besluiten",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("aanvraag_id", sa.Uuid(), nullable=False),
        sa.Column("soort", sa.String(length=30), nullable=False),
        sa.Column("datum", sa.Date(), nullable=False),
        sa.Column("ingangsdatum", sa.Date(), nullable=True),
        sa.Column("bedrag_per_maand_cents", sa.BigInteger(), nullable=True),
        sa.Column("gronden", sa.JSON(), nullable=False),
        sa.Column("beschikking_document_id", sa.Uuid(), nullable=True),
        sa.Column("vastgesteld_door", sa.String(length=200), nullable=False),
        sa.Column("goedgekeurd_door", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "soort IN ('toekenning', 'afwijzing', 'buiten-behandeling')", name=op.f("ck_besluiten_soort_valid")
        ),
        sa.CheckConstraint(
            "bedrag_per_maand_cents IS NULL OR bedrag_per_maand_cents >= 0",
            name=op.f("ck_besluiten_bedrag_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["aanvraag_id", "gemeente"],
            ["aanvragen.id", "aanvragen.gemeente"],
            name=op.f("fk_besluiten_aanvraag_id_aanvragen"),
        ),
        sa.ForeignKeyConstraint(
            ["beschikking_document_id", "gemeente"],
            ["documenten.id", "documenten.gemeente"],
            name=op.f("fk_besluiten_beschikking_document_id_documenten"),
        ),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_besluiten_gemeente_gemeenten")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_besluiten")),
        sa.UniqueConstraint("aanvraag_id", name=op.f("uq_besluiten_aanvraag_id")),
    )
    op.create_table(
        "processtappen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("procesinstantie_id", sa.Uuid(), nullable=False),
        sa.Column("stap_sleutel", sa.String(length=200), nullable=False),
        sa.Column("resultaat", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_processtappen_gemeente_gemeenten")),
        sa.ForeignKeyConstraint(
            ["procesinstantie_id", "gemeente"],
            ["procesinstanties.id", "procesinstanties.gemeente"],
            name=op.f("fk_processtappen_procesinstantie_id_procesinstanties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processtappen")),
        sa.UniqueConstraint(
            "procesinstantie_id", "stap_sleutel", name=op.f("uq_processtappen_procesinstantie_id_stap_sleutel")
        ),
    )
    op.create_table(
        "taken",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("procesinstantie_id", sa.Uuid(), nullable=False),
        sa.Column("aanvraag_id", sa.Uuid(), nullable=False),
        sa.Column("taak_sleutel", sa.String(length=200), nullable=False),
        sa.Column("rol", sa.String(length=30), nullable=False),
        sa.Column("naam", sa.String(length=200), nullable=False),
        sa.Column("omschrijving", sa.Text(), nullable=False),
        sa.Column("reden", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gegevens", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("toegewezen_aan", sa.String(length=200), nullable=True),
        sa.Column("geclaimd_op", sa.DateTime(timezone=True), nullable=True),
        sa.Column("vierogen", sa.Boolean(), nullable=False),
        sa.Column("beoordeelt_taak_id", sa.Uuid(), nullable=True),
        sa.Column("uitgesloten", sa.JSON(), nullable=False),
        sa.Column("beoordeeld_door", sa.String(length=200), nullable=True),
        sa.Column("uitkomst", sa.String(length=200), nullable=True),
        sa.Column("uitkomst_reden", sa.Text(), nullable=True),
        sa.Column("uitkomst_gegevens", sa.JSON(), nullable=True),
        sa.Column("afgerond_door", sa.String(length=200), nullable=True),
        sa.Column("afgerond_op", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(status = 'open') = (toegewezen_aan IS NULL)", name=op.f("ck_taken_claimed_has_assignee")),
        sa.CheckConstraint("status IN ('open', 'geclaimd', 'afgerond')", name=op.f("ck_taken_status_valid")),
        sa.CheckConstraint("vierogen = (beoordeelt_taak_id IS NOT NULL)", name=op.f("ck_taken_vierogen_names_task")),
        sa.ForeignKeyConstraint(
            ["aanvraag_id", "gemeente"],
            ["aanvragen.id", "aanvragen.gemeente"],
            name=op.f("fk_taken_aanvraag_id_aanvragen"),
        ),
        sa.ForeignKeyConstraint(
            ["beoordeelt_taak_id", "gemeente"],
            ["taken.id", "taken.gemeente"],
            name=op.f("fk_taken_beoordeelt_taak_id_taken"),
        ),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_taken_gemeente_gemeenten")),
        sa.ForeignKeyConstraint(
            ["procesinstantie_id", "gemeente"],
            ["procesinstanties.id", "procesinstanties.gemeente"],
            name=op.f("fk_taken_procesinstantie_id_procesinstanties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taken")),
        sa.UniqueConstraint("id", "gemeente", name=op.f("uq_taken_id_gemeente")),
        sa.UniqueConstraint(
            "procesinstantie_id", "taak_sleutel", name=op.f("uq_taken_procesinstantie_id_taak_sleutel")
        ),
    )
    op.create_index("ix_taken_aanvraag_id", "taken", ["aanvraag_id"])
    op.create_index("ix_taken_gemeente_rol_status", "taken", ["gemeente", "rol", "status"])
    op.create_index("ix_taken_gemeente_status_due_at", "taken", ["gemeente", "status", "due_at"])

    op.create_table(
        "taak_opmerkingen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gemeente", sa.CHAR(length=4), nullable=False),
        sa.Column("taak_id", sa.Uuid(), nullable=False),
        sa.Column("tekst", sa.Text(), nullable=False),
        sa.Column("door", sa.String(length=200), nullable=False),
        sa.Column("op", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gemeente"], ["gemeenten.code"], name=op.f("fk_taak_opmerkingen_gemeente_gemeenten")),
        sa.ForeignKeyConstraint(
            ["taak_id", "gemeente"], ["taken.id", "taken.gemeente"], name=op.f("fk_taak_opmerkingen_taak_id_taken")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taak_opmerkingen")),
    )
    op.create_index("ix_taak_opmerkingen_taak_id", "taak_opmerkingen", ["taak_id"])

    klok = sa.table(
        "klok",
        sa.column("id", sa.Integer()),
        sa.column("offset_seconden", sa.BigInteger()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("updated_by", sa.String()),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        klok,
        [
            {
                "id": 1,
                "offset_seconden": 0,
                "updated_at": now.replace(tzinfo=None) if _is_sqlite() else now,
                "updated_by": "migratie",
            }
        ],
    )
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


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def downgrade() -> None:
    # Dropping a table drops its indexes, policies and grants with it.
    for table in DROP_ORDER:
        op.drop_table(table)

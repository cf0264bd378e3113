"""The tables of the ALO store (migration ``v0004_alo``). Tenant-owned, with ``gemeente`` on every row and, on
PostgreSQL, row-level security (see ``ALO_TENANT_TABLES``); ``klok`` is the one shared row of the clock.

Children point at their parent with a composite foreign key ``(parent_id, gemeente)``, so a row can never hang
under another gemeente's aanvraag, instance or task, whatever the code does. "At most once" is a unique
constraint, never a check-then-insert: one aanvraag per Idempotency-Key, one instance, besluit and uitkering per
aanvraag, one step per (instance, stapSleutel), one task per (instance, taakSleutel), one voorschot per
(aanvraag, volgnummer).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CHAR,
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from gbi_data.models import Base, UTCDateTime

__all__ = [
    "ALO_TABLES",
    "ALO_TENANT_TABLES",
    "Aanvraag",
    "Besluit",
    "Document",
    "Klok",
    "Procesinstantie",
    "Processtap",
    "Taak",
    "TaakOpmerking",
    "TijdlijnItem",
    "Uitkering",
    "Voorschot",
]


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


AANVRAAG_STATUSSEN = (
    "ontvangen",
    "in-behandeling",
    "wacht-op-bron",
    "wacht-op-burger",
    "wacht-op-medewerker",
    "besloten",
    "buiten-behandeling",
    "ingetrokken",
)
PROCES_STATUSSEN = ("runnable", "waiting", "completed", "failed")
TAAK_STATUSSEN = ("open", "geclaimd", "afgerond")
BESLUIT_SOORTEN = ("toekenning", "afwijzing", "buiten-behandeling")
CONTENT_TYPES = ("application/pdf", "image/png", "image/jpeg")


def _gemeente() -> Mapped[str]:
    return mapped_column(CHAR(4), ForeignKey("gemeenten.code"), nullable=False)


def _parent(column: str, table: str) -> ForeignKeyConstraint:
    """``(column, gemeente)`` references ``table(id, gemeente)``: the child lives in its parent's gemeente."""
    return ForeignKeyConstraint([column, "gemeente"], [f"{table}.id", f"{table}.gemeente"])


class Aanvraag(Base):
    """A case: an application for bijstand (levensonderhoud). ``bsn`` is kept because the case cannot be processed
    without it; ``data_subject_id`` (its keyed pseudonym) is what lookups and the audit log use."""

    __tablename__ = "aanvragen"
    __table_args__ = (
        UniqueConstraint("gemeente", "idempotency_key"),
        UniqueConstraint("id", "gemeente"),
        Index("ix_aanvragen_gemeente_data_subject_id", "gemeente", "data_subject_id"),
        Index("ix_aanvragen_gemeente_created_at", "gemeente", "created_at"),
        # Citizen-wide (migration 0008): a citizen's own aanvragen in every gemeente.
        Index("ix_aanvragen_data_subject_id", "data_subject_id", "created_at"),
        CheckConstraint(_in("status", AANVRAAG_STATUSSEN), name="status_valid"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    bsn: Mapped[str] = mapped_column(String(9), nullable=False)
    data_subject_id: Mapped[str] = mapped_column(String(64), nullable=False)
    meldingsdatum: Mapped[date] = mapped_column(Date, nullable=False)
    aanvraagdatum: Mapped[date] = mapped_column(Date, nullable=False)
    kanaal: Mapped[str] = mapped_column(String(20), nullable=False)
    gegevens: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(30), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(255), nullable=False)
    # Keyed digest of the canonical request body: tells a replay from a conflicting reuse of the key.
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class TijdlijnItem(Base):
    """One entry of the citizen-visible history of an aanvraag (append-only)."""

    __tablename__ = "aanvraag_tijdlijn"
    __table_args__ = (
        _parent("aanvraag_id", "aanvragen"),
        UniqueConstraint("aanvraag_id", "sleutel"),
        Index("ix_aanvraag_tijdlijn_aanvraag_id_at", "aanvraag_id", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    aanvraag_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    soort: Mapped[str] = mapped_column(String(50), nullable=False)
    omschrijving: Mapped[str] = mapped_column(Text, nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    sleutel: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Procesinstantie(Base):
    """The durable state of one aanvraag's process. A worker claims it (``lease_owner`` until ``lease_until``),
    runs it and saves it with the ``version`` it read; a stale worker's save is refused."""

    __tablename__ = "procesinstanties"
    __table_args__ = (
        _parent("aanvraag_id", "aanvragen"),
        UniqueConstraint("aanvraag_id"),
        UniqueConstraint("id", "gemeente"),
        Index("ix_procesinstanties_gemeente_status_next_due_at", "gemeente", "status", "next_due_at"),
        CheckConstraint(_in("status", PROCES_STATUSSEN), name="status_valid"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    aanvraag_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    definitie: Mapped[str] = mapped_column(String(100), nullable=False)
    definitie_versie: Mapped[str] = mapped_column(String(100), nullable=False)
    state: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Processtap(Base):
    """The recorded result of one side effect of an instance: the first write wins (unique per key)."""

    __tablename__ = "processtappen"
    __table_args__ = (
        _parent("procesinstantie_id", "procesinstanties"),
        UniqueConstraint("procesinstantie_id", "stap_sleutel"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    procesinstantie_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    stap_sleutel: Mapped[str] = mapped_column(String(200), nullable=False)
    resultaat: Mapped[Any] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Taak(Base):
    """Warm work for a role. ``status`` open -> geclaimd (``toegewezen_aan``) -> afgerond (``afgerond_door``).
    A ``vierogen`` task approves ``beoordeelt_taak_id``; on completion the approver is stored on it as
    ``beoordeeld_door`` and may not be who completed the approved task. Nobody in ``uitgesloten`` may claim or
    complete it either."""

    __tablename__ = "taken"
    __table_args__ = (
        _parent("procesinstantie_id", "procesinstanties"),
        _parent("aanvraag_id", "aanvragen"),
        ForeignKeyConstraint(["beoordeelt_taak_id", "gemeente"], ["taken.id", "taken.gemeente"]),
        UniqueConstraint("procesinstantie_id", "taak_sleutel"),
        UniqueConstraint("id", "gemeente"),
        Index("ix_taken_gemeente_status_due_at", "gemeente", "status", "due_at"),
        Index("ix_taken_gemeente_rol_status", "gemeente", "rol", "status"),
        Index("ix_taken_aanvraag_id", "aanvraag_id"),
        CheckConstraint(_in("status", TAAK_STATUSSEN), name="status_valid"),
        CheckConstraint("(status = 'open') = (toegewezen_aan IS NULL)", name="claimed_has_assignee"),
        CheckConstraint("vierogen = (beoordeelt_taak_id IS NOT NULL)", name="vierogen_names_task"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    procesinstantie_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    aanvraag_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    taak_sleutel: Mapped[str] = mapped_column(String(200), nullable=False)
    rol: Mapped[str] = mapped_column(String(30), nullable=False)
    naam: Mapped[str] = mapped_column(String(200), nullable=False)
    omschrijving: Mapped[str] = mapped_column(Text, nullable=False)
    reden: Mapped[str] = mapped_column(Text, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    gegevens: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    toegewezen_aan: Mapped[str | None] = mapped_column(String(200), nullable=True)
    geclaimd_op: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    vierogen: Mapped[bool] = mapped_column(Boolean, nullable=False)
    beoordeelt_taak_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    # Who may not claim or complete this task (4-eyes, as the process decides), besides the vierogen rule.
    uitgesloten: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    beoordeeld_door: Mapped[str | None] = mapped_column(String(200), nullable=True)
    uitkomst: Mapped[str | None] = mapped_column(String(200), nullable=True)
    uitkomst_reden: Mapped[str | None] = mapped_column(Text, nullable=True)
    uitkomst_gegevens: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    afgerond_door: Mapped[str | None] = mapped_column(String(200), nullable=True)
    afgerond_op: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class TaakOpmerking(Base):
    """A note on a task (append-only)."""

    __tablename__ = "taak_opmerkingen"
    __table_args__ = (
        _parent("taak_id", "taken"),
        Index("ix_taak_opmerkingen_taak_id", "taak_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    taak_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    tekst: Mapped[str] = mapped_column(Text, nullable=False)
    door: Mapped[str] = mapped_column(String(200), nullable=False)
    op: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Document(Base):
    """An uploaded document or a beschikking (append-only). The bytes live in the row."""

    __tablename__ = "documenten"
    __table_args__ = (
        _parent("aanvraag_id", "aanvragen"),
        UniqueConstraint("gemeente", "idempotency_key"),
        UniqueConstraint("id", "gemeente"),
        Index("ix_documenten_aanvraag_id", "aanvraag_id"),
        CheckConstraint(_in("content_type", CONTENT_TYPES), name="content_type_allowed"),
        CheckConstraint("grootte >= 1", name="grootte_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    aanvraag_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    soort: Mapped[str] = mapped_column(String(30), nullable=False)
    bestandsnaam: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    grootte: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    inhoud: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Besluit(Base):
    """The decision on an aanvraag: one per aanvraag."""

    __tablename__ = "besluiten"
    __table_args__ = (
        _parent("aanvraag_id", "aanvragen"),
        ForeignKeyConstraint(["beschikking_document_id", "gemeente"], ["documenten.id", "documenten.gemeente"]),
        UniqueConstraint("aanvraag_id"),
        CheckConstraint(_in("soort", BESLUIT_SOORTEN), name="soort_valid"),
        CheckConstraint("bedrag_per_maand_cents IS NULL OR bedrag_per_maand_cents >= 0", name="bedrag_non_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    aanvraag_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    soort: Mapped[str] = mapped_column(String(30), nullable=False)
    datum: Mapped[date] = mapped_column(Date, nullable=False)
    ingangsdatum: Mapped[date | None] = mapped_column(Date, nullable=True)
    bedrag_per_maand_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    gronden: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    beschikking_document_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    vastgesteld_door: Mapped[str] = mapped_column(String(200), nullable=False)
    goedgekeurd_door: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Uitkering(Base):
    """The benefit that follows a toekenning: one per aanvraag."""

    __tablename__ = "uitkeringen"
    __table_args__ = (
        _parent("aanvraag_id", "aanvragen"),
        UniqueConstraint("aanvraag_id"),
        CheckConstraint("bedrag_per_maand_cents >= 0", name="bedrag_non_negative"),
        CheckConstraint("status IN ('actief')", name="status_valid"),
        Index("ix_uitkeringen_gemeente_id", "gemeente", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    aanvraag_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    startdatum: Mapped[date] = mapped_column(Date, nullable=False)
    bedrag_per_maand_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Voorschot(Base):
    """An advance payment: one per (aanvraag, volgnummer), so a retried payment is never a second one."""

    __tablename__ = "voorschotten"
    __table_args__ = (
        _parent("aanvraag_id", "aanvragen"),
        UniqueConstraint("aanvraag_id", "volgnummer"),
        CheckConstraint("bedrag_cents > 0", name="bedrag_positive"),
        CheckConstraint("volgnummer >= 1", name="volgnummer_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    aanvraag_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    volgnummer: Mapped[int] = mapped_column(Integer, nullable=False)
    bedrag_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    periode: Mapped[str] = mapped_column(String(7), nullable=False)
    betaaldatum: Mapped[date] = mapped_column(Date, nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Klok(Base):
    """The data service's clock offset: one row (``id`` 1), shared by every replica. Not tenant data."""

    __tablename__ = "klok"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    offset_seconden: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)


# Row-level security on PostgreSQL (policy: gemeente = current_setting('gbi.gemeente', true)).
ALO_TENANT_TABLES = (
    "aanvragen",
    "aanvraag_tijdlijn",
    "procesinstanties",
    "processtappen",
    "taken",
    "taak_opmerkingen",
    "documenten",
    "besluiten",
    "uitkeringen",
    "voorschotten",
)
ALO_TABLES = (*ALO_TENANT_TABLES, "klok")

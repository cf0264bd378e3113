"""The tables of GBI. Money in integer cents, timestamps timezone-aware UTC, legal dates as dates.

Every tenant-owned row carries ``gemeente`` (CBS code). On PostgreSQL the tenant-owned tables have row-level
security (migrations ``v0002``, ``v0003``); new tenant-owned tables must get the same policy and grants in their
migration.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    CHAR,
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "TENANT_TABLES",
    "AuditChainHead",
    "AuditRecord",
    "Base",
    "Beleidsversie",
    "Gemeente",
    "Proefberekening",
    "UTCDateTime",
    "utcnow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _gemeente_fk() -> Mapped[str]:
    return mapped_column(CHAR(4), ForeignKey("gemeenten.code"), nullable=False)


class Gemeente(Base):
    """A gemeente (tenant), identified by its CBS code. Reference data: not tenant-owned."""

    __tablename__ = "gemeenten"

    code: Mapped[str] = mapped_column(CHAR(4), primary_key=True)
    naam: Mapped[str] = mapped_column(String(100), nullable=False)
    actief: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Proefberekening(Base):
    """A stored quick estimate (walking skeleton). The citizen is kept only as a pseudonym."""

    __tablename__ = "proefberekeningen"
    __table_args__ = (
        # The same Idempotency-Key within one gemeente always names the same row (NULLs do not collide).
        UniqueConstraint("gemeente", "idempotency_key"),
        Index("ix_proefberekeningen_gemeente_data_subject_id", "gemeente", "data_subject_id"),
        CheckConstraint("norm_cents >= 0", name="norm_cents_non_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente_fk()
    data_subject_id: Mapped[str] = mapped_column(String(64), nullable=False)
    peildatum: Mapped[date] = mapped_column(Date, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    request: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    norm_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # HMAC of the canonical request body: tells a replay (same body) from a conflicting reuse of the key.
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditRecord(Base):
    """One entry of the processing log (Logius "Logboek Dataverwerkingen"), append-only and hash-chained.

    Each gemeente has its own chain: ``seq`` counts 1, 2, 3, ... within it, ``prev_hash`` is the ``hash`` of the
    previous entry (64 zeros for the first) and ``hash`` is SHA-256 over the canonical JSON of the entry
    (see ``gbi_data.audit``). Mapping to the standard: trace_id, span_id (operation_id), status (status_code),
    operation (name), occurred_at, processing_activity (dpl.core.processing_activity_id), data_subject_id and
    data_subject_type (dpl.core.data_subject_id[_type]).
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        UniqueConstraint("gemeente", "seq"),
        # "Who processed this person's data?" (inzage, AVG art. 15) is answered per gemeente by pseudonym.
        Index("ix_audit_log_gemeente_data_subject_id", "gemeente", "data_subject_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente_fk()
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    trace_id: Mapped[str] = mapped_column(String(32), nullable=False)
    span_id: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    operation: Mapped[str] = mapped_column(String(200), nullable=False)
    processing_activity: Mapped[str] = mapped_column(String(200), nullable=False)
    data_subject_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data_subject_type: Mapped[str | None] = mapped_column(String(10), nullable=True)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    actor_type: Mapped[str] = mapped_column(String(20), nullable=False)
    purpose: Mapped[str] = mapped_column(String(200), nullable=False)
    outcome: Mapped[str] = mapped_column(String(50), nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # Revision 0007: the standard's end_time and parent_span_id; which fields the hash covers (1: before 0007).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    parent_span_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    hash_version: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="1", default=1)


class AuditChainHead(Base):
    """The last entry of a gemeente's chain. Appends lock this row, so sequencing is safe under concurrency, and
    verification compares it with the last entry, so deleting entries from the end is detected too."""

    __tablename__ = "audit_chain_heads"

    gemeente: Mapped[str] = mapped_column(CHAR(4), ForeignKey("gemeenten.code"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Beleidsversie(Base):
    """One version of a gemeente's local policy on one subject (onderwerp), effective from ``geldig_vanaf``.

    Append-only: a change is a new row with the next ``versie``; rows are never updated or deleted (on PostgreSQL
    the application role may only SELECT and INSERT). The version in force on a peildatum is the one with the
    latest ``geldig_vanaf`` on or before it, of equal dates the highest ``versie``. ``inhoud`` is the content as
    validated by ``gbi_shared.contracts.beleid`` (camelCase JSON).
    """

    __tablename__ = "beleidsversies"
    __table_args__ = (
        # Numbering per gemeente and subject; two concurrent writers of the same next version: one wins.
        UniqueConstraint("gemeente", "onderwerp", "versie"),
        Index("ix_beleidsversies_gemeente_onderwerp_geldig_vanaf", "gemeente", "onderwerp", "geldig_vanaf"),
        CheckConstraint("versie >= 1", name="versie_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente_fk()
    onderwerp: Mapped[str] = mapped_column(String(50), nullable=False)
    versie: Mapped[int] = mapped_column(Integer, nullable=False)
    geldig_vanaf: Mapped[date] = mapped_column(Date, nullable=False)
    inhoud: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    toelichting: Mapped[str] = mapped_column(Text, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


# Tables with row-level security on PostgreSQL (policy: gemeente = current_setting('gbi.gemeente', true)).
TENANT_TABLES = ("proefberekeningen", "audit_log", "audit_chain_heads", "beleidsversies")

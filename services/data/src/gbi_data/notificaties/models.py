"""The tables of notifications out (migration ``v0005_notificaties``).

``kanalen`` is shared reference data (one GBI-wide list of kanalen). Everything else is tenant-owned, with
``gemeente`` on every row and, on PostgreSQL, row-level security (``NOTIFICATIE_TENANT_TABLES``):

- ``abonnementen``: a subscriber of one gemeente: callback URL, the Authorization header it wants (encrypted; see
  ``gbi_data.notificaties.geheim``), who manages it; its kanalen and filters in ``abonnement_kanalen``.
- ``outbox``: one row per announced change, written in the transaction of the change itself.
- ``leveringen``: one row per (outbox row, abonnement), created in that same transaction (fan-out at publish time),
  unique, so a notification is recorded at most once per subscriber. It carries the delivery state: status
  pending -> delivered | failed, attempts, next_attempt_at, the worker's lease, the last error.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CHAR,
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from gbi_data.models import Base, UTCDateTime

__all__ = [
    "LEVERING_STATUSSEN",
    "NOTIFICATIE_TABLES",
    "NOTIFICATIE_TENANT_TABLES",
    "Abonnement",
    "AbonnementKanaal",
    "Kanaal",
    "Levering",
    "OutboxRij",
]

LEVERING_STATUSSEN = ("pending", "delivered", "failed")


def _gemeente() -> Mapped[str]:
    return mapped_column(CHAR(4), ForeignKey("gemeenten.code"), nullable=False)


class Kanaal(Base):
    """A kanaal (ZGW): a named stream of notifications and the kenmerken one may filter on. Not tenant data."""

    __tablename__ = "kanalen"

    naam: Mapped[str] = mapped_column(String(50), primary_key=True)
    documentatie_link: Mapped[str | None] = mapped_column(String(200), nullable=True)
    filters: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Abonnement(Base):
    """A subscriber of one gemeente. ``auth_versleuteld`` is the Authorization header, encrypted; ``auth_hint`` the
    masked form shown to people."""

    __tablename__ = "abonnementen"
    __table_args__ = (
        UniqueConstraint("id", "gemeente"),
        Index("ix_abonnementen_gemeente_eigenaar", "gemeente", "eigenaar"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    callback_url: Mapped[str] = mapped_column(String(1000), nullable=False)
    auth_versleuteld: Mapped[str] = mapped_column(Text, nullable=False)
    auth_hint: Mapped[str] = mapped_column(String(40), nullable=False)
    eigenaar: Mapped[str] = mapped_column(String(200), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class AbonnementKanaal(Base):
    """One kanaal of an abonnement with its filters (ZGW ``FilterGroup``). A kanaal in use cannot be deleted."""

    __tablename__ = "abonnement_kanalen"
    __table_args__ = (
        ForeignKeyConstraint(["abonnement_id", "gemeente"], ["abonnementen.id", "abonnementen.gemeente"]),
        Index("ix_abonnement_kanalen_gemeente_kanaal", "gemeente", "kanaal"),
        Index("ix_abonnement_kanalen_abonnement_id", "abonnement_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    abonnement_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    volgorde: Mapped[int] = mapped_column(Integer, nullable=False)
    kanaal: Mapped[str] = mapped_column(String(50), ForeignKey("kanalen.naam"), nullable=False)
    filters: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)


class OutboxRij(Base):
    """An announced change (the ZGW message), written in the same transaction as the change. Append-only."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("id", "gemeente"),
        Index("ix_outbox_gemeente_created_at", "gemeente", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    kanaal: Mapped[str] = mapped_column(String(50), nullable=False)
    hoofd_object: Mapped[str] = mapped_column(String(1000), nullable=False)
    resource: Mapped[str] = mapped_column(String(100), nullable=False)
    resource_url: Mapped[str] = mapped_column(String(1000), nullable=False)
    actie: Mapped[str] = mapped_column(String(100), nullable=False)
    aanmaakdatum: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    kenmerken: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Levering(Base):
    """One notification for one abonnement: exists once (unique), delivered at most once as far as we record."""

    __tablename__ = "leveringen"
    __table_args__ = (
        ForeignKeyConstraint(["outbox_id", "gemeente"], ["outbox.id", "outbox.gemeente"]),
        ForeignKeyConstraint(["abonnement_id", "gemeente"], ["abonnementen.id", "abonnementen.gemeente"]),
        UniqueConstraint("outbox_id", "abonnement_id"),
        Index("ix_leveringen_gemeente_status_next_attempt_at", "gemeente", "status", "next_attempt_at"),
        Index("ix_leveringen_abonnement_id", "abonnement_id"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status_valid"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint("(status = 'delivered') = (delivered_at IS NOT NULL)", name="delivered_has_time"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    outbox_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    abonnement_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


# Row-level security on PostgreSQL (policy: gemeente = current_setting('gbi.gemeente', true)).
NOTIFICATIE_TENANT_TABLES = ("abonnementen", "abonnement_kanalen", "outbox", "leveringen")
NOTIFICATIE_TABLES = ("kanalen", *NOTIFICATIE_TENANT_TABLES)

"""The tables of signal intake (migration ``v0010_signalen``). Both are tenant-owned: ``gemeente`` on every row and,
on PostgreSQL, row-level security.

- ``signaal_leveringen``: one row per delivery of signals (counts and the feed cursor after it), append-only.
- ``handhavingsignalen``: a signal that matched an active uitkering of the gemeente. ``UNIQUE (gemeente,
  signaal_id)`` makes the intake idempotent per signal: a repeated signal is a conflict that inserts nothing. Its
  delivery (``levering_id``, ``gemeente``) is checked once per statement on PostgreSQL, not by a foreign key that
  would run a trigger per inserted row (migration ``v0013``, ADR 0019).

The match looks clients up by ``(gemeente, bsn)``: ``ix_aanvragen_gemeente_bsn`` is declared here, on the ALO
store's ``aanvragen`` table, because signal matching is what needs it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CHAR,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from gbi_data.alo.models import Aanvraag
from gbi_data.models import Base, UTCDateTime
from gbi_shared.contracts.signalen import HANDHAVINGSIGNAAL_STATUSSEN, IB_SIGNAAL_SOORTEN

__all__ = ["SIGNAAL_TABLES", "Handhavingsignaal", "SignaalLevering"]

SIGNAAL_TABLES = ("signaal_leveringen", "handhavingsignalen")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# The client lookup of the match, on the ALO store's table (created by migration 0010).
Index("ix_aanvragen_gemeente_bsn", Aanvraag.__table__.c.gemeente, Aanvraag.__table__.c.bsn)


class SignaalLevering(Base):
    """A delivery of signals and what became of it (``aantal = gematcht + ongematcht``, ``gematcht = nieuw +
    dubbel``)."""

    __tablename__ = "signaal_leveringen"
    __table_args__ = (
        UniqueConstraint("id", "gemeente"),
        Index("ix_signaal_leveringen_gemeente_created_at", "gemeente", "created_at"),
        CheckConstraint("aantal = gematcht + ongematcht", name="aantal_sluit"),
        CheckConstraint("gematcht = nieuw + dubbel", name="gematcht_sluit"),
        CheckConstraint("nieuw >= 0 AND dubbel >= 0 AND ongematcht >= 0", name="tellingen_non_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = mapped_column(CHAR(4), ForeignKey("gemeenten.code"), nullable=False)
    aantal: Mapped[int] = mapped_column(Integer, nullable=False)
    gematcht: Mapped[int] = mapped_column(Integer, nullable=False)
    nieuw: Mapped[int] = mapped_column(Integer, nullable=False)
    dubbel: Mapped[int] = mapped_column(Integer, nullable=False)
    ongematcht: Mapped[int] = mapped_column(Integer, nullable=False)
    cursor: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Handhavingsignaal(Base):
    """A signal about a client: the uitkering it concerns and ``periode_*`` = the part of the signal's period in
    which the uitkering ran (``*_tot`` exclusive, NULL open-ended)."""

    __tablename__ = "handhavingsignalen"
    __table_args__ = (
        UniqueConstraint("gemeente", "signaal_id"),
        Index("ix_handhavingsignalen_gemeente_status_created_at", "gemeente", "status", "created_at"),
        Index("ix_handhavingsignalen_uitkering_id", "uitkering_id"),
        CheckConstraint(_in("soort", IB_SIGNAAL_SOORTEN), name="soort_valid"),
        CheckConstraint(_in("status", HANDHAVINGSIGNAAL_STATUSSEN), name="status_valid"),
        CheckConstraint("signaal_tot IS NULL OR signaal_tot > signaal_vanaf", name="signaal_periode_valid"),
        CheckConstraint("periode_tot IS NULL OR periode_tot > periode_vanaf", name="periode_valid"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = mapped_column(CHAR(4), nullable=False)
    signaal_id: Mapped[str] = mapped_column(String(64), nullable=False)
    bsn: Mapped[str] = mapped_column(String(9), nullable=False)
    soort: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    signaal_vanaf: Mapped[date] = mapped_column(Date, nullable=False)
    signaal_tot: Mapped[date | None] = mapped_column(Date, nullable=True)
    periode_vanaf: Mapped[date] = mapped_column(Date, nullable=False)
    periode_tot: Mapped[date | None] = mapped_column(Date, nullable=True)
    uitkering_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    aanvraag_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    ontvangen_op: Mapped[date] = mapped_column(Date, nullable=False)
    omschrijving: Mapped[str] = mapped_column(Text, nullable=False)
    bedrag_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    kenteken: Mapped[str | None] = mapped_column(String(6), nullable=True)
    land: Mapped[str | None] = mapped_column(CHAR(2), nullable=True)
    instantie: Mapped[str | None] = mapped_column(String(200), nullable=True)
    levering_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

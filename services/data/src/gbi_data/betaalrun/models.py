"""The tables of the payment run (migration ``v0006_betaalrun``).

- ``betaalrekeningen``: the account each gemeente pays from (reference data, one row per gemeente).
- ``uitkering_grondslagen``: per uitkering the household facts the monthly amount is calculated on, and the
  client's account (tenant-owned). The payment run recalculates every month from these facts and the law in force.
- ``maatregelen``: a lowering (afstemming, Pw 18) of an uitkering for a range of months (tenant-owned).
- ``betaalruns`` and ``betaalrun_gemeenten``: a run for one month over one or more gemeenten, with its status and
  progress per gemeente. No personal data, so not tenant-owned; the API shows a gemeente only its own.
- ``betalingen``: one payment per (uitkering, maand) -- a unique constraint, so nothing is ever paid twice, however
  often a run is repeated or resumed. Amounts in integer cents, split in the lines of the uitkeringsspecificatie.
- ``betaalbestanden``: the SEPA pain.001.001.03 file and the finance journal per (run, gemeente), gzip-compressed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CHAR,
    JSON,
    BigInteger,
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
    "BETAALRUN_STATUSSEN",
    "BETAALRUN_TABLES",
    "BETAALRUN_TENANT_TABLES",
    "Betaalbestand",
    "Betaalrekening",
    "Betaalrun",
    "BetaalrunGemeente",
    "Betaling",
    "Maatregel",
    "UitkeringGrondslag",
]

BETAALRUN_STATUSSEN = ("lopend", "gereed", "mislukt")
GEMEENTE_STATUSSEN = ("open", "betaald", "bestand")
BESTAND_SOORTEN = ("pain.001", "journaal")


def _gemeente() -> Mapped[str]:
    return mapped_column(CHAR(4), ForeignKey("gemeenten.code"), nullable=False)


class Betaalrekening(Base):
    """The account a gemeente pays its clients from (the debtor of its SEPA files)."""

    __tablename__ = "betaalrekeningen"

    gemeente: Mapped[str] = mapped_column(CHAR(4), ForeignKey("gemeenten.code"), primary_key=True)
    iban: Mapped[str] = mapped_column(String(34), nullable=False)
    bic: Mapped[str | None] = mapped_column(String(11), nullable=True)
    naam: Mapped[str] = mapped_column(String(70), nullable=False)
    toelichting: Mapped[str] = mapped_column(Text, nullable=False)


class UitkeringGrondslag(Base):
    """What the monthly amount of an uitkering is calculated on: the household (the shape of a domain
    ``BerekeningVerzoek`` without gemeente and peildatum) and where it is paid to."""

    __tablename__ = "uitkering_grondslagen"
    __table_args__ = (Index("ix_uitkering_grondslagen_gemeente_uitkering_id", "gemeente", "uitkering_id"),)

    uitkering_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("uitkeringen.id"), primary_key=True)
    gemeente: Mapped[str] = _gemeente()
    huishouden: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    iban: Mapped[str] = mapped_column(String(34), nullable=False)
    naam: Mapped[str] = mapped_column(String(70), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Maatregel(Base):
    """A lowering of an uitkering by ``percentage_bp`` (basis points: 3000 = 30%) in the months ``van`` up to and
    including ``tot`` (first days of months), as decided under the gemeente's afstemmingsverordening."""

    __tablename__ = "maatregelen"
    __table_args__ = (
        Index("ix_maatregelen_uitkering_id", "uitkering_id"),
        CheckConstraint("percentage_bp > 0 AND percentage_bp <= 10000", name="percentage_valid"),
        CheckConstraint("tot >= van", name="periode_valid"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    uitkering_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("uitkeringen.id"), nullable=False)
    percentage_bp: Mapped[int] = mapped_column(Integer, nullable=False)
    van: Mapped[date] = mapped_column(Date, nullable=False)
    tot: Mapped[date] = mapped_column(Date, nullable=False)
    reden: Mapped[str] = mapped_column(Text, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Betaalrun(Base):
    """A payment run for ``maand`` (its first day) over ``gemeenten``. ``lease_owner``/``lease_until``: the
    process worker that runs it; when the lease runs out (the worker died) another worker resumes it."""

    __tablename__ = "betaalruns"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_betaalruns_status_lease_until", "status", "lease_until"),
        CheckConstraint("status IN ('lopend', 'gereed', 'mislukt')", name="status_valid"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    maand: Mapped[date] = mapped_column(Date, nullable=False)
    betaaldatum: Mapped[date] = mapped_column(Date, nullable=False)
    gemeenten: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(255), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fout: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class BetaalrunGemeente(Base):
    """Progress of a run in one gemeente: ``totaal`` uitkeringen to pay, ``gedaan`` paid for the month."""

    __tablename__ = "betaalrun_gemeenten"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'betaald', 'bestand')", name="status_valid"),
        CheckConstraint("gedaan >= 0 AND totaal >= 0", name="tellingen_valid"),
    )

    betaalrun_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("betaalruns.id"), primary_key=True)
    gemeente: Mapped[str] = mapped_column(CHAR(4), ForeignKey("gemeenten.code"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    totaal: Mapped[int] = mapped_column(Integer, nullable=False)
    gedaan: Mapped[int] = mapped_column(Integer, nullable=False)
    aantal_betalingen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    totaal_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(35), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Betaling(Base):
    """The payment of one uitkering for one month, with the lines of its specification (cents).

    ``bedrag_cents`` = ``bijstand - reservering - verlaging + vakantietoeslag - voorschot_verrekend`` (never
    negative). A row with ``bedrag_cents`` 0 records that the month was settled without a transfer."""

    __tablename__ = "betalingen"
    __table_args__ = (
        UniqueConstraint("uitkering_id", "maand"),
        Index("ix_betalingen_betaalrun_id_gemeente_id", "betaalrun_id", "gemeente", "id"),
        CheckConstraint("bedrag_cents >= 0", name="bedrag_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    # No foreign keys: on PostgreSQL ``(uitkering_id, gemeente)`` and ``betaalrun_id`` are checked once per
    # statement by a trigger over the inserted rows (migration ``v0015``, ADR 0029), not by a trigger per row.
    gemeente: Mapped[str] = mapped_column(CHAR(4), nullable=False)
    uitkering_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    maand: Mapped[date] = mapped_column(Date, nullable=False)
    betaalrun_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    normcategorie: Mapped[str | None] = mapped_column(String(30), nullable=True)
    norm_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    inkomen_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bijstand_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reservering_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    verlaging_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    vakantietoeslag_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    voorschot_verrekend_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bedrag_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    regelset_versie: Mapped[str] = mapped_column(String(60), nullable=False)
    iban: Mapped[str] = mapped_column(String(34), nullable=False)
    naam: Mapped[str] = mapped_column(String(70), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Betaalbestand(Base):
    """A file of a run for one gemeente: the SEPA pain.001.001.03 or the journal (JSON), gzip-compressed."""

    __tablename__ = "betaalbestanden"
    __table_args__ = (
        ForeignKeyConstraint(["betaalrun_id"], ["betaalruns.id"]),
        UniqueConstraint("betaalrun_id", "gemeente", "soort"),
        CheckConstraint("soort IN ('pain.001', 'journaal')", name="soort_valid"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gemeente: Mapped[str] = _gemeente()
    betaalrun_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    soort: Mapped[str] = mapped_column(String(20), nullable=False)
    message_id: Mapped[str] = mapped_column(String(35), nullable=False)
    aantal: Mapped[int] = mapped_column(Integer, nullable=False)
    totaal_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    inhoud_gzip: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


BETAALRUN_TENANT_TABLES = ("uitkering_grondslagen", "maatregelen", "betalingen", "betaalbestanden")
BETAALRUN_TABLES = ("betaalrekeningen", "betaalruns", "betaalrun_gemeenten", *BETAALRUN_TENANT_TABLES)

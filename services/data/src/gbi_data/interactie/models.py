"""The tables of the web pages (migration ``v0009_interactie``).

- ``web_sessies``: one row per web session, keyed by the SHA-256 of the cookie value (never the value itself, so
  what the table holds cannot be replayed as a cookie). ``gegevens`` holds who is logged in and their token: never
  logged, never returned by any list. Not tenant-owned: a session exists before anyone logs in, and a medewerker's
  gemeente is only known after. ``laatst_actief`` and ``verloopt_op`` (the token's expiry) decide when it ends.
- ``web_concepten``: what a citizen filled in so far, per gemeente, BSN and kind of form; tenant-owned
  (row-level security on PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CHAR, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gbi_data.models import Base, UTCDateTime

__all__ = ["INTERACTIE_TABLES", "WebConcept", "WebSessie"]

INTERACTIE_TABLES = ("web_sessies", "web_concepten")


class WebSessie(Base):
    __tablename__ = "web_sessies"
    __table_args__ = (Index("ix_web_sessies_laatst_actief", "laatst_actief"),)

    sleutel: Mapped[str] = mapped_column(CHAR(64), primary_key=True)  # sha256 hex of the cookie value
    gegevens: Mapped[str] = mapped_column(Text, nullable=False)  # JSON; holds the access token: never log it
    laatst_actief: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    verloopt_op: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # the token's expiry
    aangemaakt_op: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class WebConcept(Base):
    __tablename__ = "web_concepten"
    __table_args__ = (Index("ix_web_concepten_verloopt_op", "verloopt_op"),)

    gemeente: Mapped[str] = mapped_column(CHAR(4), ForeignKey("gemeenten.code"), primary_key=True)
    bsn: Mapped[str] = mapped_column(String(9), primary_key=True)
    soort: Mapped[str] = mapped_column(String(40), primary_key=True)
    gegevens: Mapped[str] = mapped_column(Text, nullable=False)  # JSON of the form's fields
    bijgewerkt_op: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    verloopt_op: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

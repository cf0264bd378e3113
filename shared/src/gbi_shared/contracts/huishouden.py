"""The household as the sources know it (integration layer -> process layer)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from gbi_shared.contracts.common import Bsn, CamelModel, GemeenteCode

__all__ = ["Bronvermelding", "BrpHuishoudenVerzoek", "BrpPersoon", "Huishouden"]


class BrpHuishoudenVerzoek(CamelModel):
    bsn: Bsn


class Bronvermelding(CamelModel):
    """Where and when a fact was fetched (provenance)."""

    bron: str = Field(description="De bron, bijvoorbeeld BRP (Haal Centraal BRP Personen bevragen 2)")
    opgevraagd_op: datetime


class BrpPersoon(CamelModel):
    bsn: Bsn | None = None
    geboortedatum: date | None = None
    naam: str | None = None


class Huishouden(CamelModel):
    """The applicant's household per the BRP: partner and minor children as registered, and the other persons
    registered at the same address (``medebewoners``: possible kostendelers, Pw 22a; their relation to the
    applicant is not in the BRP answer, so it is left to the application or the consulent)."""

    gemeente: GemeenteCode = Field(description="Gemeente van inschrijving (woonplaatsbeginsel)")
    aanvrager: BrpPersoon
    partner: BrpPersoon | None = None
    kinderen: list[BrpPersoon] = Field(default_factory=list)
    bron: Bronvermelding
    medebewoners: list[BrpPersoon] = Field(
        default_factory=list,
        description="Andere ingeschrevenen op hetzelfde adresseerbaar object (zonder aanvrager, partner en kinderen)",
    )

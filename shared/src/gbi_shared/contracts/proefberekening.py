"""Proefberekening: a citizen's quick estimate (the walking skeleton through all five layers)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from gbi_shared.contracts.berekening import BerekeningAntwoord
from gbi_shared.contracts.common import Bsn, CamelModel, GemeenteCode

__all__ = ["DISCLAIMER", "Proefberekening", "ProefberekeningVerzoek"]

DISCLAIMER = (
    "Dit is een indicatie op basis van de BRP, zonder inkomen en vermogen, en geeft geen rechten. "
    "Alleen een aanvraag leidt tot een besluit."
)


class ProefberekeningVerzoek(CamelModel):
    bsn: Bsn = Field(description="BSN van de aanvrager (een burger mag alleen zijn eigen BSN opgeven)")
    peildatum: date | None = Field(default=None, description="De dag waarvoor wordt gerekend; standaard vandaag")


class Proefberekening(CamelModel):
    id: UUID
    gemeente: GemeenteCode = Field(description="De gemeente waar de burger volgens de BRP woont")
    peildatum: date
    berekening: BerekeningAntwoord = Field(description="De berekening met toelichting per stap")
    aangemaakt_op: datetime
    disclaimer: str = DISCLAIMER

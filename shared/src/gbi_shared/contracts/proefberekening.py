"""Proefberekening: a citizen's quick estimate (the walking skeleton through all five layers)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from gbi_shared.contracts.berekening import BerekeningAntwoord
from gbi_shared.contracts.common import Bsn, CamelModel, GemeenteCode
from gbi_shared.contracts.data import ProefberekeningRecord

__all__ = ["DISCLAIMER", "Proefberekening", "ProefberekeningVerzoek", "proefberekening_uit_record"]

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


def proefberekening_uit_record(record: ProefberekeningRecord) -> Proefberekening:
    """The public proefberekening of a stored record (the data service's), the same when made and when read."""
    return Proefberekening(
        id=record.id,
        gemeente=record.gemeente,
        peildatum=record.peildatum,
        berekening=BerekeningAntwoord.model_validate(record.result),
        aangemaakt_op=record.created_at,
    )

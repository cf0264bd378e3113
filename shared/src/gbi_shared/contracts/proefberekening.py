"""Proefberekening: a citizen's quick estimate (the walking skeleton through all five layers)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from gbi_shared.contracts.common import Bsn, CamelModel, Euro, GemeenteCode

__all__ = ["Proefberekening", "ProefberekeningVerzoek", "Toelichtingsregel"]


class ProefberekeningVerzoek(CamelModel):
    bsn: Bsn = Field(description="BSN van de aanvrager (een burger mag alleen zijn eigen BSN opgeven)")
    peildatum: date | None = Field(default=None, description="De dag waarvoor wordt gerekend; standaard vandaag")


class Toelichtingsregel(CamelModel):
    stap: str
    bedrag: Euro | None = None
    regel: str
    artikel: str | None = None
    parameterversie: str | None = None


class Proefberekening(CamelModel):
    id: UUID
    gemeente: GemeenteCode
    peildatum: date
    leefvorm: str
    normcategorie: str
    norm: Euro = Field(description="Norm per maand inclusief vakantietoeslag")
    bedrag_per_maand: Euro = Field(description="Indicatie van wat maandelijks wordt uitbetaald")
    toelichting: list[Toelichtingsregel]
    aangemaakt_op: datetime
    disclaimer: str = Field(
        default="Dit is een indicatie zonder rechten. Alleen een aanvraag leidt tot een besluit.",
    )

"""Contracts of the payment run (betaalrun): the run and its progress, and the uitkeringsspecificatie.

The bulk bodies between the layers (work chunks, computed amounts, payments) are compact arrays, documented on the
routes that carry them; they are not modelled here because validating them field by field as pydantic models would
cost more than the calculation itself.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from gbi_shared.contracts.common import CamelModel

__all__ = [
    "Betaalrun",
    "BetaalrunGemeenteVoortgang",
    "BetaalrunNieuw",
    "BetaalrunStatus",
    "BetaalrunVerzoek",
    "Specificatieregel",
    "Uitkeringsspecificatie",
    "UitkeringsspecificatieLijst",
]

BetaalrunStatus = Literal["lopend", "gereed", "mislukt"]
MAAND_PATROON = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class BetaalrunVerzoek(CamelModel):
    """Start (or find again, with the same Idempotency-Key) the payment run of a month."""

    maand: str = Field(pattern=MAAND_PATROON, description="De maand die wordt betaald (JJJJ-MM)", examples=["2026-07"])
    gemeente: str | None = Field(
        default=None,
        pattern=r"^[0-9]{4}$",
        description="CBS-code van de gemeente; leeg: de eigen gemeente van de medewerker",
    )
    betaaldatum: date | None = Field(
        default=None, description="Gewenste uitvoeringsdatum bij de bank; leeg: de 25e van de voorgaande maand"
    )


class BetaalrunNieuw(CamelModel):
    """What the process layer asks the data service to record (one or more gemeenten)."""

    maand: str = Field(pattern=MAAND_PATROON)
    gemeenten: list[str] = Field(min_length=1, max_length=400)
    betaaldatum: date


class BetaalrunGemeenteVoortgang(CamelModel):
    gemeente: str
    status: Literal["open", "betaald", "bestand"] = Field(
        description="open: betalingen worden berekend; betaald: alle betalingen vastgelegd; bestand: SEPA-bestand en "
        "journaal gemaakt en sluitend"
    )
    totaal: int = Field(description="Aantal lopende uitkeringen in deze maand")
    gedaan: int = Field(description="Aantal uitkeringen waarvan de betaling voor deze maand is vastgelegd")
    aantal_overboekingen: int | None = Field(default=None, description="Overboekingen in het SEPA-bestand")
    totaal_bedrag: str | None = Field(default=None, description="Controletotaal van het SEPA-bestand (euro)")
    message_id: str | None = Field(default=None, description="MsgId van het SEPA-bestand")


class Betaalrun(CamelModel):
    id: uuid.UUID
    maand: str
    betaaldatum: date
    status: BetaalrunStatus
    totaal: int
    gedaan: int
    gemeenten: list[BetaalrunGemeenteVoortgang]
    fout: str | None = None
    created_at: datetime
    updated_at: datetime


class Specificatieregel(CamelModel):
    omschrijving: str
    bedrag: str = Field(description="Bedrag in euro; negatief is een inhouding")
    artikel: str | None = None


class Uitkeringsspecificatie(CamelModel):
    """What was paid for one month and how it was built up."""

    id: str
    maand: str
    betaaldatum: date
    normcategorie: str | None
    regels: list[Specificatieregel]
    uit_te_betalen: str
    iban: str = Field(description="Rekening waarop is betaald, gemaskeerd op de laatste 4 tekens na")
    regelset_versie: str


class UitkeringsspecificatieLijst(CamelModel):
    specificaties: list[Uitkeringsspecificatie]

"""Contracts of the management and oversight views: management figures per gemeente and period (data service ->
interaction layer -> management page) and the audit trail of a case (data service -> workbench).

    GET /internal/data/v1/managementinformatie?van=&tot=          -> Managementinformatie
    GET /internal/data/v1/aanvragen/{aanvraagId}/audittrail       -> AudittrailPagina

Shares are given as a count of a total plus a percentage as text with one decimal (``"87.5"``), never as a float;
days are whole days between legal dates (the aanvraag date and the decision date).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, JsonValue

from gbi_shared.contracts.common import CamelModel, GemeenteCode

__all__ = [
    "Aandeel",
    "AudittrailPagina",
    "AudittrailRegel",
    "BesluitAantal",
    "Doorlooptijd",
    "DoorlooptijdKlasse",
    "Herkomst",
    "LeeftijdKlasse",
    "MaandCijfers",
    "Managementinformatie",
    "OpenTakenRol",
    "Zaakonderbouwing",
]

#: The legal decision term (Awb 4:13 with art. 44 Pw): 8 weeks from the aanvraag.
BESLISTERMIJN_DAGEN = 56


class Aandeel(CamelModel):
    aantal: int = Field(ge=0, description="Hoeveel aan de voorwaarde voldoen")
    van: int = Field(ge=0, description="Van hoeveel")
    percentage: str | None = Field(
        description="aantal / van x 100 met een decimaal (tekst, geen float); leeg als er niets te tellen was",
        examples=["87.5"],
    )


class DoorlooptijdKlasse(CamelModel):
    label: str = Field(examples=["29-42 dagen"])
    van_dagen: int = Field(ge=0)
    tot_en_met_dagen: int | None = Field(description="Leeg: open naar boven")
    aantal: int = Field(ge=0)


class Doorlooptijd(CamelModel):
    """Days from the aanvraag date to the decision date, of the decisions taken in the period."""

    aantal: int = Field(ge=0, description="Aantal besluiten waarover gemeten is")
    gemiddeld_dagen: str | None = Field(description="Gemiddelde met een decimaal (tekst)", examples=["23.4"])
    mediaan_dagen: str | None = Field(description="Mediaan (tekst, .5 bij een even aantal)", examples=["21"])
    p90_dagen: int | None = Field(description="90e percentiel (de kleinste waarde waar 90% op of onder ligt)")
    langste_dagen: int | None
    klassen: list[DoorlooptijdKlasse]


class BesluitAantal(CamelModel):
    soort: Literal["toekenning", "afwijzing", "buiten-behandeling"]
    aantal: int = Field(ge=0)


class MaandCijfers(CamelModel):
    maand: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2026-11"])
    ingekomen: int = Field(ge=0)
    besloten: int = Field(ge=0)


class LeeftijdKlasse(CamelModel):
    label: str = Field(examples=["1-7 dagen"])
    van_dagen: int = Field(ge=0)
    tot_en_met_dagen: int | None
    aantal: int = Field(ge=0)


class OpenTakenRol(CamelModel):
    """Unfinished tasks of one role at the moment of measurement, by how long they exist."""

    rol: str
    open: int = Field(ge=0, description="Niet geclaimd")
    geclaimd: int = Field(ge=0, description="In behandeling bij een medewerker")
    verlopen: int = Field(ge=0, description="Over de termijn van de taak")
    oudste_dagen: int | None = Field(description="Leeftijd van de oudste onafgeronde taak in hele dagen")
    leeftijd: list[LeeftijdKlasse]


class Managementinformatie(CamelModel):
    """The figures of one gemeente over a period (both days included) and its open work at ``peilmoment``."""

    gemeente: GemeenteCode
    van: date
    tot: date
    peilmoment: datetime = Field(description="Het moment van meten (klok van de dataservice)")
    ingekomen: int = Field(ge=0, description="Aanvragen met een aanvraagdatum in de periode")
    besloten: int = Field(ge=0, description="Besluiten met een besluitdatum in de periode")
    besluiten: list[BesluitAantal]
    doorlooptijd: Doorlooptijd
    binnen_beslistermijn: Aandeel = Field(
        description="Besluiten binnen 8 weken (56 dagen) na de aanvraagdatum, zonder rekening te houden met verdaging"
    )
    straight_through: Aandeel = Field(
        description="Besluiten zonder dat een medewerker een taak kreeg (volledig automatisch behandeld)"
    )
    per_maand: list[MaandCijfers] = Field(description="Elke kalendermaand die de periode raakt, oudste eerst")
    open_taken: list[OpenTakenRol] = Field(description="Per rol, ook rollen zonder open taken")


class AudittrailRegel(CamelModel):
    """One entry of the processing log about the applicant of a case (Logboek Dataverwerkingen)."""

    volgnummer: int = Field(ge=1, description="Plaats in de hashketen van de gemeente")
    op: datetime
    handeling: str = Field(description="Wat er gebeurde (operation)", examples=["aanvraag.raadplegen"])
    verwerking: str = Field(description="Verwerkingsactiviteit", examples=["gbi.alo"])
    door: str = Field(description="Actor (een burger als pseudoniem)")
    soort_actor: str
    doel: str = Field(description="Doelbinding")
    uitkomst: str
    status: str
    trace_id: str


class AudittrailPagina(CamelModel):
    items: list[AudittrailRegel] = Field(description="Nieuwste eerst")
    volgende_voor: int | None = Field(
        default=None, description="Geef dit mee als ``voor`` voor de volgende (oudere) pagina; leeg op de laatste"
    )


class Herkomst(CamelModel):
    """Where and when one part of the source data was fetched."""

    onderdeel: str = Field(description="Welk deel van de brongegevens (pad)", examples=["aanvrager.inkomsten"])
    bron: str = Field(examples=["UWV"])
    opgevraagd_op: datetime


class Zaakonderbouwing(CamelModel):
    """What a case's decision rests on, as the process recorded it: the source data with provenance and the
    calculation with its explanation line by line (``null`` while that step has not run)."""

    aanvraag_id: UUID
    herkomst: list[Herkomst] = Field(description="Elk deel van de brongegevens met bron en moment van opvragen")
    bronnen: dict[str, JsonValue] | None = Field(description="De brongegevens zoals de bronnen ze gaven")
    berekening: dict[str, JsonValue] | None = Field(description="De berekening met toelichting per regel")

"""The process layer's internal API of the ALO transaction (``/internal/process/v1/aanvragen...``): what the
interaction layer (citizen portal, front office koppelvlak, workbench) sends and gets back.

    POST /internal/process/v1/aanvragen                           AloAanvraagIndiening -> 202 AloAanvraagOntvangen
    POST /internal/process/v1/aanvragen/{id}/documenten-ontvangen DocumentenOntvangen -> 202 DocumentenOntvangenAntwoord
    GET  /internal/process/v1/aanvragen/{id}/voortgang?gemeente=  -> AloVoortgang (the engine's view, for the workbench)

Submitting registers the aanvraag in the data service (idempotent per ``Idempotency-Key``) and starts its process
instance; the process layer's workers then run it: the caller gets 202 at once and follows the case through the
aanvraag's status and tijdlijn in the data service.

``AanvraagGegevens`` documents the part of the free-form ``gegevens`` (what the citizen declared) that the process
reads; anything else is stored with the aanvraag and shown to the caseworker.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator
from pydantic.alias_generators import to_camel

from gbi_shared.contracts.alo import AanvraagStatus, JsonObject, Kanaal, melding_eerst
from gbi_shared.contracts.berekening import Bedrag, InkomstenSoortCode, RelatieCode, RolCode
from gbi_shared.contracts.common import Bsn, CamelModel, GemeenteCode

__all__ = [
    "AanvraagGegevens",
    "AloAanvraagIndiening",
    "AloAanvraagOntvangen",
    "AloVoortgang",
    "DocumentenOntvangen",
    "DocumentenOntvangenAntwoord",
    "GegevensInkomen",
    "GegevensMedebewoner",
    "GegevensVermogen",
    "VoortgangBericht",
    "VoortgangServicetaak",
    "VoortgangTaak",
    "VoortgangTimer",
    "ZoektermijnUitzondering",
]

#: Why the zoektermijn of art. 41 lid 4 Pw does not apply to someone under 27 (declared; the caseworker checks).
ZoektermijnUitzondering = Literal["volledig-arbeidsongeschikt", "alleenstaande-ouder-kind-onder-5", "noodsituatie"]


class _Declared(BaseModel):
    """Declared data: camelCase, unknown fields kept (the form may carry more than the process reads)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True)


class GegevensInkomen(_Declared):
    persoon: RolCode = "aanvrager"
    soort: InkomstenSoortCode
    netto_per_maand: Bedrag


class GegevensVermogen(_Declared):
    """What no register knows: bank balances, cash, other possessions and debts (vehicles and real estate come
    from the RDW and the Kadaster)."""

    bezittingen: Bedrag = "0.00"
    schulden: Bedrag = "0.00"


class GegevensMedebewoner(_Declared):
    geboortedatum: date
    relatie: RelatieCode
    commerciele_huurovereenkomst: bool = False
    studiefinanciering: bool = False


class AanvraagGegevens(_Declared):
    """The part of ``gegevens`` the ALO process reads. Every field is optional; a missing one is not guessed."""

    iban: str | None = Field(default=None, description="Rekening voor de betaling (IBAN)")
    naam: str | None = Field(default=None, max_length=100, description="Naam voor de brief; standaard de BRP-naam")
    adres: list[str] | None = Field(default=None, max_length=6, description="Adresregels voor de brief")
    inkomsten: list[GegevensInkomen] = Field(default_factory=list, max_length=100)
    vermogen: GegevensVermogen | None = None
    medebewoners: list[GegevensMedebewoner] = Field(default_factory=list, max_length=50)
    verblijf_buitenland_dagen: int = Field(default=0, ge=0, le=366)
    zoektermijn_uitzondering: ZoektermijnUitzondering | None = None


class AloAanvraagIndiening(CamelModel):
    """A citizen's aanvraag levensonderhoud. Send an ``Idempotency-Key`` header: the same key and body give the
    same aanvraag. The gemeente is the caller's (staff, front office) or, for a citizen, the gemeente where the
    BRP says they live (woonplaatsbeginsel)."""

    bsn: Bsn
    meldingsdatum: date
    aanvraagdatum: date
    kanaal: Kanaal = "digitaal"
    gegevens: JsonObject = Field(
        default_factory=dict, description="Wat de burger verklaarde (zie AanvraagGegevens), met het IBAN"
    )

    # The data service's AanvraagNieuw's check (the same function): refused here with a 400, before any source is read.
    _melding_first = model_validator(mode="after")(melding_eerst)


class AloAanvraagOntvangen(CamelModel):
    aanvraag_id: UUID
    gemeente: GemeenteCode = Field(description="De gemeente die de aanvraag behandelt: nodig om haar op te vragen")
    status: AanvraagStatus
    procesinstantie_id: UUID


class DocumentenOntvangen(CamelModel):
    """The citizen delivered the documents asked for (after uploading them to the aanvraag)."""

    gemeente: GemeenteCode | None = Field(
        default=None, description="De gemeente van de aanvraag; verplicht als de context er geen heeft (burger)"
    )
    documenten: list[UUID] = Field(default_factory=list, max_length=50, description="Ids van de aangeleverde stukken")


class DocumentenOntvangenAntwoord(CamelModel):
    aanvraag_id: UUID
    afgeleverd: bool = Field(description="Het proces wachtte op de stukken en gaat verder zodra een worker langskomt")


class VoortgangServicetaak(CamelModel):
    task_id: str
    element: str = Field(description="Het BPMN-element (voor de markering in het diagram)")
    naam: str | None
    handler: str
    pogingen: int
    laatste_fout: str | None
    opnieuw_vanaf: datetime | None
    incident: bool


class VoortgangTaak(CamelModel):
    task_id: str
    element: str
    naam: str | None
    rol: str
    termijn: date | None


class VoortgangTimer(CamelModel):
    task_id: str
    element: str
    naam: str | None
    vervalt_op: datetime
    herhalend: bool


class VoortgangBericht(CamelModel):
    task_id: str
    element: str
    naam: str | None
    bericht: str


class AloVoortgang(CamelModel):
    """Where the process of an aanvraag stands, as the engine sees it in its last saved state."""

    aanvraag_id: UUID
    procesinstantie_id: UUID
    definitie: str
    definitie_versie: str
    status: Literal["runnable", "waiting", "completed", "failed"]
    afgerond: bool
    volgende_moment: datetime | None = Field(description="Wanneer de instantie weer aan de beurt is (timer, retry)")
    laatste_fout: str | None
    servicetaken: list[VoortgangServicetaak]
    taken: list[VoortgangTaak]
    timers: list[VoortgangTimer]
    berichten: list[VoortgangBericht]
    variabelen: dict[str, JsonValue] = Field(description="De procesvariabelen (besluit, termijnen, routering)")

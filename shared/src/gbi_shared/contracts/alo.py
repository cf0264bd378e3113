"""The durable store of the ALO transaction (aanvraag levensonderhoud) in the data service
(``/internal/data/v1/...``): what the process layer and the channels send and get back.

    resource                      what it holds
    aanvragen                     the case: what the citizen declared, its status, the citizen-visible tijdlijn
    procesinstanties              the engine's serialized state, claimed by one worker at a time (lease)
    procesinstanties/{id}/stappen the recorded result of each side effect (first write wins)
    taken                         warm work: the role-based inbox (claim, release, reassign, complete, 4-eyes)
    documenten                    uploaded evidence and beschikkingen (PDF, PNG, JPEG)
    besluiten, uitkeringen,       one decision and one benefit per aanvraag, one voorschot per volgnummer:
    voorschotten                  unique constraints, so a retried command never has a second effect
    klok                          the data service's clock, movable outside production

Money is integer cents; timestamps are timezone-aware UTC; legal dates are dates. The BSN is stored with the case
(it is needed to process it) but never appears in a list; in the audit log it is a pseudonym.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Final, Literal, Protocol, Self, TypeVar
from uuid import UUID

import orjson
from pydantic import AfterValidator, AwareDatetime, Field, JsonValue, StringConstraints, model_validator

from gbi_shared.contracts.common import Bsn, CamelModel, GemeenteCode

__all__ = [
    "AANVRAAG_STATUSSEN",
    "DOCUMENT_CONTENT_TYPES",
    "MAX_DOCUMENT_BYTES",
    "MAX_GEGEVENS_BYTES",
    "Aanvraag",
    "AanvraagMetProces",
    "AanvraagMetProcesIngediend",
    "AanvraagNieuw",
    "AanvraagPagina",
    "AanvraagSamenvatting",
    "AanvraagStatus",
    "AanvraagStatusWijziging",
    "Besluit",
    "BesluitBeschikking",
    "BesluitNieuw",
    "BesluitSoort",
    "ClaimResultaat",
    "ClaimVerzoek",
    "Document",
    "DocumentContentType",
    "DocumentLijst",
    "DocumentSoort",
    "DocumentUpload",
    "JsonObject",
    "Kanaal",
    "Klok",
    "KlokInstelling",
    "Opmerking",
    "OpmerkingNieuw",
    "ProcesLease",
    "ProcesStart",
    "Procesinstantie",
    "ProcesinstantieMetBesluit",
    "ProcesinstantieNieuw",
    "ProcesinstantieOpslag",
    "ProcesinstantieStatus",
    "Sleutel",
    "Stap",
    "StapLijst",
    "StapNieuw",
    "Taak",
    "TaakAfronding",
    "TaakDetail",
    "TaakHerverdeling",
    "TaakNieuw",
    "TaakPagina",
    "TaakRol",
    "TaakStatus",
    "TaakTelling",
    "TaakTellingen",
    "TijdlijnItem",
    "TijdlijnItemNieuw",
    "Uitkering",
    "UitkeringGrondslagNieuw",
    "UitkeringNieuw",
    "Voorschot",
    "VoorschotLijst",
    "VoorschotNieuw",
    "melding_eerst",
]

#: Free-form JSON objects (what the citizen declared, task data, ...) may take at most this many bytes as JSON.
MAX_GEGEVENS_BYTES: Final = 256 * 1024
#: A document's content may take at most this many bytes (10 MiB), decoded.
MAX_DOCUMENT_BYTES: Final = 10 * 1024 * 1024
#: The engine's serialized state may take at most this many characters.
MAX_STATE_CHARS: Final = 900_000
#: At most this many step results travel with one save of an instance.
MAX_STAPPEN_PER_OPSLAG: Final = 20
#: Tijdlijn entries a process-state save takes along (each with a ``sleutel``).
MAX_TIJDLIJN_PER_OPSLAG: Final = 10


def _json_size(value: JsonValue) -> int:
    """Bytes of the value as compact UTF-8 JSON (orjson; the standard library for an integer beyond 64 bits)."""
    try:
        return len(orjson.dumps(value))
    except TypeError:
        return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _limit_json(value: dict[str, JsonValue]) -> dict[str, JsonValue]:
    size = _json_size(value)
    if size > MAX_GEGEVENS_BYTES:
        raise ValueError(f"te groot: {size} bytes als JSON, ten hoogste {MAX_GEGEVENS_BYTES}")
    return value


def _limit_json_value(value: JsonValue) -> JsonValue:
    size = _json_size(value)
    if size > MAX_GEGEVENS_BYTES:
        raise ValueError(f"te groot: {size} bytes als JSON, ten hoogste {MAX_GEGEVENS_BYTES}")
    return value


#: A JSON object of at most ``MAX_GEGEVENS_BYTES``.
JsonObject = Annotated[dict[str, JsonValue], AfterValidator(_limit_json)]
#: Any JSON value of at most ``MAX_GEGEVENS_BYTES``.
JsonWaarde = Annotated[JsonValue, AfterValidator(_limit_json_value)]
#: A caller-chosen key (idempotency of steps, tasks, tijdlijn entries): letters, digits and ``._:-``.
Sleutel = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$", min_length=1, max_length=200)]
_CODE = r"^[a-z0-9]+(-[a-z0-9]+)*$"
Code = Annotated[str, StringConstraints(pattern=_CODE, min_length=1, max_length=50)]
Actor = Annotated[str, StringConstraints(min_length=1, max_length=200)]

AanvraagStatus = Literal[
    "ontvangen",
    "in-behandeling",
    "wacht-op-bron",
    "wacht-op-burger",
    "wacht-op-medewerker",
    "besloten",
    "buiten-behandeling",
    "ingetrokken",
]
AANVRAAG_STATUSSEN: Final[tuple[str, ...]] = (
    "ontvangen",
    "in-behandeling",
    "wacht-op-bron",
    "wacht-op-burger",
    "wacht-op-medewerker",
    "besloten",
    "buiten-behandeling",
    "ingetrokken",
)
Kanaal = Literal["digitaal", "balie", "post", "telefoon", "koppelvlak"]
ProcesinstantieStatus = Literal["runnable", "waiting", "completed", "failed"]
TaakRol = Literal["klantmanager", "inkomensconsulent", "handhaver", "teamleider", "beheerder"]
TaakStatus = Literal["open", "geclaimd", "afgerond"]
DocumentSoort = Literal["aanvraagformulier", "bewijsstuk", "beschikking", "correspondentie", "overig"]
DocumentContentType = Literal["application/pdf", "image/png", "image/jpeg"]
DOCUMENT_CONTENT_TYPES: Final[tuple[str, ...]] = ("application/pdf", "image/png", "image/jpeg")
BesluitSoort = Literal["toekenning", "afwijzing", "buiten-behandeling"]


# --------------------------------------------------------------------------------------------------- aanvragen


class _Datums(Protocol):
    @property
    def meldingsdatum(self) -> date: ...
    @property
    def aanvraagdatum(self) -> date: ...


_D = TypeVar("_D", bound=_Datums)


def melding_eerst(aanvraag: _D) -> _D:
    """The check of an aanvraag's dates, ONE function for every model of an aanvraag (``AanvraagNieuw`` here, the
    process layer's ``AloAanvraagIndiening``): the process copies a validated submission into ``AanvraagNieuw``
    without validating it again (ADR 0049), which is sound only while both check the same."""
    if aanvraag.aanvraagdatum < aanvraag.meldingsdatum:
        raise ValueError("aanvraagdatum ligt voor de meldingsdatum")
    return aanvraag


class AanvraagNieuw(CamelModel):
    """Register an aanvraag. Send an ``Idempotency-Key``: the same key with the same body gives the same aanvraag
    (``Idempotent-Replayed: true``), with another body 409."""

    bsn: Bsn = Field(description="BSN van de aanvrager; bewaard bij de zaak, nooit in lijsten")
    meldingsdatum: date = Field(description="Datum waarop de burger zich meldde (Pw art. 44)")
    aanvraagdatum: date = Field(description="Datum waarop de aanvraag is ingediend")
    kanaal: Kanaal
    gegevens: JsonObject = Field(
        description="Wat de burger verklaarde: huishouden, woning, inkomen, vermogen, IBAN (JSON-object)"
    )

    _melding_first = model_validator(mode="after")(melding_eerst)


class TijdlijnItem(CamelModel):
    """One entry of the citizen-visible history of an aanvraag."""

    id: UUID
    at: datetime
    soort: str
    omschrijving: str
    actor: str


class TijdlijnItemNieuw(CamelModel):
    """Add an entry to the tijdlijn. With a ``sleutel`` a retried request returns the entry it made before."""

    soort: Code = Field(examples=["aanvraag-ontvangen"])
    omschrijving: str = Field(min_length=1, max_length=2000, description="Tekst voor de burger")
    actor: Actor | None = Field(default=None, description="Wie (voor de burger); standaard de actor van de context")
    at: AwareDatetime | None = Field(default=None, description="Standaard: nu volgens de klok van de dataservice")
    sleutel: Sleutel | None = Field(default=None, description="Idempotentiesleutel, uniek per aanvraag")


class Aanvraag(CamelModel):
    """An aanvraag in full (a citizen sees only their own; staff of the gemeente and GBI services any)."""

    id: UUID
    gemeente: GemeenteCode
    bsn: str
    meldingsdatum: date
    aanvraagdatum: date
    kanaal: Kanaal
    gegevens: dict[str, JsonValue]
    status: AanvraagStatus
    version: int = Field(description="Optimistische vergrendeling: geef mee in If-Match of bij een wijziging")
    created_at: datetime
    updated_at: datetime
    tijdlijn: list[TijdlijnItem]


class AanvraagSamenvatting(CamelModel):
    """An aanvraag in a list: no BSN, no declared data."""

    id: UUID
    gemeente: GemeenteCode
    meldingsdatum: date
    aanvraagdatum: date
    kanaal: Kanaal
    status: AanvraagStatus
    version: int
    created_at: datetime
    updated_at: datetime


class AanvraagPagina(CamelModel):
    items: list[AanvraagSamenvatting]
    next_after: str | None = Field(default=None, description="Geef mee als ``after`` voor de volgende pagina")


class AanvraagStatusWijziging(CamelModel):
    """A status change by the process. The version comes from ``If-Match`` or from ``version`` (both: equal)."""

    status: AanvraagStatus
    version: int | None = Field(default=None, ge=1)


# --------------------------------------------------------------------------------------------- procesinstanties


class ProcesinstantieNieuw(CamelModel):
    """Start the process of an aanvraag (one per aanvraag; a repeat returns the existing one)."""

    aanvraag_id: UUID
    definitie: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$", examples=["alo"])
    definitie_versie: str = Field(min_length=1, max_length=100, examples=["3f2a9c0d1e4b5a6f"])
    state: str = Field(max_length=MAX_STATE_CHARS, description="De geserialiseerde toestand van de engine")
    status: Literal["runnable", "waiting"] = "runnable"
    next_due_at: AwareDatetime | None = Field(
        default=None, description="Wanneer een wachtende instantie weer moet lopen"
    )


class Procesinstantie(CamelModel):
    id: UUID
    gemeente: GemeenteCode
    aanvraag_id: UUID
    definitie: str
    definitie_versie: str
    state: str
    status: ProcesinstantieStatus
    next_due_at: datetime | None
    version: int
    lease_owner: str | None
    lease_until: datetime | None
    attempts: int = Field(description="Claims sinds de laatste opslag zonder fout")
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class ClaimVerzoek(CamelModel):
    """Claim work: instances of the caller's gemeente that are runnable, or waiting with ``nextDueAt`` passed, and
    whose lease is free or expired."""

    worker: Actor = Field(description="Naam van de worker (uniek per proces en replica)")
    lease_seconds: int = Field(ge=1, le=3600)
    limit: int = Field(default=10, ge=1, le=100)


class ClaimResultaat(CamelModel):
    items: list[Procesinstantie]
    nu: datetime = Field(description="Het moment van de claim volgens de klok van de dataservice")
    open: bool | None = Field(
        default=None,
        description=(
            "Alleen bij een lege claim: of de gemeente nog procesinstanties heeft die niet klaar zijn (runnable of "
            "waiting, ook geclaimd door een ander). false: nieuw werk ontstaat hier alleen door een nieuwe start"
        ),
    )


class ProcesLease(CamelModel):
    """Lease the new instance to a worker as it is created, as a claim would (its first claim: attempts 1)."""

    worker: Actor = Field(description="Naam van de worker (uniek per proces en replica)")
    lease_seconds: int = Field(ge=1, le=3600)


class ProcesStart(CamelModel):
    """The process instance a submission starts with its aanvraag (status runnable)."""

    definitie: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$", examples=["alo"])
    definitie_versie: str = Field(min_length=1, max_length=100, examples=["3f2a9c0d1e4b5a6f"])
    state: str = Field(
        max_length=MAX_STATE_CHARS, description="De geserialiseerde toestand van de engine (noemt aanvraagId)"
    )
    lease: ProcesLease | None = Field(
        default=None, description="Geef de nieuwe instantie meteen in lease aan deze worker (geen claim nodig)"
    )


class AanvraagMetProces(CamelModel):
    """Register an aanvraag and start its process instance, in one transaction (ADR 0030). Send an
    ``Idempotency-Key``: the same key and aanvraag give the same aanvraag (``Idempotent-Replayed: true``) with the
    instance it has, another aanvraag under that key 409."""

    aanvraag_id: UUID = Field(
        description=(
            "Het id van de nieuwe aanvraag, door de procesdienst gekozen: de toestand van de instantie noemt het. Bij "
            "een herhaling met dezelfde Idempotency-Key geldt het id van de eerste"
        )
    )
    aanvraag: AanvraagNieuw
    procesinstantie: ProcesStart


class AanvraagMetProcesIngediend(CamelModel):
    aanvraag: Aanvraag
    procesinstantie: Procesinstantie | None = Field(
        description=(
            "De procesinstantie van de aanvraag; null alleen bij een herhaling van een aanvraag die zonder "
            "instantie is geregistreerd (start die dan zelf)"
        )
    )
    geclaimd: bool = Field(description="true: de instantie is met deze aanvraag in lease gegeven aan lease.worker")
    nu: datetime = Field(description="Het moment volgens de klok van de dataservice")


class StapNieuw(CamelModel):
    """Record the result of a side effect. The first write wins; a repeat returns the stored result."""

    stap_sleutel: Sleutel
    resultaat: JsonWaarde


class ProcesinstantieOpslag(CamelModel):
    """Save the engine's state: only with the current ``version`` and while ``leaseOwner`` still holds the lease
    (409 otherwise). The lease is released unless ``keepLease``."""

    state: str = Field(max_length=MAX_STATE_CHARS)
    status: ProcesinstantieStatus
    next_due_at: AwareDatetime | None = None
    version: int = Field(ge=1)
    lease_owner: Actor
    keep_lease: bool = False
    lease_seconds: int | None = Field(
        default=None, ge=1, le=3600, description="Met keepLease: verleng de lease tot zoveel seconden vanaf nu"
    )
    last_error: str | None = Field(default=None, max_length=4000)
    stappen: list[StapNieuw] = Field(
        default_factory=list,
        max_length=MAX_STAPPEN_PER_OPSLAG,
        description=(
            "Resultaten van stappen, vastgelegd in dezelfde transactie als de toestand (alles of niets). Een stap die "
            "al met hetzelfde resultaat is vastgelegd verandert niets; met een ander resultaat: 409 stap-vastgelegd"
        ),
    )
    tijdlijn: list[TijdlijnItemNieuw] = Field(
        default_factory=list,
        max_length=MAX_TIJDLIJN_PER_OPSLAG,
        description=(
            "Tijdlijnregels van de aanvraag van de instantie, elk met een sleutel, toegevoegd in dezelfde transactie "
            "(een sleutel die al bestaat verandert niets)"
        ),
    )
    aanvraag_status: AanvraagStatus | None = Field(
        default=None,
        description=(
            "Zet de status van de aanvraag in dezelfde transactie; een afgesloten aanvraag (besloten, "
            "buiten-behandeling, ingetrokken) houdt haar status"
        ),
    )
    uitkering: UitkeringNieuw | None = Field(
        default=None,
        description=(
            "Start de uitkering van de aanvraag van de instantie in dezelfde transactie (ADR 0030), zoals POST "
            "uitkeringen: dezelfde nog eens verandert niets, een andere weigert de opslag (409 uitkering-bestaat)"
        ),
    )
    besluit: BesluitNieuw | None = Field(
        default=None,
        description=(
            "Leg het besluit over de aanvraag van de instantie vast in dezelfde transactie (ADR 0038), zoals POST "
            "aanvragen/{id}/besluit: hetzelfde nog eens vindt het eerste, een ander weigert de opslag (409 "
            "besluit-bestaat). Het antwoord bevat dan het besluit (ProcesinstantieMetBesluit)"
        ),
    )

    @model_validator(mode="after")
    def _unique_steps(self) -> Self:
        keys = [s.stap_sleutel for s in self.stappen]
        if len(set(keys)) != len(keys):
            raise ValueError("stappen: elke stapSleutel hoogstens een keer")
        sleutels = [t.sleutel for t in self.tijdlijn]
        if any(s is None for s in sleutels):
            raise ValueError("tijdlijn: elke regel met een sleutel")
        if len(set(sleutels)) != len(sleutels):
            raise ValueError("tijdlijn: elke sleutel hoogstens een keer")
        return self


class Stap(CamelModel):
    procesinstantie_id: UUID
    stap_sleutel: str
    resultaat: JsonValue
    created_at: datetime


class StapLijst(CamelModel):
    """Every recorded step of an instance (a run reads them once, when it starts), oldest first."""

    items: list[Stap]


# ------------------------------------------------------------------------------------------------------- taken


class TaakNieuw(CamelModel):
    """A warm step for a person with ``rol`` (one per instance and ``taakSleutel``; a repeat returns it). A
    ``vierogen`` task approves the task ``beoordeeltTaakId`` and may not be completed by whoever completed that."""

    procesinstantie_id: UUID
    taak_sleutel: Sleutel
    rol: TaakRol
    naam: str = Field(min_length=1, max_length=200)
    omschrijving: str = Field(default="", max_length=4000)
    reden: str = Field(min_length=1, max_length=2000, description="Waarom dit naar een mens gaat")
    due_at: AwareDatetime
    gegevens: JsonObject = Field(default_factory=dict)
    vierogen: bool = False
    beoordeelt_taak_id: UUID | None = None
    uitgesloten: list[Actor] = Field(
        default_factory=list, max_length=20, description="Medewerkers die deze taak niet mogen doen (vier ogen)"
    )

    @model_validator(mode="after")
    def _vierogen_names_its_task(self) -> Self:
        if self.vierogen != (self.beoordeelt_taak_id is not None):
            raise ValueError("een vierogentaak noemt de taak die zij beoordeelt (beoordeeltTaakId), een andere niet")
        return self


class Taak(CamelModel):
    id: UUID
    gemeente: GemeenteCode
    procesinstantie_id: UUID
    aanvraag_id: UUID
    taak_sleutel: str
    rol: TaakRol
    naam: str
    omschrijving: str
    reden: str
    due_at: datetime
    gegevens: dict[str, JsonValue]
    status: TaakStatus
    toegewezen_aan: str | None
    geclaimd_op: datetime | None
    vierogen: bool
    beoordeelt_taak_id: UUID | None
    uitgesloten: list[str]
    beoordeeld_door: str | None = Field(description="Wie deze taak (vierogen) heeft goedgekeurd of afgekeurd")
    uitkomst: str | None
    uitkomst_reden: str | None
    uitkomst_gegevens: dict[str, JsonValue] | None
    afgerond_door: str | None
    afgerond_op: datetime | None
    created_at: datetime
    version: int


class Opmerking(CamelModel):
    id: UUID
    tekst: str
    door: str
    op: datetime


class TaakDetail(Taak):
    opmerkingen: list[Opmerking]


class TaakPagina(CamelModel):
    items: list[Taak]
    next_after: str | None = None


class TaakTelling(CamelModel):
    rol: TaakRol
    open: int
    geclaimd: int
    verlopen: int = Field(description="Open of geclaimd en over de deadline")


class TaakTellingen(CamelModel):
    items: list[TaakTelling]
    nu: datetime


class TaakHerverdeling(CamelModel):
    medewerker: Actor


class TaakAfronding(CamelModel):
    uitkomst: Sleutel = Field(examples=["akkoord", "afgekeurd", "aanvullen"])
    reden: str = Field(min_length=1, max_length=4000)
    gegevens: JsonObject = Field(default_factory=dict)


class OpmerkingNieuw(CamelModel):
    tekst: str = Field(min_length=1, max_length=4000)


# -------------------------------------------------------------------------------------------------- documenten


class DocumentUpload(CamelModel):
    """A document as JSON (the alternative is the raw bytes with their Content-Type)."""

    soort: DocumentSoort = "bewijsstuk"
    bestandsnaam: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=1, max_length=100, examples=["application/pdf"])
    inhoud: str = Field(min_length=1, description="De inhoud, base64")
    bij_besluit: bool = Field(
        default=False,
        description=(
            "Alleen bij soort beschikking: koppel het document in dezelfde transactie aan het besluit van de "
            "aanvraag (zoals PATCH .../besluit; lukt dat niet, dan wordt ook het document niet opgeslagen)"
        ),
    )

    @model_validator(mode="after")
    def _besluit_alleen_bij_beschikking(self) -> Self:
        if self.bij_besluit and self.soort != "beschikking":
            raise ValueError("bijBesluit: alleen bij een beschikking")
        return self


class Document(CamelModel):
    id: UUID
    gemeente: GemeenteCode
    aanvraag_id: UUID
    soort: DocumentSoort
    bestandsnaam: str
    content_type: DocumentContentType
    grootte: int = Field(description="Bytes")
    sha256: str
    created_at: datetime
    created_by: str


class DocumentLijst(CamelModel):
    items: list[Document]


# ------------------------------------------------------------------------------ besluiten, uitkeringen, voorschotten


class BesluitNieuw(CamelModel):
    """The decision on an aanvraag (one per aanvraag; a repeat with the same content returns it, other content 409)."""

    soort: BesluitSoort
    datum: date
    ingangsdatum: date | None = None
    bedrag_per_maand_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    gronden: JsonObject = Field(description="De gronden met de berekening en de toelichting")
    beschikking_document_id: UUID | None = None
    vastgesteld_door: Actor
    goedgekeurd_door: Actor | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.soort == "toekenning" and (self.ingangsdatum is None or self.bedrag_per_maand_cents is None):
            raise ValueError("een toekenning heeft een ingangsdatum en een bedragPerMaandCents")
        if self.goedgekeurd_door is not None and self.goedgekeurd_door == self.vastgesteld_door:
            raise ValueError("vier ogen: goedgekeurdDoor is een ander dan vastgesteldDoor")
        return self


class BesluitBeschikking(CamelModel):
    """Link the beschikking (the letter, a document of soort ``beschikking`` of the same aanvraag) to the besluit,
    once: the same document again changes nothing, another document is 409."""

    beschikking_document_id: UUID


class Besluit(CamelModel):
    id: UUID
    gemeente: GemeenteCode
    aanvraag_id: UUID
    soort: BesluitSoort
    datum: date
    ingangsdatum: date | None
    bedrag_per_maand_cents: int | None
    gronden: dict[str, JsonValue]
    beschikking_document_id: UUID | None
    vastgesteld_door: str
    goedgekeurd_door: str | None
    created_at: datetime


class ProcesinstantieMetBesluit(Procesinstantie):
    """The answer to a save that carried a besluit (ADR 0038): the instance and the besluit as stored (the first
    one, for a repeat). Only then: a save without a besluit is answered as ``Procesinstantie``."""

    besluit: Besluit


class UitkeringGrondslagNieuw(CamelModel):
    """What the monthly payment run calculates the uitkering on: the household the besluit's calculation was made
    on (a domain ``BerekeningVerzoek`` without ``gemeente`` and ``peildatum``) and the client's account."""

    huishouden: JsonObject = Field(description="Het huishouden als BerekeningVerzoek, zonder gemeente en peildatum")
    iban: str = Field(pattern=r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$", description="IBAN in normaalvorm")
    naam: str = Field(min_length=1, max_length=70, description="Naam van de rekeninghouder")


class UitkeringNieuw(CamelModel):
    """The benefit that follows a toekenning (one per aanvraag). ``grondslag``: what the payment run pays it on,
    stored in the same transaction; without it the uitkering is not paid until a grondslag is recorded."""

    aanvraag_id: UUID
    startdatum: date
    bedrag_per_maand_cents: int = Field(ge=0, le=100_000_000)
    grondslag: UitkeringGrondslagNieuw | None = None
    id: UUID | None = Field(
        default=None,
        description=(
            "Het id van een nieuwe uitkering (de procesdienst leidt het af van de aanvraag, zodat een herhaalde stap "
            "hetzelfde noemt); zonder: een nieuw. Een bestaande uitkering houdt het hare"
        ),
    )


class Uitkering(CamelModel):
    id: UUID
    gemeente: GemeenteCode
    aanvraag_id: UUID
    startdatum: date
    bedrag_per_maand_cents: int
    status: Literal["actief"]
    created_at: datetime


class VoorschotNieuw(CamelModel):
    """An advance (Pw art. 52): one per aanvraag and ``volgnummer``."""

    aanvraag_id: UUID
    volgnummer: int = Field(ge=1, le=1000)
    bedrag_cents: int = Field(ge=1, le=100_000_000)
    periode: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="Maand waarvoor het voorschot is (JJJJ-MM)")
    betaaldatum: date


class Voorschot(CamelModel):
    id: UUID
    gemeente: GemeenteCode
    aanvraag_id: UUID
    volgnummer: int
    bedrag_cents: int
    periode: str
    betaaldatum: date
    created_at: datetime


class VoorschotLijst(CamelModel):
    items: list[Voorschot]


# ------------------------------------------------------------------------------------------------------- klok


class Klok(CamelModel):
    nu: datetime = Field(description="Nu volgens de klok van de dataservice")
    offset_seconden: int = Field(description="Verschuiving ten opzichte van de echte tijd (0 in productie)")


class KlokInstelling(CamelModel):
    """Move the clock (not in production)."""

    offset_seconden: int = Field(ge=-10 * 366 * 86400, le=10 * 366 * 86400)

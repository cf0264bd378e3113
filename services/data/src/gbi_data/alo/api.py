"""Internal API of the ALO store, under ``/internal/data/v1``. Thin routes: parse, call the service, return.

One transaction per request (the tenant dependency of ``gbi_data.api``), committed before the response is sent.
Creates are idempotent: the first answers 201, a repeat 200 with ``Idempotent-Replayed: true``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.orm import Session

from gbi_data.alo.documents import content_disposition, decode_base64, media_type
from gbi_data.alo.service import AloService
from gbi_data.api import (
    IDEMPOTENCY_KEY_HEADER,
    PREFIX,
    REPLAYED_HEADER,
    Context,
    DataRoute,
    ReadOnlyTenantScope,
    ReferenceSession,
    TenantScope,
)
from gbi_data.database import Database
from gbi_shared import PROBLEM_RESPONSES, ActorType, BadRequestError, require_roles
from gbi_shared.contracts.alo import (
    DOCUMENT_CONTENT_TYPES,
    Aanvraag,
    AanvraagMetProces,
    AanvraagMetProcesIngediend,
    AanvraagNieuw,
    AanvraagPagina,
    AanvraagSamenvatting,
    AanvraagStatus,
    AanvraagStatusWijziging,
    Besluit,
    BesluitBeschikking,
    BesluitNieuw,
    ClaimResultaat,
    ClaimVerzoek,
    Document,
    DocumentLijst,
    DocumentSoort,
    DocumentUpload,
    Klok,
    KlokInstelling,
    Opmerking,
    OpmerkingNieuw,
    Procesinstantie,
    ProcesinstantieMetBesluit,
    ProcesinstantieNieuw,
    ProcesinstantieOpslag,
    Stap,
    StapLijst,
    StapNieuw,
    TaakAfronding,
    TaakDetail,
    TaakHerverdeling,
    TaakNieuw,
    TaakPagina,
    TaakRol,
    TaakStatus,
    TaakTellingen,
    TijdlijnItem,
    TijdlijnItemNieuw,
    Uitkering,
    UitkeringNieuw,
    Voorschot,
    VoorschotLijst,
    VoorschotNieuw,
)

__all__ = ["router"]

SLEUTEL = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


_REPLAYED: dict[int | str, dict[str, Any]] = {200: {"description": "Bestond al (Idempotent-Replayed: true)"}}
_CONFLICT: dict[int | str, dict[str, Any]] = {409: _problem("Conflict met de huidige toestand")}
_CREATE = _REPLAYED | _CONFLICT
_UNPROCESSABLE: dict[int | str, dict[str, Any]] = {422: _problem("De toestand staat dit niet toe")}

router = APIRouter(prefix=PREFIX, responses=PROBLEM_RESPONSES, route_class=DataRoute)

#: Routes only GBI's own services call (the process layer acting as itself).
SERVICE_ONLY = [Depends(require_roles(actor_types=[ActorType.SERVICE]))]


async def _service(request: Request) -> AloService:
    # ``async`` and without I/O: FastAPI calls it on the event loop (a sync dependency costs a hop to a thread).
    service: AloService | None = getattr(request.app.state, "alo_service", None)
    if service is None:
        service = AloService(request.app.state.settings)
        request.app.state.alo_service = service
    return service


Service = Annotated[AloService, Depends(_service)]


def _clock_session(request: Request, _ctx: Context) -> Iterator[Session]:
    """A writing transaction without tenant (the clock is not tenant data)."""
    database: Database = request.app.state.database
    with database.transaction(gemeente=None) as session:
        yield session


ClockSession = Annotated[Session, Depends(_clock_session, scope="function")]

_IDEMPOTENCY_KEY = Header(alias=IDEMPOTENCY_KEY_HEADER, min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
IdempotencyKey = Annotated[str | None, _IDEMPOTENCY_KEY]
#: (required where a repeat must find what the first try created: a registration, a submission)
RequiredIdempotencyKey = Annotated[str, _IDEMPOTENCY_KEY]
AanvraagId = Annotated[uuid.UUID, Path(alias="aanvraagId")]
InstanceId = Annotated[uuid.UUID, Path(alias="procesinstantieId")]
TaakId = Annotated[uuid.UUID, Path(alias="taakId")]
PageSize = Annotated[int, Query(alias="pageSize", ge=1, le=100)]
After = Annotated[str | None, Query(min_length=1, max_length=200, description="nextAfter van de vorige pagina")]


def _created(response: Response, location: str, replayed: bool) -> None:
    response.headers["Location"] = f"{PREFIX}{location}"
    if replayed:
        response.status_code = status.HTTP_200_OK
        response.headers[REPLAYED_HEADER] = "true"


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def _if_match(value: str | None) -> int | None:
    if value is None:
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not raw.isascii() or not raw.isdigit():
        raise BadRequestError.for_field("If-Match", 'de versie als ETag, bijvoorbeeld "3"')
    return int(raw)


# --- klok -----------------------------------------------------------------------------------------------------------


@router.get("/klok", response_model=Klok, tags=["klok"])
def get_klok(session: ReferenceSession, service: Service) -> Klok:
    """Now, per the data service's clock (every timestamp and deadline of the ALO store uses it)."""
    return service.klok(session)


@router.put("/klok", response_model=Klok, dependencies=SERVICE_ONLY, tags=["klok"])
def put_klok(body: KlokInstelling, session: ClockSession, service: Service, ctx: Context) -> Klok:
    """Move the clock for every replica (tests; 403 in production)."""
    return service.zet_klok(session, ctx, body)


# --- aanvragen ------------------------------------------------------------------------------------------------------


@router.post(
    "/aanvragen", response_model=Aanvraag, status_code=status.HTTP_201_CREATED, responses=_CREATE, tags=["aanvragen"]
)
def create_aanvraag(
    body: AanvraagNieuw,
    tenant: TenantScope,
    service: Service,
    response: Response,
    idempotency_key: RequiredIdempotencyKey,
) -> Aanvraag:
    """Register an aanvraag (a burger: only for their own BSN). ``Idempotency-Key`` is required: the same key and
    body return the same aanvraag, another body 409."""
    result, replayed = service.registreer_aanvraag(tenant.session, tenant.ctx, tenant.gemeente, body, idempotency_key)
    _created(response, f"/aanvragen/{result.id}", replayed)
    _etag(response, result.version)
    return result


@router.post(
    "/aanvragen:indienen",
    response_model=AanvraagMetProcesIngediend,
    status_code=status.HTTP_201_CREATED,
    responses=_CREATE,
    tags=["aanvragen"],
)
def indienen_aanvraag(
    body: AanvraagMetProces,
    tenant: TenantScope,
    service: Service,
    response: Response,
    idempotency_key: RequiredIdempotencyKey,
) -> AanvraagMetProcesIngediend:
    """Register an aanvraag and start its process instance, in one transaction (ADR 0030); the instance leased to
    a worker at once when asked. Called by a GBI service, as itself or with the context of the caller it acts for
    (a burger: only for their own BSN). ``Idempotency-Key`` is required: the same key and aanvraag return the
    aanvraag registered first with its instance (200, never leased again), another aanvraag under it 409."""
    result, replayed = service.dien_in(tenant.session, tenant.ctx, tenant.gemeente, body, idempotency_key)
    _created(response, f"/aanvragen/{result.aanvraag.id}", replayed)
    _etag(response, result.aanvraag.version)
    return result


@router.get("/aanvragen", response_model=AanvraagPagina, tags=["aanvragen"])
def list_aanvragen(
    tenant: TenantScope,
    service: Service,
    bsn: Annotated[str | None, Query(pattern=r"^\d{9}$")] = None,
    status_: Annotated[AanvraagStatus | None, Query(alias="status")] = None,
    page_size: PageSize = 20,
    after: After = None,
) -> AanvraagPagina:
    """The gemeente's aanvragen, newest first, without BSN (a burger: only their own; audited)."""
    return service.zoek_aanvragen(
        tenant.session, tenant.ctx, tenant.gemeente, bsn=bsn, status=status_, after=after, page_size=page_size
    )


def _citizen_session(request: Request, _ctx: Context) -> Iterator[Session]:
    """A transaction bound to no gemeente, for a citizen's lookup of their own aanvragen across gemeenten (the
    service binds the citizen's pseudonym and audits in each gemeente it found rows in)."""
    database: Database = request.app.state.database
    with database.transaction(gemeente=None) as session:
        yield session


CitizenSession = Annotated[Session, Depends(_citizen_session, scope="function")]


@router.get("/burgeraanvragen", response_model=AanvraagPagina, tags=["aanvragen"])
def list_burgeraanvragen(
    session: CitizenSession,
    service: Service,
    ctx: Context,
    status_: Annotated[AanvraagStatus | None, Query(alias="status")] = None,
    page_size: PageSize = 20,
    after: After = None,
) -> AanvraagPagina:
    """The calling citizen's own aanvragen in every gemeente (also one they moved away from), newest first, without
    BSN; only for a burger context (403 otherwise). Audited in each gemeente."""
    return service.burger_aanvragen(session, ctx, status=status_, after=after, page_size=page_size)


@router.get("/burgeraanvragen/{aanvraagId}", response_model=AanvraagSamenvatting, tags=["aanvragen"])
def get_burgeraanvraag(
    session: CitizenSession, service: Service, ctx: Context, aanvraag_id: AanvraagId
) -> AanvraagSamenvatting:
    """One of the calling citizen's own aanvragen with the gemeente that holds it (404 for anyone else's)."""
    return service.burger_aanvraag(session, ctx, aanvraag_id)


@router.get("/aanvragen/{aanvraagId}", response_model=Aanvraag, tags=["aanvragen"])
def get_aanvraag(tenant: TenantScope, service: Service, response: Response, aanvraag_id: AanvraagId) -> Aanvraag:
    """One aanvraag with its tijdlijn (audited). Not visible to the caller: 404, like a missing one."""
    result = service.aanvraag(tenant.session, tenant.ctx, tenant.gemeente, aanvraag_id)
    _etag(response, result.version)
    return result


@router.patch(
    "/aanvragen/{aanvraagId}",
    response_model=Aanvraag,
    dependencies=SERVICE_ONLY,
    responses=_CONFLICT | _UNPROCESSABLE,
    tags=["aanvragen"],
)
def patch_aanvraag(
    body: AanvraagStatusWijziging,
    tenant: TenantScope,
    service: Service,
    response: Response,
    aanvraag_id: AanvraagId,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=40)] = None,
) -> Aanvraag:
    """Change the status (the process). The version in ``If-Match`` or ``version`` must be current (409)."""
    result = service.wijzig_status(tenant.session, tenant.ctx, tenant.gemeente, aanvraag_id, body, _if_match(if_match))
    _etag(response, result.version)
    return result


@router.post(
    "/aanvragen/{aanvraagId}/tijdlijn",
    response_model=TijdlijnItem,
    status_code=status.HTTP_201_CREATED,
    dependencies=SERVICE_ONLY,
    responses=_REPLAYED,
    tags=["aanvragen"],
)
def post_tijdlijn(
    body: TijdlijnItemNieuw, tenant: TenantScope, service: Service, response: Response, aanvraag_id: AanvraagId
) -> TijdlijnItem:
    """Add an entry to the citizen-visible history (with ``sleutel``: once)."""
    item, replayed = service.voeg_tijdlijn_toe(tenant.session, tenant.ctx, tenant.gemeente, aanvraag_id, body)
    _created(response, f"/aanvragen/{aanvraag_id}", replayed)
    return item


# --- documenten -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Upload:
    body: bytes
    content_type: str


async def _upload(request: Request) -> _Upload:
    # Read before the transaction opens (the dependency comes first), so no lock is held while bytes arrive.
    return _Upload(await request.body(), media_type(request.headers.get("content-type")))


_BINARY = {"schema": {"type": "string", "format": "binary"}}
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Het document als JSON (inhoud in base64) of als de bytes zelf met hun Content-Type",
        "content": {"application/json": {"schema": DocumentUpload.model_json_schema(by_alias=True)}}
        | {kind: _BINARY for kind in DOCUMENT_CONTENT_TYPES},
    }
}


@router.post(
    "/aanvragen/{aanvraagId}/documenten",
    response_model=Document,
    status_code=status.HTTP_201_CREATED,
    responses=_CREATE
    | {
        413: _problem("Het document is groter dan 10 MiB"),
        415: _problem("Geen PDF, PNG of JPEG"),
    },
    openapi_extra=_UPLOAD_BODY,
    tags=["documenten"],
)
def upload_document(
    upload: Annotated[_Upload, Depends(_upload)],
    tenant: TenantScope,
    service: Service,
    response: Response,
    aanvraag_id: AanvraagId,
    idempotency_key: IdempotencyKey = None,
    soort: Annotated[DocumentSoort, Query(description="Alleen bij ruwe bytes")] = "bewijsstuk",
    bestandsnaam: Annotated[
        str | None, Query(min_length=1, max_length=255, description="Alleen bij ruwe bytes")
    ] = None,
) -> Document:
    """Store a document of an aanvraag: PDF, PNG or JPEG, at most 10 MiB, bytes that match the declared type."""
    if upload.content_type == "application/json":
        try:
            parsed = DocumentUpload.model_validate_json(upload.body)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from exc
        content, content_type, field = decode_base64(parsed.inhoud), parsed.content_type, "inhoud"
        soort, bestandsnaam, bij_besluit = parsed.soort, parsed.bestandsnaam, parsed.bij_besluit
    else:
        content, content_type, field = upload.body, upload.content_type, "body"
        bestandsnaam = bestandsnaam or f"document.{_EXTENSIONS.get(content_type, 'bin')}"
        bij_besluit = False
    document, replayed = service.voeg_document_toe(
        tenant.session,
        tenant.ctx,
        tenant.gemeente,
        aanvraag_id,
        content=content,
        content_type=content_type,
        soort=soort,
        bestandsnaam=bestandsnaam,
        idempotency_key=idempotency_key,
        field=field,
        bij_besluit=bij_besluit,  # linked to the besluit in the same transaction (ADR 0027)
    )
    _created(response, f"/documenten/{document.id}/inhoud", replayed)
    return document


@router.get("/aanvragen/{aanvraagId}/documenten", response_model=DocumentLijst, tags=["documenten"])
def list_documenten(tenant: TenantScope, service: Service, aanvraag_id: AanvraagId) -> DocumentLijst:
    """The documents of an aanvraag: metadata, no content (audited)."""
    return service.documenten(tenant.session, tenant.ctx, tenant.gemeente, aanvraag_id)


@router.get(
    "/documenten/{documentId}/inhoud",
    response_class=Response,
    responses={200: {"description": "De inhoud", "content": {kind: _BINARY for kind in DOCUMENT_CONTENT_TYPES}}},
    tags=["documenten"],
)
def get_document_inhoud(
    tenant: TenantScope, service: Service, document_id: Annotated[uuid.UUID, Path(alias="documentId")]
) -> Response:
    """The bytes of a document with their Content-Type (audited; only for who may see the aanvraag)."""
    inhoud = service.document_inhoud(tenant.session, tenant.ctx, tenant.gemeente, document_id)
    return Response(
        content=inhoud.content,
        media_type=inhoud.content_type,
        headers={
            "Content-Disposition": content_disposition(inhoud.filename),
            "ETag": f'"{inhoud.sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


# --- besluit, uitkering, voorschotten -------------------------------------------------------------------------------


@router.post(
    "/aanvragen/{aanvraagId}/besluit",
    response_model=Besluit,
    status_code=status.HTTP_201_CREATED,
    dependencies=SERVICE_ONLY,
    responses=_CREATE,
    tags=["besluiten"],
)
def post_besluit(
    body: BesluitNieuw, tenant: TenantScope, service: Service, response: Response, aanvraag_id: AanvraagId
) -> Besluit:
    """Record the decision on an aanvraag: one per aanvraag (a repeat with the same content returns it)."""
    besluit, replayed = service.leg_besluit_vast(tenant.session, tenant.ctx, tenant.gemeente, aanvraag_id, body)
    _created(response, f"/aanvragen/{aanvraag_id}/besluit", replayed)
    return besluit


@router.patch(
    "/aanvragen/{aanvraagId}/besluit",
    response_model=Besluit,
    dependencies=SERVICE_ONLY,
    responses=_CONFLICT,
    tags=["besluiten"],
)
def patch_besluit(body: BesluitBeschikking, tenant: TenantScope, service: Service, aanvraag_id: AanvraagId) -> Besluit:
    """Link the beschikking (a document of soort beschikking of this aanvraag) to the besluit: once; the same
    document again answers the besluit unchanged, another document 409."""
    return service.koppel_beschikking(tenant.session, tenant.ctx, tenant.gemeente, aanvraag_id, body)


@router.get("/aanvragen/{aanvraagId}/besluit", response_model=Besluit, tags=["besluiten"])
def get_besluit(tenant: TenantScope, service: Service, aanvraag_id: AanvraagId) -> Besluit:
    return service.besluit(tenant.session, tenant.ctx, tenant.gemeente, aanvraag_id)


@router.get("/aanvragen/{aanvraagId}/uitkering", response_model=Uitkering, tags=["uitkeringen"])
def get_uitkering(tenant: TenantScope, service: Service, aanvraag_id: AanvraagId) -> Uitkering:
    return service.uitkering(tenant.session, tenant.ctx, tenant.gemeente, aanvraag_id)


@router.get("/aanvragen/{aanvraagId}/voorschotten", response_model=VoorschotLijst, tags=["voorschotten"])
def list_voorschotten(tenant: TenantScope, service: Service, aanvraag_id: AanvraagId) -> VoorschotLijst:
    return service.voorschotten(tenant.session, tenant.ctx, tenant.gemeente, aanvraag_id)


@router.post(
    "/uitkeringen",
    response_model=Uitkering,
    status_code=status.HTTP_201_CREATED,
    dependencies=SERVICE_ONLY,
    responses=_CREATE | _UNPROCESSABLE,
    tags=["uitkeringen"],
)
def post_uitkering(body: UitkeringNieuw, tenant: TenantScope, service: Service, response: Response) -> Uitkering:
    """Start the benefit of a granted aanvraag: one per aanvraag."""
    uitkering, replayed = service.start_uitkering(tenant.session, tenant.ctx, tenant.gemeente, body)
    _created(response, f"/aanvragen/{uitkering.aanvraag_id}/uitkering", replayed)
    return uitkering


@router.post(
    "/voorschotten",
    response_model=Voorschot,
    status_code=status.HTTP_201_CREATED,
    dependencies=SERVICE_ONLY,
    responses=_CREATE,
    tags=["voorschotten"],
)
def post_voorschot(body: VoorschotNieuw, tenant: TenantScope, service: Service, response: Response) -> Voorschot:
    """Record an advance: one per aanvraag and volgnummer, so a retry never pays twice."""
    voorschot, replayed = service.leg_voorschot_vast(tenant.session, tenant.ctx, tenant.gemeente, body)
    _created(response, f"/aanvragen/{voorschot.aanvraag_id}/voorschotten", replayed)
    return voorschot


# --- procesinstanties -----------------------------------------------------------------------------------------------


@router.post(
    "/procesinstanties",
    response_model=Procesinstantie,
    status_code=status.HTTP_201_CREATED,
    dependencies=SERVICE_ONLY,
    responses=_CREATE,
    tags=["procesinstanties"],
)
def post_procesinstantie(
    body: ProcesinstantieNieuw, tenant: TenantScope, service: Service, response: Response
) -> Procesinstantie:
    """Create the process instance of an aanvraag (one per aanvraag; a repeat returns it)."""
    instance, replayed = service.start_proces(tenant.session, tenant.ctx, tenant.gemeente, body)
    _created(response, f"/procesinstanties/{instance.id}", replayed)
    return instance


@router.post(
    "/procesinstanties:claim", response_model=ClaimResultaat, dependencies=SERVICE_ONLY, tags=["procesinstanties"]
)
def claim_procesinstanties(body: ClaimVerzoek, tenant: TenantScope, service: Service) -> ClaimResultaat:
    """Lease due instances of the gemeente to a worker: never the same instance to two workers at once."""
    return service.claim(tenant.session, tenant.ctx, tenant.gemeente, body)


@router.get(
    "/procesinstanties/{procesinstantieId}",
    response_model=Procesinstantie,
    dependencies=SERVICE_ONLY,
    tags=["procesinstanties"],
)
def get_procesinstantie(tenant: TenantScope, service: Service, instance_id: InstanceId) -> Procesinstantie:
    return service.procesinstantie(tenant.session, tenant.ctx, tenant.gemeente, instance_id)


@router.put(
    "/procesinstanties/{procesinstantieId}",
    response_model=Procesinstantie | ProcesinstantieMetBesluit,
    dependencies=SERVICE_ONLY,
    responses=_CONFLICT,
    tags=["procesinstanties"],
)
def put_procesinstantie(
    body: ProcesinstantieOpslag, tenant: TenantScope, service: Service, response: Response, instance_id: InstanceId
) -> Procesinstantie | ProcesinstantieMetBesluit:
    """Save the engine's state, with the results of the steps it ran (``stappen``) in the same transaction: with
    the current version, while holding the lease (409 otherwise, nothing changed). The same save again after it
    committed answers the stored instance with ``Idempotent-Replayed: true``. With a ``besluit``: recorded in the
    same transaction, and the answer carries it (ADR 0038)."""
    instance, replayed = service.sla_op(tenant.session, tenant.ctx, tenant.gemeente, instance_id, body)
    if replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return instance


@router.post(
    "/procesinstanties/{procesinstantieId}/stappen",
    response_model=Stap,
    status_code=status.HTTP_201_CREATED,
    dependencies=SERVICE_ONLY,
    responses=_REPLAYED,
    tags=["procesinstanties"],
)
def post_stap(
    body: StapNieuw, tenant: TenantScope, service: Service, response: Response, instance_id: InstanceId
) -> Stap:
    """Record a side effect's result: the first write wins (201), a repeat returns the stored result (200)."""
    stap, created = service.leg_stap_vast(tenant.session, tenant.gemeente, instance_id, body)
    _created(response, f"/procesinstanties/{instance_id}/stappen/{stap.stap_sleutel}", not created)
    return stap


@router.get(
    "/procesinstanties/{procesinstantieId}/stappen",
    response_model=StapLijst,
    dependencies=SERVICE_ONLY,
    tags=["procesinstanties"],
)
def list_stappen(tenant: ReadOnlyTenantScope, service: Service, instance_id: InstanceId) -> StapLijst:
    """Every recorded step of the instance, oldest first: a run reads them once when it starts."""
    return service.stappen(tenant.session, tenant.gemeente, instance_id)


@router.get(
    "/procesinstanties/{procesinstantieId}/stappen/{stapSleutel}",
    response_model=Stap,
    dependencies=SERVICE_ONLY,
    tags=["procesinstanties"],
)
def get_stap(
    tenant: ReadOnlyTenantScope,
    service: Service,
    instance_id: InstanceId,
    stap_sleutel: Annotated[str, Path(alias="stapSleutel", max_length=200, pattern=SLEUTEL)],
) -> Stap:
    """The recorded result of a step, or 404 when it was not done."""
    return service.stap(tenant.session, tenant.gemeente, instance_id, stap_sleutel)


# --- taken ----------------------------------------------------------------------------------------------------------


@router.post(
    "/taken",
    response_model=TaakDetail,
    status_code=status.HTTP_201_CREATED,
    dependencies=SERVICE_ONLY,
    responses=_CREATE,
    tags=["taken"],
)
def post_taak(body: TaakNieuw, tenant: TenantScope, service: Service, response: Response) -> TaakDetail:
    """Create a warm task (one per instance and taakSleutel; a repeat returns it)."""
    taak, replayed = service.maak_taak(tenant.session, tenant.ctx, tenant.gemeente, body)
    _created(response, f"/taken/{taak.id}", replayed)
    return TaakDetail.model_validate(taak.model_dump() | {"opmerkingen": []})


@router.get("/taken", response_model=TaakPagina, tags=["taken"])
def list_taken(
    tenant: TenantScope,
    service: Service,
    rol: TaakRol | None = None,
    status_: Annotated[TaakStatus | None, Query(alias="status")] = None,
    toegewezen_aan: Annotated[str | None, Query(alias="toegewezenAan", min_length=1, max_length=200)] = None,
    aanvraag_id: Annotated[uuid.UUID | None, Query(alias="aanvraagId")] = None,
    sort: Literal["due", "created"] = "due",
    page_size: PageSize = 20,
    after: After = None,
) -> TaakPagina:
    """The inbox of the gemeente (staff and services; audited)."""
    return service.zoek_taken(
        tenant.session,
        tenant.ctx,
        tenant.gemeente,
        rol=rol,
        status=status_,
        toegewezen_aan=toegewezen_aan,
        aanvraag_id=aanvraag_id,
        sort=sort,
        after=after,
        page_size=page_size,
    )


@router.get("/taken/tellingen", response_model=TaakTellingen, tags=["taken"])
def get_tellingen(tenant: ReadOnlyTenantScope, service: Service) -> TaakTellingen:
    """Unfinished tasks per rol: open, geclaimd and over their deadline."""
    return service.tellingen(tenant.session, tenant.ctx, tenant.gemeente)


@router.get("/taken/{taakId}", response_model=TaakDetail, tags=["taken"])
def get_taak(tenant: TenantScope, service: Service, taak_id: TaakId) -> TaakDetail:
    return service.taak(tenant.session, tenant.ctx, tenant.gemeente, taak_id)


@router.post("/taken/{taakId}:claim", response_model=TaakDetail, responses=_CONFLICT, tags=["taken"])
def claim_taak(tenant: TenantScope, service: Service, taak_id: TaakId) -> TaakDetail:
    """Claim a task (a medewerker with the task's rol). Claimed by someone else: 409."""
    return service.claim_taak(tenant.session, tenant.ctx, tenant.gemeente, taak_id)


@router.post("/taken/{taakId}:vrijgeven", response_model=TaakDetail, responses=_CONFLICT, tags=["taken"])
def vrijgeven_taak(tenant: TenantScope, service: Service, taak_id: TaakId) -> TaakDetail:
    """Hand a claimed task back to the inbox (the claimer, or a teamleider)."""
    return service.geef_vrij(tenant.session, tenant.ctx, tenant.gemeente, taak_id)


@router.post("/taken/{taakId}:herverdelen", response_model=TaakDetail, responses=_CONFLICT, tags=["taken"])
def herverdelen_taak(body: TaakHerverdeling, tenant: TenantScope, service: Service, taak_id: TaakId) -> TaakDetail:
    """Assign a task to a medewerker (teamleider; 4-eyes holds)."""
    return service.herverdeel(tenant.session, tenant.ctx, tenant.gemeente, taak_id, body)


@router.post("/taken/{taakId}:afronden", response_model=TaakDetail, responses=_CONFLICT, tags=["taken"])
def afronden_taak(body: TaakAfronding, tenant: TenantScope, service: Service, taak_id: TaakId) -> TaakDetail:
    """Complete a task (only its claimer; a 4-eyes task not by who completed the task it approves). Its process
    instance becomes runnable in the same transaction."""
    return service.rond_af(tenant.session, tenant.ctx, tenant.gemeente, taak_id, body)


@router.post(
    "/taken/{taakId}/opmerkingen", response_model=Opmerking, status_code=status.HTTP_201_CREATED, tags=["taken"]
)
def post_opmerking(body: OpmerkingNieuw, tenant: TenantScope, service: Service, taak_id: TaakId) -> Opmerking:
    return service.plaats_opmerking(tenant.session, tenant.ctx, tenant.gemeente, taak_id, body)

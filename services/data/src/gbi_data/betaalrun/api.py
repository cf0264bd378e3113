"""Internal API of the payment run in the data service, under ``/internal/data/v1``.

Run management (create, read, claim, lease, status) is for GBI services only and spans gemeenten. Work, payments
and files are tenant-bound: the caller names the gemeente (``GBI-Gemeente`` with a service token) and only that
gemeente's rows are visible (row-level security on PostgreSQL). Bulk bodies are compact JSON arrays, parsed and
checked by hand: they carry thousands of rows and field-by-field model validation would cost more than the work.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from pydantic import Field
from sqlalchemy.orm import Session

from gbi_data.api import (
    IDEMPOTENCY_KEY_HEADER,
    PREFIX,
    REPLAYED_HEADER,
    DataRoute,
    ReadOnlyTenantScope,
    TenantScope,
)
from gbi_data.betaalrun.service import BetaalrunService, parse_json
from gbi_data.database import Database
from gbi_shared import PROBLEM_RESPONSES, ActorType, ForbiddenError, RequestContext, require_roles
from gbi_shared.contracts.betaalrekening import Betaalrekening as BetaalrekeningUit
from gbi_shared.contracts.betaalrekening import BetaalrekeningWijziging
from gbi_shared.contracts.betaalrun import Betaalrun, BetaalrunNieuw, UitkeringsspecificatieLijst
from gbi_shared.contracts.common import CamelModel

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, responses=PROBLEM_RESPONSES, route_class=DataRoute, tags=["betaalruns"])
#: Headers of the werk answer: how many rows it has and the last uitkering id (the ``after`` of the next chunk), so
#: the process layer can pass the body on to the domain layer without parsing it.
AANTAL_HEADER = "GBI-Aantal"
LAATSTE_HEADER = "GBI-Laatste"
SERVICE_ONLY = [Depends(require_roles(actor_types=[ActorType.SERVICE]))]
RunId = Annotated[uuid.UUID, Path(alias="betaalrunId")]
Service = Annotated[RequestContext, Depends(require_roles(actor_types=[ActorType.SERVICE]))]


async def _svc(request: Request) -> BetaalrunService:
    svc: BetaalrunService | None = getattr(request.app.state, "betaalrun_service", None)
    if svc is None:
        svc = BetaalrunService(request.app.state.settings)
        request.app.state.betaalrun_service = svc
    return svc


Svc = Annotated[BetaalrunService, Depends(_svc)]


def _runs_session(request: Request, _ctx: Service) -> Iterator[Session]:
    """A transaction for run records (not tenant-owned); the service binds gemeenten itself where it must."""
    db: Database = request.app.state.database
    with db.transaction(gemeente=None) as session:
        yield session


RunsSession = Annotated[Session, Depends(_runs_session, scope="function")]


def _json(payload: Any, status_code: int = 200) -> Response:
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return Response(body, status_code=status_code, media_type="application/json")


class ClaimVerzoek(CamelModel):
    worker: str = Field(min_length=1, max_length=200)
    lease_s: int = Field(ge=5, le=3600)


class GemeenteStatus(CamelModel):
    status: str = Field(pattern=r"^(open|betaald|bestand)$")
    aantal: int | None = Field(default=None, ge=0)
    totaal_cents: int | None = Field(default=None, ge=0)
    message_id: str | None = Field(default=None, min_length=1, max_length=35)


class Mislukt(CamelModel):
    fout: str = Field(min_length=1, max_length=2000)


@router.post("/betaalruns", response_model=Betaalrun, status_code=status.HTTP_201_CREATED)
def maak_betaalrun(
    body: BetaalrunNieuw,
    ctx: Service,
    session: RunsSession,
    svc: Svc,
    response: Response,
    idempotency_key: Annotated[
        str, Header(alias=IDEMPOTENCY_KEY_HEADER, min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
    ],
) -> Betaalrun:
    """Record a payment run for a month over one or more gemeenten (idempotent per Idempotency-Key)."""
    run, replayed = svc.maak(session, ctx, body, idempotency_key)
    if replayed:
        response.status_code = status.HTTP_200_OK
        response.headers[REPLAYED_HEADER] = "true"
    return run


@router.get("/betaalruns/{betaalrunId}", response_model=Betaalrun)
def lees_betaalrun(run_id: RunId, session: RunsSession, svc: Svc) -> Betaalrun:
    return svc.lees(session, run_id)


@router.post(
    "/betaalruns:claim",
    response_model=Betaalrun,
    responses={204: {"description": "Geen betaalrun om aan te werken"}},
)
def claim_betaalrun(body: ClaimVerzoek, session: RunsSession, svc: Svc) -> Any:
    """Lease the oldest running run whose lease is free or expired (a crashed worker's run is resumed)."""
    run = svc.claim(session, body.worker, body.lease_s)
    if run is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return run


@router.post("/betaalruns/{betaalrunId}/lease", status_code=status.HTTP_204_NO_CONTENT)
def verleng_lease(run_id: RunId, body: ClaimVerzoek, session: RunsSession, svc: Svc) -> Response:
    svc.verleng(session, run_id, body.worker, body.lease_s)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/betaalruns/{betaalrunId}/gemeenten/{gemeente}", response_model=Betaalrun)
def zet_gemeente_status(
    run_id: RunId,
    gemeente: Annotated[str, Path(pattern=r"^[0-9]{4}$")],
    body: GemeenteStatus,
    session: RunsSession,
    svc: Svc,
) -> Betaalrun:
    return svc.zet_gemeente(
        session,
        run_id,
        gemeente,
        body.status,
        aantal=body.aantal,
        totaal_cents=body.totaal_cents,
        message_id=body.message_id,
    )


@router.post("/betaalruns/{betaalrunId}/mislukt", response_model=Betaalrun)
def markeer_mislukt(run_id: RunId, body: Mislukt, session: RunsSession, svc: Svc) -> Betaalrun:
    return svc.mislukt(session, run_id, body.fout)


# --- tenant-bound bulk routes ---------------------------------------------------------------------------------------


def _service_tenant(tenant: TenantScope) -> None:
    if tenant.ctx.actor_type is not ActorType.SERVICE:
        raise ForbiddenError("Alleen GBI-diensten werken aan een betaalrun")


@router.get(
    "/betaalruns/{betaalrunId}/werk",
    summary="The next uitkeringen without a payment for the run's month",
    description=(
        "Answer: `{maand, regels: [[uitkeringId, startdatum, huishouden, voorschotOpenCents, verlagingBp, "
        "vakantietoeslagOpgebouwdCents], ...]}` ordered by uitkeringId; pass the last id as `after` for the next "
        "chunk (also in the header `GBI-Laatste`; `GBI-Aantal` has the number of rows). `huishouden` has the shape "
        "of a domain BerekeningVerzoek without gemeente and peildatum."
    ),
)
def werk(
    run_id: RunId,
    tenant: ReadOnlyTenantScope,
    svc: Svc,
    after: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 5000,
    vakantietoeslag: Annotated[bool, Query()] = False,
) -> Response:
    if tenant.ctx.actor_type is not ActorType.SERVICE:
        raise ForbiddenError("Alleen GBI-diensten werken aan een betaalrun")
    body, aantal, laatste = svc.werk(
        tenant.session, tenant.gemeente, run_id, after=after, limit=limit, vakantietoeslag=vakantietoeslag
    )
    headers = {AANTAL_HEADER: str(aantal)}
    if laatste is not None:
        headers[LAATSTE_HEADER] = str(laatste)
    return Response(body, media_type="application/json", headers=headers)


@router.post(
    "/betaalruns/{betaalrunId}/betalingen:batch",
    summary="Store a chunk of computed payments (a payment that exists for the month is skipped)",
    description=(
        "Body: `{betalingen: [[uitkeringId, normcategorie, normCents, inkomenCents, bijstandCents, reserveringCents, "
        "verlagingCents, vakantietoeslagCents, voorschotVerrekendCents, bedragCents, regelsetVersie], ...]}`. "
        "Answer: `{aantal, ingevoegd}`."
    ),
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
)
async def schrijf_betalingen(run_id: RunId, request: Request, tenant: TenantScope, svc: Svc) -> Response:
    _service_tenant(tenant)
    body = parse_json(await request.body())
    # The database work runs in a worker thread: on the event loop, a statement waiting for a lock would stall the
    # very responses whose transactions hold that lock (observed as a standstill at 145,000 payments).
    return _json(
        await anyio.to_thread.run_sync(lambda: svc.schrijf(tenant.session, tenant.ctx, tenant.gemeente, run_id, body))
    )


@router.get(
    "/betaalruns/{betaalrunId}/betalingen",
    summary="The payments of the run in this gemeente with an amount to transfer, by id",
    description="Answer: `{maand, betaaldatum, betalingen: [[id, uitkeringId, iban, naam, bedragCents, "
    "vakantietoeslagCents, voorschotVerrekendCents], ...]}`; pass the last id as `after`.",
)
def betalingen(
    run_id: RunId,
    tenant: ReadOnlyTenantScope,
    svc: Svc,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 10_000,
) -> Response:
    if tenant.ctx.actor_type is not ActorType.SERVICE:
        raise ForbiddenError("Alleen GBI-diensten werken aan een betaalrun")
    return _json(svc.betalingen(tenant.session, tenant.gemeente, run_id, after=after, limit=limit))


@router.get("/betaalrekeningen/{gemeente}", summary="The account the gemeente pays from")
def rekening(gemeente: Annotated[str, Path(pattern=r"^[0-9]{4}$")], tenant: ReadOnlyTenantScope, svc: Svc) -> Response:
    if gemeente != tenant.gemeente:
        raise ForbiddenError("Alleen de rekening van de eigen gemeente")
    return _json(svc.rekening(tenant.session, gemeente))


@router.put(
    "/betaalrekeningen/{gemeente}",
    response_model=BetaalrekeningUit,
    summary="Register or replace the account the gemeente pays from (beheerder of the gemeente, or a GBI service)",
    description="The same account again changes nothing; 409 while a run of the gemeente has no SEPA file yet.",
    dependencies=[Depends(require_roles("beheerder", actor_types=[ActorType.SERVICE]))],
)
def zet_rekening(
    gemeente: Annotated[str, Path(pattern=r"^[0-9]{4}$")],
    body: BetaalrekeningWijziging,
    tenant: TenantScope,
    svc: Svc,
) -> BetaalrekeningUit:
    if gemeente != tenant.gemeente:
        raise ForbiddenError("Alleen de rekening van de eigen gemeente")
    return svc.zet_rekening(tenant.session, tenant.ctx, gemeente, body)


@router.post(
    "/betaalruns/{betaalrunId}/bestanden:batch",
    summary="Store the SEPA file and the journal of the run in this gemeente",
    description="Body: `{bestanden: [{soort: pain.001|journaal, messageId, aantal, totaalCents, sha256, "
    "inhoudGzip (base64)}]}`. Storing the same file again is harmless; another content for the same soort is 409.",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
)
async def bewaar_bestanden(run_id: RunId, request: Request, tenant: TenantScope, svc: Svc) -> Response:
    _service_tenant(tenant)
    body = parse_json(await request.body())
    opgeslagen = await anyio.to_thread.run_sync(
        lambda: svc.bewaar_bestanden(tenant.session, tenant.gemeente, run_id, body)
    )
    return _json(opgeslagen, status_code=201)


@router.get(
    "/betaalruns/{betaalrunId}/bestanden/{soort}",
    summary="A file of the run in this gemeente (the SEPA XML or the journal JSON)",
    responses={200: {"content": {"application/xml": {}, "application/json": {}}}},
)
def lees_bestand(
    run_id: RunId,
    soort: Annotated[str, Path(pattern=r"^(pain\.001|journaal)$")],
    tenant: ReadOnlyTenantScope,
    svc: Svc,
) -> Response:
    if tenant.ctx.actor_type is not ActorType.SERVICE and not tenant.ctx.has_role("beheerder", "auditor"):
        raise ForbiddenError("U heeft geen rol die dit mag")
    inhoud, sha = svc.bestand(tenant.session, tenant.gemeente, run_id, soort)
    media = "application/xml" if soort == "pain.001" else "application/json"
    return Response(inhoud, media_type=media, headers={"Digest": f"sha-256={sha}"})


@router.get("/uitkeringsspecificaties", response_model=UitkeringsspecificatieLijst)
def specificaties(
    tenant: TenantScope,
    svc: Svc,
    bsn: Annotated[str, Query(pattern=r"^[0-9]{9}$")],
    limit: Annotated[int, Query(ge=1, le=120)] = 24,
) -> UitkeringsspecificatieLijst:
    """The payment specifications of a citizen in this gemeente: the citizen self, or a GBI service for them."""
    ctx = tenant.ctx
    if ctx.actor_type is ActorType.BURGER:
        if ctx.bsn != bsn:
            raise ForbiddenError("Alleen uw eigen specificaties")
    elif ctx.actor_type is not ActorType.SERVICE and not ctx.has_role("klantmanager", "inkomensconsulent"):
        raise ForbiddenError("U heeft geen rol die dit mag")
    return svc.specificaties(tenant.session, ctx, tenant.gemeente, bsn, limit)

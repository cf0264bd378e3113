"""Internal API of notifications out, under ``/internal/data/v1/notificaties``. Thin routes: parse, call the
service, return. One transaction per request (the dependencies of ``gbi_data.api``), committed before the response
is sent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from sqlalchemy.orm import Session

from gbi_data.api import PREFIX, Context, DataRoute, ReadOnlyTenantScope, ReferenceSession, TenantScope
from gbi_data.database import Database
from gbi_data.notificaties.service import NotificatieService
from gbi_shared import PROBLEM_RESPONSES, ActorType, require_roles
from gbi_shared.contracts.notificaties import (
    Abonnement,
    AbonnementLijst,
    AbonnementNieuw,
    AbonnementWijziging,
    Kanaal,
    KanaalLijst,
    KanaalNaam,
    KanaalWijziging,
    Levering,
    LeveringClaim,
    LeveringClaimResultaat,
    LeveringPagina,
    LeveringStatus,
    LeveringUitslag,
)

__all__ = ["router"]

BASE = f"{PREFIX}/notificaties"


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


_CONFLICT: dict[int | str, dict[str, Any]] = {409: _problem("Conflict met de huidige toestand")}

router = APIRouter(prefix=BASE, responses=PROBLEM_RESPONSES, route_class=DataRoute)

#: Routes only GBI's own services call (the delivery worker of the integration layer).
SERVICE_ONLY = [Depends(require_roles(actor_types=[ActorType.SERVICE]))]


async def _service(request: Request) -> NotificatieService:
    service: NotificatieService | None = getattr(request.app.state, "notificatie_service", None)
    if service is None:
        service = NotificatieService(request.app.state.settings)
        request.app.state.notificatie_service = service
    return service


Service = Annotated[NotificatieService, Depends(_service)]


def _shared_session(request: Request, _ctx: Context) -> Iterator[Session]:
    """A writing transaction without tenant: kanalen are GBI-wide reference data."""
    database: Database = request.app.state.database
    with database.transaction(gemeente=None) as session:
        yield session


SharedSession = Annotated[Session, Depends(_shared_session, scope="function")]
Naam = Annotated[KanaalNaam, Path(description="Naam van het kanaal")]
AbonnementId = Annotated[uuid.UUID, Path(alias="abonnementId")]
LeveringId = Annotated[uuid.UUID, Path(alias="leveringId")]


# --- kanalen --------------------------------------------------------------------------------------------------------


@router.get("/kanalen", response_model=KanaalLijst, tags=["notificaties"])
def list_kanalen(session: ReferenceSession, service: Service) -> KanaalLijst:
    """Every kanaal GBI publishes on, with the kenmerken one may filter on."""
    return service.kanalen(session)


@router.post(
    "/kanalen", response_model=Kanaal, status_code=status.HTTP_201_CREATED, responses=_CONFLICT, tags=["notificaties"]
)
def create_kanaal(body: Kanaal, session: SharedSession, service: Service, ctx: Context, response: Response) -> Kanaal:
    """Register a kanaal (a GBI service or a beheerder); an existing name is 409."""
    kanaal = service.maak_kanaal(session, ctx, body)
    response.headers["Location"] = f"{BASE}/kanalen/{kanaal.naam}"
    return kanaal


@router.get("/kanalen/{naam}", response_model=Kanaal, tags=["notificaties"])
def get_kanaal(session: ReferenceSession, service: Service, naam: Naam) -> Kanaal:
    return service.kanaal(session, naam)


@router.put("/kanalen/{naam}", response_model=Kanaal, tags=["notificaties"])
def put_kanaal(body: KanaalWijziging, session: SharedSession, service: Service, ctx: Context, naam: Naam) -> Kanaal:
    """Change a kanaal's documentation link and filter kenmerken (a GBI service or a beheerder)."""
    return service.wijzig_kanaal(session, ctx, naam, body)


@router.delete("/kanalen/{naam}", status_code=status.HTTP_204_NO_CONTENT, responses=_CONFLICT, tags=["notificaties"])
def delete_kanaal(session: SharedSession, service: Service, ctx: Context, naam: Naam) -> Response:
    """Remove a kanaal nobody subscribes to (409 while an abonnement of any gemeente uses it)."""
    service.verwijder_kanaal(session, ctx, naam)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- abonnementen ---------------------------------------------------------------------------------------------------


@router.get("/abonnementen", response_model=AbonnementLijst, tags=["notificaties"])
def list_abonnementen(tenant: ReadOnlyTenantScope, service: Service) -> AbonnementLijst:
    """The gemeente's abonnementen (an integrator: its own). The Authorization header only as ``authHint``."""
    return service.abonnementen(tenant.session, tenant.ctx, tenant.gemeente)


@router.post("/abonnementen", response_model=Abonnement, status_code=status.HTTP_201_CREATED, tags=["notificaties"])
def create_abonnement(body: AbonnementNieuw, tenant: TenantScope, service: Service, response: Response) -> Abonnement:
    """Subscribe a callback URL to kanalen of the gemeente (a beheerder, an integrator for itself, a GBI service).
    Every kanaal must exist and every filter must be one of its kenmerken (400 naming the field)."""
    abonnement = service.maak_abonnement(tenant.session, tenant.ctx, tenant.gemeente, body)
    response.headers["Location"] = f"{BASE}/abonnementen/{abonnement.id}"
    return abonnement


@router.get("/abonnementen/{abonnementId}", response_model=Abonnement, tags=["notificaties"])
def get_abonnement(tenant: ReadOnlyTenantScope, service: Service, abonnement_id: AbonnementId) -> Abonnement:
    return service.abonnement(tenant.session, tenant.ctx, tenant.gemeente, abonnement_id)


@router.put("/abonnementen/{abonnementId}", response_model=Abonnement, tags=["notificaties"])
def put_abonnement(
    body: AbonnementWijziging, tenant: TenantScope, service: Service, abonnement_id: AbonnementId
) -> Abonnement:
    """Replace the callback URL and kanalen; without ``auth`` the stored Authorization header is kept."""
    return service.wijzig_abonnement(tenant.session, tenant.ctx, tenant.gemeente, abonnement_id, body)


@router.delete("/abonnementen/{abonnementId}", status_code=status.HTTP_204_NO_CONTENT, tags=["notificaties"])
def delete_abonnement(tenant: TenantScope, service: Service, abonnement_id: AbonnementId) -> Response:
    """End an abonnement; its leveringen that were not delivered yet are dropped."""
    service.verwijder_abonnement(tenant.session, tenant.ctx, tenant.gemeente, abonnement_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- leveringen -----------------------------------------------------------------------------------------------------


@router.get("/leveringen", response_model=LeveringPagina, tags=["notificaties"])
def list_leveringen(
    tenant: ReadOnlyTenantScope,
    service: Service,
    status_: Annotated[LeveringStatus | None, Query(alias="status")] = None,
    abonnement_id: Annotated[uuid.UUID | None, Query(alias="abonnementId")] = None,
    notificatie_id: Annotated[uuid.UUID | None, Query(alias="notificatieId")] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
    after: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> LeveringPagina:
    """The gemeente's leveringen, newest first (``status=failed``: what was given up and needs a look)."""
    return service.leveringen(
        tenant.session,
        tenant.ctx,
        tenant.gemeente,
        status=status_,
        abonnement_id=abonnement_id,
        notificatie_id=notificatie_id,
        after=after,
        page_size=page_size,
    )


@router.post(
    "/leveringen:claim", response_model=LeveringClaimResultaat, dependencies=SERVICE_ONLY, tags=["notificaties"]
)
def claim_leveringen(body: LeveringClaim, tenant: TenantScope, service: Service) -> LeveringClaimResultaat:
    """Lease due leveringen of the gemeente to a delivery worker: never one levering to two workers at once. The
    answer carries the Authorization header to send (GBI services only)."""
    return service.claim(tenant.session, tenant.gemeente, body)


@router.post(
    "/leveringen/{leveringId}/resultaat",
    response_model=Levering,
    dependencies=SERVICE_ONLY,
    responses=_CONFLICT,
    tags=["notificaties"],
)
def post_resultaat(body: LeveringUitslag, tenant: TenantScope, service: Service, levering_id: LeveringId) -> Levering:
    """Record the subscriber's answer: delivered (once), or failed: the next attempt after an exponential backoff
    with jitter, or given up (status failed) after ``maxAttempts`` or ``maxAgeS``."""
    return service.resultaat(tenant.session, tenant.gemeente, levering_id, body)


@router.post("/leveringen/{leveringId}:opnieuw", response_model=Levering, responses=_CONFLICT, tags=["notificaties"])
def post_opnieuw(tenant: TenantScope, service: Service, levering_id: LeveringId) -> Levering:
    """Try a levering again now (a given-up one starts over); 409 when it was delivered."""
    return service.opnieuw(tenant.session, tenant.ctx, tenant.gemeente, levering_id)

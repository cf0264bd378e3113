"""Internal integration API of notifications out: ``/internal/integration/v1/notificaties/...`` (GBI services,
via the gateway). Abonnementen, kanalen and leveringen are kept by the data service; these routes pass the caller's
context on to it (a beheerder or an integrator, forwarded by the interaction layer, or a GBI service), so the data
service decides who may see and change what. ``GET .../bezorger`` shows this replica's delivery worker.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import BaseModel

from gbi_integration.notificaties.bezorger import Bezorger
from gbi_shared import PROBLEM_RESPONSES, GatewayClient, current_context
from gbi_shared.contracts.common import CamelModel
from gbi_shared.contracts.notificaties import (
    Abonnement,
    AbonnementLijst,
    AbonnementNieuw,
    AbonnementWijziging,
    KanaalLijst,
    Levering,
    LeveringPagina,
    LeveringStatus,
)

__all__ = ["DATA", "BezorgerWeergave", "met_auth", "router"]

DATA = "/internal/data/v1/notificaties"

# Every route needs a verified caller; the data service decides what that caller may see and change.
router = APIRouter(
    prefix="/internal/integration/v1/notificaties",
    tags=["notificaties"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(current_context)],
)

AbonnementId = Annotated[uuid.UUID, Path(alias="abonnementId")]
LeveringId = Annotated[uuid.UUID, Path(alias="leveringId")]


def wek_bezorger(request: Request, gemeente: str) -> None:
    """An abonnement was taken: this replica's delivery worker asks its gemeente at the normal pace again."""
    worker: Bezorger | None = getattr(request.app.state, "bezorger", None)
    if worker is not None:
        worker.wake(gemeente)


async def _gateway(request: Request) -> GatewayClient:
    gateway: GatewayClient = request.app.state.gateway
    return gateway


Gateway = Annotated[GatewayClient, Depends(_gateway)]


def met_auth(body: BaseModel, auth: Any) -> dict[str, Any]:
    """The body for the data service, the Authorization header in plain text (pydantic masks a SecretStr)."""
    out = body.model_dump(mode="json", by_alias=True, exclude_none=True)
    if auth is not None:
        out["auth"] = auth.get_secret_value()
    return out


class BezorgerWeergave(CamelModel):
    """This replica's delivery worker: on or off, and what it did since it started."""

    actief: bool
    worker: str | None = None
    afgeleverd: int = 0
    mislukt: int = 0
    laatste_ronde: datetime | None = None
    laatste_fout: str | None = None


@router.get("/kanalen", response_model=KanaalLijst, summary="De kanalen waarop GBI notificaties publiceert")
async def kanalen(gateway: Gateway) -> KanaalLijst:
    return await gateway.get_model(f"{DATA}/kanalen", KanaalLijst)


@router.get("/abonnementen", response_model=AbonnementLijst, summary="De abonnementen van de gemeente")
async def abonnementen(gateway: Gateway) -> AbonnementLijst:
    return await gateway.get_model(f"{DATA}/abonnementen", AbonnementLijst)


@router.post(
    "/abonnementen",
    response_model=Abonnement,
    status_code=status.HTTP_201_CREATED,
    summary="Neem een abonnement op kanalen van de gemeente",
)
async def neem_abonnement(body: AbonnementNieuw, gateway: Gateway, response: Response, request: Request) -> Abonnement:
    abonnement = await gateway.post_model(f"{DATA}/abonnementen", met_auth(body, body.auth), Abonnement)
    wek_bezorger(request, abonnement.gemeente)
    response.headers["Location"] = f"{router.prefix}/abonnementen/{abonnement.id}"
    return abonnement


@router.get("/abonnementen/{abonnementId}", response_model=Abonnement, summary="Een abonnement")
async def abonnement(abonnement_id: AbonnementId, gateway: Gateway) -> Abonnement:
    return await gateway.get_model(f"{DATA}/abonnementen/{abonnement_id}", Abonnement)


@router.put("/abonnementen/{abonnementId}", response_model=Abonnement, summary="Wijzig een abonnement")
async def wijzig_abonnement(abonnement_id: AbonnementId, body: AbonnementWijziging, gateway: Gateway) -> Abonnement:
    response = await gateway.request("PUT", f"{DATA}/abonnementen/{abonnement_id}", json_body=met_auth(body, body.auth))
    return Abonnement.model_validate_json(response.body)


@router.delete(
    "/abonnementen/{abonnementId}", status_code=status.HTTP_204_NO_CONTENT, summary="Beëindig een abonnement"
)
async def beeindig_abonnement(abonnement_id: AbonnementId, gateway: Gateway) -> Response:
    await gateway.request("DELETE", f"{DATA}/abonnementen/{abonnement_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/leveringen", response_model=LeveringPagina, summary="Leveringen van notificaties, nieuwste eerst")
async def leveringen(
    gateway: Gateway,
    status_: Annotated[LeveringStatus | None, Query(alias="status")] = None,
    abonnement_id: Annotated[uuid.UUID | None, Query(alias="abonnementId")] = None,
    notificatie_id: Annotated[uuid.UUID | None, Query(alias="notificatieId")] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
    after: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> LeveringPagina:
    params = {"pageSize": str(page_size)}
    for key, value in (
        ("status", status_),
        ("abonnementId", abonnement_id),
        ("notificatieId", notificatie_id),
        ("after", after),
    ):
        if value is not None:
            params[key] = str(value)
    return await gateway.get_model(f"{DATA}/leveringen", LeveringPagina, params=params)


@router.post("/leveringen/{leveringId}:opnieuw", response_model=Levering, summary="Probeer een levering opnieuw")
async def opnieuw(levering_id: LeveringId, gateway: Gateway) -> Levering:
    response = await gateway.request("POST", f"{DATA}/leveringen/{levering_id}:opnieuw")
    return Levering.model_validate_json(response.body)


@router.get("/bezorger", response_model=BezorgerWeergave, summary="De bezorger van deze replica")
async def bezorger(request: Request) -> BezorgerWeergave:
    worker: Bezorger | None = getattr(request.app.state, "bezorger", None)
    if worker is None:
        return BezorgerWeergave(actief=False)
    s = worker.status
    return BezorgerWeergave(
        actief=s.running,
        worker=s.worker,
        afgeleverd=s.delivered,
        mislukt=s.failed,
        laatste_ronde=s.last_tick_at,
        laatste_fout=s.last_error,
    )

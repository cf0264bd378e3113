"""Public API of notifications out: ``/api/v1/abonnementen`` (through the gateway, with the caller's own token).

A gemeente's systems subscribe to GBI's notifications the way they subscribe at a ZGW Notificaties component
(NRC): an abonnement is a callback URL, the ``Authorization`` header GBI sends with every notification, and the
kanalen with their filters. Who may: a beheerder (medewerker) of the gemeente manages all of the gemeente's
abonnementen, an integrator (systeem) its own; anyone else is refused here (403) before anything is asked. The
tenant is the caller's gemeente (from the verified context): another gemeente's abonnement answers 404 exactly like
one that does not exist. The data service keeps the abonnementen (ADR 0009) and decides again on every call; the
``Authorization`` header is a secret that is never returned, only its ``authHint``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status

from gbi_integration.notificaties.api import DATA, met_auth, wek_bezorger
from gbi_shared import PROBLEM_RESPONSES, GatewayClient, RequestContext, current_context
from gbi_shared.context import ActorType
from gbi_shared.contracts.notificaties import Abonnement, AbonnementLijst, AbonnementNieuw, AbonnementWijziging
from gbi_shared.errors import ForbiddenError

__all__ = ["PREFIX", "router"]

PREFIX = "/api/v1/abonnementen"
_LOCATION: dict[str, Any] = {"Location": {"description": "Het pad van het abonnement", "schema": {"type": "string"}}}


def beheerder_of_integrator(ctx: Annotated[RequestContext, Depends(current_context)]) -> RequestContext:
    """A beheerder or an integrator of a gemeente; everyone else 403."""
    beheerder = ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role("beheerder")
    integrator = ctx.actor_type is ActorType.SYSTEEM and ctx.has_role("integrator")
    if ctx.gemeente is None or not (beheerder or integrator):
        raise ForbiddenError("Abonnementen beheert een beheerder of een integrator (systeem) van een gemeente")
    return ctx


router = APIRouter(
    prefix=PREFIX,
    tags=["Abonnementen"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(beheerder_of_integrator)],
)

AbonnementId = Annotated[uuid.UUID, Path(alias="abonnementId", description="Het id van het abonnement")]


async def _gateway(request: Request) -> GatewayClient:
    gateway: GatewayClient = request.app.state.gateway
    return gateway


Gateway = Annotated[GatewayClient, Depends(_gateway)]


@router.get(
    "",
    summary="De abonnementen op notificaties van GBI",
    description=(
        "Een beheerder ziet alle abonnementen van de eigen gemeente, een integrator de eigen. De "
        "Authorization-header van een abonnement komt nooit terug, alleen `authHint`."
    ),
    operation_id="zoekAbonnementen",
)
async def abonnementen(gateway: Gateway) -> AbonnementLijst:
    return await gateway.get_model(f"{DATA}/abonnementen", AbonnementLijst)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Neem een abonnement op notificaties van GBI",
    description=(
        "GBI stuurt elke notificatie op de gekozen kanalen (met hun filters) met een POST naar `callbackUrl`, met "
        "de opgegeven `auth` als Authorization-header, en probeert het opnieuw tot de ontvanger 2xx antwoordt. "
        "Elke notificatie draagt een `id`: een herhaalde aflevering heeft dezelfde."
    ),
    operation_id="neemAbonnement",
    responses={201: {"description": "Het abonnement", "headers": _LOCATION}},
)
async def neem_abonnement(body: AbonnementNieuw, gateway: Gateway, response: Response, request: Request) -> Abonnement:
    abonnement = await gateway.post_model(f"{DATA}/abonnementen", met_auth(body, body.auth), Abonnement)
    wek_bezorger(request, abonnement.gemeente)
    response.headers["Location"] = f"{PREFIX}/{abonnement.id}"
    return abonnement


@router.get(
    "/{abonnementId}",
    summary="Een abonnement",
    description="Een abonnement van de eigen gemeente (een integrator: een eigen); een ander geeft 404.",
    operation_id="raadpleegAbonnement",
)
async def abonnement(abonnement_id: AbonnementId, gateway: Gateway) -> Abonnement:
    return await gateway.get_model(f"{DATA}/abonnementen/{abonnement_id}", Abonnement)


@router.put(
    "/{abonnementId}",
    summary="Wijzig een abonnement",
    description="Vervangt callbackUrl en kanalen; zonder `auth` blijft de opgeslagen Authorization-header.",
    operation_id="wijzigAbonnement",
)
async def wijzig_abonnement(abonnement_id: AbonnementId, body: AbonnementWijziging, gateway: Gateway) -> Abonnement:
    answer = await gateway.request("PUT", f"{DATA}/abonnementen/{abonnement_id}", json_body=met_auth(body, body.auth))
    return Abonnement.model_validate_json(answer.body)


@router.delete(
    "/{abonnementId}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Beëindig een abonnement",
    description="Notificaties die nog niet waren afgeleverd, worden niet meer afgeleverd.",
    operation_id="beeindigAbonnement",
)
async def beeindig_abonnement(abonnement_id: AbonnementId, gateway: Gateway) -> Response:
    await gateway.request("DELETE", f"{DATA}/abonnementen/{abonnement_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)

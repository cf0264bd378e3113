"""Public route of digital enforcement (handhaving): the Inlichtingenbureau signals that concern a client of the
gemeente (``GET /api/v1/signalen``), for handhavers and teamleiders of that gemeente. Thin: check who asks, ask the
data layer (which matched the signals when the integration layer delivered them, and logs this read), return."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from gbi_interaction.http import pagina_links
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.clients import GatewayClient
from gbi_shared.context import ActorType
from gbi_shared.contracts.signalen import (
    HandhavingsignaalOverzicht,
    HandhavingsignaalPagina,
    HandhavingsignaalStatus,
    IbSignaalSoort,
)
from gbi_shared.errors import ForbiddenError

__all__ = ["SIGNAAL_ROLLEN", "router"]

SIGNAAL_ROLLEN = ("handhaver", "teamleider")
router = APIRouter(prefix="/api/v1/signalen", tags=["Signalen"], responses=PROBLEM_RESPONSES)

Ctx = Annotated[RequestContext, Depends(current_context)]


def _gateway(request: Request) -> GatewayClient:
    gateway: GatewayClient = request.app.state.gateway
    return gateway


Gateway = Annotated[GatewayClient, Depends(_gateway)]


@router.get(
    "",
    summary="Signalen van het Inlichtingenbureau over cliënten",
    description=(
        "De signalen van het Inlichtingenbureau (inkomen, voertuig, bankrekening of verblijf in het buitenland, "
        "detentie) die over een lopende uitkering van de eigen gemeente gaan, met de uitkering en de periode die "
        "signaal en uitkering gemeen hebben. Nieuwste eerst; volgende pagina: `links.next`. Alleen voor "
        "handhavers en teamleiders; elke raadpleging wordt gelogd."
    ),
    operation_id="zoekSignalen",
)
async def zoek_signalen(
    ctx: Ctx,
    gateway: Gateway,
    request: Request,
    status_: Annotated[
        HandhavingsignaalStatus | None, Query(alias="status", description="nieuw, in-onderzoek of afgehandeld")
    ] = None,
    soort: Annotated[IbSignaalSoort | None, Query(description="Alleen signalen van deze soort")] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100, description="Aantal per pagina")] = 20,
    after: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Uit links.next van de vorige pagina")
    ] = None,
) -> HandhavingsignaalOverzicht:
    if ctx.actor_type is not ActorType.MEDEWERKER or not ctx.has_role(*SIGNAAL_ROLLEN):
        raise ForbiddenError(f"Signalen zijn alleen voor medewerkers met een van de rollen {', '.join(SIGNAAL_ROLLEN)}")
    params = {"pageSize": str(page_size)}
    if status_ is not None:
        params["status"] = status_
    if soort is not None:
        params["soort"] = soort
    if after is not None:
        params["after"] = after
    pagina = await gateway.get_model("/internal/data/v1/signalen", HandhavingsignaalPagina, params=params)
    return HandhavingsignaalOverzicht(items=pagina.items, links=pagina_links(request, pagina.next_after))

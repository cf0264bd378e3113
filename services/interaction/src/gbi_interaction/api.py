"""Public channel API of the interaction layer (``/api/v1/...``, NL API Design Rules)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Request, Response

from gbi_interaction.service import InteractionService
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.contracts.proefberekening import Proefberekening, ProefberekeningVerzoek

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


def _service(request: Request) -> InteractionService:
    svc: InteractionService = request.app.state.service
    return svc


@router.post(
    "/proefberekeningen",
    summary="Maak een proefberekening van de bijstand",
    description=(
        "Een snelle indicatie van de bijstandsnorm voor een huishouden zoals de BRP het kent, op een peildatum. "
        "Een burger rekent alleen voor zichzelf; een klantmanager of inkomensconsulent voor inwoners van de "
        "eigen gemeente. Met dezelfde `Idempotency-Key` komt hetzelfde antwoord terug."
    ),
    status_code=201,
    tags=["Proefberekeningen"],
    operation_id="maakProefberekening",
    responses={201: {"description": "De proefberekening"}},
)
async def maak_proefberekening(
    body: ProefberekeningVerzoek,
    response: Response,
    ctx: Annotated[RequestContext, Depends(current_context)],
    service: Annotated[InteractionService, Depends(_service)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
) -> Proefberekening:
    result = await service.proefberekening(body, ctx, idempotency_key)
    response.headers["Location"] = f"/api/v1/proefberekeningen/{result.id}"
    return result


@router.get(
    "/proefberekeningen/{proefberekeningId}",
    summary="Haal een proefberekening op",
    description=(
        "Een eerder gemaakte proefberekening (de `Location` van het aanmaken). Een burger ziet alleen de eigen "
        "proefberekeningen, gemaakt in de gemeente waar hij nu woont; een klantmanager of inkomensconsulent die "
        "van de eigen gemeente. Een proefberekening van een andere gemeente of een andere burger geeft 404, net als "
        "een die niet bestaat."
    ),
    tags=["Proefberekeningen"],
    operation_id="haalProefberekening",
    responses={200: {"description": "De proefberekening"}},
)
async def haal_proefberekening(
    proefberekening_id: Annotated[UUID, Path(alias="proefberekeningId", description="Het id uit de Location")],
    ctx: Annotated[RequestContext, Depends(current_context)],
    service: Annotated[InteractionService, Depends(_service)],
) -> Proefberekening:
    return await service.haal_proefberekening(proefberekening_id, ctx)

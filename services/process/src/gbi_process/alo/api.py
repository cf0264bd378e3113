"""Internal routes of the ALO transaction (``/internal/process/v1/aanvragen...``), for the interaction layer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, status

from gbi_process.alo.service import AloProces
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.contracts.alo_proces import (
    AloAanvraagIndiening,
    AloAanvraagOntvangen,
    AloVoortgang,
    DocumentenOntvangen,
    DocumentenOntvangenAntwoord,
)
from gbi_shared.contracts.common import GemeenteCode

__all__ = ["router"]

router = APIRouter(prefix="/internal/process/v1", tags=["aanvragen"], responses=PROBLEM_RESPONSES)

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_409: dict[int | str, dict[str, Any]] = {409: {"description": "Conflict met de huidige toestand", "content": _PROBLEM}}
_422: dict[int | str, dict[str, Any]] = {
    422: {"description": "De woongemeente voert de bijstand niet via GBI uit", "content": _PROBLEM}
}


async def _proces(request: Request) -> AloProces:
    proces: AloProces = request.app.state.alo
    return proces


Ctx = Annotated[RequestContext, Depends(current_context)]
Proces = Annotated[AloProces, Depends(_proces)]
AanvraagId = Annotated[uuid.UUID, Path(alias="aanvraagId")]


@router.post(
    "/aanvragen",
    summary="Dien een aanvraag levensonderhoud in en start haar proces",
    description=(
        "Registreert de aanvraag in de dataservice (idempotent per Idempotency-Key) en start de procesinstantie; "
        "antwoordt meteen (202). De workers van de proceslaag behandelen de aanvraag daarna; volg haar via de status "
        "en de tijdlijn van de aanvraag."
    ),
    status_code=status.HTTP_202_ACCEPTED,
    responses=_409 | _422,
)
async def dien_aanvraag_in(
    body: AloAanvraagIndiening,
    ctx: Ctx,
    proces: Proces,
    idempotency_key: Annotated[
        str, Header(alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
    ],
) -> AloAanvraagOntvangen:
    return await proces.dien_in(body, ctx, idempotency_key)


@router.post(
    "/aanvragen/{aanvraagId}/documenten-ontvangen",
    summary="Meld dat de aanvrager de gevraagde stukken heeft aangeleverd",
    description="Het proces gaat verder zodra een worker langskomt. 409 als er geen stukken worden verwacht.",
    status_code=status.HTTP_202_ACCEPTED,
    responses=_409,
)
async def documenten_ontvangen(
    aanvraag_id: AanvraagId, body: DocumentenOntvangen, ctx: Ctx, proces: Proces
) -> DocumentenOntvangenAntwoord:
    return await proces.documenten_ontvangen(aanvraag_id, body, ctx)


@router.get(
    "/aanvragen/{aanvraagId}/voortgang",
    summary="Waar het proces van een aanvraag staat (stappen, taken, timers, berichten)",
    description="Volgens de laatst opgeslagen toestand; de elementen zijn de ids in het BPMN-model.",
)
async def voortgang(
    aanvraag_id: AanvraagId,
    ctx: Ctx,
    proces: Proces,
    gemeente: Annotated[GemeenteCode | None, Query(description="Verplicht als de context geen gemeente heeft")] = None,
) -> AloVoortgang:
    return await proces.voortgang(aanvraag_id, gemeente, ctx)

"""Public routes of the caseworker's case view (``/api/v1/zaken/{aanvraagId}``) and of documents
(``/api/v1/documenten/{documentId}``). Thin: parse, call the use cases, return."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, Response

from gbi_interaction.aanvraag_service import AanvraagService
from gbi_interaction.http import bestand_antwoord, bestand_responses
from gbi_interaction.werkplek_service import WerkplekService
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.contracts.kanaal import Zaakdossier

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

Ctx = Annotated[RequestContext, Depends(current_context)]


def _werkplek(request: Request) -> WerkplekService:
    service: WerkplekService = request.app.state.werkplek
    return service


def _aanvragen(request: Request) -> AanvraagService:
    service: AanvraagService = request.app.state.aanvragen
    return service


@router.get(
    "/zaken/{aanvraagId}",
    tags=["Zaken"],
    summary="Het dossier van een aanvraag, voor de medewerker",
    description=(
        "Alles over een aanvraag van de eigen gemeente op een plek: de aanvrager en het huishouden zoals opgegeven, "
        "de brongegevens met hun herkomst (bron, opgevraagdOp), de berekening met toelichting, de documenten, de "
        "tijdlijn, de taken, het besluit met uitkering en voorschotten, en de voortgang van de behandeling. Voor "
        "klantmanager, inkomensconsulent, handhaver en teamleider; elke raadpleging wordt gelogd. Een aanvraag van "
        "een andere gemeente geeft 404, net als een die niet bestaat."
    ),
    operation_id="raadpleegZaak",
)
async def raadpleeg_zaak(
    ctx: Ctx,
    service: Annotated[WerkplekService, Depends(_werkplek)],
    aanvraag_id: Annotated[UUID, Path(alias="aanvraagId", description="Het id van de aanvraag")],
) -> Zaakdossier:
    return await service.zaak(ctx, aanvraag_id)


@router.get(
    "/documenten/{documentId}",
    tags=["Documenten"],
    summary="Download een document",
    description=(
        "De inhoud van een document met haar eigen type (PDF, PNG of JPEG). Voor medewerkers van de gemeente en "
        "voor de aanvrager zelf; elke raadpleging wordt gelogd. Een document dat u niet mag zien, geeft 404."
    ),
    operation_id="raadpleegDocument",
    response_class=Response,
    responses=bestand_responses("De inhoud van het document"),
)
async def raadpleeg_document(
    ctx: Ctx,
    service: Annotated[AanvraagService, Depends(_aanvragen)],
    document_id: Annotated[UUID, Path(alias="documentId", description="Het id van het document")],
) -> Response:
    return bestand_antwoord(await service.document_inhoud(ctx, document_id))

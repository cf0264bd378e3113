"""Internal routes that draw process models as SVG (:mod:`gbi_process.diagram`), for the workbench.

    GET /internal/process/v1/definities/{definitie}/diagram          the current model (not personal data)
    GET /internal/process/v1/aanvragen/{aanvraagId}/procesdiagram    the model the case's instance runs on, with
                                                                     the steps it is at marked "NU"

The case diagram is drawn from the exact model version the instance started with (the registry keeps archived
versions), so a changed model never shows a running case on a diagram it does not follow. Who may see it is what
the voortgang allows (the data service decides whether the caller sees the aanvraag).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from gbi_process.alo.service import AloProces
from gbi_process.diagram import DiagramError, render_svg
from gbi_process.engine import DefinitionNotFoundError, DefinitionRef, DefinitionRegistry
from gbi_shared import PROBLEM_RESPONSES, NotFoundError, RequestContext, current_context
from gbi_shared.contracts.alo_proces import AloVoortgang
from gbi_shared.contracts.common import GemeenteCode

__all__ = ["SVG", "actieve_elementen", "router"]

SVG = "image/svg+xml"
router = APIRouter(prefix="/internal/process/v1", tags=["diagrammen"], responses=PROBLEM_RESPONSES)
_SVG_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "Het diagram als SVG", "content": {SVG: {"schema": {"type": "string"}}}}
}


async def _registry(request: Request) -> DefinitionRegistry:
    registry: DefinitionRegistry = request.app.state.registry
    return registry


async def _proces(request: Request) -> AloProces:
    proces: AloProces = request.app.state.alo
    return proces


def _svg(body: str) -> Response:
    return Response(
        content=body,
        media_type=SVG,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


def actieve_elementen(voortgang: AloVoortgang) -> list[str]:
    """The BPMN elements an instance is at: ready service and user tasks, waiting timers and messages."""
    seen: dict[str, None] = {}
    for lijst in (voortgang.servicetaken, voortgang.taken, voortgang.timers, voortgang.berichten):
        for item in lijst:
            seen.setdefault(item.element, None)
    return list(seen)


@router.get(
    "/definities/{definitie}/diagram",
    summary="Het procesmodel als SVG",
    response_class=Response,
    responses=_SVG_RESPONSE,
)
async def definitie_diagram(
    _ctx: Annotated[RequestContext, Depends(current_context)],
    registry: Annotated[DefinitionRegistry, Depends(_registry)],
    definitie: Annotated[str, Path(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,99}$")],
) -> Response:
    try:
        model = registry.current(definitie)
    except DefinitionNotFoundError:
        raise NotFoundError(f"Geen procesmodel {definitie}") from None
    return _svg(render_svg(model.xml))


@router.get(
    "/aanvragen/{aanvraagId}/procesdiagram",
    summary="Het procesmodel van een aanvraag als SVG, met de huidige stap gemarkeerd",
    response_class=Response,
    responses=_SVG_RESPONSE,
)
async def aanvraag_diagram(
    ctx: Annotated[RequestContext, Depends(current_context)],
    registry: Annotated[DefinitionRegistry, Depends(_registry)],
    proces: Annotated[AloProces, Depends(_proces)],
    aanvraag_id: Annotated[uuid.UUID, Path(alias="aanvraagId")],
    gemeente: Annotated[GemeenteCode | None, Query(description="Verplicht als de context geen gemeente heeft")] = None,
) -> Response:
    voortgang = await proces.voortgang(aanvraag_id, gemeente, ctx)
    try:
        model = registry.get(DefinitionRef(voortgang.definitie, voortgang.definitie_versie))
        svg = render_svg(model.xml, actief=[] if voortgang.afgerond else actieve_elementen(voortgang))
    except (DefinitionNotFoundError, DiagramError):
        raise NotFoundError("Van het procesmodel van deze aanvraag is geen diagram beschikbaar") from None
    return _svg(svg)

"""Internal route that gives the workbench the grounds of a case as the process recorded them:

    GET /internal/process/v1/aanvragen/{aanvraagId}/onderbouwing?gemeente=

``bronnen`` is what the BRP and the other sources answered (each part with its ``bron`` and ``opgevraagdOp``:
where and when it was fetched), ``berekening`` the calculation with its explanation line by line (rule, article,
amount, parameter version). Both are the facts the process recorded once per instance (steps ``feit.bronnen`` and
``feit.berekening`` in the data service), so the workbench shows exactly what the decision was based on, not a
fresh query. ``null`` while the step has not run yet.

Who may see it is what the voortgang allows: the data service decides whether the caller sees the aanvraag (and
logs that reading, ``aanvraag.raadplegen``, against the caller). The facts themselves are read by the process as
itself (the step records are service-only).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field, JsonValue

from gbi_process.alo.service import AloProces
from gbi_process.alo.store import AloStore
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.clients import GatewayClient
from gbi_shared.contracts.common import CamelModel, GemeenteCode

__all__ = ["Onderbouwing", "router"]

router = APIRouter(prefix="/internal/process/v1", tags=["aanvragen"], responses=PROBLEM_RESPONSES)


class Onderbouwing(CamelModel):
    aanvraag_id: uuid.UUID
    gemeente: GemeenteCode
    bronnen: dict[str, JsonValue] | None = Field(
        description="Wat de bronnen antwoordden (huishouden, aanvrager, partner), elk deel met bron en opgevraagdOp"
    )
    berekening: dict[str, JsonValue] | None = Field(
        description="De berekening (BerekeningAntwoord) met de toelichting per regel"
    )


async def _proces(request: Request) -> AloProces:
    proces: AloProces = request.app.state.alo
    return proces


async def _gateway(request: Request) -> GatewayClient:
    gateway: GatewayClient = request.app.state.gateway
    return gateway


def _object(value: Any) -> dict[str, JsonValue] | None:
    return value if isinstance(value, dict) else None


@router.get(
    "/aanvragen/{aanvraagId}/onderbouwing",
    summary="De brongegevens (met herkomst) en de berekening (met toelichting) waarop de aanvraag rust",
)
async def onderbouwing(
    ctx: Annotated[RequestContext, Depends(current_context)],
    proces: Annotated[AloProces, Depends(_proces)],
    gateway: Annotated[GatewayClient, Depends(_gateway)],
    aanvraag_id: Annotated[uuid.UUID, Path(alias="aanvraagId")],
    gemeente: Annotated[GemeenteCode | None, Query(description="Verplicht als de context geen gemeente heeft")] = None,
) -> Onderbouwing:
    voortgang = await proces.voortgang(aanvraag_id, gemeente, ctx)
    gemeente_van_zaak = ctx.gemeente or gemeente or str(voortgang.variabelen.get("gemeente", ""))
    store = AloStore(gateway, gemeente_van_zaak)
    bronnen = await store.stap(voortgang.procesinstantie_id, "feit.bronnen")
    berekening = await store.stap(voortgang.procesinstantie_id, "feit.berekening")
    antwoord = _object(berekening.resultaat) if berekening is not None else None
    return Onderbouwing(
        aanvraag_id=voortgang.aanvraag_id,
        gemeente=gemeente_van_zaak,
        bronnen=_object(bronnen.resultaat) if bronnen is not None else None,
        berekening=_object(antwoord.get("antwoord")) if antwoord is not None else None,
    )

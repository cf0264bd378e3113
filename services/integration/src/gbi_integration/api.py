"""Thin routes of the integration layer (internal: reached only through the gateway by GBI services)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from gbi_integration.service import IntegrationService
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.contracts.huishouden import BrpHuishoudenVerzoek, Huishouden

__all__ = ["router"]

router = APIRouter(prefix="/internal/integration/v1", tags=["bronnen"], responses=PROBLEM_RESPONSES)


async def _service(request: Request) -> IntegrationService:
    svc: IntegrationService = request.app.state.service
    return svc


@router.post("/brp/huishoudens", summary="Het huishouden van een persoon volgens de BRP")
async def brp_huishouden(
    body: BrpHuishoudenVerzoek,
    ctx: Annotated[RequestContext, Depends(current_context)],
    service: Annotated[IntegrationService, Depends(_service)],
) -> Huishouden:
    return await service.huishouden(body.bsn, ctx)

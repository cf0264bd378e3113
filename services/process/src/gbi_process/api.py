"""Thin routes of the process layer (internal: reached through the gateway by the interaction layer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from gbi_process.service import ProcessService
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.contracts.proefberekening import Proefberekening, ProefberekeningVerzoek

__all__ = ["router"]

router = APIRouter(prefix="/internal/process/v1", tags=["transacties"], responses=PROBLEM_RESPONSES)


async def _service(request: Request) -> ProcessService:
    svc: ProcessService = request.app.state.service
    return svc


@router.post("/proefberekeningen", summary="Voer een proefberekening uit", status_code=201)
async def proefberekening(
    body: ProefberekeningVerzoek,
    ctx: Annotated[RequestContext, Depends(current_context)],
    service: Annotated[ProcessService, Depends(_service)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
) -> Proefberekening:
    return await service.proefberekening(body, ctx, idempotency_key)

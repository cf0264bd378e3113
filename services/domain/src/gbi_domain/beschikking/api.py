"""Routes of the beschikkingen: a PDF preview for staff (public) and the PDF with metadata for the process layer
(internal).

The routes are ``async``: a letter from a small request (a straight-through letter's body is ~2.5 KB, its render
~6 ms) is rendered on the event loop, not handed to a worker thread (ADR 0048): the hand-over to the thread pool and
back cost the service some 5% of its CPU per straight-through case. A larger request (up to ~110 ms of render for the
largest letter the schema allows) goes to the thread pool, so that the loop keeps answering health checks and
berekeningen between the render thread's GIL switches instead of waiting for every queued letter."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from gbi_domain.beschikking.service import maak_beschikking, maak_voorbeeld
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.contracts.beschikking import BeschikkingDocument, BeschikkingVerzoek

__all__ = ["router"]

router = APIRouter(responses=PROBLEM_RESPONSES)

Ctx = Annotated[RequestContext, Depends(current_context)]

# Request bodies up to this size render on the event loop: about three straight-through letters' worth of text, a
# render of ~15 ms at most. Anything larger, or of unknown size, renders in the thread pool.
OP_DE_LUS_TOT_BYTES = 8 * 1024


def _op_de_lus(request: Request) -> bool:
    raw = request.headers.get("content-length")
    return raw is not None and raw.isdigit() and int(raw) <= OP_DE_LUS_TOT_BYTES


_PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "De beschikking als PDF/A-1b",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        "headers": {
            "Content-Disposition": {
                "description": "inline, met de bestandsnaam van de beschikking",
                "schema": {"type": "string"},
            },
            "ETag": {"description": "De SHA-256 van de PDF, tussen aanhalingstekens", "schema": {"type": "string"}},
            "Cache-Control": {
                "description": "Altijd no-store: de brief bevat persoonsgegevens",
                "schema": {"type": "string"},
            },
        },
    }
}


@router.post(
    "/api/v1/beschikkingen:voorbeeld",
    summary="Bekijk een beschikking voordat die wordt verstuurd",
    description=(
        "Maakt de besluitbrief (toekenning, afwijzing of buiten behandeling) als PDF/A-1b, zoals die verstuurd "
        "zou worden, en slaat niets op. Alleen voor medewerkers van de gemeente die de brief verstuurt. Dezelfde "
        "invoer geeft altijd precies dezelfde PDF (de ETag is de SHA-256). Invoer die niet bij de soort past, of "
        "een brief die zijn eigen berekening tegenspreekt, geeft 400 met het veld in invalidParams."
    ),
    tags=["Beschikkingen"],
    operation_id="maakBeschikkingVoorbeeld",
    response_class=Response,
    responses=_PDF_RESPONSE,
)
async def post_voorbeeld(body: BeschikkingVerzoek, ctx: Ctx, request: Request) -> Response:
    if _op_de_lus(request):
        gerenderd = maak_voorbeeld(body, ctx)
    else:
        gerenderd = await run_in_threadpool(maak_voorbeeld, body, ctx)
    meta = gerenderd.metadata
    return Response(
        content=gerenderd.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{meta.bestandsnaam}"',
            "ETag": f'"{meta.sha256}"',
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/internal/domain/v1/beschikkingen",
    summary="Maak een beschikking (PDF/A-1b, base64) met haar metadata",
    description=(
        "Voor de proceslaag: dezelfde invoer geeft dezelfde PDF en hetzelfde id, zodat een herhaalde stap "
        "hetzelfde document oplevert."
    ),
    tags=["Beschikkingen"],
    operation_id="maakBeschikking",
)
async def post_beschikking(body: BeschikkingVerzoek, ctx: Ctx, request: Request) -> BeschikkingDocument:
    if _op_de_lus(request):
        return maak_beschikking(body, ctx)
    return await run_in_threadpool(maak_beschikking, body, ctx)

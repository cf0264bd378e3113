"""Public API of the domain layer: norms and calculations under the Participatiewet."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import Field, ValidationError
from starlette.concurrency import run_in_threadpool

from gbi_domain.beleid_api import router as beleid_router
from gbi_domain.service import DomainService
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.contracts.berekening import BerekeningAntwoord, BerekeningVerzoek, NormAntwoord, VoorschotAntwoord
from gbi_shared.contracts.common import CamelModel
from gbi_shared.errors import BadRequestError, Problem

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

# Single calculations take tens of microseconds: they run on the event loop (a thread hand-off costs more).
# A batch takes up to a second of CPU and runs in the threadpool (a plain ``def``) so it does not stall others.


class NormUitvoer(NormAntwoord):
    """A norm as the lookup returns it, with the peildatum asked for."""

    peildatum: date


class BatchVerzoek(CamelModel):
    huishoudens: list[BerekeningVerzoek] = Field(min_length=1, description="De huishoudens, hoogstens 10.000")


class BatchRegel(CamelModel):
    index: int = Field(description="Positie van het huishouden in het verzoek")
    berekening: BerekeningAntwoord | None = None
    fout: Problem | None = None


class BatchAntwoord(CamelModel):
    aantal: int
    aantal_fouten: int
    resultaten: list[BatchRegel]


async def _service(request: Request) -> DomainService:
    svc: DomainService = request.app.state.service
    return svc


Ctx = Annotated[RequestContext, Depends(current_context)]
Svc = Annotated[DomainService, Depends(_service)]


@router.get(
    "/normen/{categorie}",
    summary="De bijstandsnorm van een categorie op een peildatum",
    description=(
        "De norm per kalendermaand inclusief 5% vakantietoeslag (Pw 19 lid 3) zoals de wet die op de peildatum "
        "kent. Een onbekende categorie of een datum buiten de perioden die het systeem kent geeft 404; er wordt "
        "nooit stilzwijgend een ouder of nieuwer bedrag gebruikt."
    ),
    tags=["Normen"],
    operation_id="getNorm",
)
async def get_norm(
    ctx: Ctx,
    service: Svc,
    categorie: Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Z_]+$", examples=["M"])],
    peildatum: Annotated[date, Query(description="De dag waarvoor de norm geldt (JJJJ-MM-DD)")],
) -> NormUitvoer:
    antwoord = service.norm(categorie, peildatum)
    return NormUitvoer(**antwoord.model_dump(), peildatum=peildatum)


@router.post(
    "/berekeningen",
    summary="Bereken recht en hoogte van de algemene bijstand van een huishouden",
    description=(
        "Leefvorm, normcategorie, kostendelersnorm, vakantietoeslag, in te korten inkomen en vermogenstoets op de "
        "peildatum, met een toelichting per stap (regel, artikel, parameterversie). Hetzelfde verzoek geeft altijd "
        "hetzelfde antwoord."
    ),
    tags=["Berekeningen"],
    operation_id="berekenBijstand",
)
async def post_berekening(body: BerekeningVerzoek, ctx: Ctx, service: Svc) -> BerekeningAntwoord:
    return service.bereken(body, ctx)


@router.post(
    "/berekeningen/voorschotten",
    summary="Bereken het voorschot zolang op een aanvraag nog niet is beslist (Pw 52)",
    description=(
        "Ten minste 90% (2025) of 95% (vanaf 2026) van de verwachte bijstand per maand, afgerond op centen naar "
        "boven, met de berekening waarop het voorschot rust."
    ),
    tags=["Berekeningen"],
    operation_id="berekenVoorschot",
)
async def post_voorschot(body: BerekeningVerzoek, ctx: Ctx, service: Svc) -> VoorschotAntwoord:
    return service.voorschot(body, ctx)


# The batch body is read as bytes and validated by pydantic-core in one pass (``BatchVerzoek.model_validate_json``),
# in the thread pool, while the garbage collector is paused (``app.BatchZonderGc``): FastAPI would first build the
# whole JSON as Python dicts on the event loop and then validate those. The documented body is the same model.
_BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchVerzoek"}}},
    }
}


def lees_batch(body: bytes, content_type: str | None) -> BatchVerzoek:
    """The batch request from its JSON bytes; invalid input is the 400 every GBI body gets (fields named)."""
    if content_type is not None and not content_type.split(";")[0].strip().lower().endswith(("/json", "+json")):
        raise BadRequestError.for_field("body", "verwacht application/json")
    try:
        return BatchVerzoek.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc


@router.post(
    "/berekeningen:batch",
    summary="Bereken veel huishoudens in een verzoek",
    description="Voor de betaalrun en massale herberekeningen; elk resultaat staat op de index van het verzoek.",
    tags=["Berekeningen"],
    operation_id="berekenBijstandBatch",
    response_model=BatchAntwoord,
    openapi_extra=_BATCH_BODY,
)
async def post_batch(request: Request, ctx: Ctx, service: Svc) -> Response:
    # The answer is written as JSON bytes from the engine's values (``DomainService.batch_json``), not built as
    # pydantic models that FastAPI would validate and serialise again: at 10,000 households that was most of the
    # time of the call. The response model above documents it; tests/api/test_berekeningen.py validates against it.
    body = await request.body()
    limit: int = request.app.state.settings.max_batch
    content_type = request.headers.get("content-type")

    def werk() -> bytes:
        verzoek = lees_batch(body, content_type)
        if len(verzoek.huishoudens) > limit:
            raise BadRequestError.for_field("huishoudens", f"hoogstens {limit} huishoudens per verzoek")
        return service.batch_json(verzoek.huishoudens, ctx)

    return Response(await run_in_threadpool(werk), media_type="application/json")


# Local policy (/beleid) and the calculation that applies it (/berekeningen/bijzondere-bijstand).
router.include_router(beleid_router)

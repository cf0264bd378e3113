"""Public API of the domain layer: norms and calculations under the Participatiewet."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field

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


def _service(request: Request) -> DomainService:
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


@router.post(
    "/berekeningen:batch",
    summary="Bereken veel huishoudens in een verzoek",
    description="Voor de betaalrun en massale herberekeningen; elk resultaat staat op de index van het verzoek.",
    tags=["Berekeningen"],
    operation_id="berekenBijstandBatch",
)
def post_batch(body: BatchVerzoek, request: Request, ctx: Ctx, service: Svc) -> BatchAntwoord:
    limit: int = request.app.state.settings.max_batch
    if len(body.huishoudens) > limit:
        raise BadRequestError.for_field("huishoudens", f"hoogstens {limit} huishoudens per verzoek")
    resultaten = service.batch(body.huishoudens, ctx)
    regels = [BatchRegel(index=r.index, berekening=r.berekening, fout=r.fout) for r in resultaten]
    fouten = sum(1 for r in resultaten if r.fout is not None)
    return BatchAntwoord(aantal=len(regels), aantal_fouten=fouten, resultaten=regels)


# Local policy (/beleid) and the calculation that applies it (/berekeningen/bijzondere-bijstand).
router.include_router(beleid_router)

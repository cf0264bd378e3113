"""Public API of local policy (``/api/v1/beleid``) and the calculation that applies it
(``/api/v1/berekeningen/bijzondere-bijstand``). Included in ``gbi_domain.api.router`` (prefix ``/api/v1``).

Routes are ``async``: they wait on the data service (through the gateway); the calculation itself is a pure,
synchronous function of a few tens of microseconds and runs inline.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from gbi_domain import beleid
from gbi_domain.service import DomainService
from gbi_shared import RequestContext, current_context, require_roles
from gbi_shared.contracts.beleid import (
    ONDERWERPEN,
    Beleidsversie,
    BeleidsversieLijst,
    BeleidsversieNieuw,
    BijzondereBijstandBerekeningAntwoord,
    BijzondereBijstandBerekeningVerzoek,
)

__all__ = ["beleid_opslag", "router"]

router = APIRouter()

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "geldigVanaf ligt voor de laatste versie, of die versie geldt al", "content": _PROBLEM}
}

Onderwerp = Annotated[
    str,
    Path(
        pattern=r"^[a-z][a-z-]{0,49}$",
        description=f"Het beleidsonderwerp: {', '.join(ONDERWERPEN)}",
        examples=["bijzondere-bijstand"],
    ),
]


async def beleid_opslag(request: Request) -> beleid.BeleidOpslag:
    """Where policy is kept: the data service through the gateway (tests override this dependency)."""
    return beleid.GatewayBeleidOpslag(request.app.state.gateway)


async def _domein(request: Request) -> DomainService:
    svc: DomainService = request.app.state.service
    return svc


Ctx = Annotated[RequestContext, Depends(current_context)]
Opslag = Annotated[beleid.BeleidOpslag, Depends(beleid_opslag)]


@router.get(
    "/beleid/{onderwerp}",
    summary="Het beleid van de gemeente dat op een peildatum geldt",
    description=(
        "De versie van het lokale beleid van de eigen gemeente over een onderwerp die op de peildatum geldt: de "
        "laatste versie met een geldigVanaf op of voor die dag. Een peildatum voor de eerste versie geeft 404."
    ),
    tags=["Beleid"],
    operation_id="getBeleid",
)
async def get_beleid(
    ctx: Ctx,
    opslag: Opslag,
    onderwerp: Onderwerp,
    peildatum: Annotated[date, Query(description="De dag waarop het beleid moet gelden (JJJJ-MM-DD)")],
) -> Beleidsversie:
    return await beleid.beleid_in_werking(opslag, ctx, onderwerp, peildatum)


@router.get(
    "/beleid/{onderwerp}/versies",
    summary="Alle versies van het beleid over een onderwerp",
    description="Wie welke versie vastlegde, wanneer, met welke toelichting en vanaf wanneer die geldt; oudste eerst.",
    tags=["Beleid"],
    operation_id="listBeleidsversies",
)
async def list_beleidsversies(ctx: Ctx, opslag: Opslag, onderwerp: Onderwerp) -> BeleidsversieLijst:
    return await beleid.beleidsversies(opslag, ctx, onderwerp)


@router.get(
    "/beleid/{onderwerp}/versies/{versie}",
    summary="Een versie van het beleid",
    description="Een versie van het beleid van de eigen gemeente, met wie die vastlegde, wanneer en waarom.",
    tags=["Beleid"],
    operation_id="getBeleidsversie",
)
async def get_beleidsversie(
    ctx: Ctx, opslag: Opslag, onderwerp: Onderwerp, versie: Annotated[int, Path(ge=1, le=1_000_000)]
) -> Beleidsversie:
    return await beleid.beleidsversie(opslag, ctx, onderwerp, versie)


@router.post(
    "/beleid/{onderwerp}/versies",
    summary="Leg een nieuwe versie van het beleid vast (beheerder)",
    description=(
        "Een nieuwe versie geldt vanaf geldigVanaf (vandaag of later, niet voor de laatste versie); eerdere versies "
        "blijven ongewijzigd. De inhoud wordt gecontroleerd: schijven sluiten vanaf 0% op elkaar aan, percentages "
        "0-100, periode 1-60 maanden, bekende kostensoorten. Fouten noemen het veld (invalidParams)."
    ),
    status_code=status.HTTP_201_CREATED,
    responses=_CONFLICT,
    dependencies=[Depends(require_roles(beleid.BEHEERDER))],
    tags=["Beleid"],
    operation_id="createBeleidsversie",
)
async def create_beleidsversie(
    body: BeleidsversieNieuw, ctx: Ctx, opslag: Opslag, response: Response, onderwerp: Onderwerp
) -> Beleidsversie:
    versie = await beleid.nieuwe_beleidsversie(opslag, ctx, onderwerp, body)
    response.headers["Location"] = f"/api/v1/beleid/{versie.onderwerp}/versies/{versie.versie}"
    return versie


@router.post(
    "/berekeningen/bijzondere-bijstand",
    summary="Bereken bijzondere bijstand volgens het beleid van de gemeente (Pw 35)",
    description=(
        "Kosten min draagkracht voor een kostensoort, met het beleid bijzondere bijstand van de gemeente van het "
        "huishouden dat op de peildatum geldt (draagkrachtschijven, periode, drempel, kostensoorten). Het antwoord "
        "noemt de gebruikte beleidsversie; de toelichting citeert die per regel. Geldt er op de peildatum geen "
        "beleid of geen wettelijke regel, dan is het antwoord 422."
    ),
    tags=["Berekeningen"],
    operation_id="berekenBijzondereBijstand",
)
async def post_bijzondere_bijstand(
    body: BijzondereBijstandBerekeningVerzoek,
    ctx: Ctx,
    opslag: Opslag,
    domein: Annotated[DomainService, Depends(_domein)],
) -> BijzondereBijstandBerekeningAntwoord:
    return await beleid.bereken_bijzondere_bijstand(opslag, domein, ctx, body)

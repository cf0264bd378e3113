"""Thin routes of the source queries (internal: reached through the gateway with a GBI service token only).

BSNs travel in request bodies, never in a path or query string (they would end up in access logs).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from gbi_integration.bronnen.service import BronnenService
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.contracts.bronnen import (
    MAX_PAGINA,
    Detenties,
    Dossier,
    DossierVerzoek,
    Eigendommen,
    IbSignalen,
    IbSignalenPagina,
    Inkomsten,
    InkomstenVerzoek,
    PeildatumVerzoek,
    PeriodeVerzoek,
    Studiefinanciering,
    Voertuigen,
)

__all__ = ["router"]


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    502: _problem("De bron gaf een onbruikbaar antwoord"),
    503: _problem("De bron (of het verwerkingenlogboek) is tijdelijk niet beschikbaar; probeer het later opnieuw"),
}

router = APIRouter(prefix="/internal/integration/v1", tags=["bronnen"], responses=_RESPONSES)

Context = Annotated[RequestContext, Depends(current_context)]


async def _service(request: Request) -> BronnenService:
    svc: BronnenService = request.app.state.bronnen
    return svc


Service = Annotated[BronnenService, Depends(_service)]


@router.post("/bronnen/inkomsten", summary="Inkomsten en uitkeringen (UWV-polis via Suwinet) in een periode")
async def inkomsten(body: InkomstenVerzoek, ctx: Context, service: Service) -> Inkomsten:
    return await service.inkomsten(body.bsn, body.periode, body.zaak_id, ctx)


@router.post("/bronnen/voertuigen", summary="Voertuigen op naam van een persoon op de peildatum (RDW)")
async def voertuigen(body: PeildatumVerzoek, ctx: Context, service: Service) -> Voertuigen:
    return await service.voertuigen(body.bsn, body.peildatum, body.zaak_id, ctx)


@router.post("/bronnen/eigendommen", summary="Onroerend goed op de peildatum (Kadaster, WOZ, hypotheken)")
async def eigendommen(body: PeildatumVerzoek, ctx: Context, service: Service) -> Eigendommen:
    return await service.eigendommen(body.bsn, body.peildatum, body.zaak_id, ctx)


@router.post("/bronnen/studiefinanciering", summary="Studiefinanciering en WTOS in een periode (DUO)")
async def studiefinanciering(body: PeriodeVerzoek, ctx: Context, service: Service) -> Studiefinanciering:
    return await service.studiefinanciering(body.bsn, body.periode, body.zaak_id, ctx)


@router.post("/bronnen/detenties", summary="Detenties in een periode (DJI)")
async def detenties(body: PeriodeVerzoek, ctx: Context, service: Service) -> Detenties:
    return await service.detenties(body.bsn, body.periode, body.zaak_id, ctx)


@router.post("/bronnen/ib-signalen", summary="Signalen van het Inlichtingenbureau over een persoon in een periode")
async def ib_signalen(body: PeriodeVerzoek, ctx: Context, service: Service) -> IbSignalen:
    return await service.ib_signalen(body.bsn, body.periode, body.zaak_id, ctx)


@router.post("/bronnen/dossier", summary="Meerdere bronnen tegelijk, met herkomst en status per bron")
async def dossier(body: DossierVerzoek, ctx: Context, service: Service) -> Dossier:
    return await service.dossier(body, ctx)


@router.get("/ib-signalen", summary="De signalenfeed van het Inlichtingenbureau voor de gemeente (vanaf een cursor)")
async def ib_feed(
    ctx: Context,
    service: Service,
    gemeente: Annotated[
        str | None, Query(pattern=r"^[0-9]{4}$", description="Standaard de gemeente van de context")
    ] = None,
    na: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$", description="Cursor: alleen signalen hierna")] = None,
    aantal: Annotated[int, Query(ge=1, le=MAX_PAGINA)] = 50,
) -> IbSignalenPagina:
    return await service.ib_feed(gemeente, na, aantal, ctx)

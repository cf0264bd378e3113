"""Internal integration API for zaken: ``/internal/integration/v1/zaken...`` (GBI services, via the gateway).

A write answers 201 when it registered something and 200 when it found its earlier result (a retried step).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from gbi_integration.zgw.service import ZaakService
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.contracts.common import GemeenteCode
from gbi_shared.contracts.zaken import (
    ZaakAfhandeling,
    ZaakAfhandelingVerzoek,
    ZaakBesluit,
    ZaakBesluitVerzoek,
    ZaakDocument,
    ZaakDocumentVerzoek,
    ZaakRegistratieVerzoek,
    ZaakRol,
    ZaakRolVerzoek,
    ZaakStatusRegistratie,
    ZaakStatusVerzoek,
    Zaakverwijzing,
)

__all__ = ["router"]

router = APIRouter(prefix="/internal/integration/v1/zaken", tags=["zaken"], responses=PROBLEM_RESPONSES)

Identificatie = Annotated[
    str,
    Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Identificatie van de zaak"),
]
Context = Annotated[RequestContext, Depends(current_context)]


async def _service(request: Request) -> ZaakService:
    svc: ZaakService = request.app.state.zaken
    return svc


Service = Annotated[ZaakService, Depends(_service)]


def _found(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    """The second answer of a write: 200 when it had been registered before (a repeated step)."""
    return {200: {"model": model, "description": "Bestond al (herhaald verzoek); niets opnieuw vastgelegd"}}


def _status(response: Response, nieuw: bool) -> None:
    response.status_code = 201 if nieuw else 200


@router.post(
    "",
    summary="Registreer de zaak van een aanvraag levensonderhoud",
    status_code=201,
    response_description="Vastgelegd",
    responses=_found(Zaakverwijzing),
)
async def registreer_zaak(
    body: ZaakRegistratieVerzoek, ctx: Context, service: Service, response: Response
) -> Zaakverwijzing:
    zaak = await service.registreer(body, ctx)
    _status(response, zaak.nieuw)
    return zaak


@router.get("/{identificatie}", summary="Een zaak van een gemeente")
async def zaak(
    identificatie: Identificatie,
    gemeente: Annotated[GemeenteCode, Query(description="CBS-code van de gemeente")],
    ctx: Context,
    service: Service,
) -> Zaakverwijzing:
    return await service.zaak(gemeente, identificatie, ctx)


@router.post(
    "/{identificatie}/statussen",
    summary="Zet de status van een zaak",
    status_code=201,
    response_description="Vastgelegd",
    responses=_found(ZaakStatusRegistratie),
)
async def zet_status(
    identificatie: Identificatie, body: ZaakStatusVerzoek, ctx: Context, service: Service, response: Response
) -> ZaakStatusRegistratie:
    status = await service.status(identificatie, body, ctx)
    _status(response, status.nieuw)
    return status


@router.post(
    "/{identificatie}/rollen",
    summary="Voeg een betrokkene toe aan een zaak",
    status_code=201,
    response_description="Vastgelegd",
    responses=_found(ZaakRol),
)
async def voeg_rol_toe(
    identificatie: Identificatie, body: ZaakRolVerzoek, ctx: Context, service: Service, response: Response
) -> ZaakRol:
    rol = await service.rol(identificatie, body, ctx)
    _status(response, rol.nieuw)
    return rol


@router.post(
    "/{identificatie}/besluiten",
    summary="Leg een besluit op een zaak vast",
    status_code=201,
    response_description="Vastgelegd",
    responses=_found(ZaakBesluit),
)
async def registreer_besluit(
    identificatie: Identificatie, body: ZaakBesluitVerzoek, ctx: Context, service: Service, response: Response
) -> ZaakBesluit:
    besluit = await service.besluit(identificatie, body, ctx)
    _status(response, besluit.nieuw or (besluit.status is not None and besluit.status.nieuw))
    return besluit


@router.post(
    "/{identificatie}/documenten",
    summary="Voeg een document (PDF) toe aan een zaak",
    status_code=201,
    response_description="Vastgelegd",
    responses=_found(ZaakDocument),
)
async def voeg_document_toe(
    identificatie: Identificatie, body: ZaakDocumentVerzoek, ctx: Context, service: Service, response: Response
) -> ZaakDocument:
    document = await service.document(identificatie, body, ctx)
    _status(response, document.nieuw)
    return document


@router.post(
    "/{identificatie}:afhandelen",
    summary="Handel een zaak af: het besluit, de beschikking en de eindstatus in een verzoek",
    description="Legt in het zaaksysteem achtereenvolgens vast: het besluit met de status besluit_genomen, de "
    "beschikking als document van de zaak en van het besluit, en de eindstatus (afgehandeld). Elk deel zoals het "
    "eigen verzoek het vastlegt; een herhaald verzoek vindt wat al vastgelegd was en legt niets twee keer vast. "
    "Weigert het zaaksysteem een deel, dan blijven de delen ervoor staan en maakt herhalen het af.",
    status_code=201,
    response_description="Vastgelegd (ten minste een deel)",
    responses=_found(ZaakAfhandeling),
)
async def handel_af(
    identificatie: Identificatie, body: ZaakAfhandelingVerzoek, ctx: Context, service: Service, response: Response
) -> ZaakAfhandeling:
    afhandeling = await service.afhandeling(identificatie, body, ctx)
    b = afhandeling.besluit
    _status(
        response,
        b.nieuw
        or (b.status is not None and b.status.nieuw)
        or afhandeling.document.nieuw
        or afhandeling.eindstatus.nieuw,
    )
    return afhandeling

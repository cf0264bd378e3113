"""Public routes of the workbench inbox (``/api/v1/taken``): the warm tasks of the ALO per role, and working them.
Thin: parse, call :class:`~gbi_interaction.werkplek_service.WerkplekService`, return."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from gbi_interaction.http import LOCATION, pagina_links, problem
from gbi_interaction.weergave import werkbaktaak
from gbi_interaction.werkplek_service import WerkplekService
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.contracts.alo import TaakStatus
from gbi_shared.contracts.kanaal import (
    TaakAfrondingVerzoek,
    TaakHerverdelingVerzoek,
    TaakOpmerkingVerzoek,
    TaakOpmerkingWeergave,
    WerkbakPagina,
    WerkbakRol,
    WerkbaktaakDetail,
    WerkbakTelling,
    WerkbakTellingen,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/taken", tags=["Taken"], responses=PROBLEM_RESPONSES)

Ctx = Annotated[RequestContext, Depends(current_context)]
TaakId = Annotated[UUID, Path(alias="taakId", description="Het id van de taak")]
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: problem("De taak staat dit niet toe: al geclaimd door een ander, al afgerond, of nog open")
}


def _service(request: Request) -> WerkplekService:
    service: WerkplekService = request.app.state.werkplek
    return service


Service = Annotated[WerkplekService, Depends(_service)]


@router.get(
    "",
    summary="De werkbak: taken per rol",
    description=(
        "De taken van de eigen gemeente die een mens moet doen, met de reden waarom. Zonder `rol` ziet een "
        "medewerker met een rol de werkbak van die rol; een teamleider, of wie meer rollen heeft, ziet alle. De "
        "werkbak van een rol die u niet hebt, is alleen voor een teamleider (403). `toegewezenAan=mij` geeft uw "
        "eigen geclaimde taken. Sorteer op `deadline` (standaard) of `aangemaakt`; volgende pagina: `links.next`."
    ),
    operation_id="zoekTaken",
)
async def zoek_taken(
    ctx: Ctx,
    service: Service,
    request: Request,
    rol: Annotated[WerkbakRol | None, Query(description="De werkbak van deze rol")] = None,
    status_: Annotated[TaakStatus | None, Query(alias="status", description="open, geclaimd of afgerond")] = None,
    toegewezen_aan: Annotated[
        str | None,
        Query(alias="toegewezenAan", min_length=1, max_length=200, description="Een medewerker, of mij"),
    ] = None,
    aanvraag_id: Annotated[UUID | None, Query(alias="aanvraagId", description="Alleen taken van deze aanvraag")] = None,
    sorteer: Annotated[Literal["deadline", "aangemaakt"], Query(description="Volgorde")] = "deadline",
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100, description="Aantal per pagina")] = 20,
    after: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Uit links.next van de vorige pagina")
    ] = None,
) -> WerkbakPagina:
    pagina = await service.taken(
        ctx,
        rol=rol,
        status=status_,
        toegewezen_aan=toegewezen_aan,
        aanvraag_id=aanvraag_id,
        sorteer=sorteer,
        page_size=page_size,
        after=after,
    )
    return WerkbakPagina(items=[werkbaktaak(t) for t in pagina.items], links=pagina_links(request, pagina.next_after))


@router.get(
    "/tellingen",
    summary="Hoeveel werk er ligt, per rol",
    description=(
        "Per rol het aantal taken dat open staat, dat geclaimd is en dat over de deadline is, in de eigen gemeente "
        "op dit moment. Alleen aantallen, geen persoonsgegevens."
    ),
    operation_id="telTaken",
)
async def tel_taken(ctx: Ctx, service: Service) -> WerkbakTellingen:
    tellingen = await service.tellingen(ctx)
    return WerkbakTellingen(
        items=[
            WerkbakTelling(rol=t.rol, open=t.open, geclaimd=t.geclaimd, verlopen=t.verlopen) for t in tellingen.items
        ],
        peilmoment=tellingen.nu,
    )


@router.get(
    "/{taakId}",
    summary="Bekijk een taak",
    description="Een taak met haar gegevens, uitkomst en opmerkingen. Een taak van een andere gemeente geeft 404.",
    operation_id="raadpleegTaak",
)
async def raadpleeg_taak(ctx: Ctx, service: Service, taak_id: TaakId) -> WerkbaktaakDetail:
    return await service.taak(ctx, taak_id)


@router.post(
    "/{taakId}/claim",
    summary="Claim een taak",
    description=(
        "Neem een open taak in behandeling. Alleen met de rol van de taak (anders 403); door een ander geclaimd "
        "of al afgerond: 409. Wie de taak al heeft, krijgt haar ongewijzigd terug."
    ),
    operation_id="claimTaak",
    responses=_CONFLICT,
)
async def claim_taak(ctx: Ctx, service: Service, taak_id: TaakId) -> WerkbaktaakDetail:
    return await service.claim(ctx, taak_id)


@router.post(
    "/{taakId}/vrijgeven",
    summary="Geef een taak terug aan de werkbak",
    description="Wie de taak claimde, of een teamleider, zet haar terug in de werkbak van haar rol.",
    operation_id="geefTaakVrij",
    responses=_CONFLICT,
)
async def geef_taak_vrij(ctx: Ctx, service: Service, taak_id: TaakId) -> WerkbaktaakDetail:
    return await service.vrijgeven(ctx, taak_id)


@router.post(
    "/{taakId}/herverdelen",
    summary="Wijs een taak toe aan een medewerker",
    description=(
        "Een teamleider wijst een taak toe. Vier ogen blijven gelden: wie de beoordeelde taak afrondde, kan de "
        "goedkeuring niet krijgen (403)."
    ),
    operation_id="herverdeelTaak",
    responses=_CONFLICT,
)
async def herverdeel_taak(
    body: TaakHerverdelingVerzoek, ctx: Ctx, service: Service, taak_id: TaakId
) -> WerkbaktaakDetail:
    return await service.herverdeel(ctx, taak_id, body)


@router.post(
    "/{taakId}/afronden",
    summary="Rond een taak af",
    description=(
        "Leg de uitkomst vast met de motivering (`reden`) en wat de taak verder vraagt (`gegevens`). Alleen wie de "
        "taak claimde en haar rol heeft; een vierogentaak niet door wie de beoordeelde taak afrondde (403). De "
        "behandeling van de aanvraag gaat daarna verder. Dezelfde afronding nog eens verandert niets."
    ),
    operation_id="rondTaakAf",
    responses=_CONFLICT,
)
async def rond_taak_af(body: TaakAfrondingVerzoek, ctx: Ctx, service: Service, taak_id: TaakId) -> WerkbaktaakDetail:
    return await service.rond_af(ctx, taak_id, body)


@router.post(
    "/{taakId}/opmerkingen",
    status_code=status.HTTP_201_CREATED,
    summary="Plaats een opmerking bij een taak",
    description="Een notitie voor collega's, met wie en wanneer; zichtbaar voor medewerkers, niet voor de burger.",
    operation_id="plaatsTaakOpmerking",
    responses={201: {"description": "De opmerking is geplaatst", "headers": LOCATION}},
)
async def plaats_opmerking(
    body: TaakOpmerkingVerzoek, ctx: Ctx, service: Service, response: Response, taak_id: TaakId
) -> TaakOpmerkingWeergave:
    opmerking = await service.plaats_opmerking(ctx, taak_id, body)
    response.headers["Location"] = f"/api/v1/taken/{taak_id}"
    return opmerking

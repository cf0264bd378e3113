"""Public routes of the oversight views: management figures (``/api/v1/managementinformatie``, JSON or CSV) and,
for the case view of the workbench, the audit trail and the process diagram of a case
(``/api/v1/zaken/{aanvraagId}/audittrail``, ``/api/v1/zaken/{aanvraagId}/procesdiagram``). Thin: parse, call
:class:`~gbi_interaction.inzicht_service.InzichtService`, return."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response

from gbi_interaction.inzicht_service import InzichtService, als_csv
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.contracts.inzicht import AudittrailPagina, Managementinformatie, Zaakonderbouwing

__all__ = ["CSV", "router", "wil_csv"]

CSV = "text/csv"
SVG = "image/svg+xml"
router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

Ctx = Annotated[RequestContext, Depends(current_context)]
AanvraagId = Annotated[UUID, Path(alias="aanvraagId", description="Het id van de aanvraag")]


def _service(request: Request) -> InzichtService:
    service: InzichtService = request.app.state.inzicht
    return service


Service = Annotated[InzichtService, Depends(_service)]


def wil_csv(accept: str | None) -> bool:
    """Whether the Accept header prefers CSV over JSON (a plain ``text/csv`` or one ranked above JSON)."""
    if not accept:
        return False
    ranked: dict[str, float] = {}
    for part in accept.split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranked[kind.lower()] = max(q, ranked.get(kind.lower(), 0.0))
    csv_q = ranked.get(CSV, 0.0)
    json_q = max(ranked.get("application/json", 0.0), ranked.get("*/*", 0.0) * 0.99)
    return csv_q > 0 and csv_q >= json_q


_MANAGEMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "De cijfers; met `Accept: text/csv` als CSV (puntkomma, UTF-8, een rij per cijfer)",
        "content": {CSV: {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/managementinformatie",
    tags=["Managementinformatie"],
    summary="Managementinformatie van de eigen gemeente over een periode",
    description=(
        "Aanvragen ingekomen en besloten, de doorlooptijd (verdeling, gemiddelde, mediaan, 90e percentiel), het "
        "aandeel besloten binnen 8 weken, het aandeel volledig automatisch besloten (straight through), per maand, en "
        "de open taken per rol met hun leeftijd op dit moment. De periode loopt van `van` tot en met `tot` "
        "(standaard de laatste twaalf kalendermaanden tot vandaag, hoogstens drie jaar). Met `Accept: text/csv` komt "
        "dezelfde informatie als CSV. Voor teamleider, beheerder en auditor; alleen aantallen, geen persoonsgegevens."
    ),
    operation_id="raadpleegManagementinformatie",
    response_model=Managementinformatie,
    responses=_MANAGEMENT_RESPONSES,
)
async def raadpleeg_managementinformatie(
    ctx: Ctx,
    service: Service,
    van: Annotated[date | None, Query(description="Eerste dag van de periode (JJJJ-MM-DD)")] = None,
    tot: Annotated[date | None, Query(description="Laatste dag van de periode (JJJJ-MM-DD)")] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Managementinformatie | Response:
    info = await service.managementinformatie(ctx, van=van, tot=tot)
    if wil_csv(accept):
        naam = f"managementinformatie-{info.gemeente}-{info.van.isoformat()}-{info.tot.isoformat()}.csv"
        return Response(
            content=als_csv(info).encode(),
            media_type=f"{CSV}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{naam}"', "Cache-Control": "private, no-store"},
        )
    return info


@router.get(
    "/zaken/{aanvraagId}/audittrail",
    tags=["Zaken"],
    summary="Wie de gegevens van de aanvrager verwerkte (audittrail)",
    description=(
        "De regels van het verwerkingenlogboek van de eigen gemeente over de aanvrager van deze aanvraag, nieuwste "
        "eerst: wat, wanneer, door wie, met welk doel en met welke uitkomst. Volgende (oudere) pagina: "
        "`voor=volgendeVoor`. Voor klantmanager, inkomensconsulent, handhaver, teamleider en auditor; het raadplegen "
        "wordt zelf ook gelogd."
    ),
    operation_id="raadpleegZaakAudittrail",
)
async def raadpleeg_audittrail(
    ctx: Ctx,
    service: Service,
    aanvraag_id: AanvraagId,
    voor: Annotated[int | None, Query(ge=1, description="volgendeVoor van de vorige pagina")] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200, description="Aantal per pagina")] = 50,
) -> AudittrailPagina:
    return await service.audittrail(ctx, aanvraag_id, voor=voor, page_size=page_size)


@router.get(
    "/zaken/{aanvraagId}/onderbouwing",
    tags=["Zaken"],
    summary="Brongegevens met herkomst en de berekening met toelichting",
    description=(
        "Waarop het besluit over deze aanvraag rust, zoals de behandeling het vastlegde: wat de BRP en de andere "
        "bronnen antwoordden, met per onderdeel de bron en het moment van opvragen (`herkomst`), en de berekening "
        "met haar toelichting per regel (regel, artikel, bedrag, parameterversie). Leeg (`null`) zolang die stap "
        "nog niet is gezet. Voor klantmanager, inkomensconsulent, handhaver en teamleider."
    ),
    operation_id="raadpleegZaakOnderbouwing",
)
async def raadpleeg_onderbouwing(ctx: Ctx, service: Service, aanvraag_id: AanvraagId) -> Zaakonderbouwing:
    return await service.onderbouwing(ctx, aanvraag_id)


@router.get(
    "/zaken/{aanvraagId}/procesdiagram",
    tags=["Zaken"],
    summary="Het procesdiagram van een aanvraag met de huidige stap",
    description=(
        "Het BPMN-model waarop de behandeling van deze aanvraag loopt, als toegankelijke SVG (geen script): de "
        "stappen waar de aanvraag nu staat zijn gemarkeerd met een dikke rand en het woord NU, en in de beschrijving "
        "van de afbeelding genoemd."
    ),
    operation_id="raadpleegZaakProcesdiagram",
    response_class=Response,
    responses={200: {"description": "Het diagram", "content": {SVG: {"schema": {"type": "string"}}}}},
)
async def raadpleeg_procesdiagram(ctx: Ctx, service: Service, aanvraag_id: AanvraagId) -> Response:
    return Response(
        content=await service.procesdiagram(ctx, aanvraag_id),
        media_type=SVG,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )

"""Internal routes of the oversight views, under ``/internal/data/v1``. Thin: parse, call, return.

GET /managementinformatie?van=&tot=           teamleider, beheerder, auditor, GBI services (not audited:
                                              counts only, no personal data)
GET /aanvragen/{aanvraagId}/audittrail        case staff, auditor, GBI services (audited)
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from gbi_data.alo import repository as alo_repository
from gbi_data.api import PREFIX, DataRoute, ReadOnlyTenantScope, TenantScope
from gbi_data.inzicht.audittrail import audittrail
from gbi_data.inzicht.management import MAX_PERIODE_DAGEN, managementinformatie, twaalf_maanden_tot, vandaag
from gbi_data.settings import DataSettings
from gbi_shared import PROBLEM_RESPONSES, ActorType, BadRequestError, Environment, require_roles
from gbi_shared.contracts.inzicht import AudittrailPagina, Managementinformatie

__all__ = ["MANAGEMENT_ROLLEN", "router"]

MANAGEMENT_ROLLEN = ("teamleider", "beheerder", "auditor")

router = APIRouter(prefix=PREFIX, responses=PROBLEM_RESPONSES, route_class=DataRoute)


def _nu(request: Request, offset_s: int) -> datetime:
    settings: DataSettings = request.app.state.settings
    return datetime.now(UTC) + timedelta(seconds=0 if settings.environment is Environment.PRODUCTION else offset_s)


@router.get(
    "/managementinformatie",
    response_model=Managementinformatie,
    dependencies=[Depends(require_roles(*MANAGEMENT_ROLLEN, actor_types=[ActorType.SERVICE]))],
    tags=["managementinformatie"],
)
def get_managementinformatie(
    request: Request,
    tenant: ReadOnlyTenantScope,
    van: Annotated[
        date | None, Query(description="Eerste dag van de periode (standaard: 11 maanden terug, dag 1)")
    ] = None,
    tot: Annotated[date | None, Query(description="Laatste dag van de periode (standaard: vandaag)")] = None,
) -> Managementinformatie:
    """Applications in and decided, lead times, 8-week compliance, straight-through rate and open tasks per role of
    the caller's gemeente, per the data service's clock."""
    nu = _nu(request, alo_repository.get_klok_offset(tenant.session))
    tot = tot or vandaag(nu)
    van = van or twaalf_maanden_tot(tot)
    if van > tot:
        raise BadRequestError.for_field("van", "moet op of voor tot liggen", "periode-omgekeerd")
    if (tot - van).days >= MAX_PERIODE_DAGEN:
        raise BadRequestError.for_field("tot", f"de periode is hoogstens {MAX_PERIODE_DAGEN} dagen", "periode-te-lang")
    return managementinformatie(tenant.session, tenant.gemeente, van, tot, nu)


@router.get("/aanvragen/{aanvraagId}/audittrail", response_model=AudittrailPagina, tags=["audittrail"])
def get_audittrail(
    tenant: TenantScope,
    aanvraag_id: Annotated[uuid.UUID, Path(alias="aanvraagId")],
    voor: Annotated[int | None, Query(ge=1, description="volgendeVoor van de vorige pagina")] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
) -> AudittrailPagina:
    """The processing-log entries about the applicant of an aanvraag, newest first (reading is audited)."""
    return audittrail(tenant.session, tenant.ctx, tenant.gemeente, aanvraag_id, voor=voor, page_size=page_size)

"""Internal API of signal intake, under ``/internal/data/v1``. Thin routes: parse, call the service, return.

``POST /signalen:batch`` reads its body itself and validates it straight from the JSON bytes: a delivery carries up
to 100,000 signals, and FastAPI's body parsing would build a model object per signal first.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from gbi_data.api import PREFIX, DataRoute, TenantScope
from gbi_data.signalen.service import SignaalService
from gbi_shared import PROBLEM_RESPONSES
from gbi_shared.contracts.signalen import (
    SIGNAAL_LEVERING,
    HandhavingsignaalPagina,
    HandhavingsignaalStatus,
    IbSignaalSoort,
    SignaalLeveringResultaat,
)

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, responses=PROBLEM_RESPONSES, route_class=DataRoute)


async def _service(request: Request) -> SignaalService:
    service: SignaalService | None = getattr(request.app.state, "signaal_service", None)
    if service is None:
        service = SignaalService(request.app.state.settings)
        request.app.state.signaal_service = service
    return service


Service = Annotated[SignaalService, Depends(_service)]
After = Annotated[str | None, Query(min_length=1, max_length=200, description="nextAfter van de vorige pagina")]


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """The JSON schema with every ``$ref`` to its ``$defs`` replaced by the definition (OpenAPI 3.0 has no $defs)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


_SCHEMA = SIGNAAL_LEVERING.json_schema(by_alias=True)
_LEVERING_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _inline(_SCHEMA, _SCHEMA.get("$defs", {}))}},
    }
}


async def _body(request: Request) -> bytes:
    return await request.body()


Body = Annotated[bytes, Depends(_body)]


@router.post(
    "/signalen:batch",
    response_model=SignaalLeveringResultaat,
    status_code=status.HTTP_200_OK,
    openapi_extra=_LEVERING_BODY,
    tags=["signalen"],
)
def post_signalen(body: Body, tenant: TenantScope, service: Service) -> SignaalLeveringResultaat:
    """Deliver Inlichtingenbureau signals of the caller's gemeente (GBI services only) and match them against the
    active uitkeringen. Idempotent per ``signaalId``: a signal already recorded counts as ``dubbel``."""
    return service.lever(tenant.session, tenant.ctx, tenant.gemeente, body)


@router.get("/signalen", response_model=HandhavingsignaalPagina, tags=["signalen"])
def list_signalen(
    tenant: TenantScope,
    service: Service,
    status_: Annotated[HandhavingsignaalStatus | None, Query(alias="status")] = None,
    soort: Annotated[IbSignaalSoort | None, Query()] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
    after: After = None,
) -> HandhavingsignaalPagina:
    """The gemeente's handhavingsignalen, newest first (handhaver, teamleider, GBI services; audited)."""
    return service.zoek(
        tenant.session, tenant.ctx, tenant.gemeente, status=status_, soort=soort, after=after, page_size=page_size
    )

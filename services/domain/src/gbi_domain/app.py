"""The domain layer: rights and amounts under the Participatiewet and local policy."""

from __future__ import annotations

from fastapi import FastAPI

from gbi_domain.api import router
from gbi_domain.beschikking.api import router as beschikking_router
from gbi_domain.betaalrun.api import router as betaalrun_router
from gbi_domain.engine import standaard_regelset
from gbi_domain.service import DomainService
from gbi_domain.settings import DomainSettings
from gbi_shared import create_app as create_service_app

__all__ = ["create_app"]


def create_app(settings: DomainSettings | None = None) -> FastAPI:
    settings = settings or DomainSettings()
    # Load and check the rule data at start-up: a broken rule file stops the service, not a request.
    standaard_regelset()
    app = create_service_app(
        settings,
        title="GBI domeinlaag",
        description="Recht en hoogte van bijstand volgens de Participatiewet en het beleid van de gemeente.",
        routers=[router, beschikking_router, betaalrun_router],
    )
    app.state.service = DomainService()
    return app

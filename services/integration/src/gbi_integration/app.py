"""The integration layer: adapters to the outside world (sources and concern systems)."""

from __future__ import annotations

from fastapi import FastAPI

from gbi_integration.api import router
from gbi_integration.betaalrun import router as betaalrun_router
from gbi_integration.bronnen import bronnen_service
from gbi_integration.bronnen import router as bronnen_router
from gbi_integration.brp import HaalCentraalBrp
from gbi_integration.koppelvlakken.api import router as koppelvlakken_router
from gbi_integration.koppelvlakken.service import koppelvlakken_service
from gbi_integration.notificaties import router as notificaties_router
from gbi_integration.notificaties import start_bezorger, stop_bezorger
from gbi_integration.service import IntegrationService
from gbi_integration.settings import IntegrationSettings
from gbi_integration.zgw.adapter import ZgwZaaksysteem
from gbi_integration.zgw.api import router as zaken_router
from gbi_integration.zgw.service import ZaakService
from gbi_shared import client_credentials_check
from gbi_shared import create_app as create_service_app

__all__ = ["create_app"]


def create_app(settings: IntegrationSettings | None = None) -> FastAPI:
    settings = settings or IntegrationSettings()

    app = create_service_app(
        settings,
        title="GBI integratielaag",
        description="Koppelingen met bronnen (BRP, UWV, RDW, ...) en met zaaksysteem, financiën en bank.",
        routers=[router, bronnen_router, zaken_router, koppelvlakken_router, notificaties_router, betaalrun_router],
        readiness=[client_credentials_check(settings)],
        on_startup=[start_bezorger],
        on_shutdown=[stop_bezorger],
    )
    app.state.service = IntegrationService(HaalCentraalBrp(settings, app.state.transport))
    app.state.zaken = ZaakService(ZgwZaaksysteem(settings, app.state.transport))
    app.state.bronnen = bronnen_service(settings, app.state.transport, app.state.gateway)
    app.state.koppelvlakken = koppelvlakken_service(settings, app.state.transport, app.state.gateway)
    return app

"""The process layer: runs each transaction, cold steps automatically, warm steps as tasks."""

from __future__ import annotations

from fastapi import FastAPI

from gbi_process.api import router
from gbi_process.service import ProcessService
from gbi_process.settings import ProcessSettings
from gbi_shared import client_credentials_check
from gbi_shared import create_app as create_service_app

__all__ = ["create_app"]


def create_app(settings: ProcessSettings | None = None) -> FastAPI:
    settings = settings or ProcessSettings()

    app = create_service_app(
        settings,
        title="GBI proceslaag",
        description="Voert de transacties van de Participatiewet uit, van aanvraag tot betaling.",
        routers=[router],
        readiness=[client_credentials_check(settings)],
    )
    app.state.service = ProcessService(app.state.gateway)
    return app

"""The interaction layer: citizen portal, caseworker workbench and the public channel APIs."""

from __future__ import annotations

from fastapi import FastAPI

from gbi_interaction.api import router
from gbi_interaction.service import InteractionService
from gbi_interaction.settings import InteractionSettings
from gbi_shared import client_credentials_check
from gbi_shared import create_app as create_service_app

__all__ = ["create_app"]


def create_app(settings: InteractionSettings | None = None) -> FastAPI:
    settings = settings or InteractionSettings()

    app = create_service_app(
        settings,
        title="GBI interactielaag",
        description="Kanalen van GBI: het burgerportaal, de werkplek van de medewerker en de publieke API's.",
        routers=[router],
        readiness=[client_credentials_check(settings)],
    )
    app.state.service = InteractionService(app.state.gateway)
    return app

"""The interaction layer: citizen portal, caseworker workbench and the public channel APIs."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from gbi_interaction import aanvragen, inzicht, signalen, taken, zaken
from gbi_interaction.aanvraag_service import AanvraagService
from gbi_interaction.api import router
from gbi_interaction.inzicht_service import InzichtService
from gbi_interaction.lagen import Lagen
from gbi_interaction.service import InteractionService
from gbi_interaction.settings import InteractionSettings
from gbi_interaction.validatie import validatie_handler
from gbi_interaction.web import mount_web, start_opruimen, stop_opruimen
from gbi_interaction.werkplek_service import WerkplekService
from gbi_shared import client_credentials_check
from gbi_shared import create_app as create_service_app

__all__ = ["create_app"]


def create_app(settings: InteractionSettings | None = None) -> FastAPI:
    settings = settings or InteractionSettings()

    app = create_service_app(
        settings,
        title="GBI interactielaag",
        description="Kanalen van GBI: het burgerportaal, de werkplek van de medewerker en de publieke API's.",
        routers=[router, aanvragen.router, taken.router, zaken.router, inzicht.router, signalen.router],
        readiness=[client_credentials_check(settings)],
        # Ended web sessions and expired drafts are deleted in the background (docs/adr/0012).
        on_startup=[start_opruimen],
        on_shutdown=[stop_opruimen],
    )
    # Invalid input answered in plain Dutch, naming each field (replaces the factory's English reasons).
    app.add_exception_handler(RequestValidationError, validatie_handler)
    lagen = Lagen(app.state.gateway)
    app.state.service = InteractionService(app.state.gateway, lagen.woonplaats)
    app.state.aanvragen = AanvraagService(lagen)
    app.state.werkplek = WerkplekService(lagen)
    app.state.inzicht = InzichtService(app.state.gateway)
    # The web pages (portal, workbench, beheer, management): HTML over GBI's own public API (docs/adr/0012).
    mount_web(app, settings)
    return app

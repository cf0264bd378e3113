"""The domain layer: rights and amounts under the Participatiewet and local policy."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic.json_schema import models_json_schema
from starlette.types import ASGIApp, Receive, Scope, Send

from gbi_domain.api import BatchVerzoek, router
from gbi_domain.beschikking.api import router as beschikking_router
from gbi_domain.betaalrun.api import BETAALRUN_PAD
from gbi_domain.betaalrun.api import router as betaalrun_router
from gbi_domain.engine import standaard_regelset
from gbi_domain.engine.gc_pauze import gc_gepauzeerd
from gbi_domain.service import DomainService
from gbi_domain.settings import DomainSettings
from gbi_shared import create_app as create_service_app
from gbi_shared.gc_pauze import freeze_startup_heap

__all__ = ["BATCH_PAD", "BatchZonderGc", "create_app"]

BATCH_PAD = "/api/v1/berekeningen:batch"
#: The bulk routes whose whole request (read, parse, calculate, answer) runs with the collector paused.
_ZONDER_GC = frozenset({BATCH_PAD, BETAALRUN_PAD})


class BatchZonderGc:
    """ASGI middleware: the cyclic garbage collector is paused while a batch request (the household batch, or a
    payment run chunk) is read, parsed, validated, calculated and answered (:mod:`gbi_domain.engine.gc_pauze`). A
    batch of 10,000 households allocates millions of objects without reference cycles; the collector rescanning them
    took more than half of the request's time. Other requests served meanwhile run with the collector paused too;
    reference counting still frees their memory.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in _ZONDER_GC:
            with gc_gepauzeerd():
                await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def create_app(settings: DomainSettings | None = None) -> FastAPI:
    settings = settings or DomainSettings()
    # Load and check the rule data at start-up: a broken rule file stops the service, not a request.
    standaard_regelset()

    app = create_service_app(
        settings,
        title="GBI domeinlaag",
        description="Recht en hoogte van bijstand volgens de Participatiewet en het beleid van de gemeente.",
        routers=[router, beschikking_router, betaalrun_router],
        on_startup=[freeze_startup_heap],  # the rule set and schemas out of the collector's reach
    )
    app.state.service = DomainService()
    app.add_middleware(BatchZonderGc)
    _documenteer_batch_verzoek(app)
    return app


def _documenteer_batch_verzoek(app: FastAPI) -> None:
    """The batch route reads its body itself (``api.post_batch``); its schema joins the components here."""
    origineel = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = origineel()
        _, defs = models_json_schema([(BatchVerzoek, "validation")], ref_template="#/components/schemas/{model}")
        componenten = schema.setdefault("components", {}).setdefault("schemas", {})
        for naam, definitie in defs.get("$defs", {}).items():
            componenten.setdefault(naam, definitie)
        schema["components"]["schemas"] = dict(sorted(componenten.items()))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

"""Notifications out (ZGW Notificaties style): the delivery worker (``Bezorger``) that claims due leveringen at the
data service, POSTs each notification to the subscriber's callback URL with its Authorization header and reports
the answer; the internal API for abonnementen, kanalen and leveringen and the public ``/api/v1/abonnementen``
(``router`` holds both), which the data service keeps. ``start_bezorger`` and ``stop_bezorger`` are the app's
lifespan hooks."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from gbi_integration.notificaties.api import router as intern_router
from gbi_integration.notificaties.bezorger import Bezorger, BezorgerStatus, absoluut, worker_id
from gbi_integration.notificaties.publiek import router as publiek_router
from gbi_integration.settings import IntegrationSettings

__all__ = ["Bezorger", "BezorgerStatus", "absoluut", "router", "start_bezorger", "stop_bezorger", "worker_id"]

router = APIRouter()
router.include_router(intern_router)
router.include_router(publiek_router)


async def start_bezorger(app: FastAPI) -> None:
    """Start this replica's delivery worker (``GBI_NOTIFICATIES_WORKER_ENABLED``; unset: on outside tests)."""
    settings: IntegrationSettings = app.state.settings
    app.state.bezorger = None
    if not settings.notificaties_worker_on:
        return
    bezorger = Bezorger(
        app.state.gateway,
        app.state.transport,
        settings,
        tracer=app.state.telemetry.tracer("gbi.notificaties"),
    )
    app.state.bezorger = bezorger
    bezorger.start()


async def stop_bezorger(app: FastAPI) -> None:
    bezorger: Bezorger | None = getattr(app.state, "bezorger", None)
    if bezorger is not None:
        await bezorger.stop()

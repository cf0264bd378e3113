"""The data service application: ``python -m gbi_shared.serve gbi_data.app:create_app --port 8005``.

The schema is not created here: run ``python -m gbi_data.migrate`` first (``make run`` does).
"""

from __future__ import annotations

import logging

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from gbi_data.alo.api import router as alo_router
from gbi_data.api import router
from gbi_data.betaalrun.api import router as betaalrun_router
from gbi_data.database import Database
from gbi_data.interactie.api import router as interactie_router
from gbi_data.inzicht import router as inzicht_router
from gbi_data.notificaties.api import router as notificaties_router
from gbi_data.service import DataService
from gbi_data.settings import DataSettings, get_settings
from gbi_data.signalen.api import router as signalen_router
from gbi_shared import ReadinessCheck, ServiceUnavailableError, problem_response
from gbi_shared import create_app as create_service_app
from gbi_shared.gc_pauze import freeze_startup_heap

__all__ = ["create_app"]

log = logging.getLogger("gbi.data")


def create_app(settings: DataSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = Database(settings)

    async def database_ready() -> str | None:
        try:
            await anyio.to_thread.run_sync(database.ping)
        except Exception as exc:  # any failure of the round trip means not ready
            return f"database unreachable ({type(exc).__name__})"
        return None

    async def close_database(_app: FastAPI) -> None:
        database.dispose()

    app = create_service_app(
        settings,
        title="GBI data",
        description="The only owner of GBI's database: tenant-isolated records and the processing log.",
        routers=[
            router,
            alo_router,
            notificaties_router,
            inzicht_router,
            signalen_router,
            betaalrun_router,
            interactie_router,
        ],
        readiness=[ReadinessCheck("database", database_ready)],
        # A bulk request's collections (a delivery of 25,000 signals makes ~100,000 objects) walk only what requests
        # made, not the ~150,000 start-up objects (measured: ~10-15% of the Python time of parsing a delivery).
        on_startup=[freeze_startup_heap],
        on_shutdown=[close_database],
    )
    app.state.database = database
    app.state.data_service = DataService(settings)

    async def database_unavailable(request: Request, exc: Exception) -> Response:
        # Lost connection, lock wait exhausted, server restarting: the request may be retried.
        log.warning("database unavailable: %s", type(exc).__name__)
        return problem_response(ServiceUnavailableError("De database is tijdelijk niet bereikbaar"), request)

    async def database_busy(request: Request, exc: Exception) -> Response:
        # Every pooled connection was in use for the whole pool timeout: the service is saturated, not broken.
        # A 503 with Retry-After lets the caller come back (before, this was an unhandled 500).
        log.warning("database pool exhausted: %s", type(exc).__name__)
        return problem_response(ServiceUnavailableError("De database is tijdelijk te druk", retry_after=2), request)

    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(PoolTimeoutError, database_busy)
    return app

"""The process layer: runs each transaction, cold steps automatically, warm steps as tasks."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from gbi_process.alo import HANDLERS as ALO_HANDLERS
from gbi_process.alo import AloProces, RunOptions, Worker, worker_id
from gbi_process.alo import router as alo_router
from gbi_process.alo.referentie import Referentiecache
from gbi_process.api import router
from gbi_process.betaalrun import BetaalrunWorker
from gbi_process.betaalrun import internal_router as betaalrun_intern
from gbi_process.betaalrun import public_router as betaalrun_publiek
from gbi_process.diagram_api import router as diagram_router
from gbi_process.dossier_api import router as dossier_router
from gbi_process.engine import DefinitionRegistry, SpiffEngine
from gbi_process.service import ProcessService
from gbi_process.settings import ProcessSettings
from gbi_shared import client_credentials_check
from gbi_shared import create_app as create_service_app
from gbi_shared.contracts.alo import Aanvraag
from gbi_shared.gc_pauze import freeze_startup_heap

__all__ = ["create_app"]


def create_app(settings: ProcessSettings | None = None) -> FastAPI:
    settings = settings or ProcessSettings()
    # SpiffWorkflow logs every task state change at INFO (about 60 lines per straight-through case, 84% of this
    # service's log volume, each formatted as JSON and redacted). Our own per-step lines say what ran; the engine's
    # warnings and errors still come through.
    logging.getLogger("spiff").setLevel(logging.WARNING)
    # Load and validate every model at start-up, against the handlers this service implements: a model that
    # names a step nobody implements stops the service, not a case.
    registry = DefinitionRegistry.from_directory(settings.orchestration_dir, handlers=tuple(ALO_HANDLERS))
    engine = SpiffEngine(registry)

    async def start_worker(app: FastAPI) -> None:
        if not settings.worker_enabled:
            return
        worker = Worker(
            engine,
            app.state.gateway,
            RunOptions(
                worker=worker_id(),
                lease_s=settings.worker_lease_s,
                message_poll_s=settings.message_poll_s,
                retry_base_s=settings.retry_base_s,
                retry_max_s=settings.retry_max_s,
                signaleringstermijn_dagen=settings.signaleringstermijn_dagen,
            ),
            interval_s=settings.worker_interval_s,
            idle_max_s=settings.worker_idle_max_s,
            concurrency=settings.worker_concurrency,
            claim_limit=settings.worker_claim_limit,
            referentie=app.state.referentie,
        )
        app.state.worker = worker
        worker.start()
        betaalrun_worker = BetaalrunWorker(app.state.gateway)
        app.state.betaalrun_worker = betaalrun_worker
        betaalrun_worker.start()

    async def stop_worker(app: FastAPI) -> None:
        worker: Worker | None = getattr(app.state, "worker", None)
        if worker is not None:
            await worker.stop()
        betaalrun_worker: BetaalrunWorker | None = getattr(app.state, "betaalrun_worker", None)
        if betaalrun_worker is not None:
            await betaalrun_worker.stop()

    app = create_service_app(
        settings,
        title="GBI proceslaag",
        description="Voert de transacties van de Participatiewet uit, van aanvraag tot betaling.",
        routers=[router, alo_router, betaalrun_publiek, betaalrun_intern, diagram_router, dossier_router],
        readiness=[client_credentials_check(settings)],
        # The engine's many short-lived objects set off full collections: they walk only what runs made, not the
        # start-up heap with the parsed models and task specs (measured in memory: ~0.5 ms per STP case less).
        on_startup=[freeze_startup_heap, start_worker],
        on_shutdown=[stop_worker],
    )
    app.state.service = ProcessService(app.state.gateway)
    app.state.engine = engine
    app.state.registry = registry
    app.state.worker = None
    app.state.referentie = Referentiecache(app.state.gateway, settings.reference_cache_s)

    def wake(aanvraag: Aanvraag) -> None:
        worker: Worker | None = app.state.worker
        if worker is not None:
            worker.nieuw(aanvraag)

    app.state.alo = AloProces(
        app.state.gateway,
        engine,
        registry,
        signaleringstermijn_dagen=settings.signaleringstermijn_dagen,
        nieuw_werk=wake,
        referentie=app.state.referentie,
        werker=lambda: app.state.worker,
    )
    return app

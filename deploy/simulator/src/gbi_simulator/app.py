"""The outside-world simulator: BRP (Haal Centraal Personen v2) and a development identity provider.

Started like every GBI process (``python -m gbi_shared.serve gbi_simulator.app:create_app --port 8090``); it
stands in for government systems in development and tests and refuses to start in production.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from gbi_shared import Environment, ReadinessCheck, load_settings
from gbi_shared import create_app as create_service_app
from gbi_simulator.abonnee import AbonneeSimulator
from gbi_simulator.abonnee import router as abonnee_router
from gbi_simulator.bronnen import Bronnen, BronnenSimulator, Storingen
from gbi_simulator.bronnen import control as bronnen_control
from gbi_simulator.bronnen import routers as bronnen_routers
from gbi_simulator.brp import BrpProblem, BrpService, FieldCatalog, PersonStore, brp_problem_response
from gbi_simulator.brp import router as brp_router
from gbi_simulator.clock import Clock
from gbi_simulator.frontoffice import router as frontoffice_router
from gbi_simulator.idp import IdentityProvider, SigningKey, load_clients
from gbi_simulator.idp import router as idp_router
from gbi_simulator.idp_login import router as idp_login_router
from gbi_simulator.settings import SimulatorSettings
from gbi_simulator.zgw import ZgwSimulator, load_zgw_clients
from gbi_simulator.zgw import router as zgw_router

__all__ = ["create_app"]

log = logging.getLogger("gbi.simulator")


class ClockState(BaseModel):
    """The simulator's day; ``today`` null means the real date."""

    model_config = ConfigDict(extra="forbid")

    today: date | None = None


control_router = APIRouter(prefix="/simulator", tags=["Simulator control"])


@control_router.get("/clock", summary="The simulator's day (ages in the BRP)")
async def get_clock(request: Request) -> dict[str, Any]:
    clock: Clock = request.app.state.clock
    return {"today": clock.today().isoformat(), "fixed": clock.fixed is not None}


@control_router.put("/clock", summary="Fix the simulator's day (null: back to the real date)")
async def put_clock(state: ClockState, request: Request) -> dict[str, Any]:
    clock: Clock = request.app.state.clock
    clock.set(state.today)
    log.info("clock set", extra={"event": "clock", "fixed": state.today.isoformat() if state.today else "real"})
    return {"today": clock.today().isoformat(), "fixed": clock.fixed is not None}


@control_router.get("/brp/raadplegingen", summary="How often the BRP was asked for each person by BSN (protocol)")
async def get_brp_raadplegingen(request: Request) -> dict[str, Any]:
    brp: BrpService = request.app.state.brp
    return {"raadplegingen": dict(brp.raadplegingen)}


def create_app(settings: SimulatorSettings | None = None) -> FastAPI:
    """Build the simulator: load and index the test persons once, set up the IdP, mount the routes."""
    settings = settings or load_settings(SimulatorSettings)
    if settings.environment is Environment.PRODUCTION:
        raise RuntimeError("the simulator is never run in production (GBI_ENVIRONMENT=production)")

    clock = Clock(settings.today)
    store = PersonStore.load(settings.brp_testdata_file)
    catalog = FieldCatalog.from_file(settings.brp_spec_file)
    brp = BrpService(store, catalog, clock)

    def test_person_name(bsn: str) -> str | Literal[False] | None:
        person = store.get(bsn)
        if person is None:
            return False
        name = (person.persoon.get("naam") or {}).get("volledigeNaam")
        return str(name) if name else None

    idp = IdentityProvider(
        issuer=settings.idp_issuer,
        ttl_s=settings.idp_token_ttl_s,
        key=SigningKey.load_or_create(settings.idp_key_file),
        clients=load_clients(settings.idp_clients_file),
        test_person_name=test_person_name,
    )

    async def testdata_loaded() -> str | None:
        return None if len(store) > 0 else "no BRP test persons loaded"

    zgw = ZgwSimulator(
        settings.specs_dir,
        load_zgw_clients(settings.zgw_clients_file),
        today=clock.today,
        jwt_max_age_s=settings.zgw_jwt_max_age_s,
        check_responses=settings.zgw_check_responses,
    )

    app = create_service_app(
        settings,
        title="GBI simulator",
        description=(
            "The outside world for development and tests: Haal Centraal BRP Personen v2 (RvIG test persons) and a "
            "development identity provider. Never deployed in production."
        ),
        # The routes a case uses come first, the short routers before the long one: a request is matched against
        # every route before its own (each included router twice), and the ZGW router's 40-odd routes ahead of the
        # sources (6 requests a case) cost more than the sources' 6 ahead of ZGW (8 requests); their control
        # routes come after. The prefixes do not overlap, so the order changes nothing else.
        routers=[
            brp_router,
            *bronnen_routers,
            zgw_router,
            bronnen_control,
            idp_router,
            idp_login_router,
            control_router,
            frontoffice_router,
            abonnee_router,
        ],
        readiness=[ReadinessCheck("brp-testdata", testdata_loaded)],
    )
    log.info(
        "BRP test persons loaded",
        extra={"event": "brp-loaded", "persons": len(store), "ms": store.load_ms, "kid": idp.key.kid},
    )
    app.state.clock = clock
    app.state.store = store
    app.state.brp = brp
    app.state.idp = idp
    app.state.bronnen = BronnenSimulator(Bronnen(store, clock), Storingen())
    app.state.zgw = zgw
    app.state.abonnee = AbonneeSimulator(settings.specs_dir)

    @app.exception_handler(BrpProblem)
    async def _brp_problem(request: Request, exc: BrpProblem) -> Response:
        return brp_problem_response(exc, request)

    return app

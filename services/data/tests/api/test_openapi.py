"""The service documents its internal API, errors included."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gbi_data.alo.api import router as alo_router
from gbi_data.app import create_app
from gbi_data.betaalrun.api import router as betaalrun_router
from gbi_data.interactie.api import router as interactie_router
from gbi_data.inzicht.api import router as inzicht_router
from gbi_data.notificaties.api import router as notificaties_router
from gbi_data.settings import DataSettings
from gbi_data.signalen.api import router as signalen_router


def test_openapi_lists_the_internal_routes_and_problem_responses(tmp_path) -> None:
    settings = DataSettings(database_url=f"sqlite:///{tmp_path / 'gbi.db'}", environment="test", log_level="WARNING")
    with TestClient(create_app(settings)) as client:
        spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    # Each sub-package's routes are checked in its own tests (tests/alo, tests/notificaties, ...); here: they are
    # all published, and nothing else is besides the core routes below.
    subrouters = (alo_router, betaalrun_router, interactie_router, inzicht_router, notificaties_router, signalen_router)
    others = {route.path for r in subrouters for route in r.routes}
    assert others <= set(paths)
    assert set(paths) - others == {
        "/internal/data/v1/gemeenten",
        "/internal/data/v1/gemeenten/{code}",
        "/internal/data/v1/proefberekeningen",
        "/internal/data/v1/proefberekeningen/{proefberekeningId}",
        "/internal/data/v1/audit",
        "/internal/data/v1/audit:batch",
        "/internal/data/v1/audit/verify",
        "/internal/data/v1/beleid/{onderwerp}",
        "/internal/data/v1/beleid/{onderwerp}/versies",
        "/internal/data/v1/beleid/{onderwerp}/versies/{versie}",
    }
    create = paths["/internal/data/v1/proefberekeningen"]["post"]
    assert {"201", "400", "401", "403", "409"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert "Problem" in spec["components"]["schemas"]
    beleid = paths["/internal/data/v1/beleid/{onderwerp}/versies"]["post"]
    assert {"201", "400", "401", "403", "404", "409"} <= set(beleid["responses"])

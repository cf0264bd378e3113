"""The simulator process: settings, production refusal, health."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from starlette.testclient import TestClient

from gbi_shared import Environment
from gbi_simulator.app import create_app
from gbi_simulator.settings import SimulatorSettings, default_specs_dir


def test_default_specs_dir_is_beside_the_checkout() -> None:
    specs = default_specs_dir()
    assert specs.name == "specs"
    assert specs.parent.name == "shared"
    assert (specs / "brp" / "personen-2.7.0.yaml").is_file()


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GBI_SIMULATOR_IDP_CLIENTS_FILE", str(tmp_path / "clients.json"))
    monkeypatch.setenv("GBI_SIMULATOR_IDP_KEY_FILE", str(tmp_path / "key.pem"))
    monkeypatch.setenv("GBI_SIMULATOR_IDP_ISSUER", "http://sim.test/idp/")
    monkeypatch.setenv("GBI_SIMULATOR_TODAY", "2030-01-31")
    monkeypatch.setenv("GBI_ENVIRONMENT", "test")
    settings = SimulatorSettings()
    assert settings.idp_clients_file == tmp_path / "clients.json"
    assert settings.idp_key_file == tmp_path / "key.pem"
    assert settings.idp_issuer == "http://sim.test/idp"
    assert settings.today == date(2030, 1, 31)
    assert settings.environment is Environment.TEST
    assert settings.service_name == "gbi-simulator"
    assert settings.idp_token_ttl_s == 3600


def test_refuses_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GBI_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="never run in production"):
        SimulatorSettings()
    # Even settings built around the validation are refused by the factory.
    settings = SimulatorSettings.model_construct(environment=Environment.PRODUCTION)
    with pytest.raises(RuntimeError, match="never run in production"):
        create_app(settings)


def test_missing_test_data_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        create_app(SimulatorSettings(specs_dir=tmp_path, log_json=False, environment="test"))


def test_start_loads_the_test_persons_and_is_ready() -> None:
    # How fast it starts is a benchmark's question (make bench), not a test's: these machines are shared.
    app = create_app(SimulatorSettings(log_json=False, environment="test"))
    with TestClient(app) as client:
        ready = client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"brp-testdata": "ok"}
        assert client.get("/health/live").status_code == 200


def test_a_source_request_is_matched_before_the_zgw_routes(app: FastAPI) -> None:
    """The routers a case uses come first, the sources' (6 requests a case, side by side) before the 40-odd ZGW
    routes, the sources' control routes after them; each path of a case is matched by exactly one of them."""
    from starlette.routing import Match

    def position(method: str, path: str) -> int:
        scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}
        matched = [i for i, r in enumerate(app.routes) if r.matches(scope)[0] is Match.FULL]
        assert len(matched) == 1, (path, matched)
        return matched[0]

    brp = position("POST", "/haalcentraal/api/brp/personen")
    sources = [
        position("POST", "/suwinet/UWVDossierInkomstenGSD-v0200/UWVPersoonsIkvInfo"),
        position("POST", "/suwinet/DUODossierStudiefinancieringGSD-v0200/DUOStudiefinancieringInfo"),
        position("POST", "/dji/api/v1/detenties/zoeken"),
        position("POST", "/inlichtingenbureau/api/v1/gemeenten/0363/signalen/zoeken"),
    ]
    zgw = position("POST", "/zgw/zaken/api/v1/statussen")
    control = position("GET", "/simulator/bronnen/personen")
    assert brp < min(sources)
    assert max(sources) < zgw < control

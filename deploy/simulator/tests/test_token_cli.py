"""``python -m gbi_simulator.token``: prints a token from the IdP's token endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from starlette.testclient import TestClient

from gbi_simulator.app import create_app
from gbi_simulator.settings import SimulatorSettings, default_specs_dir
from gbi_simulator.token import main


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    clients = tmp_path_factory.mktemp("cli") / "clients.json"
    clients.write_text(
        json.dumps([{"client_id": "gbi-domain", "client_secret": "domain-secret", "actor_type": "service"}]),
        encoding="utf-8",
    )
    settings = SimulatorSettings(
        specs_dir=default_specs_dir(), idp_clients_file=clients, log_json=False, environment="test"
    )
    return TestClient(create_app(settings))


@pytest.fixture
def post(idp: TestClient) -> Any:
    calls: list[tuple[str, dict[str, str]]] = []

    def post(url: str, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        calls.append((url, form))
        response = idp.post(urlsplit(url).path, data=form)
        body: dict[str, object] = response.json()
        return response.status_code, body

    post.calls = calls  # type: ignore[attr-defined]
    return post


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


@pytest.fixture(autouse=True)
def _no_suite_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GBI_SIMULATOR_IDP_ISSUER", raising=False)
    monkeypatch.delenv("GBI_BASE_PORT", raising=False)


def test_burger_token(post: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["burger", "--bsn", "999993653"], post=post) == 0
    token = capsys.readouterr().out.strip()
    assert claims(token)["bsn"] == "999993653"
    url, form = post.calls[0]
    assert url == "http://127.0.0.1:8090/idp/token"
    assert form == {"grant_type": "urn:gbi:dev", "actor_type": "burger", "bsn": "999993653"}


def test_medewerker_token_with_another_idp_url(post: Any, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--idp-url", "http://localhost:9999/idp/", "medewerker", "--gemeente", "0599", "--roles", "klantmanager"]
    assert main([*argv, "--name", "Piet Jansen"], post=post) == 0
    token = capsys.readouterr().out.strip()
    assert claims(token)["gemeente"] == "0599"
    assert claims(token)["name"] == "Piet Jansen"
    assert post.calls[0][0] == "http://localhost:9999/idp/token"


def test_the_idp_of_a_suite_on_another_base_port(
    post: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``GBI_BASE_PORT=23400 make run`` then ``GBI_BASE_PORT=23400 make token ARGS=...``: the simulator is at +90.
    monkeypatch.setenv("GBI_BASE_PORT", "23400")
    assert main(["burger", "--bsn", "999993653"], post=post) == 0
    assert post.calls[-1][0] == "http://127.0.0.1:23490/idp/token"
    # The issuer the suite gives its processes still wins (that is where they verify tokens).
    monkeypatch.setenv("GBI_SIMULATOR_IDP_ISSUER", "http://127.0.0.1:9999/idp")
    assert main(["burger", "--bsn", "999993653"], post=post) == 0
    assert post.calls[-1][0] == "http://127.0.0.1:9999/idp/token"
    assert capsys.readouterr().out.count(".") == 4  # two JWTs


def test_client_token(post: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["client", "--client-id", "gbi-domain", "--client-secret", "domain-secret"], post=post) == 0
    assert claims(capsys.readouterr().out.strip())["gbi_actor_type"] == "service"


def test_refusal_is_reported_on_stderr(post: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["burger", "--bsn", "999993654"], post=post) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "400" in captured.err
    assert "bsn" in captured.err


def test_unreachable_idp(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # A port nobody listens on (below the ephemeral range): the real HTTP path, failing fast.
    from gbi_testing import dead_port

    port = dead_port()
    assert main(["--idp-url", f"http://127.0.0.1:{port}/idp", "burger", "--bsn", "999993653"]) == 1
    assert "not reachable" in capsys.readouterr().err

"""Fixtures of the delivery worker tests, all real and on loopback: the data service (migrated SQLite) behind a
small fake gateway (token endpoint; background calls with ``GBI-Gemeente`` get a signed service context, forwarded
contexts pass as they are; it can be switched off), the simulator with its subscriber (``/abonnee``), and
integration settings with short timeouts and backoff."""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gbi_data.app import create_app as create_data_app
from gbi_data.migrate import upgrade
from gbi_data.settings import DataSettings
from gbi_integration.notificaties import Bezorger
from gbi_integration.settings import IntegrationSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, GatewayClient, RequestContext, TokenProvider
from gbi_shared._http import HttpTransport
from gbi_simulator.app import create_app as create_simulator
from gbi_simulator.settings import SimulatorSettings, default_specs_dir
from gbi_testing import ServerThread, ec_pem_pair

ISSUER = "gbi-gateway"
AUDIENCE = "gbi-services"
AMSTERDAM = "0363"
ROTTERDAM = "0599"
AUTH = "Bearer sleutel-van-het-portaal-0123456789"
PUBLIC_URL = "https://api.gbi.example"
V1 = "/internal/data/v1"
N = f"{V1}/notificaties"
T = TypeVar("T")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("GBI_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def context_keys() -> tuple[str, str]:
    return ec_pem_pair()


@pytest.fixture(scope="session")
def signer(context_keys: tuple[str, str]) -> ContextSigner:
    return ContextSigner(context_keys[0], issuer=ISSUER, audience=AUDIENCE)


# ------------------------------------------------------------------------------------------------ simulator


@dataclass
class Abonnee:
    """The simulator's subscriber, driven through its control API like any test of the suite would."""

    url: str
    app: FastAPI

    def callback(self, naam: str = "portaal") -> str:
        return f"{self.url}/abonnee/{naam}/callback"

    def zet(
        self, naam: str = "portaal", *, auth: str | None = AUTH, modus: str = "online", vertraging: float = 0
    ) -> None:
        body = json.dumps({"auth": auth, "modus": modus, "vertragingS": vertraging}).encode()
        request = urllib.request.Request(
            f"{self.url}/abonnee/_abonnees/{naam}",
            data=body,
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

    def ontvangen(self, naam: str = "portaal") -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/abonnee/_ontvangen?abonnee={naam}", timeout=5) as response:
            return dict(json.loads(response.read()))

    def aantallen(self, naam: str = "portaal") -> dict[str, int]:
        return {item["id"]: item["aantal"] for item in self.ontvangen(naam)["items"]}

    def pogingen(self, naam: str = "portaal") -> int:
        return int(self.ontvangen(naam)["pogingen"].get(naam, 0))


@pytest.fixture(scope="session")
def _simulator() -> Iterator[Abonnee]:
    app = create_simulator(
        SimulatorSettings(specs_dir=default_specs_dir(), log_json=False, log_level="WARNING", environment="test")
    )
    with ServerThread(app) as server:
        yield Abonnee(server.url, app)


@pytest.fixture
def abonnee(_simulator: Abonnee) -> Abonnee:
    _simulator.app.state.abonnee.abonnees.clear()
    _simulator.app.state.abonnee.wis_ontvangen()
    _simulator.zet()
    return _simulator


# ------------------------------------------------------------------------------------------------ data + gateway


@dataclass
class Gateway:
    """The fake gateway in front of the real data service."""

    url: str = ""
    down: bool = False
    drop_results: int = 0  # answer this many result reports with 503 without passing them on
    paths: list[str] = field(default_factory=list)


def _gateway_app(gw: Gateway, data_app: ASGIApp, signer: ContextSigner) -> Starlette:
    async def token(request: Request) -> Response:
        return JSONResponse({"access_token": "service-token", "token_type": "Bearer", "expires_in": 300})

    async def unavailable(send: Send) -> None:
        body = json.dumps({"type": "about:blank", "title": "Niet beschikbaar", "status": 503}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [(b"content-type", b"application/problem+json"), (b"retry-after", b"1")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def data(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await data_app(scope, receive, send)
            return
        gw.paths.append(scope["path"])
        if gw.down:
            await unavailable(send)
            return
        if gw.drop_results and scope["path"].endswith("/resultaat"):
            gw.drop_results -= 1
            await unavailable(send)
            return
        headers = dict(scope["headers"])
        if CONTEXT_HEADER.lower().encode() not in headers:
            # A service acting as itself (GBI-Gemeente): the gateway signs its context, as the real one does.
            gemeente = headers.get(b"gbi-gemeente", b"").decode() or None
            ctx = RequestContext(
                "gbi-integration",
                ActorType.SERVICE,
                frozenset({"gbi-service"}),
                gemeente,
                client_id="gbi-integration",
            )
            scope = dict(scope)
            scope["headers"] = [*scope["headers"], (CONTEXT_HEADER.lower().encode(), signer.sign(ctx).encode())]
        await data_app(scope, receive, send)

    return Starlette(routes=[Route("/token", token, methods=["POST"]), Mount("/", app=data)])


@dataclass
class Data:
    """The real data service: a test client with signed contexts, for causing changes and looking at leveringen."""

    client: TestClient
    signer: ContextSigner

    def headers(self, gemeente: str | None = AMSTERDAM, **kw: Any) -> dict[str, str]:
        values: dict[str, Any] = {
            "actor_id": "gbi-process",
            "actor_type": ActorType.SERVICE,
            "roles": frozenset({"gbi-service"}),
            "gemeente": gemeente,
        } | kw
        return {CONTEXT_HEADER: self.signer.sign(RequestContext(**values))}

    def beheerder(self, gemeente: str = AMSTERDAM) -> dict[str, str]:
        return self.headers(gemeente, actor_id="beheerder-1", actor_type=ActorType.MEDEWERKER, roles={"beheerder"})

    def abonnement(self, callback: str, *, auth: str = AUTH, gemeente: str = AMSTERDAM, **filters: str) -> str:
        body = {"callbackUrl": callback, "auth": auth, "kanalen": [{"naam": "aanvragen", "filters": filters}]}
        response = self.client.post(f"{N}/abonnementen", json=body, headers=self.beheerder(gemeente))
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def aanvraag(self, gemeente: str = AMSTERDAM) -> dict[str, Any]:
        body = {
            "bsn": "999993653",
            "meldingsdatum": "2026-03-02",
            "aanvraagdatum": "2026-03-09",
            "kanaal": "digitaal",
            "gegevens": {},
        }
        response = self.client.post(
            f"{V1}/aanvragen", json=body, headers=self.headers(gemeente) | {"Idempotency-Key": uuid.uuid4().hex}
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def leveringen(self, gemeente: str = AMSTERDAM, **query: str) -> list[dict[str, Any]]:
        response = self.client.get(
            f"{N}/leveringen", params={"pageSize": "100", **query}, headers=self.headers(gemeente)
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    def klok(self, offset: int) -> None:
        response = self.client.put(f"{V1}/klok", json={"offsetSeconden": offset}, headers=self.headers())
        assert response.status_code == 200, response.text


@pytest.fixture
def data_and_gateway(
    tmp_path: Path, context_keys: tuple[str, str], signer: ContextSigner
) -> Iterator[tuple[Data, Gateway]]:
    settings = DataSettings(
        database_url=f"sqlite:///{tmp_path / 'gbi.db'}",
        environment="test",
        context_public_key=SecretStr(context_keys[1]),
        context_issuer=ISSUER,
        context_audience=AUDIENCE,
        audit_pseudonym_key=SecretStr("test-pseudonym-key-0123456789abcdef"),
        log_json=False,
        log_level="WARNING",
    )
    upgrade(settings)
    data_app = create_data_app(settings)
    gw = Gateway()
    with ServerThread(_gateway_app(gw, data_app, signer)) as server, TestClient(data_app) as client:
        gw.url = server.url
        yield Data(client, signer), gw


@pytest.fixture
def data(data_and_gateway: tuple[Data, Gateway]) -> Data:
    return data_and_gateway[0]


@pytest.fixture
def gateway(data_and_gateway: tuple[Data, Gateway]) -> Gateway:
    return data_and_gateway[1]


# ------------------------------------------------------------------------------------------------ integration


@pytest.fixture
def make_settings(gateway: Gateway, context_keys: tuple[str, str]) -> Callable[..., IntegrationSettings]:
    def make(**overrides: Any) -> IntegrationSettings:
        values: dict[str, Any] = {
            "environment": "test",
            "log_json": False,
            "log_level": "WARNING",
            "gateway_url": gateway.url,
            "oidc_token_url": gateway.url + "/token",
            "client_id": "gbi-integration",
            "client_secret": SecretStr("integration-secret"),
            "context_public_key": SecretStr(context_keys[1]),
            "context_issuer": ISSUER,
            "context_audience": AUDIENCE,
            "notificaties_worker_enabled": False,
            "notificaties_interval_s": 0.05,
            "notificaties_timeout_s": 1.0,
            "notificaties_lease_s": 5,
            "notificaties_retry_base_s": 0.2,
            "notificaties_retry_max_s": 0.8,
            "notificaties_max_attempts": 10,
            "notificaties_public_url": PUBLIC_URL,
        }
        values.update(overrides)
        return IntegrationSettings(**values)

    return make


Scenario = Callable[[Bezorger], Awaitable[T]]


@pytest.fixture
def run(make_settings: Callable[..., IntegrationSettings]) -> Callable[..., Any]:
    """``run(scenario, **settings)``: run ``await scenario(bezorger)`` in a fresh event loop with a worker that has
    its own transport and token provider, as the integration service builds it."""

    def go(scenario: Scenario[T], *, workers: int = 1, **overrides: Any) -> T:
        settings = make_settings(**overrides)

        async def main() -> T:
            transport = HttpTransport(tracer=trace.get_tracer("gbi.tests.notificaties"), timeout_s=10.0)
            tokens = TokenProvider(transport, settings.oidc_token_url or "", "gbi-integration", "integration-secret")
            gateway = GatewayClient(transport, settings.gateway_url, tokens, service_name="gbi-integration")
            bezorgers = [
                Bezorger(gateway, transport, settings, tracer=trace.get_tracer("t"), worker=f"bezorger-{i}")
                for i in range(workers)
            ]
            try:
                return await scenario(bezorgers[0] if workers == 1 else bezorgers)  # type: ignore[arg-type]
            finally:
                await transport.close()

        return asyncio.run(main())

    return go


async def until(check: Callable[[], bool], within_s: float = 10.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)

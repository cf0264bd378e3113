"""Fixtures of the source-port tests: the real simulator and a fake gateway (identity provider + data service's
audit endpoint that records every POST) on loopback, signed GBI-Context headers, and integration apps built with
explicit settings pointing at them."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gbi_integration.app import create_app
from gbi_integration.settings import IntegrationSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, RequestContext
from gbi_simulator.app import create_app as create_simulator
from gbi_simulator.settings import SimulatorSettings, default_specs_dir
from gbi_testing import ServerThread, ec_pem_pair

ISSUER = "gbi-gateway"
AUDIENCE = "gbi-services"
DEN_HAAG = "0518"
AMSTERDAM = "0363"
SIMULATOR_HEADERS = {"x-doelbinding": "test", "x-verwerking": "test", "x-gebruiker": "test"}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("GBI_"):
            monkeypatch.delenv(name)


# ------------------------------------------------------------------------------------------------ simulator


@dataclass
class Simulator:
    url: str
    app: FastAPI

    def storing(self, bron: str, modus: str, **extra: Any) -> None:
        """Disturb a source through the simulator's control API."""
        body = json.dumps({"modus": modus, **extra}).encode()
        request = urllib.request.Request(
            f"{self.url}/simulator/bronnen/storingen/{bron}",
            data=body,
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

    def aanroepen(self, bron: str) -> int:
        return int(self.app.state.bronnen.storingen.aanroepen[bron])

    def herstel(self) -> None:
        self.app.state.bronnen.storingen.wis()
        self.app.state.bronnen.bronnen.wis_toegevoegde_signalen()


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    """The real simulator (real clock: the adapters compare with today's date) served on loopback."""
    app = create_simulator(
        SimulatorSettings(specs_dir=default_specs_dir(), log_json=False, log_level="WARNING", environment="test")
    )
    with ServerThread(app) as server:
        yield Simulator(server.url, app)


@pytest.fixture(autouse=True)
def _healthy_simulator(simulator: Simulator) -> Iterator[None]:
    simulator.herstel()
    yield
    simulator.herstel()


# ------------------------------------------------------------------------------------------------ fake gateway


@dataclass
class Gateway:
    """The fake gateway: identity provider token endpoint and the data service's audit endpoint."""

    url: str = ""
    audit: list[dict[str, Any]] = field(default_factory=list)
    audit_headers: list[dict[str, str]] = field(default_factory=list)
    audit_attempts: int = 0
    audit_calls: list[tuple[str, int]] = field(default_factory=list)  # (path, entries) of every audit POST answered
    fail_audit: int | None = None  # answer this status to audit POSTs (None: 201)

    def reset(self) -> None:
        self.audit.clear()
        self.audit_headers.clear()
        self.audit_attempts = 0
        self.audit_calls.clear()
        self.fail_audit = None

    def contexts(self) -> list[dict[str, Any]]:
        """The forwarded GBI-Context claims of the audit POSTs (not verified: the real gateway does that)."""
        return [jwt.decode(h[CONTEXT_HEADER.lower()], options={"verify_signature": False}) for h in self.audit_headers]


def _gateway_app(gw: Gateway) -> Starlette:
    async def token(request: Request) -> Response:
        return JSONResponse({"access_token": "service-token", "token_type": "Bearer", "expires_in": 300})

    async def audit(request: Request) -> Response:
        gw.audit_attempts += 1
        if gw.fail_audit is not None:
            return JSONResponse(
                {"type": "about:blank", "title": "weg", "status": gw.fail_audit},
                status_code=gw.fail_audit,
                media_type="application/problem+json",
            )
        body = json.loads(await request.body())
        # A batch (one gathering) is recorded as its entries, in order; ``audit_calls`` tells the writes apart.
        entries = body["items"] if request.url.path.endswith(":batch") else [body]
        gw.audit.extend(entries)
        gw.audit_headers.extend({k.lower(): v for k, v in request.headers.items()} for _ in entries)
        gw.audit_calls.append((request.url.path, len(entries)))
        return JSONResponse({"seq": len(gw.audit)}, status_code=201)

    return Starlette(
        routes=[
            Route("/token", token, methods=["POST"]),
            Route("/internal/data/v1/audit", audit, methods=["POST"]),
            Route("/internal/data/v1/audit:batch", audit, methods=["POST"]),
        ]
    )


@pytest.fixture(scope="session")
def _gateway_server() -> Iterator[Gateway]:
    gw = Gateway()
    with ServerThread(_gateway_app(gw)) as server:
        gw.url = server.url
        yield gw


@pytest.fixture
def gateway(_gateway_server: Gateway) -> Iterator[Gateway]:
    _gateway_server.reset()
    yield _gateway_server
    _gateway_server.reset()


# ------------------------------------------------------------------------------------------------ context


def _pem_pair() -> tuple[str, str]:
    return ec_pem_pair()


@pytest.fixture(scope="session")
def context_keys() -> tuple[str, str]:
    return _pem_pair()


@pytest.fixture(scope="session")
def signer(context_keys: tuple[str, str]) -> ContextSigner:
    return ContextSigner(context_keys[0], issuer=ISSUER, audience=AUDIENCE)


Headers = Callable[..., dict[str, str]]


@pytest.fixture
def headers(signer: ContextSigner) -> Headers:
    """``headers(roles=..., gemeente=..., actor_type=..., bsn=..., purpose=...)``: a signed GBI-Context."""

    def make(
        *,
        roles: tuple[str, ...] = ("gbi-service",),
        gemeente: str | None = DEN_HAAG,
        actor_type: ActorType = ActorType.SERVICE,
        bsn: str | None = None,
        purpose: str = "aanvraag-levensonderhoud",
        actor_id: str = "gbi-process",
    ) -> dict[str, str]:
        ctx = RequestContext(
            actor_id=actor_id,
            actor_type=actor_type,
            roles=frozenset(roles),
            gemeente=gemeente,
            bsn=bsn,
            purpose=purpose,
            client_id="gbi-process" if actor_type is ActorType.SERVICE else None,
        )
        return {CONTEXT_HEADER: signer.sign(ctx)}

    return make


# ------------------------------------------------------------------------------------------------ integration app


def bron_urls(base: str) -> dict[str, str]:
    return {
        "uwv_url": f"{base}/suwinet/UWVDossierInkomstenGSD-v0200",
        "rdw_url": f"{base}/suwinet/RDWDossierGSD-v0200",
        "kadaster_url": f"{base}/suwinet/KadasterDossierGSD-v0300",
        "duo_url": f"{base}/suwinet/DUODossierStudiefinancieringGSD-v0200",
        "dji_url": f"{base}/dji/api/v1",
        "ib_url": f"{base}/inlichtingenbureau/api/v1",
    }


@pytest.fixture
def make_settings(
    simulator: Simulator, gateway: Gateway, context_keys: tuple[str, str]
) -> Callable[..., IntegrationSettings]:
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
            "bronnen_timeout_s": 2.0,
            "bronnen_retries": 2,
            "bronnen_retry_delay_s": 0.005,
            "breaker_failures": 50,
            "breaker_cooldown_s": 60.0,
            **bron_urls(simulator.url),
        }
        values.update(overrides)
        return IntegrationSettings(**values)

    return make


@pytest.fixture
def make_client(make_settings: Callable[..., IntegrationSettings]) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        client = TestClient(create_app(make_settings(**overrides)))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()

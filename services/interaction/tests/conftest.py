"""Fixtures of the interaction layer's API tests: the interaction app built from explicit settings under a
TestClient, real signed GBI-Context headers for citizens and staff, and the layers below faked over real HTTP on
loopback (``fake_gateway.FakeGateway`` under uvicorn in a thread), so every downstream call goes through the real
GatewayClient: token, forwarded context, ``GBI-Gemeente``, problem+json mapping."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr

from gbi_interaction.app import create_app
from gbi_interaction.settings import InteractionSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, ContextVerifier, RequestContext
from gbi_testing import ec_pem_pair

from .fake_gateway import FakeGateway

ISSUER = "gbi-gateway"
AUDIENCE = "gbi-services"

# RvIG test persons (elfproef-valid BSNs) and where the fake BRP says they live.
BURGER_A = "999993653"  # Amsterdam
BURGER_B = "999990019"  # Amsterdam
BURGER_DH = "999995431"  # 's-Gravenhage
BUITEN_GBI = "999990913"  # Haarlemmermeer, not a GBI gemeente
ONBEKEND = "999992958"  # not in the BRP
AMSTERDAM = "0363"
DEN_HAAG = "0518"


def _pem_pair() -> tuple[str, str]:
    return ec_pem_pair()


@pytest.fixture(scope="session")
def context_keys() -> tuple[str, str]:
    return _pem_pair()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings come from the test only; the app factory's logging set-up must not leak into the next test."""
    for name in list(os.environ):
        if name.startswith("GBI_"):
            monkeypatch.delenv(name)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


class ServerThread:
    """An ASGI app under uvicorn in a background thread, on a loopback socket."""

    def __init__(self, app: FakeGateway) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(
            app, loop="asyncio", http="h11", ws="none", lifespan="off", log_config=None, access_log=False
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake gateway did not start")
            time.sleep(0.005)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@pytest.fixture(scope="session")
def _server(context_keys: tuple[str, str]) -> Iterator[tuple[ServerThread, list[FakeGateway]]]:
    """One loopback server for the session; each test gets a fresh fake behind it."""
    holder: list[FakeGateway] = [FakeGateway(ContextVerifier(context_keys[1], issuer=ISSUER, audience=AUDIENCE))]

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        await holder[0](scope, receive, send)

    with ServerThread(app) as server:  # type: ignore[arg-type]
        yield server, holder


@pytest.fixture
def fake(_server: tuple[ServerThread, list[FakeGateway]], context_keys: tuple[str, str]) -> FakeGateway:
    gateway = FakeGateway(ContextVerifier(context_keys[1], issuer=ISSUER, audience=AUDIENCE))
    gateway.brp = {BURGER_A: AMSTERDAM, BURGER_B: AMSTERDAM, BURGER_DH: DEN_HAAG, BUITEN_GBI: "0394"}
    _server[1][0] = gateway
    return gateway


@pytest.fixture
def client(
    _server: tuple[ServerThread, list[FakeGateway]], fake: FakeGateway, context_keys: tuple[str, str]
) -> Iterator[TestClient]:
    server = _server[0]
    settings = InteractionSettings(
        environment="test",
        gateway_url=server.url,
        oidc_token_url=server.url + "/idp/token",
        client_id="gbi-interaction",
        client_secret=SecretStr("geheim"),
        context_public_key=SecretStr(context_keys[1]),
        context_issuer=ISSUER,
        context_audience=AUDIENCE,
        log_json=False,
        log_level="WARNING",
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


Headers = dict[str, str]


class Wie:
    """Signed GBI-Context headers, as the gateway would send them."""

    def __init__(self, signer: ContextSigner) -> None:
        self._signer = signer

    def _sign(self, ctx: RequestContext) -> Headers:
        return {CONTEXT_HEADER: self._signer.sign(ctx)}

    def burger(self, bsn: str = BURGER_A) -> Headers:
        return self._sign(RequestContext(actor_id=f"burger-{bsn}", actor_type=ActorType.BURGER, bsn=bsn))

    def medewerker(self, *roles: str, gemeente: str = AMSTERDAM, naam: str = "km-1") -> Headers:
        return self._sign(
            RequestContext(
                actor_id=naam,
                actor_type=ActorType.MEDEWERKER,
                roles=frozenset(roles or ("klantmanager",)),
                gemeente=gemeente,
            )
        )

    def integrator(self, gemeente: str = AMSTERDAM) -> Headers:
        return self._sign(
            RequestContext(
                actor_id="integrator-0363",
                actor_type=ActorType.SYSTEEM,
                roles=frozenset({"integrator"}),
                gemeente=gemeente,
            )
        )


@pytest.fixture
def wie(context_keys: tuple[str, str]) -> Wie:
    return Wie(ContextSigner(context_keys[0], issuer=ISSUER, audience=AUDIENCE))

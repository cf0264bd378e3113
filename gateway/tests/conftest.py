"""Fixtures for the gateway tests: an identity provider's keys (RSA and EC) in a JWKS file, the gateway's context
key, a real echo upstream on loopback (one port per layer) and a gateway built from explicit settings."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.types import Receive, Scope, Send

from gbi_gateway.app import create_app
from gbi_gateway.settings import LAYERS, GatewaySettings
from gbi_shared.context import ContextVerifier
from gbi_testing import dead_port

ISSUER = "https://idp.test/gbi"
AUDIENCE = "gbi"
VALID_BSN = "999993653"
OTHER_VALID_BSN = "123456782"


def _pem_private(key: Any) -> str:
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode("ascii")


def _pem_public(key: Any) -> str:
    pem: bytes = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


@dataclass(frozen=True)
class Keys:
    rsa_private: Any
    rsa_public_pem: str
    ec_private: Any
    stranger_rsa: Any
    context_private_pem: str
    context_public_pem: str
    jwks: dict[str, Any]


@pytest.fixture(scope="session")
def keys() -> Keys:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    context_key = ec.generate_private_key(ec.SECP256R1())
    rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key.public_key()))
    rsa_jwk |= {"kid": "rsa-1", "use": "sig", "alg": "RS256"}
    ec_jwk |= {"kid": "ec-1", "use": "sig", "alg": "ES256"}
    # An encryption key and a symmetric key in the set must never be used to verify signatures.
    enc_jwk = dict(rsa_jwk, kid="rsa-enc", use="enc")
    oct_jwk = {"kty": "oct", "kid": "hmac-1", "k": "c2VjcmV0", "alg": "HS256"}
    return Keys(
        rsa_private=rsa_key,
        rsa_public_pem=_pem_public(rsa_key),
        ec_private=ec_key,
        stranger_rsa=stranger,
        context_private_pem=_pem_private(context_key),
        context_public_pem=_pem_public(context_key),
        jwks={"keys": [rsa_jwk, ec_jwk, enc_jwk, oct_jwk]},
    )


@pytest.fixture(scope="session")
def jwks_file(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("idp") / "jwks.json"
    path.write_text(json.dumps(keys.jwks), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings come from the test only; the app factory's logging set-up must not leak into the next test."""
    import logging

    for name in list(os.environ):
        if name.startswith("GBI_"):
            monkeypatch.delenv(name)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


# --- the echo upstream ------------------------------------------------------------------------------------------


@dataclass
class Echo:
    """An upstream that answers every request with what it received. Query parameters steer it:
    ``echo_sleep`` (seconds), ``echo_status`` (answer with a problem of that status), ``echo_headers`` (JSON object
    of response headers). ``/idp/jwks`` serves the identity provider's keys."""

    jwks: dict[str, Any]
    layer_by_port: dict[int, str] = field(default_factory=dict)
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = scope["query_string"].decode("latin-1")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        params = {k: unquote_plus(v) for k, v in params.items()}
        headers_list = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        record = {
            "layer": self.layer_by_port.get(scope["server"][1], "?"),
            "method": scope["method"],
            "path": scope["path"],
            "raw_path": scope.get("raw_path", b"").decode("latin-1"),
            "query": query,
            "headers": {k: v for k, v in headers_list},
            "header_list": headers_list,
            "body": body.decode("utf-8", "replace"),
        }
        self.seen.append(record)
        if scope["path"] == "/idp/jwks":
            await _respond(send, 200, json.dumps(self.jwks).encode(), [])
            return
        if "echo_sleep" in params:
            await asyncio.sleep(float(params["echo_sleep"]))
        wanted = json.loads(params.get("echo_headers", "{}"))
        pairs = wanted.items() if isinstance(wanted, dict) else wanted  # an object, or a list of [name, value]
        extra = [(k.encode(), v.encode()) for k, v in pairs]
        if "echo_status" in params:
            status = int(params["echo_status"])
            problem = {
                "type": "https://gbi.example.nl/problemen/upstream",
                "title": "Van de laag",
                "status": status,
                "detail": "Precies zo doorgeven",
                "invalidParams": [{"name": "veld", "code": "x", "reason": "waarom"}],
            }
            await _respond(
                send,
                status,
                json.dumps(problem, separators=(",", ":")).encode(),
                [(b"content-type", b"application/problem+json"), *extra],
            )
            return
        await _respond(send, 200, json.dumps(record).encode(), [(b"content-type", b"application/json"), *extra])


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    if not any(k.lower() == b"content-type" for k, _ in headers):
        headers = [(b"content-type", b"application/json"), *headers]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Upstream:
    """The echo app under uvicorn in a thread, one loopback socket per layer."""

    def __init__(self, echo: Echo) -> None:
        self.echo = echo
        self._sockets = []
        self.url: dict[str, str] = {}
        for layer in LAYERS:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            self._sockets.append(sock)
            echo.layer_by_port[port] = layer
            self.url[layer] = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            echo,
            loop="asyncio",
            http="h11",
            ws="none",
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
            date_header=False,
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": self._sockets}, daemon=True)

    def __enter__(self) -> Upstream:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("echo upstream did not start")
            time.sleep(0.005)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        for sock in self._sockets:
            sock.close()
        assert not self._thread.is_alive(), "echo upstream did not stop"


@pytest.fixture(scope="session")
def upstream(keys: Keys) -> Iterator[Upstream]:
    with Upstream(Echo(jwks=keys.jwks)) as up:
        yield up


@pytest.fixture
def echo(upstream: Upstream) -> Echo:
    upstream.echo.seen.clear()
    return upstream.echo


# --- tokens -----------------------------------------------------------------------------------------------------


@dataclass
class Tokens:
    keys: Keys

    def claims(self, actor: str, **extra: Any) -> dict[str, Any]:
        now = int(time.time())
        base: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 300,
            "sub": f"{actor}-{uuid.uuid4().hex[:8]}",
            "gbi_actor_type": actor,
        }
        if actor == "burger":
            base["bsn"] = VALID_BSN
        elif actor == "medewerker":
            base |= {"gemeente": "0363", "roles": ["klantmanager"]}
        elif actor == "systeem":
            base |= {"gemeente": "0599", "roles": ["integrator"], "client_id": "portaal-rotterdam"}
        elif actor == "service":
            base |= {"roles": ["gbi-service"], "client_id": "gbi-process"}
        base |= extra
        return {k: v for k, v in base.items() if v is not None}

    def rs256(self, claims: dict[str, Any], *, kid: str | None = "rsa-1", key: Any = None) -> str:
        headers = {"kid": kid} if kid is not None else {}
        return jwt.encode(claims, key or self.keys.rsa_private, algorithm="RS256", headers=headers)

    def es256(self, claims: dict[str, Any], *, kid: str | None = "ec-1") -> str:
        headers = {"kid": kid} if kid is not None else {}
        return jwt.encode(claims, self.keys.ec_private, algorithm="ES256", headers=headers)

    def token(self, actor: str, **extra: Any) -> str:
        return self.rs256(self.claims(actor, **extra))

    def bearer(self, actor: str, **extra: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(actor, **extra)}"}


@pytest.fixture(scope="session")
def tokens(keys: Keys) -> Tokens:
    return Tokens(keys)


@pytest.fixture(scope="session")
def context_verifier(keys: Keys) -> ContextVerifier:
    """What every service does with GBI-Context: verify it with the gateway's public key."""
    return ContextVerifier(keys.context_public_pem, issuer="gbi-gateway", audience="gbi-services")


# --- the gateway ------------------------------------------------------------------------------------------------


@pytest.fixture
def make_settings(keys: Keys, jwks_file: Path, upstream: Upstream) -> Callable[..., GatewaySettings]:
    def make(**overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "environment": "test",
            "oidc_issuer": ISSUER,
            "oidc_audience": AUDIENCE,
            "oidc_jwks_url": None,
            "oidc_jwks_file": jwks_file,
            "context_private_key": SecretStr(keys.context_private_pem),
            "upstream_timeout_s": 0.5,
            "upstream_connect_timeout_s": 0.5,
            "max_body_bytes": 4096,
            **{f"upstream_{layer}_url": upstream.url[layer] for layer in LAYERS},
        }
        # The integration layer is down in every test gateway: nothing listens there.
        values["upstream_integration_url"] = f"http://127.0.0.1:{dead_port()}"
        return GatewaySettings(**(values | overrides))

    return make


@pytest.fixture
def make_client(make_settings: Callable[..., GatewaySettings]) -> Iterator[Callable[..., TestClient]]:
    opened: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        app: FastAPI = create_app(make_settings(**overrides))
        client = TestClient(app)
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def gateway(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()

"""Fixtures for the gbi-shared tests: keys, a clean environment and logging, and real loopback HTTP servers."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.types import ASGIApp


@dataclass(frozen=True)
class EcKeyPair:
    private_pem: str
    public_pem: str


def make_ec_keypair() -> EcKeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return EcKeyPair(private_pem, public_pem)


@pytest.fixture(scope="session")
def context_keys() -> EcKeyPair:
    """The gateway's ES256 context key pair."""
    return make_ec_keypair()


@pytest.fixture(scope="session")
def other_keys() -> EcKeyPair:
    """A key pair nobody trusts."""
    return make_ec_keypair()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings must come from the test, not from whatever GBI_* variables the machine has; and the app factory
    reconfigures the root logger, which must not leak into the next test."""
    for name in list(os.environ):
        if name.startswith("GBI_"):
            monkeypatch.delenv(name)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def free_port() -> int:
    """A loopback port that nothing listens on (connections to it are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


class ServerThread:
    """Runs an ASGI app under uvicorn in a background thread, on one or more loopback sockets."""

    def __init__(self, app: ASGIApp, *, sockets: int = 1) -> None:
        self._sockets = []
        for _ in range(sockets):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            self._sockets.append(sock)
        self.ports: list[int] = [s.getsockname()[1] for s in self._sockets]
        config = uvicorn.Config(
            app,
            loop="asyncio",
            http="h11",
            ws="none",
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": self._sockets}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"

    def url_of(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index]}"

    def __enter__(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.005)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "test server did not stop"
        for sock in self._sockets:
            sock.close()

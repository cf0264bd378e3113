"""Loopback servers and ports for tests."""

from __future__ import annotations

import random
import socket
import threading
import time
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

__all__ = ["DEAD_PORT_RANGE", "ServerThread", "dead_port"]

#: Where :func:`dead_port` picks from: below the Linux ephemeral range (32768-60999), so that a connect to the port
#: can never be answered by the connecting socket itself (a TCP self-connect to an unused ephemeral port reads its
#: own request back), and below the 20000-32000 band where the end-to-end suites take their base ports.
DEAD_PORT_RANGE = range(15000, 20000)


def dead_port() -> int:
    """A loopback port that nothing listens on: a connection to it is refused."""
    for _ in range(100):
        port = random.choice(DEAD_PORT_RANGE)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no unused port in {DEAD_PORT_RANGE}")


class ServerThread:
    """Runs an ASGI app under uvicorn in a background thread, on one or more loopback sockets (bound at once, so
    the URLs are known before the server starts). A context manager, or ``start()`` / ``stop()``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        sockets: int = 1,
        lifespan: Literal["on", "off", "auto"] = "off",
        start_timeout_s: float = 15.0,
    ) -> None:
        self._sockets: list[socket.socket] = []
        for _ in range(sockets):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            self._sockets.append(sock)
        self.ports: list[int] = [s.getsockname()[1] for s in self._sockets]
        self.port: int = self.ports[0]
        self._start_timeout_s = start_timeout_s
        config = uvicorn.Config(
            app,
            loop="asyncio",
            http="h11",
            ws="none",
            lifespan=lifespan,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": self._sockets}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_of(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index]}"

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + self._start_timeout_s
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        for sock in self._sockets:
            sock.close()
        assert not self._thread.is_alive(), "test server did not stop"

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

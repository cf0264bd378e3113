"""Run one GBI component with uvicorn: ``python -m gbi_shared.serve gbi_data.app:create_app --port 8005``.

uvloop and httptools roughly double uvicorn's throughput on these machines, so they are used whenever present.
SIGTERM lets in-flight requests finish (uvicorn's graceful shutdown, bounded by ``--graceful-timeout``).

uvicorn writes a response's status line and headers, and then its body, with two ``transport.write`` calls, and
uvloop sends each at once: two syscalls and, on loopback with ``TCP_NODELAY``, two segments for the caller to read,
for every response of every hop. :class:`CoalescingTransport` holds the writes made in one turn of the event loop
and sends them together at the end of that turn, so a small response leaves in one send.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
from typing import Any

import uvicorn

__all__ = ["CoalescingTransport", "main"]


class CoalescingTransport:
    """A transport whose writes in one turn of the event loop go out as one ``write`` of the real transport, at
    the end of that turn (``call_soon``). ``close`` and ``write_eof`` send what is held first; ``abort`` drops it.
    Everything else is the real transport's."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self._pending is None:
            self._pending = [data]
            self._loop.call_soon(self._flush)
        else:
            self._pending.append(data)

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def get_write_buffer_size(self) -> int:
        held = sum(len(chunk) for chunk in self._pending) if self._pending else 0
        return self._transport.get_write_buffer_size() + held

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending = None
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _coalescing_httptools() -> type[asyncio.Protocol]:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class CoalescingHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            # uvicorn writes its access log line when the access logger has handlers, and ``configure_logging`` lets
            # it reach the root's (at WARNING, so uvicorn's INFO lines never appear): for every response it still
            # built the line's client address and quoted path and asked the logger. ``access_log=False`` (``main``)
            # is meant: no access log.
            self.access_log = self.access_log and self.config.access_log
            super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]

    return CoalescingHttpToolsProtocol


# uvicorn closes an idle keep-alive connection after 5 s by default, while our clients keep one for 30 s
# (``gbi_shared._http.KEEPALIVE_S``): a request written just as the server closed its idle connection is lost, and a
# POST is never sent again, so the caller saw a 503. A server that waits longer than its clients leaves the closing to
# them (as proxies advise for their upstreams).
SERVER_KEEPALIVE_S = 75


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("factory", help="module:function returning the ASGI app, e.g. gbi_data.app:create_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--graceful-timeout", type=int, default=20)
    args = parser.parse_args(argv)
    fast = importlib.util.find_spec("uvloop") is not None and importlib.util.find_spec("httptools") is not None
    uvicorn.run(
        args.factory,
        factory=True,
        host=args.host,
        port=args.port,
        loop="uvloop" if fast else "asyncio",
        http=_coalescing_httptools() if fast else "h11",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=args.graceful_timeout,
        server_header=False,
        timeout_keep_alive=SERVER_KEEPALIVE_S,
    )


if __name__ == "__main__":
    main()

"""The transport that sends a response's headers and body in one write: on a real socket pair."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from gbi_shared.serve import CoalescingTransport


async def _pair() -> tuple[asyncio.Transport, socket.socket, list[bytes]]:
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    theirs.setblocking(False)
    transport, _ = await loop.create_connection(asyncio.Protocol, sock=ours)
    sent: list[bytes] = []
    real_write = transport.write

    def write(data: bytes) -> None:  # the real write, counted
        sent.append(bytes(data))
        real_write(data)

    transport.write = write  # type: ignore[method-assign]
    return transport, theirs, sent


async def _read(sock: socket.socket, n: int) -> bytes:
    loop = asyncio.get_running_loop()
    data = b""
    while len(data) < n:
        data += await loop.sock_recv(sock, n - len(data))
    return data


def test_writes_in_one_turn_leave_as_one_write_in_order() -> None:
    async def run() -> None:
        transport, theirs, sent = await _pair()
        t = CoalescingTransport(transport, asyncio.get_running_loop())
        t.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        t.write(b"")
        t.write(b"ok")
        assert sent == []  # held until the end of this turn
        assert t.get_write_buffer_size() == len(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await asyncio.sleep(0)
        assert sent == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"]
        t.write(b"next")
        await asyncio.sleep(0)
        assert sent[1:] == [b"next"]
        assert await _read(theirs, len(b"".join(sent))) == b"".join(sent)
        # Everything else is the real transport's.
        assert t.get_extra_info("socket") is transport.get_extra_info("socket")
        t.close()
        theirs.close()

    asyncio.run(run())


def test_close_sends_what_is_held_and_abort_drops_it() -> None:
    async def run() -> None:
        transport, theirs, sent = await _pair()
        t = CoalescingTransport(transport, asyncio.get_running_loop())
        t.write(b"last words")
        t.close()
        assert sent == [b"last words"]
        assert await _read(theirs, 10) == b"last words"
        await asyncio.sleep(0)  # the flush scheduled for this turn finds nothing more to send
        assert sent == [b"last words"]
        theirs.close()

        transport, theirs, sent = await _pair()
        t = CoalescingTransport(transport, asyncio.get_running_loop())
        t.write(b"never sent")
        t.abort()
        await asyncio.sleep(0)
        assert sent == []
        theirs.close()

    asyncio.run(run())


def test_a_server_keeps_an_idle_connection_longer_than_a_client_does(monkeypatch: pytest.MonkeyPatch) -> None:
    # The client closes an idle connection first, so it never writes a request onto one the server is closing.
    from gbi_shared import _http, serve

    seen: dict[str, object] = {}
    monkeypatch.setattr(serve.uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    serve.main(["gbi_data.app:create_app", "--port", "1"])
    keep_alive = seen["timeout_keep_alive"]
    assert isinstance(keep_alive, int | float)
    assert keep_alive > _http.KEEPALIVE_S


@pytest.mark.parametrize("access_log", [False, True])
def test_no_access_log_line_is_built_when_the_server_has_none(access_log: bool) -> None:
    """``main`` runs uvicorn with ``access_log=False``; the app's logging set-up gives uvicorn's access logger the
    root's handler, and uvicorn then built an access line for every response (dropped at WARNING)."""
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from gbi_shared import serve
    from gbi_shared.logs import configure_logging

    async def app(scope: object, receive: object, send: object) -> None:  # pragma: no cover - never called
        raise AssertionError

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    access = logging.getLogger("uvicorn.access")
    saved = access.handlers[:], access.propagate, access.level
    try:
        config = Config(app, access_log=access_log, log_config=None)
        config.load()
        configure_logging("test")  # as create_app does, after uvicorn configured its loggers
        assert access.hasHandlers()

        async def made() -> bool:
            loop = asyncio.get_running_loop()
            ours, theirs = socket.socketpair()
            transport, _ = await loop.create_connection(asyncio.Protocol, sock=ours)
            protocol = serve._coalescing_httptools()(config=config, server_state=ServerState(), app_state={})  # type: ignore[call-arg]
            protocol.connection_made(transport)
            flag = bool(protocol.access_log)  # type: ignore[attr-defined]
            transport.close()
            theirs.close()
            return flag

        assert asyncio.run(made()) is access_log
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        access.handlers[:], access.propagate = saved[0], saved[1]
        access.setLevel(saved[2])

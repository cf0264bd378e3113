"""A lean keep-alive HTTP/1.1 client on asyncio and httptools, for the gateway's hop to a layer.

aiohttp builds a request object, a response object, a stream reader, timer handles and a connection wrapper for
every request; on these machines that costs ~100 µs of CPU per request, where writing the request and parsing the
answer with httptools (llhttp, the parser uvicorn uses) costs ~15 µs. The gateway proxies every call between the
layers, so it pays that difference on every hop (docs/adr/0042).

What it does, and only that: plain ``http://`` URLs, one request at a time per connection (no pipelining), pooled
keep-alive connections per host and port, a ``Content-Length`` request body (or none), and a response body of any
framing (``Content-Length``, chunked, or up to the end of the connection). It does not follow redirects, does not
speak TLS and does not stream: ``HttpTransport`` uses it only for requests that need none of that and sends every
other request with aiohttp as before. Failures are told apart as aiohttp tells them apart, so that the transport maps
them to the same errors: no connection (refused, or none within the connect timeout) is :class:`ConnectError`; the
connection lost before the answer's head is :class:`DisconnectedError` (an idempotent request that went on a kept
connection, lost before any byte of its answer, is sent once more on a new connection first; a request found unsent
on a closed kept connection is sent once more whatever its method); a broken answer, or the connection lost in its
body, is :class:`BadResponseError`; the total timeout is ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
from collections import deque
from typing import Any, cast

import httptools
from aiohttp.http import SERVER_SOFTWARE
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

__all__ = [
    "BadResponseError",
    "ConnectError",
    "DisconnectedError",
    "Http1Pool",
    "Http1Response",
    "UnsupportedUrlError",
]

# As aiohttp: the methods sent again once when the connection is lost before the answer (RFC 9112 9.3.1.1), and the
# methods that get ``Content-Length: 0`` without a body.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# The headers aiohttp adds when the caller did not set them, so that a layer sees the same request as before.
_DEFAULTS = (("Accept", "*/*"), ("Accept-Encoding", "gzip, deflate"), ("User-Agent", SERVER_SOFTWARE))
# As aiohttp's max_field_size: the longest header name or value an answer may have; and a bound on the whole head.
MAX_FIELD_SIZE = 8190
MAX_HEAD_SIZE = 64 * 1024
# As aiohttp's ttl_dns_cache: how long a host name's resolved addresses are used for new connections.
DNS_TTL_S = 300.0
# A body up to this size is joined to the head and sent in one write; a larger one is written after it, uncopied.
_JOIN_BODY_UP_TO = 64 * 1024
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})
# The characters aiohttp refuses in a header name or value (header injection).
_FORBIDDEN_HEADER_CHARS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class UnsupportedUrlError(ValueError):
    """A URL this client does not take (not plain http, no host, a bad port, credentials in it): the caller sends it
    another way."""


class ConnectError(OSError):
    """No connection to the host (refused, unreachable, or none within the connect timeout)."""


class DisconnectedError(ConnectionError):
    """The connection was lost before the answer's head arrived; ``answered``: some of the answer had arrived."""

    def __init__(self, message: str, *, answered: bool = False) -> None:
        super().__init__(message)
        self.answered = answered


class NotSentError(DisconnectedError):
    """The connection was found closed before anything of the request was written: nothing was sent."""


class BadResponseError(Exception):
    """The answer could not be read: not HTTP, or cut off in its body."""


class Http1Response:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: CIMultiDictProxy[str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class _Connection(asyncio.Protocol):
    """One keep-alive connection: a request is written whole, its answer parsed as it arrives."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser: Any = None
        self._waiter: asyncio.Future[Http1Response] | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._head_size = 0
        self._body: list[bytes] = []
        self._status = 0
        self._head_done = False
        self._head_bytes = 0
        self._keep_alive = True  # a new connection is fit for a request until an answer says otherwise
        self._until_eof = False

    # --- asyncio.Protocol --------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are no asyncio.Transport subclass

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():
            # Bytes nobody asked for (an idle connection's server talking): the connection can't be trusted.
            self.close()
            return
        head_pending = not self._head_done
        if head_pending:
            self._head_bytes += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(BadResponseError(f"ongeldig antwoord: {exc}"))
            return
        # The parser keeps a header it has not seen the end of: bound what arrives before the head is done. Checked
        # after the parser saw the bytes, as one read may hold the whole head and much of the body after it.
        if head_pending and not self._head_done and self._head_bytes > MAX_HEAD_SIZE + 64 * 1024:
            self._fail(BadResponseError(f"de kop van het antwoord is groter dan {MAX_HEAD_SIZE} bytes"))

    def eof_received(self) -> bool:
        self._lost(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost(exc)

    # --- httptools callbacks -----------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self._waiter is None or self._waiter.done():
            self.closed = True  # a second answer to one request: never reuse this connection
        self._headers = []
        self._body = []
        self._head_done = False
        self._head_size = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._head_done:
            return  # a chunked answer's trailer: dropped, as aiohttp drops it (never forwarded as a header)
        if len(name) > MAX_FIELD_SIZE or len(value) > MAX_FIELD_SIZE:
            raise BadResponseError(f"een kopregel van het antwoord is langer dan {MAX_FIELD_SIZE} bytes")
        self._head_size += len(name) + len(value)
        if self._head_size > MAX_HEAD_SIZE:
            raise BadResponseError(f"de kop van het antwoord is groter dan {MAX_HEAD_SIZE} bytes")
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()
        self._keep_alive = self._parser.should_keep_alive()
        self._head_done = True
        framed = any(n.lower() in (b"content-length", b"transfer-encoding") for n, _ in self._headers)
        self._until_eof = not framed and self._status >= 200 and self._status not in (204, 304)

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self._status < 200:
            self._head_done = False  # an interim answer (103 Early Hints, ...): the final one's head follows
            return
        self._complete()

    # --- the request -------------------------------------------------------------------------------------------

    def _complete(self) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        headers = CIMultiDictProxy(
            CIMultiDict(
                (n.decode("utf-8", "surrogateescape"), v.decode("utf-8", "surrogateescape")) for n, v in self._headers
            )
        )
        body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
        waiter.set_result(Http1Response(self._status, headers, body))

    def _fail(self, exc: BaseException) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        self.close()

    def _lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if self._head_done and self._until_eof:
            self._complete()  # an answer without framing ends with its connection
        elif self._head_done:
            waiter.set_exception(BadResponseError("de verbinding brak af in het antwoord"))
        else:
            waiter.set_exception(
                DisconnectedError(str(exc) if exc else "de server sloot de verbinding", answered=self._head_bytes > 0)
            )

    def close(self) -> None:
        self.closed = True
        transport = self.transport
        if transport is not None:
            if transport.get_write_buffer_size():
                transport.abort()  # what is left of a request nobody will read the answer to: not sent at all
            else:
                transport.close()

    async def exchange(self, head: bytes, body: bytes | None = None) -> Http1Response:
        """Write one request and wait for its whole answer. Afterwards the connection may go back to the pool
        (:attr:`reusable`); after any failure or cancellation it is closed."""
        assert self.transport is not None
        if self.closed or self.transport.is_closing():
            raise NotSentError("de verbinding was al gesloten")
        self._parser = httptools.HttpResponseParser(self)
        self._waiter = self._loop.create_future()
        self._head_done = False
        self._head_bytes = 0
        self._until_eof = False
        self._keep_alive = False
        ok = False
        try:
            if body is None:
                self.transport.write(head)
            elif len(body) <= _JOIN_BODY_UP_TO:
                self.transport.write(head + body)  # one send for the usual small body
            else:
                self.transport.write(head)  # a large body: a second write, not a copy joined to the head
                self.transport.write(body)
            response = await self._waiter
            ok = True
            return response
        finally:
            self._waiter = None
            if not ok or not self._keep_alive:
                self.close()

    @property
    def reusable(self) -> bool:
        """Whether the connection may carry the next request: kept alive, open, and all of this request written. A
        server may answer before it has read the whole body (a 401 or 413 to a large upload); the rest of the body
        would then be read as the next request (aiohttp waits for its writer before it releases a connection)."""
        transport = self.transport
        return (
            not self.closed
            and self._keep_alive
            and transport is not None
            and not transport.is_closing()
            and transport.get_write_buffer_size() == 0
        )


class Http1Pool:
    """Keep-alive connections per (host, port) for one event loop; at most ``limit`` requests in flight at once
    (as aiohttp's connector limit), idle connections dropped after ``keepalive_s``."""

    def __init__(self, *, limit: int = 200, keepalive_s: float = 30.0) -> None:
        self._loop = asyncio.get_running_loop()
        self._idle: dict[tuple[str, int], deque[_Connection]] = {}
        self._slots = asyncio.Semaphore(limit)
        self._keepalive = keepalive_s
        self._closed = False
        # (host, port) -> (the addresses to connect to, in getaddrinfo's order; when they expire).
        self._dns: dict[tuple[str, int], tuple[list[str], float]] = {}

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def close(self) -> None:
        """Close every idle connection, and every one given back from now on (requests still in flight)."""
        self._closed = True
        for idle in self._idle.values():
            while idle:
                conn = idle.pop()
                with contextlib.suppress(RuntimeError):  # its event loop is closed already: its transport went with it
                    conn.close()
        self._idle.clear()

    def _split(self, url: str) -> tuple[tuple[str, int], bytes, str]:
        """(host, port), the Host header and the request target of a plain-HTTP URL, as aiohttp reads them (yarl,
        which also re-quotes the path and query as aiohttp sends them)."""
        try:
            parsed = URL(url)
            port = parsed.port
        except ValueError as exc:
            raise UnsupportedUrlError(str(exc)) from exc
        if parsed.scheme != "http" or not parsed.raw_host or port is None:
            raise UnsupportedUrlError(f"Http1Pool speaks plain http only: {url!r}")
        if parsed.raw_user is not None or parsed.raw_password is not None:
            raise UnsupportedUrlError("Http1Pool does not send credentials from a URL")  # aiohttp: Basic auth
        host_header = parsed.host_port_subcomponent or ""
        return (parsed.raw_host, port), host_header.encode("ascii"), parsed.raw_path_qs

    def _request_bytes(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[tuple[str, int], bytes, bytes | None]:
        """(host, port), the request's head, and its body (written separately, never copied)."""
        key, host_header, target = self._split(url)
        lines = [f"{method} {target} HTTP/1.1\r\n".encode("ascii")]
        lowered = {name.lower() for name in headers}
        if "host" not in lowered:  # as aiohttp: a Host the caller sets wins
            lines.append(b"Host: " + host_header + b"\r\n")
        if _FORBIDDEN_HEADER_CHARS.search("".join(headers) + "".join(headers.values())) is not None:
            # aiohttp's refusal, word for word.
            raise ValueError("Forbidden control character detected in headers. Potential header injection attack.")
        for name, value in headers.items():
            if name.lower() in _FRAMING:
                continue  # the body's framing is this client's to state
            lines.append(f"{name}: {value}\r\n".encode())
        for name, value in _DEFAULTS:
            if name.lower() not in lowered:
                lines.append(f"{name}: {value}\r\n".encode())
        if body:
            lines.append(b"Content-Length: %d\r\n\r\n" % len(body))
        elif method not in _NO_BODY_METHODS:
            lines.append(b"Content-Length: 0\r\n\r\n")
        else:
            lines.append(b"\r\n")
        return key, b"".join(lines), body or None

    async def _resolve(self, key: tuple[str, int]) -> list[str]:
        """The addresses of a host, from a cache kept ``DNS_TTL_S`` (as aiohttp's ``ttl_dns_cache``): a name is not
        resolved (in a thread) for every new connection. An IP address is its own answer."""
        entry = self._dns.get(key)
        now = self._loop.time()
        if entry is not None and now < entry[1]:
            return entry[0]
        host, port = key
        try:
            ipaddress.ip_address(host)
        except ValueError:
            infos = await self._loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
            if not addresses:
                raise OSError(f"geen adres voor {host}") from None
            self._dns[key] = (addresses, now + DNS_TTL_S)
            return addresses
        self._dns[key] = (addresses := [host], float("inf"))
        return addresses

    async def _connect(
        self, key: tuple[str, int], connect_timeout_s: float | None, deadline: float | None
    ) -> _Connection:
        """A new connection to the host's first address that takes it. As aiohttp's: the connect timeout bounds each
        TCP connect, the total time all of it; running out of either is "no connection", and so is a failed lookup.
        A connect that fails drops the host's cached addresses (the next connection looks them up again)."""
        try:
            async with asyncio.timeout_at(deadline):
                addresses = await self._resolve(key)
        except TimeoutError as exc:
            raise ConnectError(f"geen verbinding met {key[0]}:{key[1]}: de tijd liep af") from exc
        except OSError as exc:
            raise ConnectError(f"geen verbinding met {key[0]}:{key[1]}: {exc}") from exc
        error: Exception | None = None
        for address in addresses:
            limit = deadline
            if connect_timeout_s is not None:
                at = self._loop.time() + connect_timeout_s
                limit = at if limit is None else min(limit, at)
            try:
                async with asyncio.timeout_at(limit):
                    _, conn = await self._loop.create_connection(lambda: _Connection(self._loop), address, key[1])
                return conn
            except (TimeoutError, OSError) as exc:
                error = exc
                if deadline is not None and self._loop.time() >= deadline:
                    break
        self._dns.pop(key, None)
        if isinstance(error, TimeoutError):
            raise ConnectError(f"geen verbinding met {key[0]}:{key[1]} binnen {connect_timeout_s}s") from error
        raise ConnectError(f"geen verbinding met {key[0]}:{key[1]}: {error}") from error

    def _sweep(self, idle: deque[_Connection], now: float) -> None:
        """Close the connections idle longer than the keep-alive: the oldest are on the left."""
        while idle and now - idle[0].idle_since >= self._keepalive:
            idle.popleft().close()

    def _take_idle(self, key: tuple[str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        if idle is None:
            return None
        self._sweep(idle, self._loop.time())
        found = None
        while idle:
            conn = idle.pop()  # the most recently used first: the one least likely to have timed out
            if conn.reusable:
                found = conn
                break
            conn.close()
        if not idle:
            del self._idle[key]
        return found

    def _give_back(self, key: tuple[str, int], conn: _Connection) -> None:
        if self._closed or not conn.reusable:
            conn.close()  # never left open unpooled (extra bytes after the answer, an unsent body, a closed pool)
            return
        now = conn.idle_since = self._loop.time()
        idle = self._idle.get(key)
        if idle is None:
            idle = self._idle[key] = deque()
        else:
            self._sweep(idle, now)
        idle.append(conn)

    async def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        *,
        timeout_s: float | None,
        connect_timeout_s: float | None,
    ) -> Http1Response:
        """Send one request and read its whole answer within ``timeout_s`` in all (``TimeoutError`` after that, or
        :class:`ConnectError` when the time ran out while connecting). A request is sent once more, on a new
        connection, only when (a) its method is idempotent, it went on a kept (pooled) connection and that connection
        was lost before any byte of the answer arrived, or (b) any method, when the kept connection was found closed
        before anything of it was written (nothing was sent)."""
        key, head, payload = self._request_bytes(method, url, headers, body)
        idempotent = method in IDEMPOTENT_METHODS
        retried = False
        fresh = False
        deadline = None if timeout_s is None else self._loop.time() + timeout_s
        # As aiohttp (which bounds the wait for a free connection only by the total time, the transport setting no
        # pool timeout): no free slot within the total time is the total timeout, ``TimeoutError`` (504).
        if self._slots.locked():
            async with asyncio.timeout_at(deadline):
                await self._slots.acquire()
        else:
            await self._slots.acquire()  # a free slot: taken at once
        try:
            while True:
                conn = None if fresh else self._take_idle(key)
                reused = conn is not None
                if conn is None:
                    conn = await self._connect(key, connect_timeout_s, deadline)
                if deadline is not None and self._loop.time() >= deadline:
                    # No time left: nothing is written (the timeout would cancel it only after the write).
                    self._give_back(key, conn)
                    raise TimeoutError
                try:
                    async with asyncio.timeout_at(deadline):
                        response = await conn.exchange(head, payload)
                except NotSentError:
                    if retried:
                        raise
                except DisconnectedError as exc:
                    # Sent once more only if the request went on a kept connection (the server may have closed it
                    # just as the request was written) and nothing of an answer came: never after a new connection
                    # failed, and never a POST or PATCH.
                    if retried or not idempotent or not reused or exc.answered:
                        raise
                else:
                    self._give_back(key, conn)
                    return response
                retried = fresh = True  # once, on a new connection (not another kept one)
        finally:
            self._slots.release()

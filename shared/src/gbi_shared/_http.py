"""Low-level outgoing HTTP for every GBI process: aiohttp with pooled connections, trace context, errors.

aiohttp is the client on purpose: measured on these machines, one proxy hop costs ~0.9 ms with aiohttp and
2-2.8 ms with httpx, and aiohttp holds ~1,300 req/s at 50 connections where httpx collapses (docs/adr/0002).
A plain-HTTP request with GET, POST, PUT, PATCH or DELETE that does not follow redirects (every call between the
layers) goes by the lean HTTP/1.1 client of ``gbi_shared._http1`` instead, which does the same for a fraction of
aiohttp's CPU per request (docs/adr/0042); TLS, HEAD, OPTIONS and redirects followed stay on aiohttp.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import aiohttp
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from gbi_shared._http1 import BadResponseError, ConnectError, Http1Pool, UnsupportedUrlError
from gbi_shared.errors import (
    ServiceError,
    ServiceUnavailableError,
    UpstreamError,
    UpstreamTimeoutError,
    error_for_problem,
)

__all__ = ["HttpResponse", "HttpTransport"]

# The requests the lean HTTP/1.1 client sends (see ``HttpTransport.request``); every other one goes by aiohttp.
_LEAN_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
# How long a client keeps an idle connection. The layers' servers keep theirs longer (``serve.SERVERKEEPALIVE_S``):
# a connection is always closed by the client first, so a request is never written onto one the server is closing.
KEEPALIVE_S = 30.0


class HttpResponse:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class HttpTransport:
    """One pooled aiohttp session per process, created lazily inside the running loop."""

    def __init__(self, *, tracer: Tracer, timeout_s: float, limit: int = 200) -> None:
        self._tracer = tracer
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None
        self._http1: Http1Pool | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit, ttl_dns_cache=300, keepalive_timeout=KEEPALIVE_S),
                timeout=self._timeout,
                auto_decompress=False,
                # One session serves every caller of the process: a cookie one upstream answer sets must never go
                # along with another caller's request (aiohttp's own jar would keep it per host, and put it over
                # the caller's own Cookie header of that name). Cookies travel only as the caller's headers.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    def _lean_pool(self) -> Http1Pool:
        pool = self._http1
        if pool is None or pool.loop is not asyncio.get_running_loop():
            # A new event loop (a test's next one): the old pool's idle connections closed where their loop allows.
            if pool is not None:
                pool.close()
            pool = self._http1 = Http1Pool(limit=self._limit, keepalive_s=KEEPALIVE_S)
        return pool

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
        if self._http1 is not None:
            self._http1.close()
        self._http1 = None

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout_s: float | None = None,
        connect_timeout_s: float | None = None,
        target: str = "upstream",
        raise_for_status: bool = True,
        follow_redirects: bool = True,
        client_span: bool = True,
    ) -> HttpResponse:
        """Send one request with a client span and W3C trace context; map failures to ``ServiceError``s: not
        reachable (refused, or no connection within ``connect_timeout_s``) 503, no answer in time 504. With
        ``raise_for_status`` an error status raises its problem, and a redirect not followed is a 502. A proxy passes
        ``follow_redirects=False`` (and ``raise_for_status=False``) to hand a redirect to its caller as it is, and may
        pass ``client_span=False`` when its own server span already stands for the hop: the trace context of the
        current span is sent then.

        A request that does not follow redirects, to a plain ``http://`` URL, with one of the methods GET, POST, PUT,
        PATCH or DELETE (every call between the layers) goes by the lean HTTP/1.1 client of ``gbi_shared._http1``,
        with aiohttp's request bytes, pooling, timeouts, retry of an idempotent request on a lost keep-alive
        connection and errors (docs/adr/0042); every other request by aiohttp (redirects followed, TLS, HEAD,
        OPTIONS)."""
        out_headers = dict(headers or {})
        # The client span by hand, with what ``start_as_current_span`` did (current while the request runs; an
        # exception recorded on it with status ERROR ``"Type: message"``), without its two generator context managers.
        span: trace.Span
        if client_span:
            span = self._tracer.start_span(
                f"{method} {target}",
                kind=SpanKind.CLIENT,
                attributes={"http.request.method": method, "server.address": target},
            )
            token = otel_context.attach(trace.set_span_in_context(span))
        else:
            span = trace.get_current_span()
        try:
            return await self._send(
                span,
                method,
                url,
                out_headers,
                body,
                timeout_s,
                connect_timeout_s,
                target,
                raise_for_status,
                follow_redirects,
            )
        except Exception as exc:
            if client_span and span.is_recording():
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            raise
        finally:
            if client_span:
                otel_context.detach(token)
                span.end()

    async def _send(
        self,
        span: trace.Span,
        method: str,
        url: str,
        out_headers: dict[str, str],
        body: bytes | None,
        timeout_s: float | None,
        connect_timeout_s: float | None,
        target: str,
        raise_for_status: bool,
        follow_redirects: bool,
    ) -> HttpResponse:
        propagate.inject(out_headers)
        lean = not follow_redirects and method in _LEAN_METHODS and url.startswith("http://")
        send = self._send_lean if lean else self._send_aiohttp
        return await send(
            span,
            method,
            url,
            out_headers,
            body,
            timeout_s,
            connect_timeout_s,
            target,
            raise_for_status,
            follow_redirects,
        )

    async def _send_aiohttp(
        self,
        span: trace.Span,
        method: str,
        url: str,
        out_headers: dict[str, str],
        body: bytes | None,
        timeout_s: float | None,
        connect_timeout_s: float | None,
        target: str,
        raise_for_status: bool,
        follow_redirects: bool,
    ) -> HttpResponse:
        timeout = None
        if timeout_s is not None or connect_timeout_s is not None:
            timeout = aiohttp.ClientTimeout(
                total=self._timeout.total if timeout_s is None else timeout_s, sock_connect=connect_timeout_s
            )
        try:
            async with self.session().request(
                method,
                url,
                headers=out_headers,
                data=body,
                timeout=timeout or self._timeout,
                allow_redirects=follow_redirects,
            ) as resp:
                payload = await resp.read()
                span.set_attribute("http.response.status_code", resp.status)
                # Case-insensitive, and repeated headers (Set-Cookie, Link, ...) kept: a plain dict would lose both.
                # aiohttp's own read-only view of them, not a copy.
                result = HttpResponse(resp.status, resp.headers, payload)
        except aiohttp.ConnectionTimeoutError as exc:
            span.set_status(Status(StatusCode.ERROR, "unavailable"))
            raise ServiceUnavailableError(f"{target} is niet bereikbaar") from exc
        except TimeoutError as exc:
            span.set_status(Status(StatusCode.ERROR, "timeout"))
            raise UpstreamTimeoutError(f"{target} antwoordde niet op tijd") from exc
        except (aiohttp.ClientConnectionError, OSError) as exc:
            span.set_status(Status(StatusCode.ERROR, "unavailable"))
            raise ServiceUnavailableError(f"{target} is niet bereikbaar") from exc
        except asyncio.CancelledError:
            raise
        except aiohttp.ClientError as exc:
            span.set_status(Status(StatusCode.ERROR, "client error"))
            raise UpstreamError(f"{target} gaf een onbruikbaar antwoord") from exc
        return _checked(span, result, target, raise_for_status, follow_redirects)

    async def _send_lean(
        self,
        span: trace.Span,
        method: str,
        url: str,
        out_headers: dict[str, str],
        body: bytes | None,
        timeout_s: float | None,
        connect_timeout_s: float | None,
        target: str,
        raise_for_status: bool,
        follow_redirects: bool,
    ) -> HttpResponse:
        """``_send`` by the lean client, which never follows a redirect: the same failures map to the same errors as
        aiohttp's do, within one total time as aiohttp's."""
        total = self._timeout.total if timeout_s is None else timeout_s
        try:
            try:
                resp = await self._lean_pool().request(
                    method, url, out_headers, body, timeout_s=total, connect_timeout_s=connect_timeout_s
                )
            except UnsupportedUrlError:
                # A URL the lean client does not take (no host, a bad port, credentials): nothing was sent; aiohttp
                # sends it (or refuses it) as before.
                return await self._send_aiohttp(
                    span,
                    method,
                    url,
                    out_headers,
                    body,
                    total,
                    connect_timeout_s,
                    target,
                    raise_for_status,
                    follow_redirects,
                )
        except ConnectError as exc:  # refused, or no connection in time (aiohttp's ConnectionTimeoutError)
            span.set_status(Status(StatusCode.ERROR, "unavailable"))
            raise ServiceUnavailableError(f"{target} is niet bereikbaar") from exc
        except TimeoutError as exc:
            span.set_status(Status(StatusCode.ERROR, "timeout"))
            raise UpstreamTimeoutError(f"{target} antwoordde niet op tijd") from exc
        except OSError as exc:  # the connection lost before the answer (aiohttp's ServerDisconnectedError)
            span.set_status(Status(StatusCode.ERROR, "unavailable"))
            raise ServiceUnavailableError(f"{target} is niet bereikbaar") from exc
        except BadResponseError as exc:  # not HTTP, cut off in the body
            span.set_status(Status(StatusCode.ERROR, "client error"))
            raise UpstreamError(f"{target} gaf een onbruikbaar antwoord") from exc
        span.set_attribute("http.response.status_code", resp.status)
        result = HttpResponse(resp.status, resp.headers, resp.body)
        return _checked(span, result, target, raise_for_status, follow_redirects)


def _checked(
    span: trace.Span, result: HttpResponse, target: str, raise_for_status: bool, follow_redirects: bool
) -> HttpResponse:
    """``raise_for_status``: an error status raises its problem, and so does a redirect the caller did not follow
    (an API between the layers or to an external system never answers one: 502)."""
    if raise_for_status:
        if result.status >= 400:
            span.set_status(Status(StatusCode.ERROR, str(result.status)))
            raise _problem_error(result)
        if not follow_redirects and 300 <= result.status < 400:
            span.set_status(Status(StatusCode.ERROR, str(result.status)))
            raise UpstreamError(f"{target} verwees door ({result.status}) in plaats van te antwoorden")
    return result


def _problem_error(resp: HttpResponse) -> ServiceError:
    try:
        body = resp.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    return error_for_problem(resp.status, body if isinstance(body, dict) else None)

"""Low-level outgoing HTTP for every GBI process: aiohttp with pooled connections, trace context, errors.

aiohttp is the client on purpose: measured on these machines, one proxy hop costs ~0.9 ms with aiohttp and
2-2.8 ms with httpx, and aiohttp holds ~1,300 req/s at 50 connections where httpx collapses (docs/adr/0002).
A plain-HTTP request with GET, POST, PUT, PATCH or DELETE (every call between the layers) goes by the lean
HTTP/1.1 client of ``gbi_shared._http1`` instead, which does the same for a fraction of aiohttp's CPU per request
(docs/adr/0042); TLS, HEAD and OPTIONS stay on aiohttp.
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
from yarl import URL

from gbi_shared._http1 import BadResponseError, ConnectError, Http1Pool, Http1Response, UnsupportedUrlError
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
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 10  # aiohttp's default
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
        reachable (refused, or no connection within ``connect_timeout_s``) 503, no answer in time 504. A proxy passes
        ``follow_redirects=False`` to hand a redirect to its caller as it is, and may pass ``client_span=False``
        when its own server span already stands for the hop: the trace context of the current span is sent then.

        A request to a plain ``http://`` URL with one of the methods GET, POST, PUT, PATCH or DELETE (every call
        between the layers) goes by the lean HTTP/1.1 client of ``gbi_shared._http1``, with aiohttp's request bytes,
        pooling, timeouts, retry of an idempotent request on a lost keep-alive connection, redirect rules and errors
        (docs/adr/0042); every other request by aiohttp (TLS, HEAD, OPTIONS)."""
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
        if method in _LEAN_METHODS and url.startswith("http://"):
            return await self._send_lean(
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
        return await self._send_aiohttp(
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
        max_redirects: int = _MAX_REDIRECTS,
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
                max_redirects=max_redirects,
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
        if raise_for_status and result.status >= 400:
            span.set_status(Status(StatusCode.ERROR, str(result.status)))
            raise _problem_error(result)
        return result

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
        """``_send`` by the lean client: the same failures map to the same errors as aiohttp's do, and a redirect is
        followed (when asked) by aiohttp's rules, all of it within one total time as aiohttp's."""
        total = self._timeout.total if timeout_s is None else timeout_s
        loop = asyncio.get_running_loop()
        deadline = None if total is None else loop.time() + total
        redirects = 0
        try:
            while True:
                try:
                    resp = await self._lean_pool().request(
                        method,
                        url,
                        out_headers,
                        body,
                        timeout_s=None if deadline is None else deadline - loop.time(),
                        connect_timeout_s=connect_timeout_s,
                    )
                except UnsupportedUrlError:
                    # A URL the lean client does not take (no host, a bad port): nothing was sent; aiohttp sends
                    # it (or refuses it) as before.
                    return await self._send_aiohttp(
                        span,
                        method,
                        url,
                        out_headers,
                        body,
                        None if deadline is None else max(deadline - loop.time(), 0.001),
                        connect_timeout_s,
                        target,
                        raise_for_status,
                        follow_redirects,
                        _MAX_REDIRECTS - redirects,
                    )
                if not follow_redirects or resp.status not in _REDIRECTS:
                    break
                redirects += 1
                step = _redirect(method, url, resp, out_headers, redirects)
                if step is None:
                    break  # a redirect without a Location: the answer as it is
                method, url, drop_body = step
                if drop_body:
                    body = None
                if not (method in _LEAN_METHODS and url.startswith("http://")):
                    # The rest of the way (TLS, ...) by aiohttp, with what is left of the time and the redirects.
                    return await self._send_aiohttp(
                        span,
                        method,
                        url,
                        out_headers,
                        body,
                        None if deadline is None else max(deadline - loop.time(), 0.001),
                        connect_timeout_s,
                        target,
                        raise_for_status,
                        True,
                        _MAX_REDIRECTS - redirects,
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
        except (BadResponseError, _RedirectError) as exc:  # not HTTP, cut off in the body, a redirect gone wrong
            span.set_status(Status(StatusCode.ERROR, "client error"))
            raise UpstreamError(f"{target} gaf een onbruikbaar antwoord") from exc
        span.set_attribute("http.response.status_code", resp.status)
        result = HttpResponse(resp.status, resp.headers, resp.body)
        if raise_for_status and result.status >= 400:
            span.set_status(Status(StatusCode.ERROR, str(result.status)))
            raise _problem_error(result)
        return result


class _RedirectError(Exception):
    """A redirect aiohttp would refuse to follow (too many, not a URL, not http(s)): its ``ClientError``s."""


_CROSS_ORIGIN_DROPPED = frozenset({"authorization", "cookie", "proxy-authorization"})
_C0_CONTROL_OR_SPACE = "".join(chr(i) for i in range(0x21))
_REMOVE_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")


def _redirect(
    method: str, url: str, resp: Http1Response, headers: dict[str, str], redirects: int
) -> tuple[str, str, bool] | None:
    """The next request of a redirect as aiohttp makes it (``ClientSession._request``): the method, the URL and
    whether the body is dropped; ``headers`` loses what must not cross to another origin. None when the answer names
    no location (aiohttp then returns the redirect itself)."""
    if redirects >= _MAX_REDIRECTS:
        raise _RedirectError(f"meer dan {_MAX_REDIRECTS - 1} doorverwijzingen")
    drop_body = False
    if (resp.status == 303 and method != "HEAD") or (resp.status in (301, 302) and method == "POST"):
        method, drop_body = "GET", True
        for name in [n for n in headers if n.lower() == "content-length"]:
            del headers[name]
    location = resp.headers.get("Location") or resp.headers.get("URI")
    if location is None:
        return None
    current = URL(url)
    try:
        target = URL(location, encoded=False)
    except ValueError as exc:
        raise _RedirectError(f"geen URL: {location!r}") from exc
    scheme = target.scheme
    if scheme not in ("http", "https", ""):
        raise _RedirectError(f"geen http-URL: {location!r}")
    if not scheme or (scheme == current.scheme and _has_no_authority(location, scheme)):
        target = current.join(target)
    try:
        origin = target.origin()
    except ValueError as exc:
        raise _RedirectError(f"geen geldige herkomst: {location!r}") from exc
    if current.origin() != origin:
        for name in [n for n in headers if n.lower() in _CROSS_ORIGIN_DROPPED]:
            del headers[name]
    return method, str(target), drop_body


def _has_no_authority(location: str, scheme: str) -> bool:
    """As aiohttp: a URL with a scheme but no "//" after it ("http:/path") refers to the current URL."""
    location = location.strip(_C0_CONTROL_OR_SPACE).translate(_REMOVE_TAB_OR_NEWLINE)
    rest = location[len(scheme) + 1 : len(scheme) + 3]
    return rest[:1] not in ("/", "\\") or rest[1:] not in ("/", "\\")


def _problem_error(resp: HttpResponse) -> ServiceError:
    try:
        body = resp.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    return error_for_problem(resp.status, body if isinstance(body, dict) else None)

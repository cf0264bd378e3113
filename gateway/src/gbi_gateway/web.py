"""The web pages of the interaction layer (portal, workbench, beheer, management), passed through the gateway.

Pages are not API calls: a browser sends no Bearer token but a session cookie, which only the interaction layer
can read (ADR 0012). So the gateway forwards page paths to the interaction layer *without* authenticating them
and *without* a ``GBI-Context``: a page has no verified caller at the gateway. The pages themselves call GBI's
public API back through the gateway with the logged-in user's own token, so every authorisation decision stays
where it is. What is forwarded is a short allow-list (cookies, form content, Origin for the CSRF check); any
attempt to send ``GBI-Context`` or ``Authorization`` along is dropped, and the per-client rate limit applies per
address.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import Response
from multidict import CIMultiDict

from gbi_gateway.ratelimit import RateLimiter
from gbi_gateway.settings import GatewaySettings
from gbi_shared._http import HttpTransport
from gbi_shared.errors import NotFoundError, TooManyRequestsError

__all__ = ["WEB_PREFIXES", "WebPages", "is_web_path"]

#: Page areas served by the interaction layer; ``/`` (the start page) too.
WEB_PREFIXES: tuple[str, ...] = ("/portaal", "/werkplek", "/beheer", "/management", "/static", "/login", "/sessie")
_EXACT = frozenset({"/", "/logout", "/favicon.ico"})
_METHODS = ["GET", "POST"]

_FORWARD_REQUEST = frozenset(
    {
        "accept",
        "accept-language",
        "content-type",
        "cookie",
        "origin",
        "referer",
        "user-agent",
        "if-none-match",
        "x-csrf-token",  # the session warning's script call (forms carry the token in the body)
    }
)
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "date",
        "server",
        "x-request-id",
    }
)


def is_web_path(path: str) -> bool:
    """A page path: ``/``, ``/logout`` or under one of :data:`WEB_PREFIXES` (whole segments; no dot segments)."""
    if any(segment in (".", "..") for segment in path.split("/")):
        return False
    if path in _EXACT:
        return True
    return any(path == p or path.startswith(p + "/") for p in WEB_PREFIXES)


class WebPages:
    """Forwards page requests to the interaction layer."""

    def __init__(self, settings: GatewaySettings, transport: HttpTransport) -> None:
        self._s = settings
        self._transport = transport
        self._limiter = RateLimiter()

    def mount(self, app: FastAPI) -> None:
        """Register the page routes (before the gateway's catch-all API route)."""
        for exact in sorted(_EXACT):
            app.add_api_route(exact, self.handle, methods=_METHODS, include_in_schema=False)
        for prefix in WEB_PREFIXES:
            app.add_api_route(prefix, self.handle, methods=_METHODS, include_in_schema=False)
            app.add_api_route(prefix + "/{rest:path}", self.handle, methods=_METHODS, include_in_schema=False)

    async def handle(self, request: Request) -> Response:
        path: str = request.scope["path"]
        client = request.client.host if request.client else "unknown"
        if not is_web_path(path):
            raise NotFoundError(f"Geen pagina op {path}")
        wait = self._limiter.take("web:" + client, self._s.rate_limit_per_s, self._s.rate_limit_burst)
        if wait:
            raise TooManyRequestsError("U doet te veel verzoeken; probeer het zo opnieuw", retry_after=wait)
        headers = {k: v for k, v in request.headers.items() if k in _FORWARD_REQUEST}
        headers["X-Request-ID"] = getattr(request.state, "request_id", "")
        headers["X-Forwarded-For"] = client
        headers["X-Forwarded-Proto"] = request.headers.get("x-forwarded-proto", request.url.scheme)
        headers["X-Forwarded-Host"] = request.headers.get("host", "")
        body = await request.body()
        raw_path = request.scope.get("raw_path")
        url = self._s.upstream_url("interaction") + (raw_path.decode("latin-1") if raw_path else quote(path))
        query = request.scope.get("query_string", b"").decode("latin-1")
        if query:
            url += "?" + query
        resp = await self._transport.request(
            request.method,
            url,
            headers=headers,
            body=body or None,
            timeout_s=self._s.upstream_timeout_s,
            connect_timeout_s=self._s.upstream_connect_timeout_s,
            target="gbi-interaction",
            raise_for_status=False,
            follow_redirects=False,  # a page's redirect (to the login, after a form) is the browser's to follow
        )
        named = {t.strip().lower() for k, v in resp.headers.items() if k.lower() == "connection" for t in v.split(",")}
        dropped = _HOP_BY_HOP | named
        out = CIMultiDict((k, v) for k, v in resp.headers.items() if k.lower() not in dropped)
        return Response(content=resp.body, status_code=resp.status, headers=out)

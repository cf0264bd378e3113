"""The proxy: authenticate, build and sign the context, rate-limit, forward, and map upstream failures."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import replace
from typing import Generic, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from gbi_gateway.auth import SERVICE_ROLE, TokenVerifier, context_from_claims
from gbi_gateway.ratelimit import RateLimiter
from gbi_gateway.routes import RouteTable
from gbi_gateway.settings import GatewaySettings
from gbi_shared._http import HttpTransport
from gbi_shared.clients import GEMEENTE_HEADER
from gbi_shared.context import CONTEXT_HEADER, ActorType, ContextSigner, ContextVerifier, RequestContext
from gbi_shared.errors import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    TooManyRequestsError,
    UnauthorizedError,
)

__all__ = ["Proxy"]

_K = TypeVar("_K")

# Request headers passed on to a layer. Everything else (Authorization, cookies, hop-by-hop headers and any
# attempt to send GBI-Context, GBI-Gemeente or X-Forwarded-* from outside) is dropped.
_FORWARD_REQUEST = frozenset(
    {
        "accept",
        "accept-language",
        "content-type",
        "content-crs",
        "accept-crs",
        "idempotency-key",
        "if-match",
        "if-none-match",
        "user-agent",
    }
)
_FORWARD_REQUEST_RAW = frozenset(name.encode() for name in _FORWARD_REQUEST)
_AUTHORIZATION = b"authorization"
_PURPOSE_HEADER = b"gbi-doelbinding"
_CONTEXT_RAW = CONTEXT_HEADER.lower().encode()
_GEMEENTE_RAW = GEMEENTE_HEADER.lower().encode()
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
# ``API-Version`` names the version of the API the caller speaks to. Under ``/api/v1`` (and on internal routes) that is
# GBI's API, whose version the gateway states itself; a layer's own header is dropped. A public route that serves an
# outside standard in its own path style (the GBI koppelvlakken: ``API-version`` 0.95, 1.0, 0.9.0) answers with that
# standard's version, which only the layer knows: there the layer's header reaches the caller unchanged.
_API_VERSION = "api-version"
_HOP_BY_HOP_AND_VERSION = _HOP_BY_HOP | {_API_VERSION}
_PURPOSES = frozenset(
    {
        "participatiewet",
        "aanvraag-levensonderhoud",
        "bijzondere-bijstand",
        "handhaving",
        "heronderzoek",
        "betaling",
        "terugvordering",
        "beheer",
        "verantwoording",
    }
)


class _SignedContextCache(Generic[_K]):
    """Caches the verified context and its signed token per caller token (or, for a service, per forwarded
    context), so repeated calls with the same token cost one dictionary lookup instead of a signature verify and
    an ECDSA sign."""

    def __init__(self, max_items: int = 20_000) -> None:
        self._items: OrderedDict[_K, tuple[RequestContext, str, float]] = OrderedDict()
        self._max = max_items

    def get(self, key: _K) -> tuple[RequestContext, str] | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[2] <= time.monotonic():
            self._items.pop(key, None)
            return None
        self._items.move_to_end(key)
        return item[0], item[1]

    def put(self, key: _K, ctx: RequestContext, signed: str, valid_for: float) -> None:
        self._items[key] = (ctx, signed, time.monotonic() + valid_for)
        if len(self._items) > self._max:
            self._items.popitem(last=False)


class Proxy:
    def __init__(
        self,
        settings: GatewaySettings,
        transport: HttpTransport,
        verifier: TokenVerifier,
        signer: ContextSigner | None,
        context_verifier: ContextVerifier | None,
        routes: RouteTable,
    ) -> None:
        self._s = settings
        self._transport = transport
        self._verifier = verifier
        self._signer = signer
        self._ctx_verifier = context_verifier
        self._routes = routes
        self._limiter = RateLimiter()
        self._cache: _SignedContextCache[tuple[str, str]] = _SignedContextCache()
        self._delegated: _SignedContextCache[tuple[RequestContext, str, str]] = _SignedContextCache()

    async def verifier_ready(self) -> str | None:
        return await self._verifier.ready()

    async def _authenticate(self, auth: str, purpose: str) -> tuple[RequestContext, str]:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise UnauthorizedError("Dit verzoek vraagt een Bearer-token")
        cached = self._cache.get((token, purpose))
        if cached is not None:
            return cached
        claims = await self._verifier.verify(token)
        ctx = context_from_claims(claims, purpose=purpose)
        if self._signer is None:
            raise UnauthorizedError("De gateway heeft geen sleutel om de context te ondertekenen")
        signed = self._signer.sign(ctx)
        remaining = float(claims["exp"]) - time.time()
        self._cache.put((token, purpose), ctx, signed, max(0.0, min(remaining, self._s.context_ttl_s / 2)))
        return ctx, signed

    def _delegate(
        self, forwarded: str | None, gemeente: str | None, service: RequestContext
    ) -> tuple[RequestContext, str]:
        """A GBI service acting for a caller forwards the context it received; acting as itself for a
        gemeente it names the gemeente. Only service tokens get here.

        The result is cached per (service, forwarded context token, gemeente): a process step makes many calls
        with the same context, and each would otherwise cost an ECDSA verify and an ECDSA sign. A cached entry
        lives at most half the context lifetime and never past the forwarded context's own expiry, so an expired
        context is refused as before; refusals are not cached."""
        assert self._signer is not None
        if gemeente is not None and not (len(gemeente) == 4 and gemeente.isdigit()):
            raise BadRequestError.for_field(GEMEENTE_HEADER, "een CBS-gemeentecode van 4 cijfers")
        key = (service, forwarded or "", gemeente or "")
        cached = self._delegated.get(key)
        if cached is not None:
            return cached
        valid_for = self._s.context_ttl_s / 2
        if forwarded:
            if self._ctx_verifier is None:
                raise UnauthorizedError("De gateway kan geen doorgegeven context verifiëren")
            original, expires = self._ctx_verifier.verify_until(forwarded)
            valid_for = min(valid_for, expires - time.time())
            ctx = replace(original, via=service.client_id or service.actor_id)
            if gemeente is not None:
                # A citizen's context has no gemeente until the process layer has established where they live
                # (woonplaatsbeginsel); a service may add it, never change it.
                if original.gemeente is not None and original.gemeente != gemeente:
                    raise ForbiddenError("De doorgegeven context hoort bij een andere gemeente")
                ctx = ctx.with_gemeente(gemeente)
        elif gemeente is not None:
            ctx = service.with_gemeente(gemeente)
        else:
            ctx = service
        signed = self._signer.sign(ctx)
        if valid_for > 0:
            self._delegated.put(key, ctx, signed, valid_for)
        return ctx, signed

    async def handle(self, request: Request) -> Response:
        return await self.respond(request.scope, request.receive)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The proxy as a plain ASGI app (the gateway's proxy route): no ``Request`` and no route-level exception
        wrapper; a ``ServiceError`` it raises reaches the app's exception handlers as before."""
        response = await self.respond(scope, receive)
        await send({"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": response.body})

    async def respond(self, scope: Scope, receive: Receive) -> _ProxiedResponse:
        # Route on the decoded path (the route table refuses dot segments, so "%2e%2e/" cannot climb out of a
        # prefix), forward the path exactly as the caller encoded it (so "%2F" and "%3F" stay data).
        path: str = scope["path"]
        route = self._routes.match(path)
        if route is None:
            raise NotFoundError(f"Geen resource op {path}")
        # One pass over the raw request headers (ASGI names are lower case): the first value of the headers the
        # gateway reads itself, as Starlette's ``headers.get`` gives; the last of those it forwards.
        first: dict[bytes, bytes] = {}
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            if name not in first:
                first[name] = value
            if name in _FORWARD_REQUEST_RAW:
                headers[name.decode("latin-1")] = value.decode("latin-1")
        raw_purpose = first.get(_PURPOSE_HEADER)
        purpose = "participatiewet" if raw_purpose is None else raw_purpose.decode("latin-1")
        if purpose not in _PURPOSES:
            raise BadRequestError.for_field("GBI-Doelbinding", f"onbekende doelbinding; kies uit {sorted(_PURPOSES)}")
        ctx, signed = await self._authenticate(first.get(_AUTHORIZATION, b"").decode("latin-1"), purpose)
        is_service = ctx.actor_type is ActorType.SERVICE and SERVICE_ROLE in ctx.roles
        if is_service or ctx.actor_type is ActorType.SYSTEEM:
            rate, burst = self._s.rate_limit_system_per_s, self._s.rate_limit_system_burst
        else:
            rate, burst = self._s.rate_limit_per_s, self._s.rate_limit_burst
        wait = self._limiter.take(ctx.client_id or ctx.actor_id, rate, burst)
        if wait:
            raise TooManyRequestsError("U doet te veel verzoeken; probeer het zo opnieuw", retry_after=wait)
        if route.internal and not is_service:
            # Internal routes do not exist for outside callers: same answer as an unknown path.
            raise NotFoundError(f"Geen resource op {path}")
        if is_service:
            forwarded = first.get(_CONTEXT_RAW)
            gemeente = first.get(_GEMEENTE_RAW)
            ctx, signed = self._delegate(
                None if forwarded is None else forwarded.decode("latin-1"),
                None if gemeente is None else gemeente.decode("latin-1"),
                ctx,
            )

        headers[CONTEXT_HEADER] = signed
        headers["X-Request-ID"] = scope.get("state", {}).get("request_id", "")
        client = scope.get("client")
        headers["X-Forwarded-For"] = client[0] if client else "unknown"
        headers["X-Forwarded-Proto"] = scope.get("scheme", "http")
        body = await _read_body(receive)
        raw_path = scope.get("raw_path")
        url = self._s.upstream_url(route.layer) + (raw_path.decode("latin-1") if raw_path else quote(path))
        query = scope.get("query_string", b"").decode("latin-1")
        if query:
            url += "?" + query
        resp = await self._transport.request(
            scope["method"],
            url,
            headers=headers,
            body=body or None,
            timeout_s=self._s.upstream_timeout_s,
            connect_timeout_s=self._s.upstream_connect_timeout_s,
            target=f"gbi-{route.layer}",
            raise_for_status=False,
            follow_redirects=False,  # an upstream's redirect is the caller's to follow, never the gateway's
            # The gateway's server span is the hop: the layer's server span is its child, no client span between.
            client_span=False,
        )
        # Hop-by-hop: the fixed list plus any header the upstream's Connection header names (RFC 9110 7.6.1).
        named = {t.strip().lower() for k, v in resp.headers.items() if k.lower() == "connection" for t in v.split(",")}
        dropped = _HOP_BY_HOP if route.own_version else _HOP_BY_HOP_AND_VERSION
        if named:
            dropped = dropped | named
        # Raw header pairs in the upstream's order, so that repeated headers (Link, Set-Cookie, Vary, ...) all
        # reach the caller.
        raw_headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in resp.headers.items()
            if k.lower() not in dropped
        ]
        return _ProxiedResponse(resp.body, resp.status, raw_headers)


async def _read_body(receive: Receive) -> bytes:
    """The whole request body, as Starlette's ``Request.body`` reads it (``ClientDisconnect`` when the caller
    goes away first)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class _ProxiedResponse(Response):
    """An upstream's answer as it came: its body, status and (already filtered) raw headers, plus the
    Content-Length of the body where Starlette's ``Response`` would set it (the upstream's own is hop-by-hop).
    Built straight from raw header pairs: no mapping to encode again."""

    def __init__(self, body: bytes, status: int, raw_headers: list[tuple[bytes, bytes]]) -> None:
        self.status_code = status
        self.background = None
        self.body = body
        if not (status < 200 or status in (204, 304)) and all(k != b"content-length" for k, _ in raw_headers):
            raw_headers.append((b"content-length", str(len(body)).encode("latin-1")))
        self.raw_headers = raw_headers

"""Typed clients: how one layer calls another, always through the gateway.

A service authenticates to the gateway with its own OAuth2 client-credentials token and, when it acts on a
caller's behalf, forwards the verified ``GBI-Context`` it received (the gateway accepts a forwarded context only
from an authenticated service). Background work (no caller) runs as the service itself for one gemeente.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import urlencode

import orjson
from pydantic import BaseModel, TypeAdapter

from gbi_shared._http import HttpResponse, HttpTransport
from gbi_shared.context import CONTEXT_HEADER
from gbi_shared.errors import ServiceUnavailableError, UnauthorizedError

__all__ = [
    "GEMEENTE_HEADER",
    "REQUEST_ID_HEADER",
    "GatewayClient",
    "TokenProvider",
    "inbound_context_token",
    "inbound_request_id",
]

REQUEST_ID_HEADER = "X-Request-ID"
GEMEENTE_HEADER = "GBI-Gemeente"

# Set per request by the app factory: the verified inbound context token, forwarded on outgoing calls.
inbound_context_token: ContextVar[str | None] = ContextVar("gbi_inbound_context_token", default=None)
inbound_request_id: ContextVar[str | None] = ContextVar("gbi_inbound_request_id", default=None)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class TokenProvider:
    """OAuth2 client-credentials tokens for this service, cached until shortly before they expire."""

    def __init__(self, transport: HttpTransport, token_url: str, client_id: str, client_secret: str) -> None:
        self._transport = transport
        self._url = token_url
        self._client_id = client_id
        self._secret = client_secret
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        if self._token and time.monotonic() < self._expires_at:
            return self._token
        async with self._lock:
            if self._token and time.monotonic() < self._expires_at:
                return self._token
            form = urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._secret,
                }
            ).encode()
            resp = await self._transport.request(
                "POST",
                self._url,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                body=form,
                target="identity-provider",
                raise_for_status=False,
                follow_redirects=False,  # a token request is answered, never redirected: not 200 is no token
            )
            if resp.status != 200:
                raise ServiceUnavailableError("Kon geen token krijgen bij de identity provider")
            data = resp.json()
            self._token = str(data["access_token"])
            self._expires_at = time.monotonic() + max(10, int(data.get("expires_in", 300)) - 30)
            return self._token


class GatewayClient:
    """Calls other layers through the gateway. Paths are gateway paths (``/internal/data/...``)."""

    def __init__(
        self,
        transport: HttpTransport,
        gateway_url: str,
        tokens: TokenProvider | None,
        *,
        service_name: str,
    ) -> None:
        self._transport = transport
        self._base = gateway_url.rstrip("/")
        self._tokens = tokens
        self._service = service_name

    async def _headers(self, gemeente: str | None, as_service: bool) -> dict[str, str]:
        if self._tokens is None:
            raise UnauthorizedError(f"{self._service} heeft geen client credentials om andere lagen aan te roepen")
        headers = {
            "Authorization": f"Bearer {await self._tokens.token()}",
            "Accept": "application/json",
        }
        forwarded = None if as_service else inbound_context_token.get()
        if forwarded:
            headers[CONTEXT_HEADER] = forwarded
        if gemeente is not None:
            headers[GEMEENTE_HEADER] = gemeente
        request_id = inbound_request_id.get()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        json_bytes: bytes | None = None,
        params: dict[str, str] | None = None,
        gemeente: str | None = None,
        as_service: bool = False,
        headers: dict[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> HttpResponse:
        out = await self._headers(gemeente, as_service)
        if headers:
            out.update(headers)
        body = None
        if json_bytes is not None:  # a JSON body the caller encoded itself (bulk routes: orjson, spliced bytes)
            body = json_bytes
            out["Content-Type"] = "application/json"
        elif json_body is not None:
            if isinstance(json_body, BaseModel):
                body = json_body.model_dump_json(by_alias=True, exclude_none=True).encode()
            else:
                body = _json_bytes(json_body)
            out["Content-Type"] = "application/json"
        url = self._base + path + (("?" + urlencode(params)) if params else "")
        # A layer answers, it never redirects (Starlette's trailing-slash 307 must not be followed past the
        # gateway): a redirect is an upstream error (502), and the call goes by the lean client (docs/adr/0042).
        return await self._transport.request(
            method, url, headers=out, body=body, timeout_s=timeout_s, target=_target_of(path), follow_redirects=False
        )

    async def get_model(self, path: str, model: type[M], **kwargs: Any) -> M:
        resp = await self.request("GET", path, **kwargs)
        return model.model_validate_json(resp.body)

    async def post_model(self, path: str, body: Any, model: type[M], **kwargs: Any) -> M:
        resp = await self.request("POST", path, json_body=body, **kwargs)
        return model.model_validate_json(resp.body)

    async def post_as(self, path: str, body: Any, adapter: TypeAdapter[T], **kwargs: Any) -> T:
        resp = await self.request("POST", path, json_body=body, **kwargs)
        return adapter.validate_json(resp.body)


def _json_bytes(value: Any) -> bytes:
    """A JSON body: orjson (compact, UTF-8; several times faster than the standard library on a process-state
    save), which the receiver parses to the same values as the standard library's text (ASCII with escapes). One
    difference: a float NaN or infinity, which is no JSON, becomes ``null``, where the standard library wrote the
    token ``NaN`` (which Python receivers accept). No contract between the services carries such a float: money is
    integer cents or a decimal string, and the few float settings (delays) must be greater than 0, which refuses
    NaN and null alike.
    What orjson does not take (an integer beyond 64 bits, an object it does not know) goes through the standard
    library as before, which encodes it or raises as it did."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(value, separators=(",", ":")).encode()


def _target_of(path: str) -> str:
    parts = path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] == "internal":
        return f"gbi-{parts[1]}"
    return "gbi-gateway"

"""Speaking to a ZGW API: JWT client authentication per gemeente, the CRS headers, errors, retries, breaker.

- Every request carries a JWT (HS256, signed with the gemeente's client secret) with ``iss`` and
  ``client_id`` (the client id), ``iat``, ``user_id`` and ``user_representation``, as the ZGW standard asks. A
  token is used for at most ``TOKEN_REUSE_S`` after its ``iat`` (far within the hour a zaaksysteem accepts), so
  the zaaksysteem sees the same token again and need not verify every request anew.
- Every request carries ``Accept-Crs`` and ``Content-Crs`` (EPSG:4326): the Zaken API demands them on the zaak
  operations, the other APIs ignore them.
- Reads (GET) are retried with backoff when the zaaksysteem is unreachable or answers 5xx/429; writes are sent
  once (``resilience.call_with_retries`` with ``idempotent=False``): the adapter makes a repeated write safe by
  looking up its result first. One circuit breaker guards the whole zaaksysteem.
- Answers: 404 becomes ``NotFoundError``; a 400 ``ZgwRejected`` (an ``UpstreamError``, 502, carrying the
  ``invalidParams``, so the adapter can recognise ``identificatie-niet-uniek``); 401/403 an ``UpstreamError``
  naming the client; 5xx/429 ``ServiceUnavailableError`` (the case waits, it is not decided).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import jwt

from gbi_integration.resilience import CircuitBreaker, call_with_retries
from gbi_integration.zgw.config import ZgwGemeente
from gbi_shared._http import HttpResponse, HttpTransport
from gbi_shared.errors import NotFoundError, ServiceUnavailableError, UpstreamError

__all__ = ["CRS", "ZgwForbidden", "ZgwHttp", "ZgwRejected"]

Json = Any
CRS = "EPSG:4326"
JSON = "application/json"
TOKEN_REUSE_S = 60


class ZgwRejected(UpstreamError):
    """The zaaksysteem refused a request as invalid (400 ``ValidatieFout``)."""

    def __init__(self, detail: str, *, zgw_params: list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.zgw_params = zgw_params

    def has_code(self, code: str) -> bool:
        return any(p.get("code") == code for p in self.zgw_params)


class ZgwForbidden(UpstreamError):
    """The zaaksysteem refused a request as not permitted (403): e.g. a write on a closed zaak by a client without
    the scope for it, which some zaaksystemen check before they validate the request."""


class ZgwHttp:
    """JSON over HTTP with one gemeente's ZGW client."""

    def __init__(
        self,
        transport: HttpTransport,
        *,
        timeout_s: float,
        retries: int,
        breaker: CircuitBreaker,
        user_id: str,
        user_representation: str,
        retry_delay_s: float = 0.1,
    ) -> None:
        self._transport = transport
        self._timeout_s = timeout_s
        self._retries = retries
        self.breaker = breaker
        self._user_id = user_id
        self._user_representation = user_representation
        self._retry_delay_s = retry_delay_s
        # client_id -> (iat, secret, token): the token in use per client.
        self._tokens: dict[str, tuple[int, str, str]] = {}

    def token(self, client: ZgwGemeente) -> str:
        now = int(time.time())
        secret = client.secret.get_secret_value()
        held = self._tokens.get(client.client_id)
        if held is not None and 0 <= now - held[0] < TOKEN_REUSE_S and held[1] == secret:
            return held[2]
        claims = {
            "iss": client.client_id,
            "client_id": client.client_id,
            "iat": now,
            "user_id": self._user_id,
            "user_representation": self._user_representation,
        }
        token = jwt.encode(claims, secret, algorithm="HS256")
        self._tokens[client.client_id] = (now, secret, token)
        return token

    def _headers(self, client: ZgwGemeente, *, body: bool) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self.token(client)}",
            "Accept": JSON,
            "Accept-Crs": CRS,
            "Content-Crs": CRS,
        }
        if body:
            headers["Content-Type"] = JSON
        return headers

    async def get(self, client: ZgwGemeente, url: str, params: Mapping[str, str] | None = None) -> Json:
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"

        async def call() -> Json:
            resp = await self._transport.request(
                "GET",
                url,
                headers=self._headers(client, body=False),
                timeout_s=self._timeout_s,
                target="zaaksysteem",
                raise_for_status=False,
                follow_redirects=False,  # an API call is answered, never redirected: a 3xx is an error (_answer)
            )
            return _answer(resp, client)

        return await call_with_retries(
            self.breaker, call, retries=self._retries, idempotent=True, base_delay_s=self._retry_delay_s
        )

    async def post(self, client: ZgwGemeente, url: str, body: Json) -> Json:
        payload = json.dumps(body).encode("utf-8")

        async def call() -> Json:
            resp = await self._transport.request(
                "POST",
                url,
                headers=self._headers(client, body=True),
                body=payload,
                timeout_s=self._timeout_s,
                target="zaaksysteem",
                raise_for_status=False,
                follow_redirects=False,  # an API call is answered, never redirected: a 3xx is an error (_answer)
            )
            return _answer(resp, client)

        return await call_with_retries(self.breaker, call, retries=0, idempotent=False)

    async def get_all(self, client: ZgwGemeente, url: str, params: Mapping[str, str] | None = None) -> list[Json]:
        """Every item of a list: a plain array, or every page of a paginated one (following ``next``)."""
        page = await self.get(client, url, params)
        if isinstance(page, list):
            return page
        items: list[Json] = []
        seen = 0
        while True:
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise UpstreamError("Het zaaksysteem gaf een onbruikbare lijst")
            items.extend(page["results"])
            nxt = page.get("next")
            seen += 1
            if not nxt or seen >= 100:
                return items
            page = await self.get(client, str(nxt))


def _answer(resp: HttpResponse, client: ZgwGemeente) -> Json:
    if 200 <= resp.status < 300:
        try:
            return resp.json()
        except (ValueError, UnicodeDecodeError):
            raise UpstreamError("Het zaaksysteem gaf een onleesbaar antwoord") from None
    try:
        body = resp.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    body = body if isinstance(body, dict) else {}
    detail = body.get("detail") if isinstance(body.get("detail"), str) else None
    if resp.status == 404:
        raise NotFoundError(detail or "Niet gevonden in het zaaksysteem")
    if resp.status == 400:
        params = [p for p in body.get("invalidParams") or [] if isinstance(p, dict)]
        named = ", ".join(f"{p.get('name')} ({p.get('code')})" for p in params[:5])
        raise ZgwRejected(f"Het zaaksysteem weigerde het verzoek: {named or detail or 'ongeldig'}", zgw_params=params)
    if resp.status == 403:
        raise ZgwForbidden(f"Het zaaksysteem weigert client {client.client_id}: {detail or resp.status}")
    if resp.status == 401:
        raise UpstreamError(f"Het zaaksysteem weigert client {client.client_id}: {detail or resp.status}")
    if resp.status == 429 or resp.status >= 500:
        retry_after = resp.headers.get("Retry-After")
        wait = int(retry_after) if retry_after and retry_after.isdigit() else 5
        raise ServiceUnavailableError("Het zaaksysteem is tijdelijk niet beschikbaar", retry_after=wait)
    raise UpstreamError(f"Het zaaksysteem antwoordde {resp.status}: {detail or 'onverwacht'}")

"""Pulling a ZaakLOAangevraagd from a front office (the port, and its HTTP adapter).

``GET <resourceUrl>`` with ``Authorization: Bearer <the front office's token>`` and ``Accept: application/json``;
a timeout per attempt, a fast connect timeout, retries with backoff (a GET changes nothing at the front office),
one circuit breaker per front office. The answers:

- 200 with a JSON object of at most ``max_bytes``: the message;
- 404: ``BerichtNietGevonden`` (the notification points at nothing);
- 401 or 403: ``UpstreamError`` (502; GBI's token for this front office is wrong: an operator's matter);
- 429, 5xx, not reachable, no answer in time: ``ServiceUnavailableError`` (503, after the retries): nothing was
  registered and the notification can be sent again;
- anything else, or a body that is not a JSON object: ``OnbruikbaarBericht``.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from gbi_integration.koppelvlakken.config import Frontoffice
from gbi_integration.resilience import CircuitBreaker, call_with_retries
from gbi_shared._http import HttpResponse, HttpTransport
from gbi_shared.errors import ServiceUnavailableError, UpstreamError, UpstreamTimeoutError

__all__ = ["BerichtNietGevonden", "FrontofficeBron", "HttpFrontoffice", "OnbruikbaarBericht"]

Json = Any


class BerichtNietGevonden(Exception):
    """The front office does not know the resource the notification named."""


class OnbruikbaarBericht(Exception):
    """The front office answered something that is not a message (too large, not JSON, an odd status)."""


class FrontofficeBron(Protocol):
    async def haal_op(self, naam: str, frontoffice: Frontoffice, url: str) -> Json: ...


class HttpFrontoffice:
    def __init__(
        self,
        transport: HttpTransport,
        *,
        timeout_s: float,
        connect_timeout_s: float,
        retries: int,
        retry_delay_s: float,
        max_bytes: int,
        breaker_failures: int,
        breaker_cooldown_s: float,
    ) -> None:
        self._transport = transport
        self._timeout_s = timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._retries = retries
        self._retry_delay_s = retry_delay_s
        self._max_bytes = max_bytes
        self._breaker_failures = breaker_failures
        self._breaker_cooldown_s = breaker_cooldown_s
        self._breakers: dict[str, CircuitBreaker] = {}

    def breaker(self, naam: str) -> CircuitBreaker:
        if naam not in self._breakers:
            self._breakers[naam] = CircuitBreaker(
                f"front office {naam}", failures=self._breaker_failures, cooldown_s=self._breaker_cooldown_s
            )
        return self._breakers[naam]

    async def haal_op(self, naam: str, frontoffice: Frontoffice, url: str) -> Json:
        headers = {"Authorization": f"Bearer {frontoffice.token.get_secret_value()}", "Accept": "application/json"}

        async def call() -> Json:
            resp = await self._transport.request(
                "GET",
                url,
                headers=headers,
                timeout_s=self._timeout_s,
                connect_timeout_s=self._connect_timeout_s,
                target=f"frontoffice-{naam}",
                raise_for_status=False,
                follow_redirects=False,  # a redirect is no message: OnbruikbaarBericht (_answer)
            )
            return self._answer(naam, resp)

        try:
            return await call_with_retries(
                self.breaker(naam), call, retries=self._retries, idempotent=True, base_delay_s=self._retry_delay_s
            )
        except UpstreamTimeoutError as exc:
            raise ServiceUnavailableError(f"Front office {naam} antwoordde niet op tijd", retry_after=30) from exc

    def _answer(self, naam: str, resp: HttpResponse) -> Json:
        if resp.status == 200:
            if len(resp.body) > self._max_bytes:
                raise OnbruikbaarBericht(f"het bericht is groter dan {self._max_bytes} bytes")
            try:
                body = json.loads(resp.body)
            except (ValueError, UnicodeDecodeError):
                raise OnbruikbaarBericht("het bericht is geen JSON") from None
            if not isinstance(body, dict):
                raise OnbruikbaarBericht("het bericht is geen JSON-object")
            return body
        if resp.status == 404:
            raise BerichtNietGevonden
        if resp.status in (401, 403):
            raise UpstreamError(f"Front office {naam} weigert GBI ({resp.status}): controleer het token van GBI")
        if resp.status == 429 or resp.status >= 500:
            retry_after = resp.headers.get("Retry-After")
            wait = int(retry_after) if retry_after and retry_after.isdigit() else 30
            raise ServiceUnavailableError(f"Front office {naam} is tijdelijk niet beschikbaar", retry_after=wait)
        raise OnbruikbaarBericht(f"de front office antwoordde {resp.status}")

"""One source endpoint: where it lives, its own circuit breaker, timeouts, and retries for reads only.

Every source query is a read (it changes nothing at the source), so it is retried with exponential backoff when
the source is unreachable, answers 5xx/429, or does not answer in time, all within one deadline per query
(``bronnen_deadline_s``). Whatever stays unavailable after the retries or the deadline (or while the breaker is open)
is a ``ServiceUnavailableError`` (503): the case waits. An answer that cannot be
used (a 4xx, no JSON, a shape we do not know) is an ``UpstreamError`` (502) and is not retried.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from gbi_integration.resilience import CircuitBreaker, call_with_retries
from gbi_integration.settings import IntegrationSettings
from gbi_shared._http import HttpTransport
from gbi_shared.context import RequestContext
from gbi_shared.errors import ServiceUnavailableError, UpstreamError, UpstreamTimeoutError

__all__ = ["BronClient"]

T = TypeVar("T")


class BronClient:
    def __init__(self, naam: str, url: str, settings: IntegrationSettings, transport: HttpTransport) -> None:
        self.naam = naam
        self._url = url.rstrip("/")
        self._s = settings
        self._transport = transport
        self.breaker = CircuitBreaker(naam, failures=settings.breaker_failures, cooldown_s=settings.breaker_cooldown_s)

    @staticmethod
    def _headers(ctx: RequestContext, *, body: bool) -> dict[str, str]:
        # Protocollering (as for the BRP): why, in which processing, by whom. Never a BSN in a header.
        headers = {
            "Accept": "application/json",
            "x-doelbinding": ctx.purpose,
            "x-verwerking": "Participatiewet",
            "x-gebruiker": ctx.actor_id,
        }
        if body:
            headers["Content-Type"] = "application/json"
        return headers

    async def lees(
        self,
        method: str,
        path: str,
        ctx: RequestContext,
        parse: Callable[[Any], T],
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> T:
        """Send one read and ``parse`` its JSON, inside each attempt: a parser that raises
        ``ServiceUnavailableError`` (a source saying it cannot deliver) is retried and counts for the breaker."""
        url = self._url + path + (("?" + urlencode(params)) if params else "")
        payload = json.dumps(body, separators=(",", ":")).encode() if body is not None else None
        headers = self._headers(ctx, body=payload is not None)

        async def attempt() -> T:
            resp = await self._transport.request(
                method,
                url,
                headers=headers,
                body=payload,
                timeout_s=self._s.bronnen_timeout_s,
                target=self.naam.lower(),
                raise_for_status=False,
                follow_redirects=False,  # a source API answers, never redirects: a 3xx is refused below
            )
            if resp.status >= 500 or resp.status == 429:
                raise ServiceUnavailableError(f"{self.naam} is niet beschikbaar (HTTP {resp.status})")
            if resp.status >= 300:
                raise UpstreamError(f"{self.naam} weigerde het verzoek (HTTP {resp.status})")
            try:
                data = resp.json()
            except (ValueError, UnicodeDecodeError) as exc:
                raise UpstreamError(f"{self.naam} gaf een onbruikbaar antwoord") from exc
            return parse(data)

        try:
            async with asyncio.timeout(self._s.bronnen_deadline_s):
                return await call_with_retries(
                    self.breaker,
                    attempt,
                    retries=self._s.bronnen_retries,
                    idempotent=True,
                    base_delay_s=self._s.bronnen_retry_delay_s,
                )
        except UpstreamTimeoutError as exc:
            raise ServiceUnavailableError(f"{self.naam} antwoordde niet op tijd") from exc
        except TimeoutError as exc:
            # The deadline cut the attempt (or the backoff) short: a hanging source counts against its breaker.
            self.breaker.failure()
            raise ServiceUnavailableError(
                f"{self.naam} antwoordde niet binnen {self._s.bronnen_deadline_s:g} s"
            ) from exc

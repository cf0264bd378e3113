"""Reference data every case reads and that changes rarely, kept for a short while per process (ADR 0022).

- the gemeente (``GET /internal/data/v1/gemeenten/{code}``): its name for the beschikking, and whether it is a GBI
  gemeente at all (a submission for a citizen who lives elsewhere is refused);
- the local policy in force on a day (``GET /api/v1/beleid/{onderwerp}?peildatum=``), by gemeente, onderwerp and
  peildatum; "no policy" (404) is kept too.

An entry lives ``ttl_s`` seconds (``GBI_REFERENCE_CACHE_S``; 0: nothing is kept). What a stale entry can and cannot
do: a gemeente made inactive (suspended, blocked) stops new work at once anyway, because the data service checks
that the caller's gemeente is an active tenant on every request (the cache only saves the read of its name); a
policy version added or corrected for a day that has begun applies to cases decided up to ``ttl_s`` later
(policy is effective-dated and normally set ahead of its start date). An unknown gemeente (404) is not kept, so a
gemeente that joins is found at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from gbi_process.alo.geheugen import Casusgeheugen
from gbi_shared.clients import GatewayClient
from gbi_shared.contracts.beleid import Beleidsversie
from gbi_shared.contracts.data import Gemeente
from gbi_shared.errors import NotFoundError

__all__ = ["Referentiecache"]

DATA = "/internal/data/v1"
#: Above this many entries the expired ones are dropped (and when all are fresh, the oldest half).
_MAX_ENTRIES = 4096


class Referentiecache:
    def __init__(
        self, gateway: GatewayClient, ttl_s: float = 30.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._gw = gateway
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[tuple[Any, ...], tuple[float, Any]] = {}
        #: What this process read or registered for a case moments ago (not reference data: ADR 0031); it travels
        #: with this cache because the submission and every run of this process share it.
        self.casus = Casusgeheugen()

    def _get(self, key: tuple[Any, ...]) -> tuple[bool, Any]:
        hit = self._entries.get(key)
        if hit is None or hit[0] <= self._clock():
            return False, None
        return True, hit[1]

    def _put(self, key: tuple[Any, ...], value: Any) -> None:
        if self.ttl_s <= 0:
            return
        now = self._clock()
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            if len(self._entries) >= _MAX_ENTRIES:
                oldest = sorted(self._entries.items(), key=lambda kv: kv[1][0])[: _MAX_ENTRIES // 2]
                for k, _ in oldest:
                    del self._entries[k]
        self._entries[key] = (now + self.ttl_s, value)

    async def gemeente(self, code: str) -> Gemeente:
        """The gemeente with this CBS code; :class:`NotFoundError` when GBI does not know it (not kept)."""
        key = ("gemeente", code)
        found, value = self._get(key)
        if found:
            gemeente: Gemeente = value
            return gemeente
        gemeente = await self._gw.get_model(f"{DATA}/gemeenten/{code}", Gemeente, as_service=True)
        self._put(key, gemeente)
        return gemeente

    async def beleid(self, gemeente: str, onderwerp: str, peildatum: date) -> Beleidsversie | None:
        """The gemeente's policy on this onderwerp in force on the peildatum; None when it has none."""
        key = ("beleid", gemeente, onderwerp, peildatum)
        found, value = self._get(key)
        if found:
            versie: Beleidsversie | None = value
            return versie
        try:
            versie = await self._gw.get_model(
                f"/api/v1/beleid/{onderwerp}",
                Beleidsversie,
                params={"peildatum": peildatum.isoformat()},
                gemeente=gemeente,
                as_service=True,
            )
        except NotFoundError:
            versie = None
        self._put(key, versie)
        return versie

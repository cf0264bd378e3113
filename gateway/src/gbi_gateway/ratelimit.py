"""Per-client token-bucket rate limiting (per gateway replica; the limit per client scales with replicas)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict

__all__ = ["RateLimiter"]


class RateLimiter:
    def __init__(self, *, max_clients: int = 100_000) -> None:
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max = max_clients

    def take(self, key: str, rate: float, burst: int, now: float | None = None) -> int:
        """Take one token. Returns 0 when allowed, else the seconds to wait (for Retry-After)."""
        t = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (float(burst), t))
        tokens = min(float(burst), tokens + (t - last) * rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, t)
            self._evict()
            return 0
        self._buckets[key] = (tokens, t)
        self._evict()
        return max(1, math.ceil((1.0 - tokens) / rate))

    def _evict(self) -> None:
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)

"""Timeouts, retries with backoff (idempotent calls only) and a circuit breaker for calls to sources."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from gbi_shared.errors import ServiceError, ServiceUnavailableError, UpstreamTimeoutError

__all__ = ["CircuitBreaker", "call_with_retries"]

T = TypeVar("T")
_RETRYABLE = (ServiceUnavailableError, UpstreamTimeoutError)


class CircuitBreaker:
    """Closed -> open after ``failures`` consecutive failures; open -> half-open after ``cooldown_s``; one
    successful trial closes it again. While open, calls fail fast with 503 (the case waits, it is not decided)."""

    def __init__(self, name: str, *, failures: int, cooldown_s: float) -> None:
        self.name = name
        self._threshold = failures
        self._cooldown = cooldown_s
        self._failures = 0
        self._opened_at: float | None = None

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if time.monotonic() - self._opened_at >= self._cooldown else "open"

    def before(self) -> None:
        if self.state == "open":
            assert self._opened_at is not None
            wait = int(self._cooldown - (time.monotonic() - self._opened_at)) + 1
            raise ServiceUnavailableError(f"{self.name} is tijdelijk niet beschikbaar", retry_after=wait)

    def success(self) -> None:
        self._failures = 0
        self._opened_at = None

    def failure(self) -> None:
        self._failures += 1
        if self._failures >= self._threshold or self.state == "half-open":
            self._opened_at = time.monotonic()


async def call_with_retries(
    breaker: CircuitBreaker,
    call: Callable[[], Awaitable[T]],
    *,
    retries: int,
    idempotent: bool,
    base_delay_s: float = 0.1,
) -> T:
    attempts = 1 + (retries if idempotent else 0)
    last: ServiceError | None = None
    for attempt in range(attempts):
        breaker.before()
        try:
            result = await call()
        except _RETRYABLE as exc:
            breaker.failure()
            last = exc
            if attempt + 1 < attempts:
                await asyncio.sleep(base_delay_s * (2**attempt) * (0.5 + random.random()))
            continue
        breaker.success()
        return result
    assert last is not None
    raise last

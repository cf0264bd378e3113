"""The request limiter of a data route (ADR 0024, ADR 0046): a free token is taken without a timeout, a request
that has to wait waits for the real ``anyio.CapacityLimiter`` in first-come order, and no route leaves a token
borrowed, whether it returned, raised or timed out waiting."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest

from gbi_data import api
from gbi_data.api import Tenant, _in_one_thread


class _Database:
    """What a route reads of the database: the limiter of its connections (real), the worker threads' limiter and
    the pool timeout."""

    def __init__(self, tokens: int, pool_timeout_s: float = 5.0) -> None:
        self.pool_timeout_s = pool_timeout_s
        self._limiter = anyio.CapacityLimiter(tokens)
        self._unbounded = anyio.CapacityLimiter(100)

    def limiter(self) -> anyio.CapacityLimiter:
        return self._limiter

    def unbounded_limiter(self) -> anyio.CapacityLimiter:
        return self._unbounded


class _Transaction:
    """A tenant transaction that only records that it was begun and ended."""

    def __init__(self, database: _Database) -> None:
        self.database = database
        self.active = False

    def begin(self) -> None:
        self.active = True

    def end(self, exc: BaseException | None = None) -> None:
        self.active = False


def _tenant(database: _Database) -> Tenant:
    return Tenant(None, "0363", _Transaction(database))  # type: ignore[arg-type]


async def _until(condition: Any) -> None:
    with anyio.fail_after(5):
        while not condition():  # noqa: ASYNC110 - the limiter's statistics signal no event
            await anyio.sleep(0.001)


def test_a_request_that_waits_for_a_token_gets_it_from_the_real_limiter() -> None:
    database = _Database(tokens=1)
    route = _in_one_thread(lambda tenant: "answered")

    async def main() -> None:
        limiter, holder = database.limiter(), object()
        limiter.acquire_on_behalf_of_nowait(holder)  # every connection busy
        answers: list[str] = []
        async with anyio.create_task_group() as tasks:

            async def request() -> None:
                answers.append(await route(tenant=_tenant(database)))

            tasks.start_soon(request)
            await _until(lambda: limiter.statistics().tasks_waiting == 1)
            assert answers == []
            limiter.release_on_behalf_of(holder)
        assert answers == ["answered"]
        assert limiter.borrowed_tokens == 0

    anyio.run(main)


def test_a_free_token_is_not_taken_while_others_wait() -> None:
    database = _Database(tokens=1)
    order: list[str] = []
    inside = threading.Lock()

    def endpoint(tenant: Tenant, name: str) -> None:
        assert inside.acquire(blocking=False), "two requests held the one token at once"
        try:
            order.append(name)
        finally:
            inside.release()

    route = _in_one_thread(endpoint)

    async def main() -> None:
        limiter, holder = database.limiter(), object()
        limiter.acquire_on_behalf_of_nowait(holder)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(lambda: route(tenant=_tenant(database), name="first"))
            await _until(lambda: limiter.statistics().tasks_waiting == 1)
            # The token goes to the one waiting; a request arriving now (before "first" ran again) does not take it.
            limiter.release_on_behalf_of(holder)
            with pytest.raises(anyio.WouldBlock):
                limiter.acquire_on_behalf_of_nowait(object())
            tasks.start_soon(lambda: route(tenant=_tenant(database), name="second"))
        assert order == ["first", "second"]
        assert limiter.borrowed_tokens == 0

    anyio.run(main)


@pytest.mark.parametrize("busy", [False, True], ids=["free-token", "waited-for-token"])
def test_no_token_stays_borrowed_after_a_route_raised(busy: bool) -> None:
    database = _Database(tokens=1)

    def endpoint(tenant: Tenant) -> None:
        raise RuntimeError("the route failed")

    route = _in_one_thread(endpoint)

    async def main() -> None:
        limiter, holder = database.limiter(), object()
        if busy:
            limiter.acquire_on_behalf_of_nowait(holder)
        raised: list[BaseException] = []

        async def request() -> None:
            try:
                await route(tenant=_tenant(database))
            except RuntimeError as exc:
                raised.append(exc)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(request)
            if busy:
                await _until(lambda: limiter.statistics().tasks_waiting == 1)
                limiter.release_on_behalf_of(holder)
        assert [str(e) for e in raised] == ["the route failed"]
        assert limiter.borrowed_tokens == 0
        assert limiter.statistics().tasks_waiting == 0

    anyio.run(main)


def test_a_request_that_waited_too_long_leaves_no_token_borrowed() -> None:
    database = _Database(tokens=1, pool_timeout_s=0.05)
    route = _in_one_thread(lambda tenant: "answered")

    async def main() -> None:
        limiter, holder = database.limiter(), object()
        limiter.acquire_on_behalf_of_nowait(holder)
        with pytest.raises(api.PoolTimeoutError):
            await route(tenant=_tenant(database))
        assert limiter.borrowed_tokens == 1  # the holder's only
        assert limiter.statistics().tasks_waiting == 0
        limiter.release_on_behalf_of(holder)
        assert await route(tenant=_tenant(database)) == "answered"
        assert limiter.borrowed_tokens == 0

    anyio.run(main)

"""The worker's queue of claimed instances (ADR 0033): one claim takes the free run slots and as many again; the
rest wait leased to this worker and start as runs end, without a claim each. A queued instance is never run once
its lease has lasted too long for a run to fit in it, a run's time budget counts from its claim, and no other
worker can take a queued instance meanwhile."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from gbi_process.alo.runner import InstanceRun, RunOptions, Worker
from gbi_process.alo.store import AloStore

from .conftest import GEMEENTE, World

OPTS = RunOptions(worker="w1", lease_s=60, message_poll_s=60, retry_base_s=30, retry_max_s=600)


def run(test: Callable[[World], Coroutine[Any, Any, None]]) -> Callable[[World], None]:
    @functools.wraps(test)
    def wrapper(world: World) -> None:
        asyncio.run(test(world))

    return wrapper


def _worker(world: World, name: str = "w1", concurrency: int = 4, claim_limit: int = 10) -> Worker:
    return Worker(
        world.engine,
        world.gw,  # type: ignore[arg-type]
        RunOptions(worker=name, lease_s=60, message_poll_s=60, retry_base_s=30, retry_max_s=600),
        concurrency=concurrency,
        claim_limit=claim_limit,
    )


def _claims(world: World) -> int:
    return sum(1 for _, path in world.gw.calls if path.endswith("procesinstanties:claim"))


async def _drain(worker: Worker) -> None:
    while worker._running:
        await asyncio.gather(*list(worker._running), return_exceptions=True)


@run
async def test_one_claim_fills_the_free_slots_and_a_queue_that_starts_as_runs_end(world: World) -> None:
    ids = [(await world.submit())[1] for _ in range(8)]
    worker = _worker(world, concurrency=4)
    assert await worker.tick() == 8  # four slots free: four to run and four more for the queue, in one claim
    assert (len(worker._running), len(worker._wachtrij)) == (4, 4)
    assert all(world.instance(i)["leaseOwner"] == "w1" for i in ids)  # every queued one is leased to this worker
    assert worker.reserveer() is None  # (not started: a submission gets no slot either way) ...
    worker._task = asyncio.get_running_loop().create_future()  # type: ignore[assignment]  # ... started:
    assert worker.reserveer() is None  # the queued instances go before a new submission
    worker._task = None
    await _drain(worker)
    assert _claims(world) == 1  # the four queued started without a claim each
    assert not worker._wachtrij
    assert all(world.instance(i)["status"] == "completed" for i in ids)
    assert world.handlers.calls.count("besluit.vastleggen") == 8  # each case once


@run
async def test_a_claim_asks_for_no_more_than_the_claim_limit(world: World) -> None:
    for _ in range(8):
        await world.submit()
    worker = _worker(world, concurrency=4, claim_limit=5)
    assert await worker.tick() == 5
    assert (len(worker._running), len(worker._wachtrij)) == (4, 1)
    assert await worker.tick() == 0  # no claim while the queue holds an instance
    assert _claims(world) == 1
    await worker.run_until_idle()
    assert world.handlers.calls.count("besluit.vastleggen") == 8


@run
async def test_another_worker_never_gets_a_queued_instance(world: World) -> None:
    ids = [(await world.submit())[1] for _ in range(6)]
    w1, w2 = _worker(world, "w1", concurrency=2), _worker(world, "w2", concurrency=2)
    assert await w1.tick() == 4  # two to run, two queued
    assert await w2.tick() == 2  # only the two nobody holds
    await _drain(w1)
    await _drain(w2)
    assert all(world.instance(i)["status"] == "completed" for i in ids)
    assert world.handlers.calls.count("besluit.vastleggen") == 6


@run
async def test_a_queued_instance_whose_lease_lasted_too_long_is_handed_back_unrun(world: World) -> None:
    first, second = (await world.submit())[1], (await world.submit())[1]
    worker = _worker(world, concurrency=1)
    assert await worker.tick() == 2
    [(_, answered, clock, item)] = worker._wachtrij
    assert str(item.id) == second
    worker._wachtrij[0] = (
        time.monotonic() - 16,
        answered,
        clock,
        item,
    )  # it waited more than a quarter of its 60 s lease
    await _drain(worker)
    await asyncio.gather(*list(worker._teruggaven))
    assert not worker._wachtrij
    assert world.instance(first)["status"] == "completed"
    stored = world.instance(second)
    # not run: its state as claimed, its lease released at once (no wait for it to expire)
    assert (stored["status"], stored["version"], stored["leaseOwner"]) == ("runnable", 2, None)
    assert stored["state"] == item.state
    assert world.handlers.calls.count("zaak.registreren") == 1
    assert await _worker(world, "w2").run_until_idle() == 1  # the clock has not moved: taken at once
    assert world.instance(second)["status"] == "completed"
    assert world.handlers.calls.count("zaak.registreren") == 2


@run
async def test_a_queued_instance_that_cannot_be_handed_back_is_left_to_its_lease_and_never_run(world: World) -> None:
    _first, second = (await world.submit())[1], (await world.submit())[1]
    worker = _worker(world, concurrency=1)
    assert await worker.tick() == 2
    [(_, answered, clock, item)] = worker._wachtrij
    worker._wachtrij[0] = (time.monotonic() - 16, answered, clock, item)
    world.gw.instances[second]["version"] = 2  # a caseworker's completed task bumped it: the hand-back is refused
    await _drain(worker)
    await asyncio.gather(*list(worker._teruggaven))
    stored = world.instance(second)
    assert (stored["status"], stored["version"], stored["leaseOwner"]) == ("runnable", 2, "w1")  # not run
    assert world.handlers.calls.count("zaak.registreren") == 1
    other = _worker(world, "w2")
    assert await other.tick() == 0  # still leased: nobody else runs it either
    world.gw.now += timedelta(seconds=61)  # its lease expires: the next claim takes it
    assert await other.run_until_idle() == 1
    assert world.instance(second)["status"] == "completed"
    assert world.handlers.calls.count("zaak.registreren") == 2


@run
async def test_a_run_counts_its_time_budget_from_the_claim(world: World) -> None:
    _, iid = await world.submit()
    result = await AloStore(world.gw, GEMEENTE).claim("w1", 60, 1)  # type: ignore[arg-type]
    [item] = result.items
    # claimed half a lease ago (it waited): no time is left for a step, the run hands the instance back at once
    run_ = InstanceRun(world.engine, world.gw, item, result.nu, OPTS, claimed_at=time.monotonic() - 30)  # type: ignore[arg-type]
    assert run_.now() - result.nu < timedelta(seconds=1)  # (its clock counts from the claim's answer)
    await run_.run()
    assert world.handlers.calls == []
    stored = world.instance(iid)
    assert (stored["status"], stored["leaseOwner"]) == ("runnable", None)
    assert run_.left_runnable
    # claimed just now: the whole budget
    item = (await AloStore(world.gw, GEMEENTE).claim("w1", 60, 1)).items[0]  # type: ignore[arg-type]
    await InstanceRun(world.engine, world.gw, item, result.nu, OPTS, claimed_at=time.monotonic()).run()  # type: ignore[arg-type]
    assert world.instance(iid)["status"] == "completed"


@run
async def test_a_stopped_worker_starts_nothing_from_its_queue(world: World) -> None:
    ids = [(await world.submit())[1] for _ in range(2)]
    worker = _worker(world, concurrency=1)
    assert await worker.tick() == 2  # one slot, and one more for the queue
    [(_, _, _, queued)] = worker._wachtrij
    await worker.stop()
    assert not worker._wachtrij
    assert not worker._running
    stored = world.instance(str(queued.id))
    # never run, and handed back as claimed: another replica takes it at once, not after its lease
    assert (stored["status"], stored["version"], stored["leaseOwner"]) == ("runnable", 2, None)
    assert stored["state"] == queued.state
    assert str(queued.id) in ids
    assert world.handlers.calls.count("zaak.registreren") == 1  # only the one that ran
    assert await _worker(world, "w2").run_until_idle() == 1
    assert world.instance(str(queued.id))["status"] == "completed"


@run
async def test_a_slot_a_submission_gives_back_starts_a_queued_instance_at_once(world: World) -> None:
    for _ in range(3):
        await world.submit()
    worker = _worker(world, concurrency=2)
    worker._task = asyncio.get_running_loop().create_future()  # type: ignore[assignment]  # (as if started)
    assert worker.reserveer() is not None  # a submission in flight holds one of the two slots
    worker._task = None
    assert await worker.tick() == 3  # one free slot and two for the queue
    assert (len(worker._running), len(worker._wachtrij)) == (1, 2)
    worker.laat_los()  # the submission failed: its slot runs the oldest queued instance
    assert (len(worker._running), len(worker._wachtrij)) == (2, 1)
    await _drain(worker)
    assert world.handlers.calls.count("besluit.vastleggen") == 3

"""A submission registers the aanvraag and starts its instance in one data request (ADR 0030); with a free run
slot the instance is created leased to this replica's worker and run at once, without a claim or a read of the
aanvraag. A repeat with the same key finds what the first did; a slot is never kept by a submission that did not
use it."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from gbi_process.alo.runner import RunOptions, Worker
from gbi_process.alo.service import AloProces
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.alo import Aanvraag
from gbi_shared.contracts.alo_proces import AloAanvraagIndiening
from gbi_shared.errors import ServiceUnavailableError

from .conftest import BSN, GEMEENTE, World

DATA = "/internal/data/v1"
STAFF = RequestContext("m1", ActorType.MEDEWERKER, frozenset({"klantmanager"}), gemeente=GEMEENTE)
MAIN = 10  # service tasks of a straight-through case


def run(test: Callable[[World], Coroutine[Any, Any, None]]) -> Callable[[World], None]:
    @functools.wraps(test)
    def wrapper(world: World) -> None:
        asyncio.run(test(world))

    return wrapper


def _verzoek() -> AloAanvraagIndiening:
    return AloAanvraagIndiening.model_validate(
        {"bsn": BSN, "meldingsdatum": "2026-03-02", "aanvraagdatum": "2026-03-02", "gegevens": {"iban": "NL91"}}
    )


def _worker(world: World, concurrency: int = 4) -> Worker:
    # A long idle pace: the loop's own claims stay out of the window the tests look at.
    return Worker(
        world.engine,
        world.gw,  # type: ignore[arg-type]
        RunOptions(worker="w1", lease_s=60, message_poll_s=60, retry_base_s=30, retry_max_s=600),
        concurrency=concurrency,
        interval_s=60,
        idle_max_s=60,
    )


def _proces(world: World, worker: Worker | None, gewekt: list[Aanvraag] | None = None) -> AloProces:
    return AloProces(
        world.gw,  # type: ignore[arg-type]
        world.engine,
        world.proces._registry,
        signaleringstermijn_dagen=7,
        nieuw_werk=gewekt.append if gewekt is not None else None,
        werker=lambda: worker,
    )


async def _started(worker: Worker) -> None:
    worker.start()
    for _ in range(100):  # the loop's first (empty) claims
        await asyncio.sleep(0.01)
        if worker._gemeenten:
            return


@run
async def test_a_submission_is_one_data_request_and_its_instance_runs_without_a_claim(world: World) -> None:
    worker = _worker(world)
    await _started(worker)
    gewekt: list[Aanvraag] = []
    proces = _proces(world, worker, gewekt)
    before = len(world.gw.calls)
    try:
        antwoord = await proces.dien_in(_verzoek(), STAFF, "k-1")
        [instance] = world.gw.instances.values()
        assert instance["id"] == str(antwoord.procesinstantie_id)
        assert instance["aanvraagId"] == str(antwoord.aanvraag_id)
        assert (instance["leaseOwner"], instance["attempts"]) == ("w1", 1)  # leased as it was created
        assert world.gw.calls[before:] == [("POST", f"{DATA}/aanvragen:indienen")]
        assert len(worker._running) == 1
        assert worker._gereserveerd == 0
        await asyncio.gather(*list(worker._running))
    finally:
        await worker.stop()
    assert gewekt == []  # the worker already has it: no wake, no claim
    assert world.instance(str(antwoord.procesinstantie_id))["status"] == "completed"
    assert len(world.handlers.calls) == MAIN
    # after the submission: the two saves of a straight-through case, no claim, no read of the aanvraag
    assert world.gw.calls[before + 1 :] == [("PUT", f"{DATA}/procesinstanties/{antwoord.procesinstantie_id}")] * 2
    # the engine state names the aanvraag the data service registered under the id the process picked
    assert world.variables(str(antwoord.procesinstantie_id))["aanvraag_id"] == str(antwoord.aanvraag_id)


@run
async def test_a_repeat_with_the_same_key_finds_the_first_and_leaves_no_slot_taken(world: World) -> None:
    worker = _worker(world)
    await _started(worker)
    proces = _proces(world, worker, [])
    try:
        eerste = await proces.dien_in(_verzoek(), STAFF, "k-2")
        await asyncio.gather(*list(worker._running))
        tweede = await proces.dien_in(_verzoek(), STAFF, "k-2")
        assert (tweede.aanvraag_id, tweede.procesinstantie_id) == (eerste.aanvraag_id, eerste.procesinstantie_id)
        assert len(world.gw.aanvragen) == 1
        assert len(world.gw.instances) == 1
        assert worker._gereserveerd == 0
        assert not worker._running
    finally:
        await worker.stop()
    assert len(world.handlers.calls) == MAIN


@run
async def test_without_a_free_slot_the_instance_is_left_for_a_claim(world: World) -> None:
    worker = _worker(world, concurrency=1)
    await _started(worker)
    gewekt: list[Aanvraag] = []
    proces = _proces(world, worker, gewekt)
    try:
        assert worker.reserveer() is not None  # another submission in flight holds the only slot
        antwoord = await proces.dien_in(_verzoek(), STAFF, "k-3")
        instance = world.instance(str(antwoord.procesinstantie_id))
        assert (instance["leaseOwner"], instance["attempts"], instance["status"]) == (None, 0, "runnable")
        assert [a.id for a in gewekt] == [antwoord.aanvraag_id]  # the worker is woken for it, as before
        assert not worker._running
        worker.laat_los()
        assert worker._gereserveerd == 0
    finally:
        await worker.stop()


@run
async def test_a_failed_submission_gives_its_slot_back(world: World) -> None:
    worker = _worker(world)
    await _started(worker)
    proces = _proces(world, worker, [])

    def busy(*_: Any, **__: Any) -> Any:
        raise ServiceUnavailableError("bezet")

    world.gw._indienen = busy  # type: ignore[method-assign]
    try:
        try:
            await proces.dien_in(_verzoek(), STAFF, "k-4")
        except ServiceUnavailableError:
            pass
        else:
            raise AssertionError("the submission should fail")
        assert worker._gereserveerd == 0
        assert not worker._running
        assert world.gw.instances == {}
    finally:
        await worker.stop()


@run
async def test_a_repeat_of_an_aanvraag_registered_without_instance_starts_it(world: World) -> None:
    """Recovery: an aanvraag registered before its instance was started (the submission stopped half-way, before
    ADR 0030): the repeat with its key starts the instance, as before."""
    row = world.gw.add_aanvraag()
    world.gw.keys["k-5"] = row["id"]
    gewekt: list[Aanvraag] = []
    proces = _proces(world, None, gewekt)
    antwoord = await proces.dien_in(_verzoek(), STAFF, "k-5")
    assert str(antwoord.aanvraag_id) == row["id"]
    [instance] = world.gw.instances.values()
    assert instance["aanvraagId"] == row["id"]
    assert instance["leaseOwner"] is None
    assert world.variables(instance["id"])["aanvraag_id"] == row["id"]
    assert [a.id for a in gewekt] == [antwoord.aanvraag_id]
    assert ("POST", f"{DATA}/procesinstanties") in world.gw.calls

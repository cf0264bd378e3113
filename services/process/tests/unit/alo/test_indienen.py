"""A submission registers the aanvraag and starts its instance in one data request (ADR 0030); with a free run
slot the instance is created leased to this replica's worker and run at once, without a claim or a read of the
aanvraag. A repeat with the same key finds what the first did; a slot is never kept by a submission that did not
use it."""

from __future__ import annotations

import asyncio
import functools
import json
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import date, timedelta
from typing import Any

import pytest

from gbi_process.alo.handlers import Stap
from gbi_process.alo.runner import RunOptions, Worker
from gbi_process.alo.service import AloProces, _aanvraag_nieuw
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.alo import Aanvraag, AanvraagNieuw, UitkeringNieuw
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
async def test_a_repeat_after_a_lost_answer_runs_the_instance_the_first_try_leased_to_this_worker(world: World) -> None:
    """The first try committed (instance leased to this worker) and its answer was lost; the store's client repeats
    the request, a replay: the instance is handed to the worker then, not left idle until its lease expires. Handed
    over once: a later repeat finds it run and hands nothing over."""
    worker = _worker(world)
    await _started(worker)
    proces = _proces(world, worker, [])
    world.gw.lose_indienen_answers = 1
    try:
        antwoord = await proces.dien_in(_verzoek(), STAFF, "k-9")
        assert world.gw.calls.count(("POST", f"{DATA}/aanvragen:indienen")) == 2  # the first try and its repeat
        assert len(world.gw.instances) == 1
        assert len(worker._running) == 1  # run at once
        assert worker._gereserveerd == 0
        await asyncio.gather(*list(worker._running))
        again = await proces.dien_in(_verzoek(), STAFF, "k-9")
        assert again.procesinstantie_id == antwoord.procesinstantie_id
        assert not worker._running
        assert worker._gereserveerd == 0
    finally:
        await worker.stop()
    assert world.instance(str(antwoord.procesinstantie_id))["status"] == "completed"
    assert len(world.handlers.calls) == MAIN  # every step once


def test_the_instance_a_submission_started_runs_from_memory_and_a_repeat_from_the_stored_state(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run of an instance the submission created leased to this worker takes the instance the submission
    started (whose state it saved) instead of restoring that state; a run of an instance the submission did not
    start itself (a repeat after a lost answer: the first try's) restores the stored state."""
    restored: list[str] = []
    restore = world.engine.restore

    def counting(state: bytes) -> Any:
        restored.append(json.loads(state)["workflow"]["data"]["variables"]["aanvraag_id"])
        return restore(state)

    monkeypatch.setattr(world.engine, "restore", counting)
    asyncio.run(_from_memory(world, restored))


async def _from_memory(world: World, restored: list[str]) -> None:
    worker = _worker(world)
    await _started(worker)
    proces = _proces(world, worker, [])
    try:
        eerste = await proces.dien_in(_verzoek(), STAFF, "k-20")
        await asyncio.gather(*list(worker._running))
        assert restored == []  # run from memory
        world.gw.lose_indienen_answers = 1
        tweede = await proces.dien_in(_verzoek(), STAFF, "k-21")
        await asyncio.gather(*list(worker._running))
        assert restored == [str(tweede.aanvraag_id)]  # the repeat ran the stored instance: restored
    finally:
        await worker.stop()
    for antwoord in (eerste, tweede):
        assert world.instance(str(antwoord.procesinstantie_id))["status"] == "completed"
        assert world.variables(str(antwoord.procesinstantie_id))["aanvraag_id"] == str(antwoord.aanvraag_id)
    assert len(world.handlers.calls) == 2 * MAIN


def test_the_submission_and_the_aanvraag_it_registers_are_checked_alike() -> None:
    """The aanvraag of a submission is copied into the data service's AanvraagNieuw without validating it again:
    that is only sound while both models have the same fields, types and constraints, and the same check."""
    nieuw, indiening = AanvraagNieuw.model_fields, AloAanvraagIndiening.model_fields
    assert nieuw.keys() == indiening.keys()
    for name, field in nieuw.items():
        assert (field.annotation, field.metadata) == (indiening[name].annotation, indiening[name].metadata), name
    assert AanvraagNieuw.model_config == AloAanvraagIndiening.model_config
    checks = {name: d.info.mode for name, d in AanvraagNieuw.__pydantic_decorators__.model_validators.items()}
    assert checks == {
        name: d.info.mode for name, d in AloAanvraagIndiening.__pydantic_decorators__.model_validators.items()
    }
    assert AanvraagNieuw._melding_first.__code__.co_code == AloAanvraagIndiening._melding_first.__code__.co_code
    verzoek = _verzoek()
    copied = _aanvraag_nieuw(verzoek)
    assert copied == AanvraagNieuw.model_validate(verzoek.model_dump())
    assert copied.model_dump_json(by_alias=True) == AanvraagNieuw.model_validate(verzoek.model_dump()).model_dump_json(
        by_alias=True
    )


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


# --- the uitkering goes with the save that records its step (ADR 0030) ------------------------------------------


def _met_uitkering(world: World) -> None:
    """The uitkering step as the real handler leaves it in a run: queued for the save, its id from the aanvraag."""

    def uitkering(stap: Stap) -> dict[str, Any]:
        assert stap.uitkering_pending is not None
        nieuw = UitkeringNieuw(
            id=uuid.uuid5(uuid.NAMESPACE_URL, f"gbi:uitkering:{stap.aanvraag.id}"),
            aanvraag_id=stap.aanvraag.id,
            startdatum=date(2026, 3, 2),
            bedrag_per_maand_cents=134849,
        )
        stap.uitkering_pending[stap.task_id] = nieuw
        return {"uitkering_id": str(nieuw.id)}

    world.handlers.results["uitkering.registreren"] = uitkering


def _uitkering_id(aid: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"gbi:uitkering:{aid}"))


@run
async def test_the_uitkering_is_started_by_the_last_save_not_by_a_request_of_its_own(world: World) -> None:
    _met_uitkering(world)
    aid, iid = await world.submit()
    world.gw.calls.clear()
    await world.worker().run_until_idle()
    assert world.instance(iid)["status"] == "completed"
    assert world.gw.uitkeringen[aid]["id"] == _uitkering_id(aid)
    assert ("POST", f"{DATA}/uitkeringen") not in world.gw.calls
    assert [c for c in world.gw.calls if c[0] != "GET" and "claim" not in c[1]] == [
        ("PUT", f"{DATA}/procesinstanties/{iid}")
    ] * 2
    assert world.variables(iid)["uitkering_id"] == _uitkering_id(aid)


@run
async def test_a_refused_save_starts_the_uitkering_on_its_own_before_recording_its_result(world: World) -> None:
    _met_uitkering(world)
    aid, iid = await world.submit()
    world.gw.fail_put_after = 1  # the save after the besluit (the last one) is refused: another worker took over
    world.gw.calls.clear()
    await world.worker().run_until_idle(max_rounds=1)
    writes = [p.rsplit("/", 1)[-1] for m, p in world.gw.calls if m == "POST" and "claim" not in p]
    assert writes[0] == "uitkeringen"  # first: a replay that finds the result recorded does not run the step
    assert set(writes[1:]) == {"stappen", "tijdlijn"} or set(writes[1:]) == {"stappen"}
    assert world.gw.uitkeringen[aid]["id"] == _uitkering_id(aid)
    world.gw.fail_put_after = None
    world.gw.now += timedelta(minutes=2)
    await world.worker("w2").run_until_idle()
    assert world.instance(iid)["status"] == "completed"
    assert world.handlers.calls.count("uitkering.registreren") == 1  # the replay reused the recorded result
    assert len(world.gw.uitkeringen) == 1


@run
async def test_an_uitkering_that_cannot_be_started_leaves_its_step_unrecorded_and_the_replay_starts_it(
    world: World,
) -> None:
    _met_uitkering(world)
    aid, iid = await world.submit()
    world.gw.fail_put_after = 1
    real = world.gw._uitkering

    def busy(body: dict[str, Any]) -> Any:
        raise ServiceUnavailableError("bezet")

    world.gw._uitkering = busy  # type: ignore[method-assign]
    await world.worker().run_until_idle(max_rounds=1)
    recorded = {k for (i, k) in world.gw.steps if i == iid}
    uitkering_task = [t for t in recorded if world.gw.steps[(iid, t)].get("handler") == "uitkering.registreren"]
    assert uitkering_task == []  # not recorded: nothing says the uitkering exists
    assert any(world.gw.steps[(iid, t)].get("handler") == "beschikking.maken" for t in recorded)
    assert world.gw.uitkeringen == {}
    world.gw._uitkering = real  # type: ignore[method-assign]
    world.gw.fail_put_after = None
    world.gw.now += timedelta(minutes=2)
    await world.worker("w2").run_until_idle()
    assert world.instance(iid)["status"] == "completed"
    assert world.handlers.calls.count("uitkering.registreren") == 2  # run again, as after a crash
    assert world.handlers.calls.count("beschikking.maken") == 1
    assert world.gw.uitkeringen[aid]["id"] == _uitkering_id(aid)


def test_instances_handed_over_are_remembered_for_their_lease_and_then_forgotten(world: World) -> None:
    """A worker remembers which instances a submission handed over (never twice while their lease can last) and
    forgets them oldest first once the lease is over, without looking at every one it remembers."""
    worker = _worker(world)
    now = time.monotonic()
    old, recent = uuid.uuid4(), uuid.uuid4()
    worker._gegeven[old] = now - worker.opts.lease_s - 1
    worker._gegeven[recent] = now - 1
    assert not worker._nog_niet_gegeven(recent)  # handed over within its lease
    assert old not in worker._gegeven  # forgotten: its lease is over
    assert worker._nog_niet_gegeven(old)
    assert list(worker._gegeven) == [recent]

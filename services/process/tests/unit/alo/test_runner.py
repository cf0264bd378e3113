"""The ALO runtime against an in-memory data store: the worker claims, restores, executes handlers once, records
their results, saves once per run segment (before a besluit, before opening inbox tasks, at the end), opens inbox
tasks, delivers their outcomes and messages, fires timers with the store's clock, and keeps its hands off an
instance it no longer owns."""

from __future__ import annotations

import asyncio
import base64
import functools
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from gbi_process.alo import runner as runner_module
from gbi_process.alo.handlers import Stap, WachtOpBron
from gbi_process.alo.runner import InstanceRun, RunOptions, Worker
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.alo import Aanvraag, ClaimResultaat, UitkeringNieuw
from gbi_shared.errors import ServiceUnavailableError

from .conftest import STP as STP_RESULTS
from .conftest import World


def run(test: Callable[[World], Coroutine[Any, Any, None]]) -> Callable[[World], None]:
    """Run an async test in its own event loop (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def wrapper(world: World) -> None:
        asyncio.run(test(world))

    return wrapper


WARM = {"stp": False, "intake_nodig": False, "documenten_nodig": False, "huisbezoek_nodig": False}
MAIN = [
    "zaak.registreren",
    "zoektermijn.bepalen",
    "bronnen.ophalen",
    "berekening.uitvoeren",
    "risico.beoordelen",
    "vierogen.bepalen",
    "besluit.vastleggen",
    "beschikking.maken",
    "uitkering.registreren",
    "notificatie.versturen",
]


@run
async def test_straight_through_to_the_end_saving_once_per_run_segment(world: World) -> None:
    aid, iid = await world.submit()
    runs = await world.worker().run_until_idle()
    assert runs == 1
    assert world.handlers.calls == MAIN
    inst = world.instance(iid)
    assert inst["status"] == "completed"
    assert inst["leaseOwner"] is None
    # two saves: before the besluit (everything it is based on is then durable) and at the end
    assert world.gw.puts == 2
    assert world.gw.aanvragen[aid]["status"] == "besloten"
    # every result is recorded once, under its task id
    recorded = [v for (i, k), v in world.gw.steps.items() if i == iid and isinstance(v, dict) and "uit" in v]
    assert sorted(r["handler"] for r in recorded) == sorted(MAIN)


@run
async def test_the_results_of_a_run_segment_travel_with_its_save(world: World) -> None:
    _, iid = await world.submit()
    world.gw.calls.clear()
    assert await world.worker().run_until_idle() == 1
    # the first claim of an instance never saved: nothing can be recorded for it, no step is read, no task list
    assert [(m, p) for m, p in world.gw.calls if "/stappen" in p or p.endswith("/taken")] == []
    puts = [p for m, p in world.gw.calls if m == "PUT"]
    assert len(puts) == 2  # the results of the first six steps with the first save, the other four with the last
    recorded = [k for (i, k), v in world.gw.steps.items() if i == iid and isinstance(v, dict) and "uit" in v]
    assert len(recorded) == len(MAIN)


@run
async def test_a_result_recorded_by_someone_else_meanwhile_wins_and_the_run_starts_again(world: World) -> None:
    _, iid = await world.submit()
    first = world.engine.restore(world.instance(iid)["state"].encode()).ready_service_tasks()[0]

    def zaak(stap: Stap) -> dict[str, Any]:
        # While this run executes the step, a worker that lost the lease records its own result first.
        world.gw.steps.setdefault((iid, first.task_id), {"uit": {"zaak_id": "ZAAK-VAN-DE-ANDER"}})
        return {"zaak_id": "ZAAK-VAN-MIJ"}

    world.handlers.results["zaak.registreren"] = zaak
    await world.worker().run_until_idle()
    # the save carrying "ZAAK-VAN-MIJ" was refused as a whole; the instance was handed back at once and the next
    # run went on from the stored state with the recorded result, without executing the step again
    assert world.handlers.calls == MAIN
    assert world.variables(iid)["zaak_id"] == "ZAAK-VAN-DE-ANDER"
    assert world.gw.steps[(iid, first.task_id)] == {"uit": {"zaak_id": "ZAAK-VAN-DE-ANDER"}}
    assert world.instance(iid)["status"] == "completed"


@run
async def test_a_recorded_step_is_reused_never_executed_again(world: World) -> None:
    _, iid = await world.submit()
    first = world.engine.restore(world.instance(iid)["state"].encode()).ready_service_tasks()[0]
    assert first.handler == "zaak.registreren"
    world.gw.steps[(iid, first.task_id)] = {"uit": {"zaak_id": "ZAAK-VAN-EERDER"}}
    world.instance(iid)["attempts"] = 1  # claimed before by a run that recorded the step and died before its save
    world.gw.calls.clear()
    await world.worker().run_until_idle()
    assert ("GET", f"/internal/data/v1/procesinstanties/{iid}/stappen") in world.gw.calls  # read once, at the start
    assert "zaak.registreren" not in world.handlers.calls
    assert world.variables(iid)["zaak_id"] == "ZAAK-VAN-EERDER"


@run
async def test_a_refused_save_drops_the_run_and_the_next_claim_repeats_no_effect(world: World) -> None:
    _, iid = await world.submit()
    world.gw.fail_put_after = 0  # another worker took over before the first save (before the besluit)
    await world.worker().run_until_idle(max_rounds=1)
    assert world.handlers.calls == MAIN[:6]
    assert world.instance(iid)["version"] == 1  # nothing saved
    # but the results of the six steps were recorded on their own (first write wins)
    assert len([k for (i, k) in world.gw.steps if i == iid and not k.startswith("feit.")]) == 6
    # the lease expires; another worker claims and replays the six steps from the saved state: it meets them under
    # the same task ids, reuses their recorded results and executes none of them again
    world.gw.fail_put_after = None
    world.gw.now += timedelta(minutes=2)
    await world.worker("w2").run_until_idle()
    assert world.handlers.calls == MAIN
    assert world.instance(iid)["status"] == "completed"


@run
async def test_a_busy_data_service_mid_run_hands_the_instance_back_at_once_and_repeats_no_effect(world: World) -> None:
    _, iid = await world.submit()
    world.gw.busy_put = 1  # the first save (before the besluit) answers 502: six steps' side effects have happened
    await world.worker().run_until_idle(max_rounds=1)
    assert world.handlers.calls == MAIN[:6]
    row = world.instance(iid)
    assert row["leaseOwner"] is None  # handed back, not held until the lease runs out
    assert row["status"] == "runnable"
    assert row["version"] == 2  # created (1), then one save: what the run did, with its results, releasing the lease
    assert world.engine.restore(row["state"].encode()).ready_service_tasks()[0].handler == "besluit.vastleggen"
    # Another worker claims it at once (the clock has not moved) and goes on from there.
    await world.worker("w2").run_until_idle()
    assert world.handlers.calls == MAIN
    assert world.instance(iid)["status"] == "completed"


@run
async def test_two_workers_never_run_the_same_instance(world: World) -> None:
    ids = [(await world.submit())[1] for _ in range(6)]
    w1, w2 = world.worker("w1"), world.worker("w2")
    claimed = await w1.tick() + await w2.tick()
    assert claimed == 6  # each instance leased to exactly one of them
    await w1.run_until_idle()
    await w2.run_until_idle()
    assert all(world.instance(i)["status"] == "completed" for i in ids)
    assert world.handlers.calls.count("besluit.vastleggen") == 6


@run
async def test_a_source_down_parks_the_case_visibly_and_it_resumes_by_itself(world: World) -> None:
    aid, iid = await world.submit()
    down = {"on": True}

    def bronnen(stap: Stap) -> dict[str, Any]:
        if down["on"]:
            raise WachtOpBron(["inkomsten"], "UWV 503")
        return {"bronnen_compleet": True}

    world.handlers.results["bronnen.ophalen"] = bronnen
    await world.worker().run_until_idle()
    inst = world.instance(iid)
    assert inst["status"] == "waiting"
    assert inst["nextDueAt"] is not None
    assert inst["lastError"].startswith("bron")
    assert world.gw.aanvragen[aid]["status"] == "wacht-op-bron"
    assert [t["soort"] for t in world.gw.tijdlijn[aid]] == ["wacht-op-bron"]
    assert "besluit.vastleggen" not in world.handlers.calls
    # not before the retry moment
    assert await world.worker().run_until_idle() == 0
    down["on"] = False
    world.gw.now += timedelta(minutes=1)
    await world.worker().run_until_idle()
    assert world.instance(iid)["status"] == "completed"
    assert world.gw.aanvragen[aid]["status"] == "besloten"


@run
async def test_a_layer_down_is_retried_and_a_bug_becomes_an_incident(world: World) -> None:
    _, iid = await world.submit()

    def berekening(stap: Stap) -> dict[str, Any]:
        raise ServiceUnavailableError("domain down")

    world.handlers.results["berekening.uitvoeren"] = berekening
    await world.worker().run_until_idle()
    assert world.instance(iid)["status"] == "waiting"
    assert world.instance(iid)["lastError"].startswith("tijdelijk: 503")

    def kapot(stap: Stap) -> dict[str, Any]:
        raise ValueError("de BRP kent geen geboortedatum")

    world.handlers.results["berekening.uitvoeren"] = kapot
    world.gw.now += timedelta(minutes=5)
    await world.worker().run_until_idle()
    inst = world.instance(iid)
    # an incident for a person; the deadlines of the case (voorschot, escalation) keep running meanwhile
    assert inst["status"] == "waiting"
    assert inst["lastError"].startswith("incident in berekening_uitvoeren")
    assert "geboortedatum" in inst["lastError"]
    assert inst["nextDueAt"].startswith("2026-03-29T22:00")
    [stap] = world.engine.restore(inst["state"].encode()).ready_service_tasks()
    assert stap.incident


@run
async def test_a_handler_result_that_breaks_the_model_is_an_incident(world: World) -> None:
    _, iid = await world.submit()
    world.handlers.results["zaak.registreren"] = {"zaaknummer": "verkeerd"}
    await world.worker().run_until_idle()
    assert world.instance(iid)["status"] == "failed"
    assert "ongeldig resultaat" in world.instance(iid)["lastError"]


@run
async def test_warm_tasks_are_opened_with_reason_and_their_outcomes_delivered(world: World) -> None:
    aid, iid = await world.submit()
    world.handlers.results["risico.beoordelen"] = {**WARM, "documenten_nodig": True, "routeringsreden": "loon"}
    await world.worker().run_until_idle()
    [taak] = world.gw.taken.values()
    assert (taak["gegevens"]["element"], taak["rol"], taak["reden"]) == ("documenten_opvragen", "klantmanager", "loon")
    assert taak["dueAt"].startswith("2026-04-27T23:59")  # the beslistermijn, end of the day in NL
    assert world.gw.aanvragen[aid]["status"] == "wacht-op-medewerker"
    assert world.instance(iid)["status"] == "waiting"

    # completed without the data the step must produce: issued again, with the reason
    world.gw.complete_task("documenten_opvragen", "afgerond", "km-1")
    await world.worker().run_until_idle()
    again = [t for t in world.gw.taken.values() if t["status"] == "open"]
    assert len(again) == 1
    assert again[0]["taakSleutel"] == taak["taakSleutel"] + ".1"
    assert "niet bruikbaar" in again[0]["reden"]

    world.gw.complete_task(
        "documenten_opvragen", "afgerond", "km-1", hersteltermijnEinde="2026-03-16", gevraagdeDocumenten=["loon"]
    )
    await world.worker().run_until_idle()
    assert world.handlers.calls[-1] == "herstelverzoek.versturen"
    assert world.gw.aanvragen[aid]["status"] == "wacht-op-burger"
    inst = world.instance(iid)
    assert inst["status"] == "waiting"
    # while waiting for the message the instance is looked at again after message_poll_s (60 s here), counted on
    # the store's clock from the claim plus the run's own time so far (a few seconds on a loaded machine)
    due = datetime.fromisoformat(inst["nextDueAt"])
    assert timedelta(seconds=60) <= due - world.gw.now < timedelta(seconds=90)

    # the portal records the message; the next claim delivers it
    voortgang = await world.proces.voortgang(_uuid(aid), "0599", _ctx())
    [bericht] = voortgang.berichten
    world.gw.steps[(iid, f"bericht.{bericht.task_id}")] = {"ontvangen_documenten": ["doc-1"]}
    world.gw.now = due
    await world.worker().run_until_idle()
    assert world.variables(iid)["ontvangen_documenten"] == ["doc-1"]
    beoordeling = [t for t in world.gw.taken.values() if t["status"] == "open"]
    assert beoordeling[0]["gegevens"]["element"] == "beoordeling"
    assert beoordeling[0]["gegevens"]["uitkomsten"] == ["toekenning", "afwijzing", "buiten_behandeling"]

    world.gw.complete_task("beoordeling", "toekenning", "ic-1", afwijkingBerekening=False)
    await world.worker().run_until_idle()
    assert world.instance(iid)["status"] == "completed"
    assert world.variables(iid)["besluit"] == "toekenning"


@run
async def test_four_eyes_task_names_the_assessment_and_excludes_its_actor(world: World) -> None:
    await world.submit()
    world.handlers.results["risico.beoordelen"] = dict(WARM)
    world.handlers.results["vierogen.bepalen"] = {"vierogen_nodig": True, "vierogen_reden": "afwijking"}
    await world.worker().run_until_idle()
    beoordeling = world.gw.complete_task("beoordeling", "toekenning", "ic-1", afwijkingBerekening=True)
    await world.worker().run_until_idle()
    [goedkeuring] = [t for t in world.gw.taken.values() if t["status"] == "open"]
    assert goedkeuring["gegevens"]["element"] == "vierogen_goedkeuring"
    assert goedkeuring["vierogen"] is True
    assert goedkeuring["beoordeeltTaakId"] == beoordeling["id"]
    assert goedkeuring["uitgesloten"] == ["ic-1"]
    assert goedkeuring["reden"] == "afwijking"
    world.gw.complete_task("vierogen_goedkeuring", "teruggestuurd", "tl-1")
    await world.worker().run_until_idle()
    [opnieuw] = [t for t in world.gw.taken.values() if t["status"] == "open"]
    assert opnieuw["gegevens"]["element"] == "beoordeling"
    assert opnieuw["reden"].startswith("Teruggestuurd door de teamleider")


@run
async def test_a_toekenning_the_calculation_does_not_carry_goes_back_to_the_consultant(world: World) -> None:
    _, iid = await world.submit()
    world.handlers.results["berekening.uitvoeren"] = {"besluit_voorstel": "afwijzing", "bedrag_cents": 0}
    world.handlers.results["risico.beoordelen"] = dict(WARM)
    await world.worker().run_until_idle()
    eerste = world.gw.complete_task("beoordeling", "toekenning", "ic-1", afwijkingBerekening=True)
    await world.worker().run_until_idle()
    [opnieuw] = [t for t in world.gw.taken.values() if t["status"] == "open"]
    assert opnieuw["gegevens"]["element"] == "beoordeling"
    assert opnieuw["id"] != eerste["id"]
    assert opnieuw["reden"].startswith("Opnieuw: een toekenning kan niet")
    assert "besluit.vastleggen" not in world.handlers.calls  # nothing decided on it
    world.gw.complete_task("beoordeling", "afwijzing", "ic-1", afwijkingBerekening=False)
    await world.worker().run_until_idle()
    assert world.instance(iid)["status"] == "completed"
    assert world.handlers.calls.count("besluit.vastleggen") == 1


@run
async def test_timers_fire_on_the_store_clock(world: World) -> None:
    aid, iid = await world.submit()
    world.handlers.results["zoektermijn.bepalen"] = {"zoektermijn": True, "zoektermijn_reden": "jonger dan 27"}
    await world.worker().run_until_idle()
    inst = world.instance(iid)
    assert inst["status"] == "waiting"
    assert inst["nextDueAt"].startswith("2026-03-29T22:00")  # melding + 4 weeks, midnight in NL (summer time)
    assert world.gw.aanvragen[aid]["status"] == "in-behandeling"
    world.gw.now += timedelta(days=27)
    assert await world.worker().run_until_idle() == 0
    world.gw.now += timedelta(days=1)
    await world.worker().run_until_idle()
    assert world.instance(iid)["status"] == "completed"


@run
async def test_voorschot_and_escalation_with_the_clock_moved(world: World) -> None:
    aid, _ = await world.submit()
    world.handlers.results["risico.beoordelen"] = {**WARM, "huisbezoek_nodig": True}
    await world.worker().run_until_idle()
    world.gw.now += timedelta(days=28)
    await world.worker().run_until_idle()
    assert world.handlers.calls.count("voorschot.beoordelen") == 1
    world.gw.now += timedelta(days=21)  # 8 weeks minus 7 days
    await world.worker().run_until_idle()
    bewaken = [t for t in world.gw.taken.values() if t["gegevens"]["element"] == "termijn_bewaken"]
    assert [t["rol"] for t in bewaken] == ["teamleider"]
    assert world.handlers.calls.count("voorschot.beoordelen") == 1
    # the escalation runs beside the case: it still waits for the handhaver
    assert world.gw.aanvragen[aid]["status"] == "wacht-op-medewerker"


@run
async def test_a_completed_task_during_a_run_makes_the_save_fail_and_the_instance_is_handed_back(
    world: World,
) -> None:
    _, iid = await world.submit()
    row = world.instance(iid)
    claim = await world.gw.post_model(
        "/internal/data/v1/procesinstanties:claim",
        {"worker": "w1", "leaseSeconds": 60, "limit": 1},
        ClaimResultaat,
    )
    run = InstanceRun(world.engine, world.gw, claim.items[0], claim.nu, RunOptions(worker="w1"))  # type: ignore[arg-type]
    row["version"] += 1  # what completing a task does to the instance meanwhile
    await run.run()
    assert row["leaseOwner"] is None  # handed back at once, not after the lease
    assert row["status"] == "runnable"
    assert world.handlers.calls == MAIN[:6]  # the first save (before the besluit) was refused
    # the results were recorded on their own: the next run reuses them and executes nothing twice
    await world.worker("w2").run_until_idle()
    assert world.handlers.calls == MAIN
    assert world.instance(iid)["status"] == "completed"


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def _ctx() -> RequestContext:
    return RequestContext("gbi-interaction", ActorType.SERVICE, frozenset({"gbi-service"}), "0599")


@run
async def test_a_state_that_cannot_be_restored_fails_the_instance_visibly(world: World) -> None:
    _, iid = await world.submit()
    world.instance(iid)["state"] = world.instance(iid)["state"].replace('"version":"', '"version":"0000')
    await world.worker().run_until_idle()
    inst = world.instance(iid)
    assert inst["status"] == "failed"
    assert inst["lastError"].startswith("engine:")
    assert world.handlers.calls == []


@run
async def test_an_idle_gemeente_is_asked_less_often_until_work_is_announced(world: World) -> None:
    worker = world.worker()
    assert await worker.tick() == 0  # nothing there: this gemeente waits interval_s before the next claim
    claims = sum(1 for _, path in world.gw.calls if path.endswith(":claim"))
    await world.submit()
    assert await worker.tick() == 0
    assert sum(1 for _, path in world.gw.calls if path.endswith(":claim")) == claims  # not asked again yet
    worker.wake("0599")  # a submission to this replica
    assert await worker.tick() == 1
    await worker.run_until_idle()


@run
async def test_facts_in_a_run_are_read_from_the_preload_and_recorded_with_the_save(world: World) -> None:
    from gbi_process.alo.store import AloStore
    from gbi_shared.contracts.alo import Aanvraag

    aid, iid = await world.submit()
    world.gw.steps[(iid, "feit.berekening")] = {"bedrag": 1}
    world.gw.steps[(iid, "feit.laat")] = {"x": 2}  # recorded after the run read the steps (an older replica)
    recorded: dict[str, Any] = {"feit.berekening": {"bedrag": 1}}
    pending: dict[str, Any] = {}
    stap = Stap(
        gw=world.gw,  # type: ignore[arg-type]
        store=AloStore(world.gw, "0599"),  # type: ignore[arg-type]
        instance_id=uuid.UUID(iid),
        aanvraag=Aanvraag.model_validate(world.gw._aanvraag(aid)),
        task_id="t",
        element="e",
        variables={},
        nu=world.gw.now,
        recorded=recorded,
        pending=pending,
    )
    world.gw.calls.clear()
    assert await stap.leg_feit_vast("berekening", {"bedrag": 99}) == {"bedrag": 1}  # the recorded one wins
    assert await stap.leg_feit_vast("bronnen", {"n": 1}) == {"n": 1}
    assert await stap.leg_feit_vast("bronnen", {"n": 2}) == {"n": 1}
    assert await stap.feit("bronnen") == {"n": 1}
    assert pending == {"feit.bronnen": {"n": 1}}  # goes with the step's save
    assert world.gw.calls == []  # no data call so far
    assert await stap.feit("laat") == {"x": 2}  # not in the preload: read on its own
    assert await stap.feit("nergens") is None
    assert len(world.gw.calls) == 2


class Crash(BaseException):
    """The process dies (kill -9): nothing after it runs, no save, no release."""


@run
async def test_a_crash_after_unsaved_steps_replays_them_under_the_same_task_ids(world: World) -> None:
    _, iid = await world.submit()
    seen: list[tuple[str, str]] = []
    crashed = {"done": False}

    def tracking(name: str) -> Callable[[Stap], dict[str, Any]]:
        def handler(stap: Stap) -> dict[str, Any]:
            seen.append((name, stap.task_id))
            if name == "uitkering.registreren" and not crashed["done"]:
                crashed["done"] = True
                raise Crash  # after besluit.vastleggen and beschikking.maken ran, before any save after them
            return dict(STP_RESULTS[name])

        return handler

    for name in MAIN:
        world.handlers.results[name] = tracking(name)
    worker = world.worker()
    claimed = await worker.tick(force=True)
    assert claimed == 1
    results = await asyncio.gather(*list(worker._running), return_exceptions=True)
    assert any(isinstance(r, Crash) for r in results)
    row = world.instance(iid)
    assert row["leaseOwner"] == "w1"
    assert row["version"] == 2
    lost = list(seen)
    assert [n for n, _ in lost] == MAIN[:9]
    # The lease runs out; another worker replays from the saved state: the steps after the save run again, under
    # the very task ids the lost run used (so every key a handler derives from them finds what the first run left)
    world.gw.now += timedelta(minutes=2)
    seen.clear()
    await world.worker("w2").run_until_idle()
    assert [n for n, _ in seen] == MAIN[6:]
    assert seen[:3] == lost[6:9]
    assert world.instance(iid)["status"] == "completed"


@run
async def test_an_inbox_task_is_opened_only_for_a_step_in_a_saved_state(world: World) -> None:
    _, iid = await world.submit()
    world.handlers.results["risico.beoordelen"] = {**WARM, "intake_nodig": True}
    world.gw.calls.clear()
    await world.worker().run_until_idle()
    writes = [(m, p.rsplit("/", 1)[-1]) for m, p in world.gw.calls if m in ("PUT", "POST") and "claim" not in p]
    assert writes == [("PUT", iid), ("POST", "taken"), ("PUT", iid)]  # saved, task opened, lease released
    [taak] = world.gw.taken.values()
    saved = world.engine.restore(world.instance(iid)["state"].encode())
    assert [t.task_id for t in saved.ready_user_tasks()] == [taak["taakSleutel"]]


@run
async def test_a_long_run_saves_every_few_steps(world: World) -> None:
    _, iid = await world.submit()
    w = Worker(
        world.engine,
        world.gw,  # type: ignore[arg-type]
        RunOptions(worker="w1", save_every_steps=3),
    )
    await w.run_until_idle()
    assert world.handlers.calls == MAIN
    # after steps 3 and 6 (the save before the besluit is the one after step 6), after step 9, and the last one
    assert world.gw.puts == 4
    assert world.instance(iid)["status"] == "completed"


@run
async def test_the_beschikking_asks_for_voorschotten_only_when_one_was_claimed(world: World) -> None:
    from gbi_process.alo.handlers import _voorschotten
    from gbi_shared.contracts.alo import Aanvraag

    aid, iid = await world.submit()
    asked: list[str] = []

    class Store:
        async def voorschotten(self, aanvraag_id: uuid.UUID) -> list[Any]:
            asked.append(str(aanvraag_id))
            return []

    def stap(recorded: dict[str, Any] | None, pending: dict[str, Any] | None) -> Stap:
        return Stap(
            gw=world.gw,  # type: ignore[arg-type]
            store=Store(),  # type: ignore[arg-type]
            instance_id=uuid.UUID(iid),
            aanvraag=Aanvraag.model_validate(world.gw._aanvraag(aid)),
            task_id="t",
            element="beschikking_maken",
            variables={},
            nu=world.gw.now,
            recorded=recorded,
            pending=pending,
        )

    assert await _voorschotten(stap({"feit.bronnen": {}}, {})) == []
    assert asked == []  # a run knows every recorded step: no volgnummer claimed, no voorschot paid
    await _voorschotten(stap({"voorschot.1": {"taskId": "x"}}, {}))
    await _voorschotten(stap(None, None))  # outside a run: always asked
    assert asked == [aid, aid]


@run
async def test_when_the_hand_back_save_fails_too_the_results_are_kept_on_their_own(world: World) -> None:
    _, iid = await world.submit()
    world.gw.busy_puts = (1, 2)  # the save before the besluit and the save that would hand the instance back
    await world.worker().run_until_idle(max_rounds=1)
    assert world.handlers.calls == MAIN[:6]
    row = world.instance(iid)
    assert row["leaseOwner"] is None  # released from the stored state
    assert world.engine.restore(row["state"].encode()).ready_service_tasks()[0].handler == "zaak.registreren"
    assert len([k for (i, k) in world.gw.steps if i == iid and not k.startswith("feit.")]) == 6
    await world.worker("w2").run_until_idle()
    assert world.handlers.calls == MAIN  # the six recorded results were reused, none executed again
    assert world.instance(iid)["status"] == "completed"


@run
async def test_a_voorschot_is_paid_only_from_a_saved_state_that_holds_its_task(world: World) -> None:
    """A voorschot is paid under the volgnummer its task id claimed: the state with that task is saved before the
    payment, so a replay after a crash meets the same task, not one reached by another route under another id."""
    aid, iid = await world.submit()
    world.handlers.results["risico.beoordelen"] = {**WARM, "huisbezoek_nodig": True}
    await world.worker().run_until_idle()
    gezien: list[tuple[str, bool]] = []

    def voorschot(stap: Stap) -> dict[str, Any]:
        opgeslagen = world.engine.restore(world.instance(iid)["state"].encode())
        gezien.append((stap.task_id, stap.task_id in {i.task_id for i in opgeslagen.ready_service_tasks()}))
        return {"voorschot_betaald": True}

    world.handlers.results["voorschot.beoordelen"] = voorschot
    world.gw.now += timedelta(days=28)
    await world.worker().run_until_idle()
    assert [in_opgeslagen for _, in_opgeslagen in gezien] == [True]
    assert world.gw.aanvragen[aid]["status"] == "wacht-op-medewerker"


# --- what a save takes along (ADR 0027) -----------------------------------------------------------------------------


def _with_tijdlijn(world: World) -> None:
    """zaak.registreren and notificatie.versturen write a tijdlijn entry, as the real handlers do."""
    table = dict(runner_module.HANDLERS)  # the fake table; the world fixture restores the real one afterwards

    def add(name: str, sleutel: str) -> None:
        fake = table[name]

        async def handler(stap: Stap) -> dict[str, Any]:
            await stap.tijdlijn(sleutel, "in-behandeling", f"tekst van {sleutel}")
            return await fake(stap)

        table[name] = handler

    add("zaak.registreren", "zaak-geregistreerd")
    add("notificatie.versturen", "besluit-bekendgemaakt")
    runner_module.HANDLERS = table


def _data_calls(world: World) -> list[tuple[str, str]]:
    """The data calls of a run, claims and the worker's list of gemeenten left out, ids replaced by their kind."""
    out = []
    for method, path in world.gw.calls:
        parts = path.removeprefix("/internal/data/v1/").split("/")
        if parts[0].endswith(":claim") or parts == ["gemeenten"]:
            continue
        out.append((method, "/".join(p if i % 2 == 0 else "{id}" for i, p in enumerate(parts))))
    return out


@run
async def test_a_straight_through_case_makes_three_data_calls_besides_its_claim(world: World) -> None:
    _with_tijdlijn(world)
    aid, iid = await world.submit()
    world.gw.calls.clear()
    assert await world.worker().run_until_idle() == 1
    # the aanvraag once, the save before the besluit and the last save: the tijdlijn entries and the status go with
    # the saves, no POST tijdlijn and no PATCH of the aanvraag
    assert _data_calls(world) == [
        ("GET", "aanvragen/{id}"),
        ("PUT", "procesinstanties/{id}"),
        ("PUT", "procesinstanties/{id}"),
    ]
    assert world.gw.aanvragen[aid]["status"] == "besloten"
    assert [(t["sleutel"], t["omschrijving"]) for t in world.gw.tijdlijn[aid]] == [
        ("zaak-geregistreerd", "tekst van zaak-geregistreerd"),
        ("besluit-bekendgemaakt", "tekst van besluit-bekendgemaakt"),
    ]
    assert world.gw.tijdlijn[aid][0]["at"].startswith("2026-03-02T09:00")  # dated when its step ran
    assert world.instance(iid)["status"] == "completed"


@run
async def test_a_refused_save_writes_its_tijdlijn_entries_before_recording_the_results_on_their_own(
    world: World,
) -> None:
    _with_tijdlijn(world)
    aid, iid = await world.submit()
    world.gw.fail_put_after = 0  # another worker took over before the first save
    world.gw.calls.clear()
    await world.worker().run_until_idle(max_rounds=1)
    writes = [(m, p.rsplit("/", 1)[-1]) for m, p in world.gw.calls if m == "POST" and "claim" not in p]
    # the entry first: a replay that finds the results recorded does not run the handler that made it
    assert writes[0] == ("POST", "tijdlijn")
    assert {w for w in writes[1:]} == {("POST", "stappen")}
    assert [t["sleutel"] for t in world.gw.tijdlijn[aid]] == ["zaak-geregistreerd"]
    world.gw.fail_put_after = None
    world.gw.now += timedelta(minutes=2)
    await world.worker("w2").run_until_idle()
    assert world.handlers.calls == MAIN
    assert [t["sleutel"] for t in world.gw.tijdlijn[aid]] == ["zaak-geregistreerd", "besluit-bekendgemaakt"]
    assert world.instance(iid)["status"] == "completed"


@run
async def test_a_crash_before_the_save_loses_the_entry_with_the_result_and_the_replay_writes_it_once(
    world: World,
) -> None:
    _with_tijdlijn(world)
    aid, iid = await world.submit()
    world.gw.busy_puts = (1, 2, 3, 4, 5, 6, 7, 8)  # the saves never arrive: as a crash, nothing of the run is stored
    world.gw.calls.clear()
    await world.worker().run_until_idle(max_rounds=1)
    # the hand-back could not save either: the entry was written on its own, before the results
    posts = [p.rsplit("/", 1)[-1] for m, p in world.gw.calls if m == "POST" and "claim" not in p]
    assert posts.index("tijdlijn") < posts.index("stappen")
    world.gw.busy_puts = ()
    world.gw.now += timedelta(minutes=2)
    await world.worker("w2").run_until_idle()
    assert [t["sleutel"] for t in world.gw.tijdlijn[aid]] == ["zaak-geregistreerd", "besluit-bekendgemaakt"]
    assert world.instance(iid)["status"] == "completed"


@run
async def test_the_status_goes_with_the_save_before_new_inbox_tasks(world: World) -> None:
    aid, _ = await world.submit()
    world.handlers.results["risico.beoordelen"] = {**WARM, "intake_nodig": True}
    world.gw.calls.clear()
    await world.worker().run_until_idle()
    assert ("PATCH", "aanvragen/{id}") not in _data_calls(world)
    assert world.gw.aanvragen[aid]["status"] == "wacht-op-medewerker"
    assert world.gw.aanvragen[aid]["version"] == 2  # one change


@run
async def test_an_empty_gemeente_is_asked_rarely_and_at_once_when_this_replica_starts_work_there(
    world: World,
) -> None:
    worker = world.worker()
    assert await worker.tick() == 0  # no instance at all in the gemeente: the claim says so
    assert worker._next["0599"] - time.monotonic() > worker.idle_max_s  # longer than the longest idle pause
    await world.submit()
    worker.wake("0599")  # the submission to this replica
    assert await worker.tick() == 1
    await worker.run_until_idle()
    world.handlers.results["risico.beoordelen"] = {**WARM, "intake_nodig": True}
    await world.submit()
    await worker.run_until_idle()  # a case now waits for a person: the gemeente has unfinished work
    assert await worker.tick() == 0
    assert worker._next["0599"] - time.monotonic() <= worker.idle_max_s


@run
async def test_a_worker_that_just_started_asks_an_empty_gemeente_at_the_normal_pace(world: World) -> None:
    worker = world.worker()
    worker._started_at = time.monotonic()  # as start() sets it: other replicas may have started work just before
    assert await worker.tick() == 0
    assert worker._next["0599"] - time.monotonic() <= worker.idle_max_s


@run
async def test_the_first_run_uses_the_aanvraag_this_replica_just_registered(world: World) -> None:
    _with_tijdlijn(world)
    aid, iid = await world.submit()
    worker = world.worker()
    worker.nieuw(Aanvraag.model_validate(world.gw._aanvraag(aid)))  # as POST /internal/process/v1/aanvragen does
    world.gw.calls.clear()
    assert await worker.run_until_idle() == 1
    # two data calls per straight-through case besides the claim: the two saves
    assert _data_calls(world) == [("PUT", "procesinstanties/{id}"), ("PUT", "procesinstanties/{id}")]
    assert world.instance(iid)["status"] == "completed"
    assert world.gw.aanvragen[aid]["status"] == "besloten"
    assert worker._vers == {}  # used once, not kept


@run
async def test_a_registered_aanvraag_is_kept_for_a_limited_time_only(world: World) -> None:
    """The citizen's data of a submission waits for the instance's first run on this replica for at most
    ``_VERS_TTL_S``: another replica may have run it, and it is not kept until newer submissions push it out."""
    aid, _ = await world.submit()
    worker = world.worker()

    def age(aanvraag_id: uuid.UUID) -> None:  # as if registered longer ago than the time to live
        at, kept = worker._vers[aanvraag_id]
        worker._vers[aanvraag_id] = (at - runner_module._VERS_TTL_S - 1, kept)

    first = Aanvraag.model_validate(world.gw._aanvraag(aid))
    worker.nieuw(first)
    assert worker._vers_voor(first.id) == first  # fresh: used once
    assert worker._vers_voor(first.id) is None
    worker.nieuw(first)
    age(first.id)
    assert worker._vers_voor(first.id) is None  # too old: the run reads the aanvraag instead
    worker.nieuw(first)
    age(first.id)
    other, _ = await world.submit()
    second = Aanvraag.model_validate(world.gw._aanvraag(other))
    worker.nieuw(second)  # registering a new one drops the stale one
    assert list(worker._vers) == [second.id]


@run
async def test_a_kept_aanvraag_is_not_used_once_the_instance_has_run(world: World) -> None:
    aid, iid = await world.submit()
    stale = Aanvraag.model_validate(world.gw._aanvraag(aid))
    world.handlers.results["risico.beoordelen"] = {**WARM, "intake_nodig": True}
    await world.worker().run_until_idle()  # saved: the instance is no longer new, the aanvraag has changed
    world.instance(iid).update(status="runnable")  # something for the next run to do
    worker = world.worker("w2")
    worker.nieuw(stale)  # e.g. the same submission repeated
    world.gw.calls.clear()
    await worker.run_until_idle()
    assert ("GET", "aanvragen/{id}") in _data_calls(world)  # read, not taken from the submission


@run
async def test_an_uitkering_the_save_is_refused_for_becomes_an_incident_not_a_loop(world: World) -> None:
    """ADR 0030: the save that records uitkering.registreren starts its uitkering. When the data service refuses it
    for good (here another uitkering exists for the aanvraag: 409 uitkering-bestaat), the save is refused as a
    whole; the step then runs once more, starting the uitkering itself, and fails as an incident a person sees."""
    aid, iid = await world.submit()
    andere = {"aanvraagId": aid, "startdatum": "2026-01-01", "bedragPerMaandCents": 1}
    world.gw._uitkering(andere)

    def uitkering(stap: Stap) -> dict[str, Any]:
        nieuw = UitkeringNieuw(
            id=uuid.uuid5(uuid.NAMESPACE_URL, f"gbi:uitkering:{aid}"),
            aanvraag_id=uuid.UUID(aid),
            startdatum=date(2026, 3, 9),
            bedrag_per_maand_cents=140150,
        )
        if stap.uitkering_pending is not None:
            stap.uitkering_pending[stap.task_id] = nieuw
        else:  # started on its own, as the real handler does: the data service's 409
            world.gw._uitkering(nieuw.model_dump(mode="json", by_alias=True))
        return {"uitkering_id": str(nieuw.id)}

    world.handlers.results["uitkering.registreren"] = uitkering
    await world.worker().run_until_idle(max_rounds=6)
    assert world.handlers.calls.count("uitkering.registreren") == 2  # with the save, then on its own: no loop
    inst = world.instance(iid)
    assert inst["status"] == "failed"
    assert inst["lastError"].startswith("incident in uitkering_registreren: ConflictError")
    assert inst["leaseOwner"] is None
    assert world.gw.uitkeringen[aid]["bedragPerMaandCents"] == 1  # the other uitkering, untouched
    # no result recorded for the step: its uitkering does not exist
    handlers_recorded = [v["handler"] for (i, _), v in world.gw.steps.items() if i == iid and isinstance(v, dict)]
    assert "uitkering.registreren" not in handlers_recorded
    assert "besluit.vastleggen" in handlers_recorded


@run
async def test_a_retried_beschikking_renders_none_and_the_announcement_sends_the_stored_letter(world: World) -> None:
    """beschikking.maken run again after it stored its letter with the besluit (a crash before its save): the
    letter stands, the domain is not asked for a new one (another version of it may render other bytes, which the
    data service would refuse as a second beschikking) and nothing is sent. notificatie.versturen in a run that did not
    store the letter reads it and sends it with the besluit and the eindstatus in one request (ADR 0045)."""
    from gbi_process.alo.handlers import beschikking_maken, notificatie_versturen
    from gbi_process.alo.store import Beschikking
    from gbi_shared.contracts.alo import Besluit
    from gbi_shared.contracts.zaken import ZaakAfhandeling
    from gbi_shared.errors import ForbiddenError

    aid, iid = await world.submit()
    document_id = uuid.uuid4()
    pdf = b"%PDF-1.7 de brief van de eerste keer"
    besluit = Besluit.model_validate(
        {
            "id": str(uuid.uuid4()),
            "gemeente": "0363",
            "aanvraagId": aid,
            "soort": "toekenning",
            "datum": "2026-03-20",
            "ingangsdatum": "2026-03-02",
            "bedragPerMaandCents": 140150,
            "gronden": {},
            "beschikkingDocumentId": str(document_id),
            "vastgesteldDoor": "automatisch",
            "goedgekeurdDoor": None,
            "createdAt": "2026-03-20T10:00:00Z",
        }
    )

    gelezen: list[uuid.UUID] = []

    class Store:
        async def besluit(self, aanvraag_id: uuid.UUID) -> Besluit:
            return besluit

        async def beschikking(self, aanvraag_id: uuid.UUID, doc: uuid.UUID) -> Beschikking:
            gelezen.append(doc)
            # the day it was stored (in the Netherlands), whenever it is made known: the document keeps that day
            gemaakt = datetime(2026, 3, 20, 23, 30, tzinfo=UTC)  # 21 March in the Netherlands
            return Beschikking(base64.b64encode(pdf).decode(), "beschikking-eerste.pdf", gemaakt)

    posts: list[tuple[str, Any]] = []
    weigeren: list[Exception] = []

    class Gateway:
        async def post_model(self, path: str, body: Any, model: type[Any], **_: Any) -> Any:
            posts.append((path, body))
            if weigeren:
                raise weigeren.pop()
            assert model is ZaakAfhandeling
            return ZaakAfhandeling.model_validate(
                {
                    "besluit": {
                        "url": "http://zrc/besluiten/1",
                        "identificatie": "B-1",
                        "besluittype": "toekenning",
                        "datum": "2026-03-20",
                        "ingangsdatum": "2026-03-02",
                    },
                    "document": {
                        "url": "http://drc/1",
                        "identificatie": "D-1",
                        "titel": "t",
                        "bestandsomvang": 1,
                        "sha256": "0",
                    },
                    "eindstatus": {
                        "url": "http://zrc/statussen/2",
                        "status": "afgehandeld",
                        "datum": "2026-03-20T10:00:01Z",
                    },
                }
            )

    pending: dict[str, Any] = {}

    def stap(element: str) -> Stap:
        return Stap(
            gw=Gateway(),  # type: ignore[arg-type]
            store=Store(),  # type: ignore[arg-type]
            instance_id=uuid.UUID(iid),
            aanvraag=Aanvraag.model_validate(world.gw._aanvraag(aid)),
            task_id="t",
            element=element,
            variables={"zaak_id": "ZAAK-1"},
            nu=world.gw.now,
            tijdlijn_pending=pending,
        )

    assert await beschikking_maken(stap("beschikking_maken")) == {"beschikking_id": str(document_id)}
    assert posts == []  # no /internal/domain/v1/beschikkingen, nothing to the zaaksysteem
    assert await notificatie_versturen(stap("notificatie_versturen")) == {}
    assert gelezen == [document_id]
    [(path, verzoek)] = posts
    assert path == "/internal/integration/v1/zaken/ZAAK-1:afhandelen"
    assert verzoek["document"]["creatiedatum"] == "2026-03-21"
    assert list(pending) == ["besluit-bekendgemaakt"]
    assert (verzoek["document"]["inhoud"], verzoek["document"]["bestandsnaam"]) == (
        base64.b64encode(pdf).decode(),
        "beschikking-eerste.pdf",
    )
    assert verzoek["document"]["titel"] == "Beschikking toekenning"
    # the moments follow from the besluit: a retry sends the same keys
    assert datetime.fromisoformat(verzoek["besluit"]["statusGezetOp"]) == besluit.created_at
    assert datetime.fromisoformat(verzoek["eindstatus"]["datum"]) == besluit.created_at + timedelta(seconds=1)
    assert (verzoek["besluit"]["besluittype"], verzoek["besluit"]["datum"]) == ("toekenning", "2026-03-20")
    # refused by the zaaksysteem: the step fails before the citizen's tijdlijn says the besluit was made known (the
    # runner's failure path keeps the pending entries)
    pending.clear()
    weigeren.append(ForbiddenError("De zaak is gesloten"))
    with pytest.raises(ForbiddenError):
        await notificatie_versturen(stap("notificatie_versturen"))
    assert len(posts) == 2
    assert pending == {}
    # a besluit without its beschikking is never announced in the zaaksysteem: an incident, nothing sent
    besluit = besluit.model_copy(update={"beschikking_document_id": None})
    with pytest.raises(ValueError, match="geen beschikking"):
        await notificatie_versturen(stap("notificatie_versturen"))
    assert len(posts) == 2
    assert pending == {}


def _puts(world: World) -> list[dict[str, Any]]:
    return [b for m, p, b in world.gw.bodies if m == "PUT" and "procesinstanties" in p]


@run
async def test_the_save_before_the_besluit_records_it_and_no_request_of_its_own_does(world: World) -> None:
    """ADR 0038: the save of the state before besluit.vastleggen carries its besluit, in one transaction; the step
    gets the besluit from the save's answer and makes no request of its own for it."""
    aid, iid = await world.submit()
    world.gw.calls.clear()
    await world.worker().run_until_idle()
    assert ("POST", f"/internal/data/v1/aanvragen/{aid}/besluit") not in world.gw.calls
    assert _data_calls(world) == [
        ("GET", "aanvragen/{id}"),
        ("PUT", "procesinstanties/{id}"),
        ("PUT", "procesinstanties/{id}"),
    ]
    first, last = _puts(world)
    assert first["besluit"]["soort"] == "toekenning"
    assert first["besluit"]["bedragPerMaandCents"] == 134849
    assert last.get("besluit") is None
    # the state it saved is the one before the step (a replay after a crash runs the step again from there)
    restored = world.engine.restore(first["state"].encode())
    assert restored.ready_service_tasks()[0].handler == "besluit.vastleggen"
    [besluit] = world.handlers.besluiten
    assert str(besluit.id) == world.gw.besluiten[aid]["id"]
    assert world.instance(iid)["status"] == "completed"


@run
async def test_a_save_refused_for_its_besluit_is_saved_without_it_and_the_step_finds_the_first(world: World) -> None:
    """Another besluit exists (409 besluit-bestaat for the whole save, nothing written): the run saves without it
    and the step records its besluit on its own as before, which finds the first; no loop, no incident."""
    aid, iid = await world.submit()
    world.gw.besluiten[aid] = {
        "id": str(uuid.uuid4()),
        "gemeente": "0599",
        "aanvraagId": aid,
        "soort": "afwijzing",
        "datum": "2026-03-01",
        "ingangsdatum": None,
        "bedragPerMaandCents": None,
        "gronden": {},
        "beschikkingDocumentId": None,
        "vastgesteldDoor": "mw. Jansen",
        "goedgekeurdDoor": None,
        "createdAt": "2026-03-01T10:00:00Z",
    }
    world.gw.calls.clear()
    await world.worker().run_until_idle()
    assert world.handlers.calls == MAIN  # the step ran once
    assert [b.get("besluit") is not None for b in _puts(world)] == [True, False, False]
    assert ("POST", f"/internal/data/v1/aanvragen/{aid}/besluit") in world.gw.calls
    [besluit] = world.handlers.besluiten
    assert (str(besluit.id), besluit.soort) == (world.gw.besluiten[aid]["id"], "afwijzing")
    assert world.instance(iid)["status"] == "completed"


@run
async def test_a_save_with_its_besluit_whose_answer_was_lost_is_found_by_the_next_run(world: World) -> None:
    """The save with the besluit committed, its answer was lost (504): the run hands the instance back; the next
    run starts at the step (its state is stored) and finds the besluit the save recorded: one besluit, one ZGW
    besluit call per run that reached it, the case completes."""
    aid, iid = await world.submit()
    world.gw.lose_put_answer = 1
    await world.worker().run_until_idle(max_rounds=1)
    assert world.handlers.calls == MAIN[:6]
    assert aid in world.gw.besluiten  # committed with the state before the step
    first = world.gw.besluiten[aid]
    row = world.instance(iid)
    assert world.engine.restore(row["state"].encode()).ready_service_tasks()[0].handler == "besluit.vastleggen"
    await world.worker("w2").run_until_idle()
    assert world.handlers.calls == MAIN
    assert [str(b.id) for b in world.handlers.besluiten] == [first["id"]]
    assert world.gw.besluiten[aid] == first
    assert world.instance(iid)["status"] == "completed"


@run
async def test_a_lost_lease_at_the_save_in_the_step_is_no_incident(world: World) -> None:
    """The save the besluit step makes is refused for the lease (another worker took over): the run stops as for
    a save between steps; the step is no incident and its besluit is not recorded."""
    aid, iid = await world.submit()
    world.gw.lease_lost_puts = (1,)  # only that save: a run that went on would save again (an incident)
    await world.worker().run_until_idle(max_rounds=1)
    assert world.handlers.calls == MAIN[:6]
    assert aid not in world.gw.besluiten
    row = world.instance(iid)
    assert row["version"] == 1  # the run stopped at the refusal: nothing saved after it
    assert row["lastError"] is None
    assert world.gw.puts == 1

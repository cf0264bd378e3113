"""The whole ALO model run in memory through each path, once straight and once saved and restored after every step
(a crash or restart of the process service at any step must not change what happens)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from gbi_process.engine import ActorNotAllowedError, Completion, SpiffEngine, SpiffInstance, TimerNotDueError
from gbi_process.engine.spiff import _uuid5

from .conftest import WARM, Driver, midnight, start_variables

MODES = pytest.mark.parametrize("restore", [False, True], ids=["in-memory", "restore-every-step"])

TAIL_TOEKENNING = [
    "vierogen.bepalen",
    "besluit.vastleggen",
    "beschikking.maken",
    "uitkering.registreren",
    "notificatie.versturen",
]
INTAKE = ["zaak.registreren", "zoektermijn.bepalen", "bronnen.ophalen", "berekening.uitvoeren", "risico.beoordelen"]


def assert_done(d: Driver) -> None:
    assert d.instance.is_completed
    assert d.instance.ready_service_tasks() == []
    assert d.instance.ready_user_tasks() == []
    assert d.instance.waiting_timers() == []
    assert d.instance.waiting_messages() == []


def path_stp_toekenning(d: Driver) -> None:
    d.run_cold()
    assert d.log == INTAKE + TAIL_TOEKENNING
    assert d.instance.variables["besluit"] == "toekenning"
    assert d.instance.variables["uitkering_id"] == "UITKERING-1"
    assert_done(d)


def path_warm_documenten(d: Driver) -> None:
    d.results["risico.beoordelen"] = {**WARM, "documenten_nodig": True, "routeringsreden": "bankafschriften ontbreken"}
    d.run_cold()
    assert d.log == INTAKE
    [task] = d.instance.ready_user_tasks()
    assert (task.element, task.rol, task.due, task.outcomes) == (
        "documenten_opvragen",
        "klantmanager",
        date(2026, 3, 2),
        (),
    )
    assert task.outputs == {"hersteltermijn_einde": "date", "gevraagde_documenten": "json"}
    d.user("documenten_opvragen", None, {"hersteltermijn_einde": "2026-01-26", "gevraagde_documenten": ["bank"]})
    d.run_cold()
    assert d.log[-1] == "herstelverzoek.versturen"
    [wait] = d.instance.waiting_messages()
    assert (wait.element, wait.message) == ("documenten_ontvangen", "documenten_ontvangen")
    assert d.timers()["hersteltermijn_verstreken"] == midnight("2026-01-27")  # the day after the last day
    assert d.message("documenten_ontvangen", {"ontvangen_documenten": ["bank"]})
    assert "hersteltermijn_verstreken" not in d.timers()
    [task] = d.instance.ready_user_tasks()
    assert (task.element, task.rol) == ("beoordeling", "inkomensconsulent")
    assert task.outcomes == ("toekenning", "afwijzing", "buiten_behandeling")
    d.user("beoordeling", "toekenning", {"afwijking_berekening": False}, actor="consulent-1")
    d.run_cold()
    assert d.log[-5:] == TAIL_TOEKENNING
    assert_done(d)


def path_afwijzing(d: Driver) -> None:
    d.results["berekening.uitvoeren"] = {"besluit_voorstel": "afwijzing", "bedrag_cents": 0}
    d.results["risico.beoordelen"] = {**WARM, "intake_nodig": True}
    d.run_cold()
    assert d.user_tasks() == ["intakegesprek"]
    d.user("intakegesprek")
    d.user("beoordeling", "afwijzing", {"afwijking_berekening": False}, actor="consulent-1")
    d.run_cold()
    assert d.log[-4:] == ["vierogen.bepalen", "besluit.vastleggen", "beschikking.maken", "notificatie.versturen"]
    assert "uitkering.registreren" not in d.log
    assert d.instance.variables["besluit"] == "afwijzing"
    assert_done(d)


def path_buiten_behandeling(d: Driver) -> None:
    d.results["risico.beoordelen"] = {**WARM, "documenten_nodig": True}
    d.run_cold()
    d.user("documenten_opvragen", None, {"hersteltermijn_einde": "2026-01-26", "gevraagde_documenten": ["bank"]})
    d.run_cold()
    timer = next(t for t in d.instance.waiting_timers() if t.element == "hersteltermijn_verstreken")
    with pytest.raises(TimerNotDueError):
        d.instance.fire_timer(timer.task_id, now=timer.due - timedelta(seconds=1))
    d.fire("hersteltermijn_verstreken")
    assert d.instance.waiting_messages() == []
    d.run_cold()
    assert d.log[-5:] == [
        "timer:hersteltermijn_verstreken",
        "vierogen.bepalen",
        "besluit.vastleggen",
        "beschikking.maken",
        "notificatie.versturen",
    ]
    assert not any(entry.startswith("beoordeling") for entry in d.log)
    assert d.instance.variables["besluit"] == "buiten_behandeling"
    assert_done(d)


def path_zoektermijn(d: Driver) -> None:
    d.results["zoektermijn.bepalen"] = {"zoektermijn": True, "zoektermijn_reden": "jonger dan 27"}
    d.run_cold()
    assert d.log == ["zaak.registreren", "zoektermijn.bepalen"]
    # melding 2026-03-02 + 4 weeks = 2026-03-30, after the switch to summer time: 22:00 UTC the day before
    assert d.timers() == {"zoektermijn_verstreken": midnight("2026-03-30")}
    assert d.instance.next_due() == midnight("2026-03-30")  # "waiting until": what the scheduler stores
    assert midnight("2026-03-30").hour == 22
    assert d.handlers() == []
    timer = d.instance.waiting_timers()[0]
    with pytest.raises(TimerNotDueError):
        d.instance.fire_timer(timer.task_id, now=midnight("2026-03-29"))
    assert d.fire("zoektermijn_verstreken") == Completion.COMPLETED
    assert d.handlers() == ["bronnen.ophalen"]
    d.run_cold()
    assert d.log[-5:] == TAIL_TOEKENNING
    assert_done(d)


def path_vierogen(d: Driver) -> None:
    d.results["risico.beoordelen"] = dict(WARM)
    d.results["vierogen.bepalen"] = {"vierogen_nodig": True, "vierogen_reden": "afwijking van de berekening"}
    d.run_cold()
    d.user("beoordeling", "toekenning", {"afwijking_berekening": True}, actor="consulent-1")
    d.run_cold()
    [task] = d.instance.ready_user_tasks()
    assert (task.element, task.rol, task.excluded_actors) == (
        "vierogen_goedkeuring",
        "teamleider",
        frozenset({"consulent-1"}),
    )
    with pytest.raises(ActorNotAllowedError):
        d.instance.complete_user_task(task.task_id, "goedgekeurd", actor="consulent-1")
    with pytest.raises(ActorNotAllowedError):
        d.instance.complete_user_task(task.task_id, "goedgekeurd")
    d.user("vierogen_goedkeuring", "teruggestuurd", actor="teamleider-1")
    assert d.user_tasks() == ["beoordeling"]
    d.user("beoordeling", "toekenning", {"afwijking_berekening": False}, actor="consulent-2")
    d.run_cold()
    [task] = d.instance.ready_user_tasks()
    assert task.excluded_actors == frozenset({"consulent-1", "consulent-2"})
    d.user("vierogen_goedkeuring", "goedgekeurd", actor="teamleider-1")
    d.run_cold()
    assert d.log.count("vierogen.bepalen") == 2
    assert d.log[-4:] == TAIL_TOEKENNING[1:]
    assert_done(d)


def path_termijnen(d: Driver) -> None:
    """Aanvraag 2026-02-20: voorschot from 2026-03-20 every 4 weeks, beslistermijn 2026-04-17 (signal 7 days before)."""
    d.results["risico.beoordelen"] = {**WARM, "huisbezoek_nodig": True}
    d.run_cold()
    assert d.user_tasks() == ["huisbezoek"]
    assert d.timers() == {"voorschot_termijn": midnight("2026-03-20"), "beslistermijn_signaal": midnight("2026-04-10")}
    assert d.instance.next_due() == midnight("2026-03-20")
    assert d.fire("voorschot_termijn") == Completion.COMPLETED
    assert d.handlers() == ["voorschot.beoordelen"]
    assert d.timers()["voorschot_termijn"] == midnight("2026-04-17")  # 4 weeks on, midnight in summer time
    d.service("voorschot.beoordelen")
    d.fire("beslistermijn_signaal")
    assert sorted(d.user_tasks()) == ["huisbezoek", "termijn_bewaken"]
    bewaken = next(t for t in d.instance.ready_user_tasks() if t.element == "termijn_bewaken")
    assert (bewaken.rol, bewaken.due, bewaken.outcomes) == ("teamleider", date(2026, 4, 17), ("verdagen", "doorzetten"))
    d.user("termijn_bewaken", "verdagen", actor="teamleider-1")
    d.service("verdaging.versturen", {"beslistermijn_einde": "2026-05-15"})
    assert d.timers()["verlengde_termijn_signaal"] == midnight("2026-05-08")
    assert {t.element: t.due for t in d.instance.ready_user_tasks()} == {"huisbezoek": date(2026, 5, 15)}
    d.fire("voorschot_termijn")
    d.service("voorschot.beoordelen")
    d.fire("verlengde_termijn_signaal")
    assert sorted(d.user_tasks()) == ["huisbezoek", "termijn_bewaken"]  # escalated again, left open
    old_cycle = next(t for t in d.instance.waiting_timers() if t.element == "voorschot_termijn")
    d.user("huisbezoek", "geen_bijzonderheden", actor="handhaver-1")
    d.user("beoordeling", "toekenning", {"afwijking_berekening": False}, actor="consulent-1")
    d.run_cold()
    assert d.log.count("voorschot.beoordelen") == 2
    assert d.log[-5:] == TAIL_TOEKENNING
    # the decision ended the deadlines: the open escalation is gone and the cycle can no longer fire
    assert_done(d)
    assert d.instance.fire_timer(old_cycle.task_id, now=old_cycle.due) == Completion.WITHDRAWN


PATHS: dict[str, tuple[Callable[[Driver], None], dict[str, str]]] = {
    "stp-toekenning": (path_stp_toekenning, {}),
    "warm-documenten-toekenning": (path_warm_documenten, {}),
    "afwijzing": (path_afwijzing, {}),
    "buiten-behandeling": (path_buiten_behandeling, {}),
    "zoektermijn-onder-27": (path_zoektermijn, {"meldingsdatum": "2026-03-02", "aanvraagdatum": "2026-03-02"}),
    "vierogen-terug-en-goed": (path_vierogen, {}),
    "termijnen": (path_termijnen, {"meldingsdatum": "2026-02-20", "aanvraagdatum": "2026-02-20"}),
}


@MODES
@pytest.mark.parametrize("name", list(PATHS))
def test_path(name: str, restore: bool, drive: Callable[..., Driver]) -> None:
    path, variables = PATHS[name]
    path(drive(restore, **variables))


@pytest.mark.parametrize("name", list(PATHS))
def test_restoring_at_every_step_changes_nothing(name: str, drive: Callable[..., Driver]) -> None:
    path, variables = PATHS[name]
    straight, restored = drive(False, **variables), drive(True, **variables)
    path(straight)
    path(restored)
    assert restored.log == straight.log
    assert restored.instance.variables == straight.instance.variables
    # the state stays small: the spec is referenced by name and version, never embedded
    assert max(restored.sizes) < 6_600


@pytest.mark.parametrize("name", list(PATHS))
def test_the_same_calls_on_the_same_state_meet_the_same_task_ids(name: str, drive: Callable[..., Driver]) -> None:
    """The process layer saves once per run segment (ADR 0022): a run repeated after a crash replays the engine
    calls of the lost run from the last saved state, and must meet every task under the id the lost run used (step
    results, inbox tasks and tijdlijn entries are keyed by it)."""
    path, variables = PATHS[name]
    first = drive(False, **variables)
    again = Driver(first.engine, first.engine.restore(first.instance.serialize()), True)
    path(first)
    path(again)
    assert again.log == first.log
    assert again.ids == first.ids
    tasks = [i for i in first.ids if not i.startswith("timer:")]
    assert len(set(tasks)) == len(tasks)  # and every service or user task met has an id of its own


def test_a_derived_task_id_is_the_uuid5_of_its_parent_and_spec() -> None:
    """Derived ids (ADR 0022) are ``uuid.uuid5(parent id, "<spec>#<n>")``; the adapter computes them without
    ``UUID.__init__``'s checks, and must give exactly the same UUIDs as before (ids in stored states and the ids a
    replay meets are compared with ``==`` and hashed as dictionary keys)."""
    names = ["(start)#0", "zaak_registreren#0", "gw_zoektermijn_join#12", "é€ \u2028#3", ""]
    for namespace in [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), *(uuid.uuid4() for _ in range(50))]:
        for name in names:
            derived, expected = _uuid5(namespace, name), uuid.uuid5(namespace, name)
            assert derived == expected
            assert hash(derived) == hash(expected)
            assert str(derived) == str(expected)
            assert derived.version == 5
            assert derived.variant == uuid.RFC_4122
            assert derived.is_safe is expected.is_safe


class _Twins:
    """Two instances of one case driven by the same calls (ADR 0049): ``memory``, the instance as it was started and
    kept in memory (a submission's first run), and ``restored``, restored from the state ``memory`` serialised right
    after its start (what a claim or a repeat runs). Every call goes to both; both must answer the same (or refuse
    the same) and serialise to exactly the same bytes after every call."""

    def __init__(self, memory: SpiffInstance, restored: SpiffInstance) -> None:
        assert memory is not restored
        self._memory, self._restored = memory, restored
        self.calls: list[str] = []

    def _same_state(self, after: str) -> bytes:
        state = self._memory.serialize()
        assert self._restored.serialize() == state, f"the states differ after {after} (call {len(self.calls)})"
        return state

    def __getattr__(self, name: str) -> Any:
        a, b = getattr(self._memory, name), getattr(self._restored, name)
        if not callable(a):
            assert a == b, name
            self._same_state(name)
            return a

        def both(*args: Any, **kwargs: Any) -> Any:
            answers = []
            for call in (a, b):
                try:
                    answers.append((call(*args, **kwargs), None))
                except Exception as exc:  # (compared, and the memory instance's raised again)
                    answers.append((None, exc))
            (got, error), (got_b, error_b) = answers
            assert got == got_b, name
            assert (type(error), str(error)) == (type(error_b), str(error_b)), name
            self.calls.append(name)
            self._same_state(name)
            if error is not None:
                raise error
            return got

        return both


@pytest.mark.parametrize("name", list(PATHS))
def test_an_instance_run_from_memory_and_its_restored_copy_stay_byte_identical(name: str, engine: SpiffEngine) -> None:
    """ADR 0049 runs a submission's instance from memory instead of restoring the state it saved: equivalent only if
    the same engine calls on the started instance and on one restored from its state give the same answers and the
    same states, step by step, on every path (timers and cycle timers, boundary events, messages, 4-eyes, waiting
    user tasks, refused calls)."""
    path, variables = PATHS[name]
    memory = engine.start("alo", start_variables(**variables))
    twins = _Twins(memory, engine.restore(memory.serialize()))
    d = Driver(engine, twins, False)  # type: ignore[arg-type]
    path(d)
    changes = {"complete_service_task", "complete_user_task", "fire_timer", "receive_message"}
    assert sum(1 for c in twins.calls if c in changes) >= 5
    assert memory.is_completed

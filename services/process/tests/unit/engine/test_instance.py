"""Completing, failing and firing work items: idempotent by task id, checked against the model, and safe to replay
after a crash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from gbi_process.engine import (
    Completion,
    EngineError,
    ExpressionError,
    InvalidVariablesError,
    ProcessEngine,
    ProcessInstance,
    SpiffEngine,
    StateError,
    TaskNotReadyError,
    UnknownTaskError,
)
from gbi_process.engine.spiff import _RestrictedScriptEngine

from .conftest import STP_RESULTS, WARM, Driver, service_task, start_variables


def test_the_spiff_adapter_implements_the_interface(engine: SpiffEngine) -> None:
    assert isinstance(engine, ProcessEngine)
    assert isinstance(engine.start("alo", start_variables()), ProcessInstance)


def test_completing_a_service_task_twice_is_a_no_op(engine: SpiffEngine) -> None:
    instance = engine.start("alo", start_variables())
    [item] = instance.ready_service_tasks()
    assert instance.complete_service_task(item.task_id, {"zaak_id": "Z-1"}) == Completion.COMPLETED
    state = instance.serialize()
    assert instance.complete_service_task(item.task_id, {"zaak_id": "Z-2"}) == Completion.ALREADY_COMPLETED
    assert instance.serialize() == state
    assert instance.variables["zaak_id"] == "Z-1"
    restored = engine.restore(state)
    assert restored.complete_service_task(item.task_id, {"zaak_id": "Z-1"}) == Completion.ALREADY_COMPLETED
    assert [i.handler for i in restored.ready_service_tasks()] == ["zoektermijn.bepalen"]


def test_a_crash_before_saving_replays_the_same_task_id(engine: SpiffEngine) -> None:
    """The process layer executes only items of a saved state, keyed by task id: a replay repeats no side effect."""
    saved = engine.start("alo", start_variables()).serialize()
    first = engine.restore(saved)
    [item] = first.ready_service_tasks()
    first.complete_service_task(item.task_id, {"zaak_id": "Z-1"})  # ... and the service dies before saving
    replay = engine.restore(saved)
    assert [i.task_id for i in replay.ready_service_tasks()] == [item.task_id]  # same id: same idempotency key
    replay.complete_service_task(item.task_id, {"zaak_id": "Z-1"})
    assert [i.handler for i in replay.ready_service_tasks()] == [i.handler for i in first.ready_service_tasks()]


def test_user_tasks_are_idempotent_and_checked(drive: Callable[..., Driver]) -> None:
    d = drive()
    d.results["risico.beoordelen"] = dict(WARM)
    d.run_cold()
    [task] = d.instance.ready_user_tasks()
    with pytest.raises(InvalidVariablesError, match="must be toekenning\\|afwijzing\\|buiten_behandeling"):
        d.instance.complete_user_task(task.task_id, "goedgekeurd", {"afwijking_berekening": False})
    with pytest.raises(InvalidVariablesError, match="'afwijking_berekening' \\(bool\\) is missing"):
        d.instance.complete_user_task(task.task_id, "toekenning")
    with pytest.raises(InvalidVariablesError, match="pass the outcome"):
        d.instance.complete_user_task(task.task_id, None, {"besluit": "toekenning", "afwijking_berekening": False})
    with pytest.raises(TaskNotReadyError, match="not a ExternalServiceTask"):
        d.instance.complete_service_task(task.task_id, {})
    done = d.instance.complete_user_task(task.task_id, "toekenning", {"afwijking_berekening": False}, actor="c")
    assert done == Completion.COMPLETED
    again = d.instance.complete_user_task(task.task_id, "afwijzing", {"afwijking_berekening": True}, actor="c")
    assert again == Completion.ALREADY_COMPLETED
    assert d.instance.variables["besluit"] == "toekenning"


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({}, r"'zaak_id' \(str\) is missing"),
        ({"zaak_id": 12}, "'zaak_id' must be str, got 12"),
        ({"zaak_id": "Z", "extra": 1}, "'extra' is not declared"),
        ({"zaak_id": datetime.now(UTC)}, "values must be JSON"),
    ],
)
def test_results_must_match_the_declared_outputs(engine: SpiffEngine, result: dict[str, object], message: str) -> None:
    instance = engine.start("alo", start_variables())
    [item] = instance.ready_service_tasks()
    assert item.outputs == {"zaak_id": "str"}
    with pytest.raises(InvalidVariablesError, match=message):
        instance.complete_service_task(item.task_id, result)
    assert instance.complete_service_task(item.task_id, {"zaak_id": "Z"}) == Completion.COMPLETED  # still usable


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (start_variables(meldingsdatum="5 januari"), "'meldingsdatum' must be date"),
        ({k: v for k, v in start_variables().items() if k != "gemeente"}, "'gemeente' \\(str\\) is missing"),
        (start_variables(onbekend=1), "'onbekend' is not declared"),
        (start_variables(signaleringstermijn_dagen=True), "'signaleringstermijn_dagen' must be int"),
    ],
)
def test_start_variables_are_checked(engine: SpiffEngine, variables: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidVariablesError, match=message):
        engine.start("alo", variables)


def test_unknown_and_unready_tasks(engine: SpiffEngine) -> None:
    instance = engine.start("alo", start_variables())
    with pytest.raises(UnknownTaskError):
        instance.complete_service_task("not-a-uuid", {})
    with pytest.raises(UnknownTaskError):
        instance.complete_service_task("00000000-0000-4000-8000-000000000000", {})
    with pytest.raises(TaskNotReadyError):
        instance.fire_timer(instance.ready_service_tasks()[0].task_id, now=datetime.now(UTC))


def test_failed_attempts_and_incidents(engine: SpiffEngine) -> None:
    instance = engine.start("alo", start_variables())
    [item] = instance.ready_service_tasks()
    later = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert instance.next_due() is None
    instance.fail_service_task(item.task_id, "BRP onbereikbaar (503)", retry_at=later)
    [item] = instance.ready_service_tasks()
    assert (item.attempts, item.last_error, item.retry_at, item.incident) == (1, "BRP onbereikbaar (503)", later, False)
    assert instance.next_due() == later
    instance.fail_service_task(item.task_id, "BSN onbekend in de BRP")
    restored = engine.restore(instance.serialize())
    [item] = restored.ready_service_tasks()
    assert (item.attempts, item.retry_at, item.incident) == (2, None, True)
    assert restored.next_due() is None  # an incident waits for a person, not for the clock
    restored.retry_service_task(item.task_id)
    [item] = restored.ready_service_tasks()
    assert (item.attempts, item.incident) == (2, False)
    with pytest.raises(ValueError, match="timezone-aware"):
        restored.fail_service_task(item.task_id, "x", retry_at=datetime(2026, 1, 5))
    restored.complete_service_task(item.task_id, {"zaak_id": "Z"})
    with pytest.raises(TaskNotReadyError):
        restored.fail_service_task(item.task_id, "too late")


def test_firing_a_timer_twice_is_a_no_op(drive: Callable[..., Driver]) -> None:
    d = drive(True)
    d.results["risico.beoordelen"] = {**WARM, "huisbezoek_nodig": True}
    d.run_cold()
    cycle = next(t for t in d.instance.waiting_timers() if t.element == "voorschot_termijn")
    assert cycle.recurring
    assert d.instance.fire_timer(cycle.task_id, now=cycle.due, due=cycle.due) == Completion.COMPLETED
    assert d.instance.fire_timer(cycle.task_id, now=cycle.due + timedelta(weeks=5), due=cycle.due) == (
        Completion.ALREADY_COMPLETED
    )
    assert d.handlers() == ["voorschot.beoordelen"]
    signal = next(t for t in d.instance.waiting_timers() if t.element == "beslistermijn_signaal")
    assert d.instance.fire_timer(signal.task_id, now=signal.due) == Completion.COMPLETED
    assert d.instance.fire_timer(signal.task_id, now=signal.due) == Completion.ALREADY_COMPLETED
    with pytest.raises(ValueError, match="timezone-aware"):
        d.instance.fire_timer(signal.task_id, now=datetime(2026, 5, 1))


def test_a_message_nobody_waits_for_changes_nothing(engine: SpiffEngine) -> None:
    instance = engine.start("alo", start_variables())
    state = instance.serialize()
    assert instance.receive_message("documenten_ontvangen", {}) is False
    assert instance.serialize() == state


def test_variables_are_a_copy(engine: SpiffEngine) -> None:
    instance = engine.start("alo", start_variables())
    copy = instance.variables
    assert isinstance(copy, dict)
    copy["gemeente"] = "0599"
    assert instance.variables["gemeente"] == "0363"


def test_instances_share_the_parsed_model_but_nothing_else(engine: SpiffEngine) -> None:
    a = engine.start("alo", start_variables(aanvraag_id="A"))
    b = engine.start("alo", start_variables(aanvraag_id="B"))
    for _ in range(3):
        for instance in (a, b):
            [item] = instance.ready_service_tasks()
            instance.complete_service_task(item.task_id, STP_RESULTS[item.handler])
    assert a.variables["aanvraag_id"] == "A"
    assert b.variables["aanvraag_id"] == "B"
    assert [i.handler for i in a.ready_service_tasks()] == [i.handler for i in b.ready_service_tasks()]


# ------------------------------------------------------------------------------------- errors are real errors
START = '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
END = '<bpmn:endEvent id="end" />'


def test_a_failing_script_raises_the_real_error(tiny_engine: Callable[..., SpiffEngine]) -> None:
    engine = tiny_engine(
        START + '<bpmn:scriptTask id="rekenen" scriptFormat="gbi"><bpmn:script>totaal = naam + 1</bpmn:script>'
        "</bpmn:scriptTask>" + END + '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rekenen" />'
        '<bpmn:sequenceFlow id="f2" sourceRef="rekenen" targetRef="end" />',
        {"naam": "str"},
    )
    with pytest.raises(ExpressionError, match=r"\+ and - work on numbers only.*'naam \+ 1'"):
        engine.start("klein", {"naam": "Jan"})


def test_a_failing_condition_raises_the_real_error_and_the_instance_must_be_restored(
    tiny_engine: Callable[..., SpiffEngine],
) -> None:
    engine = tiny_engine(
        START
        + service_task("bepalen", "risico.beoordelen", {"stp": "bool"})
        + '<bpmn:exclusiveGateway id="gw" default="f3" />'
        + END
        + '<bpmn:endEvent id="end2" />'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="bepalen" />'
        '<bpmn:sequenceFlow id="f2" sourceRef="bepalen" targetRef="gw" />'
        '<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="end" />'
        '<bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="end2">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">stp == "ja"</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>",
    )
    instance = engine.start("klein", {})
    saved = instance.serialize()
    [item] = instance.ready_service_tasks()
    with pytest.raises(ExpressionError, match="cannot compare bool True with text 'ja'") as info:
        instance.complete_service_task(item.task_id, {"stp": True})
    assert not isinstance(info.value, NameError)
    with pytest.raises(StateError, match="restore it from its last saved state"):
        instance.ready_service_tasks()
    again = engine.restore(saved)
    assert [i.task_id for i in again.ready_service_tasks()] == [item.task_id]


def test_spiffworkflow_hides_service_errors_behind_a_name_error_and_the_adapter_does_not() -> None:
    """The fact measured on SpiffWorkflow 3.2: its service-task call path raises NameError('script') for any
    failure. The adapter never takes that path; if it were taken, the error says what happened."""
    task = SimpleNamespace(task_spec=SimpleNamespace(bpmn_id="bronnen_ophalen"), data={})
    with pytest.raises(NameError, match="script"):
        PythonScriptEngine().call_service(task, operation_name="bronnen.ophalen", operation_params={})
    with pytest.raises(EngineError, match="'bronnen_ophalen' must be executed by the process layer"):
        _RestrictedScriptEngine({}).call_service(task, operation_name="bronnen.ophalen", operation_params={})

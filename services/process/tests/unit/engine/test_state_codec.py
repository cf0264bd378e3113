"""The state codec's shortcuts for plain JSON (ADR 0049): the saved state, the restored instance and the copies of
variables are exactly what SpiffWorkflow's converters and the JSON round trip give, at every step of every path of
the ALO model, and anything that is not plain JSON still goes the long way."""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import pytest

from gbi_process.engine import InvalidVariablesError, SpiffEngine, spiff

from .conftest import Driver, start_variables
from .test_alo_paths import PATHS


def _long_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """The codec and the copies without their shortcuts: every value through SpiffWorkflow's converters and the
    JSON round trip, as before ADR 0049."""

    def not_plain(value: Any) -> Any:
        raise spiff._NotPlain

    monkeypatch.setattr(spiff, "_plain", lambda value: False)
    monkeypatch.setattr(spiff, "_plain_copy", not_plain)


def _task_contents(instance: Any) -> list[Any]:
    """Every task's id, spec, state, trigger, internal and task data (objects such as events, which do not compare
    equal, by SpiffWorkflow's converters)."""
    convert = instance._engine._codec.registry.convert
    wf = instance._wf
    out = []
    for w in [wf, *wf.subprocesses.values()]:
        for task in w.tasks.values():
            out.append(
                (
                    str(task.id),
                    task.task_spec.name,
                    task.state,
                    task.triggered,
                    convert(task.internal_data),
                    convert(task.data),
                    [type(v) for v in task.internal_data.values()],
                )
            )
    return out


@dataclass
class _BothWays(Driver):
    """After every step: the state serialised with the shortcuts and the long way, and restored both ways."""

    monkeypatch: Any = None
    compared: int = 0
    states: list[bytes] = field(default_factory=list)

    def _saved(self) -> None:
        super()._saved()
        short = self.instance.serialize()
        variables = dict(self.instance.variables)
        restored = self.engine.restore(short)
        with self.monkeypatch.context() as m:
            _long_way(m)
            long = self.instance.serialize()
            assert dict(self.instance.variables) == variables
            restored_long = self.engine.restore(long)
            assert restored_long.serialize() == long
        assert short == long
        assert restored.serialize() == short
        assert _task_contents(restored) == _task_contents(restored_long)
        assert dict(restored.variables) == dict(restored_long.variables) == variables
        self.states.append(short)
        self.compared += 1


@pytest.mark.parametrize("name", list(PATHS))
def test_the_state_is_the_same_with_and_without_the_shortcuts_on_every_path(
    name: str, engine: SpiffEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, variables = PATHS[name]
    d = _BothWays(engine, engine.start("alo", start_variables(**variables)), False, monkeypatch=monkeypatch)
    path(d)
    assert d.compared >= 5
    # the timers' and events' internal data are in the states compared (not only empty tasks)
    assert any(b'"i":{"gbi_timer"' in s for s in d.states)


def test_a_stored_state_of_the_previous_codec_restores_and_saves_unchanged(engine: SpiffEngine) -> None:
    """The format is unchanged (no migration): a state saved before ADR 0049 (the long way) restores, and saves
    the same bytes again."""
    d = Driver(engine, engine.start("alo", start_variables()), False)
    d.run_cold(stop_at=lambda h: h == "besluit.vastleggen")
    state = d.instance.serialize()
    assert engine.restore(state).serialize() == state


def test_values_that_are_not_plain_json_go_through_spiffworkflows_converters(engine: SpiffEngine) -> None:
    """A date, a UUID, a timedelta or a tuple in internal or task data: converted (and restored) as SpiffWorkflow
    does."""
    from datetime import datetime, timedelta

    instance = engine.start("alo", start_variables())
    task = next(iter(instance._wf.tasks.values()))
    moment = datetime(2026, 3, 2, 9, 0)
    some_id = uuid4()
    task.internal_data["x"] = {"at": moment, "id": some_id, "pair": (1, 2), "span": timedelta(days=2)}
    task.data["lijst"] = [1, {"a": None}, {"n": (1, 2)}]
    assert not spiff._plain(task.internal_data)
    assert not spiff._plain(task.data)
    doc = json.loads(instance.serialize())
    entry = doc["workflow"]["tasks"][0][5]
    assert entry["i"]["x"]["at"] == {"value": moment.isoformat(), "typename": "datetime"}
    assert entry["i"]["x"]["id"] == {"value": str(some_id), "typename": "UUID"}
    assert entry["i"]["x"]["pair"] == [1, 2]
    assert entry["d"] == {"lijst": [1, {"a": None}, {"n": [1, 2]}]}
    # a dictionary with a typename key would be read back as an object by SpiffWorkflow's restore: never plain
    assert not spiff._plain({"a": [{"typename": "datetime", "value": "2026-03-02"}]})
    assert spiff._plain({"a": [{"type": "x"}], "b": None})
    restored = next(iter(engine.restore(instance.serialize())._wf.tasks.values()))
    assert restored.internal_data["x"]["at"] == moment
    assert restored.internal_data["x"]["id"] == some_id
    assert restored.internal_data["x"]["span"] == timedelta(days=2)


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"a": 1, "b": "x", "c": None, "d": True, "e": 1.5, "f": [1, [2, {"g": -0.0}]], "h": 2**70},
        {"nested": {"deeper": {"deepest": ["é", "\u0000", ""]}}},
        {"typename": "gewoon een variabele"},
    ],
)
def test_the_plain_copy_is_the_json_round_trip(value: dict[str, Any]) -> None:
    copied = spiff._plain_copy(value)
    assert copied == json.loads(json.dumps(value))
    assert json.dumps(copied) == json.dumps(json.loads(json.dumps(value)))
    for a, b in ((copied, value), (copied.get("f"), value.get("f"))):
        assert a is not b or a is None  # a copy, never the same dictionary or list


class _Kleur(enum.IntEnum):
    ROOD = 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"t": (1, 2)}, {"t": [1, 2]}),  # a tuple: a list, as the round trip makes it
        ({"k": {1: "een"}}, {"k": {"1": "een"}}),  # a key that is not text: text
        ({"e": _Kleur.ROOD}, {"e": 1}),  # a subclass of int: the round trip's value
    ],
)
def test_what_is_not_plain_json_takes_the_round_trip(value: dict[str, Any], expected: dict[str, Any]) -> None:
    with pytest.raises(spiff._NotPlain):
        spiff._plain_copy(value)
    assert spiff._json_copy(value, "test") == expected


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, object(), UUID(int=1), b"bytes"])
def test_what_json_cannot_hold_is_refused_as_before(value: Any) -> None:
    with pytest.raises(InvalidVariablesError, match="values must be JSON"):
        spiff._json_copy({"v": [value]}, "test")


def test_a_circular_value_is_refused_as_before() -> None:
    value: dict[str, Any] = {}
    value["self"] = value
    with pytest.raises(InvalidVariablesError, match="values must be JSON"):
        spiff._json_copy(value, "test")


def test_the_variables_are_a_deep_copy(engine: SpiffEngine) -> None:
    instance = engine.start("alo", start_variables())
    spiff._variables(instance._wf)["lijst"] = [{"a": 1}]
    copied = instance.variables
    copied["lijst"][0]["a"] = 2  # type: ignore[index]
    assert spiff._variables(instance._wf)["lijst"] == [{"a": 1}]


@pytest.mark.parametrize(
    "task_id", [UUID(int=0), UUID(int=2**128 - 1), UUID(int=0xFBFF << 112), *(uuid4() for _ in range(50))]
)
def test_a_task_id_is_written_as_before(task_id: UUID) -> None:
    import base64

    short = spiff._short(task_id)
    assert short == base64.urlsafe_b64encode(task_id.bytes).rstrip(b"=").decode()
    assert spiff._long(short) == task_id


@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25", "2026-12-31", "2027-01-01", "2026-06-15"])
def test_the_start_of_a_day_is_computed_once_and_the_same(day: str) -> None:
    from datetime import UTC, date, datetime, time

    from gbi_shared.tijd import NL

    expected = datetime.combine(date.fromisoformat(day), time(0), NL).astimezone(UTC)
    assert spiff._moment(day, "t") == expected == spiff._moment(day, "t")
    assert spiff._moment(day, "t") is spiff._moment(day, "t")  # kept
    assert spiff._moment(day, "t").tzinfo == UTC


@pytest.mark.parametrize("value", ["2026-13-01", "2026-02-30", "abcdefghij", "2026-1-1", 20260301, None])
def test_a_wrong_timer_value_is_refused_every_time(value: Any) -> None:
    from gbi_process.engine import ExpressionError

    for _ in range(2):  # (a failure is never kept)
        with pytest.raises(ExpressionError, match=r"^t: "):
            spiff._moment(value, "t")


def test_the_items_name_their_task_by_its_id(engine: SpiffEngine) -> None:
    instance = engine.start("alo", start_variables())
    [item] = instance.ready_service_tasks()
    task = instance._wf.get_task_from_id(UUID(item.task_id))
    assert item.task_id == str(task.id) == spiff._id_text(task) == spiff._id_text(task)
    task.id = uuid4()  # (never done; a kept text is only used for the id it was made of)
    assert spiff._id_text(task) == str(task.id)
    timers = instance.waiting_timers()
    assert [t.task_id for t in timers] == [str(instance._wf.get_task_from_id(UUID(t.task_id)).id) for t in timers]

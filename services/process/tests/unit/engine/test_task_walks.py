"""The adapter's own task walks (``spiff._walk``) see exactly what SpiffWorkflow's iterators see: the same tasks in
the same order, at every step of every path of the ALO model, and the engine makes the same moves with them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.util.task import TaskIterator, TaskState

from gbi_process.engine import SpiffEngine, StateError, spiff

from .conftest import Driver, start_variables
from .test_alo_paths import PATHS

#: Filters SpiffWorkflow and the adapter use (the engine loop: READY; waiting tasks; end events and terminate:
#: NOT_FINISHED; subprocess starts: spec names, skip_subprocesses), and a few more.
FILTERS: list[dict[str, Any]] = [
    {},
    {"state": TaskState.READY},
    {"state": TaskState.READY, "manual": False},
    {"state": TaskState.READY, "manual": True},
    {"state": TaskState.WAITING},
    {"state": TaskState.NOT_FINISHED_MASK},
    {"state": TaskState.FINISHED_MASK},
    {"state": TaskState.COMPLETED},
    {"state": TaskState.PREDICTED_MASK},
    {"state": TaskState.CANCELLED},
    {"spec_name": "Start"},
    {"spec_name": "End", "skip_subprocesses": True},
    {"skip_subprocesses": True},
    {"state": TaskState.READY, "spec_class": spiff._ExternalServiceTask},
]


def _ids(tasks: Any) -> list[str]:
    return [str(t.id) for t in tasks]


def assert_walks_match(workflow: Any) -> int:
    """Every filter from every task of the workflow and its subprocesses: the same tasks as SpiffWorkflow's."""
    compared = 0
    for wf in [workflow, *workflow.subprocesses.values()]:
        for first in [wf.task_tree, *list(wf.tasks.values())[1:4]]:
            for kwargs in FILTERS:
                assert _ids(spiff._walk(first, **kwargs)) == _ids(BpmnTaskIterator(first, **kwargs)), kwargs
                compared += 1
            for state in (TaskState.WAITING, TaskState.NOT_FINISHED_MASK, TaskState.ANY_MASK):
                assert _ids(spiff._walk(first, bpmn=False, state=state)) == _ids(TaskIterator(first, state=state))
        for kwargs in FILTERS:  # get_tasks without a walk when at most one task matches (spiff._few_tasks)
            assert wf.get_tasks(**kwargs) == list(BpmnTaskIterator(wf.task_tree, **kwargs)), kwargs
    compared += assert_single_matches_seen_as_spiffworkflow_sees_them(workflow)
    return compared


def assert_single_matches_seen_as_spiffworkflow_sees_them(workflow: Any) -> int:
    """Every task of the instance in turn the only one in a state (its state set directly, then put back): from the
    root of the workflow and of each subprocess, ``get_tasks`` finds it exactly when SpiffWorkflow's iterator does
    (spiff._reached: below predicted or finished tasks, in a skipped or finished subprocess, not below the root)."""
    compared = 0
    workflows = [workflow, *workflow.subprocesses.values()]
    everything = [t for wf in workflows for t in wf.tasks.values()]
    for marker in (TaskState.ERROR, TaskState.STARTED, TaskState.WAITING):
        if any(t._state == marker for t in everything):
            continue  # not a single match (the walk's own case, compared above)
        for task in everything:
            saved, task._state = task._state, marker
            try:
                for wf in workflows:
                    for skip in (False, True):
                        kwargs = {"state": marker, "skip_subprocesses": skip}
                        expected = list(BpmnTaskIterator(wf.task_tree, **kwargs))
                        assert spiff._few_tasks(wf, kwargs) == expected, (task.task_spec.name, kwargs)
                        assert wf.get_tasks(**kwargs) == expected
                        compared += 1
            finally:
                task._state = saved
    return compared


@dataclass
class _Recorder(Driver):
    """A driver that compares the walks and records the state (without the ranks of state changes, which come
    from the wall clock) after every step."""

    states: list[Any] = field(default_factory=list)
    compared: int = 0

    def _saved(self) -> None:
        super()._saved()
        self.compared += assert_walks_match(self.instance._wf)
        doc = json.loads(self.instance.serialize())["workflow"]
        for wf in [doc, *doc.get("subprocesses", {}).values()]:
            for entry in wf["tasks"]:
                entry[4] = None
        self.states.append(doc)


@pytest.mark.parametrize("name", list(PATHS))
def test_the_walks_see_what_spiffworkflow_sees_on_every_path(name: str, engine: SpiffEngine) -> None:
    path, variables = PATHS[name]
    d = _Recorder(engine, engine.start("alo", start_variables(**variables)), restore_every_step=False)
    path(d)
    assert d.compared > 1000
    assert d.instance._wf.subprocesses or name != "stp-toekenning"  # the subprocess is walked into too


@pytest.mark.parametrize("name", list(PATHS))
def test_the_engine_moves_as_with_spiffworkflows_own_walks(
    name: str, engine: SpiffEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same path with the adapter's walks and with SpiffWorkflow's own iterators (the mixin's methods taken
    away) leaves the same state after every step: the same tasks, ids, states, children, data and variables."""
    path, variables = PATHS[name]
    start = engine.start("alo", start_variables(**variables)).serialize()
    fast = _Recorder(engine, engine.restore(start), restore_every_step=False)
    path(fast)
    for method in ("get_tasks", "get_tasks_iterator", "update_waiting_tasks", "is_completed"):
        monkeypatch.delattr(spiff._FastWalks, method)
    own = _Recorder(engine, engine.restore(start), restore_every_step=False)
    assert isinstance(own.instance._wf.get_tasks_iterator(), BpmnTaskIterator)
    path(own)
    assert own.log == fast.log
    assert own.ids == fast.ids
    assert own.states == fast.states


def test_a_tree_deeper_than_spiffworkflows_walks_go_is_an_error(
    engine: SpiffEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SpiffWorkflow's iterators stop descending at depth 1000; rather than guess where, the walk refuses."""
    workflow = engine.start("alo", start_variables())._wf
    assert len(list(spiff._walk(workflow.task_tree))) == len(workflow.tasks)
    monkeypatch.setattr(spiff, "_MAX_DEPTH", 2)
    with pytest.raises(StateError, match="deeper than 2"):
        list(spiff._walk(workflow.task_tree))


def test_other_filters_go_to_spiffworkflows_iterator(engine: SpiffEngine) -> None:
    workflow = engine.start("alo", start_variables())._wf
    assert isinstance(workflow.get_tasks_iterator(end_at_spec="x"), BpmnTaskIterator)
    assert not isinstance(workflow.get_tasks_iterator(state=TaskState.READY), BpmnTaskIterator)


def test_a_variable_beyond_64_bits_is_saved_and_restored(engine: SpiffEngine) -> None:
    """The state is encoded with orjson, which takes integers up to 64 bits; a larger one (valid JSON, and a valid
    ``int`` variable) goes through the standard library."""
    instance = engine.start("alo", start_variables(signaleringstermijn_dagen=2**70))
    restored = engine.restore(instance.serialize())
    for value in (restored.variables["signaleringstermijn_dagen"], instance.variables["signaleringstermijn_dagen"]):
        assert type(value) is int
        assert value == 2**70

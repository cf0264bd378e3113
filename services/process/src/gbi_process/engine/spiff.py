"""SpiffWorkflow (exactly 3.2.0) behind :mod:`gbi_process.engine.interface`.

What this adapter changes about SpiffWorkflow, and why:

- **Service tasks do not run inside the engine.** They parse into a *manual* task spec, so ``do_engine_steps`` stops
  at them and the process layer executes the handler (with its idempotency key) and completes the task. SpiffWorkflow's
  own service-task call path (which hides real errors behind ``NameError: name 'script' is not defined``) is never
  used; calling it raises a clear error.
- **No Python in the model.** The script engine is replaced by the restricted language of
  :mod:`gbi_process.engine.expressions`: conditions, timer moments and script tasks are simple expressions on process
  variables, and a failing expression raises :class:`~gbi_process.engine.errors.ExpressionError` with the expression
  and the known variables, not an exception from inside ``eval``.
- **Process-scoped variables.** Variables live once per instance (``workflow.data["variables"]``), like in most BPMN
  engines, instead of SpiffWorkflow's per-task copies: conditions read them, handlers and user tasks write them
  (checked against the model's declarations), and task data stays empty, which keeps the state small.
- **No wall clock.** Timer definitions are replaced by ones that compute their due moment from variables (a date is
  the start of that day in Europe/Amsterdam) and fire only when the adapter is told to (``fire_timer``), so the
  process layer's scheduler and its movable clock decide. Cycle timers count periods from a start date.
- **State by reference.** The serialized state holds the definition's name and version, never the spec; restoring
  takes the already parsed spec from the registry (parsed once at start-up, shared read-only by all instances).
- **Deterministic task ids.** SpiffWorkflow gives every new task a random id; here a new task's id is derived from
  its parent's id and its spec (and how many siblings of that spec came before), so the same engine calls on the same
  restored state create the same tasks with the same ids. The process layer keys step results, inbox tasks and
  tijdlijn entries by task id and saves the state once per run segment (ADR 0022): a run repeated after a crash
  must meet the tasks the lost run met under the same ids.
- **Cheaper task walks** (ADR 0037). SpiffWorkflow walks the whole task tree many times per engine call (every
  completed task updates the waiting ones, every round of ``do_engine_steps`` looks for ready ones) with an iterator
  that resolves each task's parent and children through dictionaries to keep a depth count; the workflows here
  walk it with :func:`_walk` (the same tasks in the same order, pinned against SpiffWorkflow's iterators on every
  path of the model), and a state change builds no log record that the ``spiff`` logger (WARNING) would drop.
  Asking for the tasks in a state finds a single match (or none) without a walk at all (ADR 0044).
- **Plain JSON as it is** (ADR 0049). The state codec writes and reads plain JSON data without SpiffWorkflow's
  converters (which return it unchanged; the state is the same, byte for byte), and variables and results are copied
  without a JSON round trip when plain; anything else takes the long way as before.
"""

from __future__ import annotations

import base64
import json
import logging
import time as _time
from binascii import b2a_base64
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from hashlib import sha1
from math import isfinite
from typing import Any
from uuid import UUID, SafeUUID, uuid5

import orjson
from SpiffWorkflow import version as spiff_version
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.specs.defaults import ScriptTask
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ScriptTaskParser, SpiffTaskParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from gbi_process.engine.errors import (
    ActorNotAllowedError,
    EngineError,
    ExpressionError,
    InvalidVariablesError,
    ModelError,
    StateError,
    TaskNotReadyError,
    TimerNotDueError,
    UnknownTaskError,
)
from gbi_process.engine.expressions import Assignments, Expression, compile_expression, compile_script, parse_period
from gbi_process.engine.interface import (
    Completion,
    DefinitionRef,
    MessageItem,
    ServiceTaskItem,
    TimerItem,
    UserTaskItem,
)
from gbi_process.engine.model import Element, VarType
from gbi_process.engine.registry import DefinitionRegistry, ProcessDefinition
from gbi_process.engine.validation import declared_variables
from gbi_shared.tijd import NL

__all__ = ["STATE_FORMAT", "SpiffEngine", "SpiffInstance"]

STATE_FORMAT = "gbi-spiff/1"
_VARS = "variables"
_TIMER = "gbi_timer"


# ------------------------------------------------------------------------------------------------------- task ids
#: The namespace of derived task ids (any fixed UUID; changing it changes no stored id, only new ones).
_TASK_ID_NS = UUID("6f1d7c2e-4a8b-5c3d-9e0f-1a2b3c4d5e6f")
#: RFC 4122 version 5: the version nibble and the variant bits, as ``UUID(bytes=..., version=5)`` sets them.
_V5_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_V5_SET = (5 << 76) | (0x8000 << 48)


def _uuid5(namespace: UUID, name: str) -> UUID:
    """``uuid.uuid5(namespace, name)``, the same UUID, without ``UUID.__init__``'s argument checks (an engine call
    derives a few dozen ids; ~1.7 instead of ~3 us each)."""
    digest = sha1(namespace.bytes + name.encode(), usedforsecurity=False).digest()
    value = int.from_bytes(digest[:16], "big") & _V5_CLEAR | _V5_SET
    derived = object.__new__(UUID)
    object.__setattr__(derived, "int", value)
    object.__setattr__(derived, "is_safe", SafeUUID.unknown)
    return derived


# Task ids are stored with every instance: should a Python release change ``UUID``'s internals, fail at import,
# before a single derived id differs from ``uuid.uuid5``'s.
_PROEF = UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
if _uuid5(_PROEF, "gbi") != uuid5(_PROEF, "gbi") or str(_uuid5(_PROEF, "gbi")) != str(uuid5(_PROEF, "gbi")):
    raise RuntimeError("gbi_process.engine: _uuid5 differs from uuid.uuid5 on this Python; use uuid.uuid5")


def _derived_task_id(workflow: Any, task_spec: Any, parent: Any) -> UUID | None:
    """The id of a new task: from its parent's id, its spec's name and the number of siblings of that spec before
    it (the root of a subprocess: from the task that started the subprocess). None for the root of a top-level
    workflow (random: it is saved before anything else happens). An id that is taken (a sibling removed and added
    again) moves to the next number, so ids stay unique within the workflow."""
    if parent is not None:
        base, name = parent.id, task_spec.name
        tasks = workflow.tasks
        n = sum(1 for c in parent._children if c in tasks and tasks[c].task_spec.name == name)
    else:
        base = getattr(workflow, "parent_task_id", None)
        if not isinstance(base, UUID):
            return None
        name, n = "(start)", 0
    while True:
        candidate = _uuid5(base, f"{name}#{n}")
        if candidate not in workflow.tasks:
            return candidate
        n += 1


_spiff_task_init = Task.__init__


def _task_init(
    self: Task, workflow: Any, task_spec: Any, parent: Any = None, state: int = TaskState.MAYBE, id: Any = None
) -> None:
    if id is None:
        id = _derived_task_id(workflow, task_spec, parent)
    _spiff_task_init(self, workflow, task_spec, parent, state, id)


_spiff_set_state = Task._set_state
_task_log = logging.getLogger("spiff.task")


def _set_state(self: Task, value: int) -> None:
    """``Task._set_state`` of SpiffWorkflow 3.2.0 without building a log record nobody writes: it logs every state
    change at INFO with a dictionary of extras (the task's names, ids and state names), built before the logger
    looks at its level; the process service logs ``spiff`` at WARNING. With INFO or DEBUG enabled, SpiffWorkflow's
    own method runs (and logs)."""
    if value != self._state:
        if _task_log.isEnabledFor(logging.INFO):
            _spiff_set_state(self, value)
            return
        self.last_state_change = _time.time()
        self._state = value
    elif _task_log.isEnabledFor(logging.DEBUG):
        _spiff_set_state(self, value)


if not getattr(Task, "_gbi_derived_ids", False):  # SpiffWorkflow is pinned to 3.2.0, whose Task methods these wrap
    Task.__init__ = _task_init
    Task._set_state = _set_state
    Task._gbi_derived_ids = True


# ------------------------------------------------------------------------------------------------------ task walks
#: SpiffWorkflow's task iterators stop descending below this depth (their ``max_depth`` default).
_MAX_DEPTH = 1000
#: The filters :func:`_walk` takes; any other (``updated_ts``, ``end_at_spec``, ``catches_event``, ``lane``, a
#: ``task_filter``, ``max_depth``, ``depth_first``) goes to SpiffWorkflow's own iterator.
_WALK_FILTERS = frozenset({"state", "manual", "spec_name", "spec_class", "skip_subprocesses"})


def _walk(
    first: Any,
    *,
    bpmn: bool = True,
    state: int = TaskState.ANY_MASK,
    manual: bool | None = None,
    spec_name: str | None = None,
    spec_class: type | None = None,
    skip_subprocesses: bool = False,
) -> Iterator[Any]:
    """The tasks SpiffWorkflow's ``BpmnTaskIterator`` (``bpmn``) or ``TaskIterator`` yields from ``first`` with these
    filters, in the same order and at the same moments (a task's children are taken when the task is reached, as
    the iterator does, so a caller that changes the tree while walking sees what it would see there), without its
    per-task overhead: the iterator resolves every task's parent and children through the workflow's dictionaries
    to keep a depth count, and checks a filter object of five attributes, which made walking the tree most of an
    engine call. The depth limit is kept: a task deeper than ``_MAX_DEPTH`` (where the iterator may stop
    descending) is an error, never a silently different walk."""
    min_state = _least_state(state)
    subprocesses = first.workflow.top_workflow.subprocesses if bpmn else None
    into_finished = state <= TaskState.FINISHED_MASK
    stack: list[tuple[Any, int]] = [(first, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        task, depth = pop()
        sub = subprocesses.get(task.id) if subprocesses else None
        children = task._children
        if (children or sub is not None) and (task._state >= min_state or sub is not None):
            if depth >= _MAX_DEPTH:
                raise StateError(f"the task tree is deeper than {_MAX_DEPTH} tasks; it cannot be walked")
            tasks = task.workflow.tasks
            for child in reversed(children):
                push((tasks.get(child), depth + 1))
            finished = task._state >= TaskState.FINISHED_MASK and into_finished
            if sub is not None and not skip_subprocesses and not finished:
                push((sub.task_tree, depth + 1))
        if (
            task._state & state
            and (manual is None or task.task_spec.manual == manual)
            and (spec_name is None or task.task_spec.name == spec_name)
            and (spec_class is None or isinstance(task.task_spec, spec_class))
        ):
            yield task


def _least_state(state: int) -> int:
    """The least state a walk with this state filter descends below (as SpiffWorkflow's iterator decides it)."""
    if state & TaskState.PREDICTED_MASK:
        return int(TaskState.MAYBE)
    if state & TaskState.DEFINITE_MASK:
        return int(TaskState.FUTURE)
    return int(TaskState.COMPLETED)


def _reached(task: Any, first: Any, top: Any, state: int, skip_subprocesses: bool) -> bool:
    """Whether :func:`_walk` from ``first`` (a workflow's root, ``bpmn``) with this state filter reaches ``task``:
    going up from the task, every parent holds it among its children and is one the walk descends below (at least
    the filter's least state, or the start of a running subprocess), and a subprocess's root is entered from its
    task as the walk enters it (not skipped, the task not finished when the filter asks for finished ones)."""
    min_state = _least_state(state)
    subprocesses = top.subprocesses
    node = task
    while node is not first:
        workflow = node.workflow
        if node._parent is None:  # the root of its workflow: entered from the task that started the subprocess
            if skip_subprocesses or workflow is top or subprocesses.get(workflow.parent_task_id) is not workflow:
                return False
            try:
                parent = top.get_task_from_id(workflow.parent_task_id)
            except TaskNotFoundException:
                return False
            if parent is None or workflow.task_tree is not node:
                return False
            if parent._state >= TaskState.FINISHED_MASK and state <= TaskState.FINISHED_MASK:
                return False
        else:
            parent = workflow.tasks.get(node._parent)
            if parent is None or node.id not in parent._children:
                return False
            if parent._state < min_state and parent.id not in subprocesses:
                return False
        node = parent
    return True


def _few_tasks(workflow: Any, kwargs: Mapping[str, Any]) -> list[Any] | None:
    """``workflow.get_tasks(**kwargs)`` (from its root, :data:`_WALK_FILTERS` only) without walking the tree when
    at most one task of the instance matches the filter: a pass over the instance's task dictionaries finds the
    candidates (no hashing, no descent), and a single one is checked upwards with :func:`_reached`. None when two
    or more match (their order needs the walk) or when the instance has so many tasks that the walk could reach
    ``_MAX_DEPTH`` (where it raises)."""
    state = kwargs.get("state", TaskState.ANY_MASK)
    manual = kwargs.get("manual")
    spec_name = kwargs.get("spec_name")
    spec_class = kwargs.get("spec_class")
    top = workflow.top_workflow
    found = None
    size = 0
    for wf in (top, *top.subprocesses.values()):
        tasks = wf.tasks
        size += len(tasks)
        for task in tasks.values():
            if (
                task._state & state
                and (manual is None or task.task_spec.manual == manual)
                and (spec_name is None or task.task_spec.name == spec_name)
                and (spec_class is None or isinstance(task.task_spec, spec_class))
            ):
                if found is not None:
                    return None
                found = task
    if size >= _MAX_DEPTH:
        return None
    if found is None:
        return []
    if _reached(found, workflow.task_tree, top, state, bool(kwargs.get("skip_subprocesses"))):
        return [found]
    return []


class _FastWalks:
    """The task walks of a workflow through :func:`_walk`: the same tasks, in the same order, as SpiffWorkflow's."""

    task_tree: Any
    tasks: dict[UUID, Any]
    completed: bool

    def get_tasks(self, first_task: Any = None, **kwargs: Any) -> list[Any]:
        if first_task is None and kwargs.keys() <= _WALK_FILTERS:
            few = _few_tasks(self, kwargs)
            if few is not None:
                return few
        return list(self.get_tasks_iterator(first_task, **kwargs))

    def get_tasks_iterator(self, first_task: Any = None, **kwargs: Any) -> Iterator[Any]:
        if kwargs.keys() <= _WALK_FILTERS:
            return _walk(first_task or self.task_tree, **kwargs)
        return super().get_tasks_iterator(first_task, **kwargs)  # type: ignore[misc,no-any-return]

    def update_waiting_tasks(self) -> None:
        tasks = self.tasks
        if len(tasks) < _MAX_DEPTH and not any(t._state == TaskState.WAITING for t in tasks.values()):
            return  # the walk would find no waiting task (and could not be too deep): nothing to update
        for task in _walk(self.task_tree, bpmn=False, state=TaskState.WAITING):
            task.task_spec._update(task)

    def is_completed(self) -> bool:
        if not self.completed:
            unfinished = _walk(self.task_tree, bpmn=False, state=TaskState.NOT_FINISHED_MASK)
            if next(unfinished, None) is None:
                self.completed = True
        return self.completed


class _SubWorkflow(_FastWalks, BpmnSubWorkflow):  # type: ignore[misc]
    pass


class _Workflow(_FastWalks, BpmnWorkflow):  # type: ignore[misc]
    def create_subprocess(self, my_task: Any, spec_name: str) -> Any:
        subprocess = _SubWorkflow(self.subprocess_specs[spec_name], parent_task_id=my_task.id, top_workflow=self)
        self.subprocesses[my_task.id] = subprocess
        return subprocess


# ----------------------------------------------------------------------------------------------------------- specs
class _ExternalServiceTask(BpmnSpecMixin):  # type: ignore[misc]
    """A service task the process layer executes: the engine only waits for its completion."""

    def __init__(self, wf_spec: Any, bpmn_id: str, handler: str | None = None, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.handler = handler
        self.manual = True

    def _run_hook(self, my_task: Any) -> bool:
        return True


class _InboxUserTask(BpmnSpecMixin):  # type: ignore[misc]
    """A user task: waits in a role's inbox until completed with an outcome."""

    def __init__(self, wf_spec: Any, bpmn_id: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = True

    def _run_hook(self, my_task: Any) -> bool:
        return True


class _ServiceTaskParser(SpiffTaskParser):  # type: ignore[misc]
    def create_task(self) -> Any:
        operator = self.parse_extensions().get("serviceTaskOperator") or {}
        return self.spec_class(self.spec, self.bpmn_id, handler=operator.get("name"), **self.bpmn_attributes)


class _UserTaskParser(SpiffTaskParser):  # type: ignore[misc]
    def create_task(self) -> Any:
        return self.spec_class(self.spec, self.bpmn_id, **self.bpmn_attributes)


class _Parser(SpiffBpmnParser):  # type: ignore[misc]
    OVERRIDE_PARSER_CLASSES = {  # noqa: RUF012 - SpiffWorkflow's own class attribute
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (_ServiceTaskParser, _ExternalServiceTask),
        full_tag("userTask"): (_UserTaskParser, _InboxUserTask),
        full_tag("scriptTask"): (ScriptTaskParser, ScriptTask),
    }


# ---------------------------------------------------------------------------------------------------------- timers
@lru_cache(maxsize=4096)
def _midnight(day: str) -> datetime:
    """The start of an ISO date in Europe/Amsterdam, in UTC (a cycle timer's due moment is asked at every step of a
    run; the time zone conversion is most of it). A ValueError is raised, not kept."""
    return datetime.combine(date.fromisoformat(day), time(0), NL).astimezone(UTC)


def _moment(value: Any, what: str) -> datetime:
    """A timer value as an aware UTC moment: an ISO date is the start of that day in Europe/Amsterdam."""
    if not isinstance(value, str):
        raise ExpressionError(f"{what}: a timer needs an ISO date or date-time, got {value!r}")
    try:
        if len(value) == 10:
            return _midnight(value)
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ExpressionError(f"{what}: {value!r} is not an ISO date or date-time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=NL)
    return moment.astimezone(UTC)


class _DateTimer(TimeDateEventDefinition):  # type: ignore[misc]
    """timeDate on variables; fires only when told to. State: internal_data['gbi_timer'] = {due, fired}."""

    def __init__(self, name: str, expression: str, element_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(name, expression, **kwargs)
        self.element_id = element_id

    def state(self, my_task: Any) -> dict[str, Any]:
        st: dict[str, Any] | None = my_task.internal_data.get(_TIMER)
        if st is None:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            st = {"due": _moment(value, f"timer {self.name!r}").isoformat(), "fired": False}
            my_task.internal_data[_TIMER] = st
        return st

    def due(self, my_task: Any) -> datetime:
        return datetime.fromisoformat(self.state(my_task)["due"])

    def fire(self, my_task: Any) -> None:
        self.state(my_task)["fired"] = True

    def has_fired(self, my_task: Any) -> bool:
        return bool(self.state(my_task)["fired"])


class _CycleTimer(CycleTimerEventDefinition):  # type: ignore[misc]
    """timeCycle ``R/<date>/P<n>W`` on variables; each firing starts the outgoing path once and moves to the next
    period (counted in days from the start date, so every occurrence is at midnight in Europe/Amsterdam)."""

    def __init__(self, name: str, expression: str, element_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(name, expression, **kwargs)
        self.element_id = element_id

    def state(self, my_task: Any) -> dict[str, Any]:
        st: dict[str, Any] | None = my_task.internal_data.get(_TIMER)
        if st is None:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parts = value.split("/") if isinstance(value, str) else []
            if len(parts) != 3 or parts[0] != "R" or len(parts[1]) != 10:
                raise ExpressionError(f"timer {self.name!r}: expected R/<date>/<period> (use cyclus()), got {value!r}")
            _moment(parts[1], f"timer {self.name!r}")
            st = {"start": parts[1], "days": parse_period(parts[2]).days, "count": 0, "fired": False}
            my_task.internal_data[_TIMER] = st
        return st

    def due(self, my_task: Any) -> datetime:
        st = self.state(my_task)
        day = date.fromisoformat(st["start"]) + timedelta(days=st["days"] * st["count"])
        return _moment(day.isoformat(), self.name)

    def fire(self, my_task: Any) -> None:
        self.state(my_task)["fired"] = True

    def has_fired(self, my_task: Any) -> bool:
        self.state(my_task)
        return False  # the cycle never ends by itself; the boundary event ends with its activity

    def cycle_complete(self, my_task: Any) -> bool:
        st = self.state(my_task)
        if not st["fired"]:
            return False
        st["fired"] = False
        st["count"] += 1
        return True


_Timer = _DateTimer | _CycleTimer


def _install_timers(spec: Any, gateway_children: dict[str, list[str]]) -> None:
    """Swap SpiffWorkflow's wall-clock timers for ours (the model allows only timeDate and timeCycle)."""

    def convert(definition: Any, element_id: str) -> Any:
        kwargs = {"description": definition.description}
        if isinstance(definition, TimeDateEventDefinition):
            return _DateTimer(definition.name, definition.expression, element_id, **kwargs)
        if isinstance(definition, CycleTimerEventDefinition):
            return _CycleTimer(definition.name, definition.expression, element_id, **kwargs)
        if isinstance(definition, TimerEventDefinition):
            raise ModelError(element_id, ["timeDuration timers are not supported"])
        return definition

    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(definition, MultipleEventDefinition):
            children = [output.bpmn_id for output in task_spec.outputs]
            gateway_children[task_spec.name] = children
            definition.event_definitions = [
                convert(d, eid) for d, eid in zip(definition.event_definitions, children, strict=True)
            ]
        elif definition is not None:
            task_spec.event_definition = convert(definition, task_spec.bpmn_id)


# ---------------------------------------------------------------------------------------------------- script engine
class _RestrictedScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """Evaluates the restricted language on process variables; never ``eval``/``exec``."""

    def __init__(self, declared: Mapping[str, VarType]) -> None:
        super().__init__(environment=None)
        self._declared = declared
        self._expressions: dict[str, Expression] = {}
        self._scripts: dict[str, Assignments] = {}

    def validate(self, expression: str) -> None:
        compile_expression(expression)

    def expression(self, source: str) -> Expression:
        compiled = self._expressions.get(source)
        if compiled is None:
            compiled = self._expressions[source] = compile_expression(source)
        return compiled

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        return self.expression(expression).evaluate(_variables(task.workflow))

    def execute(self, task: Any, script: str, external_context: Any = None) -> bool:
        compiled = self._scripts.get(script)
        if compiled is None:
            compiled = self._scripts[script] = compile_script(script)
        variables = _variables(task.workflow)
        result = compiled.execute(variables)
        for name, value in result.items():
            vtype = self._declared.get(name)
            problem = vtype.problem(value) if vtype is not None else None
            if problem:
                raise ExpressionError(f"script of {task.task_spec.bpmn_id!r}: {name} {problem}")
        variables.update(result)
        return True

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise EngineError(f"service task {task.task_spec.bpmn_id!r} must be executed by the process layer")


def _variables(workflow: Any) -> dict[str, Any]:
    top = workflow.top_workflow
    variables: dict[str, Any] = top.data.setdefault(_VARS, {})
    return variables


# ---------------------------------------------------------------------------------------------------- serialization
#: ``base64.urlsafe_b64encode``'s alphabet from ``binascii.b2a_base64``'s.
_URLSAFE = bytes.maketrans(b"+/", b"-_")
#: The types of values JSON holds as they are (SpiffWorkflow's converters return them unchanged).
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _short(task_id: UUID) -> str:
    """The id as 22 characters of URL-safe base64 (no padding): ``urlsafe_b64encode(id.bytes).rstrip(b"=")``."""
    return b2a_base64(task_id.int.to_bytes(16, "big"), newline=False)[:22].translate(_URLSAFE).decode()


def _plain(value: Any) -> bool:
    """Whether ``value`` is plain JSON (dictionaries, lists, text, numbers, booleans, null) that SpiffWorkflow's
    converters would return unchanged: no object they convert (a date, a UUID, an event), no callable or module
    they drop, no tuple or set (which they copy as such), and no dictionary with a ``typename`` key (which their
    restore would read as an object)."""
    kind = type(value)
    if kind in _JSON_SCALARS:
        return True
    if kind is dict:
        return "typename" not in value and all(_plain(v) for v in value.values())
    if kind is list:
        return all(_plain(v) for v in value)
    return False


def _long(short: str) -> UUID:
    return UUID(bytes=base64.urlsafe_b64decode(short + "=="))


class _StateCodec:
    """A compact state: the spec by reference, tasks as a list in tree order.

    Per task ``[id, spec, state, [child indexes], order]`` plus ``{"g": triggered, "i": internal data, "d": data}``
    when not empty: ids as 22-character base64, parents implied by the child lists, and the time of the last state
    change replaced by its rank (SpiffWorkflow only ever compares those times). Values inside internal data (events)
    go through SpiffWorkflow's own converters.
    """

    def __init__(self) -> None:
        config = dict(SPIFF_CONFIG)
        config[_DateTimer] = TimerConditionalEventDefinitionConverter
        config[_CycleTimer] = TimerConditionalEventDefinitionConverter
        self.registry = BpmnWorkflowSerializer.configure(config)

    # -- encode
    def encode(self, workflow: Any) -> dict[str, Any]:
        dct = self._encode_workflow(workflow)
        subprocesses = {}
        for task_id, sub in workflow.subprocesses.items():
            sub_dct = self._encode_workflow(sub)
            sub_dct["spec"] = sub.spec.name
            subprocesses[_short(task_id)] = sub_dct
        if subprocesses:
            dct["subprocesses"] = subprocesses
        if workflow.bpmn_events:
            dct["events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def _convert(self, value: dict[str, Any]) -> Any:
        """``registry.convert(registry.clean(value))``; plain JSON as it is (what those would return, unchanged)."""
        if _plain(value):
            return value
        return self.registry.convert(self.registry.clean(value))

    def _encode_workflow(self, workflow: Any) -> dict[str, Any]:
        # Tree order, each task with its children as tasks (one lookup of each child id), indexes by identity.
        tasks_by_id = workflow.tasks
        order: list[tuple[Any, list[Any]]] = []
        stack = [workflow.task_tree]
        while stack:
            task = stack.pop()
            children = [tasks_by_id[c] for c in task._children]
            order.append((task, children))
            stack.extend(reversed(children))
        if len(order) != len(tasks_by_id):
            raise StateError("the task tree has tasks outside the tree; cannot serialize")
        index = {id(task): i for i, (task, _) in enumerate(order)}
        ranks = {v: r for r, v in enumerate(sorted({t.last_state_change for t, _ in order}))}
        tasks: list[list[Any]] = []
        for task, children in order:
            entry: list[Any] = [
                _short(task.id),
                task.task_spec.name,
                task.state,
                [index[id(c)] for c in children],
                ranks[task.last_state_change],
            ]
            extra: dict[str, Any] = {}
            if task.triggered:
                extra["g"] = 1
            if task.internal_data:
                extra["i"] = self._convert(task.internal_data)
            if task.data:
                extra["d"] = self._convert(task.data)
            if extra:
                entry.append(extra)
            tasks.append(entry)
        dct: dict[str, Any] = {"tasks": tasks}
        data = self._convert(workflow.data)
        if data:
            dct["data"] = data
        if workflow.correlations:
            dct["correlations"] = workflow.correlations
        last = tasks_by_id.get(workflow.last_task.id) if workflow.last_task is not None else None
        if last is not None:
            dct["last"] = index[id(last)]
        if not workflow.success:
            dct["success"] = False
        if workflow.completed:
            dct["completed"] = True
        return dct

    # -- decode
    def _restore(self, value: Any) -> Any:
        """``registry.restore(value)`` of a value just read from the state; plain JSON as it is (restore would return
        an equal copy of it)."""
        if _plain(value):
            return value
        return self.registry.restore(value)

    def decode(self, dct: Mapping[str, Any], spec: Any, subprocess_specs: Mapping[str, Any]) -> Any:
        workflow = _Workflow(spec, dict(subprocess_specs), deserializing=True)
        self._decode_workflow(workflow, dct, workflow)
        pending = dict(dct.get("subprocesses", {}))
        parents = [workflow]
        while parents:
            parent = parents.pop()
            for task in list(parent.tasks.values()):
                sub_dct = pending.pop(_short(task.id), None)
                if sub_dct is None:
                    continue
                sub = _SubWorkflow(subprocess_specs[sub_dct["spec"]], task.id, workflow, deserializing=True)
                self._decode_workflow(sub, sub_dct, workflow)
                workflow.subprocesses[task.id] = sub
                sub.completed_event.connect(task.task_spec._on_subworkflow_completed, task)
                parents.append(sub)
        if pending:
            raise StateError(f"subprocesses without a parent task: {sorted(pending)}")
        workflow.bpmn_events = self.registry.restore(dct.get("events", []))
        return workflow

    def _decode_workflow(self, workflow: Any, dct: Mapping[str, Any], top: Any) -> None:
        entries = dct["tasks"]
        tasks = []
        for entry in entries:
            short, spec_name, state, _, rank = entry[:5]
            task_spec = workflow.spec.task_specs[spec_name]
            task = Task(workflow, task_spec, state=state, id=_long(short))
            task.last_state_change = float(rank)
            extra = entry[5] if len(entry) > 5 else {}
            task.triggered = bool(extra.get("g", False))
            task.internal_data = self._restore(extra.get("i", {}))
            task.data = self._restore(extra.get("d", {}))
            tasks.append(task)
        for task, entry in zip(tasks, entries, strict=True):
            task._children = [tasks[i].id for i in entry[3]]
            for i in entry[3]:
                tasks[i]._parent = task.id
        for task in tasks:
            if isinstance(task.task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
                top.event_manager.add_task(task)
        workflow.task_tree = tasks[0]
        workflow.data = self._restore(dct.get("data", {}))
        workflow.correlations = dict(dct.get("correlations", {}))
        workflow.last_task = tasks[dct["last"]] if "last" in dct else None
        workflow.success = bool(dct.get("success", True))
        workflow.completed = bool(dct.get("completed", False))


# ------------------------------------------------------------------------------------------------------ definitions
@dataclass(frozen=True)
class _Compiled:
    definition: ProcessDefinition
    spec: Any
    subprocess_specs: Mapping[str, Any]
    gateway_children: Mapping[str, list[str]]
    script_engine: _RestrictedScriptEngine

    def element(self, task: Any) -> Element:
        return self.definition.model.elements[task.task_spec.bpmn_id]


def _compile(definition: ProcessDefinition) -> _Compiled:
    parser = _Parser(validator=VALIDATOR)
    try:
        parser.add_bpmn_str(definition.xml, filename=definition.source)
        spec = parser.get_spec(definition.name)
        subprocess_specs = parser.get_subprocess_specs(definition.name)
    except ValidationException as exc:
        raise ModelError(definition.source, [str(exc)]) from exc
    gateway_children: dict[str, list[str]] = {}
    for s in [spec, *subprocess_specs.values()]:
        _install_timers(s, gateway_children)
    engine = _RestrictedScriptEngine(declared_variables(definition.model))
    return _Compiled(definition, spec, subprocess_specs, gateway_children, engine)


class _NotPlain(Exception):
    """A value :func:`_plain_copy` leaves to the JSON round trip."""


def _plain_copy(value: Any) -> Any:
    """A deep copy of plain JSON (dictionaries with text keys, lists, text, integers, finite floats, booleans,
    null), equal to ``json.loads(json.dumps(value))``, without writing and reading the text. Anything else (a tuple,
    a subclass, a key that is not text, NaN) raises :class:`_NotPlain`: the round trip converts or refuses it."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        if isfinite(value):
            return value
        raise _NotPlain
    if kind is dict:
        copied = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            copied[key] = _plain_copy(item)
        return copied
    if kind is list:
        return [_plain_copy(item) for item in value]
    raise _NotPlain


def _id_text(task: Any) -> str:
    """``str(task.id)``, kept on the task (a task's id never changes; the items of every step name their task)."""
    kept = task.__dict__.get("_gbi_id_text")
    if kept is not None and kept[0] is task.id:
        return str(kept[1])
    text = str(task.id)
    task._gbi_id_text = (task.id, text)
    return text


def _json_copy(values: Mapping[str, Any] | None, what: str) -> dict[str, Any]:
    try:
        plain: dict[str, Any] = _plain_copy(dict(values or {}))
        return plain
    except (_NotPlain, RecursionError):
        pass  # (the round trip converts, refuses, or raises as ever)
    try:
        copied = json.loads(json.dumps(dict(values or {}), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidVariablesError(f"{what}: values must be JSON (text, numbers, booleans, lists, objects)") from exc
    assert isinstance(copied, dict)
    return copied


def _dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON: orjson, or the standard library for what orjson does not take (an integer beyond 64
    bits, which a variable may hold)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _check(declared: Mapping[str, VarType], values: Mapping[str, Any], what: str) -> None:
    problems = [f"{k!r} is not declared" for k in values if k not in declared]
    for name, vtype in declared.items():
        if name not in values:
            if not vtype.optional:
                problems.append(f"{name!r} ({vtype.describe()}) is missing")
            continue
        problem = vtype.problem(values[name])
        if problem:
            problems.append(f"{name!r} {problem}")
    if problems:
        raise InvalidVariablesError(f"{what}: " + "; ".join(problems))


def _engine_error(exc: BaseException) -> EngineError:
    """The first EngineError in the chain (ours, raised inside SpiffWorkflow), else a wrapper of the original."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, EngineError):
            return seen
        inner = getattr(seen, "exception", None)
        seen = inner if isinstance(inner, BaseException) else (seen.__cause__ or seen.__context__)
    return EngineError(f"{type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------------------------------------- instance
class SpiffInstance:
    """One process instance; see :class:`gbi_process.engine.interface.ProcessInstance`."""

    def __init__(self, engine: SpiffEngine, compiled: _Compiled, workflow: Any) -> None:
        self._engine = engine
        self._compiled = compiled
        self._wf = workflow
        self._broken: EngineError | None = None
        #: The READY tasks, walked once between engine steps (only an engine step changes a task's state).
        self._ready: list[Any] | None = None

    # -- state
    @property
    def definition(self) -> DefinitionRef:
        return self._compiled.definition.ref

    @property
    def is_completed(self) -> bool:
        self._usable()
        return bool(self._wf.is_completed())

    @property
    def variables(self) -> Mapping[str, Any]:
        self._usable()
        variables = _variables(self._wf)
        try:
            plain: dict[str, Any] = _plain_copy(variables)
            return plain
        except (_NotPlain, RecursionError):
            pass
        copied: dict[str, Any] = json.loads(_dumps(variables))  # (orjson reads big integers as floats)
        return copied

    def serialize(self) -> bytes:
        self._usable()
        doc = {
            "format": STATE_FORMAT,
            "engine": self._engine.name,
            "definition": {"name": self.definition.name, "version": self.definition.version},
            "workflow": self._engine._codec.encode(self._wf),
        }
        return _dumps(doc)

    # -- service tasks
    def ready_service_tasks(self) -> list[ServiceTaskItem]:
        self._usable()
        items = []
        for task in self._ready_tasks():
            if isinstance(task.task_spec, _ExternalServiceTask):
                element = self._compiled.element(task)
                retry_at = task.internal_data.get("gbi_retry_at")
                items.append(
                    ServiceTaskItem(
                        task_id=_id_text(task),
                        element=element.id,
                        handler=str(task.task_spec.handler),
                        name=element.name,
                        outputs={k: v.describe() for k, v in element.outputs.items()},
                        attempts=int(task.internal_data.get("gbi_attempts", 0)),
                        last_error=task.internal_data.get("gbi_error"),
                        retry_at=datetime.fromisoformat(retry_at) if retry_at else None,
                        incident=bool(task.internal_data.get("gbi_incident", False)),
                    )
                )
        return items

    def complete_service_task(self, task_id: str, result: Mapping[str, Any] | None = None) -> Completion:
        self._usable()
        task = self._task(task_id, _ExternalServiceTask)
        done = self._finished(task)
        if done is not None:
            return done
        element = self._compiled.element(task)
        values = _json_copy(result, f"result of {element.id!r}")
        _check(element.outputs, values, f"result of {element.id!r}")
        with self._step():
            _variables(self._wf).update(values)
            for key in ("gbi_attempts", "gbi_error", "gbi_retry_at", "gbi_incident"):
                task.internal_data.pop(key, None)
            task.run()
            self._wf.do_engine_steps()
        return Completion.COMPLETED

    def fail_service_task(self, task_id: str, error: str, *, retry_at: datetime | None = None) -> None:
        self._usable()
        task = self._task(task_id, _ExternalServiceTask)
        if task.state != TaskState.READY:
            raise TaskNotReadyError(f"task {task_id} is {TaskState.get_name(task.state)}, not ready")
        if retry_at is not None and retry_at.tzinfo is None:
            raise ValueError("retry_at must be timezone-aware")
        task.internal_data["gbi_attempts"] = int(task.internal_data.get("gbi_attempts", 0)) + 1
        task.internal_data["gbi_error"] = error[:1000]
        task.internal_data["gbi_retry_at"] = retry_at.astimezone(UTC).isoformat() if retry_at else None
        task.internal_data["gbi_incident"] = retry_at is None

    def retry_service_task(self, task_id: str) -> None:
        self._usable()
        task = self._task(task_id, _ExternalServiceTask)
        if task.state != TaskState.READY:
            raise TaskNotReadyError(f"task {task_id} is {TaskState.get_name(task.state)}, not ready")
        task.internal_data["gbi_incident"] = False
        task.internal_data["gbi_retry_at"] = None

    # -- user tasks
    def ready_user_tasks(self) -> list[UserTaskItem]:
        self._usable()
        items = []
        for task in self._ready_tasks():
            if isinstance(task.task_spec, _InboxUserTask):
                element = self._compiled.element(task)
                outcome_type = element.outputs.get(element.outcome_variable or "")
                items.append(
                    UserTaskItem(
                        task_id=_id_text(task),
                        element=element.id,
                        name=element.name,
                        rol=str(element.rol),
                        due=self._due_date(element),
                        outcomes=outcome_type.values if outcome_type else (),
                        outputs={k: v.describe() for k, v in element.outputs.items() if k != element.outcome_variable},
                        excluded_actors=self._excluded_actors(element),
                    )
                )
        return items

    def complete_user_task(
        self,
        task_id: str,
        outcome: str | None = None,
        variables: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
    ) -> Completion:
        self._usable()
        task = self._task(task_id, _InboxUserTask)
        done = self._finished(task)
        if done is not None:
            return done
        element = self._compiled.element(task)
        values = _json_copy(variables, f"variables of {element.id!r}")
        if element.outcome_variable is None:
            if outcome is not None:
                raise InvalidVariablesError(f"{element.id!r} has no outcome; complete it with outcome=None")
        else:
            if element.outcome_variable in values:
                raise InvalidVariablesError(f"pass the outcome of {element.id!r} as outcome, not as a variable")
            values[element.outcome_variable] = outcome
        _check(element.outputs, values, f"completion of {element.id!r}")
        if element.distinct_from:
            excluded = self._excluded_actors(element)
            if actor is None and excluded:
                raise ActorNotAllowedError(f"{element.id!r} is a 4-eyes check: the actor must be given")
            if actor is not None and actor in excluded:
                raise ActorNotAllowedError(
                    f"{element.id!r} must be completed by someone else than who completed "
                    f"{', '.join(element.distinct_from)}"
                )
        with self._step():
            _variables(self._wf).update(values)
            if actor is not None:
                task.internal_data["gbi_actor"] = actor
            task.run()
            self._wf.do_engine_steps()
        return Completion.COMPLETED

    # -- timers
    def waiting_timers(self) -> list[TimerItem]:
        self._usable()
        items = []
        for task, timer in self._timers():
            items.append(
                TimerItem(
                    task_id=_id_text(task),
                    element=str(timer.element_id),
                    name=self._compiled.definition.model.elements[str(timer.element_id)].name,
                    due=timer.due(task),
                    recurring=isinstance(timer, _CycleTimer),
                )
            )
        return items

    def fire_timer(self, task_id: str, *, now: datetime, due: datetime | None = None) -> Completion:
        self._usable()
        if now.tzinfo is None or (due is not None and due.tzinfo is None):
            raise ValueError("now and due must be timezone-aware")
        task = self._task(task_id, None)
        if task.state == TaskState.COMPLETED:
            return Completion.ALREADY_COMPLETED
        if task.state == TaskState.CANCELLED:
            return Completion.WITHDRAWN
        timer = next((t for wt, t in self._timers() if wt.id == task.id), None)
        if timer is None:
            raise TaskNotReadyError(f"task {task_id} is not waiting for a timer")
        current = timer.due(task)
        if due is not None and due < current:
            return Completion.ALREADY_COMPLETED  # that occurrence of a cycle has fired before
        if now < current or (due is not None and due > current):
            raise TimerNotDueError(f"timer {timer.element_id!r} is due {current.isoformat()}, not yet at {now}")
        with self._step():
            timer.fire(task)
            task.task_spec._update(task)
            self._wf.do_engine_steps()
        return Completion.COMPLETED

    def next_due(self) -> datetime | None:
        moments = [t.due for t in self.waiting_timers()]
        moments += [i.retry_at for i in self.ready_service_tasks() if i.retry_at is not None and not i.incident]
        return min(moments, default=None)

    # -- messages
    def waiting_messages(self) -> list[MessageItem]:
        self._usable()
        elements = self._compiled.definition.model.elements
        items = []
        for task, element_id, definition in self._message_waits():
            element = elements[element_id]
            items.append(
                MessageItem(
                    task_id=_id_text(task),
                    element=element_id,
                    name=element.name,
                    message=definition.name,
                    outputs={k: v.describe() for k, v in element.outputs.items()},
                )
            )
        return items

    def receive_message(
        self, message: str, variables: Mapping[str, Any] | None = None, *, task_id: str | None = None
    ) -> bool:
        self._usable()
        waits = [
            (task, eid, d)
            for task, eid, d in self._message_waits()
            if d.name == message and (task_id is None or _id_text(task) == task_id)
        ]
        if not waits:
            return False
        task, element_id, definition = waits[0]
        element = self._compiled.definition.model.elements[element_id]
        values = _json_copy(variables, f"message {message!r}")
        _check(element.outputs, values, f"message {message!r}")
        with self._step():
            _variables(self._wf).update(values)
            task.task_spec.catch(task, BpmnEvent(definition))
            task.task_spec._update(task)
            self._wf.do_engine_steps()
        return True

    # -- helpers
    def _usable(self) -> None:
        if self._broken is not None:
            raise StateError(f"this instance failed a step ({self._broken}); restore it from its last saved state")

    @contextmanager
    def _step(self) -> Iterator[None]:
        """Run engine steps; any failure makes the in-memory instance unusable (restore from the saved state)."""
        self._ready = None
        try:
            yield
            # Events nobody in the model catches (only the terminate end event: validation allows no other throw)
            # would pile up in the state; there is no outside party to hand them to.
            self._wf.get_events()
        except Exception as exc:
            error = _engine_error(exc)
            self._broken = error
            if error is exc:
                raise
            raise error from exc
        finally:
            self._ready = None

    def _ready_tasks(self) -> list[Any]:
        if self._ready is None:
            self._ready = list(self._tasks(TaskState.READY))
        return self._ready

    def _tasks(self, state: int) -> Iterator[Any]:
        yield from self._wf.get_tasks(state=state)  # descends into running subprocesses

    def _task(self, task_id: str, kind: type | None) -> Any:
        try:
            task = self._wf.get_task_from_id(UUID(task_id))
        except (ValueError, TaskNotFoundException):
            raise UnknownTaskError(f"no task {task_id!r} in this instance") from None
        if task is None:
            raise UnknownTaskError(f"no task {task_id!r} in this instance")
        if kind is not None and not isinstance(task.task_spec, kind):
            raise TaskNotReadyError(f"task {task_id} ({task.task_spec.bpmn_id}) is not a {kind.__name__.strip('_')}")
        return task

    @staticmethod
    def _finished(task: Any) -> Completion | None:
        if task.state == TaskState.COMPLETED:
            return Completion.ALREADY_COMPLETED
        if task.state == TaskState.CANCELLED:
            return Completion.WITHDRAWN
        if task.state != TaskState.READY:
            raise TaskNotReadyError(f"task {task.id} ({task.task_spec.bpmn_id}) is {TaskState.get_name(task.state)}")
        return None

    def _waiting(self) -> Iterator[Any]:
        for task in list(self._wf.event_manager.tasks.values()):
            if task.state == TaskState.WAITING:
                yield task

    def _timers(self) -> Iterator[tuple[Any, _Timer]]:
        for task in self._waiting():
            definition = task.task_spec.event_definition
            if isinstance(definition, _DateTimer | _CycleTimer):
                yield task, definition
            elif isinstance(definition, MultipleEventDefinition):
                for d in definition.event_definitions:
                    if isinstance(d, _DateTimer | _CycleTimer):
                        yield task, d

    def _message_waits(self) -> Iterator[tuple[Any, str, Any]]:
        for task in self._waiting():
            definition = task.task_spec.event_definition
            if isinstance(definition, MessageEventDefinition):
                yield task, task.task_spec.bpmn_id, definition
            elif isinstance(definition, MultipleEventDefinition):
                children = self._compiled.gateway_children[task.task_spec.name]
                for d, element_id in zip(definition.event_definitions, children, strict=True):
                    if isinstance(d, MessageEventDefinition):
                        yield task, element_id, d

    def _due_date(self, element: Element) -> date | None:
        if element.due is None:
            return None
        value = element.due.evaluate(_variables(self._wf))
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise ExpressionError(f"termijn of {element.id!r} is not an ISO date: {value!r}") from exc

    def _excluded_actors(self, element: Element) -> frozenset[str]:
        if not element.distinct_from:
            return frozenset()
        actors: set[str] = set()
        for task in self._tasks(TaskState.COMPLETED):
            if task.task_spec.bpmn_id in element.distinct_from and "gbi_actor" in task.internal_data:
                actors.add(str(task.internal_data["gbi_actor"]))
        return frozenset(actors)


# ----------------------------------------------------------------------------------------------------------- engine
class SpiffEngine:
    """The engine: parses every registered definition once (fail fast at start-up) and starts or restores instances."""

    def __init__(self, registry: DefinitionRegistry) -> None:
        self._registry = registry
        self._compiled: dict[DefinitionRef, _Compiled] = {d.ref: _compile(d) for d in registry}
        self._codec = _StateCodec()

    @property
    def name(self) -> str:
        return f"SpiffWorkflow {spiff_version.__version__}"

    @property
    def registry(self) -> DefinitionRegistry:
        return self._registry

    def start(self, definition: DefinitionRef | str, variables: Mapping[str, Any]) -> SpiffInstance:
        compiled = self._compiled[self._registry.get(definition).ref]
        values = _json_copy(variables, "start variables")
        _check(compiled.definition.model.inputs, values, f"start of {compiled.definition.ref}")
        workflow = _Workflow(compiled.spec, dict(compiled.subprocess_specs), script_engine=compiled.script_engine)
        workflow.data[_VARS] = values
        instance = SpiffInstance(self, compiled, workflow)
        with instance._step():
            workflow.do_engine_steps()
        return instance

    def restore(self, state: bytes) -> SpiffInstance:
        try:
            doc = json.loads(state)  # (not orjson, which reads an integer beyond 64 bits as a float)
            fmt, definition, workflow_dct = doc["format"], doc["definition"], doc["workflow"]
            ref = DefinitionRef(str(definition["name"]), str(definition["version"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise StateError("not a process state of this engine") from exc
        if fmt != STATE_FORMAT:
            raise StateError(f"state format {fmt!r} is not {STATE_FORMAT!r}")
        compiled = self._compiled[self._registry.get(ref).ref]
        if doc.get("engine") != self.name:
            raise StateError(f"state of {doc.get('engine')!r} cannot be restored by {self.name!r} (migrate it first)")
        try:
            workflow = self._codec.decode(workflow_dct, compiled.spec, compiled.subprocess_specs)
        except Exception as exc:
            raise StateError(f"cannot restore the state of {ref}: {type(exc).__name__}: {exc}") from exc
        workflow.script_engine = compiled.script_engine
        return SpiffInstance(self, compiled, workflow)

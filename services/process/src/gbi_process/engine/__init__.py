"""The process engine adapter: BPMN models from ``orchestration/`` executed behind an engine-agnostic interface.

Start-up::

    registry = DefinitionRegistry.from_directory(Path("orchestration"))   # validates every model, fails fast
    engine = SpiffEngine(registry)                                       # parses every model once

Per case::

    instance = engine.start("alo", {"meldingsdatum": "2026-01-05", ...})
    state = instance.serialize()                      # persist (definition by name and version, never embedded)
    instance = engine.restore(state)
    for item in instance.ready_service_tasks(): ...   # execute the handler idempotently, then complete it

See :mod:`gbi_process.engine.interface` for the contract and ``orchestration/README.md`` for the models.
"""

from gbi_process.engine.catalog import HANDLERS, ROLES
from gbi_process.engine.errors import (
    ActorNotAllowedError,
    DefinitionNotFoundError,
    EngineError,
    ExpressionError,
    InvalidVariablesError,
    ModelError,
    StateError,
    TaskNotReadyError,
    TimerNotDueError,
    UnknownTaskError,
)
from gbi_process.engine.interface import (
    Completion,
    DefinitionRef,
    MessageItem,
    ProcessEngine,
    ProcessInstance,
    ServiceTaskItem,
    TimerItem,
    UserTaskItem,
)
from gbi_process.engine.registry import DefinitionRegistry, ProcessDefinition
from gbi_process.engine.spiff import SpiffEngine, SpiffInstance

__all__ = [
    "HANDLERS",
    "ROLES",
    "ActorNotAllowedError",
    "Completion",
    "DefinitionNotFoundError",
    "DefinitionRef",
    "DefinitionRegistry",
    "EngineError",
    "ExpressionError",
    "InvalidVariablesError",
    "MessageItem",
    "ModelError",
    "ProcessDefinition",
    "ProcessEngine",
    "ProcessInstance",
    "ServiceTaskItem",
    "SpiffEngine",
    "SpiffInstance",
    "StateError",
    "TaskNotReadyError",
    "TimerItem",
    "TimerNotDueError",
    "UnknownTaskError",
    "UserTaskItem",
]

"""The errors of the engine adapter; the process layer maps them onto its own HTTP problems.

::

    EngineError                  base
    +-- ModelError               a model breaks the rules (raised at start-up, never at run time); lists every problem
    +-- DefinitionNotFoundError  no definition with that name (and version) is registered
    +-- StateError               a serialized state cannot be restored (format, engine or definition mismatch)
    +-- UnknownTaskError         no task with that id in this instance                       (suggested 404)
    +-- TaskNotReadyError        the task exists but cannot be completed now, or is of
    |                            another kind (a user task completed as a service task)       (suggested 409)
    +-- InvalidVariablesError    variables break the declarations of the model                (suggested 422)
    +-- TimerNotDueError         a timer fired before its due moment                          (suggested 409)
    +-- ActorNotAllowedError     4-eyes: the actor completed the task this one checks         (suggested 403)
    +-- ExpressionError          a condition, script or timer expression failed at run time   (a model bug: 500)

Engine errors never leak the engine's own exceptions: the original is chained as ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ActorNotAllowedError",
    "DefinitionNotFoundError",
    "EngineError",
    "ExpressionError",
    "InvalidVariablesError",
    "ModelError",
    "StateError",
    "TaskNotReadyError",
    "TimerNotDueError",
    "UnknownTaskError",
]


class EngineError(Exception):
    """Base of every error the engine adapter raises."""


class ModelError(EngineError):
    """A model breaks the rules; ``problems`` lists every problem found, not only the first."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        listed = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s) in the model:\n{listed}")


class DefinitionNotFoundError(EngineError):
    pass


class StateError(EngineError):
    pass


class UnknownTaskError(EngineError):
    pass


class TaskNotReadyError(EngineError):
    pass


class InvalidVariablesError(EngineError):
    pass


class TimerNotDueError(EngineError):
    pass


class ActorNotAllowedError(EngineError):
    pass


class ExpressionError(EngineError):
    pass

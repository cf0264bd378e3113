"""The engine-agnostic interface the process layer programs against; SpiffWorkflow is one implementation.

An instance never executes a side effect itself. It tells what is ready or waiting, and is told what happened:

- **service tasks** (cold) are work items: the process layer executes the handler outside the engine, idempotently
  (idempotency key: the instance id plus ``task_id``), then calls :meth:`ProcessInstance.complete_service_task`;
- **user tasks** (warm) go to a role's inbox and come back with an outcome;
- **timers** are due moments: the process layer's scheduler (with its movable clock) calls ``fire_timer``;
- **messages** (the applicant delivered the documents) are handed in with ``receive_message``.

Durability contract (the process layer keeps it): persist :meth:`ProcessInstance.serialize` after every call that
changed the instance, in the same transaction that claims the work, and execute only work items read from a
persisted state. Task ids are then stable: a crash before the persist replays from the previous state, where the
same task (same id, same idempotency key) is ready again. If a call raises an :class:`EngineError` other than
the input checks (unknown or not-ready task, invalid variables, timer not due, actor not allowed), the in-memory
instance is unusable (it refuses further calls): restore it from the last persisted state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "Completion",
    "DefinitionRef",
    "MessageItem",
    "ProcessEngine",
    "ProcessInstance",
    "ServiceTaskItem",
    "TimerItem",
    "UserTaskItem",
]


@dataclass(frozen=True, order=True)
class DefinitionRef:
    """A process definition by name (the BPMN process id) and version (hash of the reviewed model file)."""

    name: str
    version: str

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


class Completion(StrEnum):
    COMPLETED = "completed"
    ALREADY_COMPLETED = "already_completed"  # the same task id was completed (or the timer fired) before: no-op
    WITHDRAWN = "withdrawn"  # the process cancelled the task meanwhile (e.g. the decision ended a deadline): no-op


@dataclass(frozen=True)
class ServiceTaskItem:
    """A cold step ready to be executed by the process layer."""

    task_id: str
    element: str  # BPMN element id: the stable step name in the model
    handler: str
    name: str | None
    outputs: Mapping[str, str]  # variable -> declared type the handler must return
    attempts: int = 0  # failed attempts so far
    last_error: str | None = None
    retry_at: datetime | None = None  # do not retry before (UTC); None: now
    incident: bool = False  # failed for good: a person must look (retry_service_task re-arms it)


@dataclass(frozen=True)
class UserTaskItem:
    """A warm step for a role's inbox."""

    task_id: str
    element: str
    name: str | None
    rol: str
    due: date | None
    outcomes: tuple[str, ...]  # empty: the task has no outcome, complete it with outcome=None
    outputs: Mapping[str, str]  # variables the completion must (or, when optional, may) provide
    excluded_actors: frozenset[str] = field(default_factory=frozenset)  # 4-eyes: these may not complete it


@dataclass(frozen=True)
class TimerItem:
    """A timer the process waits for; due is timezone-aware UTC."""

    task_id: str
    element: str
    name: str | None
    due: datetime
    recurring: bool = False


@dataclass(frozen=True)
class MessageItem:
    """A message the process waits for."""

    task_id: str
    element: str
    name: str | None
    message: str
    outputs: Mapping[str, str]


@runtime_checkable
class ProcessInstance(Protocol):
    @property
    def definition(self) -> DefinitionRef: ...

    @property
    def is_completed(self) -> bool: ...

    @property
    def variables(self) -> Mapping[str, Any]:
        """The process variables (a read-only copy, JSON values)."""
        ...

    def ready_service_tasks(self) -> list[ServiceTaskItem]: ...

    def complete_service_task(self, task_id: str, result: Mapping[str, Any] | None = None) -> Completion: ...

    def fail_service_task(self, task_id: str, error: str, *, retry_at: datetime | None = None) -> None:
        """Record a failed attempt; without ``retry_at`` the task becomes an incident."""
        ...

    def retry_service_task(self, task_id: str) -> None: ...

    def ready_user_tasks(self) -> list[UserTaskItem]: ...

    def complete_user_task(
        self,
        task_id: str,
        outcome: str | None = None,
        variables: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
    ) -> Completion: ...

    def waiting_timers(self) -> list[TimerItem]: ...

    def fire_timer(self, task_id: str, *, now: datetime, due: datetime | None = None) -> Completion:
        """Fire a due timer; ``due`` (from the TimerItem) makes a repeated firing of the same occurrence a no-op."""
        ...

    def next_due(self) -> datetime | None:
        """The earliest moment the instance needs the scheduler without outside input: a timer or a retry (UTC)."""
        ...

    def waiting_messages(self) -> list[MessageItem]: ...

    def receive_message(
        self, message: str, variables: Mapping[str, Any] | None = None, *, task_id: str | None = None
    ) -> bool:
        """Hand a message in; False when nothing waits for it (nothing changed)."""
        ...

    def serialize(self) -> bytes:
        """The instance state; the definition is referenced by name and version, never embedded."""
        ...


@runtime_checkable
class ProcessEngine(Protocol):
    @property
    def name(self) -> str:
        """Engine and exact version, e.g. 'SpiffWorkflow 3.2.0'."""
        ...

    def start(self, definition: DefinitionRef | str, variables: Mapping[str, Any]) -> ProcessInstance:
        """Start an instance of a definition (a name means the current version) and run it to its first wait."""
        ...

    def restore(self, state: bytes) -> ProcessInstance:
        """An instance from :meth:`ProcessInstance.serialize`, with its definition looked up in the registry."""
        ...

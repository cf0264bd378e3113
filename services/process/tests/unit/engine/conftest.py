"""Fixtures of the engine adapter tests: the real ALO model from ``orchestration/`` and a driver that plays the
process layer (executes handlers, completes user tasks, fires timers with a movable clock), optionally saving and
restoring the instance after every step as a crash or restart would."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gbi_process.engine import (
    Completion,
    DefinitionRegistry,
    SpiffEngine,
    SpiffInstance,
)

ORCHESTRATION = Path(__file__).resolve().parents[5] / "orchestration"
ALO = ORCHESTRATION / "alo.bpmn"
NL = ZoneInfo("Europe/Amsterdam")


def midnight(day: str) -> datetime:
    """The start of a legal day in the Netherlands, as a UTC moment (how timers on dates are due)."""
    return datetime.combine(date.fromisoformat(day), time(0), NL).astimezone(UTC)


# What each handler returns on the straight-through toekenning path; tests override per path.
STP_RESULTS: dict[str, dict[str, Any]] = {
    "zaak.registreren": {"zaak_id": "ZAAK-1"},
    "zoektermijn.bepalen": {"zoektermijn": False},
    "bronnen.ophalen": {"bronnen_compleet": True},
    "berekening.uitvoeren": {"besluit_voorstel": "toekenning", "bedrag_cents": 133142},
    "risico.beoordelen": {"stp": True, "intake_nodig": False, "documenten_nodig": False, "huisbezoek_nodig": False},
    "herstelverzoek.versturen": {},
    "vierogen.bepalen": {"vierogen_nodig": False},
    "besluit.vastleggen": {"besluit_id": "BESLUIT-1"},
    "beschikking.maken": {"beschikking_id": "BESCHIKKING-1"},
    "uitkering.registreren": {"uitkering_id": "UITKERING-1"},
    "notificatie.versturen": {},
    "voorschot.beoordelen": {"voorschot_betaald": True},
    "verdaging.versturen": {"beslistermijn_einde": "2026-04-13"},
}

WARM = {"stp": False, "intake_nodig": False, "documenten_nodig": False, "huisbezoek_nodig": False}


def start_variables(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "aanvraag_id": "AANVRAAG-1",
        "gemeente": "0363",
        "meldingsdatum": "2026-01-05",
        "aanvraagdatum": "2026-01-05",
        "signaleringstermijn_dagen": 7,
    }
    values.update(overrides)
    return values


@dataclass
class Driver:
    """Plays the process layer against one instance; ``restore_every_step`` saves and restores after every call."""

    engine: SpiffEngine
    instance: SpiffInstance
    restore_every_step: bool
    results: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(STP_RESULTS))
    log: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    #: The id of every task the driver completed or fired, in order.
    ids: list[str] = field(default_factory=list)

    def _saved(self) -> None:
        state = self.instance.serialize()
        self.sizes.append(len(state))
        if self.restore_every_step:
            self.instance = self.engine.restore(state)

    def handlers(self) -> list[str]:
        return [item.handler for item in self.instance.ready_service_tasks()]

    def service(self, handler: str, result: Mapping[str, Any] | None = None) -> Completion:
        items = [i for i in self.instance.ready_service_tasks() if i.handler == handler]
        assert len(items) == 1, f"expected one ready {handler}, ready: {self.handlers()}"
        outcome = self.instance.complete_service_task(items[0].task_id, result or self.results[handler])
        self.ids.append(items[0].task_id)
        self.log.append(handler)
        self._saved()
        return outcome

    def run_cold(self, *, stop_at: Callable[[str], bool] = lambda _: False) -> None:
        """Complete ready service tasks (main path first, voorschot last) until none is ready."""
        while True:
            ready = [i for i in self.instance.ready_service_tasks() if not stop_at(i.handler)]
            if not ready:
                return
            ready.sort(key=lambda i: i.handler == "voorschot.beoordelen")
            self.service(ready[0].handler)

    def user(
        self, element: str, outcome: str | None = None, variables: Mapping[str, Any] | None = None, **kw: Any
    ) -> Completion:
        items = [t for t in self.instance.ready_user_tasks() if t.element == element]
        assert len(items) == 1, f"expected one ready {element}, ready: {self.user_tasks()}"
        result = self.instance.complete_user_task(items[0].task_id, outcome, variables, **kw)
        self.ids.append(items[0].task_id)
        self.log.append(f"{element}:{outcome}")
        self._saved()
        return result

    def user_tasks(self) -> list[str]:
        return [t.element for t in self.instance.ready_user_tasks()]

    def timers(self) -> dict[str, datetime]:
        return {t.element: t.due for t in self.instance.waiting_timers()}

    def fire(self, element: str, now: datetime | None = None) -> Completion:
        timer = next(t for t in self.instance.waiting_timers() if t.element == element)
        result = self.instance.fire_timer(timer.task_id, now=now or timer.due, due=timer.due)
        self.ids.append(f"timer:{timer.task_id}")  # a cycle timer fires again under its id
        self.log.append(f"timer:{element}")
        self._saved()
        return result

    def message(self, name: str, variables: Mapping[str, Any] | None = None) -> bool:
        received = self.instance.receive_message(name, variables)
        self.log.append(f"message:{name}")
        self._saved()
        return received


@pytest.fixture(scope="session")
def registry() -> DefinitionRegistry:
    return DefinitionRegistry.from_directory(ORCHESTRATION)


@pytest.fixture(scope="session")
def engine(registry: DefinitionRegistry) -> SpiffEngine:
    return SpiffEngine(registry)


@pytest.fixture
def drive(engine: SpiffEngine) -> Callable[..., Driver]:
    def make(restore_every_step: bool = False, **variables: Any) -> Driver:
        driver = Driver(engine, engine.start("alo", start_variables(**variables)), restore_every_step)
        driver._saved()
        return driver

    return make


_FLOW_NODE = re.compile(
    r"<bpmn:(startEvent|endEvent|serviceTask|userTask|scriptTask|exclusiveGateway|intermediateCatchEvent|boundaryEvent)"
    r' id="([^"]+)"'
)
_FLOW = re.compile(r'<bpmn:sequenceFlow id="([^"]+)"')


def tiny_model(body: str, inputs: Mapping[str, str] | None = None, process_id: str = "klein") -> str:
    """A small valid model around ``body`` (flow elements of one process), with a diagram generated for it."""
    props = "".join(f'<spiffworkflow:property name="in.{k}" value="{v}" />' for k, v in (inputs or {}).items())
    shapes = "".join(
        f'<bpmndi:BPMNShape id="{i}_di" bpmnElement="{i}"><dc:Bounds x="{n * 120}" y="0" width="100" height="80" />'
        "</bpmndi:BPMNShape>"
        for n, (_, i) in enumerate(_FLOW_NODE.findall(body))
    )
    edges = "".join(
        f'<bpmndi:BPMNEdge id="{i}_di" bpmnElement="{i}"><di:waypoint x="0" y="0" /><di:waypoint x="1" y="0" />'
        "</bpmndi:BPMNEdge>"
        for i in _FLOW.findall(body)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="https://gbi.example.nl/t">
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties>{props}</spiffworkflow:properties></bpmn:extensionElements>
    {body}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" bpmnElement="{process_id}">{shapes}{edges}
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def service_task(element: str, handler: str, outputs: Mapping[str, str] | None = None) -> str:
    props = "".join(f'<spiffworkflow:property name="uit.{k}" value="{v}" />' for k, v in (outputs or {}).items())
    return (
        f'<bpmn:serviceTask id="{element}"><bpmn:extensionElements>'
        f'<spiffworkflow:serviceTaskOperator id="{handler}"><spiffworkflow:parameters />'
        "</spiffworkflow:serviceTaskOperator>"
        f"<spiffworkflow:properties>{props}</spiffworkflow:properties></bpmn:extensionElements></bpmn:serviceTask>"
    )


@pytest.fixture
def tiny_engine(tmp_path: Path) -> Callable[..., SpiffEngine]:
    def make(body: str, inputs: Mapping[str, str] | None = None) -> SpiffEngine:
        path = tmp_path / "klein.bpmn"
        path.write_text(tiny_model(body, inputs))
        return SpiffEngine(DefinitionRegistry.from_files([path]))

    return make

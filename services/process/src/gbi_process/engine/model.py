"""What GBI reads from a BPMN model, independent of the engine that executes it.

The model is plain BPMN 2.0 with a few extension properties (``spiffworkflow:properties``, which every BPMN modeler
keeps and the SpiffWorkflow modeler edits), so a process designer sees everything in one file:

==========================  ==========================================================================================
on                          property (``name`` = ``value``)
==========================  ==========================================================================================
the process                 ``in.<variable>`` = type: a start variable the process layer must pass in
service task                ``spiffworkflow:serviceTaskOperator id="<handler>"``: the handler that executes it
service/user task, message  ``uit.<variable>`` = type: a variable the step produces (checked on completion)
user task                   ``rol`` = klantmanager | inkomensconsulent | handhaver | teamleider
user task                   ``uitkomst`` = <variable>: the outcome of the task is stored in that (enumerated) variable
user task                   ``termijn`` = expression: the due date shown in the inbox
user task                   ``andere_medewerker_dan`` = <user task id>: 4-eyes, not the actor who completed that task
==========================  ==========================================================================================

Types: ``bool``, ``int``, ``str``, ``date`` (ISO text), ``json`` (anything JSON) or an enumeration ``a|b|c``; a
trailing ``?`` makes the variable optional (may be absent or null).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lxml import etree

from gbi_process.engine.errors import ExpressionError
from gbi_process.engine.expressions import Assignments, Expression, compile_expression, compile_script

__all__ = [
    "BPMN_NS",
    "NSMAP",
    "SPIFF_NS",
    "Element",
    "Flow",
    "ModelInfo",
    "TimerDecl",
    "VarType",
    "parse_type",
    "read_model",
]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "spiffworkflow": SPIFF_NS}

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_BASE_TYPES = frozenset({"bool", "int", "str", "date", "json"})
_ENUM_VALUE = re.compile(r"^[a-z][a-z0-9_]*$")

# Containers of flow elements and the elements that sit in them (everything else in a process is an error).
FLOW_NODES = frozenset(
    {
        "startEvent",
        "endEvent",
        "serviceTask",
        "userTask",
        "scriptTask",
        "exclusiveGateway",
        "eventBasedGateway",
        "parallelGateway",
        "intermediateCatchEvent",
        "boundaryEvent",
        "subProcess",
    }
)
_OTHER_ALLOWED = frozenset({"sequenceFlow", "textAnnotation", "association", "laneSet", "extensionElements"})
_NON_FLOW = frozenset({"documentation", "incoming", "outgoing", "ioSpecification"})


@dataclass(frozen=True)
class VarType:
    base: str  # bool | int | str | date | json | enum
    values: tuple[str, ...] = ()
    optional: bool = False

    def describe(self) -> str:
        text = "|".join(self.values) if self.base == "enum" else self.base
        return text + ("?" if self.optional else "")

    def problem(self, value: Any) -> str | None:
        """Why ``value`` does not fit this type, or None when it does."""
        if value is None:
            return None if self.optional else "is required (null given)"
        if self.base == "bool":
            ok = isinstance(value, bool)
        elif self.base == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif self.base == "str":
            ok = isinstance(value, str)
        elif self.base == "date":
            ok = isinstance(value, str) and _is_iso_date(value)
        elif self.base == "enum":
            ok = isinstance(value, str) and value in self.values
        else:  # json
            ok = _is_json(value)
        return None if ok else f"must be {self.describe()}, got {value!r}"


def _is_iso_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False


def parse_type(text: str) -> VarType:
    raw = text.strip()
    optional = raw.endswith("?")
    raw = raw.rstrip("?").strip()
    if raw in _BASE_TYPES:
        return VarType(raw, (), optional)
    values = tuple(v.strip() for v in raw.split("|"))
    if len(values) >= 2 and all(_ENUM_VALUE.match(v) for v in values) and len(set(values)) == len(values):
        return VarType("enum", values, optional)
    raise ValueError(f"type {text!r} is not bool, int, str, date, json or an enumeration a|b|c (optionally with ?)")


@dataclass(frozen=True)
class TimerDecl:
    kind: str  # date | cycle | duration (duration is rejected by validation)
    source: str
    expression: Expression | None


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str
    name: str | None
    condition: Expression | None
    condition_source: str | None


@dataclass
class Element:
    id: str
    kind: str
    name: str | None
    scope: str  # the process or subprocess that contains it
    properties: Mapping[str, str] = field(default_factory=dict)
    handler: str | None = None
    operator_parameters: int = 0
    rol: str | None = None
    outputs: Mapping[str, VarType] = field(default_factory=dict)
    outcome_variable: str | None = None
    due: Expression | None = None
    distinct_from: tuple[str, ...] = ()
    script: Assignments | None = None
    script_format: str | None = None
    timers: tuple[TimerDecl, ...] = ()
    messages: tuple[str, ...] = ()
    other_event_definitions: tuple[str, ...] = ()
    attached_to: str | None = None
    cancel_activity: bool = True
    default_flow: str | None = None
    incoming: tuple[str, ...] = ()
    outgoing: tuple[str, ...] = ()
    forbidden_extensions: tuple[str, ...] = ()
    loop: bool = False
    event_subprocess: bool = False
    terminate: bool = False

    @property
    def label(self) -> str:
        return f"{self.kind} {self.id!r}" + (f" ({self.name})" if self.name else "")


@dataclass
class ModelInfo:
    """The GBI view of one executable process in a BPMN file."""

    source: str
    process_id: str
    name: str | None
    inputs: dict[str, VarType]
    elements: dict[str, Element]
    flows: dict[str, Flow]
    shapes: frozenset[str]
    edges: frozenset[str]
    problems: list[str]

    def outcome_type(self, element_id: str) -> VarType | None:
        element = self.elements[element_id]
        if element.outcome_variable is None:
            return None
        return element.outputs.get(element.outcome_variable)


def _xp(node: etree._Element, path: str) -> list[etree._Element]:
    """Elements matched by an XPath (typed: lxml's xpath may return anything)."""
    result = node.xpath(path, namespaces=NSMAP)
    return [r for r in result if isinstance(r, etree._Element)] if isinstance(result, list) else []


def _xp_text(node: etree._Element, path: str) -> list[str]:
    result = node.xpath(path, namespaces=NSMAP)
    return [str(r) for r in result if isinstance(r, str)] if isinstance(result, list) else []


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def _properties(node: etree._Element) -> dict[str, str]:
    props: dict[str, str] = {}
    for prop in _xp(node, "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"):
        props[str(prop.get("name", ""))] = str(prop.get("value", ""))
    return props


def _declarations(props: Mapping[str, str], prefix: str, where: str, problems: list[str]) -> dict[str, VarType]:
    declared: dict[str, VarType] = {}
    for key, value in props.items():
        if not key.startswith(prefix):
            continue
        var = key[len(prefix) :]
        if not _IDENT.match(var):
            problems.append(f"{where}: {key!r} is not a valid variable name (lower case, digits, _)")
            continue
        try:
            declared[var] = parse_type(value)
        except ValueError as exc:
            problems.append(f"{where}: {key}: {exc}")
    return declared


def _compile(source: str | None, where: str, problems: list[str]) -> Expression | None:
    if source is None or not source.strip():
        return None
    try:
        return compile_expression(source)
    except ExpressionError as exc:
        problems.append(f"{where}: {exc}")
        return None


def _read_element(node: etree._Element, scope: str, messages: Mapping[str, str], problems: list[str]) -> Element:
    kind = _local(node)
    element = Element(id=str(node.get("id")), kind=kind, name=node.get("name"), scope=scope)
    where = element.label
    props = _properties(node)
    element.properties = props
    element.outputs = _declarations(props, "uit.", where, problems)
    element.incoming = tuple(str(n.text) for n in _xp(node, "./bpmn:incoming"))
    element.outgoing = tuple(str(n.text) for n in _xp(node, "./bpmn:outgoing"))
    element.default_flow = node.get("default")
    element.attached_to = node.get("attachedToRef")
    element.cancel_activity = node.get("cancelActivity", "true") != "false"
    element.event_subprocess = node.get("triggeredByEvent") == "true"
    element.loop = bool(_xp(node, "./bpmn:multiInstanceLoopCharacteristics|./bpmn:standardLoopCharacteristics"))
    element.forbidden_extensions = tuple(
        _local(ext)
        for ext in _xp(node, "./bpmn:extensionElements/spiffworkflow:*")
        if _local(ext) not in ("properties", "serviceTaskOperator")
    )
    operators = _xp(node, "./bpmn:extensionElements/spiffworkflow:serviceTaskOperator")
    if operators:
        element.handler = operators[0].get("id")
        element.operator_parameters = len(_xp(operators[0], ".//spiffworkflow:parameter"))
    element.rol = props.get("rol")
    element.outcome_variable = props.get("uitkomst")
    element.due = _compile(props.get("termijn"), f"{where} termijn", problems)
    element.distinct_from = tuple(v.strip() for v in props.get("andere_medewerker_dan", "").split(",") if v.strip())
    if kind == "scriptTask":
        element.script_format = node.get("scriptFormat")
        script_nodes = _xp(node, "./bpmn:script")
        text = str(script_nodes[0].text or "") if script_nodes else ""
        try:
            element.script = compile_script(text)
        except ExpressionError as exc:
            problems.append(f"{where}: {exc}")
    timers: list[TimerDecl] = []
    for timer in _xp(node, "./bpmn:timerEventDefinition"):
        for tag, timer_kind in (("timeDate", "date"), ("timeCycle", "cycle"), ("timeDuration", "duration")):
            for expr in _xp(timer, f"./bpmn:{tag}"):
                source = str(expr.text or "").strip()
                timers.append(TimerDecl(timer_kind, source, _compile(source, f"{where} {tag}", problems)))
    element.timers = tuple(timers)
    names: list[str] = []
    for msg in _xp(node, "./bpmn:messageEventDefinition"):
        ref = str(msg.get("messageRef"))
        if ref not in messages:
            problems.append(f"{where}: messageRef {ref!r} names no bpmn:message with a name")
        else:
            names.append(messages[ref])
    element.messages = tuple(names)
    element.other_event_definitions = tuple(
        _local(d)
        for d in node
        if isinstance(d.tag, str)
        and _local(d).endswith("EventDefinition")
        and _local(d) not in ("timerEventDefinition", "messageEventDefinition", "terminateEventDefinition")
    )
    element.terminate = bool(_xp(node, "./bpmn:terminateEventDefinition"))
    return element


def _walk(
    container: etree._Element,
    scope: str,
    info: ModelInfo,
    messages: Mapping[str, str],
) -> None:
    for node in container:
        if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
            continue
        kind = _local(node)
        if kind in FLOW_NODES:
            element = _read_element(node, scope, messages, info.problems)
            if element.id in info.elements:
                info.problems.append(f"duplicate id {element.id!r}")
            info.elements[element.id] = element
            if kind == "subProcess":
                _walk(node, element.id, info, messages)
        elif kind == "sequenceFlow":
            fid = str(node.get("id"))
            cond = _xp(node, "./bpmn:conditionExpression")
            cond_source = str(cond[0].text or "").strip() if cond else None
            info.flows[fid] = Flow(
                id=fid,
                source=str(node.get("sourceRef")),
                target=str(node.get("targetRef")),
                name=node.get("name"),
                condition=_compile(cond_source, f"sequenceFlow {fid!r} condition", info.problems),
                condition_source=cond_source,
            )
        elif kind in _OTHER_ALLOWED or kind in _NON_FLOW:
            continue
        else:
            info.problems.append(f"{kind} {node.get('id')!r}: this BPMN element is not supported by GBI models")


def read_model(xml: bytes, source: str) -> list[ModelInfo]:
    """Read every executable process of a BPMN file (problems are collected, not raised)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(xml, parser)
    messages = {str(m.get("id")): str(m.get("name")) for m in _xp(root, "./bpmn:message") if m.get("name")}
    shapes = frozenset(str(s.get("bpmnElement")) for s in _xp(root, ".//bpmndi:BPMNShape"))
    edges = frozenset(str(s.get("bpmnElement")) for s in _xp(root, ".//bpmndi:BPMNEdge"))
    # SpiffWorkflow finds elements by any @id in the file, so an id used twice (for example a service task named
    # exactly like its handler, whose operator also carries that id) makes it parse the wrong element.
    seen: set[str] = set()
    duplicates: set[str] = set()
    for value in _xp_text(root, "//@id"):
        (duplicates if str(value) in seen else seen).add(str(value))
    models: list[ModelInfo] = []
    for process in _xp(root, "./bpmn:process[@isExecutable='true']"):
        pid = str(process.get("id"))
        problems: list[str] = [f"id {d!r} is used more than once in the file" for d in sorted(duplicates)]
        inputs = _declarations(_properties(process), "in.", f"process {pid!r}", problems)
        info = ModelInfo(source, pid, process.get("name"), inputs, {}, {}, shapes, edges, problems)
        _walk(process, pid, info, messages)
        models.append(info)
    return models

"""The rules every GBI process model must satisfy before it may load.

Run it on a file: ``uv run python -m gbi_process.engine orchestration/alo.bpmn``.

The rules (each broken rule is reported, not only the first):

1. Only supported BPMN elements: start/end events (none, terminate), service, user and script tasks, exclusive,
   event-based and parallel gateways, timer and message catch events, timer boundary events, embedded subprocesses.
   No loops or multi-instance, no business rule tasks (local policy is data), no call activities.
2. Every service task names a known handler (``spiffworkflow:serviceTaskOperator``) and passes no parameters;
   no task carries code (``preScript``/``postScript``); script tasks hold only ``name = expression`` lines
   (``scriptFormat="gbi"``).
3. Every user task names a known ``rol``; its ``uitkomst`` variable is declared as an enumeration; its
   ``andere_medewerker_dan`` names user tasks.
4. Timers use ``timeDate`` (or ``timeCycle`` on a non-interrupting boundary event) on process variables, never
   ``timeDuration``: the moment must follow from the case's dates, not from when a server happened to get there.
5. Every diverging exclusive gateway has a default flow, or conditions that provably cover every value of one
   declared boolean or enumerated variable exactly once; flows out of anything else carry no condition.
6. Every variable an expression reads is declared: a process input (``in.*``), a step's output (``uit.*``) or a
   script assignment; every expression compiles in the restricted language.
7. The graph is sound: one start event per (sub)process, every node reachable from it (or from its boundary
   event), every node but end events has an outgoing flow.
8. Every element has a shape and every flow an edge in the diagram, so the model renders in any BPMN modeler.
9. No id is used twice anywhere in the file (SpiffWorkflow finds elements by any ``id``, so a service task whose id
   equals its handler name would make it parse the operator instead of the task); an event-based gateway waits for
   at most one timer.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterable
from pathlib import Path

from gbi_process.engine.catalog import HANDLERS, ROLES
from gbi_process.engine.model import Element, Flow, ModelInfo, VarType, read_model

__all__ = ["SCRIPT_FORMAT", "declared_variables", "validate", "validate_file"]

SCRIPT_FORMAT = "gbi"


def declared_variables(info: ModelInfo) -> dict[str, VarType]:
    declared: dict[str, VarType] = dict(info.inputs)
    for element in info.elements.values():
        declared.update(element.outputs)
        if element.script is not None:
            for target in element.script.targets:
                declared.setdefault(target, VarType("json"))
    return declared


def _gateway_cover(flow: Flow, declared: dict[str, VarType]) -> tuple[str, set[object]] | str:
    """The (variable, values) a condition selects, or why it is not a simple test on one variable."""
    if flow.condition is None or flow.condition_source is None:
        return f"flow {flow.id!r} has no condition"
    body = ast.parse(flow.condition_source, mode="eval").body
    if isinstance(body, ast.Name):
        return body.id, {True}
    if isinstance(body, ast.UnaryOp) and isinstance(body.op, ast.Not) and isinstance(body.operand, ast.Name):
        return body.operand.id, {False}
    if isinstance(body, ast.Compare) and len(body.ops) == 1:
        left, op, right = body.left, body.ops[0], body.comparators[0]
        if isinstance(right, ast.Name) and isinstance(left, ast.Constant):
            left, right = right, left
        if isinstance(left, ast.Name) and isinstance(op, ast.Eq) and isinstance(right, ast.Constant):
            return left.id, {right.value}
        if (
            isinstance(left, ast.Name)
            and isinstance(op, ast.In)
            and isinstance(right, ast.List | ast.Tuple)
            and all(isinstance(e, ast.Constant) for e in right.elts)
        ):
            return left.id, {e.value for e in right.elts if isinstance(e, ast.Constant)}
    return f"condition {flow.condition_source!r} of flow {flow.id!r} is not a test on one variable"


def _check_gateway(gw: Element, outgoing: list[Flow], declared: dict[str, VarType], problems: list[str]) -> None:
    if gw.default_flow is not None:
        ids = {f.id for f in outgoing}
        if gw.default_flow not in ids:
            problems.append(f"{gw.label}: default flow {gw.default_flow!r} does not leave this gateway")
        for f in outgoing:
            if f.id == gw.default_flow and f.condition_source:
                problems.append(f"{gw.label}: the default flow {f.id!r} must not have a condition")
            elif f.id != gw.default_flow and not f.condition_source:
                problems.append(f"{gw.label}: flow {f.id!r} needs a condition (only the default flow has none)")
        return
    variable: str | None = None
    covered: list[object] = []
    for f in outgoing:
        cover = _gateway_cover(f, declared)
        if isinstance(cover, str):
            problems.append(f"{gw.label}: no default flow, and {cover}")
            return
        var, values = cover
        if variable not in (None, var):
            problems.append(f"{gw.label}: no default flow, and its conditions test different variables")
            return
        variable = var
        covered.extend(values)
    assert variable is not None
    vtype = declared.get(variable)
    if vtype is None:
        return  # reported as an undeclared variable
    domain: set[object] = (
        {True, False} if vtype.base == "bool" else set(vtype.values) if vtype.base == "enum" else set()
    )
    if not domain or vtype.optional:
        problems.append(
            f"{gw.label}: no default flow, and {variable!r} ({vtype.describe()}) is not a required bool or enumeration"
        )
    elif len(covered) != len(set(covered)) or set(covered) != domain:
        missing = sorted(map(str, domain - set(covered)))
        problems.append(
            f"{gw.label}: no default flow, and its conditions on {variable!r} do not cover each value exactly once"
            + (f" (missing: {', '.join(missing)})" if missing else " (overlap)")
        )


def _reachable(starts: Iterable[str], succ: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.extend(succ.get(node, []))
    return seen


def validate(
    info: ModelInfo,
    *,
    handlers: Collection[str] = tuple(HANDLERS),
    roles: Collection[str] = tuple(ROLES),
) -> list[str]:
    """Every problem of the model; empty when it may load."""
    problems = list(info.problems)
    elements, flows = info.elements, info.flows
    declared = declared_variables(info)

    out: dict[str, list[Flow]] = {eid: [] for eid in elements}
    inc: dict[str, list[Flow]] = {eid: [] for eid in elements}
    for f in flows.values():
        if f.source not in elements or f.target not in elements:
            problems.append(f"sequenceFlow {f.id!r} connects unknown elements {f.source!r} -> {f.target!r}")
            continue
        if elements[f.source].scope != elements[f.target].scope:
            problems.append(f"sequenceFlow {f.id!r} crosses a subprocess boundary")
        out[f.source].append(f)
        inc[f.target].append(f)

    def need_names(names: Iterable[str], where: str) -> None:
        for name in sorted(set(names) - set(declared)):
            problems.append(f"{where}: variable {name!r} is not declared (in.*, uit.* or a script assignment)")

    for e in elements.values():
        where = e.label
        if e.loop:
            problems.append(f"{where}: loops and multi-instance are not supported; model the repetition explicitly")
        if e.forbidden_extensions:
            problems.append(
                f"{where}: extension(s) {', '.join(e.forbidden_extensions)} not allowed (no code in models)"
            )
        if e.other_event_definitions:
            problems.append(f"{where}: event definition(s) {', '.join(e.other_event_definitions)} not supported")
        if e.kind == "serviceTask":
            if not e.handler:
                problems.append(f"{where}: needs spiffworkflow:serviceTaskOperator id=<handler>")
            elif e.handler not in handlers:
                problems.append(f"{where}: unknown handler {e.handler!r}")
            if e.operator_parameters:
                problems.append(f"{where}: operator parameters are not supported; handlers read process variables")
        elif e.handler:
            problems.append(f"{where}: only service tasks name a handler")
        if e.kind == "userTask":
            if e.rol not in roles:
                problems.append(f"{where}: rol {e.rol!r} is not one of {', '.join(sorted(roles))}")
            if e.outcome_variable is not None:
                t = e.outputs.get(e.outcome_variable)
                if t is None or t.base != "enum" or t.optional:
                    problems.append(
                        f"{where}: uitkomst {e.outcome_variable!r} must be declared as uit.{e.outcome_variable} = a|b|c"
                    )
            for other in e.distinct_from:
                if other not in elements or elements[other].kind != "userTask":
                    problems.append(f"{where}: andere_medewerker_dan {other!r} is not a user task")
            if e.due is not None:
                need_names(e.due.names, f"{where} termijn")
        elif e.rol or e.outcome_variable or e.distinct_from or e.due:
            problems.append(f"{where}: rol, uitkomst, termijn and andere_medewerker_dan belong on user tasks")
        if e.kind == "scriptTask":
            if e.script_format != SCRIPT_FORMAT:
                problems.append(f"{where}: scriptFormat must be {SCRIPT_FORMAT!r}, got {e.script_format!r}")
            if e.script is not None:
                need_names(e.script.names, where)
        if e.outputs and e.kind not in ("serviceTask", "userTask", "intermediateCatchEvent"):
            problems.append(f"{where}: only tasks and message events declare outputs (uit.*)")
        for timer in e.timers:
            if timer.kind == "duration":
                problems.append(f"{where}: timeDuration counts from the wall clock; use timeDate on case dates")
            elif timer.kind == "cycle" and (e.kind != "boundaryEvent" or e.cancel_activity):
                problems.append(f"{where}: timeCycle is only allowed on a non-interrupting boundary event")
            if timer.expression is not None:
                need_names(timer.expression.names, where)
        n_defs = len(e.timers) + len(e.messages)
        if e.kind == "startEvent" and n_defs:
            problems.append(f"{where}: start events have no trigger; the process layer starts the instance")
        if e.kind == "intermediateCatchEvent" and (n_defs != 1 or (e.timers and e.timers[0].kind == "cycle")):
            problems.append(f"{where}: a catch event waits for exactly one timeDate timer or one message")
        if e.kind == "boundaryEvent":
            if len(e.timers) != 1 or e.messages:
                problems.append(f"{where}: a boundary event has exactly one timer")
            if e.attached_to not in elements:
                problems.append(f"{where}: attached to unknown element {e.attached_to!r}")
        if e.kind == "endEvent" and n_defs:
            problems.append(f"{where}: end events are none or terminate")
        if e.kind == "subProcess" and e.event_subprocess:
            problems.append(f"{where}: event subprocesses are not supported; use boundary events")
        if e.id not in info.shapes:
            problems.append(f"{where}: no BPMNShape in the diagram")

        outgoing = out[e.id]
        if e.kind != "endEvent" and not outgoing:
            problems.append(f"{where}: has no outgoing flow")
        if e.kind == "exclusiveGateway" and len(outgoing) > 1:
            _check_gateway(e, outgoing, declared, problems)
        elif e.kind == "eventBasedGateway":
            for f in outgoing:
                if elements[f.target].kind != "intermediateCatchEvent":
                    problems.append(f"{where}: flow {f.id!r} must lead to a catch event")
            if sum(len(elements[f.target].timers) for f in outgoing) > 1:
                problems.append(f"{where}: at most one timer per event-based gateway")
        if e.kind != "exclusiveGateway" or len(outgoing) <= 1:
            for f in outgoing:
                if f.condition_source:
                    problems.append(f"{where}: flow {f.id!r} has a condition; only diverging exclusive gateways branch")
        if e.default_flow is not None and e.kind != "exclusiveGateway":
            problems.append(f"{where}: only exclusive gateways have a default flow")

    for f in flows.values():
        if f.condition is not None:
            need_names(f.condition.names, f"sequenceFlow {f.id!r}")
        if f.id not in info.edges:
            problems.append(f"sequenceFlow {f.id!r}: no BPMNEdge in the diagram")

    # Soundness per (sub)process: one start, everything reachable from it or from a boundary event.
    succ = {eid: [f.target for f in fs] for eid, fs in out.items()}
    scopes = {info.process_id} | {e.id for e in elements.values() if e.kind == "subProcess"}
    for scope in sorted(scopes):
        members = [e for e in elements.values() if e.scope == scope]
        starts = [e.id for e in members if e.kind == "startEvent"]
        if len(starts) != 1:
            problems.append(f"{scope!r}: needs exactly one start event, has {len(starts)}")
        roots = starts + [e.id for e in members if e.kind == "boundaryEvent"]
        unreachable = sorted(e.id for e in members if e.id not in _reachable(roots, succ))
        if unreachable:
            problems.append(f"{scope!r}: not reachable from the start: {', '.join(unreachable)}")
    return problems


def validate_file(path: Path, **catalog: Collection[str]) -> dict[str, list[str]]:
    """Problems per executable process in a BPMN file (a file without one is a problem too)."""
    models = read_model(path.read_bytes(), str(path))
    if not models:
        return {str(path): ["no executable process (isExecutable='true')"]}
    return {m.process_id: validate(m, **catalog) for m in models}

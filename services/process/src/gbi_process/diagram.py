"""A process model drawn as SVG on the server, from its BPMN diagram interchange (``bpmndi``), with the steps an
instance is at highlighted.

No JavaScript and no style sheet: shapes carry SVG presentation attributes only, so the drawing works under a
strict Content-Security-Policy (no inline ``style``) and in any browser, and can be embedded in a page or served as
``image/svg+xml``. The drawing is accessible: the ``<svg>`` has ``role="img"`` with a title and a description that
says in words which steps are current; every element is a group with its own ``<title>``; a current step is marked
by a thicker, dashed outline *and* a "NU" badge, never by colour alone.

Only what the model's own diagram says is drawn (positions and sizes from ``dc:Bounds``, flows from
``di:waypoint``); an element without a shape is not drawn. Kinds are shown the way BPMN modellers show them, with
a small text marker for the GBI meaning of a task: ``warm`` (a person, user task), ``koud`` (automatic, service
task), ``script``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

__all__ = ["DiagramError", "render_svg"]

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"

_TASKS = {"task", "userTask", "serviceTask", "scriptTask", "manualTask", "sendTask", "receiveTask", "businessRuleTask"}
_EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
_GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
_TASK_MARKER = {"userTask": "warm", "serviceTask": "koud", "scriptTask": "script"}
_KIND_NL = {
    "userTask": "taak voor een medewerker",
    "serviceTask": "automatische stap",
    "scriptTask": "berekening",
    "startEvent": "start",
    "endEvent": "einde",
    "intermediateCatchEvent": "wachtmoment",
    "boundaryEvent": "randgebeurtenis",
    "exclusiveGateway": "keuze",
    "eventBasedGateway": "wachten op wat eerst komt",
    "parallelGateway": "splitsing",
    "subProcess": "deelproces",
}

INK = "#1a1a1a"
PAPER = "#ffffff"
MUTED = "#4d4d4d"
ACTIVE = "#00479d"
ACTIVE_FILL = "#e6eef8"
FONT = "Arial, Helvetica, sans-serif"


class DiagramError(ValueError):
    """The model has no diagram to draw."""


@dataclass(frozen=True, slots=True)
class _Element:
    id: str
    kind: str
    name: str
    attrs: dict[str, str]
    definitions: tuple[str, ...]  # event definitions: timer, message, terminate, ...


@dataclass(slots=True)
class _Canvas:
    parts: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _elements(root: etree._Element) -> dict[str, _Element]:
    found: dict[str, _Element] = {}
    for node in root.iter():
        kind = _local(node.tag)
        ident = node.get("id")
        if ident is None or not isinstance(node.tag, str) or etree.QName(node.tag).namespace != BPMN:
            continue
        definitions = tuple(
            _local(child.tag).removesuffix("EventDefinition")
            for child in node
            if _local(child.tag).endswith("EventDefinition")
        )
        found[ident] = _Element(
            id=ident,
            kind=kind,
            name=(node.get("name") or "").strip(),
            attrs={str(k): str(v) for k, v in node.attrib.items()},
            definitions=definitions,
        )
    return found


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines


def _text(canvas: _Canvas, x: float, y: float, lines: list[str], *, size: int = 12, anchor: str = "middle") -> None:
    if not lines:
        return
    first = y - (len(lines) - 1) * size * 0.6
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{first + i * size * 1.2:.1f}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    canvas.add(
        f'<text font-family="{FONT}" font-size="{size}" fill="{INK}" text-anchor="{anchor}" '
        f'dominant-baseline="middle">{spans}</text>'
    )


def _badge(canvas: _Canvas, x: float, y: float) -> None:
    """The "NU" marker above a current element: shape and word, not colour alone."""
    canvas.add(
        f'<g class="bpmn-nu"><rect x="{x - 18:.1f}" y="{y - 24:.1f}" width="36" height="18" rx="9" '
        f'fill="{ACTIVE}" stroke="{ACTIVE}"/>'
        f'<text x="{x:.1f}" y="{y - 15:.1f}" font-family="{FONT}" font-size="11" font-weight="bold" fill="{PAPER}" '
        f'text-anchor="middle" dominant-baseline="middle">NU</text></g>'
    )


def _event_icon(canvas: _Canvas, cx: float, cy: float, r: float, definitions: Iterable[str]) -> None:
    for definition in definitions:
        if definition == "timer":
            canvas.add(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r * 0.55:.1f}" fill="none" stroke="{INK}"/>')
            canvas.add(
                f'<path d="M{cx:.1f} {cy - r * 0.4:.1f} L{cx:.1f} {cy:.1f} L{cx + r * 0.3:.1f} {cy:.1f}" '
                f'fill="none" stroke="{INK}"/>'
            )
        elif definition == "message":
            w, h = r * 1.0, r * 0.7
            canvas.add(
                f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" '
                f'stroke="{INK}"/>'
            )
            canvas.add(
                f'<path d="M{cx - w / 2:.1f} {cy - h / 2:.1f} L{cx:.1f} {cy:.1f} L{cx + w / 2:.1f} {cy - h / 2:.1f}" '
                f'fill="none" stroke="{INK}"/>'
            )
        elif definition == "terminate":
            canvas.add(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r * 0.55:.1f}" fill="{INK}"/>')


def _shape(canvas: _Canvas, el: _Element, x: float, y: float, w: float, h: float, active: bool) -> None:
    stroke = ACTIVE if active else INK
    width = 4 if active else 1.5
    dash = ' stroke-dasharray="8 3"' if active else ""
    fill = ACTIVE_FILL if active else PAPER
    label = el.name or el.id
    kind_nl = _KIND_NL.get(el.kind, el.kind)
    title = f"{label} ({kind_nl})" + (" - huidige stap" if active else "")
    classes = f"bpmn-element bpmn-{el.kind}" + (" bpmn-actief" if active else "")
    canvas.add(f'<g id={quoteattr("bpmn-" + el.id)} class="{classes}"><title>{escape(title)}</title>')
    if el.kind in _TASKS:
        canvas.add(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="10" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{width}"{dash}/>'
        )
        marker = _TASK_MARKER.get(el.kind)
        if marker:
            canvas.add(
                f'<text x="{x + 6:.1f}" y="{y + 11:.1f}" font-family="{FONT}" font-size="9" fill="{MUTED}" '
                f'dominant-baseline="middle">{marker}</text>'
            )
        _text(canvas, x + w / 2, y + h / 2 + 4, _wrap(label, max(8, int(w / 7))), size=12)
    elif el.kind == "subProcess":
        canvas.add(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="14" fill="none" '
            f'stroke="{stroke}" stroke-width="{width}"{dash}/>'
        )
        _text(canvas, x + 12, y + 18, [label], size=14, anchor="start")
    elif el.kind in _EVENTS:
        r = min(w, h) / 2
        cx, cy = x + w / 2, y + h / 2
        boundary_dash = ' stroke-dasharray="4 3"' if el.attrs.get("cancelActivity") == "false" else dash
        outer = 3.5 if el.kind == "endEvent" else width
        canvas.add(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{max(outer, width)}"{boundary_dash}/>'
        )
        if el.kind in ("intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"):
            canvas.add(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r - 3:.1f}" fill="none" stroke="{stroke}"{boundary_dash}/>'
            )
        _event_icon(canvas, cx, cy, r, el.definitions)
        if el.name:
            _text(canvas, cx, y + h + 14, _wrap(el.name, 18), size=11)
    elif el.kind in _GATEWAYS:
        cx, cy = x + w / 2, y + h / 2
        canvas.add(
            f'<path d="M{cx:.1f} {y:.1f} L{x + w:.1f} {cy:.1f} L{cx:.1f} {y + h:.1f} L{x:.1f} {cy:.1f} Z" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>'
        )
        d = w * 0.18
        if el.kind == "exclusiveGateway":
            canvas.add(
                f'<path d="M{cx - d:.1f} {cy - d:.1f} L{cx + d:.1f} {cy + d:.1f} M{cx + d:.1f} {cy - d:.1f} '
                f'L{cx - d:.1f} {cy + d:.1f}" stroke="{INK}" stroke-width="3"/>'
            )
        elif el.kind == "parallelGateway":
            canvas.add(
                f'<path d="M{cx:.1f} {cy - d * 1.3:.1f} L{cx:.1f} {cy + d * 1.3:.1f} M{cx - d * 1.3:.1f} {cy:.1f} '
                f'L{cx + d * 1.3:.1f} {cy:.1f}" stroke="{INK}" stroke-width="3"/>'
            )
        elif el.kind == "eventBasedGateway":
            canvas.add(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{d * 1.4:.1f}" fill="none" stroke="{INK}"/>')
            canvas.add(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{d * 1.1:.1f}" fill="none" stroke="{INK}"/>')
        if el.name:
            _text(canvas, cx, y - 14, _wrap(el.name, 22), size=11)
    else:
        canvas.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" stroke="{stroke}"/>')
    if active:
        _badge(canvas, x + w / 2, y)
    canvas.add("</g>")


def _edge(canvas: _Canvas, el: _Element | None, points: list[tuple[float, float]], default: bool) -> None:
    if len(points) < 2:
        return
    path = " ".join(f"{'M' if i == 0 else 'L'}{px:.1f} {py:.1f}" for i, (px, py) in enumerate(points))
    name = el.name if el is not None else ""
    ident = el.id if el is not None else ""
    canvas.add(f'<g id={quoteattr("bpmn-" + ident)} class="bpmn-flow">')
    if name:
        canvas.add(f"<title>{escape(name)}</title>")
    canvas.add(f'<path d="{path}" fill="none" stroke="{INK}" stroke-width="1.5" marker-end="url(#bpmn-pijl)"/>')
    if default:
        (x0, y0), (x1, y1) = points[0], points[1]
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        mx, my = x0 + ux * 10, y0 + uy * 10
        canvas.add(
            f'<path d="M{mx - uy * 5 - ux * 3:.1f} {my + ux * 5 - uy * 3:.1f} '
            f'L{mx + uy * 5 + ux * 3:.1f} {my - ux * 5 + uy * 3:.1f}" stroke="{INK}" stroke-width="1.5"/>'
        )
    if name:
        (x0, y0), (x1, y1) = points[0], points[1]
        if len(points) > 2 and math.hypot(x1 - x0, y1 - y0) < 30:
            (x0, y0), (x1, y1) = points[1], points[2]
        _text(canvas, (x0 + x1) / 2 + 4, (y0 + y1) / 2 - 10, _wrap(name, 24), size=10, anchor="start")
    canvas.add("</g>")


def render_svg(
    xml: bytes,
    *,
    actief: Collection[str] = (),
    titel: str | None = None,
    max_breedte: int | None = None,
) -> str:
    """The model's diagram as an SVG document. ``actief``: element ids to mark as current (unknown ids are
    ignored); ``titel``: the accessible title (default: the process name)."""
    try:
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise DiagramError(f"geen geldig BPMN-model: {exc}") from None
    plane = root.find(f".//{{{BPMNDI}}}BPMNPlane")
    if plane is None:
        raise DiagramError("het model heeft geen diagram (bpmndi:BPMNPlane)")
    elements = _elements(root)
    defaults = {el.attrs["default"] for el in elements.values() if "default" in el.attrs}
    current = [e for e in actief if e in elements]

    shapes: list[tuple[_Element, float, float, float, float]] = []
    edges: list[tuple[_Element | None, list[tuple[float, float]]]] = []
    xs: list[float] = []
    ys: list[float] = []
    for node in plane:
        kind = _local(node.tag)
        ref = node.get("bpmnElement") or ""
        if kind == "BPMNShape":
            bounds = node.find(f"{{{DC}}}Bounds")
            if bounds is None or ref not in elements:
                continue
            x, y = float(bounds.get("x", 0)), float(bounds.get("y", 0))
            w, h = float(bounds.get("width", 0)), float(bounds.get("height", 0))
            shapes.append((elements[ref], x, y, w, h))
            xs += [x, x + w]
            ys += [y - 40, y + h + 40]
        elif kind == "BPMNEdge":
            points = [(float(p.get("x", 0)), float(p.get("y", 0))) for p in node.findall(f"{{{DI}}}waypoint")]
            edges.append((elements.get(ref), points))
            xs += [p[0] for p in points]
            ys += [p[1] for p in points]
    if not shapes:
        raise DiagramError("het diagram van het model is leeg")

    margin = 20.0
    min_x, min_y = min(xs) - margin, min(ys) - margin
    width, height = max(xs) - min_x + margin, max(ys) - min_y + margin
    process = root.find(f"{{{BPMN}}}process")
    naam = (process.get("name") if process is not None else None) or "Procesmodel"
    title = titel or naam
    by_id = {el.id: el for el, *_ in shapes}
    if current:
        stappen = ", ".join(by_id[e].name or e for e in current if e in by_id)
        desc = f"Procesdiagram van {naam}. Huidige stap: {stappen}. De huidige stap is gemarkeerd met NU."
    else:
        desc = f"Procesdiagram van {naam}. Er is geen stap in uitvoering."

    canvas = _Canvas()
    size = f'width="{min(width, max_breedte) if max_breedte else width:.0f}"'
    canvas.add(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{min_x:.0f} {min_y:.0f} {width:.0f} {height:.0f}" '
        f'{size} role="img" aria-labelledby="bpmn-titel bpmn-omschrijving" class="bpmn-diagram">'
    )
    canvas.add(f'<title id="bpmn-titel">{escape(title)}</title>')
    canvas.add(f'<desc id="bpmn-omschrijving">{escape(desc)}</desc>')
    canvas.add(
        '<defs><marker id="bpmn-pijl" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 Z" fill="{INK}"/></marker></defs>'
    )
    canvas.add(f'<rect x="{min_x:.0f}" y="{min_y:.0f}" width="{width:.0f}" height="{height:.0f}" fill="{PAPER}"/>')
    # Containers first, then flows, then the nodes on top of their flows.
    for node_el, x, y, w, h in shapes:
        if node_el.kind == "subProcess":
            _shape(canvas, node_el, x, y, w, h, node_el.id in current)
    for flow_el, points in edges:
        _edge(canvas, flow_el, points, flow_el is not None and flow_el.id in defaults)
    for node_el, x, y, w, h in shapes:
        if node_el.kind != "subProcess":
            _shape(canvas, node_el, x, y, w, h, node_el.id in current)
    canvas.add("</svg>")
    return "".join(canvas.parts)

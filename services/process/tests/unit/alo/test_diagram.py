"""The BPMN model drawn as SVG on the server (:mod:`gbi_process.diagram`) and its internal routes, over HTTP with
the other layers faked: every shape and flow of ``orchestration/alo.bpmn`` drawn, the current step marked in words
and shape, and no script or inline style anywhere in the drawing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from gbi_process.alo.service import AloProces
from gbi_process.app import create_app
from gbi_process.diagram import DiagramError, render_svg
from gbi_process.settings import ProcessSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, RequestContext
from gbi_testing import ec_pem_pair

from .conftest import BSN, ORCHESTRATION, FakeGateway

SVG_NS = "{http://www.w3.org/2000/svg}"
ALO = (ORCHESTRATION / "alo.bpmn").read_bytes()


def _parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode())


def _groups(root: etree._Element, cls: str) -> list[etree._Element]:
    return [g for g in root.iter(f"{SVG_NS}g") if cls in (g.get("class") or "").split()]


def test_every_shape_and_flow_of_the_model_is_drawn() -> None:
    model = etree.fromstring(ALO)
    shapes = model.findall(".//{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")
    edges = model.findall(".//{http://www.omg.org/spec/BPMN/20100524/DI}BPMNEdge")
    root = _parse(render_svg(ALO))
    assert root.get("role") == "img"
    assert root.find(f"{SVG_NS}title").text == "Aanvraag levensonderhoud (ALO)"
    assert "Er is geen stap in uitvoering" in root.find(f"{SVG_NS}desc").text
    elements = _groups(root, "bpmn-element")
    assert len(elements) == len(shapes) == 54
    assert len(_groups(root, "bpmn-flow")) == len(edges) == 60
    ids = {g.get("id") for g in elements}
    assert {"bpmn-beoordeling", "bpmn-vierogen_goedkeuring", "bpmn-bronnen_ophalen", "bpmn-behandeling"} <= ids
    assert _groups(root, "bpmn-actief") == []
    # Strict CSP: no script, no style element, no style attribute.
    assert not list(root.iter(f"{SVG_NS}script"))
    assert not list(root.iter(f"{SVG_NS}style"))
    assert all(node.get("style") is None for node in root.iter())


def test_the_current_step_is_marked_in_shape_and_words() -> None:
    root = _parse(render_svg(ALO, actief=["beoordeling", "bestaat-niet"]))
    [actief] = _groups(root, "bpmn-actief")
    assert actief.get("id") == "bpmn-beoordeling"
    assert actief.find(f"{SVG_NS}title").text == "Aanvraag beoordelen (taak voor een medewerker) - huidige stap"
    badge = [t for t in actief.iter(f"{SVG_NS}text") if t.text == "NU"]
    assert len(badge) == 1
    rect = actief.find(f"{SVG_NS}rect")
    assert rect.get("stroke-width") == "4"
    assert rect.get("stroke-dasharray") == "8 3"
    desc = root.find(f"{SVG_NS}desc").text
    assert "Huidige stap: Aanvraag beoordelen." in desc
    assert "bestaat-niet" not in desc


def test_names_are_escaped_and_models_without_a_diagram_refused() -> None:
    model = ALO.replace(b'name="Aanvraag beoordelen"', b'name="A &lt;b&gt; &amp; &quot;c&quot;"')
    root = _parse(render_svg(model, actief=["beoordeling"]))
    assert 'A <b> & "c"' in root.find(f"{SVG_NS}desc").text
    zonder = ALO.split(b"<bpmndi:BPMNDiagram")[0] + b"</bpmn:definitions>"
    with pytest.raises(DiagramError, match="geen diagram"):
        render_svg(zonder)
    with pytest.raises(DiagramError, match="geen geldig"):
        render_svg(b"<niet-af")


# --- the routes -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return ec_pem_pair()


@pytest.fixture
def gw() -> FakeGateway:
    fake = FakeGateway()
    fake.other["/internal/integration/v1/brp/huishoudens"] = lambda body: {
        "gemeente": "0599",
        "aanvrager": {"bsn": body["bsn"], "geboortedatum": "1992-09-09"},
        "bron": {"bron": "BRP", "opgevraagdOp": "2026-03-02T09:00:00Z"},
    }
    return fake


@pytest.fixture
def client(keys: tuple[str, str], gw: FakeGateway) -> Iterator[TestClient]:
    settings = ProcessSettings(worker_enabled=False, context_public_key=keys[1], orchestration_dir=ORCHESTRATION)
    app = create_app(settings)
    app.state.alo = AloProces(gw, app.state.engine, app.state.registry, signaleringstermijn_dagen=7)  # type: ignore[arg-type]
    with TestClient(app) as c:
        yield c


def _headers(keys: tuple[str, str], **extra: str) -> dict[str, str]:
    ctx = RequestContext(f"burger-{BSN}", ActorType.BURGER, bsn=BSN, via="gbi-interaction")
    signer = ContextSigner(keys[0], issuer="gbi-gateway", audience="gbi-services")
    return {CONTEXT_HEADER: signer.sign(ctx), **extra}


def test_case_diagram_marks_where_the_instance_is(client: TestClient, keys: tuple[str, str]) -> None:
    indiening = {"bsn": BSN, "meldingsdatum": "2026-03-02", "aanvraagdatum": "2026-03-02", "gegevens": {}}
    resp = client.post(
        "/internal/process/v1/aanvragen", json=indiening, headers=_headers(keys, **{"Idempotency-Key": "d-1"})
    )
    assert resp.status_code == 202, resp.text
    aid = resp.json()["aanvraagId"]
    diagram = client.get(f"/internal/process/v1/aanvragen/{aid}/procesdiagram?gemeente=0599", headers=_headers(keys))
    assert diagram.status_code == 200, diagram.text
    assert diagram.headers["content-type"].startswith("image/svg+xml")
    assert diagram.headers["cache-control"] == "private, no-store"
    [actief] = _groups(_parse(diagram.text), "bpmn-actief")
    assert actief.get("id") == "bpmn-zaak_registreren"

    missing = client.get(
        f"/internal/process/v1/aanvragen/{uuid.uuid4()}/procesdiagram?gemeente=0599", headers=_headers(keys)
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_model_diagram(client: TestClient, keys: tuple[str, str]) -> None:
    resp = client.get("/internal/process/v1/definities/alo/diagram", headers=_headers(keys))
    assert resp.status_code == 200, resp.text
    assert _groups(_parse(resp.text), "bpmn-actief") == []
    assert client.get("/internal/process/v1/definities/onbekend/diagram", headers=_headers(keys)).status_code == 404
    assert client.get("/internal/process/v1/definities/alo/diagram").status_code in (401, 403)


# --- the grounds of a case (gbi_process.dossier_api) ----------------------------------------------------------------


def test_onderbouwing_gives_the_recorded_sources_and_calculation(
    client: TestClient, keys: tuple[str, str], gw: FakeGateway
) -> None:
    from gbi_process import dossier_api

    client.app.dependency_overrides[dossier_api._gateway] = lambda: gw  # type: ignore[attr-defined]
    indiening = {"bsn": BSN, "meldingsdatum": "2026-03-02", "aanvraagdatum": "2026-03-02", "gegevens": {}}
    resp = client.post(
        "/internal/process/v1/aanvragen", json=indiening, headers=_headers(keys, **{"Idempotency-Key": "o-1"})
    )
    assert resp.status_code == 202, resp.text
    aid, instance = resp.json()["aanvraagId"], resp.json()["procesinstantieId"]
    url = f"/internal/process/v1/aanvragen/{aid}/onderbouwing?gemeente=0599"

    leeg = client.get(url, headers=_headers(keys))
    assert leeg.status_code == 200, leeg.text
    assert leeg.json() == {"aanvraagId": aid, "gemeente": "0599", "bronnen": None, "berekening": None}

    bronnen = {"huishouden": {"bron": {"bron": "BRP", "opgevraagdOp": "2026-03-02T09:00:00Z"}}, "aanvrager": None}
    berekening = {"recht": True, "toelichting": [{"stap": "norm", "regel": "Norm alleenstaande", "artikel": "Pw 21"}]}
    gw.steps[(instance, "feit.bronnen")] = bronnen
    gw.steps[(instance, "feit.berekening")] = {"antwoord": berekening, "invoer": {"x": 1}}
    body = client.get(url, headers=_headers(keys)).json()
    assert body["bronnen"] == bronnen
    assert body["berekening"] == berekening

    missing = client.get(
        f"/internal/process/v1/aanvragen/{uuid.uuid4()}/onderbouwing?gemeente=0599", headers=_headers(keys)
    )
    assert missing.status_code == 404

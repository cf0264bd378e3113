"""The ALO's internal API (``/internal/process/v1/aanvragen...``) over HTTP, with the other layers faked."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_process.alo.service import AloProces
from gbi_process.app import create_app
from gbi_process.settings import ProcessSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, RequestContext
from gbi_testing import ec_pem_pair

from .conftest import BSN, ORCHESTRATION, FakeGateway

BASE = "/internal/process/v1/aanvragen"


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


def _headers(keys: tuple[str, str], ctx: RequestContext, **extra: str) -> dict[str, str]:
    signer = ContextSigner(keys[0], issuer="gbi-gateway", audience="gbi-services")
    return {CONTEXT_HEADER: signer.sign(ctx), **extra}


def _burger(bsn: str = BSN) -> RequestContext:
    return RequestContext(f"burger-{bsn}", ActorType.BURGER, bsn=bsn, via="gbi-interaction")


def _indiening() -> dict[str, Any]:
    return {"bsn": BSN, "meldingsdatum": "2026-03-02", "aanvraagdatum": "2026-03-02", "gegevens": {"iban": "NL91"}}


def test_submitting_registers_the_aanvraag_in_the_woongemeente_and_starts_its_process(
    client: TestClient, keys: tuple[str, str], gw: FakeGateway
) -> None:
    resp = client.post(BASE, json=_indiening(), headers=_headers(keys, _burger(), **{"Idempotency-Key": "k-1"}))
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["gemeente"] == "0599"  # from the BRP: woonplaatsbeginsel
    assert body["status"] == "ontvangen"
    [instance] = gw.instances.values()
    assert instance["id"] == body["procesinstantieId"]
    assert instance["status"] == "runnable"
    assert instance["definitie"] == "alo"
    assert ("POST", "/internal/integration/v1/brp/huishoudens") in gw.calls


def test_the_woongemeente_is_read_once_per_ttl_and_one_gbi_does_not_serve_refuses_the_submission(
    client: TestClient, keys: tuple[str, str], gw: FakeGateway
) -> None:
    for n in range(2):
        resp = client.post(BASE, json=_indiening(), headers=_headers(keys, _burger(), **{"Idempotency-Key": f"g-{n}"}))
        assert resp.status_code == 202, resp.text
    assert gw.calls.count(("GET", "/internal/data/v1/gemeenten/0599")) == 1  # kept (GBI_REFERENCE_CACHE_S)
    gw.other["/internal/integration/v1/brp/huishoudens"] = lambda body: {
        "gemeente": "0363",
        "aanvrager": {"bsn": body["bsn"], "geboortedatum": "1992-09-09"},
        "bron": {"bron": "BRP", "opgevraagdOp": "2026-03-02T09:00:00Z"},
    }
    before = len(gw.aanvragen)
    for n in range(2):
        resp = client.post(BASE, json=_indiening(), headers=_headers(keys, _burger(), **{"Idempotency-Key": f"a-{n}"}))
        assert resp.status_code == 422, resp.text
        assert resp.json()["code"] == "gemeente-niet-aangesloten"
    assert len(gw.aanvragen) == before  # nothing registered
    assert gw.calls.count(("GET", "/internal/data/v1/gemeenten/0363")) == 2  # an unknown gemeente is not kept


def test_submitting_needs_an_idempotency_key_and_valid_input(client: TestClient, keys: tuple[str, str]) -> None:
    resp = client.post(BASE, json=_indiening(), headers=_headers(keys, _burger()))
    assert resp.status_code == 400
    bad = _indiening() | {"bsn": "123456789"}
    resp = client.post(BASE, json=bad, headers=_headers(keys, _burger(), **{"Idempotency-Key": "k-2"}))
    assert resp.status_code == 400
    assert resp.json()["invalidParams"][0]["name"] == "bsn"


def test_an_aanvraagdatum_before_the_melding_is_a_400_and_nothing_is_asked(
    client: TestClient, keys: tuple[str, str], gw: FakeGateway
) -> None:
    """The data service refuses it too; the process layer answers 400 up front (not a 500 from building the data
    service's request, review of ADR 0030), before the BRP is read or anything registered."""
    bad = _indiening() | {"aanvraagdatum": "2026-03-01"}
    resp = client.post(BASE, json=bad, headers=_headers(keys, _burger(), **{"Idempotency-Key": "k-3"}))
    assert resp.status_code == 400, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "aanvraagdatum ligt voor de meldingsdatum" in resp.text
    assert gw.calls == []


def test_progress_and_documents_message(client: TestClient, keys: tuple[str, str], gw: FakeGateway) -> None:
    resp = client.post(BASE, json=_indiening(), headers=_headers(keys, _burger(), **{"Idempotency-Key": "k-3"}))
    aid = resp.json()["aanvraagId"]
    # a citizen's context has no gemeente: it must be named
    assert client.get(f"{BASE}/{aid}/voortgang", headers=_headers(keys, _burger())).status_code == 400
    voortgang = client.get(f"{BASE}/{aid}/voortgang?gemeente=0599", headers=_headers(keys, _burger()))
    assert voortgang.status_code == 200, voortgang.text
    body = voortgang.json()
    assert [s["element"] for s in body["servicetaken"]] == ["zaak_registreren"]
    assert body["afgerond"] is False
    assert body["variabelen"]["aanvraag_id"] == aid
    # nothing waits for documents yet
    resp = client.post(
        f"{BASE}/{aid}/documenten-ontvangen",
        json={"gemeente": "0599", "documenten": [str(uuid.uuid4())]},
        headers=_headers(keys, _burger()),
    )
    assert resp.status_code == 409
    assert resp.json()["code"] == "geen-stukken-verwacht"
    # an unknown aanvraag answers 404
    other = client.get(f"{BASE}/{uuid.uuid4()}/voortgang?gemeente=0599", headers=_headers(keys, _burger()))
    assert other.status_code == 404


def test_the_routes_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    assert set(paths) >= {BASE, f"{BASE}/{{aanvraagId}}/documenten-ontvangen", f"{BASE}/{{aanvraagId}}/voortgang"}
    assert "202" in paths[BASE]["post"]["responses"]

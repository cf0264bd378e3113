"""The public payer-account routes of the process layer (``GET``/``PUT /api/v1/betaalrekening``) over HTTP, with the
data service replaced by a recorder: who may read and change, that the caller's own gemeente is the only one ever
asked for, that the beheerder's context goes along on a change, and that a bad body is refused (400 naming the
field) before anything is sent. The real store is proven in the data service's tests and the isolation matrix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_process.app import create_app
from gbi_process.settings import ProcessSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, RequestContext
from gbi_testing import ec_pem_pair

ORCHESTRATION = Path(__file__).resolve().parents[5] / "orchestration"
REKENING = {"iban": "NL91 ABNA 0417 1643 00", "naam": "Gemeente 's-Gravenhage"}


class _Resp:
    def __init__(self, payload: Any) -> None:
        self.status = 200
        self.body = json.dumps(payload).encode()
        self.headers: dict[str, str] = {}


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def request(self, method: str, path: str, **kw: Any) -> _Resp:
        body = kw.get("json_body")
        self.calls.append({"method": method, "path": path, **kw})
        gemeente = path.rsplit("/", 1)[1]
        if body is None:
            return _Resp({"gemeente": gemeente, "iban": "NL91ABNA0417164300", "naam": "G", "toelichting": ""})
        return _Resp({"gemeente": gemeente, **json.loads(body.model_dump_json(by_alias=True))})


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return ec_pem_pair()


@pytest.fixture(scope="module")
def signer(keys: tuple[str, str]) -> ContextSigner:
    return ContextSigner(keys[0], issuer="gbi-gateway", audience="gbi-services")


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(keys: tuple[str, str], recorder: Recorder) -> Iterator[TestClient]:
    settings = ProcessSettings(worker_enabled=False, context_public_key=keys[1], orchestration_dir=ORCHESTRATION)
    app = create_app(settings)
    with TestClient(app) as c:
        app.state.gateway = recorder
        yield c


def _h(signer: ContextSigner, *roles: str, gemeente: str | None = "0518", act: ActorType = ActorType.MEDEWERKER) -> Any:
    ctx = RequestContext(actor_id="m1", actor_type=act, roles=frozenset(roles), gemeente=gemeente)
    return {CONTEXT_HEADER: signer.sign(ctx)}


def test_the_beheerder_changes_the_own_gemeentes_account_with_the_own_context(
    client: TestClient, signer: ContextSigner, recorder: Recorder
) -> None:
    r = client.put("/api/v1/betaalrekening", json=REKENING, headers=_h(signer, "beheerder"))
    assert r.status_code == 200, r.text
    assert r.json()["iban"] == "NL91ABNA0417164300"
    [call] = recorder.calls
    assert (call["method"], call["path"], call["gemeente"]) == (
        "PUT",
        "/internal/data/v1/betaalrekeningen/0518",
        "0518",
    )
    assert not call.get("as_service")  # the data service checks the beheerder again and audits them


@pytest.mark.parametrize("roles", [("beheerder",), ("teamleider",), ("auditor",)])
def test_beheerder_teamleider_and_auditor_read_the_own_gemeentes_account(
    client: TestClient, signer: ContextSigner, recorder: Recorder, roles: tuple[str, ...]
) -> None:
    r = client.get("/api/v1/betaalrekening", headers=_h(signer, *roles))
    assert r.status_code == 200, r.text
    assert [(c["method"], c["path"], c["gemeente"]) for c in recorder.calls] == [
        ("GET", "/internal/data/v1/betaalrekeningen/0518", "0518")
    ]


@pytest.mark.parametrize(
    ("method", "roles", "act", "gemeente"),
    [
        (
            "PUT",
            ("teamleider", "auditor", "klantmanager", "inkomensconsulent", "handhaver"),
            ActorType.MEDEWERKER,
            "0518",
        ),
        ("PUT", ("beheerder",), ActorType.MEDEWERKER, None),
        ("PUT", ("beheerder",), ActorType.BURGER, "0518"),
        ("PUT", ("beheerder",), ActorType.SYSTEEM, "0518"),
        ("GET", ("klantmanager", "inkomensconsulent", "handhaver"), ActorType.MEDEWERKER, "0518"),
        ("GET", ("beheerder",), ActorType.BURGER, "0518"),
    ],
)
def test_everyone_else_is_refused_before_the_data_service_is_asked(
    client: TestClient,
    signer: ContextSigner,
    recorder: Recorder,
    method: str,
    roles: tuple[str, ...],
    act: ActorType,
    gemeente: str | None,
) -> None:
    r = client.request(
        method,
        "/api/v1/betaalrekening",
        json=REKENING if method == "PUT" else None,
        headers=_h(signer, *roles, gemeente=gemeente, act=act),
    )
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert recorder.calls == []


@pytest.mark.parametrize(
    ("wijziging", "veld"),
    [
        ({"iban": "NL91ABNA0417164301"}, "iban"),
        ({"bic": "DEUTDEFF"}, "bic"),
        ({"naam": "Gemeente Súdwest-Fryslân"}, "naam"),
        ({"naam": "x" * 71}, "naam"),
        ({"toelichting": "x" * 501}, "toelichting"),
        ({"gemeente": "0599"}, "gemeente"),
    ],
)
def test_a_bad_body_is_refused_naming_the_field_and_nothing_is_sent(
    client: TestClient, signer: ContextSigner, recorder: Recorder, wijziging: dict[str, Any], veld: str
) -> None:
    r = client.put("/api/v1/betaalrekening", json={**REKENING, **wijziging}, headers=_h(signer, "beheerder"))
    assert r.status_code == 400, r.text
    assert [p["name"] for p in r.json()["invalidParams"]] == [veld]
    assert recorder.calls == []

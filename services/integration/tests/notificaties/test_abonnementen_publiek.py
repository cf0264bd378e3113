"""The public ``/api/v1/abonnementen``: a gemeente's beheerder or integrator manages abonnementen on GBI's
notifications with their own token (the gateway signs their context); the integration layer refuses everyone else
before it asks the data service, which keeps the abonnementen, scopes them to the gemeente and never returns the
Authorization header. A real data service behind a real (test) gateway; the notification that follows a change
reaches the subscriber."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_integration.app import create_app
from gbi_integration.settings import IntegrationSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, RequestContext

from .conftest import AUTH, Abonnee, Data

API = "/api/v1/abonnementen"
PROBLEM = "application/problem+json"
ONTVANGEN = {"status": "ontvangen"}


@pytest.fixture
def api(make_settings: Callable[..., IntegrationSettings]) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings())) as client:
        yield client


def _ctx(
    signer: ContextSigner, actor: str, actor_type: ActorType, roles: set[str], gemeente: str | None = "0363", **kw: Any
) -> dict[str, str]:
    ctx = RequestContext(actor, actor_type, frozenset(roles), gemeente, client_id=actor, **kw)
    return {CONTEXT_HEADER: signer.sign(ctx)}


def _body(abonnee: Abonnee, **extra: Any) -> dict[str, Any]:
    return {"callbackUrl": abonnee.callback(), "auth": AUTH, "kanalen": [{"naam": "aanvragen"}], **extra}


def test_a_beheerder_manages_the_gemeentes_abonnementen_and_a_change_is_announced(
    api: TestClient, signer: ContextSigner, abonnee: Abonnee, data: Data, make_settings: Any
) -> None:
    beheerder = _ctx(signer, "beheerder-1", ActorType.MEDEWERKER, {"beheerder"})
    created = api.post(API, json=_body(abonnee), headers=beheerder)
    assert created.status_code == 201, created.text
    abonnement = created.json()
    assert created.headers["Location"] == f"{API}/{abonnement['id']}"
    assert created.headers["API-Version"] == "1.0.0"
    assert abonnement["gemeente"] == "0363"
    assert abonnement["authHint"] == "Bearer ****6789"
    assert AUTH not in created.text
    assert api.get(API, headers=beheerder).json()["items"] == [abonnement]
    assert api.get(f"{API}/{abonnement['id']}", headers=beheerder).json() == abonnement
    # An integrator's abonnement is the gemeente's too: the beheerder sees and manages it.
    integrator = _ctx(signer, "integrator-0363", ActorType.SYSTEEM, {"integrator"})
    van_integrator = api.post(API, json=_body(abonnee), headers=integrator).json()
    assert {a["id"] for a in api.get(API, headers=beheerder).json()["items"]} == {
        abonnement["id"],
        van_integrator["id"],
    }

    changed = api.put(
        f"{API}/{abonnement['id']}",
        json={
            "callbackUrl": abonnee.callback(),
            "kanalen": [{"naam": "aanvragen", "filters": {"status": "ontvangen"}}],
        },
        headers=beheerder,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["authHint"] == abonnement["authHint"]  # kept without auth
    assert changed.json()["kanalen"] == [{"naam": "aanvragen", "filters": ONTVANGEN}]

    # A change of the gemeente reaches the subscriber through the delivery worker, with the stored header.
    data.aanvraag()
    with TestClient(create_app(make_settings(notificaties_worker_enabled=True))):
        deadline = time.monotonic() + 30  # a deadline, not a speed claim: these machines are shared
        while sorted(lev["status"] for lev in data.leveringen()) != ["delivered", "delivered"]:
            assert time.monotonic() < deadline, data.leveringen()
            time.sleep(0.05)
    assert sum(abonnee.aantallen().values()) == 2

    assert api.delete(f"{API}/{abonnement['id']}", headers=beheerder).status_code == 204
    gone = api.get(f"{API}/{abonnement['id']}", headers=beheerder)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == PROBLEM
    assert [a["id"] for a in api.get(API, headers=beheerder).json()["items"]] == [van_integrator["id"]]


def test_an_integrator_manages_only_its_own(api: TestClient, signer: ContextSigner, abonnee: Abonnee) -> None:
    eigen = _ctx(signer, "integrator-0363", ActorType.SYSTEEM, {"integrator"})
    ander = _ctx(signer, "integrator-ander", ActorType.SYSTEEM, {"integrator"})
    mine = api.post(API, json=_body(abonnee), headers=eigen).json()
    assert mine["eigenaar"] == "integrator-0363"
    assert [a["id"] for a in api.get(API, headers=eigen).json()["items"]] == [mine["id"]]
    assert api.get(API, headers=ander).json()["items"] == []
    assert api.get(f"{API}/{mine['id']}", headers=ander).status_code == 404
    assert api.delete(f"{API}/{mine['id']}", headers=ander).status_code == 404
    assert api.get(f"{API}/{mine['id']}", headers=eigen).status_code == 200


def test_another_gemeente_sees_nothing(api: TestClient, signer: ContextSigner, abonnee: Abonnee) -> None:
    amsterdam = _ctx(signer, "beheerder-1", ActorType.MEDEWERKER, {"beheerder"})
    rotterdam = _ctx(signer, "beheerder-2", ActorType.MEDEWERKER, {"beheerder"}, gemeente="0599")
    made = api.post(API, json=_body(abonnee), headers=amsterdam).json()
    assert api.get(API, headers=rotterdam).json()["items"] == []
    for method in ("GET", "DELETE"):
        assert api.request(method, f"{API}/{made['id']}", headers=rotterdam).status_code == 404
    changed = api.put(f"{API}/{made['id']}", json=_body(abonnee), headers=rotterdam)
    assert changed.status_code == 404
    assert api.get(f"{API}/{made['id']}", headers=amsterdam).status_code == 200


@pytest.mark.parametrize(
    ("actor", "actor_type", "roles", "gemeente"),
    [
        ("burger-1", ActorType.BURGER, {"burger"}, None),
        ("km-1", ActorType.MEDEWERKER, {"klantmanager"}, "0363"),
        ("tl-1", ActorType.MEDEWERKER, {"teamleider", "auditor"}, "0363"),
        ("systeem-zonder-rol", ActorType.SYSTEEM, set(), "0363"),
        ("integrator-zonder-gemeente", ActorType.SYSTEEM, {"integrator"}, None),
    ],
)
def test_only_a_beheerder_or_an_integrator_of_a_gemeente(
    api: TestClient,
    signer: ContextSigner,
    abonnee: Abonnee,
    data: Data,
    actor: str,
    actor_type: ActorType,
    roles: set[str],
    gemeente: str | None,
) -> None:
    bestaand = data.abonnement(abonnee.callback())
    headers = _ctx(
        signer, actor, actor_type, roles, gemeente, bsn="999993653" if actor_type is ActorType.BURGER else None
    )
    for method, path, body in (
        ("GET", API, None),
        ("POST", API, _body(abonnee)),
        ("GET", f"{API}/{bestaand}", None),
        ("PUT", f"{API}/{bestaand}", _body(abonnee)),
        ("DELETE", f"{API}/{bestaand}", None),
    ):
        resp = api.request(method, path, json=body, headers=headers)
        assert resp.status_code == 403, (method, path, resp.text)
        assert resp.headers["content-type"] == PROBLEM
    assert api.get(API).status_code == 401  # no context at all
    beheerder = _ctx(signer, "beheerder-1", ActorType.MEDEWERKER, {"beheerder"})
    assert [a["id"] for a in api.get(API, headers=beheerder).json()["items"]] == [bestaand]  # nothing changed


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"callbackUrl": "ftp://ontvanger.example.nl/cb"}, "callbackUrl"),
        ({"callbackUrl": "niet een url"}, "callbackUrl"),
        ({"auth": ""}, "auth"),
        ({"kanalen": []}, "kanalen"),
        ({"kanalen": [{"naam": "onbekend"}]}, "kanalen.0.naam"),
        ({"onbekend": 1}, "onbekend"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_creates_nothing(
    api: TestClient, signer: ContextSigner, abonnee: Abonnee, change: dict[str, Any], field: str
) -> None:
    beheerder = _ctx(signer, "beheerder-1", ActorType.MEDEWERKER, {"beheerder"})
    resp = api.post(API, json=_body(abonnee) | change, headers=beheerder)
    assert resp.status_code == 400, resp.text
    assert resp.headers["content-type"] == PROBLEM
    assert field in [p["name"] for p in resp.json()["invalidParams"]], resp.json()
    assert api.get(API, headers=beheerder).json()["items"] == []
    bad_id = api.get(f"{API}/geen-uuid", headers=beheerder)
    assert bad_id.status_code == 400
    assert bad_id.json()["invalidParams"][0]["name"] == "abonnementId"

"""The integration layer's internal API for abonnementen, kanalen and leveringen passes the caller's context to the
data service (which decides who sees what; the Authorization header never comes back), and the delivery worker
runs in the service's lifespan when enabled."""

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

API = "/internal/integration/v1/notificaties"


@pytest.fixture
def api(make_settings: Callable[..., IntegrationSettings]) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings())) as client:
        yield client


def _ctx(signer: ContextSigner, actor: str, actor_type: ActorType, role: str, gemeente: str = "0363") -> dict[str, str]:
    ctx = RequestContext(actor, actor_type, frozenset({role}), gemeente, via="gbi-interaction", client_id=actor)
    return {CONTEXT_HEADER: signer.sign(ctx)}


def test_a_beheerder_manages_abonnementen_through_the_integration_layer(
    api: TestClient, signer: ContextSigner, abonnee: Abonnee, data: Data
) -> None:
    beheerder = _ctx(signer, "beheerder-1", ActorType.MEDEWERKER, "beheerder")
    kanalen = api.get(f"{API}/kanalen", headers=beheerder)
    assert kanalen.status_code == 200, kanalen.text
    assert [k["naam"] for k in kanalen.json()["items"]] == ["aanvragen"]
    body: dict[str, Any] = {
        "callbackUrl": abonnee.callback(),
        "auth": AUTH,
        "kanalen": [{"naam": "aanvragen", "filters": {"status": "ontvangen"}}],
    }
    created = api.post(f"{API}/abonnementen", json=body, headers=beheerder)
    assert created.status_code == 201, created.text
    abonnement = created.json()
    assert abonnement["authHint"] == "Bearer ****6789"
    assert AUTH not in created.text
    assert created.headers["Location"] == f"{API}/abonnementen/{abonnement['id']}"
    assert api.get(f"{API}/abonnementen", headers=beheerder).json()["items"] == [abonnement]
    assert api.get(f"{API}/abonnementen/{abonnement['id']}", headers=beheerder).json() == abonnement
    changed = api.put(
        f"{API}/abonnementen/{abonnement['id']}",
        json={"callbackUrl": abonnee.callback(), "kanalen": [{"naam": "aanvragen"}]},
        headers=beheerder,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["authHint"] == abonnement["authHint"]  # kept
    # A change, a levering, and the beheerder's view of it.
    data.aanvraag()
    (levering,) = api.get(f"{API}/leveringen", headers=beheerder).json()["items"]
    assert levering["status"] == "pending"
    assert levering["abonnementId"] == abonnement["id"]
    again = api.post(f"{API}/leveringen/{levering['id']}:opnieuw", headers=beheerder)
    assert again.status_code == 200, again.text
    filtered = api.get(f"{API}/leveringen", params={"status": "failed"}, headers=beheerder)
    assert filtered.json()["items"] == []
    # Invalid input is refused here already; an unknown kanaal by the data service, with the same 400.
    assert api.post(f"{API}/abonnementen", json=body | {"callbackUrl": "ftp://x"}, headers=beheerder).status_code == 400
    unknown = api.post(f"{API}/abonnementen", json=body | {"kanalen": [{"naam": "onbekend"}]}, headers=beheerder)
    assert unknown.status_code == 400
    assert unknown.json()["invalidParams"][0]["name"] == "kanalen.0.naam"
    assert api.delete(f"{API}/abonnementen/{abonnement['id']}", headers=beheerder).status_code == 204
    assert api.get(f"{API}/abonnementen/{abonnement['id']}", headers=beheerder).status_code == 404


def test_an_integrator_sees_only_its_own(api: TestClient, signer: ContextSigner, abonnee: Abonnee) -> None:
    eigen = _ctx(signer, "integrator-0363", ActorType.SYSTEEM, "integrator")
    ander = _ctx(signer, "integrator-ander", ActorType.SYSTEEM, "integrator")
    body = {"callbackUrl": abonnee.callback(), "auth": AUTH, "kanalen": [{"naam": "aanvragen"}]}
    mine = api.post(f"{API}/abonnementen", json=body, headers=eigen).json()
    assert mine["eigenaar"] == "integrator-0363"
    assert api.get(f"{API}/abonnementen", headers=ander).json()["items"] == []
    assert api.get(f"{API}/abonnementen/{mine['id']}", headers=ander).status_code == 404
    klantmanager = _ctx(signer, "km-1", ActorType.MEDEWERKER, "klantmanager")
    assert api.post(f"{API}/abonnementen", json=body, headers=klantmanager).status_code == 403
    assert api.get(f"{API}/abonnementen").status_code == 401


def test_the_worker_is_off_in_tests_and_runs_in_the_lifespan_when_enabled(
    api: TestClient,
    make_settings: Callable[..., IntegrationSettings],
    signer: ContextSigner,
    abonnee: Abonnee,
    data: Data,
) -> None:
    service = _ctx(signer, "gbi-process", ActorType.SERVICE, "gbi-service")
    assert api.get(f"{API}/bezorger", headers=service).json()["actief"] is False
    assert make_settings(notificaties_worker_enabled=None).notificaties_worker_on is False  # environment test
    assert make_settings(notificaties_worker_enabled=None, environment="development").notificaties_worker_on
    data.abonnement(abonnee.callback())
    data.aanvraag()
    with TestClient(create_app(make_settings(notificaties_worker_enabled=True))) as client:
        deadline = time.monotonic() + 30  # a deadline, not a speed claim: these machines are shared
        while data.leveringen()[0]["status"] != "delivered":
            assert time.monotonic() < deadline, data.leveringen()
            time.sleep(0.05)
        status = client.get(f"{API}/bezorger", headers=service).json()
        assert status["actief"] is True
        assert status["afgeleverd"] == 1
        assert status["worker"]
    assert client.app.state.bezorger.status.running is False  # type: ignore[attr-defined]
    assert list(abonnee.aantallen().values()) == [1]


def test_the_lease_must_outlast_a_delivery(make_settings: Callable[..., IntegrationSettings]) -> None:
    with pytest.raises(ValueError, match="twice"):
        make_settings(notificaties_lease_s=10, notificaties_timeout_s=8)

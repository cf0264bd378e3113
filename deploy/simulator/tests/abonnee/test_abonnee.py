"""The simulated subscriber: checks the Authorization header, validates the notification against the official
consumer API, records it once per id with a count, and can be switched offline, broken or slow."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_simulator.app import create_app
from gbi_simulator.settings import SimulatorSettings, default_specs_dir

AUTH = "Bearer abonnee-sleutel-0123456789"


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(SimulatorSettings(specs_dir=default_specs_dir(), log_json=False, environment="test"))
    with TestClient(app) as c:
        yield c


def notificatie(**changes: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kanaal": "aanvragen",
        "hoofdObject": "https://gbi.example/api/v1/aanvragen/1",
        "resource": "aanvraag",
        "resourceUrl": "https://gbi.example/api/v1/aanvragen/1",
        "actie": "create",
        "aanmaakdatum": "2026-03-09T10:00:00Z",
        "kenmerken": {"gemeente": "0363", "status": "ontvangen"},
    } | changes


def _zet(client: TestClient, naam: str = "portaal", **body: Any) -> dict[str, Any]:
    response = client.put(f"/abonnee/_abonnees/{naam}", json={"auth": AUTH} | body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _post(client: TestClient, body: Any, naam: str = "portaal", auth: str | None = AUTH) -> Any:
    headers = {"Authorization": auth} if auth is not None else {}
    return client.post(f"/abonnee/{naam}/callback", json=body, headers=headers)


def test_a_notification_is_recorded_once_per_id_with_a_count(client: TestClient) -> None:
    _zet(client)
    first, second = notificatie(), notificatie(actie="partial_update")
    for body in (first, first, second):
        assert _post(client, body).status_code == 204
    seen = client.get("/abonnee/_ontvangen", params={"abonnee": "portaal"}).json()
    assert [(i["id"], i["aantal"]) for i in seen["items"]] == [(first["id"], 2), (second["id"], 1)]
    assert seen["items"][0]["notificatie"] == first
    assert seen["pogingen"] == {"portaal": 3}
    assert client.get("/abonnee/_abonnees/portaal").json()["ontvangen"] == 2


def test_the_authorization_header_is_checked(client: TestClient) -> None:
    _zet(client)
    missing = _post(client, notificatie(), auth=None)
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = _post(client, notificatie(), auth="Bearer iets-anders")
    assert wrong.status_code == 403
    assert client.get("/abonnee/_ontvangen").json()["items"] == []
    assert client.get("/abonnee/_ontvangen").json()["pogingen"] == {"portaal": 2}


def test_the_body_must_be_a_notificatie_of_the_consumer_api(client: TestClient) -> None:
    _zet(client)
    missing = _post(client, {k: v for k, v in notificatie().items() if k != "hoofdObject"})
    assert missing.status_code == 400
    relative = _post(client, notificatie(resourceUrl="/api/v1/aanvragen/1"))
    assert relative.status_code == 400
    assert [p["name"] for p in relative.json()["invalid-params"]] == ["resourceUrl"]
    empty_kenmerk = _post(client, notificatie(kenmerken={"status": ""}))
    assert empty_kenmerk.status_code == 400
    assert client.post("/abonnee/portaal/callback", content=b"{", headers={"Authorization": AUTH}).status_code == 400
    assert client.get("/abonnee/_ontvangen").json()["items"] == []


def test_offline_broken_and_back(client: TestClient) -> None:
    _zet(client, modus="offline")
    body = notificatie()
    offline = _post(client, body)
    assert offline.status_code == 503
    assert offline.json()["code"] == "unavailable"
    _zet(client, modus="kapot")
    assert _post(client, body).status_code == 500
    _zet(client, modus="online")
    assert _post(client, body).status_code == 204
    seen = client.get("/abonnee/_ontvangen").json()
    assert [(i["id"], i["aantal"]) for i in seen["items"]] == [(body["id"], 1)]
    assert seen["pogingen"] == {"portaal": 3}


def test_slow(client: TestClient) -> None:
    _zet(client, modus="traag", vertragingS=0.3)
    started = time.monotonic()
    assert _post(client, notificatie()).status_code == 204
    assert time.monotonic() - started >= 0.3


def test_unknown_subscribers_and_resets(client: TestClient) -> None:
    assert _post(client, notificatie(), naam="onbekend").status_code == 404
    assert client.get("/abonnee/_abonnees/onbekend").status_code == 404
    _zet(client, "a")
    _zet(client, "b", auth=None)  # no check
    assert _post(client, notificatie(), naam="a").status_code == 204
    assert _post(client, notificatie(), naam="b", auth=None).status_code == 204
    assert len(client.get("/abonnee/_ontvangen").json()["items"]) == 2
    assert client.delete("/abonnee/_abonnees/a").status_code == 204
    assert [i["abonnee"] for i in client.get("/abonnee/_ontvangen").json()["items"]] == ["b"]
    assert client.delete("/abonnee/_ontvangen").status_code == 204
    assert client.get("/abonnee/_ontvangen").json() == {"items": [], "pogingen": {}}
    assert client.put("/abonnee/_abonnees/Niet_Geldig", json={}).status_code == 400

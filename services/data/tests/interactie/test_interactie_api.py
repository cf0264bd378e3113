"""The web pages' store over HTTP: service-only, sessions by cookie hash, drafts of the context's gemeente."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from gbi_shared import ActorType

from ..conftest import AMSTERDAM, BSN_A, ROTTERDAM

P = "/internal/data/v1"
KEY = hashlib.sha256(b"cookie").hexdigest()


def test_sessions_and_drafts_round_trip_for_the_interaction_service(client: TestClient, context_headers) -> None:  # type: ignore[no-untyped-def]
    svc = context_headers(actor_id="gbi-interaction", actor_type=ActorType.SERVICE, roles=("gbi-service",))
    body = {"gegevens": {"csrf": "c", "token": "t"}, "verlooptOp": None}
    assert client.put(f"{P}/web-sessies/{KEY}", json=body, headers=svc).status_code == 204
    resp = client.get(f"{P}/web-sessies/{KEY}", headers=svc)
    assert resp.status_code == 200
    assert resp.json() == {"gegevens": {"csrf": "c", "token": "t"}}
    assert client.delete(f"{P}/web-sessies/{KEY}", headers=svc).status_code == 204
    gone = client.get(f"{P}/web-sessies/{KEY}", headers=svc)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"

    assert (
        client.put(f"{P}/web-concepten/{BSN_A}/aanvraag", json={"gegevens": {"a": "1"}}, headers=svc).status_code == 204
    )
    assert client.get(f"{P}/web-concepten/{BSN_A}/aanvraag", headers=svc).json() == {"gegevens": {"a": "1"}}
    other = context_headers(
        actor_id="gbi-interaction", actor_type=ActorType.SERVICE, roles=("gbi-service",), gemeente=ROTTERDAM
    )
    assert client.get(f"{P}/web-concepten/{BSN_A}/aanvraag", headers=other).status_code == 404
    assert client.post(f"{P}/web-sessies:opruimen", headers=svc).json() == {"sessies": 0, "concepten": 0}
    assert client.delete(f"{P}/web-concepten/{BSN_A}/aanvraag", headers=svc).status_code == 204
    assert client.get(f"{P}/web-concepten/{BSN_A}/aanvraag", headers=svc).status_code == 404


def test_only_services_reach_the_store_and_bad_input_changes_nothing(client: TestClient, context_headers) -> None:  # type: ignore[no-untyped-def]
    medewerker = context_headers(gemeente=AMSTERDAM)
    assert client.get(f"{P}/web-sessies/{KEY}", headers=medewerker).status_code == 403
    assert client.put(f"{P}/web-sessies/{KEY}", json={"gegevens": {}}, headers=medewerker).status_code == 403
    svc = context_headers(actor_id="gbi-interaction", actor_type=ActorType.SERVICE, roles=("gbi-service",))
    # The raw cookie is never a key; an idle limit above 15 minutes is refused; unknown fields are refused.
    assert client.put(f"{P}/web-sessies/cookie", json={"gegevens": {}}, headers=svc).status_code == 400
    assert client.get(f"{P}/web-sessies/{KEY}?idleS=3600", headers=svc).status_code == 400
    assert client.put(f"{P}/web-sessies/{KEY}", json={"gegevens": {}, "x": 1}, headers=svc).status_code == 400
    assert client.get(f"{P}/web-sessies/{KEY}", headers=svc).status_code == 404

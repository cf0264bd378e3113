"""Reference data: the gemeenten of GBI."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_list_gemeenten(client: TestClient, context_headers) -> None:
    response = client.get("/internal/data/v1/gemeenten", headers=context_headers())
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 13
    assert {"code": "0363", "naam": "Amsterdam", "actief": True} in items
    assert [g["code"] for g in items] == sorted(g["code"] for g in items)


def test_get_gemeente(client: TestClient, context_headers) -> None:
    response = client.get("/internal/data/v1/gemeenten/0796", headers=context_headers())
    assert response.status_code == 200
    assert response.json() == {"code": "0796", "naam": "'s-Hertogenbosch", "actief": True}


def test_unknown_gemeente_is_404(client: TestClient, context_headers) -> None:
    response = client.get("/internal/data/v1/gemeenten/0001", headers=context_headers())
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_malformed_code_is_400_naming_the_parameter(client: TestClient, context_headers) -> None:
    response = client.get("/internal/data/v1/gemeenten/ams", headers=context_headers())
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "code"


def test_only_an_active_known_gemeente_reaches_its_data(client: TestClient, context_headers, database) -> None:
    """The tenant check (on PostgreSQL read in the same round trip that binds the transaction to the gemeente):
    an unknown gemeente and a gemeente that is no longer active get 403, before any of their data is read."""
    from gbi_data.models import Gemeente

    url = "/internal/data/v1/beleid/vierogen?peildatum=2026-03-15"
    assert client.get(url, headers=context_headers(gemeente="0363")).status_code == 200
    unknown = client.get(url, headers=context_headers(gemeente="0001"))
    assert unknown.status_code == 403
    assert "geen actieve deelnemer" in unknown.json()["detail"]
    with database.owner_transaction() as session:
        row = session.get(Gemeente, "0363")
        assert row is not None
        row.actief = False
    inactive = client.get(url, headers=context_headers(gemeente="0363"))
    assert inactive.status_code == 403
    assert "geen actieve deelnemer" in inactive.json()["detail"]
    assert client.get(url, headers=context_headers(gemeente="0599")).status_code == 200

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

"""The gateway as an application: health, published documentation, keys from a JWKS URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from gbi_gateway.app import public_openapi
from gbi_testing import dead_port

from .conftest import Echo, Tokens, Upstream


def test_live(gateway: TestClient) -> None:
    resp = gateway.get("/health/live")
    assert resp.status_code == 200
    assert resp.json() == {"status": "live", "service": "gbi-gateway"}


def test_ready_with_configured_keys(gateway: TestClient) -> None:
    resp = gateway.get("/health/ready")
    assert resp.status_code == 200, resp.text
    assert resp.json()["checks"] == {"jwks": "ok", "context-key": "ok"}


def test_not_ready_when_the_jwks_url_is_unreachable(make_client: Callable[..., TestClient]) -> None:
    client = make_client(oidc_jwks_file=None, oidc_jwks_url=f"http://127.0.0.1:{dead_port()}/jwks")
    resp = client.get("/health/ready")
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "not-ready"
    assert body["checks"]["jwks"] != "ok"
    assert body["checks"]["context-key"] == "ok"


def test_not_ready_when_the_jwks_url_has_no_keys(make_client: Callable[..., TestClient], upstream: Upstream) -> None:
    # the echo upstream answers any other path with a JSON object without "keys"
    client = make_client(oidc_jwks_file=None, oidc_jwks_url=upstream.url["data"] + "/geen-jwks")
    resp = client.get("/health/ready")
    assert resp.status_code == 503
    assert resp.json()["checks"]["jwks"] == "geen sleutels in jwks"


def test_keys_from_the_jwks_url(
    make_client: Callable[..., TestClient], upstream: Upstream, echo: Echo, tokens: Tokens
) -> None:
    client = make_client(oidc_jwks_file=None, oidc_jwks_url=upstream.url["data"] + "/idp/jwks")
    assert client.get("/health/ready").status_code == 200
    for _ in range(3):
        resp = client.get("/api/v1/aanvragen", headers=tokens.bearer("medewerker"))
        assert resp.status_code == 200, resp.text
    es = tokens.es256(tokens.claims("burger"))
    assert client.get("/api/v1/aanvragen", headers={"Authorization": f"Bearer {es}"}).status_code == 200
    fetches = [s for s in echo.seen if s["path"] == "/idp/jwks"]
    assert len(fetches) == 1, "the key set is cached"


def test_unknown_kid_refetches_the_jwks_at_most_every_ten_seconds(
    make_client: Callable[..., TestClient], upstream: Upstream, echo: Echo, tokens: Tokens
) -> None:
    client = make_client(oidc_jwks_file=None, oidc_jwks_url=upstream.url["data"] + "/idp/jwks")
    assert client.get("/api/v1/aanvragen", headers=tokens.bearer("burger")).status_code == 200
    for _ in range(5):
        token = tokens.rs256(tokens.claims("burger"), kid="nieuw")
        assert client.get("/api/v1/aanvragen", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    fetches = [s for s in echo.seen if s["path"] == "/idp/jwks"]
    assert len(fetches) == 1


def test_jwks_url_down_is_503_not_401(make_client: Callable[..., TestClient], tokens: Tokens) -> None:
    client = make_client(oidc_jwks_file=None, oidc_jwks_url=f"http://127.0.0.1:{dead_port()}/jwks")
    resp = client.get("/api/v1/aanvragen", headers=tokens.bearer("burger"))
    assert resp.status_code == 503
    assert resp.headers["content-type"] == "application/problem+json"


def test_configured_keys_keep_working_when_the_jwks_url_is_down(
    make_client: Callable[..., TestClient], tokens: Tokens
) -> None:
    client = make_client(oidc_jwks_url=f"http://127.0.0.1:{dead_port()}/jwks")
    assert client.get("/health/ready").status_code == 200
    resp = client.get("/api/v1/aanvragen", headers=tokens.bearer("burger"))
    assert resp.status_code == 200, resp.text


def test_public_openapi_is_served_with_cors(gateway: TestClient) -> None:
    resp = gateway.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.headers["access-control-allow-origin"] == "*"
    assert resp.headers["api-version"] == "1.0.0"
    doc: dict[str, Any] = resp.json()
    assert doc == public_openapi()
    assert doc["openapi"].startswith("3.0")
    assert "paths" in doc


def test_public_openapi_needs_no_token(gateway: TestClient, echo: Echo) -> None:
    assert gateway.get("/api/v1/openapi.json").status_code == 200
    assert gateway.get("/api/v1/docs").status_code == 200
    assert echo.seen == []


def test_docs_page(gateway: TestClient) -> None:
    resp = gateway.get("/api/v1/docs")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.text.startswith("<!doctype html>")
    assert '<html lang="nl">' in resp.text
    assert 'href="/api/v1/openapi.json"' in resp.text
    assert "<script" not in resp.text


def test_docs_page_escapes_the_document(monkeypatch: Any) -> None:
    from gbi_gateway import app as app_module

    doc = {
        "info": {"title": "<b>GBI</b>", "version": "1", "description": "a & b"},
        "paths": {"/api/v1/x": {"get": {"summary": "<script>alert(1)</script>"}, "parameters": []}},
    }
    html = app_module._docs_html(doc)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;GBI&lt;/b&gt;" in html
    assert "<code>GET</code>" in html


def test_gateway_metrics_count_proxied_requests(gateway: TestClient, tokens: Tokens) -> None:
    gateway.get("/api/v1/aanvragen", headers=tokens.bearer("burger"))
    text = gateway.get("/metrics").text
    assert 'gbi_http_requests_total{method="GET",route="/{path:path}",service="gbi-gateway",status="200"} 1.0' in text


def test_gateway_ignores_inbound_context_for_its_own_routes(gateway: TestClient) -> None:
    # The gateway does not verify GBI-Context (it issues it); garbage there is not its concern.
    assert gateway.get("/api/v1/openapi.json", headers={"GBI-Context": "rommel"}).status_code == 200


def test_head_and_options_are_not_forwarded(gateway: TestClient, tokens: Tokens, echo: Echo) -> None:
    resp = gateway.options("/api/v1/aanvragen", headers=tokens.bearer("burger"))
    assert resp.status_code == 405
    assert resp.headers["content-type"] == "application/problem+json"
    for path in ("/api/v1/aanvragen", "/internal/data/v1/aanvragen", "/koppelvlakken/levensonderhoud/x"):
        assert gateway.head(path, headers=tokens.bearer("burger")).status_code == 405
    assert echo.seen == []

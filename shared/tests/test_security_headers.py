"""Security headers on every response of the shared app factory: pages, APIs, problems and the 500 the request
middleware answers itself; a header the route set itself wins; FastAPI's /docs is the one path without the CSP."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.testclient import TestClient

from gbi_shared import create_app
from gbi_shared.security_headers import CONTENT_SECURITY_POLICY, SECURITY_HEADERS
from gbi_shared.settings import ServiceSettings


def _app() -> FastAPI:
    router = APIRouter()

    @router.get("/pagina", response_class=HTMLResponse)
    def pagina() -> str:
        return "<!doctype html><title>x</title><p>x</p>"

    @router.get("/eigen")
    def eigen() -> Response:
        return Response("x", headers={"Referrer-Policy": "same-origin"})

    @router.get("/stuk")
    def stuk() -> None:
        raise RuntimeError("boom")

    settings = ServiceSettings(service_name="gbi-test", environment="test")
    return create_app(settings, title="test", routers=[router], verify_context=False)


def _has_all(headers: dict[str, str], *, csp: bool = True) -> None:
    for name, value in SECURITY_HEADERS:
        if name == "content-security-policy" and not csp:
            assert name not in headers
            continue
        assert headers.get(name) == value, name


def test_every_kind_of_answer_carries_them() -> None:
    with TestClient(_app(), raise_server_exceptions=False) as client:
        for path, status in (("/pagina", 200), ("/health/live", 200), ("/bestaat-niet", 404), ("/stuk", 500)):
            response = client.get(path)
            assert response.status_code == status
            _has_all(dict(response.headers))
        too_big = client.post("/pagina", content=b"x" * 2_000_000, headers={"Content-Type": "application/json"})
        assert too_big.status_code == 413
        _has_all(dict(too_big.headers))


def test_the_policy_is_strict() -> None:
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_a_header_the_route_sets_wins_and_docs_have_no_csp() -> None:
    with TestClient(_app()) as client:
        response = client.get("/eigen")
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers.get_list("referrer-policy") == ["same-origin"]
        _has_all(dict(client.get("/docs").headers), csp=False)

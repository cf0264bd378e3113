"""Who may call what: a verified context is required everywhere, a gemeente on tenant data, roles on the audit
log. Health and readiness need no context."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from gbi_data.app import create_app
from gbi_data.settings import DataSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, RequestContext

PROBLEM_JSON = "application/problem+json"
BSN = "999993653"
TENANT_ENDPOINTS = [
    ("GET", "/internal/data/v1/proefberekeningen/3f2b1c4e-0000-4000-8000-000000000000", None),
    (
        "POST",
        "/internal/data/v1/proefberekeningen",
        {"bsn": BSN, "peildatum": "2026-01-01", "request": {}, "result": {}, "normCents": 1},
    ),
    ("POST", "/internal/data/v1/audit", {"operation": "x", "processingActivity": "y"}),
    ("POST", "/internal/data/v1/audit:batch", {"items": [{"operation": "x", "processingActivity": "y"}]}),
    ("GET", "/internal/data/v1/audit", None),
    ("GET", "/internal/data/v1/audit/verify", None),
    ("GET", "/internal/data/v1/beleid/vakantiegeld?peildatum=2026-03-01", None),
    ("GET", "/internal/data/v1/beleid/vakantiegeld/versies", None),
    ("GET", "/internal/data/v1/beleid/vakantiegeld/versies/1", None),
    (
        "POST",
        "/internal/data/v1/beleid/vakantiegeld/versies",
        {"geldigVanaf": "2099-01-01", "toelichting": "x", "inhoud": {"uitbetalingsmaand": 5}},
    ),
]


def test_health_needs_no_context(client: TestClient) -> None:
    assert client.get("/health/live").status_code == 200
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"}


def test_readiness_fails_when_the_database_is_unreachable(context_keys: tuple[str, str]) -> None:
    settings = DataSettings(
        database_url="postgresql+psycopg://nobody:x@127.0.0.1:9/none",
        environment="test",
        context_public_key=SecretStr(context_keys[1]),
        database_pool_timeout_s=1,
        log_level="WARNING",
    )
    with TestClient(create_app(settings)) as client:
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("database unreachable")


def test_requests_fail_with_503_when_the_database_is_unreachable(
    context_keys: tuple[str, str], context_headers
) -> None:
    settings = DataSettings(
        database_url="postgresql+psycopg://nobody:x@127.0.0.1:9/none",
        environment="test",
        context_public_key=SecretStr(context_keys[1]),
        database_pool_timeout_s=1,
        log_level="WARNING",
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/internal/data/v1/gemeenten", headers=context_headers())
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "Retry-After" in response.headers


def test_no_context_is_401_everywhere(client: TestClient) -> None:
    for method, path, body in [*TENANT_ENDPOINTS, ("GET", "/internal/data/v1/gemeenten", None)]:
        response = client.request(method, path, json=body)
        assert response.status_code == 401, path
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json()["status"] == 401


def test_a_context_signed_by_another_key_is_401(client: TestClient) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    intruder_key = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    forged = ContextSigner(intruder_key, issuer="gbi-gateway", audience="gbi-services").sign(
        RequestContext(actor_id="x", actor_type=ActorType.SERVICE, roles=frozenset({"auditor"}), gemeente="0363")
    )
    response = client.get("/internal/data/v1/gemeenten", headers={CONTEXT_HEADER: forged})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON


def test_no_gemeente_is_403_on_tenant_data(client: TestClient, context_headers) -> None:
    headers = context_headers(gemeente=None, roles=("auditor", "klantmanager"), actor_type=ActorType.SERVICE)
    for method, path, body in TENANT_ENDPOINTS:
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, path
        assert response.headers["content-type"] == PROBLEM_JSON


def test_an_unknown_gemeente_is_403(client: TestClient, context_headers) -> None:
    response = client.post(
        "/internal/data/v1/audit",
        json={"operation": "x", "processingActivity": "y"},
        headers=context_headers(gemeente="9999"),
    )
    assert response.status_code == 403


def test_reference_data_needs_a_context_but_no_gemeente(client: TestClient, context_headers) -> None:
    response = client.get("/internal/data/v1/gemeenten", headers=context_headers(gemeente=None))
    assert response.status_code == 200


def test_audit_log_is_for_auditors(client: TestClient, context_headers) -> None:
    assert client.get("/internal/data/v1/audit", headers=context_headers(roles=("klantmanager",))).status_code == 403
    assert client.get("/internal/data/v1/audit", headers=context_headers(roles=("auditor",))).status_code == 200


def test_verify_is_for_auditors_and_services(client: TestClient, context_headers) -> None:
    path = "/internal/data/v1/audit/verify"
    assert client.get(path, headers=context_headers(roles=("teamleider",))).status_code == 403
    assert client.get(path, headers=context_headers(roles=("auditor",))).status_code == 200
    service = context_headers(actor_type=ActorType.SERVICE, actor_id="gbi-process", roles=("gbi-service",))
    assert client.get(path, headers=service).status_code == 200

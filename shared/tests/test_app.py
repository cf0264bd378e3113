"""The app factory: health, metrics, request ids, problem+json for every error, context, OpenAPI finishing."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, status
from fastapi.telemetry._asgi import _HEADERS_GETTER as _FASTAPI_HEADERS_GETTER
from fastapi.testclient import TestClient
from pydantic import BaseModel, SecretStr
from starlette.datastructures import Headers

from gbi_shared import (
    ActorType,
    ConflictError,
    ContextSigner,
    InvalidParam,
    ReadinessCheck,
    RequestContext,
    ServiceSettings,
    client_credentials_check,
    create_app,
    current_context,
    require_roles,
)
from gbi_shared.app import _HeaderCarrier
from gbi_shared.clients import inbound_context_token, inbound_request_id

from .conftest import EcKeyPair

PROBLEM = "application/problem+json"
VERSION = "1.2.3"
LIMIT = 1024
HEX32 = re.compile(r"^[0-9a-f]{32}$")


class Adres(BaseModel):
    postcode: str
    huisnummer: int


class Aanvraag(BaseModel):
    naam: str
    leeftijd: int
    adres: Adres


router = APIRouter()


@router.post("/v1/aanvragen", status_code=status.HTTP_201_CREATED)
async def maak_aanvraag(body: Aanvraag) -> dict[str, Any]:
    return {"naam": body.naam}


@router.get("/v1/aanvragen/{nummer}")
async def lees_aanvraag(nummer: int, limit: int = 10) -> dict[str, Any]:
    return {"nummer": nummer, "limit": limit}


@router.get("/v1/boem")
async def boem() -> dict[str, Any]:
    raise RuntimeError("geheim detail van 999993653 in de stack")


@router.get("/v1/conflict")
async def conflict() -> dict[str, Any]:
    raise ConflictError("al ingediend", invalid_params=[InvalidParam(name="referentie", reason="bestaat al")])


@router.get("/v1/http/{code}")
async def http_exception(code: int) -> dict[str, Any]:
    raise HTTPException(status_code=code, detail=f"status {code}", headers={"X-Extra": "ja"})


@router.get("/v1/wie")
async def wie(ctx: Annotated[RequestContext, Depends(current_context)]) -> dict[str, Any]:
    return {
        "actor": ctx.actor_id,
        "type": ctx.actor_type.value,
        "gemeente": ctx.gemeente,
        "roles": sorted(ctx.roles),
        "forwarded": inbound_context_token.get(),
    }


@router.get("/v1/beheer")
async def beheer(ctx: Annotated[RequestContext, Depends(require_roles("beheerder"))]) -> dict[str, Any]:
    return {"actor": ctx.actor_id}


@router.get("/v1/intern")
async def intern(
    ctx: Annotated[RequestContext, Depends(require_roles("auditor", actor_types=[ActorType.SERVICE]))],
) -> dict[str, Any]:
    return {"actor": ctx.actor_id}


@router.get("/v1/verzoek")
async def verzoek(request: Request) -> dict[str, Any]:
    return {"state": request.state.request_id, "var": inbound_request_id.get()}


@router.post("/v1/upload")
async def upload(request: Request) -> dict[str, Any]:
    return {"size": len(await request.body())}


class Readiness:
    def __init__(self) -> None:
        self.reason: str | None = None

    async def check(self) -> str | None:
        return self.reason


async def _explodes() -> str | None:
    raise ConnectionError("database weg")


def _settings(context_keys: EcKeyPair | None, **overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "service_name": "gbi-test",
        "api_version": VERSION,
        "max_body_bytes": LIMIT,
        "context_public_key": SecretStr(context_keys.public_pem) if context_keys else None,
    }
    return ServiceSettings(**(values | overrides))


@pytest.fixture
def readiness() -> Readiness:
    return Readiness()


@pytest.fixture
def app(context_keys: EcKeyPair, readiness: Readiness) -> FastAPI:
    return create_app(
        _settings(context_keys),
        title="Test",
        routers=[router],
        readiness=[ReadinessCheck("db", readiness.check)],
    )


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def signer(context_keys: EcKeyPair) -> ContextSigner:
    return ContextSigner(context_keys.private_pem, issuer="gbi-gateway", audience="gbi-services")


def _ctx(token: str) -> dict[str, str]:
    return {"GBI-Context": token}


def assert_problem(resp: Any, status_code: int) -> dict[str, Any]:
    assert resp.status_code == status_code, resp.text
    assert resp.headers["content-type"] == PROBLEM
    assert resp.headers["api-version"] == VERSION
    assert resp.headers["x-request-id"]
    body: dict[str, Any] = resp.json()
    assert body["status"] == status_code
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["instance"].endswith("#" + resp.headers["x-request-id"])
    return body


# --- health and metrics ----------------------------------------------------------------------------------------


def test_live(client: TestClient) -> None:
    resp = client.get("/health/live")
    assert resp.status_code == 200
    assert resp.json() == {"status": "live", "service": "gbi-test"}
    assert resp.headers["api-version"] == VERSION


def test_ready_when_every_check_passes(client: TestClient) -> None:
    resp = client.get("/health/ready")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ready", "service": "gbi-test", "checks": {"db": "ok"}}


def test_not_ready_when_a_check_fails(client: TestClient, readiness: Readiness) -> None:
    readiness.reason = "database niet bereikbaar"
    resp = client.get("/health/ready")
    assert resp.status_code == 503
    assert resp.json()["status"] == "not-ready"
    assert resp.json()["checks"] == {"db": "database niet bereikbaar"}
    readiness.reason = None
    assert client.get("/health/ready").status_code == 200


def test_not_ready_when_a_check_raises(context_keys: EcKeyPair) -> None:
    app = create_app(_settings(context_keys), title="T", readiness=[ReadinessCheck("db", _explodes)])
    with TestClient(app) as c:
        resp = c.get("/health/ready")
    assert resp.status_code == 503
    assert resp.json()["checks"] == {"db": "ConnectionError"}


def test_client_credentials_check() -> None:
    app = create_app(
        ServiceSettings(service_name="a"), title="T", readiness=[client_credentials_check(ServiceSettings())]
    )
    with TestClient(app) as c:
        resp = c.get("/health/ready")
    assert resp.status_code == 503
    assert "client credentials" in resp.json()["checks"]["client-credentials"]
    complete = ServiceSettings(
        oidc_token_url="http://127.0.0.1:1/token", client_id="gbi-process", client_secret=SecretStr("s")
    )
    app = create_app(ServiceSettings(service_name="b"), title="T", readiness=[client_credentials_check(complete)])
    with TestClient(app) as c:
        assert c.get("/health/ready").status_code == 200


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    assert client.get("/v1/aanvragen/12").status_code == 200
    assert client.get("/v1/aanvragen/13").status_code == 200
    client.get("/health/live")
    client.get("/onbekend")
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    text = resp.text
    assert "# TYPE gbi_http_requests_total counter" in text
    assert (
        'gbi_http_requests_total{method="GET",route="/v1/aanvragen/{nummer}",service="gbi-test",status="200"} 2.0'
        in text
    )
    assert 'route="unmatched",service="gbi-test",status="404"' in text
    assert "gbi_http_request_duration_seconds_bucket" in text
    assert "/health/live" not in text
    assert "/metrics" not in text


def test_each_app_has_its_own_metrics_registry(context_keys: EcKeyPair) -> None:
    first = create_app(_settings(context_keys), title="A", routers=[router])
    second = create_app(_settings(context_keys), title="B", routers=[router])
    with TestClient(first) as a, TestClient(second) as b:
        a.get("/v1/aanvragen/1")
        assert 'route="/v1/aanvragen/{nummer}"' in a.get("/metrics").text
        assert 'route="/v1/aanvragen/{nummer}"' not in b.get("/metrics").text


def test_lifespan_hooks_run(context_keys: EcKeyPair) -> None:
    calls: list[str] = []

    async def up(app: FastAPI) -> None:
        calls.append("up:" + app.title)

    async def down(app: FastAPI) -> None:
        calls.append("down:" + app.title)

    app = create_app(_settings(context_keys), title="Hooks", on_startup=[up], on_shutdown=[down])
    with TestClient(app) as c:
        assert calls == ["up:Hooks"]
        c.get("/health/live")
    assert calls == ["up:Hooks", "down:Hooks"]


# --- request id and API-Version --------------------------------------------------------------------------------


def test_request_id_is_echoed(client: TestClient) -> None:
    resp = client.get("/v1/verzoek", headers={"X-Request-ID": "abc-123_x.y"})
    assert resp.headers["x-request-id"] == "abc-123_x.y"
    assert resp.json() == {"state": "abc-123_x.y", "var": "abc-123_x.y"}


def test_request_id_is_generated_when_missing(client: TestClient) -> None:
    resp = client.get("/v1/verzoek")
    rid = resp.headers["x-request-id"]
    assert HEX32.match(rid)
    assert resp.json() == {"state": rid, "var": rid}
    assert client.get("/v1/verzoek").headers["x-request-id"] != rid


@pytest.mark.parametrize("bad", ["met spatie", "x" * 65, "a;b", "<script>", "ü"])
def test_invalid_request_id_is_replaced(client: TestClient, bad: str) -> None:
    resp = client.get("/v1/verzoek", headers={"X-Request-ID": bad.encode("utf-8")})
    assert HEX32.match(resp.headers["x-request-id"])
    assert resp.json()["state"] == resp.headers["x-request-id"]


def test_request_id_appears_in_problem_instance(client: TestClient) -> None:
    resp = client.get("/onbekend", headers={"X-Request-ID": "trace-me"})
    assert resp.json()["instance"] == "/onbekend#trace-me"


def test_request_id_contextvar_is_reset_after_the_request(client: TestClient) -> None:
    client.get("/v1/verzoek", headers={"X-Request-ID": "abc"})
    assert inbound_request_id.get() is None
    assert inbound_context_token.get() is None


def test_api_version_on_success_and_errors(client: TestClient, signer: ContextSigner) -> None:
    responses = [
        client.get("/v1/aanvragen/1"),
        client.post("/v1/aanvragen", json={}),
        client.get("/onbekend"),
        client.get("/v1/boem"),
        client.get("/v1/wie"),
        client.get("/v1/wie", headers=_ctx("x.y.z")),
        client.post("/v1/upload", content=b"x" * (LIMIT + 1)),
        client.delete("/v1/aanvragen/1"),
        client.get("/metrics"),
        client.get("/openapi.json"),
    ]
    for resp in responses:
        assert resp.headers.get("api-version") == VERSION, (resp.request.url, resp.status_code)
        assert resp.headers.get_list("api-version") == [VERSION]
        assert resp.headers.get_list("x-request-id") == [resp.headers["x-request-id"]]


# --- problem+json for every error -----------------------------------------------------------------------------


def test_unknown_route_is_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/bestaat-niet"), 404)
    assert body["code"] == "not-found"
    assert body["type"] == "https://gbi.example.nl/problemen/not-found"
    assert body["detail"] == "Geen resource op /v1/bestaat-niet"


def test_wrong_method_is_405_problem_with_allow(client: TestClient) -> None:
    resp = client.delete("/v1/aanvragen/1")
    body = assert_problem(resp, 405)
    assert body["code"] == "method-not-allowed"
    assert resp.headers["allow"] == "GET"


def test_malformed_json_is_400_naming_the_body(client: TestClient) -> None:
    resp = client.post("/v1/aanvragen", content=b'{"naam": "x",', headers={"Content-Type": "application/json"})
    body = assert_problem(resp, 400)
    assert body["code"] == "bad-request"
    assert [p["name"] for p in body["invalidParams"]] == ["body"]
    assert body["invalidParams"][0]["code"] == "json_invalid"


def test_schema_violation_is_400_naming_the_fields(client: TestClient) -> None:
    resp = client.post("/v1/aanvragen", json={"naam": "x", "leeftijd": "oud", "adres": {"postcode": "1234AB"}})
    body = assert_problem(resp, 400)
    params = {p["name"]: p for p in body["invalidParams"]}
    assert set(params) == {"leeftijd", "adres.huisnummer"}
    assert params["leeftijd"]["code"] == "int_parsing"
    assert params["adres.huisnummer"]["code"] == "missing"
    assert params["adres.huisnummer"]["reason"]
    assert "leeftijd" in body["detail"]


def test_missing_body_is_400(client: TestClient) -> None:
    body = assert_problem(client.post("/v1/aanvragen"), 400)
    assert body["invalidParams"][0]["name"] == "body"


def test_path_and_query_violations_are_400_naming_the_parameters(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/aanvragen/abc?limit=veel"), 400)
    assert sorted(p["name"] for p in body["invalidParams"]) == ["limit", "nummer"]


def test_validation_is_never_422(client: TestClient) -> None:
    assert client.post("/v1/aanvragen", json={"naam": 1}).status_code == 400


def test_service_error_keeps_status_and_invalid_params(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/conflict"), 409)
    assert body["detail"] == "al ingediend"
    assert body["invalidParams"] == [{"name": "referentie", "code": "invalid", "reason": "bestaat al"}]


@pytest.mark.parametrize(
    ("code", "problem_code"),
    [
        (400, "bad-request"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (409, "conflict"),
        (415, "bad-request"),
        (503, "service-unavailable"),
        (501, "internal-error"),
    ],
)
def test_http_exceptions_become_problems_with_their_status(client: TestClient, code: int, problem_code: str) -> None:
    resp = client.get(f"/v1/http/{code}")
    body = assert_problem(resp, code)
    assert body["code"] == problem_code
    assert body["detail"] == f"status {code}"
    assert resp.headers["x-extra"] == "ja"


def test_body_over_the_limit_is_413_problem(client: TestClient) -> None:
    body = assert_problem(client.post("/v1/upload", content=b"x" * (LIMIT + 1)), 413)
    assert body["code"] == "payload-too-large"
    assert str(LIMIT) in body["detail"]


def test_body_over_the_limit_on_a_model_route_is_413(client: TestClient) -> None:
    resp = client.post(
        "/v1/aanvragen", content=b'{"naam": "' + b"x" * LIMIT + b'"}', headers={"Content-Type": "application/json"}
    )
    assert_problem(resp, 413)


def test_chunked_body_over_the_limit_is_413_problem(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(4):
            yield b"y" * (LIMIT // 2)

    resp = client.post("/v1/upload", content=chunks())
    assert "content-length" not in resp.request.headers
    assert_problem(resp, 413)


def test_body_at_the_limit_is_accepted(client: TestClient) -> None:
    resp = client.post("/v1/upload", content=b"x" * LIMIT)
    assert resp.status_code == 200
    assert resp.json() == {"size": LIMIT}


def test_unhandled_exception_is_500_problem_without_details(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="gbi.app"):
        resp = client.get("/v1/boem")
    body = assert_problem(resp, 500)
    assert body["code"] == "internal-error"
    assert body["detail"] == "Probeer het later opnieuw"
    for leak in ("Traceback", "RuntimeError", "geheim", "999993653", "boem()", ".py"):
        assert leak not in resp.text
    logged = [r for r in caplog.records if r.name == "gbi.app" and r.exc_info]
    assert logged, "the exception itself must be logged"
    assert logged[0].exc_info is not None
    assert isinstance(logged[0].exc_info[1], RuntimeError)
    # The app stays up and counts the failure.
    assert client.get("/v1/aanvragen/1").status_code == 200
    assert 'route="/v1/boem",service="gbi-test",status="500"' in client.get("/metrics").text


# --- GBI-Context ----------------------------------------------------------------------------------------------


MEDEWERKER = RequestContext(
    actor_id="mw-1", actor_type=ActorType.MEDEWERKER, roles=frozenset({"beheerder"}), gemeente="0363"
)
BURGER = RequestContext(actor_id="b-1", actor_type=ActorType.BURGER, roles=frozenset({"burger"}), bsn="999993653")


def test_valid_context_reaches_the_route(client: TestClient, signer: ContextSigner) -> None:
    token = signer.sign(MEDEWERKER)
    resp = client.get("/v1/wie", headers=_ctx(token))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "actor": "mw-1",
        "type": "medewerker",
        "gemeente": "0363",
        "roles": ["beheerder"],
        "forwarded": token,
    }


def test_no_context_on_a_route_that_needs_one_is_401(client: TestClient) -> None:
    resp = client.get("/v1/wie")
    body = assert_problem(resp, 401)
    assert resp.headers["www-authenticate"] == 'Bearer realm="gbi"'
    assert body["code"] == "unauthorized"


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = "A" if signature[5] != "A" else "B"
    return ".".join([header, payload, signature[:5] + flipped + signature[6:]])


@pytest.mark.parametrize("case", ["tampered", "expired", "audience", "issuer", "key", "garbage"])
def test_invalid_context_is_401(
    client: TestClient, signer: ContextSigner, context_keys: EcKeyPair, other_keys: EcKeyPair, case: str
) -> None:
    pem = context_keys.private_pem
    tokens = {
        "tampered": lambda: _tampered(signer.sign(MEDEWERKER)),
        "expired": lambda: ContextSigner(pem, issuer="gbi-gateway", audience="gbi-services", ttl_s=-60).sign(
            MEDEWERKER
        ),
        "audience": lambda: ContextSigner(pem, issuer="gbi-gateway", audience="elders").sign(MEDEWERKER),
        "issuer": lambda: ContextSigner(pem, issuer="nep-gateway", audience="gbi-services").sign(MEDEWERKER),
        "key": lambda: ContextSigner(other_keys.private_pem, issuer="gbi-gateway", audience="gbi-services").sign(
            MEDEWERKER
        ),
        "garbage": lambda: "niet-een-jwt",
    }
    for path in ("/v1/wie", "/v1/aanvragen/1"):  # also where the route does not ask for a context
        resp = client.get(path, headers=_ctx(tokens[case]()))
        assert_problem(resp, 401)
        assert resp.headers["www-authenticate"] == 'Bearer realm="gbi"'


def test_health_ignores_the_context(client: TestClient) -> None:
    assert client.get("/health/live", headers=_ctx("rommel")).status_code == 200
    assert client.get("/metrics", headers=_ctx("rommel")).status_code == 200


def test_require_roles(client: TestClient, signer: ContextSigner) -> None:
    assert client.get("/v1/beheer", headers=_ctx(signer.sign(MEDEWERKER))).json() == {"actor": "mw-1"}
    body = assert_problem(client.get("/v1/beheer", headers=_ctx(signer.sign(BURGER))), 403)
    assert body["code"] == "forbidden"
    assert_problem(client.get("/v1/beheer"), 401)


def test_require_roles_by_actor_type(client: TestClient, signer: ContextSigner) -> None:
    service = RequestContext(actor_id="gbi-process", actor_type=ActorType.SERVICE, roles=frozenset({"gbi-service"}))
    assert client.get("/v1/intern", headers=_ctx(signer.sign(service))).status_code == 200
    assert_problem(client.get("/v1/intern", headers=_ctx(signer.sign(MEDEWERKER))), 403)


def test_service_without_public_key_refuses_any_context(signer: ContextSigner) -> None:
    app = create_app(_settings(None), title="T", routers=[router])
    with TestClient(app) as c:
        resp = c.get("/v1/aanvragen/1", headers=_ctx(signer.sign(MEDEWERKER)))
        assert_problem(resp, 401)
        assert c.get("/v1/aanvragen/1").status_code == 200


def test_verify_context_off_leaves_the_header_alone(context_keys: EcKeyPair) -> None:
    app = create_app(_settings(context_keys), title="T", routers=[router], verify_context=False)
    with TestClient(app) as c:
        assert c.get("/v1/aanvragen/1", headers=_ctx("rommel")).status_code == 200
        assert_problem(c.get("/v1/wie", headers=_ctx("rommel")), 401)


def test_context_from_a_file(tmp_path: Any, context_keys: EcKeyPair, signer: ContextSigner) -> None:
    key_file = tmp_path / "context.pub.pem"
    key_file.write_text(context_keys.public_pem, encoding="ascii")
    app = create_app(ServiceSettings(service_name="f", context_public_key_file=key_file), title="T", routers=[router])
    with TestClient(app) as c:
        assert c.get("/v1/wie", headers=_ctx(signer.sign(BURGER))).json()["actor"] == "b-1"


def test_production_requires_a_context_key() -> None:
    with pytest.raises(ValueError, match="context public key"):
        ServiceSettings(environment="production")


# --- OpenAPI ---------------------------------------------------------------------------------------------------


def test_openapi_is_finished_for_the_nl_api_design_rules(app: FastAPI) -> None:
    doc = app.openapi()
    schemas = doc["components"]["schemas"]
    assert "Problem" in schemas
    assert "InvalidParam" in schemas
    assert "invalidParams" in schemas["Problem"]["properties"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    operations = [op for ops in doc["paths"].values() for op in ops.values() if isinstance(op, dict)]
    assert operations
    for op in operations:
        responses = op["responses"]
        assert "422" not in responses
        assert responses["400"]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
        successes = [code for code in responses if code.startswith("2")]
        assert successes
        for code in successes:
            assert "API-Version" in responses[code]["headers"]
    assert "/health/live" not in doc["paths"]
    assert "/metrics" not in doc["paths"]
    assert doc["info"]["version"] == VERSION
    assert "422" not in str(doc)


def test_openapi_is_served_and_stable(client: TestClient, app: FastAPI) -> None:
    resp = client.get("/openapi.json")
    assert resp.status_code == 200
    assert resp.json() == app.openapi()
    assert app.openapi() is app.openapi()


def test_batch_paths_get_their_own_body_limit() -> None:
    from fastapi import APIRouter
    from fastapi.testclient import TestClient

    from gbi_shared import ServiceSettings, create_app

    router = APIRouter()

    @router.post("/items:batch")
    async def batch(body: dict[str, list[int]]) -> dict[str, int]:
        return {"n": len(body["items"])}

    @router.post("/items")
    async def single(body: dict[str, list[int]]) -> dict[str, int]:
        return {"n": len(body["items"])}

    app = create_app(ServiceSettings(max_body_bytes=1000, max_body_bytes_batch=100_000), title="t", routers=[router])
    payload = {"items": list(range(2000))}  # ~10 kB
    with TestClient(app) as client:
        assert client.post("/items:batch", json=payload).json() == {"n": 2000}
        too_big = client.post("/items", json=payload)
        assert too_big.status_code == 413
        assert too_big.headers["content-type"].startswith("application/problem+json")
        assert "1000 bytes" in too_big.json()["detail"]
        huge = client.post("/items:batch", json={"items": list(range(30_000))})
        assert huge.status_code == 413


def test_document_uploads_get_their_own_body_limit() -> None:
    from fastapi.testclient import TestClient

    from gbi_shared import ServiceSettings, create_app

    router = APIRouter()

    @router.post("/aanvragen/{aanvraag}/documenten")
    async def upload(request: Request) -> dict[str, int]:
        return {"n": len(await request.body())}

    @router.post("/zaken/{zaak}:afhandelen")
    async def afhandelen(request: Request) -> dict[str, int]:
        return {"n": len(await request.body())}

    @router.post("/aanvragen/{aanvraag}/documenten/x")
    async def other(request: Request) -> dict[str, int]:
        return {"n": len(await request.body())}

    settings = ServiceSettings(max_body_bytes=1000, max_body_bytes_documents=50_000)
    app = create_app(settings, title="t", routers=[router])
    with TestClient(app) as client:
        ok = client.post("/aanvragen/1/documenten", content=b"%PDF-" + b"x" * 20_000)
        assert ok.json() == {"n": 20_005}
        assert client.post("/aanvragen/1/documenten/x", content=b"x" * 20_000).status_code == 413
        # a zaak's afhandeling carries its beschikking (ADR 0045): the documents' limit too
        assert client.post("/zaken/Z-1:afhandelen", content=b"x" * 20_000).json() == {"n": 20_000}
        assert client.post("/zaken/Z-1:afhandelen", content=b"x" * 60_000).status_code == 413
        too_big = client.post("/aanvragen/1/documenten", content=b"x" * 60_000)
        assert too_big.status_code == 413
        assert "50000 bytes" in too_big.json()["detail"]


def test_a_service_with_credentials_is_ready_only_when_the_gateway_is_live() -> None:
    from fastapi.testclient import TestClient

    from gbi_shared import ServiceSettings, create_app
    from gbi_testing import dead_port

    closed_port = dead_port()
    settings = ServiceSettings(
        service_name="svc",
        gateway_url=f"http://127.0.0.1:{closed_port}",
        client_id="gbi-svc",
        client_secret="s3cret",
        oidc_token_url=f"http://127.0.0.1:{closed_port}/token",
    )
    with TestClient(create_app(settings, title="t")) as client:
        resp = client.get("/health/ready")
        assert resp.status_code == 503
        assert resp.json()["checks"]["gateway"] != "ok"


def test_middleware_a_service_adds_later_sits_inside_the_request_middleware(context_keys: EcKeyPair) -> None:
    """A service may add middleware after ``create_app`` (the domain adds its collector pause): GBI's request
    middleware stays outermost, so an error raised by that layer is still a problem+json 500 with the API version,
    the request id and the security headers (no plain-text 500 from the server)."""

    class Faalt:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] == "/stuk":
                raise RuntimeError("middleware stuk")
            await self.app(scope, receive, send)

    app = create_app(_settings(context_keys), title="Test", routers=[router])
    app.add_middleware(Faalt)
    with TestClient(app, raise_server_exceptions=False) as c:
        resp = c.get("/stuk")
        assert_problem(resp, 500)
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert "middleware stuk" not in resp.text
        assert c.get("/health/live").status_code == 200


def test_the_span_s_header_carrier_answers_as_starlette_headers_do() -> None:
    """The server span reads the caller's trace context through FastAPI's headers getter from a carrier over the
    raw headers: the same lists as Starlette's ``Headers`` for present, repeated, absent and mixed-case names."""
    raw = [
        (b"host", b"x"),
        (b"traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        (b"baggage", b"a=1"),
        (b"baggage", b"b=\xe9"),
        (b"tracestate", b"k=v"),
    ]
    carrier = _HeaderCarrier(raw, dict(raw))
    headers = Headers(raw=raw)
    for key in ["traceparent", "TraceParent", "baggage", "tracestate", "absent", "host", "Host"]:
        assert carrier.getlist(key) == headers.getlist(key), key
        assert _FASTAPI_HEADERS_GETTER.get(carrier, key) == _FASTAPI_HEADERS_GETTER.get(headers, key)  # type: ignore[arg-type]
    assert carrier.keys() == headers.keys()

"""Forwarding through the gateway to a real upstream: the context the layers get, the headers they never get,
service delegation, routing, limits and upstream failures."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote

import jwt
import pytest
from fastapi.testclient import TestClient

from gbi_shared.context import ActorType, ContextSigner, ContextVerifier, RequestContext

from .conftest import OTHER_VALID_BSN, VALID_BSN, Echo, Keys, Tokens

PROBLEM = "application/problem+json"


def _seen(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


def _ctx(seen: dict[str, Any], verifier: ContextVerifier) -> RequestContext:
    return verifier.verify(seen["headers"]["gbi-context"])


def _signer(keys: Keys) -> ContextSigner:
    return ContextSigner(keys.context_private_pem, issuer="gbi-gateway", audience="gbi-services")


def assert_problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM
    assert resp.headers["api-version"] == "1.0.0"
    body: dict[str, Any] = resp.json()
    assert body["status"] == status
    return body


# --- valid callers get a verifiable context -------------------------------------------------------------------


def test_burger_is_forwarded_with_a_signed_context(
    gateway: TestClient, echo: Echo, tokens: Tokens, context_verifier: ContextVerifier
) -> None:
    claims = tokens.claims("burger", name="Jan")
    resp = gateway.post(
        "/api/v1/aanvragen?status=open&sort=-datum",
        headers={"Authorization": f"Bearer {tokens.rs256(claims)}", "X-Request-ID": "req-1"},
        json={"naam": "Jan"},
    )
    seen = _seen(resp)
    assert seen["layer"] == "interaction"
    assert seen["method"] == "POST"
    assert seen["path"] == "/api/v1/aanvragen"
    assert seen["query"] == "status=open&sort=-datum"
    assert json.loads(seen["body"]) == {"naam": "Jan"}
    assert seen["headers"]["content-type"] == "application/json"
    assert seen["headers"]["x-request-id"] == "req-1"
    assert resp.headers["x-request-id"] == "req-1"
    ctx = _ctx(seen, context_verifier)
    assert ctx == RequestContext(
        actor_id=claims["sub"],
        actor_type=ActorType.BURGER,
        roles=frozenset({"burger"}),
        gemeente=None,
        bsn=VALID_BSN,
        purpose="participatiewet",
    )
    raw = jwt.decode(seen["headers"]["gbi-context"], options={"verify_signature": False})
    assert raw["exp"] - raw["iat"] == 300
    assert jwt.get_unverified_header(seen["headers"]["gbi-context"])["alg"] == "ES256"


def test_medewerker_keeps_only_known_staff_roles(
    gateway: TestClient, echo: Echo, tokens: Tokens, context_verifier: ContextVerifier
) -> None:
    token = tokens.es256(tokens.claims("medewerker", roles=["klantmanager", "teamleider", "god", "gbi-service"]))
    seen = _seen(gateway.get("/api/v1/normen/2026", headers={"Authorization": f"Bearer {token}"}))
    assert seen["layer"] == "domain"
    ctx = _ctx(seen, context_verifier)
    assert ctx.actor_type is ActorType.MEDEWERKER
    assert ctx.gemeente == "0363"
    assert ctx.roles == frozenset({"klantmanager", "teamleider"})
    assert ctx.bsn is None


def test_systeem_gets_integrator_role_and_client_id(
    gateway: TestClient, tokens: Tokens, context_verifier: ContextVerifier
) -> None:
    seen = _seen(gateway.get("/api/v1/berekeningen", headers=tokens.bearer("systeem", roles=["integrator", "x"])))
    ctx = _ctx(seen, context_verifier)
    assert ctx.actor_type is ActorType.SYSTEEM
    assert ctx.roles == frozenset({"integrator"})
    assert ctx.gemeente == "0599"
    assert ctx.client_id == "portaal-rotterdam"


def test_service_reaches_internal_routes(
    gateway: TestClient, tokens: Tokens, context_verifier: ContextVerifier
) -> None:
    seen = _seen(gateway.get("/internal/data/v1/personen/1", headers=tokens.bearer("service")))
    assert seen["layer"] == "data"
    assert seen["path"] == "/internal/data/v1/personen/1"
    ctx = _ctx(seen, context_verifier)
    assert ctx.actor_type is ActorType.SERVICE
    assert ctx.roles == frozenset({"gbi-service"})
    assert ctx.client_id == "gbi-process"
    assert ctx.gemeente is None
    assert ctx.via is None


@pytest.mark.parametrize("layer", ["interaction", "process", "domain", "data"])
def test_internal_prefix_routes_to_its_layer(gateway: TestClient, tokens: Tokens, layer: str) -> None:
    seen = _seen(gateway.get(f"/internal/{layer}/v1/x", headers=tokens.bearer("service")))
    assert seen["layer"] == layer


def test_purpose_is_carried_in_the_context(
    gateway: TestClient, tokens: Tokens, context_verifier: ContextVerifier
) -> None:
    headers = tokens.bearer("medewerker") | {"GBI-Doelbinding": "handhaving"}
    assert _ctx(_seen(gateway.get("/api/v1/aanvragen", headers=headers)), context_verifier).purpose == "handhaving"


def test_unknown_purpose_is_400(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    resp = gateway.get("/api/v1/aanvragen", headers=tokens.bearer("medewerker") | {"GBI-Doelbinding": "nieuwsgierig"})
    body = assert_problem(resp, 400)
    assert body["invalidParams"][0]["name"] == "GBI-Doelbinding"
    assert echo.seen == []


def test_same_token_reuses_its_signed_context(gateway: TestClient, tokens: Tokens) -> None:
    headers = tokens.bearer("medewerker")
    first = _seen(gateway.get("/api/v1/aanvragen", headers=headers))["headers"]["gbi-context"]
    second = _seen(gateway.get("/api/v1/aanvragen", headers=headers))["headers"]["gbi-context"]
    other = _seen(gateway.get("/api/v1/aanvragen", headers=headers | {"GBI-Doelbinding": "beheer"}))
    assert first == second
    assert other["headers"]["gbi-context"] != first


def test_methods_and_bodies_are_forwarded(gateway: TestClient, tokens: Tokens) -> None:
    headers = tokens.bearer("medewerker") | {"Content-Type": "application/json", "Idempotency-Key": "k-9"}
    for method in ("PUT", "PATCH", "DELETE"):
        seen = _seen(gateway.request(method, "/api/v1/aanvragen/7", headers=headers, content=b'{"a":1}'))
        assert seen["method"] == method
        assert seen["body"] == '{"a":1}'
        assert seen["headers"]["idempotency-key"] == "k-9"


def test_actions_after_a_colon_are_routed(gateway: TestClient, tokens: Tokens) -> None:
    seen = _seen(gateway.post("/api/v1/aanvragen:zoek", headers=tokens.bearer("medewerker"), json={}))
    assert seen["layer"] == "interaction"
    assert seen["path"] == "/api/v1/aanvragen:zoek"


def test_trace_context_continues_upstream(gateway: TestClient, tokens: Tokens) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    headers = tokens.bearer("burger") | {"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}
    seen = _seen(gateway.get("/api/v1/aanvragen", headers=headers))
    forwarded = seen["headers"]["traceparent"].split("-")
    assert forwarded[1] == trace_id
    assert forwarded[2] != "00f067aa0ba902b7"  # a new span: the gateway's own hop


# --- headers a caller may not set ----------------------------------------------------------------------------


def test_caller_cannot_fake_context_gemeente_or_forwarding(
    gateway: TestClient, tokens: Tokens, keys: Keys, context_verifier: ContextVerifier
) -> None:
    forged = _signer(keys).sign(
        RequestContext("boef", ActorType.MEDEWERKER, frozenset({"teamleider"}), gemeente="0599")
    )
    token = tokens.token("burger")
    resp = gateway.get(
        "/api/v1/aanvragen",
        headers={
            "Authorization": f"Bearer {token}",
            "GBI-Context": forged,
            "GBI-Gemeente": "0599",
            "X-Forwarded-For": "10.9.9.9",
            "X-Forwarded-Host": "evil.test",
            "X-Forwarded-Proto": "gopher",
            "X-Real-IP": "10.9.9.9",
            "Forwarded": "for=10.9.9.9",
            "Cookie": "sessie=abc",
            "Proxy-Authorization": "Basic eDp5",
            "Connection": "keep-alive, X-Geheim",
            "X-Geheim": "ja",
            "TE": "trailers",
            "Host": "evil.test",
        },
    )
    seen = _seen(resp)
    headers = seen["headers"]
    ctx = _ctx(seen, context_verifier)
    assert headers["gbi-context"] != forged
    assert ctx.actor_type is ActorType.BURGER
    assert ctx.gemeente is None
    assert "gbi-gemeente" not in headers
    assert headers["x-forwarded-for"] == "testclient"
    assert headers["x-forwarded-proto"] == "http"
    for name in ("authorization", "x-forwarded-host", "x-real-ip", "forwarded", "cookie", "proxy-authorization"):
        assert name not in headers, name
    assert "x-geheim" not in headers
    assert "te" not in headers
    assert headers["host"].startswith("127.0.0.1:")
    # exactly one of each header the gateway sets
    names = [k for k, _ in seen["header_list"]]
    for name in ("gbi-context", "x-forwarded-for", "x-request-id"):
        assert names.count(name) == 1, name


def test_only_listed_request_headers_pass(gateway: TestClient, tokens: Tokens) -> None:
    passing = {
        "Accept": "application/hal+json",
        "Accept-Language": "nl",
        "Content-Crs": "EPSG:28992",
        "Accept-Crs": "EPSG:28992",
        "If-Match": '"v1"',
        "If-None-Match": '"v2"',
        "User-Agent": "portaal/1.0",
    }
    seen = _seen(gateway.get("/api/v1/aanvragen", headers=tokens.bearer("burger") | passing | {"X-Eigen": "nee"}))
    for name, value in passing.items():
        assert seen["headers"][name.lower()] == value
    assert "x-eigen" not in seen["headers"]


# --- service delegation ---------------------------------------------------------------------------------------


def test_service_forwarding_a_context_gets_it_with_via(
    gateway: TestClient, tokens: Tokens, keys: Keys, context_verifier: ContextVerifier
) -> None:
    burger = RequestContext("burger-1", ActorType.BURGER, frozenset({"burger"}), bsn=VALID_BSN, purpose="betaling")
    headers = tokens.bearer("service") | {"GBI-Context": _signer(keys).sign(burger)}
    seen = _seen(gateway.get("/internal/data/v1/personen", headers=headers))
    ctx = _ctx(seen, context_verifier)
    assert ctx.actor_id == "burger-1"
    assert ctx.actor_type is ActorType.BURGER
    assert ctx.bsn == VALID_BSN
    assert ctx.purpose == "betaling"
    assert ctx.via == "gbi-process"
    assert ctx.gemeente is None


def test_service_adds_the_gemeente_to_a_burger_context(
    gateway: TestClient, tokens: Tokens, keys: Keys, context_verifier: ContextVerifier
) -> None:
    burger = RequestContext("burger-1", ActorType.BURGER, frozenset({"burger"}), bsn=VALID_BSN)
    headers = tokens.bearer("service") | {"GBI-Context": _signer(keys).sign(burger), "GBI-Gemeente": "0363"}
    ctx = _ctx(_seen(gateway.get("/internal/data/v1/personen", headers=headers)), context_verifier)
    assert ctx.gemeente == "0363"
    assert ctx.via == "gbi-process"
    assert ctx.actor_type is ActorType.BURGER


def test_service_may_repeat_but_not_change_the_gemeente(
    gateway: TestClient, echo: Echo, tokens: Tokens, keys: Keys, context_verifier: ContextVerifier
) -> None:
    mw = RequestContext("mw-1", ActorType.MEDEWERKER, frozenset({"klantmanager"}), gemeente="0363")
    signed = _signer(keys).sign(mw)
    same = tokens.bearer("service") | {"GBI-Context": signed, "GBI-Gemeente": "0363"}
    assert _ctx(_seen(gateway.get("/internal/data/v1/x", headers=same)), context_verifier).gemeente == "0363"
    echo.seen.clear()
    other = tokens.bearer("service") | {"GBI-Context": signed, "GBI-Gemeente": "0599"}
    body = assert_problem(gateway.get("/internal/data/v1/x", headers=other), 403)
    assert body["code"] == "forbidden"
    assert echo.seen == []


def test_service_acting_for_a_gemeente(gateway: TestClient, tokens: Tokens, context_verifier: ContextVerifier) -> None:
    headers = tokens.bearer("service") | {"GBI-Gemeente": "0518"}
    ctx = _ctx(_seen(gateway.get("/internal/process/v1/taken", headers=headers)), context_verifier)
    assert ctx.actor_type is ActorType.SERVICE
    assert ctx.gemeente == "0518"
    assert ctx.via is None
    assert _seen(gateway.get("/internal/process/v1/taken", headers=headers))["headers"].get("gbi-gemeente") is None


@pytest.mark.parametrize("gemeente", ["363", "03630", "abcd", "", " 0363"])
def test_service_with_a_malformed_gemeente_is_400(
    gateway: TestClient, echo: Echo, tokens: Tokens, gemeente: str
) -> None:
    body = assert_problem(
        gateway.get("/internal/data/v1/x", headers=tokens.bearer("service") | {"GBI-Gemeente": gemeente}), 400
    )
    assert body["invalidParams"][0]["name"] == "GBI-Gemeente"
    assert echo.seen == []


def test_a_delegated_context_is_signed_once_per_context_and_gemeente(
    gateway: TestClient, tokens: Tokens, keys: Keys, context_verifier: ContextVerifier
) -> None:
    """A process step makes many calls with one context: the gateway signs it once and reuses the token (the
    services then verify it once too). Another context, another gemeente or none gives another token."""
    mw = RequestContext("mw-1", ActorType.MEDEWERKER, frozenset({"klantmanager"}), gemeente="0363")
    signed = _signer(keys).sign(mw)
    headers = tokens.bearer("service") | {"GBI-Context": signed}

    def token(extra: dict[str, str]) -> str:
        seen = _seen(gateway.get("/internal/data/v1/x", headers=headers | extra))
        value: str = seen["headers"]["gbi-context"]
        return value

    first = token({})
    assert token({}) == first
    assert context_verifier.verify(first).via == "gbi-process"
    with_gemeente = token({"GBI-Gemeente": "0363"})
    assert with_gemeente != first
    assert token({"GBI-Gemeente": "0363"}) == with_gemeente
    other = token({"GBI-Context": _signer(keys).sign(mw)})
    assert other != first
    assert context_verifier.verify(other) == context_verifier.verify(first)


def test_a_delegation_is_not_reused_past_the_forwarded_context_expiry(
    gateway: TestClient, echo: Echo, tokens: Tokens, keys: Keys
) -> None:
    """A forwarded context that expired a moment ago still passes within the verifier's leeway (5 s); the
    gateway must not keep its delegation alive beyond that: once the leeway is over it is 401, cache or not."""
    late = ContextSigner(keys.context_private_pem, issuer="gbi-gateway", audience="gbi-services", ttl_s=-4)
    headers = tokens.bearer("service") | {"GBI-Context": late.sign(RequestContext("x", ActorType.BURGER))}
    _seen(gateway.get("/internal/data/v1/x", headers=headers))
    echo.seen.clear()
    time.sleep(1.5)
    assert_problem(gateway.get("/internal/data/v1/x", headers=headers), 401)
    assert echo.seen == []


def test_service_forwarding_a_forged_context_is_401(
    gateway: TestClient, echo: Echo, tokens: Tokens, keys: Keys
) -> None:
    forged = ContextSigner(
        jwt.algorithms.ECAlgorithm.from_jwk(json.dumps(keys.jwks["keys"][1])) and keys.context_private_pem,
        issuer="iemand-anders",
        audience="gbi-services",
    ).sign(RequestContext("x", ActorType.MEDEWERKER, frozenset({"teamleider"}), gemeente="0363"))
    for context in (forged, "rommel"):
        resp = gateway.get("/internal/data/v1/x", headers=tokens.bearer("service") | {"GBI-Context": context})
        assert_problem(resp, 401)
    expired = ContextSigner(keys.context_private_pem, issuer="gbi-gateway", audience="gbi-services", ttl_s=-60)
    resp = gateway.get(
        "/internal/data/v1/x",
        headers=tokens.bearer("service") | {"GBI-Context": expired.sign(RequestContext("x", ActorType.BURGER))},
    )
    assert_problem(resp, 401)
    assert echo.seen == []


def test_public_routes_work_for_services_too(
    gateway: TestClient, tokens: Tokens, context_verifier: ContextVerifier
) -> None:
    ctx = _ctx(_seen(gateway.get("/api/v1/normen", headers=tokens.bearer("service"))), context_verifier)
    assert ctx.actor_type is ActorType.SERVICE


# --- routing --------------------------------------------------------------------------------------------------


def _not_found_shape(body: dict[str, Any], path: str) -> dict[str, Any]:
    shape = {k: v for k, v in body.items() if k != "instance"}
    shape["detail"] = shape["detail"].replace(path, "<pad>")
    assert body["instance"].startswith(path + "#")
    return shape


@pytest.mark.parametrize("actor", ["burger", "medewerker", "systeem"])
def test_internal_routes_do_not_exist_for_outside_callers(
    gateway: TestClient, echo: Echo, tokens: Tokens, actor: str
) -> None:
    headers = tokens.bearer(actor, roles=["integrator", "gbi-service"]) if actor != "burger" else tokens.bearer(actor)
    internal = gateway.get("/internal/data/v1/personen", headers=headers)
    unknown = gateway.get("/api/v1/bestaat-niet", headers=headers)
    unknown_layer = gateway.get("/internal/kluis/v1/personen", headers=headers)
    assert_problem(internal, 404)
    assert_problem(unknown, 404)
    assert (
        _not_found_shape(internal.json(), "/internal/data/v1/personen")
        == _not_found_shape(unknown.json(), "/api/v1/bestaat-niet")
        == _not_found_shape(unknown_layer.json(), "/internal/kluis/v1/personen")
    )
    assert set(internal.headers) == set(unknown.headers)
    assert echo.seen == []


@pytest.mark.parametrize(
    "path",
    # "/" is the start page of the web pages (gbi_gateway.web), no API route.
    ["/api/v1/normenkader", "/api/v1/aanvragenlijst/1", "/api/v1", "/api/v2/aanvragen", "/API/v1/aanvragen"],
)
def test_route_matching_on_segment_boundaries(gateway: TestClient, echo: Echo, tokens: Tokens, path: str) -> None:
    assert_problem(gateway.get(path, headers=tokens.bearer("medewerker")), 404)
    assert echo.seen == []


def test_unknown_path_without_token_is_404(gateway: TestClient) -> None:
    assert_problem(gateway.get("/api/v1/bestaat-niet"), 404)


def raw_request(client: TestClient, raw_path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """Send a request path exactly as given (an HTTP client library would normalise dot segments away), straight
    to the ASGI app on the test client's event loop."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("latin-1"),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")] + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    messages: list[dict[str, Any]] = []
    sent_body = False

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    assert client.portal is not None
    client.portal.call(client.app, scope, receive, send)
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


@pytest.mark.parametrize(
    "raw",
    [
        "/api/v1/aanvragen/../../../internal/interaction/v1/geheim",
        "/api/v1/aanvragen/%2e%2e/%2e%2e/%2e%2e/internal/interaction/v1/geheim",
        "/api/v1/aanvragen/%2E%2E/%2E%2E/%2E%2E/internal/data/v1/geheim",
        "/api/v1/aanvragen/..%2F..%2F..%2Finternal/interaction/v1/geheim",
        "/api/v1/aanvragen/./x",
        "/api/v1/aanvragen/%2e/x",
        "/internal/data/v1/../../interaction/v1/x",
    ],
)
def test_dot_segments_cannot_escape_a_route(gateway: TestClient, echo: Echo, tokens: Tokens, raw: str) -> None:
    """A public caller must never reach an internal path through dot segments, literal or percent-encoded."""
    for headers in (tokens.bearer("medewerker"), tokens.bearer("service")):
        status, body = raw_request(gateway, raw, headers)
        assert status == 404, body
        assert json.loads(body)["code"] == "not-found"
    assert echo.seen == []


def test_raw_request_helper_reaches_the_upstream(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    status, body = raw_request(gateway, "/api/v1/aanvragen/x..y/.z", tokens.bearer("medewerker"))
    assert status == 200
    assert json.loads(body)["path"] == "/api/v1/aanvragen/x..y/.z"


def test_encoded_characters_stay_encoded_upstream(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    raw = "/api/v1/aanvragen/a%2Fb%3Fc%23d?echt=1"
    seen = _seen(gateway.send(gateway.build_request("GET", "http://testserver" + raw, headers=tokens.bearer("burger"))))
    assert seen["query"] == "echt=1"
    assert seen["path"] == "/api/v1/aanvragen/a/b?c#d"
    assert seen["raw_path"] == "/api/v1/aanvragen/a%2Fb%3Fc%23d"


# --- limits ---------------------------------------------------------------------------------------------------


def test_rate_limit(make_client: Callable[..., TestClient], tokens: Tokens) -> None:
    client = make_client(rate_limit_per_s=0.5, rate_limit_burst=2)
    headers = tokens.bearer("medewerker")
    assert client.get("/api/v1/aanvragen", headers=headers).status_code == 200
    assert client.get("/api/v1/aanvragen", headers=headers).status_code == 200
    resp = client.get("/api/v1/aanvragen", headers=headers)
    body = assert_problem(resp, 429)
    assert body["code"] == "too-many-requests"
    assert resp.headers["retry-after"] == "2"
    # another caller has its own bucket; systems and services have the large one
    assert client.get("/api/v1/aanvragen", headers=tokens.bearer("medewerker")).status_code == 200
    system = tokens.bearer("systeem")
    assert all(client.get("/api/v1/aanvragen", headers=system).status_code == 200 for _ in range(5))


def test_body_too_large(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    resp = gateway.post("/api/v1/aanvragen", headers=tokens.bearer("burger"), content=b"x" * 5000)
    body = assert_problem(resp, 413)
    assert body["code"] == "payload-too-large"
    assert echo.seen == []


def test_chunked_body_too_large(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    def chunks() -> Any:
        for _ in range(5):
            yield b"x" * 1000

    resp = gateway.post("/api/v1/aanvragen", headers=tokens.bearer("burger"), content=chunks())
    assert_problem(resp, 413)
    assert echo.seen == []


# --- upstream failures ----------------------------------------------------------------------------------------


def test_upstream_down_is_503_quickly(gateway: TestClient, tokens: Tokens) -> None:
    started = time.monotonic()
    resp = gateway.get("/internal/integration/v1/brp", headers=tokens.bearer("service"))
    assert time.monotonic() - started < 1.0
    body = assert_problem(resp, 503)
    assert body["code"] == "service-unavailable"
    assert "gbi-integration" in body["detail"]
    assert resp.headers["retry-after"] == "5"
    assert "Traceback" not in resp.text


def test_upstream_slow_is_504(gateway: TestClient, tokens: Tokens) -> None:
    started = time.monotonic()
    resp = gateway.get("/api/v1/aanvragen?echo_sleep=2", headers=tokens.bearer("burger"))
    elapsed = time.monotonic() - started
    body = assert_problem(resp, 504)
    assert body["code"] == "gateway-timeout"
    assert 0.4 < elapsed < 1.9


@pytest.mark.parametrize("status", [400, 404, 409, 422, 500, 503])
def test_upstream_problem_passes_through_unchanged(gateway: TestClient, tokens: Tokens, status: int) -> None:
    resp = gateway.get(f"/api/v1/aanvragen?echo_status={status}", headers=tokens.bearer("burger"))
    assert resp.status_code == status
    assert resp.headers["content-type"] == PROBLEM
    assert resp.json() == {
        "type": "https://gbi.example.nl/problemen/upstream",
        "title": "Van de laag",
        "status": status,
        "detail": "Precies zo doorgeven",
        "invalidParams": [{"name": "veld", "code": "x", "reason": "waarom"}],
    }
    assert resp.headers["api-version"] == "1.0.0"


def test_hop_by_hop_response_headers_are_not_copied(gateway: TestClient, tokens: Tokens) -> None:
    extra = {
        "Keep-Alive": "timeout=99",
        "Proxy-Authenticate": "Basic",
        "Connection": "X-Hop",
        "X-Hop": "weg",
        "Trailers": "x",
        "Upgrade": "h2c",
        "X-Request-ID": "van-de-laag",
        "API-Version": "9.9.9",
        "Server": "laag/1",
        "Location": "/api/v1/aanvragen/7",
        "ETag": '"v3"',
        "X-Eigen": "blijft",
    }
    resp = gateway.get("/api/v1/aanvragen", params={"echo_headers": json.dumps(extra)}, headers=tokens.bearer("burger"))
    assert resp.status_code == 200
    for name in ("keep-alive", "proxy-authenticate", "x-hop", "trailers", "upgrade", "server"):
        assert name not in resp.headers, name
    assert resp.headers.get_list("api-version") == ["1.0.0"]
    assert resp.headers.get_list("x-request-id") == [resp.headers["x-request-id"]]
    assert resp.headers["x-request-id"] != "van-de-laag"
    assert resp.headers["location"] == "/api/v1/aanvragen/7"
    assert resp.headers["etag"] == '"v3"'
    assert resp.headers["x-eigen"] == "blijft"
    assert int(resp.headers["content-length"]) == len(resp.content)


def test_an_outside_standard_keeps_its_own_api_version(
    make_client: Callable[..., TestClient], upstream: Any, echo: Echo, tokens: Tokens
) -> None:
    """The koppelvlakken answer with their standard's API-version (behandelen 0.95); GBI's own /api/v1 and the
    internal routes answer with the gateway's, whatever the layer says; the gateway's own errors carry its own."""
    client = make_client(upstream_integration_url=upstream.url["integration"])
    versie = {"echo_headers": json.dumps({"API-version": "0.95"})}
    koppelvlak = "/koppelvlakken/levensonderhoud/AanvragenLevensonderhoudBehandeld/7"
    resp = client.get(koppelvlak, params=versie, headers=tokens.bearer("systeem"))
    assert resp.status_code == 200, resp.text
    assert echo.seen[-1]["layer"] == "integration"
    assert resp.headers.get_list("api-version") == ["0.95"]
    problem = client.get(
        koppelvlak,
        params={"echo_status": "404", **versie},
        headers=tokens.bearer("systeem"),
    )
    assert problem.status_code == 404
    assert problem.headers.get_list("api-version") == ["0.95"]
    # A layer that states no version: the gateway states its own (never no header at all).
    resp = client.get(koppelvlak, headers=tokens.bearer("systeem"))
    assert resp.headers.get_list("api-version") == ["1.0.0"]
    # Not for the caller to decide: without a token the gateway answers, with its own version.
    assert client.get(koppelvlak, params=versie).headers.get_list("api-version") == ["1.0.0"]
    for path, actor in (("/api/v1/aanvragen", "burger"), ("/internal/data/v1/x", "service")):
        resp = client.get(path, params=versie, headers=tokens.bearer(actor))
        assert resp.status_code == 200, resp.text
        assert resp.headers.get_list("api-version") == ["1.0.0"], path


def test_repeated_response_headers_all_pass(gateway: TestClient, tokens: Tokens) -> None:
    extra = [
        ["Link", '</api/v1/aanvragen?page=2>; rel="next"'],
        ["Link", '</api/v1/aanvragen?page=9>; rel="last"'],
        ["Vary", "Accept"],
        ["Vary", "Accept-Language"],
    ]
    resp = gateway.get("/api/v1/aanvragen", params={"echo_headers": json.dumps(extra)}, headers=tokens.bearer("burger"))
    assert resp.status_code == 200
    assert resp.headers.get_list("link") == [extra[0][1], extra[1][1]]
    assert resp.headers.get_list("vary") == ["Accept", "Accept-Language"]


def test_gateway_without_context_key_refuses_requests(
    make_client: Callable[..., TestClient], tokens: Tokens, echo: Echo
) -> None:
    client = make_client(context_private_key=None)
    assert_problem(client.get("/api/v1/aanvragen", headers=tokens.bearer("burger")), 401)
    assert echo.seen == []
    resp = client.get("/health/ready")
    assert resp.status_code == 503
    assert resp.json()["checks"]["context-key"] != "ok"


def test_unknown_bsn_caller_has_its_own_context(
    gateway: TestClient, tokens: Tokens, context_verifier: ContextVerifier
) -> None:
    first = _ctx(_seen(gateway.get("/api/v1/aanvragen", headers=tokens.bearer("burger"))), context_verifier)
    second = _ctx(
        _seen(gateway.get("/api/v1/aanvragen", headers=tokens.bearer("burger", bsn=OTHER_VALID_BSN))),
        context_verifier,
    )
    assert first.bsn == VALID_BSN
    assert second.bsn == OTHER_VALID_BSN


def test_an_upstream_redirect_reaches_the_caller_unfollowed(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    # The Location points back at the same upstream: a proxy that followed it would ask the layer twice.
    headers = json.dumps({"Location": "/api/v1/ergens-anders"})
    resp = gateway.get(
        "/api/v1/aanvragen?echo_status=303&echo_headers=" + quote(headers),
        headers={"Authorization": f"Bearer {tokens.rs256(tokens.claims('burger'))}"},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    assert resp.headers["location"] == "/api/v1/ergens-anders"
    assert [seen["path"] for seen in echo.seen] == ["/api/v1/aanvragen"]

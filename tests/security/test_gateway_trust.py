"""What the real gateway trusts, with the real identity provider's keys: forged, confused, expired, foreign tokens
are refused with a clean 401; headers a client sends to fake the verified context (GBI-Context, even one signed
with the gateway's own key, GBI-Gemeente, X-Forwarded-*) change nothing; internal routes do not exist for outside
callers; every response of every process carries the security headers; the rate limit is per client.

The gateway's unit tests (gateway/tests/test_auth.py, test_proxy.py) prove each check against a test key set; here
the same attacks go at the running suite.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gbi_runner import Suite
from gbi_runner.suite import COMPONENTS, REPO_ROOT
from gbi_shared.context import ActorType, ContextSigner, RequestContext

from .conftest import KATINKA, PROBLEM_JSON, Http, Tokens, free_base_port, oversized, port_free, wait_for

pytestmark = pytest.mark.e2e

ANDERE_BURGER = "999993112"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def idp_key(suite: Suite) -> Any:
    pem = (suite.config.var_dir / "keys" / "idp-signing.pem").read_bytes()
    return serialization.load_pem_private_key(pem, password=None)


def _claims(suite: Suite, tokens: Tokens, **changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    real = tokens.burger(ANDERE_BURGER)
    header = jwt.get_unverified_header(real)
    claims = jwt.decode(real, options={"verify_signature": False})
    claims.update({"exp": int(time.time()) + 300, "iat": int(time.time()), "jti": uuid.uuid4().hex})
    for k, v in changes.items():
        if v is None:
            claims.pop(k, None)
        else:
            claims[k] = v
    return header, claims


def _refused(gateway: Http, token: str) -> dict[str, Any]:
    status, headers, body = gateway.call("GET", "/api/v1/aanvragen", token=token)
    assert status == 401, body
    assert headers["content-type"].startswith(PROBLEM_JSON)
    assert "www-authenticate" in headers
    return dict(body)


def test_a_token_signed_with_the_idps_key_is_accepted(
    gateway: Http, suite: Suite, tokens: Tokens, idp_key: Any
) -> None:
    # The positive control for every refusal below: the same forging code with nothing wrong gets in.
    header, claims = _claims(suite, tokens)
    token = jwt.encode(claims, idp_key, algorithm="RS256", headers={"kid": header["kid"]})
    assert gateway.call("GET", "/api/v1/aanvragen", token=token)[0] == 200


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("aud", "iemand-anders"),
        ("aud", None),
        ("iss", "https://idp.example.org"),
        ("iss", None),
        ("exp", 1_700_000_000),
        ("exp", None),
        ("nbf", 4_000_000_000),
        ("gbi_actor_type", "god"),
        ("gbi_actor_type", "service"),
    ],
)
def test_claims_that_are_refused(
    gateway: Http, suite: Suite, tokens: Tokens, idp_key: Any, claim: str, value: Any
) -> None:
    header, claims = _claims(suite, tokens, **{claim: value})
    _refused(gateway, jwt.encode(claims, idp_key, algorithm="RS256", headers={"kid": header["kid"]}))


def test_alg_none(gateway: Http, suite: Suite, tokens: Tokens) -> None:
    header, claims = _claims(suite, tokens)
    for alg in ("none", "None", "NONE"):
        token = f"{_b64(json.dumps({'alg': alg, 'kid': header['kid']}).encode())}.{_b64(json.dumps(claims).encode())}."
        _refused(gateway, token)


def test_hs256_with_the_idps_public_key_as_secret(gateway: Http, suite: Suite, tokens: Tokens, idp_key: Any) -> None:
    header, claims = _claims(suite, tokens)
    public_pem = idp_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for alg in ("HS256", "HS384", "HS512"):
        signing_input = f"{_b64(json.dumps({'alg': alg, 'typ': 'JWT', 'kid': header['kid']}).encode())}." + _b64(
            json.dumps(claims).encode()
        )
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        sig = hmac.new(public_pem, signing_input.encode(), digest).digest()
        _refused(gateway, f"{signing_input}.{_b64(sig)}")


def test_a_strangers_key_with_the_idps_kid(gateway: Http, suite: Suite, tokens: Tokens) -> None:
    header, claims = _claims(suite, tokens)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _refused(gateway, jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": header["kid"]}))
    _refused(gateway, jwt.encode(claims, stranger, algorithm="RS256"))


def test_a_tampered_payload(gateway: Http, tokens: Tokens) -> None:
    head, payload, sig = tokens.burger(ANDERE_BURGER).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["bsn"] = KATINKA
    _refused(gateway, f"{head}.{_b64(json.dumps(claims).encode())}.{sig}")


def test_client_set_context_headers_change_nothing(gateway: Http, suite: Suite, tokens: Tokens, besloten: str) -> None:
    """Another citizen sends a GBI-Context for Katinka (signed with the gateway's own key: the strongest forgery
    there is), GBI-Gemeente and X-Forwarded-* headers: the answer is the one without them."""
    key = (suite.config.var_dir / "keys" / "context-private.pem").read_text()
    signer = ContextSigner(key, issuer="gbi-gateway", audience="gbi-services", ttl_s=300)
    forged = signer.sign(RequestContext(f"burger-{KATINKA}", ActorType.BURGER, bsn=KATINKA, gemeente="0599"))
    other = tokens.burger(ANDERE_BURGER)
    fakes = {
        "GBI-Context": forged,
        "GBI-Gemeente": "0599",
        "X-Forwarded-For": "10.0.0.1",
        "X-Forwarded-Host": "intern",
        "X-Forwarded-Proto": "https",
    }
    for path in ("/api/v1/aanvragen", f"/api/v1/aanvragen/{besloten}", f"/api/v1/aanvragen/{besloten}/beschikking"):
        plain = gateway.call("GET", path, token=other)
        faked = gateway.call("GET", path, token=other, headers=fakes)
        assert faked[0] == plain[0], (path, faked)
        assert KATINKA not in json.dumps(faked[2]) if not isinstance(faked[2], bytes) else True
        assert besloten not in json.dumps(faked[2].get("items", [])) if isinstance(faked[2], dict) else True
    # Staff of Amsterdam asking for Rotterdam's tasks through GBI-Gemeente: still Amsterdam's view.
    staff = tokens.medewerker("0363", "klantmanager,inkomensconsulent,teamleider")
    plain = gateway.call("GET", "/api/v1/taken/tellingen", token=staff)
    faked = gateway.call("GET", "/api/v1/taken/tellingen", token=staff, headers={"GBI-Gemeente": "0599"})
    assert (faked[0], faked[2]["items"]) == (plain[0], plain[2]["items"])
    # Without any token, a forged context is no way in either.
    status, _, body = gateway.call("GET", "/api/v1/aanvragen", headers={"GBI-Context": forged})
    assert status == 401, body


@pytest.mark.parametrize("who", ["burger", "medewerker", "integrator"])
def test_internal_routes_do_not_exist_for_outside_callers(gateway: Http, tokens: Tokens, who: str) -> None:
    token = {
        "burger": lambda: tokens.burger(KATINKA),
        "medewerker": lambda: tokens.medewerker("0599", "klantmanager,auditor,beheerder"),
        "integrator": lambda: tokens.integrator("0599"),
    }[who]()
    unknown = gateway.call("GET", "/api/v1/bestaat-niet", token=token)
    for path in (
        "/internal/data/v1/aanvragen",
        "/internal/data/v1/audit",
        "/internal/data/v1/audit:batch",
        "/internal/process/v1/aanvragen",
    ):
        status, headers, body = gateway.call("GET", path, token=token)
        assert status == 404, (path, body)
        assert headers["content-type"].startswith(PROBLEM_JSON)
        assert {k: v for k, v in body.items() if k not in ("instance", "detail")} == {
            k: v for k, v in unknown[2].items() if k not in ("instance", "detail")
        }


# --- security headers -------------------------------------------------------------------------------------------


def _assert_security_headers(headers: dict[str, str], where: str) -> None:
    csp = headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp, where
    assert "frame-ancestors 'none'" in csp, where
    assert "unsafe-inline" not in csp, where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("strict-transport-security", "").startswith("max-age="), where
    assert headers.get("referrer-policy") == "no-referrer", where
    assert headers.get("x-frame-options") == "DENY", where


def test_every_answer_carries_the_security_headers(gateway: Http, suite: Suite, tokens: Tokens, besloten: str) -> None:
    burger = tokens.burger(KATINKA)
    answers = {
        "openapi": gateway.call("GET", "/api/v1/openapi.json"),
        "docs page": gateway.call("GET", "/api/v1/docs"),
        "api 200": gateway.call("GET", f"/api/v1/aanvragen/{besloten}", token=burger),
        "pdf": gateway.call("GET", f"/api/v1/aanvragen/{besloten}/beschikking", token=burger),
        "401": gateway.call("GET", "/api/v1/aanvragen"),
        "404": gateway.call("GET", "/api/v1/bestaat-niet", token=burger),
        "400": gateway.call("GET", "/api/v1/aanvragen?pageSize=nee", token=burger),
        "413": oversized(gateway.base, "/api/v1/aanvragen", burger, chunked=False),
        "koppelvlak": gateway.call(
            "GET",
            f"/koppelvlakken/levensonderhoud/AanvragenLevensonderhoudBeslissing/{besloten}",
            token=tokens.integrator("0599"),
        ),
    }
    assert answers["413"][0] == 413
    assert answers["api 200"][0] == 200
    assert answers["pdf"][0] == 200
    for where, (_, headers, _) in answers.items():
        _assert_security_headers(headers, where)
    for comp in COMPONENTS:
        status, headers, _ = Http(suite.config.url(comp.name)).call("GET", "/health/live")
        assert status == 200
        _assert_security_headers(headers, comp.name)


# --- rate limits ------------------------------------------------------------------------------------------------


def test_the_rate_limit_is_per_client(suite: Suite, tokens: Tokens) -> None:
    """A second gateway (same upstreams, same keys) with a small bucket: one citizen runs out and gets a clean 429
    with Retry-After, another citizen at the same moment does not."""
    port = next(p for p in (free_base_port() + 7 for _ in range(20)) if port_free(p))
    gateway_component = next(c for c in COMPONENTS if c.name == "gateway")
    env = suite.env_for(gateway_component) | {"GBI_RATE_LIMIT_PER_S": "0.2", "GBI_RATE_LIMIT_BURST": "3"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gbi_shared.serve",
            gateway_component.factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        gw = Http(f"http://127.0.0.1:{port}")
        wait_for("the second gateway", lambda: _live(gw), timeout_s=30, interval_s=0.2)
        one, two = tokens.burger(KATINKA), tokens.burger(ANDERE_BURGER)
        assert [gw.call("GET", "/api/v1/aanvragen", token=one)[0] for _ in range(3)] == [200, 200, 200]
        status, headers, body = gw.call("GET", "/api/v1/aanvragen", token=one)
        assert status == 429, body
        assert headers["content-type"].startswith(PROBLEM_JSON)
        assert int(headers["retry-after"]) >= 1
        _assert_security_headers(headers, "429")
        assert gw.call("GET", "/api/v1/aanvragen", token=two)[0] == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def _live(gw: Http) -> bool:
    try:
        return gw.call("GET", "/health/live", timeout=1)[0] == 200
    except OSError:
        return False

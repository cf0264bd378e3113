"""Caller authentication at the gateway: every way a token can be wrong gives 401 problem+json."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import AUDIENCE, ISSUER, Echo, Keys, Tokens

PATH = "/api/v1/aanvragen"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    return signing_input + "." + _b64(signature)


def _hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(mac)


def assert_401(resp: Any, echo: Echo) -> dict[str, Any]:
    assert resp.status_code == 401, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.headers["www-authenticate"] == 'Bearer realm="gbi"'
    assert resp.headers["api-version"] == "1.0.0"
    body: dict[str, Any] = resp.json()
    assert body["status"] == 401
    assert body["code"] == "unauthorized"
    assert body["instance"].startswith(PATH)
    assert echo.seen == [], "nothing may reach a layer without a valid token"
    return body


def test_no_token(gateway: TestClient, echo: Echo) -> None:
    body = assert_401(gateway.get(PATH), echo)
    assert "Bearer" in body["detail"]


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Bearer ", "Token abc", "bearer"])
def test_wrong_authorization_scheme(gateway: TestClient, echo: Echo, header: str) -> None:
    assert_401(gateway.get(PATH, headers={"Authorization": header}), echo)


@pytest.mark.parametrize("token", ["abc", "a.b", "a.b.c", "eyJhbGciOiJSUzI1NiJ9..", "é.é.é"])
def test_malformed_token(gateway: TestClient, echo: Echo, token: str) -> None:
    resp = gateway.get(PATH, headers={"Authorization": f"Bearer {token}".encode()})
    assert_401(resp, echo)


def test_alg_none(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    claims = tokens.claims("medewerker", roles=["teamleider"])
    for alg in ("none", "None", "NONE"):
        token = _unsigned({"alg": alg, "typ": "JWT", "kid": "rsa-1"}, claims)
        body = assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}), echo)
        assert "niet toegestaan" in body["detail"]


def test_hs256_with_the_rsa_public_key_as_secret(gateway: TestClient, echo: Echo, tokens: Tokens, keys: Keys) -> None:
    """Algorithm confusion: the IdP's public key (published in the JWKS) used as an HMAC secret."""
    claims = tokens.claims("medewerker", roles=["beheerder"])
    for kid in ("rsa-1", "hmac-1", None):
        header = {"alg": "HS256", "typ": "JWT"} | ({"kid": kid} if kid else {})
        token = _hs256(header, claims, keys.rsa_public_pem.encode())
        assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}), echo)
    # and with the symmetric key that sits (wrongly) in the key set
    token = _hs256({"alg": "HS256", "kid": "hmac-1"}, claims, b"secret")
    assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}), echo)


def test_unknown_kid(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    token = tokens.rs256(tokens.claims("burger"), kid="rsa-2")
    body = assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}), echo)
    assert "onbekende sleutel" in body["detail"]


def test_encryption_key_is_not_a_signing_key(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    token = tokens.rs256(tokens.claims("burger"), kid="rsa-enc")
    assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}), echo)


def test_no_kid_with_several_keys(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    token = tokens.rs256(tokens.claims("burger"), kid=None)
    assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}), echo)


def test_signed_by_a_stranger_with_a_known_kid(gateway: TestClient, echo: Echo, tokens: Tokens, keys: Keys) -> None:
    token = tokens.rs256(tokens.claims("burger"), key=keys.stranger_rsa)
    assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}), echo)


def test_algorithm_must_match_the_key(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    # An ES256 token that names the RSA key, and an RS256 token that names the EC key.
    es = tokens.es256(tokens.claims("burger"), kid="rsa-1")
    rs = tokens.rs256(tokens.claims("burger"), kid="ec-1")
    for token in (es, rs):
        assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}), echo)


def test_tampered_payload(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    header, _, signature = tokens.token("medewerker").split(".")
    payload = _b64(json.dumps(tokens.claims("medewerker", roles=["teamleider"])).encode())
    assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {header}.{payload}.{signature}"}), echo)


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://evil.test/idp"},
        {"aud": "iets-anders"},
        {"aud": ["iets-anders", "nog-iets"]},
        {"exp": int(time.time()) - 120},  # beyond the 30 s leeway
        {"iat": None},
        {"exp": None},
        {"sub": None},
        {"iss": None},
        {"aud": None},
        {"nbf": int(time.time()) + 3600},
    ],
    ids=["issuer", "audience", "audience-list", "expired", "no-iat", "no-exp", "no-sub", "no-iss", "no-aud", "nbf"],
)
def test_claims_that_are_not_accepted(gateway: TestClient, echo: Echo, tokens: Tokens, claims: dict[str, Any]) -> None:
    token = tokens.rs256(tokens.claims("medewerker", **claims))
    assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}), echo)


def test_expired_says_so(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    now = int(time.time())
    token = tokens.rs256(tokens.claims("burger", iat=now - 1000, exp=now - 60))
    body = assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}), echo)
    assert body["detail"] == "Token is verlopen"


def test_expired_within_leeway_is_accepted(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    now = int(time.time())
    token = tokens.rs256(tokens.claims("burger", iat=now - 1000, exp=now - 5))
    assert gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_audience_in_a_list_is_accepted(gateway: TestClient, tokens: Tokens) -> None:
    token = tokens.rs256(tokens.claims("burger", aud=["account", AUDIENCE]))
    assert gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize(
    ("actor", "claims"),
    [
        ("medewerker", {"gbi_actor_type": None}),
        ("medewerker", {"gbi_actor_type": "admin"}),
        ("burger", {"bsn": "123456789"}),  # fails the elfproef
        ("burger", {"bsn": None}),
        ("burger", {"bsn": "99999365"}),
        ("medewerker", {"gemeente": None}),
        ("medewerker", {"gemeente": "363"}),
        ("medewerker", {"gemeente": "Amsterdam"}),
        ("systeem", {"gemeente": "03630"}),
        ("service", {"roles": ["integrator"]}),
        ("service", {"roles": "gbi-service"}),
    ],
    ids=[
        "no-actor-type",
        "unknown-actor-type",
        "bsn-elfproef",
        "bsn-missing",
        "bsn-short",
        "gemeente-missing",
        "gemeente-short",
        "gemeente-name",
        "gemeente-long",
        "service-without-role",
        "service-roles-not-a-list",
    ],
)
def test_claims_that_do_not_make_a_caller(
    gateway: TestClient, echo: Echo, tokens: Tokens, actor: str, claims: dict[str, Any]
) -> None:
    token = tokens.rs256(tokens.claims(actor, **claims))
    assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}), echo)


def test_es256_tokens_are_accepted(gateway: TestClient, tokens: Tokens) -> None:
    token = tokens.es256(tokens.claims("medewerker"))
    assert gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_issuer_must_match_exactly(gateway: TestClient, echo: Echo, tokens: Tokens) -> None:
    for iss in (ISSUER + "/", ISSUER.upper(), ISSUER + "x"):
        token = tokens.rs256(tokens.claims("burger", iss=iss))
        assert_401(gateway.get(PATH, headers={"Authorization": f"Bearer {token}"}), echo)

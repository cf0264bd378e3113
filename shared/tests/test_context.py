"""GBI-Context: the gateway signs the verified caller context, every service verifies it itself."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest

from gbi_shared.context import ActorType, ContextSigner, ContextVerifier, RequestContext
from gbi_shared.errors import UnauthorizedError

from .conftest import EcKeyPair

ISS, AUD = "gbi-gateway", "gbi-services"

BURGER = RequestContext(
    actor_id="burger-1",
    actor_type=ActorType.BURGER,
    roles=frozenset({"burger"}),
    bsn="999993653",
    purpose="aanvraag-levensonderhoud",
)
MEDEWERKER = RequestContext(
    actor_id="mw-7",
    actor_type=ActorType.MEDEWERKER,
    roles=frozenset({"klantmanager", "teamleider"}),
    gemeente="0363",
    client_id="portaal",
    via="gbi-process",
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_claims_round_trip() -> None:
    for ctx in (BURGER, MEDEWERKER):
        assert RequestContext.from_claims(ctx.to_claims()) == ctx
    claims = BURGER.to_claims()
    assert claims["act"] == "burger"
    assert claims["roles"] == ["burger"]
    assert "gemeente" not in claims
    assert "via" not in claims


def test_from_claims_defaults_and_missing_fields() -> None:
    ctx = RequestContext.from_claims({"sub": "s", "act": "service"})
    assert ctx.actor_type is ActorType.SERVICE
    assert ctx.roles == frozenset()
    assert ctx.purpose == "participatiewet"
    with pytest.raises(UnauthorizedError):
        RequestContext.from_claims({"sub": "s"})
    with pytest.raises(UnauthorizedError):
        RequestContext.from_claims({"sub": "s", "act": "koning"})


def test_has_role_and_with_gemeente() -> None:
    assert MEDEWERKER.has_role("teamleider", "auditor")
    assert not MEDEWERKER.has_role("auditor")
    moved = BURGER.with_gemeente("0599")
    assert moved.gemeente == "0599"
    assert BURGER.gemeente is None
    assert moved.bsn == BURGER.bsn


def test_sign_and_verify(context_keys: EcKeyPair) -> None:
    signer = ContextSigner(context_keys.private_pem, issuer=ISS, audience=AUD, ttl_s=300)
    verifier = ContextVerifier(context_keys.public_pem, issuer=ISS, audience=AUD)
    token = signer.sign(MEDEWERKER)
    assert verifier.verify(token) == MEDEWERKER
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == ISS
    assert claims["aud"] == AUD
    assert claims["exp"] - claims["iat"] == 300
    assert claims["jti"]
    assert signer.sign(MEDEWERKER) != token  # a fresh jti every time


def test_tampered_context_is_refused(context_keys: EcKeyPair) -> None:
    signer = ContextSigner(context_keys.private_pem, issuer=ISS, audience=AUD)
    verifier = ContextVerifier(context_keys.public_pem, issuer=ISS, audience=AUD)
    header, payload, signature = signer.sign(BURGER).split(".")
    claims = json.loads(_unb64(payload))
    claims["roles"] = ["teamleider"]
    forged = ".".join([header, _b64(json.dumps(claims).encode()), signature])
    with pytest.raises(UnauthorizedError):
        verifier.verify(forged)


@pytest.mark.parametrize(
    ("issuer", "audience", "ttl"),
    [
        ("someone-else", AUD, 300),  # wrong issuer
        (ISS, "other-audience", 300),  # wrong audience
        (ISS, AUD, -60),  # expired (beyond the leeway)
    ],
)
def test_wrong_issuer_audience_or_expired_is_refused(
    context_keys: EcKeyPair, issuer: str, audience: str, ttl: int
) -> None:
    token = ContextSigner(context_keys.private_pem, issuer=issuer, audience=audience, ttl_s=ttl).sign(BURGER)
    with pytest.raises(UnauthorizedError):
        ContextVerifier(context_keys.public_pem, issuer=ISS, audience=AUD).verify(token)


def test_context_signed_with_another_key_is_refused(context_keys: EcKeyPair, other_keys: EcKeyPair) -> None:
    token = ContextSigner(other_keys.private_pem, issuer=ISS, audience=AUD).sign(BURGER)
    with pytest.raises(UnauthorizedError):
        ContextVerifier(context_keys.public_pem, issuer=ISS, audience=AUD).verify(token)


def test_hmac_with_the_public_key_is_refused(context_keys: EcKeyPair) -> None:
    """Algorithm confusion: the public key (which everybody has) used as an HMAC secret."""
    now = int(time.time())
    claims = BURGER.to_claims() | {"iss": ISS, "aud": AUD, "iat": now, "exp": now + 300}
    signing_input = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + _b64(json.dumps(claims).encode())
    mac = hmac.new(context_keys.public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(UnauthorizedError):
        ContextVerifier(context_keys.public_pem, issuer=ISS, audience=AUD).verify(signing_input + "." + _b64(mac))


def test_unsigned_context_is_refused(context_keys: EcKeyPair) -> None:
    now = int(time.time())
    claims = BURGER.to_claims() | {"iss": ISS, "aud": AUD, "iat": now, "exp": now + 300}
    token = _b64(json.dumps({"alg": "none"}).encode()) + "." + _b64(json.dumps(claims).encode()) + "."
    with pytest.raises(UnauthorizedError):
        ContextVerifier(context_keys.public_pem, issuer=ISS, audience=AUD).verify(token)


def test_context_without_required_claims_is_refused(context_keys: EcKeyPair) -> None:
    now = int(time.time())
    token = jwt.encode(
        {"act": "burger", "iss": ISS, "aud": AUD, "iat": now, "exp": now + 60},  # no sub
        context_keys.private_pem,
        algorithm="ES256",
    )
    with pytest.raises(UnauthorizedError):
        ContextVerifier(context_keys.public_pem, issuer=ISS, audience=AUD).verify(token)
    no_actor = jwt.encode(
        {"sub": "x", "iss": ISS, "aud": AUD, "iat": now, "exp": now + 60}, context_keys.private_pem, algorithm="ES256"
    )
    with pytest.raises(UnauthorizedError, match="onvolledig"):
        ContextVerifier(context_keys.public_pem, issuer=ISS, audience=AUD).verify(no_actor)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "eyJhbGciOiJFUzI1NiJ9.e30."])
def test_garbage_is_refused(context_keys: EcKeyPair, garbage: str) -> None:
    with pytest.raises(UnauthorizedError):
        ContextVerifier(context_keys.public_pem, issuer=ISS, audience=AUD).verify(garbage)


def test_a_verified_context_is_remembered_until_it_expires(context_keys: EcKeyPair) -> None:
    """The verifier remembers a token that verified (the gateway reuses signed contexts), but only until the
    token's own expiry: a remembered token is refused from then on, exactly as a fresh verify refuses it."""
    verifier = ContextVerifier(context_keys.public_pem, issuer=ISS, audience=AUD, leeway_s=0)
    token = ContextSigner(context_keys.private_pem, issuer=ISS, audience=AUD, ttl_s=1).sign(MEDEWERKER)
    context, expires = verifier.verify_until(token)
    assert context == MEDEWERKER
    assert expires == jwt.decode(token, options={"verify_signature": False})["exp"]
    assert verifier.verify(token) == MEDEWERKER  # remembered
    time.sleep(max(0.0, expires - time.time()) + 0.2)
    with pytest.raises(UnauthorizedError):
        verifier.verify(token)


def test_a_remembered_context_lets_no_altered_copy_through(context_keys: EcKeyPair) -> None:
    signer = ContextSigner(context_keys.private_pem, issuer=ISS, audience=AUD)
    verifier = ContextVerifier(context_keys.public_pem, issuer=ISS, audience=AUD, cache_size=2)
    token = signer.sign(BURGER)
    assert verifier.verify(token) == BURGER
    header, payload, signature = token.split(".")
    claims = json.loads(_unb64(payload))
    claims["roles"] = ["teamleider"]
    for forged in (".".join([header, _b64(json.dumps(claims).encode()), signature]), token + "x", token[:-2]):
        with pytest.raises(UnauthorizedError):
            verifier.verify(forged)
    # Bounded: older entries make room, and an evicted token still verifies (afresh).
    others = [signer.sign(MEDEWERKER) for _ in range(3)]
    assert [verifier.verify(t) for t in others] == [MEDEWERKER] * 3
    assert verifier.verify(token) == BURGER

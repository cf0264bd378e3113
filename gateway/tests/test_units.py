"""Unit tests of the gateway's parts: route table, rate limiter, BSN check, claims mapping, token verifier, settings."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry.sdk.trace import TracerProvider
from pydantic import SecretStr

from gbi_gateway import auth as auth_module
from gbi_gateway.auth import STAFF_ROLES, TokenVerifier, context_from_claims
from gbi_gateway.ratelimit import RateLimiter
from gbi_gateway.routes import PUBLIC_ROUTES, Route, RouteTable
from gbi_gateway.settings import LAYERS, GatewaySettings
from gbi_shared._http import HttpResponse, HttpTransport
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.common import is_valid_bsn as valid_bsn
from gbi_shared.errors import ServiceUnavailableError, UnauthorizedError
from gbi_testing import dead_port

from .conftest import AUDIENCE, ISSUER, VALID_BSN, Keys, Tokens

# --- RouteTable -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/aanvragen", Route("interaction", False)),
        ("/api/v1/aanvragen/", Route("interaction", False)),
        ("/api/v1/aanvragen/12/documenten", Route("interaction", False)),
        ("/api/v1/aanvragen:zoek", Route("interaction", False)),
        ("/api/v1/proefberekeningen", Route("interaction", False)),
        ("/api/v1/normen", Route("domain", False)),
        ("/api/v1/normen/2026/bijstandsnormen", Route("domain", False)),
        ("/api/v1/berekeningen", Route("domain", False)),
        ("/internal/data/v1/personen", Route("data", True)),
        ("/internal/process/", Route("process", True)),
        ("/internal/integration/v1/brp", Route("integration", True)),
        # An outside standard in its own path style states its own API-version.
        (
            "/koppelvlakken/levensonderhoud/AanvragenLevensonderhoudBehandeld/1",
            Route("integration", False, own_version=True),
        ),
        ("/koppelvlakken/levensonderhoudx", None),
        ("/api/v1/normenkader", None),
        ("/api/v1/normen-kader", None),
        ("/api/v1/aanvragenx/1", None),
        ("/api/v1/berekening", None),
        ("/api/v1", None),
        ("/api/v1/", None),
        ("/api/v2/aanvragen", None),
        ("/Api/v1/aanvragen", None),
        ("api/v1/aanvragen", None),
        ("/prefix/api/v1/aanvragen", None),
        ("/internal/data", Route("data", True)),
        ("/internal/", None),
        ("/internal//v1", None),
        ("/internal/kluis/v1/x", None),
        ("/internal/DATA/v1/x", None),
        ("/internalx/data/v1", None),
        ("/internal/data/v1/../../domain/x", None),
        ("/api/v1/aanvragen/./x", None),
        ("/api/v1/aanvragen/..", None),
        ("", None),
        ("/", None),
    ],
)
def test_route_table(path: str, expected: Route | None) -> None:
    assert RouteTable().match(path) == expected


def test_dots_inside_a_segment_are_fine() -> None:
    table = RouteTable()
    assert table.match("/api/v1/aanvragen/v1.2") == Route("interaction", False)
    assert table.match("/api/v1/aanvragen/...") == Route("interaction", False)
    assert table.match("/api/v1/aanvragen/.well-known") == Route("interaction", False)


def test_longest_prefix_wins() -> None:
    table = RouteTable({"/api/v1/zaken": "process", "/api/v1/zaken/archief": "data", "/api/v1/z": "domain"})
    assert table.match("/api/v1/zaken/1") == Route("process", False)
    assert table.match("/api/v1/zaken/archief") == Route("data", False)
    assert table.match("/api/v1/zaken/archief/1") == Route("data", False)
    assert table.match("/api/v1/zaken/archiefkast") == Route("process", False)
    assert table.match("/api/v1/z") == Route("domain", False)
    assert table.match("/api/v1/za") is None


def test_route_table_refuses_unknown_layers() -> None:
    with pytest.raises(ValueError, match="kluis"):
        RouteTable({"/api/v1/geheim": "kluis"})


def test_public_prefixes() -> None:
    assert RouteTable().public_prefixes() == sorted(PUBLIC_ROUTES.items())
    assert RouteTable({}).public_prefixes() == []
    assert all(layer in LAYERS for layer in PUBLIC_ROUTES.values())


def test_empty_table_still_routes_internal_paths() -> None:
    table = RouteTable({})
    assert table.match("/api/v1/aanvragen") is None
    assert table.match("/internal/domain/v1/x") == Route("domain", True)


# --- RateLimiter ----------------------------------------------------------------------------------------------


def test_burst_then_denied() -> None:
    limiter = RateLimiter()
    assert [limiter.take("a", 1.0, 3, now=100.0) for _ in range(3)] == [0, 0, 0]
    assert limiter.take("a", 1.0, 3, now=100.0) == 1


def test_refill_over_time() -> None:
    limiter = RateLimiter()
    for _ in range(2):
        assert limiter.take("a", 2.0, 2, now=0.0) == 0
    assert limiter.take("a", 2.0, 2, now=0.0) == 1
    assert limiter.take("a", 2.0, 2, now=0.25) == 1  # half a token
    assert limiter.take("a", 2.0, 2, now=0.5) == 0  # a whole one now
    assert limiter.take("a", 2.0, 2, now=0.5) == 1


def test_tokens_never_exceed_the_burst() -> None:
    limiter = RateLimiter()
    limiter.take("a", 10.0, 2, now=0.0)
    # after an hour of idling there are still only 2 tokens
    assert limiter.take("a", 10.0, 2, now=3600.0) == 0
    assert limiter.take("a", 10.0, 2, now=3600.0) == 0
    assert limiter.take("a", 10.0, 2, now=3600.0) == 1


@pytest.mark.parametrize(("rate", "wait"), [(0.5, 2), (0.1, 10), (1.0, 1), (100.0, 1), (0.3, 4)])
def test_retry_after_is_the_time_to_the_next_token(rate: float, wait: int) -> None:
    limiter = RateLimiter()
    assert limiter.take("a", rate, 1, now=0.0) == 0
    assert limiter.take("a", rate, 1, now=0.0) == wait


def test_denial_costs_nothing() -> None:
    limiter = RateLimiter()
    assert limiter.take("a", 1.0, 1, now=0.0) == 0
    for _ in range(10):
        assert limiter.take("a", 1.0, 1, now=0.5) == 1
    assert limiter.take("a", 1.0, 1, now=1.0) == 0


def test_clients_have_their_own_buckets() -> None:
    limiter = RateLimiter()
    assert limiter.take("a", 1.0, 1, now=0.0) == 0
    assert limiter.take("a", 1.0, 1, now=0.0) == 1
    assert limiter.take("b", 1.0, 1, now=0.0) == 0


def test_least_recently_used_client_is_evicted() -> None:
    limiter = RateLimiter(max_clients=2)
    assert limiter.take("a", 1.0, 1, now=0.0) == 0
    assert limiter.take("b", 1.0, 1, now=0.0) == 0
    assert limiter.take("a", 1.0, 1, now=0.0) == 1  # "a" is now the most recently used
    assert limiter.take("c", 1.0, 1, now=0.0) == 0  # evicts "b"
    assert limiter.take("a", 1.0, 1, now=0.0) == 1  # "a" kept its empty bucket
    assert limiter.take("b", 1.0, 1, now=0.0) == 0  # "b" starts afresh


def test_real_clock_is_used_without_now() -> None:
    limiter = RateLimiter()
    assert limiter.take("a", 1000.0, 1) == 0


@given(st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), min_size=1, max_size=50))
def test_never_more_than_burst_plus_refill(gaps: list[float]) -> None:
    limiter = RateLimiter()
    rate, burst, now, allowed = 2.0, 5, 0.0, 0
    for gap in gaps:
        now += gap
        if limiter.take("k", rate, burst, now=now) == 0:
            allowed += 1
    assert allowed <= burst + rate * now + 1e-9


# --- valid_bsn ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bsn", ["999993653", "123456782", "111222333", "999990019", "010000008"])
def test_valid_bsn(bsn: str) -> None:
    assert valid_bsn(bsn)


@pytest.mark.parametrize(
    "bsn",
    [
        "123456789",
        "999993654",
        "000000000",
        "99999365",
        "9999936530",
        "",
        "12345678a",
        "１２３４５６７８２",
        " 99999365",
        "-12345678",
        "99999365\n",
    ],
)
def test_invalid_bsn(bsn: str) -> None:
    assert not valid_bsn(bsn)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_bsn_elfproef_matches_its_definition(bsn: str) -> None:
    weights = [9, 8, 7, 6, 5, 4, 3, 2, -1]
    expected = bsn != "000000000" and sum(int(d) * w for d, w in zip(bsn, weights, strict=True)) % 11 == 0
    assert valid_bsn(bsn) is expected


# --- context_from_claims --------------------------------------------------------------------------------------


def test_burger_claims() -> None:
    ctx = context_from_claims(
        {"sub": "b", "gbi_actor_type": "burger", "bsn": VALID_BSN, "roles": ["teamleider"], "gemeente": "0363"},
        purpose="participatiewet",
    )
    assert ctx == RequestContext("b", ActorType.BURGER, frozenset({"burger"}), None, VALID_BSN, "participatiewet")


def test_medewerker_claims_drop_unknown_roles() -> None:
    ctx = context_from_claims(
        {"sub": "m", "gbi_actor_type": "medewerker", "gemeente": "0363", "roles": [*STAFF_ROLES, "integrator", "x"]},
        purpose="beheer",
    )
    assert ctx.roles == STAFF_ROLES
    assert ctx.purpose == "beheer"
    assert ctx.bsn is None


def test_systeem_claims() -> None:
    ctx = context_from_claims(
        {"sub": "s", "gbi_actor_type": "systeem", "gemeente": "0599", "roles": ["integrator", "beheerder"]},
        purpose="participatiewet",
    )
    assert ctx.roles == frozenset({"integrator"})
    assert ctx.client_id is None


def test_service_claims() -> None:
    ctx = context_from_claims(
        {"sub": "svc", "gbi_actor_type": "service", "roles": ["gbi-service", "teamleider"], "gemeente": "0363"},
        purpose="participatiewet",
    )
    assert ctx.roles == frozenset({"gbi-service"})
    assert ctx.client_id == "svc"
    assert ctx.gemeente is None


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "x"},
        {"sub": "x", "gbi_actor_type": "root"},
        {"sub": "x", "gbi_actor_type": "burger", "bsn": "123456789"},
        {"sub": "x", "gbi_actor_type": "medewerker", "gemeente": "12345"},
        {"sub": "x", "gbi_actor_type": "systeem"},
        {"sub": "x", "gbi_actor_type": "service", "roles": []},
    ],
)
def test_claims_that_make_no_caller(claims: dict[str, Any]) -> None:
    with pytest.raises(UnauthorizedError):
        context_from_claims(claims, purpose="participatiewet")


def test_roles_that_are_not_a_list_count_as_none() -> None:
    ctx = context_from_claims(
        {"sub": "m", "gbi_actor_type": "medewerker", "gemeente": "0363", "roles": "teamleider"},
        purpose="participatiewet",
    )
    assert ctx.roles == frozenset()


# --- TokenVerifier --------------------------------------------------------------------------------------------


def _verify(settings: GatewaySettings, *tokens_: str) -> list[Any]:
    async def main() -> list[Any]:
        transport = HttpTransport(tracer=TracerProvider().get_tracer("t"), timeout_s=2)
        verifier = TokenVerifier(settings, transport)
        out: list[Any] = []
        try:
            for token in tokens_:
                try:
                    out.append(await verifier.verify(token))
                except Exception as exc:
                    out.append(exc)
            out.append(await verifier.ready())
        finally:
            await transport.close()
        return out

    return asyncio.run(main())


def _settings(**overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, "oidc_jwks_url": None}
    return GatewaySettings(**(values | overrides))


def test_verifier_returns_the_claims(tokens: Tokens, jwks_file: Path) -> None:
    claims = tokens.claims("burger")
    result, ready = _verify(_settings(oidc_jwks_file=jwks_file), tokens.rs256(claims))
    assert result == claims
    assert ready is None


def test_verifier_only_allows_asymmetric_algorithms(tokens: Tokens, jwks_file: Path) -> None:
    # Even when the settings list HS256, the verifier does not accept it.
    settings = _settings(oidc_jwks_file=jwks_file, oidc_algorithms=("RS256", "HS256", "none"))
    import jwt

    hs = jwt.encode(tokens.claims("burger"), "s" * 32, algorithm="HS256", headers={"kid": "hmac-1"})
    result, _ = _verify(settings, hs)
    assert isinstance(result, UnauthorizedError)


def test_verifier_restricted_to_one_algorithm(tokens: Tokens, jwks_file: Path) -> None:
    es, rs, _ = _verify(
        _settings(oidc_jwks_file=jwks_file, oidc_algorithms=("RS256",)),
        tokens.es256(tokens.claims("burger")),
        tokens.rs256(tokens.claims("burger")),
    )
    assert isinstance(es, UnauthorizedError)
    assert isinstance(rs, dict)


def test_verifier_single_key_needs_no_kid(tokens: Tokens, keys: Keys, tmp_path: Path) -> None:
    single = tmp_path / "jwks.json"
    single.write_text(json.dumps({"keys": [keys.jwks["keys"][0]]}), encoding="utf-8")
    result, _ = _verify(_settings(oidc_jwks_file=single), tokens.rs256(tokens.claims("burger"), kid=None))
    assert isinstance(result, dict)


def test_verifier_without_any_keys(tokens: Tokens, tmp_path: Path) -> None:
    empty = tmp_path / "jwks.json"
    empty.write_text(json.dumps({"keys": []}), encoding="utf-8")
    result, ready = _verify(_settings(oidc_jwks_file=empty), tokens.token("burger"))
    assert isinstance(result, UnauthorizedError)
    assert ready == "geen sleutels in jwks"


def test_unusable_jwks_entries_are_skipped(tokens: Tokens, keys: Keys, tmp_path: Path) -> None:
    doc = {"keys": [{"kty": "RSA", "kid": "kapot", "n": "x", "e": "y"}, "geen-object", keys.jwks["keys"][0]]}
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert auth_module._parse_jwks(doc).keys() == {"rsa-1"}
    assert auth_module._parse_jwks(["geen", "object"]) == {}
    result, _ = _verify(_settings(oidc_jwks_file=path), tokens.token("burger"))
    assert isinstance(result, dict)


class FlakyJwks:
    """A transport whose identity provider answers the key set, and then goes away."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self.jwks = jwks
        self.up = True
        self.calls = 0

    async def request(self, method: str, url: str, **kwargs: Any) -> HttpResponse:
        self.calls += 1
        if not self.up:
            raise ServiceUnavailableError("identity-provider is niet bereikbaar")
        return HttpResponse(200, {"content-type": "application/json"}, json.dumps(self.jwks).encode())


def test_remote_keys_survive_an_identity_provider_outage(
    tokens: Tokens, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(oidc_jwks_url="http://idp.test/jwks", oidc_jwks_ttl_s=0)
    transport = FlakyJwks(keys.jwks)
    verifier = TokenVerifier(settings, transport)  # type: ignore[arg-type]
    clock = [1000.0]
    monkeypatch.setattr(auth_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))

    async def main() -> None:
        assert (await verifier.verify(tokens.token("burger")))["gbi_actor_type"] == "burger"
        assert transport.calls == 1
        transport.up = False
        clock[0] += 1
        # The key set fetched before keeps working, and the IdP is not asked again on every request.
        for _ in range(3):
            assert (await verifier.verify(tokens.token("medewerker")))["gbi_actor_type"] == "medewerker"
        assert transport.calls == 2
        clock[0] += 11
        await verifier.verify(tokens.token("medewerker"))
        assert transport.calls == 3
        # An unknown key cannot be checked against a key set we cannot fetch: 401, not a crash.
        with pytest.raises(UnauthorizedError):
            await verifier.verify(tokens.rs256(tokens.claims("burger"), kid="nieuw"))
        transport.up = True
        clock[0] += 11
        assert (await verifier.verify(tokens.token("burger")))["gbi_actor_type"] == "burger"

    asyncio.run(main())


def test_jwks_url_down_without_other_keys_is_unavailable(tokens: Tokens) -> None:
    result, ready = _verify(_settings(oidc_jwks_url=f"http://127.0.0.1:{dead_port()}/jwks"), tokens.token("burger"))
    assert isinstance(result, ServiceUnavailableError)
    assert isinstance(ready, str)


# --- settings -------------------------------------------------------------------------------------------------


def test_production_settings_are_strict(keys: Keys) -> None:
    base: dict[str, Any] = {"environment": "production", "context_public_key": SecretStr(keys.context_public_pem)}
    with pytest.raises(ValueError, match="CONTEXT_PRIVATE_KEY"):
        GatewaySettings(**base)
    key = {"context_private_key": SecretStr(keys.context_private_pem)}
    with pytest.raises(ValueError, match="JWKS"):
        GatewaySettings(**base, **key, oidc_jwks_url=None)
    with pytest.raises(ValueError, match="HS256"):
        GatewaySettings(**base, **key, oidc_algorithms=("RS256", "HS256"))
    assert GatewaySettings(**base, **key).environment.value == "production"


def test_public_key_is_derived_from_the_private_key(keys: Keys, tmp_path: Path) -> None:
    settings = GatewaySettings(context_private_key=SecretStr(keys.context_private_pem))
    assert settings.context_public_key_pem() == keys.context_public_pem
    key_file = tmp_path / "ctx.pem"
    key_file.write_text(keys.context_private_pem, encoding="ascii")
    from_file = GatewaySettings(context_private_key_file=key_file)
    assert from_file.context_private_key_pem() == keys.context_private_pem
    assert from_file.context_public_key_pem() == keys.context_public_pem
    assert GatewaySettings().context_private_key_pem() is None
    assert GatewaySettings().context_public_key_pem() is None


def test_upstream_url_without_trailing_slash() -> None:
    settings = GatewaySettings(upstream_data_url="http://data:8080/")
    assert settings.upstream_url("data") == "http://data:8080"
    assert settings.upstream_url("domain") == "http://127.0.0.1:8004"


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GBI_UPSTREAM_DATA_URL", "http://data.test:8005")
    monkeypatch.setenv("GBI_OIDC_AUDIENCE", "gbi-test")
    monkeypatch.setenv("GBI_RATE_LIMIT_BURST", "7")
    settings = GatewaySettings()
    assert settings.upstream_data_url == "http://data.test:8005"
    assert settings.oidc_audience == "gbi-test"
    assert settings.rate_limit_burst == 7
    assert GatewaySettings(oidc_audience="explicit").oidc_audience == "explicit"

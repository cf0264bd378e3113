"""The development identity provider: discovery, JWKS, client_credentials and the development grant."""

from __future__ import annotations

import base64
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from starlette.testclient import TestClient

from gbi_simulator.app import create_app
from gbi_simulator.idp import SigningKey, load_clients
from gbi_simulator.settings import SimulatorSettings, default_specs_dir

ISSUER = "http://127.0.0.1:8090/idp"
FORM = {"content-type": "application/x-www-form-urlencoded"}
CLIENTS = [
    {
        "client_id": "gbi-process",
        "client_secret": "process-secret-1",
        "actor_type": "service",
        "roles": ["gbi-service"],
    },
    {
        "client_id": "frontoffice-0363",
        "client_secret": "frontoffice-secret",
        "actor_type": "systeem",
        "gemeente": "0363",
        "roles": ["integrator"],
        "name": "Front office Amsterdam",
    },
]


@pytest.fixture(scope="module")
def idp_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("idp")
    clients = folder / "clients.json"
    clients.write_text(json.dumps(CLIENTS), encoding="utf-8")
    return clients, folder / "keys" / "idp-key.pem"


@pytest.fixture(scope="module")
def idp_app(idp_files: tuple[Path, Path]) -> FastAPI:
    clients, key = idp_files
    settings = SimulatorSettings(
        specs_dir=default_specs_dir(),
        idp_clients_file=clients,
        idp_key_file=key,
        log_json=False,
        environment="test",
    )
    return create_app(settings)


@pytest.fixture(scope="module")
def idp(idp_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(idp_app) as c:
        yield c


def post_token(client: TestClient, form: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    return client.post("/idp/token", data=form, headers={**FORM, **(headers or {})})


def verify(client: TestClient, token: str) -> dict[str, Any]:
    """Verify a token the way the gateway does: key from the JWKS by kid, RS256, issuer, audience."""
    jwks = jwt.PyJWKSet.from_dict(client.get("/idp/jwks").json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=["RS256"], audience="gbi", issuer=ISSUER)
    return claims


def assert_problem(response: Any, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == error
    assert body["error"] == error
    return body


# ---------------------------------------------------------------------------------------------------- metadata


def test_discovery_document(idp: TestClient) -> None:
    doc = idp.get("/idp/.well-known/openid-configuration").json()
    assert doc["issuer"] == ISSUER
    assert doc["token_endpoint"] == f"{ISSUER}/token"
    assert doc["jwks_uri"] == f"{ISSUER}/jwks"
    assert set(doc["grant_types_supported"]) == {"client_credentials", "urn:gbi:dev", "authorization_code"}
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]


def test_jwks_holds_the_public_key(idp: TestClient) -> None:
    keys = idp.get("/idp/jwks").json()["keys"]
    assert len(keys) == 1
    assert {"kty", "kid", "n", "e", "alg", "use"} <= set(keys[0])
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["alg"] == "RS256"
    assert "d" not in keys[0]


def test_key_file_is_created_private_and_reused(idp_app: FastAPI, idp_files: tuple[Path, Path]) -> None:
    _, key_file = idp_files
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = SigningKey.load_or_create(key_file)
    assert again.kid == idp_app.state.idp.key.kid


# ---------------------------------------------------------------------------------------------------- clients


def test_client_credentials_in_the_form(idp: TestClient) -> None:
    response = post_token(
        idp, {"grant_type": "client_credentials", "client_id": "gbi-process", "client_secret": "process-secret-1"}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    claims = verify(idp, body["access_token"])
    assert set(claims) == {"iss", "aud", "exp", "iat", "sub", "jti", "gbi_actor_type", "roles", "name"}
    assert claims["sub"] == "gbi-process"
    assert claims["gbi_actor_type"] == "service"
    assert claims["roles"] == ["gbi-service"]
    assert claims["exp"] - claims["iat"] == 3600


def test_client_credentials_with_basic_auth(idp: TestClient) -> None:
    basic = base64.b64encode(b"frontoffice-0363:frontoffice-secret").decode()
    response = post_token(idp, {"grant_type": "client_credentials"}, {"Authorization": f"Basic {basic}"})
    assert response.status_code == 200
    claims = verify(idp, response.json()["access_token"])
    assert claims["gbi_actor_type"] == "systeem"
    assert claims["gemeente"] == "0363"
    assert claims["roles"] == ["integrator"]
    assert claims["name"] == "Front office Amsterdam"
    assert "bsn" not in claims


@pytest.mark.parametrize(
    ("form", "headers"),
    [
        ({"client_id": "gbi-process", "client_secret": "wrong-secret"}, {}),
        ({"client_id": "nobody", "client_secret": "process-secret-1"}, {}),
        ({"client_id": "gbi-process"}, {}),
        ({}, {"Authorization": "Basic " + base64.b64encode(b"gbi-process:nope").decode()}),
        ({}, {"Authorization": "Basic not-base64!"}),
    ],
)
def test_client_credentials_bad_secret(idp: TestClient, form: dict[str, str], headers: dict[str, str]) -> None:
    response = post_token(idp, {"grant_type": "client_credentials", **form}, headers)
    assert_problem(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")


def test_unsupported_grant_and_wrong_content_type(idp: TestClient) -> None:
    assert_problem(post_token(idp, {"grant_type": "password"}), 400, "unsupported_grant_type")
    assert_problem(post_token(idp, {}), 400, "invalid_request")
    response = idp.post("/idp/token", json={"grant_type": "client_credentials"})
    assert_problem(response, 400, "invalid_request")


# ---------------------------------------------------------------------------------------------------- dev grant


def test_dev_grant_for_a_test_citizen(idp: TestClient) -> None:
    response = post_token(idp, {"grant_type": "urn:gbi:dev", "actor_type": "burger", "bsn": "999993653"})
    assert response.status_code == 200
    claims = verify(idp, response.json()["access_token"])
    assert set(claims) == {"iss", "aud", "exp", "iat", "sub", "jti", "gbi_actor_type", "bsn", "name"}
    assert claims["gbi_actor_type"] == "burger"
    assert claims["bsn"] == "999993653"
    assert claims["name"] == "Suzanne Moulin"
    assert "999993653" not in claims["sub"]
    again = verify(
        idp,
        post_token(idp, {"grant_type": "urn:gbi:dev", "actor_type": "burger", "bsn": "999993653"}).json()[
            "access_token"
        ],
    )
    assert again["sub"] == claims["sub"]
    assert again["jti"] != claims["jti"]


def test_dev_grant_for_a_medewerker(idp: TestClient) -> None:
    form = {
        "grant_type": "urn:gbi:dev",
        "actor_type": "medewerker",
        "gemeente": "0363",
        "roles": "klantmanager,teamleider",
        "name": "An de Vries",
    }
    claims = verify(idp, post_token(idp, form).json()["access_token"])
    assert set(claims) == {"iss", "aud", "exp", "iat", "sub", "jti", "gbi_actor_type", "gemeente", "roles", "name"}
    assert claims["gbi_actor_type"] == "medewerker"
    assert claims["gemeente"] == "0363"
    assert claims["roles"] == ["klantmanager", "teamleider"]
    assert claims["name"] == "An de Vries"
    assert claims["sub"] == "medewerker-0363-an-de-vries"


@pytest.mark.parametrize(
    ("form", "param"),
    [
        ({"actor_type": "burger", "bsn": "999993654"}, "bsn"),  # fails the elfproef
        ({"actor_type": "burger", "bsn": "12345"}, "bsn"),
        ({"actor_type": "burger", "bsn": "123456782"}, "bsn"),  # passes the elfproef, but no test person
        ({"actor_type": "burger"}, "bsn"),
        ({"actor_type": "medewerker", "gemeente": "0034", "roles": "klantmanager"}, "gemeente"),
        ({"actor_type": "medewerker", "gemeente": "0363", "roles": "klantmanager,directeur"}, "roles"),
        ({"actor_type": "medewerker", "gemeente": "0363"}, "roles"),
        ({"actor_type": "systeem"}, "actor_type"),
    ],
)
def test_dev_grant_refusals(idp: TestClient, form: dict[str, str], param: str) -> None:
    body = assert_problem(post_token(idp, {"grant_type": "urn:gbi:dev", **form}), 400, "invalid_request")
    assert body["invalidParams"][0]["name"] == param


# ---------------------------------------------------------------------------------------------------- config


def test_clients_file_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "clients.json"
    for entry in (
        {"client_id": "x", "client_secret": "long-enough", "actor_type": "systeem", "roles": ["integrator"]},
        {"client_id": "x", "client_secret": "long-enough", "actor_type": "service", "roles": ["beheerder"]},
        {"client_id": "x", "client_secret": "short", "actor_type": "service"},
    ):
        bad.write_text(json.dumps([entry]), encoding="utf-8")
        with pytest.raises(ValidationError):
            load_clients(bad)
    bad.write_text(json.dumps([CLIENTS[0], CLIENTS[0]]), encoding="utf-8")
    with pytest.raises(ValueError, match="twice"):
        load_clients(bad)
    assert load_clients(None) == {}

"""Development identity provider (OIDC style) under ``/idp``: discovery, JWKS and a token endpoint.

Grants:

- ``client_credentials`` for the clients in ``GBI_SIMULATOR_IDP_CLIENTS_FILE`` (a JSON list of
  ``{client_id, client_secret, actor_type: "service"|"systeem", gemeente?, roles[], name?}``); the client
  authenticates with HTTP Basic or with ``client_id``/``client_secret`` in the form; secrets are compared in
  constant time;
- ``urn:gbi:dev``, development only: ``actor_type=burger&bsn=...`` (an RvIG test person whose BSN passes the
  elfproef) or ``actor_type=medewerker&gemeente=0363&roles=klantmanager,teamleider&name=...`` (one of the 13
  GBI gemeenten, roles from docs/runtime-contract.md).

Tokens are RS256 JWTs with a ``kid`` and exactly the claims of docs/runtime-contract.md: ``iss``, ``aud`` (gbi),
``exp``, ``iat``, ``sub``, ``jti``, ``gbi_actor_type`` and, by actor type, ``bsn`` / ``gemeente`` / ``roles`` /
``name``. The signing key is read from ``GBI_SIMULATOR_IDP_KEY_FILE`` (created there, mode 0600, when missing) or
generated in memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import parse_qs, unquote_plus

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from jwt.algorithms import RSAAlgorithm
from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, model_validator

from gbi_shared import BadRequestError, InvalidParam, ServiceError, UnauthorizedError
from gbi_shared.contracts.common import is_valid_bsn
from gbi_simulator.gemeenten import GBI_GEMEENTEN
from gbi_simulator.idp_codes import CodeStore

__all__ = [
    "AUDIENCE",
    "DEV_GRANT",
    "MEDEWERKER_ROLES",
    "IdentityProvider",
    "IdpClient",
    "SigningKey",
    "load_clients",
    "router",
]

log = logging.getLogger("gbi.simulator.idp")

AUDIENCE = "gbi"
ALGORITHM = "RS256"
DEV_GRANT = "urn:gbi:dev"
CLIENT_CREDENTIALS = "client_credentials"
AUTHORIZATION_CODE = "authorization_code"  # the login screens of idp_login.py (web pages)
MEDEWERKER_ROLES = frozenset({"klantmanager", "inkomensconsulent", "handhaver", "teamleider", "beheerder", "auditor"})
CLIENT_ROLES: dict[str, frozenset[str]] = {"systeem": frozenset({"integrator"}), "service": frozenset({"gbi-service"})}
_FORM = "application/x-www-form-urlencoded"
_NAME = re.compile(r"^[\w .,'\-]{1,100}$")
_MAX_FORM_BYTES = 8192


# ------------------------------------------------------------------------------------------------ clients


class IdpClient(BaseModel):
    """One registered client of the development IdP."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")
    client_secret: SecretStr = Field(min_length=8)
    actor_type: Literal["service", "systeem"]
    gemeente: str | None = None
    roles: list[str] = Field(default_factory=list)
    name: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        allowed = CLIENT_ROLES[self.actor_type]
        if not set(self.roles) <= allowed:
            raise ValueError(f"roles of a {self.actor_type} client must be among {sorted(allowed)}")
        if self.actor_type == "systeem" and self.gemeente not in GBI_GEMEENTEN:
            raise ValueError("a systeem client needs the CBS code of one of the GBI gemeenten")
        if self.actor_type == "service" and self.gemeente is not None:
            raise ValueError("a service client acts for no single gemeente")
        return self

    def effective_roles(self) -> list[str]:
        return list(self.roles) or sorted(CLIENT_ROLES[self.actor_type])


_CLIENTS = TypeAdapter(list[IdpClient])


def load_clients(path: Path | None) -> dict[str, IdpClient]:
    """Read the clients file; no file means no clients (only the development grant works)."""
    if path is None:
        return {}
    clients = _CLIENTS.validate_json(path.read_bytes())
    by_id: dict[str, IdpClient] = {}
    for client in clients:
        if client.client_id in by_id:
            raise ValueError(f"client_id {client.client_id!r} appears twice in {path}")
        by_id[client.client_id] = client
    return by_id


# ------------------------------------------------------------------------------------------------ key


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class SigningKey:
    """The IdP's RSA key, its public JWK and ``kid`` (the RFC 7638 thumbprint)."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self.private_key = private_key
        jwk: dict[str, Any] = dict(RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True))
        thumbprint_input = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"))
        self.kid = _b64url(hashlib.sha256(thumbprint_input.encode("ascii")).digest())
        self.public_jwk: dict[str, Any] = {
            "kty": "RSA",
            "use": "sig",
            "alg": ALGORITHM,
            "kid": self.kid,
            "n": jwk["n"],
            "e": jwk["e"],
        }

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def load_or_create(cls, path: Path | None) -> SigningKey:
        """Read the PEM at ``path``; create it (0600) when missing; no path: a key in memory only."""
        if path is None:
            return cls.generate()
        if not path.exists():
            key = cls.generate()
            pem = key.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return cls.load_or_create(path)  # another process was first: use its key
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
            log.info("IdP signing key created", extra={"event": "idp-key-created", "kid": key.kid})
            return key
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not hold an RSA private key")
        return cls(loaded)


# ------------------------------------------------------------------------------------------------ provider


class OAuthError(Exception):
    """A token endpoint error: a shared ``ServiceError`` whose code is the OAuth ``error``."""

    def __init__(self, error: ServiceError) -> None:
        super().__init__(error.detail)
        self.error = error


def _invalid_request(name: str, reason: str, code: str = "invalid_request") -> OAuthError:
    return OAuthError(
        BadRequestError(
            f"{name}: {reason}",
            invalid_params=[InvalidParam(name=name, reason=reason, code="invalid")],
            code=code,
            title="Ongeldig tokenverzoek",
        )
    )


def _invalid_client() -> OAuthError:
    return OAuthError(
        UnauthorizedError(
            "Onbekende client of verkeerd secret",
            code="invalid_client",
            title="Client niet geauthenticeerd",
            headers={"WWW-Authenticate": 'Basic realm="gbi-dev-idp"'},
        )
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "onbekend"


class IdentityProvider:
    """Issues and publishes the keys of development tokens."""

    def __init__(
        self,
        *,
        issuer: str,
        ttl_s: int,
        key: SigningKey,
        clients: dict[str, IdpClient],
        test_person_name: Callable[[str], str | Literal[False] | None],
    ) -> None:
        """``test_person_name(bsn)`` gives False for a BSN that is no test person, else its name (or None)."""
        self.issuer = issuer.rstrip("/")
        self.ttl_s = ttl_s
        self.key = key
        self.clients = clients
        self._test_person_name = test_person_name
        # A dummy secret, compared when the client is unknown, so timing tells nothing about client ids.
        self._dummy_secret = uuid.uuid4().hex.encode()
        self.codes = CodeStore()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "token_endpoint": f"{self.issuer}/token",
            "authorization_endpoint": f"{self.issuer}/authorize",
            "code_challenge_methods_supported": ["S256"],
            "jwks_uri": f"{self.issuer}/jwks",
            "grant_types_supported": [CLIENT_CREDENTIALS, DEV_GRANT, AUTHORIZATION_CODE],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "response_types_supported": ["token", "code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "token_endpoint_auth_signing_alg_values_supported": [ALGORITHM],
            "claims_supported": [
                "iss",
                "aud",
                "exp",
                "iat",
                "sub",
                "jti",
                "gbi_actor_type",
                "bsn",
                "gemeente",
                "roles",
                "name",
            ],
            "gbi_actor_types_supported": ["burger", "medewerker", "systeem", "service"],
            "gbi_medewerker_roles_supported": sorted(MEDEWERKER_ROLES),
            "gbi_gemeenten_supported": sorted(GBI_GEMEENTEN),
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.public_jwk]}

    # -------------------------------------------------------------------------------------------- token

    def token(self, form: dict[str, list[str]], authorization: str | None) -> dict[str, Any]:
        grant_type = self._single(form, "grant_type", required=True)
        if grant_type == CLIENT_CREDENTIALS:
            claims = self._client_credentials(form, authorization)
        elif grant_type == DEV_GRANT:
            claims = self._dev_grant(form)
        elif grant_type == AUTHORIZATION_CODE:
            claims = self._authorization_code(form, authorization)
        else:
            raise _invalid_request("grant_type", "Dit grant type wordt niet ondersteund", code="unsupported_grant_type")
        token = self.issue(claims)
        log.info(
            "token issued",
            extra={"event": "idp-token", "grant_type": grant_type, "actor_type": claims["gbi_actor_type"]},
        )
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.ttl_s}

    def issue(self, claims: dict[str, Any]) -> str:
        """Sign ``claims`` (sub, gbi_actor_type, ...) as an access token with the standard claims added."""
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + self.ttl_s,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(
            payload, self.key.private_key, algorithm=ALGORITHM, headers={"kid": self.key.kid, "typ": "JWT"}
        )

    @staticmethod
    def _single(form: dict[str, list[str]], name: str, *, required: bool = False) -> str | None:
        values = form.get(name)
        if not values or values == [""]:
            if required:
                raise _invalid_request(name, "Parameter is verplicht")
            return None
        if len(values) > 1:
            raise _invalid_request(name, "Parameter mag maar een keer voorkomen")
        return values[0]

    def _client_credentials(self, form: dict[str, list[str]], authorization: str | None) -> dict[str, Any]:
        client_id, secret = self._client_authentication(form, authorization)
        client = self.clients.get(client_id)
        expected = client.client_secret.get_secret_value().encode() if client else self._dummy_secret
        if not hmac.compare_digest(secret.encode(), expected) or client is None:
            log.info("client authentication failed", extra={"event": "idp-invalid-client"})
            raise _invalid_client()
        claims: dict[str, Any] = {
            "sub": client.client_id,
            "gbi_actor_type": client.actor_type,
            "roles": client.effective_roles(),
            "name": client.name or client.client_id,
        }
        if client.actor_type == "systeem":
            claims["gemeente"] = client.gemeente
        return claims

    def _authorization_code(self, form: dict[str, list[str]], authorization: str | None) -> dict[str, Any]:
        """Redeem a code from the login screen: the client authenticates as for client_credentials and proves
        with the PKCE verifier that it started the login."""
        client_id, secret = self._client_authentication(form, authorization)
        client = self.clients.get(client_id)
        expected = client.client_secret.get_secret_value().encode() if client else self._dummy_secret
        if not hmac.compare_digest(secret.encode(), expected) or client is None:
            raise _invalid_client()
        code = self._single(form, "code", required=True) or ""
        redirect_uri = self._single(form, "redirect_uri", required=True) or ""
        verifier = self._single(form, "code_verifier", required=True) or ""
        claims = self.codes.redeem(code, client_id=client_id, redirect_uri=redirect_uri, code_verifier=verifier)
        if claims is None:
            raise _invalid_request(
                "code", "Code onbekend, verlopen, al gebruikt of niet van deze client", "invalid_grant"
            )
        return claims

    def _client_authentication(self, form: dict[str, list[str]], authorization: str | None) -> tuple[str, str]:
        form_id = self._single(form, "client_id")
        form_secret = self._single(form, "client_secret")
        if authorization and authorization[:6].lower() == "basic ":
            if form_secret is not None:
                raise _invalid_request("client_secret", "Gebruik een authenticatiemethode tegelijk")
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise _invalid_client() from None
            raw_id, sep, raw_secret = decoded.partition(":")
            if not sep:
                raise _invalid_client()
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
            if form_id is not None and form_id != client_id:
                raise _invalid_client()
            return client_id, secret
        if form_id is None or form_secret is None:
            raise _invalid_client()
        return form_id, form_secret

    def _dev_grant(self, form: dict[str, list[str]]) -> dict[str, Any]:
        actor_type = self._single(form, "actor_type", required=True)
        name = self._single(form, "name")
        if name is not None and not _NAME.match(name):
            raise _invalid_request("name", "Naam bevat ongeldige tekens of is te lang")
        if actor_type == "burger":
            bsn = self._single(form, "bsn", required=True) or ""
            if not is_valid_bsn(bsn):
                raise _invalid_request("bsn", "Geen geldig burgerservicenummer (elfproef)")
            known = self._test_person_name(bsn)
            if known is False:
                raise _invalid_request("bsn", "Geen testpersoon van RvIG")
            return {
                "sub": "burger-" + hashlib.sha256(f"gbi-dev-idp:{bsn}".encode()).hexdigest()[:24],
                "gbi_actor_type": "burger",
                "bsn": bsn,
                "name": name or known or "Burger",
            }
        if actor_type == "medewerker":
            gemeente = self._single(form, "gemeente", required=True) or ""
            if gemeente not in GBI_GEMEENTEN:
                raise _invalid_request("gemeente", "Geen gemeente van GBI")
            roles = sorted({r.strip() for value in form.get("roles", []) for r in value.split(",") if r.strip()})
            if not roles:
                raise _invalid_request("roles", "Parameter is verplicht")
            unknown = [r for r in roles if r not in MEDEWERKER_ROLES]
            if unknown:
                raise _invalid_request("roles", f"Onbekende rol: {', '.join(unknown)}")
            display = name or f"Medewerker {GBI_GEMEENTEN[gemeente]}"
            return {
                "sub": f"medewerker-{gemeente}-{_slug(display)}",
                "gbi_actor_type": "medewerker",
                "gemeente": gemeente,
                "roles": roles,
                "name": display,
            }
        raise _invalid_request("actor_type", "Kies burger of medewerker")


# ------------------------------------------------------------------------------------------------ routes

router = APIRouter(prefix="/idp", tags=["Identity provider (development)"])


def _error_response(error: ServiceError, request: Request) -> JSONResponse:
    rid = getattr(request.state, "request_id", None)
    body = error.to_problem(request.url.path + (f"#{rid}" if rid else "")).model_dump(by_alias=True, exclude_none=True)
    body["error"] = error.instance_code
    if error.detail:
        body["error_description"] = error.detail
    headers = {"Cache-Control": "no-store", **error.headers}
    return JSONResponse(body, status_code=error.status, media_type="application/problem+json", headers=headers)


def _provider(request: Request) -> IdentityProvider:
    idp: IdentityProvider = request.app.state.idp
    return idp


@router.get("/.well-known/openid-configuration", summary="OpenID Provider metadata")
async def discovery(request: Request) -> dict[str, Any]:
    return _provider(request).discovery()


@router.get("/jwks", summary="Public keys of the tokens (JWKS)")
async def jwks(request: Request) -> Response:
    return JSONResponse(_provider(request).jwks(), headers={"Cache-Control": "public, max-age=300"})


@router.post(
    "/token",
    summary="Issue an access token (client_credentials, or the development grant urn:gbi:dev)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {_FORM: {"schema": {"type": "object", "additionalProperties": {"type": "string"}}}},
        }
    },
)
async def token(request: Request) -> Response:
    try:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != _FORM:
            raise _invalid_request("content-type", f"Stuur het verzoek als {_FORM}")
        raw = await request.body()
        if len(raw) > _MAX_FORM_BYTES:
            raise _invalid_request("body", "Het verzoek is te groot")
        try:
            form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
        except (UnicodeDecodeError, ValueError):
            raise _invalid_request("body", "Het verzoek is geen geldig formulier") from None
        result = _provider(request).token(form, request.headers.get("authorization"))
    except OAuthError as exc:
        return _error_response(exc.error, request)
    return JSONResponse(result, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

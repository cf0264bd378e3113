"""ZGW client authentication: a JWT signed with HS256 with the client's secret, as the ZGW standard prescribes.

The token carries ``iss`` and ``client_id`` (both the client identifier), ``iat`` and, for the audit trail,
``user_id`` and ``user_representation``. The simulator knows its clients from ``GBI_SIMULATOR_ZGW_CLIENTS_FILE``
(a JSON list of ``{client_id, secret, gemeente?, name?}``); a client with a ``gemeente`` may only use the types of
that gemeente's catalogus and only sees that gemeente's zaken, besluiten and documenten (what an Autorisaties API
component does per zaaktype). Scopes (``zaken.lezen``, ...) are not checked.

A token that verified is remembered by its exact text (bounded, oldest out) with its client and claims; seen again,
only what depends on the clock is checked anew (``exp``, ``nbf``, ``iat`` and the accepted age), and a token for
which any of those no longer holds goes through the full verification and is refused as before. A token that
failed is never remembered; a changed byte is another token.

Every failure is a 403, as in the ZGW reference implementations: no token ``not_authenticated``, anything else
(unknown client, bad signature, another algorithm, a missing claim, a token older than the accepted age)
``permission_denied``.
"""

from __future__ import annotations

import hmac
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, field_validator

from gbi_simulator.gemeenten import GBI_GEMEENTEN
from gbi_simulator.zgw.problems import ZgwProblem

__all__ = ["ZgwAuthenticator", "ZgwClient", "load_zgw_clients"]

ALGORITHM = "HS256"
REMEMBERED_TOKENS = 1024


class ZgwClient(BaseModel):
    """An application registered at the simulated zaaksysteem."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")
    # RFC 7518 section 3.2: an HS256 key of at least 256 bits.
    secret: SecretStr = Field(min_length=32)
    gemeente: str | None = None
    name: str | None = None

    @field_validator("gemeente")
    @classmethod
    def _known_gemeente(cls, value: str | None) -> str | None:
        if value is not None and value not in GBI_GEMEENTEN:
            raise ValueError("gemeente must be the CBS code of one of the GBI gemeenten")
        return value


_CLIENTS = TypeAdapter(list[ZgwClient])


def load_zgw_clients(path: Path | None) -> dict[str, ZgwClient]:
    """Read the clients file; no file means no clients (every ZGW request is then refused)."""
    if path is None:
        return {}
    clients = _CLIENTS.validate_json(path.read_bytes())
    by_id: dict[str, ZgwClient] = {}
    for client in clients:
        if client.client_id in by_id:
            raise ValueError(f"client_id {client.client_id!r} appears twice in {path}")
        by_id[client.client_id] = client
    return by_id


class ZgwAuthenticator:
    """Verifies the ``Authorization: Bearer <jwt>`` of a ZGW request and returns the client."""

    def __init__(self, clients: dict[str, ZgwClient], *, max_age_s: int, leeway_s: int = 60) -> None:
        self.clients = clients
        self.max_age_s = max_age_s
        self.leeway_s = leeway_s
        self._verified: OrderedDict[str, tuple[ZgwClient, dict[str, Any]]] = OrderedDict()

    def _still_valid(self, client: ZgwClient, claims: dict[str, Any]) -> bool:
        """Whether a remembered token would pass its verification now: same client, and every check that depends
        on the clock (PyJWT's ``exp``, ``nbf`` and ``iat``, and the accepted age) still holds."""
        if self.clients.get(client.client_id) is not client:
            return False
        now = time.time()
        exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims["iat"]
        if exp is not None and not (isinstance(exp, int | float) and exp > now - self.leeway_s):
            return False
        if nbf is not None and not (isinstance(nbf, int | float) and nbf <= now + self.leeway_s):
            return False
        return float(iat) <= now + self.leeway_s and now - float(iat) <= self.max_age_s + self.leeway_s

    def authenticate(self, authorization: str | None) -> tuple[ZgwClient, dict[str, Any]]:
        if not authorization:
            raise ZgwProblem(
                403,
                "not_authenticated",
                "Authenticatiegegevens zijn niet opgegeven.",
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ZgwProblem(403, "not_authenticated", "Authenticatiegegevens zijn niet opgegeven.")
        token = token.strip()
        known = self._verified.get(token)
        if known is not None and self._still_valid(*known):
            return known[0], dict(known[1])
        client, claims = self._verify(token)
        self._verified[token] = (client, dict(claims))
        while len(self._verified) > REMEMBERED_TOKENS:
            self._verified.popitem(last=False)
        return client, claims

    def _verify(self, token: str) -> tuple[ZgwClient, dict[str, Any]]:
        """The full verification of a token's header, client, signature and claims."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise _denied("Het JWT is onleesbaar.") from None
        if header.get("alg") != ALGORITHM:
            raise _denied(f"Het JWT moet met {ALGORITHM} ondertekend zijn.")
        client_id = unverified.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise _denied("Het JWT mist de claim client_id.")
        client = self.clients.get(client_id)
        if client is None:
            raise _denied("Client identificatie is onbekend.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                client.secret.get_secret_value(),
                algorithms=[ALGORITHM],
                options={"require": ["iat", "iss"], "verify_aud": False},
                leeway=self.leeway_s,
            )
        except jwt.InvalidSignatureError:
            raise _denied("De handtekening van het JWT is ongeldig.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise _denied(f"Het JWT mist de claim {exc.claim}.") from None
        except jwt.PyJWTError as exc:
            raise _denied(f"Het JWT is ongeldig: {exc}.") from None
        if not hmac.compare_digest(str(claims["iss"]), client_id):
            raise _denied("De claims iss en client_id moeten dezelfde client noemen.")
        iat = claims["iat"]
        if isinstance(iat, bool) or not isinstance(iat, int | float):
            raise _denied("De claim iat is geen tijdstip.")
        if time.time() - float(iat) > self.max_age_s + self.leeway_s:
            raise _denied("Het JWT is verlopen (iat te lang geleden).")
        return client, claims


def _denied(detail: str) -> ZgwProblem:
    return ZgwProblem(403, "permission_denied", detail)

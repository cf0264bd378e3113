"""Identity and request context.

The gateway verifies the caller's token and hands the verified context (actor, gemeente, roles, purpose)
downstream as a short-lived JWT in the ``GBI-Context`` header, signed with the gateway's key (ES256). Every
service verifies that signature itself with the gateway's public key; a service never trusts a bare header.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from gbi_shared.errors import ForbiddenError, UnauthorizedError

__all__ = [
    "CONTEXT_HEADER",
    "ActorType",
    "ContextSigner",
    "ContextVerifier",
    "RequestContext",
    "current_context",
    "require_roles",
]

CONTEXT_HEADER = "GBI-Context"
CONTEXT_ALGORITHM = "ES256"


class ActorType(StrEnum):
    BURGER = "burger"  # a citizen, identified by BSN (DigiD level)
    MEDEWERKER = "medewerker"  # staff of a gemeente
    SYSTEEM = "systeem"  # an external system client (integrator, front office)
    SERVICE = "service"  # one of GBI's own layers acting on its own behalf


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Who is asking, for which gemeente, with which roles and for what purpose (doelbinding)."""

    actor_id: str
    actor_type: ActorType
    roles: frozenset[str] = field(default_factory=frozenset)
    gemeente: str | None = None
    bsn: str | None = None
    purpose: str = "participatiewet"
    client_id: str | None = None
    # The service that forwarded this context on the caller's behalf, if any.
    via: str | None = None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def with_gemeente(self, gemeente: str) -> RequestContext:
        return replace(self, gemeente=gemeente)

    def to_claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {
            "sub": self.actor_id,
            "act": self.actor_type.value,
            "roles": sorted(self.roles),
            "purpose": self.purpose,
        }
        for key, value in (
            ("gemeente", self.gemeente),
            ("bsn", self.bsn),
            ("client_id", self.client_id),
            ("via", self.via),
        ):
            if value is not None:
                claims[key] = value
        return claims

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> RequestContext:
        try:
            return cls(
                actor_id=str(claims["sub"]),
                actor_type=ActorType(claims["act"]),
                roles=frozenset(str(r) for r in claims.get("roles", [])),
                gemeente=claims.get("gemeente"),
                bsn=claims.get("bsn"),
                purpose=str(claims.get("purpose", "participatiewet")),
                client_id=claims.get("client_id"),
                via=claims.get("via"),
            )
        except (KeyError, ValueError) as exc:
            raise UnauthorizedError("De context van het verzoek is onvolledig") from exc


class ContextSigner:
    """Signs verified contexts (the gateway holds the private key)."""

    def __init__(self, private_key_pem: str, *, issuer: str, audience: str, ttl_s: int = 300) -> None:
        self._key = private_key_pem
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl_s

    def sign(self, ctx: RequestContext) -> str:
        now = int(time.time())
        claims = ctx.to_claims() | {
            "iss": self._issuer,
            "aud": self._audience,
            "iat": now,
            "exp": now + self._ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=CONTEXT_ALGORITHM)


class ContextVerifier:
    """Verifies ``GBI-Context`` tokens with the gateway's public key: signature, issuer, audience, expiry."""

    def __init__(self, public_key_pem: str, *, issuer: str, audience: str, leeway_s: int = 5) -> None:
        self._key = public_key_pem
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_s

    def verify(self, token: str) -> RequestContext:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[CONTEXT_ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise UnauthorizedError("De context van het verzoek is niet geldig") from exc
        return RequestContext.from_claims(claims)


def current_context(request: Request) -> RequestContext:
    """FastAPI dependency: the verified context of this request, or 401."""
    ctx = getattr(request.state, "context", None)
    if not isinstance(ctx, RequestContext):
        raise UnauthorizedError("Geen geldige identiteit bij dit verzoek")
    return ctx


def require_roles(*roles: str, actor_types: Iterable[ActorType] = ()) -> Callable[..., RequestContext]:
    """FastAPI dependency factory: the context must carry one of ``roles`` (or be one of ``actor_types``)."""
    allowed_types = frozenset(actor_types)

    def dependency(ctx: Annotated[RequestContext, Depends(current_context)]) -> RequestContext:
        if ctx.actor_type in allowed_types or ctx.has_role(*roles):
            return ctx
        raise ForbiddenError("U heeft geen rol die dit mag")

    return dependency

"""Identity and request context.

The gateway verifies the caller's token and hands the verified context (actor, gemeente, roles, purpose)
downstream as a short-lived JWT in the ``GBI-Context`` header, signed with the gateway's key (ES256). Every
service verifies that signature itself with the gateway's public key; a service never trusts a bare header.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Iterable
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
    """Verifies ``GBI-Context`` tokens with the gateway's public key: signature, issuer, audience, expiry.

    A token that verified once is remembered (bounded, least recently used first out, keyed by the token's exact
    text, signature included) until its own expiry: the gateway reuses a signed context for the calls of one
    caller, so most requests carry a token this process has seen, and a lookup replaces an ECDSA verify. Only
    successful verifications are remembered; a token that fails is verified again every time, and a remembered
    one is refused from its ``exp`` (plus the leeway) on, exactly as a fresh verify would refuse it."""

    def __init__(
        self, public_key_pem: str, *, issuer: str, audience: str, leeway_s: int = 5, cache_size: int = 4096
    ) -> None:
        self._key = public_key_pem
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_s
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[RequestContext, float]] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, token: str) -> RequestContext:
        return self.verify_until(token)[0]

    def verify_until(self, token: str) -> tuple[RequestContext, float]:
        """The verified context and the token's expiry (``exp``, seconds since the epoch)."""
        with self._lock:
            hit = self._cache.get(token)
            if hit is not None:
                if time.time() < hit[1] + self._leeway:
                    self._cache.move_to_end(token)
                    return hit
                del self._cache[token]
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
        result = (RequestContext.from_claims(claims), float(claims["exp"]))
        if self._cache_size > 0:
            with self._lock:
                self._cache[token] = result
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return result


async def current_context(request: Request) -> RequestContext:
    """FastAPI dependency: the verified context of this request, or 401. ``async`` although it awaits nothing, so
    that FastAPI calls it on the event loop instead of handing it to a worker thread (a thread hop costs more
    than the lookup)."""
    ctx = getattr(request.state, "context", None)
    if not isinstance(ctx, RequestContext):
        raise UnauthorizedError("Geen geldige identiteit bij dit verzoek")
    return ctx


def require_roles(
    *roles: str, actor_types: Iterable[ActorType] = ()
) -> Callable[..., Coroutine[Any, Any, RequestContext]]:
    """FastAPI dependency factory: the context must carry one of ``roles`` (or be one of ``actor_types``)."""
    allowed_types = frozenset(actor_types)

    async def dependency(ctx: Annotated[RequestContext, Depends(current_context)]) -> RequestContext:
        if ctx.actor_type in allowed_types or ctx.has_role(*roles):
            return ctx
        raise ForbiddenError("U heeft geen rol die dit mag")

    return dependency

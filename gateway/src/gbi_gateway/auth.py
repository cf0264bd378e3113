"""Caller token verification: JWKS (fetched and cached, or configured), algorithm allow-list, issuer, audience,
expiry; and the mapping from a verified token to the ``RequestContext`` the services receive."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any

import jwt

from gbi_gateway.settings import GatewaySettings
from gbi_shared._http import HttpTransport
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.common import is_valid_bsn
from gbi_shared.errors import ServiceError, UnauthorizedError

__all__ = ["STAFF_ROLES", "TokenVerifier", "context_from_claims"]

log = logging.getLogger("gbi.gateway.auth")

STAFF_ROLES = frozenset({"klantmanager", "inkomensconsulent", "handhaver", "teamleider", "beheerder", "auditor"})
SYSTEM_ROLES = frozenset({"integrator"})
SERVICE_ROLE = "gbi-service"
_GEMEENTE = re.compile(r"^\d{4}$")


class TokenVerifier:
    """Verifies caller JWTs. Keys come from a JWKS URL (cached, refreshed on an unknown ``kid`` at most every
    10 s) and/or a JWKS file. Only asymmetric algorithms on the allow-list are accepted: ``none`` and HS* never,
    so a public key can never be abused as an HMAC secret."""

    def __init__(self, settings: GatewaySettings, transport: HttpTransport) -> None:
        self._settings = settings
        self._transport = transport
        self._algorithms = [a for a in settings.oidc_algorithms if a.startswith(("RS", "ES", "PS"))]
        self._static: dict[str, jwt.PyJWK] = {}
        if settings.oidc_jwks_file is not None:
            self._static = _parse_jwks(json.loads(settings.oidc_jwks_file.read_text(encoding="utf-8")))
        self._remote: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._failed_at = float("-inf")
        self._lock = asyncio.Lock()

    async def ready(self) -> str | None:
        if self._static:
            return None
        try:
            await self._refresh(force=False)
        except ServiceError as exc:
            return exc.detail or "jwks niet bereikbaar"
        return None if self._remote else "geen sleutels in jwks"

    async def _refresh(self, *, force: bool) -> None:
        url = self._settings.oidc_jwks_url
        if not url:
            return
        age = time.monotonic() - self._fetched_at
        if self._remote and age < (10 if force else self._settings.oidc_jwks_ttl_s):
            return
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if self._remote and age < (10 if force else self._settings.oidc_jwks_ttl_s):
                return
            resp = await self._transport.request("GET", url, target="identity-provider", timeout_s=5)
            self._remote = _parse_jwks(resp.json())
            self._fetched_at = time.monotonic()

    async def _refresh_or_keep(self, *, force: bool) -> None:
        """Refresh the remote keys. When that fails while keys are at hand (configured, or fetched before), go on
        with those and try again after 10 s, instead of failing (and slowing) every request."""
        if (self._static or self._remote) and time.monotonic() - self._failed_at < 10:
            return
        try:
            await self._refresh(force=force)
        except ServiceError:
            if not (self._static or self._remote):
                raise
            self._failed_at = time.monotonic()
            log.warning("jwks refresh failed; using the keys at hand")

    async def _key(self, kid: str | None) -> jwt.PyJWK:
        await self._refresh_or_keep(force=False)
        keys = {**self._remote, **self._static}
        if kid is not None and kid not in keys:
            await self._refresh_or_keep(force=True)
            keys = {**self._remote, **self._static}
        if kid is None:
            if len(keys) == 1:
                return next(iter(keys.values()))
            raise UnauthorizedError("Token zonder sleutel-id (kid)")
        key = keys.get(kid)
        if key is None:
            raise UnauthorizedError("Token ondertekend met een onbekende sleutel")
        return key

    async def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise UnauthorizedError("Token is geen geldige JWT") from exc
        alg = header.get("alg")
        if alg not in self._algorithms:
            raise UnauthorizedError(f"Algoritme {alg!r} is niet toegestaan")
        key = await self._key(header.get("kid"))
        if key.algorithm_name != alg:
            raise UnauthorizedError("Algoritme past niet bij de sleutel")
        try:
            return jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self._settings.oidc_audience,
                issuer=self._settings.oidc_issuer,
                leeway=self._settings.oidc_leeway_s,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise UnauthorizedError("Token is verlopen") from exc
        except jwt.PyJWTError as exc:
            raise UnauthorizedError(f"Token is niet geldig: {type(exc).__name__}") from exc


def _parse_jwks(doc: Any) -> dict[str, jwt.PyJWK]:
    keys: dict[str, jwt.PyJWK] = {}
    if not isinstance(doc, dict):
        return keys
    for raw in doc.get("keys", []):
        if not isinstance(raw, dict) or raw.get("kty") not in ("RSA", "EC") or raw.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(raw)
        except jwt.PyJWTError:
            log.warning("skipping unusable jwk")
            continue
        keys[str(raw.get("kid", ""))] = key
    return keys


def context_from_claims(claims: dict[str, Any], *, purpose: str) -> RequestContext:
    """Turn verified token claims into the context the services get. Unknown roles are dropped."""
    try:
        actor_type = ActorType(claims.get("gbi_actor_type", ""))
    except ValueError as exc:
        raise UnauthorizedError("Token zegt niet wie de aanroeper is (gbi_actor_type)") from exc
    sub = str(claims["sub"])
    raw_roles = claims.get("roles", [])
    roles = frozenset(str(r) for r in raw_roles) if isinstance(raw_roles, list) else frozenset()
    if actor_type is ActorType.BURGER:
        bsn = str(claims.get("bsn", ""))
        if not is_valid_bsn(bsn):
            raise UnauthorizedError("Token van een burger zonder geldig BSN")
        return RequestContext(sub, actor_type, frozenset({"burger"}), None, bsn, purpose)
    if actor_type is ActorType.SERVICE:
        if SERVICE_ROLE not in roles:
            raise UnauthorizedError("Servicetoken zonder servicerol")
        return RequestContext(
            sub, actor_type, frozenset({SERVICE_ROLE}), None, None, purpose, client_id=claims.get("client_id", sub)
        )
    gemeente = str(claims.get("gemeente", ""))
    if not _GEMEENTE.match(gemeente):
        raise UnauthorizedError("Token zonder geldige gemeente")
    allowed = STAFF_ROLES if actor_type is ActorType.MEDEWERKER else SYSTEM_ROLES
    return RequestContext(sub, actor_type, roles & allowed, gemeente, None, purpose, client_id=claims.get("client_id"))

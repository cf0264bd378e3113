"""Authorization codes of the development IdP (OAuth 2.0 authorization code flow with PKCE, RFC 7636).

A code is issued after the login screen (``/idp/authorize``), lives 60 seconds, is bound to the client, the
redirect URI and the PKCE challenge, and can be redeemed once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["CODE_TTL_S", "CodeStore", "IssuedCode", "loopback_redirect", "pkce_s256"]

CODE_TTL_S = 60.0
_MAX_CODES = 10_000


def pkce_s256(verifier: str) -> str:
    """The S256 code challenge of a verifier: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def loopback_redirect(uri: str) -> bool:
    """A development redirect URI: http(s) on the loopback interface, no fragment, no credentials."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and parts.hostname in ("127.0.0.1", "localhost", "::1")
        and not parts.fragment
        and parts.username is None
        and parts.password is None
    )


@dataclass(frozen=True, slots=True)
class IssuedCode:
    client_id: str
    redirect_uri: str
    code_challenge: str
    claims: dict[str, Any]
    expires_at: float


class CodeStore:
    """Codes in memory (the simulator is one process), thread-safe, each redeemable once."""

    def __init__(self, ttl_s: float = CODE_TTL_S) -> None:
        self._ttl = ttl_s
        self._codes: dict[str, IssuedCode] = {}
        self._lock = threading.Lock()

    def issue(self, *, client_id: str, redirect_uri: str, code_challenge: str, claims: dict[str, Any]) -> str:
        code = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            for key in [k for k, v in self._codes.items() if v.expires_at <= now]:
                del self._codes[key]
            if len(self._codes) >= _MAX_CODES:
                self._codes.pop(next(iter(self._codes)))
            self._codes[code] = IssuedCode(client_id, redirect_uri, code_challenge, claims, now + self._ttl)
        return code

    def redeem(self, code: str, *, client_id: str, redirect_uri: str, code_verifier: str) -> dict[str, Any] | None:
        """The claims of a valid code (and the code is gone), or None: unknown, expired, already used, another
        client or redirect URI, or a verifier that does not match the challenge."""
        with self._lock:
            issued = self._codes.pop(code, None)
        if issued is None or issued.expires_at <= time.monotonic():
            return None
        if issued.client_id != client_id or issued.redirect_uri != redirect_uri:
            return None
        if not hmac.compare_digest(pkce_s256(code_verifier), issued.code_challenge):
            return None
        return issued.claims

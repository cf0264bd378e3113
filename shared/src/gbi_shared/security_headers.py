"""Security headers on every response of every GBI process (pages and APIs alike).

The pages are server-rendered without inline script or style, so one strict policy fits all of them:

- ``Content-Security-Policy``: ``default-src 'self'; frame-ancestors 'none'`` plus ``base-uri``, ``form-action``
  and ``object-src`` closed down; no ``'unsafe-inline'`` anywhere.
- ``Strict-Transport-Security``: HSTS-ready (browsers honour it only over HTTPS, where TLS ends in front of the
  gateway; sending it over plain HTTP on loopback does no harm).
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY`` (for browsers
  without CSP level 2), ``Cross-Origin-Opener-Policy``/``Cross-Origin-Resource-Policy: same-origin`` and a
  ``Permissions-Policy`` that switches off the powerful features no GBI page uses.

A header the application already set wins (an upstream layer's response passes the gateway unchanged), so a route
with a reason to differ sets its own. FastAPI's developer page (``/docs``, Swagger UI from a CDN with inline script)
is the one path without the CSP; it is not routed by the gateway.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "SecurityHeadersMiddleware", "add_security_headers"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("strict-transport-security", "max-age=63072000; includeSubDomains"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)

_ENCODED = tuple((name.encode(), value.encode()) for name, value in SECURITY_HEADERS)
_CSP = b"content-security-policy"


def add_security_headers(out: list[tuple[bytes, bytes]], present: set[bytes], *, skip_csp: bool) -> None:
    """Append to the raw header list ``out`` each security header whose (lower-case) name is not in ``present``."""
    for name, value in _ENCODED:
        if name in present or (skip_csp and name == _CSP):
            continue
        out.append((name, value))


class SecurityHeadersMiddleware:
    """Pure ASGI: adds each security header the response does not carry yet."""

    def __init__(self, app: ASGIApp, *, exempt_csp_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.exempt_csp_paths = exempt_csp_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        skip_csp = scope.get("path") in self.exempt_csp_paths

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = list(message.get("headers", []))
                add_security_headers(out, {k.lower() for k, _ in out}, skip_csp=skip_csp)
                message["headers"] = out
            await send(message)

        await self.app(scope, receive, send_with_headers)

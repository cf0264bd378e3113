"""Web sessions: kept on the server, found by an unguessable id in an HttpOnly cookie.

A session holds who is logged in (their access token from the identity provider, never sent to the browser), the
CSRF token of its forms (synchronizer token), a login in progress (state and PKCE verifier) and one-time messages.
It ends after ``idle_s`` without a request (15 minutes by default) or when the access token expires, whichever is
first. The store keys sessions by the SHA-256 of the cookie value, so what the store holds cannot be replayed as
a cookie. Logging in gives the session a new id (no session fixation).

Drafts of an aanvraag outlive a session: :class:`ConceptStore` keeps them per user (``sub``) for
``concept_ttl_s``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

__all__ = ["COOKIE", "ConceptStore", "Gebruiker", "LoginPoging", "Sessie", "SessieStore", "cookie_naam"]

COOKIE = "gbi_sessie"


def cookie_naam(secure: bool) -> str:
    """``__Host-`` binds the cookie to the exact host, only over HTTPS (production); plain in development."""
    return f"__Host-{COOKIE}" if secure else COOKIE


@dataclass(frozen=True, slots=True)
class Gebruiker:
    """Who is logged in, from the token's claims (the gateway verifies the token itself on every API call)."""

    sub: str
    actor_type: str
    naam: str
    bsn: str | None = None
    gemeente: str | None = None
    rollen: tuple[str, ...] = ()

    @property
    def is_burger(self) -> bool:
        return self.actor_type == "burger"

    @property
    def is_medewerker(self) -> bool:
        return self.actor_type == "medewerker"

    def heeft_rol(self, *rollen: str) -> bool:
        return any(r in self.rollen for r in rollen)


@dataclass(slots=True)
class LoginPoging:
    state: str
    verifier: str
    naar: str
    als: str
    begonnen: float


@dataclass(slots=True)
class Sessie:
    id: str
    csrf: str
    laatst_actief: float
    gebruiker: Gebruiker | None = None
    token: str | None = None
    token_verloopt: float = 0.0
    login: LoginPoging | None = None
    meldingen: list[str] = field(default_factory=list)
    nieuw: bool = False

    def melding(self, tekst: str) -> None:
        self.meldingen.append(tekst)

    def neem_meldingen(self) -> list[str]:
        out, self.meldingen = self.meldingen, []
        return out

    def klopt_csrf(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token.encode(), self.csrf.encode())  # type: ignore[union-attr]


def _sleutel(sessie_id: str) -> str:
    return hashlib.sha256(sessie_id.encode()).hexdigest()


class SessieStore:
    """Sessions in this process's memory, bounded, thread-safe."""

    def __init__(self, idle_s: float = 900.0, max_items: int = 50_000) -> None:
        self.idle_s = idle_s
        self._max = max_items
        self._items: OrderedDict[str, Sessie] = OrderedDict()
        self._lock = threading.Lock()

    def nieuw(self) -> Sessie:
        sessie = Sessie(
            id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), laatst_actief=time.monotonic(), nieuw=True
        )
        self._zet(sessie)
        return sessie

    def _zet(self, sessie: Sessie) -> None:
        with self._lock:
            self._items[_sleutel(sessie.id)] = sessie
            self._items.move_to_end(_sleutel(sessie.id))
            while len(self._items) > self._max:
                self._items.popitem(last=False)

    def lees(self, sessie_id: str | None) -> Sessie | None:
        """The live session with this id (its inactivity clock restarted), or None: unknown, idle too long, or its
        token expired (then it is gone)."""
        if not sessie_id or len(sessie_id) > 100:
            return None
        key = _sleutel(sessie_id)
        now = time.monotonic()
        with self._lock:
            sessie = self._items.get(key)
            if sessie is None:
                return None
            verlopen = now - sessie.laatst_actief > self.idle_s
            token_op = sessie.token is not None and time.time() >= sessie.token_verloopt
            if verlopen or token_op:
                del self._items[key]
                return None
            sessie.laatst_actief = now
            self._items.move_to_end(key)
            return sessie

    def vernieuw(self, sessie: Sessie) -> Sessie:
        """The same session under a new id and a new CSRF token (at login and logout)."""
        self.verwijder(sessie.id)
        sessie.id = secrets.token_urlsafe(32)
        sessie.csrf = secrets.token_urlsafe(32)
        sessie.nieuw = True
        sessie.laatst_actief = time.monotonic()
        self._zet(sessie)
        return sessie

    def verwijder(self, sessie_id: str) -> None:
        with self._lock:
            self._items.pop(_sleutel(sessie_id), None)

    def resterend_s(self, sessie: Sessie) -> int:
        """Seconds until the session ends if nothing happens."""
        idle = self.idle_s - (time.monotonic() - sessie.laatst_actief)
        if sessie.token is not None:
            idle = min(idle, sessie.token_verloopt - time.time())
        return max(0, int(idle))

    def __len__(self) -> int:
        return len(self._items)


class ConceptStore:
    """Drafts (what a citizen filled in so far) per user and kind, for ``ttl_s`` after the last change."""

    def __init__(self, ttl_s: float = 30 * 24 * 3600.0, max_items: int = 100_000) -> None:
        self._ttl = ttl_s
        self._max = max_items
        self._items: OrderedDict[tuple[str, str], tuple[dict[str, Any], float]] = OrderedDict()
        self._lock = threading.Lock()

    def lees(self, sub: str, soort: str) -> dict[str, Any] | None:
        with self._lock:
            item = self._items.get((sub, soort))
            if item is None:
                return None
            if item[1] <= time.time():
                del self._items[(sub, soort)]
                return None
            return dict(item[0])

    def bewaar(self, sub: str, soort: str, gegevens: dict[str, Any]) -> None:
        with self._lock:
            self._items[(sub, soort)] = (dict(gegevens), time.time() + self._ttl)
            self._items.move_to_end((sub, soort))
            while len(self._items) > self._max:
                self._items.popitem(last=False)

    def verwijder(self, sub: str, soort: str) -> None:
        with self._lock:
            self._items.pop((sub, soort), None)

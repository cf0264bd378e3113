"""Web sessions: kept by the data service, found by an unguessable id in an HttpOnly cookie.

A session holds who is logged in (their access token from the identity provider, never sent to the browser), the
CSRF token of its forms (synchronizer token), a login in progress (state and PKCE verifier) and one-time messages.
It ends after ``idle_s`` without a request (15 minutes by default) or when the access token expires, whichever is
first. Sessions live in the data service (``/internal/data/v1/web-sessies``, docs/adr/0012), so every replica of
the interaction layer sees the same ones and a restart logs nobody out. The store keys sessions by the SHA-256 of
the cookie value: the raw value is never sent to it nor logged, and what the store holds cannot be replayed as a
cookie. Logging in gives the session a new id (no session fixation): the new one is stored, the old one deleted.
Drafts of an aanvraag outlive a session: :class:`ConceptOpslag` keeps them in the data service too.

A request loads its session once (:meth:`SessieStore.lees`, which also restarts the store's inactivity clock) and
stores it after the page is made, only when something changed (:meth:`SessieStore.bewaar`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from gbi_interaction.lagen import Woonplaats
from gbi_shared.clients import GatewayClient
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.errors import NotFoundError

__all__ = [
    "COOKIE",
    "ConceptOpslag",
    "DataSessieOpslag",
    "Gebruiker",
    "LoginPoging",
    "Sessie",
    "SessieOpslag",
    "SessieStore",
    "cookie_naam",
    "ruim_op",
    "ruim_op_lus",
    "sleutel",
]

log = logging.getLogger("gbi.interaction.web")

COOKIE = "gbi_sessie"
DATA = "/internal/data/v1"
#: The data service refuses an idle limit above 15 minutes (and below one).
_IDLE_MIN, _IDLE_MAX = 60, 900


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
    begonnen: float  # wall-clock seconds: the callback may reach another replica


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
    #: What the store holds (None: nothing yet), to store only a session that changed.
    opgeslagen: dict[str, Any] | None = None
    #: Ids this session had before (login, logout): their rows are deleted when it is stored.
    vervallen: list[str] = field(default_factory=list)
    beeindigd: bool = False

    def melding(self, tekst: str) -> None:
        self.meldingen.append(tekst)

    def neem_meldingen(self) -> list[str]:
        out, self.meldingen = self.meldingen, []
        return out

    def klopt_csrf(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token.encode(), self.csrf.encode())  # type: ignore[union-attr]

    def gegevens(self) -> dict[str, Any]:
        """What the store keeps (JSON); never logged: it holds the access token."""
        g = self.gebruiker
        login = self.login
        return {
            "csrf": self.csrf,
            "gebruiker": None
            if g is None
            else {
                "sub": g.sub,
                "actorType": g.actor_type,
                "naam": g.naam,
                "bsn": g.bsn,
                "gemeente": g.gemeente,
                "rollen": list(g.rollen),
            },
            "token": self.token,
            "tokenVerloopt": self.token_verloopt,
            "login": None
            if login is None
            else {
                "state": login.state,
                "verifier": login.verifier,
                "naar": login.naar,
                "als": login.als,
                "begonnen": login.begonnen,
            },
            "meldingen": list(self.meldingen),
        }

    @classmethod
    def uit_gegevens(cls, sessie_id: str, gegevens: dict[str, Any], nu: float) -> Sessie:
        g = gegevens.get("gebruiker")
        login = gegevens.get("login")
        sessie = cls(
            id=sessie_id,
            csrf=str(gegevens["csrf"]),
            laatst_actief=nu,
            gebruiker=None
            if not g
            else Gebruiker(
                sub=str(g["sub"]),
                actor_type=str(g["actorType"]),
                naam=str(g["naam"]),
                bsn=g.get("bsn"),
                gemeente=g.get("gemeente"),
                rollen=tuple(str(r) for r in g.get("rollen", ())),
            ),
            token=gegevens.get("token"),
            token_verloopt=float(gegevens.get("tokenVerloopt") or 0.0),
            login=None
            if not login
            else LoginPoging(
                str(login["state"]),
                str(login["verifier"]),
                str(login["naar"]),
                str(login["als"]),
                float(login["begonnen"]),
            ),
            meldingen=[str(m) for m in gegevens.get("meldingen", ())],
        )
        sessie.opgeslagen = gegevens
        return sessie


def sleutel(sessie_id: str) -> str:
    """The store's key of a session: the SHA-256 (hex) of the cookie value."""
    return hashlib.sha256(sessie_id.encode()).hexdigest()


class SessieOpslag(Protocol):
    """Where sessions are kept, by :func:`sleutel`. ``lees`` restarts the inactivity clock and answers None when
    the session is unknown, idle longer than ``idle_s`` or past ``verloopt_op``."""

    async def lees(self, sleutel: str, idle_s: int) -> dict[str, Any] | None: ...

    async def bewaar(self, sleutel: str, gegevens: dict[str, Any], verloopt_op: float | None) -> None: ...

    async def verwijder(self, sleutel: str) -> None: ...


class DataSessieOpslag:
    """The data service's store, through the gateway as this service (never with a user's context)."""

    def __init__(self, gateway: GatewayClient) -> None:
        self._gw = gateway

    async def lees(self, sleutel: str, idle_s: int) -> dict[str, Any] | None:
        try:
            resp = await self._gw.request(
                "GET", f"{DATA}/web-sessies/{sleutel}", params={"idleS": str(idle_s)}, as_service=True
            )
        except NotFoundError:
            return None
        gegevens: dict[str, Any] = resp.json()["gegevens"]
        return gegevens

    async def bewaar(self, sleutel: str, gegevens: dict[str, Any], verloopt_op: float | None) -> None:
        body = {
            "gegevens": gegevens,
            "verlooptOp": None if verloopt_op is None else datetime.fromtimestamp(verloopt_op, UTC).isoformat(),
        }
        await self._gw.request("PUT", f"{DATA}/web-sessies/{sleutel}", json_body=body, as_service=True)

    async def verwijder(self, sleutel: str) -> None:
        await self._gw.request("DELETE", f"{DATA}/web-sessies/{sleutel}", as_service=True)


class SessieStore:
    """Loads, starts, rotates and stores the sessions of requests, in a :class:`SessieOpslag`."""

    def __init__(self, opslag: SessieOpslag, idle_s: float = 900.0) -> None:
        self.opslag = opslag
        self.idle_s = idle_s

    @property
    def _idle(self) -> int:
        return max(_IDLE_MIN, min(_IDLE_MAX, int(self.idle_s)))

    def nieuw(self) -> Sessie:
        """A new session (stored when the request that started it ends)."""
        return Sessie(
            id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), laatst_actief=time.time(), nieuw=True
        )

    async def lees(self, sessie_id: str | None) -> Sessie | None:
        """The live session with this id (the store restarts its inactivity clock), or None: unknown, idle too
        long, or its token expired (then it is gone)."""
        if not sessie_id or len(sessie_id) > 100:
            return None
        key = sleutel(sessie_id)
        gegevens = await self.opslag.lees(key, self._idle)
        if gegevens is None:
            return None
        nu = time.time()
        try:
            sessie = Sessie.uit_gegevens(sessie_id, gegevens, nu)
        except (KeyError, TypeError, ValueError):
            await self.opslag.verwijder(key)
            return None
        if sessie.token is not None and nu >= sessie.token_verloopt:
            await self.opslag.verwijder(key)
            return None
        return sessie

    def vernieuw(self, sessie: Sessie) -> Sessie:
        """The same session under a new id and a new CSRF token (at login and logout); the old id is deleted from
        the store when the session is stored."""
        sessie.vervallen.append(sessie.id)
        sessie.id = secrets.token_urlsafe(32)
        sessie.csrf = secrets.token_urlsafe(32)
        sessie.nieuw = True
        sessie.laatst_actief = time.time()
        return sessie

    def beeindig(self, sessie: Sessie) -> None:
        """The session is over (its token was refused): deleted when the request ends."""
        sessie.beeindigd = True

    async def bewaar(self, sessie: Sessie) -> None:
        """Store the session if it is new or changed; delete the ids it had before; delete it when it ended."""
        if sessie.beeindigd:
            for oud in (*sessie.vervallen, sessie.id):
                await self.opslag.verwijder(sleutel(oud))
            return
        gegevens = sessie.gegevens()
        if sessie.nieuw or gegevens != sessie.opgeslagen:
            verloopt = sessie.token_verloopt if sessie.token is not None else None
            await self.opslag.bewaar(sleutel(sessie.id), gegevens, verloopt)
            sessie.opgeslagen = gegevens
            sessie.nieuw = False
        for oud in sessie.vervallen:
            await self.opslag.verwijder(sleutel(oud))
        sessie.vervallen.clear()

    async def verwijder(self, sessie_id: str) -> None:
        await self.opslag.verwijder(sleutel(sessie_id))

    def resterend_s(self, sessie: Sessie) -> int:
        """Seconds until the session ends if nothing happens."""
        idle = self._idle - (time.time() - sessie.laatst_actief)
        if sessie.token is not None:
            idle = min(idle, sessie.token_verloopt - time.time())
        return max(0, int(idle))


class ConceptOpslag:
    """Drafts of a form (what a citizen filled in so far) in the data service, per gemeente, BSN and kind of form;
    the store keeps them 30 days after the last change. The gemeente is where the citizen lives (their gemeente of
    inschrijving in the BRP, as for their aanvragen); a citizen outside GBI has no drafts (they cannot apply)."""

    def __init__(self, gateway: GatewayClient) -> None:
        self._gw = gateway
        self._woonplaats = Woonplaats(gateway)

    async def _plek(self, wie: Gebruiker) -> tuple[str, str] | None:
        if wie.bsn is None:
            return None
        gemeente = wie.gemeente
        if gemeente is None:
            ctx = RequestContext(actor_id=wie.sub, actor_type=ActorType.BURGER, bsn=wie.bsn)
            gemeente = await self._woonplaats.van(ctx)
        return None if gemeente is None else (gemeente, wie.bsn)

    async def lees(self, wie: Gebruiker, soort: str) -> dict[str, Any] | None:
        plek = await self._plek(wie)
        if plek is None:
            return None
        try:
            resp = await self._gw.request(
                "GET", f"{DATA}/web-concepten/{plek[1]}/{soort}", gemeente=plek[0], as_service=True
            )
        except NotFoundError:
            return None
        gegevens: dict[str, Any] = resp.json()["gegevens"]
        return gegevens

    async def bewaar(self, wie: Gebruiker, soort: str, gegevens: dict[str, Any]) -> bool:
        """Stored (True), or not: the citizen lives outside GBI."""
        plek = await self._plek(wie)
        if plek is None:
            return False
        await self._gw.request(
            "PUT",
            f"{DATA}/web-concepten/{plek[1]}/{soort}",
            json_body={"gegevens": gegevens},
            gemeente=plek[0],
            as_service=True,
        )
        return True

    async def verwijder(self, wie: Gebruiker, soort: str) -> None:
        plek = await self._plek(wie)
        if plek is not None:
            await self._gw.request(
                "DELETE", f"{DATA}/web-concepten/{plek[1]}/{soort}", gemeente=plek[0], as_service=True
            )


async def ruim_op(gateway: GatewayClient, woonplaats: Woonplaats) -> tuple[int, int]:
    """Ask the data service to delete ended sessions (all of them, in the first call) and expired drafts (per
    gemeente: drafts belong to one). Answers how many of each went."""
    sessies = concepten = 0
    for gemeente in sorted(await woonplaats.gbi_gemeenten()):
        resp = await gateway.request("POST", f"{DATA}/web-sessies:opruimen", gemeente=gemeente, as_service=True)
        telling = resp.json()
        sessies += int(telling["sessies"])
        concepten += int(telling["concepten"])
    return sessies, concepten


async def ruim_op_lus(gateway: GatewayClient, interval_s: float) -> None:
    """Purge every ``interval_s`` for as long as the service runs; a failed round is logged and tried again."""
    woonplaats = Woonplaats(gateway)
    while True:
        await asyncio.sleep(interval_s)
        try:
            sessies, concepten = await ruim_op(gateway, woonplaats)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the next round tries again; the store's queries ignore ended sessions anyway
            log.warning("web session purge failed: %s", type(exc).__name__, extra={"event": "web-sessies-opruimen"})
            continue
        if sessies or concepten:
            log.info(
                "web sessions purged: %s sessions, %s drafts",
                sessies,
                concepten,
                extra={"event": "web-sessies-opruimen"},
            )

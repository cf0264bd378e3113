"""Web sessions: unguessable ids, stored by their hash only, loaded once per request and stored only when changed,
15 minutes of inactivity, the token's expiry, a new id at login (the old one deleted)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

from gbi_interaction.web.sessie import Gebruiker, LoginPoging, Sessie, SessieStore, cookie_naam, sleutel

from .conftest import GeheugenSessieOpslag


class Opname(GeheugenSessieOpslag):
    """The memory store, recording every call as the data service would see it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []

    async def lees(self, sleutel: str, idle_s: int) -> dict[str, Any] | None:
        self.calls.append(("GET", sleutel))
        return await super().lees(sleutel, idle_s)

    async def bewaar(self, sleutel: str, gegevens: dict[str, Any], verloopt_op: float | None) -> None:
        self.calls.append(("PUT", sleutel))
        await super().bewaar(sleutel, gegevens, verloopt_op)

    async def verwijder(self, sleutel: str) -> None:
        self.calls.append(("DELETE", sleutel))
        await super().verwijder(sleutel)


def _store() -> tuple[SessieStore, Opname]:
    opslag = Opname()
    return SessieStore(opslag), opslag


def test_the_store_only_ever_sees_the_sha256_of_the_cookie() -> None:
    store, opslag = _store()
    s = store.nieuw()
    assert len(s.id) >= 40
    assert len(s.csrf) >= 40
    asyncio.run(store.bewaar(s))
    assert opslag.calls == [("PUT", hashlib.sha256(s.id.encode()).hexdigest())]
    gelezen = asyncio.run(store.lees(s.id))
    assert gelezen is not None
    assert gelezen.csrf == s.csrf
    assert all(s.id not in key for _, key in opslag.calls)
    assert all(len(key) == 64 for _, key in opslag.calls)
    for onzin in ("onbekend", "", None):
        assert asyncio.run(store.lees(onzin)) is None
    opslag.calls.clear()
    assert asyncio.run(store.lees("x" * 500)) is None
    assert opslag.calls == []  # never asked about


def test_a_session_is_stored_only_when_new_or_changed() -> None:
    store, opslag = _store()
    s = store.nieuw()
    asyncio.run(store.bewaar(s))
    geladen = asyncio.run(store.lees(s.id))
    assert geladen is not None
    opslag.calls.clear()
    asyncio.run(store.bewaar(geladen))
    assert opslag.calls == []  # unchanged: the GET already restarted the clock
    geladen.melding("U bent ingelogd.")
    asyncio.run(store.bewaar(geladen))
    assert opslag.calls == [("PUT", sleutel(s.id))]


def test_everything_a_session_holds_survives_the_store() -> None:
    store, _ = _store()
    s = store.nieuw()
    s.gebruiker = Gebruiker(sub="m", actor_type="medewerker", naam="An", gemeente="0363", rollen=("klantmanager",))
    s.token = "t"
    s.token_verloopt = time.time() + 600
    s.login = LoginPoging("state", "verifier", "/werkplek", "medewerker", time.time())
    s.melding("Hallo")
    asyncio.run(store.bewaar(s))
    terug = asyncio.run(store.lees(s.id))
    assert terug is not None
    assert terug.gegevens() == s.gegevens()
    assert terug.gebruiker == s.gebruiker
    assert terug.login == s.login


def test_inactivity_ends_a_session_and_each_read_restarts_the_clock() -> None:
    store, opslag = _store()
    s = store.nieuw()
    asyncio.run(store.bewaar(s))
    key = sleutel(s.id)
    gegevens, _, verloopt = opslag.items[key]
    opslag.items[key] = (gegevens, time.time() - 800, verloopt)
    assert asyncio.run(store.lees(s.id)) is not None  # 800 s idle: still alive, and the clock restarts
    assert time.time() - opslag.items[key][1] < 5
    assert opslag.idle_s[key] == 900
    opslag.items[key] = (gegevens, time.time() - 901, verloopt)
    assert asyncio.run(store.lees(s.id)) is None
    assert key not in opslag.items


def test_the_idle_limit_asked_of_the_store_stays_within_what_it_accepts() -> None:
    for idle, gevraagd in ((30, 60), (600, 600), (3600, 900)):
        opslag = Opname()
        store = SessieStore(opslag, idle_s=idle)
        asyncio.run(store.lees("iets"))
        assert opslag.idle_s[sleutel("iets")] == gevraagd


def test_an_expired_token_ends_the_session() -> None:
    store, opslag = _store()
    s = store.nieuw()
    s.token = "t"
    s.token_verloopt = time.time() - 1
    asyncio.run(store.bewaar(s))
    assert asyncio.run(store.lees(s.id)) is None
    assert sleutel(s.id) not in opslag.items


def test_login_gives_a_new_id_and_csrf_token_and_deletes_the_old_one() -> None:
    store, opslag = _store()
    s = store.nieuw()
    asyncio.run(store.bewaar(s))
    oud_id, oude_csrf = s.id, s.csrf
    store.vernieuw(s)
    assert s.id != oud_id
    assert s.csrf != oude_csrf
    opslag.calls.clear()
    asyncio.run(store.bewaar(s))
    assert opslag.calls == [("PUT", sleutel(s.id)), ("DELETE", sleutel(oud_id))]
    assert asyncio.run(store.lees(oud_id)) is None
    assert asyncio.run(store.lees(s.id)) is not None


def test_a_session_whose_token_was_refused_is_deleted() -> None:
    store, opslag = _store()
    s = store.nieuw()
    asyncio.run(store.bewaar(s))
    store.beeindig(s)
    asyncio.run(store.bewaar(s))
    assert opslag.items == {}


def test_remaining_time_is_the_idle_limit_or_the_token_whichever_is_first() -> None:
    store, _ = _store()
    s = store.nieuw()
    assert 898 <= store.resterend_s(s) <= 900
    s.token = "t"
    s.token_verloopt = time.time() + 120
    assert 118 <= store.resterend_s(s) <= 120


def test_csrf_comparison() -> None:
    s = SessieStore(Opname()).nieuw()
    assert s.klopt_csrf(s.csrf)
    assert not s.klopt_csrf(None)
    assert not s.klopt_csrf("")
    assert not s.klopt_csrf(s.csrf + "x")


def test_messages_are_shown_once() -> None:
    s = SessieStore(Opname()).nieuw()
    s.melding("U bent ingelogd.")
    assert s.neem_meldingen() == ["U bent ingelogd."]
    assert s.neem_meldingen() == []


def test_a_damaged_stored_session_is_dropped() -> None:
    store, opslag = _store()
    opslag.items[sleutel("kapot")] = ({"geen": "csrf"}, time.time(), None)
    assert asyncio.run(store.lees("kapot")) is None
    assert opslag.items == {}
    assert isinstance(Sessie.uit_gegevens("x", {"csrf": "c"}, 0.0), Sessie)


def test_cookie_name_and_user() -> None:
    assert cookie_naam(True) == "__Host-gbi_sessie"
    assert cookie_naam(False) == "gbi_sessie"
    wie = Gebruiker(sub="m", actor_type="medewerker", naam="An", gemeente="0363", rollen=("klantmanager",))
    assert wie.is_medewerker
    assert not wie.is_burger
    assert wie.heeft_rol("teamleider", "klantmanager")
    assert not wie.heeft_rol("beheerder")

"""Web sessions: unguessable ids, kept by their hash, 15 minutes of inactivity, the token's expiry, a new id at
login; drafts per user."""

from __future__ import annotations

import hashlib
import time

from gbi_interaction.web.sessie import ConceptStore, Gebruiker, SessieStore, cookie_naam


def test_a_session_is_found_by_its_id_and_stored_by_its_hash() -> None:
    store = SessieStore()
    s = store.nieuw()
    assert len(s.id) >= 40
    assert len(s.csrf) >= 40
    assert store.lees(s.id) is s
    assert s.id not in store._items
    assert hashlib.sha256(s.id.encode()).hexdigest() in store._items
    assert store.lees("onbekend") is None
    assert store.lees("") is None
    assert store.lees(None) is None
    assert store.lees("x" * 500) is None


def test_inactivity_ends_a_session() -> None:
    store = SessieStore(idle_s=0.05)
    s = store.nieuw()
    assert store.lees(s.id) is s
    time.sleep(0.1)
    assert store.lees(s.id) is None
    assert len(store) == 0


def test_each_request_restarts_the_inactivity_clock() -> None:
    store = SessieStore(idle_s=2.0)
    s = store.nieuw()
    for _ in range(4):
        time.sleep(0.1)
        assert store.lees(s.id) is s
    assert store.resterend_s(s) == 1  # 2 s minus the last request's few ms, whole seconds


def test_an_expired_token_ends_the_session() -> None:
    store = SessieStore()
    s = store.nieuw()
    s.token = "t"
    s.token_verloopt = time.time() - 1
    assert store.lees(s.id) is None


def test_login_gives_a_new_id_and_csrf_token() -> None:
    store = SessieStore()
    s = store.nieuw()
    oud_id, oude_csrf = s.id, s.csrf
    store.vernieuw(s)
    assert s.id != oud_id
    assert s.csrf != oude_csrf
    assert store.lees(oud_id) is None
    assert store.lees(s.id) is s


def test_csrf_comparison() -> None:
    s = SessieStore().nieuw()
    assert s.klopt_csrf(s.csrf)
    assert not s.klopt_csrf(None)
    assert not s.klopt_csrf("")
    assert not s.klopt_csrf(s.csrf + "x")


def test_messages_are_shown_once() -> None:
    s = SessieStore().nieuw()
    s.melding("U bent ingelogd.")
    assert s.neem_meldingen() == ["U bent ingelogd."]
    assert s.neem_meldingen() == []


def test_drafts_per_user_and_kind() -> None:
    store = ConceptStore()
    store.bewaar("burger-a", "aanvraag", {"iban": "NL91"})
    assert store.lees("burger-a", "aanvraag") == {"iban": "NL91"}
    assert store.lees("burger-b", "aanvraag") is None
    kopie = store.lees("burger-a", "aanvraag")
    assert kopie is not None
    kopie["iban"] = "anders"
    assert store.lees("burger-a", "aanvraag") == {"iban": "NL91"}
    store.verwijder("burger-a", "aanvraag")
    assert store.lees("burger-a", "aanvraag") is None
    verlopen = ConceptStore(ttl_s=0)
    verlopen.bewaar("a", "b", {})
    assert verlopen.lees("a", "b") is None


def test_cookie_name_and_user() -> None:
    assert cookie_naam(True) == "__Host-gbi_sessie"
    assert cookie_naam(False) == "gbi_sessie"
    wie = Gebruiker(sub="m", actor_type="medewerker", naam="An", gemeente="0363", rollen=("klantmanager",))
    assert wie.is_medewerker
    assert not wie.is_burger
    assert wie.heeft_rol("teamleider", "klantmanager")
    assert not wie.heeft_rol("beheerder")

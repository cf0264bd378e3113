"""The pages' foundation on the interaction app (TestClient): the session cookie, the login redirect with PKCE,
CSRF on every form, role checks, and errors as Dutch pages while the API keeps answering problem+json."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from gbi_interaction.web.kern import Web
from gbi_interaction.web.sessie import Gebruiker, Sessie, sleutel

from .conftest import GeheugenConceptOpslag, GeheugenSessieOpslag

BURGER = Gebruiker(sub="burger-1", actor_type="burger", naam="Katinka Vogel", bsn="999994116")
KLANTMANAGER = Gebruiker(sub="m-1", actor_type="medewerker", naam="An", gemeente="0599", rollen=("klantmanager",))


def _web(client: TestClient) -> Web:
    w: Web = client.app.state.web  # type: ignore[attr-defined]
    return w


def _opslag(client: TestClient) -> GeheugenSessieOpslag:
    opslag = _web(client).sessies.opslag
    assert isinstance(opslag, GeheugenSessieOpslag)
    return opslag


def _concepten(client: TestClient) -> GeheugenConceptOpslag:
    concepten = _web(client).concepten
    assert isinstance(concepten, GeheugenConceptOpslag)
    return concepten


def _sessie(client: TestClient, sessie_id: str | None) -> Sessie | None:
    """The session as the store holds it."""
    return _opslag(client).sessie(sessie_id)


def _ingelogd(client: TestClient, wie: Gebruiker) -> Sessie:
    """A logged-in session, as /login/terug leaves it in the store, with its cookie in the client."""
    w = _web(client)
    s = w.sessies.nieuw()
    s.gebruiker = wie
    s.token = "token-van-de-idp"
    s.token_verloopt = time.time() + 3600
    _opslag(client).zet(s)
    client.cookies.clear()
    client.cookies.set(w.cookie, s.id)
    return s


def test_the_start_page_sets_an_httponly_samesite_session_cookie(client: TestClient) -> None:
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith("gbi_sessie=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # development over http on loopback; production: Secure and __Host-
    assert resp.headers["cache-control"] == "no-store"
    assert '<html lang="nl"' in resp.text
    assert "<script>" not in resp.text
    assert "style=" not in resp.text
    assert 'href="/static/utrecht/index.css"' in resp.text


def test_a_page_for_citizens_sends_to_the_digid_login_and_back(client: TestClient) -> None:
    resp = client.get("/portaal/aanvraag", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login?naar=%2Fportaal%2Faanvraag&als=burger"
    login = client.get(resp.headers["location"], follow_redirects=False)
    assert login.status_code == 303
    target = urlsplit(login.headers["location"])
    assert target.path.endswith("/idp/authorize")
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "gbi-interaction"
    assert query["redirect_uri"] == "http://testserver/login/terug"
    assert query["actor_type"] == "burger"
    assert query["code_challenge_method"] == "S256"
    s = _sessie(client, client.cookies.get("gbi_sessie"))
    assert s is not None
    assert s.login is not None
    assert s.login.state == query["state"]
    assert s.login.naar == "/portaal/aanvraag"
    digest = hashlib.sha256(s.login.verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]


@pytest.mark.parametrize("naar", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_the_login_never_returns_to_another_site(client: TestClient, naar: str) -> None:
    client.get("/login", params={"als": "burger", "naar": naar}, follow_redirects=False)
    s = _sessie(client, client.cookies.get("gbi_sessie"))
    assert s is not None
    assert s.login is not None
    assert s.login.naar == "/portaal"


def test_a_login_callback_with_an_unknown_state_is_refused(client: TestClient) -> None:
    client.get("/login?als=burger", follow_redirects=False)
    resp = client.get("/login/terug?code=abc&state=verzonnen", follow_redirects=False)
    assert resp.status_code == 400
    assert "Inloggen mislukt" in resp.text
    s = _sessie(client, client.cookies.get("gbi_sessie"))
    assert s is not None
    assert s.gebruiker is None


def test_forms_without_the_sessions_csrf_token_change_nothing(client: TestClient) -> None:
    s = _ingelogd(client, BURGER)
    _concepten(client).items[(str(BURGER.bsn), "aanvraag-levensonderhoud")] = {"partner": "nee"}
    for data in ({}, {"csrf": "vervalst"}, {"csrf": s.csrf + "x"}):
        resp = client.post("/portaal/aanvraag/huishouden", data={**data, "partner": "ja"})
        assert resp.status_code == 403
        assert "Dit formulier is verlopen of niet door u verstuurd." in resp.text
    assert _concepten(client).items.get((str(BURGER.bsn), "aanvraag-levensonderhoud")) == {"partner": "nee"}
    assert client.post("/logout", data={"csrf": "vervalst"}).status_code == 403
    nog = _sessie(client, s.id)
    assert nog is not None
    assert nog.gebruiker == BURGER


def test_a_step_with_errors_is_saved_and_shown_with_dutch_errors(client: TestClient) -> None:
    s = _ingelogd(client, BURGER)
    resp = client.post("/portaal/aanvraag/woning", data={"csrf": s.csrf, "woonkosten": "veel"})
    assert resp.status_code == 400
    assert "Kies waar u woont." in resp.text
    assert "Vul bij woonkosten een bedrag in euro in" in resp.text
    assert 'aria-invalid="true"' in resp.text
    assert "<title>Fout: Stap 2 van 6" in resp.text
    concept = _concepten(client).items.get((str(BURGER.bsn), "aanvraag-levensonderhoud"))
    assert concept is not None
    assert concept["woonkosten"] == "veel"
    ok = client.post(
        "/portaal/aanvraag/woning",
        data={"csrf": s.csrf, "woning_soort": "kamer", "woonkosten": "400"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert ok.headers["location"] == "/portaal/aanvraag/inkomen"


def test_a_citizen_outside_gbi_is_told_so_at_the_first_step_and_nothing_is_kept(client: TestClient) -> None:
    s = _ingelogd(client, BURGER)
    _concepten(client).buiten_gbi.add(str(BURGER.bsn))
    resp = client.post("/portaal/aanvraag/huishouden", data={"csrf": s.csrf, "partner": "nee"})
    assert resp.status_code == 422
    assert "Woont u in een gemeente die bij GBI is aangesloten?" in resp.text
    assert _concepten(client).items == {}


def test_logout_ends_the_login_and_rotates_the_session(client: TestClient) -> None:
    s = _ingelogd(client, BURGER)
    oud = s.id
    resp = client.post("/logout", data={"csrf": s.csrf}, follow_redirects=False)
    assert resp.status_code == 303
    assert sleutel(oud) not in _opslag(client).items  # DELETE of the old id
    nieuw = resp.cookies.get("gbi_sessie")
    assert nieuw is not None
    assert nieuw != oud
    na = _sessie(client, nieuw)
    assert na is not None
    assert na.gebruiker is None
    assert na.token is None
    assert client.get("/portaal", follow_redirects=False).status_code == 303


def test_a_citizen_is_no_staff_member_and_the_other_way_round(client: TestClient) -> None:
    _ingelogd(client, KLANTMANAGER)
    resp = client.get("/portaal", follow_redirects=False)
    assert resp.status_code == 303
    assert "als=burger" in resp.headers["location"]


def test_the_session_can_be_extended_by_the_warning_with_its_token(client: TestClient) -> None:
    s = _ingelogd(client, BURGER)
    assert client.post("/sessie/verleng").status_code == 403
    resp = client.post("/sessie/verleng", headers={"X-CSRF-Token": s.csrf})
    assert resp.status_code == 204
    assert 800 < int(resp.headers["gbi-sessie-resterend"]) <= 900


def test_errors_are_pages_in_dutch_and_the_api_keeps_problem_json(client: TestClient) -> None:
    page = client.get("/werkplek/bestaat-niet")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Pagina niet gevonden" in page.text
    assert "Traceback" not in page.text
    _ingelogd(client, BURGER)
    bad = client.get("/portaal/aanvragen/geen-uuid")
    assert bad.status_code == 400
    assert "Dat ging niet goed" in bad.text
    api = client.get("/api/v1/bestaat-niet")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_static_assets_are_served(client: TestClient) -> None:
    js = client.get("/static/gbi/gbi.js")
    assert js.status_code == 200
    assert "sessie/verleng" in js.text
    assert client.get("/static/gbi/gbi.css").status_code == 200
    assert client.get("/static/gbi/bestaat-niet.css").status_code == 404

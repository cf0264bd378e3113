"""The development IdP's login screens: the authorization code flow with PKCE for GBI's web pages."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from starlette.testclient import TestClient

from gbi_simulator.idp_codes import CodeStore, loopback_redirect, pkce_s256

from .test_idp import FORM, idp, idp_app, idp_files, post_token, verify  # noqa: F401 - fixtures

REDIRECT = "http://127.0.0.1:8000/login/terug"


def _start(verifier: str, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": "gbi-process",
        "redirect_uri": REDIRECT,
        "state": "s-" + secrets.token_hex(8),
        "code_challenge": pkce_s256(verifier),
        "code_challenge_method": "S256",
        **extra,
    }


def _login(client: TestClient, params: dict[str, str], fields: dict[str, Any]) -> Any:
    return client.post("/idp/authorize", data={**params, **fields}, headers=FORM, follow_redirects=False)


def _code(resp: Any, state: str) -> str:
    assert resp.status_code == 303, resp.text
    target = urlsplit(resp.headers["location"])
    assert target.geturl().startswith(REDIRECT + "?")
    query = parse_qs(target.query)
    assert query["state"] == [state]
    return query["code"][0]


def _redeem(client: TestClient, code: str, verifier: str, **extra: str) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        "client_id": "gbi-process",
        "client_secret": "process-secret-1",
        **extra,
    }
    return post_token(client, form)


def test_a_citizen_logs_in_on_the_digid_like_screen(idp: TestClient) -> None:  # noqa: F811
    verifier = secrets.token_urlsafe(48)
    params = _start(verifier)
    page = idp.get("/idp/authorize?" + urlencode(params))
    assert page.status_code == 200
    assert "Inloggen met DigiD" in page.text
    assert 'lang="nl"' in page.text
    assert "999994116" in page.text
    # The form's redirect back to the client is allowed by the page's own CSP (form-action), nothing else.
    assert "form-action 'self' http://127.0.0.1:8000;" in page.headers["content-security-policy"]
    code = _code(_login(idp, params, {"bsn": "999994116"}), params["state"])
    resp = _redeem(idp, code, verifier)
    assert resp.status_code == 200, resp.text
    claims = verify(idp, resp.json()["access_token"])
    assert claims["gbi_actor_type"] == "burger"
    assert claims["bsn"] == "999994116"
    assert claims["name"]
    # A code works once.
    again = _redeem(idp, code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_a_medewerker_chooses_gemeente_and_roles(idp: TestClient) -> None:  # noqa: F811
    verifier = secrets.token_urlsafe(48)
    params = _start(verifier, actor_type="medewerker")
    page = idp.get("/idp/authorize?" + urlencode(params))
    assert "Inloggen als medewerker" in page.text
    assert "Amsterdam" in page.text
    fields = {"gemeente": "0363", "roles": ["klantmanager", "teamleider"], "name": "An de Vries"}
    code = _code(_login(idp, params, fields), params["state"])
    claims = verify(idp, _redeem(idp, code, verifier).json()["access_token"])
    assert claims["gbi_actor_type"] == "medewerker"
    assert claims["gemeente"] == "0363"
    assert claims["roles"] == ["klantmanager", "teamleider"]
    assert claims["name"] == "An de Vries"


def test_the_pkce_verifier_the_client_and_the_redirect_must_match(idp: TestClient) -> None:  # noqa: F811
    verifier = secrets.token_urlsafe(48)
    for wrong in (
        {"code_verifier": secrets.token_urlsafe(48)},
        {"redirect_uri": "http://127.0.0.1:9/elders"},
        {"client_secret": "verkeerd-geheim"},
    ):
        params = _start(verifier)
        code = _code(_login(idp, params, {"bsn": "999994116"}), params["state"])
        resp = _redeem(idp, code, verifier, **wrong)
        assert resp.status_code in (400, 401), resp.text
        assert resp.json()["error"] in ("invalid_grant", "invalid_client")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"redirect_uri": "https://evil.example/terug"}, "redirect_uri"),
        ({"client_id": "onbekend"}, "Onbekende client"),
        ({"code_challenge_method": "plain"}, "PKCE"),
        ({"response_type": "token"}, "response_type"),
        ({"state": ""}, "state"),
    ],
)
def test_an_invalid_request_is_shown_never_redirected(
    idp: TestClient,  # noqa: F811
    change: dict[str, str],
    reason: str,
) -> None:
    params = _start(secrets.token_urlsafe(48)) | change
    page = idp.get("/idp/authorize?" + urlencode(params), follow_redirects=False)
    assert page.status_code == 400
    assert reason in page.text
    posted = _login(idp, params, {"bsn": "999994116"})
    assert posted.status_code == 400
    assert "location" not in posted.headers


def test_a_wrong_choice_is_explained_on_the_screen(idp: TestClient) -> None:  # noqa: F811
    params = _start(secrets.token_urlsafe(48))
    resp = _login(idp, params, {"bsn_anders": "123456789"})
    assert resp.status_code == 400
    assert re.search(r"role=\"alert\".*elfproef", resp.text, re.S)
    assert _login(idp, params, {}).status_code == 400
    staff = _start(secrets.token_urlsafe(48), actor_type="medewerker")
    assert "minstens een rol" in _login(idp, staff, {"gemeente": "0363"}).text


def test_codes_expire_and_loopback_only() -> None:
    store = CodeStore(ttl_s=0)
    code = store.issue(client_id="c", redirect_uri=REDIRECT, code_challenge=pkce_s256("v" * 43), claims={})
    assert store.redeem(code, client_id="c", redirect_uri=REDIRECT, code_verifier="v" * 43) is None
    assert loopback_redirect("http://localhost:8000/login/terug")
    assert not loopback_redirect("http://127.0.0.1.evil.example/x")
    assert not loopback_redirect("javascript:alert(1)")

"""The login screens of the development IdP: the OAuth 2.0 authorization code flow with PKCE (RFC 6749 4.1,
RFC 7636) for GBI's web pages.

``GET /idp/authorize?response_type=code&client_id=...&redirect_uri=...&state=...&code_challenge=...
&code_challenge_method=S256&actor_type=burger|medewerker`` shows a DigiD-like screen (choose a test person) or a
staff screen (choose gemeente, roles and a name). Submitting it redirects to ``redirect_uri?code=...&state=...``;
the client redeems the code at ``/idp/token`` with ``grant_type=authorization_code``, its client credentials and
the PKCE verifier. The claims are exactly those of the development grant ``urn:gbi:dev``.

Development only, like the whole simulator: redirect URIs must be on the loopback interface, and an invalid
request is shown as a page, never redirected.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gbi_simulator.gemeenten import GBI_GEMEENTEN
from gbi_simulator.idp import MEDEWERKER_ROLES, IdentityProvider, OAuthError
from gbi_simulator.idp_codes import loopback_redirect

__all__ = ["TEST_PERSONS", "router"]

router = APIRouter(prefix="/idp", tags=["Identity provider (development)"])

#: The test persons offered on the DigiD-like screen (deploy/simulator/README.md); any other test person by BSN.
TEST_PERSONS: tuple[tuple[str, str], ...] = (
    ("999994116", "Katinka Vogel, Rotterdam: geen inkomen of bezit (direct besluit)"),
    ("999995431", "Lonneke Smit, Den Haag: inkomen en een signaal (medewerker kijkt mee)"),
    ("999993112", "Wilma van Zon, Amsterdam: gezin met kinderen, auto"),
    ("999992995", "Jan Goedmut, Amsterdam: alleenstaande ouder"),
    ("999970902", "Isabella van Gemert, Rotterdam: alleenstaande ouder"),
    ("999994979", "Johan Vermeer, Den Haag: 26 jaar, studieschuld"),
    ("999991644", "Petrus Bakker, Den Haag: AOW-leeftijd"),
)
_ROLE_LABELS = {
    "klantmanager": "Klantmanager",
    "inkomensconsulent": "Inkomensconsulent",
    "handhaver": "Handhaver",
    "teamleider": "Teamleider",
    "beheerder": "Beheerder",
    "auditor": "Auditor",
}
_STATE = re.compile(r"^[\x21-\x7e]{1,512}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43,128}$")
_MAX_FORM_BYTES = 8192


class _BadAuthorize(Exception):
    pass


def _provider(request: Request) -> IdentityProvider:
    idp: IdentityProvider = request.app.state.idp
    return idp


def _params(source: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[0] for k, v in source.items() if v and len(v) == 1}


def _check(idp: IdentityProvider, p: dict[str, str]) -> dict[str, str]:
    """The authorization request's parameters, validated; raises _BadAuthorize with a Dutch reason."""
    if p.get("response_type") != "code":
        raise _BadAuthorize("response_type moet code zijn")
    if p.get("client_id") not in idp.clients:
        raise _BadAuthorize("Onbekende client")
    if not loopback_redirect(p.get("redirect_uri", "")):
        raise _BadAuthorize("redirect_uri moet in de ontwikkelomgeving op 127.0.0.1 of localhost liggen")
    if not _STATE.match(p.get("state", "")):
        raise _BadAuthorize("state ontbreekt of is ongeldig")
    if p.get("code_challenge_method") != "S256" or not _CHALLENGE.match(p.get("code_challenge", "")):
        raise _BadAuthorize("PKCE is verplicht: code_challenge met code_challenge_method S256")
    actor = p.get("actor_type", "burger")
    if actor not in ("burger", "medewerker"):
        raise _BadAuthorize("actor_type moet burger of medewerker zijn")
    keys = ("response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method")
    return {k: p[k] for k in keys} | {"actor_type": actor}


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def _page(title: str, body: str, status: int = 200, back_to: str | None = None) -> HTMLResponse:
    """A page of the login screen. Its CSP lets the form's redirect go back to the client (``form-action``
    binds redirects after a submission too); otherwise the strict policy of every GBI process."""
    doc = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} - ontwikkel-IdP</title></head><body>"
        "<header><p><strong>Ontwikkelomgeving</strong>: dit is geen echte DigiD. "
        "Kies een testpersoon of een medewerker.</p></header>"
        f"<main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    form_action = "'self'" + (f" {_origin(back_to)}" if back_to else "")
    csp = f"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action {form_action}; object-src 'none'"
    return HTMLResponse(doc, status_code=status, headers={"Cache-Control": "no-store", "Content-Security-Policy": csp})


def _hidden(p: dict[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in sorted(p.items())
    )


def _fout(melding: str | None) -> str:
    if not melding:
        return ""
    return f'<div role="alert"><p><strong>Dat lukte niet:</strong> {html.escape(melding)}</p></div>'


def _burger_form(p: dict[str, str], melding: str | None = None, bsn: str = "") -> str:
    radios = "".join(
        f'<div><input type="radio" id="p{b}" name="bsn" value="{b}"{" checked" if b == bsn else ""}>'
        f' <label for="p{b}">{html.escape(label)} (BSN {b})</label></div>'
        for b, label in TEST_PERSONS
    )
    other = "" if any(b == bsn for b, _ in TEST_PERSONS) else html.escape(bsn)
    return (
        _fout(melding)
        + '<form method="post" action="authorize">'
        + _hidden(p)
        + "<fieldset><legend>Testpersoon</legend>"
        f"{radios}</fieldset>"
        '<p><label for="bsn-anders">Of een ander BSN van een testpersoon van RvIG</label><br>'
        f'<input type="text" id="bsn-anders" name="bsn_anders" inputmode="numeric" autocomplete="off" value="{other}">'
        '</p><p><button type="submit">Inloggen</button></p></form>' + _annuleer(p)
    )


def _medewerker_form(p: dict[str, str], melding: str | None = None, gekozen: Iterable[str] = ()) -> str:
    options = "".join(
        f'<option value="{code}">{html.escape(naam)} ({code})</option>' for code, naam in GBI_GEMEENTEN.items()
    )
    chosen = set(gekozen)
    roles = "".join(
        f'<div><input type="checkbox" id="r-{r}" name="roles" value="{r}"{" checked" if r in chosen else ""}>'
        f' <label for="r-{r}">{_ROLE_LABELS[r]}</label></div>'
        for r in sorted(MEDEWERKER_ROLES)
    )
    return (
        _fout(melding) + '<form method="post" action="authorize">' + _hidden(p) + '<p><label for="gemeente">Gemeente'
        f'</label><br><select id="gemeente" name="gemeente">{options}</select></p>'
        f"<fieldset><legend>Rollen</legend>{roles}</fieldset>"
        '<p><label for="naam">Naam</label><br><input type="text" id="naam" name="name" autocomplete="off" '
        'value="An de Vries"></p><p><button type="submit">Inloggen</button></p></form>' + _annuleer(p)
    )


def _annuleer(p: dict[str, str]) -> str:
    query = urlencode({"error": "access_denied", "state": p["state"]})
    sep = "&" if "?" in p["redirect_uri"] else "?"
    return f'<p><a href="{html.escape(p["redirect_uri"] + sep + query)}">Annuleren en terug</a></p>'


def _screen(p: dict[str, str], melding: str | None = None, **kwargs: Any) -> HTMLResponse:
    status = 400 if melding else 200
    if p["actor_type"] == "medewerker":
        return _page("Inloggen als medewerker", _medewerker_form(p, melding, **kwargs), status, p["redirect_uri"])
    return _page("Inloggen met DigiD", _burger_form(p, melding, **kwargs), status, p["redirect_uri"])


@router.get("/authorize", summary="Login screen (authorization code flow with PKCE)", response_class=HTMLResponse)
async def authorize(request: Request) -> Response:
    try:
        p = _check(_provider(request), _params(parse_qs(request.url.query, keep_blank_values=True)))
    except _BadAuthorize as exc:
        return _page("Ongeldig inlogverzoek", f"<p>{html.escape(str(exc))}</p>", 400)
    return _screen(p)


@router.post("/authorize", summary="Submit the login screen: redirect back with a code", response_class=HTMLResponse)
async def authorize_submit(request: Request) -> Response:
    idp = _provider(request)
    raw = await request.body()
    if len(raw) > _MAX_FORM_BYTES:
        return _page("Ongeldig inlogverzoek", "<p>Het formulier is te groot.</p>", 400)
    try:
        form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
        p = _check(idp, _params(form))
    except (UnicodeDecodeError, ValueError):
        return _page("Ongeldig inlogverzoek", "<p>Het formulier is ongeldig.</p>", 400)
    except _BadAuthorize as exc:
        return _page("Ongeldig inlogverzoek", f"<p>{html.escape(str(exc))}</p>", 400)
    if p["actor_type"] == "burger":
        bsn = (form.get("bsn_anders", [""])[0] or form.get("bsn", [""])[0]).strip()
        if not bsn:
            return _screen(p, "Kies een testpersoon of vul een BSN in.")
        grant: dict[str, list[str]] = {"actor_type": ["burger"], "bsn": [bsn]}
        kwargs: dict[str, Any] = {"bsn": bsn}
    else:
        roles = [r for r in form.get("roles", []) if r]
        grant = {"actor_type": ["medewerker"], "gemeente": form.get("gemeente", [""])[:1], "roles": [",".join(roles)]}
        name = form.get("name", [""])[0].strip()
        if name:
            grant["name"] = [name]
        kwargs = {"gekozen": roles}
        if not roles:
            return _screen(p, "Kies minstens een rol.", **kwargs)
    try:
        claims = idp._dev_grant(grant)
    except OAuthError as exc:
        return _screen(p, exc.error.detail or "Ongeldige keuze", **kwargs)
    code = idp.codes.issue(
        client_id=p["client_id"], redirect_uri=p["redirect_uri"], code_challenge=p["code_challenge"], claims=claims
    )
    sep = "&" if "?" in p["redirect_uri"] else "?"
    target = p["redirect_uri"] + sep + urlencode({"code": code, "state": p["state"]})
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})

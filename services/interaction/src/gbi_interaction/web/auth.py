"""Logging in and out of the web pages: OAuth 2.0 authorization code flow with PKCE at the identity provider.

``GET /login?als=burger|medewerker&naar=/portaal`` remembers a state and a PKCE verifier in the session and sends
the browser to the IdP's login screen (DigiD-like for citizens, a staff screen for medewerkers).
``GET /login/terug?code=...&state=...`` checks the state, redeems the code at the token endpoint with this
service's client credentials and the verifier (back channel), starts the logged-in session under a new id, and
returns to ``naar``. ``POST /logout`` (CSRF-checked) ends the session. The access token stays on the server.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Annotated, Any
from urllib.parse import urlencode

import jwt
from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from gbi_interaction.web.kern import (
    PaginaFout,
    controleer_csrf_header,
    formulier,
    naar,
    pagina,
    sessie,
    veilig_pad,
    web,
    web_router,
)
from gbi_interaction.web.sessie import Gebruiker, LoginPoging

__all__ = ["router"]

router = web_router()

_LOGIN_GELDIG_S = 600
_ALS = ("burger", "medewerker")


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _basis_url(request: Request) -> str:
    """The public origin the browser uses (the gateway tells it), for the redirect URI."""
    host = request.headers.get("x-forwarded-host") or request.headers.get("host") or "127.0.0.1"
    proto = request.headers.get("x-forwarded-proto") or request.url.scheme
    if proto not in ("http", "https"):
        proto = "https"
    return f"{proto}://{host}"


@router.get("/login")
async def login(
    request: Request,
    als: Annotated[str | None, Query(max_length=20)] = None,
    naar_pad: Annotated[str | None, Query(alias="naar", max_length=500)] = None,
) -> Response:
    s = sessie(request)
    if als not in _ALS:
        return pagina(request, "login.html", {"naar": veilig_pad(naar_pad, "")}, titel="Inloggen")
    authorize = web(request).settings.authorize_url()
    client_id = web(request).settings.client_id
    if authorize is None or client_id is None:
        raise PaginaFout(503, "Inloggen kan nu niet", "Inloggen is op dit moment niet mogelijk. Probeer het later.")
    verifier = secrets.token_urlsafe(48)
    state = secrets.token_urlsafe(24)
    standaard = "/portaal" if als == "burger" else "/werkplek"
    s.login = LoginPoging(state, verifier, veilig_pad(naar_pad, standaard), als, time.time())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": _basis_url(request) + "/login/terug",
            "state": state,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
            "actor_type": als,
        }
    )
    response = naar(request, "/")  # sets the cookie; the location is replaced below (another origin: the IdP)
    response.headers["location"] = f"{authorize}?{query}"
    return response


def _claims(token: str) -> dict[str, Any]:
    """The claims of a token just received from the token endpoint over the back channel (the gateway verifies
    its signature on every API call)."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


@router.get("/login/terug")
async def login_terug(
    request: Request,
    code: Annotated[str | None, Query(max_length=500)] = None,
    state: Annotated[str | None, Query(max_length=500)] = None,
    error: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    w = web(request)
    s = sessie(request)
    poging = s.login
    s.login = None
    if poging is None or state is None or not secrets.compare_digest(state.encode(), poging.state.encode()):
        raise PaginaFout(
            400, "Inloggen mislukt", "Dit inlogverzoek is verlopen of onbekend. Probeer opnieuw in te loggen."
        )
    if not 0 <= time.time() - poging.begonnen <= _LOGIN_GELDIG_S:
        raise PaginaFout(400, "Inloggen mislukt", "Het inloggen duurde te lang. Probeer het opnieuw.")
    if error is not None or code is None:
        return naar(request, "/", "U bent niet ingelogd: het inloggen is afgebroken.")
    settings = w.settings
    if not (settings.oidc_token_url and settings.client_id and settings.client_secret):
        raise PaginaFout(503, "Inloggen kan nu niet", "Inloggen is op dit moment niet mogelijk. Probeer het later.")
    form = urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": _basis_url(request) + "/login/terug",
            "code_verifier": poging.verifier,
            "client_id": settings.client_id,
            "client_secret": settings.client_secret.get_secret_value(),
        }
    ).encode()
    resp = await w.transport.request(
        "POST",
        settings.oidc_token_url,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        body=form,
        target="identity-provider",
        raise_for_status=False,
    )
    if resp.status != 200:
        raise PaginaFout(400, "Inloggen mislukt", "Het inloggen is niet gelukt. Probeer het opnieuw.")
    token = str(resp.json()["access_token"])
    claims = _claims(token)
    actor = str(claims.get("gbi_actor_type", ""))
    if actor != poging.als:
        raise PaginaFout(403, "Inloggen mislukt", "U bent ingelogd als iemand anders dan deze pagina verwacht.")
    s = w.sessies.vernieuw(s)
    s.gebruiker = Gebruiker(
        sub=str(claims["sub"]),
        actor_type=actor,
        naam=str(claims.get("name") or ("Burger" if actor == "burger" else "Medewerker")),
        bsn=claims.get("bsn"),
        gemeente=claims.get("gemeente"),
        rollen=tuple(str(r) for r in claims.get("roles", ())),
    )
    s.token = token
    s.token_verloopt = float(claims.get("exp", time.time() + 300))
    return naar(request, poging.naar, f"U bent ingelogd als {s.gebruiker.naam}.")


@router.post("/logout")
async def logout(request: Request) -> Response:
    await formulier(request)
    w = web(request)
    s = sessie(request)
    s.gebruiker = None
    s.token = None
    s.login = None
    w.sessies.vernieuw(s)  # the old id is deleted from the store when the request ends
    return naar(request, "/", "U bent uitgelogd.")


@router.post("/sessie/verleng")
async def verleng(request: Request) -> Response:
    """Called by the session warning's button: any request restarts the inactivity clock; answers what is left."""
    controleer_csrf_header(request)
    w = web(request)
    s = sessie(request)
    if s.gebruiker is None:
        raise PaginaFout(401, "Niet ingelogd", "Uw sessie is verlopen.")
    response = Response(status_code=204, headers={"GBI-Sessie-Resterend": str(w.sessies.resterend_s(s))})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/login/verlopen")
async def verlopen(request: Request) -> Response:
    s = sessie(request)
    if s.gebruiker is not None:
        # The page's timer ran out but another tab kept the session alive: nothing expired.
        return RedirectResponse("/", status_code=303)
    return pagina(request, "verlopen.html", titel="Sessie verlopen")

"""The foundation every page uses: the session of the request, who is logged in, CSRF checks, rendering a
template, calling GBI's public API with the user's own token, and errors as a page in plain Dutch.

A page route is declared on a :func:`web_router` (its routes are :class:`WebRoute`s): whatever goes wrong in it
ends as a page, never as JSON and never with a stack trace. Typical route::

    router = web_router("/portaal")

    @router.get("/iets")
    async def iets(request: Request, wie: Annotated[Gebruiker, Depends(burger)]) -> Response:
        data = await api(request).get("/api/v1/aanvragen")
        return pagina(request, "portaal/iets.html", {"data": data}, titel="Iets")

    @router.post("/iets")
    async def iets_opslaan(request: Request, wie: Annotated[Gebruiker, Depends(burger)]) -> Response:
        form = await formulier(request)           # checks the CSRF token; raises a page error when wrong
        ...
        return naar(request, "/portaal/iets")     # 303 See Other (post/redirect/get)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData

from gbi_interaction.settings import InteractionSettings
from gbi_interaction.web.sessie import ConceptOpslag, DataSessieOpslag, Gebruiker, Sessie, SessieStore, cookie_naam
from gbi_shared._http import HttpResponse, HttpTransport
from gbi_shared.clients import REQUEST_ID_HEADER, GatewayClient, inbound_request_id
from gbi_shared.errors import ServiceError, UnauthorizedError
from gbi_shared.settings import Environment as Omgeving

__all__ = [
    "CSRF_HEADER",
    "CSRF_VELD",
    "GbiApi",
    "GeenToegang",
    "InlogNodig",
    "PaginaFout",
    "Web",
    "api",
    "burger",
    "formulier",
    "fout_pagina",
    "fout_van",
    "gebruiker",
    "medewerker",
    "naar",
    "pagina",
    "pagina_voor_fout",
    "sessie",
    "veilig_pad",
    "web",
    "web_router",
]

log = logging.getLogger("gbi.interaction.web")

WEB_DIR = Path(__file__).resolve().parent
CSRF_VELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
_ALLEEN_LEZEN = frozenset({"GET", "HEAD", "OPTIONS"})


# --------------------------------------------------------------------------------------------------- errors


class PaginaFout(Exception):
    """An error shown as a page: a status, a title and a sentence in plain Dutch."""

    def __init__(self, status: int, titel: str, uitleg: str) -> None:
        super().__init__(uitleg)
        self.status = status
        self.titel = titel
        self.uitleg = uitleg


class GeenToegang(PaginaFout):
    def __init__(self, uitleg: str = "U hebt geen toegang tot deze pagina.") -> None:
        super().__init__(403, "Geen toegang", uitleg)


class InlogNodig(Exception):
    """Not (or no longer) logged in as the page needs: go to the login, then come back."""

    def __init__(self, naar: str, als: str = "burger", verlopen: bool = False) -> None:
        super().__init__(naar)
        self.naar = naar
        self.als = als
        self.verlopen = verlopen


_STATUS_TEKST: dict[int, tuple[str, str]] = {
    400: ("Dat ging niet goed", "Wat u stuurde, konden wij niet verwerken. Kijk het na en probeer het opnieuw."),
    403: ("Geen toegang", "U hebt geen toegang tot deze pagina."),
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet (meer), of u hebt er geen toegang toe."),
    409: ("Dat kan nu niet", "Iemand anders heeft dit intussen gewijzigd. Laad de pagina opnieuw."),
    413: ("Te groot", "Het bestand is te groot. Een document is ten hoogste 10 MB."),
    415: ("Verkeerd soort bestand", "Stuur een PDF, PNG of JPEG."),
    422: ("Dat kan niet", "Dit verzoek kunnen wij niet behandelen."),
    429: ("Even geduld", "U doet te veel verzoeken achter elkaar. Probeer het over een minuut opnieuw."),
}
_STORING = ("Er ging iets mis", "Er ging iets mis aan onze kant. Probeer het later opnieuw.")


def fout_van(error: ServiceError) -> PaginaFout:
    """A service error (from an API call) as a page: our own words, plus the service's Dutch detail on a 4xx."""
    titel, uitleg = _STATUS_TEKST.get(error.status, _STORING)
    if 400 <= error.status < 500 and error.status not in (401, 404) and error.detail:
        uitleg = f"{uitleg} ({error.detail})"
    status = error.status if error.status in _STATUS_TEKST else 503
    return PaginaFout(status, titel, uitleg)


# --------------------------------------------------------------------------------------------------- the web


class Web:
    """What the pages share, built once per app: settings, templates, sessions, drafts and the HTTP transport."""

    def __init__(self, settings: InteractionSettings, transport: HttpTransport, gateway: GatewayClient) -> None:
        self.settings = settings
        self.transport = transport
        self.gateway = gateway
        self.secure = settings.environment is Omgeving.PRODUCTION
        self.cookie = cookie_naam(self.secure)
        # Sessions live in the data service, so every replica shares them and a restart logs nobody out.
        self.sessies = SessieStore(DataSessieOpslag(gateway), idle_s=settings.web_session_idle_s)
        self.concepten = ConceptOpslag(gateway)
        self.templates = Environment(
            loader=FileSystemLoader(str(WEB_DIR / "templates")),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["datum"] = _datum
        self.templates.filters["moment"] = _moment
        self.templates.filters["euro"] = _euro
        # Nav entries per area: (href, label, visible for whom). Areas append their own (see README.md).
        self.navigatie: list[tuple[str, str, Callable[[Gebruiker | None], bool]]] = []

    def nav_voor(self, wie: Gebruiker | None) -> list[tuple[str, str]]:
        return [(href, label) for href, label, zichtbaar in self.navigatie if zichtbaar(wie)]


def web(request: Request) -> Web:
    w: Web = request.app.state.web
    return w


# --------------------------------------------------------------------------------------------------- session


async def laad_sessie(request: Request) -> None:
    """Load the request's session from the store (once, before the page runs): see :func:`sessie`."""
    if getattr(request.state, "sessie_geladen", False):
        return
    request.state.sessie_geladen = True
    w = web(request)
    cookie = request.cookies.get(w.cookie)
    s = await w.sessies.lees(cookie)
    if s is not None:
        request.state.sessie = s
    elif cookie:
        request.state.sessie_verlopen = True


async def bewaar_sessie(request: Request) -> None:
    """Store the request's session when it is new or changed (after the page is made)."""
    s: Sessie | None = getattr(request.state, "sessie", None)
    if s is not None:
        await web(request).sessies.bewaar(s)


def sessie(request: Request) -> Sessie:
    """The request's session (one is started when there is none), remembered on ``request.state``. Page routes
    load it before they run and store it after (:class:`WebRoute`)."""
    bestaand: Sessie | None = getattr(request.state, "sessie", None)
    if bestaand is not None:
        return bestaand
    s = web(request).sessies.nieuw()
    request.state.sessie = s
    return s


def _zet_cookie(request: Request, response: Response) -> Response:
    s: Sessie | None = getattr(request.state, "sessie", None)
    if s is None:
        return response
    w = web(request)
    response.set_cookie(w.cookie, s.id, httponly=True, secure=w.secure, samesite="lax", path="/", max_age=None)
    response.headers["Cache-Control"] = "no-store"
    return response


def gebruiker(request: Request) -> Gebruiker | None:
    return sessie(request).gebruiker


def _hier(request: Request) -> str:
    path = request.url.path
    return path + ("?" + request.url.query if request.url.query else "")


def burger(request: Request) -> Gebruiker:
    """Dependency: the logged-in citizen; else to the DigiD-like login and back here."""
    wie = gebruiker(request)
    if wie is None or not wie.is_burger:
        verlopen = bool(getattr(request.state, "sessie_verlopen", False))
        raise InlogNodig(_hier(request) if request.method in _ALLEEN_LEZEN else "/portaal", "burger", verlopen)
    return wie


def medewerker(*rollen: str) -> Callable[[Request], Gebruiker]:
    """Dependency factory: a logged-in staff member with one of ``rollen`` (any role when none are named)."""

    def afhankelijkheid(request: Request) -> Gebruiker:
        wie = gebruiker(request)
        if wie is None or not wie.is_medewerker:
            verlopen = bool(getattr(request.state, "sessie_verlopen", False))
            raise InlogNodig(_hier(request) if request.method in _ALLEEN_LEZEN else "/", "medewerker", verlopen)
        if rollen and not wie.heeft_rol(*rollen):
            namen = ", ".join(rollen)
            raise GeenToegang(f"Deze pagina is voor medewerkers met de rol {namen}.")
        return wie

    return afhankelijkheid


# --------------------------------------------------------------------------------------------------- CSRF


async def formulier(request: Request) -> FormData:
    """The submitted form, after checking its CSRF token against the session's (synchronizer token)."""
    form = await request.form()
    token = form.get(CSRF_VELD)
    if not sessie(request).klopt_csrf(token if isinstance(token, str) else None):
        raise PaginaFout(
            403,
            "Formulier verlopen",
            "Dit formulier is verlopen of niet door u verstuurd. Open de pagina opnieuw en probeer het nog eens.",
        )
    return form


def controleer_csrf_header(request: Request) -> None:
    """For the few script calls (extending the session): the token in the ``X-CSRF-Token`` header."""
    if not sessie(request).klopt_csrf(request.headers.get(CSRF_HEADER)):
        raise PaginaFout(403, "Formulier verlopen", "Het verzoek kwam niet van deze pagina.")


# --------------------------------------------------------------------------------------------------- responses


def pagina(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    titel: str,
    status: int = 200,
) -> HTMLResponse:
    """Render a page inside the base layout (header, navigation, logout, session warning, footer)."""
    w = web(request)
    s = sessie(request)
    wie = s.gebruiker
    values: dict[str, Any] = {
        "titel": titel,
        "wie": wie,
        "csrf": s.csrf,
        "csrf_veld": CSRF_VELD,
        "meldingen": s.neem_meldingen(),
        "navigatie": w.nav_voor(wie),
        "huidig": request.url.path,
        "sessie_resterend": w.sessies.resterend_s(s) if wie is not None else 0,
        "fouten": {},
        **(context or {}),
    }
    html = w.templates.get_template(template).render(values)
    return _zet_cookie(request, HTMLResponse(html, status_code=status))  # type: ignore[return-value]


def naar(request: Request, url: str, melding: str | None = None) -> Response:
    """303 See Other to a page of ours (post/redirect/get), optionally with a one-time message."""
    if not url.startswith("/") or url.startswith("//"):
        url = "/"
    if melding:
        sessie(request).melding(melding)
    return _zet_cookie(request, RedirectResponse(url, status_code=303))


def veilig_pad(naar_pad: str | None, standaard: str = "/") -> str:
    """Only a path on this site (no open redirect): ``/portaal`` yes, ``//evil`` or ``https://...`` no."""
    if not naar_pad or not naar_pad.startswith("/") or naar_pad.startswith("//") or "\\" in naar_pad:
        return standaard
    return naar_pad


def login_url(naar_pad: str, als: str) -> str:
    return "/login?" + urlencode({"naar": naar_pad, "als": als})


# --------------------------------------------------------------------------------------------------- the API


class GbiApi:
    """GBI's public API through the gateway, as the logged-in user (their own Bearer token): the gateway verifies
    it and the layers decide what this user may see or do, exactly as for any other client of the API."""

    def __init__(self, w: Web, s: Sessie, naar_pad: str) -> None:
        self._w = w
        self._s = s
        self._naar = naar_pad

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        s = self._s
        if s.token is None or s.gebruiker is None:
            raise InlogNodig(self._naar)
        headers = {"Authorization": f"Bearer {s.token}", "Accept": "application/json, application/problem+json"}
        rid = inbound_request_id.get()
        if rid:
            headers[REQUEST_ID_HEADER] = rid
        if extra:
            headers.update(extra)
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        out = self._headers(headers)
        body = content
        if json_body is not None:
            body = json.dumps(json_body, separators=(",", ":")).encode()
            out["Content-Type"] = "application/json"
        elif content_type is not None:
            out["Content-Type"] = content_type
        url = self._w.settings.gateway_url.rstrip("/") + quote(path) + ("?" + urlencode(params) if params else "")
        try:
            return await self._w.transport.request(method, url, headers=out, body=body, target="gbi-gateway")
        except UnauthorizedError:
            # The token is no longer accepted (expired, revoked): the session is over.
            self._w.sessies.beeindig(self._s)
            als = self._s.gebruiker.actor_type if self._s.gebruiker else "burger"
            raise InlogNodig(self._naar, als, verlopen=True) from None

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return (await self.request("GET", path, params=params)).json()

    async def post(self, path: str, body: Any, headers: Mapping[str, str] | None = None) -> Any:
        return (await self.request("POST", path, json_body=body, headers=headers)).json()


def api(request: Request) -> GbiApi:
    return GbiApi(web(request), sessie(request), _hier(request) if request.method in _ALLEEN_LEZEN else "/")


# --------------------------------------------------------------------------------------------------- routes


def fout_pagina(request: Request, fout: PaginaFout) -> HTMLResponse:
    return pagina(request, "fout.html", {"fout": fout}, titel=fout.titel, status=fout.status)


def _als_pagina(request: Request, exc: Exception) -> Response:
    if isinstance(exc, InlogNodig):
        if exc.verlopen:
            sessie(request).melding("Uw sessie is verlopen. Log opnieuw in.")
        return naar(request, login_url(veilig_pad(exc.naar), exc.als))
    if isinstance(exc, PaginaFout):
        return fout_pagina(request, exc)
    if isinstance(exc, RequestValidationError):
        return fout_pagina(request, PaginaFout(400, *_STATUS_TEKST[400]))
    if isinstance(exc, ServiceError):
        if exc.status >= 500:
            log.warning("page failed: %s %s", exc.status, exc.instance_code)
        return fout_pagina(request, fout_van(exc))
    log.exception("page failed", extra={"path": request.url.path})
    return fout_pagina(request, PaginaFout(500, *_STORING))


class WebRoute(APIRoute):
    """A page route: every exception ends as a page in plain Dutch (or a redirect to the login)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                await laad_sessie(request)
                response = await original(request)
            except Exception as exc:  # every failure becomes a page; details go to the log only
                response = _als_pagina(request, exc)
            return await _met_bewaarde_sessie(request, response)

        return handler


async def _met_bewaarde_sessie(request: Request, response: Response) -> Response:
    """The response, once its session is stored; a page about the failure when the store cannot be reached (the
    session would otherwise be lost without a word)."""
    try:
        await bewaar_sessie(request)
    except ServiceError as exc:
        log.warning("web session not stored: %s %s", exc.status, exc.instance_code)
        request.state.sessie = None
        s = sessie(request)
        s.nieuw = False
        return fout_pagina(request, PaginaFout(503, *_STORING))
    return response


def web_router(prefix: str = "") -> APIRouter:
    """A router for pages: WebRoutes, not in the OpenAPI document."""
    return APIRouter(prefix=prefix, route_class=WebRoute, include_in_schema=False)


async def pagina_voor_fout(request: Request, status: int) -> Response:
    """For the app's exception handlers: an unknown page path (404) or method (405) as a page."""
    titel, uitleg = _STATUS_TEKST.get(status, ("Dat ging niet goed", "Deze pagina kan zo niet worden geopend."))
    try:
        await laad_sessie(request)
    except ServiceError:
        request.state.sessie_verlopen = False  # the store is unreachable: the page shows as logged out
    return await _met_bewaarde_sessie(request, fout_pagina(request, PaginaFout(status, titel, uitleg)))


# --------------------------------------------------------------------------------------------------- filters


_MAANDEN = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def _datum(value: Any) -> str:
    """``2026-11-28`` (or a date-time) as ``28 november 2026``."""
    if value is None or value == "":
        return "-"
    text = str(value)
    try:
        jaar, maand, dag = int(text[0:4]), int(text[5:7]), int(text[8:10])
    except ValueError:
        return text
    return f"{dag} {_MAANDEN[maand - 1]} {jaar}"


def _moment(value: Any) -> str:
    """A date-time as ``28 november 2026, 14:05`` (Dutch time)."""
    from datetime import datetime

    from gbi_shared.tijd import NL

    if not value:
        return "-"
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(NL)
    except ValueError:
        return str(value)
    return f"{moment.day} {_MAANDEN[moment.month - 1]} {moment.year}, {moment:%H:%M}"


def _euro(value: Any) -> str:
    """``"1331.42"`` as ``€ 1.331,42``."""
    if value is None or value == "":
        return "-"
    from decimal import Decimal, InvalidOperation

    try:
        bedrag = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    teken = "-" if bedrag < 0 else ""
    heel, _, cent = f"{abs(bedrag):.2f}".partition(".")
    groepen: list[str] = []
    while len(heel) > 3:
        groepen.insert(0, heel[-3:])
        heel = heel[:-3]
    groepen.insert(0, heel)
    return f"{teken}€ {'.'.join(groepen)},{cent}"

"""The web pages of the interaction layer: server-rendered HTML (Jinja2) with the NL Design System (Utrecht
component library and design tokens, installed from npm by ``make web``), a backend-for-frontend for GBI's own
public API. See README.md in this folder for how to add a page, and docs/adr/0012 for the design."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from gbi_interaction.settings import InteractionSettings
from gbi_interaction.web import auth, start
from gbi_interaction.web.beheer import routes as beheer
from gbi_interaction.web.kern import WEB_DIR, Web, pagina_voor_fout
from gbi_interaction.web.management import routes as management
from gbi_interaction.web.portaal import routes as portaal
from gbi_interaction.web.sessie import ruim_op_lus
from gbi_interaction.web.werkplek import routes as werkplek

__all__ = ["WEB_PREFIXES", "assets_dir", "is_web_path", "mount_web", "start_opruimen", "stop_opruimen"]

log = logging.getLogger("gbi.interaction.web")

#: Paths that are pages (the gateway forwards the same set, gbi_gateway.web).
WEB_PREFIXES: tuple[str, ...] = ("/portaal", "/werkplek", "/beheer", "/management", "/static", "/login", "/sessie")
_EXACT = frozenset({"/", "/logout", "/favicon.ico"})


def is_web_path(path: str) -> bool:
    return path in _EXACT or any(path == p or path.startswith(p + "/") for p in WEB_PREFIXES)


def assets_dir(settings: InteractionSettings) -> Path:
    """Where ``make web`` installed the front-end packages (node_modules)."""
    if settings.web_assets_dir is not None:
        return settings.web_assets_dir
    return WEB_DIR.parents[2] / "web-assets" / "node_modules"


class _Static(StaticFiles):
    """Static files that may be cached for a day (they change only with a release)."""

    async def get_response(self, path: str, scope: dict) -> Response:  # type: ignore[override,type-arg]
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=86400"
        return response


def mount_web(app: FastAPI, settings: InteractionSettings) -> Web:
    w = Web(settings, app.state.transport, app.state.gateway)
    app.state.web = w
    for router in (start.router, auth.router, portaal.router, werkplek.router, beheer.router, management.router):
        app.include_router(router)
    portaal.registreer(w)
    werkplek.registreer(w)
    management.registreer(w)
    beheer.registreer(w)

    node_modules = assets_dir(settings)
    if not (node_modules / "@utrecht" / "component-library-css" / "dist").is_dir():
        log.warning("web assets missing: run `make web`", extra={"event": "web-assets-missing"})
    app.mount("/static/gbi", _Static(directory=WEB_DIR / "static", check_dir=False), name="static-gbi")
    app.mount(
        "/static/utrecht",
        _Static(directory=node_modules / "@utrecht" / "component-library-css" / "dist", check_dir=False),
        name="static-utrecht",
    )
    app.mount(
        "/static/utrecht-tokens",
        _Static(directory=node_modules / "@utrecht" / "design-tokens" / "dist", check_dir=False),
        name="static-utrecht-tokens",
    )

    # Unknown page paths and wrong methods under the page areas: a page, not problem+json.
    api_handler = app.exception_handlers[StarletteHTTPException]

    async def http_fout(request: Request, exc: Exception) -> Response:
        if isinstance(exc, StarletteHTTPException) and is_web_path(request.url.path):
            return await pagina_voor_fout(request, exc.status_code)
        response: Response = await api_handler(request, exc)  # type: ignore[misc]
        return response

    app.add_exception_handler(StarletteHTTPException, http_fout)
    return w


async def start_opruimen(app: FastAPI) -> None:
    """Lifespan hook: purge ended web sessions and expired drafts every ``GBI_WEB_SESSION_PURGE_INTERVAL_S``."""
    settings: InteractionSettings = app.state.settings
    if settings.web_session_purge_interval_s > 0:
        interval = settings.web_session_purge_interval_s
        app.state.web_opruimen = asyncio.create_task(ruim_op_lus(app.state.gateway, interval))


async def stop_opruimen(app: FastAPI) -> None:
    taak: asyncio.Task[None] | None = getattr(app.state, "web_opruimen", None)
    if taak is not None:
        taak.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await taak

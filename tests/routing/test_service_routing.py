"""The route table (``gbi_shared._routing``, docs/adr/0047) routes the real GBI apps exactly as FastAPI's router does.

``shared/tests/test_routing.py`` compares the two on a small app built to cover what FastAPI's routing
distinguishes; this test compares them on the apps that run: every service's ``create_app`` (the five layers, the
gateway, the simulator; built with their default settings, without start-up, so nothing connects anywhere). Every
route's path is filled with a few parameter values (a number, a UUID, ``a:b``, a path with a "/"), with and without a
trailing slash, and asked for with each method; the route's ``handle`` is replaced by a recorder, so no endpoint
runs. The table and FastAPI's router alone must select the same route with the same scope (route, endpoint, path
parameters, router, FastAPI's scope keys compared by object, the telemetry route), or give the same answer when
nothing matches (404, 405, the trailing-slash redirect). Lives outside ``shared/tests`` because the shared library
may not import a service (``make contracts``)."""

from __future__ import annotations

import asyncio
import importlib
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter, _IncludedRouter
from fastapi.telemetry._api import _RequestTelemetry
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Mount, Route

from gbi_shared._routing import RouteTable
from gbi_testing.routing import describe, http_scope

APPS = [
    "gbi_data.app",
    "gbi_domain.app",
    "gbi_integration.app",
    "gbi_interaction.app",
    "gbi_process.app",
    "gbi_gateway.app",
    "gbi_simulator.app",
]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
VALUES = ("123", "0b8a3f5e-6c1d-4e0a-9d7b-2f4c8e1a5b3d", "a:b", "een/twee.pdf")
_PARAMETER = re.compile(r"{[^}]+}")


def _templates(routes: list[BaseRoute]) -> Iterator[str]:
    """Every route's path template, an included router's routes through their effective (prefixed) paths."""
    for route in routes:
        if isinstance(route, _IncludedRouter):
            for candidate in route.effective_candidates():
                if isinstance(candidate, _IncludedRouter):
                    yield from _templates([candidate])
                else:
                    yield candidate.path
                    if isinstance(candidate.starlette_route, Mount):
                        yield candidate.starlette_route.path + "/{rest}"
        elif isinstance(route, Mount):
            yield route.path + "/{rest}"
        elif isinstance(route, Route | APIRoute):
            yield route.path


def _route_classes(routes: list[BaseRoute]) -> set[type[BaseRoute]]:
    """The classes of the routes (not the included routers) in the tree."""
    classes: set[type[BaseRoute]] = set()
    for route in routes:
        if isinstance(route, _IncludedRouter):
            for candidate in route.effective_candidates():
                if isinstance(candidate, _IncludedRouter):
                    classes |= _route_classes([candidate])
                else:
                    classes.add(type(candidate.original_route))
                    if candidate.starlette_route is not None:
                        classes.add(type(candidate.starlette_route))
        else:
            classes.add(type(route))
    return classes


def _paths(app: FastAPI) -> list[str]:
    paths: set[str] = set()
    for template in _templates(app.router.routes):
        for value in VALUES:
            path = _PARAMETER.sub(value, template) or "/"
            paths.add(path)
            paths.add(path.rstrip("/") if path.endswith("/") and path != "/" else path + "/")
    return sorted(paths)


def _scope(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    return {
        **http_scope(method, path),
        "app": app,
        "fastapi.telemetry": _RequestTelemetry(span=None, span_method=method),
    }


SELECTED: list[dict[str, Any]] = []


async def _recorder(self: BaseRoute, scope: Any, receive: Any, send: Any) -> None:
    """In place of every route's ``handle``: what the selected route would see, and a 200."""
    telemetry = scope.get("fastapi.telemetry")
    SELECTED.append(
        {
            "route": [type(self).__name__, getattr(self, "path", None), id(self)],
            "endpoint": getattr(scope.get("endpoint"), "__qualname__", None),
            "path_params": dict(scope.get("path_params", {})),
            "router": id(scope.get("router")),
            "fastapi": describe(scope.get("fastapi", "<absent>")),
            "telemetry_route": getattr(telemetry, "route", None),
            "root_path": scope.get("root_path"),
            "keys": sorted(k for k in scope if k != "fastapi.telemetry"),
        }
    )
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"selected"})


async def _answer(handler: Any, scope: dict[str, Any]) -> dict[str, Any]:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    SELECTED.clear()
    try:
        await handler(scope, receive, send)
    except HTTPException as exc:  # no route: the app's exception handlers would answer it
        return {"raised": [exc.status_code, exc.headers], "selected": list(SELECTED)}
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return {"status": start["status"], "headers": start["headers"], "body": body, "selected": list(SELECTED)}


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Routes record instead of running; the paths FastAPI's own router (``APIRouter.app``) was asked."""
    for cls in (Route, APIRoute, Mount):
        monkeypatch.setattr(cls, "handle", _recorder)
    calls: list[str] = []
    original = APIRouter.app

    async def spy(self: APIRouter, scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        await original(self, scope, receive, send)

    monkeypatch.setattr(APIRouter, "app", spy)
    return calls


@pytest.mark.parametrize("module", APPS)
def test_the_table_routes_each_service_as_fastapi_does(
    module: str, recorded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app: FastAPI = importlib.import_module(module).create_app()
    for cls in _route_classes(app.router.routes):  # route classes with a handle of their own (the gateway's proxy)
        if "handle" in vars(cls):
            monkeypatch.setattr(cls, "handle", _recorder)
    table = RouteTable(app.router)
    paths = _paths(app)
    assert len(paths) > 20

    async def compare() -> int:
        selected = 0
        for path in paths:
            for method in METHODS:
                recorded.clear()
                by_table = await _answer(table, _scope(app, method, path))
                by_table_alone = not recorded
                by_fastapi = await _answer(table.router, _scope(app, method, path))
                assert by_table == by_fastapi, (method, path)
                if by_table["selected"] and by_table_alone:
                    selected += 1
        return selected

    # Requests the table routed without FastAPI's router (FastAPI's router handles partial matches: 405). In a
    # thread of its own: in the whole suite the browser tests' session-wide (sync) Playwright keeps an event loop
    # running in the main thread, where asyncio.run refuses to start another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        selected = pool.submit(asyncio.run, compare()).result()
    assert table._root is not None  # the table was in use, not handing everything to FastAPI
    assert selected > len(paths) // 4

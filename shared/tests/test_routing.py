"""The route table (``gbi_shared._routing``) routes every request exactly as FastAPI's own router does: for a set of
routes that covers what FastAPI's routing distinguishes (the order of overlapping routes, routes of included and
nested routers with prefixes, dependencies and form limits, a method that only a later router has, path
convertors, HEAD, the trailing-slash redirect, 404, a top-level mount, a plain Starlette route inside a router,
routes added after the first request, a root path, a path ending in a newline), each request is answered once by
the table and once by FastAPI's router on the same app, and the response and the scope the endpoint sees (route,
endpoint, path parameters, router, FastAPI's scope keys, the telemetry route) must be the same. A request that
fully matches a route must not reach FastAPI's router at all (that is the point of the table)."""

from __future__ import annotations

import asyncio
from typing import Any

import fastapi
import pytest
import starlette
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import _IncludedRouter
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import gbi_shared._routing as routing_module
from gbi_shared import ServiceSettings, create_app
from gbi_testing.routing import describe, http_scope

SEEN: list[dict[str, Any]] = []


def _endpoint(name: str) -> Any:
    async def endpoint(request: Request) -> dict[str, Any]:
        scope = request.scope
        telemetry = scope.get("fastapi.telemetry")
        route = scope.get("route")
        SEEN.append(
            {
                "name": name,
                "route": [getattr(route, "name", None), getattr(route, "path", None), id(route)],
                "endpoint": getattr(scope.get("endpoint"), "__qualname__", None),
                "path_params": dict(scope.get("path_params", {})),
                "router": scope.get("router") is request.app.router,
                "fastapi": describe(scope.get("fastapi", "<absent>")),
                "telemetry_route": getattr(telemetry, "route", None),
                "keys": sorted(k for k in scope if k != "fastapi.telemetry"),
            }
        )
        return {"name": name, "params": dict(request.path_params)}

    endpoint.__name__ = endpoint.__qualname__ = name
    return endpoint


async def _marker(request: Request) -> None:
    request.state.marker = True


def _plain(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"plain {request.scope.get('route') is not None}")


def _build() -> FastAPI:
    first = APIRouter(prefix="/v1")
    first.add_api_route("/a/{x}", _endpoint("a_x"), methods=["GET"], name="a_x")
    first.add_api_route("/a/b", _endpoint("a_b_get"), methods=["GET"], name="a_b_get")
    first.add_api_route("/n/{nummer:int}", _endpoint("n_int"), methods=["GET"], name="n_int")
    first.add_api_route("/files/{rest:path}", _endpoint("files"), methods=["GET"], name="files")
    first.add_api_route("/zaken:zoeken", _endpoint("zoeken"), methods=["POST"], name="zoeken")
    first.add_api_route("/zaken/{id}:sluiten", _endpoint("sluiten"), methods=["POST"], name="sluiten")
    second = APIRouter()
    second.add_api_route("/v1/a/b", _endpoint("a_b_post"), methods=["POST"], name="a_b_post")
    second.add_api_route("/v1/wie", _endpoint("wie"), methods=["GET"], name="wie")
    inner = APIRouter()
    inner.add_api_route("/diep/{id}", _endpoint("diep"), methods=["GET"], name="diep")
    inner.add_api_route("/diep/{id}", _endpoint("diep_put"), methods=["PUT"], name="diep_put")
    middle = APIRouter()
    middle.add_api_route("/midden", _endpoint("midden"), methods=["GET"], name="midden")
    middle.include_router(inner, prefix="/binnen", form_limits={"max_fields": 3})
    plain = APIRouter()
    plain.add_route("/v1/plain", _plain, methods=["GET"], name="plain")
    plain.add_api_route("/v1/na-plain", _endpoint("na_plain"), methods=["GET"], name="na_plain")
    app = create_app(ServiceSettings(service_name="routing"), title="routing", routers=[first, second])
    app.include_router(middle, prefix="/v1/buiten", dependencies=[Depends(_marker)], form_limits={"max_files": 2})
    app.include_router(plain)
    app.add_api_route("/v1/laat", _endpoint("laat"), methods=["GET"], name="laat")
    app.mount("/static", Starlette(routes=[Route("/{file}", _plain)]), name="static")
    return app


REQUESTS: list[tuple[str, str]] = [
    ("GET", "/v1/a/b"),
    ("GET", "/v1/a/c"),
    ("POST", "/v1/a/b"),
    ("DELETE", "/v1/a/b"),
    ("HEAD", "/v1/a/b"),
    ("GET", "/v1/a/b/"),
    ("GET", "/v1/a/b\n"),
    ("GET", "/v1/a"),
    ("GET", "/v1/n/7"),
    ("GET", "/v1/n/x"),
    ("GET", "/v1/files/een/twee/drie.pdf"),
    ("POST", "/v1/zaken:zoeken"),
    ("POST", "/v1/zaken/Z1:sluiten"),
    ("POST", "/v1/zaken/Z1"),
    ("GET", "/v1/wie"),
    ("GET", "/v1/buiten/midden"),
    ("GET", "/v1/buiten/binnen/diep/5"),
    ("PUT", "/v1/buiten/binnen/diep/5"),
    ("POST", "/v1/buiten/binnen/diep/5"),
    ("GET", "/v1/plain"),
    ("GET", "/v1/na-plain"),
    ("GET", "/v1/laat"),
    ("GET", "/static/x.css"),
    ("GET", "/health/live"),
    ("GET", "/openapi.json"),
    ("GET", "/nergens"),
    ("GET", "/"),
    ("GET", ""),
    ("GET", "//v1/a/b"),
]


def _scope(method: str, path: str, root_path: str = "") -> dict[str, Any]:
    return http_scope(method, path, root_path=root_path, headers=[(b"x-request-id", b"vast")])


async def _call(app: FastAPI, scope: dict[str, Any]) -> dict[str, Any]:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    SEEN.clear()
    await app(scope, receive, send)
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return {"status": start["status"], "headers": start["headers"], "body": body, "seen": list(SEEN)}


@pytest.fixture
def fastapi_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths that reached FastAPI's own router (``APIRouter.app``)."""
    calls: list[str] = []
    original = APIRouter.app

    async def spy(self: APIRouter, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            calls.append(scope["path"])
        await original(self, scope, receive, send)

    monkeypatch.setattr(APIRouter, "app", spy)
    return calls


def _both(app: FastAPI, method: str, path: str, root_path: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    """The answer of the table and the answer of FastAPI's router alone, on the same app."""
    table = asyncio.run(_call(app, _scope(method, path, root_path)))
    saved = routing_module.RouteTable.__call__

    async def plain(self: routing_module.RouteTable, scope: Any, receive: Any, send: Any) -> None:
        await self.router(scope, receive, send)

    routing_module.RouteTable.__call__ = plain  # type: ignore[method-assign]
    try:
        fastapi = asyncio.run(_call(app, _scope(method, path, root_path)))
    finally:
        routing_module.RouteTable.__call__ = saved  # type: ignore[method-assign]
    return table, fastapi


@pytest.mark.parametrize(("method", "path"), REQUESTS)
def test_the_table_routes_as_fastapi_does(method: str, path: str) -> None:
    app = _build()
    table, fastapi = _both(app, method, path)
    assert table == fastapi
    assert table["status"] != 500


@pytest.mark.parametrize("root_path", ["/gbi", "/gbi/"])
def test_the_table_routes_under_a_root_path_as_fastapi_does(root_path: str) -> None:
    app = _build()
    for method, path in [("GET", "/v1/a/b"), ("GET", "/v1/buiten/binnen/diep/5"), ("GET", "/v1/laat")]:
        table, fastapi = _both(app, method, path, root_path)
        assert table == fastapi


def test_a_full_match_does_not_reach_fastapis_router(fastapi_calls: list[str]) -> None:
    app = _build()
    for method, path in [
        ("GET", "/v1/a/b"),
        ("GET", "/v1/a/c"),
        ("GET", "/v1/buiten/binnen/diep/5"),
        ("PUT", "/v1/buiten/binnen/diep/5"),
        ("GET", "/v1/wie"),
        ("GET", "/v1/laat"),
        ("GET", "/health/live"),
    ]:
        answer = asyncio.run(_call(app, _scope(method, path)))
        assert answer["status"] == 200, path
    assert fastapi_calls == []
    # FastAPI answers what the table leaves to it: no route with that method, 404, a plain route in a router.
    for method, path in [("DELETE", "/v1/a/b"), ("GET", "/nergens"), ("GET", "/v1/plain"), ("GET", "/v1/na-plain")]:
        asyncio.run(_call(app, _scope(method, path)))
    assert fastapi_calls == ["/v1/a/b", "/nergens", "/v1/plain"]


def test_the_dependencies_of_an_include_run_on_the_table_s_route() -> None:
    app = _build()
    seen: list[bool] = []
    inner = APIRouter()

    @inner.get("/dep")
    async def dep(request: Request) -> dict[str, bool]:
        seen.append(getattr(request.state, "marker", False))
        return {"marker": getattr(request.state, "marker", False)}

    app.include_router(inner, prefix="/v2", dependencies=[Depends(_marker)])
    answer = asyncio.run(_call(app, _scope("GET", "/v2/dep")))
    assert answer["status"] == 200
    assert seen == [True]


def test_routes_added_after_the_first_request_are_routed(fastapi_calls: list[str]) -> None:
    app = _build()
    assert asyncio.run(_call(app, _scope("GET", "/v1/a/b")))["seen"][0]["name"] == "a_x"
    # A route added to an included router, one added to the app, and a router included later.
    included = next(r for r in app.router.routes if isinstance(r, _IncludedRouter))
    included.original_router.add_api_route("/nieuw", _endpoint("nieuw"), methods=["GET"], name="nieuw")
    app.add_api_route("/v1/ook-nieuw", _endpoint("ook_nieuw"), methods=["GET"], name="ook_nieuw")
    later = APIRouter()
    later.add_api_route("/v1/a/{y}", _endpoint("later"), methods=["GET"], name="later")
    app.include_router(later)
    for method, path in [("GET", "/v1/nieuw"), ("GET", "/v1/ook-nieuw"), ("GET", "/static/y"), ("GET", "/v1/a/b")]:
        table, fastapi = _both(app, method, path)
        assert table == fastapi
        assert table["status"] == 200, path
    assert asyncio.run(_call(app, _scope("GET", "/v1/nieuw")))["seen"][0]["name"] == "nieuw"
    # The top-level list reordered in place (same list, same length): the later router now comes first.
    routes = app.router.routes
    routes.insert(0, routes.pop())
    table, fastapi = _both(app, "GET", "/v1/a/b")
    assert table == fastapi
    assert table["seen"][0]["name"] == "later"


def test_a_route_included_twice_at_the_same_path_gets_the_first_include_s_context() -> None:
    app = _build()
    twice = APIRouter()
    twice.add_api_route("/twee", _endpoint("twee"), methods=["GET"], name="twee")
    app.include_router(twice, prefix="/v3", dependencies=[Depends(_marker)])
    app.include_router(twice, prefix="/v3", form_limits={"max_fields": 1})
    table, fastapi = _both(app, "GET", "/v3/twee")
    assert table == fastapi
    assert table["status"] == 200
    first, second = [r for r in app.router.routes if isinstance(r, _IncludedRouter) and r.original_router is twice]
    included = [v for v in table["seen"][0]["fastapi"].values() if isinstance(v, list) and v[0] == "included"]
    assert len(included) == 1
    assert included[0][1] == id(first) != id(second)
    assert included[0][3] == id(first.include_context) != id(second.include_context)


def test_a_top_level_mount_is_indexed_by_its_path(
    fastapi_calls: list[str], built: list[routing_module.RouteTable]
) -> None:
    app = _build()
    asyncio.run(_call(app, _scope("GET", "/v1/a/b")))
    table = built[-1]
    assert table._root is not None
    static = table._root.children["static"]
    assert [type(leaf.route).__name__ for _, leaf in static.own] == ["Mount"]
    assert static.own[0][1].path_regex is not None
    assert [type(leaf.route).__name__ for _, leaf in table._root.own].count("Mount") == 0
    answer, fastapi = _both(app, "GET", "/static/x.css")
    assert answer == fastapi
    assert answer["status"] == 200
    fastapi_calls.clear()
    asyncio.run(_call(app, _scope("GET", "/static/x.css")))
    assert fastapi_calls == []


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[routing_module.RouteTable]:
    """The route tables that (re)built their index, in order."""
    tables: list[routing_module.RouteTable] = []
    original = routing_module.RouteTable._build

    def spy(self: routing_module.RouteTable) -> None:
        tables.append(self)
        original(self)

    monkeypatch.setattr(routing_module.RouteTable, "_build", spy)
    return tables


def test_the_table_routes_only_on_the_tested_fastapi_and_starlette(
    fastapi_calls: list[str], built: list[routing_module.RouteTable], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert routing_module._tested_versions()
    assert fastapi.__version__ == routing_module._TESTED_VERSIONS["fastapi"]
    assert starlette.__version__ == routing_module._TESTED_VERSIONS["starlette"]
    app = _build()
    assert asyncio.run(_call(app, _scope("GET", "/v1/a/b")))["status"] == 200
    assert fastapi_calls == []
    for module, version in [(fastapi, "0.166.0"), (starlette, "1.11.0")]:
        with monkeypatch.context() as patch:
            patch.setattr(module, "__version__", version)
            app = _build()
            fastapi_calls.clear()
            for method, path in [("GET", "/v1/a/b"), ("GET", "/v1/buiten/binnen/diep/5"), ("GET", "/health/live")]:
                answer = asyncio.run(_call(app, _scope(method, path)))
                assert answer["status"] == 200, path
            # FastAPI's router answered every request: the table stayed out of the way.
            assert fastapi_calls == ["/v1/a/b", "/v1/buiten/binnen/diep/5", "/health/live"]
            assert built[-1]._root is None

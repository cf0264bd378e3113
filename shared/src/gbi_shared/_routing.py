"""A route table in front of FastAPI's router: the route a request selects, found without trying every route twice.

FastAPI (0.16x) routes a request to a route of an included router in two passes: the app's router asks every route
in turn whether it matches (an included router answers by trying each of its own routes, with a scope key set and
restored around each try), and the included router that answered then tries all its routes again to find the one it
meant. With the 40-90 routes of a GBI service a request to a route far down the list cost 100-250 us of routing.

:class:`RouteTable` gives the same answer with a handful of tries. It lists the routes in FastAPI's own order (an
included router's routes in its place, nested routers depth first), indexed by the literal path segments in front of
each route's first parameter; a request tries, in that order, only the routes whose literal segments its path starts
with (a regex pre-check, then the route's own ``matches``). The first one that matches fully is the route FastAPI
would select (FastAPI takes the first full match in the same order, past partial ones), and the request goes to it
with the scope FastAPI's two passes leave (``router``, form limits, the included router, the route's effective
context, ``route``, ``endpoint``, path parameters and the telemetry route). Everything else goes to FastAPI's router
unchanged: no full match (404, 405, the trailing-slash redirect, low-priority routes), a route kind the table does
not know how FastAPI dispatches (mounts, plain routes, websockets inside an included router: the request is then
FastAPI's from that route on), a path ending in a newline, non-HTTP scopes, a router class or router middleware of
its own.

The table is rebuilt when a router in the tree changes its routes (FastAPI's own route version of each router, and
the top-level route list). It depends on FastAPI's private routing names; ``shared/tests/test_routing.py`` compares
it with FastAPI's router request by request, so an upgrade that moves them fails there (see docs/adr/0047). Under
any FastAPI or Starlette version other than the tested one (``_TESTED_VERSIONS``, pinned in shared/pyproject.toml)
the table stays out of the way: every request goes to FastAPI's router, which may route differently from what the
table would assume under the same private names.
"""

from __future__ import annotations

import operator
import types
from typing import Any

import fastapi
import starlette
from fastapi.routing import (
    _FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY,
    _FASTAPI_INCLUDED_ROUTER_KEY,
    _SCOPE_MISSING,
    APIRoute,
    APIRouter,
    _apply_router_form_limits,
    _EffectiveRouteContext,
    _get_fastapi_scope,
    _IncludedRouter,
    _restore_fastapi_scope_key,
    _update_scope,
)
from fastapi.telemetry._api import _route_selected
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Receive, Scope, Send

__all__ = ["RouteTable"]

# The FastAPI and Starlette versions the table was compared with FastAPI's router on (shared/tests/test_routing.py,
# tests/test_service_routing.py); shared/pyproject.toml pins them. Any other version: FastAPI's router routes.
_TESTED_VERSIONS = {"fastapi": "0.165.0", "starlette": "1.10.0"}


def _tested_versions() -> bool:
    return fastapi.__version__ == _TESTED_VERSIONS["fastapi"] and starlette.__version__ == _TESTED_VERSIONS["starlette"]


# Leaf kinds.
_TOP = 0  # a route of the app's own router
_INCLUDED = 1  # an APIRoute of an included router (through its effective context)
_OPAQUE = 2  # any other route of an included router: FastAPI dispatches it


class _Leaf:
    __slots__ = ("chain", "context", "kind", "path_regex", "route", "touches_fastapi_scope")

    def __init__(
        self,
        kind: int,
        route: BaseRoute,
        *,
        context: _EffectiveRouteContext | None = None,
        chain: tuple[_IncludedRouter, ...] = (),
        touches_fastapi_scope: bool = False,
    ) -> None:
        self.kind = kind
        self.route = route
        self.context = context
        self.chain = chain
        # FastAPI's first pass creates ``scope["fastapi"]`` once it asks an included router; the table does too.
        self.touches_fastapi_scope = touches_fastapi_scope
        # A regex that every path this leaf matches (fully or partly) matches: tried before the route's ``matches``.
        self.path_regex: Any = None


class _Node:
    __slots__ = ("children", "leaves", "own")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.own: list[tuple[int, _Leaf]] = []
        self.leaves: tuple[_Leaf, ...] = ()


def _literal_segments(path: str) -> list[str] | None:
    """The path segments every request path this route matches starts with (those before its first parameter), or
    None when the route is not indexed by its path."""
    if not path.startswith("/"):
        return None
    brace = path.find("{")
    if brace < 0:
        return path.split("/")[1:]
    # The text after the last "/" before the parameter is only the start of a segment.
    return path[:brace].split("/")[1:-1]


def _plain_app_method(router: APIRouter) -> bool:
    """The router dispatches with FastAPI's own ``APIRouter.app`` and no router-level middleware."""
    stack = router.middleware_stack
    return (
        type(router) is APIRouter
        and isinstance(stack, types.MethodType)
        and stack.__func__ is APIRouter.app
        and stack.__self__ is router
    )


class RouteTable:
    """ASGI app in place of a FastAPI app's router (inside the exception handlers and the exit stack, as the router
    itself was). See the module docstring."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self._stamp: tuple[tuple[APIRouter, int], ...] = ()
        self._routes: tuple[BaseRoute, ...] = ()
        self._root: _Node | None = None

    # -- building

    def _current(self) -> bool:
        routes = self.router.routes
        if len(routes) != len(self._routes) or not all(map(operator.is_, routes, self._routes)):
            return False
        return all(r._routes_version == version for r, version in self._stamp)

    def _build(self) -> None:
        router = self.router
        self._root = None
        # Each router's change stamp is read before its routes are walked: a change during the walk rebuilds again.
        routers: dict[int, tuple[APIRouter, int]] = {id(router): (router, router._routes_version)}
        self._routes = tuple(router.routes)
        leaves: list[_Leaf] = []
        seen_included = False
        for route in router.routes:
            if isinstance(route, _IncludedRouter):
                seen_included = True
                self._add_included(route, (route,), leaves, routers)
            else:
                leaves.append(_Leaf(_TOP, route, touches_fastapi_scope=seen_included))
        self._stamp = tuple(routers.values())
        if not _tested_versions() or not _plain_app_method(router):
            return
        root = _Node()
        for index, leaf in enumerate(leaves):
            node = root
            segments = self._index(leaf)
            for segment in segments or ():
                node = node.children.setdefault(segment, _Node())
            node.own.append((index, leaf))
        self._finish(root, [])
        self._root = root

    def _add_included(
        self,
        included: _IncludedRouter,
        chain: tuple[_IncludedRouter, ...],
        leaves: list[_Leaf],
        routers: dict[int, tuple[APIRouter, int]],
    ) -> None:
        original = included.original_router
        routers.setdefault(id(original), (original, original._routes_version))
        if type(included) is not _IncludedRouter or type(original) is not APIRouter:
            leaves.append(_Leaf(_OPAQUE, included, touches_fastapi_scope=True))
            return
        for candidate in included.effective_candidates():
            if isinstance(candidate, _IncludedRouter):
                self._add_included(candidate, (*chain, candidate), leaves, routers)
            elif (
                type(candidate) is _EffectiveRouteContext
                and isinstance(candidate.original_route, APIRoute)
                and type(candidate.original_route).matches is APIRoute.matches
            ):
                leaves.append(
                    _Leaf(
                        _INCLUDED,
                        candidate.original_route,
                        context=candidate,
                        chain=chain,
                        touches_fastapi_scope=True,
                    )
                )
            else:
                leaf = _Leaf(_OPAQUE, candidate.original_route, touches_fastapi_scope=True)
                if isinstance(candidate, _EffectiveRouteContext):
                    leaf.context = candidate
                leaves.append(leaf)

    @staticmethod
    def _index(leaf: _Leaf) -> list[str] | None:
        """The literal segments to index ``leaf`` by (None: at the root, tried for every request), and its regex
        pre-check when its ``matches`` is known to be a match of that regex on the route path."""
        route: BaseRoute | None = leaf.route
        if leaf.kind == _INCLUDED:
            context = leaf.context
            assert context is not None
            if context.path_regex is None:
                return None
            leaf.path_regex = context.path_regex
            return _literal_segments(context.path)
        if leaf.kind == _OPAQUE and leaf.context is not None:
            # FastAPI tries it with its Starlette copy: a plain route or a mount tries its regex on the route path.
            route = leaf.context.starlette_route
            if isinstance(route, Mount) and type(route) is Mount:
                leaf.path_regex = route.path_regex
                return _literal_segments(route.path + "/{path:path}")
        if leaf.kind == _TOP and type(route) is Mount:
            # A mount of the app's own router: like one inside a router, a match of its regex on the route path.
            leaf.path_regex = route.path_regex
            return _literal_segments(route.path + "/{path:path}")
        if isinstance(route, Route) and (
            type(route) is Route or (leaf.kind == _TOP and type(route).matches is APIRoute.matches)
        ):
            leaf.path_regex = route.path_regex
            return _literal_segments(route.path)
        return None

    def _finish(self, node: _Node, inherited: list[tuple[int, _Leaf]]) -> None:
        """Each node's leaves: its own and those of the nodes above it, in FastAPI's order."""
        mine = sorted(inherited + node.own, key=lambda item: item[0])
        node.leaves = tuple(leaf for _, leaf in mine)
        for child in node.children.values():
            self._finish(child, mine)

    # -- routing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.router(scope, receive, send)
            return
        if not self._current():
            self._build()
        root = self._root
        if root is None:
            await self.router(scope, receive, send)
            return
        route_path = get_route_path(scope)
        node = root
        # A "$" in a route's regex also matches before a final newline: such a path is FastAPI's to route.
        if route_path.startswith("/") and "\n" not in route_path:
            for segment in route_path.split("/")[1:]:
                child = node.children.get(segment)
                if child is None:
                    break
                node = child
        else:
            await self.router(scope, receive, send)
            return
        for leaf in node.leaves:
            regex = leaf.path_regex
            if regex is not None and regex.match(route_path) is None:
                continue
            kind = leaf.kind
            if kind == _OPAQUE:
                break
            route = leaf.route
            if kind == _TOP:
                match, child_scope = route.matches(scope)
            else:
                fastapi_scope = _get_fastapi_scope(scope)
                previous = fastapi_scope.get(_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY, _SCOPE_MISSING)
                fastapi_scope[_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY] = leaf.context
                try:
                    match, child_scope = route.matches(scope)
                finally:
                    _restore_fastapi_scope_key(scope, _FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY, previous)
            if match is not Match.FULL:
                # FastAPI too goes on past a partial match (a route with another method) to a full one.
                continue
            await self._dispatch(leaf, child_scope, scope, receive, send)
            return
        await self.router(scope, receive, send)

    async def _dispatch(self, leaf: _Leaf, child_scope: Scope, scope: Scope, receive: Receive, send: Send) -> None:
        """What FastAPI's router does once it selected ``leaf`` (``APIRouter.app``, then for an included route each
        included router's ``handle`` and ``_handle_selected``)."""
        router = self.router
        _apply_router_form_limits(scope, router.form_limits)
        if "router" not in scope:
            scope["router"] = router
        if leaf.touches_fastapi_scope:
            _get_fastapi_scope(scope)
        route = leaf.route
        if leaf.kind == _TOP:
            _update_scope(scope, child_scope)
            _route_selected(scope=scope, path=getattr(route, "path_format", None), mount=isinstance(route, Mount))
            await route.handle(scope, receive, send)
            return
        context = leaf.context
        assert context is not None
        for included in leaf.chain:
            _apply_router_form_limits(scope, included.include_context.form_limits)
        fastapi_scope = _get_fastapi_scope(scope)
        fastapi_scope[_FASTAPI_INCLUDED_ROUTER_KEY] = leaf.chain[-1]
        _update_scope(scope, child_scope)
        _route_selected(
            scope=scope,
            path=getattr(context.starlette_route, "path_format", None) or context.path_format,
            mount=False,
        )
        fastapi_scope[_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY] = context
        scope["route"] = route
        await route.handle(scope, receive, send)

"""What the routing tests compare: a request scope to route, and a route table's or FastAPI's choice written down by
identity (the route table of ADR 0047 against FastAPI's own router)."""

from __future__ import annotations

from typing import Any

from fastapi.routing import _EffectiveRouteContext, _IncludedRouter

__all__ = ["describe", "http_scope"]


def describe(value: Any) -> Any:
    """A scope value as the tests compare it. The objects themselves (id): a route included twice at the same path,
    with other dependencies or form limits, has two included routers (with their include contexts) and two effective
    contexts, which must not compare equal."""
    if isinstance(value, _IncludedRouter):
        context = value.include_context
        return ["included", id(value), id(value.original_router), id(context), context.prefix]
    if isinstance(value, _EffectiveRouteContext):
        return ["context", id(value), value.path, id(value.original_route)]
    if isinstance(value, dict):
        return {k: describe(v) for k, v in sorted(value.items())}
    return repr(value)


def http_scope(
    method: str, path: str, *, root_path: str = "", headers: list[tuple[bytes, bytes]] | None = None
) -> dict[str, Any]:
    """An HTTP request's ASGI scope as uvicorn hands it to the app (no body, no query)."""
    full = root_path + path
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8004),
        "client": ("127.0.0.1", 51000),
        "scheme": "http",
        "method": method,
        "root_path": root_path,
        "path": full,
        "raw_path": full.encode(),
        "query_string": b"",
        "headers": [(b"host", b"gbi-test:8004"), *(headers or [])],
    }

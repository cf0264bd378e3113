"""The gateway's route table: which layer answers which path.

Public resources live under ``/api/v1/<resource>``; each resource prefix maps to exactly one layer. Internal
routes live under ``/internal/<layer>/`` and are open only to GBI's own services. Matching is on whole path
segments, longest prefix first, so ``/api/v1/normenkader`` never reaches the ``/api/v1/normen`` layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from gbi_gateway.settings import LAYERS

__all__ = ["OWN_VERSION_PREFIXES", "PUBLIC_ROUTES", "Route", "RouteTable"]

# Public resource prefix -> layer. Extend this table when a layer publishes a new resource.
PUBLIC_ROUTES: dict[str, str] = {
    "/api/v1/proefberekeningen": "interaction",
    "/api/v1/aanvragen": "interaction",
    "/api/v1/taken": "interaction",
    "/api/v1/zaken": "interaction",
    "/api/v1/documenten": "interaction",
    "/api/v1/signalen": "interaction",
    "/api/v1/managementinformatie": "interaction",
    "/api/v1/normen": "domain",
    "/api/v1/berekeningen": "domain",
    "/api/v1/beschikkingen": "domain",
    "/api/v1/beleid": "domain",
    "/api/v1/betaalruns": "process",
    "/api/v1/betaalrekening": "process",
    "/api/v1/uitkeringsspecificaties": "process",
    # Notifications out: a gemeente's systems manage their abonnementen (NRC style); the data service keeps them.
    "/api/v1/abonnementen": "integration",
    # GBI koppelvlakken Levensonderhoud (VNG): their own path style and OpenAPI documents, not part of /api/v1.
    "/koppelvlakken/levensonderhoud": "integration",
}


#: Public prefixes that serve an outside standard with its own versioning: the layer's ``API-version`` header (the
#: standard's version) reaches the caller. Everywhere else the gateway states GBI's own API version.
OWN_VERSION_PREFIXES: frozenset[str] = frozenset({"/koppelvlakken/levensonderhoud"})


@dataclass(frozen=True, slots=True)
class Route:
    layer: str
    internal: bool
    # The layer states the API version (an outside standard's ``API-version``); else the gateway states GBI's own.
    own_version: bool = False


class RouteTable:
    def __init__(self, public: dict[str, str] | None = None) -> None:
        table = dict(PUBLIC_ROUTES if public is None else public)
        unknown = {layer for layer in table.values() if layer not in LAYERS}
        if unknown:
            raise ValueError(f"route table names unknown layers: {sorted(unknown)}")
        self._public = sorted(table.items(), key=lambda kv: len(kv[0]), reverse=True)

    def match(self, path: str) -> Route | None:
        """The route of a decoded request path, or None. A path with a dot segment (``.`` or ``..``) matches
        nothing: an HTTP client or library further down may normalise it and so leave the matched prefix."""
        if any(segment in (".", "..") for segment in path.split("/")):
            return None
        if path.startswith("/internal/"):
            layer = path.split("/", 3)[2]
            return Route(layer, True) if layer in LAYERS else None
        for prefix, layer in self._public:
            if path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + ":"):
                return Route(layer, False, own_version=prefix in OWN_VERSION_PREFIXES)
        return None

    def public_prefixes(self) -> list[tuple[str, str]]:
        return sorted(self._public)

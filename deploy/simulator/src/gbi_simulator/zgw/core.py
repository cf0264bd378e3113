"""What every simulated ZGW operation works with: the call (validated input), the reply, and shared helpers
(resolving URLs, access per gemeente, lookups, pagination)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from gbi_simulator.zgw.problems import ZgwProblem
from gbi_simulator.zgw.spec import Operation
from gbi_simulator.zgw.store import COLLECTIONS, Record, Ref, ZgwStore, path_of, render

if TYPE_CHECKING:
    from gbi_simulator.zgw.auth import ZgwClient

__all__ = [
    "PAGE_SIZE",
    "Call",
    "Handler",
    "Reply",
    "is_valid_rsin",
    "lookup_filter",
    "same_url",
]

Json = Any
PAGE_SIZE = 100


@dataclass(slots=True)
class Reply:
    status: int
    body: Json = None
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Call:
    """One validated request: the client, the operation, its parameters and body."""

    op: Operation
    store: ZgwStore
    client: ZgwClient
    claims: dict[str, Any]
    base: str  # scheme://host[:port], the address the client used
    path: str  # the request path
    path_params: dict[str, str]
    query: dict[str, Any]
    body: Json
    today_fn: Callable[[], date]

    # -- time

    def today(self) -> date:
        """The simulator's day (``/simulator/clock``), never before the real date."""
        return max(self.today_fn(), datetime.now(UTC).date())

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC).replace(microsecond=0)

    # -- access per gemeente

    def visible(self, record: Record) -> bool:
        """Catalogi are public; zaken, besluiten and documenten only to a client of their gemeente (or of none)."""
        if COLLECTIONS[record.collection] == "catalogi":
            return True
        return self.client.gemeente is None or record.gemeente in (None, self.client.gemeente)

    def may_use_type(self, record: Record, what: str) -> None:
        """A client of one gemeente may only register with the types of that gemeente's catalogus."""
        if self.client.gemeente is not None and record.gemeente != self.client.gemeente:
            raise ZgwProblem(403, "permission_denied", f"Deze client heeft geen autorisatie voor dit {what}.")

    # -- resources

    def out(self, value: Json) -> Json:
        return render(value, self.base)

    def url(self, record: Record) -> str:
        return self.base + str(record.data["url"])

    def resolve(self, name: str, url: Any, collection: str) -> Record:
        """The record ``url`` (a field of the request) points at, or a 400 naming the field, as the reference
        implementations answer: ``bad-url`` when nothing can be fetched there, ``invalid-resource`` when it is
        something else than the field asks for."""
        record = self.store.resolve(url, collection)
        if record is not None and self.visible(record):
            return record
        if record is None and isinstance(url, str):
            for other in COLLECTIONS:
                hit = self.store.resolve(url, other)
                if other != collection and hit is not None and self.visible(hit):
                    raise ZgwProblem.field(name, "invalid-resource", "De URL verwijst niet naar een geldig object.")
        raise ZgwProblem.field(name, "bad-url", "De URL is ongeldig: er bestaat daar geen object.")

    def own(self, collection: str) -> Record:
        """The record the path's ``uuid`` names (404 when absent or of another gemeente)."""
        uid = self.path_params.get("uuid", "")
        record = self.store.get(collection, uid)
        if record is None or not self.visible(record):
            raise ZgwProblem.not_found()
        return record

    # -- lists

    def page(self, items: list[Json]) -> dict[str, Json]:
        """``count``/``next``/``previous``/``results`` as the paginated ZGW lists, 100 per page."""
        page = int(self.query.get("page") or 1)
        pages = max(1, -(-len(items) // PAGE_SIZE))
        if page < 1 or page > pages:
            raise ZgwProblem.not_found("Ongeldige pagina.")
        start = (page - 1) * PAGE_SIZE
        return {
            "count": len(items),
            "next": self._page_url(page + 1) if page < pages else None,
            "previous": self._page_url(page - 1) if page > 1 else None,
            "results": items[start : start + PAGE_SIZE],
        }

    def _page_url(self, page: int) -> str:
        params = {k: (",".join(v) if isinstance(v, list) else _query_text(v)) for k, v in self.query.items()}
        params["page"] = str(page)
        return f"{self.base}{self.path}?{urlencode(params)}"


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


Handler = Callable[[Call], Reply]


def same_url(stored: Any, given: str) -> bool:
    """Whether a stored reference (a ``Ref`` of ours, or a URL as a client sent it) is the URL ``given``."""
    if isinstance(stored, Ref):
        return path_of(given) == str(stored)
    return isinstance(stored, str) and stored == given


def is_valid_rsin(value: Any) -> bool:
    """9 digits passing the elfproef (an RSIN uses the same check as a BSN)."""
    if not isinstance(value, str) or len(value) != 9 or not (value.isascii() and value.isdigit()):
        return False
    total = sum(int(d) * w for d, w in zip(value[:8], range(9, 1, -1), strict=True)) - int(value[8])
    return total % 11 == 0


_LOOKUPS = ("__in", "__gt", "__gte", "__lt", "__lte", "__isnull")


def lookup_filter(records: Iterable[Record], query: dict[str, Any], fields: Iterable[str]) -> list[Record]:
    """Apply Django-style lookups (``field``, ``field__in``, ``__gt``, ``__gte``, ``__lt``, ``__lte``,
    ``__isnull``) on plain fields of the representation; URL fields compare by URL."""
    wanted = set(fields)
    out = list(records)
    for name, value in query.items():
        base, lookup = name, ""
        for suffix in _LOOKUPS:
            if name.endswith(suffix):
                base, lookup = name[: -len(suffix)], suffix
                break
        if base not in wanted:
            continue
        out = [r for r in out if _matches(r.data.get(base), lookup, value)]
    return out


def _matches(stored: Any, lookup: str, value: Any) -> bool:
    if lookup == "__isnull":
        return (stored in (None, "")) == bool(value)
    if lookup == "__in":
        return any(_equal(stored, v) for v in value)
    if lookup == "":
        return _equal(stored, value)
    if stored in (None, ""):
        return False
    s, v = str(stored), str(value)
    return {"__gt": s > v, "__gte": s >= v, "__lt": s < v, "__lte": s <= v}[lookup]


def _equal(stored: Any, value: Any) -> bool:
    if isinstance(stored, Ref):
        return same_url(stored, str(value))
    if isinstance(stored, bool):
        return bool(stored == value)
    return stored is not None and str(stored) == str(value)

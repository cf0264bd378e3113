"""The in-memory registrations of the simulated zaaksysteem (one store per simulator process).

Resources of the simulator refer to each other by ``Ref`` (their path under ``/zgw/``); a response renders every
``Ref`` as an absolute URL on the address the client used, so the URLs a client gets back are URLs it can call.
A URL a client sends is resolved by its path: host and port are not compared (the same simulator may be reached
as localhost or 127.0.0.1).
"""

from __future__ import annotations

import itertools
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = ["API_BASES", "Record", "Ref", "ZgwStore", "render"]

Json = Any

API_BASES = {
    "catalogi": "/zgw/catalogi/api/v1",
    "zaken": "/zgw/zaken/api/v1",
    "besluiten": "/zgw/besluiten/api/v1",
    "documenten": "/zgw/documenten/api/v1",
}
# collection -> the API it belongs to.
COLLECTIONS = {
    "catalogussen": "catalogi",
    "zaaktypen": "catalogi",
    "statustypen": "catalogi",
    "roltypen": "catalogi",
    "besluittypen": "catalogi",
    "informatieobjecttypen": "catalogi",
    "zaken": "zaken",
    "statussen": "zaken",
    "rollen": "zaken",
    "zaakinformatieobjecten": "zaken",
    "zaakbesluiten": "zaken",
    "besluiten": "besluiten",
    "besluitinformatieobjecten": "besluiten",
    "enkelvoudiginformatieobjecten": "documenten",
    "objectinformatieobjecten": "documenten",
}
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ZAAKBESLUIT = re.compile(rf"^/zgw/zaken/api/v1/zaken/({_UUID})/besluiten/({_UUID})$")


class Ref(str):
    """A reference to one of the simulator's own resources: its path (``/zgw/...``), absolute when rendered."""

    __slots__ = ()


def render(value: Json, base_url: str) -> Json:
    """A copy of ``value`` with every ``Ref`` made absolute on ``base_url`` (scheme://host[:port])."""
    if isinstance(value, Ref):
        return base_url + str(value)
    if isinstance(value, dict):
        return {k: render(v, base_url) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, base_url) for v in value]
    return value


@dataclass(slots=True)
class Record:
    """One registered resource: its API representation (with ``Ref``s) and what the API does not show."""

    uuid: str
    collection: str
    data: dict[str, Json]
    gemeente: str | None = None
    content: bytes | None = None
    seq: int = 0
    extra: dict[str, Json] = field(default_factory=dict)

    @property
    def ref(self) -> Ref:
        return Ref(self.data["url"])


def ref_for(collection: str, uid: str, *, parent: str | None = None) -> Ref:
    if collection == "zaakbesluiten":
        assert parent is not None
        return Ref(f"{API_BASES['zaken']}/zaken/{parent}/besluiten/{uid}")
    return Ref(f"{API_BASES[COLLECTIONS[collection]]}/{collection}/{uid}")


def path_of(url: str) -> str | None:
    """The path of an absolute URL (or None when it is not one)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.path.rstrip("/") or "/"


class _Index:
    """The records of one collection by the value of one field, built as far as the collection has been filled in.

    Records are indexed in the order they were added; one whose representation is not filled in yet (a handler
    adds a record and then fills in its fields, under the store's lock) waits and is indexed at a later look-up. The
    fields indexed never change once set. A ``Ref`` is indexed by its path, any other value as it is; a look-up
    returns candidates, which the caller still compares exactly."""

    __slots__ = ("done", "field", "pending", "values")

    def __init__(self, field: str) -> None:
        self.field = field
        self.done = 0
        self.pending: list[Record] = []
        self.values: dict[Any, list[Record]] = {}

    def catch_up(self, records: list[Record]) -> None:
        waiting, self.pending = self.pending, []
        for record in waiting:
            self._put(record)
        for record in records[self.done :]:
            self._put(record)
        self.done = len(records)

    def _put(self, record: Record) -> None:
        if len(record.data) <= 1:  # only its url: the handler that added it has not filled it in yet
            self.pending.append(record)
            return
        value = record.data.get(self.field)
        if isinstance(value, (str, int)) or value is None:
            bucket = self.values.setdefault(value, [])
            bucket.append(record)
            if len(bucket) > 1 and bucket[-2].seq > record.seq:
                bucket.sort(key=lambda r: r.seq)


class ZgwStore:
    """Resources per collection, by uuid; identification counters per year and organisation."""

    def __init__(self) -> None:
        self._by: dict[str, dict[str, Record]] = {name: {} for name in COLLECTIONS}
        # Each collection in the order its records were added (that is, by ``seq``).
        self._order: dict[str, list[Record]] = {name: [] for name in COLLECTIONS}
        self._indexes: dict[tuple[str, str], _Index] = {}
        self._seq = itertools.count(1)
        self._numbers: dict[tuple[str, str, int], int] = {}
        self.lock = threading.RLock()

    def add(
        self,
        collection: str,
        data: dict[str, Json],
        *,
        uid: str | None = None,
        gemeente: str | None = None,
        content: bytes | None = None,
        parent: str | None = None,
    ) -> Record:
        uid = uid or str(uuid.uuid4())
        data = {"url": ref_for(collection, uid, parent=parent), **data}
        record = Record(uid, collection, data, gemeente=gemeente, content=content, seq=next(self._seq))
        if uid in self._by[collection]:
            self.remove(collection, uid)
        self._by[collection][uid] = record
        self._order[collection].append(record)
        return record

    def get(self, collection: str, uid: str) -> Record | None:
        return self._by[collection].get(uid.lower())

    def remove(self, collection: str, uid: str) -> None:
        if self._by[collection].pop(uid, None) is not None:
            self._order[collection] = [r for r in self._order[collection] if r.uuid != uid]
            for key in [k for k in self._indexes if k[0] == collection]:
                del self._indexes[key]

    def all(self, collection: str) -> Iterator[Record]:
        """Every record of the collection, oldest first."""
        return iter(list(self._order[collection]))

    def having(self, collection: str, field: str, value: Any) -> list[Record]:
        """Candidates for ``data[field] == value``, oldest first: the records whose field holds ``value`` or, for a
        URL, the path of our own resource it names. A superset of the exact matches only where a stored URL of
        ours and a value of the client name the same path; callers compare exactly (``same_url``, ``==``)."""
        index = self._indexes.get((collection, field))
        if index is None:
            index = self._indexes[(collection, field)] = _Index(field)
        index.catch_up(self._order[collection])
        found = index.values.get(value, [])
        path = path_of(value) if isinstance(value, str) and "://" in value else None
        if path is None or path == value:
            return list(found)
        by_path = index.values.get(path, [])
        if not found:
            return list(by_path)
        return sorted({id(r): r for r in (*found, *by_path)}.values(), key=lambda r: r.seq)

    def resolve(self, url: object, collection: str) -> Record | None:
        """The record a URL (as a client sends it) points at, when it is one of ``collection``."""
        if isinstance(url, Ref):
            path: str | None = str(url)
        elif isinstance(url, str):
            path = path_of(url)
        else:
            return None
        if path is None:
            return None
        if collection == "zaakbesluiten":
            m = _ZAAKBESLUIT.match(path)
            return self.get(collection, m.group(2)) if m else None
        prefix = f"{API_BASES[COLLECTIONS[collection]]}/{collection}/"
        if not path.startswith(prefix):
            return None
        uid = path[len(prefix) :]
        if not re.fullmatch(_UUID, uid):
            return None
        return self.get(collection, uid)

    def next_number(self, kind: str, organisation: str, year: int) -> int:
        key = (kind, organisation, year)
        self._numbers[key] = self._numbers.get(key, 0) + 1
        return self._numbers[key]

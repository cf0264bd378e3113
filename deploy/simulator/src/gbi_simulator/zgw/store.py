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


class ZgwStore:
    """Resources per collection, by uuid; identification counters per year and organisation."""

    def __init__(self) -> None:
        self._by: dict[str, dict[str, Record]] = {name: {} for name in COLLECTIONS}
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
        self._by[collection][uid] = record
        return record

    def get(self, collection: str, uid: str) -> Record | None:
        return self._by[collection].get(uid.lower())

    def remove(self, collection: str, uid: str) -> None:
        self._by[collection].pop(uid, None)

    def all(self, collection: str) -> Iterator[Record]:
        return iter(sorted(self._by[collection].values(), key=lambda r: r.seq))

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

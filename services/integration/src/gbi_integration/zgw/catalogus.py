"""The types of a gemeente's ALO zaken, resolved through its Catalogi API and cached.

Per gemeente: the catalogus (``domein`` + the gemeente's RSIN), the zaaktype (``identificatie``, published, valid
today; the latest version when there are several), its statustypen (by ``omschrijving``), roltypen (by
``omschrijvingGeneriek``: ``initiator`` for the aanvrager), besluittypen (by ``omschrijving``) and
informatieobjecttypen (by ``omschrijving``, among those the zaaktype allows). A catalogus that lacks one of the
types GBI uses is a configuration error of the zaaksysteem: an ``UpstreamError`` that names it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, TypeVar

from gbi_integration.zgw.config import ZgwGemeente
from gbi_integration.zgw.http import ZgwHttp
from gbi_shared.contracts.zaken import (
    ZaakBesluittypeNaam,
    ZaakInformatieobjecttypeNaam,
    ZaakRoltypeNaam,
    ZaakStatusNaam,
)
from gbi_shared.errors import UpstreamError
from gbi_shared.tijd import vandaag_nl

__all__ = ["BESLUITTYPEN", "INFORMATIEOBJECTTYPEN", "ROLTYPEN", "STATUSTYPEN", "Catalogus", "CatalogusCache"]

Json = Any
K = TypeVar("K")

STATUSTYPEN = {
    ZaakStatusNaam.ONTVANGEN: "ontvangen",
    ZaakStatusNaam.IN_BEHANDELING: "in behandeling",
    ZaakStatusNaam.BESLUIT_GENOMEN: "besluit genomen",
    ZaakStatusNaam.AFGEHANDELD: "afgehandeld",
}
ROLTYPEN = {ZaakRoltypeNaam.AANVRAGER: "initiator", ZaakRoltypeNaam.BEHANDELAAR: "behandelaar"}
BESLUITTYPEN = {
    ZaakBesluittypeNaam.TOEKENNING: "toekenning",
    ZaakBesluittypeNaam.AFWIJZING: "afwijzing",
    ZaakBesluittypeNaam.BUITEN_BEHANDELING: "buiten behandeling",
}
INFORMATIEOBJECTTYPEN = {ZaakInformatieobjecttypeNaam.BESCHIKKING: "beschikking"}


@dataclass(frozen=True, slots=True)
class Catalogus:
    """The URLs of one gemeente's ALO types."""

    gemeente: str
    catalogus: str
    zaaktype: str
    statustypen: dict[ZaakStatusNaam, str]
    roltypen: dict[ZaakRoltypeNaam, str]
    besluittypen: dict[ZaakBesluittypeNaam, str]
    informatieobjecttypen: dict[ZaakInformatieobjecttypeNaam, str]
    fetched_at: float

    def naam_van_besluittype(self, url: str) -> ZaakBesluittypeNaam | None:
        return next((naam for naam, u in self.besluittypen.items() if u == url), None)


def _key(value: Any) -> str:
    return " ".join(str(value or "").casefold().replace("_", " ").split())


class CatalogusCache:
    """Resolves and caches the ALO types per gemeente (one resolution at a time per gemeente)."""

    def __init__(
        self,
        http: ZgwHttp,
        *,
        catalogi_url: str,
        domein: str,
        zaaktype_identificatie: str,
        ttl_s: float,
    ) -> None:
        self._http = http
        self._base = catalogi_url.rstrip("/")
        self._domein = domein
        self._identificatie = zaaktype_identificatie
        self._ttl_s = ttl_s
        self._cache: dict[str, Catalogus] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def forget(self, gemeente: str) -> None:
        self._cache.pop(gemeente, None)

    async def get(self, gemeente: str, client: ZgwGemeente) -> Catalogus:
        cached = self._cache.get(gemeente)
        if cached is not None and time.monotonic() - cached.fetched_at < self._ttl_s:
            return cached
        lock = self._locks.setdefault(gemeente, asyncio.Lock())
        async with lock:
            cached = self._cache.get(gemeente)
            if cached is not None and time.monotonic() - cached.fetched_at < self._ttl_s:
                return cached
            resolved = await self._resolve(gemeente, client)
            self._cache[gemeente] = resolved
            return resolved

    async def _resolve(self, gemeente: str, client: ZgwGemeente) -> Catalogus:
        http = self._http
        catalogussen = await http.get_all(
            client, f"{self._base}/catalogussen", {"rsin": client.rsin, "domein": self._domein}
        )
        if len(catalogussen) != 1:
            raise UpstreamError(
                f"Het zaaksysteem van gemeente {gemeente} heeft {len(catalogussen)} catalogi met domein "
                f"{self._domein} en RSIN {client.rsin}; verwacht precies een"
            )
        catalogus = str(catalogussen[0]["url"])
        zaaktype = _current(
            await http.get_all(
                client, f"{self._base}/zaaktypen", {"catalogus": catalogus, "identificatie": self._identificatie}
            )
        )
        if zaaktype is None:
            raise UpstreamError(
                f"De catalogus van gemeente {gemeente} heeft geen geldig zaaktype {self._identificatie}"
            )
        zaaktype_url = str(zaaktype["url"])
        statustypen = await http.get_all(client, f"{self._base}/statustypen", {"zaaktype": zaaktype_url})
        roltypen = await http.get_all(client, f"{self._base}/roltypen", {"zaaktype": zaaktype_url})
        besluittypen = await http.get_all(client, f"{self._base}/besluittypen", {"zaaktypen": zaaktype_url})
        allowed = set(zaaktype.get("informatieobjecttypen") or [])
        iotypen = [
            t
            for t in await http.get_all(client, f"{self._base}/informatieobjecttypen", {"catalogus": catalogus})
            if t.get("url") in allowed
        ]
        return Catalogus(
            gemeente=gemeente,
            catalogus=catalogus,
            zaaktype=zaaktype_url,
            statustypen=_by(gemeente, "statustype", statustypen, "omschrijving", STATUSTYPEN),
            roltypen=_by(gemeente, "roltype", roltypen, "omschrijvingGeneriek", ROLTYPEN),
            besluittypen=_by(gemeente, "besluittype", besluittypen, "omschrijving", BESLUITTYPEN),
            informatieobjecttypen=_by(gemeente, "informatieobjecttype", iotypen, "omschrijving", INFORMATIEOBJECTTYPEN),
            fetched_at=time.monotonic(),
        )


def _current(zaaktypen: list[Json]) -> Json | None:
    """The version valid today; with several, the one that began last."""
    today = vandaag_nl().isoformat()
    valid = [
        z
        for z in zaaktypen
        if not z.get("concept")
        and str(z.get("beginGeldigheid") or "0000-00-00") <= today
        and (not z.get("eindeGeldigheid") or today <= str(z["eindeGeldigheid"]))
    ]
    return max(valid, key=lambda z: str(z.get("beginGeldigheid") or "")) if valid else None


def _by(gemeente: str, kind: str, items: list[Json], attribute: str, wanted: dict[K, str]) -> dict[K, str]:
    found: dict[str, str] = {}
    for item in items:
        found.setdefault(_key(item.get(attribute)), str(item["url"]))
    missing = [label for label in wanted.values() if label not in found]
    if missing:
        raise UpstreamError(f"De catalogus van gemeente {gemeente} mist {kind} {', '.join(missing)} (op {attribute})")
    return {name: found[label] for name, label in wanted.items()}

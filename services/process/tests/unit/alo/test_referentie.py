"""The short-lived cache of the gemeente and its policy: one read per key per TTL, "no policy" kept, an unknown
gemeente not kept, 0 keeps nothing, and a new day is another key."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest

from gbi_process.alo.referentie import Referentiecache
from gbi_shared.errors import NotFoundError

VERSIE = {
    "gemeente": "0599",
    "onderwerp": "vierogen",
    "versie": 1,
    "beleidId": "VO-2026",
    "geldigVanaf": "2026-01-01",
    "geldigTot": None,
    "inhoud": {"bedragsgrensPerMaand": "1500.00", "bijAfwijkingVanBerekening": True},
    "toelichting": "seed",
    "aangemaaktDoor": "seed",
    "aangemaaktOp": "2026-01-01T00:00:00+00:00",
}


class Gateway:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.beleid: dict[str, Any] | None = VERSIE

    async def get_model(self, path: str, model: type[Any], **kw: Any) -> Any:
        self.calls.append((path, kw.get("params")))
        if path.startswith("/internal/data/v1/gemeenten/"):
            code = path.rsplit("/", 1)[-1]
            if code != "0599":
                raise NotFoundError("Geen gemeente")
            return model.model_validate({"code": code, "naam": "Rotterdam", "actief": True})
        if self.beleid is None:
            raise NotFoundError("Geen beleid")
        return model.model_validate(self.beleid)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _cache(ttl: float = 30.0) -> tuple[Referentiecache, Gateway, Clock]:
    gw, clock = Gateway(), Clock()
    return Referentiecache(gw, ttl, clock=clock), gw, clock  # type: ignore[arg-type]


def test_the_gemeente_is_read_once_per_ttl_and_an_unknown_one_every_time() -> None:
    cache, gw, clock = _cache()

    async def scenario() -> None:
        assert (await cache.gemeente("0599")).naam == "Rotterdam"
        await cache.gemeente("0599")
        assert len(gw.calls) == 1
        clock.t += 30.0  # expired
        await cache.gemeente("0599")
        assert len(gw.calls) == 2
        for _ in range(2):
            with pytest.raises(NotFoundError):
                await cache.gemeente("0363")
        assert len(gw.calls) == 4

    asyncio.run(scenario())


def test_policy_is_kept_per_gemeente_onderwerp_and_day_and_no_policy_is_kept_too() -> None:
    cache, gw, clock = _cache()

    async def scenario() -> None:
        versie = await cache.beleid("0599", "vierogen", date(2026, 3, 2))
        assert versie is not None
        assert versie.beleid_id == "VO-2026"
        await cache.beleid("0599", "vierogen", date(2026, 3, 2))
        assert len(gw.calls) == 1
        await cache.beleid("0599", "vierogen", date(2026, 3, 3))  # another day: another key
        assert gw.calls[-1][1] == {"peildatum": "2026-03-03"}
        assert len(gw.calls) == 2
        gw.beleid = None
        assert await cache.beleid("0518", "vierogen", date(2026, 3, 2)) is None
        assert await cache.beleid("0518", "vierogen", date(2026, 3, 2)) is None
        assert len(gw.calls) == 3
        clock.t += 31.0
        assert await cache.beleid("0599", "vierogen", date(2026, 3, 2)) is None  # re-read after the TTL
        assert len(gw.calls) == 4

    asyncio.run(scenario())


def test_a_ttl_of_zero_keeps_nothing() -> None:
    cache, gw, _ = _cache(0.0)

    async def scenario() -> None:
        for _ in range(3):
            await cache.gemeente("0599")
            await cache.beleid("0599", "vierogen", date(2026, 3, 2))
        assert len(gw.calls) == 6

    asyncio.run(scenario())

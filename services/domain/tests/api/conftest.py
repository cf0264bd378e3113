"""Fixtures of the domain API tests: the domain app built with explicit settings, real signed GBI-Context headers,
and an in-memory policy store in place of the data service (the ``BeleidOpslag`` port), which behaves like it:
versions per gemeente, the version in force on a peildatum, 404 before the first one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from pydantic import SecretStr

from gbi_domain.app import create_app
from gbi_domain.beleid_api import beleid_opslag
from gbi_domain.settings import DomainSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, RequestContext
from gbi_shared.contracts.beleid import Beleidsversie, BeleidsversieLijst, BeleidsversieNieuw, beleid_id
from gbi_shared.errors import NotFoundError
from gbi_testing import ec_pem_pair

ISSUER = "gbi-gateway"
AUDIENCE = "gbi-services"
SEED_DATUM = date(2024, 7, 1)

ROTTERDAM_BIJZONDERE_BIJSTAND = {
    "draagkrachtschijven": [
        {"vanafPctNorm": "0", "totPctNorm": "110", "pctMeetellen": "0"},
        {"vanafPctNorm": "110", "totPctNorm": "150", "pctMeetellen": "50"},
        {"vanafPctNorm": "150", "totPctNorm": None, "pctMeetellen": "100"},
    ],
    "draagkrachtperiodeMaanden": 12,
    "wettelijkeDrempel": True,
    "drempel": None,
    "toegestaneKostensoorten": ["bewindvoering", "woninginrichting"],
    "normZonderKostendelers": False,
    "normInclusiefVakantietoeslag": True,
}
VLAK_35 = {
    **ROTTERDAM_BIJZONDERE_BIJSTAND,
    "draagkrachtschijven": [
        {"vanafPctNorm": "0", "totPctNorm": "100", "pctMeetellen": "0"},
        {"vanafPctNorm": "100", "totPctNorm": None, "pctMeetellen": "35"},
    ],
}


@dataclass
class FakeOpslag:
    """The data service's policy store, in memory. ``calls`` records every call (to prove 403s come first)."""

    versies: dict[tuple[str, str], list[Beleidsversie]] = field(default_factory=dict)
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    received: list[BeleidsversieNieuw] = field(default_factory=list)

    def seed(self, gemeente: str, onderwerp: str, inhoud: dict[str, object], geldig_vanaf: date = SEED_DATUM) -> None:
        rows = self.versies.setdefault((gemeente, onderwerp), [])
        versie = len(rows) + 1
        rows.append(
            Beleidsversie(
                gemeente=gemeente,
                onderwerp=onderwerp,  # type: ignore[arg-type]
                versie=versie,
                beleid_id=beleid_id(gemeente, onderwerp, versie, geldig_vanaf),
                geldig_vanaf=geldig_vanaf,
                geldig_tot=None,
                inhoud=inhoud,  # type: ignore[arg-type]
                toelichting="test",
                aangemaakt_door="seed",
                aangemaakt_op=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )

    def voor(self, gemeente: str | None) -> GemeenteOpslag:
        return GemeenteOpslag(self, gemeente)


@dataclass
class GemeenteOpslag:
    """The store as one caller sees it: their own gemeente only (the data service's tenant rule)."""

    store: FakeOpslag
    gemeente: str | None

    def _rows(self, onderwerp: str, gemeente: str | None = None) -> list[Beleidsversie]:
        return self.store.versies.get((gemeente or self.gemeente or "", onderwerp), [])

    async def in_werking(self, onderwerp: str, peildatum: date, *, gemeente: str | None = None) -> Beleidsversie:
        self.store.calls.append(("in_werking", onderwerp, gemeente or self.gemeente or ""))
        rows = [r for r in self._rows(onderwerp, gemeente) if r.geldig_vanaf <= peildatum]
        if not rows:
            raise NotFoundError(
                f"Gemeente {gemeente or self.gemeente} heeft geen beleid voor {onderwerp} op {peildatum}"
            )
        return max(rows, key=lambda r: (r.geldig_vanaf, r.versie))

    async def versies(self, onderwerp: str) -> BeleidsversieLijst:
        self.store.calls.append(("versies", onderwerp, self.gemeente or ""))
        return BeleidsversieLijst(items=self._rows(onderwerp))

    async def versie(self, onderwerp: str, versie: int) -> Beleidsversie:
        self.store.calls.append(("versie", onderwerp, self.gemeente or ""))
        for row in self._rows(onderwerp):
            if row.versie == versie:
                return row
        raise NotFoundError("Geen versie")

    async def nieuwe_versie(self, onderwerp: str, nieuw: BeleidsversieNieuw) -> Beleidsversie:
        self.store.calls.append(("nieuwe_versie", onderwerp, self.gemeente or ""))
        self.store.received.append(nieuw)
        assert self.gemeente is not None
        self.store.seed(self.gemeente, onderwerp, dict(nieuw.inhoud), nieuw.geldig_vanaf)
        return self._rows(onderwerp)[-1]


def _pem_pair() -> tuple[str, str]:
    return ec_pem_pair()


@pytest.fixture(scope="session")
def context_keys() -> tuple[str, str]:
    return _pem_pair()


@pytest.fixture
def opslag() -> FakeOpslag:
    store = FakeOpslag()
    store.seed("0599", "bijzondere-bijstand", ROTTERDAM_BIJZONDERE_BIJSTAND)
    store.seed("0518", "bijzondere-bijstand", VLAK_35)
    store.seed("0599", "vakantiegeld", {"uitbetalingsmaand": 6})
    return store


@pytest.fixture
def client(context_keys: tuple[str, str], opslag: FakeOpslag) -> Iterator[TestClient]:
    settings = DomainSettings(
        environment="test",
        context_public_key=SecretStr(context_keys[1]),
        context_issuer=ISSUER,
        context_audience=AUDIENCE,
        log_json=False,
        log_level="WARNING",
    )
    app = create_app(settings)

    def fake(request: Request) -> GemeenteOpslag:
        ctx = getattr(request.state, "context", None)
        return opslag.voor(ctx.gemeente if isinstance(ctx, RequestContext) else None)

    app.dependency_overrides[beleid_opslag] = fake
    with TestClient(app) as test_client:
        yield test_client


ContextHeaders = Callable[..., dict[str, str]]


@pytest.fixture
def context_headers(context_keys: tuple[str, str]) -> ContextHeaders:
    """Signed GBI-Context headers: ``context_headers(gemeente="0599", roles=("beheerder",))``."""
    signer = ContextSigner(context_keys[0], issuer=ISSUER, audience=AUDIENCE)

    def build(
        *,
        actor_id: str = "medewerker-0599-k-manager",
        actor_type: ActorType = ActorType.MEDEWERKER,
        gemeente: str | None = "0599",
        roles: tuple[str, ...] = ("klantmanager",),
        bsn: str | None = None,
        via: str | None = None,
    ) -> dict[str, str]:
        ctx = RequestContext(
            actor_id=actor_id, actor_type=actor_type, roles=frozenset(roles), gemeente=gemeente, bsn=bsn, via=via
        )
        return {CONTEXT_HEADER: signer.sign(ctx)}

    return build

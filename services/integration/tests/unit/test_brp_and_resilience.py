"""BRP mapping and the resilience primitives of the integration layer."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest

from gbi_integration.brp import huishouden_from_persoon
from gbi_integration.resilience import CircuitBreaker, call_with_retries
from gbi_shared.errors import NotFoundError, ServiceUnavailableError, UpstreamError, UpstreamTimeoutError

NOW = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)


def _datum(iso: str) -> dict[str, str]:
    return {"type": "Datum", "datum": iso, "langFormaat": iso}


def test_household_maps_the_current_partner_and_children_with_their_names() -> None:
    raw: dict[str, Any] = {
        "burgerservicenummer": "999993112",
        "naam": {"volledigeNaam": "Jan de Vries"},
        "geboorte": {"datum": _datum("1970-04-07")},
        "gemeenteVanInschrijving": {"code": "0363", "omschrijving": "Amsterdam"},
        "partners": [
            {
                "burgerservicenummer": "999990001",
                "naam": {"voornamen": "Oud", "geslachtsnaam": "Partner"},
                "geboorte": {"datum": _datum("1971-01-01")},
                "ontbindingHuwelijkPartnerschap": {"datum": _datum("2001-01-01")},
            },
            {
                "burgerservicenummer": "999994542",
                "naam": {"voornamen": "Anna", "voorvoegsel": "van", "geslachtsnaam": "Dijk"},
                "geboorte": {"datum": _datum("1972-02-02")},
            },
        ],
        "kinderen": [
            {"burgerservicenummer": "999995807", "geboorte": {"datum": _datum("2018-05-05")}},
            {"burgerservicenummer": "999995832", "geboorte": {"datum": {"type": "JaarDatum", "jaar": 2009}}},
        ],
    }
    h = huishouden_from_persoon(raw, fetched_at=NOW)
    assert h.gemeente == "0363"
    assert h.aanvrager.naam == "Jan de Vries"
    assert h.aanvrager.geboortedatum == date(1970, 4, 7)
    assert h.partner is not None
    assert h.partner.bsn == "999994542"
    assert h.partner.naam == "Anna van Dijk"
    assert [k.geboortedatum for k in h.kinderen] == [date(2018, 5, 5), None]  # an incomplete date stays unknown
    assert h.bron.opgevraagd_op == NOW
    assert h.bron.bron.startswith("BRP")


def test_a_person_without_gemeente_of_inschrijving_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError):
        huishouden_from_persoon({"burgerservicenummer": "999993112"}, fetched_at=NOW)


def test_retries_only_idempotent_calls_and_then_gives_up() -> None:
    breaker = CircuitBreaker("bron", failures=10, cooldown_s=60)
    calls = 0

    async def failing() -> int:
        nonlocal calls
        calls += 1
        raise ServiceUnavailableError("weg")

    with pytest.raises(ServiceUnavailableError):
        asyncio.run(call_with_retries(breaker, failing, retries=2, idempotent=True, base_delay_s=0.001))
    assert calls == 3
    calls = 0
    with pytest.raises(ServiceUnavailableError):
        asyncio.run(call_with_retries(breaker, failing, retries=2, idempotent=False, base_delay_s=0.001))
    assert calls == 1


def test_a_retry_that_succeeds_returns_the_result() -> None:
    breaker = CircuitBreaker("bron", failures=10, cooldown_s=60)
    outcomes: list[Exception | int] = [UpstreamTimeoutError("traag"), 42]

    async def flaky() -> int:
        item = outcomes.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    assert asyncio.run(call_with_retries(breaker, flaky, retries=2, idempotent=True, base_delay_s=0.001)) == 42
    assert breaker.state == "closed"


def test_errors_that_are_answers_are_not_retried() -> None:
    breaker = CircuitBreaker("bron", failures=10, cooldown_s=60)
    calls = 0

    async def not_found() -> int:
        nonlocal calls
        calls += 1
        raise NotFoundError("onbekend")

    with pytest.raises(NotFoundError):
        asyncio.run(call_with_retries(breaker, not_found, retries=3, idempotent=True, base_delay_s=0.001))
    assert calls == 1


def test_the_breaker_opens_fails_fast_and_half_opens_after_the_cooldown(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("gbi_integration.resilience.time.monotonic", lambda: now[0])
    breaker = CircuitBreaker("BRP", failures=3, cooldown_s=30)
    for _ in range(3):
        breaker.failure()
    assert breaker.state == "open"
    with pytest.raises(ServiceUnavailableError) as exc:
        breaker.before()
    assert exc.value.headers["Retry-After"] == "31"
    now[0] += 30
    assert breaker.state == "half-open"
    breaker.before()  # one trial is let through
    breaker.failure()  # ... and fails: open again at once
    assert breaker.state == "open"
    now[0] += 30
    breaker.success()
    assert breaker.state == "closed"

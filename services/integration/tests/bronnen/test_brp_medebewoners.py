"""The BRP adapter against the real simulator: the household plus the co-residents at the applicant's address
(Haal Centraal BRP Personen v2 ``ZoekMetAdresseerbaarObjectIdentificatie``), with the protocollering headers on
both bevragingen, and no household at all when the second bevraging fails."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace

from gbi_integration.brp import HaalCentraalBrp
from gbi_integration.settings import IntegrationSettings
from gbi_shared import ActorType, RequestContext
from gbi_shared._http import HttpResponse, HttpTransport
from gbi_shared.contracts.huishouden import Huishouden
from gbi_shared.errors import ServiceUnavailableError

from .conftest import DEN_HAAG, Headers, Simulator

# RvIG test persons at adresseerbaar object 0518010000583568 (Turfmarkt 75, 's-Gravenhage): the applicant, the
# partner, their two children, and three more residents (born 1980, 1978, 2009) with no BRP relation to them.
AANVRAGER = "999970197"
PARTNER = "999970203"
KINDEREN = {"999970215", "999970227"}
MEDEBEWONERS = {"999970720": date(1980, 9, 1), "999970732": date(1978, 12, 1), "999970744": date(2009, 8, 1)}
AOI = "0518010000583568"


class RecordingTransport(HttpTransport):
    """The real transport, recording every request; ``fail_type`` makes one query type fail as a down BRP does."""

    def __init__(self, fail_type: str | None = None) -> None:
        super().__init__(tracer=trace.get_tracer("test"), timeout_s=5.0)
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.fail_type = fail_type

    async def request(  # type: ignore[override]
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None, body: bytes | None = None, **kw: Any
    ) -> HttpResponse:
        payload = json.loads(body or b"{}")
        self.requests.append((dict(headers or {}), payload))
        if payload.get("type") == self.fail_type:
            raise ServiceUnavailableError("brp is niet bereikbaar")
        return await super().request(method, url, headers=headers, body=body, **kw)


def _ctx() -> RequestContext:
    return RequestContext(
        actor_id="gbi-process",
        actor_type=ActorType.SERVICE,
        roles=frozenset({"gbi-service"}),
        gemeente=DEN_HAAG,
        purpose="aanvraag-levensonderhoud",
    )


def _huishouden(simulator: Simulator, bsn: str, transport: RecordingTransport) -> Huishouden:
    settings = IntegrationSettings(
        environment="test",
        brp_url=f"{simulator.url}/haalcentraal/api/brp",
        brp_retries=1,
        breaker_failures=50,
    )

    async def run() -> Huishouden:
        try:
            return await HaalCentraalBrp(settings, transport).huishouden(bsn, _ctx())
        finally:
            await transport.close()

    return asyncio.run(run())


def test_co_residents_at_the_address_exclude_applicant_partner_and_children(simulator: Simulator) -> None:
    transport = RecordingTransport()
    h = _huishouden(simulator, AANVRAGER, transport)
    assert h.aanvrager.bsn == AANVRAGER
    assert h.partner is not None
    assert h.partner.bsn == PARTNER
    assert {k.bsn for k in h.kinderen} == KINDEREN
    assert {m.bsn: m.geboortedatum for m in h.medebewoners} == MEDEBEWONERS
    assert all(m.naam for m in h.medebewoners)
    # Two bevragingen, both with the protocollering headers; the second by the address of the first.
    assert [body["type"] for _, body in transport.requests] == [
        "RaadpleegMetBurgerservicenummer",
        "ZoekMetAdresseerbaarObjectIdentificatie",
    ]
    assert transport.requests[1][1]["adresseerbaarObjectIdentificatie"] == AOI
    for sent, _ in transport.requests:
        assert sent["x-doelbinding"] == "aanvraag-levensonderhoud"
        assert sent["x-verwerking"] == "Participatiewet"
        assert sent["x-gebruiker"] == "gbi-process"
        assert AANVRAGER not in json.dumps(sent)  # never a BSN in a header


def test_the_partner_sees_the_applicant_as_partner_not_as_co_resident(simulator: Simulator) -> None:
    h = _huishouden(simulator, PARTNER, RecordingTransport())
    assert h.partner is not None
    assert h.partner.bsn == AANVRAGER
    # The partner's BRP record lists no children: the couple's children are co-residents from its side.
    assert {m.bsn for m in h.medebewoners} == set(MEDEBEWONERS) | KINDEREN


def test_a_failing_address_query_yields_no_household(simulator: Simulator) -> None:
    """Never a household without its co-residents: that would calculate without the kostendelersnorm."""
    transport = RecordingTransport(fail_type="ZoekMetAdresseerbaarObjectIdentificatie")
    with pytest.raises(ServiceUnavailableError):
        _huishouden(simulator, AANVRAGER, transport)
    types = [body["type"] for _, body in transport.requests]
    assert types.count("ZoekMetAdresseerbaarObjectIdentificatie") == 2  # idempotent bevraging: retried once


def test_the_household_endpoint_carries_the_co_residents(
    make_client: Callable[..., TestClient], simulator: Simulator, headers: Headers
) -> None:
    client = make_client(brp_url=f"{simulator.url}/haalcentraal/api/brp")
    resp = client.post(
        "/internal/integration/v1/brp/huishoudens", json={"bsn": AANVRAGER}, headers=headers(gemeente=DEN_HAAG)
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert {m["bsn"]: m["geboortedatum"] for m in body["medebewoners"]} == {
        bsn: d.isoformat() for bsn, d in MEDEBEWONERS.items()
    }
    assert Huishouden.model_validate(body).partner is not None

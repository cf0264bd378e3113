"""Fixtures of the simulated sources' tests (the simulator app of ``../conftest.py``, its day fixed on TODAY)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from gbi_simulator.bronnen import BronnenSimulator

PROTOCOL = {"x-doelbinding": "participatiewet", "x-verwerking": "test", "x-gebruiker": "tester"}
UWV = "/suwinet/UWVDossierInkomstenGSD-v0200/UWVPersoonsIkvInfo"
RDW = "/suwinet/RDWDossierGSD-v0200/VoertuigbezitInfoPersoon"
KADASTER = "/suwinet/KadasterDossierGSD-v0300/PersoonsInfo"
DUO = "/suwinet/DUODossierStudiefinancieringGSD-v0200/DUOStudiefinancieringInfo"
DJI = "/dji/api/v1/detenties/zoeken"
IB = "/inlichtingenbureau/api/v1/gemeenten"

Post = Callable[..., Any]


@pytest.fixture
def sim(app: FastAPI) -> Iterator[BronnenSimulator]:
    state: BronnenSimulator = app.state.bronnen
    state.storingen.wis()
    state.bronnen.wis_toegevoegde_signalen()
    yield state
    state.storingen.wis()
    state.bronnen.wis_toegevoegde_signalen()


@pytest.fixture
def post(client: TestClient, sim: BronnenSimulator) -> Post:
    """``post(path, body, expect=200)``: a source request with the protocollering headers; returns the JSON."""

    def call(path: str, body: Any, *, expect: int = 200, headers: dict[str, str] | None = None) -> Any:
        response = client.post(path, json=body, headers=PROTOCOL if headers is None else headers)
        assert response.status_code == expect, response.text
        return response.json()

    return call

"""Every answer of the simulated sources matches its documented protocol (``gbi_simulator.bronnen.protocol``,
models that forbid unknown fields), for every BRP test person."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from starlette.testclient import TestClient

from gbi_simulator.bronnen import PROFIELEN, BronnenSimulator
from gbi_simulator.bronnen.protocol import (
    DjiAntwoord,
    DuoAntwoord,
    FwiAntwoord,
    IbFeedAntwoord,
    IbZoekAntwoord,
    KadasterAntwoord,
    NietsGevondenAntwoord,
    RdwAntwoord,
    UwvAntwoord,
)
from gbi_simulator.bronnen.suwinet import duo_antwoord, kadaster_antwoord, rdw_antwoord, uwv_antwoord
from gbi_simulator.gemeenten import GBI_GEMEENTEN

from ..conftest import TODAY
from .conftest import DJI, DUO, IB, KADASTER, PROTOCOL, RDW, UWV, Post

SUWINET: dict[str, type[BaseModel]] = {UWV: UwvAntwoord, RDW: RdwAntwoord, KADASTER: KadasterAntwoord, DUO: DuoAntwoord}


def _suwinet_body(path: str, bsn: str) -> dict[str, str]:
    body = {"Burgerservicenr": bsn}
    if path == RDW:
        body["DatBPeilperiodeAansprakelijkheid"] = TODAY.strftime("%Y%m%d")
    return body


def _valideer(answer: Any, model: type[BaseModel]) -> None:
    if "NietsGevonden" in answer:
        NietsGevondenAntwoord.model_validate(answer)
    else:
        model.model_validate(answer)


def test_every_test_person_in_every_suwinet_source_matches_the_protocol(sim: BronnenSimulator) -> None:
    """The renderers over all 1,176 BRP test persons (fast), each answer validated by its protocol model."""
    counts = dict.fromkeys(("uwv", "rdw", "kadaster", "duo"), 0)
    for bsn in sim.bronnen.bekende_bsns():
        f = sim.bronnen.feiten(bsn)
        assert f is not None
        for name, answer, model in (
            ("uwv", uwv_antwoord(f, TODAY), UwvAntwoord),
            ("rdw", rdw_antwoord(f, TODAY, date(1900, 1, 1), TODAY), RdwAntwoord),
            ("kadaster", kadaster_antwoord(f, TODAY), KadasterAntwoord),
            ("duo", duo_antwoord(f, TODAY), DuoAntwoord),
        ):
            if answer is not None:
                model.model_validate(answer)
                counts[name] += 1
    # The generator gives a fair share of the persons something in each source.
    assert counts["uwv"] > 400
    assert counts["rdw"] > 200
    assert counts["kadaster"] > 100
    assert counts["duo"] > 30


@pytest.mark.parametrize("bsn", sorted(PROFIELEN))
def test_hand_picked_persons_over_http(post: Post, bsn: str) -> None:
    for path, model in SUWINET.items():
        _valideer(post(path, _suwinet_body(path, bsn)), model)
    DjiAntwoord.model_validate(post(DJI, {"bsn": bsn, "periodeVan": "2020-01-01", "periodeTot": "2030-01-01"}))
    IbZoekAntwoord.model_validate(post(f"{IB}/{PROFIELEN[bsn].gemeente}/signalen/zoeken", {"bsn": bsn}))


def test_an_unknown_bsn_is_niets_gevonden_everywhere(post: Post) -> None:
    for path in SUWINET:
        assert post(path, _suwinet_body(path, "123456782")) == {"NietsGevonden": {}}
    assert post(DJI, {"bsn": "123456782", "periodeVan": "2020-01-01", "periodeTot": "2030-01-01"}) == {"detenties": []}
    assert post(f"{IB}/0518/signalen/zoeken", {"bsn": "123456782"}) == {"gemeente": "0518", "signalen": []}


@pytest.mark.parametrize("gemeente", sorted(GBI_GEMEENTEN))
def test_the_signal_feed_of_every_gbi_gemeente_matches_the_protocol(client: TestClient, gemeente: str) -> None:
    response = client.get(f"{IB}/{gemeente}/signalen", params={"aantal": 500}, headers=PROTOCOL)
    assert response.status_code == 200
    feed = IbFeedAntwoord.model_validate(response.json())
    assert feed.gemeente == gemeente
    assert not feed.meer


@pytest.mark.parametrize("path", [UWV, RDW, KADASTER, DUO])
def test_suwinet_refuses_a_request_without_protocollering_with_an_fwi(post: Post, path: str) -> None:
    answer = post(path, _suwinet_body(path, "999995431"), headers={"x-doelbinding": "x"}, expect=400)
    fwi = FwiAntwoord.model_validate(answer)
    assert fwi.fwi.fout[0].code == "PROTOCOL"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (UWV, {}),
        (UWV, {"Burgerservicenr": "12345"}),
        (UWV, {"Burgerservicenr": 999995431}),
        (RDW, {"Burgerservicenr": "999995431"}),
        (RDW, {"Burgerservicenr": "999995431", "DatBPeilperiodeAansprakelijkheid": "2025-06-15"}),
        (RDW, {"Burgerservicenr": "999995431", "DatBPeilperiodeAansprakelijkheid": "20250231"}),
        (
            RDW,
            {
                "Burgerservicenr": "999995431",
                "DatBPeilperiodeAansprakelijkheid": "20250615",
                "DatEPeilperiodeAansprakelijkheid": "20250101",
            },
        ),
    ],
)
def test_suwinet_refuses_a_malformed_request_with_an_fwi(post: Post, path: str, body: dict[str, Any]) -> None:
    fwi = FwiAntwoord.model_validate(post(path, body, expect=400))
    assert fwi.fwi.fout[0].code == "VALIDATIE"


def test_suwinet_refuses_a_body_that_is_not_json(client: TestClient, sim: BronnenSimulator) -> None:
    response = client.post(UWV, content=b"<xml/>", headers=PROTOCOL)
    assert response.status_code == 400
    assert FwiAntwoord.model_validate(response.json()).fwi.fout[0].code == "VALIDATIE"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", DJI, {"bsn": "1"}),
        ("POST", DJI, {"bsn": "999990792"}),
        ("POST", DJI, {"bsn": "999990792", "periodeVan": "2025-01-01", "periodeTot": "2024-01-01"}),
        ("POST", f"{IB}/0518/signalen/zoeken", {"bsn": "x"}),
        ("POST", f"{IB}/518/signalen/zoeken", {"bsn": "999990792"}),
        ("GET", f"{IB}/0518/signalen?na=-1", None),
        ("GET", f"{IB}/0518/signalen?aantal=0", None),
        ("GET", f"{IB}/0518/signalen?na=abc", None),
        ("GET", f"{IB}/05x8/signalen", None),
    ],
)
def test_dji_and_ib_refuse_malformed_requests_with_a_problem(
    client: TestClient, sim: BronnenSimulator, method: str, path: str, body: Any
) -> None:
    response = client.request(method, path, json=body, headers=PROTOCOL)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 400


@pytest.mark.parametrize("path", [DJI, f"{IB}/0518/signalen/zoeken"])
def test_dji_and_ib_require_protocollering(client: TestClient, sim: BronnenSimulator, path: str) -> None:
    response = client.post(path, json={"bsn": "999990792", "periodeVan": "2025-01-01", "periodeTot": "2026-01-01"})
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "x-doelbinding"


def test_the_simulator_lists_its_hand_picked_persons(client: TestClient, app: FastAPI) -> None:
    personen = client.get("/simulator/bronnen/personen").json()
    assert {p["bsn"] for p in personen} == set(PROFIELEN)
    assert all(p["verhaal"] for p in personen)

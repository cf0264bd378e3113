"""What the simulated sources answer: the hand-picked stories, the IB feed and its cursor, and faults on demand."""

from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from gbi_simulator.bronnen import BronnenSimulator
from gbi_simulator.bronnen.protocol import FwiAntwoord, IbFeedAntwoord

from ..conftest import TODAY
from .conftest import DJI, DUO, IB, KADASTER, PROTOCOL, RDW, UWV, Post

PEILDATUM = TODAY.strftime("%Y%m%d")


def test_lonneke_has_two_jobs_in_the_polis(post: Post) -> None:
    answer = post(UWV, {"Burgerservicenr": "999995431"})
    ikvs = answer["ClientSuwi"]["Inkomstenverhouding"]
    assert [i["AdministratieveEenheid"]["NaamAeh"] for i in ikvs] == [
        "Stichting Zorggroep Haaglanden",
        "Schoonmaakbedrijf Helder B.V.",
    ]
    # The delivery window: 24 whole months up to the end of the previous month (TODAY is 15 June).
    assert answer["PeriodeGegevensleveringIko"] == {"DatBPeriode": "20230601", "DatEPeriode": "20250531"}
    tweede = ikvs[1]["Inkomstenopgave"]
    assert [o["DatBIko"] for o in tweede] == ["20250201", "20250301", "20250401", "20250501"]
    assert tweede[0]["BedrBrutoloonSv"] == {"CdPositiefNegatief": "+", "WaardeBedr": 38_000}


def test_frances_went_from_loon_to_ww(post: Post) -> None:
    ikvs = post(UWV, {"Burgerservicenr": "999997671"})["ClientSuwi"]["Inkomstenverhouding"]
    assert [(i["Inkomstenperiode"][0]["CdSrtIkv"], i["Inkomstenperiode"][0].get("DatEIkp")) for i in ikvs] == [
        ("15", "20241130"),
        ("33", None),
    ]


def test_katinka_is_in_no_source(post: Post) -> None:
    for path in (UWV, KADASTER, DUO):
        assert post(path, {"Burgerservicenr": "999994116"}) == {"NietsGevonden": {}}
    assert post(RDW, {"Burgerservicenr": "999994116", "DatBPeilperiodeAansprakelijkheid": PEILDATUM}) == {
        "NietsGevonden": {}
    }


def test_wilma_has_a_car_registered_95_days_ago(post: Post) -> None:
    answer = post(RDW, {"Burgerservicenr": "999993112", "DatBPeilperiodeAansprakelijkheid": PEILDATUM})
    [auto] = answer["ClientSuwi"]["Aansprakelijke"]
    assert auto["Voertuig"]["KentekenVoertuig"] == "ZT414K"
    assert auto["DatRegistratieAansprakelijkheid"] == "20250312"
    # Before the tenaamstelling the car was not hers.
    before = post(RDW, {"Burgerservicenr": "999993112", "DatBPeilperiodeAansprakelijkheid": "20250101"})
    assert before == {"NietsGevonden": {}}


def test_albert_and_anne_marie_own_their_home_half_and_half(post: Post) -> None:
    for bsn in ("999992661", "999991279"):
        [zaak] = post(KADASTER, {"Burgerservicenr": bsn})["ClientSuwi"]["Eigendom"]["OnroerendeZaak"]
        assert zaak["ZakelijkRecht"][0]["TellerAandeel"] == 1
        assert zaak["ZakelijkRecht"][0]["NoemerAandeel"] == 2
        assert zaak["LocatieOZ"][0]["StraatadresBag"]["Postcd"] == "2492TR"
        assert zaak["WozObject"]["IndEigenaarBewoner"] == "J"
        assert zaak["WozObject"]["BedrWozWaarde"]["WaardeBedr"] == 385_000_00
        assert zaak["Hypotheek"][0]["BedrHypotheek"]["WaardeBedr"] == 250_000_00


def test_johan_has_a_study_debt_and_no_running_grant(post: Post) -> None:
    client = post(DUO, {"Burgerservicenr": "999994979"})["ClientSuwi"]
    assert client["Studieschuld"]["BedrStudieschuld"]["WaardeBedr"] == 23_450_17
    assert client["Studiefinanciering"][0]["DatEToekenning"] == "20230331"


def test_jan_de_cuykelaer_is_detained(post: Post) -> None:
    nu = post(DJI, {"bsn": "999990792", "periodeVan": TODAY.isoformat(), "periodeTot": "2025-06-16"})
    assert [(d["titel"], d["datumOntslag"]) for d in nu["detenties"]] == [("GEVANGENISSTRAF", None)]
    alles = post(DJI, {"bsn": "999990792", "periodeVan": "2020-01-01", "periodeTot": "2030-01-01"})
    assert [d["titel"] for d in alles["detenties"]] == ["VOORLOPIGE_HECHTENIS", "GEVANGENISSTRAF"]


# ------------------------------------------------------------------------------------------------ IB feed


def _feed(client: TestClient, gemeente: str, **params: Any) -> IbFeedAntwoord:
    response = client.get(f"{IB}/{gemeente}/signalen", params=params, headers=PROTOCOL)
    assert response.status_code == 200, response.text
    return IbFeedAntwoord.model_validate(response.json())


def test_the_feed_pages_with_a_since_cursor(client: TestClient, sim: BronnenSimulator) -> None:
    alles = _feed(client, "0518", aantal=500).signalen
    assert len(alles) >= 5
    assert [s.volgnummer for s in alles] == list(range(1, len(alles) + 1))
    gezien = []
    na = 0
    while True:
        page = _feed(client, "0518", na=na, aantal=2)
        gezien.extend(page.signalen)
        if not page.meer:
            break
        assert page.laatste_volgnummer is not None
        na = page.laatste_volgnummer
    assert gezien == alles
    leeg = _feed(client, "0518", na=alles[-1].volgnummer)
    assert leeg.signalen == []
    assert leeg.laatste_volgnummer is None
    assert not leeg.meer


def test_a_delivered_signal_joins_the_end_of_the_feed(client: TestClient, sim: BronnenSimulator) -> None:
    laatste = _feed(client, "0363", aantal=500).signalen[-1].volgnummer
    response = client.post(
        "/simulator/bronnen/ib-signalen",
        json={"bsn": "999992995", "soort": "inkomen", "begin": "2025-05-01", "omschrijving": "Nieuw", "bedragCent": 1},
    )
    assert response.status_code == 201
    assert response.json()["volgnummer"] == laatste + 1
    [nieuw] = _feed(client, "0363", na=laatste).signalen
    assert (nieuw.bsn, nieuw.signaalsoort, nieuw.datum_levering) == ("999992995", "INKOMEN", TODAY)
    zoek = client.post(f"{IB}/0363/signalen/zoeken", json={"bsn": "999992995"}, headers=PROTOCOL).json()
    assert [s["signaalsoort"] for s in zoek["signalen"]] == ["BANKREKENING_BUITENLAND", "INKOMEN"]
    unknown = {"bsn": "123456782", "soort": "inkomen", "begin": "2025-05-01", "omschrijving": "x"}
    assert client.post("/simulator/bronnen/ib-signalen", json=unknown).status_code == 404


def test_the_hand_picked_signals_are_in_their_gemeente(client: TestClient, sim: BronnenSimulator) -> None:
    soorten = {
        ("0518", "999995431"): "INKOMEN",
        ("0363", "999993112"): "VOERTUIG",
        ("0363", "999992995"): "BANKREKENING_BUITENLAND",
        ("0518", "999990792"): "DETENTIE",
        ("0599", "999970902"): "VERBLIJF_BUITENLAND",
    }
    for (gemeente, bsn), soort in soorten.items():
        zoek = client.post(f"{IB}/{gemeente}/signalen/zoeken", json={"bsn": bsn}, headers=PROTOCOL).json()
        assert [s["signaalsoort"] for s in zoek["signalen"]] == [soort]
        # Another gemeente gets nothing about this person.
        other = "0599" if gemeente != "0599" else "0518"
        assert (
            client.post(f"{IB}/{other}/signalen/zoeken", json={"bsn": bsn}, headers=PROTOCOL).json()["signalen"] == []
        )


# ------------------------------------------------------------------------------------------------ faults


def _storing(client: TestClient, bron: str, **body: Any) -> dict[str, Any]:
    response = client.put(f"/simulator/bronnen/storingen/{bron}", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_source_can_be_made_unavailable_and_recovers(client: TestClient, post: Post, sim: BronnenSimulator) -> None:
    _storing(client, "uwv", modus="niet-beschikbaar")
    response = client.post(UWV, json={"Burgerservicenr": "999995431"}, headers=PROTOCOL)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    # Other sources are not affected.
    post(KADASTER, {"Burgerservicenr": "999995431"})
    assert client.delete("/simulator/bronnen/storingen/uwv").status_code == 204
    post(UWV, {"Burgerservicenr": "999995431"})


def test_suwinet_says_fwi_when_its_backend_is_down(client: TestClient, post: Post, sim: BronnenSimulator) -> None:
    _storing(client, "duo", modus="fwi")
    fwi = FwiAntwoord.model_validate(post(DUO, {"Burgerservicenr": "999994979"}))
    assert fwi.fwi.fout[0].code == "BRON-NIET-BESCHIKBAAR"
    _storing(client, "dji", modus="fwi")  # not a Suwinet source: a plain 503
    assert client.post(DJI, json={}, headers=PROTOCOL).status_code == 503


def test_a_fault_for_the_next_requests_only(client: TestClient, post: Post, sim: BronnenSimulator) -> None:
    assert _storing(client, "rdw", modus="onbruikbaar", aantal=2)["resterend"] == 2
    body = {"Burgerservicenr": "999993112", "DatBPeilperiodeAansprakelijkheid": PEILDATUM}
    for _ in range(2):
        response = client.post(RDW, json=body, headers=PROTOCOL)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
    post(RDW, body)
    overzicht = client.get("/simulator/bronnen/storingen").json()
    assert overzicht["rdw"] == {"modus": None, "resterend": None, "vertragingS": None, "aanroepen": 3}


def test_a_slow_source_answers_late(client: TestClient, post: Post, sim: BronnenSimulator) -> None:
    _storing(client, "ib", modus="traag", vertragingS=0.2, aantal=1)
    started = time.perf_counter()
    response = client.get(f"{IB}/0518/signalen", headers=PROTOCOL)
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.2


@pytest.mark.parametrize(
    "body", [{"modus": "kapot"}, {"modus": "traag", "vertragingS": 100}, {"modus": "fwi", "aantal": 0}]
)
def test_a_fault_is_validated(client: TestClient, sim: BronnenSimulator, body: dict[str, Any]) -> None:
    assert client.put("/simulator/bronnen/storingen/uwv", json=body).status_code == 400
    assert client.put("/simulator/bronnen/storingen/brp", json={"modus": "fwi"}).status_code == 400


def test_resetting_every_fault_clears_the_counters(client: TestClient, post: Post, sim: BronnenSimulator) -> None:
    post(UWV, {"Burgerservicenr": "999995431"})
    _storing(client, "kadaster", modus="niet-beschikbaar")
    assert client.delete("/simulator/bronnen/storingen").status_code == 204
    overzicht = client.get("/simulator/bronnen/storingen").json()
    assert all(v["modus"] is None and v["aanroepen"] == 0 for v in overzicht.values())

"""The domain layer's policy API: who may read and record policy, what a valid policy is (every wrong field
named), and bijzondere bijstand calculated under the gemeente's policy in force on the peildatum."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_shared import ActorType

from .conftest import ROTTERDAM_BIJZONDERE_BIJSTAND, FakeOpslag

PROBLEM_JSON = "application/problem+json"
BASE = "/api/v1/beleid"
BSN = "999993653"


def beheerder(context_headers: Any, gemeente: str = "0599") -> dict[str, str]:
    return context_headers(gemeente=gemeente, roles=("beheerder",), actor_id=f"medewerker-{gemeente}-b-beheerder")


def post(client: TestClient, headers: dict[str, str], inhoud: dict[str, Any], onderwerp: str = "bijzondere-bijstand"):
    return client.post(
        f"{BASE}/{onderwerp}/versies",
        json={"geldigVanaf": "2027-01-01", "toelichting": "Raadsbesluit", "inhoud": inhoud},
        headers=headers,
    )


def bijzondere_bijstand(
    gemeente: str = "0599",
    peildatum: str = "2026-03-15",
    kosten: str = "1500.00",
    inkomen: str = "1700.00",
    **huishouden: Any,
) -> dict[str, Any]:
    return {
        "huishouden": {
            "gemeente": gemeente,
            "peildatum": peildatum,
            "aanvrager": {"geboortedatum": "1985-01-01"},
            "vermogen": {"bezittingen": "0.00", "schulden": "0.00"},
            **huishouden,
        },
        "kostensoort": "bewindvoering",
        "kosten": kosten,
        "inkomenPerMaand": inkomen,
    }


# --- reading -------------------------------------------------------------------------------------------------------


def test_staff_read_their_gemeentes_policy(client: TestClient, context_headers, opslag: FakeOpslag) -> None:
    response = client.get(f"{BASE}/bijzondere-bijstand", params={"peildatum": "2026-03-15"}, headers=context_headers())
    assert response.status_code == 200, response.text
    assert response.json()["beleidId"] == "bijzondere-bijstand/0599/v1@2024-07-01"
    history = client.get(f"{BASE}/bijzondere-bijstand/versies", headers=context_headers()).json()
    assert [v["versie"] for v in history["items"]] == [1]
    assert client.get(f"{BASE}/bijzondere-bijstand/versies/1", headers=context_headers()).json()["versie"] == 1
    assert opslag.calls[0] == ("in_werking", "bijzondere-bijstand", "0599")


def test_citizens_do_not_read_policy_and_unknown_subjects_do_not_exist(
    client: TestClient, context_headers, opslag: FakeOpslag
) -> None:
    burger = context_headers(
        actor_type=ActorType.BURGER, actor_id="burger-x", roles=("burger",), gemeente=None, bsn=BSN
    )
    response = client.get(f"{BASE}/vakantiegeld", params={"peildatum": "2026-03-15"}, headers=burger)
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON
    unknown = client.get(f"{BASE}/huisbezoek", params={"peildatum": "2026-03-15"}, headers=context_headers())
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "beleidsonderwerp-onbekend"
    assert client.get(f"{BASE}/huisbezoek/versies", headers=context_headers()).status_code == 404
    assert client.get(f"{BASE}/vakantiegeld", headers=context_headers()).status_code == 400
    assert client.get(f"{BASE}/vakantiegeld").status_code == 401
    assert opslag.calls == []


def test_a_date_without_policy_is_404(client: TestClient, context_headers) -> None:
    response = client.get(f"{BASE}/bijzondere-bijstand", params={"peildatum": "2024-06-30"}, headers=context_headers())
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


# --- recording -------------------------------------------------------------------------------------------------------


def test_a_beheerder_records_a_version_in_its_normal_form(
    client: TestClient, context_headers, opslag: FakeOpslag
) -> None:
    inhoud = {
        "draagkrachtschijven": [
            {"vanafPctNorm": "0", "totPctNorm": "120", "pctMeetellen": "0"},
            {"vanafPctNorm": "120", "pctMeetellen": "40"},
        ],
        "draagkrachtperiodeMaanden": 12,
        "toegestaneKostensoorten": ["bewindvoering"],
    }
    response = post(client, beheerder(context_headers), inhoud)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{BASE}/bijzondere-bijstand/versies/2"
    assert response.json()["versie"] == 2
    sent = opslag.received[0]
    assert (sent.geldig_vanaf, sent.toelichting) == (date(2027, 1, 1), "Raadsbesluit")
    # Defaults written out, the open upper bound explicit: the store gets the whole policy.
    assert sent.inhoud["draagkrachtschijven"][1] == {"vanafPctNorm": "120", "totPctNorm": None, "pctMeetellen": "40"}
    assert sent.inhoud["wettelijkeDrempel"] is True
    assert sent.inhoud["normInclusiefVakantietoeslag"] is True


def test_only_a_beheerder_records_policy(client: TestClient, context_headers, opslag: FakeOpslag) -> None:
    for roles in (("klantmanager",), ("teamleider", "inkomensconsulent"), ("auditor",)):
        response = post(client, context_headers(roles=roles), ROTTERDAM_BIJZONDERE_BIJSTAND)
        assert response.status_code == 403, roles
        assert response.headers["content-type"] == PROBLEM_JSON
    # Refused before anything is checked or stored, whatever the body.
    assert post(client, context_headers(), {"nonsens": True}).status_code == 403
    assert opslag.calls == []


def _schijven(*schijven: tuple[str, str | None, str]) -> dict[str, Any]:
    return {
        **ROTTERDAM_BIJZONDERE_BIJSTAND,
        "draagkrachtschijven": [{"vanafPctNorm": v, "totPctNorm": t, "pctMeetellen": p} for v, t, p in schijven],
    }


@pytest.mark.parametrize(
    ("inhoud", "veld"),
    [
        (_schijven(("10", None, "35")), "inhoud.draagkrachtschijven[0].vanafPctNorm"),
        (_schijven(("0", "110", "0"), ("120", None, "50")), "inhoud.draagkrachtschijven[1].vanafPctNorm"),
        (_schijven(("0", "110", "0"), ("100", None, "50")), "inhoud.draagkrachtschijven[1].vanafPctNorm"),
        (_schijven(("0", None, "0"), ("110", None, "50")), "inhoud.draagkrachtschijven[0].totPctNorm"),
        (_schijven(("0", "110", "0"), ("110", "150", "50")), "inhoud.draagkrachtschijven[1].totPctNorm"),
        (_schijven(("0", "0", "0"), ("0", None, "50")), "inhoud.draagkrachtschijven[0].totPctNorm"),
        (_schijven(("0", None, "100.01")), "inhoud.draagkrachtschijven[0].pctMeetellen"),
        (_schijven(("0", None, "1e2")), "inhoud.draagkrachtschijven[0].pctMeetellen"),
        ({**ROTTERDAM_BIJZONDERE_BIJSTAND, "draagkrachtschijven": []}, "inhoud.draagkrachtschijven"),
        ({**ROTTERDAM_BIJZONDERE_BIJSTAND, "draagkrachtperiodeMaanden": 61}, "inhoud.draagkrachtperiodeMaanden"),
        ({**ROTTERDAM_BIJZONDERE_BIJSTAND, "draagkrachtperiodeMaanden": 0}, "inhoud.draagkrachtperiodeMaanden"),
        ({**ROTTERDAM_BIJZONDERE_BIJSTAND, "drempel": "50.00"}, "inhoud.drempel"),
        (
            {**ROTTERDAM_BIJZONDERE_BIJSTAND, "toegestaneKostensoorten": ["bewindvoering", "vakantie"]},
            "inhoud.toegestaneKostensoorten[1]",
        ),
        (
            {**ROTTERDAM_BIJZONDERE_BIJSTAND, "toegestaneKostensoorten": ["bewindvoering", "bewindvoering"]},
            "inhoud.toegestaneKostensoorten[1]",
        ),
        ({**ROTTERDAM_BIJZONDERE_BIJSTAND, "toegestaneKostensoorten": []}, "inhoud.toegestaneKostensoorten"),
        ({**ROTTERDAM_BIJZONDERE_BIJSTAND, "extra": 1}, "inhoud.extra"),
    ],
)
def test_bijzondere_bijstand_policy_that_makes_no_sense_is_400_naming_the_field(
    client: TestClient, context_headers, opslag: FakeOpslag, inhoud: dict[str, Any], veld: str
) -> None:
    response = post(client, beheerder(context_headers), inhoud)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert veld in [p["name"] for p in response.json()["invalidParams"]]
    assert opslag.received == []


def test_every_wrong_field_is_named_at_once(client: TestClient, context_headers) -> None:
    inhoud = {
        **_schijven(("5", "110", "0"), ("120", "150", "150")),
        "toegestaneKostensoorten": ["bewindvoering", "reizen"],
        "drempel": "10.00",
    }
    problem = post(client, beheerder(context_headers), inhoud).json()
    assert [p["name"] for p in problem["invalidParams"]] == [
        "inhoud.draagkrachtschijven[0].vanafPctNorm",
        "inhoud.draagkrachtschijven[1].vanafPctNorm",
        "inhoud.draagkrachtschijven[1].totPctNorm",
        "inhoud.draagkrachtschijven[1].pctMeetellen",
        "inhoud.drempel",
        "inhoud.toegestaneKostensoorten[1]",
    ]
    assert problem["code"] == "beleid-ongeldig"


@pytest.mark.parametrize(
    ("onderwerp", "inhoud", "veld"),
    [
        (
            "afstemming",
            {
                "verlagingen": [
                    {"categorie": "categorie-1", "omschrijving": "licht", "percentage": "5", "duurMaanden": 1},
                    {"categorie": "categorie-1", "omschrijving": "zwaar", "percentage": "30", "duurMaanden": 1},
                ]
            },
            "inhoud.verlagingen[1].categorie",
        ),
        (
            "afstemming",
            {"verlagingen": [{"categorie": "c", "omschrijving": "x", "percentage": "0", "duurMaanden": 1}]},
            "inhoud.verlagingen[0].percentage",
        ),
        (
            "afstemming",
            {"verlagingen": [{"categorie": "c", "omschrijving": "x", "percentage": "150", "duurMaanden": 1}]},
            "inhoud.verlagingen[0].percentage",
        ),
        (
            "afstemming",
            {"verlagingen": [{"categorie": "c", "omschrijving": "x", "percentage": "5", "duurMaanden": 0}]},
            "inhoud.verlagingen[0].duurMaanden",
        ),
        ("vakantiegeld", {"uitbetalingsmaand": 0}, "inhoud.uitbetalingsmaand"),
        ("vakantiegeld", {}, "inhoud.uitbetalingsmaand"),
        ("vierogen", {"bedragsgrensPerMaand": -1}, "inhoud.bedragsgrensPerMaand"),
    ],
)
def test_other_subjects_are_checked_too(
    client: TestClient, context_headers, onderwerp: str, inhoud: dict[str, Any], veld: str
) -> None:
    response = post(client, beheerder(context_headers), inhoud, onderwerp=onderwerp)
    assert response.status_code == 400, response.text
    assert veld in [p["name"] for p in response.json()["invalidParams"]]


def test_valid_policy_of_every_subject_is_accepted(client: TestClient, context_headers) -> None:
    headers = beheerder(context_headers)
    afstemming = {
        "verlagingen": [{"categorie": "categorie-1", "omschrijving": "x", "percentage": "12.5", "duurMaanden": 3}]
    }
    assert post(client, headers, afstemming, onderwerp="afstemming").status_code == 201
    assert post(client, headers, {"uitbetalingsmaand": 5}, onderwerp="vakantiegeld").status_code == 201
    vierogen = {"bedragsgrensPerMaand": "1000.00", "bijAfwijkingVanBerekening": False}
    assert post(client, headers, vierogen, onderwerp="vierogen").status_code == 201
    own = {**ROTTERDAM_BIJZONDERE_BIJSTAND, "wettelijkeDrempel": False, "drempel": "50.00"}
    assert post(client, headers, own).status_code == 201


# --- bijzondere bijstand under the gemeente's policy -----------------------------------------------------------------


def test_bijzondere_bijstand_follows_the_gemeentes_policy(client: TestClient, context_headers) -> None:
    rotterdam = client.post(
        "/api/v1/berekeningen/bijzondere-bijstand", json=bijzondere_bijstand("0599"), headers=context_headers()
    )
    assert rotterdam.status_code == 200, rotterdam.text
    r = rotterdam.json()
    # M = 1401.50; 110% = 1541.65; 50% x (1700.00 - 1541.65) = 79.175 -> 79.18 a month, x 12 = 950.16.
    assert (r["norm"], r["draagkrachtPerMaand"], r["draagkracht"], r["bedrag"]) == (
        "1401.50",
        "79.18",
        "950.16",
        "549.84",
    )
    assert r["toegekend"] is True
    assert r["beleidId"] == "bijzondere-bijstand/0599/v1@2024-07-01"
    assert r["beleidsversie"] == {
        "gemeente": "0599",
        "onderwerp": "bijzondere-bijstand",
        "versie": 1,
        "geldigVanaf": "2024-07-01",
        "beleidId": "bijzondere-bijstand/0599/v1@2024-07-01",
    }
    assert any("bijzondere-bijstand/0599/v1@2024-07-01" in regel["artikel"] for regel in r["toelichting"])

    den_haag = client.post(
        "/api/v1/berekeningen/bijzondere-bijstand",
        json=bijzondere_bijstand("0518"),
        headers=context_headers(gemeente="0518", actor_id="medewerker-0518-k-manager"),
    ).json()
    # 35% x (1700.00 - 1401.50) = 104.475 -> 104.48 a month, x 12 = 1253.76.
    assert (den_haag["draagkrachtPerMaand"], den_haag["draagkracht"], den_haag["bedrag"]) == (
        "104.48",
        "1253.76",
        "246.24",
    )


def test_a_later_version_applies_from_its_date(client: TestClient, context_headers, opslag: FakeOpslag) -> None:
    opslag.seed(
        "0599",
        "bijzondere-bijstand",
        {**ROTTERDAM_BIJZONDERE_BIJSTAND, "draagkrachtperiodeMaanden": 6},
        date(2026, 4, 1),
    )
    before = client.post(
        "/api/v1/berekeningen/bijzondere-bijstand",
        json=bijzondere_bijstand(peildatum="2026-03-31"),
        headers=context_headers(),
    ).json()
    after = client.post(
        "/api/v1/berekeningen/bijzondere-bijstand",
        json=bijzondere_bijstand(peildatum="2026-04-01"),
        headers=context_headers(),
    ).json()
    assert (before["beleidsversie"]["versie"], before["draagkracht"]) == (1, "950.16")
    assert (after["beleidsversie"]["versie"], after["draagkracht"]) == (2, "475.08")


def test_bijzondere_bijstand_without_policy_on_the_peildatum_is_422(client: TestClient, context_headers) -> None:
    response = client.post(
        "/api/v1/berekeningen/bijzondere-bijstand",
        json=bijzondere_bijstand("0363"),
        headers=context_headers(gemeente="0363", actor_id="medewerker-0363-k-manager"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["code"] == "beleid-onbekend-op-peildatum"


def test_bijzondere_bijstand_is_for_the_callers_own_gemeente(
    client: TestClient, context_headers, opslag: FakeOpslag
) -> None:
    amsterdam = context_headers(gemeente="0363", actor_id="medewerker-0363-k-manager")
    response = client.post(
        "/api/v1/berekeningen/bijzondere-bijstand", json=bijzondere_bijstand("0599"), headers=amsterdam
    )
    assert response.status_code == 403
    burger = context_headers(
        actor_type=ActorType.BURGER, actor_id="burger-x", roles=("burger",), gemeente=None, bsn=BSN
    )
    assert (
        client.post("/api/v1/berekeningen/bijzondere-bijstand", json=bijzondere_bijstand(), headers=burger).status_code
        == 403
    )
    assert opslag.calls == []


def test_bijzondere_bijstand_input_errors_name_the_field(client: TestClient, context_headers) -> None:
    future = bijzondere_bijstand(aanvrager={"geboortedatum": "2027-01-01"})
    response = client.post("/api/v1/berekeningen/bijzondere-bijstand", json=future, headers=context_headers())
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["huishouden.aanvrager.geboortedatum"]
    no_assets = bijzondere_bijstand()
    del no_assets["huishouden"]["vermogen"]
    response = client.post("/api/v1/berekeningen/bijzondere-bijstand", json=no_assets, headers=context_headers())
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["huishouden.vermogen"]
    response = client.post(
        "/api/v1/berekeningen/bijzondere-bijstand",
        json={**bijzondere_bijstand(), "kosten": "12,50"},
        headers=context_headers(),
    )
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["kosten"]


def test_the_openapi_documents_the_policy_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/v1/beleid/{onderwerp}",
        "/api/v1/beleid/{onderwerp}/versies",
        "/api/v1/beleid/{onderwerp}/versies/{versie}",
        "/api/v1/berekeningen/bijzondere-bijstand",
    } <= set(paths)
    assert {"201", "400", "403", "409"} <= set(paths["/api/v1/beleid/{onderwerp}/versies"]["post"]["responses"])

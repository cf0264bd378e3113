"""Local policy per gemeente over HTTP: effective-dated, append-only versions; the version in force on a peildatum;
who may record one; form checks naming the field; the date rules; the audit record; tenant isolation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_data.seed import GEMEENTEN
from gbi_shared import ActorType

BASE = "/internal/data/v1/beleid"
PROBLEM_JSON = "application/problem+json"
VANDAAG = date(2026, 3, 1)
ROTTERDAM_SCHIJVEN = [
    {"vanafPctNorm": "0", "totPctNorm": "110", "pctMeetellen": "0"},
    {"vanafPctNorm": "110", "totPctNorm": "150", "pctMeetellen": "50"},
    {"vanafPctNorm": "150", "totPctNorm": None, "pctMeetellen": "100"},
]
NIEUW_BELEID = {
    "draagkrachtschijven": [
        {"vanafPctNorm": "0", "totPctNorm": "120", "pctMeetellen": "0"},
        {"vanafPctNorm": "120", "totPctNorm": None, "pctMeetellen": "40"},
    ],
    "draagkrachtperiodeMaanden": 12,
    "wettelijkeDrempel": True,
    "toegestaneKostensoorten": ["bewindvoering", "woninginrichting"],
}


@pytest.fixture
def beleid_client(client: TestClient) -> TestClient:
    """The client, with the data service's clock fixed at VANDAAG."""
    client.app.state.data_service.vandaag = lambda: VANDAAG  # type: ignore[attr-defined]
    return client


def beheerder(context_headers: Any, gemeente: str = "0599", actor_id: str = "medewerker-0599-b-beheerder") -> Any:
    return context_headers(gemeente=gemeente, roles=("beheerder",), actor_id=actor_id, via="gbi-domain")


def post(
    client: TestClient,
    headers: dict[str, str],
    *,
    onderwerp: str = "bijzondere-bijstand",
    geldig_vanaf: str = "2026-04-01",
    inhoud: dict[str, Any] | None = None,
    toelichting: str = "Raadsbesluit 2026-12 (verhoging van de vrije ruimte naar 120%)",
) -> Any:
    body = {
        "geldigVanaf": geldig_vanaf,
        "toelichting": toelichting,
        "inhoud": NIEUW_BELEID if inhoud is None else inhoud,
    }
    return client.post(f"{BASE}/{onderwerp}/versies", json=body, headers=headers)


def in_werking(
    client: TestClient, headers: dict[str, str], peildatum: str, onderwerp: str = "bijzondere-bijstand"
) -> Any:
    return client.get(f"{BASE}/{onderwerp}", params={"peildatum": peildatum}, headers=headers)


# --- reading -------------------------------------------------------------------------------------------------------


def test_rotterdam_and_the_hague_are_seeded_with_their_own_policy(beleid_client: TestClient, context_headers) -> None:
    rotterdam = in_werking(beleid_client, context_headers(gemeente="0599"), "2026-03-15")
    assert rotterdam.status_code == 200, rotterdam.text
    body = rotterdam.json()
    assert (body["gemeente"], body["onderwerp"], body["versie"]) == ("0599", "bijzondere-bijstand", 1)
    assert body["geldigVanaf"] == "2024-07-01"
    assert body["geldigTot"] is None
    assert body["beleidId"] == "bijzondere-bijstand/0599/v1@2024-07-01"
    assert body["aangemaaktDoor"] == "seed"
    assert "Rotterdam" in body["toelichting"]
    assert body["inhoud"]["draagkrachtschijven"] == ROTTERDAM_SCHIJVEN
    assert body["inhoud"]["draagkrachtperiodeMaanden"] == 12
    assert body["inhoud"]["wettelijkeDrempel"] is True

    den_haag = in_werking(beleid_client, context_headers(gemeente="0518"), "2026-03-15").json()
    assert den_haag["inhoud"]["draagkrachtschijven"] == [
        {"vanafPctNorm": "0", "totPctNorm": "100", "pctMeetellen": "0"},
        {"vanafPctNorm": "100", "totPctNorm": None, "pctMeetellen": "35"},
    ]
    assert "Hardenberg" in den_haag["toelichting"]


def test_every_gemeente_has_every_subject(beleid_client: TestClient, context_headers) -> None:
    for code, _ in GEMEENTEN:
        headers = context_headers(gemeente=code)
        for onderwerp in ("bijzondere-bijstand", "afstemming", "vakantiegeld", "vierogen"):
            response = in_werking(beleid_client, headers, "2026-03-15", onderwerp)
            assert response.status_code == 200, (code, onderwerp, response.text)
            assert response.json()["gemeente"] == code
    amsterdam = context_headers(gemeente="0363")
    assert in_werking(beleid_client, amsterdam, "2026-03-15", "vakantiegeld").json()["inhoud"] == {
        "uitbetalingsmaand": 6
    }
    vierogen = in_werking(beleid_client, amsterdam, "2026-03-15", "vierogen").json()
    assert vierogen["inhoud"] == {"bedragsgrensPerMaand": "2500.00", "bijAfwijkingVanBerekening": True}
    assert vierogen["toelichting"].startswith("GBI-standaard, bij de gemeente te bevestigen")
    afstemming = in_werking(beleid_client, amsterdam, "2026-03-15", "afstemming").json()["inhoud"]["verlagingen"]
    assert [(v["categorie"], v["percentage"], v["duurMaanden"]) for v in afstemming] == [
        ("categorie-1", "5", 1),
        ("categorie-2", "30", 2),
        ("categorie-3", "100", 3),
    ]


def test_a_peildatum_before_the_first_version_is_404_saying_so(beleid_client: TestClient, context_headers) -> None:
    response = in_werking(beleid_client, context_headers(gemeente="0599"), "2024-06-30")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["code"] == "beleid-niet-in-werking"
    assert "2024-06-30" in problem["detail"]
    assert "de eerste versie geldt vanaf 2024-07-01" in problem["detail"]


def test_unknown_subject_is_404_and_a_missing_peildatum_400(beleid_client: TestClient, context_headers) -> None:
    headers = context_headers()
    unknown = in_werking(beleid_client, headers, "2026-03-15", "huisbezoek")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "beleidsonderwerp-onbekend"
    assert beleid_client.get(f"{BASE}/huisbezoek/versies", headers=headers).status_code == 404
    missing = beleid_client.get(f"{BASE}/bijzondere-bijstand", headers=headers)
    assert missing.status_code == 400
    assert [p["name"] for p in missing.json()["invalidParams"]] == ["peildatum"]
    assert beleid_client.get(f"{BASE}/bijzondere-bijstand/versies/7", headers=headers).status_code == 404


# --- recording a version ---------------------------------------------------------------------------------------------


def test_a_beheerder_records_a_version_that_applies_from_its_date(beleid_client: TestClient, context_headers) -> None:
    response = post(beleid_client, beheerder(context_headers))
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"{BASE}/bijzondere-bijstand/versies/2"
    assert (created["versie"], created["geldigVanaf"], created["geldigTot"]) == (2, "2026-04-01", None)
    assert created["aangemaaktDoor"] == "medewerker-0599-b-beheerder"
    assert created["toelichting"].startswith("Raadsbesluit 2026-12")
    assert created["beleidId"] == "bijzondere-bijstand/0599/v2@2026-04-01"
    # Stored in its normal form: defaults written out, nulls kept.
    assert created["inhoud"]["draagkrachtschijven"][1]["totPctNorm"] is None
    assert created["inhoud"]["normInclusiefVakantietoeslag"] is True
    assert created["inhoud"]["drempel"] is None

    reader = context_headers(gemeente="0599")
    before = in_werking(beleid_client, reader, "2026-03-31").json()
    assert (before["versie"], before["geldigTot"]) == (1, "2026-04-01")
    assert before["inhoud"]["draagkrachtschijven"] == ROTTERDAM_SCHIJVEN
    assert in_werking(beleid_client, reader, "2026-04-01").json()["versie"] == 2
    assert in_werking(beleid_client, reader, "2030-01-01").json()["versie"] == 2

    history = beleid_client.get(f"{BASE}/bijzondere-bijstand/versies", headers=reader).json()["items"]
    assert [(v["versie"], v["aangemaaktDoor"], v["geldigVanaf"], v["geldigTot"]) for v in history] == [
        (1, "seed", "2024-07-01", "2026-04-01"),
        (2, "medewerker-0599-b-beheerder", "2026-04-01", None),
    ]
    one = beleid_client.get(f"{BASE}/bijzondere-bijstand/versies/1", headers=reader).json()
    assert one == history[0]


def test_only_a_beheerder_records_policy(beleid_client: TestClient, context_headers) -> None:
    for headers in (
        context_headers(gemeente="0599", roles=("klantmanager",)),
        context_headers(gemeente="0599", roles=("teamleider", "auditor")),
        context_headers(gemeente="0599", actor_type=ActorType.SERVICE, actor_id="gbi-process", roles=("gbi-service",)),
    ):
        response = post(beleid_client, headers)
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == PROBLEM_JSON
    history = beleid_client.get(f"{BASE}/bijzondere-bijstand/versies", headers=context_headers(gemeente="0599"))
    assert [v["versie"] for v in history.json()["items"]] == [1]


@pytest.mark.parametrize(
    ("onderwerp", "inhoud", "veld"),
    [
        ("bijzondere-bijstand", {**NIEUW_BELEID, "draagkrachtperiodeMaanden": 0}, "inhoud.draagkrachtperiodeMaanden"),
        (
            "bijzondere-bijstand",
            {**NIEUW_BELEID, "draagkrachtschijven": [{"vanafPctNorm": "0", "pctMeetellen": "veel"}]},
            "inhoud.draagkrachtschijven[0].pctMeetellen",
        ),
        ("bijzondere-bijstand", {**NIEUW_BELEID, "onbekendVeld": 1}, "inhoud.onbekendVeld"),
        (
            "bijzondere-bijstand",
            {k: v for k, v in NIEUW_BELEID.items() if k != "toegestaneKostensoorten"},
            "inhoud.toegestaneKostensoorten",
        ),
        ("vakantiegeld", {"uitbetalingsmaand": 13}, "inhoud.uitbetalingsmaand"),
        ("vierogen", {"bedragsgrensPerMaand": "2500"}, "inhoud.bedragsgrensPerMaand"),
        (
            "afstemming",
            {"verlagingen": [{"categorie": "Cat 1", "omschrijving": "x", "percentage": "5", "duurMaanden": 1}]},
            "inhoud.verlagingen[0].categorie",
        ),
    ],
)
def test_content_of_the_wrong_form_is_400_naming_the_field(
    beleid_client: TestClient, context_headers, onderwerp: str, inhoud: dict[str, Any], veld: str
) -> None:
    response = post(beleid_client, beheerder(context_headers), onderwerp=onderwerp, inhoud=inhoud)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert veld in [p["name"] for p in response.json()["invalidParams"]]


def test_the_body_is_checked_too(beleid_client: TestClient, context_headers) -> None:
    headers = beheerder(context_headers)
    empty = beleid_client.post(
        f"{BASE}/bijzondere-bijstand/versies",
        json={"geldigVanaf": "2026-04-01", "toelichting": "", "inhoud": NIEUW_BELEID},
        headers=headers,
    )
    assert empty.status_code == 400
    assert [p["name"] for p in empty.json()["invalidParams"]] == ["toelichting"]
    wrong = beleid_client.post(f"{BASE}/bijzondere-bijstand/versies", json={"inhoud": []}, headers=headers)
    assert wrong.status_code == 400
    assert {p["name"] for p in wrong.json()["invalidParams"]} == {"geldigVanaf", "toelichting", "inhoud"}
    assert post(beleid_client, headers, onderwerp="huisbezoek").status_code == 404


def test_geldig_vanaf_not_in_the_past(beleid_client: TestClient, context_headers) -> None:
    response = post(beleid_client, beheerder(context_headers), geldig_vanaf="2026-02-28")
    assert response.status_code == 400
    problem = response.json()
    assert [p["name"] for p in problem["invalidParams"]] == ["geldigVanaf"]
    assert "2026-03-01" in problem["invalidParams"][0]["reason"]
    # Today itself is fine.
    assert post(beleid_client, beheerder(context_headers), geldig_vanaf="2026-03-01").status_code == 201


def test_geldig_vanaf_not_before_the_latest_version(beleid_client: TestClient, context_headers) -> None:
    headers = beheerder(context_headers)
    assert post(beleid_client, headers, geldig_vanaf="2026-06-01").status_code == 201
    earlier = post(beleid_client, headers, geldig_vanaf="2026-05-01")
    assert earlier.status_code == 409
    assert earlier.headers["content-type"] == PROBLEM_JSON
    assert [p["name"] for p in earlier.json()["invalidParams"]] == ["geldigVanaf"]
    assert "2026-06-01" in earlier.json()["detail"]


def test_a_planned_version_can_be_replaced_on_the_same_date(beleid_client: TestClient, context_headers) -> None:
    headers = beheerder(context_headers)
    assert post(beleid_client, headers, geldig_vanaf="2026-06-01").status_code == 201
    correction = {**NIEUW_BELEID, "draagkrachtperiodeMaanden": 24}
    response = post(beleid_client, headers, geldig_vanaf="2026-06-01", inhoud=correction, toelichting="Correctie")
    assert response.status_code == 201, response.text
    assert response.json()["versie"] == 3
    reader = context_headers(gemeente="0599")
    now = in_werking(beleid_client, reader, "2026-06-01").json()
    assert (now["versie"], now["inhoud"]["draagkrachtperiodeMaanden"]) == (3, 24)
    history = beleid_client.get(f"{BASE}/bijzondere-bijstand/versies", headers=reader).json()["items"]
    # Version 2 never applied: its period is empty.
    assert [(v["versie"], v["geldigVanaf"], v["geldigTot"]) for v in history] == [
        (1, "2024-07-01", "2026-06-01"),
        (2, "2026-06-01", "2026-06-01"),
        (3, "2026-06-01", None),
    ]


def test_a_version_in_force_is_never_replaced_on_its_own_date(beleid_client: TestClient, context_headers) -> None:
    headers = beheerder(context_headers)
    assert post(beleid_client, headers, geldig_vanaf="2026-03-01").status_code == 201
    again = post(beleid_client, headers, geldig_vanaf="2026-03-01")
    assert again.status_code == 409
    assert "geldt al sinds 2026-03-01" in again.json()["detail"]
    assert post(beleid_client, headers, geldig_vanaf="2026-03-02").status_code == 201


def test_versions_cannot_be_changed_or_deleted(beleid_client: TestClient, context_headers) -> None:
    headers = beheerder(context_headers)
    for method in ("PUT", "PATCH", "DELETE"):
        response = beleid_client.request(method, f"{BASE}/bijzondere-bijstand/versies/1", headers=headers)
        assert response.status_code == 405, method


# --- audit and tenants -----------------------------------------------------------------------------------------------


def test_recording_a_version_is_audited_in_the_same_transaction(beleid_client: TestClient, context_headers) -> None:
    headers = beheerder(context_headers)
    assert post(beleid_client, headers).status_code == 201
    assert post(beleid_client, headers, inhoud={"x": 1}).status_code == 400  # refused: no record
    auditor = context_headers(gemeente="0599", roles=("auditor",))
    log = beleid_client.get(
        "/internal/data/v1/audit", params={"operation": "beleid.bijzondere-bijstand.vastleggen"}, headers=auditor
    ).json()["items"]
    assert len(log) == 1
    record = log[0]
    assert (record["gemeente"], record["actor"], record["actorType"]) == (
        "0599",
        "medewerker-0599-b-beheerder",
        "medewerker",
    )
    assert (record["processingActivity"], record["outcome"], record["dataSubjectId"]) == ("gbi.beleid", "created", None)
    assert beleid_client.get("/internal/data/v1/audit/verify", headers=auditor).json()["valid"] is True
    # Reading policy is no processing of personal data: not logged.
    in_werking(beleid_client, context_headers(gemeente="0599"), "2026-03-15")
    assert len(beleid_client.get("/internal/data/v1/audit", headers=auditor).json()["items"]) == 1


def test_another_gemeentes_policy_is_never_visible(beleid_client: TestClient, context_headers) -> None:
    assert post(beleid_client, beheerder(context_headers)).status_code == 201
    amsterdam = beheerder(context_headers, gemeente="0363", actor_id="medewerker-0363-a-beheerder")
    history = beleid_client.get(f"{BASE}/bijzondere-bijstand/versies", headers=amsterdam).json()["items"]
    assert [(v["gemeente"], v["versie"]) for v in history] == [("0363", 1)]
    assert in_werking(beleid_client, amsterdam, "2026-05-01").json()["gemeente"] == "0363"
    assert in_werking(beleid_client, amsterdam, "2026-05-01").json()["versie"] == 1
    # Rotterdam's version 2 answers Amsterdam exactly like a version that does not exist.
    hidden = beleid_client.get(f"{BASE}/bijzondere-bijstand/versies/2", headers=amsterdam)
    assert hidden.status_code == 404
    # Amsterdam's own change is Amsterdam's: Rotterdam's history does not move.
    assert post(beleid_client, amsterdam, geldig_vanaf="2026-09-01").json()["gemeente"] == "0363"
    rotterdam = beleid_client.get(f"{BASE}/bijzondere-bijstand/versies", headers=context_headers(gemeente="0599"))
    assert [(v["gemeente"], v["versie"]) for v in rotterdam.json()["items"]] == [("0599", 1), ("0599", 2)]


def test_policy_needs_a_context_with_a_gemeente(beleid_client: TestClient, context_headers) -> None:
    assert beleid_client.get(f"{BASE}/bijzondere-bijstand", params={"peildatum": "2026-03-15"}).status_code == 401
    assert beleid_client.get(f"{BASE}/bijzondere-bijstand/versies").status_code == 401
    no_gemeente = context_headers(gemeente=None, roles=("beheerder",))
    assert in_werking(beleid_client, no_gemeente, "2026-03-15").status_code == 403
    assert post(beleid_client, no_gemeente).status_code == 403
    assert in_werking(beleid_client, context_headers(gemeente="9999"), "2026-03-15").status_code == 403

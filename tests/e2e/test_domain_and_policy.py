"""The domain layer and local policy on the real suite, through the gateway, with real tokens: norms, household
calculations (single and batch), bijzondere bijstand under each gemeente's own policy, and a beheerder changing
that policy (effective-dated, audited, tenant-isolated).

Hand calculations are in the comments; amounts come from ../shared/domain/normbedragen.csv (M 2026-01-01 1401.50,
MM 2026-01-01 2002.13) and overige-bedragen.csv (vrijlating n: 25%, at most 285.00 a month in 2026-H1).
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .conftest import Http

pytestmark = pytest.mark.e2e

PROBLEM_JSON = "application/problem+json"
GEMEENTEN = ("0363", "0518", "0599", "0344", "0772", "0855", "0014", "0268", "0153", "0796", "0193", "0114", "0995")


def _problem(response: tuple[int, dict[str, str], Any], expected: int) -> dict[str, Any]:
    status, headers, body = response
    assert status == expected, body
    assert headers["content-type"].startswith(PROBLEM_JSON)
    assert body["status"] == expected
    assert "Traceback" not in str(body)
    return dict(body)


def _medewerker(idp: Any, gemeente: str, roles: str, name: str) -> str:
    return str(idp(actor_type="medewerker", gemeente=gemeente, roles=roles, name=name))


def _huishouden_met_kostendelers(peildatum: str = "2026-03-15") -> dict[str, Any]:
    """Single claimant (45) with a brother (35) and a grown-up child (30): three kostendelers in all (A = 3),
    a benefit of 300.00 and wages of 400.00 in the third month of the vrijlating."""
    return {
        "gemeente": "0363",
        "peildatum": peildatum,
        "aanvrager": {"geboortedatum": "1980-05-01"},
        "medebewoners": [
            {"geboortedatum": "1990-06-01", "relatie": "broer-zus"},
            {"geboortedatum": "1996-01-01", "relatie": "kind"},
        ],
        "inkomsten": [
            {"persoon": "aanvrager", "soort": "uitkering", "nettoPerMaand": "300.00"},
            {
                "persoon": "aanvrager",
                "soort": "arbeid",
                "nettoPerMaand": "400.00",
                "vrijlatingStartdatum": "2026-01-01",
            },
        ],
        "vermogen": {"bezittingen": "1000.00", "schulden": "0.00"},
    }


def _bijzondere_bijstand(gemeente: str, peildatum: str = "2026-03-15") -> dict[str, Any]:
    """A single claimant (41) with 1700.00 net a month and 1500.00 of bewindvoering costs, no assets."""
    return {
        "huishouden": {
            "gemeente": gemeente,
            "peildatum": peildatum,
            "aanvrager": {"geboortedatum": "1985-01-01"},
            "vermogen": {"bezittingen": "0.00", "schulden": "0.00"},
        },
        "kostensoort": "bewindvoering",
        "kosten": "1500.00",
        "inkomenPerMaand": "1700.00",
    }


# --- norms -----------------------------------------------------------------------------------------------------------


def test_norm_lookup(gateway: Http, idp: Any) -> None:
    token = _medewerker(idp, "0363", "klantmanager", "K. Manager")
    status, headers, body = gateway.call("GET", "/api/v1/normen/M?peildatum=2026-03-15", token=token)
    assert status == 200, body
    assert headers["api-version"] == "1.0.0"
    assert (body["categorie"], body["bedrag"], body["peildatum"]) == ("M", "1401.50", "2026-03-15")
    assert (body["geldigVanaf"], body["geldigTot"]) == ("2026-01-01", "2026-07-01")
    assert body["artikel"] == "Pw 21 a"

    unknown = _problem(gateway.call("GET", "/api/v1/normen/XYZ?peildatum=2026-03-15", token=token), 404)
    assert "XYZ" in unknown["detail"]
    _problem(gateway.call("GET", "/api/v1/normen/M?peildatum=2031-01-01", token=token), 404)
    _problem(gateway.call("GET", "/api/v1/normen/M?peildatum=2024-01-01", token=token), 404)
    bad_date = _problem(gateway.call("GET", "/api/v1/normen/M?peildatum=15-03-2026", token=token), 400)
    assert [p["name"] for p in bad_date["invalidParams"]] == ["peildatum"]


# --- household calculations ------------------------------------------------------------------------------------------


def test_calculation_of_a_household_with_kostendelers_and_income(gateway: Http, idp: Any) -> None:
    token = _medewerker(idp, "0363", "inkomensconsulent", "I. Consulent")
    status, _, body = gateway.call("POST", "/api/v1/berekeningen", token=token, body=_huishouden_met_kostendelers())
    assert status == 200, body
    assert (body["recht"], body["leefvorm"], body["normcategorie"], body["aantalKostendelers"]) == (
        True,
        "alleenstaande",
        "KD",
        3,
    )
    # Kostendelersnorm (Pw 22a): (40 + 30 x 3) / (100 x 3) x 2002.13 = 867.5897 -> 867.59.
    assert body["norm"] == "867.59"
    # Income: 300.00 + 400.00 - vrijlating n 25% x 400.00 = 100.00 (under the 285.00 maximum) = 600.00.
    assert body["inTeKortenInkomen"] == "600.00"
    # Bijstand: 867.59 - 600.00 = 267.59; vakantietoeslag reserved: 5% x 267.59 = 13.3795 -> 13.38; paid 254.21.
    assert body["bijstandInclusiefVakantietoeslag"] == "267.59"
    assert body["vakantietoeslagReservering"] == "13.38"
    assert body["bedragPerMaand"] == "254.21"
    lines = {line["stap"]: line for line in body["toelichting"]}
    assert lines["kostendelersnorm"]["artikel"] == "Pw 22a lid 1"
    assert lines["kostendelersnorm"]["parameterversie"] == "MM@2026-01-01"
    assert lines["vrijlating-n"]["bedrag"] == "100.00"


def test_same_request_same_answer_and_undecidable_input_names_the_field(gateway: Http, idp: Any) -> None:
    token = _medewerker(idp, "0363", "inkomensconsulent", "I. Consulent")
    answers = [
        gateway.call("POST", "/api/v1/berekeningen", token=token, body=_huishouden_met_kostendelers())[2]
        for _ in range(2)
    ]
    assert answers[0] == answers[1]
    missing = _huishouden_met_kostendelers()
    del missing["medebewoners"][0]["geboortedatum"]
    body = _problem(gateway.call("POST", "/api/v1/berekeningen", token=token, body=missing), 400)
    assert [p["name"] for p in body["invalidParams"]] == ["medebewoners.0.geboortedatum"]
    judgement = {**_huishouden_met_kostendelers(), "partner": {"geboortedatum": "1980-01-01", "gedetineerd": True}}
    body = _problem(gateway.call("POST", "/api/v1/berekeningen", token=token, body=judgement), 422)
    assert (body["code"], [p["name"] for p in body["invalidParams"]]) == (
        "niet-automatisch-beslisbaar",
        ["partner.gedetineerd"],
    )


def test_voorschot_is_95_percent_of_the_expected_payment_from_2026(gateway: Http, idp: Any) -> None:
    token = _medewerker(idp, "0363", "inkomensconsulent", "I. Consulent")
    status, _, body = gateway.call(
        "POST", "/api/v1/berekeningen/voorschotten", token=token, body=_huishouden_met_kostendelers()
    )
    assert status == 200, body
    # Expected payment 254.21 (see above); 95% = 241.4995 -> rounded up to 241.50 (Pw 52 lid 2, 2026).
    assert (body["percentage"], body["grondslag"], body["bedrag"]) == ("95", "254.21", "241.50")
    assert body["toelichting"][0]["parameterversie"] == "VOORSCHOT_MIN_PCT@2026-01-01"
    status, _, body = gateway.call(
        "POST", "/api/v1/berekeningen/voorschotten", token=token, body=_huishouden_met_kostendelers("2025-12-15")
    )
    assert status == 200, body
    assert body["percentage"] == "90"


def test_a_batch_of_a_hundred_households_with_one_invalid(gateway: Http, idp: Any) -> None:
    token = _medewerker(idp, "0363", "inkomensconsulent", "I. Consulent")
    huishoudens = []
    for i in range(100):
        h = _huishouden_met_kostendelers()
        h["inkomsten"] = [{"persoon": "aanvrager", "soort": "uitkering", "nettoPerMaand": f"{i}.00"}]
        huishoudens.append(h)
    invalid = 57
    huishoudens[invalid] = copy.deepcopy(huishoudens[invalid])
    huishoudens[invalid]["aanvrager"]["geboortedatum"] = "2027-01-01"  # born after the peildatum
    status, _, body = gateway.call("POST", "/api/v1/berekeningen:batch", token=token, body={"huishoudens": huishoudens})
    assert status == 200, body
    assert (body["aantal"], body["aantalFouten"]) == (100, 1)
    resultaten = body["resultaten"]
    assert [r["index"] for r in resultaten] == list(range(100))
    fout = resultaten[invalid]
    assert fout["berekening"] is None
    assert fout["fout"]["status"] == 400
    assert [p["name"] for p in fout["fout"]["invalidParams"]] == [f"huishoudens[{invalid}].aanvrager.geboortedatum"]
    for i, r in enumerate(resultaten):
        if i == invalid:
            continue
        assert r["fout"] is None
        # 867.59 - i.00 of benefit income.
        cents = 86759 - i * 100
        assert r["berekening"]["bijstandInclusiefVakantietoeslag"] == f"{cents // 100}.{cents % 100:02d}"


# --- bijzondere bijstand under each gemeente's policy ----------------------------------------------------------------


def test_bijzondere_bijstand_differs_between_rotterdam_and_the_hague(gateway: Http, idp: Any) -> None:
    rotterdam_token = _medewerker(idp, "0599", "klantmanager", "R. Klantmanager")
    status, _, rotterdam = gateway.call(
        "POST", "/api/v1/berekeningen/bijzondere-bijstand", token=rotterdam_token, body=_bijzondere_bijstand("0599")
    )
    assert status == 200, rotterdam
    # Rotterdam: 0% up to 110% of 1401.50 = 1541.65; 50% x (1700.00 - 1541.65) = 79.175 -> 79.18 a month;
    # x 12 months = 950.16; granted 1500.00 - 950.16 = 549.84.
    assert (rotterdam["norm"], rotterdam["draagkrachtPerMaand"], rotterdam["draagkracht"]) == (
        "1401.50",
        "79.18",
        "950.16",
    )
    assert (rotterdam["toegekend"], rotterdam["bedrag"]) == (True, "549.84")
    assert rotterdam["beleidsversie"]["gemeente"] == "0599"
    assert rotterdam["beleidsversie"]["versie"] == 1
    assert rotterdam["beleidId"] == "bijzondere-bijstand/0599/v1@2024-07-01"
    assert any(rotterdam["beleidId"] in line["artikel"] for line in rotterdam["toelichting"])

    den_haag_token = _medewerker(idp, "0518", "klantmanager", "D. Klantmanager")
    status, _, den_haag = gateway.call(
        "POST", "/api/v1/berekeningen/bijzondere-bijstand", token=den_haag_token, body=_bijzondere_bijstand("0518")
    )
    assert status == 200, den_haag
    # 's-Gravenhage: 35% of all income above 100% of the norm: 35% x (1700.00 - 1401.50) = 104.475 -> 104.48;
    # x 12 = 1253.76; granted 1500.00 - 1253.76 = 246.24.
    assert (den_haag["draagkrachtPerMaand"], den_haag["draagkracht"], den_haag["bedrag"]) == (
        "104.48",
        "1253.76",
        "246.24",
    )
    assert den_haag["beleidId"] == "bijzondere-bijstand/0518/v1@2024-07-01"


def test_every_gemeente_can_calculate_bijzondere_bijstand(gateway: Http, idp: Any) -> None:
    for gemeente in GEMEENTEN:
        token = _medewerker(idp, gemeente, "klantmanager", "K. Manager")
        status, _, body = gateway.call(
            "POST", "/api/v1/berekeningen/bijzondere-bijstand", token=token, body=_bijzondere_bijstand(gemeente)
        )
        assert status == 200, (gemeente, body)
        assert body["beleidsversie"]["gemeente"] == gemeente
        assert body["toegekend"] is True


def test_staff_calculate_only_for_their_own_gemeente(gateway: Http, idp: Any) -> None:
    amsterdam = _medewerker(idp, "0363", "klantmanager", "A. Klantmanager")
    _problem(
        gateway.call(
            "POST", "/api/v1/berekeningen/bijzondere-bijstand", token=amsterdam, body=_bijzondere_bijstand("0599")
        ),
        403,
    )
    burger = idp(actor_type="burger", bsn="999995431")
    _problem(gateway.call("GET", "/api/v1/beleid/vakantiegeld?peildatum=2026-03-15", token=burger), 403)


# --- a beheerder changes the policy ---------------------------------------------------------------------------------


def test_policy_is_read_per_gemeente_and_dated(gateway: Http, idp: Any) -> None:
    token = _medewerker(idp, "0599", "klantmanager", "R. Klantmanager")
    status, _, body = gateway.call("GET", "/api/v1/beleid/vakantiegeld?peildatum=2026-03-15", token=token)
    assert status == 200, body
    assert (body["gemeente"], body["inhoud"], body["aangemaaktDoor"]) == ("0599", {"uitbetalingsmaand": 6}, "seed")
    before = _problem(gateway.call("GET", "/api/v1/beleid/vakantiegeld?peildatum=2024-01-01", token=token), 404)
    assert "de eerste versie geldt vanaf 2024-07-01" in before["detail"]
    _problem(gateway.call("GET", "/api/v1/beleid/huisbezoek?peildatum=2026-03-15", token=token), 404)


def test_a_beheerder_changes_policy_from_a_future_date(gateway: Http, idp: Any) -> None:
    vandaag = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    morgen = vandaag + timedelta(days=1)
    beheerder = _medewerker(idp, "0599", "beheerder", "B. Beheerder")
    klantmanager = _medewerker(idp, "0599", "klantmanager", "R. Klantmanager")
    nieuw = {
        "geldigVanaf": morgen.isoformat(),
        "toelichting": "Collegebesluit: geen draagkracht tot 150% van de norm",
        "inhoud": {
            "draagkrachtschijven": [
                {"vanafPctNorm": "0", "totPctNorm": "150", "pctMeetellen": "0"},
                {"vanafPctNorm": "150", "totPctNorm": None, "pctMeetellen": "100"},
            ],
            "draagkrachtperiodeMaanden": 12,
            "toegestaneKostensoorten": ["bewindvoering", "woninginrichting"],
        },
    }
    path = "/api/v1/beleid/bijzondere-bijstand/versies"

    # A klantmanager may read but not change policy; nonsense is refused naming the field.
    _problem(gateway.call("POST", path, token=klantmanager, body=nieuw), 403)
    gap = copy.deepcopy(nieuw)
    gap["inhoud"]["draagkrachtschijven"][1]["vanafPctNorm"] = "160"
    invalid = _problem(gateway.call("POST", path, token=beheerder, body=gap), 400)
    assert [p["name"] for p in invalid["invalidParams"]] == ["inhoud.draagkrachtschijven[1].vanafPctNorm"]
    past = _problem(gateway.call("POST", path, token=beheerder, body={**nieuw, "geldigVanaf": "2026-01-01"}), 400)
    assert [p["name"] for p in past["invalidParams"]] == ["geldigVanaf"]

    status, headers, created = gateway.call("POST", path, token=beheerder, body=nieuw)
    assert status == 201, created
    assert headers["location"] == f"{path}/2"
    assert (created["gemeente"], created["versie"], created["geldigVanaf"]) == ("0599", 2, morgen.isoformat())
    assert created["aangemaaktDoor"] == "medewerker-0599-b-beheerder"

    # Everyone at the gemeente sees who changed what, when and why.
    status, _, history = gateway.call("GET", path, token=klantmanager)
    assert status == 200, history
    assert [(v["versie"], v["aangemaaktDoor"], v["geldigVanaf"], v["geldigTot"]) for v in history["items"]] == [
        (1, "seed", "2024-07-01", morgen.isoformat()),
        (2, "medewerker-0599-b-beheerder", morgen.isoformat(), None),
    ]
    assert history["items"][1]["toelichting"] == nieuw["toelichting"]
    recorded = datetime.fromisoformat(history["items"][1]["aangemaaktOp"].replace("Z", "+00:00"))
    assert abs((datetime.now(ZoneInfo("UTC")) - recorded).total_seconds()) < 300

    # In force from its date, not before.
    for peildatum, versie in ((vandaag, 1), (morgen, 2)):
        status, _, body = gateway.call(
            "GET", f"/api/v1/beleid/bijzondere-bijstand?peildatum={peildatum.isoformat()}", token=klantmanager
        )
        assert (status, body["versie"]) == (200, versie), body

    # Another gemeente's beheerder neither sees nor changes Rotterdam's policy (a GBI-Gemeente header is stripped).
    amsterdam = _medewerker(idp, "0363", "beheerder", "A. Beheerder")
    status, _, theirs = gateway.call("GET", path, token=amsterdam, headers={"GBI-Gemeente": "0599"})
    assert status == 200, theirs
    assert [(v["gemeente"], v["versie"], v["aangemaaktDoor"]) for v in theirs["items"]] == [("0363", 1, "seed")]
    _problem(gateway.call("GET", f"{path}/2", token=amsterdam), 404)
    status, _, own = gateway.call("POST", path, token=amsterdam, body=nieuw, headers={"GBI-Gemeente": "0599"})
    assert (status, own["gemeente"]) == (201, "0363"), own
    status, _, rotterdam_history = gateway.call("GET", path, token=klantmanager)
    assert [v["versie"] for v in rotterdam_history["items"]] == [1, 2]

    # The calculation follows the policy of the peildatum (while the law tables cover tomorrow: until 2027-01-01).
    status, _, _ = gateway.call("GET", f"/api/v1/normen/M?peildatum={morgen.isoformat()}", token=klantmanager)
    if status == 404:
        pytest.skip(f"the law tables of the domain layer do not cover {morgen.isoformat()} yet")
    calc = "/api/v1/berekeningen/bijzondere-bijstand"
    status, _, today = gateway.call(
        "POST", calc, token=klantmanager, body=_bijzondere_bijstand("0599", vandaag.isoformat())
    )
    assert status == 200, today
    assert today["beleidsversie"]["versie"] == 1
    assert today["draagkracht"] != "0.00"
    assert today["bedrag"] != "1500.00"
    status, _, tomorrow = gateway.call(
        "POST", calc, token=klantmanager, body=_bijzondere_bijstand("0599", morgen.isoformat())
    )
    assert status == 200, tomorrow
    # 1700.00 is below 150% of the norm: no draagkracht, the costs in full.
    assert (tomorrow["beleidsversie"]["versie"], tomorrow["draagkracht"], tomorrow["bedrag"]) == (2, "0.00", "1500.00")
    assert tomorrow["beleidId"] == f"bijzondere-bijstand/0599/v2@{morgen.isoformat()}"

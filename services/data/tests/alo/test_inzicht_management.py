"""Management figures per gemeente and period (``GET /internal/data/v1/managementinformatie``), on SQLite and
PostgreSQL: real rows through the store's API, real numbers out, other gemeenten invisible, bad input refused."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .conftest import AMSTERDAM, BSN_A, BSN_B, BSN_C, ROTTERDAM, V1, Alo

URL = f"{V1}/managementinformatie"
DAG = 24 * 3600


def _besluit(alo: Alo, aanvraag_id: str, soort: str, datum: str, gemeente: str = AMSTERDAM) -> None:
    body: dict[str, Any] = {"soort": soort, "datum": datum, "gronden": {}, "vastgesteldDoor": "gbi-process"}
    if soort == "toekenning":
        body |= {"ingangsdatum": datum, "bedragPerMaandCents": 120_000}
    response = alo.client.post(f"{V1}/aanvragen/{aanvraag_id}/besluit", json=body, headers=alo.actors.service(gemeente))
    assert response.status_code == 201, response.text


def _aanvraag(
    alo: Alo, bsn: str, aanvraagdatum: str, gemeente: str = AMSTERDAM
) -> tuple[dict[str, Any], dict[str, Any]]:
    headers = alo.actors.service(gemeente) | {"Idempotency-Key": uuid.uuid4().hex}
    body = alo.body(bsn, aanvraagdatum=aanvraagdatum, meldingsdatum=aanvraagdatum)
    response = alo.client.post(f"{V1}/aanvragen", json=body, headers=headers)
    assert response.status_code == 201, response.text
    aanvraag = dict(response.json())
    return aanvraag, alo.instantie(aanvraag["id"], gemeente)


def _in_dertig_dagen() -> str:
    return (datetime.now(UTC) + timedelta(days=30)).isoformat()


def _scenario(alo: Alo) -> None:
    """Four decisions in March-April 2026 (two straight through), one open case, and Rotterdam's noise."""
    a1, _ = _aanvraag(alo, BSN_A, "2026-03-09")
    _besluit(alo, a1["id"], "toekenning", "2026-03-20")  # 11 days, no task: straight through
    a2, i2 = _aanvraag(alo, BSN_B, "2026-03-09")
    t2 = alo.taak(i2, rol="klantmanager", dueAt=_in_dertig_dagen())
    claimed = alo.client.post(f"{V1}/taken/{t2['id']}:claim", headers=alo.actors.staff("km-1", "klantmanager"))
    assert claimed.status_code == 200, claimed.text
    _besluit(alo, a2["id"], "afwijzing", "2026-04-30")  # 52 days: within the 8 weeks
    a3, i3 = _aanvraag(alo, BSN_C, "2026-03-02")
    alo.taak(i3, rol="klantmanager", dueAt=(datetime.now(UTC) - timedelta(days=1)).isoformat())  # overdue
    _besluit(alo, a3["id"], "buiten-behandeling", "2026-04-28")  # 57 days: too late
    _, i4 = _aanvraag(alo, BSN_A, "2026-04-15")  # in, not decided
    alo.taak(i4, rol="inkomensconsulent", dueAt=_in_dertig_dagen())
    a5, _ = _aanvraag(alo, BSN_B, "2026-02-20")  # came in before the period, decided in it
    _besluit(alo, a5["id"], "toekenning", "2026-03-05")  # 13 days, straight through
    r1, ri1 = _aanvraag(alo, BSN_A, "2026-03-10", ROTTERDAM)
    alo.taak(ri1, gemeente=ROTTERDAM, rol="klantmanager", dueAt=_in_dertig_dagen())
    _besluit(alo, r1["id"], "afwijzing", "2026-03-12", ROTTERDAM)


def test_figures_of_a_period_are_computed_from_the_rows(alo: Alo) -> None:
    _scenario(alo)
    alo.klok(10 * DAG)  # every task is now 10 days old
    before = len(alo.audit())
    response = alo.client.get(f"{URL}?van=2026-03-01&tot=2026-04-30", headers=alo.actors.staff("tl-1", "teamleider"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["gemeente"] == AMSTERDAM
    assert (body["van"], body["tot"]) == ("2026-03-01", "2026-04-30")
    assert body["ingekomen"] == 4
    assert body["besloten"] == 4
    assert body["perMaand"] == [
        {"maand": "2026-03", "ingekomen": 3, "besloten": 2},
        {"maand": "2026-04", "ingekomen": 1, "besloten": 2},
    ]
    assert body["besluiten"] == [
        {"soort": "toekenning", "aantal": 2},
        {"soort": "afwijzing", "aantal": 1},
        {"soort": "buiten-behandeling", "aantal": 1},
    ]
    doorlooptijd = body["doorlooptijd"]
    # lead times 11, 13, 52, 57 days
    assert doorlooptijd["aantal"] == 4
    assert doorlooptijd["gemiddeldDagen"] == "33.3"  # 133 / 4 = 33.25, rounded half up
    assert doorlooptijd["mediaanDagen"] == "32.5"
    assert doorlooptijd["p90Dagen"] == 57
    assert doorlooptijd["langsteDagen"] == 57
    assert [(k["label"], k["aantal"]) for k in doorlooptijd["klassen"]] == [
        ("0-7 dagen", 0),
        ("8-14 dagen", 2),
        ("15-28 dagen", 0),
        ("29-42 dagen", 0),
        ("43-56 dagen", 1),
        ("57 dagen of meer", 1),
    ]
    assert body["binnenBeslistermijn"] == {"aantal": 3, "van": 4, "percentage": "75.0"}
    assert body["straightThrough"] == {"aantal": 2, "van": 4, "percentage": "50.0"}
    open_taken = {r["rol"]: r for r in body["openTaken"]}
    assert {"klantmanager", "inkomensconsulent", "handhaver", "teamleider"} <= set(open_taken)
    km = open_taken["klantmanager"]
    assert (km["open"], km["geclaimd"], km["verlopen"], km["oudsteDagen"]) == (1, 1, 1, 10)
    assert [(k["label"], k["aantal"]) for k in km["leeftijd"]] == [
        ("minder dan 1 dag", 0),
        ("1-7 dagen", 0),
        ("8-28 dagen", 2),
        ("29 dagen of meer", 0),
    ]
    ic = open_taken["inkomensconsulent"]
    assert (ic["open"], ic["geclaimd"], ic["verlopen"], ic["oudsteDagen"]) == (1, 0, 0, 10)
    assert open_taken["handhaver"]["oudsteDagen"] is None
    assert sum(k["aantal"] for k in open_taken["handhaver"]["leeftijd"]) == 0
    # Counts only, no personal data: reading them is not logged.
    assert len(alo.audit()) == before


def test_other_gemeente_sees_only_its_own(alo: Alo) -> None:
    _scenario(alo)
    response = alo.client.get(
        f"{URL}?van=2026-03-01&tot=2026-04-30", headers=alo.actors.staff("tl-r", "teamleider", gemeente=ROTTERDAM)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["gemeente"], body["ingekomen"], body["besloten"]) == (ROTTERDAM, 1, 1)
    assert body["straightThrough"] == {"aantal": 0, "van": 1, "percentage": "0.0"}
    km = next(r for r in body["openTaken"] if r["rol"] == "klantmanager")
    assert (km["open"], km["geclaimd"]) == (1, 0)


def test_age_classes_follow_the_clock(alo: Alo) -> None:
    _, instantie = _aanvraag(alo, BSN_A, "2026-03-09")
    alo.taak(instantie, rol="handhaver", dueAt=_in_dertig_dagen())
    headers = alo.actors.staff("tl-1", "teamleider")

    def handhaver() -> dict[str, Any]:
        response = alo.client.get(f"{URL}?van=2026-03-01&tot=2026-03-31", headers=headers)
        assert response.status_code == 200, response.text
        return next(r for r in response.json()["openTaken"] if r["rol"] == "handhaver")

    assert [k["aantal"] for k in handhaver()["leeftijd"]] == [1, 0, 0, 0]
    assert handhaver()["oudsteDagen"] == 0
    alo.klok(3 * DAG)
    assert [k["aantal"] for k in handhaver()["leeftijd"]] == [0, 1, 0, 0]
    alo.klok(40 * DAG)
    assert [k["aantal"] for k in handhaver()["leeftijd"]] == [0, 0, 0, 1]
    assert handhaver()["oudsteDagen"] == 40


def test_empty_period_has_no_percentages(alo: Alo) -> None:
    response = alo.client.get(f"{URL}?van=2020-01-01&tot=2020-02-15", headers=alo.actors.auditor())
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["ingekomen"], body["besloten"]) == (0, 0)
    assert body["binnenBeslistermijn"] == {"aantal": 0, "van": 0, "percentage": None}
    assert body["doorlooptijd"]["mediaanDagen"] is None
    assert [m["maand"] for m in body["perMaand"]] == ["2020-01", "2020-02"]


def test_default_period_is_twelve_months_up_to_today(alo: Alo) -> None:
    response = alo.client.get(URL, headers=alo.actors.staff("bh-1", "beheerder"))
    assert response.status_code == 200, response.text
    body = response.json()
    tot = date.fromisoformat(body["tot"])
    van = date.fromisoformat(body["van"])
    assert van.day == 1
    assert len(body["perMaand"]) == 12
    assert body["perMaand"][-1]["maand"] == tot.strftime("%Y-%m")
    assert abs((tot - datetime.now(UTC).date()).days) <= 1


def test_who_may_see_the_figures(alo: Alo) -> None:
    for headers in (alo.actors.staff("km-1", "klantmanager"), alo.actors.burger()):
        response = alo.client.get(URL, headers=headers)
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert alo.client.get(URL, headers=alo.actors.service()).status_code == 200


def test_bad_periods_are_refused_naming_the_field(alo: Alo) -> None:
    headers = alo.actors.staff("tl-1", "teamleider")
    cases = {
        "van=2026-05-01&tot=2026-04-30": "van",
        "van=2020-01-01&tot=2026-04-30": "tot",
        "van=2026-02-30": "van",
        "tot=morgen": "tot",
    }
    for query, field in cases.items():
        response = alo.client.get(f"{URL}?{query}", headers=headers)
        assert response.status_code == 400, (query, response.text)
        problem = alo.problem(response)
        assert field in [p["name"] for p in problem["invalidParams"]], (query, problem)

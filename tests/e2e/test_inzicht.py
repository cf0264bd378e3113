"""Oversight on the real suite, through the gateway with real tokens: a citizen's straight-through aanvraag moves
the gemeente's management figures by exactly one (JSON and CSV), a caseworker reads the case's audit trail (and
that reading is logged) and its process diagram; roles and gemeenten are kept apart.

Test person: 999994116 Katinka Vogel (Rotterdam 0599, nothing in any source: straight through).
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from typing import Any

import pytest

from .conftest import Http

pytestmark = pytest.mark.e2e

KATINKA = "999994116"
ROTTERDAM = "0599"
DEN_HAAG = "0518"
SVG_NS = "{http://www.w3.org/2000/svg}"


def _aanvraag() -> dict[str, Any]:
    return {
        "huishouden": {"kinderen": []},
        "woning": {"soort": "huurwoning", "woonkostenPerMaand": "650.00"},
        "inkomsten": [],
        "vermogen": {"bezittingen": "0.00", "schulden": "0.00"},
        "iban": "NL91 ABNA 0417 1643 00",
        "contact": {"email": "katinka@example.nl"},
        "naarWaarheidIngevuld": True,
    }


def _figures(gateway: Http, token: str) -> dict[str, Any]:
    status, headers, body = gateway.call("GET", "/api/v1/managementinformatie", token=token)
    assert status == 200, body
    assert headers["content-type"].startswith("application/json")
    return dict(body)


def test_a_straight_through_case_moves_the_figures_and_leaves_a_trail(gateway: Http, idp: Any) -> None:
    teamleider = idp(actor_type="medewerker", gemeente=ROTTERDAM, roles="teamleider", name="Tamara Leider")
    klantmanager = idp(actor_type="medewerker", gemeente=ROTTERDAM, roles="klantmanager", name="Kees Manager")
    before = _figures(gateway, teamleider)

    burger = idp(actor_type="burger", bsn=KATINKA)
    status, _, ontvangen = gateway.call(
        "POST", "/api/v1/aanvragen", token=burger, body=_aanvraag(), headers={"Idempotency-Key": uuid.uuid4().hex}
    )
    assert status == 202, ontvangen
    aid = ontvangen["id"]
    deadline = time.monotonic() + 90
    while True:
        status, _, aanvraag = gateway.call("GET", f"/api/v1/aanvragen/{aid}", token=burger)
        assert status == 200, aanvraag
        if aanvraag["status"] == "besloten":
            break
        assert time.monotonic() < deadline, aanvraag
        time.sleep(0.5)

    after = _figures(gateway, teamleider)
    assert after["gemeente"] == ROTTERDAM
    assert after["ingekomen"] == before["ingekomen"] + 1
    assert after["besloten"] == before["besloten"] + 1
    assert after["straightThrough"]["aantal"] == before["straightThrough"]["aantal"] + 1
    assert after["binnenBeslistermijn"]["aantal"] == before["binnenBeslistermijn"]["aantal"] + 1
    assert after["doorlooptijd"]["klassen"][0]["aantal"] == before["doorlooptijd"]["klassen"][0]["aantal"] + 1
    toekenningen = {b["soort"]: b["aantal"] for b in after["besluiten"]}
    assert sum(toekenningen.values()) == after["besloten"]

    # The same figures as CSV, one row per figure.
    status, headers, body = gateway.call(
        "GET", "/api/v1/managementinformatie", token=teamleider, headers={"Accept": "text/csv"}
    )
    assert status == 200, body
    assert headers["content-type"].startswith("text/csv")
    assert "attachment" in headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(body.decode()), delimiter=";"))
    figure = {(r["onderdeel"], r["kenmerk"], r["maat"]): r["waarde"] for r in rows}
    assert figure[("totaal", "", "besloten")] == str(after["besloten"])
    assert figure[("straight-through", "", "aantal")] == str(after["straightThrough"]["aantal"])
    assert {r["gemeente"] for r in rows} == {ROTTERDAM}

    # Management figures are not for a klantmanager.
    status, headers, body = gateway.call("GET", "/api/v1/managementinformatie", token=klantmanager)
    assert status == 403, body
    assert headers["content-type"].startswith("application/problem+json")

    # The audit trail of the case: what happened to Katinka's data, newest first; reading it is logged too.
    regels: list[dict[str, Any]] = []
    query = "pageSize=200"
    while True:
        status, _, trail = gateway.call("GET", f"/api/v1/zaken/{aid}/audittrail?{query}", token=klantmanager)
        assert status == 200, trail
        regels += trail["items"]
        if trail["volgendeVoor"] is None:
            break
        query = f"pageSize=200&voor={trail['volgendeVoor']}"
    handelingen = [r["handeling"] for r in regels]
    assert "aanvraag.registreren" in handelingen
    assert "besluit.vastleggen" in handelingen
    volgnummers = [r["volgnummer"] for r in regels]
    assert volgnummers == sorted(volgnummers, reverse=True)
    status, _, again = gateway.call("GET", f"/api/v1/zaken/{aid}/audittrail?pageSize=1", token=teamleider)
    assert status == 200, again
    [laatste] = again["items"]
    assert (laatste["handeling"], laatste["soortActor"]) == ("audittrail.raadplegen", "medewerker")
    assert again["volgendeVoor"] is not None

    # The grounds: the sources with where and when they were fetched, the calculation line by line.
    status, _, grond = gateway.call("GET", f"/api/v1/zaken/{aid}/onderbouwing", token=klantmanager)
    assert status == 200, grond
    bronnen = {h["bron"] for h in grond["herkomst"]}
    assert any("BRP" in b for b in bronnen), grond["herkomst"]
    assert all(h["opgevraagdOp"] for h in grond["herkomst"])
    regels_berekening = grond["berekening"]["toelichting"]
    assert regels_berekening
    assert all(r["artikel"] and r["regel"] for r in regels_berekening)

    # The process diagram: decided, so no step is current.
    status, headers, svg = gateway.call("GET", f"/api/v1/zaken/{aid}/procesdiagram", token=klantmanager)
    assert status == 200, svg
    assert headers["content-type"].startswith("image/svg+xml")
    assert b'role="img"' in svg
    assert b"bpmn-actief" not in svg
    assert b"<script" not in svg

    # Another gemeente's staff: the case does not exist for them.
    elders = idp(actor_type="medewerker", gemeente=DEN_HAAG, roles="klantmanager,teamleider", name="Elders")
    for path in (
        f"/api/v1/zaken/{aid}/audittrail",
        f"/api/v1/zaken/{aid}/procesdiagram",
        f"/api/v1/zaken/{aid}/onderbouwing",
    ):
        status, _, body = gateway.call("GET", path, token=elders)
        assert status == 404, (path, body)
    status, _, body = gateway.call("GET", f"/api/v1/zaken/{aid}/audittrail", token=burger)
    assert status == 403, body


def test_bad_periods_are_400_naming_the_field(gateway: Http, idp: Any) -> None:
    teamleider = idp(actor_type="medewerker", gemeente=ROTTERDAM, roles="teamleider", name="Tamara Leider")
    for query, field in (("van=2026-05-01&tot=2026-04-01", "van"), ("van=gisteren", "van")):
        status, headers, body = gateway.call("GET", f"/api/v1/managementinformatie?{query}", token=teamleider)
        assert status == 400, body
        assert headers["content-type"].startswith("application/problem+json")
        assert field in [p["name"] for p in body["invalidParams"]], body

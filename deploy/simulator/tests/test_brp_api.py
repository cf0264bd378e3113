"""The simulated BRP Personen API: queries, fields, errors; every answer validated against personen-2.7.0.yaml."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

Brp = Callable[..., dict[str, Any]]
Validate = Callable[[dict[str, Any], str], None]

PROTOCOL = {"x-doelbinding": "participatiewet", "x-verwerking": "aanvraag-levensonderhoud", "x-gebruiker": "tester"}
TODAY = date(2025, 6, 15)  # the day the test app is fixed at (conftest)

PERSONEN = "/haalcentraal/api/brp/personen"
# Persons of the 13 GBI gemeenten used below (see deploy/simulator/README.md).
SINGLE = "999995431"  # Lonneke Smit, 's-Gravenhage, lives alone
WILMA = "999993112"  # Wilma van Zon, Amsterdam: partner Gerrit den Braber and two children at the address
GERRIT = "999994542"
SINGLE_PARENT = "999992995"  # Jan Goedmut, Amsterdam, with a child under 12
CHILD_OF_SINGLE_PARENT = "999996472"


def bsn_query(bsns: list[str], fields: list[str], **extra: Any) -> dict[str, Any]:
    return {"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": bsns, "fields": fields, **extra}


def only_person(payload: dict[str, Any]) -> dict[str, Any]:
    assert len(payload["personen"]) == 1, payload
    person: dict[str, Any] = payload["personen"][0]
    return person


# ---------------------------------------------------------------------------------------------------- by BSN


def test_person_by_bsn_with_a_few_fields(brp: Brp) -> None:
    payload = brp(bsn_query([SINGLE], ["burgerservicenummer", "naam.voornamen", "geboorte.datum", "leeftijd"]))
    assert payload["type"] == "RaadpleegMetBurgerservicenummer"
    person = only_person(payload)
    assert set(person) == {"burgerservicenummer", "naam", "geboorte", "leeftijd"}
    assert person["burgerservicenummer"] == SINGLE
    assert person["naam"] == {"voornamen": "Lonneke"}
    datum = person["geboorte"]["datum"]
    assert datum["type"] == "Datum"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", datum["datum"])
    born = datum["datum"]
    expected_age = TODAY.year - int(born[:4]) - ((TODAY.month, TODAY.day) < (int(born[5:7]), int(born[8:10])))
    assert person["leeftijd"] == expected_age


def test_dates_are_v2_date_objects(brp: Brp) -> None:
    person = only_person(brp(bsn_query(["000009830"], ["geboorte"])))
    assert person["geboorte"]["datum"] == {"type": "Datum", "datum": "1975-07-07", "langFormaat": "7 juli 1975"}
    assert person["geboorte"]["plaats"] == {"code": "0153", "omschrijving": "Enschede"}


def test_whole_groups_and_address(brp: Brp) -> None:
    fields = ["naam", "geslacht", "verblijfplaats", "adressering", "gemeenteVanInschrijving", "nationaliteiten"]
    person = only_person(brp(bsn_query([SINGLE], fields)))
    assert person["naam"]["volledigeNaam"] == "Lonneke Smit"
    assert person["naam"]["voorletters"] == "L."
    assert person["geslacht"] == {"code": "V", "omschrijving": "vrouw"}
    verblijfplaats = person["verblijfplaats"]
    assert verblijfplaats["type"] == "Adres"
    adres = verblijfplaats["verblijfadres"]
    assert {"officieleStraatnaam", "korteStraatnaam", "huisnummer", "postcode"} <= set(adres)
    assert isinstance(adres["huisnummer"], int)
    assert person["gemeenteVanInschrijving"]["code"] == "0518"
    assert person["adressering"]["adresregel1"].endswith(str(adres["huisnummer"]))
    assert person["adressering"]["adresregel2"].startswith(f"{adres['postcode'][:4]} {adres['postcode'][4:]}  ")
    assert person["adressering"]["aanhef"] == "Geachte mevrouw Smit"
    assert person["nationaliteiten"][0]["type"] == "Nationaliteit"


def test_sub_fields_select_only_those_and_keep_the_type(brp: Brp) -> None:
    person = only_person(brp(bsn_query([SINGLE], ["verblijfplaats.verblijfadres.postcode", "geslacht.code"])))
    assert set(person["verblijfplaats"]) == {"type", "verblijfadres"}
    assert set(person["verblijfplaats"]["verblijfadres"]) == {"postcode"}
    # A table value (and a date) is always delivered whole.
    assert person["geslacht"] == {"code": "V", "omschrijving": "vrouw"}


def test_date_sub_field_selects_the_whole_date(brp: Brp) -> None:
    person = only_person(brp(bsn_query([SINGLE], ["geboorte.datum.langFormaat"])))
    assert set(person["geboorte"]["datum"]) == {"type", "datum", "langFormaat"}


def test_person_with_partner_and_children(brp: Brp) -> None:
    fields = ["burgerservicenummer", "partners", "kinderen", "verblijfplaats.adresseerbaarObjectIdentificatie"]
    person = only_person(brp(bsn_query([WILMA], fields)))
    assert [p["burgerservicenummer"] for p in person["partners"]] == [GERRIT]
    partner = person["partners"][0]
    assert partner["soortVerbintenis"]["code"] in ("H", "P")
    assert partner["aangaanHuwelijkPartnerschap"]["datum"]["type"] in ("Datum", "JaarMaandDatum", "JaarDatum")
    assert "ontbindingHuwelijkPartnerschap" not in partner
    assert partner["naam"]["geslachtsnaam"] == "Braber"
    kinderen = {k["burgerservicenummer"] for k in person["kinderen"]}
    assert kinderen == {"999995807", "999995832"}
    assert all("geboorte" in k and "naam" in k for k in person["kinderen"])


def test_partner_sub_fields(brp: Brp) -> None:
    person = only_person(brp(bsn_query([WILMA], ["partners.burgerservicenummer", "partners.naam.voornamen"])))
    assert person["partners"] == [{"burgerservicenummer": GERRIT, "naam": {"voornamen": "Gerrit"}}]


def test_several_bsns_and_the_gemeente_filter(brp: Brp) -> None:
    payload = brp(bsn_query([WILMA, SINGLE, GERRIT, WILMA], ["burgerservicenummer", "gemeenteVanInschrijving"]))
    assert [p["burgerservicenummer"] for p in payload["personen"]] == [WILMA, SINGLE, GERRIT]
    payload = brp(bsn_query([WILMA, SINGLE, GERRIT], ["burgerservicenummer"], gemeenteVanInschrijving="0363"))
    assert [p["burgerservicenummer"] for p in payload["personen"]] == [WILMA, GERRIT]


def test_unknown_bsn_gives_an_empty_list(brp: Brp) -> None:
    assert brp(bsn_query(["123456782"], ["burgerservicenummer"])) == {
        "type": "RaadpleegMetBurgerservicenummer",
        "personen": [],
    }


def test_automatic_fields_come_along(brp: Brp) -> None:
    # 999992181 has geheimhouding; 999990792 has geheimhouding and data in onderzoek.
    person = only_person(brp(bsn_query(["999992181"], ["burgerservicenummer"])))
    assert person == {"burgerservicenummer": "999992181", "geheimhoudingPersoonsgegevens": True}


def test_deceased_person_by_bsn_has_no_age(brp: Brp, app: FastAPI) -> None:
    deceased = next(p for p in app.state.store if "overlijden" in p.persoon)
    person = only_person(brp(bsn_query([deceased.bsn], ["leeftijd", "overlijden"])))
    assert "leeftijd" not in person
    assert person["overlijden"]["datum"]["type"] in ("Datum", "JaarMaandDatum", "JaarDatum", "DatumOnbekend")


def test_in_onderzoek_is_delivered_with_the_fields_it_concerns(brp: Brp, app: FastAPI) -> None:
    candidates = [
        p.bsn
        for p in app.state.store
        if "inOnderzoek" in (p.persoon.get("verblijfplaats") or {}).get("verblijfadres", {})
    ]
    assert candidates
    person = only_person(brp(bsn_query([candidates[0]], ["verblijfplaats.verblijfadres"])))
    adres = person["verblijfplaats"]["verblijfadres"]
    flags = {k for k, v in adres["inOnderzoek"].items() if v is True}
    assert flags
    assert flags <= set(adres)
    # Not asked for the address: no in-onderzoek flags about it.
    person = only_person(brp(bsn_query([candidates[0]], ["burgerservicenummer"])))
    assert "verblijfplaats" not in person


def test_the_clock_moves_ages(client: TestClient, brp: Brp) -> None:
    before = only_person(brp(bsn_query([SINGLE], ["leeftijd"])))["leeftijd"]
    response = client.put("/simulator/clock", json={"today": f"{TODAY.year + 10}-{TODAY.month:02d}-{TODAY.day:02d}"})
    assert response.status_code == 200
    try:
        assert only_person(brp(bsn_query([SINGLE], ["leeftijd"])))["leeftijd"] == before + 10
    finally:
        client.put("/simulator/clock", json={"today": TODAY.isoformat()})
    assert client.get("/simulator/clock").json() == {"today": TODAY.isoformat(), "fixed": True}


# ---------------------------------------------------------------------------------------------------- households


def test_household_at_postcode_and_huisnummer(brp: Brp, client: TestClient) -> None:
    adres = only_person(brp(bsn_query([WILMA], ["verblijfplaats.verblijfadres"])))["verblijfplaats"]["verblijfadres"]
    query = {
        "type": "ZoekMetPostcodeEnHuisnummer",
        "postcode": adres["postcode"][:4] + " " + adres["postcode"][4:].lower(),
        "huisnummer": adres["huisnummer"],
        "fields": ["burgerservicenummer", "naam.volledigeNaam", "leeftijd", "adressering.adresregel1"],
    }
    if "huisnummertoevoeging" in adres:
        query["huisnummertoevoeging"] = adres["huisnummertoevoeging"]
    payload = brp(query)
    assert payload["type"] == "ZoekMetPostcodeEnHuisnummer"
    assert {p["burgerservicenummer"] for p in payload["personen"]} == {WILMA, GERRIT, "999995807", "999995832"}
    assert all(set(p) <= {"burgerservicenummer", "naam", "leeftijd", "adressering"} for p in payload["personen"])
    # A different huisletter filters everybody out.
    assert brp({**query, "huisletter": "Z"})["personen"] == []


def test_single_parent_household_by_adresseerbaar_object(brp: Brp) -> None:
    vp = only_person(brp(bsn_query([SINGLE_PARENT], ["verblijfplaats.adresseerbaarObjectIdentificatie"])))
    aoi = vp["verblijfplaats"]["adresseerbaarObjectIdentificatie"]
    payload = brp(
        {
            "type": "ZoekMetAdresseerbaarObjectIdentificatie",
            "adresseerbaarObjectIdentificatie": aoi,
            "fields": ["burgerservicenummer", "leeftijd", "geboorte.datum"],
        }
    )
    ages = {p["burgerservicenummer"]: p["leeftijd"] for p in payload["personen"]}
    assert set(ages) == {SINGLE_PARENT, CHILD_OF_SINGLE_PARENT}
    assert ages[CHILD_OF_SINGLE_PARENT] < 12 <= ages[SINGLE_PARENT]


def test_gezag_at_an_address(brp: Brp, app: FastAPI) -> None:
    with_gezag = next(
        p
        for p in app.state.store
        if any(g.get("type") == "EenhoofdigOuderlijkGezag" for g in p.gezag_raw)
        and (p.persoon.get("verblijfplaats") or {}).get("adresseerbaarObjectIdentificatie")
    )
    aoi = with_gezag.persoon["verblijfplaats"]["adresseerbaarObjectIdentificatie"]
    payload = brp(
        {
            "type": "ZoekMetAdresseerbaarObjectIdentificatie",
            "adresseerbaarObjectIdentificatie": aoi,
            "fields": ["burgerservicenummer", "gezag"],
        }
    )
    person = next(p for p in payload["personen"] if p["burgerservicenummer"] == with_gezag.bsn)
    assert any(g["type"] == "EenhoofdigOuderlijkGezag" and "minderjarige" in g for g in person["gezag"])


def test_deceased_persons_only_on_request(brp: Brp, app: FastAPI) -> None:
    deceased = next(
        p
        for p in app.state.store
        if p.overleden and ((p.persoon.get("verblijfplaats") or {}).get("verblijfadres") or {}).get("postcode")
    )
    adres = deceased.persoon["verblijfplaats"]["verblijfadres"]
    query = {
        "type": "ZoekMetPostcodeEnHuisnummer",
        "postcode": adres["postcode"],
        "huisnummer": adres["huisnummer"],
        "fields": ["burgerservicenummer"],
    }
    assert deceased.bsn not in {p["burgerservicenummer"] for p in brp(query)["personen"]}
    found = brp({**query, "inclusiefOverledenPersonen": True})["personen"]
    assert deceased.bsn in {p["burgerservicenummer"] for p in found}


@pytest.mark.parametrize(
    "query",
    [
        {"type": "ZoekMetGeslachtsnaamEnGeboortedatum", "geslachtsnaam": "smi*", "geboortedatum": "1977-01-01"},
        {"type": "ZoekMetNaamEnGemeenteVanInschrijving", "geslachtsnaam": "Smit", "voornamen": "Lon*",
         "gemeenteVanInschrijving": "0518"},
        {"type": "ZoekMetStraatHuisnummerEnGemeenteVanInschrijving", "straat": "Javastraat", "huisnummer": 9,
         "gemeenteVanInschrijving": "0518"},
        {"type": "ZoekMetNummeraanduidingIdentificatie", "nummeraanduidingIdentificatie": "0518200000000001"},
    ],
)  # fmt: skip
def test_the_other_searches_answer_per_spec(brp: Brp, query: dict[str, Any]) -> None:
    payload = brp({**query, "fields": ["burgerservicenummer", "naam"]})
    assert payload["type"] == query["type"]
    assert isinstance(payload["personen"], list)


def test_search_by_name_and_gemeente_finds_the_person(brp: Brp) -> None:
    payload = brp(
        {
            "type": "ZoekMetNaamEnGemeenteVanInschrijving",
            "geslachtsnaam": "smit",
            "voornamen": "Lon*",
            "gemeenteVanInschrijving": "0518",
            "fields": ["burgerservicenummer"],
        }
    )
    assert SINGLE in {p["burgerservicenummer"] for p in payload["personen"]}


# ---------------------------------------------------------------------------------------------------- errors


def test_invalid_bsn(brp: Brp) -> None:
    problem = brp(bsn_query(["12345", "999995431"], ["burgerservicenummer"]), expect=400)
    assert problem["status"] == 400
    assert problem["code"] == "paramsValidation"
    assert problem["invalidParams"] == [
        {"name": "burgerservicenummer.0", "code": "pattern", "reason": "Waarde voldoet niet aan patroon."}
    ]
    assert problem["instance"].endswith(PERSONEN)


def test_too_many_bsns(brp: Brp) -> None:
    problem = brp(bsn_query([SINGLE] * 21, ["burgerservicenummer"]), expect=400)
    assert problem["invalidParams"][0]["code"] == "maxItems"


def test_missing_fields(brp: Brp) -> None:
    problem = brp({"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": [SINGLE]}, expect=400)
    assert problem["invalidParams"] == [{"name": "fields", "code": "required", "reason": "Parameter is verplicht."}]


def test_unknown_field(brp: Brp) -> None:
    problem = brp(bsn_query([SINGLE], ["naam", "naam.bijnaam", "naam-x", "schoenmaat"]), expect=400)
    assert [(p["name"], p["code"]) for p in problem["invalidParams"]] == [
        ("fields.2", "pattern"),
        ("fields.1", "fields"),
        ("fields.3", "fields"),
    ]
    assert problem["invalidParams"][1]["reason"] == "Parameter bevat een niet bestaande veldnaam."


@pytest.mark.parametrize("field", ["inOnderzoek", "naam.inOnderzoek", "geheimhoudingPersoonsgegevens", "rni"])
def test_automatically_delivered_fields_may_not_be_asked(brp: Brp, field: str) -> None:
    problem = brp(bsn_query([SINGLE], [field]), expect=400)
    assert problem["invalidParams"][0]["reason"] == "Parameter bevat een niet toegestane veldnaam."


def test_fields_of_the_full_person_are_unknown_to_the_searches(brp: Brp) -> None:
    query = {"type": "ZoekMetPostcodeEnHuisnummer", "postcode": "2511CA", "huisnummer": 5, "fields": ["partners"]}
    problem = brp(query, expect=400)
    assert problem["invalidParams"][0]["name"] == "fields.0"


@pytest.mark.parametrize(
    ("body", "name", "code"),
    [
        ({"fields": ["naam"]}, "type", "required"),
        ({"type": "ZoekMetBsn", "fields": ["naam"]}, "type", "value"),
        ({"type": "ZoekMetPostcodeEnHuisnummer", "huisnummer": 1, "fields": ["naam"]}, "postcode", "required"),
        ({"type": "ZoekMetPostcodeEnHuisnummer", "postcode": "0123AB", "huisnummer": 1, "fields": ["naam"]},
         "postcode", "pattern"),
        ({"type": "ZoekMetPostcodeEnHuisnummer", "postcode": "1234AB", "huisnummer": "1", "fields": ["naam"]},
         "huisnummer", "integer"),
        ({"type": "ZoekMetPostcodeEnHuisnummer", "postcode": "1234AB", "huisnummer": 0, "fields": ["naam"]},
         "huisnummer", "minimum"),
        ({"type": "ZoekMetAdresseerbaarObjectIdentificatie", "adresseerbaarObjectIdentificatie": "0000000000000000",
          "fields": ["naam"]}, "adresseerbaarObjectIdentificat", "pattern"),
        ({"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": [SINGLE], "fields": ["naam"],
          "postcode": "1234AB"}, "postcode", "unknownParam"),
        ({"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": SINGLE, "fields": ["naam"]},
         "burgerservicenummer", "array"),
        ({"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": [SINGLE], "fields": ["naam"],
          "gemeenteVanInschrijving": "363"}, "gemeenteVanInschrijving", "pattern"),
    ],
)  # fmt: skip
def test_invalid_parameters(brp: Brp, body: dict[str, Any], name: str, code: str) -> None:
    problem = brp(body, expect=400)
    assert (problem["invalidParams"][0]["name"], problem["invalidParams"][0]["code"]) == (name, code)


def test_body_that_is_no_json(client: TestClient, brp_validate: Validate) -> None:
    response = client.post(PERSONEN, content=b"{nope", headers={**PROTOCOL, "content-type": "application/json"})
    assert response.status_code == 400
    brp_validate(response.json(), "BadRequestFoutbericht")


@pytest.mark.parametrize("missing", ["x-doelbinding", "x-verwerking", "x-gebruiker"])
def test_missing_protocol_headers(brp: Brp, missing: str) -> None:
    headers = {k: v for k, v in PROTOCOL.items() if k != missing}
    problem = brp(bsn_query([SINGLE], ["naam"]), headers=headers, expect=400)
    assert problem["code"] == "protocolHeader"
    assert missing in problem["detail"]


def test_protocol_headers_are_echoed_and_logged_without_bsn(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gbi.simulator.brp"):
        response = client.post(PERSONEN, json=bsn_query([SINGLE], ["naam"]), headers=PROTOCOL)
    assert response.status_code == 200
    for name, value in PROTOCOL.items():
        assert response.headers[name] == value
    records = [r for r in caplog.records if r.name == "gbi.simulator.brp" and getattr(r, "event", "") == "brp-query"]
    assert records
    record = records[-1]
    assert (record.doelbinding, record.verwerking, record.gebruiker) == (  # type: ignore[attr-defined]
        "participatiewet",
        "aanvraag-levensonderhoud",
        "tester",
    )
    logged = record.getMessage() + " " + " ".join(str(v) for v in vars(record).values())
    assert SINGLE not in logged
    assert not re.search(r"(?<!\d)\d{9}(?!\d)", record.getMessage())


def test_openapi_lists_the_brp_and_idp_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert PERSONEN in paths
    assert "/idp/token" in paths

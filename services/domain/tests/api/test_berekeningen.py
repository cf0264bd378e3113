"""The domain API over HTTP (in process, real app, signed context): the norm lookup, the household calculation,
the voorschot and the batch, with their problem+json answers. Amounts from ../shared/domain/normbedragen.csv."""

from __future__ import annotations

import copy
import gc
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_domain.api import BatchAntwoord
from gbi_shared import ActorType

from .conftest import ContextHeaders

PROBLEM = "application/problem+json"


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body


def huishouden(**extra: Any) -> dict[str, Any]:
    """Every input field of the issue, set: a single claimant (40) with a child (5), a co-resident parent (70,
    kostendeler), a lodger on a commercial contract and a student (neither counts), work income in the vrijlating
    n, kinderbijslag, and assets with debts and equity in the home."""
    basis: dict[str, Any] = {
        "gemeente": "0599",
        "peildatum": "2026-03-15",
        "aanvrager": {
            "geboortedatum": "1985-06-01",
            "inInrichting": False,
            "gedetineerd": False,
            "verblijfBuitenlandDagen": 10,
            "studiefinanciering": False,
        },
        "kinderen": [{"geboortedatum": "2021-01-01"}],
        "medebewoners": [
            {"geboortedatum": "1955-01-01", "relatie": "ouder"},
            {"geboortedatum": "1990-01-01", "relatie": "kamerhuurder", "commercieleHuurovereenkomst": True},
            {"geboortedatum": "1996-01-01", "relatie": "overig", "studiefinanciering": True},
        ],
        "inkomsten": [
            {
                "persoon": "aanvrager",
                "soort": "arbeid",
                "nettoPerMaand": "400.00",
                "vrijlatingStartdatum": "2026-01-01",
            },
            {"persoon": "aanvrager", "soort": "kinderbijslag", "nettoPerMaand": "120.00"},
        ],
        "vermogen": {"bezittingen": "9000.00", "schulden": "2000.00", "overwaardeEigenWoning": "0.00"},
    }
    basis.update(extra)
    return basis


# --- GET /api/v1/normen/{categorie} -----------------------------------------------------------------------------


def test_norm_zoals_het_issue_hem_toont(client: TestClient, context_headers: ContextHeaders) -> None:
    r = client.get("/api/v1/normen/M", params={"peildatum": "2026-03-15"}, headers=context_headers())
    assert r.status_code == 200, r.text
    body = r.json()
    voorbeeld = {
        "categorie": "M",
        "peildatum": "2026-03-15",
        "bedrag": "1401.50",
        "artikel": "Pw 21 a",
        "geldigVanaf": "2026-01-01",
    }
    assert {k: body[k] for k in voorbeeld} == voorbeeld
    assert (body["geldigTot"], body["versie"]) == ("2026-07-01", "M@2026-01-01")
    assert body["bron"]


@pytest.mark.parametrize(
    ("categorie", "peildatum", "in_detail"),
    [
        ("XYZ", "2026-03-15", "XYZ"),
        ("M", "2024-06-30", "2024-06-30"),  # the day before the first known period
        ("M", "2027-01-01", "2027-01-01"),  # the first day after the last known period
        ("J_VERHOGING", "2025-12-31", "niet van toepassing"),  # a blank in the official table
    ],
)
def test_norm_onbekend_is_404(
    client: TestClient, context_headers: ContextHeaders, categorie: str, peildatum: str, in_detail: str
) -> None:
    r = client.get(f"/api/v1/normen/{categorie}", params={"peildatum": peildatum}, headers=context_headers())
    assert in_detail in _problem(r, 404)["detail"]


def test_norm_eerste_en_laatste_dag(client: TestClient, context_headers: ContextHeaders) -> None:
    for peildatum, bedrag in (("2024-07-01", "1308.45"), ("2026-12-31", "1419.46")):
        r = client.get("/api/v1/normen/M", params={"peildatum": peildatum}, headers=context_headers())
        assert (r.status_code, r.json()["bedrag"]) == (200, bedrag)


# --- POST /api/v1/berekeningen ----------------------------------------------------------------------------------


def test_berekening_met_elk_invoerveld(client: TestClient, context_headers: ContextHeaders) -> None:
    r = client.post("/api/v1/berekeningen", json=huishouden(), headers=context_headers())
    assert r.status_code == 200, r.text
    b = r.json()
    # A = 2 (claimant and the parent; the lodger and the student do not count): 100 / 200 x 2002.13 = 1001.065
    # -> 1001.07. Income: 400.00 - n 25% = 300.00 (kinderbijslag does not count). 1001.07 - 300.00 = 701.07;
    # reservation 5% = 35.0535 -> 35.05; paid 666.02. Vermogen 7000.00 <= 16000.00 (alleenstaande ouder).
    assert (b["recht"], b["leefvorm"], b["normcategorie"], b["aantalKostendelers"]) == (
        True,
        "alleenstaande-ouder",
        "KD",
        2,
    )
    assert (b["norm"], b["inTeKortenInkomen"], b["bijstandInclusiefVakantietoeslag"]) == ("1001.07", "300.00", "701.07")
    assert (b["vakantietoeslagReservering"], b["bedragPerMaand"]) == ("35.05", "666.02")
    assert b["redenen"] == []
    stappen = [t["stap"] for t in b["toelichting"]]
    for stap in ("leefvorm", "kostendeler", "kostendelersnorm", "inkomen", "vrijlating-n", "vermogen", "bijstand"):
        assert stap in stappen
    for t in b["toelichting"]:
        assert t["regel"]
        assert t["artikel"].startswith("Pw")
    for stap, parameter in (
        ("kostendelersnorm", "MM@2026-01-01"),
        ("vrijlating-n", "VRIJLATING_N_MAX_PER_MAAND@2026-01-01"),
        ("vermogen", "VERMOGENSGRENS_ALLEENSTAANDE_OUDER@2026-01-01"),
        ("vakantietoeslag", "VAKANTIETOESLAG_PCT@2026-01-01"),
    ):
        regel = next(t for t in b["toelichting"] if t["stap"] == stap)
        assert (regel["parameterversie"], regel["geldigVanaf"]) == (parameter, "2026-01-01")
        assert regel["bedrag"] is not None


def test_zelfde_verzoek_zelfde_antwoord(client: TestClient, context_headers: ContextHeaders) -> None:
    antwoorden = [
        client.post("/api/v1/berekeningen", json=huishouden(), headers=context_headers()).content for _ in range(3)
    ]
    assert antwoorden[0] == antwoorden[1] == antwoorden[2]


def test_geen_recht_met_redenen(client: TestClient, context_headers: ContextHeaders) -> None:
    verzoek = huishouden(inkomsten=[{"persoon": "aanvrager", "soort": "uitkering", "nettoPerMaand": "1001.07"}])
    b = client.post("/api/v1/berekeningen", json=verzoek, headers=context_headers()).json()
    # income equal to the norm: no right (strictly below is required)
    assert (b["recht"], b["bedragPerMaand"], [r["code"] for r in b["redenen"]]) == (
        False,
        "0.00",
        ["geen-recht-inkomen"],
    )
    assert b["redenen"][0]["tekst"]
    assert b["redenen"][0]["artikel"] == "Pw 11 lid 1; Pw 19 lid 1"


@pytest.mark.parametrize(
    ("wijzig", "veld"),
    [
        (lambda h: h["aanvrager"].pop("geboortedatum"), "aanvrager.geboortedatum"),
        (lambda h: h["medebewoners"][0].pop("geboortedatum"), "medebewoners.0.geboortedatum"),
        (lambda h: h.pop("peildatum"), "peildatum"),
        (lambda h: h["aanvrager"].update(geboortedatum="2026-03-16"), "aanvrager.geboortedatum"),
        (lambda h: h["kinderen"][0].update(geboortedatum="2000-01-01"), "kinderen[0].geboortedatum"),
        (lambda h: h["inkomsten"][1].update(vrijlatingStartdatum="2026-01-01"), "inkomsten[1].vrijlatingStartdatum"),
        (lambda h: h["inkomsten"][0].update(persoon="partner"), "inkomsten[0].persoon"),
        (lambda h: h["vermogen"].update(schulden="12.5"), "vermogen.schulden"),
        (lambda h: h["medebewoners"][1].update(relatie="buurman"), "medebewoners.1.relatie"),
    ],
)
def test_onbeslisbare_invoer_400_noemt_het_veld(
    client: TestClient, context_headers: ContextHeaders, wijzig: Any, veld: str
) -> None:
    verzoek = copy.deepcopy(huishouden())
    wijzig(verzoek)
    body = _problem(client.post("/api/v1/berekeningen", json=verzoek, headers=context_headers()), 400)
    assert [p["name"] for p in body["invalidParams"]] == [veld]


def test_oordeel_van_een_medewerker_nodig_is_422_en_noemt_het_veld(
    client: TestClient, context_headers: ContextHeaders
) -> None:
    verzoek = huishouden(partner={"geboortedatum": "1985-01-01", "gedetineerd": True})
    body = _problem(client.post("/api/v1/berekeningen", json=verzoek, headers=context_headers()), 422)
    assert body["code"] == "niet-automatisch-beslisbaar"
    assert [p["name"] for p in body["invalidParams"]] == ["partner.gedetineerd"]


def test_peildatum_buiten_de_regels_is_422(client: TestClient, context_headers: ContextHeaders) -> None:
    body = _problem(
        client.post("/api/v1/berekeningen", json=huishouden(peildatum="2027-01-01"), headers=context_headers()), 422
    )
    assert "2027-01-01" in body["detail"]


def test_alleen_voor_de_eigen_gemeente(client: TestClient, context_headers: ContextHeaders) -> None:
    _problem(client.post("/api/v1/berekeningen", json=huishouden(), headers=context_headers(gemeente="0518")), 403)
    burger = context_headers(actor_type=ActorType.BURGER, gemeente=None, roles=(), bsn="999993653")
    _problem(client.post("/api/v1/berekeningen", json=huishouden(), headers=burger), 403)


# --- POST /api/v1/berekeningen/voorschotten ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peildatum", "percentage", "grondslag", "bedrag"),
    [
        # 2025-12-31: MM 1955.80, A = 2: 977.90; 977.90 - 300.00 = 677.90; reservation 33.895 -> 33.90; 644.00;
        # 90% = 579.60
        ("2025-12-31", "90", "644.00", "579.60"),
        # 2026-01-01: 666.02 as above; 95% = 632.719 -> rounded up 632.72
        ("2026-01-01", "95", "666.02", "632.72"),
    ],
)
def test_voorschot_90_en_95_procent(
    client: TestClient, context_headers: ContextHeaders, peildatum: str, percentage: str, grondslag: str, bedrag: str
) -> None:
    verzoek = huishouden(peildatum=peildatum)
    verzoek["inkomsten"][0]["vrijlatingStartdatum"] = "2025-12-01"
    r = client.post("/api/v1/berekeningen/voorschotten", json=verzoek, headers=context_headers())
    assert r.status_code == 200, r.text
    v = r.json()
    assert (v["percentage"], v["grondslag"], v["bedrag"]) == (percentage, grondslag, bedrag)
    assert v["berekening"]["bedragPerMaand"] == grondslag
    assert v["toelichting"][0]["artikel"] == "Pw 52 lid 2"


# --- POST /api/v1/berekeningen:batch ----------------------------------------------------------------------------


def test_batch_gelijk_aan_los_met_fouten_op_hun_plaats(client: TestClient, context_headers: ContextHeaders) -> None:
    verzoeken = [
        huishouden(),
        huishouden(peildatum="2027-01-01"),  # no rules known: 422 in place
        huishouden(kinderen=[{"geboortedatum": "2000-01-01"}]),  # 400 in place, field prefixed
        huishouden(partner={"geboortedatum": "1985-01-01", "gedetineerd": True}),  # 422 niet-automatisch-beslisbaar
        huishouden(inkomsten=[], vermogen=None, medebewoners=[]),
    ]
    r = client.post("/api/v1/berekeningen:batch", json={"huishoudens": verzoeken}, headers=context_headers())
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    BatchAntwoord.model_validate_json(r.content)  # the documented response model
    body = r.json()
    assert (body["aantal"], body["aantalFouten"]) == (5, 3)
    assert [x["index"] for x in body["resultaten"]] == [0, 1, 2, 3, 4]
    for i in (0, 4):
        los = client.post("/api/v1/berekeningen", json=verzoeken[i], headers=context_headers())
        assert body["resultaten"][i] == {"index": i, "berekening": los.json(), "fout": None}
    for i, status in ((1, 422), (2, 400), (3, 422)):
        fout = body["resultaten"][i]["fout"]
        assert body["resultaten"][i]["berekening"] is None
        assert fout["status"] == status
    namen = [[p["name"] for p in body["resultaten"][i]["fout"]["invalidParams"]] for i in (2, 3)]
    assert namen == [["huishoudens[2].kinderen[0].geboortedatum"], ["huishoudens[3].partner.gedetineerd"]]
    assert gc.isenabled()  # the batch paused the collector and gave it back


def test_batch_grenzen(client: TestClient, context_headers: ContextHeaders) -> None:
    leeg = _problem(client.post("/api/v1/berekeningen:batch", json={"huishoudens": []}, headers=context_headers()), 400)
    assert [p["name"] for p in leeg["invalidParams"]] == ["huishoudens"]
    kapot = copy.deepcopy(huishouden())
    del kapot["aanvrager"]["geboortedatum"]
    batch = {"huishoudens": [huishouden(), kapot]}
    fout = _problem(client.post("/api/v1/berekeningen:batch", json=batch, headers=context_headers()), 400)
    assert [p["name"] for p in fout["invalidParams"]] == ["huishoudens.1.aanvrager.geboortedatum"]
    ander = huishouden(gemeente="0518")
    batch = {"huishoudens": [huishouden(), ander]}
    _problem(client.post("/api/v1/berekeningen:batch", json=batch, headers=context_headers()), 403)
    _problem(client.post("/api/v1/berekeningen:batch", content=b"{nee", headers=context_headers()), 400)
    tekst = {**context_headers(), "content-type": "text/plain"}
    geen_json = _problem(client.post("/api/v1/berekeningen:batch", content=b'{"huishoudens": []}', headers=tekst), 400)
    assert [p["name"] for p in geen_json["invalidParams"]] == ["body"]
    assert gc.isenabled()


def test_batch_boven_de_limiet(client: TestClient, context_headers: ContextHeaders) -> None:
    client.app.state.settings = client.app.state.settings.model_copy(update={"max_batch": 2})  # type: ignore[attr-defined]
    body = _problem(
        client.post("/api/v1/berekeningen:batch", json={"huishoudens": [huishouden()] * 3}, headers=context_headers()),
        400,
    )
    assert [p["name"] for p in body["invalidParams"]] == ["huishoudens"]

"""The caseworker's workbench (``/api/v1/taken``, ``/api/v1/zaken``) against the layers below faked over real
HTTP: the inbox per role, working a task with 4-eyes, and the case dossier; who may do what; tenant isolation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import AMSTERDAM, BURGER_A, DEN_HAAG, Wie
from .fake_gateway import PDF, FakeGateway, voortgang

PROBLEM = "application/problem+json"


def _problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = resp.json()
    assert body["status"] == status
    return body


@pytest.fixture
def zaak(fake: FakeGateway) -> str:
    return fake.aanvraag(
        BURGER_A,
        AMSTERDAM,
        huishouden={"partner": None, "kinderen": []},
        medebewoners=[{"geboortedatum": "1960-01-01", "relatie": "ouder"}],
        iban="NL91ABNA0417164300",
    )


# --- the inbox ----------------------------------------------------------------------------------------------------


def test_a_medewerker_sees_the_inbox_of_their_role(client: TestClient, fake: FakeGateway, wie: Wie, zaak: str) -> None:
    km = fake.taak(zaak, "klantmanager", naam="Intakegesprek voeren")
    fake.taak(zaak, "inkomensconsulent")
    resp = client.get("/api/v1/taken", headers=wie.medewerker("klantmanager"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [t["id"] for t in body["items"]] == [km]
    taak = body["items"][0]
    assert taak["naam"] == "Intakegesprek voeren"
    assert taak["reden"] == "Inkomen wijkt af van de polis"
    assert taak["aanvraagId"] == zaak
    assert taak["links"] == {"self": {"href": f"/api/v1/taken/{km}"}, "zaak": {"href": f"/api/v1/zaken/{zaak}"}}
    assert "procesinstantieId" not in taak
    assert "uitgesloten" not in taak
    assert "version" not in taak
    (listed,) = fake.calls("GET", "/internal/data/v1/taken")
    assert listed.query == {"rol": "klantmanager", "sort": "due", "pageSize": "20"}


def test_the_inbox_of_another_role_is_for_a_teamleider_only(
    client: TestClient, fake: FakeGateway, wie: Wie, zaak: str
) -> None:
    fake.taak(zaak, "handhaver", naam="Huisbezoek afleggen")
    _problem(client.get("/api/v1/taken?rol=handhaver", headers=wie.medewerker("klantmanager")), 403)
    assert fake.calls("GET", "/internal/data/v1/taken") == []
    body = client.get("/api/v1/taken?rol=handhaver", headers=wie.medewerker("teamleider")).json()
    assert [t["naam"] for t in body["items"]] == ["Huisbezoek afleggen"]


def test_a_teamleider_without_a_role_filter_sees_every_role(
    client: TestClient, fake: FakeGateway, wie: Wie, zaak: str
) -> None:
    fake.taak(zaak, "klantmanager")
    fake.taak(zaak, "handhaver")
    body = client.get("/api/v1/taken", headers=wie.medewerker("teamleider")).json()
    assert len(body["items"]) == 2
    (listed,) = fake.calls("GET", "/internal/data/v1/taken")
    assert "rol" not in listed.query


def test_filters_sorting_and_paging(client: TestClient, fake: FakeGateway, wie: Wie, zaak: str) -> None:
    for _ in range(3):
        fake.taak(zaak, "inkomensconsulent")
    headers = wie.medewerker("inkomensconsulent", naam="ic-7")
    resp = client.get(
        f"/api/v1/taken?status=open&toegewezenAan=mij&aanvraagId={zaak}&sorteer=aangemaakt&pageSize=2",
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    (listed,) = fake.calls("GET", "/internal/data/v1/taken")
    assert listed.query == {
        "rol": "inkomensconsulent",
        "status": "open",
        "toegewezenAan": "ic-7",
        "aanvraagId": zaak,
        "sort": "created",
        "pageSize": "2",
    }
    fake.seen.clear()
    first = client.get("/api/v1/taken?pageSize=2", headers=headers).json()
    assert len(first["items"]) == 2
    assert first["links"]["next"]["href"] == "/api/v1/taken?pageSize=2&after=2"
    second = client.get(first["links"]["next"]["href"], headers=headers).json()
    assert len(second["items"]) == 1
    assert second["links"]["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [("rol=beheerder", "rol"), ("status=klaar", "status"), ("sorteer=naam", "sorteer"), ("pageSize=0", "pageSize")],
)
def test_invalid_filters_are_400_naming_them(client: TestClient, wie: Wie, query: str, field: str) -> None:
    problem = _problem(client.get(f"/api/v1/taken?{query}", headers=wie.medewerker()), 400)
    assert [p["name"] for p in problem["invalidParams"]] == [field]


def test_the_inbox_is_for_staff_with_an_inbox_role(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    for headers in (wie.burger(), wie.medewerker("beheerder"), wie.medewerker("auditor"), wie.integrator()):
        _problem(client.get("/api/v1/taken", headers=headers), 403)
        _problem(client.get("/api/v1/taken/tellingen", headers=headers), 403)
    assert fake.seen == []


def test_counts_per_role(client: TestClient, fake: FakeGateway, wie: Wie, zaak: str) -> None:
    fake.taak(zaak, "klantmanager")
    fake.taak(zaak, "klantmanager")
    resp = client.get("/api/v1/taken/tellingen", headers=wie.medewerker("teamleider"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    counts = {t["rol"]: (t["open"], t["geclaimd"], t["verlopen"]) for t in body["items"]}
    assert counts["klantmanager"] == (2, 0, 0)
    assert body["peilmoment"].startswith("2026-03-09T23:30")


# --- working a task -----------------------------------------------------------------------------------------------


def test_claim_complete_and_four_eyes(client: TestClient, fake: FakeGateway, wie: Wie, zaak: str) -> None:
    beoordeling = fake.taak(zaak, "inkomensconsulent")
    goedkeuring = fake.taak(zaak, "teamleider", naam="Besluit goedkeuren", beoordeelt=beoordeling)
    ic = wie.medewerker("inkomensconsulent", "teamleider", naam="ic-1")

    claimed = client.post(f"/api/v1/taken/{beoordeling}/claim", headers=ic)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "geclaimd"
    assert claimed.json()["toegewezenAan"] == "ic-1"
    assert fake.calls("POST", rf"/internal/data/v1/taken/{beoordeling}:claim")

    done = client.post(
        f"/api/v1/taken/{beoordeling}/afronden",
        json={"uitkomst": "toekenning", "reden": "Alles klopt", "gegevens": {"afwijkingBerekening": False}},
        headers=ic,
    )
    assert done.status_code == 200, done.text
    assert done.json()["uitkomst"] == "toekenning"
    assert done.json()["uitkomstGegevens"] == {"afwijkingBerekening": False}
    assert done.json()["afgerondDoor"] == "ic-1"

    # 4-eyes: the assessor (also a teamleider) cannot approve their own decision.
    problem = _problem(client.post(f"/api/v1/taken/{goedkeuring}/claim", headers=ic), 403)
    assert problem["code"] == "vier-ogen"
    tl = wie.medewerker("teamleider", naam="tl-2")
    assert client.post(f"/api/v1/taken/{goedkeuring}/claim", headers=tl).status_code == 200
    ok = client.post(
        f"/api/v1/taken/{goedkeuring}/afronden", json={"uitkomst": "goedgekeurd", "reden": "Akkoord"}, headers=tl
    )
    assert ok.status_code == 200
    assert ok.json()["vierOgen"] is True
    assert ok.json()["beoordeeltTaakId"] == beoordeling


def test_the_role_must_match_the_task(client: TestClient, fake: FakeGateway, wie: Wie, zaak: str) -> None:
    taak = fake.taak(zaak, "handhaver")
    problem = _problem(client.post(f"/api/v1/taken/{taak}/claim", headers=wie.medewerker("klantmanager")), 403)
    assert problem["detail"] == "Deze taak is voor de rol handhaver"


def test_claimed_by_another_is_409(client: TestClient, fake: FakeGateway, wie: Wie, zaak: str) -> None:
    taak = fake.taak(zaak, "klantmanager")
    assert client.post(f"/api/v1/taken/{taak}/claim", headers=wie.medewerker(naam="km-1")).status_code == 200
    _problem(client.post(f"/api/v1/taken/{taak}/claim", headers=wie.medewerker(naam="km-2")), 409)
    _problem(
        client.post(
            f"/api/v1/taken/{taak}/afronden", json={"uitkomst": "x", "reden": "y"}, headers=wie.medewerker(naam="km-2")
        ),
        403,
    )
    released = client.post(f"/api/v1/taken/{taak}/vrijgeven", headers=wie.medewerker(naam="km-1"))
    assert released.status_code == 200
    assert released.json()["status"] == "open"


def test_only_a_teamleider_reassigns(client: TestClient, fake: FakeGateway, wie: Wie, zaak: str) -> None:
    taak = fake.taak(zaak, "klantmanager")
    _problem(
        client.post(f"/api/v1/taken/{taak}/herverdelen", json={"medewerker": "km-9"}, headers=wie.medewerker()), 403
    )
    assert fake.calls("POST", r".*:herverdelen") == []
    resp = client.post(
        f"/api/v1/taken/{taak}/herverdelen", json={"medewerker": "km-9"}, headers=wie.medewerker("teamleider")
    )
    assert resp.status_code == 200
    assert resp.json()["toegewezenAan"] == "km-9"


def test_afronden_needs_an_outcome_and_a_reason(client: TestClient, fake: FakeGateway, wie: Wie, zaak: str) -> None:
    taak = fake.taak(zaak, "klantmanager")
    problem = _problem(
        client.post(f"/api/v1/taken/{taak}/afronden", json={"uitkomst": "ok"}, headers=wie.medewerker()), 400
    )
    assert {p["name"]: p["reason"] for p in problem["invalidParams"]} == {"reden": "is verplicht"}
    problem = _problem(
        client.post(
            f"/api/v1/taken/{taak}/afronden", json={"uitkomst": "met spatie", "reden": "r"}, headers=wie.medewerker()
        ),
        400,
    )
    assert problem["invalidParams"][0]["name"] == "uitkomst"


def test_comments_and_the_task_detail(client: TestClient, fake: FakeGateway, wie: Wie, zaak: str) -> None:
    taak = fake.taak(zaak, "klantmanager")
    resp = client.post(
        f"/api/v1/taken/{taak}/opmerkingen", json={"tekst": "Gebeld, stukken volgen"}, headers=wie.medewerker()
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["door"] == "km-1"
    assert resp.headers["location"] == f"/api/v1/taken/{taak}"
    detail = client.get(f"/api/v1/taken/{taak}", headers=wie.medewerker()).json()
    assert [o["tekst"] for o in detail["opmerkingen"]] == ["Gebeld, stukken volgen"]
    assert detail["uitkomstGegevens"] is None


def test_another_gemeentes_task_is_404_like_a_missing_one(
    client: TestClient, fake: FakeGateway, wie: Wie, zaak: str
) -> None:
    taak = fake.taak(zaak, "klantmanager")
    elders = wie.medewerker("klantmanager", "teamleider", gemeente=DEN_HAAG)
    answers = []
    for target in (taak, str(uuid.uuid4())):
        for method, path, body in (
            ("GET", "", None),
            ("POST", "/claim", None),
            ("POST", "/vrijgeven", None),
            ("POST", "/herverdelen", {"medewerker": "x"}),
            ("POST", "/afronden", {"uitkomst": "x", "reden": "y"}),
            ("POST", "/opmerkingen", {"tekst": "x"}),
        ):
            problem = _problem(client.request(method, f"/api/v1/taken/{target}{path}", json=body, headers=elders), 404)
            answers.append((problem["detail"], problem["code"]))
    assert set(answers) == {("Geen taak met dit id", "not-found")}
    assert fake.taken[taak]["status"] == "open"


# --- the case dossier ---------------------------------------------------------------------------------------------


def test_the_case_dossier_brings_store_and_process_together(
    client: TestClient, fake: FakeGateway, wie: Wie, zaak: str
) -> None:
    fake.document(zaak, PDF, "application/pdf")
    taak = fake.taak(zaak, "inkomensconsulent")
    fake.voorschot(zaak, 1, 126500)
    fake.besluit(zaak)
    bron = {"bron": "BRP (Haal Centraal BRP Personen bevragen 2)", "opgevraagdOp": "2026-03-02T10:00:00Z"}
    fake.voortgang[zaak] = voortgang(
        zaak, beslistermijn_einde="2026-04-27", voorschot_vanaf="2026-03-30", bronnen=[bron]
    ) | {"status": "completed", "afgerond": True}
    resp = client.get(f"/api/v1/zaken/{zaak}", headers=wie.medewerker("inkomensconsulent"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["aanvrager"] == {"bsn": BURGER_A}
    assert body["huishouden"] == {
        "partner": None,
        "kinderen": [],
        "medebewoners": [{"geboortedatum": "1960-01-01", "relatie": "ouder"}],
    }
    assert body["opgegeven"]["iban"] == "NL91ABNA0417164300"
    assert body["bronnen"] == [bron]
    assert body["berekening"] == {"bedragPerMaand": "1331.42", "toelichting": [{"stap": "norm"}]}
    assert body["termijnen"] == {"beslistermijnEinde": "2026-04-27", "voorschotVanaf": "2026-03-30"}
    assert [t["id"] for t in body["taken"]] == [taak]
    assert body["besluit"]["gronden"]["berekening"]["bedragPerMaand"] == "1331.42"
    assert body["besluit"]["vastgesteldDoor"] == "ic-1"
    assert body["besluit"]["bedragPerMaand"] == "1331.42"
    assert body["uitkering"]["bedragPerMaand"] == "1331.42"
    assert body["voorschotten"][0]["bedrag"] == "1265.00"
    assert {d["soort"] for d in body["documenten"]} == {"bewijsstuk", "beschikking"}
    assert body["tijdlijn"][0]["door"] == "gemeente"
    assert body["voortgang"]["status"] == "completed"
    assert body["voortgang"]["variabelen"]["beslistermijn_einde"] == "2026-04-27"
    assert body["versie"] == 1
    (taken,) = fake.calls("GET", "/internal/data/v1/taken")
    assert taken.query["aanvraagId"] == zaak


def test_the_dossier_without_process_progress(client: TestClient, fake: FakeGateway, wie: Wie, zaak: str) -> None:
    fake.voortgang[zaak] = 503
    body = client.get(f"/api/v1/zaken/{zaak}", headers=wie.medewerker("handhaver")).json()
    assert body["voortgang"] is None
    assert body["bronnen"] == []
    assert body["berekening"] is None
    assert body["besluit"] is None


def test_the_dossier_is_for_staff_of_the_gemeente(client: TestClient, fake: FakeGateway, wie: Wie, zaak: str) -> None:
    missing = _problem(client.get(f"/api/v1/zaken/{uuid.uuid4()}", headers=wie.medewerker()), 404)
    other = _problem(client.get(f"/api/v1/zaken/{zaak}", headers=wie.medewerker(gemeente=DEN_HAAG)), 404)
    assert (
        (missing["detail"], missing["code"])
        == (other["detail"], other["code"])
        == ("Geen aanvraag met dit id", "not-found")
    )
    _problem(client.get(f"/api/v1/zaken/{zaak}", headers=wie.burger()), 403)
    _problem(client.get(f"/api/v1/zaken/{zaak}", headers=wie.medewerker("beheerder")), 403)

"""The citizen channel of the ALO (``/api/v1/aanvragen``) against the layers below faked over real HTTP: submit,
follow, documents and beschikking; who may see what; invalid input in plain Dutch."""

from __future__ import annotations

import base64
import copy
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import AMSTERDAM, BUITEN_GBI, BURGER_A, BURGER_B, BURGER_DH, DEN_HAAG, ONBEKEND, Wie
from .fake_gateway import PDF, PNG, FakeGateway, voortgang

PROBLEM = "application/problem+json"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def aanvraag(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "huishouden": {
            "partner": {"naam": "Sam de Vries", "geboortedatum": "1985-04-12"},
            "kinderen": [{"naam": "Noor", "geboortedatum": "2015-09-01"}],
            "medebewoners": [{"naam": "Kees", "geboortedatum": "1960-01-01", "relatie": "ouder"}],
        },
        "woning": {"soort": "huurwoning", "woonkostenPerMaand": "850.00"},
        "inkomsten": [{"persoon": "partner", "soort": "arbeid", "nettoPerMaand": "400.00", "omschrijving": "Albert"}],
        "vermogen": {"bezittingen": "1200.00", "schulden": "300.00"},
        "iban": "nl91 abna 0417 1643 00",
        "contact": {"email": "burger@example.nl"},
        "naarWaarheidIngevuld": True,
    }
    body.update(changes)
    return body


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = resp.json()
    assert body["status"] == status
    assert "Traceback" not in resp.text
    return body


def _fields(body: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["reason"] for p in body["invalidParams"]}


# --- submitting ---------------------------------------------------------------------------------------------------


def test_a_citizen_submits_an_aanvraag_and_the_process_gets_it_with_the_bsn_of_the_token(
    client: TestClient, fake: FakeGateway, wie: Wie
) -> None:
    resp = client.post("/api/v1/aanvragen", json=aanvraag(), headers=wie.burger() | _key())
    assert resp.status_code == 202, resp.text
    body = resp.json()
    aanvraag_id = body["id"]
    assert body["status"] == "ontvangen"
    assert body["links"]["self"] == {"href": f"/api/v1/aanvragen/{aanvraag_id}"}
    assert body["links"]["documenten"] == {"href": f"/api/v1/aanvragen/{aanvraag_id}/documenten"}
    assert resp.headers["location"] == f"/api/v1/aanvragen/{aanvraag_id}"
    assert resp.headers["api-version"] == "1.0.0"

    (start,) = fake.calls("POST", "/internal/process/v1/aanvragen")
    sent = start.json()
    assert sent["bsn"] == BURGER_A
    assert sent["kanaal"] == "digitaal"
    # The data service's clock says 23:30 UTC on 9 March: that is 10 March in the Netherlands.
    assert sent["meldingsdatum"] == sent["aanvraagdatum"] == "2026-03-10"
    gegevens = sent["gegevens"]
    # Where the process reads them (AanvraagGegevens): iban, inkomsten, vermogen, medebewoners at the top level.
    assert gegevens["iban"] == "NL91ABNA0417164300"
    assert gegevens["vermogen"] == {"bezittingen": "1200.00", "schulden": "300.00", "overwaardeEigenWoning": "0.00"}
    assert gegevens["inkomsten"][0]["nettoPerMaand"] == "400.00"
    assert gegevens["medebewoners"] == [
        {
            "naam": "Kees",
            "geboortedatum": "1960-01-01",
            "relatie": "ouder",
            "commercieleHuurovereenkomst": False,
            "studiefinanciering": False,
        }
    ]
    assert gegevens["verblijfBuitenlandDagen"] == 0
    assert gegevens["huishouden"]["partner"]["naam"] == "Sam de Vries"
    assert "medebewoners" not in gegevens["huishouden"]
    assert gegevens["contact"] == {"email": "burger@example.nl", "telefoon": None}
    assert "bsn" not in gegevens
    # The citizen's context is forwarded; the process establishes the gemeente, the channel names none.
    assert start.ctx is not None
    assert start.ctx.bsn == BURGER_A
    assert "gbi-gemeente" not in start.headers
    assert fake.aanvragen[aanvraag_id]["gemeente"] == AMSTERDAM


def test_the_same_key_gives_the_same_aanvraag_and_keys_are_scoped_to_the_citizen(
    client: TestClient, fake: FakeGateway, wie: Wie
) -> None:
    key = {"Idempotency-Key": "mijn-sleutel-1"}
    first = client.post("/api/v1/aanvragen", json=aanvraag(), headers=wie.burger() | key)
    again = client.post("/api/v1/aanvragen", json=aanvraag(), headers=wie.burger() | key)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert len(fake.aanvragen) == 1

    # Another citizen with the same key gets their own aanvraag, never the first one's nor a conflict.
    other = client.post("/api/v1/aanvragen", json=aanvraag(), headers=wie.burger(BURGER_B) | key)
    assert other.status_code == 202
    assert other.json()["id"] != first.json()["id"]
    sent_keys = {c.headers["idempotency-key"] for c in fake.calls("POST", "/internal/process/v1/aanvragen")}
    assert len(sent_keys) == 2
    assert "mijn-sleutel-1" not in sent_keys

    # The same key with other content: 409, nothing new.
    changed = client.post("/api/v1/aanvragen", json=aanvraag(iban="NL44RABO0123456789"), headers=wie.burger() | key)
    _problem(changed, 409)
    assert len(fake.aanvragen) == 2


def test_the_idempotency_key_is_required(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    body = _problem(client.post("/api/v1/aanvragen", json=aanvraag(), headers=wie.burger()), 400)
    assert _fields(body) == {"Idempotency-Key": "is verplicht"}
    assert fake.calls("POST", "/internal/process/v1/aanvragen") == []


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"iban": "NL91ABNA0417164301"}, "iban", "het controlegetal van dit IBAN klopt niet"),
        ({"iban": "NL91ABNA041716430"}, "iban", "een Nederlands IBAN heeft 18 tekens"),
        ({"iban": "rekening 12345"}, "iban", "is geen IBAN"),
        ({"vermogen": {"bezittingen": "1200,00", "schulden": "0.00"}}, "vermogen.bezittingen", "bedrag in euro"),
        ({"vermogen": {"schulden": "0.00"}}, "vermogen.bezittingen", "is verplicht"),
        ({"woning": None}, "woning", "moet een object zijn"),
        ({"woning": {"soort": "villa"}}, "woning.soort", "kies uit"),
        ({"contact": {}}, "contact", "geef een e-mailadres of een telefoonnummer op"),
        ({"contact": {"email": "geen-adres"}}, "contact.email", "is geen e-mailadres"),
        ({"naarWaarheidIngevuld": False}, "naarWaarheidIngevuld", "bevestig dat u alles naar waarheid"),
        ({"bsn": BURGER_B}, "bsn", "is geen veld van dit bericht"),
        (
            {"huishouden": {"kinderen": [{"geboortedatum": "2099-01-01"}]}},
            "huishouden.kinderen.0.geboortedatum",
            "ligt in de toekomst",
        ),
        (
            {"huishouden": {"partner": {"naam": "P", "geboortedatum": "1980-13-01"}}},
            "huishouden.partner.geboortedatum",
            "is geen geldige datum",
        ),
    ],
)
def test_invalid_input_is_400_naming_the_field_in_plain_dutch(
    client: TestClient, fake: FakeGateway, wie: Wie, change: dict[str, Any], field: str, reason: str
) -> None:
    body = aanvraag(**change)
    if change.get("woning", "") is None:
        del body["woning"]
        body["woning"] = None
    problem = _problem(client.post("/api/v1/aanvragen", json=body, headers=wie.burger() | _key()), 400)
    fields = _fields(problem)
    assert field in fields, fields
    assert reason in fields[field]
    assert field in problem["detail"]
    assert fake.calls("POST", "/internal/process/v1/aanvragen") == []


def test_checks_across_fields_name_the_field(client: TestClient, wie: Wie) -> None:
    body = aanvraag(huishouden={"kinderen": []})  # income of a partner, but no partner
    problem = _problem(client.post("/api/v1/aanvragen", json=body, headers=wie.burger() | _key()), 400)
    assert _fields(problem) == {
        "inkomsten.0.persoon": "u hebt geen partner opgegeven; geef de partner op bij huishouden.partner"
    }
    own = copy.deepcopy(aanvraag())
    own["huishouden"]["partner"]["bsn"] = BURGER_A
    problem = _problem(client.post("/api/v1/aanvragen", json=own, headers=wie.burger() | _key()), 400)
    assert list(_fields(problem)) == ["huishouden.partner.bsn"]


def test_malformed_json_is_400_naming_the_body(client: TestClient, wie: Wie) -> None:
    resp = client.post(
        "/api/v1/aanvragen",
        content=b"{niet: json",
        headers=wie.burger() | _key() | {"Content-Type": "application/json"},
    )
    assert _fields(_problem(resp, 400)) == {"body": "is geen geldige JSON"}


def test_only_a_citizen_submits_through_this_channel(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    _problem(client.post("/api/v1/aanvragen", json=aanvraag(), headers=wie.medewerker() | _key()), 403)
    _problem(client.post("/api/v1/aanvragen", json=aanvraag(), headers=wie.integrator() | _key()), 403)
    _problem(client.post("/api/v1/aanvragen", json=aanvraag(), headers=_key()), 401)
    assert fake.calls("POST", "/internal/process/v1/aanvragen") == []


def test_a_citizen_outside_gbi_gets_the_process_layers_answer(client: TestClient, wie: Wie) -> None:
    problem = _problem(client.post("/api/v1/aanvragen", json=aanvraag(), headers=wie.burger(BUITEN_GBI) | _key()), 422)
    assert problem["code"] == "gemeente-niet-aangesloten"


# --- following ----------------------------------------------------------------------------------------------------


def test_a_citizen_lists_only_their_own_aanvragen(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    own = fake.aanvraag(BURGER_A, AMSTERDAM)
    fake.aanvraag(BURGER_B, AMSTERDAM)
    fake.aanvraag(BURGER_DH, DEN_HAAG)
    resp = client.get("/api/v1/aanvragen", headers=wie.burger())
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [i["id"] for i in body["items"]] == [own]
    item = body["items"][0]
    assert item["statusOmschrijving"] == "Wij behandelen uw aanvraag."
    assert item["links"]["self"]["href"] == f"/api/v1/aanvragen/{own}"
    assert "bsn" not in item
    assert body["links"] == {"self": {"href": "/api/v1/aanvragen"}, "next": None}
    (listed,) = fake.calls("GET", "/internal/data/v1/burgeraanvragen")
    # The citizen-wide index (ADR 0010), with the citizen's own context and no gemeente named.
    assert "gbi-gemeente" not in listed.headers
    assert listed.ctx is not None
    assert listed.ctx.bsn == BURGER_A
    assert fake.calls("GET", "/internal/data/v1/aanvragen") == []


def test_a_citizen_who_moved_still_finds_the_aanvraag_of_the_gemeente_they_left(
    client: TestClient, fake: FakeGateway, wie: Wie
) -> None:
    # The BRP says BURGER_A lives in Amsterdam now; the aanvraag lives in Den Haag, where they lived before.
    oud = fake.aanvraag(BURGER_A, DEN_HAAG)
    nieuw = fake.aanvraag(BURGER_A, AMSTERDAM)
    listed = client.get("/api/v1/aanvragen", headers=wie.burger())
    assert listed.status_code == 200, listed.text
    assert {i["id"] for i in listed.json()["items"]} == {oud, nieuw}
    resp = client.get(f"/api/v1/aanvragen/{oud}", headers=wie.burger())
    assert resp.status_code == 200, resp.text
    assert resp.json()["gemeente"] == DEN_HAAG
    (read,) = fake.calls("GET", f"/internal/data/v1/aanvragen/{oud}")
    assert read.headers["gbi-gemeente"] == DEN_HAAG  # asked in the gemeente that holds it
    # Another citizen's aanvraag stays invisible, exactly like one that does not exist.
    _problem(client.get(f"/api/v1/aanvragen/{oud}", headers=wie.burger(BURGER_B)), 404)


def test_pages_link_to_the_next(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    for _ in range(3):
        fake.aanvraag(BURGER_A, AMSTERDAM)
    first = client.get("/api/v1/aanvragen?pageSize=2&status=in-behandeling", headers=wie.burger()).json()
    assert len(first["items"]) == 2
    assert first["links"]["next"]["href"] == "/api/v1/aanvragen?pageSize=2&status=in-behandeling&after=2"
    second = client.get(first["links"]["next"]["href"], headers=wie.burger()).json()
    assert len(second["items"]) == 1
    assert second["links"]["next"] is None


@pytest.mark.parametrize("bsn", [BUITEN_GBI, ONBEKEND])
def test_a_citizen_who_does_not_live_in_gbi_has_no_aanvragen(
    client: TestClient, fake: FakeGateway, wie: Wie, bsn: str
) -> None:
    resp = client.get("/api/v1/aanvragen", headers=wie.burger(bsn))
    assert resp.status_code == 200
    assert resp.json()["items"] == []
    assert fake.calls("GET", "/internal/data/v1/aanvragen") == []
    _problem(client.get(f"/api/v1/aanvragen/{uuid.uuid4()}", headers=wie.burger(bsn)), 404)


def test_staff_list_the_aanvragen_of_their_gemeente(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    a = fake.aanvraag(BURGER_A, AMSTERDAM)
    b = fake.aanvraag(BURGER_B, AMSTERDAM)
    fake.aanvraag(BURGER_DH, DEN_HAAG)
    body = client.get("/api/v1/aanvragen", headers=wie.medewerker("handhaver")).json()
    assert {i["id"] for i in body["items"]} == {a, b}
    (listed,) = fake.calls("GET", "/internal/data/v1/aanvragen")
    assert "gbi-gemeente" not in listed.headers  # staff contexts carry their own
    _problem(client.get("/api/v1/aanvragen", headers=wie.medewerker("beheerder")), 403)
    _problem(client.get("/api/v1/aanvragen", headers=wie.integrator()), 403)


def test_the_status_of_an_aanvraag_waiting_for_documents(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM, status="wacht-op-burger")
    fake.tijdlijn(aanvraag_id, "herstelverzoek-verstuurd", "Wij hebben u om stukken gevraagd.", days=3)
    fake.document(aanvraag_id, PDF, "application/pdf")
    fake.voortgang[aanvraag_id] = voortgang(
        aanvraag_id,
        berichten=("documenten_ontvangen",),
        beslistermijn_einde="2026-04-27",
        voorschot_vanaf="2026-03-30",
        hersteltermijn_einde="2026-03-23",
        gevraagde_documenten=["loonstroken", "huurcontract"],
    )
    resp = client.get(f"/api/v1/aanvragen/{aanvraag_id}", headers=wie.burger())
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "wacht-op-burger"
    assert body["statusOmschrijving"] == "Wij wachten op stukken of informatie van u."
    assert [s["soort"] for s in body["tijdlijn"]] == ["aanvraag-ontvangen", "herstelverzoek-verstuurd"]
    assert set(body["tijdlijn"][0]) == {"op", "soort", "omschrijving"}
    assert body["openVerzoeken"] == [
        {
            "soort": "documenten-aanleveren",
            "omschrijving": "Wij hebben stukken nodig om uw aanvraag te kunnen behandelen.",
            "documenten": ["loonstroken", "huurcontract"],
            "hersteltermijnEinde": "2026-03-23",
        }
    ]
    assert body["termijnen"] == {"beslistermijnEinde": "2026-04-27", "voorschotVanaf": "2026-03-30"}
    assert body["besluit"] is None
    assert body["uitkering"] is None
    assert len(body["documenten"]) == 1
    assert body["documenten"][0]["links"]["self"]["href"].startswith("/api/v1/documenten/")
    assert body["voortgangBeschikbaar"] is True
    assert body["links"]["beschikking"] is None


def test_the_status_of_a_decided_aanvraag_shows_the_decision_amount_and_beschikking(
    client: TestClient, fake: FakeGateway, wie: Wie
) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    fake.voorschot(aanvraag_id, 2, 126500)
    fake.voorschot(aanvraag_id, 1, 126500)
    fake.besluit(aanvraag_id, cents=133142)
    body = client.get(f"/api/v1/aanvragen/{aanvraag_id}", headers=wie.burger()).json()
    assert body["status"] == "besloten"
    assert body["besluit"] == {
        "soort": "toekenning",
        "datum": "2026-04-01",
        "ingangsdatum": "2026-03-02",
        "bedragPerMaand": "1331.42",
        "beschikking": {"href": f"/api/v1/aanvragen/{aanvraag_id}/beschikking"},
    }
    assert body["uitkering"] == {"startdatum": "2026-03-02", "bedragPerMaand": "1331.42", "status": "actief"}
    assert [(v["volgnummer"], v["bedrag"]) for v in body["voorschotten"]] == [(1, "1265.00"), (2, "1265.00")]
    assert body["links"]["beschikking"] == {"href": f"/api/v1/aanvragen/{aanvraag_id}/beschikking"}
    # No progress from the process (404): the terms are unknown, the page is still there.
    assert body["termijnen"] == {"beslistermijnEinde": None, "voorschotVanaf": None}


def test_a_decision_is_shown_to_the_citizen_once_made_known(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    fake.besluit(aanvraag_id, beschikking=False, status="in-behandeling")  # recorded, letter not yet made
    body = client.get(f"/api/v1/aanvragen/{aanvraag_id}", headers=wie.burger()).json()
    assert body["besluit"] is None
    assert body["uitkering"] is None
    _problem(client.get(f"/api/v1/aanvragen/{aanvraag_id}/beschikking", headers=wie.burger()), 404)
    # The caseworker sees it at once.
    dossier = client.get(f"/api/v1/zaken/{aanvraag_id}", headers=wie.medewerker()).json()
    assert dossier["besluit"]["soort"] == "toekenning"
    assert dossier["besluit"]["beschikking"] is None
    # With the beschikking made, the citizen sees the decision and gets the letter.
    fake.document(aanvraag_id, PDF, "application/pdf", soort="beschikking")
    body = client.get(f"/api/v1/aanvragen/{aanvraag_id}", headers=wie.burger()).json()
    assert body["besluit"]["beschikking"] == {"href": f"/api/v1/aanvragen/{aanvraag_id}/beschikking"}
    assert client.get(f"/api/v1/aanvragen/{aanvraag_id}/beschikking", headers=wie.burger()).content == PDF


def test_an_afwijzing_has_no_amount_and_no_uitkering(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    fake.besluit(aanvraag_id, soort="afwijzing")
    body = client.get(f"/api/v1/aanvragen/{aanvraag_id}", headers=wie.burger()).json()
    assert body["besluit"]["soort"] == "afwijzing"
    assert body["besluit"]["bedragPerMaand"] is None
    assert body["uitkering"] is None
    assert fake.calls("GET", r"/internal/data/v1/aanvragen/.*/uitkering") == []


def test_the_page_stays_up_when_the_process_layer_is_down(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    fake.voortgang[aanvraag_id] = 503
    resp = client.get(f"/api/v1/aanvragen/{aanvraag_id}", headers=wie.burger())
    assert resp.status_code == 200
    assert resp.json()["voortgangBeschikbaar"] is False


def test_another_citizens_aanvraag_is_404_exactly_like_a_missing_one(
    client: TestClient, fake: FakeGateway, wie: Wie
) -> None:
    others = fake.aanvraag(BURGER_B, AMSTERDAM)
    elsewhere = fake.aanvraag(BURGER_DH, DEN_HAAG)
    answers = []
    for target in (others, elsewhere, str(uuid.uuid4())):
        for path in ("", "/beschikking", "/documenten"):
            problem = _problem(client.get(f"/api/v1/aanvragen/{target}{path}", headers=wie.burger()), 404)
            problem.pop("instance")
            answers.append(problem)
    assert all(a == answers[0] for a in answers), answers
    assert answers[0]["detail"] == "Geen aanvraag met dit id"


def test_staff_see_the_status_of_their_gemeentes_aanvragen_only(
    client: TestClient, fake: FakeGateway, wie: Wie
) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    assert client.get(f"/api/v1/aanvragen/{aanvraag_id}", headers=wie.medewerker()).status_code == 200
    _problem(client.get(f"/api/v1/aanvragen/{aanvraag_id}", headers=wie.medewerker(gemeente=DEN_HAAG)), 404)
    _problem(client.get(f"/api/v1/aanvragen/{aanvraag_id}", headers=wie.medewerker("auditor")), 403)


def test_an_invalid_id_is_400_naming_it(client: TestClient, wie: Wie) -> None:
    problem = _problem(client.get("/api/v1/aanvragen/niet-een-id", headers=wie.burger()), 400)
    assert _fields(problem) == {"aanvraagId": "is geen geldig id"}


# --- beschikking --------------------------------------------------------------------------------------------------


def test_the_beschikking_is_the_pdf_once_decided(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    problem = _problem(client.get(f"/api/v1/aanvragen/{aanvraag_id}/beschikking", headers=wie.burger()), 404)
    assert problem["code"] == "geen-beschikking"
    fake.besluit(aanvraag_id)
    resp = client.get(f"/api/v1/aanvragen/{aanvraag_id}/beschikking", headers=wie.burger())
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.content == PDF
    assert resp.headers["cache-control"] == "private, no-store"
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["content-disposition"].startswith("inline")
    assert resp.headers["api-version"] == "1.0.0"
    # Staff of the gemeente read it too.
    assert client.get(f"/api/v1/aanvragen/{aanvraag_id}/beschikking", headers=wie.medewerker()).content == PDF


# --- documents ----------------------------------------------------------------------------------------------------


def test_an_upload_answering_an_open_request_signals_the_process(
    client: TestClient, fake: FakeGateway, wie: Wie
) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM, status="wacht-op-burger")
    fake.wacht_op_documenten.add(aanvraag_id)
    resp = client.post(
        f"/api/v1/aanvragen/{aanvraag_id}/documenten?soort=bewijsstuk&bestandsnaam=loonstrook-maart.pdf",
        content=PDF,
        headers=wie.burger() | {"Content-Type": "application/pdf"},
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["verzoekBeantwoord"] is True
    assert body["bestandsnaam"] == "loonstrook-maart.pdf"
    assert body["contentType"] == "application/pdf"
    assert body["grootte"] == len(PDF)
    assert resp.headers["location"] == f"/api/v1/documenten/{body['id']}"
    (stored,) = fake.calls("POST", r"/internal/data/v1/aanvragen/.*/documenten")
    assert stored.headers["gbi-gemeente"] == AMSTERDAM
    assert base64.b64decode(stored.json()["inhoud"]) == PDF
    (signal,) = fake.calls("POST", r"/internal/process/v1/aanvragen/.*/documenten-ontvangen")
    assert signal.json() == {"gemeente": AMSTERDAM, "documenten": [body["id"]]}
    assert signal.headers["gbi-gemeente"] == AMSTERDAM

    # The same file again is the same document (no key needed), and nothing happens twice in the store.
    again = client.post(
        f"/api/v1/aanvragen/{aanvraag_id}/documenten?soort=bewijsstuk&bestandsnaam=loonstrook-maart.pdf",
        content=PDF,
        headers=wie.burger() | {"Content-Type": "application/pdf"},
    )
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == body["id"]
    assert len(fake.documenten) == 1


def test_an_upload_without_an_open_request_is_stored_and_says_so(
    client: TestClient, fake: FakeGateway, wie: Wie
) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    resp = client.post(
        f"/api/v1/aanvragen/{aanvraag_id}/documenten",
        content=PNG,
        headers=wie.burger() | {"Content-Type": "image/png", "Idempotency-Key": "scan-1"},
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["verzoekBeantwoord"] is False
    assert resp.json()["bestandsnaam"] == "document.png"


def test_an_upload_as_json_with_base64(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    resp = client.post(
        f"/api/v1/aanvragen/{aanvraag_id}/documenten",
        json={
            "soort": "aanvraagformulier",
            "bestandsnaam": "formulier.jpg",
            "contentType": "image/jpeg",
            "inhoud": base64.b64encode(JPEG).decode(),
        },
        headers=wie.burger(),
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["soort"] == "aanvraagformulier"
    problem = _problem(
        client.post(
            f"/api/v1/aanvragen/{aanvraag_id}/documenten",
            json={"bestandsnaam": "x.pdf", "contentType": "application/pdf", "inhoud": "!!geen base64!!"},
            headers=wie.burger(),
        ),
        400,
    )
    assert _fields(problem) == {"inhoud": "is geen geldige base64"}
    problem = _problem(
        client.post(
            f"/api/v1/aanvragen/{aanvraag_id}/documenten",
            json={
                "soort": "beschikking",
                "bestandsnaam": "x.pdf",
                "contentType": "application/pdf",
                "inhoud": "JVBERi0=",
            },
            headers=wie.burger(),
        ),
        400,
    )
    assert list(_fields(problem)) == ["soort"]


@pytest.mark.parametrize(
    ("content", "content_type", "status", "field"),
    [
        (b"<html>hallo</html>", "text/html", 415, None),
        (b"GIF89a....", "image/gif", 415, None),
        (PDF, "application/octet-stream", 415, None),
        (b"", "application/pdf", 400, "body"),
        (PNG, "application/pdf", 400, "body"),
        (b"%PDF-" + b"x" * (10 * 1024 * 1024), "application/pdf", 413, None),
    ],
)
def test_uploads_are_checked_for_type_and_size(
    client: TestClient,
    fake: FakeGateway,
    wie: Wie,
    content: bytes,
    content_type: str,
    status: int,
    field: str | None,
) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    resp = client.post(
        f"/api/v1/aanvragen/{aanvraag_id}/documenten",
        content=content,
        headers=wie.burger() | {"Content-Type": content_type},
    )
    problem = _problem(resp, status)
    if field is not None:
        assert list(_fields(problem)) == [field]
    assert fake.documenten == {}


def test_an_upload_over_the_body_limit_is_413_before_it_is_read(
    client: TestClient, fake: FakeGateway, wie: Wie
) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    resp = client.post(
        f"/api/v1/aanvragen/{aanvraag_id}/documenten",
        content=b"%PDF-" + b"x" * (15 * 1024 * 1024),
        headers=wie.burger() | {"Content-Type": "application/pdf"},
    )
    _problem(resp, 413)


def test_when_the_process_cannot_be_told_the_upload_fails_and_a_retry_stores_nothing_twice(
    client: TestClient, fake: FakeGateway, wie: Wie
) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM, status="wacht-op-burger")
    fake.wacht_op_documenten.add(aanvraag_id)
    fake.proces_status = 503
    upload = {"content": PDF, "headers": wie.burger() | {"Content-Type": "application/pdf"}}
    _problem(client.post(f"/api/v1/aanvragen/{aanvraag_id}/documenten", **upload), 503)  # type: ignore[arg-type]
    fake.proces_status = None
    retry = client.post(f"/api/v1/aanvragen/{aanvraag_id}/documenten", **upload)  # type: ignore[arg-type]
    assert retry.status_code == 200  # the document was stored the first time
    assert retry.json()["verzoekBeantwoord"] is True
    assert len(fake.documenten) == 1
    signals = fake.calls("POST", r".*/documenten-ontvangen")
    assert len(signals) == 2
    assert signals[0].json() == signals[1].json()


def test_no_upload_to_another_citizens_aanvraag(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    others = fake.aanvraag(BURGER_B, AMSTERDAM)
    problem = _problem(
        client.post(
            f"/api/v1/aanvragen/{others}/documenten",
            content=PDF,
            headers=wie.burger() | {"Content-Type": "application/pdf"},
        ),
        404,
    )
    assert problem["detail"] == "Geen aanvraag met dit id"
    assert fake.documenten == {}
    assert fake.calls("POST", r".*/documenten-ontvangen") == []


def test_staff_upload_on_behalf_of_the_citizen(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    resp = client.post(
        f"/api/v1/aanvragen/{aanvraag_id}/documenten?soort=correspondentie",
        content=PDF,
        headers=wie.medewerker() | {"Content-Type": "application/pdf"},
    )
    assert resp.status_code == 201
    (stored,) = fake.calls("POST", r"/internal/data/v1/aanvragen/.*/documenten")
    assert "gbi-gemeente" not in stored.headers


def test_a_document_is_served_to_who_may_see_its_aanvraag(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    doc = fake.document(aanvraag_id, PNG, "image/png")
    for headers in (wie.burger(), wie.medewerker("inkomensconsulent")):
        resp = client.get(f"/api/v1/documenten/{doc}", headers=headers)
        assert resp.status_code == 200
        assert resp.content == PNG
        assert resp.headers["content-type"] == "image/png"
        assert resp.headers["cache-control"] == "private, no-store"
    for headers in (wie.burger(BURGER_B), wie.medewerker(gemeente=DEN_HAAG)):
        assert (
            _problem(client.get(f"/api/v1/documenten/{doc}", headers=headers), 404)["detail"]
            == "Geen document met dit id"
        )
    _problem(client.get(f"/api/v1/documenten/{doc}", headers=wie.integrator()), 403)


def test_who_may_not_upload_gets_403_whatever_they_send(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    for content_type in ("application/pdf", "text/html"):
        resp = client.post(
            f"/api/v1/aanvragen/{aanvraag_id}/documenten",
            content=PDF,
            headers=wie.integrator() | {"Content-Type": content_type},
        )
        _problem(resp, 403)
    assert fake.seen == []


def test_the_documents_of_an_aanvraag(client: TestClient, fake: FakeGateway, wie: Wie) -> None:
    aanvraag_id = fake.aanvraag(BURGER_A, AMSTERDAM)
    fake.document(aanvraag_id, PDF, "application/pdf")
    body = client.get(f"/api/v1/aanvragen/{aanvraag_id}/documenten", headers=wie.burger()).json()
    assert [d["contentType"] for d in body["items"]] == ["application/pdf"]

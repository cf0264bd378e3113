"""The public channel APIs of the ALO on the real suite, through the gateway, with real tokens: a citizen applies,
a caseworker works the warm tasks the process routes to the inbox, the citizen answers the request for documents,
4-eyes holds, and the citizen reads the decision and its beschikking. Around it: who may see what (a citizen only
their own, staff only their gemeente's, roles), and invalid input answered as 400/415 naming the field.

Test persons are RvIG BRP test persons (see deploy/simulator/README.md).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import Http

pytestmark = pytest.mark.e2e

PROBLEM_JSON = "application/problem+json"
ALLEENSTAANDE = "999995431"  # 's-Gravenhage (0518), lives alone; the UWV knows income, the IB a signal
PAAR_MET_KINDEREN = "999993112"  # Amsterdam (0363)
DEN_HAAG = "0518"
AMSTERDAM = "0363"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _aanvraag(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "huishouden": {"kinderen": []},
        "woning": {"soort": "huurwoning", "woonkostenPerMaand": "650.00"},
        "inkomsten": [],
        "vermogen": {"bezittingen": "500.00", "schulden": "0.00"},
        "iban": "NL91 ABNA 0417 1643 00",
        "contact": {"email": "burger@example.nl"},
        "naarWaarheidIngevuld": True,
    }
    return body | changes


def _problem(response: tuple[int, dict[str, str], Any], expected: int) -> dict[str, Any]:
    status, headers, body = response
    assert status == expected, body
    assert headers["content-type"].startswith(PROBLEM_JSON)
    assert body["status"] == expected
    assert "Traceback" not in str(body)
    return dict(body)


def _wacht(what: str, probe: Callable[[], Any], timeout_s: float = 90.0) -> Any:
    """Poll until ``probe`` returns something truthy (the process layer's workers run in the background)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


class Kanaal:
    def __init__(self, gateway: Http, idp: Any) -> None:
        self.gw = gateway
        self.idp = idp

    def burger(self, bsn: str) -> str:
        return str(self.idp(actor_type="burger", bsn=bsn))

    def medewerker(self, roles: str, name: str, gemeente: str = DEN_HAAG) -> str:
        return str(self.idp(actor_type="medewerker", gemeente=gemeente, roles=roles, name=name))

    def dien_in(self, token: str, key: str, **changes: Any) -> tuple[int, dict[str, str], Any]:
        return self.gw.call(
            "POST", "/api/v1/aanvragen", token=token, body=_aanvraag(**changes), headers={"Idempotency-Key": key}
        )

    def open_taak(self, token: str, aanvraag_id: str, element: str) -> dict[str, Any] | None:
        status, _, body = self.gw.call("GET", f"/api/v1/taken?aanvraagId={aanvraag_id}&status=open", token=token)
        assert status == 200, body
        return next((t for t in body["items"] if t["gegevens"].get("element") == element), None)


@pytest.fixture(scope="module")
def kanaal(gateway: Http, idp: Any) -> Kanaal:
    return Kanaal(gateway, idp)


@pytest.fixture(scope="module")
def aanvraag_in_den_haag(kanaal: Kanaal) -> str:
    """An aanvraag of the alleenstaande in 's-Gravenhage, for the isolation tests."""
    status, _, body = kanaal.dien_in(kanaal.burger(ALLEENSTAANDE), str(uuid.uuid4()))
    assert status == 202, body
    return str(body["id"])


def test_a_citizen_applies_a_caseworker_handles_it_and_the_citizen_reads_the_beschikking(kanaal: Kanaal) -> None:
    gw = kanaal.gw
    burger = kanaal.burger(ALLEENSTAANDE)
    key = str(uuid.uuid4())

    # Apply: 202 with the case; the same key again is the same case.
    status, headers, ontvangen = kanaal.dien_in(burger, key)
    assert status == 202, ontvangen
    aanvraag_id = ontvangen["id"]
    assert headers["location"] == f"/api/v1/aanvragen/{aanvraag_id}"
    assert kanaal.dien_in(burger, key)[2]["id"] == aanvraag_id
    status, _, lijst = gw.call("GET", "/api/v1/aanvragen", token=burger)
    assert status == 200
    assert aanvraag_id in [a["id"] for a in lijst["items"]]

    # Declared no income, the UWV knows some: the process routes the case to people. The klantmanager's inbox
    # (by default the inbox of their one role) shows the intake with the reason.
    km = kanaal.medewerker("klantmanager", "Kim Klantmanager")
    intake = _wacht("the intake task", lambda: kanaal.open_taak(km, aanvraag_id, "intakegesprek"))
    assert "UWV" in intake["reden"]
    status, _, inbox = gw.call("GET", "/api/v1/taken", token=km)
    assert status == 200
    assert {t["rol"] for t in inbox["items"]} == {"klantmanager"}
    assert gw.call("POST", f"/api/v1/taken/{intake['id']}/claim", token=km)[0] == 200
    status, _, klaar = gw.call(
        "POST", f"/api/v1/taken/{intake['id']}/afronden", token=km, body={"uitkomst": "gevoerd", "reden": "Gebeld"}
    )
    assert status == 200, klaar
    assert klaar["status"] == "afgerond"

    # The klantmanager asks for documents with a hersteltermijn; the citizen sees the open request.
    stukken = _wacht("the documents task", lambda: kanaal.open_taak(km, aanvraag_id, "documenten_opvragen"))
    assert gw.call("POST", f"/api/v1/taken/{stukken['id']}/claim", token=km)[0] == 200
    status, _, klaar = gw.call(
        "POST",
        f"/api/v1/taken/{stukken['id']}/afronden",
        token=km,
        body={
            "uitkomst": "opgevraagd",
            "reden": "Inkomen wijkt af van de polis",
            "gegevens": {"hersteltermijn_einde": "2099-12-31", "gevraagde_documenten": ["loonstroken"]},
        },
    )
    assert status == 200, klaar

    def wacht_op_burger() -> dict[str, Any] | None:
        body = gw.call("GET", f"/api/v1/aanvragen/{aanvraag_id}", token=burger)[2]
        return body if body["status"] == "wacht-op-burger" else None

    stand = _wacht("the request for documents", wacht_op_burger)
    assert stand["openVerzoeken"][0]["hersteltermijnEinde"] == "2099-12-31"
    assert stand["openVerzoeken"][0]["documenten"] == ["loonstroken"]
    assert stand["termijnen"]["beslistermijnEinde"] is not None
    assert "herstelverzoek" in [s["soort"] for s in stand["tijdlijn"]]

    # Upload: a wrong type is refused (415); the PDF answers the request and the process goes on.
    _problem(
        gw.call(
            "POST",
            f"/api/v1/aanvragen/{aanvraag_id}/documenten",
            token=burger,
            raw=b"<html></html>",
            headers={"Content-Type": "text/html"},
        ),
        415,
    )
    status, headers, document = gw.call(
        "POST",
        f"/api/v1/aanvragen/{aanvraag_id}/documenten?bestandsnaam=loonstrook.pdf",
        token=burger,
        raw=PDF,
        headers={"Content-Type": "application/pdf"},
    )
    assert status == 201, document
    assert document["verzoekBeantwoord"] is True
    assert headers["location"] == f"/api/v1/documenten/{document['id']}"

    # The inkomensconsulent (also a teamleider) decides, marking the decision as deviating from the calculation:
    # the gemeente's policy then asks for 4 eyes. (The UWV income leaves no right to bijstand, so the decision is
    # an afwijzing: a toekenning against the calculation gets no beschikking from the domain layer.)
    ic = kanaal.medewerker("inkomensconsulent,teamleider", "Ines Consulent")
    beoordeling = _wacht("the assessment", lambda: kanaal.open_taak(ic, aanvraag_id, "beoordeling"))
    status, _, dossier = gw.call("GET", f"/api/v1/zaken/{aanvraag_id}", token=ic)
    assert status == 200, dossier
    assert dossier["aanvrager"] == {"bsn": ALLEENSTAANDE}
    assert dossier["opgegeven"]["iban"] == "NL91ABNA0417164300"
    assert document["id"] in [d["id"] for d in dossier["documenten"]]
    assert dossier["voortgang"]["definitie"] == "alo"
    status, _, inhoud = gw.call("GET", f"/api/v1/documenten/{document['id']}", token=ic)
    assert status == 200
    assert inhoud == PDF
    assert gw.call("POST", f"/api/v1/taken/{beoordeling['id']}/claim", token=ic)[0] == 200
    status, _, klaar = gw.call(
        "POST",
        f"/api/v1/taken/{beoordeling['id']}/afronden",
        token=ic,
        body={"uitkomst": "afwijzing", "reden": "Inkomen boven de norm", "gegevens": {"afwijking_berekening": True}},
    )
    assert status == 200, klaar

    goedkeuring = _wacht("the 4-eyes task", lambda: kanaal.open_taak(ic, aanvraag_id, "vierogen_goedkeuring"))
    assert goedkeuring["rol"] == "teamleider"
    problem = _problem(gw.call("POST", f"/api/v1/taken/{goedkeuring['id']}/claim", token=ic), 403)
    assert problem["code"] == "vier-ogen"
    tl = kanaal.medewerker("teamleider", "Tom Teamleider")
    assert gw.call("POST", f"/api/v1/taken/{goedkeuring['id']}/claim", token=tl)[0] == 200
    status, _, klaar = gw.call(
        "POST",
        f"/api/v1/taken/{goedkeuring['id']}/afronden",
        token=tl,
        body={"uitkomst": "goedgekeurd", "reden": "Akkoord"},
    )
    assert status == 200, klaar

    # The citizen reads the decision and downloads the beschikking.
    def besloten() -> dict[str, Any] | None:
        body = gw.call("GET", f"/api/v1/aanvragen/{aanvraag_id}", token=burger)[2]
        return body if body["besluit"] is not None and body["links"]["beschikking"] is not None else None

    stand = _wacht("the decision", besloten)
    assert stand["besluit"]["soort"] == "afwijzing"
    assert stand["besluit"]["bedragPerMaand"] is None
    assert stand["uitkering"] is None
    status, headers, pdf = gw.call("GET", stand["links"]["beschikking"]["href"], token=burger)
    assert status == 200
    assert headers["content-type"] == "application/pdf"
    assert headers["cache-control"] == "private, no-store"
    assert pdf.startswith(b"%PDF-")


def test_a_citizen_sees_only_their_own_aanvraag(kanaal: Kanaal, aanvraag_in_den_haag: str) -> None:
    gw = kanaal.gw
    eigen = kanaal.burger(ALLEENSTAANDE)
    ander = kanaal.burger(PAAR_MET_KINDEREN)
    assert gw.call("GET", f"/api/v1/aanvragen/{aanvraag_in_den_haag}", token=eigen)[0] == 200
    status, _, lijst = gw.call("GET", "/api/v1/aanvragen", token=ander)
    assert status == 200
    assert aanvraag_in_den_haag not in [a["id"] for a in lijst["items"]]
    answers = []
    for target in (aanvraag_in_den_haag, str(uuid.uuid4())):
        for path in ("", "/documenten", "/beschikking"):
            problem = _problem(gw.call("GET", f"/api/v1/aanvragen/{target}{path}", token=ander), 404)
            answers.append((problem["title"], problem["detail"], problem["code"]))
    assert len(set(answers)) == 1, answers
    upload = gw.call(
        "POST",
        f"/api/v1/aanvragen/{aanvraag_in_den_haag}/documenten",
        token=ander,
        raw=PDF,
        headers={"Content-Type": "application/pdf"},
    )
    assert (_problem(upload, 404)["detail"], "x") == (answers[0][1], "x")


def test_staff_see_only_their_own_gemeente_and_need_a_case_role(kanaal: Kanaal, aanvraag_in_den_haag: str) -> None:
    gw = kanaal.gw
    eigen = kanaal.medewerker("handhaver", "Hans Handhaver")
    assert gw.call("GET", f"/api/v1/zaken/{aanvraag_in_den_haag}", token=eigen)[0] == 200
    elders = kanaal.medewerker("klantmanager,teamleider", "Eva Elders", gemeente=AMSTERDAM)
    missing = _problem(gw.call("GET", f"/api/v1/zaken/{uuid.uuid4()}", token=elders), 404)
    other = _problem(gw.call("GET", f"/api/v1/zaken/{aanvraag_in_den_haag}", token=elders), 404)
    assert (missing["detail"], missing["code"]) == (other["detail"], other["code"])
    _problem(gw.call("GET", f"/api/v1/aanvragen/{aanvraag_in_den_haag}", token=elders), 404)
    status, _, taken = gw.call("GET", f"/api/v1/taken?aanvraagId={aanvraag_in_den_haag}", token=elders)
    assert status == 200
    assert taken["items"] == []

    beheerder = kanaal.medewerker("beheerder", "Bea Beheer")
    _problem(gw.call("GET", f"/api/v1/zaken/{aanvraag_in_den_haag}", token=beheerder), 403)
    _problem(gw.call("GET", "/api/v1/taken", token=beheerder), 403)
    burger = kanaal.burger(ALLEENSTAANDE)
    _problem(gw.call("GET", "/api/v1/taken", token=burger), 403)
    _problem(gw.call("GET", f"/api/v1/zaken/{aanvraag_in_den_haag}", token=burger), 403)
    km = kanaal.medewerker("klantmanager", "Karel Klantmanager")
    _problem(gw.call("GET", "/api/v1/taken?rol=handhaver", token=km), 403)
    _problem(gw.call("POST", "/api/v1/aanvragen", token=km, body=_aanvraag(), headers={"Idempotency-Key": "x"}), 403)


def test_invalid_input_is_400_naming_the_field(kanaal: Kanaal) -> None:
    gw = kanaal.gw
    burger = kanaal.burger(ALLEENSTAANDE)
    missing_key = _problem(gw.call("POST", "/api/v1/aanvragen", token=burger, body=_aanvraag()), 400)
    assert [p["name"] for p in missing_key["invalidParams"]] == ["Idempotency-Key"]

    problem = _problem(kanaal.dien_in(burger, str(uuid.uuid4()), iban="NL91ABNA0417164301"), 400)
    assert {p["name"]: p["reason"] for p in problem["invalidParams"]} == {
        "iban": "het controlegetal van dit IBAN klopt niet; kijk het rekeningnummer na"
    }
    problem = _problem(kanaal.dien_in(burger, str(uuid.uuid4()), bsn=PAAR_MET_KINDEREN), 400)
    assert [p["name"] for p in problem["invalidParams"]] == ["bsn"]
    problem = _problem(
        kanaal.dien_in(burger, str(uuid.uuid4()), vermogen={"bezittingen": "12,50", "schulden": "0.00"}), 400
    )
    assert [p["name"] for p in problem["invalidParams"]] == ["vermogen.bezittingen"]
    problem = _problem(gw.call("GET", "/api/v1/taken?sorteer=naam", token=kanaal.medewerker("teamleider", "T")), 400)
    assert [p["name"] for p in problem["invalidParams"]] == ["sorteer"]

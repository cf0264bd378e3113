"""The caseworker's workbench in a real browser: a klantmanager works the warm tasks of a case (intake, request
documents) from the inbox and the case view, an inkomensconsulent assesses it, and a teamleider, after previewing
the beschikking, approves it (4-eyes: the assessor cannot). Every page is checked with axe (WCAG 2.1 AA).

Test person 999995431 Lonneke Smit ('s-Gravenhage 0518): the UWV knows income she did not declare and the
Inlichtingenbureau has a signal, so the process routes her aanvraag to people. The citizen's side (applying,
uploading) goes through the public API with her own token, as the portal would.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
import uuid
from typing import Any

import pytest

from gbi_runner import Suite

from .conftest import Pagina

LONNEKE = "999995431"
DEN_HAAG = "0518"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _token(suite: Suite, **params: str) -> str:
    form = urllib.parse.urlencode({"grant_type": "urn:gbi:dev", **params}).encode()
    req = urllib.request.Request(suite.config.url("simulator") + "/idp/token", data=form, method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(json.loads(resp.read())["access_token"])


def _api(
    suite: Suite,
    method: str,
    path: str,
    token: str,
    body: Any = None,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(suite.config.url("gateway") + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            payload, status, ctype = resp.read(), resp.status, resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        payload, status, ctype = err.read(), err.code, err.headers.get("Content-Type", "")
    return status, (json.loads(payload) if payload and "json" in ctype else payload)


def _wacht(wat: str, probe: Any, timeout_s: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {wat}")


def _open_taak(suite: Suite, token: str, aanvraag_id: str, element: str) -> dict[str, Any] | None:
    status, body = _api(suite, "GET", f"/api/v1/taken?aanvraagId={aanvraag_id}&status=open", token)
    assert status == 200, body
    return next((t for t in body["items"] if t["gegevens"].get("element") == element), None)


def login_medewerker(p: Pagina, naar: str, gemeente: str, rollen: list[str], naam: str) -> None:
    page = p.page
    p.ga_naar(naar)
    p.wacht_op_url(r"/idp/authorize")
    page.select_option("#gemeente", gemeente)
    for rol in rollen:
        page.locator(f"#r-{rol}").check()
    page.fill("#naam", naam)
    page.get_by_role("button", name="Inloggen").click()
    p.wacht_op_url(re.escape(naar) + r"(\?.*)?$")


def logout(p: Pagina) -> None:
    p.page.get_by_role("button", name="Uitloggen").click()
    p.page.wait_for_load_state("load")


def _taak_blok(p: Pagina, naam: str) -> Any:
    return p.page.locator("article.gbi-taak", has=p.page.get_by_role("heading", name=re.compile(naam)))


@pytest.mark.timeout(900)  # four people in turn, each waiting for the process's workers between their tasks
def test_caseworker_completes_warm_tasks_and_teamleider_approves(pagina: Pagina, web_suite: Suite) -> None:
    p = pagina
    page = p.page
    burger = _token(web_suite, actor_type="burger", bsn=LONNEKE)
    status, ontvangen = _api(
        web_suite,
        "POST",
        "/api/v1/aanvragen",
        burger,
        body={
            "huishouden": {"kinderen": []},
            "woning": {"soort": "huurwoning", "woonkostenPerMaand": "650.00"},
            "inkomsten": [],
            "vermogen": {"bezittingen": "500.00", "schulden": "0.00"},
            "iban": "NL91 ABNA 0417 1643 00",
            "contact": {"email": "lonneke@example.nl"},
            "naarWaarheidIngevuld": True,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert status == 202, ontvangen
    aid = ontvangen["id"]
    km_api = _token(
        web_suite, actor_type="medewerker", gemeente=DEN_HAAG, roles="klantmanager", name="Kim Klantmanager"
    )
    _wacht("the intake task", lambda: _open_taak(web_suite, km_api, aid, "intakegesprek"))

    # The klantmanager: inbox with counts, the intake task with its reason, the case view.
    login_medewerker(p, "/werkplek", DEN_HAAG, ["klantmanager"], "Kim Klantmanager")
    assert page.get_by_role("heading", level=1).inner_text() == "Werkvoorraad"
    assert int(page.locator("[data-telling=klantmanager-open]").inner_text()) >= 1
    p.bekijk("werkvoorraad-klantmanager")
    page.select_option("#status", "alle")
    page.get_by_role("button", name="Filter toepassen").click()
    p.wacht_op_url(r"/werkplek\?.*status=alle")
    p.bekijk("werkvoorraad-gefilterd")
    page.locator(f"a[href^='/werkplek/zaken/{aid}']").first.click()
    p.wacht_op_url(rf"/werkplek/zaken/{aid}")
    assert "UWV" in _taak_blok(p, "Intakegesprek").inner_text()
    assert page.locator("#herkomst").inner_text().count("BRP") >= 1
    assert page.locator("#toelichting tbody tr").count() >= 3
    assert "NU" in (page.locator(".gbi-diagram svg .bpmn-actief").first.text_content() or "")
    assert "Intakegesprek" in page.locator("#huidige-stap").inner_text()
    assert page.locator("#audittrail tbody tr").count() >= 1
    p.bekijk("dossier-intake")

    # Claim and complete the intake.
    _taak_blok(p, "Intakegesprek").get_by_role("button", name="Taak oppakken").click()
    p.wacht_op_url(rf"/werkplek/zaken/{aid}")
    assert "U behandelt nu de taak" in page.get_by_role("status").first.inner_text()
    blok = _taak_blok(p, "Intakegesprek")
    # Without a motivation: an error in plain Dutch, linked to the field.
    blok.get_by_role("button", name="Taak afronden").click()
    p.wacht_op_url(rf"/werkplek/taken/.*/afronden|/werkplek/zaken/{aid}")
    assert "Schrijf op waarom" in page.get_by_role("alert").inner_text()
    p.bekijk("dossier-afronden-fout")
    blok = _taak_blok(p, "Intakegesprek")
    blok.get_by_label("Motivering").fill("Telefonisch gesproken; inkomen bij de UWV besproken.")
    blok.get_by_role("button", name="Taak afronden").click()
    p.wacht_op_url(rf"/werkplek/zaken/{aid}")
    assert "is afgerond" in page.get_by_role("status").first.inner_text()

    # Request documents: the next warm task, with a hersteltermijn and what is asked for.
    _wacht("the documents task", lambda: _open_taak(web_suite, km_api, aid, "documenten_opvragen"))
    page.reload()
    _taak_blok(p, "stukken").get_by_role("button", name="Taak oppakken").click()
    p.wacht_op_url(rf"/werkplek/zaken/{aid}")
    blok = _taak_blok(p, "stukken")
    blok.get_by_label(re.compile("Laatste dag om de stukken")).fill("2099-12-31")
    blok.get_by_label(re.compile("Welke stukken")).fill("loonstroken van de laatste drie maanden")
    blok.get_by_label("Motivering").fill("Het inkomen wijkt af van de polis.")
    p.bekijk("dossier-stukken-opvragen")
    blok.get_by_role("button", name="Taak afronden").click()
    p.wacht_op_url(rf"/werkplek/zaken/{aid}")
    p.bekijk("dossier-stukken-opgevraagd")
    logout(p)

    # The citizen uploads the document (as the portal would).
    def wacht_op_burger() -> bool:
        return bool(_api(web_suite, "GET", f"/api/v1/aanvragen/{aid}", burger)[1]["status"] == "wacht-op-burger")

    _wacht("the request for documents", wacht_op_burger)
    status, document = _api(
        web_suite,
        "POST",
        f"/api/v1/aanvragen/{aid}/documenten?bestandsnaam=loonstrook.pdf",
        burger,
        raw=PDF,
        headers={"Content-Type": "application/pdf"},
    )
    assert status == 201, document

    # The inkomensconsulent assesses: afwijzing, deviating from the calculation -> 4 eyes.
    ic_api = _token(
        web_suite, actor_type="medewerker", gemeente=DEN_HAAG, roles="inkomensconsulent", name="Ines Consulent"
    )
    _wacht("the assessment", lambda: _open_taak(web_suite, ic_api, aid, "beoordeling"))
    login_medewerker(p, f"/werkplek/zaken/{aid}", DEN_HAAG, ["inkomensconsulent"], "Ines Consulent")
    assert "loonstrook.pdf" in page.locator("#kop-documenten + ul").inner_text()
    _taak_blok(p, "beoordelen").get_by_role("button", name="Taak oppakken").click()
    p.wacht_op_url(rf"/werkplek/zaken/{aid}")
    blok = _taak_blok(p, "beoordelen")
    blok.get_by_label("Afwijzen").check()
    blok.get_by_label(re.compile("wijkt af van de berekening")).check()
    blok.get_by_label("Motivering").fill("Het inkomen ligt boven de norm.")
    p.bekijk("dossier-beoordeling")
    blok.get_by_role("button", name="Taak afronden").click()
    p.wacht_op_url(rf"/werkplek/zaken/{aid}")
    assert "Afwijzen" in page.get_by_role("status").first.inner_text()
    logout(p)

    # The teamleider: the 4-eyes task in the inbox, the beschikking preview, approve.
    tl_api = _token(web_suite, actor_type="medewerker", gemeente=DEN_HAAG, roles="teamleider", name="Tom Teamleider")
    _wacht("the 4-eyes task", lambda: _open_taak(web_suite, tl_api, aid, "vierogen_goedkeuring"))
    login_medewerker(p, "/werkplek", DEN_HAAG, ["teamleider"], "Tom Teamleider")
    page.select_option("#rol", "teamleider")
    page.get_by_role("button", name="Filter toepassen").click()
    p.wacht_op_url(r"/werkplek\?")
    assert "vier ogen" in page.locator("#taken").inner_text()
    p.bekijk("werkvoorraad-teamleider")
    page.locator(f"#taken a[href^='/werkplek/zaken/{aid}']").first.click()
    p.wacht_op_url(rf"/werkplek/zaken/{aid}")
    blok = _taak_blok(p, "goedkeuren")
    voorbeeld = page.request.get(p.base + f"/werkplek/zaken/{aid}/beschikking")
    assert voorbeeld.status == 200
    assert voorbeeld.headers["content-type"] == "application/pdf"
    assert voorbeeld.body().startswith(b"%PDF-")
    blok.get_by_role("button", name="Taak oppakken").click()
    p.wacht_op_url(rf"/werkplek/zaken/{aid}")
    blok = _taak_blok(p, "goedkeuren")
    blok.get_by_label("Goedkeuren").check()
    blok.get_by_label("Motivering").fill("Akkoord met de afwijzing.")
    p.bekijk("dossier-vier-ogen")
    blok.get_by_role("button", name="Taak afronden").click()
    p.wacht_op_url(rf"/werkplek/zaken/{aid}")
    assert "Goedkeuren" in page.get_by_role("status").first.inner_text()

    def besloten() -> bool:
        return bool(_api(web_suite, "GET", f"/api/v1/aanvragen/{aid}", burger)[1]["status"] == "besloten")

    _wacht("the decision", besloten)
    page.reload()
    assert "besluit" in page.locator("#zaakstatus").inner_text()
    assert "Besluit" in page.locator("#kop-besluit").inner_text()
    p.bekijk("dossier-besloten")


def test_a_beheerder_without_a_case_role_gets_no_inbox(pagina: Pagina, web_suite: Suite) -> None:
    """The inbox is for staff who work on cases: a beheerder gets a page saying so (403), not a list."""
    p = pagina
    login_medewerker(p, "/beheer", DEN_HAAG, ["beheerder"], "Bea Beheerder")
    p.ga_naar("/werkplek")
    assert p.page.get_by_role("heading", level=1).inner_text() == "Geen toegang"
    p.bekijk("werkplek-geen-toegang")

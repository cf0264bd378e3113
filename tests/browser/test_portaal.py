"""The citizen portal in a real browser: log in with the DigiD-like screen, apply for bijstand step by step (errors
in plain Dutch, a draft saved on the server), follow the aanvraag to the decision and download the beschikking.

Test person 999994116 Katinka Vogel (Rotterdam, nothing in any source): the process decides straight through.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from gbi_runner import Suite

from .conftest import ARTIFACTS, Pagina

# The suite starts inside the first test's time and a loaded machine slows every step: a generous ceiling.
pytestmark = pytest.mark.timeout(900)

KATINKA = "999994116"


def _login_burger(p: Pagina, bsn: str) -> None:
    page = p.page
    p.ga_naar("/")
    p.bekijk("startpagina")
    page.get_by_role("link", name="Inloggen met DigiD").click()
    p.wacht_op_url(r"/idp/authorize")
    p.bekijk("digid-inlogscherm")
    page.locator(f"input[name=bsn][value='{bsn}']").check()
    page.get_by_role("button", name="Inloggen").click()
    p.wacht_op_url(r"/portaal$")


def test_citizen_applies_sees_the_decision_and_downloads_the_beschikking(pagina: Pagina, web_suite: Suite) -> None:
    p = pagina
    page = p.page
    _login_burger(p, KATINKA)
    assert page.get_by_role("heading", level=1).inner_text() == "Mijn aanvragen"
    assert "Ingelogd als" in page.locator("header").inner_text()
    assert page.get_by_role("button", name="Uitloggen").is_visible()
    p.bekijk("mijn-aanvragen-leeg")

    page.get_by_role("link", name="Bijstand aanvragen").first.click()
    p.bekijk("aanvraag-start")
    page.get_by_role("link", name="Begin met de aanvraag").click()

    # Step 1: nothing chosen -> an error in plain Dutch, linked to the field, focusable.
    page.get_by_role("button", name="Opslaan en verder").click()
    fouten = page.get_by_role("alert")
    assert "Geef aan of u een partner hebt met wie u samenwoont." in fouten.inner_text()
    assert page.title().startswith("Fout: Stap 1 van 6")
    p.bekijk("stap-huishouden-fout")
    page.get_by_label("Nee").check()
    page.get_by_role("button", name="Opslaan en verder").click()

    # Step 2: saved as a draft, then continued later from Mijn aanvragen.
    p.wacht_op_url(r"/portaal/aanvraag/woning$")
    p.bekijk("stap-woning")
    page.get_by_label("Ik huur een woning").check()
    page.get_by_label(re.compile("Woonkosten per maand")).fill("650,00")
    page.get_by_role("button", name="Opslaan en later verdergaan").click()
    p.wacht_op_url(r"/portaal$")
    assert "Uw aanvraag is opgeslagen" in page.get_by_role("status").first.inner_text()
    p.bekijk("mijn-aanvragen-met-concept")
    page.get_by_role("link", name="Verder met uw aanvraag").click()
    page.get_by_role("link", name="Verder met uw aanvraag").click()
    p.wacht_op_url(r"/portaal/aanvraag/inkomen$")

    # Step 3: no income.
    p.bekijk("stap-inkomen")
    page.get_by_role("group", name="Hebben u of uw partner inkomen?").get_by_label("Nee").check()
    page.get_by_role("button", name="Opslaan en verder").click()

    # Step 4: an amount that is no amount.
    p.wacht_op_url(r"/portaal/aanvraag/vermogen$")
    page.get_by_label("Bezittingen in euro").fill("een beetje")
    page.get_by_label("Schulden in euro").fill("0")
    page.get_by_role("button", name="Opslaan en verder").click()
    assert "Vul bij bezittingen een bedrag in euro in, zoals 1250 of 1250,50." in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Bezittingen in euro").get_attribute("aria-invalid") == "true"
    p.bekijk("stap-vermogen-fout")
    page.get_by_label("Bezittingen in euro").fill("250,00")
    page.get_by_label(re.compile("Hoeveel dagen")).fill("0")
    page.get_by_role("button", name="Opslaan en verder").click()

    # Step 5: an IBAN whose check digits do not match.
    p.wacht_op_url(r"/portaal/aanvraag/rekening$")
    page.get_by_label("Rekeningnummer (IBAN)").fill("NL91ABNA0417164301")
    page.get_by_role("button", name="Opslaan en verder").click()
    alert = page.get_by_role("alert").inner_text()
    assert "Dit rekeningnummer klopt niet." in alert
    assert "Vul een e-mailadres of een telefoonnummer in" in alert
    p.bekijk("stap-rekening-fout")
    page.get_by_label("Rekeningnummer (IBAN)").fill("NL91 ABNA 0417 1643 00")
    page.get_by_label("E-mailadres").fill("katinka@example.nl")
    page.get_by_role("button", name="Opslaan en verder").click()

    # Step 6: check and send; the declaration is required.
    p.wacht_op_url(r"/portaal/aanvraag/controleren$")
    samenvatting = page.locator("main").inner_text()
    assert "Ik huur een woning" in samenvatting
    assert "NL91 ABNA 0417 1643 00" in samenvatting
    p.bekijk("stap-controleren")
    page.get_by_role("button", name="Aanvraag versturen").click()
    assert "Bevestig dat u alles naar waarheid hebt ingevuld." in page.get_by_role("alert").inner_text()
    p.bekijk("stap-controleren-fout")
    page.get_by_label(re.compile("Ik verklaar dat ik alles naar waarheid")).check()
    page.get_by_role("button", name="Aanvraag versturen").click()

    # The status page: received, then decided straight through.
    p.wacht_op_url(r"/portaal/aanvragen/[0-9a-f-]{36}$")
    aanvraag_url = page.url
    assert "Uw aanvraag is verstuurd" in page.get_by_role("status").first.inner_text()
    p.bekijk("aanvraag-ontvangen")
    deadline = time.monotonic() + 240
    besloten = "Er is een besluit over uw aanvraag."
    while page.locator("#status").inner_text() != besloten or not page.locator("#beschikking").count():
        assert time.monotonic() < deadline, (
            f"geen besluit en beschikking binnen 240 s: {page.locator('main').inner_text()}"
        )
        time.sleep(1)
        page.goto(aanvraag_url)
    assert page.get_by_role("heading", name="Besluit: Toegekend").is_visible()
    assert re.fullmatch(r"€ \d{1,3}(\.\d{3})*,\d{2}", page.locator("#bedrag").inner_text())
    tijdlijn = page.locator(".gbi-tijdlijn").inner_text()
    assert "ontvangen" in tijdlijn.lower()
    p.bekijk("aanvraag-besloten")

    # The beschikking is a PDF download.
    with page.expect_download() as download_info:
        page.locator("#beschikking").click()
    download = download_info.value
    pad = ARTIFACTS / "beschikking.pdf"
    download.save_as(str(pad))
    assert Path(pad).read_bytes().startswith(b"%PDF-")
    assert download.suggested_filename.endswith(".pdf")

    # Mijn aanvragen lists it; logging out ends the session.
    page.get_by_role("link", name="Terug naar Mijn aanvragen").click()
    assert "Er is een besluit over uw aanvraag." in page.locator("table").inner_text()
    p.bekijk("mijn-aanvragen-besloten")
    page.get_by_role("button", name="Uitloggen").click()
    p.wacht_op_url(r"/$")
    assert "U bent uitgelogd." in page.get_by_role("status").first.inner_text()
    p.bekijk("uitgelogd")
    page.goto(aanvraag_url)
    p.wacht_op_url(r"/idp/authorize")


def test_pages_need_a_login_and_forms_need_their_csrf_token(pagina: Pagina, web_suite: Suite) -> None:
    p = pagina
    page = p.page
    _login_burger(p, KATINKA)
    # A form posted without the page's token (a forged cross-site form) changes nothing.
    antwoord = page.request.post(
        p.base + "/portaal/aanvraag/huishouden", form={"partner": "ja", "csrf": "vervalst"}, max_redirects=0
    )
    assert antwoord.status == 403
    assert "Dit formulier is verlopen of niet door u verstuurd." in antwoord.text()
    # An unknown page is a page in Dutch, not JSON and no stack trace.
    p.ga_naar("/portaal/bestaat-niet")
    assert page.get_by_role("heading", level=1).inner_text() == "Pagina niet gevonden"
    assert "Traceback" not in page.content()
    p.bekijk("niet-gevonden")
    # Someone else's (or a non-existent) aanvraag: not found, same page.
    p.ga_naar("/portaal/aanvragen/00000000-0000-4000-8000-000000000000")
    assert page.get_by_role("heading", level=1).inner_text() == "Pagina niet gevonden"


def test_the_session_warning_comes_two_minutes_before_the_end_and_keeps_the_user_in(
    pagina: Pagina, web_suite: Suite
) -> None:
    p = pagina
    page = p.page
    page.clock.install()
    _login_burger(p, KATINKA)
    waarschuwing = page.get_by_role("alertdialog", name="Uw sessie verloopt bijna")
    assert not waarschuwing.is_visible()
    page.clock.fast_forward("13:05")  # 785 s without a request: within the last two minutes of 15
    waarschuwing.wait_for()
    assert page.evaluate("() => document.activeElement.id") == "sessie-verleng"
    assert "seconden wordt u automatisch uitgelogd" in waarschuwing.inner_text()
    p.bekijk("sessie-waarschuwing")
    with page.expect_response(re.compile(r"/sessie/verleng$")) as antwoord:
        page.get_by_role("button", name="Ingelogd blijven").click()
    assert antwoord.value.status == 204
    assert 800 < int(antwoord.value.headers["gbi-sessie-resterend"]) <= 900
    waarschuwing.wait_for(state="hidden")

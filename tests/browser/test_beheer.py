"""Beheer in a real browser: a beheerder views the gemeente's policy, records a new version of the 4-eyes policy
(a wrong value first: refused in plain Dutch, nothing recorded), and sees who changed what; the roles model; a
payment run started from the page shows its progress. Every page is checked with axe (WCAG 2.1 AA)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from gbi_data.betaalrun.generator import Populatie, genereer
from gbi_data.settings import DataSettings
from gbi_runner import Suite

from .conftest import Pagina

ROTTERDAM = "0599"


def login_medewerker(p: Pagina, naar: str, gemeente: str, rollen: list[str], naam: str) -> None:
    """Through the development IdP's staff screen: gemeente, roles and name, then back to ``naar``."""
    page = p.page
    p.ga_naar(naar)
    p.wacht_op_url(r"/idp/authorize")
    page.select_option("#gemeente", gemeente)
    for rol in rollen:
        page.locator(f"#r-{rol}").check()
    page.fill("#naam", naam)
    page.get_by_role("button", name="Inloggen").click()
    p.wacht_op_url(re.escape(naar) + r"(\?.*)?$")


def _vandaag() -> datetime:
    return datetime.now(ZoneInfo("Europe/Amsterdam"))


def test_beheerder_changes_a_parameter_and_sees_the_history(pagina: Pagina, web_suite: Suite) -> None:
    p = pagina
    page = p.page
    login_medewerker(p, "/beheer", ROTTERDAM, ["beheerder"], "Bea Beheerder")
    assert page.get_by_role("heading", level=1).inner_text() == "Beheer"
    assert "Vier ogen" in page.locator("#tabel-beleid").inner_text()
    assert "GBI bewaart zelf geen lijst van roltoewijzingen" in page.locator("#kop-rollen + p").inner_text()
    p.bekijk("beheer")

    page.get_by_role("link", name=re.compile("Vier ogen")).click()
    p.wacht_op_url(r"/beheer/beleid/vierogen$")
    p.bekijk("beleid-vierogen")
    versies_voor = page.locator("#tabel-versies tbody tr").count()

    # A wrong amount: an error naming the field, nothing recorded.
    morgen = (_vandaag() + timedelta(days=1)).date().isoformat()
    page.get_by_label("Geldt vanaf", exact=True).fill(morgen)
    page.get_by_label("bedragsgrensPerMaand").fill("veel")
    page.get_by_label(re.compile("Toelichting")).fill("Raadsbesluit 2026-114")
    page.get_by_role("button", name="Versie vastleggen").click()
    p.wacht_op_url(r"/beheer/beleid/vierogen$")
    assert "bedragsgrensPerMaand" in page.get_by_role("alert").inner_text()
    assert page.title().startswith("Fout:")
    p.bekijk("beleid-vierogen-fout")
    assert page.locator("#tabel-versies tbody tr").count() == versies_voor

    # A date in the past: the data service refuses it, the page says why.
    page.get_by_label("Geldt vanaf", exact=True).fill("2020-01-01")
    page.get_by_label("bedragsgrensPerMaand").fill("2500.00")
    page.get_by_role("button", name="Versie vastleggen").click()
    p.wacht_op_url(r"/beheer/beleid/vierogen$")
    assert "verleden" in page.get_by_role("alert").inner_text()
    p.bekijk("beleid-vierogen-verleden")

    # Right: recorded from tomorrow, with who and why, and what changed.
    page.get_by_label("Geldt vanaf", exact=True).fill(morgen)
    page.get_by_label("bedragsgrensPerMaand").fill("3000.00")
    page.get_by_role("button", name="Versie vastleggen").click()
    p.wacht_op_url(r"/beheer/beleid/vierogen$")
    assert "is vastgelegd" in page.get_by_role("status").first.inner_text()
    assert page.locator("#tabel-versies tbody tr").count() == versies_voor + 1
    nieuwste = page.locator("#tabel-versies tbody tr").first.inner_text()
    assert "Raadsbesluit 2026-114" in nieuwste
    assert "bea" in nieuwste.lower() or "medewerker" in nieuwste.lower()
    assert "bedragsgrensPerMaand" in nieuwste
    assert "2500.00 wordt 3000.00" in nieuwste
    p.bekijk("beleid-vierogen-vastgelegd")


def test_payment_run_started_from_beheer_shows_progress(pagina: Pagina, web_suite: Suite) -> None:
    p = pagina
    page = p.page
    # A small population of running uitkeringen and the gemeente's betaalrekening (the payment run's generator).
    genereer(DataSettings(database_url=web_suite.database_url), Populatie(25, (ROTTERDAM,), 6, date(2026, 1, 1)))
    login_medewerker(p, "/beheer", ROTTERDAM, ["beheerder"], "Bea Beheerder")
    page.get_by_label(re.compile("Maand")).fill(_vandaag().strftime("%Y-%m"))
    page.get_by_role("button", name="Betaalrun starten").click()
    p.wacht_op_url(r"/werkplek/voortgang\?bron=")
    assert page.get_by_role("heading", level=1).inner_text() == "Voortgang"
    assert page.locator("progress#voortgang-balk").count() == 1
    p.bekijk("voortgang-betaalrun")
    # The page follows the run by itself until it is done.
    page.wait_for_function(
        "() => document.getElementById('voortgang-status').textContent.trim() === 'gereed'", timeout=60_000
    )
    tekst = page.locator("#voortgang-tekst").inner_text()
    gedaan, totaal = re.search(r"(\d+) van (\d+) gedaan", tekst).groups()  # type: ignore[union-attr]
    assert gedaan == totaal
    p.bekijk("voortgang-betaalrun-gereed")

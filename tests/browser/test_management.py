"""Management information in a real browser: a teamleider sees the figures of the gemeente as charts (accessible
SVG) and tables, chooses a period (a wrong one is refused in plain Dutch), and downloads the CSV. Every page is
checked with axe (WCAG 2.1 AA)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

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


def test_teamleider_sees_charts_tables_and_exports_csv(pagina: Pagina, web_suite: Suite) -> None:
    p = pagina
    page = p.page
    login_medewerker(p, "/management", ROTTERDAM, ["teamleider"], "Tamara Leider")
    assert page.get_by_role("heading", level=1).inner_text() == "Managementinformatie"
    grafieken = page.locator("figure.gbi-grafiek svg[role=img]")
    assert grafieken.count() == 3
    for i in range(3):
        titel = grafieken.nth(i).locator("title").first.text_content()
        assert titel
    assert page.locator("#tabel-maand tbody tr").count() == 12
    assert page.locator("#tabel-taken tbody tr").count() >= 4
    ingekomen = int(page.locator("#cijfer-ingekomen").inner_text())
    som = sum(int(c.inner_text()) for c in page.locator("#tabel-maand tbody tr td:nth-child(2)").all())
    assert som == ingekomen
    p.bekijk("management")

    # A period that ends before it starts.
    page.get_by_label("Van", exact=True).fill("2026-05-01")
    page.get_by_label("Tot en met", exact=True).fill("2026-04-01")
    page.get_by_role("button", name="Toon deze periode").click()
    p.wacht_op_url(r"/management\?")
    assert "De periode begint na het einde" in page.get_by_role("alert").inner_text()
    p.bekijk("management-fout")

    page.get_by_label("Van", exact=True).fill("2026-01-01")
    page.get_by_label("Tot en met", exact=True).fill("2026-03-31")
    page.get_by_role("button", name="Toon deze periode").click()
    p.wacht_op_url(r"/management\?van=2026-01-01&tot=2026-03-31")
    assert page.locator("#tabel-maand tbody tr").count() == 3
    p.bekijk("management-periode")

    with page.expect_download() as info:
        page.locator("#export").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8")), delimiter=";"))
    assert {r["gemeente"] for r in rows} == {ROTTERDAM}
    assert {(r["van"], r["tot"]) for r in rows} == {("2026-01-01", "2026-03-31")}
    assert any(r["onderdeel"] == "straight-through" for r in rows)


def test_a_klantmanager_gets_no_management_figures(pagina: Pagina, web_suite: Suite) -> None:
    p = pagina
    login_medewerker(p, "/werkplek", ROTTERDAM, ["klantmanager"], "Kees Manager")
    p.ga_naar("/management")
    assert p.page.get_by_role("heading", level=1).inner_text() == "Geen toegang"
    p.bekijk("management-geen-toegang")

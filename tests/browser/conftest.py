"""Browser tests of the web pages: the real suite (seven processes, as `make run` starts them) on loopback, driven by
Playwright in Debian's headless Chromium (never a downloaded browser), with axe-core (from the npm packages that
`make web` installs) run on every page a test visits: zero violations at WCAG 2.1 AA.

Every visited page is also checked for Content-Security-Policy violations in the console (the pages use no inline
script or style) and saved as a screenshot in ``test-artifacts/browser/``; ``axe-resultaten.json`` there lists each
page with its axe result.

On PostgreSQL when GBI_TEST_DATABASE_URL is set (CI), in a database of its own; on SQLite otherwise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gbi_runner import Suite, SuiteConfig
from gbi_testing import free_base_port, fresh_database

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
AXE_JS = REPO / "services" / "interaction" / "web-assets" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("GBI_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_database_url() -> Iterator[str | None]:
    with fresh_database("gbi_browser") as url:
        yield url


@pytest.fixture(scope="session")
def web_suite(tmp_path_factory: pytest.TempPathFactory, browser_database_url: str | None) -> Iterator[Suite]:
    if not AXE_JS.exists():
        pytest.fail("axe-core is missing: run `make web` (npm ci in services/interaction/web-assets)")
    var = tmp_path_factory.mktemp("gbi-browser-var")
    config = SuiteConfig(
        var_dir=var,
        base_port=free_base_port(),
        database_url=browser_database_url,
        log_dir=ARTIFACTS / "logs",
        extra_env={"GBI_UPSTREAM_TIMEOUT_S": "15"},
    )
    suite = Suite(config)
    with suite.running():
        yield suite


@dataclass
class AxeLog:
    """Every page visited, with its axe result, written to test-artifacts/browser/axe-resultaten.json."""

    pages: list[dict[str, Any]] = field(default_factory=list)

    def add(self, entry: dict[str, Any]) -> None:
        self.pages.append(entry)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "axe-resultaten.json").write_text(json.dumps(self.pages, indent=2), encoding="utf-8")


@pytest.fixture(scope="session")
def axe_log() -> AxeLog:
    return AxeLog()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.fail("Chromium is missing: apt-get install chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


class Pagina:
    """A browser tab on the suite's gateway, checking every page it lands on (``bekijk``)."""

    def __init__(self, page: Any, base: str, naam: str, axe_log: AxeLog) -> None:
        self.page = page
        self.base = base
        self.naam = naam
        self.axe_log = axe_log
        self.teller = 0
        self.csp_fouten: list[str] = []
        self.js_fouten: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.js_fouten.append(str(exc)))

    def _console(self, msg: Any) -> None:
        text = msg.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.csp_fouten.append(text)

    def wacht_op_url(self, patroon: str, timeout_s: float = 20.0) -> None:
        """Wait until the tab's URL matches ``patroon`` (a regular expression, searched) and the page has loaded."""
        deadline = time.monotonic() + timeout_s
        while not re.search(patroon, self.page.url):
            assert time.monotonic() < deadline, f"{self.page.url} komt niet overeen met {patroon}"
            self.page.wait_for_timeout(100)
        self.page.wait_for_load_state("load")

    def ga_naar(self, path: str) -> None:
        self.page.goto(self.base + path)

    def bekijk(self, wat: str) -> list[dict[str, Any]]:
        """Run axe (WCAG 2.1 AA) on the current page, save a screenshot, and fail on any violation, any CSP
        violation and any script error."""
        page = self.page
        page.wait_for_load_state("load")
        self.teller += 1
        slug = re.sub(r"[^a-z0-9]+", "-", f"{self.naam}-{self.teller:02d}-{wat}".lower()).strip("-")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{slug}.png"), full_page=True)
        # Evaluated through the DevTools protocol, not injected as an inline script: the page's CSP stays as it is.
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate("(src) => { (0, eval)(src); }", AXE_JS.read_text(encoding="utf-8"))
        result = page.evaluate(
            "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});"
            " return {violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})), passes: r.passes.length}; }",
            WCAG_21_AA,
        )
        violations: list[dict[str, Any]] = result["violations"]
        self.axe_log.add(
            {
                "pagina": wat,
                "test": self.naam,
                "url": page.url.replace(self.base, ""),
                "titel": page.title(),
                "schermafdruk": f"{slug}.png",
                "overtredingen": len(violations),
                "geslaagdeRegels": result["passes"],
                "details": violations,
            }
        )
        assert violations == [], f"axe WCAG 2.1 AA op {wat} ({page.url}): {json.dumps(violations, indent=1)}"
        assert self.csp_fouten == [], f"CSP-overtredingen op {wat}: {self.csp_fouten}"
        assert self.js_fouten == [], f"scriptfouten op {wat}: {self.js_fouten}"
        return violations


@pytest.fixture
def pagina(web_suite: Suite, browser: Any, axe_log: AxeLog, request: pytest.FixtureRequest) -> Iterator[Pagina]:
    context = browser.new_context(locale="nl-NL", accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    p = Pagina(page, web_suite.config.url("gateway"), request.node.name.removeprefix("test_"), axe_log)
    try:
        yield p
    finally:
        try:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{p.naam}-einde.png"), full_page=True)
        finally:
            context.close()

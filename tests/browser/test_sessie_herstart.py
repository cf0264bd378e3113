"""Web sessions and drafts live in the data service (docs/adr/0012): a restart of the interaction layer (a new
replica, a rolling update) logs nobody out and loses no draft; logging out ends the session for every replica."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from opentelemetry import trace

from gbi_interaction.lagen import Woonplaats
from gbi_interaction.web.sessie import DataSessieOpslag, ruim_op, sleutel
from gbi_runner import Suite
from gbi_shared._http import HttpTransport
from gbi_shared.clients import GatewayClient, TokenProvider

from .conftest import Pagina
from .test_portaal import _login_burger

pytestmark = pytest.mark.timeout(900)

JAN = "999992995"  # Jan Goedmut, Amsterdam


def test_a_login_and_a_draft_survive_a_restart_of_the_interaction_layer(pagina: Pagina, web_suite: Suite) -> None:
    p = pagina
    page = p.page
    _login_burger(p, JAN)
    p.ga_naar("/portaal/aanvraag/huishouden")
    page.get_by_label("Nee").check()
    page.get_by_role("button", name="Opslaan en verder").click()
    p.wacht_op_url(r"/portaal/aanvraag/woning$")
    cookie = next(c for c in page.context.cookies() if c["name"].endswith("gbi_sessie"))

    web_suite.restart("interaction")  # a new process: nothing of the old one's memory is left

    p.ga_naar("/portaal")
    assert page.get_by_role("heading", level=1).inner_text() == "Mijn aanvragen"
    assert "Ingelogd als" in page.locator("header").inner_text()
    assert "U hebt een aanvraag die nog niet is verstuurd." in page.content()
    p.ga_naar("/portaal/aanvraag/huishouden")
    assert page.get_by_label("Nee").is_checked()
    p.bekijk("na-herstart")

    # The draft is removed on request, and logging out ends the session: the old cookie opens nothing any more.
    p.ga_naar("/portaal/aanvraag")
    page.get_by_role("button", name="Opnieuw beginnen (opgeslagen gegevens verwijderen)").click()
    p.wacht_op_url(r"/portaal$")
    assert "U hebt een aanvraag die nog niet is verstuurd." not in page.content()
    page.get_by_role("button", name="Uitloggen").click()
    p.wacht_op_url(r"/$")
    oud = page.request.get(
        p.base + "/portaal", headers={"Cookie": f"{cookie['name']}={cookie['value']}"}, max_redirects=0
    )
    assert oud.status == 303
    assert "/login" in oud.headers["location"]


def test_the_purge_deletes_ended_sessions_through_the_gateway(web_suite: Suite) -> None:
    """What the interaction layer's background purge does (``ruim_op``), as the interaction service itself: an
    ended session (its token expired) is deleted, over the real gateway into the data service."""

    async def run() -> tuple[int, int, dict[str, object] | None]:
        transport = HttpTransport(tracer=trace.get_tracer("test"), timeout_s=30)
        tokens = TokenProvider(
            transport,
            web_suite.config.url("simulator") + "/idp/token",
            "gbi-interaction",
            web_suite.client_secrets["gbi-interaction"],
        )
        gw = GatewayClient(transport, web_suite.config.url("gateway"), tokens, service_name="gbi-interaction")
        opslag = DataSessieOpslag(gw)
        key = sleutel("een-cookie-van-" + uuid.uuid4().hex)
        try:
            await opslag.bewaar(key, {"csrf": "c", "token": "t"}, verloopt_op=time.time() - 5)
            sessies, concepten = await ruim_op(gw, Woonplaats(gw))
            return sessies, concepten, await opslag.lees(key, 900)
        finally:
            await transport.close()

    # A thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        sessies, concepten, daarna = pool.submit(asyncio.run, run()).result()
    assert sessies >= 1
    assert concepten >= 0
    assert daarna is None

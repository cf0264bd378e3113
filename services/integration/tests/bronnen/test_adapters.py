"""The source adapters against the real simulator on loopback: mapping, retries (reads only), timeouts, circuit
breakers per source, and unusable answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from opentelemetry import trace
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gbi_integration.bronnen import (
    DjiDetenties,
    Inlichtingenbureau,
    SuwinetDuo,
    SuwinetKadaster,
    SuwinetRdw,
    SuwinetUwv,
)
from gbi_integration.bronnen.rdw import WAARDERING, geschatte_waarde
from gbi_integration.settings import IntegrationSettings
from gbi_shared._http import HttpTransport
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.bronnen import Periode, standaardperiode
from gbi_shared.errors import ServiceUnavailableError, UpstreamError
from gbi_testing import ServerThread, dead_port

from .conftest import Simulator, bron_urls

T = TypeVar("T")
CTX = RequestContext(
    actor_id="gbi-process",
    actor_type=ActorType.SERVICE,
    roles=frozenset({"gbi-service"}),
    gemeente="0518",
    purpose="aanvraag-levensonderhoud",
)


def vandaag() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def maand(offset: int) -> date:
    today = vandaag()
    index = today.year * 12 + today.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def settings(simulator: Simulator, **overrides: Any) -> IntegrationSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "bronnen_timeout_s": 2.0,
        "bronnen_retries": 2,
        "bronnen_retry_delay_s": 0.005,
        "breaker_failures": 50,
        "breaker_cooldown_s": 60.0,
        **bron_urls(simulator.url),
    }
    values.update(overrides)
    return IntegrationSettings(**values)


def run(body: Callable[[HttpTransport], Awaitable[T]]) -> T:
    """Run ``body`` with a fresh transport in a fresh event loop (as a service process would)."""

    async def main() -> T:
        transport = HttpTransport(tracer=trace.get_tracer("test"), timeout_s=5)
        try:
            return await body(transport)
        finally:
            await transport.close()

    return asyncio.run(main())


# ------------------------------------------------------------------------------------------------ UWV


def test_uwv_maps_the_polis_of_a_person_with_two_jobs(simulator: Simulator) -> None:
    periode = standaardperiode(vandaag())
    inkomsten = run(lambda t: SuwinetUwv(settings(simulator), t).inkomsten("999995431", periode, CTX))
    assert inkomsten.volledig
    assert inkomsten.geleverd == Periode(vanaf=maand(-24), tot=maand(0))
    zorg, schoonmaak = inkomsten.inkomstenverhoudingen
    assert (zorg.soort, zorg.code_soort_inkomstenverhouding) == ("loon", "15")
    assert zorg.inhoudingsplichtige.loonheffingennummer == "811234560L01"
    assert zorg.periode == Periode(vanaf=maand(-62), tot=None)
    assert [o.periode.vanaf for o in zorg.opgaven] == [maand(-3), maand(-2), maand(-1)]
    opgave = zorg.opgaven[0]
    assert (opgave.bruto, opgave.loonheffing, opgave.netto) == ("1450.00", "261.07", "1188.93")
    assert opgave.vakantietoeslag_opgebouwd == "116.00"
    assert opgave.periode.tot == maand(-2)  # inclusive DatEIko becomes exclusive tot
    assert schoonmaak.inhoudingsplichtige.naam == "Schoonmaakbedrijf Helder B.V."
    assert [o.netto for o in schoonmaak.opgaven] == ["380.00"] * 3
    assert inkomsten.bron.bron.startswith("UWV polisadministratie via Suwinet")


def test_uwv_benefits_and_pensions_get_their_kind(simulator: Simulator) -> None:
    periode = Periode(vanaf=maand(-12), tot=maand(0))

    async def body(t: HttpTransport) -> dict[str, list[str]]:
        uwv = SuwinetUwv(settings(simulator), t)
        out: dict[str, list[str]] = {}
        for bsn in ("999997671", "999992661", "999991644"):
            result = await uwv.inkomsten(bsn, periode, CTX)
            out[bsn] = [str(i.soort) for i in result.inkomstenverhoudingen]
        return out

    assert run(body) == {"999997671": ["loon", "ww"], "999992661": ["loon", "zw"], "999991644": ["aow", "pensioen"]}


def test_uwv_a_period_into_the_running_month_is_not_complete(simulator: Simulator) -> None:
    periode = Periode(vanaf=maand(-1), tot=vandaag() + timedelta(days=1))

    async def body(t: HttpTransport) -> tuple[bool, bool]:
        uwv = SuwinetUwv(settings(simulator), t)
        met = await uwv.inkomsten("999995431", periode, CTX)
        zonder = await uwv.inkomsten("999994116", periode, CTX)
        return met.volledig, zonder.volledig

    assert run(body) == (False, False)


def test_uwv_niets_gevonden_is_an_empty_complete_answer(simulator: Simulator) -> None:
    periode = standaardperiode(vandaag())
    inkomsten = run(lambda t: SuwinetUwv(settings(simulator), t).inkomsten("999994116", periode, CTX))
    assert inkomsten.inkomstenverhoudingen == []
    assert inkomsten.geleverd is None
    assert inkomsten.volledig


# ------------------------------------------------------------------------------------------------ RDW


def test_rdw_vehicles_with_an_indicative_value(simulator: Simulator) -> None:
    async def body(t: HttpTransport) -> Any:
        rdw = SuwinetRdw(settings(simulator), t)
        return (
            await rdw.voertuigen("999993112", vandaag(), CTX),
            await rdw.voertuigen("999994542", vandaag(), CTX),
            await rdw.voertuigen("999993112", vandaag() - timedelta(days=200), CTX),
        )

    wilma, gerrit, eerder = run(body)
    [auto] = wilma.voertuigen
    assert (auto.kenteken, auto.soort, auto.merk, auto.handelsbenaming) == ("ZT414K", "personenauto", "TOYOTA", "YARIS")
    assert auto.datum_tenaamstelling == vandaag() - timedelta(days=95)
    assert auto.catalogusprijs == "21490.00"
    assert auto.datum_eerste_toelating is not None
    expected = geschatte_waarde(21_490_00, auto.datum_eerste_toelating, vandaag())
    assert auto.geschatte_waarde == f"{expected // 100}.{expected % 100:02d}"
    assert auto.waardering == WAARDERING
    assert [v.soort for v in gerrit.voertuigen] == ["motorfiets"]
    assert eerder.voertuigen == []  # before the tenaamstelling


def test_the_indicative_value_depreciates_to_a_floor() -> None:
    assert geschatte_waarde(10_000_00, date(2026, 1, 1), date(2026, 6, 1)) == 8_000_00
    assert geschatte_waarde(10_000_00, date(2024, 1, 1), date(2026, 6, 1)) == 6_195_20
    assert geschatte_waarde(10_000_00, date(1990, 1, 1), date(2026, 6, 1)) == 500_00
    assert geschatte_waarde(10_000_00, None, date(2026, 6, 1)) == 8_000_00


# ------------------------------------------------------------------------------------------------ Kadaster


def test_kadaster_rights_with_woz_mortgages_and_equity(simulator: Simulator) -> None:
    async def body(t: HttpTransport) -> Any:
        kadaster = SuwinetKadaster(settings(simulator), t)
        return [
            await kadaster.eigendommen(bsn, vandaag(), CTX)
            for bsn in ("999992661", "999993112", "999996551", "999993653")
        ]

    albert, wilma, adriana, suzanne = run(body)
    [woning] = albert.eigendommen
    assert (woning.kadastrale_aanduiding, woning.soort, woning.aard_recht) == ("SGR00 H 4711", "perceel", "eigendom")
    assert (woning.aandeel_teller, woning.aandeel_noemer) == (1, 2)
    assert woning.adres == "Wilgenkade 18, 2492TR 's-Gravenhage"
    assert (woning.woz_waarde, woning.overwaarde, woning.eigen_woning) == ("385000.00", "67500.00", True)
    assert [h.bedrag for h in woning.hypotheken] == ["250000.00"]
    assert woning.woz_peildatum == date(vandaag().year - 1, 1, 1)
    [appartement] = wilma.eigendommen
    assert (appartement.kadastrale_aanduiding, appartement.soort) == ("ASD04 K 5123 A12", "appartementsrecht")
    assert (appartement.aard_recht, appartement.adres) == ("erfpacht", "Schakelstraat 14-H, 1014AW Amsterdam")
    assert adriana.eigendommen[0].overwaarde == "-33000.00"
    assert (suzanne.eigendommen[0].eigen_woning, suzanne.eigendommen[0].hypotheken) == (False, [])


def test_kadaster_leaves_out_rights_acquired_after_the_peildatum(simulator: Simulator) -> None:
    eigendommen = run(lambda t: SuwinetKadaster(settings(simulator), t).eigendommen("999996551", maand(-61), CTX))
    assert eigendommen.eigendommen == []


# ------------------------------------------------------------------------------------------------ DUO, DJI


def test_duo_grants_in_the_period_and_the_debt(simulator: Simulator) -> None:
    async def body(t: HttpTransport) -> Any:
        duo = SuwinetDuo(settings(simulator), t)
        nu = standaardperiode(vandaag())
        return (
            await duo.studiefinanciering("999994487", nu, CTX),
            await duo.studiefinanciering("999994979", nu, CTX),
            await duo.studiefinanciering("999994979", Periode(vanaf=maand(-40), tot=maand(0)), CTX),
            await duo.studiefinanciering("999991954", nu, CTX),
        )

    leonie, johan_nu, johan_toen, sierra = run(body)
    [t] = leonie.toekenningen
    assert (t.regeling, t.onderwijs, t.bedrag_per_maand, t.prestatiebeurs) == ("wsf", "mbo", "389.58", True)
    assert t.periode.tot is None
    assert johan_nu.toekenningen == []
    assert (johan_nu.studieschuld, johan_nu.studieschuld_peildatum) == ("23450.17", maand(0))
    assert [t.onderwijs for t in johan_toen.toekenningen] == ["wo"]
    assert [(t.regeling, t.onderwijs) for t in sierra.toekenningen] == [("wtos", "vavo")]


def test_dji_detentions_in_the_period(simulator: Simulator) -> None:
    async def body(t: HttpTransport) -> Any:
        dji = DjiDetenties(settings(simulator), t)
        return (
            await dji.detenties("999990792", Periode(vanaf=vandaag(), tot=vandaag() + timedelta(days=1)), CTX),
            await dji.detenties("999990792", Periode(vanaf=vandaag() - timedelta(days=500), tot=vandaag()), CTX),
            await dji.detenties("999994116", Periode(vanaf=vandaag() - timedelta(days=500), tot=vandaag()), CTX),
        )

    nu, alles, niemand = run(body)
    [detentie] = nu.detenties
    assert (detentie.titel, detentie.inrichting, detentie.periode.tot) == ("gevangenisstraf", "PI Haaglanden", None)
    assert detentie.periode.vanaf == vandaag() - timedelta(days=70)
    assert [d.titel for d in alles.detenties] == ["voorlopige-hechtenis", "gevangenisstraf"]
    assert alles.detenties[0].periode.tot == vandaag() - timedelta(days=390)
    assert niemand.detenties == []


# ------------------------------------------------------------------------------------------------ Inlichtingenbureau


def test_ib_feed_pages_with_a_cursor_and_per_person_search(simulator: Simulator) -> None:
    async def body(t: HttpTransport) -> Any:
        ib = Inlichtingenbureau(settings(simulator), t)
        pages = []
        cursor = None
        while True:
            page = await ib.feed("0518", cursor, 4, CTX)
            pages.append(page)
            cursor = page.cursor
            if not page.meer:
                break
        leeg = await ib.feed("0518", cursor, 4, CTX)
        jan = await ib.signalen("0518", "999990792", None, CTX)
        buiten = await ib.signalen("0518", "999990792", Periode(vanaf=maand(-24), tot=maand(-12)), CTX)
        return pages, leeg, jan, buiten

    pages, leeg, jan, buiten = run(body)
    items = [s for p in pages for s in p.items]
    assert len(items) >= 5
    assert [s.cursor for s in items] == [str(i) for i in range(1, len(items) + 1)]
    assert len({s.signaal_id for s in items}) == len(items)
    assert all(s.gemeente == "0518" for s in items)
    assert (leeg.items, leeg.cursor, leeg.meer) == ([], pages[-1].cursor, False)
    [detentie] = jan.signalen
    assert (detentie.soort, detentie.instantie, detentie.periode.tot) == ("detentie", "PI Haaglanden", None)
    assert buiten.signalen == []


def test_ib_signal_details_are_mapped(simulator: Simulator) -> None:
    ctx = RequestContext(actor_id="x", actor_type=ActorType.SERVICE, gemeente="0363")

    async def body(t: HttpTransport) -> Any:
        ib = Inlichtingenbureau(settings(simulator), t)
        return await ib.signalen("0363", "999992995", None, ctx), await ib.signalen("0363", "999993112", None, ctx)

    jan, wilma = run(body)
    [bank] = jan.signalen
    assert (bank.soort, bank.land, bank.bedrag) == ("bankrekening-buitenland", "BE", "6350.00")
    jaar = vandaag().year - 1
    assert bank.periode == Periode(vanaf=date(jaar, 1, 1), tot=date(jaar + 1, 1, 1))
    assert [(s.soort, s.kenteken) for s in wilma.signalen] == [("voertuig", "ZT414K")]


# ------------------------------------------------------------------------------------------------ resilience


def test_an_fwi_is_unavailable_and_retried(simulator: Simulator) -> None:
    simulator.storing("uwv", "fwi")
    with pytest.raises(ServiceUnavailableError, match="BRON-NIET-BESCHIKBAAR"):
        run(lambda t: SuwinetUwv(settings(simulator), t).inkomsten("999995431", standaardperiode(vandaag()), CTX))
    assert simulator.aanroepen("uwv") == 3  # one try and two retries


def test_a_read_is_retried_until_the_source_recovers(simulator: Simulator) -> None:
    simulator.storing("rdw", "niet-beschikbaar", aantal=2)
    voertuigen = run(lambda t: SuwinetRdw(settings(simulator), t).voertuigen("999993112", vandaag(), CTX))
    assert [v.kenteken for v in voertuigen.voertuigen] == ["ZT414K"]
    assert simulator.aanroepen("rdw") == 3


def test_an_unusable_answer_is_a_bad_gateway_and_not_retried(simulator: Simulator) -> None:
    simulator.storing("duo", "onbruikbaar")
    with pytest.raises(UpstreamError):
        run(
            lambda t: SuwinetDuo(settings(simulator), t).studiefinanciering(
                "999994487", standaardperiode(vandaag()), CTX
            )
        )
    assert simulator.aanroepen("duo") == 1


def test_a_source_that_refuses_the_request_is_a_bad_gateway(simulator: Simulator) -> None:
    s = settings(simulator, uwv_url=simulator.url + "/suwinet/Bestaat-niet")
    with pytest.raises(UpstreamError, match="HTTP 404"):
        run(lambda t: SuwinetUwv(s, t).inkomsten("999995431", standaardperiode(vandaag()), CTX))


def test_a_slow_source_times_out_per_attempt_and_is_unavailable(simulator: Simulator) -> None:
    simulator.storing("kadaster", "traag", vertragingS=1.0)
    s = settings(simulator, bronnen_timeout_s=0.15, bronnen_retries=1)
    started = time.perf_counter()
    with pytest.raises(ServiceUnavailableError, match="niet op tijd"):
        run(lambda t: SuwinetKadaster(s, t).eigendommen("999992661", vandaag(), CTX))
    assert time.perf_counter() - started < 1.0
    assert simulator.aanroepen("kadaster") == 2


def test_the_deadline_bounds_a_query_with_its_retries(simulator: Simulator) -> None:
    simulator.storing("rdw", "traag", vertragingS=2.0)
    s = settings(simulator, bronnen_timeout_s=1.5, bronnen_retries=2, bronnen_deadline_s=0.3, breaker_failures=1)

    async def body(t: HttpTransport) -> None:
        rdw = SuwinetRdw(s, t)
        started = time.perf_counter()
        with pytest.raises(ServiceUnavailableError, match=r"niet binnen 0\.3 s"):
            await rdw.voertuigen("999993112", vandaag(), CTX)
        assert time.perf_counter() - started < 1.0
        assert rdw.client.breaker.state == "open"  # a hanging source counts against its breaker

    run(body)
    assert simulator.aanroepen("rdw") == 1


def test_an_unreachable_source_is_unavailable(simulator: Simulator) -> None:
    s = settings(simulator, dji_url=f"http://127.0.0.1:{dead_port()}/dji/api/v1", bronnen_retries=1)
    periode = standaardperiode(vandaag())
    with pytest.raises(ServiceUnavailableError, match="niet bereikbaar"):
        run(lambda t: DjiDetenties(s, t).detenties("999990792", periode, CTX))


def test_the_breaker_of_one_source_opens_fails_fast_and_closes_again(simulator: Simulator) -> None:
    simulator.storing("duo", "niet-beschikbaar")
    s = settings(simulator, breaker_failures=3, breaker_cooldown_s=0.3, bronnen_retries=0)
    periode = standaardperiode(vandaag())

    async def body(t: HttpTransport) -> None:
        duo, uwv = SuwinetDuo(s, t), SuwinetUwv(s, t)
        for _ in range(3):
            with pytest.raises(ServiceUnavailableError, match="HTTP 503"):
                await duo.studiefinanciering("999994487", periode, CTX)
        assert duo.client.breaker.state == "open"
        with pytest.raises(ServiceUnavailableError, match="tijdelijk niet beschikbaar") as fast:
            await duo.studiefinanciering("999994487", periode, CTX)
        assert fast.value.headers["Retry-After"] == "1"
        assert simulator.aanroepen("duo") == 3  # failing fast: the source was not asked
        # Each source has its own breaker.
        assert (await uwv.inkomsten("999995431", periode, CTX)).inkomstenverhoudingen
        simulator.herstel()
        await asyncio.sleep(0.35)
        assert duo.client.breaker.state == "half-open"
        assert (await duo.studiefinanciering("999994487", periode, CTX)).toekenningen
        assert duo.client.breaker.state == "closed"

    run(body)


# ------------------------------------------------------------------------------------------------ the wire


class _Recorder:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            self.requests.append(
                {
                    "path": request.url.path,
                    "query": request.url.query,
                    "headers": dict(request.headers),
                    "body": await request.body(),
                }
            )
            return JSONResponse(self.answer)

        return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])


@pytest.fixture
def fake_source() -> Iterator[Callable[[Any], tuple[_Recorder, str]]]:
    servers: list[ServerThread] = []

    def start(answer: Any) -> tuple[_Recorder, str]:
        recorder = _Recorder(answer)
        server = ServerThread(recorder.app()).__enter__()
        servers.append(server)
        return recorder, server.url

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def test_requests_carry_protocollering_and_keep_the_bsn_out_of_urls_and_headers(
    simulator: Simulator, fake_source: Callable[[Any], tuple[_Recorder, str]]
) -> None:
    recorder, url = fake_source({"NietsGevonden": {}})
    s = settings(simulator, uwv_url=url + "/uwv", ib_url=url + "/ib")

    async def body(t: HttpTransport) -> None:
        await SuwinetUwv(s, t).inkomsten("999995431", standaardperiode(vandaag()), CTX)

    run(body)
    [request] = recorder.requests
    assert request["path"] == "/uwv/UWVPersoonsIkvInfo"
    assert request["headers"]["x-doelbinding"] == "aanvraag-levensonderhoud"
    assert request["headers"]["x-gebruiker"] == "gbi-process"
    assert request["headers"]["x-verwerking"] == "Participatiewet"
    assert "999995431" not in request["path"] + request["query"] + str(request["headers"])
    assert request["body"] == b'{"Burgerservicenr":"999995431"}'


@pytest.mark.parametrize(
    "answer",
    [
        {"ClientSuwi": {"Inkomstenverhouding": [{"NrInkomstenverhouding": "1"}]}},
        {
            "ClientSuwi": {
                "Inkomstenverhouding": [
                    {
                        "NrInkomstenverhouding": "1",
                        "AdministratieveEenheid": {"Loonheffingennr": "811234560L01", "NaamAeh": "x"},
                        "Inkomstenperiode": [{"DatBIkp": "gisteren"}],
                    }
                ]
            }
        },
        {
            "ClientSuwi": {
                "Inkomstenverhouding": [
                    {
                        "NrInkomstenverhouding": "1",
                        "AdministratieveEenheid": {"Loonheffingennr": "811234560L01", "NaamAeh": "x"},
                        "Inkomstenperiode": [{"DatBIkp": "20250101"}],
                        "Inkomstenopgave": [{"DatBIko": "20250201", "DatEIko": "20250101"}],
                    }
                ]
            },
            "PeriodeGegevensleveringIko": {"DatBPeriode": "20200101", "DatEPeriode": "20300101"},
        },
        ["not", "an", "object"],
        {"Iets": "anders"},
    ],
)
def test_an_answer_that_breaks_the_protocol_is_a_bad_gateway(
    simulator: Simulator, fake_source: Callable[[Any], tuple[_Recorder, str]], answer: Any
) -> None:
    recorder, url = fake_source(answer)
    s = settings(simulator, uwv_url=url)
    with pytest.raises(UpstreamError):
        run(lambda t: SuwinetUwv(s, t).inkomsten("999995431", standaardperiode(vandaag()), CTX))
    assert len(recorder.requests) == 1


def test_an_ib_answer_for_another_gemeente_is_refused(
    simulator: Simulator, fake_source: Callable[[Any], tuple[_Recorder, str]]
) -> None:
    _, url = fake_source({"gemeente": "0363", "signalen": [], "laatsteVolgnummer": None, "meer": False})
    with pytest.raises(UpstreamError, match="andere gemeente"):
        run(lambda t: Inlichtingenbureau(settings(simulator, ib_url=url), t).feed("0518", None, 10, CTX))

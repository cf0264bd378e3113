"""The ZGW adapter against the simulated zaaksysteem: a whole ALO zaak, idempotent steps, faults.

Every request the adapter sends is checked against the official documents (the ``harness`` fixture, after each
test) and the simulated zaaksysteem refuses none of them (zero rejections), unless a test provokes one.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, date, datetime
from typing import Any

import pytest

from gbi_integration.zgw.adapter import ZgwZaaksysteem
from gbi_integration.zgw.http import ZgwForbidden
from gbi_shared.contracts.zaken import (
    ZaakBesluittypeNaam,
    ZaakMedewerker,
    ZaakRoltypeNaam,
    ZaakStatusNaam,
)
from gbi_shared.errors import NotFoundError, ServiceError, ServiceUnavailableError, UpstreamError
from gbi_testing import dead_port, is_wellformed_pdf, minimal_pdf

from .conftest import AMSTERDAM, ROTTERDAM, UTRECHT, Harness, Simulator, check_request, zgw_settings

BSN = "999993112"
BEHANDELAAR = ZaakMedewerker(
    identificatie="a.devries", achternaam="Vries", voorletters="A.", voorvoegsel_achternaam="de"
)


def _moment(day: int, hour: int = 9) -> datetime:
    return datetime(2025, 6, day, hour, 0, tzinfo=UTC)


def test_a_whole_alo_zaak(harness: Harness) -> None:
    pdf = minimal_pdf("Beschikking: toekenning algemene bijstand")
    assert is_wellformed_pdf(pdf)

    async def alo(zs: ZgwZaaksysteem) -> dict[str, Any]:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-2025-0001", BSN, "Aanvraag levensonderhoud", date(2025, 6, 2))
        behandelaar = await zs.voeg_rol_toe(zaak, ZaakRoltypeNaam.BEHANDELAAR, BEHANDELAAR)
        ontvangen = await zs.zet_status(zaak, ZaakStatusNaam.ONTVANGEN, _moment(2), "Aanvraag ontvangen")
        await zs.zet_status(zaak, ZaakStatusNaam.IN_BEHANDELING, _moment(3))
        besluit = await zs.registreer_besluit(
            zaak, ZaakBesluittypeNaam.TOEKENNING, date(2025, 6, 20), date(2025, 6, 2), "Bijstand toegekend"
        )
        document = await zs.voeg_document_toe(
            zaak, besluit, "Beschikking toekenning", pdf, bestandsnaam="beschikking.pdf"
        )
        await zs.zet_status(zaak, ZaakStatusNaam.BESLUIT_GENOMEN, _moment(20))
        await zs.zet_status(zaak, ZaakStatusNaam.AFGEHANDELD, _moment(21))
        closed = await zs.zoek_zaak(AMSTERDAM, zaak.identificatie)
        return {
            "zaak": zaak,
            "behandelaar": behandelaar,
            "ontvangen": ontvangen,
            "besluit": besluit,
            "document": document,
            "closed": closed,
        }

    out = harness.run(alo)
    zaak, besluit, document = out["zaak"], out["besluit"], out["document"]
    assert zaak.nieuw
    assert zaak.identificatie == "GBI-ALO-2025-0001"
    assert zaak.gemeente == AMSTERDAM
    assert out["behandelaar"].nieuw
    assert out["ontvangen"].nieuw
    assert besluit.nieuw
    assert besluit.besluittype is ZaakBesluittypeNaam.TOEKENNING
    assert document.nieuw
    assert document.bestandsomvang == len(pdf)
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert document.besluit == besluit.url
    assert out["closed"].einddatum == date(2025, 6, 21)

    # What the zaaksysteem holds now.
    store = harness.sim.app.state.zgw.store
    [stored] = [z for z in store.all("zaken") if z.data["identificatie"] == zaak.identificatie]
    assert stored.data["kenmerken"] == [{"kenmerk": "ALO-2025-0001", "bron": "GBI aanvraag levensonderhoud"}]
    rollen = [store.resolve(harness.sim.url + r, "rollen").data for r in stored.data["rollen"]]
    assert [(r["omschrijvingGeneriek"], r["betrokkeneType"]) for r in rollen] == [
        ("initiator", "natuurlijk_persoon"),
        ("behandelaar", "medewerker"),
    ]
    assert rollen[0]["betrokkeneIdentificatie"] == {"inpBsn": BSN}
    assert rollen[1]["betrokkeneIdentificatie"]["voorvoegselAchternaam"] == "de"
    statussen = [s for s in store.all("statussen") if s.data["zaak"] == stored.data["url"]]
    assert len(statussen) == 4
    zaakbesluiten = [r for r in store.all("zaakbesluiten") if r.extra["zaak"] == stored.data["url"]]
    assert [str(r.data["besluit"]) for r in zaakbesluiten] == [besluit.url.removeprefix(harness.sim.url)]
    [eio] = [e for e in store.all("enkelvoudiginformatieobjecten") if e.data["identificatie"] == document.identificatie]
    assert eio.content == pdf
    assert eio.data["integriteit"]["waarde"] == document.sha256
    assert eio.data["indicatieGebruiksrecht"] is False
    assert eio.data["status"] == "definitief"
    zios = [z for z in store.all("zaakinformatieobjecten") if z.data["informatieobject"] == eio.data["url"]]
    bios = [b for b in store.all("besluitinformatieobjecten") if b.data["informatieobject"] == eio.data["url"]]
    assert len(zios) == 1
    assert len(bios) == 1
    # Every write went out once: zaak, 2 rollen, 4 statussen, besluit, document, 2 relations.
    assert len(harness.transport.writes()) == 11


def test_every_step_repeated_registers_nothing_twice(harness: Harness) -> None:
    pdf = minimal_pdf("Afwijzing")

    async def twice(zs: ZgwZaaksysteem) -> list[bool]:
        flags = []
        for _ in range(2):
            zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-HERHAAL", BSN, "Aanvraag levensonderhoud", date(2025, 6, 2))
            rol = await zs.voeg_rol_toe(zaak, ZaakRoltypeNaam.BEHANDELAAR, BEHANDELAAR)
            status = await zs.zet_status(zaak, ZaakStatusNaam.ONTVANGEN, _moment(2))
            besluit = await zs.registreer_besluit(
                zaak, ZaakBesluittypeNaam.AFWIJZING, date(2025, 6, 20), date(2025, 6, 20)
            )
            document = await zs.voeg_document_toe(zaak, besluit.url, "Beschikking afwijzing", pdf)
            flags.append(any(x.nieuw for x in (zaak, rol, status, besluit, document)))
        return flags

    assert harness.run(twice) == [True, False]
    sim = harness.sim
    writes = harness.transport.writes()
    assert len(writes) == 8  # zaak, 2 rollen, status, besluit, document, 2 relations: once each
    assert [w.url.rsplit("/api/v1", 1)[1] for w in writes].count("/zaken") == 1
    assert sum(1 for z in sim.app.state.zgw.store.all("zaken") if z.data["identificatie"] == "GBI-ALO-HERHAAL") == 1


def test_a_status_just_after_dutch_midnight_is_sent_as_dutch_time(harness: Harness) -> None:
    """23:30 UTC on 1 June is 01:30 on 2 June in the Netherlands, the zaak's startdatum: the zaaksysteem accepts it
    (a decision taken in the first hour(s) of a Dutch day once failed here with date-before-startdatum)."""

    async def after_midnight(zs: ZgwZaaksysteem) -> Any:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-NACHT", BSN, "Aanvraag levensonderhoud", date(2025, 6, 2))
        return await zs.zet_status(zaak, ZaakStatusNaam.ONTVANGEN, datetime(2025, 6, 1, 23, 30, tzinfo=UTC))

    status = harness.run(after_midnight)
    assert status.nieuw is True
    assert status.datum == datetime(2025, 6, 1, 23, 30, tzinfo=UTC)
    sent = [w for w in harness.transport.writes() if w.url.endswith("/statussen")]
    assert len(sent) == 1
    assert sent[0].body["datumStatusGezet"] == "2025-06-02T01:30:00+02:00"


def test_a_retried_registreer_zaak_creates_one_zaak(harness: Harness) -> None:
    async def retried(zs: ZgwZaaksysteem) -> list[Any]:
        first = await zs.registreer_zaak(AMSTERDAM, "ALO-NOGMAALS", BSN, "Aanvraag levensonderhoud", date(2025, 6, 2))
        # A retry of the step, and three concurrent ones: they wait for each other and find the zaak.
        again = await zs.registreer_zaak(AMSTERDAM, "ALO-NOGMAALS", BSN, "Aanvraag levensonderhoud", date(2025, 6, 2))
        concurrent = await asyncio.gather(
            *(
                zs.registreer_zaak(AMSTERDAM, "ALO-GELIJKTIJDIG", BSN, "Aanvraag levensonderhoud", date(2025, 6, 2))
                for _ in range(3)
            )
        )
        return [first, again, *concurrent]

    first, again, *concurrent = harness.run(retried)
    assert first.nieuw
    assert not again.nieuw
    assert first.url == again.url
    assert len({z.url for z in concurrent}) == 1
    assert sum(z.nieuw for z in concurrent) == 1
    store = harness.sim.app.state.zgw.store
    for identificatie, zaak in (("GBI-ALO-NOGMAALS", first), ("GBI-ALO-GELIJKTIJDIG", concurrent[0])):
        assert sum(1 for z in store.all("zaken") if z.data["identificatie"] == identificatie) == 1
        stored = store.resolve(zaak.url, "zaken")
        assert len(stored.data["rollen"]) == 1  # one aanvrager
    posts = [w for w in harness.transport.writes() if w.url.endswith("/zaken")]
    assert len(posts) == 2


def test_two_replicas_racing_for_one_zaak_create_one(harness: Harness) -> None:
    replica = Harness(sim=harness.sim, settings=zgw_settings(harness.sim.url))

    async def race(zs: ZgwZaaksysteem) -> list[Any]:
        other = ZgwZaaksysteem(replica.settings, replica.transport, retry_delay_s=0.001)
        try:
            return list(
                await asyncio.gather(
                    zs.registreer_zaak(AMSTERDAM, "ALO-RACE", BSN, "Aanvraag", date(2025, 6, 2)),
                    other.registreer_zaak(AMSTERDAM, "ALO-RACE", BSN, "Aanvraag", date(2025, 6, 2)),
                )
            )
        finally:
            await replica.transport.close()

    zaken = harness.run(race)
    assert zaken[0].url == zaken[1].url
    assert sorted(z.nieuw for z in zaken) == [False, True]
    store = harness.sim.app.state.zgw.store
    assert sum(1 for z in store.all("zaken") if z.data["identificatie"] == "GBI-ALO-RACE") == 1
    # A replica that lost the race (when they did race) was refused as a duplicate and found the zaak.
    harness.expect_rejections = True  # type: ignore[attr-defined]
    refused = harness.sim.rejections()
    assert {r["invalidParams"][0]["code"] for r in refused} <= {"identificatie-niet-uniek"}
    assert len(refused) <= 1
    for sent in replica.transport.sent:
        check_request(sent)


def test_a_duplicate_refused_by_the_zaaksysteem_is_the_existing_zaak(harness: Harness) -> None:
    """A replica (or this one after a restart) that registers the zaak again sends the create first: the Zaken API
    refuses it as ``identificatie-niet-uniek`` and the adapter finds and answers the existing zaak, its aanvrager
    found too (looked up, not added again)."""
    replica = Harness(sim=harness.sim, settings=zgw_settings(harness.sim.url))

    async def late(zs: ZgwZaaksysteem) -> list[Any]:
        first = await zs.registreer_zaak(AMSTERDAM, "ALO-DUBBEL", BSN, "Aanvraag", date(2025, 6, 2))
        other = ZgwZaaksysteem(replica.settings, replica.transport, retry_delay_s=0.001)
        try:
            second = await other.registreer_zaak(AMSTERDAM, "ALO-DUBBEL", BSN, "Aanvraag", date(2025, 6, 2))
        finally:
            await replica.transport.close()
        return [first, second]

    first, second = harness.run(late)
    assert first.url == second.url
    assert first.nieuw
    assert not second.nieuw
    harness.expect_rejections = True  # type: ignore[attr-defined]
    [refused] = harness.sim.rejections()
    assert refused["invalidParams"] == [
        {
            "name": "identificatie",
            "code": "identificatie-niet-uniek",
            "reason": "Deze identificatie bestaat al voor deze bronorganisatie.",
        }
    ]
    store = harness.sim.app.state.zgw.store
    assert sum(1 for z in store.all("zaken") if z.data["identificatie"] == "GBI-ALO-DUBBEL") == 1
    assert len(store.resolve(first.url, "zaken").data["rollen"]) == 1
    sent = [(s.method, s.url.rsplit("/api/v1", 1)[1].split("?", 1)[0]) for s in replica.transport.sent]
    assert ("POST", "/zaken") in sent
    assert ("GET", "/zaken") in sent
    assert ("GET", "/rollen") in sent
    assert ("POST", "/rollen") not in sent
    for s in replica.transport.sent:
        check_request(s)


def test_a_zaak_that_exists_is_created_first_and_found_when_refused(harness: Harness) -> None:
    """A zaak registered by hand (or by a replica) before: one create, refused as identificatie-niet-uniek, one
    search; the zaak is never created twice. A refusal for another reason is not taken for a duplicate."""

    async def steps(zs: ZgwZaaksysteem) -> Any:
        return await zs.registreer_zaak(AMSTERDAM, "ALO-BESTAAND", BSN, "Aanvraag", date(2025, 6, 2))

    first = harness.run(steps)
    assert first.nieuw
    # A new adapter (nothing remembered).
    again = Harness(sim=harness.sim, settings=zgw_settings(harness.sim.url))
    second = again.run(steps)
    assert (second.url, second.nieuw) == (first.url, False)
    writes = [w.url.rsplit("/api/v1", 1)[1] for w in again.transport.writes()]
    assert writes == ["/zaken"]  # refused; the aanvrager was found, not added
    reads = [s.url.rsplit("/api/v1", 1)[1].split("?", 1)[0] for s in again.transport.sent if s.method == "GET"]
    assert reads.count("/zaken") == 1
    harness.expect_rejections = True  # type: ignore[attr-defined]
    assert [r["invalidParams"][0]["code"] for r in harness.sim.rejections()] == ["identificatie-niet-uniek"]
    for s in again.transport.sent:
        check_request(s)


def test_a_lost_answer_to_the_create_finds_the_zaak(harness: Harness) -> None:
    harness.transport.faults.lose_answer.append(("POST", "/zaken"))

    async def lost(zs: ZgwZaaksysteem) -> Any:
        return await zs.registreer_zaak(AMSTERDAM, "ALO-VERLOREN", BSN, "Aanvraag levensonderhoud", date(2025, 6, 2))

    zaak = harness.run(lost)
    assert zaak.identificatie == "GBI-ALO-VERLOREN"
    assert zaak.nieuw is False
    store = harness.sim.app.state.zgw.store
    assert sum(1 for z in store.all("zaken") if z.data["identificatie"] == "GBI-ALO-VERLOREN") == 1
    posts = [s for s in harness.transport.writes() if s.url.endswith("/zaken")]
    assert len(posts) == 1  # a write is never resent; the adapter looked it up instead


@pytest.mark.parametrize("uniek", [True, False], ids=["written-first", "looked-up-first"])
@pytest.mark.parametrize("what", ["zaak", "besluit", "status", "besluit-met-status", "document"])
def test_a_step_retried_after_its_answer_was_lost_creates_nothing_twice(sim: Simulator, what: str, uniek: bool) -> None:
    """The first try created the object in the zaaksysteem, its answer was lost on the way back (the step fails),
    the step is retried by another replica (nothing remembered): the retry finds what the first try created and
    creates nothing twice. A create-first retry is refused by the zaaksysteem as a duplicate, and then finds. Both
    with ``zgw_status_en_document_uniek`` (a status and a document written first, ADR 0041) and without it (looked
    up first)."""
    harness = Harness(sim=sim, settings=zgw_settings(sim.url, zgw_status_en_document_uniek=uniek))
    pdf = minimal_pdf("Beschikking")
    suffix = {
        "zaak": "/zaken",
        "besluit": "/besluiten",
        "status": "/statussen",
        "besluit-met-status": "/statussen",
        "document": "/enkelvoudiginformatieobjecten",
    }[what]
    replica = Harness(sim=sim, settings=zgw_settings(sim.url, zgw_status_en_document_uniek=uniek))
    looked_up_first = not uniek and what in ("status", "document")

    async def step(zs: ZgwZaaksysteem, zaak: Any | None) -> Any:
        from gbi_integration.zgw.service import ZaakService
        from gbi_shared.context import ActorType, RequestContext
        from gbi_shared.contracts.zaken import ZaakBesluitVerzoek

        if what == "zaak":
            return await zs.registreer_zaak(
                AMSTERDAM, f"ALO-OPNIEUW-{what}-{int(uniek)}", BSN, "Aanvraag", date(2025, 6, 2)
            )
        assert zaak is not None
        if what == "besluit":
            return await zs.registreer_besluit(
                zaak, ZaakBesluittypeNaam.TOEKENNING, date(2025, 6, 20), date(2025, 6, 2)
            )
        if what == "status":
            return await zs.zet_status(zaak, ZaakStatusNaam.AFGEHANDELD, _moment(21))
        if what == "besluit-met-status":
            ctx = RequestContext(actor_id="gbi-process", actor_type=ActorType.SERVICE, gemeente=AMSTERDAM)
            verzoek = ZaakBesluitVerzoek.model_validate(
                {
                    "gemeente": AMSTERDAM,
                    "besluittype": "toekenning",
                    "datum": "2025-06-20",
                    "ingangsdatum": "2025-06-02",
                    "statusGezetOp": _moment(20).isoformat(),
                }
            )
            return await ZaakService(zs).besluit(zaak.identificatie, verzoek, ctx)
        return await zs.voeg_document_toe(zaak, None, "Beschikking", pdf)

    async def scenario(zs: ZgwZaaksysteem) -> list[Any]:
        zaak = None
        if what != "zaak":
            zaak = await zs.registreer_zaak(
                AMSTERDAM, f"ALO-OPNIEUW-{what}-{int(uniek)}", BSN, "Aanvraag", date(2025, 6, 2)
            )
        harness.transport.faults.lose_answer.append(("POST", suffix))
        # The answer is lost and the lookup the adapter then makes does not see it yet: the step fails. With the
        # setting off a status and a document are also looked up before they are written (empty: nothing yet);
        # with it on they are written first, as a zaak and a besluit always are (ADR 0041), and only the lookup
        # after the lost answer is made.
        harness.transport.faults.empty_once.extend([("GET", suffix)] * (2 if looked_up_first else 1))
        with pytest.raises(ServiceError):
            await step(zs, zaak)
        other = ZgwZaaksysteem(replica.settings, replica.transport, retry_delay_s=0.001)
        try:
            return [await step(other, zaak)]
        finally:
            await replica.transport.close()

    [retried] = harness.run(scenario)
    store = harness.sim.app.state.zgw.store
    [zaak] = [z for z in store.all("zaken") if z.data["identificatie"] == f"GBI-ALO-OPNIEUW-{what}-{int(uniek)}"]

    def of_zaak(collection: str) -> int:
        if collection == "enkelvoudiginformatieobjecten":
            return sum(
                1
                for e in store.all(collection)
                if e.data["titel"] == "Beschikking" and e.data["identificatie"] == retried.identificatie
            )
        return sum(1 for r in store.all(collection) if r.data.get("zaak") == zaak.data["url"])

    if what != "zaak":
        assert of_zaak(suffix.lstrip("/")) == 1
    if what == "besluit-met-status":
        assert of_zaak("besluiten") == 1
        assert retried.nieuw is False
        assert retried.status is not None
        assert retried.status.nieuw is False
    else:
        assert retried.nieuw is False
    if what == "document":
        assert of_zaak("zaakinformatieobjecten") == 1
    assert len(zaak.data["rollen"]) == 1  # the aanvrager, once
    assert harness.transport.faults.empty_once == []  # every empty answer was used: the lookups were as counted
    first_try = [s.url.rsplit("/api/v1", 1)[1].split("?")[0] for s in harness.transport.sent if s.method == "GET"]
    assert first_try.count(suffix) == (2 if looked_up_first else 1)
    retry = [s.url.rsplit("/api/v1", 1)[1].split("?")[0] for s in replica.transport.sent]
    if what in ("status", "document"):
        # The retry: written first and refused as a duplicate, then found; or found by its lookup, nothing refused.
        assert (suffix in [s.url.rsplit("/api/v1", 1)[1] for s in replica.transport.writes()]) is uniek
        assert retry.count(suffix) == (2 if uniek else 1)
    for s in [*harness.transport.sent, *replica.transport.sent]:
        check_request(s)


def test_a_retried_step_after_a_lost_answer_creates_nothing_twice(harness: Harness) -> None:
    pdf = minimal_pdf()
    harness.transport.faults.lose_answer.extend(
        [("POST", "/statussen"), ("POST", "/besluiten"), ("POST", "/enkelvoudiginformatieobjecten")]
    )

    async def lost(zs: ZgwZaaksysteem) -> None:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-STAPPEN", BSN, "Aanvraag levensonderhoud", date(2025, 6, 2))
        status = await zs.zet_status(zaak, ZaakStatusNaam.ONTVANGEN, _moment(2))
        assert status.nieuw is False
        besluit = await zs.registreer_besluit(zaak, ZaakBesluittypeNaam.TOEKENNING, date(2025, 6, 20), date(2025, 6, 2))
        assert besluit.nieuw is False
        document = await zs.voeg_document_toe(zaak, besluit, "Beschikking", pdf)
        assert document.nieuw is False

    harness.run(lost)
    counted = {c: harness.sim.count(c) for c in ("statussen", "besluiten", "enkelvoudiginformatieobjecten")}
    writes = [w.url.rsplit("/api/v1", 1)[1] for w in harness.transport.writes()]
    assert writes.count("/statussen") == 1
    assert writes.count("/besluiten") == 1
    assert writes.count("/enkelvoudiginformatieobjecten") == 1
    assert all(n >= 1 for n in counted.values())


def test_the_catalogue_is_resolved_once_per_gemeente(harness: Harness) -> None:
    async def two(zs: ZgwZaaksysteem) -> None:
        await zs.registreer_zaak(AMSTERDAM, "ALO-CACHE-1", BSN, "Aanvraag", date(2025, 6, 2))
        await zs.registreer_zaak(AMSTERDAM, "ALO-CACHE-2", BSN, "Aanvraag", date(2025, 6, 2))
        await zs.registreer_zaak(ROTTERDAM, "ALO-CACHE-3", "999994116", "Aanvraag", date(2025, 6, 2))

    harness.run(two)
    catalogi = [s for s in harness.transport.sent if "/zgw/catalogi/" in s.url]
    assert len([s for s in catalogi if "/catalogussen" in s.url]) == 2  # Amsterdam once, Rotterdam once
    assert len(catalogi) == 2 * 6


def test_reads_are_retried_writes_are_not(harness: Harness) -> None:
    harness.transport.faults.unavailable.extend([("GET", "/catalogussen"), ("GET", "/zaken")])

    async def flaky(zs: ZgwZaaksysteem) -> Any:
        return await zs.registreer_zaak(AMSTERDAM, "ALO-HAPERING", BSN, "Aanvraag", date(2025, 6, 2))

    assert harness.run(flaky).nieuw

    other = Harness(sim=harness.sim, settings=zgw_settings(harness.sim.url))
    other.transport.faults.unavailable.append(("POST", "/zaken"))

    async def refused(zs: ZgwZaaksysteem) -> Any:
        return await zs.registreer_zaak(AMSTERDAM, "ALO-NIET-HERHAALD", BSN, "Aanvraag", date(2025, 6, 2))

    with pytest.raises(ServiceUnavailableError):
        other.run(refused)
    posts = [s for s in other.transport.writes() if s.url.endswith("/zaken")]
    assert len(posts) == 1


def test_an_unreachable_zaaksysteem_opens_the_breaker(sim: Simulator) -> None:
    dead = f"http://127.0.0.1:{dead_port()}"
    h = Harness(sim=sim, settings=zgw_settings(dead, breaker_failures=3, zgw_retries=0))

    async def attempts(zs: ZgwZaaksysteem) -> list[str]:
        out = []
        for _ in range(5):
            try:
                await zs.registreer_zaak(AMSTERDAM, "ALO-WEG", BSN, "Aanvraag", date(2025, 6, 2))
            except ServiceUnavailableError as exc:
                out.append(str(exc))
        return out

    errors = h.run(attempts)
    assert len(errors) == 5
    assert errors[-1] == "Het zaaksysteem is tijdelijk niet beschikbaar"  # the breaker, not another attempt
    assert len(h.transport.sent) == 3


def test_a_gemeente_without_configuration_waits(harness: Harness) -> None:
    async def unknown(zs: ZgwZaaksysteem) -> Any:
        return await zs.registreer_zaak(UTRECHT, "ALO-UTRECHT", BSN, "Aanvraag", date(2025, 6, 2))

    with pytest.raises(ServiceUnavailableError, match="niet geconfigureerd"):
        harness.run(unknown)
    assert harness.transport.sent == []


def test_a_wrong_secret_is_refused_by_the_zaaksysteem(harness: Harness) -> None:
    from pydantic import SecretStr

    from gbi_integration.zgw.config import ZgwGemeente
    from gbi_simulator.zgw import gemeente_rsin

    wrong = ZgwGemeente(
        client_id="gbi-0363", secret=SecretStr("niet-het-geheim-maar-wel-lang-genoeg"), rsin=gemeente_rsin(AMSTERDAM)
    )
    h = Harness(sim=harness.sim, settings=zgw_settings(harness.sim.url, zgw_gemeenten={AMSTERDAM: wrong}))

    async def refused(zs: ZgwZaaksysteem) -> Any:
        return await zs.registreer_zaak(AMSTERDAM, "ALO-GEHEIM", BSN, "Aanvraag", date(2025, 6, 2))

    with pytest.raises(UpstreamError, match="weigert client gbi-0363"):
        h.run(refused)
    harness.expect_rejections = True  # type: ignore[attr-defined]
    [rejection] = harness.sim.rejections()
    assert (rejection["status"], rejection["code"]) == (403, "permission_denied")
    assert "handtekening" in rejection["reason"]


def test_zoek_zaak_and_its_limits(harness: Harness) -> None:
    async def find(zs: ZgwZaaksysteem) -> Any:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-ZOEK", BSN, "Aanvraag", date(2025, 6, 2))
        found = await zs.zoek_zaak(AMSTERDAM, zaak.identificatie)
        assert found.url == zaak.url
        assert found.nieuw is False
        with pytest.raises(NotFoundError):
            await zs.zoek_zaak(AMSTERDAM, "GBI-BESTAAT-NIET")
        with pytest.raises(NotFoundError):  # Rotterdam's zaaksysteem does not know Amsterdam's zaak
            await zs.zoek_zaak(ROTTERDAM, zaak.identificatie)
        other = await zs.registreer_zaak(AMSTERDAM, "ALO-ANDER", BSN, "Aanvraag", date(2025, 6, 2))
        besluit = await zs.registreer_besluit(other, ZaakBesluittypeNaam.AFWIJZING, date(2025, 6, 3), date(2025, 6, 3))
        with pytest.raises(NotFoundError, match="hoort niet bij deze zaak"):  # a besluit of another zaak
            await zs.voeg_document_toe(zaak, besluit, "Beschikking", minimal_pdf())
        return found

    harness.run(find)


def _reads(harness: Harness) -> list[str]:
    """The searches and reads sent to the Zaken, Besluiten and Documenten APIs (the catalogue left out)."""
    return [
        s.url.rsplit("/api/v1", 1)[1].split("?", 1)[0]
        for s in harness.transport.sent
        if s.method == "GET" and "/zgw/catalogi/" not in s.url
    ]


def test_the_steps_of_one_case_ask_the_zaaksysteem_once_for_what_they_wrote(harness: Harness) -> None:
    """The writes on a zaak find it in memory; a besluit registered again (the beschikking step does) is
    answered from memory; the document's besluit is known; the aanvrager of a new zaak and the relations of a new
    document are not looked for."""
    pdf = minimal_pdf("Beschikking")

    async def case(zs: ZgwZaaksysteem) -> list[Any]:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-GEHEUGEN", BSN, "Aanvraag", date(2025, 6, 2))
        voor_status = await zs.zaak_voor_schrijven(AMSTERDAM, zaak.identificatie)
        status = await zs.zet_status(voor_status, ZaakStatusNaam.ONTVANGEN, _moment(2))
        besluit = await zs.registreer_besluit(
            await zs.zaak_voor_schrijven(AMSTERDAM, zaak.identificatie),
            ZaakBesluittypeNaam.TOEKENNING,
            date(2025, 6, 20),
            date(2025, 6, 2),
        )
        again = await zs.registreer_besluit(
            await zs.zaak_voor_schrijven(AMSTERDAM, zaak.identificatie),
            ZaakBesluittypeNaam.TOEKENNING,
            date(2025, 6, 20),
            date(2025, 6, 2),
        )
        document = await zs.voeg_document_toe(
            await zs.zaak_voor_schrijven(AMSTERDAM, zaak.identificatie), again.url, "Beschikking", pdf
        )
        return [zaak, voor_status, status, besluit, again, document]

    zaak, voor_status, status, besluit, again, document = harness.run(case)
    assert voor_status.url == zaak.url
    assert status.nieuw
    assert besluit.nieuw
    assert not again.nieuw
    assert (again.url, again.identificatie) == (besluit.url, besluit.identificatie)
    assert document.nieuw
    assert document.besluit == besluit.url
    # No searches: the zaak, the besluit and the document are created first, the zaaksysteem refusing a duplicate
    # identificatie, and so is the status, refused at a moment the zaak has one already (ADR 0041); the aanvrager
    # of a zaak created just now and the relations of a document created just now are added without looking.
    assert _reads(harness) == []
    writes = [w.url.rsplit("/api/v1", 1)[1] for w in harness.transport.writes()]
    assert writes == [
        "/zaken",
        "/rollen",
        "/statussen",
        "/besluiten",
        "/enkelvoudiginformatieobjecten",
        "/zaakinformatieobjecten",
        "/besluitinformatieobjecten",
    ]
    store = harness.sim.app.state.zgw.store
    assert sum(1 for b in store.all("besluiten") if b.data["identificatie"] == besluit.identificatie) == 1
    [eio] = [e for e in store.all("enkelvoudiginformatieobjecten") if e.data["identificatie"] == document.identificatie]
    assert len([z for z in store.all("zaakinformatieobjecten") if z.data["informatieobject"] == eio.data["url"]]) == 1


def test_a_replica_without_memory_finds_what_the_other_wrote(harness: Harness) -> None:
    """A second adapter (another replica, or this one after a restart) remembers nothing: it finds the zaak, the
    status, the besluit, the document and both relations in the zaaksysteem and registers none of them again (its
    creates of the zaak, the status, the besluit and the document are refused as duplicates, then found)."""
    pdf = minimal_pdf("Beschikking")
    replica = Harness(sim=harness.sim, settings=zgw_settings(harness.sim.url))

    async def steps(zs: ZgwZaaksysteem) -> list[Any]:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-REPLICA", BSN, "Aanvraag", date(2025, 6, 2))
        status = await zs.zet_status(zaak, ZaakStatusNaam.ONTVANGEN, _moment(2))
        besluit = await zs.registreer_besluit(zaak, ZaakBesluittypeNaam.TOEKENNING, date(2025, 6, 20), date(2025, 6, 2))
        document = await zs.voeg_document_toe(zaak, besluit.url, "Beschikking", pdf)
        return [zaak, status, besluit, document]

    async def both(zs: ZgwZaaksysteem) -> list[list[Any]]:
        other = ZgwZaaksysteem(replica.settings, replica.transport, retry_delay_s=0.001)
        try:
            return [await steps(zs), await steps(other)]
        finally:
            await replica.transport.close()

    first, second = harness.run(both)
    assert [x.nieuw for x in first] == [True, True, True, True]
    assert [x.nieuw for x in second] == [False, False, False, False]
    assert [x.url for x in first] == [x.url for x in second]
    assert [(w.url.rsplit("/api/v1", 1)[1], w.status) for w in replica.transport.writes()] == [
        ("/zaken", 400),
        ("/statussen", 400),
        ("/besluiten", 400),
        ("/enkelvoudiginformatieobjecten", 400),
    ]
    harness.expect_rejections = True  # type: ignore[attr-defined]
    refused = harness.sim.rejections()
    assert [r["invalidParams"][0]["code"] for r in refused] == [
        "identificatie-niet-uniek",
        "unique",
        "identificatie-niet-uniek",
        "identificatie-niet-uniek",
    ]
    for sent in replica.transport.sent:
        check_request(sent)
    store = harness.sim.app.state.zgw.store
    zaak_url = store.resolve(first[0].url, "zaken").data["url"]
    assert sum(1 for z in store.all("zaken") if z.data["identificatie"] == "GBI-ALO-REPLICA") == 1
    for collection in ("besluiten", "statussen", "rollen"):
        assert sum(1 for r in store.all(collection) if r.data.get("zaak") == zaak_url) == 1, collection
    identificatie = first[3].identificatie
    [eio] = [e for e in store.all("enkelvoudiginformatieobjecten") if e.data["identificatie"] == identificatie]
    assert len([z for z in store.all("zaakinformatieobjecten") if z.data["informatieobject"] == eio.data["url"]]) == 1
    assert (
        len([b for b in store.all("besluitinformatieobjecten") if b.data["informatieobject"] == eio.data["url"]]) == 1
    )


def test_a_write_on_a_remembered_zaak_that_is_refused_forgets_the_zaak(harness: Harness) -> None:
    async def refused(zs: ZgwZaaksysteem) -> int:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-VERGETEN", BSN, "Aanvraag", date(2025, 6, 2))
        await zs.zet_status(zaak, ZaakStatusNaam.ONTVANGEN, _moment(2))
        with pytest.raises(UpstreamError):  # the same moment, another statustype: the zaaksysteem says unique
            await zs.zet_status(zaak, ZaakStatusNaam.IN_BEHANDELING, _moment(2))
        before = len(_reads(harness))
        await zs.zaak_voor_schrijven(AMSTERDAM, zaak.identificatie)
        return len(_reads(harness)) - before

    assert harness.run(refused) == 1  # searched again
    harness.expect_rejections = True  # type: ignore[attr-defined]
    assert [r["invalidParams"][0]["code"] for r in harness.sim.rejections()] == ["unique"]


def test_a_zaak_for_writing_is_still_a_zaak_of_this_gemeente_and_zaaktype(harness: Harness) -> None:
    async def limits(zs: ZgwZaaksysteem) -> None:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-SCHRIJF", BSN, "Aanvraag", date(2025, 6, 2))
        assert (await zs.zaak_voor_schrijven(AMSTERDAM, zaak.identificatie)).url == zaak.url
        with pytest.raises(NotFoundError):
            await zs.zaak_voor_schrijven(ROTTERDAM, zaak.identificatie)
        with pytest.raises(NotFoundError):
            await zs.zaak_voor_schrijven(AMSTERDAM, "GBI-BESTAAT-NIET")

    harness.run(limits)


def test_the_status_set_with_a_new_besluit_is_not_looked_for_first(harness: Harness) -> None:
    """The besluit request with ``statusGezetOp``: a besluit this call created means no earlier try set the status,
    so it is set without a search; repeated, the besluit is found and the status written again is refused as one the
    zaak has at that moment already (``unique``), then found (ADR 0041)."""
    from gbi_integration.zgw.service import ZaakService
    from gbi_shared.context import ActorType, RequestContext
    from gbi_shared.contracts.zaken import ZaakBesluitVerzoek

    ctx = RequestContext(actor_id="gbi-process", actor_type=ActorType.SERVICE, gemeente=AMSTERDAM)
    verzoek = ZaakBesluitVerzoek.model_validate(
        {
            "gemeente": AMSTERDAM,
            "besluittype": "toekenning",
            "datum": "2025-06-20",
            "ingangsdatum": "2025-06-02",
            "statusGezetOp": _moment(20).isoformat(),
        }
    )
    replica = Harness(sim=harness.sim, settings=zgw_settings(harness.sim.url))

    async def twice(zs: ZgwZaaksysteem) -> list[Any]:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-BESLUITSTATUS", BSN, "Aanvraag", date(2025, 6, 2))
        first = await ZaakService(zs).besluit(zaak.identificatie, verzoek, ctx)
        reads_after_first = _reads(harness)
        other = ZgwZaaksysteem(replica.settings, replica.transport, retry_delay_s=0.001)
        try:
            second = await ZaakService(other).besluit(zaak.identificatie, verzoek, ctx)
        finally:
            await replica.transport.close()
        return [first, second, reads_after_first]

    first, second, reads = harness.run(twice)
    assert first.nieuw
    assert first.status is not None
    assert first.status.nieuw
    assert reads == []  # no search for the zaak, the besluit or the status
    assert not second.nieuw
    assert second.status is not None
    assert not second.status.nieuw
    assert second.status.url == first.status.url
    replica_reads = [
        s.url.rsplit("/api/v1", 1)[1].split("?", 1)[0]
        for s in replica.transport.sent
        if s.method == "GET" and "/zgw/catalogi/" not in s.url
    ]
    assert replica_reads == ["/zaken", "/besluiten", "/statussen"]
    store = harness.sim.app.state.zgw.store
    zaak_url = store.resolve(first.url, "besluiten").data["zaak"]
    assert sum(1 for r in store.all("statussen") if r.data["zaak"] == zaak_url) == 1
    harness.expect_rejections = True  # type: ignore[attr-defined]
    assert [r["invalidParams"][0]["code"] for r in harness.sim.rejections()] == ["identificatie-niet-uniek", "unique"]
    for s in replica.transport.sent:
        check_request(s)


def test_an_eindstatus_retried_without_memory_is_refused_as_a_duplicate_and_found(harness: Harness) -> None:
    """ADR 0041: a status is written without a search first. The eindstatus of a first try (which closed the zaak),
    tried again by an adapter that remembers nothing (another replica, a restart), is refused as a second status of
    the zaak at that moment (``unique``) and then found: one eindstatus, the zaak closed once. A status of another
    statustype at that moment stays refused."""
    replica = Harness(sim=harness.sim, settings=zgw_settings(harness.sim.url))

    async def twice(zs: ZgwZaaksysteem) -> list[Any]:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-EINDSTATUS", BSN, "Aanvraag", date(2025, 6, 2))
        first = await zs.zet_status(zaak, ZaakStatusNaam.AFGEHANDELD, _moment(21))
        writes_first = [w.url.rsplit("/api/v1", 1)[1] for w in harness.transport.writes()]
        other = ZgwZaaksysteem(replica.settings, replica.transport, retry_delay_s=0.001)
        try:
            again = await other.zet_status(
                await other.zaak_voor_schrijven(AMSTERDAM, zaak.identificatie), ZaakStatusNaam.AFGEHANDELD, _moment(21)
            )
            with pytest.raises(UpstreamError):
                await other.zet_status(
                    await other.zaak_voor_schrijven(AMSTERDAM, zaak.identificatie),
                    ZaakStatusNaam.BESLUIT_GENOMEN,
                    _moment(21),
                )
        finally:
            await replica.transport.close()
        return [zaak, first, again, writes_first]

    zaak, first, again, writes_first = harness.run(twice)
    assert first.nieuw is True
    assert again.nieuw is False
    assert again.url == first.url
    assert writes_first == ["/zaken", "/rollen", "/statussen"]
    assert _reads(harness) == []  # the first try searched nothing
    store = harness.sim.app.state.zgw.store
    zaak_url = store.resolve(zaak.url, "zaken").data["url"]
    assert sum(1 for r in store.all("statussen") if r.data["zaak"] == zaak_url) == 1
    assert store.resolve(zaak.url, "zaken").data["einddatum"] == "2025-06-21"
    harness.expect_rejections = True  # type: ignore[attr-defined]
    assert [r["invalidParams"][0]["code"] for r in harness.sim.rejections()] == ["unique", "unique"]
    for s in replica.transport.sent:
        check_request(s)


@pytest.mark.parametrize("bestaat", [True, False], ids=["status-exists", "status-does-not-exist"])
def test_an_eindstatus_refused_as_forbidden_on_the_closed_zaak_is_looked_up_once(
    harness: Harness, bestaat: bool
) -> None:
    """A zaaksysteem that checks permissions before it validates (or a client without the scope to write on a closed
    zaak) answers an eindstatus retried on the zaak its first try closed with a 403, not ``unique``. Written first
    (ADR 0041), the status is then looked up once: found, the step succeeds; not there, the refusal stands."""
    replica = Harness(sim=harness.sim, settings=zgw_settings(harness.sim.url))
    # The retry is the same eindstatus (it exists), or one at another moment (nothing to find).
    moment = _moment(21) if bestaat else _moment(21, 10)

    async def twice(zs: ZgwZaaksysteem) -> list[Any]:
        zaak = await zs.registreer_zaak(AMSTERDAM, f"ALO-GESLOTEN-{bestaat}", BSN, "Aanvraag", date(2025, 6, 2))
        first = await zs.zet_status(zaak, ZaakStatusNaam.AFGEHANDELD, _moment(21))
        other = ZgwZaaksysteem(replica.settings, replica.transport, retry_delay_s=0.001)
        try:
            op_de_zaak = await other.zaak_voor_schrijven(AMSTERDAM, zaak.identificatie)
            replica.transport.faults.forbidden.append(("POST", "/statussen"))
            if not bestaat:
                with pytest.raises(ZgwForbidden):
                    await other.zet_status(op_de_zaak, ZaakStatusNaam.AFGEHANDELD, moment)
                return [zaak, first, None]
            again = await other.zet_status(op_de_zaak, ZaakStatusNaam.AFGEHANDELD, moment)
        finally:
            await replica.transport.close()
        return [zaak, first, again]

    zaak, first, again = harness.run(twice)
    assert replica.transport.faults.forbidden == []  # the status POST was refused
    sent = [(s.method, s.url.rsplit("/api/v1", 1)[1].split("?")[0]) for s in replica.transport.sent]
    assert sent[-2:] == [("POST", "/statussen"), ("GET", "/statussen")]  # refused, then looked up once
    if bestaat:
        assert again.nieuw is False
        assert again.url == first.url
    store = harness.sim.app.state.zgw.store
    zaak_url = store.resolve(zaak.url, "zaken").data["url"]
    assert sum(1 for r in store.all("statussen") if r.data["zaak"] == zaak_url) == 1
    for s in replica.transport.sent:
        check_request(s)


def test_a_zaaksysteem_without_unique_statussen_and_documents_has_them_looked_for_first(sim: Simulator) -> None:
    """``zgw_status_en_document_uniek`` false: a status and a document are looked for before they are written (as
    before ADR 0041), except the status set right after a besluit this call created (``nog_geen``); a retry writes
    nothing again and nothing is refused."""
    pdf = minimal_pdf("Beschikking")
    harness = Harness(sim=sim, settings=zgw_settings(sim.url, zgw_status_en_document_uniek=False))
    replica = Harness(sim=sim, settings=zgw_settings(sim.url, zgw_status_en_document_uniek=False))

    async def steps(zs: ZgwZaaksysteem) -> list[Any]:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-ZOEKEERST", BSN, "Aanvraag", date(2025, 6, 2))
        first = await zs.zet_status(zaak, ZaakStatusNaam.ONTVANGEN, _moment(2))
        nog_geen = await zs.zet_status(zaak, ZaakStatusNaam.BESLUIT_GENOMEN, _moment(20), nog_geen=True)
        document = await zs.voeg_document_toe(zaak, None, "Beschikking", pdf)
        other = ZgwZaaksysteem(replica.settings, replica.transport, retry_delay_s=0.001)
        try:
            again = await other.zet_status(zaak, ZaakStatusNaam.ONTVANGEN, _moment(2))
            document_again = await other.voeg_document_toe(zaak, None, "Beschikking", pdf)
        finally:
            await replica.transport.close()
        return [first, nog_geen, document, again, document_again]

    first, nog_geen, document, again, document_again = harness.run(steps)
    assert (first.nieuw, nog_geen.nieuw, document.nieuw) == (True, True, True)
    assert (again.nieuw, document_again.nieuw) == (False, False)
    assert (again.url, document_again.url) == (first.url, document.url)
    assert _reads(harness) == ["/statussen", "/enkelvoudiginformatieobjecten"]  # not the nog_geen status
    assert [w.url.rsplit("/api/v1", 1)[1] for w in replica.transport.writes()] == []
    assert sim.rejections() == []
    for s in [*harness.transport.sent, *replica.transport.sent]:
        check_request(s)


def test_a_document_retried_without_memory_is_refused_as_a_duplicate_and_found(harness: Harness) -> None:
    """ADR 0041: a document is written without a search first. Tried again by an adapter that remembers nothing, it
    is refused (``identificatie-niet-uniek``), found, and its relations are looked up, not made again: one document,
    one zaakinformatieobject, one besluitinformatieobject."""
    pdf = minimal_pdf("Beschikking")
    replica = Harness(sim=harness.sim, settings=zgw_settings(harness.sim.url))

    async def twice(zs: ZgwZaaksysteem) -> list[Any]:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-DOCUMENT", BSN, "Aanvraag", date(2025, 6, 2))
        besluit = await zs.registreer_besluit(zaak, ZaakBesluittypeNaam.TOEKENNING, date(2025, 6, 20), date(2025, 6, 2))
        first = await zs.voeg_document_toe(zaak, besluit, "Beschikking", pdf)
        other = ZgwZaaksysteem(replica.settings, replica.transport, retry_delay_s=0.001)
        try:
            again = await other.voeg_document_toe(zaak, besluit.url, "Beschikking", pdf)
        finally:
            await replica.transport.close()
        return [first, again]

    first, again = harness.run(twice)
    assert (first.nieuw, again.nieuw) == (True, False)
    assert again.url == first.url
    assert _reads(harness) == []
    store = harness.sim.app.state.zgw.store
    [eio] = [e for e in store.all("enkelvoudiginformatieobjecten") if e.data["identificatie"] == first.identificatie]
    assert len([z for z in store.all("zaakinformatieobjecten") if z.data["informatieobject"] == eio.data["url"]]) == 1
    assert (
        len([b for b in store.all("besluitinformatieobjecten") if b.data["informatieobject"] == eio.data["url"]]) == 1
    )
    harness.expect_rejections = True  # type: ignore[attr-defined]
    assert [r["invalidParams"][0]["code"] for r in harness.sim.rejections()] == ["identificatie-niet-uniek"]
    for s in replica.transport.sent:
        check_request(s)

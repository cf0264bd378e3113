"""ADR 0045: the end of a case in the zaaksysteem in one integration request (``POST .../zaken/{id}:afhandelen``):
the besluit with the status besluit_genomen, the beschikking as document of the zaak and the besluit, the eindstatus,
in that order, each as its own request registers it. Against the simulated zaaksysteem: a whole afhandeling, the same
again (with and without the adapter's memory) registering nothing twice, a part refused leaving the parts before it
for the repeat to find, and a try that died mid-way (an answer lost) completed by the repeat with one of each."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime
from typing import Any

import pytest

from gbi_integration.zgw.adapter import ZgwZaaksysteem, _digest
from gbi_integration.zgw.http import ZgwForbidden
from gbi_integration.zgw.service import ZaakService
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.zaken import ZaakAfhandeling, ZaakAfhandelingVerzoek, ZaakStatusNaam, Zaakverwijzing
from gbi_shared.errors import ServiceError
from gbi_testing import minimal_pdf

from .conftest import AMSTERDAM, Harness, check_request, zgw_settings

BSN = "999993112"
CTX = RequestContext(actor_id="gbi-process", actor_type=ActorType.SERVICE, gemeente=AMSTERDAM)
PDF = minimal_pdf("Beschikking toekenning")


def _verzoek(pdf: bytes = PDF) -> ZaakAfhandelingVerzoek:
    return ZaakAfhandelingVerzoek.model_validate(
        {
            "gemeente": AMSTERDAM,
            "besluit": {
                "besluittype": "toekenning",
                "datum": "2025-06-20",
                "ingangsdatum": "2025-06-02",
                "toelichting": "Besluit op aanvraag",
                "statusGezetOp": datetime(2025, 6, 20, 9, tzinfo=UTC).isoformat(),
                "statusToelichting": "toekenning",
            },
            "document": {
                "titel": "Beschikking toekenning",
                "inhoud": base64.b64encode(pdf).decode(),
                "bestandsnaam": "beschikking.pdf",
                "creatiedatum": "2025-06-20",
            },
            "eindstatus": {
                "datum": datetime(2025, 6, 20, 9, 0, 1, tzinfo=UTC).isoformat(),
                "toelichting": "toekenning",
            },
        }
    )


def _all_found(again: ZaakAfhandeling, first: ZaakAfhandeling) -> None:
    """A repeat registered nothing new: every part is the one the first try registered."""
    nieuw = (again.besluit.nieuw, again.besluit.status.nieuw, again.document.nieuw, again.eindstatus.nieuw)
    assert nieuw == (False, False, False, False)
    assert (again.besluit.url, again.document.url, again.eindstatus.url) == (
        first.besluit.url,
        first.document.url,
        first.eindstatus.url,
    )


def _counts(harness: Harness, zaak: Zaakverwijzing) -> dict[str, Any]:
    """What the zaaksysteem holds of the zaak: one of each is the only right answer after any number of tries."""
    store = harness.sim.app.state.zgw.store
    zaak_url = store.resolve(zaak.url, "zaken").data["url"]
    eio = "GBI-D-" + _digest(zaak.url, "Beschikking toekenning", hashlib.sha256(PDF).hexdigest())[:34]
    besluiten = [b.data["url"] for b in store.all("besluiten") if b.data["zaak"] == zaak_url]
    zios = [z.data["informatieobject"] for z in store.all("zaakinformatieobjecten") if z.data["zaak"] == zaak_url]
    return {
        "besluiten": len(besluiten),
        "statussen": sum(1 for s in store.all("statussen") if s.data["zaak"] == zaak_url),
        "documenten": sum(1 for e in store.all("enkelvoudiginformatieobjecten") if e.data["identificatie"] == eio),
        "zaakinformatieobjecten": len(zios),
        "besluitinformatieobjecten": sum(
            1 for b in store.all("besluitinformatieobjecten") if b.data["besluit"] in besluiten
        ),
        "einddatum": store.resolve(zaak.url, "zaken").data["einddatum"],
    }


ONE_OF_EACH = {
    "besluiten": 1,
    "statussen": 2,  # besluit_genomen and afgehandeld
    "documenten": 1,
    "zaakinformatieobjecten": 1,
    "besluitinformatieobjecten": 1,
    "einddatum": "2025-06-20",
}


def _replica(harness: Harness) -> tuple[Harness, ZgwZaaksysteem]:
    """Another replica (or this one after a restart): nothing remembered."""
    replica = Harness(sim=harness.sim, settings=zgw_settings(harness.sim.url))
    return replica, ZgwZaaksysteem(replica.settings, replica.transport, retry_delay_s=0.001)


def test_a_whole_afhandeling_in_one_request_and_again_registers_nothing_twice(harness: Harness) -> None:
    replica, other = _replica(harness)

    async def scenario(zs: ZgwZaaksysteem) -> list[Any]:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-AFH-1", BSN, "Aanvraag", date(2025, 6, 2))
        first = await ZaakService(zs).afhandeling(zaak.identificatie, _verzoek(), CTX)
        writes_first = [w.url.rsplit("/api/v1", 1)[1] for w in harness.transport.writes()]
        remembered = await ZaakService(zs).afhandeling(zaak.identificatie, _verzoek(), CTX)
        writes_again = len(harness.transport.writes())
        try:
            without_memory = await ZaakService(other).afhandeling(zaak.identificatie, _verzoek(), CTX)
        finally:
            await replica.transport.close()
        return [zaak, first, writes_first, remembered, writes_again, without_memory]

    zaak, first, writes_first, remembered, writes_again, without_memory = harness.run(scenario)
    assert isinstance(first, ZaakAfhandeling)
    # the zaaksysteem's own calls, in the order the three requests made them before
    assert writes_first == [
        "/zaken",
        "/rollen",
        "/besluiten",
        "/statussen",
        "/enkelvoudiginformatieobjecten",
        "/zaakinformatieobjecten",
        "/besluitinformatieobjecten",
        "/statussen",
    ]
    assert (first.besluit.nieuw, first.besluit.status.nieuw, first.document.nieuw, first.eindstatus.nieuw) == (
        True,
        True,
        True,
        True,
    )
    assert first.besluit.status.status == "besluit_genomen"
    assert first.eindstatus.status == "afgehandeld"
    assert first.document.besluit == first.besluit.url
    # the document is dated the day the beschikking was made (sent with it), not the day of the request
    eios = harness.sim.app.state.zgw.store.all("enkelvoudiginformatieobjecten")
    eio = next(e.data for e in eios if e.data["identificatie"] == first.document.identificatie)
    assert (eio["creatiedatum"], eio["integriteit"]["datum"]) == ("2025-06-20", "2025-06-20")
    assert writes_again == len(writes_first)  # the same replica answers from memory: nothing sent
    for again in (remembered, without_memory):
        _all_found(again, first)
    assert _counts(harness, zaak) == ONE_OF_EACH
    harness.expect_rejections = True  # type: ignore[attr-defined]  # the replica's writes, refused as duplicates
    for s in replica.transport.sent:
        check_request(s)


def _refuse_at(harness: Harness, zs: ZgwZaaksysteem, deel: str) -> None:
    """The zaaksysteem refuses (403) the next write of ``deel``: the document, or the eindstatus (after the
    besluit's status has passed)."""
    if deel != "eindstatus":
        harness.transport.faults.forbidden.append(("POST", "/enkelvoudiginformatieobjecten"))
        return
    zet_status = zs.zet_status

    async def refusing(zaak: Any, status: ZaakStatusNaam, *args: Any, **kw: Any) -> Any:
        if status is ZaakStatusNaam.AFGEHANDELD:
            harness.transport.faults.forbidden.append(("POST", "/statussen"))
        return await zet_status(zaak, status, *args, **kw)

    zs.zet_status = refusing  # type: ignore[method-assign]


@pytest.mark.parametrize("deel", ["document", "eindstatus"])
def test_a_part_refused_leaves_the_parts_before_it_and_the_repeat_completes_it(harness: Harness, deel: str) -> None:
    """The zaaksysteem refuses the document (or the eindstatus): the request fails, the parts before it stay, nothing
    after it is sent (the zaak is not closed without its beschikking). The step's retry (another replica) sends the
    same request, finds the parts done and registers the rest: one of each."""
    replica, other = _replica(harness)

    async def scenario(zs: ZgwZaaksysteem) -> list[Any]:
        zaak = await zs.registreer_zaak(AMSTERDAM, f"ALO-AFH-{deel}", BSN, "Aanvraag", date(2025, 6, 2))
        _refuse_at(harness, zs, deel)
        with pytest.raises(ZgwForbidden):
            await ZaakService(zs).afhandeling(zaak.identificatie, _verzoek(), CTX)
        between = _counts(harness, zaak)
        try:
            retried = await ZaakService(other).afhandeling(zaak.identificatie, _verzoek(), CTX)
        finally:
            await replica.transport.close()
        return [zaak, between, retried]

    zaak, between, retried = harness.run(scenario)
    assert harness.transport.faults.forbidden == []  # the refusal happened
    if deel == "document":
        assert between == {
            **ONE_OF_EACH,
            "statussen": 1,
            "documenten": 0,
            "zaakinformatieobjecten": 0,
            "besluitinformatieobjecten": 0,
            "einddatum": None,
        }
        assert (retried.besluit.nieuw, retried.document.nieuw, retried.eindstatus.nieuw) == (False, True, True)
    else:
        assert between == {**ONE_OF_EACH, "einddatum": None, "statussen": 1}
        assert (retried.besluit.nieuw, retried.document.nieuw, retried.eindstatus.nieuw) == (False, False, True)
    assert retried.besluit.status is not None
    assert retried.besluit.status.nieuw is False
    assert _counts(harness, zaak) == ONE_OF_EACH
    harness.expect_rejections = True  # type: ignore[attr-defined]  # the retry's duplicates, refused and found
    for s in replica.transport.sent:
        check_request(s)


@pytest.mark.parametrize(
    "verloren", ["/besluiten", "/statussen", "/enkelvoudiginformatieobjecten", "/zaakinformatieobjecten", "eindstatus"]
)
def test_a_try_that_died_mid_way_is_completed_by_the_repeat_with_one_of_each(harness: Harness, verloren: str) -> None:
    """The first try's answer of one part is lost after the zaaksysteem registered it, and the lookup does not see it
    yet (a crash of the integration service at that point is the same for the zaaksysteem): the request fails. The
    step's retry on another replica finds every part the first try registered, registers the rest: one of each."""
    replica, other = _replica(harness)

    async def scenario(zs: ZgwZaaksysteem) -> list[Any]:
        zaak = await zs.registreer_zaak(AMSTERDAM, f"ALO-AFH-V-{verloren[1:5]}", BSN, "A", date(2025, 6, 2))
        if verloren == "eindstatus":  # the second status write of the request (the first is besluit_genomen)
            zet_status = zs.zet_status

            async def losing(zaak: Any, status: ZaakStatusNaam, *args: Any, **kw: Any) -> Any:
                if status is ZaakStatusNaam.AFGEHANDELD:
                    harness.transport.faults.lose_answer.append(("POST", "/statussen"))
                    harness.transport.faults.empty_once.append(("GET", "/statussen"))
                return await zet_status(zaak, status, *args, **kw)

            zs.zet_status = losing  # type: ignore[method-assign]
        else:
            harness.transport.faults.lose_answer.append(("POST", verloren))
            harness.transport.faults.empty_once.append(("GET", verloren))
        with pytest.raises(ServiceError):
            await ZaakService(zs).afhandeling(zaak.identificatie, _verzoek(), CTX)
        try:
            retried = await ZaakService(other).afhandeling(zaak.identificatie, _verzoek(), CTX)
        finally:
            await replica.transport.close()
        return [zaak, retried]

    zaak, retried = harness.run(scenario)
    assert harness.transport.faults.lose_answer == []
    assert harness.transport.faults.empty_once == []  # the first try looked and did not see it: it failed
    assert _counts(harness, zaak) == ONE_OF_EACH
    assert retried.besluit.nieuw is False
    harness.expect_rejections = True  # type: ignore[attr-defined]
    for s in replica.transport.sent:
        check_request(s)


def test_a_repeat_after_the_zaak_was_closed_finds_every_part_when_the_zaaksysteem_answers_403(
    harness: Harness,
) -> None:
    """The first try completed (the zaak is closed) and the process crashed before it recorded the step: the replay
    sends the whole request again. A zaaksysteem that checks permissions before it validates refuses the besluit and
    the statussen on the closed zaak with a 403, not as duplicates: each is looked up once and found; the document
    (not a write on the zaak) is refused as a duplicate and found, its relations looked up. Nothing is created."""
    replica, other = _replica(harness)

    async def scenario(zs: ZgwZaaksysteem) -> list[Any]:
        zaak = await zs.registreer_zaak(AMSTERDAM, "ALO-AFH-GESLOTEN", BSN, "Aanvraag", date(2025, 6, 2))
        first = await ZaakService(zs).afhandeling(zaak.identificatie, _verzoek(), CTX)
        replica.transport.faults.forbidden.extend(
            [("POST", "/besluiten"), ("POST", "/statussen"), ("POST", "/statussen")]
        )
        try:
            again = await ZaakService(other).afhandeling(zaak.identificatie, _verzoek(), CTX)
        finally:
            await replica.transport.close()
        return [zaak, first, again]

    zaak, first, again = harness.run(scenario)
    assert replica.transport.faults.forbidden == []  # all three refused
    _all_found(again, first)
    assert _counts(harness, zaak) == ONE_OF_EACH
    writes = [w.url.rsplit("/api/v1", 1)[1] for w in replica.transport.writes()]
    assert "/zaakinformatieobjecten" not in writes  # the relations of a document found are looked up, not written
    assert "/besluitinformatieobjecten" not in writes
    harness.expect_rejections = True  # type: ignore[attr-defined]
    for s in replica.transport.sent:
        check_request(s)

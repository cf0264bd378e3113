"""ADR 0031: a BRP household read for an aanvraag stands in for a new read by a later step of the same case only while
it is fresh on the case's clock AND in real time (a zoektermijn of four weeks always ends in a fresh read), and only
for that aanvrager in that gemeente."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from gbi_process.alo import handlers
from gbi_process.alo.geheugen import HUISHOUDEN_HOUDBAAR, Casusgeheugen
from gbi_process.alo.handlers import Stap
from gbi_process.alo.referentie import Referentiecache
from gbi_process.alo.store import AloStore
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.alo import Aanvraag
from gbi_shared.contracts.alo_proces import AloAanvraagIndiening

from .conftest import BSN, GEMEENTE, FakeGateway, World

BRP = "/internal/integration/v1/brp/huishoudens"


def _brp(gw: FakeGateway, gemeente: str = GEMEENTE) -> list[Any]:
    """The fake BRP: every read answered (and counted) with the aanvrager's household in ``gemeente``."""
    reads: list[Any] = []

    def answer(body: Any) -> dict[str, Any]:
        reads.append(body)
        return {
            "gemeente": gemeente,
            "aanvrager": {"bsn": body["bsn"], "geboortedatum": "1990-01-01", "naam": f"Lezing {len(reads)}"},
            "kinderen": [],
            "bron": {"bron": "BRP", "opgevraagdOp": gw.now.isoformat()},
        }

    gw.other[BRP] = answer
    return reads


def _stap(gw: FakeGateway, aanvraag: Aanvraag, nu: datetime, referentie: Referentiecache | None) -> Stap:
    return Stap(
        gw=gw,  # type: ignore[arg-type]
        store=AloStore(gw, aanvraag.gemeente),  # type: ignore[arg-type]
        instance_id=uuid.uuid4(),
        aanvraag=aanvraag,
        task_id="t1",
        element="e",
        variables={"zaak_id": "ZAAK-1"},
        nu=nu,
        referentie=referentie,
    )


def _aanvraag(gw: FakeGateway, **overrides: Any) -> Aanvraag:
    row = gw.add_aanvraag(**overrides)
    return Aanvraag.model_validate(gw._aanvraag(row["id"]))


def test_the_submissions_household_serves_the_first_steps_and_a_stale_one_is_read_again(world: World) -> None:
    async def scenario() -> None:
        gw = world.gw
        reads = _brp(gw)
        burger = RequestContext(f"burger-{BSN}", ActorType.BURGER, bsn=BSN)
        verzoek = AloAanvraagIndiening(bsn=BSN, meldingsdatum=date(2026, 3, 2), aanvraagdatum=date(2026, 3, 2))
        ontvangen = await world.proces.dien_in(verzoek, burger, "sleutel-1")
        assert len(reads) == 1  # the woonplaatsbeginsel
        aanvraag = Aanvraag.model_validate(gw._aanvraag(str(ontvangen.aanvraag_id)))
        referentie: Referentiecache = world.proces._referentie

        # zoektermijn.bepalen and bronnen.ophalen seconds later: the submission's read
        for seconden in (2, 9):
            huishouden = await handlers._huishouden(
                _stap(gw, aanvraag, gw.now + timedelta(seconds=seconden), referentie)
            )
            assert huishouden.aanvrager.naam == "Lezing 1"
        assert len(reads) == 1

        # four weeks later on the case's clock (the zoektermijn ended): a fresh read, never the old household
        later = gw.now + timedelta(weeks=4)
        huishouden = await handlers._huishouden(_stap(gw, aanvraag, later, referentie))
        assert (huishouden.aanvrager.naam, len(reads)) == ("Lezing 2", 2)
        # ... which the next step of that run uses
        huishouden = await handlers._huishouden(_stap(gw, aanvraag, later + timedelta(seconds=3), referentie))
        assert (huishouden.aanvrager.naam, len(reads)) == ("Lezing 2", 2)
        # a clock moved back is no reason to trust an old read either
        huishouden = await handlers._huishouden(_stap(gw, aanvraag, gw.now, referentie))
        assert (huishouden.aanvrager.naam, len(reads)) == ("Lezing 3", 3)

    asyncio.run(scenario())


def test_a_household_older_than_the_limit_in_real_time_is_read_again() -> None:
    async def scenario() -> None:
        gw = FakeGateway()
        reads = _brp(gw)
        aanvraag = _aanvraag(gw)
        tijd = [1000.0]
        referentie = Referentiecache(gw)  # type: ignore[arg-type]
        referentie.casus = Casusgeheugen(clock=lambda: tijd[0])
        await handlers._huishouden(_stap(gw, aanvraag, gw.now, referentie))
        tijd[0] += HUISHOUDEN_HOUDBAAR.total_seconds() - 1
        await handlers._huishouden(_stap(gw, aanvraag, gw.now, referentie))
        assert len(reads) == 1
        tijd[0] += 2  # the case's clock stood still (a test), real time did not
        await handlers._huishouden(_stap(gw, aanvraag, gw.now, referentie))
        assert len(reads) == 2

    asyncio.run(scenario())


def test_a_household_is_used_only_for_its_own_aanvraag_aanvrager_and_gemeente() -> None:
    async def scenario() -> None:
        gw = FakeGateway()
        reads = _brp(gw)
        referentie = Referentiecache(gw)  # type: ignore[arg-type]
        eerste = _aanvraag(gw)
        await handlers._huishouden(_stap(gw, eerste, gw.now, referentie))
        # another aanvraag of the same person: its own read
        await handlers._huishouden(_stap(gw, _aanvraag(gw), gw.now, referentie))
        assert len(reads) == 2
        # a remembered household of another gemeente (the person moved in the meantime) is not used
        referentie.casus.onthoud_huishouden(
            eerste.id,
            (await handlers._huishouden(_stap(gw, eerste, gw.now, referentie))).model_copy(update={"gemeente": "0363"}),
            gw.now,
        )
        await handlers._huishouden(_stap(gw, eerste, gw.now, referentie))
        assert len(reads) == 3
        # without the process's memory (a bare step) every step reads
        await handlers._huishouden(_stap(gw, eerste, gw.now, None))
        await handlers._huishouden(_stap(gw, eerste, gw.now, None))
        assert len(reads) == 5

    asyncio.run(scenario())

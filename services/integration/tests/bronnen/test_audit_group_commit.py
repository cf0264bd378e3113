"""Group commit of the source audit: gatherings logged at the same moment in the same context share one
``audit:batch``; none answers before the write that holds its entries is committed, and a failed write fails every
request in it. The gateway here answers when the test says so (a write "in flight" is one it has not answered)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from gbi_integration.bronnen.audit import AUDIT_BATCH_PATH, AuditNietBeschikbaar, GatewayAuditLog, Raadpleging
from gbi_shared._http import HttpResponse
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.errors import ServiceUnavailableError

PROCESS = RequestContext(actor_id="gbi-process", actor_type=ActorType.SERVICE, gemeente="0599", purpose="alo")


@dataclass
class Write:
    path: str
    gemeente: str | None
    operations: list[str]
    answer: asyncio.Future[int]


@dataclass
class Gateway:
    """Records every audit POST and holds it until ``answer`` (status) is given."""

    writes: list[Write] = field(default_factory=list)

    async def request(self, method: str, path: str, *, json_body: Any, gemeente: str | None, **_: Any) -> HttpResponse:
        body = json.loads(json_body.model_dump_json(by_alias=True))
        write = Write(
            path, gemeente, [i["operation"] for i in body["items"]], asyncio.get_running_loop().create_future()
        )
        self.writes.append(write)
        status = await write.answer
        if status >= 400:
            raise ServiceUnavailableError("data service weg (test)")
        return HttpResponse(status, {}, b"{}")


def _gathering(name: str, n: int = 2) -> list[Raadpleging]:
    return [Raadpleging(f"bronnen.{name}-{i}", "999993112", "ZAAK-1", "OK", "success") for i in range(n)]


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_gatherings_that_arrive_while_a_write_is_in_flight_share_the_next_write() -> None:
    async def scenario() -> None:
        gw = Gateway()
        log = GatewayAuditLog(gw, timeout_s=1.0)  # type: ignore[arg-type]
        first = asyncio.create_task(log.vastleggen_alle(PROCESS, _gathering("a")))
        await _settle()
        assert [w.operations for w in gw.writes] == [["bronnen.a-0", "bronnen.a-1"]]
        second = asyncio.create_task(log.vastleggen_alle(PROCESS, _gathering("b")))
        third = asyncio.create_task(log.vastleggen_alle(PROCESS, _gathering("c", 1)))
        await _settle()
        assert len(gw.writes) == 1  # they wait for the write in flight
        assert not first.done()  # nobody answers before its write is committed
        gw.writes[0].answer.set_result(201)
        await _settle()
        assert first.done()
        assert first.exception() is None
        assert len(gw.writes) == 2
        assert gw.writes[1].path == AUDIT_BATCH_PATH
        assert gw.writes[1].gemeente == "0599"
        assert gw.writes[1].operations == ["bronnen.b-0", "bronnen.b-1", "bronnen.c-0"]
        assert not second.done()
        assert not third.done()
        gw.writes[1].answer.set_result(201)
        await asyncio.gather(second, third)
        assert log._rijen == {}  # nothing kept once all is written

    asyncio.run(scenario())


def test_other_contexts_are_not_grouped() -> None:
    async def scenario() -> None:
        gw = Gateway()
        log = GatewayAuditLog(gw, timeout_s=1.0)  # type: ignore[arg-type]
        other_gemeente = RequestContext(actor_id="gbi-process", actor_type=ActorType.SERVICE, gemeente="0363")
        other_actor = RequestContext(actor_id="h.handhaver", actor_type=ActorType.MEDEWERKER, gemeente="0599")
        tasks = [
            asyncio.create_task(log.vastleggen_alle(ctx, _gathering(name, 1)))
            for name, ctx in (("a", PROCESS), ("b", other_gemeente), ("c", other_actor))
        ]
        await _settle()
        # Three contexts: three writes at once, none waits for another.
        assert sorted(w.operations[0] for w in gw.writes) == ["bronnen.a-0", "bronnen.b-0", "bronnen.c-0"]
        for write in gw.writes:
            write.answer.set_result(201)
        await asyncio.gather(*tasks)

    asyncio.run(scenario())


def test_a_failed_group_write_fails_every_request_in_it_and_the_next_write_goes_on() -> None:
    async def scenario() -> None:
        gw = Gateway()
        log = GatewayAuditLog(gw, timeout_s=1.0)  # type: ignore[arg-type]
        first = asyncio.create_task(log.vastleggen_alle(PROCESS, _gathering("a")))
        await _settle()
        second = asyncio.create_task(log.vastleggen_alle(PROCESS, _gathering("b")))
        third = asyncio.create_task(log.vastleggen_alle(PROCESS, _gathering("c")))
        await _settle()
        gw.writes[0].answer.set_result(201)
        await _settle()
        gw.writes[1].answer.set_result(503)
        results = await asyncio.gather(first, second, third, return_exceptions=True)
        assert results[0] is None
        assert all(isinstance(r, AuditNietBeschikbaar) for r in results[1:])
        fourth = asyncio.create_task(log.vastleggen_alle(PROCESS, _gathering("d", 1)))
        await _settle()
        assert gw.writes[2].operations == ["bronnen.d-0"]
        gw.writes[2].answer.set_result(201)
        await fourth

    asyncio.run(scenario())


def test_a_request_that_stops_waiting_does_not_stop_the_write_of_its_group() -> None:
    async def scenario() -> None:
        gw = Gateway()
        log = GatewayAuditLog(gw, timeout_s=1.0)  # type: ignore[arg-type]
        first = asyncio.create_task(log.vastleggen_alle(PROCESS, _gathering("a", 1)))
        await _settle()
        gone = asyncio.create_task(log.vastleggen_alle(PROCESS, _gathering("b", 1)))
        stays = asyncio.create_task(log.vastleggen_alle(PROCESS, _gathering("c", 1)))
        await _settle()
        gone.cancel()
        first.cancel()  # the one whose write is in flight, too
        await _settle()
        gw.writes[0].answer.set_result(201)
        await _settle()
        assert gw.writes[1].operations == ["bronnen.b-0", "bronnen.c-0"]
        gw.writes[1].answer.set_result(201)
        await stays
        assert gone.cancelled()

    asyncio.run(scenario())


def test_a_group_holds_at_most_max_batch_entries() -> None:
    async def scenario() -> None:
        gw = Gateway()
        log = GatewayAuditLog(gw, timeout_s=1.0, max_batch=4)  # type: ignore[arg-type]
        tasks = [asyncio.create_task(log.vastleggen_alle(PROCESS, _gathering(name, 3))) for name in "abc"]
        await _settle()
        for n in range(3):
            await _settle()
            gw.writes[n].answer.set_result(201)
        await asyncio.gather(*tasks)
        assert [len(w.operations) for w in gw.writes] == [3, 3, 3]  # 3 + 3 > 4: each alone, one after the other

    asyncio.run(scenario())


@pytest.mark.parametrize("n", [0])
def test_an_empty_gathering_writes_nothing(n: int) -> None:
    async def scenario() -> None:
        gw = Gateway()
        await GatewayAuditLog(gw, timeout_s=1.0).vastleggen_alle(PROCESS, _gathering("a", n))  # type: ignore[arg-type]
        assert gw.writes == []

    asyncio.run(scenario())

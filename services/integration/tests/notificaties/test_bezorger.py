"""The delivery worker against the real data service and the real simulated subscriber on loopback: delivered once;
a subscriber that is offline gets the notification after it comes back, the attempts backed off; a wrong
Authorization header, a subscriber that does not answer in time or cannot be reached are failures (given up after
``maxAttempts``, visibly); a lost report or a crashed worker means a second delivery (at least once) that the
subscriber recognises by id; two workers never deliver the same levering at once; the loop survives the data
service being away."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from datetime import datetime
from typing import Any

from gbi_integration.notificaties import Bezorger, absoluut
from gbi_testing import dead_port

from .conftest import AUTH, PUBLIC_URL, Abonnee, Data, Gateway, until


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_a_notification_is_delivered_once(run, data: Data, abonnee: Abonnee, gateway: Gateway) -> None:
    data.abonnement(abonnee.callback())
    aanvraag = data.aanvraag()

    async def scenario(bezorger: Bezorger) -> int:
        claimed = await bezorger.run_until_idle()
        assert await bezorger.run_until_idle() == 0  # nothing more to do
        return claimed

    assert run(scenario) == 1
    (levering,) = data.leveringen()
    assert (levering["status"], levering["attempts"], levering["lastHttpStatus"]) == ("delivered", 1, 204)
    received = abonnee.ontvangen()
    assert [(i["id"], i["aantal"]) for i in received["items"]] == [(levering["notificatie"]["id"], 1)]
    assert received["pogingen"] == {"portaal": 1}
    # The ZGW message with its id, the URLs made absolute with GBI's public address (the simulator checked it
    # against the official consumer API, or it would have answered 400).
    body = received["items"][0]["notificatie"]
    url = f"{PUBLIC_URL}/api/v1/aanvragen/{aanvraag['id']}"
    assert body == {
        "id": levering["notificatie"]["id"],
        "kanaal": "aanvragen",
        "hoofdObject": url,
        "resource": "aanvraag",
        "resourceUrl": url,
        "actie": "create",
        "aanmaakdatum": body["aanmaakdatum"],
        "kenmerken": {"gemeente": "0363", "status": "ontvangen"},
    }
    # The worker claimed as the integration service for each gemeente, through the gateway.
    assert any(p.endswith("/notificaties/leveringen:claim") for p in gateway.paths)


def test_an_offline_subscriber_gets_it_after_it_comes_back(run, data: Data, abonnee: Abonnee) -> None:
    data.abonnement(abonnee.callback())
    data.aanvraag()
    abonnee.zet(modus="offline")

    async def scenario(bezorger: Bezorger) -> list[float]:
        delays: list[float] = []
        offset = 0
        for attempt in range(1, 5):
            assert await bezorger.run_until_idle(max_rounds=1) == 1
            (levering,) = data.leveringen()
            assert (levering["status"], levering["attempts"]) == ("pending", attempt)
            assert levering["lastError"] == "HTTP 503: De abonnee is offline"
            delay = (_ts(levering["nextAttemptAt"]) - _ts(levering["updatedAt"])).total_seconds()
            delays.append(delay)
            assert await bezorger.run_until_idle(max_rounds=1) == 0  # backed off: not due yet
            offset += math.ceil(delay) + 1  # the data service's clock moves past the backoff
            data.klok(offset)
        abonnee.zet(modus="online")
        assert await bezorger.run_until_idle() == 1
        return delays

    delays = run(scenario, notificaties_retry_base_s=30, notificaties_retry_max_s=100)
    # base 30 s, doubled per attempt, at most 100 s; equal jitter: between half the delay and the delay.
    for attempt, delay in enumerate(delays, start=1):
        expected = min(100, 30 * 2 ** (attempt - 1))
        assert expected / 2 - 0.01 <= delay <= expected + 0.01, (attempt, delay)
    (levering,) = data.leveringen()
    assert (levering["status"], levering["attempts"]) == ("delivered", 5)
    assert abonnee.aantallen() == {levering["notificatie"]["id"]: 1}
    assert abonnee.pogingen() == 5


def test_a_wrong_authorization_header_fails_and_is_given_up(run, data: Data, abonnee: Abonnee) -> None:
    data.abonnement(abonnee.callback(), auth="Bearer een-verkeerde-sleutel-0123")

    async def scenario(bezorger: Bezorger) -> None:
        for _ in range(3):
            await bezorger.run_until_idle()
            await asyncio.sleep(0.25)

    data.aanvraag()
    run(scenario, notificaties_max_attempts=2, notificaties_retry_max_s=0.2)
    (levering,) = data.leveringen()
    assert levering["status"] == "failed"
    assert levering["attempts"] == 2
    assert levering["lastHttpStatus"] == 403
    assert levering["lastError"] == "HTTP 403: Authorization klopt niet (opgegeven: 2 pogingen)"
    assert data.leveringen(status="failed") == [levering]
    assert abonnee.aantallen() == {}
    assert abonnee.pogingen() == 2


def test_an_unreachable_or_slow_subscriber_is_a_failure(run, data: Data, abonnee: Abonnee) -> None:
    data.abonnement(f"http://127.0.0.1:{dead_port()}/weg")
    abonnee.zet("traag", modus="traag", vertraging=2.5)
    data.abonnement(abonnee.callback("traag"))
    data.aanvraag()

    async def scenario(bezorger: Bezorger) -> None:
        await bezorger.run_until_idle(max_rounds=1)

    run(scenario)
    errors = sorted(lv["lastError"] for lv in data.leveringen())
    assert errors == ["geen antwoord binnen 1 s", "niet bereikbaar (ClientConnectorError)"]
    assert all(lv["status"] == "pending" and lv["lastHttpStatus"] is None for lv in data.leveringen())


def test_at_least_once_the_subscriber_recognises_a_repeat_by_id(
    run, data: Data, abonnee: Abonnee, gateway: Gateway
) -> None:
    data.abonnement(abonnee.callback())
    data.aanvraag()
    # The subscriber acknowledges, but the report never reaches the data service (three tries, all refused)...
    gateway.drop_results = 3

    async def first(bezorger: Bezorger) -> None:
        await bezorger.run_until_idle()

    run(first)
    (levering,) = data.leveringen()
    assert (levering["status"], levering["attempts"]) == ("pending", 1)
    # ... so when the lease has run out another worker delivers again, and that is recorded once.
    data.klok(6)
    run(first)
    (levering,) = data.leveringen()
    assert (levering["status"], levering["attempts"]) == ("delivered", 2)
    assert abonnee.aantallen() == {levering["notificatie"]["id"]: 2}  # one notification, it arrived twice


def test_two_workers_never_deliver_the_same_levering(run, data: Data, abonnee: Abonnee) -> None:
    data.abonnement(abonnee.callback())
    abonnee.zet("tweede", auth="Bearer tweede-abonnee-0123456789")
    data.abonnement(abonnee.callback("tweede"), auth="Bearer tweede-abonnee-0123456789")
    for _ in range(8):
        data.aanvraag()

    async def scenario(bezorgers: list[Bezorger]) -> list[int]:
        return list(await asyncio.gather(*(b.run_until_idle() for b in bezorgers)))

    claimed = run(scenario, workers=2, notificaties_claim_limit=3, notificaties_concurrency=3)
    assert sum(claimed) == 16
    assert all(lv["status"] == "delivered" and lv["attempts"] == 1 for lv in data.leveringen())
    assert sorted(abonnee.aantallen().values()) == [1] * 8
    assert sorted(abonnee.aantallen("tweede").values()) == [1] * 8


def test_the_loop_waits_out_a_data_service_that_is_away(run, data: Data, abonnee: Abonnee, gateway: Gateway) -> None:
    data.abonnement(abonnee.callback())
    data.aanvraag()
    gateway.down = True

    async def scenario(bezorger: Bezorger) -> dict[str, Any]:
        bezorger.start()
        try:
            await asyncio.sleep(0.4)
            assert bezorger.status.last_error is not None
            assert abonnee.aantallen() == {}
            gateway.down = False
            await until(lambda: bezorger.status.delivered == 1, within_s=10)
        finally:
            await bezorger.stop()
        return {"running": bezorger.status.running, "failed": bezorger.status.failed}

    assert run(scenario) == {"running": False, "failed": 0}
    (levering,) = data.leveringen()
    assert levering["status"] == "delivered"
    assert list(abonnee.aantallen().values()) == [1]


def test_only_matching_abonnementen_of_the_gemeente_get_it(run, data: Data, abonnee: Abonnee) -> None:
    abonnee.zet("besloten")
    abonnee.zet("rotterdam")
    data.abonnement(abonnee.callback("besloten"), status="besloten")
    data.abonnement(abonnee.callback("rotterdam"), gemeente="0599")
    data.abonnement(abonnee.callback())
    data.aanvraag()

    async def scenario(bezorger: Bezorger) -> int:
        return await bezorger.run_until_idle()

    assert run(scenario) == 1
    assert len(abonnee.aantallen()) == 1
    assert abonnee.aantallen("besloten") == {}
    assert abonnee.aantallen("rotterdam") == {}


def test_absolute_urls() -> None:
    assert (
        absoluut("/api/v1/aanvragen/1#besluit", "https://api.gbi.nl/")
        == "https://api.gbi.nl/api/v1/aanvragen/1#besluit"
    )
    assert absoluut("https://elders.example/x", "https://api.gbi.nl") == "https://elders.example/x"


def test_no_secret_in_logs_or_leveringen(run, data: Data, abonnee: Abonnee, caplog) -> None:
    secret = "Bearer " + "s3cr3t" * 8
    data.abonnement(abonnee.callback(), auth=secret)  # the subscriber expects another one: 403, logged
    data.aanvraag()

    async def scenario(bezorger: Bezorger) -> None:
        await bezorger.run_until_idle(max_rounds=1)

    with caplog.at_level(logging.DEBUG):
        run(scenario)
    (levering,) = data.leveringen()
    assert levering["lastHttpStatus"] == 403
    assert "s3cr3t" not in json.dumps(levering)
    assert "s3cr3t" not in caplog.text
    assert AUTH not in caplog.text


def test_an_idle_gemeente_is_asked_less_often_and_new_work_is_still_delivered(
    run, data: Data, abonnee: Abonnee, gateway: Gateway
) -> None:
    data.abonnement(abonnee.callback())

    def claims() -> int:
        return sum(p.endswith("/notificaties/leveringen:claim") for p in gateway.paths)

    async def backoff(bezorger: Bezorger) -> list[set[float]]:
        assert await bezorger.tick() == 0  # every gemeente asked once: nothing due anywhere
        first = claims()
        assert first >= 1
        pauses = [set(bezorger._idle.values())]
        assert await bezorger.tick() == 0  # at once again: every gemeente waits out its pause, no claim at all
        assert claims() == first
        for _ in range(3):  # the pauses pass (moved, not waited): asked again, each time the pause doubles
            bezorger._next = dict.fromkeys(bezorger._next, 0.0)
            assert await bezorger.tick() == 0
            pauses.append(set(bezorger._idle.values()))
        assert claims() == 4 * first
        return pauses

    assert run(backoff, notificaties_interval_s=5.0, notificaties_idle_max_s=12.0) == [{5.0}, {10.0}, {12.0}, {12.0}]

    async def late_work(bezorger: Bezorger) -> int:
        bezorger.start()
        try:
            await asyncio.sleep(0.6)  # long enough for every gemeente to reach the longest pause
            data.aanvraag()  # work appears in an idle gemeente: the loop still delivers it, after its pause
            await until(lambda: bezorger.status.delivered == 1, within_s=10)
        finally:
            await bezorger.stop()
        return bezorger.status.delivered

    assert run(late_work, notificaties_interval_s=0.05, notificaties_idle_max_s=0.2) == 1
    assert [lv["status"] for lv in data.leveringen()] == ["delivered"]


def test_a_gemeente_without_abonnementen_is_asked_rarely_until_one_is_taken(
    run, data: Data, abonnee: Abonnee, gateway: Gateway
) -> None:
    async def scenario(bezorger: Bezorger) -> tuple[float, float, float]:
        assert await bezorger.tick() == 0  # nobody subscribed anywhere: every claim says so
        wait_empty = max(bezorger._next.values()) - time.monotonic()
        data.abonnement(abonnee.callback())
        bezorger.wake("0363")  # the abonnement was taken through this replica's API
        assert bezorger._next["0363"] == 0.0
        assert await bezorger.tick() == 0  # asked again at once, now with an abonnement: the normal pause
        wait_subscribed = bezorger._next["0363"] - time.monotonic()
        data.aanvraag()
        bezorger._next["0363"] = 0.0
        assert await bezorger.run_until_idle() == 1
        return wait_empty, wait_subscribed, bezorger.idle_leeg_s

    wait_empty, wait_subscribed, leeg = run(scenario, notificaties_interval_s=1.0, notificaties_idle_max_s=4.0)
    assert leeg == 20.0
    assert 19.0 < wait_empty <= 20.0
    assert wait_subscribed <= 1.0
    assert [lv["status"] for lv in data.leveringen()] == ["delivered"]

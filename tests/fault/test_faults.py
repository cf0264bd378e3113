"""The fault run: concurrent ALO applications while every service is SIGKILLed and restarted in turn, PostgreSQL is
restarted, the UWV source is down and a notification subscriber is offline; then the invariants:

- every accepted application (202) exists exactly once (also when its request was sent twice at the same time
  with the same Idempotency-Key, and once more after the faults), with one process instance;
- every application reaches its settled state (Katinka: besloten; the others: waiting for a person or a citizen,
  never stuck in a source or a crash);
- no process step ran twice, no task, besluit, uitkering or voorschot exists twice;
- every notification for the subscriber was delivered exactly once, the ones sent while it was down included;
- the audit chains verify.
And graceful shutdown: SIGTERM lets in-flight requests finish.

Bounded: ~8 applications, one kill per service, target well under 10 minutes on 2 cores. ``make test-faults``.
"""

from __future__ import annotations

import concurrent.futures
import json
import signal
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest

from gbi_runner import Suite

from ..security.conftest import aanvraag_body
from .conftest import Http, PgCluster, Subscriber, Tokens, wait_until

pytestmark = pytest.mark.e2e

APPLICANTS = {
    "999994116": "0599",  # Katinka Vogel: nothing in any source, straight through
    "999995431": "0518",  # Lonneke Smit: UWV income, IB signal
    "999990792": "0518",  # Jan de Cuykelaer: detained
    "999994979": "0518",  # Johan Vermeer: 26, zoektermijn
    "999993112": "0363",  # Wilma van Zon: vehicles, property
    "999992995": "0363",  # Jan Goedmut: IB signal abroad
    "999970902": "0599",  # Isabella van Gemert: IB signal
    "999993653": "0599",  # Suzanne Moulin: income, recreatiewoning
}
STRAIGHT_THROUGH = {"999994116"}
ZOEKTERMIJN = {"999994979"}
SETTLED = {"besloten", "wacht-op-medewerker", "wacht-op-burger", "buiten-behandeling"}
ORDER = ("data", "process", "integration", "domain", "interaction", "gateway")
FIGURES: dict[str, Any] = {}


def _apply(gateway: Http, token: str, key: str, seen: list[str] | None = None) -> tuple[int, Any]:
    """Apply like a client that retries (same key) while a layer is away: on no answer or 502/503/504."""
    deadline = time.monotonic() + 420
    while time.monotonic() < deadline:
        try:
            status, _, body = gateway.call(
                "POST", "/api/v1/aanvragen", token=token, body=aanvraag_body(), headers={"Idempotency-Key": key}
            )
        except OSError as exc:
            if seen is not None:
                seen.append(type(exc).__name__)
            time.sleep(1)
            continue
        if status in (502, 503, 504):
            if seen is not None:
                seen.append(str(status))
            time.sleep(1)
            continue
        return status, body
    return 0, None


def _db(cluster: PgCluster) -> psycopg.Connection[Any]:
    return psycopg.connect(f"postgresql://gbi@127.0.0.1:{cluster.port}/gbi_fault", autocommit=True)


def test_concurrent_applications_survive_kills_restarts_and_outages(
    suite: Suite,
    gateway: Http,
    tokens: Tokens,
    cluster: PgCluster,
    subscriber: Subscriber,
    log_dir: Path,
) -> None:
    started = time.monotonic()
    sim = Http(suite.config.url("simulator"))
    # A subscriber for each gemeente's aanvragen channel (an integrator's abonnement).
    for gemeente in sorted(set(APPLICANTS.values())):
        status, _, body = gateway.call(
            "POST",
            "/api/v1/abonnementen",
            token=tokens.integrator(gemeente),
            body={"callbackUrl": subscriber.url, "auth": "Bearer abonnee-fault", "kanalen": [{"naam": "aanvragen"}]},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert status == 201, body
    keys = {bsn: str(uuid.uuid4()) for bsn in APPLICANTS}
    burger = {bsn: tokens.burger(bsn) for bsn in APPLICANTS}
    faults: list[str] = []

    # The subscriber is offline from the start of the run until after the source outage below.
    subscriber.down()
    faults.append("subscriber down")

    accepted: dict[str, str] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        # Every application twice at the same moment with the same key (a client retrying).
        retries: list[str] = []
        futures = {pool.submit(_apply, gateway, burger[b], keys[b], retries): b for b in APPLICANTS for _ in range(2)}
        # In the middle: SIGKILL each service in turn and restart it, then restart PostgreSQL.
        for name in ORDER:
            time.sleep(2)
            suite.kill(name, signal.SIGKILL)
            faults.append(f"SIGKILL {name}")
            suite.restart(name)
        cluster.restart()
        faults.append("PostgreSQL restart")
        ids: dict[str, set[str]] = {}
        for future, bsn in futures.items():
            status, body = future.result(timeout=480)
            assert status == 202, (bsn, status, body, Counter(retries))
            ids.setdefault(bsn, set()).add(str(body["id"]))
    for bsn, seen in ids.items():
        assert len(seen) == 1, (bsn, seen)  # the same key twice: the same aanvraag
        accepted[bsn] = seen.pop()
    # While the accepted applications are processed: the UWV is down for a while (cases wait for the source).
    assert sim.call("PUT", "/simulator/bronnen/storingen/uwv", body={"modus": "niet-beschikbaar"})[0] == 200
    faults.append("source uwv down 30 s")
    time.sleep(30)
    assert sim.call("DELETE", "/simulator/bronnen/storingen/uwv")[0] == 204
    subscriber.up()

    # Once more after the faults, same key: still the same aanvraag.
    for bsn in list(APPLICANTS)[:3]:
        status, body = _apply(gateway, burger[bsn], keys[bsn])
        assert status == 202
        assert body["id"] == accepted[bsn]

    # Every application settles: Katinka is decided straight through; Johan (26) waits for his zoektermijn (Pw 41
    # lid 4: four weeks from the melding, a timer in the process, the aanvraag "in-behandeling"); every other one
    # waits for a person or the citizen, never in a source or a crash.
    service_token = tokens.client("gbi-interaction")
    last: dict[str, Any] = {}

    def voortgang(bsn: str) -> dict[str, Any] | None:
        status, _, body = gateway.call(
            "GET",
            f"/internal/process/v1/aanvragen/{accepted[bsn]}/voortgang?gemeente={APPLICANTS[bsn]}",
            token=service_token,
        )
        return dict(body) if status == 200 else None

    def in_zoektermijn(bsn: str, status: str) -> bool:
        if status != "in-behandeling":
            return False
        v = voortgang(bsn)
        return bool(
            v and v["status"] == "waiting" and [t["element"] for t in v["timers"]] == ["zoektermijn_verstreken"]
        )

    def settled() -> dict[str, str] | None:
        states = {}
        for bsn, aanvraag_id in accepted.items():
            status, _, body = gateway.call("GET", f"/api/v1/aanvragen/{aanvraag_id}", token=burger[bsn])
            if status != 200:
                return None
            states[bsn] = body["status"]
        last["states"] = states
        ok = {
            bsn: (
                s == "besloten"
                if bsn in STRAIGHT_THROUGH
                else in_zoektermijn(bsn, s)
                if bsn in ZOEKTERMIJN
                else s in SETTLED
            )
            for bsn, s in states.items()
        }
        last["open"] = sorted(b for b, good in ok.items() if not good)
        return states if all(ok.values()) else None

    try:
        states = wait_until("every application settled", settled, timeout_s=300, interval_s=2)
    except AssertionError as exc:
        detail = {b: voortgang(b) for b in last.get("open", [])}
        raise AssertionError(f"{exc}; states {last.get('states')}; not settled: {detail}") from None

    # The invariants, straight from the database (the login role bypasses row-level security).
    with _db(cluster) as db:
        per_person = Counter(
            r[0] for r in db.execute("SELECT bsn FROM aanvragen WHERE bsn = ANY(%s)", (list(APPLICANTS),))
        )
        assert per_person == Counter(dict.fromkeys(APPLICANTS, 1)), per_person
        checks = {
            "procesinstanties per aanvraag": "SELECT aanvraag_id FROM procesinstanties GROUP BY 1 HAVING count(*) > 1",
            "steps run twice": "SELECT procesinstantie_id, stap_sleutel FROM processtappen GROUP BY 1, 2 "
            "HAVING count(*) > 1",
            "tasks twice": "SELECT procesinstantie_id, taak_sleutel FROM taken GROUP BY 1, 2 HAVING count(*) > 1",
            "besluiten twice": "SELECT aanvraag_id FROM besluiten GROUP BY 1 HAVING count(*) > 1",
            "uitkeringen twice": "SELECT aanvraag_id FROM uitkeringen GROUP BY 1 HAVING count(*) > 1",
            "voorschotten twice": "SELECT aanvraag_id, volgnummer FROM voorschotten GROUP BY 1, 2 HAVING count(*) > 1",
            "leveringen twice": "SELECT outbox_id, abonnement_id FROM leveringen GROUP BY 1, 2 HAVING count(*) > 1",
        }
        for what, query in checks.items():
            assert db.execute(query).fetchall() == [], what
        steps = db.execute("SELECT count(*) FROM processtappen").fetchone()[0]  # type: ignore[index]
        expected = db.execute(
            "SELECT o.id::text FROM outbox o JOIN abonnement_kanalen k ON k.kanaal = o.kanaal "
            "JOIN abonnementen a ON a.id = k.abonnement_id AND a.gemeente = o.gemeente "
            "WHERE a.callback_url = %s",
            (subscriber.url,),
        ).fetchall()

    # Every notification for the subscriber arrives exactly once (those sent while it was down included).
    def all_delivered() -> bool:
        return len(subscriber.received) >= len(expected)

    wait_until("every notification delivered", all_delivered, timeout_s=120, interval_s=1)
    time.sleep(3)  # nothing arrives twice afterwards either
    urls = Counter(n.get("resourceUrl") or n.get("hoofdObject") for n in subscriber.received)
    per_notification = Counter(
        (n.get("resourceUrl"), n.get("actie"), n.get("aanmaakdatum"), str(n.get("kenmerken")))
        for n in subscriber.received
    )
    assert all(c == 1 for c in per_notification.values()), per_notification
    assert len(subscriber.received) == len(expected), (len(subscriber.received), len(expected))
    # The audit chains verify after all of it.
    for gemeente in sorted(set(APPLICANTS.values())):
        status, _, body = gateway.call(
            "GET",
            "/internal/data/v1/audit/verify",
            token=tokens.client("gbi-interaction"),
            headers={"GBI-Gemeente": gemeente},
        )
        assert status == 200, body
        assert body["valid"] is True, body
    FIGURES.update(
        applications=len(accepted),
        client_retries=dict(Counter(retries)),
        requests=2 * len(APPLICANTS) + 3,
        faults=faults,
        states=states,
        steps=steps,
        notifications=len(subscriber.received),
        resources=len(urls),
        seconds=round(time.monotonic() - started),
    )
    print(f"fault run: {FIGURES}")
    (log_dir / "figures.json").write_text(json.dumps(FIGURES, indent=2, sort_keys=True))  # for docs/reliability.md


def test_sigterm_lets_in_flight_requests_finish(suite: Suite, gateway: Http, tokens: Tokens) -> None:
    """Requests in flight at the interaction layer when it gets SIGTERM all complete (uvicorn drains them); only
    after that does the process exit."""
    token = tokens.medewerker("0518", "klantmanager,inkomensconsulent,teamleider")
    proc = suite.procs["interaction"]

    def slow_call(_: int) -> int:
        # Through the gateway to interaction, which calls data: a request with a few hops in it.
        return gateway.call("GET", "/api/v1/taken?pageSize=100", token=token, timeout=60)[0]

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        futures = [pool.submit(slow_call, i) for i in range(24)]
        time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        results = [f.result(timeout=90) for f in futures]
    proc.wait(timeout=60)
    # Requests that reached interaction before the signal answered 200; the ones after it found it gone and got
    # the gateway's clean 502/503, never a reset connection or a half answer.
    assert results.count(200) >= 1, results
    assert set(results) <= {200, 502, 503}, results
    suite.restart("interaction")
    assert gateway.call("GET", "/api/v1/taken", token=token)[0] == 200
    urllib.request.urlopen(suite.config.url("interaction") + "/health/ready", timeout=5).close()

"""Leveringen: claimed by one delivery worker at a time (threads, and on PostgreSQL two open transactions with SKIP
LOCKED), an expired lease lets another worker take over, ``delivered`` is recorded once, a failure schedules the
next attempt after an exponential backoff with jitter (capped) and gives up after ``maxAttempts`` or ``maxAgeS``,
visibly; a given-up levering can be queued again."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from gbi_data.database import Database
from gbi_data.notificaties import repository
from gbi_data.notificaties.service import NotificatieService, wachttijd
from gbi_data.settings import DataSettings
from gbi_shared.contracts.notificaties import Herhaalbeleid

N = "/internal/data/v1/notificaties"
AUTH = "Bearer abonnee-geheim-0123456789abcdef"


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_the_claim_hands_over_what_to_send_auth_included(nrc) -> None:
    abonnement = nrc.abonnement(callback="https://abonnee.example/cb")
    aanvraag = nrc.aanvraag()
    (item,) = nrc.claim("bezorger-a", lease=30)
    assert item["abonnementId"] == abonnement["id"]
    assert item["callbackUrl"] == "https://abonnee.example/cb"
    assert item["auth"] == AUTH
    assert item["attempts"] == 1
    assert item["notificatie"]["hoofdObject"] == f"/api/v1/aanvragen/{aanvraag['id']}"
    (levering,) = nrc.leveringen()
    assert (levering["status"], levering["attempts"]) == ("pending", 1)
    assert nrc.claim("bezorger-b") == []  # leased


def test_only_services_claim_and_report(nrc) -> None:
    nrc.abonnement()
    nrc.aanvraag()
    (levering,) = nrc.leveringen()
    for headers in (nrc.callers.beheerder(), nrc.callers.integrator(), nrc.callers.klantmanager()):
        claim = nrc.client.post(f"{N}/leveringen:claim", json={"worker": "w", "leaseSeconds": 10}, headers=headers)
        assert claim.status_code == 403
        report = nrc.client.post(
            f"{N}/leveringen/{levering['id']}/resultaat", json={"worker": "w", "uitkomst": "delivered"}, headers=headers
        )
        assert report.status_code == 403


def test_delivered_is_recorded_once(nrc) -> None:
    nrc.abonnement()
    nrc.aanvraag()
    (item,) = nrc.claim("w")
    first = nrc.resultaat(item["id"], "w", "delivered", httpStatus=204)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["status"], body["attempts"], body["lastHttpStatus"]) == ("delivered", 1, 204)
    assert body["deliveredAt"] is not None
    assert body["nextAttemptAt"] is None
    # The same report again (a retried request), or a late one from another worker: nothing changes.
    again = nrc.resultaat(item["id"], "w", "delivered", httpStatus=200)
    assert again.json() == body
    late = nrc.resultaat(item["id"], "someone-else", "failed", httpStatus=503)
    assert late.json() == body
    assert nrc.claim("w") == []
    assert nrc.resultaat(str(uuid.uuid4()), "w", "delivered").status_code == 404


def test_failures_back_off_exponentially_with_jitter_up_to_the_cap(nrc) -> None:
    nrc.abonnement()
    nrc.aanvraag()
    beleid = {"baseDelayS": 10, "maxDelayS": 45, "maxAttempts": 10, "maxAgeS": 86400}
    offset = 0
    delays = []
    for attempt in range(1, 6):
        (item,) = nrc.claim("w")
        assert item["attempts"] == attempt
        response = nrc.resultaat(item["id"], "w", "failed", httpStatus=503, beleid=beleid)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["status"], body["lastError"], body["lastHttpStatus"]) == ("pending", "HTTP 503", 503)
        delay = (_ts(body["nextAttemptAt"]) - _ts(body["updatedAt"])).total_seconds()
        delays.append(delay)
        expected = min(45, 10 * 2 ** (attempt - 1))
        assert expected / 2 - 0.01 <= delay <= expected + 0.01, (attempt, delay)
        assert nrc.claim("w") == []  # not due yet
        offset += int(delay) + 1
        nrc.klok(offset)
    assert max(delays) <= 45.01


def test_the_backoff_schedule() -> None:
    beleid = Herhaalbeleid(base_delay_s=2, max_delay_s=60, max_attempts=50, max_age_s=3600)
    assert [wachttijd(n, beleid, lambda: 1.0) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    assert [wachttijd(n, beleid, lambda: 0.0) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert wachttijd(900, beleid, lambda: 0.5) == 45  # no overflow for many attempts


def test_a_levering_is_given_up_after_max_attempts_and_shown(nrc) -> None:
    nrc.abonnement()
    nrc.aanvraag()
    beleid = {"baseDelayS": 1, "maxDelayS": 1, "maxAttempts": 3, "maxAgeS": 86400}
    for n in range(1, 4):
        (item,) = nrc.claim("w")
        body = nrc.resultaat(item["id"], "w", "failed", fout="niet bereikbaar", beleid=beleid).json()
        nrc.klok(2 * n)
    assert body["status"] == "failed"
    assert body["attempts"] == 3
    assert body["lastError"] == "niet bereikbaar (opgegeven: 3 pogingen)"
    assert body["nextAttemptAt"] is None
    assert nrc.claim("w") == []
    failed = nrc.leveringen(status="failed")
    assert [lv["id"] for lv in failed] == [item["id"]]
    assert nrc.leveringen(status="pending") == []
    # A beheerder sees it and queues it again: it starts over.
    again = nrc.client.post(f"{N}/leveringen/{item['id']}:opnieuw", headers=nrc.callers.beheerder())
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["attempts"]) == ("pending", 0)
    (retried,) = nrc.claim("w")
    assert retried["attempts"] == 1
    assert nrc.resultaat(retried["id"], "w", "delivered").json()["status"] == "delivered"
    done = nrc.client.post(f"{N}/leveringen/{item['id']}:opnieuw", headers=nrc.callers.beheerder())
    assert done.status_code == 409
    assert done.json()["code"] == "al-afgeleverd"


def test_a_levering_is_given_up_when_too_old(nrc) -> None:
    nrc.abonnement()
    nrc.aanvraag()
    nrc.klok(3601)
    (item,) = nrc.claim("w")
    body = nrc.resultaat(item["id"], "w", "failed", httpStatus=500, beleid={"maxAgeS": 3600, "maxAttempts": 50}).json()
    assert body["status"] == "failed"
    assert body["lastError"] == "HTTP 500 (opgegeven: te oud)"


def test_a_failure_is_only_reported_by_the_lease_holder(nrc) -> None:
    nrc.abonnement()
    nrc.aanvraag()
    (item,) = nrc.claim("worker-a", lease=60)
    stranger = nrc.resultaat(item["id"], "worker-b", "failed", httpStatus=503)
    assert stranger.status_code == 409
    assert stranger.json()["code"] == "lease-lost"
    nrc.klok(61)  # worker-a hangs; its lease runs out and worker-b takes over
    (taken,) = nrc.claim("worker-b", lease=60)
    assert (taken["id"], taken["attempts"]) == (item["id"], 2)
    assert nrc.resultaat(item["id"], "worker-a", "failed", httpStatus=503).status_code == 409
    # worker-a's delivery did reach the subscriber after all: that is recorded, whoever reports it.
    assert nrc.resultaat(item["id"], "worker-a", "delivered").json()["status"] == "delivered"
    assert nrc.resultaat(item["id"], "worker-b", "delivered").json()["status"] == "delivered"


def test_concurrent_claims_hand_out_each_levering_once(nrc) -> None:
    nrc.abonnement()
    nrc.abonnement()
    for _ in range(6):
        nrc.aanvraag()
    assert len(nrc.leveringen()) == 12
    claimed = nrc.concurrently(6, lambda i: [item["id"] for item in nrc.claim(f"w-{i}", limit=4)])
    flat = [i for items in claimed for i in items]
    assert len(flat) == len(set(flat)) == 12


def test_claims_are_per_gemeente(nrc) -> None:
    nrc.abonnement()
    nrc.abonnement(gemeente="0599")
    nrc.aanvraag()
    nrc.aanvraag("0599")
    rotterdam = nrc.claim("w", gemeente="0599")
    assert len(rotterdam) == 1
    assert (
        nrc.client.post(
            f"{N}/leveringen/{rotterdam[0]['id']}/resultaat",
            json={"worker": "w", "uitkomst": "delivered"},
            headers=nrc.callers.service("0363"),
        ).status_code
        == 404
    )
    amsterdam = nrc.claim("w")
    assert len(amsterdam) == 1
    assert amsterdam[0]["id"] != rotterdam[0]["id"]


def test_integrators_see_the_leveringen_of_their_own_abonnementen(nrc) -> None:
    own = nrc.abonnement(headers=nrc.callers.integrator("integrator-0363"))
    nrc.abonnement()
    nrc.aanvraag()
    mine = nrc.leveringen(headers=nrc.callers.integrator("integrator-0363"))
    assert [lv["abonnementId"] for lv in mine] == [own["id"]]
    assert len(nrc.leveringen(headers=nrc.callers.beheerder())) == 2
    others = [lv for lv in nrc.leveringen() if lv["abonnementId"] != own["id"]]
    hidden = nrc.client.post(
        f"{N}/leveringen/{others[0]['id']}:opnieuw", headers=nrc.callers.integrator("integrator-0363")
    )
    assert hidden.status_code == 404
    assert nrc.client.get(f"{N}/leveringen", headers=nrc.callers.klantmanager()).status_code == 403


def test_leveringen_page_newest_first(nrc) -> None:
    nrc.abonnement()
    for _ in range(5):
        nrc.aanvraag()
    seen: list[str] = []
    after = None
    while True:
        params = {"pageSize": "2"} | ({"after": after} if after else {})
        body = nrc.client.get(f"{N}/leveringen", params=params, headers=nrc.callers.service()).json()
        seen += [lv["id"] for lv in body["items"]]
        after = body.get("nextAfter")
        if not after:
            break
    assert len(seen) == len(set(seen)) == 5
    bad = nrc.client.get(f"{N}/leveringen", params={"after": "rommel"}, headers=nrc.callers.service())
    assert bad.status_code == 400


def test_deleting_an_abonnement_drops_its_leveringen(nrc) -> None:
    abonnement = nrc.abonnement()
    nrc.aanvraag()
    assert len(nrc.leveringen()) == 1
    deleted = nrc.client.delete(f"{N}/abonnementen/{abonnement['id']}", headers=nrc.callers.beheerder())
    assert deleted.status_code == 204
    assert nrc.leveringen() == []


def test_an_undecryptable_auth_gives_the_levering_up(nrc, migrated: DataSettings, owner_sql) -> None:
    nrc.abonnement()
    nrc.aanvraag()
    owner_sql("UPDATE abonnementen SET auth_versleuteld = 'gAAAAA-geen-token'")
    assert nrc.claim("w") == []
    (levering,) = nrc.leveringen(status="failed")
    assert levering["lastError"] == "de auth van het abonnement is niet te ontsleutelen"


@pytest.mark.postgres
def test_skip_locked_keeps_two_open_claims_apart(nrc, database: Database, migrated: DataSettings) -> None:
    if not database.is_postgresql:
        pytest.skip("SKIP LOCKED is PostgreSQL's")
    nrc.abonnement()
    for _ in range(4):
        nrc.aanvraag()
    service = NotificatieService(migrated)
    with database.transaction(gemeente="0363") as first:
        now = service.nu(first)
        a = repository.claim_leveringen(
            first, "0363", worker="a", now=now, lease_until=now + timedelta(seconds=60), limit=2
        )
        # While the first claim's transaction is open (its rows locked, its leases not committed), a second
        # claimer skips the locked rows instead of waiting or taking them.
        with database.transaction(gemeente="0363") as second:
            b = repository.claim_leveringen(
                second, "0363", worker="b", now=now, lease_until=now + timedelta(seconds=60), limit=4
            )
    ids_a = {row[0].id for row in a}
    ids_b = {row[0].id for row in b}
    assert len(ids_a) == 2
    assert len(ids_b) == 2
    assert not ids_a & ids_b


def test_deleting_an_abonnement_while_a_change_is_published(nrc, database: Database) -> None:
    """The change never fails for it: a levering added while the delete waits is deleted with the abonnement."""
    import threading

    from gbi_data.notificaties import publiceer

    abonnement = nrc.abonnement()
    results: list[int] = []
    with database.transaction(gemeente="0363") as session:
        publiceer(session, "0363", "aanvragen", "aanvraag", "create", "/api/v1/aanvragen/x", "/api/v1/aanvragen/x")
        deleter = threading.Thread(
            target=lambda: results.append(
                nrc.client.delete(f"{N}/abonnementen/{abonnement['id']}", headers=nrc.callers.beheerder()).status_code
            )
        )
        deleter.start()
        deleter.join(timeout=0.5)  # it waits for the publishing transaction
    deleter.join(timeout=30)
    assert results == [204]
    assert nrc.leveringen() == []
    assert nrc.client.get(f"{N}/abonnementen", headers=nrc.callers.beheerder()).json()["items"] == []


def test_an_empty_claim_says_whether_the_gemeente_has_abonnementen(nrc) -> None:
    def claim(gemeente: str) -> dict:
        response = nrc.client.post(
            f"{N}/leveringen:claim",
            json={"worker": "w", "leaseSeconds": 60, "limit": 20},
            headers=nrc.callers.service(gemeente),
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    assert (claim("0363")["items"], claim("0363")["abonnementen"]) == ([], False)  # nobody subscribed
    nrc.abonnement()
    assert claim("0363")["abonnementen"] is True  # nothing due, but leveringen can arise here
    assert claim("0599")["abonnementen"] is False  # per gemeente
    nrc.aanvraag()
    got = claim("0363")
    assert (len(got["items"]), got["abonnementen"]) == (1, None)  # not asked: something was claimed

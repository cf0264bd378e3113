"""Process instances: one per aanvraag; claimed by one worker at a time (also under concurrency: threads, and on
PostgreSQL two open connections with SKIP LOCKED); an expired lease lets another worker take over and locks the
old one out; saves need the current version and the lease (409 otherwise); due timers follow the movable clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from gbi_data.alo import repository
from gbi_data.alo.service import AloService
from gbi_data.database import Database
from gbi_data.settings import DataSettings

V1 = "/internal/data/v1"
PATH = f"{V1}/procesinstanties"


def _save(alo, instance: dict, owner: str, **changes) -> object:
    body = {
        "state": '{"step": 2}',
        "status": "waiting",
        "version": instance["version"],
        "leaseOwner": owner,
    } | changes
    return alo.client.put(f"{PATH}/{instance['id']}", json=body, headers=alo.actors.service())


def test_create_read_and_one_per_aanvraag(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    body = {"aanvraagId": aanvraag["id"], "definitie": "alo", "definitieVersie": "3f2a9c0d1e4b5a6f", "state": "{}"}
    first = alo.client.post(PATH, json=body, headers=actors.service())
    assert first.status_code == 201, first.text
    instance = first.json()
    assert (instance["status"], instance["version"], instance["attempts"]) == ("runnable", 1, 0)
    assert instance["leaseOwner"] is None
    again = alo.client.post(PATH, json=body, headers=actors.service())
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == instance["id"]
    other = alo.client.post(PATH, json=body | {"definitieVersie": "2"}, headers=actors.service())
    assert other.status_code == 409
    assert alo.client.get(f"{PATH}/{instance['id']}", headers=actors.service()).json() == instance
    unknown = alo.client.post(PATH, json=body | {"aanvraagId": str(uuid.uuid4())}, headers=actors.service())
    assert unknown.status_code == 400
    assert alo.problem(unknown)["invalidParams"][0]["name"] == "aanvraagId"


def test_only_services_use_process_instances(alo, actors) -> None:
    _, instance = alo.zaak()
    for headers in (actors.staff("t", "teamleider"), actors.burger()):
        assert alo.client.get(f"{PATH}/{instance['id']}", headers=headers).status_code == 403
        claim = {"worker": "w", "leaseSeconds": 10}
        assert alo.client.post(f"{PATH}:claim", json=claim, headers=headers).status_code == 403


def test_claim_leases_due_instances_and_save_releases_them(alo) -> None:
    _, runnable = alo.zaak()
    _, waiting = alo.zaak(status="waiting", nextDueAt=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    claimed = alo.claim("worker-a", lease=30)
    assert [i["id"] for i in claimed] == [runnable["id"]]
    got = claimed[0]
    assert got["leaseOwner"] == "worker-a"
    assert got["attempts"] == 1
    assert alo.claim("worker-b") == []  # leased
    saved = _save(alo, got, "worker-a", status="waiting", nextDueAt=None)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], saved.json()["leaseOwner"], saved.json()["attempts"]) == (2, None, 0)
    assert saved.json()["state"] == '{"step": 2}'
    assert alo.claim("worker-b") == []  # waiting without a timer: nothing to do
    assert waiting["status"] == "waiting"


def test_keep_lease_and_last_error(alo) -> None:
    _, instance = alo.zaak()
    got = alo.claim("w")[0]
    kept = _save(alo, got, "w", status="runnable", keepLease=True, lastError="bron niet bereikbaar")
    assert kept.status_code == 200
    body = kept.json()
    assert (body["leaseOwner"], body["lastError"], body["attempts"]) == ("w", "bron niet bereikbaar", 1)
    assert alo.claim("other") == []
    extended = _save(alo, body, "w", status="runnable", keepLease=True, leaseSeconds=600).json()
    assert datetime.fromisoformat(extended["leaseUntil"]) > datetime.fromisoformat(body["leaseUntil"])
    alo.klok(300)  # past the first lease, within the extended one
    assert alo.claim("other") == []
    body = extended
    assert _save(alo, body, "w", status="completed", keepLease=True).json()["leaseOwner"] is None
    assert instance["id"] == body["id"]


def test_optimistic_lock_and_lease_conflicts_are_409(alo) -> None:
    alo.zaak()
    got = alo.claim("w")[0]
    stale = _save(alo, got | {"version": got["version"] + 1}, "w")
    assert stale.status_code == 409
    assert alo.problem(stale)["code"] == "version-mismatch"
    not_mine = _save(alo, got, "someone-else")
    assert not_mine.status_code == 409
    assert alo.problem(not_mine)["code"] == "lease-lost"
    assert _save(alo, got, "w").status_code == 200
    other = _save(alo, got, "w", state='{"step": 3}')  # another save from the old version: it moved on
    assert other.status_code == 409
    assert alo.problem(other)["code"] == "version-mismatch"
    missing = alo.client.put(
        f"{PATH}/{uuid.uuid4()}",
        json={"state": "", "status": "waiting", "version": 1, "leaseOwner": "w"},
        headers=alo.actors.service(),
    )
    assert missing.status_code == 404


def test_an_expired_lease_lets_another_worker_take_over(alo) -> None:
    alo.zaak()
    first = alo.claim("worker-a", lease=60)[0]
    assert alo.claim("worker-b") == []
    alo.klok(61)  # worker-a crashed; its lease runs out
    taken_over = alo.claim("worker-b", lease=60)
    assert [i["id"] for i in taken_over] == [first["id"]]
    assert taken_over[0]["leaseOwner"] == "worker-b"
    assert taken_over[0]["attempts"] == 2
    # worker-a wakes up: its save is refused, it cannot overwrite worker-b's work.
    late = _save(alo, first, "worker-a")
    assert late.status_code == 409
    assert alo.problem(late)["code"] == "lease-lost"
    assert _save(alo, taken_over[0], "worker-b").status_code == 200


def test_a_lease_that_ran_out_cannot_save_even_unclaimed(alo) -> None:
    alo.zaak()
    got = alo.claim("w", lease=5)[0]
    alo.klok(6)
    assert alo.problem(_save(alo, got, "w"))["code"] == "lease-lost"


def test_timestamps_must_carry_a_timezone(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    naive = {
        "aanvraagId": aanvraag["id"],
        "definitie": "alo",
        "definitieVersie": "1",
        "state": "{}",
        "status": "waiting",
        "nextDueAt": "2026-05-01T12:00:00",
    }
    response = alo.client.post(PATH, json=naive, headers=actors.service())
    assert response.status_code == 400
    assert alo.problem(response)["invalidParams"][0]["name"] == "nextDueAt"


def test_the_clock_offset_moves_due_timers(alo, actors) -> None:
    due = datetime.now(UTC) + timedelta(days=2)
    _, instance = alo.zaak(status="waiting", nextDueAt=due.isoformat())
    assert alo.claim("w") == []
    alo.klok(86400)
    assert alo.claim("w") == []
    alo.klok(3 * 86400)
    claimed = alo.claim("w")
    assert [i["id"] for i in claimed] == [instance["id"]]
    klok = alo.client.get(f"{V1}/klok", headers=actors.staff()).json()
    assert klok["offsetSeconden"] == 3 * 86400
    assert datetime.fromisoformat(klok["nu"]) > due
    alo.klok(0)


def test_claims_are_per_gemeente_and_limited(alo) -> None:
    for _ in range(3):
        alo.zaak()
    alo.zaak(gemeente="0599")
    assert len(alo.claim("w", limit=2)) == 2
    assert len(alo.claim("w2", limit=10)) == 1
    rotterdam = alo.claim("w", gemeente="0599")
    assert len(rotterdam) == 1
    assert rotterdam[0]["gemeente"] == "0599"


def test_a_claim_answers_its_instances_oldest_first(alo) -> None:
    """The order the claim picked them in (least recently changed first), not the lease's own moment, which is the
    same for all: a worker queues them in this order (ADR 0033), so an old instance is not left waiting."""
    made = [alo.zaak()[1]["id"] for _ in range(6)]
    assert [i["id"] for i in alo.claim("w", limit=6)] == made


def test_concurrent_claimers_never_get_the_same_instance(alo) -> None:
    made = {alo.zaak()[1]["id"] for _ in range(12)}

    def claim(i: int) -> list[str]:
        return [x["id"] for x in alo.claim(f"worker-{i}", limit=3)]

    results = alo.concurrently(8, claim)
    claimed = [i for batch in results for i in batch]
    assert len(claimed) == len(set(claimed)) == 12
    assert set(claimed) == made


def test_claims_are_audited_per_instance(alo) -> None:
    alo.zaak()
    alo.claim("w")
    assert alo.operations() == ["aanvraag.registreren", "procesinstantie.starten", "procesinstantie.claimen"]
    assert alo.audit()[2]["dataSubjectId"] == alo.audit()[0]["dataSubjectId"]


# --- the same at the repository, two transactions open at once ------------------------------------------------------


@pytest.fixture
def store(database: Database, migrated: DataSettings, alo) -> tuple[Database, AloService]:
    return database, AloService(migrated)


def test_two_open_transactions_claim_disjoint_instances(store, alo) -> None:
    """The first claimer's transaction is still open when the second claims: on PostgreSQL the second skips the
    locked rows at once (SKIP LOCKED) instead of waiting or taking them; on SQLite the second waits for the
    first's write lock and then sees the leases. Either way, no instance is claimed twice."""
    database, _ = store
    made = {alo.zaak()[1]["id"] for _ in range(4)}
    now = datetime.now(UTC)
    if database.is_postgresql:
        with database.transaction(gemeente="0363") as first, database.transaction(gemeente="0363") as second:
            a = repository.claim_procesinstanties(
                first, "0363", worker="a", now=now, lease_until=now + timedelta(minutes=1), limit=2
            )
            b = repository.claim_procesinstanties(
                second, "0363", worker="b", now=now, lease_until=now + timedelta(minutes=1), limit=10
            )
        assert len(a) == 2
        assert len(b) == 2
    else:
        with database.transaction(gemeente="0363") as first:
            a = repository.claim_procesinstanties(
                first, "0363", worker="a", now=now, lease_until=now + timedelta(minutes=1), limit=2
            )
        with database.transaction(gemeente="0363") as second:
            b = repository.claim_procesinstanties(
                second, "0363", worker="b", now=now, lease_until=now + timedelta(minutes=1), limit=10
            )
    ids_a, ids_b = {str(r.id) for r in a}, {str(r.id) for r in b}
    assert not ids_a & ids_b
    assert ids_a | ids_b == made
    assert {r.lease_owner for r in a} == {"a"}
    assert {r.lease_owner for r in b} == {"b"}

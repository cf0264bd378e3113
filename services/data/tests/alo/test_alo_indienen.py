"""``POST aanvragen:indienen`` (ADR 0030): an aanvraag registered and its process instance started in one
transaction, the instance leased to the submitting replica's worker when asked (as its first claim). The
registration is the caller's (a citizen only for their own BSN, audited as theirs), the start the GBI service's
that forwarded the context. A repeat with the key finds the first (never leases again); a refusal changes
nothing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

V1 = "/internal/data/v1"
PATH = f"{V1}/aanvragen:indienen"
BSN_A = "999993653"
BSN_B = "999990019"
AMSTERDAM = "0363"
ROTTERDAM = "0599"


def _body(alo, aanvraag_id: uuid.UUID | None = None, lease: bool = True, **aanvraag: Any) -> dict[str, Any]:
    aid = aanvraag_id or uuid.uuid4()
    return {
        "aanvraagId": str(aid),
        "aanvraag": alo.body(**aanvraag),
        "procesinstantie": {
            "definitie": "alo",
            "definitieVersie": "1",
            "state": f'{{"aanvraag_id": "{aid}"}}',
            "lease": {"worker": "w-1", "leaseSeconds": 60} if lease else None,
        },
    }


def _burger(alo, bsn: str = BSN_A, gemeente: str = AMSTERDAM) -> dict[str, str]:
    # as the process service forwards a citizen's context (the gateway sets ``via``)
    return alo.actors._build(
        actor_id=bsn, actor_type=_burger_type(), roles=("burger",), bsn=bsn, gemeente=gemeente, via="gbi-process"
    )


def _burger_type() -> Any:
    from gbi_shared import ActorType

    return ActorType.BURGER


def _post(alo, body: dict[str, Any], key: str | None, headers: dict[str, str] | None = None) -> Any:
    extra = {"Idempotency-Key": key} if key is not None else {}
    return alo.client.post(PATH, json=body, headers=(headers if headers is not None else _burger(alo)) | extra)


def _counts(alo, gemeente: str = AMSTERDAM) -> tuple[int, int, int]:
    """(aanvragen, audited writes of a submission, instances started) of a gemeente, as seen through the API."""
    service = alo.actors.service(gemeente)
    aanvragen = alo.client.get(f"{V1}/aanvragen?pageSize=100", headers=service).json()["items"]
    operations = alo.operations(gemeente)
    written = [
        o for o in operations if o in ("aanvraag.registreren", "procesinstantie.starten", "procesinstantie.claimen")
    ]
    return len(aanvragen), len(written), operations.count("procesinstantie.starten")


def test_a_submission_registers_the_aanvraag_and_starts_its_instance_leased_to_the_worker(alo) -> None:
    aid = uuid.uuid4()
    before = alo.operations()
    response = _post(alo, _body(alo, aid), "k-1")
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"{V1}/aanvragen/{aid}"
    body = response.json()
    aanvraag, instance = body["aanvraag"], body["procesinstantie"]
    assert body["geclaimd"] is True
    assert (aanvraag["id"], aanvraag["status"], aanvraag["gemeente"]) == (str(aid), "ontvangen", AMSTERDAM)
    assert [t["soort"] for t in aanvraag["tijdlijn"]] == ["aanvraag-ontvangen"]
    assert instance["aanvraagId"] == str(aid)
    assert instance["state"] == f'{{"aanvraag_id": "{aid}"}}'
    assert (instance["status"], instance["version"], instance["attempts"]) == ("runnable", 1, 1)
    assert instance["leaseOwner"] == "w-1"
    lease = datetime.fromisoformat(instance["leaseUntil"]) - datetime.fromisoformat(body["nu"])
    assert lease.total_seconds() == 60
    # leased: no other worker claims it; the instance is the aanvraag's (a POST procesinstanties finds it)
    assert alo.claim("w-2") == []
    found = alo.client.post(
        f"{V1}/procesinstanties",
        json={"aanvraagId": str(aid), "definitie": "alo", "definitieVersie": "1", "state": "{}"},
        headers=alo.actors.service(),
    )
    assert (found.status_code, found.json()["id"]) == (200, instance["id"])
    # audited: the registration as the citizen's, the start and the lease as the forwarding service's
    wanted = ("aanvraag.registreren", "procesinstantie.starten", "procesinstantie.claimen")
    entries = [e for e in alo.audit() if e["operation"] in wanted]
    assert sorted(e["operation"] for e in entries) == sorted(wanted)
    ops = {e["operation"]: e for e in entries}
    assert ops["aanvraag.registreren"]["actorType"] == "burger"
    assert ops["aanvraag.registreren"]["actor"] != BSN_A  # a pseudonym, never the BSN
    assert (ops["procesinstantie.starten"]["actor"], ops["procesinstantie.starten"]["actorType"]) == (
        "gbi-process",
        "service",
    )
    assert ops["procesinstantie.claimen"]["actor"] == "gbi-process"
    assert len({e["dataSubjectId"] for e in ops.values()}) == 1
    assert alo.operations().count("procesinstantie.starten") == before.count("procesinstantie.starten") + 1


def test_without_a_lease_the_instance_waits_for_a_claim(alo) -> None:
    before = alo.operations()
    response = _post(alo, _body(alo, lease=False), "k-2", alo.actors.service())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["geclaimd"] is False
    assert (body["procesinstantie"]["leaseOwner"], body["procesinstantie"]["attempts"]) == (None, 0)
    [claimed] = alo.claim("w-2")
    assert claimed["id"] == body["procesinstantie"]["id"]
    assert claimed["attempts"] == 1
    ops = alo.operations()
    assert ops.count("procesinstantie.claimen") == before.count("procesinstantie.claimen") + 1  # the claim's own


def test_a_repeat_with_the_key_finds_the_first_aanvraag_and_instance_and_changes_nothing(alo) -> None:
    first = _post(alo, _body(alo), "k-3").json()
    audited = len(alo.operations())
    again = _post(alo, _body(alo), "k-3")  # another id and state: the process picks them anew per try
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (200, "true")
    body = again.json()
    assert body["aanvraag"]["id"] == first["aanvraag"]["id"]
    assert body["procesinstantie"] == first["procesinstantie"]  # its state and lease as they were
    assert body["geclaimd"] is False  # a repeat never leases (the first try's worker may run it already)
    assert len(alo.operations()) == audited


def test_the_key_with_another_aanvraag_is_409_and_changes_nothing(alo) -> None:
    _post(alo, _body(alo), "k-4")
    counts = _counts(alo)
    response = _post(alo, _body(alo, aanvraagdatum="2026-03-10"), "k-4")
    assert response.status_code == 409
    assert alo.problem(response)["code"] == "idempotency-key-reused"
    assert _counts(alo) == counts


def test_an_aanvraag_registered_without_instance_is_answered_without_one(alo) -> None:
    """Registered through POST aanvragen under the key (a submission that stopped before its start): the repeat
    answers the aanvraag and no instance; the caller starts it."""
    headers = alo.actors.service() | {"Idempotency-Key": "k-5"}
    registered = alo.client.post(f"{V1}/aanvragen", json=alo.body(), headers=headers).json()
    response = _post(alo, _body(alo), "k-5", alo.actors.service())
    assert response.status_code == 200, response.text
    assert response.json()["aanvraag"]["id"] == registered["id"]
    assert response.json()["procesinstantie"] is None
    assert alo.claim("w-1") == []


def test_an_aanvraag_id_in_use_is_409_in_any_gemeente_and_changes_nothing(alo) -> None:
    aid = uuid.uuid4()
    assert _post(alo, _body(alo, aid), "k-6").status_code == 201
    for gemeente in (AMSTERDAM, ROTTERDAM):
        counts = _counts(alo, gemeente)
        response = _post(alo, _body(alo, aid), f"k-7-{gemeente}", _burger(alo, gemeente=gemeente))
        assert response.status_code == 409, response.text
        alo.problem(response)
        assert _counts(alo, gemeente) == counts
    # another gemeente's key is its own: the same key in Rotterdam is a new aanvraag there, not Amsterdam's
    other = _post(alo, _body(alo), "k-6", _burger(alo, gemeente=ROTTERDAM))
    assert other.status_code == 201, other.text
    assert other.json()["aanvraag"]["gemeente"] == ROTTERDAM
    assert other.json()["aanvraag"]["id"] != str(aid)


def test_who_may_submit(alo) -> None:
    counts = _counts(alo)
    # a citizen only for their own BSN
    response = _post(alo, _body(alo, bsn=BSN_B), "k-8")
    assert response.status_code == 403
    alo.problem(response)
    # a context no GBI service forwarded cannot start a process
    direct = alo.actors._build(
        actor_id=BSN_A, actor_type=_burger_type(), roles=("burger",), bsn=BSN_A, gemeente=AMSTERDAM, via=None
    )
    response = _post(alo, _body(alo), "k-9", direct)
    assert response.status_code == 403
    alo.problem(response)
    # staff forwarded by a service may register (their role allows it) and so submit
    staff = alo.actors.staff("km-1", "handhaver")
    assert _post(alo, _body(alo), "k-10", staff).status_code == 403  # handhaver does not register
    assert _counts(alo) == counts


def test_bad_input_is_a_problem_and_changes_nothing(alo) -> None:
    counts = _counts(alo)
    good = _body(alo)
    bad: list[tuple[dict[str, Any], str | None]] = [
        (good, None),  # no Idempotency-Key
        (good | {"aanvraagId": "geen-uuid"}, "b-1"),
        ({k: v for k, v in good.items() if k != "aanvraagId"}, "b-2"),
        (_body(alo, aanvraagdatum="2026-03-01"), "b-3"),  # before the melding
        (good | {"procesinstantie": good["procesinstantie"] | {"definitie": "1 alo"}}, "b-4"),
        (good | {"procesinstantie": good["procesinstantie"] | {"lease": {"worker": "w", "leaseSeconds": 0}}}, "b-5"),
        (good | {"procesinstantie": good["procesinstantie"] | {"state": "x" * 900_001}}, "b-6"),
        (good | {"procesinstantie": {k: v for k, v in good["procesinstantie"].items() if k != "state"}}, "b-7"),
    ]
    for body, key in bad:
        response = _post(alo, body, key)
        assert response.status_code == 400, (key, response.status_code, response.text[:300])
        alo.problem(response)
    assert _counts(alo) == counts


def test_concurrent_submissions_with_one_key_make_one_aanvraag_and_one_instance(alo) -> None:
    results = alo.concurrently(4, lambda i: _post(alo, _body(alo), "k-11"))
    assert sorted(r.status_code for r in results) == [200, 200, 200, 201]
    assert len({r.json()["aanvraag"]["id"] for r in results}) == 1
    assert len({r.json()["procesinstantie"]["id"] for r in results}) == 1
    assert sum(r.json()["geclaimd"] for r in results) == 1
    assert alo.operations().count("procesinstantie.starten") == 1

"""One save of a process instance records the results of the steps it ran with the engine's state, in one
transaction (ADR 0016): all or nothing, fenced by version and lease, first write wins per step, and the same save
again after it committed (an answer lost on the way) is a replay that changes nothing. A run reads every recorded
step of its instance in one call."""

from __future__ import annotations

import uuid
from typing import Any

V1 = "/internal/data/v1"
PATH = f"{V1}/procesinstanties"


def _body(instance: dict[str, Any], owner: str = "w", **changes: Any) -> dict[str, Any]:
    return {
        "state": '{"step": 2}',
        "status": "runnable",
        "version": instance["version"],
        "leaseOwner": owner,
        "keepLease": True,
        "stappen": [
            {"stapSleutel": "task-1", "resultaat": {"handler": "zaak.registreren", "uit": {"zaak_id": "Z-1"}}},
            {"stapSleutel": "feit.bronnen", "resultaat": {"inkomen": [1, 2.5, None, "x"]}},
        ],
    } | changes


def _put(alo, instance: dict[str, Any], body: dict[str, Any]) -> Any:
    return alo.client.put(f"{PATH}/{instance['id']}", json=body, headers=alo.actors.service())


def _steps(alo, instance: dict[str, Any]) -> dict[str, Any]:
    response = alo.client.get(f"{PATH}/{instance['id']}/stappen", headers=alo.actors.service())
    assert response.status_code == 200, response.text
    return {s["stapSleutel"]: s["resultaat"] for s in response.json()["items"]}


def _stored(alo, instance: dict[str, Any]) -> dict[str, Any]:
    return dict(alo.client.get(f"{PATH}/{instance['id']}", headers=alo.actors.service()).json())


def test_a_save_records_its_steps_with_the_state_and_a_run_reads_them_in_one_call(alo) -> None:
    _, instance = alo.zaak()
    got = alo.claim("w")[0]
    assert _steps(alo, got) == {}
    body = _body(got)
    saved = _put(alo, got, body)
    assert saved.status_code == 200, saved.text
    assert "Idempotent-Replayed" not in saved.headers
    assert (saved.json()["version"], saved.json()["leaseOwner"], saved.json()["state"]) == (2, "w", '{"step": 2}')
    assert _steps(alo, got) == {s["stapSleutel"]: s["resultaat"] for s in body["stappen"]}
    # the single-step read still answers what the save recorded
    one = alo.client.get(f"{PATH}/{instance['id']}/stappen/task-1", headers=alo.actors.service())
    assert one.json()["resultaat"] == body["stappen"][0]["resultaat"]
    # a step recorded before with the same result changes nothing; a new one is added
    more = _body(saved.json(), state='{"step": 3}')
    more["stappen"] = [body["stappen"][1], {"stapSleutel": "task-2", "resultaat": {"uit": {}}}]
    assert _put(alo, got, more).status_code == 200
    assert set(_steps(alo, got)) == {"task-1", "feit.bronnen", "task-2"}
    assert alo.operations().count("procesinstantie.opslaan") == 2


def test_the_same_save_again_is_a_replay_that_changes_nothing(alo) -> None:
    _, instance = alo.zaak()
    got = alo.claim("w")[0]
    body = _body(got)
    first = _put(alo, got, body)
    assert first.status_code == 200
    audited = alo.operations().count("procesinstantie.opslaan")
    again = _put(alo, got, body)  # the answer of the first was lost; the worker's client repeats it
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert alo.operations().count("procesinstantie.opslaan") == audited  # nothing written, not even an audit entry
    # a release that committed, repeated: a replay too (the lease was released by it)
    release = _body(first.json(), status="waiting", keepLease=False, stappen=[])
    assert _put(alo, got, release).status_code == 200
    replayed = _put(alo, got, release)
    assert (replayed.status_code, replayed.headers.get("Idempotent-Replayed")) == (200, "true")
    assert replayed.json()["leaseOwner"] is None
    assert _stored(alo, instance)["version"] == 3


def test_a_replay_is_refused_once_someone_else_took_the_instance(alo) -> None:
    _, instance = alo.zaak()
    got = alo.claim("w")[0]
    release = _body(got, keepLease=False)  # runnable, lease released: another worker may claim it at once
    assert _put(alo, got, release).status_code == 200
    assert [i["id"] for i in alo.claim("other")] == [instance["id"]]
    late = _put(alo, got, release)
    assert late.status_code == 409
    assert alo.problem(late)["code"] == "version-mismatch"
    # a save that is not the committed one (another state) from the old version is no replay either
    kept = _body(got)
    assert alo.problem(_put(alo, got, kept | {"state": "{}"}))["code"] == "version-mismatch"


def test_a_stale_lease_or_version_records_no_step_and_changes_nothing(alo) -> None:
    _, instance = alo.zaak()
    got = alo.claim("worker-a", lease=60)[0]
    alo.klok(61)  # worker-a's lease ran out; worker-b took over
    taken_over = alo.claim("worker-b", lease=60)[0]
    before = _stored(alo, instance)
    audited = alo.operations().count("procesinstantie.opslaan")
    fenced = _put(alo, got, _body(got, "worker-a"))
    assert fenced.status_code == 409
    assert alo.problem(fenced)["code"] == "lease-lost"
    stale = _put(alo, got, _body(taken_over, "worker-b", version=taken_over["version"] + 5))
    assert stale.status_code == 409
    assert alo.problem(stale)["code"] == "version-mismatch"
    assert _steps(alo, got) == {}
    assert _stored(alo, instance) == before
    assert alo.operations().count("procesinstantie.opslaan") == audited
    assert _put(alo, taken_over, _body(taken_over, "worker-b")).status_code == 200


def test_a_step_recorded_with_another_result_refuses_the_whole_save(alo) -> None:
    _, instance = alo.zaak()
    got = alo.claim("w")[0]
    earlier = {"stapSleutel": "task-1", "resultaat": {"uit": {"zaak_id": "Z-0"}}}
    posted = alo.client.post(f"{PATH}/{instance['id']}/stappen", json=earlier, headers=alo.actors.service())
    assert posted.status_code == 201
    before = _stored(alo, instance)
    refused = _put(alo, got, _body(got))  # task-1 with another result, and a new fact
    assert refused.status_code == 409
    assert alo.problem(refused)["code"] == "stap-vastgelegd"
    assert _steps(alo, got) == {"task-1": earlier["resultaat"]}  # the first write won; the new fact is not in
    assert _stored(alo, instance) == before
    # started again from the stored state, with the recorded result: the save goes through
    redo = _body(got, stappen=[earlier, {"stapSleutel": "feit.bronnen", "resultaat": {"x": 1}}])
    assert _put(alo, got, redo).status_code == 200
    assert _steps(alo, got) == {"task-1": earlier["resultaat"], "feit.bronnen": {"x": 1}}


def test_a_bad_save_is_a_problem_and_changes_nothing(alo) -> None:
    _, instance = alo.zaak()
    got = alo.claim("w")[0]
    before = _stored(alo, instance)
    step = {"stapSleutel": "task-1", "resultaat": {}}
    bad = [
        _body(got, stappen=[step, step]),  # the same key twice
        _body(got, stappen=[{"stapSleutel": "-no", "resultaat": {}}]),  # not a key
        _body(got, stappen=[{"stapSleutel": f"s{i}", "resultaat": i} for i in range(21)]),  # too many
        _body(got, stappen=[{"stapSleutel": "task-1"}]),  # no result
        _body(got, stappen={"task-1": {}}),  # not a list
    ]
    for body in bad:
        response = _put(alo, got, body)
        assert response.status_code == 400, (body["stappen"], response.text)
        assert alo.problem(response)["invalidParams"], response.text
    assert _steps(alo, got) == {}
    assert _stored(alo, instance) == before


def test_only_services_read_the_steps_and_only_of_their_own_gemeente(alo, actors) -> None:
    _, instance = alo.zaak()
    for headers in (actors.staff("t", "teamleider"), actors.burger()):
        response = alo.client.get(f"{PATH}/{instance['id']}/stappen", headers=headers)
        assert response.status_code == 403
    unknown = alo.client.get(f"{PATH}/{uuid.uuid4()}/stappen", headers=actors.service())
    elsewhere = alo.client.get(f"{PATH}/{instance['id']}/stappen", headers=actors.service("0599"))
    for response in (unknown, elsewhere):
        assert response.status_code == 404
        assert alo.problem(response)["status"] == 404

"""Tasks (the inbox): created once per instance and key by the process; claimed by a medewerker with the task's
rol (someone else's claim: 409); released, reassigned by a teamleider, completed only by the claimer; the 4-eyes
rule refuses the person who completed the approved task; completing wakes the process instance in the same
transaction; counts per rol; every action audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

V1 = "/internal/data/v1"
PATH = f"{V1}/taken"


def _act(alo, taak: dict, action: str, headers: dict, body: dict | None = None):
    return alo.client.post(f"{PATH}/{taak['id']}:{action}", json=body, headers=headers)


def _done(uitkomst: str = "akkoord") -> dict:
    return {"uitkomst": uitkomst, "reden": "Gegevens kloppen met de bron", "gegevens": {"inkomen": "0.00"}}


def test_create_once_per_key(alo, actors) -> None:
    _, instance = alo.zaak()
    taak = alo.taak(instance, taakSleutel="beoordelen-1")
    assert (taak["status"], taak["rol"], taak["toegewezenAan"], taak["opmerkingen"]) == (
        "open",
        "klantmanager",
        None,
        [],
    )
    assert taak["aanvraagId"] == instance["aanvraagId"]
    again = alo.client.post(
        PATH,
        json={
            "procesinstantieId": instance["id"],
            "taakSleutel": "beoordelen-1",
            "rol": "klantmanager",
            "naam": "x",
            "reden": "y",
            "dueAt": datetime.now(UTC).isoformat(),
        },
        headers=actors.service(),
    )
    assert again.status_code == 200
    assert again.json()["id"] == taak["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    # Only the process creates tasks; the instance must exist in the gemeente.
    body = {"procesinstantieId": instance["id"], "taakSleutel": "z", "rol": "klantmanager", "naam": "x", "reden": "y"}
    body["dueAt"] = datetime.now(UTC).isoformat()
    assert alo.client.post(PATH, json=body, headers=actors.staff("t", "teamleider")).status_code == 403
    foreign = alo.client.post(PATH, json=body, headers=actors.service("0599"))
    assert foreign.status_code == 400
    assert alo.problem(foreign)["invalidParams"][0]["name"] == "procesinstantieId"
    bad_rol = alo.client.post(PATH, json=body | {"rol": "burger"}, headers=actors.service())
    assert bad_rol.status_code == 400


def test_lifecycle_claim_complete_wakes_the_instance(alo, actors) -> None:
    _, instance = alo.zaak()
    got = alo.claim("w")[0]
    waiting = alo.client.put(
        f"{V1}/procesinstanties/{got['id']}",
        json={"state": "{}", "status": "waiting", "version": got["version"], "leaseOwner": "w"},
        headers=actors.service(),
    ).json()
    assert waiting["status"] == "waiting"
    taak = alo.taak(instance)
    km = actors.staff("km-1", "klantmanager")
    claimed = _act(alo, taak, "claim", km)
    assert claimed.status_code == 200, claimed.text
    assert (claimed.json()["status"], claimed.json()["toegewezenAan"]) == ("geclaimd", "km-1")
    assert claimed.json()["geclaimdOp"] is not None
    assert _act(alo, taak, "claim", km).status_code == 200  # one's own claim again: as is
    note = alo.client.post(f"{PATH}/{taak['id']}/opmerkingen", json={"tekst": "Bel de aanvrager"}, headers=km)
    assert note.status_code == 201
    assert note.json()["door"] == "km-1"
    assert alo.claim("w") == []  # the instance waits for the task
    done = _act(alo, taak, "afronden", km, _done())
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["afgerondDoor"], body["uitkomst"]) == ("afgerond", "km-1", "akkoord")
    assert body["uitkomstGegevens"] == {"inkomen": "0.00"}
    assert [n["tekst"] for n in body["opmerkingen"]] == ["Bel de aanvrager"]
    # Completing made the instance runnable (and bumped its version) in the same transaction.
    woken = alo.claim("w")
    assert [i["id"] for i in woken] == [instance["id"]]
    assert woken[0]["version"] == waiting["version"] + 1
    # A retried completion changes nothing; another outcome is 409.
    assert _act(alo, taak, "afronden", km, _done()).status_code == 200
    assert _act(alo, taak, "afronden", km, _done("afgekeurd")).status_code == 409
    assert _act(alo, taak, "claim", km).status_code == 409
    operations = alo.operations()
    for operation in ("taak.aanmaken", "taak.claimen", "taak.opmerking-plaatsen", "taak.afronden"):
        assert operation in operations


def test_claim_rules(alo, actors) -> None:
    _, instance = alo.zaak()
    taak = alo.taak(instance, rol="inkomensconsulent")
    assert _act(alo, taak, "claim", actors.staff("km", "klantmanager")).status_code == 403
    assert _act(alo, taak, "claim", actors.service()).status_code == 403
    assert _act(alo, taak, "claim", actors.burger()).status_code == 404
    assert _act(alo, taak, "claim", actors.staff("ic-1", "inkomensconsulent")).status_code == 200
    taken = _act(alo, taak, "claim", actors.staff("ic-2", "inkomensconsulent"))
    assert taken.status_code == 409
    assert alo.problem(taken)["code"] == "taak-geclaimd"
    # Only the claimer completes.
    other = _act(alo, taak, "afronden", actors.staff("ic-2", "inkomensconsulent"), _done())
    assert other.status_code == 403
    open_task = alo.taak(instance, rol="inkomensconsulent")
    not_claimed = _act(alo, open_task, "afronden", actors.staff("ic-1", "inkomensconsulent"), _done())
    assert not_claimed.status_code == 409


def test_concurrent_claims_one_wins(alo, actors) -> None:
    _, instance = alo.zaak()
    taak = alo.taak(instance)

    def claim(i: int) -> int:
        return _act(alo, taak, "claim", actors.staff(f"km-{i}", "klantmanager")).status_code

    codes = alo.concurrently(6, claim)
    assert sorted(codes) == [200] + [409] * 5


def test_release_and_reassign(alo, actors) -> None:
    _, instance = alo.zaak()
    taak = alo.taak(instance)
    km1, km2 = actors.staff("km-1", "klantmanager"), actors.staff("km-2", "klantmanager")
    tl = actors.staff("tl-1", "teamleider")
    assert _act(alo, taak, "vrijgeven", km1).status_code == 409  # not claimed
    _act(alo, taak, "claim", km1)
    assert _act(alo, taak, "vrijgeven", km2).status_code == 403
    released = _act(alo, taak, "vrijgeven", km1)
    assert (released.json()["status"], released.json()["toegewezenAan"]) == ("open", None)
    assert _act(alo, taak, "herverdelen", km1, {"medewerker": "km-2"}).status_code == 403
    reassigned = _act(alo, taak, "herverdelen", tl, {"medewerker": "km-2"})
    assert reassigned.status_code == 200
    assert (reassigned.json()["status"], reassigned.json()["toegewezenAan"]) == ("geclaimd", "km-2")
    assert _act(alo, taak, "afronden", km1, _done()).status_code == 403
    assert _act(alo, taak, "vrijgeven", tl).status_code == 200  # a teamleider may release anyone's
    operations = alo.operations()
    assert {"taak.vrijgeven", "taak.herverdelen"} <= set(operations)


def test_four_eyes_refuses_the_same_person(alo, actors) -> None:
    _, instance = alo.zaak()
    besluit = alo.taak(instance, rol="inkomensconsulent", naam="Besluit voorbereiden")
    ic = actors.staff("ic-1", "inkomensconsulent", "teamleider")
    _act(alo, besluit, "claim", ic)
    assert _act(alo, besluit, "afronden", ic, _done()).status_code == 200
    approval = alo.taak(
        instance, rol="teamleider", naam="Besluit goedkeuren", vierogen=True, beoordeeltTaakId=besluit["id"]
    )
    # The person who prepared the decision may not claim, be assigned, or complete the approval.
    refused = _act(alo, approval, "claim", ic)
    assert refused.status_code == 403
    assert alo.problem(refused)["code"] == "vier-ogen"
    tl2 = actors.staff("tl-2", "teamleider")
    assert _act(alo, approval, "herverdelen", tl2, {"medewerker": "ic-1"}).status_code == 403
    # Another teamleider approves.
    _act(alo, approval, "herverdelen", tl2, {"medewerker": "tl-2"})
    assert _act(alo, approval, "afronden", tl2, _done("goedgekeurd")).status_code == 200
    assert alo.client.get(f"{PATH}/{besluit['id']}", headers=tl2).json()["beoordeeldDoor"] == "tl-2"


def test_four_eyes_at_completion(alo, actors, database) -> None:
    _, instance = alo.zaak()
    first = alo.taak(instance, rol="teamleider")
    tl = actors.staff("tl-1", "teamleider")
    approval = alo.taak(instance, rol="teamleider", vierogen=True, beoordeeltTaakId=first["id"])
    # The approval cannot be completed before the task it approves.
    _act(alo, approval, "claim", tl)
    early = _act(alo, approval, "afronden", tl, _done())
    assert early.status_code == 409
    _act(alo, approval, "vrijgeven", tl)
    _act(alo, first, "claim", tl)
    assert _act(alo, first, "afronden", tl, _done()).status_code == 200
    # Somebody assigned the approval to tl-1 directly in the database (say, before a policy change): completing
    # it is still refused.
    from sqlalchemy import update

    from gbi_data.alo.models import Taak

    with database.transaction(gemeente="0363") as session:
        session.execute(
            update(Taak)
            .where(Taak.id == uuid.UUID(approval["id"]))
            .values(status="geclaimd", toegewezen_aan="tl-1", geclaimd_op=datetime.now(UTC))
        )
    refused = _act(alo, approval, "afronden", tl, _done())
    assert refused.status_code == 403
    assert alo.problem(refused)["code"] == "vier-ogen"
    assert alo.client.get(f"{PATH}/{approval['id']}", headers=tl).json()["status"] == "geclaimd"


def test_excluded_people_may_not_do_a_task(alo, actors) -> None:
    _, instance = alo.zaak()
    taak = alo.taak(instance, uitgesloten=["km-1"])
    assert taak["uitgesloten"] == ["km-1"]
    assert alo.problem(_act(alo, taak, "claim", actors.staff("km-1")))["code"] == "vier-ogen"
    assert _act(alo, taak, "claim", actors.staff("km-2")).status_code == 200


def test_vierogen_needs_the_task_it_approves(alo, actors) -> None:
    _, instance = alo.zaak()
    _, other_instance = alo.zaak()
    other = alo.taak(other_instance)
    body = {
        "procesinstantieId": instance["id"],
        "taakSleutel": "goedkeuren",
        "rol": "teamleider",
        "naam": "x",
        "reden": "y",
        "dueAt": datetime.now(UTC).isoformat(),
        "vierogen": True,
    }
    assert alo.client.post(PATH, json=body, headers=actors.service()).status_code == 400
    wrong_case = alo.client.post(PATH, json=body | {"beoordeeltTaakId": other["id"]}, headers=actors.service())
    assert wrong_case.status_code == 400
    assert alo.problem(wrong_case)["invalidParams"][0]["name"] == "beoordeeltTaakId"


def test_list_filters_sort_and_pages(alo, actors) -> None:
    _, instance = alo.zaak()
    now = datetime.now(UTC)
    late = alo.taak(instance, dueAt=(now + timedelta(days=9)).isoformat())
    soon = alo.taak(instance, dueAt=(now + timedelta(days=1)).isoformat())
    other = alo.taak(instance, rol="handhaver", dueAt=(now + timedelta(days=5)).isoformat())
    staff = actors.staff("km-1", "klantmanager")
    by_due = alo.client.get(PATH, headers=staff).json()
    assert [t["id"] for t in by_due["items"]] == [soon["id"], other["id"], late["id"]]
    by_created = alo.client.get(f"{PATH}?sort=created", headers=staff).json()
    assert [t["id"] for t in by_created["items"]] == [late["id"], soon["id"], other["id"]]
    assert [t["id"] for t in alo.client.get(f"{PATH}?rol=handhaver", headers=staff).json()["items"]] == [other["id"]]
    page1 = alo.client.get(f"{PATH}?pageSize=2", headers=staff).json()
    page2 = alo.client.get(f"{PATH}?pageSize=2&after={page1['nextAfter']}", headers=staff).json()
    assert [t["id"] for t in page1["items"] + page2["items"]] == [soon["id"], other["id"], late["id"]]
    assert page2["nextAfter"] is None
    # A position from another sort order is refused.
    assert alo.client.get(f"{PATH}?sort=created&after={page1['nextAfter']}", headers=staff).status_code == 400
    _act(alo, soon, "claim", staff)
    mine = alo.client.get(f"{PATH}?status=geclaimd&toegewezenAan=km-1", headers=staff).json()["items"]
    assert [t["id"] for t in mine] == [soon["id"]]
    for_case = alo.client.get(f"{PATH}?aanvraagId={instance['aanvraagId']}", headers=actors.service()).json()
    assert len(for_case["items"]) == 3
    assert alo.client.get(PATH, headers=actors.burger()).status_code == 403
    assert alo.client.get(PATH, headers=actors.auditor()).status_code == 403


def test_counts_per_rol(alo, actors) -> None:
    _, instance = alo.zaak()
    now = datetime.now(UTC)
    alo.taak(instance, dueAt=(now - timedelta(days=1)).isoformat())
    claimed = alo.taak(instance)
    alo.taak(instance, rol="teamleider")
    done = alo.taak(instance)
    km = actors.staff("km-1", "klantmanager")
    _act(alo, claimed, "claim", km)
    _act(alo, done, "claim", km)
    _act(alo, done, "afronden", km, _done())
    counts = alo.client.get(f"{PATH}/tellingen", headers=km).json()
    by_rol = {c["rol"]: c for c in counts["items"]}
    assert by_rol["klantmanager"] == {"rol": "klantmanager", "open": 1, "geclaimd": 1, "verlopen": 1}
    assert by_rol["teamleider"] == {"rol": "teamleider", "open": 1, "geclaimd": 0, "verlopen": 0}
    assert by_rol["handhaver"]["open"] == 0
    # Moving the clock makes deadlines pass.
    alo.klok(30 * 86400)
    moved = alo.client.get(f"{PATH}/tellingen", headers=km).json()
    assert {c["rol"]: c["verlopen"] for c in moved["items"]}["klantmanager"] == 2
    alo.klok(0)
    assert alo.client.get(f"{PATH}/tellingen", headers=actors.burger()).status_code == 403


def test_task_detail_is_audited(alo, actors) -> None:
    _, instance = alo.zaak()
    taak = alo.taak(instance)
    detail = alo.client.get(f"{PATH}/{taak['id']}", headers=actors.staff("ic", "inkomensconsulent"))
    assert detail.status_code == 200
    assert detail.json()["reden"] == "Het inkomen uit de bron wijkt af van de verklaring"
    assert alo.operations()[-1] == "taak.raadplegen"
    assert alo.audit()[-1]["dataSubjectId"] == alo.audit()[0]["dataSubjectId"]

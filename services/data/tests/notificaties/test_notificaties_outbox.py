"""The outbox: a change of the ALO store is announced in the same transaction as the change (a rolled back change
leaves no outbox row and no levering), with one levering per matching abonnement of the gemeente (filters, other
gemeenten, abonnementen taken later), and never a second levering for the same pair (unique)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gbi_data import repository as data_repository
from gbi_data.notificaties import publiceer
from gbi_data.notificaties.models import Levering, OutboxRij
from gbi_data.notificaties.service import filters_passen
from gbi_shared import ConflictError

V1 = "/internal/data/v1"


def _count(database, model, gemeente: str = "0363") -> int:
    with database.transaction(gemeente=gemeente) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _outbox(database, gemeente: str = "0363") -> list[OutboxRij]:
    with database.transaction(gemeente=gemeente) as session:
        return list(session.scalars(select(OutboxRij).order_by(OutboxRij.created_at, OutboxRij.id)))


def _besluit(**changes: object) -> dict:
    return {
        "soort": "toekenning",
        "datum": "2026-04-01",
        "ingangsdatum": "2026-03-09",
        "bedragPerMaandCents": 140150,
        "gronden": {"norm": "art. 21 Pw"},
        "vastgesteldDoor": "ic-1",
        "goedgekeurdDoor": "tl-1",
    } | changes


def test_every_alo_change_is_announced_once(nrc, database) -> None:
    c, service = nrc.client, nrc.callers.service()
    aanvraag = nrc.aanvraag(key="k-1")
    nrc.aanvraag(key="k-1")  # a replay: no second announcement
    changed = nrc.status(aanvraag, "in-behandeling")
    nrc.status(changed, "in-behandeling")  # the same status: nothing changed, nothing announced
    url = f"{V1}/aanvragen/{aanvraag['id']}/besluit"
    assert c.post(url, json=_besluit(), headers=service).status_code == 201
    assert c.post(url, json=_besluit(), headers=service).status_code == 200
    uitkering = {"aanvraagId": aanvraag["id"], "startdatum": "2026-03-09", "bedragPerMaandCents": 140150}
    assert c.post(f"{V1}/uitkeringen", json=uitkering, headers=service).status_code == 201
    assert c.post(f"{V1}/uitkeringen", json=uitkering, headers=service).status_code == 200
    voorschot = {
        "aanvraagId": aanvraag["id"],
        "volgnummer": 2,
        "bedragCents": 70000,
        "periode": "2026-03",
        "betaaldatum": "2026-03-20",
    }
    assert c.post(f"{V1}/voorschotten", json=voorschot, headers=service).status_code == 201
    assert c.post(f"{V1}/voorschotten", json=voorschot, headers=service).status_code == 200

    rows = _outbox(database)
    base = f"/api/v1/aanvragen/{aanvraag['id']}"
    assert [(r.kanaal, r.resource, r.actie, r.resource_url, r.kenmerken) for r in rows] == [
        ("aanvragen", "aanvraag", "create", base, {"gemeente": "0363", "status": "ontvangen"}),
        ("aanvragen", "aanvraag", "partial_update", base, {"gemeente": "0363", "status": "in-behandeling"}),
        ("aanvragen", "besluit", "create", f"{base}#besluit", {"gemeente": "0363", "besluitSoort": "toekenning"}),
        ("aanvragen", "uitkering", "create", f"{base}#uitkering", {"gemeente": "0363"}),
        ("aanvragen", "voorschot", "create", f"{base}#voorschot-2", {"gemeente": "0363"}),
    ]
    assert {r.hoofd_object for r in rows} == {base}
    assert rows[0].aanmaakdatum == datetime.fromisoformat(aanvraag["createdAt"])
    assert _count(database, Levering) == 0  # nobody subscribed


def test_a_rolled_back_change_leaves_no_outbox_row(nrc, database, monkeypatch) -> None:
    nrc.abonnement()

    def failing_append(*_args: object, **_kwargs: object) -> None:
        raise ConflictError("het logboek weigert (test)")

    # The audit entry is the last write of registering an aanvraag, after the announcement (at the commit, ADR
    # 0032): when it fails, the whole transaction rolls back, the announcement with it. Every way of writing entries
    # (append, append_many, the deferred ones) starts by locking the chain's position: it fails there.
    monkeypatch.setattr(data_repository, "lock_chain_position", failing_append)
    response = nrc.client.post(
        f"{V1}/aanvragen",
        json={
            "bsn": "999993653",
            "meldingsdatum": "2026-03-02",
            "aanvraagdatum": "2026-03-09",
            "kanaal": "digitaal",
            "gegevens": {},
        },
        headers=nrc.callers.service() | {"Idempotency-Key": "rollback-1"},
    )
    assert response.status_code == 409
    monkeypatch.undo()
    assert nrc.client.get(f"{V1}/aanvragen", headers=nrc.callers.service()).json()["items"] == []
    assert _count(database, OutboxRij) == 0
    assert _count(database, Levering) == 0

    # The same with publiceer called directly in a transaction that raises.
    seen: list[int] = []

    def change_that_fails() -> None:
        with database.transaction(gemeente="0363") as session:
            publiceer(session, "0363", "aanvragen", "aanvraag", "create", "/api/v1/aanvragen/x", "/api/v1/aanvragen/x")
            seen.append(int(session.scalar(select(func.count()).select_from(OutboxRij)) or 0))
            raise RuntimeError("the change fails after the announcement")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert seen == [1]
    assert _count(database, OutboxRij) == 0
    assert _count(database, Levering) == 0
    # And committed, it is there with its levering.
    with database.transaction(gemeente="0363") as session:
        publiceer(session, "0363", "aanvragen", "aanvraag", "create", "/api/v1/aanvragen/x", "/api/v1/aanvragen/x")
    assert (_count(database, OutboxRij), _count(database, Levering)) == (1, 1)


def test_fan_out_per_matching_abonnement_of_the_gemeente(nrc, database) -> None:
    alles = nrc.abonnement()
    besloten = nrc.abonnement(filters={"status": "besloten"})
    elke_status = nrc.abonnement(filters={"status": "*"})
    besluiten = nrc.abonnement(filters={"besluitSoort": "toekenning"})
    # Two filter groups that both match: still one levering.
    dubbel = nrc.abonnement(
        kanalen=[{"naam": "aanvragen", "filters": {"gemeente": "0363"}}, {"naam": "aanvragen", "filters": {}}]
    )
    rotterdam = nrc.abonnement(gemeente="0599")
    aanvraag = nrc.aanvraag()
    nrc.status(aanvraag, "besloten")
    create, update = _outbox(database)
    per_notificatie: dict[str, set[str]] = {}
    for levering in nrc.leveringen():
        per_notificatie.setdefault(levering["notificatie"]["id"], set()).add(levering["abonnementId"])
    assert per_notificatie[str(create.id)] == {alles["id"], elke_status["id"], dubbel["id"]}
    assert per_notificatie[str(update.id)] == {alles["id"], besloten["id"], elke_status["id"], dubbel["id"]}
    assert besluiten["id"] not in set().union(*per_notificatie.values())
    assert nrc.leveringen("0599") == []
    assert rotterdam["gemeente"] == "0599"
    # Every levering is pending and due at once, with the notification as it will be sent.
    first = nrc.leveringen(abonnementId=alles["id"])[-1]
    assert (first["status"], first["attempts"], first["deliveredAt"]) == ("pending", 0, None)
    assert first["nextAttemptAt"] == first["createdAt"]
    assert first["notificatie"] == {
        "id": str(create.id),
        "kanaal": "aanvragen",
        "hoofdObject": f"/api/v1/aanvragen/{aanvraag['id']}",
        "resource": "aanvraag",
        "resourceUrl": f"/api/v1/aanvragen/{aanvraag['id']}",
        "actie": "create",
        "aanmaakdatum": first["notificatie"]["aanmaakdatum"],
        "kenmerken": {"gemeente": "0363", "status": "ontvangen"},
    }


def test_an_abonnement_taken_after_the_change_does_not_get_it(nrc) -> None:
    nrc.aanvraag()
    nrc.abonnement()
    assert nrc.leveringen() == []


def test_a_levering_exists_once_per_notification_and_abonnement(nrc, database) -> None:
    abonnement = nrc.abonnement()
    nrc.aanvraag()
    (levering,) = nrc.leveringen()
    now = datetime.now(UTC)

    def second_levering() -> None:
        with database.transaction(gemeente="0363") as session:
            session.add(
                Levering(
                    id=uuid.uuid4(),
                    gemeente="0363",
                    outbox_id=uuid.UUID(levering["notificatie"]["id"]),
                    abonnement_id=uuid.UUID(abonnement["id"]),
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
            session.flush()

    with pytest.raises(IntegrityError):
        second_levering()
    assert _count(database, Levering) == 1


def test_many_concurrent_changes_each_get_their_levering(nrc, database) -> None:
    abonnement = nrc.abonnement()
    created = nrc.concurrently(6, lambda i: nrc.aanvraag(key=f"gelijk-{i}"))
    assert len(created) == 6
    leveringen = nrc.leveringen()
    assert len(leveringen) == 6
    assert {lv["abonnementId"] for lv in leveringen} == {abonnement["id"]}
    assert len({lv["notificatie"]["id"] for lv in leveringen}) == 6


def test_filters() -> None:
    kenmerken = {"gemeente": "0363", "status": "besloten"}
    assert filters_passen({}, kenmerken)
    assert filters_passen({"status": "besloten"}, kenmerken)
    assert filters_passen({"status": "*", "gemeente": "0363"}, kenmerken)
    assert not filters_passen({"status": "ontvangen"}, kenmerken)
    assert not filters_passen({"besluitSoort": "*"}, kenmerken)


def test_publiceer_refuses_empty_kenmerken(database) -> None:
    with pytest.raises(ValueError, match="kenmerk"), database.transaction(gemeente="0363") as session:
        publiceer(session, "0363", "aanvragen", "aanvraag", "create", "/x", "/x", {"status": ""})

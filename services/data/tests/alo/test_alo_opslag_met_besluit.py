"""A save of a process instance takes along the besluit of the step that follows it (ADR 0038): recorded in the
save's transaction exactly as ``POST aanvragen/{id}/besluit`` records it (one per aanvraag, audited, announced),
and the answer carries it. The same again (a repeated save, a step run again) finds the first; another refuses the
whole save; a refused or bad save records none. A save without a besluit answers without the field."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from gbi_data.notificaties.models import OutboxRij

from .conftest import BESLUIT_TOEKENNING

V1 = "/internal/data/v1"
PATH = f"{V1}/procesinstanties"
BESLUIT = BESLUIT_TOEKENNING


def _body(instance: dict[str, Any], besluit: dict[str, Any] | None, **changes: Any) -> dict[str, Any]:
    return {
        "state": '{"step": 8}',
        "status": "runnable",
        "version": instance["version"],
        "leaseOwner": "w",
        "keepLease": True,
        "stappen": [{"stapSleutel": "task-8", "resultaat": {"uit": {"bedrag_cents": 140150}}}],
        "besluit": besluit,
    } | changes


def _put(alo, instance: dict[str, Any], body: dict[str, Any], gemeente: str = "0363") -> Any:
    return alo.client.put(f"{PATH}/{instance['id']}", json=body, headers=alo.actors.service(gemeente))


def _stored(alo, aanvraag: dict[str, Any], gemeente: str = "0363") -> Any:
    return alo.client.get(f"{V1}/aanvragen/{aanvraag['id']}/besluit", headers=alo.actors.service(gemeente))


def _announced(database, gemeente: str = "0363") -> list[str]:
    with database.transaction(gemeente=gemeente) as session:
        return [r.resource for r in session.scalars(select(OutboxRij))]


def _instance(alo, instance: dict[str, Any]) -> dict[str, Any]:
    return dict(alo.client.get(f"{PATH}/{instance['id']}", headers=alo.actors.service()).json())


def _steps(alo, instance: dict[str, Any]) -> list[Any]:
    return list(alo.client.get(f"{PATH}/{instance['id']}/stappen", headers=alo.actors.service()).json()["items"])


def test_a_save_records_the_besluit_in_its_transaction_and_answers_it(alo, database) -> None:
    aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    before = alo.operations()
    saved = _put(alo, got, _body(got, BESLUIT))
    assert saved.status_code == 200, saved.text
    besluit = saved.json()["besluit"]
    assert (besluit["soort"], besluit["bedragPerMaandCents"], besluit["aanvraagId"]) == (
        "toekenning",
        140150,
        aanvraag["id"],
    )
    assert saved.json()["version"] == got["version"] + 1
    assert _stored(alo, aanvraag).json() == besluit
    ops = alo.operations()
    assert ops.count("besluit.vastleggen") == before.count("besluit.vastleggen") + 1
    assert ops.count("procesinstantie.opslaan") == before.count("procesinstantie.opslaan") + 1
    assert _announced(database).count("besluit") == 1  # announced (outbox), in the save's transaction
    # the same save again (its answer lost): a replay that writes nothing and answers the besluit
    audited = alo.operations()
    again = _put(alo, got, _body(got, BESLUIT))
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (200, "true")
    assert again.json() == saved.json()
    assert alo.operations() == audited
    # a later save with the same besluit (the step run again after a crash) finds the first, writes none
    later = _put(alo, got, _body(saved.json(), BESLUIT, stappen=[]))
    assert later.status_code == 200, later.text
    assert later.json()["besluit"] == besluit
    # POST besluit with the same content (the run's fallback) finds it too
    post = alo.client.post(f"{V1}/aanvragen/{aanvraag['id']}/besluit", json=BESLUIT, headers=alo.actors.service())
    assert (post.status_code, post.json()) == (200, besluit)
    assert alo.operations().count("besluit.vastleggen") == ops.count("besluit.vastleggen")
    assert _announced(database).count("besluit") == 1
    # a save without a besluit answers without the field (an older process service refuses unknown fields)
    plain = _put(alo, got, _body(later.json(), None, stappen=[]))
    assert plain.status_code == 200, plain.text
    assert "besluit" not in plain.json()


def test_another_besluit_refuses_the_whole_save(alo, database) -> None:
    aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    first = alo.client.post(f"{V1}/aanvragen/{aanvraag['id']}/besluit", json=BESLUIT, headers=alo.actors.service())
    assert first.status_code == 201, first.text
    response = _put(alo, got, _body(got, BESLUIT | {"datum": "2026-04-02"}))
    assert response.status_code == 409
    assert alo.problem(response)["code"] == "besluit-bestaat"
    assert _instance(alo, got)["version"] == got["version"]  # nothing saved
    assert _steps(alo, got) == []
    assert _stored(alo, aanvraag).json() == first.json()
    assert _announced(database).count("besluit") == 1


def test_a_refused_or_bad_save_records_no_besluit(alo, database) -> None:
    aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    counts = alo.operations().count("besluit.vastleggen")
    for body in (
        _body(got, BESLUIT, version=got["version"] + 3),  # stale: 409
        _body(got, BESLUIT, leaseOwner="other"),  # not the lease holder: 409
    ):
        assert _put(alo, got, body).status_code == 409
    for body in (
        _body(got, BESLUIT | {"ingangsdatum": None}),  # a toekenning without its ingangsdatum
        _body(got, BESLUIT | {"bedragPerMaandCents": -1}),
        _body(got, BESLUIT | {"goedgekeurdDoor": BESLUIT["vastgesteldDoor"]}),  # no four eyes with one pair
        _body(got, BESLUIT | {"onbekend": 1}),
    ):
        response = _put(alo, got, body)
        assert response.status_code == 400, response.text
        alo.problem(response)
    assert _stored(alo, aanvraag).status_code == 404
    assert _instance(alo, got)["version"] == got["version"]
    assert _steps(alo, got) == []
    assert alo.operations().count("besluit.vastleggen") == counts
    assert "besluit" not in _announced(database)


def test_a_besluit_goes_to_the_instances_own_aanvraag_in_its_own_gemeente(alo) -> None:
    """A Rotterdam instance's save records its besluit on the Rotterdam aanvraag, in Rotterdam; another gemeente's
    service token cannot save it at all."""
    amsterdam, _ = alo.zaak()
    rotterdam_aanvraag = alo.aanvraag(gemeente="0599")
    rotterdam = alo.instantie(rotterdam_aanvraag["id"], "0599")
    [got] = alo.claim("w", "0599")
    assert got["id"] == rotterdam["id"]
    assert _put(alo, got, _body(got, BESLUIT), gemeente="0363").status_code == 404
    saved = _put(alo, got, _body(got, BESLUIT), gemeente="0599")
    assert saved.status_code == 200, saved.text
    assert saved.json()["besluit"]["aanvraagId"] == rotterdam_aanvraag["id"]
    assert saved.json()["besluit"]["gemeente"] == "0599"
    assert _stored(alo, amsterdam).status_code == 404


def test_a_repeated_save_only_finds_its_besluit_and_never_records_one(alo, database) -> None:
    """A save repeated after it committed (its answer lost) is past its lease check: it finds the besluit its first
    try recorded, but one that committed without a besluit and comes again with one records none (409)."""
    aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    first = _put(alo, got, _body(got, None))
    assert first.status_code == 200, first.text
    counts = alo.operations().count("besluit.vastleggen")
    again = _put(alo, got, _body(got, BESLUIT))
    assert again.status_code == 409, again.text
    assert alo.problem(again)["code"] == "besluit-bestaat"
    assert _stored(alo, aanvraag).status_code == 404
    assert alo.operations().count("besluit.vastleggen") == counts
    assert "besluit" not in _announced(database)
    assert _instance(alo, got)["version"] == first.json()["version"]


def test_a_save_records_its_besluit_before_the_uitkering_it_carries(alo, database) -> None:
    """A save may carry the toekenning and the uitkering that follows from it: the besluit is recorded first, so
    the uitkering finds its toekenning (both in the save's transaction)."""
    aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    uitkering = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"gbi:uitkering:{aanvraag['id']}")),
        "aanvraagId": aanvraag["id"],
        "startdatum": BESLUIT["ingangsdatum"],
        "bedragPerMaandCents": BESLUIT["bedragPerMaandCents"],
    }
    saved = _put(alo, got, _body(got, BESLUIT, uitkering=uitkering))
    assert saved.status_code == 200, saved.text
    assert saved.json()["besluit"]["soort"] == "toekenning"
    stored = alo.client.get(f"{V1}/aanvragen/{aanvraag['id']}/uitkering", headers=alo.actors.service())
    assert (stored.status_code, stored.json()["bedragPerMaandCents"]) == (200, 140150)
    announced = _announced(database)
    assert (announced.count("besluit"), announced.count("uitkering")) == (1, 1)

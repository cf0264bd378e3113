"""A save of a process instance takes along the uitkering its step started (ADR 0030): started in the save's
transaction exactly as ``POST uitkeringen`` starts one (one per aanvraag, audited, announced, under the id the
process derived). The same again changes nothing; another refuses the whole save; a refused or bad save starts
none."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from gbi_data.notificaties.models import OutboxRij

from .conftest import BESLUIT_TOEKENNING

V1 = "/internal/data/v1"
PATH = f"{V1}/procesinstanties"
BESLUIT = BESLUIT_TOEKENNING


def _uitkering(aanvraag: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"gbi:uitkering:{aanvraag['id']}")),
        "aanvraagId": aanvraag["id"],
        "startdatum": "2026-03-09",
        "bedragPerMaandCents": 140150,
        "grondslag": {
            "huishouden": {"aanvrager": {"geboortedatum": "1992-09-09"}},
            "iban": "NL91ABNA0417164300",
            "naam": "K. Vogel",
        },
    } | changes


def _body(instance: dict[str, Any], uitkering: dict[str, Any] | None, **changes: Any) -> dict[str, Any]:
    return {
        "state": '{"step": 9}',
        "status": "runnable",
        "version": instance["version"],
        "leaseOwner": "w",
        "keepLease": True,
        "stappen": [{"stapSleutel": "task-9", "resultaat": {"uit": {"uitkering_id": uitkering and uitkering["id"]}}}],
        "uitkering": uitkering,
    } | changes


def _toegekend(alo) -> tuple[dict[str, Any], dict[str, Any]]:
    aanvraag, _ = alo.zaak()
    besluit = alo.client.post(f"{V1}/aanvragen/{aanvraag['id']}/besluit", json=BESLUIT, headers=alo.actors.service())
    assert besluit.status_code == 201, besluit.text
    return aanvraag, alo.claim("w")[0]


def _put(alo, instance: dict[str, Any], body: dict[str, Any]) -> Any:
    return alo.client.put(f"{PATH}/{instance['id']}", json=body, headers=alo.actors.service())


def _stored(alo, aanvraag: dict[str, Any]) -> Any:
    return alo.client.get(f"{V1}/aanvragen/{aanvraag['id']}/uitkering", headers=alo.actors.service())


def _announced(database, gemeente: str = "0363") -> list[str]:
    with database.transaction(gemeente=gemeente) as session:
        return [r.resource for r in session.scalars(select(OutboxRij))]


def _instance(alo, instance: dict[str, Any]) -> dict[str, Any]:
    return dict(alo.client.get(f"{PATH}/{instance['id']}", headers=alo.actors.service()).json())


def test_a_save_starts_the_uitkering_in_its_transaction_under_the_given_id(alo, database) -> None:
    aanvraag, got = _toegekend(alo)
    before = alo.operations()
    uitkering = _uitkering(aanvraag)
    saved = _put(alo, got, _body(got, uitkering))
    assert saved.status_code == 200, saved.text
    stored = _stored(alo, aanvraag)
    assert stored.status_code == 200
    assert (stored.json()["id"], stored.json()["status"], stored.json()["bedragPerMaandCents"]) == (
        uitkering["id"],
        "actief",
        140150,
    )
    ops = alo.operations()
    assert ops.count("uitkering.vastleggen") == before.count("uitkering.vastleggen") + 1
    assert _announced(database).count("uitkering") == 1  # announced (outbox), in the save's transaction
    assert ops.count("procesinstantie.opslaan") == before.count("procesinstantie.opslaan") + 1
    # the same save again (its answer lost): a replay, nothing written
    audited = len(alo.operations())
    again = _put(alo, got, _body(got, uitkering))
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (200, "true")
    assert len(alo.operations()) == audited
    # a later save with the same uitkering (a step run again) changes nothing of it
    later = _put(alo, got, _body(saved.json(), uitkering, stappen=[]))
    assert later.status_code == 200, later.text
    assert _stored(alo, aanvraag).json() == stored.json()
    assert alo.operations().count("uitkering.vastleggen") == ops.count("uitkering.vastleggen")
    # POST uitkeringen with the same content (the run's fallback) finds it, under its id
    post = alo.client.post(
        f"{V1}/uitkeringen", json=uitkering | {"id": str(uuid.uuid4())}, headers=alo.actors.service()
    )
    assert (post.status_code, post.json()["id"]) == (200, uitkering["id"])
    assert _announced(database).count("uitkering") == 1


def test_another_uitkering_refuses_the_whole_save(alo) -> None:
    aanvraag, got = _toegekend(alo)
    first = alo.client.post(f"{V1}/uitkeringen", json=_uitkering(aanvraag), headers=alo.actors.service())
    assert first.status_code == 201, first.text
    response = _put(alo, got, _body(got, _uitkering(aanvraag, bedragPerMaandCents=1)))
    assert response.status_code == 409
    assert alo.problem(response)["code"] == "uitkering-bestaat"
    assert _instance(alo, got)["version"] == got["version"]  # nothing saved
    steps = alo.client.get(f"{PATH}/{got['id']}/stappen", headers=alo.actors.service()).json()["items"]
    assert steps == []
    assert _stored(alo, aanvraag).json() == first.json()


def test_a_refused_or_bad_save_starts_no_uitkering(alo, database) -> None:
    aanvraag, got = _toegekend(alo)
    other, _ = alo.zaak()
    counts = alo.operations().count("uitkering.vastleggen")
    for body in (
        _body(got, _uitkering(aanvraag), version=got["version"] + 3),  # stale: 409
        _body(got, _uitkering(aanvraag), leaseOwner="other"),  # not the lease holder: 409
    ):
        assert _put(alo, got, body).status_code == 409
    for body in (
        _body(got, _uitkering(other)),  # another aanvraag's uitkering
        _body(got, _uitkering(aanvraag, bedragPerMaandCents=-1)),
        _body(got, _uitkering(aanvraag, id="geen-uuid")),
        _body(got, _uitkering(aanvraag, startdatum=None)),
    ):
        response = _put(alo, got, body)
        assert response.status_code == 400, response.text
        alo.problem(response)
    assert _stored(alo, aanvraag).status_code == 404
    assert _stored(alo, other).status_code == 404
    assert _instance(alo, got)["version"] == got["version"]
    assert alo.operations().count("uitkering.vastleggen") == counts
    assert "uitkering" not in _announced(database)


def test_without_a_toekenning_the_save_is_refused_and_nothing_written(alo) -> None:
    aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    response = _put(alo, got, _body(got, _uitkering(aanvraag)))
    assert response.status_code == 422
    assert alo.problem(response)["code"] == "geen-toekenning"
    assert _instance(alo, got)["version"] == got["version"]
    assert _stored(alo, aanvraag).status_code == 404


def test_another_gemeente_cannot_take_an_uitkering_along(alo) -> None:
    """A Rotterdam instance's save naming an Amsterdam aanvraag: refused, nothing in either gemeente."""
    amsterdam, _ = _toegekend(alo)
    rotterdam_aanvraag = alo.aanvraag(gemeente="0599")
    rotterdam = alo.instantie(rotterdam_aanvraag["id"], "0599")
    [got] = alo.claim("w", "0599")
    assert got["id"] == rotterdam["id"]
    response = alo.client.put(
        f"{PATH}/{got['id']}", json=_body(got, _uitkering(amsterdam)), headers=alo.actors.service("0599")
    )
    assert response.status_code == 400
    alo.problem(response)
    assert _stored(alo, amsterdam).status_code == 404

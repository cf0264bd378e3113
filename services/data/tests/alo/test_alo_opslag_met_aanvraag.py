"""A save of a process instance takes along what the run changes of its aanvraag (ADR 0027): tijdlijn entries (once
per sleutel) and the aanvraag's status, in the save's transaction, audited as the separate calls are. A refused save
writes none of it, a replay nothing again; a closed aanvraag keeps its status. An empty claim tells whether the
gemeente has unfinished instances at all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .conftest import BESLUIT_TOEKENNING

V1 = "/internal/data/v1"
PATH = f"{V1}/procesinstanties"


def _regel(sleutel: str, tekst: str = "Uw aanvraag is in behandeling genomen.", **extra: Any) -> dict[str, Any]:
    return {"soort": "in-behandeling", "omschrijving": tekst, "actor": "gemeente", "sleutel": sleutel} | extra


def _body(instance: dict[str, Any], owner: str = "w", **changes: Any) -> dict[str, Any]:
    return {
        "state": '{"step": 2}',
        "status": "runnable",
        "version": instance["version"],
        "leaseOwner": owner,
        "keepLease": True,
        "stappen": [{"stapSleutel": "task-1", "resultaat": {"uit": {"zaak_id": "Z-1"}}}],
        "tijdlijn": [_regel("zaak-geregistreerd", at="2026-03-02T10:00:00+01:00")],
        "aanvraagStatus": "in-behandeling",
    } | changes


def _put(alo, instance: dict[str, Any], body: dict[str, Any]) -> Any:
    return alo.client.put(f"{PATH}/{instance['id']}", json=body, headers=alo.actors.service())


def _aanvraag(alo, aanvraag: dict[str, Any]) -> dict[str, Any]:
    response = alo.client.get(f"{V1}/aanvragen/{aanvraag['id']}", headers=alo.actors.service())
    assert response.status_code == 200, response.text
    return dict(response.json())


def _claim(alo, worker: str = "w") -> dict[str, Any]:
    response = alo.client.post(
        f"{PATH}:claim", json={"worker": worker, "leaseSeconds": 60, "limit": 10}, headers=alo.actors.service()
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_save_writes_its_tijdlijn_entries_and_the_status_in_its_transaction(alo) -> None:
    aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    before = alo.operations()
    saved = _put(alo, got, _body(got))
    assert saved.status_code == 200, saved.text
    stored = _aanvraag(alo, aanvraag)
    assert (stored["status"], stored["version"]) == ("in-behandeling", aanvraag["version"] + 1)
    [regel] = [t for t in stored["tijdlijn"] if t["soort"] == "in-behandeling"]
    assert regel["omschrijving"] == "Uw aanvraag is in behandeling genomen."
    assert regel["actor"] == "gemeente"
    # the moment the step ran, as the run sent it
    assert datetime.fromisoformat(regel["at"]) == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    after_save = alo.operations()
    for operation in ("procesinstantie.opslaan", "aanvraag.tijdlijn-aanvullen", "aanvraag.status-wijzigen"):
        assert after_save.count(operation) == before.count(operation) + 1, operation

    # The same save again (its answer lost): a replay that writes nothing, not even an audit entry.
    audited = len(alo.operations())
    again = _put(alo, got, _body(got))
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (200, "true")
    assert len(alo.operations()) == audited
    assert _aanvraag(alo, aanvraag)["version"] == stored["version"]

    # A next save with the same sleutel and status adds nothing to the aanvraag; a new sleutel adds one entry.
    body = _body(saved.json(), stappen=[], tijdlijn=[_regel("zaak-geregistreerd", "anders"), _regel("b", "tweede")])
    assert _put(alo, got, body).status_code == 200
    after = _aanvraag(alo, aanvraag)
    assert after["version"] == stored["version"]
    assert [t["omschrijving"] for t in after["tijdlijn"] if t["soort"] == "in-behandeling"] == [
        "Uw aanvraag is in behandeling genomen.",
        "tweede",
    ]
    ops = alo.operations()
    assert ops.count("aanvraag.tijdlijn-aanvullen") == after_save.count("aanvraag.tijdlijn-aanvullen") + 1
    assert ops.count("aanvraag.status-wijzigen") == after_save.count("aanvraag.status-wijzigen")


def test_a_refused_save_writes_no_tijdlijn_entry_and_no_status(alo) -> None:
    aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    stale = _put(alo, got, _body(got, version=got["version"] + 5))
    assert stale.status_code == 409
    lost = _put(alo, got, _body(got, leaseOwner="other"))
    assert lost.status_code == 409
    stored = _aanvraag(alo, aanvraag)
    assert (stored["status"], stored["version"]) == (aanvraag["status"], aanvraag["version"])
    assert not [t for t in stored["tijdlijn"] if t["soort"] == "in-behandeling"]


def test_a_closed_aanvraag_keeps_its_status_and_the_save_still_succeeds(alo) -> None:
    aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    saved = _put(alo, got, _body(got, aanvraagStatus="besloten", tijdlijn=[]))
    assert saved.status_code == 200, saved.text
    assert _aanvraag(alo, aanvraag)["status"] == "besloten"
    later = _put(alo, got, _body(saved.json(), stappen=[], tijdlijn=[], aanvraagStatus="in-behandeling"))
    assert later.status_code == 200, later.text
    assert _aanvraag(alo, aanvraag)["status"] == "besloten"


def test_bad_tijdlijn_or_status_in_a_save_is_refused_and_changes_nothing(alo) -> None:
    aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    no_key = {k: v for k, v in _regel("x").items() if k != "sleutel"}
    for body in (
        _body(got, tijdlijn=[no_key]),
        _body(got, tijdlijn=[_regel("x"), _regel("x", "nog een")]),
        _body(got, tijdlijn=[_regel(f"k{n}") for n in range(11)]),
        _body(got, aanvraagStatus="verzonnen"),
        _body(got, tijdlijn=[_regel("x", soort="Geen Code")]),
    ):
        response = _put(alo, got, body)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    stored = _aanvraag(alo, aanvraag)
    assert (stored["status"], stored["version"]) == (aanvraag["status"], aanvraag["version"])
    assert alo.client.get(f"{PATH}/{got['id']}", headers=alo.actors.service()).json()["version"] == got["version"]


def test_an_empty_claim_says_whether_the_gemeente_has_unfinished_instances(alo) -> None:
    nothing = _claim(alo)
    assert (nothing["items"], nothing["open"]) == ([], False)
    alo.zaak()
    claimed = _claim(alo)
    assert len(claimed["items"]) == 1
    assert claimed["open"] is None  # not asked: something was claimed
    held = _claim(alo, "other")  # the instance is leased to w: nothing claimable, but unfinished work is there
    assert (held["items"], held["open"]) == ([], True)
    got = claimed["items"][0]
    done = _put(alo, got, _body(got, status="completed", keepLease=False, tijdlijn=[], aanvraagStatus=None))
    assert done.status_code == 200, done.text
    assert _claim(alo)["open"] is False


PDF = "JVBERi0xLjcK"


def _besluit() -> dict[str, Any]:
    return dict(BESLUIT_TOEKENNING)


def test_a_beschikking_stored_bij_besluit_is_linked_in_the_same_request(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    url = f"{V1}/aanvragen/{aanvraag['id']}/besluit"
    docs = f"{V1}/aanvragen/{aanvraag['id']}/documenten"
    pdf = {
        "soort": "beschikking",
        "bestandsnaam": "b.pdf",
        "contentType": "application/pdf",
        "inhoud": PDF,
        "bijBesluit": True,
    }
    headers = actors.service() | {"Idempotency-Key": "beschikking-1"}
    # No besluit yet: nothing to link to, and the document is not stored either (one transaction).
    early = alo.client.post(docs, json=pdf, headers=headers)
    assert early.status_code == 404
    assert alo.client.get(docs, headers=actors.service()).json()["items"] == []
    assert alo.client.post(url, json=_besluit(), headers=actors.service()).status_code == 201
    stored = alo.client.post(docs, json=pdf, headers=headers)
    assert stored.status_code == 201, stored.text
    assert alo.client.get(url, headers=actors.service()).json()["beschikkingDocumentId"] == stored.json()["id"]
    operations = alo.operations()
    assert operations.count("document.toevoegen") == 1
    assert operations.count("besluit.beschikking") == 1
    # The same request again (its answer lost): a replay, linked already, nothing written.
    again = alo.client.post(docs, json=pdf, headers=headers)
    assert (again.status_code, again.json()["id"]) == (200, stored.json()["id"])
    assert alo.operations().count("besluit.beschikking") == 1
    # Another beschikking for a besluit that has one: 409, and that document is not stored.
    other = alo.client.post(
        docs, json=pdf | {"bestandsnaam": "c.pdf"}, headers=actors.service() | {"Idempotency-Key": "beschikking-2"}
    )
    assert other.status_code == 409
    assert alo.problem(other)["code"] == "beschikking-bestaat"
    assert len(alo.client.get(docs, headers=actors.service()).json()["items"]) == 1
    # Only a beschikking can be stored bij besluit.
    bewijs = alo.client.post(docs, json=pdf | {"soort": "bewijsstuk"}, headers=actors.service())
    assert bewijs.status_code == 400

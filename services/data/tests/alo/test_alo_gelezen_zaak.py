"""What a request read of an aanvraag serves the rest of the request (ADR 0039): the bench's ``GET besluit`` reads
the aanvraag's data subject and its besluit in one statement; a save that carries a besluit and an uitkering records
both on the aanvraag its own select read and starts the uitkering on the besluit it just recorded (or the one that
select found); a beschikking stored ``bijBesluit`` is linked with one conditional update (two different ones at
once: one link, one 409). The answers, the checks, the audit and the outbox are those of the separate reads; on
SQLite and, with GBI_TEST_DATABASE_URL, on PostgreSQL (statement counts and the forced race there)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select, text

from gbi_data.alo.models import Besluit
from gbi_data.alo.service import AloService, _GelezenAanvraag
from gbi_shared import ActorType, NotFoundError, RequestContext
from gbi_shared.contracts.alo import BesluitNieuw

from .conftest import AMSTERDAM, BESLUIT_TOEKENNING, BSN_A, BSN_B, statements

V1 = "/internal/data/v1"
PDF = "JVBERi0xLjcK"
AFWIJZING = {
    "soort": "afwijzing",
    "datum": "2026-04-01",
    "gronden": {"reden": "vermogen"},
    "vastgesteldDoor": "gbi-proces (automatisch besluit)",
}


def _on_postgres(alo: Any) -> bool:
    return bool(alo.client.app.state.database.is_postgresql)


def _uitkering(aanvraag: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"gbi:uitkering:{aanvraag['id']}")),
        "aanvraagId": aanvraag["id"],
        "startdatum": BESLUIT_TOEKENNING["ingangsdatum"],
        "bedragPerMaandCents": BESLUIT_TOEKENNING["bedragPerMaandCents"],
        "grondslag": {"huishouden": {"aanvrager": {}}, "iban": "NL91ABNA0417164300", "naam": "K. Vogel"},
    }


def _save(got: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "state": '{"step": 9}',
        "status": "completed",
        "version": got["version"],
        "leaseOwner": "w",
        "keepLease": False,
    } | changes


def _besluit_url(aanvraag: dict[str, Any]) -> str:
    return f"{V1}/aanvragen/{aanvraag['id']}/besluit"


def test_the_besluit_read_answers_who_may_see_it_and_audits_its_subject(alo, actors) -> None:
    aanvraag = alo.aanvraag(BSN_A)
    url = _besluit_url(aanvraag)
    undecided = alo.client.get(url, headers=actors.service())
    assert undecided.status_code == 404
    assert "nog niet besloten" in alo.problem(undecided)["detail"]
    assert alo.client.post(url, json=BESLUIT_TOEKENNING, headers=actors.service()).status_code == 201
    before = alo.audit()
    with statements(alo.client) as seen:
        read = alo.client.get(url, headers=actors.service())
    assert read.status_code == 200, read.text
    assert (read.json()["soort"], read.json()["aanvraagId"]) == ("toekenning", aanvraag["id"])
    if _on_postgres(alo):
        # binding; the aanvraag's subject with its besluit (one statement); the chain head's lock; the entry
        assert seen == ["SELECT", "SELECT", "SELECT", "WITH"]
    [entry] = alo.audit()[len(before) :]
    subjects = {e["dataSubjectId"] for e in before if e["operation"] == "aanvraag.registreren"}
    assert (entry["operation"], entry["outcome"]) == ("besluit.raadplegen", "read")
    assert entry["dataSubjectId"] in subjects
    # The citizen it is about sees it; another citizen, another gemeente and an unknown id get "no aanvraag".
    assert alo.client.get(url, headers=actors.burger(BSN_A)).status_code == 200
    for headers, path in (
        (actors.burger(BSN_B), url),
        (actors.service("0599"), url),
        (actors.service(), _besluit_url({"id": str(uuid.uuid4())})),
    ):
        hidden = alo.client.get(path, headers=headers)
        assert hidden.status_code == 404
        assert alo.problem(hidden)["detail"] == "Geen aanvraag met dit id"


def test_a_save_with_besluit_and_uitkering_records_both_on_the_aanvraag_it_read(alo, database) -> None:
    aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    before = alo.operations()
    body = _save(got, besluit=BESLUIT_TOEKENNING, uitkering=_uitkering(aanvraag))
    with statements(alo.client) as seen:
        saved = alo.client.put(f"{V1}/procesinstanties/{got['id']}", json=body, headers=alo.actors.service())
    assert saved.status_code == 200, saved.text
    assert saved.json()["besluit"]["soort"] == "toekenning"
    if _on_postgres(alo):
        assert seen == [
            *("SELECT", "SELECT"),  # binding; the instance with its aanvraag's subject (locked)
            "UPDATE",  # the instance
            *("INSERT", "WITH"),  # the besluit and its announcement (no read of the aanvraag)
            *("INSERT", "INSERT", "WITH"),  # the uitkering, its grondslag, its announcement (no read of either)
            *("SELECT", "WITH"),  # the chain head's lock; the entries and its move
        ]
    assert alo.operations()[len(before) :] == [
        "procesinstantie.opslaan",
        "besluit.vastleggen",
        "uitkering.vastleggen",
    ]
    stored = alo.client.get(f"{V1}/aanvragen/{aanvraag['id']}/uitkering", headers=alo.actors.service())
    assert (stored.status_code, stored.json()["id"]) == (200, _uitkering(aanvraag)["id"])


def test_a_save_whose_own_besluit_is_no_toekenning_starts_no_uitkering_and_writes_nothing(alo) -> None:
    aanvraag, _ = alo.zaak()
    got = alo.claim("w")[0]
    before = alo.operations()
    body = _save(got, besluit=AFWIJZING, uitkering=_uitkering(aanvraag))
    refused = alo.client.put(f"{V1}/procesinstanties/{got['id']}", json=body, headers=alo.actors.service())
    assert refused.status_code == 422
    assert alo.problem(refused)["code"] == "geen-toekenning"
    assert alo.client.get(_besluit_url(aanvraag), headers=alo.actors.service()).status_code == 404
    assert alo.operations()[len(before) :] == []
    instance = alo.client.get(f"{V1}/procesinstanties/{got['id']}", headers=alo.actors.service()).json()
    assert instance["version"] == got["version"]


def test_a_save_with_an_uitkering_checks_the_besluit_its_own_select_found(alo) -> None:
    """The end save of a run (ADR 0030) takes the uitkering along; the toekenning was recorded by an earlier save.
    The save's select finds its soort with the instance: no read of the aanvraag or of the besluit."""
    toegekend, _ = alo.zaak()
    afgewezen, _ = alo.zaak(BSN_B)
    for aanvraag, besluit in ((toegekend, BESLUIT_TOEKENNING), (afgewezen, AFWIJZING)):
        assert alo.client.post(_besluit_url(aanvraag), json=besluit, headers=alo.actors.service()).status_code == 201
    claimed = {g["aanvraagId"]: g for g in alo.claim("w")}
    got = claimed[toegekend["id"]]
    before = alo.operations()
    body = _save(got, uitkering=_uitkering(toegekend))
    with statements(alo.client) as seen:
        saved = alo.client.put(f"{V1}/procesinstanties/{got['id']}", json=body, headers=alo.actors.service())
    assert saved.status_code == 200, saved.text
    assert "besluit" not in saved.json()
    if _on_postgres(alo):
        assert seen == [
            *("SELECT", "SELECT"),  # binding; the instance with its aanvraag's subject and besluit's soort (locked)
            "UPDATE",  # the instance
            *("INSERT", "INSERT", "WITH"),  # the uitkering, its grondslag, its announcement
            *("SELECT", "WITH"),  # the chain head's lock; the entries and its move
        ]
    assert alo.operations()[len(before) :] == ["procesinstantie.opslaan", "uitkering.vastleggen"]
    # An afwijzing found by the select refuses the save (422), nothing written.
    other = claimed[afgewezen["id"]]
    before = alo.operations()
    refused = alo.client.put(
        f"{V1}/procesinstanties/{other['id']}",
        json=_save(other, uitkering=_uitkering(afgewezen)),
        headers=alo.actors.service(),
    )
    assert refused.status_code == 422
    assert alo.problem(refused)["code"] == "geen-toekenning"
    assert alo.operations()[len(before) :] == []
    stored = alo.client.get(f"{V1}/aanvragen/{afgewezen['id']}/uitkering", headers=alo.actors.service())
    assert stored.status_code == 404


def test_a_beschikking_bij_besluit_is_linked_with_one_update_and_answers_as_before(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    docs = f"{V1}/aanvragen/{aanvraag['id']}/documenten"
    pdf = {"soort": "beschikking", "bestandsnaam": "b.pdf", "contentType": "application/pdf", "inhoud": PDF}
    # No besluit yet: 404, and the document is not stored either (one transaction).
    early = alo.client.post(
        docs, json=pdf | {"bijBesluit": True}, headers=actors.service() | {"Idempotency-Key": "beschikking-0"}
    )
    assert early.status_code == 404, early.text
    assert "nog niet besloten" in alo.problem(early)["detail"]
    assert alo.client.get(docs, headers=actors.service()).json()["items"] == []
    assert alo.client.post(_besluit_url(aanvraag), json=BESLUIT_TOEKENNING, headers=actors.service()).status_code == 201
    with statements(alo.client) as seen:
        stored = alo.client.post(
            docs, json=pdf | {"bijBesluit": True}, headers=actors.service() | {"Idempotency-Key": "beschikking-1"}
        )
    assert stored.status_code == 201, stored.text
    if _on_postgres(alo):
        # binding; the aanvraag; the document; its link (one conditional update); the chain head's lock; entries
        assert seen == ["SELECT", "SELECT", "INSERT", "UPDATE", "SELECT", "WITH"]
    besluit = alo.client.get(_besluit_url(aanvraag), headers=actors.service()).json()
    assert besluit["beschikkingDocumentId"] == stored.json()["id"]
    linked = alo.operations().count("besluit.beschikking")
    assert linked == 1
    # Its replay: the same document, linked already, nothing written; another beschikking: 409, not stored.
    again = alo.client.post(
        docs, json=pdf | {"bijBesluit": True}, headers=actors.service() | {"Idempotency-Key": "beschikking-1"}
    )
    assert (again.status_code, again.json()["id"]) == (200, stored.json()["id"])
    other = alo.client.post(
        docs,
        json=pdf | {"bijBesluit": True, "bestandsnaam": "c.pdf"},
        headers=actors.service() | {"Idempotency-Key": "beschikking-2"},
    )
    assert other.status_code == 409
    assert alo.problem(other)["code"] == "beschikking-bestaat"
    assert alo.operations().count("besluit.beschikking") == linked
    assert [d["id"] for d in alo.client.get(docs, headers=actors.service()).json()["items"]] == [stored.json()["id"]]
    assert alo.client.get(_besluit_url(aanvraag), headers=actors.service()).json() == besluit


def _beschikking_bij_besluit(alo: Any, aanvraag: dict[str, Any], i: int) -> Any:
    pdf = {"soort": "beschikking", "bestandsnaam": f"b{i}.pdf", "contentType": "application/pdf", "inhoud": PDF}
    return alo.client.post(
        f"{V1}/aanvragen/{aanvraag['id']}/documenten",
        json=pdf | {"bijBesluit": True},
        headers=alo.actors.service() | {"Idempotency-Key": f"beschikking-race-{i}"},
    )


def _one_link_and_one_conflict(alo: Any, aanvraag: dict[str, Any], answers: list[Any]) -> None:
    """Exactly one of two different beschikkingen is linked (201), the other is refused (409 ``beschikking-bestaat``)
    and not stored; one link entry in the audit trail."""
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    [won] = [a for a in answers if a.status_code == 201]
    [lost] = [a for a in answers if a.status_code == 409]
    assert alo.problem(lost)["code"] == "beschikking-bestaat"
    besluit = alo.client.get(_besluit_url(aanvraag), headers=alo.actors.service()).json()
    assert besluit["beschikkingDocumentId"] == won.json()["id"]
    docs = alo.client.get(f"{V1}/aanvragen/{aanvraag['id']}/documenten", headers=alo.actors.service()).json()
    assert [d["id"] for d in docs["items"]] == [won.json()["id"]]
    assert alo.operations().count("besluit.beschikking") == 1


def test_two_beschikkingen_bij_besluit_at_once_give_one_link_and_one_conflict(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    assert alo.client.post(_besluit_url(aanvraag), json=BESLUIT_TOEKENNING, headers=actors.service()).status_code == 201
    answers = alo.concurrently(2, lambda i: _beschikking_bij_besluit(alo, aanvraag, i))
    _one_link_and_one_conflict(alo, aanvraag, answers)


#: The sessions waiting for the lock ``:pid`` holds: directly, or (the second in the row's queue) for the first waiter.
_WAITING_FOR = text(
    "SELECT count(*) FROM pg_stat_activity w, LATERAL pg_blocking_pids(w.pid) blocking WHERE :pid = ANY(blocking)"
    " OR EXISTS (SELECT 1 FROM pg_stat_activity f WHERE :pid = ANY(pg_blocking_pids(f.pid)) AND f.pid = ANY(blocking))"
)


def _wait_until_waiting(database: Any, pid: int, n: int) -> int:
    """How many sessions wait for the lock ``pid`` holds, once ``n`` do (or after 30 s). Each look in a transaction
    of its own: pg_stat_activity is a snapshot taken once per transaction."""
    deadline, waiting = time.monotonic() + 30, 0
    with database.engine.connect() as monitor:
        while waiting < n and time.monotonic() < deadline:
            time.sleep(0.02)
            waiting = monitor.execute(_WAITING_FOR, {"pid": pid}).scalar_one()
            monitor.rollback()
    return int(waiting)


@pytest.mark.postgres
def test_two_beschikkingen_meeting_at_their_update_give_one_link_and_one_conflict(alo, actors, database) -> None:
    """The race the conditional ``UPDATE ... RETURNING`` is there for, forced on PostgreSQL: a third transaction
    holds the besluit's row lock until both requests (each on its own connection) wait at their update of it; on
    its release one update links its document, the other waits for that one's commit, finds the besluit linked
    (``beschikking_document_id IS NULL`` no longer holds: no row returned), reads it and answers 409. A read of the
    besluit before a plain update would have let both link (the last one winning)."""
    if not database.is_postgresql:
        pytest.skip("the row lock both updates wait for is PostgreSQL's (SQLite runs one writer at a time)")
    aanvraag = alo.aanvraag()
    assert alo.client.post(_besluit_url(aanvraag), json=BESLUIT_TOEKENNING, headers=actors.service()).status_code == 201
    answers: list[Any] = []
    errors: list[BaseException] = []

    def post(i: int) -> None:
        try:
            answers.append(_beschikking_bij_besluit(alo, aanvraag, i))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    with database.transaction(gemeente=AMSTERDAM) as holder:
        holder.scalars(select(Besluit).where(Besluit.aanvraag_id == uuid.UUID(aanvraag["id"])).with_for_update()).one()
        pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()
        for thread in threads:
            thread.start()
        waiting = _wait_until_waiting(database, pid, 2)
        assert waiting == 2, "both requests wait at their update of the besluit"
    # The holder's transaction ended (it wrote nothing): the lock is released and the two updates meet.
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    _one_link_and_one_conflict(alo, aanvraag, answers)


def test_a_besluit_on_a_read_aanvraag_the_caller_may_not_see_is_the_same_404_without_a_second_read(
    alo, database, migrated
) -> None:
    """``leg_besluit_vast`` with the aanvraag its caller read (``gelezen``) for a caller who may not see it: the
    404 a read of the aanvraag gives (the same problem), without that read."""
    aanvraag = alo.aanvraag(BSN_A)
    aanvraag_id = uuid.UUID(aanvraag["id"])
    service = AloService(migrated)
    other = RequestContext(
        actor_id=BSN_B, actor_type=ActorType.BURGER, roles=frozenset({"burger"}), gemeente=AMSTERDAM, bsn=BSN_B
    )
    body = BesluitNieuw.model_validate(BESLUIT_TOEKENNING)
    gelezen = _GelezenAanvraag(aanvraag_id, AMSTERDAM, service._subject(BSN_A))
    answers = []
    for given in (None, gelezen):
        with (
            database.transaction(gemeente=AMSTERDAM) as session,
            _engine_statements(database) as seen,
            pytest.raises(NotFoundError) as refused,
        ):
            service.leg_besluit_vast(session, other, AMSTERDAM, aanvraag_id, body, gelezen=given)
        answers.append((refused.value.to_problem().model_dump(), seen))
    (read_problem, read_seen), (given_problem, given_seen) = answers
    assert given_problem == read_problem
    assert (given_problem["status"], given_problem["detail"]) == (404, "Geen aanvraag met dit id")
    assert any("aanvragen" in s for s in read_seen)
    assert given_seen == []  # nothing read, nothing written
    assert alo.client.get(_besluit_url(aanvraag), headers=alo.actors.service()).status_code == 404


@contextmanager
def _engine_statements(database: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", note)

"""Proefberekeningen: stored per gemeente with a pseudonymised subject, audited in the same transaction,
idempotent by Idempotency-Key, invisible across gemeenten (404 exactly like a missing one)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from gbi_shared import ActorType

PATH = "/internal/data/v1/proefberekeningen"
BSN = "999993653"
OTHER_BSN = "999990019"


def body(**changes: Any) -> dict[str, Any]:
    return {
        "bsn": BSN,
        "peildatum": "2026-01-01",
        "request": {"leefvorm": "alleenstaande", "leeftijd": 30},
        "result": {"normCents": 140150, "toelichting": [{"regel": "art. 21 Pw", "bedragCents": 140150}]},
        "normCents": 140150,
    } | changes


def audit_entries(client: TestClient, context_headers: Callable[..., dict[str, str]], gemeente: str = "0363") -> list:
    response = client.get("/internal/data/v1/audit", headers=context_headers(gemeente=gemeente, roles=("auditor",)))
    assert response.status_code == 200
    return response.json()["items"]


def test_create_and_read(client: TestClient, context_headers) -> None:
    created = client.post(PATH, json=body(), headers=context_headers())
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["gemeente"] == "0363"
    assert record["normCents"] == 140150
    assert record["request"] == body()["request"]
    assert record["createdBy"] == "medewerker-1"
    assert BSN not in created.text
    assert created.headers["Location"] == f"{PATH}/{record['id']}"

    read = client.get(f"{PATH}/{record['id']}", headers=context_headers())
    assert read.status_code == 200
    assert read.json() == record


def test_create_and_read_are_audited_with_a_pseudonym(client: TestClient, context_headers) -> None:
    record = client.post(PATH, json=body(), headers=context_headers(purpose="aanvraag-bijstand")).json()
    client.get(f"{PATH}/{record['id']}", headers=context_headers())
    entries = audit_entries(client, context_headers)
    assert [(e["seq"], e["operation"], e["outcome"]) for e in entries] == [
        (1, "proefberekening.vastleggen", "created"),
        (2, "proefberekening.raadplegen", "read"),
    ]
    first, second = entries
    assert first["dataSubjectType"] == "BSN"
    assert first["dataSubjectId"] == second["dataSubjectId"]
    assert len(first["dataSubjectId"]) == 64
    assert BSN not in str(entries)
    assert first["actor"] == "medewerker-1"
    assert first["actorType"] == "medewerker"
    assert first["purpose"] == "aanvraag-bijstand"
    assert first["processingActivity"] == "gbi.proefberekening"
    assert second["prevHash"] == first["hash"]
    assert len(first["traceId"]) == 32
    assert len(first["spanId"]) == 16


def test_another_gemeentes_record_is_404_exactly_like_a_missing_one(client: TestClient, context_headers) -> None:
    record = client.post(PATH, json=body(), headers=context_headers(gemeente="0363")).json()
    rotterdam = context_headers(gemeente="0599")
    foreign = client.get(f"{PATH}/{record['id']}", headers=rotterdam)
    missing = client.get(f"{PATH}/{uuid.uuid4()}", headers=rotterdam)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.headers["content-type"] == missing.headers["content-type"] == "application/problem+json"

    def comparable(problem: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in problem.items() if k != "instance"}

    assert comparable(foreign.json()) == comparable(missing.json())
    # Nothing was logged for Rotterdam, and Amsterdam's log shows only its own create.
    assert audit_entries(client, context_headers, "0599") == []
    assert len(audit_entries(client, context_headers, "0363")) == 1


def test_same_idempotency_key_and_body_gives_the_same_record_once(client: TestClient, context_headers) -> None:
    headers = context_headers() | {"Idempotency-Key": "aanvraag-42"}
    first = client.post(PATH, json=body(), headers=headers)
    again = client.post(PATH, json=body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)  # one rule: a replay is 200
    assert again.json() == first.json()
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    # One effect: one audit entry.
    assert len(audit_entries(client, context_headers)) == 1


def test_same_idempotency_key_with_another_body_is_409(client: TestClient, context_headers) -> None:
    headers = context_headers() | {"Idempotency-Key": "aanvraag-43"}
    assert client.post(PATH, json=body(), headers=headers).status_code == 201
    conflict = client.post(PATH, json=body(normCents=1), headers=headers)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"
    assert conflict.json()["code"] == "idempotency-key-reused"


def test_idempotency_keys_are_per_gemeente(client: TestClient, context_headers) -> None:
    key = {"Idempotency-Key": "shared-key"}
    amsterdam = client.post(PATH, json=body(), headers=context_headers(gemeente="0363") | key)
    rotterdam = client.post(PATH, json=body(), headers=context_headers(gemeente="0599") | key)
    assert amsterdam.status_code == rotterdam.status_code == 201
    assert amsterdam.json()["id"] != rotterdam.json()["id"]
    assert rotterdam.json()["gemeente"] == "0599"


def test_without_idempotency_key_each_post_creates(client: TestClient, context_headers) -> None:
    first = client.post(PATH, json=body(), headers=context_headers())
    second = client.post(PATH, json=body(), headers=context_headers())
    assert first.json()["id"] != second.json()["id"]


def test_invalid_bsn_is_400_naming_the_field(client: TestClient, context_headers) -> None:
    response = client.post(PATH, json=body(bsn="123456789"), headers=context_headers())
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["bsn"]


def test_bsn_inside_the_documents_is_refused(client: TestClient, context_headers) -> None:
    response = client.post(PATH, json=body(request={"aanvrager": {"bsn": BSN}}), headers=context_headers())
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "request"
    assert audit_entries(client, context_headers) == []


def test_negative_norm_is_400(client: TestClient, context_headers) -> None:
    response = client.post(PATH, json=body(normCents=-1), headers=context_headers())
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "normCents"


def test_a_citizen_stores_and_reads_only_their_own(client: TestClient, context_headers) -> None:
    citizen = context_headers(actor_type=ActorType.BURGER, actor_id=BSN, bsn=BSN, roles=("burger",))
    other_citizen = context_headers(actor_type=ActorType.BURGER, actor_id=OTHER_BSN, bsn=OTHER_BSN, roles=("burger",))
    assert client.post(PATH, json=body(bsn=OTHER_BSN), headers=citizen).status_code == 403
    created = client.post(PATH, json=body(), headers=citizen)
    assert created.status_code == 201
    assert BSN not in created.json()["createdBy"]
    assert client.get(f"{PATH}/{created.json()['id']}", headers=citizen).status_code == 200
    assert client.get(f"{PATH}/{created.json()['id']}", headers=other_citizen).status_code == 404
    # A caseworker of the same gemeente may read it.
    assert client.get(f"{PATH}/{created.json()['id']}", headers=context_headers()).status_code == 200
    entries = audit_entries(client, context_headers)
    assert entries[0]["actorType"] == "burger"
    assert BSN not in str(entries)


def test_malformed_id_is_400(client: TestClient, context_headers) -> None:
    assert client.get(f"{PATH}/not-a-uuid", headers=context_headers()).status_code == 400


def test_a_failed_commit_is_an_error_and_leaves_nothing_behind(
    client: TestClient, context_headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The transaction ends before the response is sent: if committing fails, the client gets 503, not a 201.
    database = client.app.state.database  # type: ignore[attr-defined]
    original = database.transaction

    @contextmanager
    def failing_commit(*, gemeente: str | None, read_only: bool = False, with_clock: bool = False) -> Iterator[Session]:
        with original(gemeente=gemeente, read_only=read_only, with_clock=with_clock) as session:
            yield session
            raise OperationalError("COMMIT", {}, Exception("connection lost"))

    monkeypatch.setattr(database, "transaction", failing_commit)
    response = client.post(PATH, json=body(), headers=context_headers() | {"Idempotency-Key": "lost"})
    assert response.status_code == 503
    monkeypatch.undo()
    retried = client.post(PATH, json=body(), headers=context_headers() | {"Idempotency-Key": "lost"})
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers
    assert len(audit_entries(client, context_headers)) == 1


def test_a_full_connection_pool_is_a_503_with_retry_after_and_changes_nothing(
    client: TestClient, context_headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every pooled connection busy for the whole pool timeout (a saturated service): the caller may come back; it
    # was an unhandled 500 before.
    database = client.app.state.database  # type: ignore[attr-defined]

    @contextmanager
    def pool_exhausted(*, gemeente: str | None, read_only: bool = False, with_clock: bool = False) -> Iterator[Session]:
        raise PoolTimeoutError("QueuePool limit of size 5 overflow 10 reached")
        yield  # pragma: no cover

    monkeypatch.setattr(database, "transaction", pool_exhausted)
    response = client.post(PATH, json=body(), headers=context_headers() | {"Idempotency-Key": "vol"})
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["Retry-After"] == "2"
    monkeypatch.undo()
    assert audit_entries(client, context_headers) == []


def test_requests_waiting_for_a_connection_longer_than_the_pool_timeout_get_a_503(
    client: TestClient, context_headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Routes wait for one of the pool's connections on the event loop (the database's limiter), not on a thread
    # blocked in the pool; a wait as long as the pool timeout is answered as a pool timeout was.
    database = client.app.state.database  # type: ignore[attr-defined]

    class AllBusy:
        def acquire_on_behalf_of_nowait(self, _borrower: object) -> None:
            raise anyio.WouldBlock  # no token free: the route waits for one, at most the pool timeout

        async def acquire_on_behalf_of(self, _borrower: object) -> None:
            await anyio.sleep_forever()

    monkeypatch.setattr(database, "pool_timeout_s", 0.2)
    monkeypatch.setattr(database, "limiter", AllBusy)
    response = client.post(PATH, json=body(), headers=context_headers() | {"Idempotency-Key": "druk"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json()["detail"] == "De database is tijdelijk te druk"
    monkeypatch.undo()
    assert audit_entries(client, context_headers) == []


def test_a_request_that_finds_a_free_connection_token_sets_up_no_timeout(
    client: TestClient, context_headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limiter's timeout (a cancel scope and a timer) is only for a request that has to wait for a token.
    import gbi_data.api

    def no_timeout(_delay: float) -> None:
        raise AssertionError("a free token was waited for under a timeout")

    monkeypatch.setattr(gbi_data.api, "fail_after", no_timeout)  # the route's own name (anyio's stays untouched)
    response = client.post(PATH, json=body(), headers=context_headers() | {"Idempotency-Key": "vrij"})
    assert response.status_code == 201, response.text
    assert client.app.state.database.limiter().borrowed_tokens == 0  # type: ignore[attr-defined]

"""Helpers of the ALO store tests: contexts of the process service, staff and citizens, and short ways to make an
aanvraag, a process instance and a task. Every test runs on SQLite and, with GBI_TEST_DATABASE_URL, on PostgreSQL
(the ``database_url`` fixture of the service's conftest is parametrised)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from gbi_shared import ActorType

V1 = "/internal/data/v1"
AMSTERDAM = "0363"
ROTTERDAM = "0599"
BSN_A = "999993653"
BSN_B = "999990019"
BSN_C = "999992958"
#: A toekenning as the process records it (the saves that carry it, the uitkering that needs it).
BESLUIT_TOEKENNING: dict[str, Any] = {
    "soort": "toekenning",
    "datum": "2026-04-01",
    "ingangsdatum": "2026-03-09",
    "bedragPerMaandCents": 140150,
    "gronden": {"norm": "art. 21 Pw"},
    "vastgesteldDoor": "gbi-proces (automatisch besluit)",
}

T = TypeVar("T")
Headers = dict[str, str]


class Actors:
    """Signed GBI-Context headers for the callers of the ALO store."""

    def __init__(self, context_headers: Callable[..., Headers]) -> None:
        self._build = context_headers

    def service(self, gemeente: str = AMSTERDAM) -> Headers:
        return self._build(
            actor_id="gbi-process", actor_type=ActorType.SERVICE, roles=("gbi-service",), gemeente=gemeente, via=None
        )

    def staff(self, name: str = "km-1", *roles: str, gemeente: str = AMSTERDAM) -> Headers:
        return self._build(actor_id=name, roles=roles or ("klantmanager",), gemeente=gemeente)

    def burger(self, bsn: str = BSN_A, gemeente: str | None = AMSTERDAM) -> Headers:
        return self._build(actor_id=bsn, actor_type=ActorType.BURGER, roles=("burger",), bsn=bsn, gemeente=gemeente)

    def auditor(self, gemeente: str = AMSTERDAM) -> Headers:
        return self._build(actor_id="auditor-1", roles=("auditor",), gemeente=gemeente)


@pytest.fixture
def actors(context_headers: Callable[..., Headers]) -> Actors:
    return Actors(context_headers)


def aanvraag_body(bsn: str = BSN_A, **changes: Any) -> dict[str, Any]:
    return {
        "bsn": bsn,
        "meldingsdatum": "2026-03-02",
        "aanvraagdatum": "2026-03-09",
        "kanaal": "digitaal",
        "gegevens": {
            "huishouden": {"leefvorm": "alleenstaande"},
            "woning": {"woonkosten": "750.00"},
            "inkomen": [],
            "vermogen": {"banksaldo": "1200.00"},
            "iban": "NL91ABNA0417164300",
        },
    } | changes


class Alo:
    """Short ways to drive the ALO store through its HTTP API."""

    def __init__(self, client: TestClient, actors: Actors) -> None:
        self.client = client
        self.actors = actors

    def aanvraag(self, bsn: str = BSN_A, gemeente: str = AMSTERDAM, key: str | None = None) -> dict[str, Any]:
        headers = self.actors.service(gemeente) | {"Idempotency-Key": key or uuid.uuid4().hex}
        response = self.client.post(f"{V1}/aanvragen", json=aanvraag_body(bsn), headers=headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def instantie(self, aanvraag_id: str, gemeente: str = AMSTERDAM, **changes: Any) -> dict[str, Any]:
        body = {"aanvraagId": aanvraag_id, "definitie": "alo", "definitieVersie": "1", "state": "{}"} | changes
        response = self.client.post(f"{V1}/procesinstanties", json=body, headers=self.actors.service(gemeente))
        assert response.status_code == 201, response.text
        return dict(response.json())

    def zaak(
        self, bsn: str = BSN_A, gemeente: str = AMSTERDAM, **changes: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """An aanvraag with its process instance."""
        aanvraag = self.aanvraag(bsn, gemeente)
        return aanvraag, self.instantie(aanvraag["id"], gemeente, **changes)

    def taak(self, instantie: dict[str, Any], gemeente: str = AMSTERDAM, **changes: Any) -> dict[str, Any]:
        body = {
            "procesinstantieId": instantie["id"],
            "taakSleutel": uuid.uuid4().hex,
            "rol": "klantmanager",
            "naam": "Gegevens beoordelen",
            "omschrijving": "Bekijk de verklaarde gegevens",
            "reden": "Het inkomen uit de bron wijkt af van de verklaring",
            "dueAt": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
            "gegevens": {"verschil": "120.00"},
        } | changes
        response = self.client.post(f"{V1}/taken", json=body, headers=self.actors.service(gemeente))
        assert response.status_code == 201, response.text
        return dict(response.json())

    def claim(self, worker: str, gemeente: str = AMSTERDAM, lease: int = 60, limit: int = 10) -> list[dict[str, Any]]:
        response = self.client.post(
            f"{V1}/procesinstanties:claim",
            json={"worker": worker, "leaseSeconds": lease, "limit": limit},
            headers=self.actors.service(gemeente),
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    def klok(self, offset: int) -> None:
        response = self.client.put(f"{V1}/klok", json={"offsetSeconden": offset}, headers=self.actors.service())
        assert response.status_code == 200, response.text

    def audit(self, gemeente: str = AMSTERDAM) -> list[dict[str, Any]]:
        response = self.client.get(f"{V1}/audit?pageSize=500", headers=self.actors.auditor(gemeente))
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    def operations(self, gemeente: str = AMSTERDAM) -> list[str]:
        return [e["operation"] for e in self.audit(gemeente)]

    # Module-level helpers, reachable from the tests through the fixture (test modules do not import conftest).
    @staticmethod
    def body(bsn: str = BSN_A, **changes: Any) -> dict[str, Any]:
        return aanvraag_body(bsn, **changes)

    @staticmethod
    def concurrently(n: int, work: Callable[[int], T]) -> list[T]:
        return concurrently(n, work)

    @staticmethod
    def problem(response: Any) -> dict[str, Any]:
        return problem(response)

    @staticmethod
    def comparable(body: dict[str, Any]) -> dict[str, Any]:
        return comparable(body)


@pytest.fixture
def alo(client: TestClient, actors: Actors) -> Alo:
    return Alo(client, actors)


def concurrently(n: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in ``n`` threads released at the same moment; re-raise the first error."""
    barrier = threading.Barrier(n)
    results: list[T | None] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if errors:
        raise errors[0]
    return [r for r in results if r is not None]


def problem(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return dict(response.json())


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """A problem without its ``instance`` (the request path and id differ between two requests)."""
    return {k: v for k, v in body.items() if k != "instance"}


@contextmanager
def statements(client: Any) -> Iterator[list[str]]:
    """The first word of every SQL statement the client's app sends while the block runs (SELECT, UPDATE, ...)."""
    engine = client.app.state.database.engine
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)

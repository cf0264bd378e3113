"""Helpers of the notificaties tests: the callers (a GBI service, a beheerder, an integrator, a klantmanager), short
ways to register an abonnement, cause ALO changes and drive the delivery API. Every test runs on SQLite and, with
GBI_TEST_DATABASE_URL, on PostgreSQL (the ``database_url`` fixture of the service's conftest is parametrised)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient

from gbi_shared import ActorType

V1 = "/internal/data/v1"
N = f"{V1}/notificaties"
AMSTERDAM = "0363"
ROTTERDAM = "0599"
BSN_A = "999993653"
AUTH = "Bearer abonnee-geheim-0123456789abcdef"

T = TypeVar("T")
Headers = dict[str, str]


class Callers:
    def __init__(self, build: Callable[..., Headers]) -> None:
        self._build = build

    def service(self, gemeente: str | None = AMSTERDAM) -> Headers:
        return self._build(
            actor_id="gbi-integration",
            actor_type=ActorType.SERVICE,
            roles=("gbi-service",),
            gemeente=gemeente,
            via=None,
        )

    def beheerder(self, gemeente: str = AMSTERDAM) -> Headers:
        return self._build(actor_id="beheerder-1", roles=("beheerder",), gemeente=gemeente)

    def integrator(self, name: str = "integrator-0363", gemeente: str = AMSTERDAM) -> Headers:
        return self._build(actor_id=name, actor_type=ActorType.SYSTEEM, roles=("integrator",), gemeente=gemeente)

    def klantmanager(self, gemeente: str = AMSTERDAM) -> Headers:
        return self._build(actor_id="km-1", roles=("klantmanager",), gemeente=gemeente)


@pytest.fixture
def callers(context_headers: Callable[..., Headers]) -> Callers:
    return Callers(context_headers)


def aanvraag_body(bsn: str = BSN_A) -> dict[str, Any]:
    return {
        "bsn": bsn,
        "meldingsdatum": "2026-03-02",
        "aanvraagdatum": "2026-03-09",
        "kanaal": "digitaal",
        "gegevens": {"iban": "NL91ABNA0417164300"},
    }


class Nrc:
    """Short ways to drive notificaties (and the ALO changes that cause them) through the HTTP API."""

    def __init__(self, client: TestClient, callers: Callers) -> None:
        self.client = client
        self.callers = callers

    def abonnement(
        self,
        *,
        gemeente: str = AMSTERDAM,
        headers: Headers | None = None,
        filters: dict[str, str] | None = None,
        kanalen: list[dict[str, Any]] | None = None,
        callback: str = "http://127.0.0.1:9/abonnee/test/callback",
        auth: str = AUTH,
    ) -> dict[str, Any]:
        body = {
            "callbackUrl": callback,
            "auth": auth,
            "kanalen": kanalen if kanalen is not None else [{"naam": "aanvragen", "filters": filters or {}}],
        }
        response = self.client.post(f"{N}/abonnementen", json=body, headers=headers or self.callers.beheerder(gemeente))
        assert response.status_code == 201, response.text
        return dict(response.json())

    def aanvraag(self, gemeente: str = AMSTERDAM, key: str | None = None) -> dict[str, Any]:
        headers = self.callers.service(gemeente) | {"Idempotency-Key": key or uuid.uuid4().hex}
        response = self.client.post(f"{V1}/aanvragen", json=aanvraag_body(), headers=headers)
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    def status(self, aanvraag: dict[str, Any], status: str, gemeente: str = AMSTERDAM) -> dict[str, Any]:
        response = self.client.patch(
            f"{V1}/aanvragen/{aanvraag['id']}",
            json={"status": status, "version": aanvraag["version"]},
            headers=self.callers.service(gemeente),
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def leveringen(
        self, gemeente: str = AMSTERDAM, headers: Headers | None = None, **query: str
    ) -> list[dict[str, Any]]:
        response = self.client.get(
            f"{N}/leveringen", params={"pageSize": "100", **query}, headers=headers or self.callers.service(gemeente)
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    def claim(self, worker: str, gemeente: str = AMSTERDAM, lease: int = 60, limit: int = 20) -> list[dict[str, Any]]:
        response = self.client.post(
            f"{N}/leveringen:claim",
            json={"worker": worker, "leaseSeconds": lease, "limit": limit},
            headers=self.callers.service(gemeente),
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    def resultaat(self, levering_id: str, worker: str, uitkomst: str, gemeente: str = AMSTERDAM, **extra: Any) -> Any:
        return self.client.post(
            f"{N}/leveringen/{levering_id}/resultaat",
            json={"worker": worker, "uitkomst": uitkomst, **extra},
            headers=self.callers.service(gemeente),
        )

    def klok(self, offset: int) -> None:
        response = self.client.put(f"{V1}/klok", json={"offsetSeconden": offset}, headers=self.callers.service())
        assert response.status_code == 200, response.text

    @staticmethod
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


@pytest.fixture
def nrc(client: TestClient, callers: Callers) -> Nrc:
    return Nrc(client, callers)

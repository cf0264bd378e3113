"""Contract test with the real data service: the processing log entries the source queries write are accepted,
pseudonymised, hash-chained and readable by an auditor of the gemeente (SQLite, on loopback)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from gbi_data.app import create_app as create_data_app
from gbi_data.migrate import upgrade
from gbi_data.settings import DataSettings
from gbi_shared import ActorType
from gbi_shared.contracts.data import AuditPage, AuditVerification
from gbi_testing import ServerThread

from .conftest import AUDIENCE, DEN_HAAG, ISSUER, Headers

API = "/internal/integration/v1"


@pytest.fixture
def data_service(tmp_path: Path, context_keys: tuple[str, str]) -> Iterator[tuple[str, TestClient]]:
    """The real data app (migrated SQLite) behind a loopback 'gateway' that also issues service tokens."""
    settings = DataSettings(
        database_url=f"sqlite:///{tmp_path / 'gbi.db'}",
        environment="test",
        context_public_key=SecretStr(context_keys[1]),
        context_issuer=ISSUER,
        context_audience=AUDIENCE,
        audit_pseudonym_key=SecretStr("test-pseudonym-key-0123456789abcdef"),
        log_json=False,
        log_level="WARNING",
    )
    upgrade(settings)
    data_app = create_data_app(settings)

    async def token(request: Request) -> Response:
        return JSONResponse({"access_token": "service-token", "expires_in": 300})

    front = Starlette(routes=[Route("/token", token, methods=["POST"]), Mount("/", app=data_app)])
    with ServerThread(front) as server, TestClient(data_app) as reader:
        yield server.url, reader


def test_source_queries_are_logged_in_the_real_processing_log(
    make_client: Callable[..., TestClient], headers: Headers, data_service: tuple[str, TestClient]
) -> None:
    url, reader = data_service
    client = make_client(gateway_url=url, oidc_token_url=url + "/token")
    body: dict[str, Any] = {
        "bsn": "999995431",
        "peildatum": datetime.now(UTC).date().isoformat(),
        "zaakId": "ZAAK-2026-0042",
        "bronnen": ["inkomsten", "voertuigen", "ib-signalen"],
    }
    response = client.post(f"{API}/bronnen/dossier", json=body, headers=headers())
    assert response.status_code == 200, response.text
    assert response.json()["volledig"]

    auditor = headers(roles=("auditor",), actor_type=ActorType.MEDEWERKER, actor_id="auditor-1")
    page = AuditPage.model_validate(reader.get("/internal/data/v1/audit", headers=auditor).json())
    entries = [e for e in page.items if e.operation.startswith("bronnen.")]
    # One batch: the entries in the order asked, one after the other in the gemeente's chain, linked.
    assert [e.operation for e in entries] == ["bronnen.inkomsten", "bronnen.voertuigen", "bronnen.ib-signalen"]
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + 3))
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    for entry in entries:
        assert entry.gemeente == DEN_HAAG
        assert (entry.actor, entry.actor_type, entry.purpose) == ("gbi-process", "service", "aanvraag-levensonderhoud")
        assert entry.processing_activity == "participatiewet.aanvraag-levensonderhoud/zaak:ZAAK-2026-0042"
        assert entry.status == "OK"
        assert entry.data_subject_id
        assert entry.data_subject_id != "999995431"  # pseudonymised
    assert len({e.data_subject_id for e in entries}) == 1
    verification = AuditVerification.model_validate(
        reader.get("/internal/data/v1/audit/verify", headers=auditor).json()
    )
    assert verification.valid
    assert verification.checked >= 3


def test_the_real_data_service_refusing_the_batch_hands_out_nothing(
    make_client: Callable[..., TestClient], headers: Headers, data_service: tuple[str, TestClient]
) -> None:
    """A context without a gemeente's chain to write to: the data service refuses the batch, the dossier is 503."""
    url, reader = data_service
    client = make_client(gateway_url=url, oidc_token_url=url + "/token")
    body: dict[str, Any] = {
        "bsn": "999995431",
        "peildatum": datetime.now(UTC).date().isoformat(),
        "bronnen": ["inkomsten", "voertuigen"],
    }
    response = client.post(f"{API}/bronnen/dossier", json=body, headers=headers(gemeente="9999"))
    assert response.status_code == 503, response.text
    assert "999995431" not in response.text
    auditor = headers(roles=("auditor",), actor_type=ActorType.MEDEWERKER, actor_id="auditor-1")
    assert [e for e in reader.get("/internal/data/v1/audit", headers=auditor).json()["items"]] == []

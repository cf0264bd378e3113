"""How a route of the data service ends its tenant transaction (ADR 0024): a plain ``def`` route commits in its
worker thread call, an ``async def`` route that used ``tenant.session`` commits when it returns and rolls back when
it raises, and a route that is not a ``DataRoute`` cannot take the tenant dependency (nobody would end its
transaction). On SQLite and, with GBI_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gbi_data import audit
from gbi_data.api import PREFIX, DataRoute, TenantScope
from gbi_data.app import create_app
from gbi_data.database import Database
from gbi_data.models import AuditRecord
from gbi_data.settings import DataSettings
from gbi_shared import BadRequestError

AMSTERDAM = "0363"
ENTRY = audit.AuditEntry(
    operation="test.route", processing_activity="gbi.test", actor="t", actor_type="service", purpose="test"
)


def _append(tenant: TenantScope) -> None:
    audit.append(tenant.session, tenant.gemeente, ENTRY)


data_routes = APIRouter(prefix=f"{PREFIX}/test", route_class=DataRoute)
plain_routes = APIRouter(prefix=f"{PREFIX}/plain")


@data_routes.post("/sync", status_code=204)
def sync_write(tenant: TenantScope) -> None:
    _append(tenant)


@data_routes.post("/sync-fails", status_code=204)
def sync_write_fails(tenant: TenantScope) -> None:
    _append(tenant)
    raise BadRequestError("nee")


@data_routes.post("/async", status_code=204)
async def async_write(tenant: TenantScope) -> None:
    _append(tenant)


@data_routes.post("/async-fails", status_code=204)
async def async_write_fails(tenant: TenantScope) -> None:
    _append(tenant)
    raise BadRequestError("nee")


@data_routes.post("/async-unused", status_code=204)
async def async_without_session(tenant: TenantScope) -> None:
    assert not tenant.transaction.active


def _appended_by_a_dependency(tenant: TenantScope) -> str:
    _append(tenant)
    return tenant.gemeente


ViaDependency = Annotated[str, Depends(_appended_by_a_dependency)]


@data_routes.post("/sub-sync", status_code=204)
def sync_via_dependency(gemeente: ViaDependency) -> None:
    assert gemeente == AMSTERDAM


@data_routes.post("/sub-async", status_code=204)
async def async_via_dependency(gemeente: ViaDependency) -> None:
    assert gemeente == AMSTERDAM


@data_routes.post("/sub-async-fails", status_code=204)
async def async_via_dependency_fails(gemeente: ViaDependency) -> None:
    raise BadRequestError("nee")


@plain_routes.post("/sync", status_code=204)
def plain_write(tenant: TenantScope) -> None:  # pragma: no cover - refused before it runs
    _append(tenant)


@pytest.fixture
def route_client(migrated: DataSettings) -> Iterator[TestClient]:
    app = create_app(migrated)
    app.include_router(data_routes)
    app.include_router(plain_routes)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _entries(database: Database) -> int:
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        return int(
            session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.operation == "test.route"))
            or 0
        )


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_route_commits_what_it_wrote_and_rolls_back_when_it_raises(
    route_client: TestClient, database: Database, context_headers: Callable[..., dict[str, str]], kind: str
) -> None:
    headers = context_headers(gemeente=AMSTERDAM)
    assert route_client.post(f"{PREFIX}/test/{kind}", headers=headers).status_code == 204
    assert _entries(database) == 1
    failed = route_client.post(f"{PREFIX}/test/{kind}-fails", headers=headers)
    assert failed.status_code == 400
    assert failed.headers["content-type"] == "application/problem+json"
    assert _entries(database) == 1
    assert route_client.post(f"{PREFIX}/test/{kind}", headers=headers).status_code == 204
    assert _entries(database) == 2
    with database.transaction(gemeente=AMSTERDAM, read_only=True) as session:
        assert audit.verify_chain(session, AMSTERDAM).valid


def test_an_async_route_that_does_not_use_the_session_opens_no_transaction(
    route_client: TestClient, context_headers: Callable[..., dict[str, str]]
) -> None:
    assert route_client.post(f"{PREFIX}/test/async-unused", headers=context_headers()).status_code == 204


def test_a_route_that_is_no_data_route_cannot_take_the_tenant_dependency(
    route_client: TestClient, database: Database, context_headers: Callable[..., dict[str, str]]
) -> None:
    response = route_client.post(f"{PREFIX}/plain/sync", headers=context_headers())
    assert response.status_code == 500
    assert _entries(database) == 0


def test_a_tenant_without_gemeente_is_refused_before_a_transaction(
    route_client: TestClient, database: Database, context_headers: Callable[..., dict[str, str]]
) -> None:
    for kind in ("sync", "async"):
        response = route_client.post(f"{PREFIX}/test/{kind}", headers=context_headers(gemeente=None))
        assert response.status_code == 403
    assert _entries(database) == 0


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_tenant_transaction_a_sub_dependency_made_is_ended_too(
    route_client: TestClient, database: Database, context_headers: Callable[..., dict[str, str]], kind: str
) -> None:
    """The route class ends every tenant transaction of the request, also one that a dependency of a dependency
    made (the route does not take the tenant itself): committed when the route returns, rolled back when it raises,
    and never left open (an open one would hold the chain head's lock and stop every later append)."""
    headers = context_headers(gemeente=AMSTERDAM)
    assert route_client.post(f"{PREFIX}/test/sub-{kind}", headers=headers).status_code == 204
    assert _entries(database) == 1
    if kind == "async":
        failed = route_client.post(f"{PREFIX}/test/sub-async-fails", headers=headers)
        assert failed.status_code == 400
        assert _entries(database) == 1
    # A later append of the same gemeente is not blocked by a transaction left open.
    assert route_client.post(f"{PREFIX}/test/{kind}", headers=headers).status_code == 204
    assert _entries(database) == 2

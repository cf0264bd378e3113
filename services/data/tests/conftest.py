"""Fixtures of the data service tests: a migrated database on SQLite and (when GBI_TEST_DATABASE_URL is set) on
PostgreSQL, an app built with explicit settings, and real signed GBI-Context headers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Connection, create_engine, text

from gbi_data.app import create_app
from gbi_data.database import Database, normalise_url
from gbi_data.migrate import upgrade
from gbi_data.settings import DataSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, RequestContext
from gbi_testing import ec_pem_pair

PG_ENV = "GBI_TEST_DATABASE_URL"
PG_SKIP_REASON = f"{PG_ENV} is not set: the PostgreSQL variant needs a server (CI sets it)"
ISSUER = "gbi-gateway"
AUDIENCE = "gbi-services"
AMSTERDAM = "0363"
ROTTERDAM = "0599"
# Valid (elfproef) test BSNs.
BSN_A = "999993653"
BSN_B = "999990019"


def _pem_pair() -> tuple[str, str]:
    return ec_pem_pair()


@pytest.fixture(scope="session")
def context_keys() -> tuple[str, str]:
    """The gateway's EC P-256 key pair (private PEM, public PEM)."""
    return _pem_pair()


@pytest.fixture(scope="session")
def signer(context_keys: tuple[str, str]) -> ContextSigner:
    return ContextSigner(context_keys[0], issuer=ISSUER, audience=AUDIENCE)


def _postgres_schema_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP_REASON)
    url = normalise_url(base)
    schema = f"gbi_data_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        # Each test gets its own schema, so runs (and other users of the same database) never collide.
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a temporary SQLite file, or a fresh schema on the PostgreSQL of GBI_TEST_DATABASE_URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'gbi.db'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema on the PostgreSQL of GBI_TEST_DATABASE_URL (skips without it), for PostgreSQL-only tests."""
    yield from _postgres_schema_url()


@pytest.fixture
def settings(database_url: str, context_keys: tuple[str, str]) -> DataSettings:
    return make_settings(database_url, context_keys[1])


def make_settings(database_url: str, context_public_key: str) -> DataSettings:
    return DataSettings(
        database_url=database_url,
        environment="test",
        context_public_key=SecretStr(context_public_key),
        context_issuer=ISSUER,
        context_audience=AUDIENCE,
        audit_pseudonym_key=SecretStr("test-pseudonym-key-0123456789abcdef"),
        log_json=False,
        log_level="WARNING",
    )


@pytest.fixture
def migrated(settings: DataSettings) -> DataSettings:
    """``settings`` of a database at head, seeded."""
    upgrade(settings)
    return settings


@pytest.fixture
def database(migrated: DataSettings) -> Iterator[Database]:
    db = Database(migrated)
    yield db
    db.dispose()


@pytest.fixture
def client(migrated: DataSettings) -> Iterator[TestClient]:
    with TestClient(create_app(migrated)) as test_client:
        yield test_client


ContextHeaders = Callable[..., dict[str, str]]


@pytest.fixture
def context_headers(signer: ContextSigner) -> ContextHeaders:
    """Build signed GBI-Context headers: ``context_headers(gemeente="0363", roles=("auditor",))``."""

    def build(
        *,
        actor_id: str = "medewerker-1",
        actor_type: ActorType = ActorType.MEDEWERKER,
        gemeente: str | None = AMSTERDAM,
        roles: tuple[str, ...] = ("klantmanager",),
        bsn: str | None = None,
        purpose: str = "participatiewet",
        via: str | None = "gbi-interaction",
    ) -> dict[str, str]:
        ctx = RequestContext(
            actor_id=actor_id,
            actor_type=actor_type,
            roles=frozenset(roles),
            gemeente=gemeente,
            bsn=bsn,
            purpose=purpose,
            via=via,
        )
        return {CONTEXT_HEADER: signer.sign(ctx)}

    return build


@pytest.fixture
def owner_sql(migrated: DataSettings) -> Iterator[Callable[..., Any]]:
    """Run SQL as the login role (the table owner; what an intruder with database access could do), bound to a
    gemeente so FORCE'd row-level security lets a non-superuser owner through too."""
    engine = create_engine(normalise_url(migrated.database_url))

    def run(sql: str, gemeente: str = AMSTERDAM, **params: Any) -> list[Any]:
        with engine.begin() as connection:
            _bind(connection, gemeente)
            result = connection.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []

    yield run
    engine.dispose()


def _bind(connection: Connection, gemeente: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT set_config('gbi.gemeente', :g, true)"), {"g": gemeente})

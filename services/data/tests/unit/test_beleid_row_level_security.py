"""PostgreSQL row-level security and grants on the policy versions: a transaction sees only its own gemeente's
versions (none without the tenant setting), cannot write another gemeente's, and cannot rewrite or delete a
version: policy history is append-only for the application role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from gbi_data import repository
from gbi_data.database import Database
from gbi_data.migrate import upgrade
from gbi_data.models import Beleidsversie
from gbi_data.settings import DataSettings

pytestmark = pytest.mark.postgres

AMSTERDAM = "0363"
ROTTERDAM = "0599"


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    settings = DataSettings(database_url=postgres_url, environment="test")
    upgrade(settings)
    database = Database(settings)
    yield database
    database.dispose()


def _count(database: Database, gemeente: str | None) -> int:
    with database.transaction(gemeente=gemeente) as session:
        return int(session.scalar(select(func.count()).select_from(Beleidsversie)) or 0)


def _row(gemeente: str, versie: int = 2) -> Beleidsversie:
    return Beleidsversie(
        id=uuid.uuid4(),
        gemeente=gemeente,
        onderwerp="vakantiegeld",
        versie=versie,
        geldig_vanaf=date(2026, 5, 1),
        inhoud={"uitbetalingsmaand": 5},
        toelichting="test",
        created_by="test",
    )


def test_each_gemeente_sees_only_its_own_versions(pg: Database) -> None:
    assert _count(pg, None) == 0
    assert _count(pg, AMSTERDAM) == 4
    assert _count(pg, ROTTERDAM) == 4
    with pg.transaction(gemeente=AMSTERDAM) as session:
        # Even a query for Rotterdam's rows by name finds nothing.
        assert repository.list_beleidsversies(session, ROTTERDAM, "bijzondere-bijstand") == []


def test_the_app_role_appends_for_its_own_gemeente_only(pg: Database) -> None:
    with pg.transaction(gemeente=ROTTERDAM) as session:
        assert repository.add_beleidsversie(session, _row(ROTTERDAM))
    assert _count(pg, ROTTERDAM) == 5

    def store_for_rotterdam() -> None:
        with pg.transaction(gemeente=AMSTERDAM) as session:
            session.add(_row(ROTTERDAM, versie=3))

    with pytest.raises(ProgrammingError, match="row-level security"):
        store_for_rotterdam()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE beleidsversies SET toelichting = 'herschreven'",
        "DELETE FROM beleidsversies",
    ],
)
def test_the_app_role_cannot_rewrite_or_delete_a_version(pg: Database, statement: str) -> None:
    with pytest.raises(DBAPIError, match="permission denied"), pg.transaction(gemeente=AMSTERDAM) as session:
        session.execute(text(statement))


def test_the_same_version_number_twice_is_refused(pg: Database) -> None:
    with pg.transaction(gemeente=AMSTERDAM) as session:
        assert repository.add_beleidsversie(session, _row(AMSTERDAM, versie=2))
        assert not repository.add_beleidsversie(session, _row(AMSTERDAM, versie=2))
    assert _count(pg, AMSTERDAM) == 5

"""PostgreSQL: the data service's pool keeps the connections a burst opened, up to size + overflow (the replica's
connection budget, docs/operations.md), instead of closing each overflow connection at its checkin and opening it
again at the next burst (ADR 0032)."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from sqlalchemy import text

from gbi_data.database import Database
from gbi_data.settings import DataSettings


@pytest.mark.postgres
def test_a_burst_s_connections_stay_in_the_pool_up_to_size_plus_overflow(postgres_url: str) -> None:
    settings = DataSettings(
        database_url=postgres_url, environment="test", database_pool_size=1, database_max_overflow=2
    )
    db = Database(settings)
    try:

        def burst() -> set[int]:
            with ExitStack() as stack:
                sessions = [stack.enter_context(db.transaction(gemeente=None)) for _ in range(3)]
                return {s.execute(text("SELECT pg_backend_pid()")).scalar_one() for s in sessions}

        first = burst()
        assert len(first) == 3
        assert db.engine.pool.checkedin() == 3  # all three kept, none closed at its checkin
        assert burst() == first  # the next burst uses the same server processes: nothing opened anew
        assert db.max_connections == 3
    finally:
        db.dispose()

"""The population generator's BSNs: every client has its own, valid (elfproef) BSN, the same per seed, and
populations of seeds that differ modulo 16 do not share BSNs (issue 8: 200,000 clients had 183,636 distinct BSNs)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from gbi_data.betaalrun.generator import BSN_SLOTS, Populatie, bsns, elfproef, genereer, rijen
from gbi_data.database import normalise_url
from gbi_data.settings import DataSettings


def test_the_elfproef_accepts_valid_and_refuses_invalid_bsns() -> None:
    assert elfproef("999993653")  # a BRP test person
    assert elfproef("111222333")
    assert not elfproef("999993654")
    assert not elfproef("12345678")
    assert not elfproef("12345678a")


def test_500000_bsns_of_one_seed_are_distinct_valid_and_disjoint_from_the_next_seed() -> None:
    n = 500_000
    eerste = list(itertools.islice(bsns(3), n))
    assert len(eerste) == n
    assert len(set(eerste)) == n
    assert all(elfproef(b) for b in eerste)
    assert all(b.startswith("9") and not b.startswith("99") for b in eerste)  # never a 99xxxxxxx test person
    assert eerste == list(itertools.islice(bsns(3 + BSN_SLOTS), n))  # the seed's slot: deterministic
    volgende = set(itertools.islice(bsns(4), n))
    assert not volgende & set(eerste)


def test_a_population_has_unique_bsns_in_every_gemeente_and_the_same_ones_for_the_same_seed() -> None:
    p = Populatie(30_000, ("0363", "0599", "0518"), seed=11, start=date(2026, 7, 1))
    clients = [(c["gemeente"], c["bsn"]) for c in rijen(p)]
    assert len(clients) == 30_000
    dubbel = [b for b, k in Counter(b for _, b in clients).items() if k > 1]
    assert dubbel == []
    assert all(elfproef(b) for _, b in clients)
    assert [b for _, b in clients[:50]] == [c["bsn"] for c in itertools.islice(rijen(p), 50)]


def test_the_population_is_written_whole_and_a_failed_write_stops_the_generator_with_its_error(
    migrated: DataSettings,
) -> None:
    """Batches are written by a thread of their own: every row arrives, and when a write fails the error of the
    database reaches the caller (no hang, no half-silent success)."""
    p = Populatie(2_500, ("0363", "0599"), seed=5, start=date(2026, 7, 1))
    totals = genereer(migrated, p, batch=1_000)
    assert totals["aanvragen"] == totals["uitkeringen"] == totals["uitkering_grondslagen"] == 2_500
    engine = create_engine(normalise_url(migrated.database_url))
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM uitkering_grondslagen")).scalar_one() == 2_500
    # The same population again: its ids exist, so the first batch's write fails on the primary key.
    with pytest.raises((IntegrityError, psycopg.errors.IntegrityError)):  # SQLite's via SQLAlchemy; COPY's
        genereer(migrated, p, batch=1_000)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM uitkeringen")).scalar_one() == 2_500  # nothing added
    engine.dispose()

"""The population generator's BSNs: every client has its own, valid (elfproef) BSN, the same per seed, and
populations of seeds that differ modulo 16 do not share BSNs (issue 8: 200,000 clients had 183,636 distinct BSNs)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date

from gbi_data.betaalrun.generator import BSN_SLOTS, Populatie, bsns, elfproef, rijen


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

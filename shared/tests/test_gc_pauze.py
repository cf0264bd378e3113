"""The collector's pause (gbi_shared.gc_pauze): nested and overlapping pauses, and the cycles of overlapping
pauses collected as an enabled collector would."""

from __future__ import annotations

import gc
import weakref

from gbi_shared.gc_pauze import gc_gepauzeerd


class _Knoop:
    def __init__(self) -> None:
        self.zelf = self  # a reference cycle: only the cyclic collector frees it


def test_the_collector_is_enabled_again_when_the_last_pause_ends() -> None:
    assert gc.isenabled()
    with gc_gepauzeerd():
        assert not gc.isenabled()
        with gc_gepauzeerd():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_that_ends_while_another_holds_the_collector_collects_its_cycles() -> None:
    """Pauses that keep overlapping would hold the collector off for good: the cycles left by a block are collected
    when it ends, once the young generation is over its threshold, though another pause still runs."""
    gc.collect()
    with gc_gepauzeerd(inhalen=True):  # another render, still running
        with gc_gepauzeerd(inhalen=True):
            knoop = weakref.ref(_Knoop())
            rommel = [_Knoop() for _ in range(gc.get_threshold()[0] * 2)]  # over the young generation's threshold
            del rommel
            assert knoop() is not None  # kept alive by its cycle, the collector being paused
        assert not gc.isenabled()
        assert knoop() is None  # collected when the inner pause ended
    assert gc.isenabled()


def test_a_pause_under_its_threshold_collects_nothing_while_another_holds_the_collector() -> None:
    gc.collect()
    with gc_gepauzeerd(inhalen=True):
        with gc_gepauzeerd(inhalen=True):
            knoop = weakref.ref(_Knoop())
        assert knoop() is not None
    gc.collect()
    assert knoop() is None


def test_a_bulk_pause_nested_in_its_request_catches_up_on_nothing() -> None:
    """A household batch or payment-run chunk ends inside its request's own pause: its live working set is the young
    generation, so it asks for no catching up, whatever the counts."""
    gc.collect()
    with gc_gepauzeerd():  # the request's pause
        with gc_gepauzeerd():  # the batch's
            knoop = weakref.ref(_Knoop())
            rommel = [_Knoop() for _ in range(gc.get_threshold()[0] * 2)]
            del rommel
        assert knoop() is not None
    gc.collect()
    assert knoop() is None


def test_no_pause_catches_up_while_a_bulk_job_holds_the_collector() -> None:
    """A render that ends during a payment-run chunk leaves the chunk's working set alone: nothing is collected."""
    gc.collect()
    with gc_gepauzeerd():  # a bulk job, still running
        with gc_gepauzeerd(inhalen=True):  # a render overlapping it
            knoop = weakref.ref(_Knoop())
            rommel = [_Knoop() for _ in range(gc.get_threshold()[0] * 2)]
            del rommel
        assert knoop() is not None
    gc.collect()
    assert knoop() is None

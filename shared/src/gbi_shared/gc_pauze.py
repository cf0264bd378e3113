"""Pausing Python's cyclic garbage collector while a bulk job runs.

A bulk path that builds no reference cycles is freed by reference counting alone; the cyclic collector would only
rescan its growing heap again and again (more than half the time of a 10,000-household batch in the domain layer,
~8% of writing a SEPA file of 110,000 payments in the integration layer). Pauses nest and may overlap between
threads: the collector is enabled again when the last pause ends, and only if it was enabled when the first began.
Pauses that keep overlapping (beschikking renders on a busy domain's threads) could hold it off for good while the
cycles each leaves pile up: a pause opened with ``inhalen=True`` collects, when it ends while others still hold the
collector, each generation the collector would have collected by now (its counts over their thresholds). Bulk jobs
(a household batch, a payment-run chunk, nested in their request's pause) do not ask for it: for them the young
generation is their whole live working set, and the collector is enabled again when the request ends; while one
runs, no pause catches up (that would rescan the bulk job's working set).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["freeze_startup_heap", "gc_gepauzeerd"]

_slot = threading.Lock()
_pauzes = 0
_bulk = 0  # of them, the pauses that do not catch up (a bulk job's working set is in the young generation)
_was_aan = False


@contextmanager
def gc_gepauzeerd(*, inhalen: bool = False) -> Iterator[None]:
    """Run the block with the cyclic garbage collector disabled (reference counting still frees memory); with
    ``inhalen``, catch up on the collections due when the block ends while other pauses still hold the collector."""
    global _pauzes, _bulk, _was_aan
    with _slot:
        if _pauzes == 0:
            _was_aan = gc.isenabled()
            gc.disable()
        _pauzes += 1
        _bulk += not inhalen
    try:
        yield
    finally:
        with _slot:
            _pauzes -= 1
            _bulk -= not inhalen
            # only among pauses that catch up: a collection now would rescan a running bulk job's whole working set
            achterstand = inhalen and _pauzes > 0 and _bulk == 0 and _was_aan
            if _pauzes == 0 and _was_aan:
                gc.enable()
        if achterstand:
            _verzamel_achterstand()


def _verzamel_achterstand() -> None:
    """Collect what an enabled collector would have: the oldest generation whose count is over its threshold
    (with the younger ones), as the collector decides after an allocation."""
    tellingen, drempels = gc.get_count(), gc.get_threshold()
    for generatie in (2, 1, 0):
        if drempels[generatie] and tellingen[generatie] > drempels[generatie]:
            gc.collect(generatie)
            return


async def freeze_startup_heap(_app: object) -> None:
    """A start-up hook: move what start-up built (modules, routes, schemas, models) out of the cyclic collector's
    reach, so that a full collection walks only what requests made. Reference counting still frees those objects;
    only a cycle among them would outlive its use."""
    gc.collect()
    gc.freeze()

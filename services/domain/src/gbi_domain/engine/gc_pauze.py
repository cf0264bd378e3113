"""Pausing Python's cyclic garbage collector while a batch runs.

The engine and the batch path build no reference cycles, so reference counting frees everything; the cyclic
collector would only rescan the growing heap of a batch again and again (it took more than half the time of a
10,000-household batch request). Pauses nest and may overlap between threads: the collector is enabled again
when the last pause ends, and only if it was enabled when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_gepauzeerd"]

_slot = threading.Lock()
_pauzes = 0
_was_aan = False


@contextmanager
def gc_gepauzeerd() -> Iterator[None]:
    """Run the block with the cyclic garbage collector disabled (reference counting still frees memory)."""
    global _pauzes, _was_aan
    with _slot:
        if _pauzes == 0:
            _was_aan = gc.isenabled()
            gc.disable()
        _pauzes += 1
    try:
        yield
    finally:
        with _slot:
            _pauzes -= 1
            if _pauzes == 0 and _was_aan:
                gc.enable()

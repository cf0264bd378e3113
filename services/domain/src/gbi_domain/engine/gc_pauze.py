"""Pausing Python's cyclic garbage collector while a batch runs: :mod:`gbi_shared.gc_pauze` (the integration layer
pauses it the same way while it writes a payment file)."""

from __future__ import annotations

from gbi_shared.gc_pauze import gc_gepauzeerd

__all__ = ["gc_gepauzeerd"]

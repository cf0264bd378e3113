"""The payment run (betaalrun) transaction of the process layer: its worker and its routes."""

from gbi_process.betaalrun.api import internal_router, public_router
from gbi_process.betaalrun.runner import BetaalrunWorker, betaal_run

__all__ = ["BetaalrunWorker", "betaal_run", "internal_router", "public_router"]

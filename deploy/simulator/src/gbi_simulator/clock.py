"""The simulator's day: the real date in the Netherlands, or a date a test has set."""

from __future__ import annotations

import threading
from datetime import date

from gbi_shared.tijd import vandaag_nl

__all__ = ["Clock"]


class Clock:
    """Today's date for the simulated outside world (ages in the BRP); tests and e2e suites can move it."""

    def __init__(self, fixed: date | None = None) -> None:
        self._fixed = fixed
        self._lock = threading.Lock()

    def today(self) -> date:
        fixed = self._fixed
        return fixed if fixed is not None else vandaag_nl()

    @property
    def fixed(self) -> date | None:
        return self._fixed

    def set(self, day: date | None) -> None:
        """Fix the date (``None`` returns to the real date)."""
        with self._lock:
            self._fixed = day

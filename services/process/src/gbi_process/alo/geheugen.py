"""What this process read or registered for a case moments ago, for the next step of the same case (ADR 0031).

- **The BRP household of the aanvrager.** A citizen's submission reads it (the woonplaatsbeginsel), then
  ``zoektermijn.bepalen`` (the age on the melding) and ``bronnen.ophalen`` (the household the calculation is made on)
  need it again, normally seconds later in the first run of the case. A household read for this aanvraag is used
  again instead of a new read **only while it is at most** :data:`HUISHOUDEN_HOUDBAAR` **old on both clocks**: on the
  case's clock (the data service's, which tests move: a zoektermijn of four weeks always ends in a fresh read) and on
  this process's monotonic clock (real time). Otherwise, and whenever this process does not hold it (another
  replica, a restart), the BRP is asked again. The household recorded with the sources (``feit.bronnen``) keeps the
  moment the BRP actually answered (``bron.opgevraagdOp``).

Bounded (least recently used out) and kept in memory only: nothing here is needed for correctness, a miss asks
again, and a retried step on any replica finds the same results through the idempotent calls it replaces.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from gbi_shared.contracts.huishouden import Huishouden

__all__ = ["HUISHOUDEN_HOUDBAAR", "Casusgeheugen"]

#: How old a household read may be to stand in for a new read for a later step of the same aanvraag.
HUISHOUDEN_HOUDBAAR = timedelta(minutes=5)
_MAX_ENTRIES = 4096


class Casusgeheugen:
    def __init__(
        self,
        *,
        houdbaar: timedelta = HUISHOUDEN_HOUDBAAR,
        max_entries: int = _MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.houdbaar = houdbaar
        self._max = max_entries
        self._clock = clock
        self._items: OrderedDict[tuple[Any, ...], tuple[float, datetime | None, Any]] = OrderedDict()

    def _put(self, key: tuple[Any, ...], moment: datetime | None, value: Any) -> None:
        self._items[key] = (self._clock(), moment, value)
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    def _get(self, key: tuple[Any, ...], nu: datetime | None) -> Any | None:
        item = self._items.get(key)
        if item is None:
            return None
        stored, moment, value = item
        fresh = self._clock() - stored <= self.houdbaar.total_seconds()
        if fresh and nu is not None and moment is not None:
            fresh = abs(nu - moment) <= self.houdbaar
        if not fresh:
            del self._items[key]
            return None
        return value

    # --- the BRP household --------------------------------------------------------------------------------------

    def onthoud_huishouden(self, aanvraag_id: uuid.UUID, huishouden: Huishouden, gelezen_op: datetime) -> None:
        """The household read for this aanvraag at ``gelezen_op`` on the case's clock."""
        self._put(("huishouden", aanvraag_id), gelezen_op, huishouden)

    def huishouden(self, aanvraag_id: uuid.UUID, bsn: str, gemeente: str, nu: datetime) -> Huishouden | None:
        """The household read for this aanvraag, when it is fresh enough at ``nu`` (case clock) and is the one of
        this aanvrager in this gemeente; None otherwise (ask the BRP)."""
        found = self._get(("huishouden", aanvraag_id), nu)
        if not isinstance(found, Huishouden) or found.aanvrager.bsn != bsn or found.gemeente != gemeente:
            return None
        return found

    def __len__(self) -> int:
        return len(self._items)

"""Dutch legal time, in one place: the law's days (zoektermijn, hersteltermijn, ingangsdatum, the 8 weeks) are
calendar days in the Netherlands, not in UTC. Between 00:00 and 01:00 (02:00 in summer) the two dates differ; a
status moment sent in UTC once fell on "yesterday" and a zaaksysteem refused it (session 3's midnight bug)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

__all__ = ["NL", "nl_datum", "vandaag_nl"]

#: The Netherlands' time zone (CET/CEST).
NL: Final = ZoneInfo("Europe/Amsterdam")


def vandaag_nl() -> date:
    """Today's date in the Netherlands."""
    return datetime.now(NL).date()


def nl_datum(moment: datetime) -> date:
    """The Dutch calendar date of an aware ``moment``."""
    return moment.astimezone(NL).date()

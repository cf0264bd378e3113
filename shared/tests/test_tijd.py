"""Dutch legal time: the calendar day in the Netherlands, in winter (CET) and summer (CEST), around midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime

from gbi_shared.tijd import NL, nl_datum, vandaag_nl


def test_the_dutch_date_runs_ahead_of_utc_in_the_first_hour_of_the_day_in_winter_and_two_in_summer() -> None:
    assert nl_datum(datetime(2026, 1, 14, 22, 59, tzinfo=UTC)) == date(2026, 1, 14)
    assert nl_datum(datetime(2026, 1, 14, 23, 0, tzinfo=UTC)) == date(2026, 1, 15)  # 00:00 CET
    assert nl_datum(datetime(2026, 7, 14, 21, 59, tzinfo=UTC)) == date(2026, 7, 14)
    assert nl_datum(datetime(2026, 7, 14, 22, 0, tzinfo=UTC)) == date(2026, 7, 15)  # 00:00 CEST


def test_today_is_the_date_in_the_netherlands_now() -> None:
    voor = datetime.now(NL).date()
    vandaag = vandaag_nl()
    assert vandaag in (voor, datetime.now(NL).date())  # the same, unless midnight passed between the two reads
    assert NL.key == "Europe/Amsterdam"

"""Calendar arithmetic for legal dates: ages, anniversaries and periods in months.

Convention (one place, used everywhere): adding whole months keeps the day of the month; when that day does
not exist in the target month (a birthday on 29 February in a common year, 67 years and 3 months after
30 November), the date rolls over to the first day of the next month. So someone born on 29 February turns 21
on 1 March in a common year, and a six-month period from 31 August ends (exclusive) on 1 March.
"""

from __future__ import annotations

from datetime import date

__all__ = ["dagen_in_maand", "grensdatum_leeftijd", "grensdatum_maanden", "leeftijd_bereikt", "plus_maanden"]

_DAGEN = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def dagen_in_maand(jaar: int, maand: int) -> int:
    """Number of days in the month (Gregorian calendar)."""
    if maand == 2 and jaar % 4 == 0 and (jaar % 100 != 0 or jaar % 400 == 0):
        return 29
    return _DAGEN[maand - 1]


def plus_maanden(datum: date, maanden: int) -> date:
    """``datum`` plus ``maanden`` calendar months; a day past the end of the month rolls to the 1st of the next."""
    totaal = datum.year * 12 + (datum.month - 1) + maanden
    jaar, maand0 = divmod(totaal, 12)
    maand = maand0 + 1
    if datum.day <= 28 or datum.day <= dagen_in_maand(jaar, maand):
        return date(jaar, maand, datum.day)
    if maand == 12:
        return date(jaar + 1, 1, 1)
    return date(jaar, maand + 1, 1)


def grensdatum_maanden(peildatum: date, maanden: int) -> date:
    """The latest birth date ``b`` with ``plus_maanden(b, maanden) <= peildatum``.

    Computed once per peildatum, it turns "has this person reached that age" into one date comparison.
    """
    totaal = peildatum.year * 12 + (peildatum.month - 1) - maanden
    jaar, maand0 = divmod(totaal, 12)
    laatste_dag = dagen_in_maand(jaar, maand0 + 1)
    return date(jaar, maand0 + 1, min(peildatum.day, laatste_dag))


def grensdatum_leeftijd(peildatum: date, jaren: int) -> date:
    """The latest birth date of someone who is ``jaren`` years or older on ``peildatum``."""
    return grensdatum_maanden(peildatum, 12 * jaren)


def leeftijd_bereikt(geboortedatum: date, jaren: int, peildatum: date) -> bool:
    """Whether someone born on ``geboortedatum`` is ``jaren`` years or older on ``peildatum``."""
    return geboortedatum <= grensdatum_leeftijd(peildatum, jaren)

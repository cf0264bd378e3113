"""Domain errors of the GBI domain layer.

The engine raises only these; the HTTP layer maps them onto the shared problem+json tree::

    DomainError                  base of every error the domain layer raises on purpose
    +-- NotFoundError            a rule, norm category or parameter is unknown, or not known on the peildatum
    |                            (the system never falls back to an older or newer amount)     -> 404 / 422
    +-- InvalidInputError        the input cannot be decided on; ``field`` names the offending field as a
        |                        dotted path (``aanvrager.geboortedatum``, ``inkomsten[2].nettoPerMaand``) -> 400
        +-- UndecidableError     the input is valid, but the law asks for a judgement the engine must not
                                 make on its own (for example art. 24 Pw, a spouse without right); the case
                                 goes to a caseworker (warm task)                              -> 422

Errors are plain values: they carry a machine-readable ``code`` and Dutch text for the citizen and caseworker.
"""

from __future__ import annotations

from datetime import date

__all__ = ["DomainError", "InvalidInputError", "NotFoundError", "UndecidableError"]


class DomainError(Exception):
    """Base of every error the domain layer raises on purpose."""

    code: str = "domeinfout"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DomainError):
    """A rule, norm category or parameter is unknown, or has no value on the peildatum.

    ``subject`` is what was looked for (``normcategorie``, ``parameter``), ``key`` the key, ``peildatum`` the
    date of the lookup (``None`` when the key itself is unknown).
    """

    code = "niet-gevonden"

    def __init__(self, subject: str, key: str, peildatum: date | None, message: str) -> None:
        super().__init__(message)
        self.subject = subject
        self.key = key
        self.peildatum = peildatum


class InvalidInputError(DomainError):
    """The input cannot be decided on. ``field`` is the dotted path of the field, ``reason`` says why."""

    code = "ongeldige-invoer"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UndecidableError(InvalidInputError):
    """Valid input for which the law requires a human judgement; never guessed by the engine."""

    code = "niet-automatisch-beslisbaar"

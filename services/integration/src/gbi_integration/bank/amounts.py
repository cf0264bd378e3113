"""Money as integer euro cents, rendered and parsed exactly (never through float)."""

from __future__ import annotations

import re

__all__ = ["MAX_AMOUNT_CENTS", "format_cents", "parse_amount"]

MAX_AMOUNT_CENTS = 99_999_999_999
"""The largest amount of one SEPA credit transfer: EUR 999,999,999.99 (EPC rulebook)."""

_PLAIN = re.compile(r"([0-9]{1,15})\.([0-9]{2})")
# The lexical space of xs:decimal.
_XS_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")


def format_cents(cents: int, *, decimal_separator: str = ".") -> str:
    """``123456`` -> ``"1234.56"``; ``-5`` -> ``"-0.05"``. No thousands separator."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole}{decimal_separator}{fraction:02d}"


def parse_amount(text: str) -> int:
    """Parse an xs:decimal amount into cents. Raise ``ValueError`` when it is not a decimal or not a whole number
    of cents (``"1.005"``); trailing zeros are fine (``"1.50"``, ``"1.500"``, ``"2"``)."""
    plain = _PLAIN.fullmatch(text)
    if plain is not None:  # the usual form, 1234.56
        return int(plain[1]) * 100 + int(plain[2])
    match = _XS_DECIMAL.fullmatch(text.strip())
    if match is None or not (match[2] or match[3]):
        raise ValueError(f"geen decimaal bedrag: {text!r}")
    sign, whole, fraction = match[1], match[2] or "0", (match[3] or "").rstrip("0")
    if len(fraction) > 2:
        raise ValueError(f"bedrag is geen geheel aantal centen: {text!r}")
    cents = int(whole) * 100 + int(fraction.ljust(2, "0"))
    return -cents if sign == "-" else cents

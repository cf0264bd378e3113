"""Money and percentages as integers: amounts in euro cents, percentages in basis points (1% = 100).

No float ever touches an amount. Rounding is explicit and named after the :mod:`decimal` mode it equals:
``ROUND_HALF_UP`` (half a cent away from zero, as the published SZW tables do) or ``ROUND_CEILING``.
"""

from __future__ import annotations

import re

__all__ = [
    "BASISPUNTEN_PER_PROCENT",
    "format_bedrag",
    "format_pct",
    "parse_bedrag",
    "parse_pct",
    "pct_van_afgerond",
    "pct_van_naar_boven",
    "rond_half_op",
]

BASISPUNTEN_PER_PROCENT = 100
_HONDERD_PROCENT = 100 * BASISPUNTEN_PER_PROCENT

# ``fullmatch``: ``$`` would also match before a trailing newline ("1.00\n"), which the contracts refuse.
_BEDRAG = re.compile(r"(0|[1-9][0-9]{0,11})\.([0-9]{2})", re.ASCII)
_PCT = re.compile(r"(0|[1-9][0-9]{0,3})(?:\.([0-9]{1,2}))?", re.ASCII)


def parse_bedrag(tekst: str) -> int:
    """``"1401.50"`` -> ``140150`` cents. Exactly two decimals, no sign, no thousands separator."""
    if type(tekst) is str:  # the common case without a regular expression (the payment run reads 100,000s)
        heel, punt, cent = tekst.partition(".")
        if (
            punt
            and len(cent) == 2
            and 0 < len(heel) <= 12
            and tekst.isascii()
            and heel.isdigit()
            and cent.isdigit()
            and (heel[0] != "0" or heel == "0")
        ):
            return int(heel) * 100 + int(cent)
    m = _BEDRAG.fullmatch(tekst)
    if m is None:
        raise ValueError(f"geen bedrag met precies twee decimalen: {tekst!r}")
    return int(m.group(1)) * 100 + int(m.group(2))


def format_bedrag(centen: int) -> str:
    """``140150`` -> ``"1401.50"``; negative amounts get a leading minus sign."""
    if centen < 0:
        return "-" + format_bedrag(-centen)
    return f"{centen // 100}.{centen % 100:02d}"


def parse_pct(tekst: str) -> int:
    """``"12.5"`` -> ``1250`` basis points. At most two decimals, no sign."""
    m = _PCT.fullmatch(tekst)
    if m is None:
        raise ValueError(f"geen percentage (hoogstens twee decimalen): {tekst!r}")
    fractie = (m.group(2) or "").ljust(2, "0")
    return int(m.group(1)) * BASISPUNTEN_PER_PROCENT + int(fractie)


def format_pct(basispunten: int) -> str:
    """``1250`` -> ``"12.5"``, ``500`` -> ``"5"``."""
    heel, rest = divmod(basispunten, BASISPUNTEN_PER_PROCENT)
    if rest == 0:
        return str(heel)
    return f"{heel}.{rest:02d}".rstrip("0")


def rond_half_op(teller: int, noemer: int) -> int:
    """``teller / noemer`` rounded to an integer with ``ROUND_HALF_UP`` (ties away from zero); ``noemer > 0``."""
    if teller < 0:
        return -((-teller * 2 + noemer) // (2 * noemer))
    return (teller * 2 + noemer) // (2 * noemer)


def pct_van_afgerond(centen: int, basispunten: int) -> int:
    """``basispunten`` of ``centen``, rounded to whole cents with ``ROUND_HALF_UP``."""
    return rond_half_op(centen * basispunten, _HONDERD_PROCENT)


def pct_van_naar_boven(centen: int, basispunten: int) -> int:
    """``basispunten`` of ``centen``, rounded up to whole cents (``ROUND_CEILING``)."""
    return -((-centen * basispunten) // _HONDERD_PROCENT)

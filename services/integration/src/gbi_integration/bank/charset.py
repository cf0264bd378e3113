"""The SEPA (EPC) Latin character set and transliteration into it.

SEPA credit transfers carry names and remittance text in the basic Latin set of the EPC implementation guidelines::

    a-z A-Z 0-9 / - ? : ( ) . , ' + and space

Banks reject or garble anything else, so text is transliterated before it goes into a pain.001 file: accents are
dropped (é -> e, Ç -> C), ligatures and letters without a decomposition are spelled out (ß -> ss, æ -> ae,
ø -> o, ł -> l, ĳ -> ij), typographic quotes and dashes become their ASCII forms, & becomes +, and what is left
outside the set is removed. Runs of whitespace collapse to one space.

Identifiers (message id, payment information id, end-to-end id) must be in the same set, must not start or end
with ``/`` and must not contain ``//``; they are validated, never transliterated, because changing an id breaks
traceability.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["CLEAN_TEXT", "IDENTIFIER_35", "SEPA_CHARACTERS", "is_sepa_identifier", "is_sepa_text", "transliterate"]

SEPA_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")

# Fast path: already clean (in the set, single spaces, no leading or trailing space).
CLEAN_TEXT = re.compile(r"[A-Za-z0-9/\-?:().,'+]+(?: [A-Za-z0-9/\-?:().,'+]+)*")
# 1..35 characters, none of them / or space at the start, no / or space at the end, no //. ``is_sepa_identifier``
# also takes other maximum lengths; this pattern is the fast check for the 35 of every SEPA id.
IDENTIFIER_35 = re.compile(r"(?![ /])(?!.*//)[A-Za-z0-9/\-?:().,'+ ]{0,34}[A-Za-z0-9\-?:().,'+]")
_IDENTIFIER = re.compile(r"(?![ /])(?!.*//)[A-Za-z0-9/\-?:().,'+ ]*[A-Za-z0-9\-?:().,'+]")
_OUTSIDE = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]+")
_SPACES = re.compile(r" {2,}")

_SPECIAL: dict[int, str] = {
    ord(k): v
    for k, v in {
        "ß": "ss",
        "ẞ": "SS",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ð": "D",
        "ð": "d",
        "Þ": "TH",
        "þ": "th",
        "Ħ": "H",
        "ħ": "h",
        "ı": "i",
        "ĸ": "k",
        "Ŋ": "N",
        "ŋ": "n",
        "ſ": "s",
        "&": "+",
        "_": "-",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "`": "'",
        "´": "'",
        '"': "'",
        "“": "'",
        "”": "'",
        "„": "'",
        "«": "'",
        "»": "'",
        "[": "(",
        "]": ")",
        "{": "(",
        "}": ")",
        "<": "(",
        ">": ")",
        "\\": "/",
        ";": ",",
        "€": "EUR",
        "\t": " ",
        "\n": " ",
        "\r": " ",
        "\v": " ",
        "\f": " ",
        "\u00a0": " ",
        "\u202f": " ",
    }.items()
}


def is_sepa_text(value: str) -> bool:
    """True when ``value`` is non-empty SEPA text: only SEPA characters, single spaces, nothing at the ends."""
    return CLEAN_TEXT.fullmatch(value) is not None


def is_sepa_identifier(value: str, *, max_length: int = 35) -> bool:
    """True when ``value`` is a usable SEPA reference: 1..``max_length`` SEPA characters, no leading or trailing
    space or ``/``, no ``//``."""
    return 0 < len(value) <= max_length and _IDENTIFIER.fullmatch(value) is not None


def transliterate(value: str, *, max_length: int | None = None) -> str:
    """Transliterate ``value`` to the SEPA Latin set (see the module docstring), then cut it to ``max_length``
    characters (at most; trailing space removed). The result may be empty when nothing transliterable is left.
    Text that is already clean is returned as is (the same object)."""
    if CLEAN_TEXT.fullmatch(value) is None:
        text = value.translate(_SPECIAL)
        if not text.isascii():
            # Decompose (é -> e + combining acute, ĳ -> ij, ﬁ -> fi), then drop what is not ASCII: the combining
            # marks, and letters of other scripts that have no Latin form. The map is applied again for the ASCII
            # characters a compatibility decomposition may produce (a fullwidth & becomes &).
            text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").translate(_SPECIAL)
        value = _SPACES.sub(" ", _OUTSIDE.sub("", text)).strip()
    if max_length is not None and len(value) > max_length:
        value = value[:max_length].rstrip()
    return value

"""IBAN (ISO 13616) and BIC (ISO 9362) validation, normalisation, and the BIC of Dutch IBANs.

An IBAN is valid when, after normalisation (whitespace removed, upper case):

- it starts with a country code that the IBAN registry knows, followed by two check digits 02..98;
- it has the registry length of that country and its BBAN has the registry structure (for NL: four letters of
  the bank code and ten digits);
- the ISO 7064 mod 97-10 check holds (country code and check digits moved to the end, letters as 10..35, the
  number modulo 97 is 1).

SEPA credit transfers only reach accounts in the SEPA geographical scope (``SEPA_COUNTRIES``); pass
``sepa=True`` to require that. A BIC is optional in SEPA since 2016 (the IBAN identifies the account); when it is
given it must be a well-formed ISO 9362 BIC (8 or 11 characters). For Dutch IBANs the BIC follows from the bank
code (``bic_for_dutch_iban``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from gbi_integration.bank.errors import InvalidBicError, InvalidIbanError

__all__ = [
    "DUTCH_BANK_BICS",
    "IBAN_LENGTHS",
    "SEPA_COUNTRIES",
    "bic_for_dutch_iban",
    "format_iban",
    "iban_check_digits",
    "iban_problem",
    "is_valid_bic",
    "is_valid_iban",
    "make_iban",
    "normalize_bic",
    "normalize_iban",
    "validate_bic",
    "validate_iban",
]

# BBAN structure per country, from the SWIFT IBAN registry: <length>!<kind> with n = digits, a = upper-case
# letters, c = letters or digits. The IBAN length is 4 (country code and check digits) plus the BBAN length.
_BBAN_STRUCTURE: dict[str, str] = {
    "AD": "4!n4!n12!c",
    "AE": "3!n16!n",
    "AL": "8!n16!c",
    "AT": "5!n11!n",
    "AZ": "4!a20!c",
    "BA": "3!n3!n8!n2!n",
    "BE": "3!n7!n2!n",
    "BG": "4!a4!n2!n8!c",
    "BH": "4!a14!c",
    "BI": "5!n5!n11!n2!n",
    "BR": "8!n5!n10!n1!a1!c",
    "BY": "4!c4!n16!c",
    "CH": "5!n12!c",
    "CR": "4!n14!n",
    "CY": "3!n5!n16!c",
    "CZ": "4!n6!n10!n",
    "DE": "8!n10!n",
    "DJ": "5!n5!n11!n2!n",
    "DK": "4!n9!n1!n",
    "DO": "4!c20!n",
    "EE": "2!n14!n",
    "EG": "4!n4!n17!n",
    "ES": "4!n4!n1!n1!n10!n",
    "FI": "3!n11!n",
    "FK": "2!a12!n",
    "FO": "4!n9!n1!n",
    "FR": "5!n5!n11!c2!n",
    "GB": "4!a6!n8!n",
    "GE": "2!a16!n",
    "GI": "4!a15!c",
    "GL": "4!n9!n1!n",
    "GR": "3!n4!n16!c",
    "GT": "4!c20!c",
    "HN": "4!a20!n",
    "HR": "7!n10!n",
    "HU": "3!n4!n1!n15!n1!n",
    "IE": "4!a6!n8!n",
    "IL": "3!n3!n13!n",
    "IQ": "4!a3!n12!n",
    "IS": "4!n2!n6!n10!n",
    "IT": "1!a5!n5!n12!c",
    "JO": "4!a4!n18!c",
    "KW": "4!a22!c",
    "KZ": "3!n13!c",
    "LB": "4!n20!c",
    "LC": "4!a24!c",
    "LI": "5!n12!c",
    "LT": "5!n11!n",
    "LU": "3!n13!c",
    "LV": "4!a13!c",
    "LY": "3!n3!n15!n",
    "MC": "5!n5!n11!c2!n",
    "MD": "2!c18!c",
    "ME": "3!n13!n2!n",
    "MK": "3!n10!c2!n",
    "MN": "4!n12!n",
    "MR": "5!n5!n11!n2!n",
    "MT": "4!a5!n18!c",
    "MU": "4!a2!n2!n12!n3!n3!a",
    "NI": "4!a20!n",
    "NL": "4!a10!n",
    "NO": "4!n6!n1!n",
    "OM": "3!n16!c",
    "PK": "4!a16!c",
    "PL": "8!n16!n",
    "PS": "4!a21!c",
    "PT": "4!n4!n11!n2!n",
    "QA": "4!a21!c",
    "RO": "4!a16!c",
    "RS": "3!n13!n2!n",
    "RU": "9!n5!n15!c",
    "SA": "2!n18!c",
    "SC": "4!a2!n2!n16!n3!a",
    "SD": "2!n12!n",
    "SE": "3!n16!n1!n",
    "SI": "5!n8!n2!n",
    "SK": "4!n6!n10!n",
    "SM": "1!a5!n5!n12!c",
    "SO": "4!n3!n12!n",
    "ST": "8!n11!n2!n",
    "SV": "4!a20!n",
    "TL": "3!n14!n2!n",
    "TN": "2!n3!n13!n2!n",
    "TR": "5!n1!n16!c",
    "UA": "6!n19!c",
    "VA": "3!n15!n",
    "VG": "4!a16!n",
    "XK": "4!n10!n2!n",
    "YE": "4!a4!n18!c",
}

_KIND = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}
_PART = re.compile(r"(\d+)!([nac])")


@dataclass(frozen=True, slots=True)
class _Country:
    length: int  # of the whole IBAN
    pattern: re.Pattern[str]  # the whole IBAN: country code, two digits, the BBAN structure
    digits_from: int  # the BBAN is digits only from this position on (letters can only come before it)


def _country(code: str, structure: str) -> _Country:
    parts = [(int(n), kind) for n, kind in _PART.findall(structure)]
    assert "".join(f"{n}!{k}" for n, k in parts) == structure, structure
    bban_length = sum(n for n, _ in parts)
    digits_from = bban_length
    for n, kind in reversed(parts):
        if kind != "n":
            break
        digits_from -= n
    regex = code + "[0-9]{2}" + "".join(f"{_KIND[k]}{{{n}}}" for n, k in parts)
    return _Country(4 + bban_length, re.compile(regex), digits_from)


_COUNTRIES: dict[str, _Country] = {code: _country(code, s) for code, s in _BBAN_STRUCTURE.items()}

IBAN_LENGTHS: Mapping[str, int] = MappingProxyType({code: c.length for code, c in _COUNTRIES.items()})
"""The length of an IBAN per country code (SWIFT IBAN registry)."""

SEPA_COUNTRIES: frozenset[str] = frozenset(
    {
        # EU member states
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT"),
        *("LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"),
        # rest of the EEA
        *("IS", "LI", "NO"),
        # non-EEA participants (Gibraltar, Jersey, Guernsey and Man bank with GB or GI IBANs)
        *("AD", "CH", "GB", "GI", "MC", "SM", "VA"),
        # admitted by the EPC in 2024-2025 (Serbia: operational readiness expected in 2026)
        *("AL", "MD", "ME", "MK", "RS"),
    }
)
"""IBAN country codes in the geographical scope of the SEPA schemes (EPC), 41 countries plus Gibraltar. French,
Portuguese, Spanish and Finnish territories use the IBAN of their mother country."""

# Dutch bank codes (positions 5-8 of an NL IBAN) and the BIC of the bank, from the Betaalvereniging list. Only
# banks that hold consumer or government accounts; extend when a gemeente or client banks elsewhere.
DUTCH_BANK_BICS: Mapping[str, str] = MappingProxyType(
    {
        "ABNA": "ABNANL2A",  # ABN AMRO
        "ADYB": "ADYBNL2A",  # Adyen
        "AEGO": "AEGONL2U",  # Aegon Bank (knab)
        "ASNB": "ASNBNL21",  # ASN Bank (de Volksbank)
        "BICK": "BICKNL2A",  # BinckBank
        "BNDA": "BNDANL2A",  # Brand New Day Bank
        "BNGH": "BNGHNL2G",  # BNG Bank (Bank Nederlandse Gemeenten)
        "BUNQ": "BUNQNL2A",  # bunq
        "DEUT": "DEUTNL2A",  # Deutsche Bank Nederland
        "FVLB": "FVLBNL22",  # Van Lanschot Kempen
        "HAND": "HANDNL2A",  # Handelsbanken
        "INGB": "INGBNL2A",  # ING
        "KNAB": "KNABNL2H",  # Knab
        "NNBA": "NNBANL2G",  # Nationale-Nederlanden Bank
        "NWAB": "NWABNL2G",  # Nederlandse Waterschapsbank
        "RABO": "RABONL2U",  # Rabobank
        "RBRB": "RBRBNL21",  # RegioBank (de Volksbank)
        "SNSB": "SNSBNL2A",  # SNS (de Volksbank)
        "TRIO": "TRIONL2U",  # Triodos Bank
    }
)

_WHITESPACE = re.compile(r"\s+")
# Fast path: already normalised and plausible (country, check digits, 11..30 BBAN characters).
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
# ISO 9362: 4 letters institution (the XSD allows letters only), 2 letters country, 2 characters location
# (the second not the letter O), optionally 3 characters branch. Identical to the pain.001.001.03 pattern.
_BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9](?:[A-Z0-9]{3})?")


def normalize_iban(value: str) -> str:
    """Remove all whitespace (spaces of the print format, tabs, non-breaking spaces) and upper-case. An IBAN that
    is already normalised is returned as is (the same object)."""
    if _IBAN_SHAPE.fullmatch(value):
        return value
    return _WHITESPACE.sub("", value).upper()


_LETTER_DIGITS = {ord(c): str(v) for v, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_COUNTRY_DIGITS = {code: code.translate(_LETTER_DIGITS) for code in _COUNTRIES}
_prefix_digits: dict[str, str] = {}  # bank-code part of a BBAN -> its digits (a few hundred bank codes in practice)


def _mod97(iban: str, digits_from: int) -> int:
    """ISO 7064 mod 97-10 of an IBAN whose BBAN has digits only from ``digits_from`` on: the BBAN, then the
    country code and check digits, letters as 10..35, as one number modulo 97. The letters of the bank code are
    converted once per bank code, which makes the check of a large batch cheap."""
    head = iban[4 : 4 + digits_from]
    converted = _prefix_digits.get(head)
    if converted is None:
        converted = head.translate(_LETTER_DIGITS)
        if len(_prefix_digits) < 4096 and len(head) <= 8:
            _prefix_digits[head] = converted
    return int(converted + iban[4 + digits_from :] + _COUNTRY_DIGITS[iban[:2]] + iban[2:4]) % 97


def iban_problem(iban: str, *, sepa: bool = False) -> str | None:
    """Why the *normalised* ``iban`` is not valid (a Dutch sentence), or ``None`` when it is."""
    country = _COUNTRIES.get(iban[:2])
    if (
        country is not None
        and country.pattern.fullmatch(iban) is not None
        and "02" <= iban[2:4] <= "98"
        and (not sepa or iban[:2] in SEPA_COUNTRIES)
        and _mod97(iban, country.digits_from) == 1
    ):
        return None
    return _diagnose(iban, sepa=sepa)


def _diagnose(iban: str, *, sepa: bool) -> str:
    if not iban:
        return "IBAN ontbreekt"
    if not iban.isascii() or not iban.isalnum():
        return "IBAN bevat andere tekens dan letters en cijfers"
    code = iban[:2]
    if not code.isalpha():
        return "IBAN begint niet met een landcode"
    country = _COUNTRIES.get(code)
    if country is None:
        return f"onbekende IBAN-landcode {code!r}"
    if sepa and code not in SEPA_COUNTRIES:
        return f"landcode {code} valt buiten het SEPA-gebied"
    if not iban[2:4].isdigit() or not 2 <= int(iban[2:4]) <= 98:
        return "IBAN-controlegetal moet 02 tot en met 98 zijn"
    if len(iban) != country.length:
        return f"een IBAN uit {code} heeft {country.length} tekens, niet {len(iban)}"
    if country.pattern.fullmatch(iban) is None:
        return f"rekeningdeel (BBAN) heeft niet de opbouw van een IBAN uit {code}"
    return "IBAN-controlegetal klopt niet (mod-97)"


def validate_iban(value: str, *, field: str = "iban", sepa: bool = False) -> str:
    """Return the normalised IBAN or raise ``InvalidIbanError`` naming ``field``.

    With ``sepa=True`` the account must also be in the SEPA geographical scope."""
    if not isinstance(value, str):
        raise InvalidIbanError(field, "IBAN moet tekst zijn")
    iban = normalize_iban(value)
    problem = iban_problem(iban, sepa=sepa)
    if problem is not None:
        raise InvalidIbanError(field, problem)
    return iban


def is_valid_iban(value: str, *, sepa: bool = False) -> bool:
    return isinstance(value, str) and iban_problem(normalize_iban(value), sepa=sepa) is None


def iban_check_digits(country: str, bban: str) -> str:
    """The two ISO 13616 check digits for ``bban`` in ``country``."""
    return f"{98 - int((bban + country + '00').upper().translate(_LETTER_DIGITS)) % 97:02d}"


def make_iban(country: str, bban: str) -> str:
    """Build and validate the IBAN of ``bban`` in ``country`` (for example ``make_iban("NL", "ABNA0417164300")``)."""
    country = country.upper()
    bban = normalize_iban(bban)
    return validate_iban(country + iban_check_digits(country, bban) + bban)


def format_iban(value: str) -> str:
    """The print format: groups of four characters (``NL91 ABNA 0417 1643 00``)."""
    iban = normalize_iban(value)
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def normalize_bic(value: str) -> str:
    return _WHITESPACE.sub("", value).upper()


def validate_bic(value: str, *, field: str = "bic") -> str:
    """Return the normalised BIC (8 or 11 characters) or raise ``InvalidBicError`` naming ``field``."""
    if not isinstance(value, str):
        raise InvalidBicError(field, "BIC moet tekst zijn")
    bic = value if _BIC.fullmatch(value) else normalize_bic(value)
    if len(bic) not in (8, 11):
        raise InvalidBicError(field, f"een BIC heeft 8 of 11 tekens, niet {len(bic)}")
    if _BIC.fullmatch(bic) is None:
        raise InvalidBicError(field, "BIC heeft niet de opbouw bank (4 letters), land (2 letters), plaats, filiaal")
    return bic


def is_valid_bic(value: str) -> bool:
    try:
        validate_bic(value)
    except InvalidBicError:
        return False
    return True


def bic_for_dutch_iban(iban: str) -> str | None:
    """The BIC of the bank of a Dutch IBAN (from its bank code), ``None`` for other countries or unknown banks.

    The IBAN is validated first (``InvalidIbanError`` when it is not valid)."""
    normalised = validate_iban(iban)
    if not normalised.startswith("NL"):
        return None
    return DUTCH_BANK_BICS.get(normalised[4:8])

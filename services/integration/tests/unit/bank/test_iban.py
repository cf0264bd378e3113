"""IBAN (ISO 13616) and BIC (ISO 9362) validation, normalisation and the BIC of Dutch IBANs."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gbi_integration.bank.errors import InvalidBicError, InvalidIbanError
from gbi_integration.bank.iban import (
    DUTCH_BANK_BICS,
    IBAN_LENGTHS,
    SEPA_COUNTRIES,
    bic_for_dutch_iban,
    format_iban,
    iban_check_digits,
    is_valid_bic,
    is_valid_iban,
    make_iban,
    normalize_iban,
    validate_bic,
    validate_iban,
)

# Examples published in the SWIFT IBAN registry and ISO 13616.
OFFICIAL_EXAMPLES = [
    "NL91ABNA0417164300",
    "GB82WEST12345698765432",
    "DE89370400440532013000",
    "BE68539007547034",
    "FR1420041010050500013M02606",
    "AT611904300234573201",
    "CH9300762011623852957",
    "NO9386011117947",
    "IT60X0542811101000000123456",
    "ES9121000418450200051332",
    "MT84MALT011000012345MTLCAST001S",
    "IE29AIBK93115212345678",
    "LU280019400644750000",
    "PL61109010140000071219812874",
]


@pytest.mark.parametrize("iban", OFFICIAL_EXAMPLES)
def test_official_examples_are_valid(iban: str) -> None:
    assert validate_iban(iban) == iban
    assert validate_iban(iban, sepa=True) == iban
    assert is_valid_iban(iban)
    assert len(iban) == IBAN_LENGTHS[iban[:2]]


def test_normalisation_strips_whitespace_and_upper_cases() -> None:
    assert validate_iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"
    assert validate_iban(" NL91\u00a0ABNA\t0417164300\n") == "NL91ABNA0417164300"
    assert normalize_iban("gb82 west 1234 5698 7654 32") == "GB82WEST12345698765432"
    already = "NL91ABNA0417164300"
    assert normalize_iban(already) is already


def test_print_format() -> None:
    assert format_iban("NL91ABNA0417164300") == "NL91 ABNA 0417 1643 00"
    assert format_iban("gb82west12345698765432") == "GB82 WEST 1234 5698 7654 32"


@pytest.mark.parametrize(
    ("iban", "reason"),
    [
        ("", "ontbreekt"),
        ("NL91ABNA0417164301", "mod-97"),  # last digit changed
        ("NL91ABNA0417164", "18 tekens"),  # too short
        ("NL91ABNA04171643000", "18 tekens"),  # too long
        ("DE8937040044053201300", "22 tekens"),
        ("XX91ABNA0417164300", "onbekende IBAN-landcode"),
        ("1291ABNA0417164300", "landcode"),
        ("NL91ABNA-417164300", "letters en cijfers"),
        ("NL91ABNÄ0417164300", "letters en cijfers"),
        ("NLAAABNA0417164300", "02 tot en met 98"),
        ("NL91AB1A0417164300", "opbouw"),  # digit in the bank code
        ("NL91ABNA04171643X0", "opbouw"),  # letter in the account number
    ],
)
def test_invalid_ibans_are_refused_with_a_reason(iban: str, reason: str) -> None:
    with pytest.raises(InvalidIbanError) as raised:
        validate_iban(iban, field="aanvrager.iban")
    assert raised.value.field == "aanvrager.iban"
    assert reason in raised.value.reason
    assert raised.value.invalid_params is not None
    assert raised.value.invalid_params[0].name == "aanvrager.iban"
    assert raised.value.invalid_params[0].code == "invalid-iban"
    assert raised.value.status == 422
    assert not is_valid_iban(iban)


@pytest.mark.parametrize("check", ["00", "01", "99"])
def test_check_digits_outside_02_98_are_refused_even_when_mod97_holds(check: str) -> None:
    # 99 = 2 (mod 97): NL02ABNA0123456789 is valid, so NL99ABNA0123456789 passes mod-97 but is not an IBAN.
    valid = make_iban("NL", "ABNA0123456789")
    assert valid[2:4] == "02"
    with pytest.raises(InvalidIbanError, match="02 tot en met 98"):
        validate_iban(valid[:2] + check + valid[4:])


def test_sepa_scope() -> None:
    turkish = "TR330006100519786457841326"  # valid IBAN, not a SEPA country
    assert validate_iban(turkish) == turkish
    with pytest.raises(InvalidIbanError, match="buiten het SEPA-gebied"):
        validate_iban(turkish, sepa=True)
    assert not is_valid_iban(turkish, sepa=True)
    # the SEPA area as the EPC defines it: 41 countries plus Gibraltar, each with its IBAN length known
    assert len(SEPA_COUNTRIES) == 42
    assert set(IBAN_LENGTHS) >= SEPA_COUNTRIES
    assert {"NL", "BE", "DE", "FR", "GB", "CH", "NO", "IS", "LI", "MC", "SM", "VA", "AD", "GI"} <= SEPA_COUNTRIES


def test_country_lengths() -> None:
    expected = {"NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "NO": 15, "MT": 31, "LU": 20, "CH": 21, "IT": 27}
    assert {code: IBAN_LENGTHS[code] for code in expected} == expected


def test_not_a_string() -> None:
    with pytest.raises(InvalidIbanError, match="tekst"):
        validate_iban(None)  # type: ignore[arg-type]
    assert not is_valid_iban(123)  # type: ignore[arg-type]


def test_check_digits_and_make_iban() -> None:
    assert iban_check_digits("NL", "ABNA0417164300") == "91"
    assert iban_check_digits("GB", "WEST12345698765432") == "82"
    assert make_iban("de", "370400440532013000") == "DE89370400440532013000"
    with pytest.raises(InvalidIbanError):
        make_iban("NL", "ABNA041716430")  # BBAN one digit short


_BBAN_NL = st.tuples(st.sampled_from(sorted(DUTCH_BANK_BICS)), st.from_regex(r"[0-9]{10}", fullmatch=True))


@given(_BBAN_NL, st.integers(min_value=4, max_value=17), st.integers(min_value=1, max_value=9))
def test_mod97_detects_every_single_digit_error(bban: tuple[str, str], position: int, delta: int) -> None:
    iban = make_iban("NL", bban[0] + bban[1])
    assert is_valid_iban(iban)
    if position < 8:  # the bank code: change a letter
        char = chr((ord(iban[position]) - ord("A") + delta) % 26 + ord("A"))
    else:
        char = str((int(iban[position]) + delta) % 10)
    wrong = iban[:position] + char + iban[position + 1 :]
    if wrong != iban:
        assert not is_valid_iban(wrong)


@given(_BBAN_NL)
def test_generated_dutch_ibans_round_trip(bban: tuple[str, str]) -> None:
    iban = make_iban("NL", "".join(bban))
    assert validate_iban(format_iban(iban).lower()) == iban
    assert bic_for_dutch_iban(iban) == DUTCH_BANK_BICS[bban[0]]


# --- BIC ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bic", "normalised"),
    [
        ("ABNANL2A", "ABNANL2A"),
        ("RABONL2UXXX", "RABONL2UXXX"),
        ("DEUTDEFF500", "DEUTDEFF500"),
        ("ingbnl2a", "INGBNL2A"),
        ("BNGH NL2G", "BNGHNL2G"),
        ("BANKBGFFXXX", "BANKBGFFXXX"),
    ],
)
def test_valid_bics(bic: str, normalised: str) -> None:
    assert validate_bic(bic) == normalised
    assert is_valid_bic(bic)


@pytest.mark.parametrize(
    ("bic", "reason"),
    [
        ("ABNANL2", "8 of 11"),
        ("ABNANL2AX", "8 of 11"),
        ("ABNANL2AXXXX", "8 of 11"),
        ("AB1ANL2A", "opbouw"),  # digit in the institution code
        ("ABNA122A", "opbouw"),  # digits as country
        ("ABNANL1A", "opbouw"),  # location may not start with 0 or 1
        ("ABNANL2O", "opbouw"),  # second location character may not be the letter O
        ("ABNANL2A-XX", "opbouw"),
        ("", "8 of 11"),
    ],
)
def test_invalid_bics(bic: str, reason: str) -> None:
    with pytest.raises(InvalidBicError) as raised:
        validate_bic(bic, field="debtor.bic")
    assert raised.value.field == "debtor.bic"
    assert reason in raised.value.reason
    assert not is_valid_bic(bic)


_XSD_BIC = re.compile(r"[A-Z]{6,6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3,3}){0,1}")


def test_dutch_bank_table_is_consistent_with_the_xsd_pattern() -> None:
    for bank_code in ("INGB", "RABO", "ABNA", "SNSB", "ASNB", "RBRB", "TRIO", "KNAB", "BUNQ"):
        assert bank_code in DUTCH_BANK_BICS
    for bank_code, bic in DUTCH_BANK_BICS.items():
        assert _XSD_BIC.fullmatch(bic), bic
        assert bic.startswith(bank_code + "NL")


def test_bic_for_dutch_iban() -> None:
    assert bic_for_dutch_iban("NL91ABNA0417164300") == "ABNANL2A"
    assert bic_for_dutch_iban(make_iban("NL", "INGB0001234567")) == "INGBNL2A"
    assert bic_for_dutch_iban(make_iban("NL", "RABO0123456789")) == "RABONL2U"
    assert bic_for_dutch_iban("nl91 abna 0417 1643 00") == "ABNANL2A"
    assert bic_for_dutch_iban("DE89370400440532013000") is None  # not Dutch
    assert bic_for_dutch_iban(make_iban("NL", "ZZZZ0123456789")) is None  # bank code we do not list
    with pytest.raises(InvalidIbanError):
        bic_for_dutch_iban("NL91ABNA0417164301")

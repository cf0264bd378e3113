"""Money as integer cents, rendered and parsed exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import gbi_integration.bank as bank
from gbi_integration.bank.amounts import MAX_AMOUNT_CENTS, format_cents, parse_amount


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "0.00"),
        (1, "0.01"),
        (99, "0.99"),
        (100, "1.00"),
        (123456, "1234.56"),
        (-5, "-0.05"),
        (MAX_AMOUNT_CENTS, "999999999.99"),
    ],
)
def test_format(cents: int, text: str) -> None:
    assert format_cents(cents) == text
    assert parse_amount(text) == cents
    assert format_cents(cents, decimal_separator=",") == text.replace(".", ",")


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12", 1200),
        ("12.5", 1250),
        ("12.50", 1250),
        ("12.500", 1250),
        ("+1.00", 100),
        (".5", 50),
        ("5.", 500),
        (" 7.10 ", 710),
        ("007.01", 701),
    ],
)
def test_parse_every_xs_decimal_form(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", ".", "1.005", "1,00", "1e3", "EUR 1", "1.2.3", "--1", "0x10"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="bedrag"):
        parse_amount(text)


@given(st.integers(min_value=-(10**17), max_value=10**17))
def test_round_trip_is_exact(cents: int) -> None:
    text = format_cents(cents)
    assert parse_amount(text) == cents
    assert Decimal(text) * 100 == cents


def test_package_exports() -> None:
    for name in bank.__all__:
        assert getattr(bank, name) is not None

"""Integer money, percentages and calendar arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gbi_domain.engine.datums import dagen_in_maand, plus_maanden
from gbi_domain.engine.geld import (
    format_bedrag,
    format_pct,
    parse_bedrag,
    parse_pct,
    pct_van_afgerond,
    pct_van_naar_boven,
    rond_half_op,
)


@pytest.mark.parametrize(
    ("tekst", "centen"),
    [("0.00", 0), ("0.01", 1), ("1401.50", 140150), ("100.00", 10000), ("999999999999.99", 99999999999999)],
)
def test_bedrag_heen_en_terug(tekst: str, centen: int) -> None:
    assert parse_bedrag(tekst) == centen
    assert format_bedrag(centen) == tekst


@pytest.mark.parametrize(
    "tekst",
    [
        "1401.5",
        "1401",
        "-1.00",
        "01.00",
        "1,00",
        "1.000",
        " 1.00",
        "1e3",
        "",
        "1.00\n",
        ".00",
        "1.0\u00b2",
        "\uff11.00",
        "1000000000000.00",
        "1.-1",
    ],
)
def test_ongeldige_bedragen(tekst: str) -> None:
    with pytest.raises(ValueError, match="twee decimalen"):
        parse_bedrag(tekst)


def test_negatief_formatteren() -> None:
    assert format_bedrag(-5) == "-0.05"
    assert format_bedrag(-140150) == "-1401.50"


@pytest.mark.parametrize(("tekst", "bp"), [("0", 0), ("5", 500), ("12.5", 1250), ("110", 11000), ("0.01", 1)])
def test_percentages(tekst: str, bp: int) -> None:
    assert parse_pct(tekst) == bp
    assert format_pct(bp) == tekst


@pytest.mark.parametrize("tekst", ["-5", "12.555", "abc", "5%", ""])
def test_ongeldige_percentages(tekst: str) -> None:
    with pytest.raises(ValueError, match="percentage"):
        parse_pct(tekst)


def test_afronding_half_op() -> None:
    assert pct_van_afgerond(140150, 500) == 7008  # 70.075 -> 70.08
    assert pct_van_afgerond(1, 500) == 0  # 0.05 cent -> 0
    assert pct_van_afgerond(10, 500) == 1  # 0.5 cent -> 1
    assert rond_half_op(-5, 10) == -1  # ties away from zero, like Decimal ROUND_HALF_UP
    assert rond_half_op(-4, 10) == 0


@settings(max_examples=500, database=None)
@given(st.integers(-(10**9), 10**9), st.integers(1, 10**6))
def test_rond_half_op_gelijk_aan_decimal(teller: int, noemer: int) -> None:
    verwacht = (Decimal(teller) / Decimal(noemer)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert rond_half_op(teller, noemer) == int(verwacht)


@settings(max_examples=500, database=None)
@given(st.integers(0, 10**9), st.integers(0, 10000))
def test_percentages_gelijk_aan_decimal(centen: int, bp: int) -> None:
    exact = Decimal(centen) * Decimal(bp) / Decimal(10000)
    assert pct_van_afgerond(centen, bp) == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert pct_van_naar_boven(centen, bp) == int(exact.quantize(Decimal(1), rounding=ROUND_CEILING))


@pytest.mark.parametrize(
    ("van", "maanden", "tot"),
    [
        (date(2026, 1, 15), 6, date(2026, 7, 15)),
        (date(2025, 8, 31), 6, date(2026, 3, 1)),  # 31 February does not exist: roll over
        (date(2004, 2, 29), 12 * 21, date(2025, 3, 1)),
        (date(2004, 2, 29), 12 * 20, date(2024, 2, 29)),
        (date(1960, 11, 30), 67 * 12 + 3, date(2028, 3, 1)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 11, 30), 1, date(2026, 12, 30)),
        (date(2026, 3, 1), -1, date(2026, 2, 1)),
    ],
)
def test_plus_maanden(van: date, maanden: int, tot: date) -> None:
    assert plus_maanden(van, maanden) == tot


def test_dagen_in_maand() -> None:
    assert [dagen_in_maand(2024, 2), dagen_in_maand(2025, 2), dagen_in_maand(1900, 2), dagen_in_maand(2000, 2)] == [
        29,
        28,
        28,
        29,
    ]

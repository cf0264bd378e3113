"""Voorschot (Pw art. 52): 90% (2025) / 95% (2026) of the expected monthly payment, rounded up."""

from __future__ import annotations

from datetime import date

import pytest

from gbi_domain.engine import (
    Huishouden,
    Inkomen,
    InkomstenSoort,
    Persoon,
    Rol,
    Vermogen,
    bereken_algemene_bijstand,
    bereken_voorschot,
    voorschot_uit_berekening,
)
from gbi_domain.errors import NotFoundError


def huis(peildatum: date, *inkomsten: Inkomen) -> Huishouden:
    return Huishouden("0599", peildatum, Persoon(date(1985, 1, 1)), Vermogen(0, 0), inkomsten=inkomsten)


def test_voorschot_2025_90_procent() -> None:
    v = bereken_voorschot(huis(date(2025, 3, 1)))
    # M 1345.45, reservation 67.27 (67.2725), monthly 1278.18; 90% = 1150.362 -> rounded up 1150.37
    assert (v.grondslag, v.percentage, v.bedrag) == (127818, 9000, 115037)
    assert v.toelichting[0].parameter == "VOORSCHOT_MIN_PCT@2025-01-01"
    assert "naar boven afgerond" in v.toelichting[0].tekst
    assert v.toelichting[0].artikel == "Pw 52 lid 2"


def test_voorschot_2026_95_procent() -> None:
    v = bereken_voorschot(huis(date(2026, 1, 1)))
    assert (v.grondslag, v.percentage, v.bedrag) == (133142, 9500, 126485)  # 1264.849 -> 1264.85


def test_voorschot_wissel_op_1_januari_2026() -> None:
    assert bereken_voorschot(huis(date(2025, 12, 31))).percentage == 9000
    assert bereken_voorschot(huis(date(2026, 1, 1))).percentage == 9500


def test_voorschot_nooit_onder_het_minimum() -> None:
    for inkomen in range(0, 140150, 997):
        b = bereken_algemene_bijstand(huis(date(2026, 3, 1), Inkomen(Rol.AANVRAGER, InkomstenSoort.UITKERING, inkomen)))
        v = voorschot_uit_berekening(b)
        assert v.bedrag * 100 >= b.bedrag_per_maand * 95
        assert (v.bedrag - 1) * 100 < b.bedrag_per_maand * 95


def test_geen_recht_geen_voorschot() -> None:
    v = bereken_voorschot(huis(date(2026, 3, 1), Inkomen(Rol.AANVRAGER, InkomstenSoort.UITKERING, 200000)))
    assert v.bedrag == 0
    assert not v.berekening.recht
    assert v.toelichting[0].artikel == "Pw 52 lid 1"


def test_voorschot_2024_onbekend() -> None:
    with pytest.raises(NotFoundError) as exc:
        bereken_voorschot(huis(date(2024, 10, 1)))
    assert exc.value.key == "VOORSCHOT_MIN_PCT"

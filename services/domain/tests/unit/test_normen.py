"""Norm lookup by category and peildatum (Pw art. 20-23): values, period boundaries, and failures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gbi_domain.engine import zoek_norm
from gbi_domain.errors import NotFoundError

# M (Pw 21 a) in each period, from the reference table
M = {
    date(2024, 7, 1): 130845,
    date(2025, 1, 1): 134545,
    date(2025, 7, 1): 136906,
    date(2026, 1, 1): 140150,
    date(2026, 7, 1): 141946,
}


@pytest.mark.parametrize("wissel", [date(2025, 1, 1), date(2025, 7, 1), date(2026, 1, 1), date(2026, 7, 1)])
def test_periodewissel_dag_ervoor_en_dag_zelf(wissel: date) -> None:
    vorige = max(p for p in M if p < wissel)
    ervoor = zoek_norm("M", wissel - timedelta(days=1))
    op = zoek_norm("M", wissel)
    assert (ervoor.bedrag, ervoor.geldig_vanaf, ervoor.geldig_tot) == (M[vorige], vorige, wissel)
    assert (op.bedrag, op.geldig_vanaf) == (M[wissel], wissel)
    assert op.versie == f"M@{wissel.isoformat()}"
    assert op.artikel == "Pw 21 a"


def test_opzoeking_geeft_artikel_bron_en_versies() -> None:
    n = zoek_norm("MM", date(2024, 7, 1))
    assert n.bedrag == 186921
    assert n.artikel == "Pw 21 b"
    assert n.geldig_tot == date(2025, 1, 1)
    assert n.versie == "MM@2024-07-01"
    assert n.bron
    assert n.regelset_versie


@pytest.mark.parametrize("peildatum", [date(2024, 6, 30), date(2027, 1, 1), date(2030, 1, 1), date(1999, 1, 1)])
def test_buiten_bekende_perioden_faalt(peildatum: date) -> None:
    with pytest.raises(NotFoundError) as exc:
        zoek_norm("M", peildatum)
    assert exc.value.peildatum == peildatum
    assert peildatum.isoformat() in exc.value.message


def test_laatste_dag_bekend() -> None:
    assert zoek_norm("M", date(2026, 12, 31)).bedrag == M[date(2026, 7, 1)]


def test_onbekende_categorie() -> None:
    with pytest.raises(NotFoundError) as exc:
        zoek_norm("XYZ", date(2026, 1, 1))
    assert exc.value.subject == "normcategorie"
    assert exc.value.key == "XYZ"
    assert "XYZ" in exc.value.message


def test_categorie_niet_van_toepassing_in_periode() -> None:
    # J_VERHOGING exists from 2026 only; KD_JONG_* not in 2024-H2 (blanks in the reference)
    with pytest.raises(NotFoundError, match="niet van toepassing"):
        zoek_norm("J_VERHOGING", date(2025, 12, 31))
    assert zoek_norm("J_VERHOGING", date(2026, 1, 1)).bedrag == 74645
    with pytest.raises(NotFoundError):
        zoek_norm("KD_JONG_MET_KIND", date(2024, 12, 31))
    assert zoek_norm("KD_JONG_MET_KIND", date(2025, 1, 1)).bedrag == 71658

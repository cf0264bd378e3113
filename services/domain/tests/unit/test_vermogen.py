"""Vermogen (Pw art. 34, 50): limits per leefvorm at exactly the limit and one cent above; own home."""

from __future__ import annotations

from datetime import date

import pytest

from gbi_domain.engine import Berekening, Huishouden, Persoon, Vermogen, bereken_algemene_bijstand

PEIL = date(2026, 3, 1)


def bereken(vermogen: Vermogen, partner: bool = False, kinderen: int = 0) -> Berekening:
    return bereken_algemene_bijstand(
        Huishouden(
            "0599",
            PEIL,
            Persoon(date(1985, 1, 1)),
            vermogen,
            partner=Persoon(date(1986, 1, 1)) if partner else None,
            kinderen=(date(2018, 1, 1),) * kinderen,
        )
    )


@pytest.mark.parametrize(
    ("partner", "kinderen", "grens", "parameter"),
    [
        (False, 0, 800000, "VERMOGENSGRENS_ALLEENSTAANDE@2026-01-01"),
        (False, 1, 1600000, "VERMOGENSGRENS_ALLEENSTAANDE_OUDER@2026-01-01"),
        (True, 0, 1600000, "VERMOGENSGRENS_GEHUWDEN@2026-01-01"),
        (True, 2, 1600000, "VERMOGENSGRENS_GEHUWDEN@2026-01-01"),
    ],
)
def test_vermogensgrens_precies_en_een_cent_erboven(partner: bool, kinderen: int, grens: int, parameter: str) -> None:
    op = bereken(Vermogen(grens, 0), partner, kinderen)
    assert op.recht
    assert any(t.stap == "vermogen" and t.parameter == parameter and t.bedrag == grens for t in op.toelichting)
    boven = bereken(Vermogen(grens + 1, 0), partner, kinderen)
    assert not boven.recht
    assert [r.code for r in boven.redenen] == ["geen-recht-vermogen"]
    assert boven.bedrag_per_maand == 0
    assert boven.normcategorie is not None
    assert boven.norm > 0


def test_schulden_worden_afgetrokken() -> None:
    assert bereken(Vermogen(900000, 100001)).recht
    assert not bereken(Vermogen(900000, 99999)).recht


def test_negatief_vermogen() -> None:
    b = bereken(Vermogen(0, 500000))
    assert b.recht
    assert next(t for t in b.toelichting if t.stap == "vermogen").bedrag == -500000


def test_eigen_woning_tot_vrijlating_telt_niet() -> None:
    b = bereken(Vermogen(0, 0, 6750000))
    assert b.recht
    assert not b.geldlening
    assert not b.signaleringen


def test_eigen_woning_boven_vrijlating_geeft_geldlening() -> None:
    b = bereken(Vermogen(0, 0, 6750001))
    assert b.recht
    assert b.geldlening
    assert [s.code for s in b.signaleringen] == ["krediethypotheek"]
    assert "0.01" in b.signaleringen[0].tekst
    assert b.bedrag_per_maand == 133142


def test_vermogen_en_inkomen_beide_als_reden() -> None:
    from gbi_domain.engine import Inkomen, InkomstenSoort, Rol

    b = bereken_algemene_bijstand(
        Huishouden(
            "0599",
            PEIL,
            Persoon(date(1985, 1, 1)),
            Vermogen(900000, 0),
            inkomsten=(Inkomen(Rol.AANVRAGER, InkomstenSoort.UITKERING, 200000),),
        )
    )
    assert [r.code for r in b.redenen] == ["geen-recht-vermogen", "geen-recht-inkomen"]


def test_vermogen_niet_opgegeven_wordt_niet_getoetst_maar_gesignaleerd() -> None:
    b = bereken_algemene_bijstand(Huishouden("0599", PEIL, Persoon(date(1985, 1, 1))))
    assert b.recht
    assert [s.code for s in b.signaleringen] == ["vermogen-niet-getoetst"]
    assert any(t.stap == "vermogen" and "niet getoetst" in t.tekst for t in b.toelichting)

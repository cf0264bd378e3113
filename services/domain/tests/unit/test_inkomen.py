"""Counted income (Pw art. 31-32): what counts, the vrijlatingen n, r and y, and the strict right test."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gbi_domain.engine import (
    Berekening,
    Huishouden,
    Inkomen,
    InkomstenSoort,
    Persoon,
    Rol,
    Vermogen,
    bereken_algemene_bijstand,
)
from gbi_domain.errors import InvalidInputError

PEIL = date(2026, 3, 1)
A = Rol.AANVRAGER
ARBEID = InkomstenSoort.ARBEID


def geboren(jaren: int, op: date = PEIL, dagen: int = 0) -> date:
    return date(op.year - jaren, op.month, op.day) + timedelta(days=dagen)


def bereken(
    *inkomsten: Inkomen,
    peildatum: date = PEIL,
    aanvrager: Persoon | None = None,
    partner: Persoon | None = None,
    kinderen: tuple[date, ...] = (),
) -> Berekening:
    return bereken_algemene_bijstand(
        Huishouden(
            "0599",
            peildatum,
            aanvrager or Persoon(geboren(35, peildatum)),
            Vermogen(0, 0),
            partner=partner,
            kinderen=kinderen,
            inkomsten=inkomsten,
        )
    )


def vrijlatingen(b: Berekening) -> dict[str, int]:
    return {t.stap: t.bedrag or 0 for t in b.toelichting if t.stap.startswith("vrijlating-")}


def test_kinderbijslag_en_toeslagen_tellen_niet_mee() -> None:
    b = bereken(
        Inkomen(A, InkomstenSoort.KINDERBIJSLAG, 30000),
        Inkomen(A, InkomstenSoort.TOESLAG, 50000),
        kinderen=(date(2020, 1, 1),),
    )
    assert b.in_te_korten_inkomen == 0
    assert b.bijstand == b.norm


@pytest.mark.parametrize(
    "soort", [InkomstenSoort.UITKERING, InkomstenSoort.ALIMENTATIE, InkomstenSoort.PENSIOEN, InkomstenSoort.OVERIG]
)
def test_overig_inkomen_telt_netto_volledig(soort: InkomstenSoort) -> None:
    b = bereken(Inkomen(A, soort, 40000))
    assert b.in_te_korten_inkomen == 40000
    assert b.bijstand == 140150 - 40000
    assert b.vakantietoeslag_reservering == 5008  # 5% of 1001.50 = 50.075 -> 50.08
    assert b.bedrag_per_maand == 100150 - 5008


def test_inkomen_partner_telt_mee() -> None:
    b = bereken(Inkomen(Rol.PARTNER, InkomstenSoort.UITKERING, 50000), partner=Persoon(geboren(35)))
    assert (b.norm, b.in_te_korten_inkomen, b.bijstand) == (200213, 50000, 150213)


def test_inkomen_gelijk_aan_norm_geen_recht_een_cent_minder_wel() -> None:
    gelijk = bereken(Inkomen(A, InkomstenSoort.UITKERING, 140150))
    assert not gelijk.recht
    assert [r.code for r in gelijk.redenen] == ["geen-recht-inkomen"]
    assert (gelijk.bijstand, gelijk.vakantietoeslag_reservering, gelijk.bedrag_per_maand) == (0, 0, 0)
    cent = bereken(Inkomen(A, InkomstenSoort.UITKERING, 140149))
    assert cent.recht
    assert (cent.bijstand, cent.vakantietoeslag_reservering, cent.bedrag_per_maand) == (1, 0, 1)
    hoger = bereken(Inkomen(A, InkomstenSoort.UITKERING, 999999))
    assert not hoger.recht
    assert hoger.bedrag_per_maand == 0


# ---------------------------------------------------------------- n


def test_vrijlating_n_25_procent() -> None:
    b = bereken(Inkomen(A, ARBEID, 80000, date(2026, 1, 15)))
    assert vrijlatingen(b) == {"vrijlating-n": 20000}
    assert b.in_te_korten_inkomen == 60000


def test_vrijlating_n_maximum() -> None:
    b = bereken(Inkomen(A, ARBEID, 200000, date(2026, 1, 1)))
    assert vrijlatingen(b) == {"vrijlating-n": 28500}  # max 285 per month in 2026-H1
    n = next(t for t in b.toelichting if t.stap == "vrijlating-n")
    assert n.parameter == "VRIJLATING_N_MAX_PER_MAAND@2026-01-01"
    assert n.artikel == "Pw 31 lid 2 n"
    # exactly at the maximum: 1140.00 x 25% = 285.00
    assert vrijlatingen(bereken(Inkomen(A, ARBEID, 114000, date(2026, 1, 1)))) == {"vrijlating-n": 28500}
    assert vrijlatingen(bereken(Inkomen(A, ARBEID, 113996, date(2026, 1, 1)))) == {"vrijlating-n": 28499}


def test_vrijlating_n_afronding_half_naar_boven() -> None:
    assert vrijlatingen(bereken(Inkomen(A, ARBEID, 10002, date(2026, 1, 1)))) == {"vrijlating-n": 2501}  # 25.005


def test_vrijlating_n_ten_hoogste_zes_maanden() -> None:
    start = date(2025, 9, 1)
    laatste_dag = bereken(Inkomen(A, ARBEID, 80000, start), peildatum=date(2026, 2, 28))
    na_afloop = bereken(Inkomen(A, ARBEID, 80000, start), peildatum=date(2026, 3, 1))
    assert vrijlatingen(laatste_dag) == {"vrijlating-n": 20000}
    assert "maand 6 van 6" in next(t.tekst for t in laatste_dag.toelichting if t.stap == "vrijlating-n")
    assert vrijlatingen(na_afloop) == {}
    assert na_afloop.in_te_korten_inkomen == 80000


def test_vrijlating_n_niet_voor_de_start() -> None:
    assert vrijlatingen(bereken(Inkomen(A, ARBEID, 80000, date(2026, 3, 2)))) == {}
    assert vrijlatingen(bereken(Inkomen(A, ARBEID, 80000, date(2026, 3, 1)))) == {"vrijlating-n": 20000}


def test_vrijlating_n_niet_onder_27() -> None:
    jong = bereken(Inkomen(A, ARBEID, 80000, date(2026, 1, 1)), aanvrager=Persoon(geboren(27, dagen=1)))
    assert vrijlatingen(jong) == {}
    assert any(t.stap == "vrijlating" and "jonger dan 27" in t.tekst for t in jong.toelichting)
    precies_27 = bereken(Inkomen(A, ARBEID, 80000, date(2026, 1, 1)), aanvrager=Persoon(geboren(27)))
    assert vrijlatingen(precies_27) == {"vrijlating-n": 20000}


def test_vrijlating_n_zonder_startdatum_niet_toegepast() -> None:
    assert vrijlatingen(bereken(Inkomen(A, ARBEID, 80000))) == {}


def test_vrijlating_per_persoon_over_alle_arbeid() -> None:
    b = bereken(Inkomen(A, ARBEID, 100000, date(2026, 1, 1)), Inkomen(A, ARBEID, 60000, date(2026, 1, 1)))
    assert vrijlatingen(b) == {"vrijlating-n": 28500}  # 25% of 1600 = 400, max 285 over both jobs
    with pytest.raises(InvalidInputError) as exc:
        bereken(Inkomen(A, ARBEID, 100000, date(2026, 1, 1)), Inkomen(A, ARBEID, 60000, date(2026, 2, 1)))
    assert exc.value.field == "inkomsten[1].vrijlatingStartdatum"


def test_vrijlating_startdatum_alleen_bij_arbeid() -> None:
    with pytest.raises(InvalidInputError) as exc:
        bereken(Inkomen(A, InkomstenSoort.UITKERING, 1000, date(2026, 1, 1)))
    assert exc.value.field == "inkomsten[0].vrijlatingStartdatum"


# ---------------------------------------------------------------- r


KIND_5 = (date(2021, 1, 1),)


def test_vrijlating_r_alleenstaande_ouder_na_n() -> None:
    start = date(2025, 6, 1)  # n: 2025-06-01 .. 2025-12-01; r: 2025-12-01 .. 2028-06-01
    b = bereken(Inkomen(A, ARBEID, 80000, start), kinderen=KIND_5)
    assert vrijlatingen(b) == {"vrijlating-r": 10000}  # 12.5% of 800
    r = next(t for t in b.toelichting if t.stap == "vrijlating-r")
    assert r.parameter == "VRIJLATING_R_MAX_PER_MAAND@2026-01-01"
    assert "maand 4 van 30" in r.tekst
    # in the n period n applies, not r
    assert vrijlatingen(bereken(Inkomen(A, ARBEID, 80000, date(2026, 1, 1)), kinderen=KIND_5)) == {
        "vrijlating-n": 20000
    }


def test_vrijlating_r_maximum() -> None:
    b = bereken(Inkomen(A, ARBEID, 200000, date(2025, 6, 1)), kinderen=KIND_5)
    assert vrijlatingen(b) == {"vrijlating-r": 17766}


def test_vrijlating_r_ten_hoogste_30_maanden() -> None:
    start = date(2023, 3, 1)  # n until 2023-09-01, r until 2026-03-01
    assert vrijlatingen(bereken(Inkomen(A, ARBEID, 80000, start), kinderen=KIND_5, peildatum=date(2026, 2, 28))) == {
        "vrijlating-r": 10000
    }
    assert vrijlatingen(bereken(Inkomen(A, ARBEID, 80000, start), kinderen=KIND_5, peildatum=date(2026, 3, 1))) == {}


def test_vrijlating_r_alleen_met_kind_onder_12() -> None:
    start = date(2025, 6, 1)
    elf = (date(2014, 3, 2),)  # 12 on 2026-03-02
    twaalf = (date(2014, 3, 1),)
    assert vrijlatingen(bereken(Inkomen(A, ARBEID, 80000, start), kinderen=elf)) == {"vrijlating-r": 10000}
    assert vrijlatingen(bereken(Inkomen(A, ARBEID, 80000, start), kinderen=twaalf)) == {}


def test_vrijlating_r_niet_voor_gehuwden_en_niet_onder_27() -> None:
    start = date(2025, 6, 1)
    gehuwd = bereken(Inkomen(A, ARBEID, 80000, start), kinderen=KIND_5, partner=Persoon(geboren(35)))
    assert vrijlatingen(gehuwd) == {}
    jong = bereken(Inkomen(A, ARBEID, 80000, start), kinderen=KIND_5, aanvrager=Persoon(geboren(26)))
    assert vrijlatingen(jong) == {}


def test_vrijlating_r_2024_onbekend() -> None:
    from gbi_domain.errors import NotFoundError

    with pytest.raises(NotFoundError) as exc:
        bereken(
            Inkomen(A, ARBEID, 80000, date(2024, 1, 1)),
            kinderen=KIND_5,
            peildatum=date(2024, 9, 1),
            aanvrager=Persoon(date(1990, 1, 1)),
        )
    assert exc.value.key == "VRIJLATING_R_MAX_PER_MAAND"


# ---------------------------------------------------------------- y


def test_vrijlating_y_medisch_urenbeperkt() -> None:
    b = bereken(Inkomen(A, ARBEID, 80000), aanvrager=Persoon(geboren(35), medisch_urenbeperkt=True))
    assert vrijlatingen(b) == {"vrijlating-y": 12000}
    maximum = bereken(Inkomen(A, ARBEID, 200000), aanvrager=Persoon(geboren(35), medisch_urenbeperkt=True))
    assert vrijlatingen(maximum) == {"vrijlating-y": 18019}


def test_vrijlating_y_ook_onder_27_en_zonder_duur() -> None:
    jong = Persoon(geboren(22), medisch_urenbeperkt=True)
    assert vrijlatingen(bereken(Inkomen(A, ARBEID, 80000, date(2020, 1, 1)), aanvrager=jong)) == {"vrijlating-y": 12000}


def test_vrijlating_y_niet_naast_n() -> None:
    persoon = Persoon(geboren(35), medisch_urenbeperkt=True)
    b = bereken(Inkomen(A, ARBEID, 80000, date(2026, 1, 1)), aanvrager=persoon)
    assert vrijlatingen(b) == {"vrijlating-n": 20000}


def test_vrijlating_y_partner() -> None:
    b = bereken(
        Inkomen(Rol.PARTNER, ARBEID, 80000),
        partner=Persoon(geboren(35), medisch_urenbeperkt=True),
    )
    assert vrijlatingen(b) == {"vrijlating-y": 12000}
    assert b.in_te_korten_inkomen == 68000

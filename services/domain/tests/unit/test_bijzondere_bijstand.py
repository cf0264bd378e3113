"""Bijzondere bijstand (Pw art. 35) under two example policies, the drempel, and policy validation."""

from __future__ import annotations

from datetime import date

import pytest

from gbi_domain.engine import (
    BijzondereBijstandAanvraag,
    BijzondereBijstandBeleid,
    BijzondereBijstandBerekening,
    Draagkrachtschijf,
    Huishouden,
    Medebewoner,
    Persoon,
    Relatie,
    Vermogen,
    bereken_bijzondere_bijstand,
)
from gbi_domain.errors import InvalidInputError, NotFoundError, UndecidableError

PEIL = date(2026, 3, 1)  # M = 1401.50

ROTTERDAM = BijzondereBijstandBeleid(
    beleid_id="rotterdam-achtig@2026-01-01",
    draagkrachtschijven=(
        Draagkrachtschijf(0, 11000, 0),
        Draagkrachtschijf(11000, 15000, 5000),
        Draagkrachtschijf(15000, None, 10000),
    ),
    draagkrachtperiode_maanden=12,
    toegestane_kostensoorten=frozenset({"bewindvoering", "duurzame-gebruiksgoederen"}),
)
VLAK_35 = BijzondereBijstandBeleid(
    beleid_id="vlak-35@2026-01-01",
    draagkrachtschijven=(Draagkrachtschijf(10000, None, 3500),),
    draagkrachtperiode_maanden=12,
    toegestane_kostensoorten=frozenset({"bewindvoering"}),
    wettelijke_drempel=False,
)


def huis(
    peildatum: date = PEIL,
    aanvrager: Persoon | None = None,
    vermogen: Vermogen | None = None,
    medebewoners: tuple[Medebewoner, ...] = (),
) -> Huishouden:
    return Huishouden(
        "0599", peildatum, aanvrager or Persoon(date(1985, 1, 1)), vermogen or Vermogen(0, 0), medebewoners=medebewoners
    )


def bereken(
    kosten: int,
    inkomen: int,
    beleid: BijzondereBijstandBeleid = ROTTERDAM,
    kostensoort: str = "bewindvoering",
    h: Huishouden | None = None,
) -> BijzondereBijstandBerekening:
    return bereken_bijzondere_bijstand(BijzondereBijstandAanvraag(h or huis(), kostensoort, kosten, inkomen), beleid)


def test_rotterdam_inkomen_tot_110_procent_geen_draagkracht() -> None:
    b = bereken(120000, 154165)  # 110% of 1401.50 = 1541.65
    assert (b.draagkracht_per_maand, b.draagkracht, b.bedrag, b.toegekend) == (0, 0, 120000, True)
    assert b.norm == 140150
    assert b.normcategorie == "M"


def test_rotterdam_tussen_110_en_150_procent() -> None:
    b = bereken(120000, 170000)
    # 50% x (1700.00 - 1541.65) = 79.175 -> 79.18 per month, x 12 = 950.16
    assert (b.draagkracht_per_maand, b.draagkracht_inkomen, b.bedrag) == (7918, 95016, 120000 - 95016)
    assert b.toegekend
    assert b.beleid_id == "rotterdam-achtig@2026-01-01"
    assert any("rotterdam-achtig@2026-01-01" in t.artikel for t in b.toelichting)


def test_rotterdam_boven_150_procent() -> None:
    b = bereken(500000, 220000)
    # 50% x (2102.25 - 1541.65) = 280.30; 100% x (2200.00 - 2102.25) = 97.75
    assert b.draagkracht_per_maand == 28030 + 9775
    assert b.bedrag == 500000 - 12 * (28030 + 9775)


def test_vlak_35_procent_boven_de_norm() -> None:
    b = bereken(100000, 150000, VLAK_35)
    # 35% x (1500.00 - 1401.50) = 34.475 -> 34.48
    assert (b.draagkracht_per_maand, b.draagkracht, b.bedrag) == (3448, 41376, 100000 - 41376)
    assert bereken(100000, 140150, VLAK_35).draagkracht == 0


def test_draagkracht_dekt_de_kosten() -> None:
    b = bereken(41376, 150000, VLAK_35)
    assert not b.toegekend
    assert b.bedrag == 0
    assert [r.code for r in b.redenen] == ["draagkracht-toereikend"]
    assert bereken(41377, 150000, VLAK_35).bedrag == 1


def test_wettelijke_drempel() -> None:
    onder = bereken(17599, 100000)
    assert not onder.toegekend
    assert [r.code for r in onder.redenen] == ["onder-drempel"]
    assert onder.drempel == 17600
    assert any(t.parameter == "DREMPEL_BIJZONDERE_BIJSTAND@2026-01-01" for t in onder.toelichting)
    assert bereken(17600, 100000).toegekend
    # 2025: drempel 170
    vorig_jaar = huis(date(2025, 12, 31))
    assert bereken(17000, 100000, h=vorig_jaar).toegekend
    assert not bereken(16999, 100000, h=vorig_jaar).toegekend


def test_eigen_drempel_en_geen_drempel() -> None:
    eigen = BijzondereBijstandBeleid(
        "eigen@2026", VLAK_35.draagkrachtschijven, 12, frozenset({"bewindvoering"}), False, 5000
    )
    assert not bereken(4999, 100000, eigen).toegekend
    assert bereken(5000, 100000, eigen).toegekend
    assert bereken(1, 100000, VLAK_35).toegekend  # no drempel at all


def test_wettelijke_drempel_2024_onbekend() -> None:
    with pytest.raises(NotFoundError) as exc:
        bereken(50000, 100000, h=huis(date(2024, 9, 1)))
    assert exc.value.key == "DREMPEL_BIJZONDERE_BIJSTAND"


def test_kostensoort_niet_in_beleid() -> None:
    b = bereken(50000, 100000, kostensoort="vakantie")
    assert not b.toegekend
    assert [r.code for r in b.redenen] == ["kostensoort-niet-toegestaan"]


def test_vermogen_boven_grens_telt_volledig() -> None:
    b = bereken(200000, 100000, h=huis(vermogen=Vermogen(850000, 0)))
    assert b.draagkracht_vermogen == 50000
    assert b.bedrag == 150000


def test_norm_zonder_kostendelers_en_exclusief_vakantietoeslag() -> None:
    h = huis(medebewoners=(Medebewoner(date(1960, 1, 1), Relatie.OUDER),))
    assert bereken(100000, 100000, VLAK_35, h=h).norm == 100107
    zonder = BijzondereBijstandBeleid(
        "zonder-kd", VLAK_35.draagkrachtschijven, 12, frozenset({"bewindvoering"}), False, None, True, False
    )
    b = bereken(100000, 100000, zonder, h=h)
    assert b.norm == 140150 - 7008
    assert b.normcategorie == "M"


def test_uitsluiting_lid_1_weigert_lid_2_niet() -> None:
    gedetineerd = bereken(50000, 0, h=huis(aanvrager=Persoon(date(1985, 1, 1), gedetineerd=True)))
    assert not gedetineerd.toegekend
    assert [r.code for r in gedetineerd.redenen] == ["geen-recht-detentie"]
    student = bereken(50000, 0, h=huis(aanvrager=Persoon(date(2004, 1, 1), studiefinanciering=True)))
    assert student.toegekend


def test_partner_zonder_recht_is_handwerk() -> None:
    h = Huishouden(
        "0599", PEIL, Persoon(date(1985, 1, 1)), Vermogen(0, 0), partner=Persoon(date(1985, 1, 1), gedetineerd=True)
    )
    with pytest.raises(UndecidableError):
        bereken(50000, 0, h=h)


@pytest.mark.parametrize(
    ("schijven", "veld"),
    [
        ((Draagkrachtschijf(0, 11000, 0), Draagkrachtschijf(12000, None, 5000)), "draagkrachtschijven[1].vanafPctNorm"),
        ((Draagkrachtschijf(0, 11000, 0), Draagkrachtschijf(10000, None, 5000)), "draagkrachtschijven[1].vanafPctNorm"),
        ((Draagkrachtschijf(0, None, 0), Draagkrachtschijf(11000, None, 5000)), "draagkrachtschijven[0].totPctNorm"),
        ((Draagkrachtschijf(11000, 11000, 0),), "draagkrachtschijven[0].totPctNorm"),
        ((Draagkrachtschijf(0, None, 10001),), "draagkrachtschijven[0].pctMeetellen"),
        ((Draagkrachtschijf(-1, None, 100),), "draagkrachtschijven[0].vanafPctNorm"),
    ],
)
def test_beleid_validatie(schijven: tuple[Draagkrachtschijf, ...], veld: str) -> None:
    beleid = BijzondereBijstandBeleid("x", schijven, 12, frozenset({"bewindvoering"}))
    with pytest.raises(InvalidInputError) as exc:
        bereken(50000, 100000, beleid)
    assert exc.value.field == f"beleid.{veld}"


def test_beleid_en_aanvraag_validatie() -> None:
    with pytest.raises(InvalidInputError) as exc:
        bereken(50000, 100000, BijzondereBijstandBeleid("x", (), 0, frozenset()))
    assert exc.value.field == "beleid.draagkrachtperiodeMaanden"
    with pytest.raises(InvalidInputError) as exc:
        bereken(50000, 100000, BijzondereBijstandBeleid("x", (), 12, frozenset(), True, 100))
    assert exc.value.field == "beleid.drempel"
    with pytest.raises(InvalidInputError) as exc:
        bereken(0, 100000)
    assert exc.value.field == "kosten"
    with pytest.raises(InvalidInputError) as exc:
        bereken(100, -1)
    assert exc.value.field == "inkomenPerMaand"


def test_huishoudvelden_heten_huishouden_punt() -> None:
    zonder_vermogen = Huishouden("0599", PEIL, Persoon(date(1985, 1, 1)))
    with pytest.raises(InvalidInputError) as exc:
        bereken(50000, 0, h=zonder_vermogen)
    assert exc.value.field == "huishouden.vermogen"
    with pytest.raises(InvalidInputError) as exc:
        bereken(50000, 0, h=huis(aanvrager=Persoon(date(2027, 1, 1))))
    assert exc.value.field == "huishouden.aanvrager.geboortedatum"
    h = Huishouden(
        "0599", PEIL, Persoon(date(1985, 1, 1)), Vermogen(0, 0), partner=Persoon(date(1985, 1, 1), gedetineerd=True)
    )
    with pytest.raises(UndecidableError) as fout:
        bereken(50000, 0, h=h)
    assert fout.value.field == "huishouden.partner.gedetineerd"

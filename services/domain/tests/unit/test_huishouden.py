"""Household calculation: leefvorm, norm category by ages, kostendelersnorm, vakantietoeslag, periods."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gbi_domain.engine import (
    Berekening,
    Huishouden,
    Inkomen,
    InkomstenSoort,
    Leefvorm,
    Medebewoner,
    Persoon,
    Relatie,
    Rol,
    Vermogen,
    bereken_algemene_bijstand,
    kostendelersnorm_per_persoon,
)
from gbi_domain.errors import InvalidInputError, NotFoundError, UndecidableError

PEIL = date(2026, 3, 1)


def huis(
    peildatum: date = PEIL,
    aanvrager: Persoon | None = None,
    partner: Persoon | None = None,
    kinderen: tuple[date, ...] = (),
    medebewoners: tuple[Medebewoner, ...] = (),
    inkomsten: tuple[Inkomen, ...] = (),
    vermogen: Vermogen | None = None,
) -> Huishouden:
    return Huishouden(
        gemeente="0599",
        peildatum=peildatum,
        aanvrager=aanvrager or Persoon(date(1990, 1, 1)),
        vermogen=vermogen or Vermogen(0, 0),
        partner=partner,
        kinderen=kinderen,
        medebewoners=medebewoners,
        inkomsten=inkomsten,
    )


def geboren(jaren: int, op: date = PEIL, dagen: int = 0) -> date:
    """Birth date of someone who turns ``jaren`` on ``op`` + ``dagen`` days."""
    return date(op.year - jaren, op.month, op.day) + timedelta(days=dagen)


def kd(jaren: int = 50, relatie: Relatie = Relatie.OVERIG, **kw: bool) -> Medebewoner:
    return Medebewoner(geboren(jaren), relatie, **kw)


def bereken(h: Huishouden) -> Berekening:
    return bereken_algemene_bijstand(h)


# ---------------------------------------------------------------- published examples


@pytest.mark.parametrize(("a", "per_persoon"), [(2, 93461), (3, 80999), (4, 74768), (5, 71030), (6, 68538)])
def test_kostendelersnorm_gepubliceerde_voorbeelden_1_juli_2024(a: int, per_persoon: int) -> None:
    assert kostendelersnorm_per_persoon(a, 186921) == per_persoon
    peil = date(2024, 7, 1)
    h = huis(peil, Persoon(geboren(40, peil)), medebewoners=tuple(kd() for _ in range(a - 1)))
    b = bereken(h)
    assert (b.normcategorie, b.aantal_kostendelers, b.norm) == ("KD", a, per_persoon)
    assert any(t.parameter == "MM@2024-07-01" and t.bedrag == per_persoon for t in b.toelichting)


def test_vakantietoeslag_gepubliceerd_voorbeeld() -> None:
    b = bereken(huis(date(2026, 1, 1)))
    assert (b.norm, b.vakantietoeslag_reservering, b.bedrag_per_maand) == (140150, 7008, 133142)
    assert b.bijstand == 140150
    assert b.recht
    assert not b.redenen
    assert b.normcategorie == "M"
    assert b.aantal_kostendelers is None


# ---------------------------------------------------------------- periods


M = {
    date(2024, 7, 1): 130845,
    date(2025, 1, 1): 134545,
    date(2025, 7, 1): 136906,
    date(2026, 1, 1): 140150,
    date(2026, 7, 1): 141946,
}


@pytest.mark.parametrize("wissel", [date(2025, 1, 1), date(2025, 7, 1), date(2026, 1, 1), date(2026, 7, 1)])
def test_periodewissel(wissel: date) -> None:
    vorige = max(p for p in M if p < wissel)
    ervoor = bereken(huis(wissel - timedelta(days=1)))
    op = bereken(huis(wissel))
    assert ervoor.norm == M[vorige]
    assert op.norm == M[wissel]
    for b, p in ((ervoor, vorige), (op, wissel)):
        norm_regel = next(t for t in b.toelichting if t.stap == "norm")
        assert norm_regel.parameter == f"M@{p.isoformat()}"
        assert norm_regel.geldig_vanaf == p
        assert b.vakantietoeslag_reservering == (b.norm * 5 * 2 + 100) // 200
        assert b.bedrag_per_maand == b.norm - b.vakantietoeslag_reservering


def test_vermogensgrens_wisselt_per_2026() -> None:
    v = Vermogen(790000, 0)  # 7900.00: above 7770 (2025), below 8000 (2026)
    assert not bereken(huis(date(2025, 12, 31), vermogen=v)).recht
    assert bereken(huis(date(2026, 1, 1), vermogen=v)).recht


@pytest.mark.parametrize("peildatum", [date(2024, 6, 30), date(2027, 1, 1)])
def test_peildatum_buiten_bekende_perioden(peildatum: date) -> None:
    with pytest.raises(NotFoundError) as exc:
        bereken(huis(peildatum))
    assert exc.value.peildatum == peildatum


# ---------------------------------------------------------------- ages and categories


def test_21e_verjaardag() -> None:
    ervoor = bereken(huis(aanvrager=Persoon(geboren(21, dagen=1))))
    op = bereken(huis(aanvrager=Persoon(geboren(21))))
    assert (ervoor.normcategorie, ervoor.norm) == ("J", 34599)
    assert (op.normcategorie, op.norm) == ("M", 140150)


def test_aow_leeftijd_verjaardag() -> None:
    ervoor = bereken(huis(aanvrager=Persoon(geboren(67, dagen=1))))
    op = bereken(huis(aanvrager=Persoon(geboren(67))))
    assert (ervoor.normcategorie, ervoor.norm) == ("M", 140150)
    assert (op.normcategorie, op.norm) == ("O", 156469)
    assert [s.code for s in op.signaleringen] == ["uitvoering-svb"]
    assert not ervoor.signaleringen


def test_kostendeler_27e_verjaardag() -> None:
    ervoor = bereken(huis(medebewoners=(Medebewoner(geboren(27, dagen=1), Relatie.OVERIG),)))
    op = bereken(huis(medebewoners=(Medebewoner(geboren(27), Relatie.OVERIG),)))
    assert (ervoor.normcategorie, ervoor.norm, ervoor.aantal_kostendelers) == ("M", 140150, None)
    assert (op.normcategorie, op.norm, op.aantal_kostendelers) == ("KD", 100107, 2)  # 2002.13 / 2 = 1001.065


def test_schrikkeldag_verjaardag() -> None:
    # born 29 February 2004: 21 on 1 March 2025 (roll-over convention), not on 28 February
    a = Persoon(date(2004, 2, 29))
    assert bereken(huis(date(2025, 2, 28), a)).normcategorie == "J"
    assert bereken(huis(date(2025, 3, 1), a)).normcategorie == "M"


@pytest.mark.parametrize(
    ("a_jaren", "p_jaren", "kinderen", "categorie", "norm"),
    [
        (30, 30, 0, "MM", 200213),
        (30, 30, 1, "MM", 200213),
        (19, 19, 0, "JJ", 69198),
        (19, 19, 1, "JJK", 109241),
        (19, 30, 0, "MJ", 134706),
        (30, 20, 1, "MJK", 174749),
        (68, 60, 0, "MO", 214416),
        (60, 70, 0, "MO", 214416),
        (68, 70, 0, "OO", 214416),
        (19, 70, 0, "MJ", 134706),  # reference: MJ is "een 18/19/20 + een 21+"
    ],
)
def test_gehuwden_categorieen(a_jaren: int, p_jaren: int, kinderen: int, categorie: str, norm: int) -> None:
    b = bereken(
        huis(
            aanvrager=Persoon(geboren(a_jaren)),
            partner=Persoon(geboren(p_jaren)),
            kinderen=(date(2020, 1, 1),) * kinderen,
        )
    )
    assert b.leefvorm is Leefvorm.GEHUWDEN
    assert (b.normcategorie, b.norm) == (categorie, norm)


@pytest.mark.parametrize(
    ("jaren", "kinderen", "leefvorm", "categorie", "norm"),
    [
        (19, 0, Leefvorm.ALLEENSTAANDE, "J", 34599),
        (19, 1, Leefvorm.ALLEENSTAANDE_OUDER, "JK", 34599),
        (30, 0, Leefvorm.ALLEENSTAANDE, "M", 140150),
        (30, 2, Leefvorm.ALLEENSTAANDE_OUDER, "M", 140150),
        (70, 0, Leefvorm.ALLEENSTAANDE, "O", 156469),
    ],
)
def test_alleenstaanden(jaren: int, kinderen: int, leefvorm: Leefvorm, categorie: str, norm: int) -> None:
    b = bereken(huis(aanvrager=Persoon(geboren(jaren)), kinderen=(date(2015, 5, 5),) * kinderen))
    assert (b.leefvorm, b.normcategorie, b.norm) == (leefvorm, categorie, norm)


def test_verhoging_jongerennorm_wordt_gesignaleerd() -> None:
    b = bereken(huis(aanvrager=Persoon(geboren(19))))
    assert [s.code for s in b.signaleringen] == ["verhoging-jongerennorm-mogelijk"]
    assert "746.45" in b.signaleringen[0].tekst
    assert not bereken(huis(date(2025, 6, 1), Persoon(geboren(19, date(2025, 6, 1))))).signaleringen


# ---------------------------------------------------------------- kostendelers


def test_gehuwden_met_kostendeler_som_van_beide_delen() -> None:
    peil = date(2024, 7, 1)
    b = bereken(huis(peil, Persoon(geboren(40, peil)), Persoon(geboren(35, peil)), medebewoners=(kd(),)))
    assert (b.normcategorie, b.aantal_kostendelers, b.norm) == ("KD", 3, 2 * 80999)


def test_jonge_echtgenoot_met_kostendelers() -> None:
    peil = date(2025, 1, 1)
    zonder = huis(peil, Persoon(geboren(30, peil)), Persoon(geboren(19, peil)), medebewoners=(kd(),))
    b = bereken(zonder)
    # older spouse: (40 + 60) / 200 x 1922.07 = 961.035 -> 961.04; young spouse KD_JONG_ZONDER_KIND 332.17
    assert (b.normcategorie, b.aantal_kostendelers, b.norm) == ("KD", 2, 96104 + 33217)
    met_kind = bereken(
        huis(peil, Persoon(geboren(30, peil)), Persoon(geboren(19, peil)), (date(2023, 1, 1),), (kd(), kd()))
    )
    # A = 3: 130 / 300 x 1922.07 = 832.897 -> 832.90; KD_JONG_MET_KIND 716.58
    assert (met_kind.aantal_kostendelers, met_kind.norm) == (3, 83290 + 71658)
    assert any(t.parameter == "KD_JONG_MET_KIND@2025-01-01" for t in met_kind.toelichting)


def test_jonge_echtgenoot_met_kostendelers_2024_onbekend() -> None:
    peil = date(2024, 9, 1)
    with pytest.raises(NotFoundError) as exc:
        bereken(huis(peil, Persoon(geboren(30, peil)), Persoon(geboren(19, peil)), medebewoners=(kd(),)))
    assert exc.value.key == "KD_JONG_ZONDER_KIND"


def test_aow_kostendelersnorm_gebruikt_gehuwdennorm_pensioengerechtigden() -> None:
    b = bereken(huis(aanvrager=Persoon(geboren(70)), medebewoners=(kd(40),)))
    assert (b.normcategorie, b.norm) == ("KD", 107208)  # 2144.16 / 2
    assert any(t.parameter == "OO@2026-01-01" for t in b.toelichting)


@pytest.mark.parametrize(
    ("medebewoner", "telt"),
    [
        (kd(), True),
        (kd(26), False),
        (kd(studiefinanciering=True), False),
        (kd(bbl_leerling=True), False),
        (kd(relatie=Relatie.KIND, bbl_leerling=True), False),
        (kd(relatie=Relatie.KAMERHUURDER, commerciele_huurovereenkomst=True), False),
        (kd(relatie=Relatie.KOSTGANGER, commerciele_huurovereenkomst=True), False),
        (kd(relatie=Relatie.OVERIG, commerciele_huurovereenkomst=True), False),
        (kd(relatie=Relatie.KAMERHUURDER), True),  # no written commercial contract
        (kd(relatie=Relatie.OUDER, commerciele_huurovereenkomst=True), True),  # relatives count anyway
        (kd(relatie=Relatie.KIND, commerciele_huurovereenkomst=True), True),
        (kd(relatie=Relatie.BROER_ZUS, commerciele_huurovereenkomst=True), True),
    ],
)
def test_wie_is_kostendeler(medebewoner: Medebewoner, telt: bool) -> None:
    b = bereken(huis(medebewoners=(medebewoner,)))
    assert (b.normcategorie == "KD") is telt
    assert b.norm == (100107 if telt else 140150)


def test_jongere_alleenstaande_geen_kostendelersnorm() -> None:
    b = bereken(huis(aanvrager=Persoon(geboren(20)), medebewoners=(kd(), kd())))
    assert (b.normcategorie, b.norm, b.aantal_kostendelers) == ("J", 34599, None)


# ---------------------------------------------------------------- institution


def test_inrichting() -> None:
    b = bereken(huis(aanvrager=Persoon(geboren(40), in_inrichting=True), medebewoners=(kd(),)))
    assert (b.normcategorie, b.norm) == ("I", 44376)
    assert [s.code for s in b.signaleringen] == ["verhoging-inrichtingsnorm-mogelijk"]
    beiden = bereken(
        huis(aanvrager=Persoon(geboren(40), in_inrichting=True), partner=Persoon(geboren(40), in_inrichting=True))
    )
    assert (beiden.normcategorie, beiden.norm) == ("II", 69027)
    with pytest.raises(UndecidableError) as exc:
        bereken(huis(aanvrager=Persoon(geboren(40)), partner=Persoon(geboren(40), in_inrichting=True)))
    assert exc.value.field == "partner.inInrichting"


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("h", "veld"),
    [
        (huis(aanvrager=Persoon(date(2026, 3, 2))), "aanvrager.geboortedatum"),
        (huis(aanvrager=Persoon(geboren(30), verblijf_buitenland_dagen=-1)), "aanvrager.verblijfBuitenlandDagen"),
        (huis(kinderen=(geboren(18),)), "kinderen[0].geboortedatum"),
        (huis(kinderen=(date(2020, 1, 1), date(2026, 4, 1))), "kinderen[1].geboortedatum"),
        (huis(medebewoners=(Medebewoner(geboren(10), Relatie.KIND),)), "medebewoners[0].relatie"),
        (huis(medebewoners=(Medebewoner(date(2027, 1, 1), Relatie.OVERIG),)), "medebewoners[0].geboortedatum"),
        (huis(inkomsten=(Inkomen(Rol.PARTNER, InkomstenSoort.ARBEID, 100),)), "inkomsten[0].persoon"),
        (huis(inkomsten=(Inkomen(Rol.AANVRAGER, InkomstenSoort.ARBEID, -1),)), "inkomsten[0].nettoPerMaand"),
        (huis(vermogen=Vermogen(0, -1)), "vermogen.schulden"),
        (huis(vermogen=Vermogen(0, 0, -5)), "vermogen.overwaardeEigenWoning"),
    ],
)
def test_onbeslisbare_invoer_noemt_het_veld(h: Huishouden, veld: str) -> None:
    with pytest.raises(InvalidInputError) as exc:
        bereken(h)
    assert exc.value.field == veld
    assert veld in str(exc.value)


def test_toelichting_volledig() -> None:
    b = bereken(huis(inkomsten=(Inkomen(Rol.AANVRAGER, InkomstenSoort.UITKERING, 10000),)))
    stappen = [t.stap for t in b.toelichting]
    assert stappen == [
        "leefvorm",
        "norm",
        "inkomen",
        "inkomen",
        "vermogen",
        "bijstand",
        "vakantietoeslag",
        "uitbetaling",
    ]
    for t in b.toelichting:
        assert t.tekst
        assert t.artikel.startswith("Pw")
    assert b.regelset_versie

"""Art. 13 Pw: who has no right (lid 1) or no right to algemene bijstand (lid 2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gbi_domain.engine import Huishouden, Persoon, Vermogen, bereken_algemene_bijstand
from gbi_domain.errors import UndecidableError

PEIL = date(2026, 3, 1)


def geboren(jaren: int, dagen: int = 0) -> date:
    return date(PEIL.year - jaren, PEIL.month, PEIL.day) + timedelta(days=dagen)


def huis(aanvrager: Persoon, partner: Persoon | None = None) -> Huishouden:
    return Huishouden("0599", PEIL, aanvrager, Vermogen(0, 0), partner=partner)


def codes(aanvrager: Persoon, partner: Persoon | None = None) -> list[str]:
    b = bereken_algemene_bijstand(huis(aanvrager, partner))
    if b.recht:
        assert not b.redenen
    else:
        assert b.bedrag_per_maand == 0
        assert b.bijstand == 0
        assert b.normcategorie is None
    return [r.code for r in b.redenen]


def test_gedetineerd() -> None:
    assert codes(Persoon(geboren(30), gedetineerd=True)) == ["geen-recht-detentie"]


def test_onttrekking_aan_straf() -> None:
    assert codes(Persoon(geboren(30), onttrekt_zich_aan_straf=True)) == ["geen-recht-onttrekking-straf"]
    with pytest.raises(UndecidableError) as exc:
        bereken_algemene_bijstand(huis(Persoon(geboren(30)), Persoon(geboren(30), onttrekt_zich_aan_straf=True)))
    assert exc.value.field == "partner.onttrektZichAanStraf"


def test_buitenland_vier_weken() -> None:
    assert codes(Persoon(geboren(30), verblijf_buitenland_dagen=28)) == []
    assert codes(Persoon(geboren(30), verblijf_buitenland_dagen=29)) == ["geen-recht-buitenland"]


def test_buitenland_dertien_weken_vanaf_aow_leeftijd() -> None:
    assert codes(Persoon(geboren(67), verblijf_buitenland_dagen=91)) == []
    assert codes(Persoon(geboren(67), verblijf_buitenland_dagen=92)) == ["geen-recht-buitenland"]
    # the day before the AOW age the 4-week limit still applies
    assert codes(Persoon(geboren(67, dagen=1), verblijf_buitenland_dagen=29)) == ["geen-recht-buitenland"]


def test_jonger_dan_18() -> None:
    assert codes(Persoon(geboren(18, dagen=1))) == ["geen-recht-minderjarig"]
    assert codes(Persoon(geboren(18))) == []


def test_jonger_dan_27_met_studiefinanciering() -> None:
    assert codes(Persoon(geboren(27, dagen=1), studiefinanciering=True)) == [
        "geen-algemene-bijstand-studiefinanciering"
    ]
    with pytest.raises(UndecidableError) as exc:  # 27 or older with student finance: not guessed
        codes(Persoon(geboren(27), studiefinanciering=True))
    assert exc.value.field == "aanvrager.studiefinanciering"


def test_18_tot_21_in_inrichting() -> None:
    assert codes(Persoon(geboren(20), in_inrichting=True)) == ["geen-algemene-bijstand-inrichting"]
    b = bereken_algemene_bijstand(huis(Persoon(geboren(21), in_inrichting=True)))
    assert b.recht
    assert b.normcategorie == "I"


def test_meerdere_redenen_samen() -> None:
    assert codes(Persoon(geboren(30), gedetineerd=True, verblijf_buitenland_dagen=40)) == [
        "geen-recht-detentie",
        "geen-recht-buitenland",
    ]


@pytest.mark.parametrize(
    ("partner", "veld"),
    [
        (Persoon(geboren(30), gedetineerd=True), "partner.gedetineerd"),
        (Persoon(geboren(30), verblijf_buitenland_dagen=60), "partner.verblijfBuitenlandDagen"),
        (Persoon(geboren(22), studiefinanciering=True), "partner.studiefinanciering"),
        (Persoon(geboren(17)), "partner.geboortedatum"),
    ],
)
def test_echtgenoot_zonder_recht_is_handwerk(partner: Persoon, veld: str) -> None:
    # art. 24 (norm of the other spouse) and 32 lid 3 (means) need a caseworker
    with pytest.raises(UndecidableError) as exc:
        bereken_algemene_bijstand(huis(Persoon(geboren(30)), partner))
    assert exc.value.field == veld
    assert "Pw 24" in exc.value.reason


def test_aanvrager_uitgesloten_partner_niet_is_handwerk() -> None:
    with pytest.raises(UndecidableError) as exc:
        bereken_algemene_bijstand(huis(Persoon(geboren(30), gedetineerd=True), Persoon(geboren(30))))
    assert exc.value.field == "aanvrager.gedetineerd"


def test_beide_echtgenoten_uitgesloten() -> None:
    assert codes(Persoon(geboren(30), gedetineerd=True), Persoon(geboren(30), gedetineerd=True)) == [
        "geen-recht-detentie",
        "geen-recht-detentie",
    ]

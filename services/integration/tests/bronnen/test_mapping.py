"""The contracts' helpers that turn source answers into the domain calculation's input (``InkomenInvoer``,
``VermogenInvoer``, ``PersoonInvoer`` flags), on hand-built answers and on real dossiers from the simulator."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from gbi_shared.contracts.berekening import BerekeningVerzoek, InkomenInvoer, PersoonInvoer, VermogenInvoer
from gbi_shared.contracts.bronnen import (
    Detentie,
    Detenties,
    Dossier,
    Eigendom,
    Eigendommen,
    Hypotheek,
    Inhoudingsplichtige,
    Inkomsten,
    Inkomstenopgave,
    Inkomstenverhouding,
    Periode,
    PeriodeVerzoek,
    Studiefinanciering,
    Toekenning,
    Voertuig,
    Voertuigen,
    bedrag,
    centen,
    gedetineerd_op,
    inkomen_invoer,
    standaardperiode,
    studiefinanciering_op,
    vermogen_invoer,
)
from gbi_shared.contracts.huishouden import Bronvermelding
from gbi_simulator.bronnen.suwinet import heffing

from .conftest import Headers

BRON = Bronvermelding(bron="test", opgevraagd_op=datetime(2026, 3, 1, tzinfo=UTC))
BSN = "999995431"


def _opgave(vanaf: date, tot: date, netto: int) -> Inkomstenopgave:
    return Inkomstenopgave(
        periode=Periode(vanaf=vanaf, tot=tot),
        bruto=bedrag(netto + 100_00),
        loon_voor_loonheffing=bedrag(netto + 100_00),
        loonheffing="100.00",
        netto=bedrag(netto),
    )


def _ikv(soort: str, opgaven: list[Inkomstenopgave]) -> Inkomstenverhouding:
    return Inkomstenverhouding(
        id="1",
        soort=soort,
        inhoudingsplichtige=Inhoudingsplichtige(loonheffingennummer="811234560L01", naam="X"),
        periode=Periode(vanaf=date(2020, 1, 1)),
        opgaven=opgaven,
    )


def test_money_helpers() -> None:
    assert [bedrag(c) for c in (0, 5, 140150, -250_00)] == ["0.00", "0.05", "1401.50", "-250.00"]
    assert [centen(b) for b in ("0.00", "0.05", "1401.50", "-250.00")] == [0, 5, 140150, -250_00]


def test_the_standard_period_is_the_three_whole_months_before() -> None:
    assert standaardperiode(date(2026, 1, 15)) == Periode(vanaf=date(2025, 10, 1), tot=date(2026, 1, 1))
    assert standaardperiode(date(2026, 3, 1)) == Periode(vanaf=date(2025, 12, 1), tot=date(2026, 3, 1))


def test_periods_are_checked() -> None:
    with pytest.raises(ValidationError):
        Periode(vanaf=date(2026, 1, 2), tot=date(2026, 1, 2))
    with pytest.raises(ValidationError):
        PeriodeVerzoek(bsn=BSN, vanaf=date(2026, 1, 2), tot=date(2026, 1, 1))
    p = Periode(vanaf=date(2026, 1, 1), tot=date(2026, 2, 1))
    assert p.bevat(date(2026, 1, 31))
    assert not p.bevat(date(2026, 2, 1))  # tot is exclusive
    assert p.overlapt(date(2026, 1, 31), None)
    assert not p.overlapt(date(2026, 2, 1), date(2026, 3, 1))


def test_income_is_averaged_per_month_per_relation() -> None:
    inkomsten = Inkomsten(
        bsn=BSN,
        periode=Periode(vanaf=date(2026, 1, 1), tot=date(2026, 4, 1)),
        geleverd=None,
        volledig=True,
        inkomstenverhoudingen=[
            _ikv(
                "loon",
                [
                    _opgave(date(2026, 1, 1), date(2026, 2, 1), 1000_00),
                    _opgave(date(2026, 2, 1), date(2026, 3, 1), 1100_00),
                    _opgave(date(2026, 3, 1), date(2026, 4, 1), 1200_01),
                ],
            ),
            _ikv("ww", [_opgave(date(2026, 3, 1), date(2026, 4, 1), 500_00)]),
            _ikv("aow", [_opgave(date(2026, 1, 1), date(2026, 1, 15), 700_00)]),  # half a month
            _ikv("bijstand", []),  # no opgaven: nothing to count
        ],
        bron=BRON,
    )
    invoer = inkomen_invoer(inkomsten, "partner")
    assert invoer == [
        InkomenInvoer(persoon="partner", soort="arbeid", netto_per_maand="1100.00"),
        InkomenInvoer(persoon="partner", soort="uitkering", netto_per_maand="500.00"),
        InkomenInvoer(persoon="partner", soort="pensioen", netto_per_maand="1521.88"),
    ]


def _eigendom(aanduiding: str, woz: int, hypotheek: int, *, eigen: bool, noemer: int = 1) -> Eigendom:
    return Eigendom(
        kadastrale_aanduiding=aanduiding,
        soort="perceel",
        aard_recht="eigendom",
        aandeel_teller=1,
        aandeel_noemer=noemer,
        woz_waarde=bedrag(woz),
        hypotheken=[Hypotheek(bedrag=bedrag(hypotheek))] if hypotheek else [],
        eigen_woning=eigen,
    )


def test_assets_from_vehicles_property_and_debts() -> None:
    auto = Voertuig(
        kenteken="ZT414K",
        soort="personenauto",
        merk="T",
        datum_tenaamstelling=date(2025, 1, 1),
        geschatte_waarde="9000.00",
    )
    aanvrager = Eigendommen(
        bsn="999992661",
        peildatum=date(2026, 1, 1),
        eigendommen=[
            _eigendom("SGR00 H 4711", 385_000_00, 250_000_00, eigen=True, noemer=2),
            _eigendom("VRE01 A 1", 100_000_00, 40_000_00, eigen=False),
        ],
        bron=BRON,
    )
    partner = Eigendommen(
        bsn="999991279",
        peildatum=date(2026, 1, 1),
        eigendommen=[_eigendom("SGR00 H 4711", 385_000_00, 250_000_00, eigen=True, noemer=2)],
        bron=BRON,
    )
    voertuigen = Voertuigen(bsn="999992661", peildatum=date(2026, 1, 1), voertuigen=[auto], bron=BRON)
    dubbel = Voertuigen(bsn="999991279", peildatum=date(2026, 1, 1), voertuigen=[auto], bron=BRON)
    sf = Studiefinanciering(
        bsn="999991279", periode=Periode(vanaf=date(2026, 1, 1)), toekenningen=[], studieschuld="5000.00", bron=BRON
    )
    v = vermogen_invoer(voertuigen=[voertuigen, dubbel], eigendommen=[aanvrager, partner], studiefinanciering=[sf])
    assert v == VermogenInvoer(bezittingen="109000.00", schulden="40000.00", overwaarde_eigen_woning="135000.00")
    met_schuld = vermogen_invoer(eigendommen=[aanvrager], studiefinanciering=[sf], studieschuld_meetellen=True)
    assert met_schuld.schulden == "45000.00"
    onder_water = Eigendommen(
        bsn="999996551",
        peildatum=date(2026, 1, 1),
        eigendommen=[_eigendom("UTT00 K 2210", 265_000_00, 298_000_00, eigen=True)],
        bron=BRON,
    )
    assert vermogen_invoer(eigendommen=[onder_water]) == VermogenInvoer(
        bezittingen="0.00", schulden="33000.00", overwaarde_eigen_woning="0.00"
    )


def test_detention_and_student_finance_on_the_peildatum() -> None:
    detenties = Detenties(
        bsn=BSN,
        periode=Periode(vanaf=date(2025, 1, 1), tot=date(2027, 1, 1)),
        detenties=[
            Detentie(
                id="1", periode=Periode(vanaf=date(2025, 3, 1), tot=date(2025, 3, 10)), inrichting="PI", titel="tbs"
            )
        ],
        bron=BRON,
    )
    assert gedetineerd_op(detenties, date(2025, 3, 9))
    assert not gedetineerd_op(detenties, date(2025, 3, 10))  # the day of release
    sf = Studiefinanciering(
        bsn=BSN,
        periode=Periode(vanaf=date(2025, 1, 1)),
        toekenningen=[
            Toekenning(
                regeling="wsf",
                onderwijs="hbo",
                periode=Periode(vanaf=date(2025, 9, 1)),
                bedrag_per_maand="300.00",
                prestatiebeurs=True,
            )
        ],
        bron=BRON,
    )
    assert studiefinanciering_op(sf, date(2026, 1, 1))
    assert not studiefinanciering_op(sf, date(2025, 8, 31))


def _dossier(client: TestClient, headers: Headers, bsn: str, gemeente: str = "0518") -> Dossier:
    peildatum = datetime.now(UTC).date()
    response = client.post(
        "/internal/integration/v1/bronnen/dossier",
        json={"bsn": bsn, "peildatum": peildatum.isoformat()},
        headers=headers(gemeente=gemeente),
    )
    assert response.status_code == 200, response.text
    return Dossier.model_validate(response.json())


def test_real_dossiers_become_a_calculation_request(client: TestClient, headers: Headers) -> None:
    """Albert and Anne-Marie (couple, own home half each), from the simulator into ``BerekeningVerzoek``."""
    albert = _dossier(client, headers, "999992661")
    anne = _dossier(client, headers, "999991279")
    assert albert.volledig
    assert anne.volledig
    assert albert.inkomsten is not None
    assert albert.eigendommen is not None
    assert anne.eigendommen is not None
    assert albert.detenties is not None
    assert albert.studiefinanciering is not None
    inkomsten = inkomen_invoer(albert.inkomsten, "aanvrager")
    assert [(i.soort, i.netto_per_maand) for i in inkomsten] == [("uitkering", bedrag(210_400 - heffing(210_400)))]
    vermogen = vermogen_invoer(eigendommen=[albert.eigendommen, anne.eigendommen])
    assert vermogen == VermogenInvoer(bezittingen="0.00", schulden="0.00", overwaarde_eigen_woning="135000.00")
    peildatum = albert.peildatum
    verzoek: dict[str, Any] = {
        "gemeente": "0518",
        "peildatum": peildatum,
        "aanvrager": PersoonInvoer(
            geboortedatum=date(1971, 7, 17),
            gedetineerd=gedetineerd_op(albert.detenties, peildatum),
            studiefinanciering=studiefinanciering_op(albert.studiefinanciering, peildatum),
        ),
        "partner": PersoonInvoer(geboortedatum=date(1972, 9, 28)),
        "inkomsten": inkomsten,
        "vermogen": vermogen,
    }
    berekening = BerekeningVerzoek(**verzoek)
    assert berekening.vermogen is not None
    assert berekening.vermogen.overwaarde_eigen_woning == "135000.00"


def test_a_detained_person_and_a_debt_from_the_simulator(client: TestClient, headers: Headers) -> None:
    jan = _dossier(client, headers, "999990792")
    assert jan.detenties is not None
    assert gedetineerd_op(jan.detenties, jan.peildatum)
    adriana = _dossier(client, headers, "999996551", gemeente="0344")
    assert adriana.eigendommen is not None
    assert vermogen_invoer(eigendommen=[adriana.eigendommen]).schulden == "33000.00"
    johan = _dossier(client, headers, "999994979")
    assert johan.studiefinanciering is not None
    assert not studiefinanciering_op(johan.studiefinanciering, johan.peildatum)
    assert (
        vermogen_invoer(studiefinanciering=[johan.studiefinanciering], studieschuld_meetellen=True).schulden
        == "23450.17"
    )

"""Input that does not fit the soort, or a letter that would contradict its own calculation: 400 naming every
field, before anything is rendered."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gbi_domain.beschikking import render_beschikking
from gbi_shared.contracts.beschikking import BeschikkingVerzoek
from gbi_shared.errors import BadRequestError

from .conftest import afwijzing, berekening, buiten_behandeling, toekenning


def velden(data: dict[str, Any]) -> list[str]:
    with pytest.raises(BadRequestError) as info:
        render_beschikking(BeschikkingVerzoek.model_validate(data))
    assert info.value.status == 400
    assert info.value.invalid_params
    return [p.name for p in info.value.invalid_params]


def test_toekenning_zonder_berekening() -> None:
    data = toekenning()
    del data["berekening"]
    assert velden(data) == ["berekening"]


def test_toekenning_zonder_ingangsdatum() -> None:
    data = toekenning()
    del data["ingangsdatum"]
    assert velden(data) == ["ingangsdatum"]


def test_toekenning_met_berekening_zonder_recht() -> None:
    data = toekenning()
    data["berekening"] = berekening(vermogen={"bezittingen": "12500.00", "schulden": "0.00"})
    assert "berekening.recht" in velden(data)


def test_bedrag_wijkt_af_van_de_berekening() -> None:
    assert velden(toekenning(bedragPerMaand="1331.43")) == ["bedragPerMaand"]


def test_bedrag_uit_de_berekening_als_het_ontbreekt() -> None:
    data = toekenning()
    del data["bedragPerMaand"]
    gerenderd = render_beschikking(BeschikkingVerzoek.model_validate(data))
    assert gerenderd.metadata.soort == "toekenning"


def test_berekening_van_een_andere_gemeente() -> None:
    data = toekenning()
    data["berekening"] = berekening(gemeente="0363")
    assert velden(data) == ["berekening.gemeente"]


def test_afwijzing_zonder_reden() -> None:
    data = afwijzing(redenen=[])
    data["berekening"] = berekening()  # a calculation with a right: it gives no reason to refuse
    assert velden(data) == ["redenen"]
    data = afwijzing(redenen=[])
    del data["berekening"]
    assert velden(data) == ["redenen"]


def test_velden_die_niet_bij_de_soort_horen() -> None:
    assert velden(afwijzing(ingangsdatum="2026-03-01", bedragPerMaand="1.00")) == ["ingangsdatum", "bedragPerMaand"]
    assert velden(buiten_behandeling(berekening=berekening())) == ["berekening"]
    redenen = [{"code": "x", "tekst": "Een reden", "artikel": "Pw 11"}]
    assert velden(toekenning(redenen=redenen)) == ["redenen"]


def test_buiten_behandeling_zonder_stukken_of_met_lopende_termijn() -> None:
    data = buiten_behandeling()
    del data["buitenBehandeling"]
    assert velden(data) == ["buitenBehandeling"]
    lopend = buiten_behandeling()
    lopend["buitenBehandeling"]["hersteltermijnTot"] = "2026-03-20"  # the letter's own date: not yet expired
    assert velden(lopend) == ["buitenBehandeling.hersteltermijnTot"]


def test_vier_ogen_is_iemand_anders() -> None:
    assert velden(toekenning(goedgekeurdDoor={"naam": " a. jansen "})) == ["goedgekeurdDoor.naam"]


def test_data_na_de_brief() -> None:
    data = toekenning(aanvraagdatum="2026-04-01", voorschotten=[{"betaaldOp": "2026-04-01", "bedrag": "10.00"}])
    assert velden(data) == ["aanvraagdatum", "voorschotten[0].betaaldOp"]


def test_alle_fouten_tegelijk() -> None:
    data = toekenning(goedgekeurdDoor={"naam": "A. Jansen"}, redenen=[{"code": "x", "tekst": "t", "artikel": "Pw 1"}])
    del data["berekening"]
    del data["ingangsdatum"]
    assert velden(data) == ["ingangsdatum", "berekening", "redenen", "goedgekeurdDoor.naam"]


@pytest.mark.parametrize(
    ("wijziging", "veld"),
    [
        ({"soort": "intrekking"}, ("soort",)),
        ({"bedragPerMaand": "1331.4"}, ("bedragPerMaand",)),
        ({"zaakIdentificatie": "Z 1"}, ("zaakIdentificatie",)),
        ({"onbekend": 1}, ("onbekend",)),
    ],
)
def test_schema(wijziging: dict[str, Any], veld: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        BeschikkingVerzoek.model_validate(toekenning(**wijziging))
    assert veld in [e["loc"] for e in info.value.errors()]


def test_schema_weigert_ongeldig_bsn_en_stuurtekens() -> None:
    data = toekenning()
    data["ontvanger"]["bsn"] = "123456789"
    with pytest.raises(ValidationError):
        BeschikkingVerzoek.model_validate(data)
    data = toekenning()
    data["ontvanger"]["naam"] = "J.\x00de Vries"
    with pytest.raises(ValidationError):
        BeschikkingVerzoek.model_validate(data)


def test_te_lange_toelichting_past_niet_in_een_brief() -> None:
    data = toekenning()
    data["berekening"]["toelichting"][1]["regel"] = "lang " * 200
    assert velden(data) == ["berekening.toelichting[1]"]
    data = toekenning()
    data["berekening"]["toelichting"] = data["berekening"]["toelichting"] * 20
    assert velden(data) == ["berekening.toelichting"]

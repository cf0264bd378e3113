"""HTTP boundary: the pydantic contracts (camelCase, amounts as two-decimal strings) and the edge mapping."""

from __future__ import annotations

import re
import typing
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from gbi_domain.engine import InkomstenSoort, Leefvorm, Relatie, Rol
from gbi_domain.errors import InvalidInputError, NotFoundError
from gbi_domain.mapping import (
    bereken,
    bereken_bijzondere_bijstand_antwoord,
    bereken_voorschot_antwoord,
    zoek_norm_antwoord,
)
from gbi_shared.contracts.berekening import (
    BerekeningAntwoord,
    BerekeningVerzoek,
    BijzondereBijstandVerzoek,
    InkomstenSoortCode,
    LeefvormCode,
    RelatieCode,
    RolCode,
)

TWEE_DECIMALEN = re.compile(r"^-?[0-9]+\.[0-9]{2}$")


def verzoek(**extra: Any) -> dict[str, Any]:
    basis: dict[str, Any] = {
        "gemeente": "0599",
        "peildatum": "2026-01-01",
        "aanvrager": {"geboortedatum": "1990-05-17"},
        "vermogen": {"bezittingen": "1250.00", "schulden": "0.00"},
    }
    basis.update(extra)
    return basis


def test_codelijsten_gelijk_aan_engine() -> None:
    assert set(typing.get_args(LeefvormCode)) == {v.value for v in Leefvorm}
    assert set(typing.get_args(RelatieCode)) == {v.value for v in Relatie}
    assert set(typing.get_args(RolCode)) == {v.value for v in Rol}
    assert set(typing.get_args(InkomstenSoortCode)) == {v.value for v in InkomstenSoort}


def test_berekening_via_contract() -> None:
    antwoord = bereken(BerekeningVerzoek.model_validate(verzoek()))
    json = antwoord.model_dump(mode="json", by_alias=True)
    assert json["norm"] == "1401.50"
    assert json["vakantietoeslagReservering"] == "70.08"
    assert json["bedragPerMaand"] == "1331.42"
    assert json["bijstandInclusiefVakantietoeslag"] == "1401.50"
    assert json["inTeKortenInkomen"] == "0.00"
    assert json["leefvorm"] == "alleenstaande"
    assert json["normcategorie"] == "M"
    assert json["aantalKostendelers"] is None
    assert json["recht"] is True
    regel = next(t for t in json["toelichting"] if t["stap"] == "norm")
    assert regel == {
        "stap": "norm",
        "regel": regel["regel"],
        "artikel": "Pw 21 a",
        "bedrag": "1401.50",
        "parameterversie": "M@2026-01-01",
        "geldigVanaf": "2026-01-01",
    }
    BerekeningAntwoord.model_validate(json)  # round trip through the wire format


def _bedragen(obj: Any) -> list[str]:
    gevonden: list[str] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in {"bedrag", "norm", "kosten", "drempel", "grondslag"} or k.startswith(("draagkracht", "bedrag")):
                if v is not None:
                    gevonden.append(v)
            else:
                gevonden.extend(_bedragen(v))
    elif isinstance(obj, list):
        for v in obj:
            gevonden.extend(_bedragen(v))
    return gevonden


def test_alle_bedragen_strings_met_twee_decimalen() -> None:
    v = BerekeningVerzoek.model_validate(
        verzoek(
            partner={"geboortedatum": "1992-02-02"},
            kinderen=[{"geboortedatum": "2020-01-01"}],
            medebewoners=[{"geboortedatum": "1950-01-01", "relatie": "ouder"}],
            inkomsten=[
                {
                    "persoon": "partner",
                    "soort": "arbeid",
                    "nettoPerMaand": "812.34",
                    "vrijlatingStartdatum": "2025-12-01",
                }
            ],
            vermogen={"bezittingen": "100.00", "schulden": "900.00", "overwaardeEigenWoning": "70000.00"},
        )
    )
    json = bereken_voorschot_antwoord(v).model_dump(mode="json", by_alias=True)
    bedragen = _bedragen(json)
    assert len(bedragen) > 10
    assert all(isinstance(b, str) and TWEE_DECIMALEN.match(b) for b in bedragen)
    assert json["percentage"] == "95"
    assert json["berekening"]["geldlening"] is True
    assert json["berekening"]["aantalKostendelers"] == 3


@pytest.mark.parametrize(
    ("pad", "waarde"),
    [
        (("vermogen", "bezittingen"), "1250.5"),
        (("vermogen", "bezittingen"), "1250"),
        (("vermogen", "bezittingen"), 1250.5),
        (("vermogen", "bezittingen"), "-1.00"),
        (("vermogen", "bezittingen"), "1.250,00"),
        (("gemeente",), "599"),
        (("peildatum",), "01-01-2026"),
        (("aanvrager", "verblijfBuitenlandDagen"), 400),
        (("aanvrager", "onbekendVeld"), True),
    ],
)
def test_ongeldige_verzoeken_worden_geweigerd(pad: tuple[str, ...], waarde: object) -> None:
    data = verzoek()
    doel = data
    for stap in pad[:-1]:
        doel = doel[stap]
    doel[pad[-1]] = waarde
    with pytest.raises(ValidationError) as exc:
        BerekeningVerzoek.model_validate(data)
    assert tuple(str(p) for p in exc.value.errors()[0]["loc"])[: len(pad)] == pad


def test_ontbrekende_geboortedatum_noemt_het_veld() -> None:
    data = verzoek(aanvrager={})
    with pytest.raises(ValidationError) as exc:
        BerekeningVerzoek.model_validate(data)
    fout = exc.value.errors()[0]
    assert fout["loc"] == ("aanvrager", "geboortedatum")
    assert fout["type"] == "missing"


def test_domeinfouten_komen_ongewijzigd_door() -> None:
    with pytest.raises(InvalidInputError) as exc:
        bereken(BerekeningVerzoek.model_validate(verzoek(kinderen=[{"geboortedatum": "2000-01-01"}])))
    assert exc.value.field == "kinderen[0].geboortedatum"
    with pytest.raises(NotFoundError):
        bereken(BerekeningVerzoek.model_validate(verzoek(peildatum="2027-01-01")))


def test_verzoek_zoals_het_procesniveau_het_stuurt_zonder_vermogen() -> None:
    data = verzoek(kinderen=[], medebewoners=[], inkomsten=[])
    del data["vermogen"]
    json = bereken(BerekeningVerzoek.model_validate(data)).model_dump(mode="json", by_alias=True)
    assert json["recht"] is True
    assert [s["code"] for s in json["signaleringen"]] == ["vermogen-niet-getoetst"]


def test_norm_antwoord() -> None:
    n = zoek_norm_antwoord("MM", date(2024, 7, 1)).model_dump(mode="json", by_alias=True)
    assert n["bedrag"] == "1869.21"
    assert n["versie"] == "MM@2024-07-01"
    assert n["geldigTot"] == "2025-01-01"


def test_bijzondere_bijstand_via_contract() -> None:
    v = BijzondereBijstandVerzoek.model_validate(
        {
            "huishouden": verzoek(peildatum="2026-03-01"),
            "kostensoort": "bewindvoering",
            "kosten": "1200.00",
            "inkomenPerMaand": "1700.00",
            "beleid": {
                "beleidId": "rotterdam-achtig@2026-01-01",
                "draagkrachtschijven": [
                    {"vanafPctNorm": "0", "totPctNorm": "110", "pctMeetellen": "0"},
                    {"vanafPctNorm": "110", "totPctNorm": "150", "pctMeetellen": "50"},
                    {"vanafPctNorm": "150", "pctMeetellen": "100"},
                ],
                "draagkrachtperiodeMaanden": 12,
                "toegestaneKostensoorten": ["bewindvoering"],
            },
        }
    )
    json = bereken_bijzondere_bijstand_antwoord(v).model_dump(mode="json", by_alias=True)
    assert (json["draagkrachtPerMaand"], json["draagkracht"], json["bedrag"]) == ("79.18", "950.16", "249.84")
    assert json["toegekend"] is True
    assert json["drempel"] == "176.00"
    with pytest.raises(ValidationError):
        BijzondereBijstandVerzoek.model_validate({**v.model_dump(by_alias=True), "kosten": "12.5"})

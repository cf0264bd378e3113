"""The portal's application form: amounts and dates as people type them, errors in plain Dutch, and a complete
draft that is exactly the public contract (``AanvraagIndiening``)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gbi_interaction.web.portaal.formulier import STAPPEN, als_indiening, bedrag, controleer, stap, velden_van
from gbi_shared.contracts.kanaal import AanvraagIndiening

COMPLEET = {
    "partner": "ja",
    "partner_naam": "Gerrit den Braber",
    "partner_geboortedatum": "1968-03-02",
    "kind1_naam": "Sam",
    "kind1_geboortedatum": "12-05-2018",
    "mede1_naam": "Opa",
    "mede1_geboortedatum": "1940-01-01",
    "mede1_relatie": "ouder",
    "woning_soort": "huurwoning",
    "woonkosten": "1.050,00",
    "inkomen": "ja",
    "ink1_persoon": "partner",
    "ink1_soort": "arbeid",
    "ink1_bedrag": "1234,5",
    "ink1_omschrijving": "Bouwbedrijf",
    "bezittingen": "€ 2.500",
    "schulden": "0",
    "overwaarde": "",
    "buitenland_dagen": "3",
    "iban": "nl91 abna 0417 1643 00",
    "email": "wilma@example.nl",
    "telefoon": "",
    "waarheid": "ja",
}


@pytest.mark.parametrize(
    ("tekst", "waarde"),
    [
        ("1234,56", Decimal("1234.56")),
        ("1.234,56", Decimal("1234.56")),
        ("1234.56", Decimal("1234.56")),
        ("1.234", Decimal("1234.00")),
        ("€ 500", Decimal("500.00")),
        ("0", Decimal("0.00")),
        ("", None),
        ("   ", None),
    ],
)
def test_amounts_as_people_type_them(tekst: str, waarde: Decimal | None) -> None:
    assert bedrag(tekst) == waarde


@pytest.mark.parametrize("tekst", ["een beetje", "12,345", "1e5", "-5", "1.2.3,4,5", "12345678901234"])
def test_what_is_no_amount(tekst: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        bedrag(tekst)


def test_a_complete_draft_is_the_public_contract() -> None:
    assert controleer(COMPLEET) == {}
    body = als_indiening(COMPLEET)
    indiening = AanvraagIndiening.model_validate(body)
    assert indiening.iban == "NL91ABNA0417164300"
    assert indiening.woning.woonkosten_per_maand == "1050.00"
    assert indiening.vermogen.bezittingen == "2500.00"
    assert indiening.vermogen.overwaarde_eigen_woning == "0.00"
    assert [i.netto_per_maand for i in indiening.inkomsten] == ["1234.50"]
    assert indiening.huishouden.partner is not None
    assert str(indiening.huishouden.kinderen[0].geboortedatum) == "2018-05-12"
    assert indiening.huishouden.medebewoners[0].relatie == "ouder"
    assert indiening.verblijf_buitenland_dagen == 3
    assert indiening.naar_waarheid_ingevuld is True


def test_an_empty_draft_names_every_missing_answer_in_dutch() -> None:
    fouten = controleer({})
    assert list(fouten) == [s.naam for s in STAPPEN]
    assert fouten["huishouden"] == {"partner": "Geef aan of u een partner hebt met wie u samenwoont."}
    assert fouten["woning"] == {"woning_soort": "Kies waar u woont."}
    assert fouten["rekening"]["iban"].startswith("Vul het rekeningnummer (IBAN) in")
    assert fouten["controleren"] == {"waarheid": "Bevestig dat u alles naar waarheid hebt ingevuld."}


@pytest.mark.parametrize(
    ("wijziging", "stapnaam", "veld", "tekst"),
    [
        ({"iban": "NL91ABNA0417164301"}, "rekening", "iban", "Dit rekeningnummer klopt niet."),
        ({"email": "geen-adres", "telefoon": ""}, "rekening", "email", "Dit e-mailadres klopt niet."),
        ({"telefoon": "12"}, "rekening", "telefoon", "Dit telefoonnummer klopt niet."),
        ({"partner_geboortedatum": "2999-01-01"}, "huishouden", "partner_geboortedatum", "ligt in de toekomst"),
        ({"kind1_geboortedatum": "31-02-2020"}, "huishouden", "kind1_geboortedatum", "als dag-maand-jaar"),
        ({"partner_bsn": "123456789"}, "huishouden", "partner_bsn", "burgerservicenummer klopt niet"),
        ({"mede1_relatie": ""}, "huishouden", "mede1_relatie", "Kies wat medebewoner 1 van u is."),
        ({"bezittingen": "veel"}, "vermogen", "bezittingen", "een bedrag in euro"),
        ({"buitenland_dagen": "400"}, "vermogen", "buitenland_dagen", "0 tot en met 366"),
        ({"ink1_soort": ""}, "inkomen", "ink1_soort", "Kies de soort van inkomen 1."),
        ({"partner": "nee"}, "inkomen", "ink1_persoon", "geen partner opgegeven"),
        ({"ink1_bedrag": ""}, "inkomen", "ink1_bedrag", "minstens één inkomen"),
        ({"waarheid": ""}, "controleren", "waarheid", "naar waarheid"),
    ],
)
def test_each_wrong_answer_is_explained_at_its_field(
    wijziging: dict[str, str], stapnaam: str, veld: str, tekst: str
) -> None:
    fouten = controleer(COMPLEET | wijziging)
    assert tekst in fouten[stapnaam][veld]


def test_a_step_takes_only_its_own_fields_trimmed_and_bounded() -> None:
    woning = stap("woning")
    assert woning is not None
    velden = velden_van(woning, {"woning_soort": " kamer ", "woonkosten": "x" * 500, "iban": "NL..", "csrf": "t"})
    assert velden == {"woning_soort": "kamer", "woonkosten": "x" * 300}
    assert stap("bestaat-niet") is None

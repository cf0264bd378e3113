"""Unit tests of the conversion from the RvIG mock format to BRP Personen v2."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from gbi_shared.contracts.common import is_valid_bsn
from gbi_simulator.brp.convert import convert_person, gba_datum, leeftijd, voorletters


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("19750707", {"type": "Datum", "datum": "1975-07-07", "langFormaat": "7 juli 1975"}),
        ("20000930", {"type": "Datum", "datum": "2000-09-30", "langFormaat": "30 september 2000"}),
        ("19941000", {"type": "JaarMaandDatum", "jaar": 1994, "maand": 10, "langFormaat": "oktober 1994"}),
        ("20120000", {"type": "JaarDatum", "jaar": 2012, "langFormaat": "2012"}),
        ("00000000", {"type": "DatumOnbekend", "onbekend": True, "langFormaat": "onbekend"}),
        ("20230231", {"type": "DatumOnbekend", "onbekend": True, "langFormaat": "onbekend"}),
        ("", None),
        (None, None),
    ],
)
def test_gba_datum(raw: str | None, expected: dict[str, Any] | None) -> None:
    assert gba_datum(raw) == expected


def test_leeftijd() -> None:
    born = gba_datum("19750707")
    assert leeftijd(born, date(2025, 7, 6)) == 49
    assert leeftijd(born, date(2025, 7, 7)) == 50
    leap = gba_datum("20080229")
    assert leeftijd(leap, date(2026, 2, 28)) == 17
    assert leeftijd(leap, date(2026, 3, 1)) == 18
    # Year and month known: an age except in the birth month itself.
    month = gba_datum("19941000")
    assert leeftijd(month, date(2025, 9, 30)) == 30
    assert leeftijd(month, date(2025, 10, 15)) is None
    assert leeftijd(month, date(2025, 11, 1)) == 31
    assert leeftijd(gba_datum("19940000"), date(2025, 1, 1)) is None


@pytest.mark.parametrize(
    ("voornamen", "expected"),
    [("Theodoor-Christiaan R. Philip", "T.R.P."), ("Jan", "J."), ("Jan P Karel", "J.P K."), (None, None)],
)
def test_voorletters(voornamen: str | None, expected: str | None) -> None:
    assert voorletters(voornamen) == expected


def test_bsn_elfproef() -> None:
    assert is_valid_bsn("999993653")
    assert is_valid_bsn("000009830")
    assert not is_valid_bsn("999993654")
    assert not is_valid_bsn("12345678")
    assert not is_valid_bsn("000000000")
    assert not is_valid_bsn("99999365a")


def _raw(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "burgerservicenummer": "999993653",
        "geslacht": {"code": "V", "omschrijving": "vrouw"},
        "naam": {
            "aanduidingNaamgebruik": {"code": "V", "omschrijving": "geslachtsnaam echtgenoot/geregistreerd partner"},
            "voornamen": "Anna Maria",
            "voorvoegsel": "van",
            "geslachtsnaam": "Dam",
        },
        "geboorte": {"datum": "19800101", "land": {"code": "6030", "omschrijving": "Nederland"}},
        "verblijfplaats": {
            "straat": "Dorpsstr",
            "naamOpenbareRuimte": "Dorpsstraat",
            "huisnummer": "12",
            "huisletter": "a",
            "huisnummertoevoeging": "2",
            "postcode": "1234AB",
            "woonplaats": "Ons Dorp",
            "functieAdres": {"code": "W", "omschrijving": "woonadres"},
            "datumAanvangAdreshouding": "20200101",
            "datumIngangGeldigheid": "20200101",
        },
        "gemeenteVanInschrijving": {"code": "0363", "omschrijving": "Amsterdam"},
        "partners": [
            {
                "burgerservicenummer": "999990001",
                "naam": {"voorvoegsel": "de", "geslachtsnaam": "Vries", "voornamen": "Piet"},
                "soortVerbintenis": {"code": "H", "omschrijving": "huwelijk"},
                "aangaanHuwelijkPartnerschap": {"datum": "20050505"},
            },
            {
                "burgerservicenummer": "999990002",
                "naam": {"geslachtsnaam": "Eerder"},
                "aangaanHuwelijkPartnerschap": {"datum": "20000101"},
                "ontbindingHuwelijkPartnerschap": {"datum": "20030303"},
            },
        ],
    }
    base.update(extra)
    return base


def test_address_and_letters() -> None:
    person = convert_person(_raw()).persoon
    verblijfplaats = person["verblijfplaats"]
    assert verblijfplaats["type"] == "Adres"
    assert verblijfplaats["verblijfadres"] == {
        "officieleStraatnaam": "Dorpsstraat",
        "korteStraatnaam": "Dorpsstr",
        "huisnummer": 12,
        "huisletter": "a",
        "huisnummertoevoeging": "2",
        "postcode": "1234AB",
        "woonplaats": "Ons Dorp",
    }
    assert verblijfplaats["datumVan"]["datum"] == "2020-01-01"
    adressering = person["adressering"]
    assert adressering["adresregel1"] == "Dorpsstr 12 a2"
    assert adressering["adresregel2"] == "1234 AB  ONS DORP"
    # Naamgebruik V: partner's name before her own.
    assert adressering["aanhef"] == "Geachte mevrouw De Vries-van Dam"
    assert adressering["aanschrijfwijze"] == {"naam": "A.M. de Vries-van Dam"}
    assert adressering["gebruikInLopendeTekst"] == "mevrouw De Vries-van Dam"
    # The table value is fitted to the spec's pattern (no slash).
    assert (
        person["naam"]["aanduidingNaamgebruik"]["omschrijving"] == "geslachtsnaam echtgenoot of geregistreerd partner"
    )


def test_only_current_partners_are_delivered() -> None:
    person = convert_person(_raw()).persoon
    assert [p["burgerservicenummer"] for p in person["partners"]] == ["999990001"]


def test_the_last_ended_partner_when_there_is_no_current_one() -> None:
    raw = _raw()
    raw["partners"][0]["ontbindingHuwelijkPartnerschap"] = {"datum": "20100101"}
    person = convert_person(raw).persoon
    assert [p["burgerservicenummer"] for p in person["partners"]] == ["999990001"]
    assert person["partners"][0]["ontbindingHuwelijkPartnerschap"]["datum"]["datum"] == "2010-01-01"


def test_foreign_and_unknown_residence() -> None:
    buitenland = {"land": {"code": "5010", "omschrijving": "België"}, "regel1": "Rue 1", "regel2": "Bruxelles"}
    person = convert_person(_raw(verblijfplaats={**buitenland, "datumAanvangAdresBuitenland": "20200000"})).persoon
    assert person["verblijfplaats"]["type"] == "VerblijfplaatsBuitenland"
    assert person["verblijfplaats"]["datumVan"] == {"type": "JaarDatum", "jaar": 2020, "langFormaat": "2020"}
    assert person["adressering"]["adresregel1"] == "Rue 1"
    assert person["adressering"]["land"] == {"code": "5010", "omschrijving": "België"}
    onbekend = convert_person(_raw(verblijfplaats={"land": {"code": "0000"}})).persoon
    assert onbekend["verblijfplaats"]["type"] == "VerblijfplaatsOnbekend"


def test_in_onderzoek_and_vastgesteld_niet_op_adres() -> None:
    raw = _raw(persoonInOnderzoek={"aanduidingGegevensInOnderzoek": "010310", "datumIngangOnderzoek": "20200202"})
    raw["verblijfplaats"]["inOnderzoek"] = {
        "aanduidingGegevensInOnderzoek": "081160",
        "datumIngangOnderzoek": "20220101",
    }
    person = convert_person(raw).persoon
    assert person["geboorte"]["inOnderzoek"]["datum"] is True
    assert person["inOnderzoek"]["leeftijd"] is True
    assert person["verblijfplaats"]["verblijfadres"]["inOnderzoek"]["postcode"] is True
    assert person["adressering"]["inOnderzoek"]["adresregel2"] is True

    raw["verblijfplaats"]["inOnderzoek"] = {
        "aanduidingGegevensInOnderzoek": "089999",
        "datumIngangOnderzoek": "20220101",
    }
    person = convert_person(raw).persoon
    assert person["verblijfplaats"]["indicatieVastgesteldVerblijftNietOpAdres"] is True
    assert person["adressering"]["indicatieVastgesteldVerblijftNietOpAdres"] is True


def test_noble_title_in_letters() -> None:
    raw = _raw(
        geslacht={"code": "M", "omschrijving": "man"},
        naam={
            "aanduidingNaamgebruik": {"code": "E", "omschrijving": "eigen geslachtsnaam"},
            "voornamen": "Robert",
            "adellijkeTitelPredicaat": {"code": "G", "omschrijving": "graaf", "soort": "titel"},
            "voorvoegsel": "van der",
            "geslachtsnaam": "Leijen",
        },
    )
    person = convert_person(raw).persoon
    assert person["naam"]["volledigeNaam"] == "Robert graaf van der Leijen"
    assert person["adressering"]["aanschrijfwijze"] == {
        "naam": "R. graaf van der Leijen",
        "aanspreekvorm": "De hooggeboren heer",
    }
    assert person["adressering"]["aanhef"] == "Hooggeboren heer"

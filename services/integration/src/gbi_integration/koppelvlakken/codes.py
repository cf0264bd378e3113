"""Code lists of the GBI koppelvlakken (VNG Ontologie Inkomen, SUWI/SGR tables) and how GBI maps them.

Aanvragen 1.2.1 and behandelen 0.95 carry codes ("1", "12a", "LB01"), beslissen 1.0 carries the texts. The
meaning of a code is taken from the Ontologie Inkomen's enumerations as the VNG GBI tooling publishes them (code =
name); where only the order is known, the text list of beslissen 1.0 (the same enumeration, same order, generated
from the same model) gives the meaning, which is marked below as *by position*. Verify those against the
Ontologie Inkomen code table before relying on them for payments.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final, Literal

__all__ = [
    "BRONTYPE_TEKST",
    "CODE_RELATIE_BEWONER_TEKST",
    "INKOMSTENCOMPONENTTYPE_TEKST",
    "LEEFVORM_TEKST",
    "MEDEBEWONER_RELATIE",
    "PERIODEN_PER_MAAND",
    "REDEN_TEKST",
    "SOORT_UITBETALING_TEKST",
    "VERMOGENSCOMPONENT_TEKST",
    "VERMOGEN_SOORT",
    "inkomstensoort",
]

JA, NEE = "1", "2"

# PrimairInkomstencomponenttype: 1 Alimentatie, 2 AnderInkomen, 3 BetaaldWerk, 4 Pensioen, 5 Studiefinanciering,
# 6 Uitkering, 7 Stage, 8 Hobby, 9 EigenBedrijf.
INKOMSTENCOMPONENTTYPE_TEKST: Final[dict[str, str]] = {
    "1": "Alimentatie",
    "2": "Ander inkomen",
    "3": "Betaald werk",
    "4": "Pensioen",
    "5": "Studiefinanciering",
    "6": "Uitkering",
    "7": "Stage",
    "8": "Hobby",
    "9": "Eigen bedrijf",
}

InkomstenSoort = Literal["arbeid", "uitkering", "alimentatie", "pensioen", "kinderbijslag", "toeslag", "overig"]


def inkomstensoort(componenttype: str, inkomstensoort_uitkering: str | None) -> InkomstenSoort:
    """The kind of income as GBI's calculation knows it (``InkomstenSoortCode``)."""
    if componenttype == "6":
        # AKW: Algemene Kinderbijslagwet.
        return "kinderbijslag" if inkomstensoort_uitkering == "AKW" else "uitkering"
    soorten: dict[str, InkomstenSoort] = {"1": "alimentatie", "3": "arbeid", "4": "pensioen", "7": "arbeid"}
    return soorten.get(componenttype, "overig")


# PeriodiciteitUitbetaling: 0 NVT, 1 Dagelijks, 2 Wekelijks, 3 Tweewekelijks, 4 Vierwekelijks, 5 Vijfwekelijks,
# 6 Maandelijks, 7 Kwartaal, 8 Jaar, 9 Eenmalig -> how many of those periods make a month (0 and 9: none).
PERIODEN_PER_MAAND: Final[dict[str, Fraction]] = {
    "1": Fraction(365, 12),
    "2": Fraction(52, 12),
    "3": Fraction(26, 12),
    "4": Fraction(13, 12),
    "5": Fraction(52, 60),
    "6": Fraction(1),
    "7": Fraction(1, 3),
    "8": Fraction(1, 12),
}

# SoortUitbetaling: 01 Klant, 02 Partner, 03 Gesplitst, 04 Gemachtigde, 05 Bewindvoerder (beslissen's texts).
SOORT_UITBETALING_TEKST: Final[dict[str, str]] = {
    "01": "Klant",
    "02": "Partner",
    "03": "Gesplitst",
    "04": "Gemachtigde",
    "05": "Bewindvoerder",
}

# CodeRelatieBewonerTotHuisvesting: 0 Onbekend, 1 Eigenaar, 2 Huurder, 3 Onderhuurder of kamerbewoner,
# 6 Gehuisvest in inrichting, 7 Geen vaste woon- of verblijfplaats (zwervend), 8 idem (bank tot bank), 9 Anders,
# 99 Niet van toepassing -> beslissen's texts.
CODE_RELATIE_BEWONER_TEKST: Final[dict[str, str]] = {
    "0": "onbekend",
    "1": "(mede)eigenaar",
    "2": "huurder",
    "3": "onderhuurder/kamerbewoner",
    "6": "gehuisvest in inrichting",
    "7": "geen vaste woon- of verblijfplaats en niet behorend tot de doelgroep Besluit adreslozen",
    "8": "geen vaste woon- of verblijfplaats en niet behorend tot de doelgroep Besluit adreslozen",
    "9": "anders",
    "99": "niet van toepassing",
}

# Medebewoner.Relatietype: 0 Onbekend, 1 Kind van 18 of ouder, 2 Ouder of schoonouder, 3 Broer of zus,
# 4 Overig familielid, 5 Kostganger, 6 Onderhuurder, 7 Ex-partner, 8 Medeouder van kind, 9 Verzorger,
# 10 Verzorgde, 11 Kostendeler, 12 Voormalig uitkeringdeler, 13 Kind jonger dan 18, 14 Stiefkind,
# 15 Aangetrouwd kind, 16 Opa of oma, 17 Kostgever of verhuurder, 99 Anders -> GBI's RelatieCode (None: not a
# medebewoner for the calculation: a minor child belongs to the household, which the BRP gives). "overig" is what
# may hide a gezamenlijke huishouding: the process sends those cases to a home visit.
MEDEBEWONER_RELATIE: Final[dict[str, str | None]] = {
    "0": "overig",
    "1": "kind",
    "2": "ouder",
    "3": "broer-zus",
    "4": "overig",
    "5": "kostganger",
    "6": "kamerhuurder",
    "7": "overig",
    "8": "overig",
    "9": "overig",
    "10": "overig",
    "11": "overig",
    "12": "overig",
    "13": None,
    "14": "kind",
    "15": "kind",
    "16": "overig",
    "17": "kamerhuurder",
    "99": "overig",
}

# CodeSoortVermogenscomponent, *by position* (beslissen 1.0 lists the texts in the order of aanvragen 1.2.1's
# codes: 1, 10, 11, 12, 12a, 13, 13a, 14, 15, 2, ..., 9, 16, ..., 19).
VERMOGENSCOMPONENT_TEKST: Final[dict[str, str]] = {
    "1": "Eigen woning (huis/woonschip/woonwagen in eigendom)",
    "10": "Aandeel onverdeelde boedel",
    "11": "Leningen aan derden",
    "12": "Schulden",
    "12a": "Schulden uitgezonderd studieschuld",
    "13": "Levensverzekering",
    "13a": "Levensverzekering/belegging niet gekoppeld aan hypotheek",
    "14": "Studieschuld",
    "15": "Levensverzekering/belegging gekoppeld aan hypotheek",
    "2": "Contanten",
    "3": "Bank-/Girorekening",
    "4": "Overig onroerend goed",
    "5": "Waardepapieren",
    "6": "Motorvoertuigen",
    "7": "Caravans",
    "8": "Antiek/sieraden",
    "9": "Overige bezittingen",
    "16": "Beleggingsproduct (Aandeel, Lease, Effect, Obligatie, e.d.)",
    "17": "Hypotheek eigen woning",
    "18": "Aanspraak op erfenis binnen zes maanden",
    "19": "Digitale valuta (cryptomunten)",
}

VermogenSoort = Literal["bezitting", "schuld", "geregistreerd", "apart"]
# What a component is for the declared vermogen GBI's process adds to what the registers know: the RDW knows
# vehicles and the Kadaster real estate ("geregistreerd": not declared twice); the mortgage and the insurance tied
# to it go with the house; a student debt is assessed apart (Pw 34). Kept in the stored message either way.
VERMOGEN_SOORT: Final[dict[str, VermogenSoort]] = {
    "1": "geregistreerd",
    "4": "geregistreerd",
    "6": "geregistreerd",
    "15": "geregistreerd",
    "17": "geregistreerd",
    "12": "schuld",
    "12a": "schuld",
    "14": "apart",
    "2": "bezitting",
    "3": "bezitting",
    "5": "bezitting",
    "7": "bezitting",
    "8": "bezitting",
    "9": "bezitting",
    "10": "bezitting",
    "11": "bezitting",
    "13": "bezitting",
    "13a": "bezitting",
    "16": "bezitting",
    "18": "bezitting",
    "19": "bezitting",
}

# Waardepeiling.Brontype, *by position*: 1 Klant, 2 Professional, 3 Register, 4 Externe bron.
BRONTYPE_TEKST: Final[dict[str, str]] = {"1": "Klant", "2": "Professional", "3": "Register", "4": "Externe bron"}

# GBI's leefvorm (domain calculation) -> beslissen's Huishouden.Leefvorm and behandelen's Leefsituatie (1
# Institutioneel huishouden, 2 Eenoudergezin, 3 Alleenstaand, 4 Vaste partners met kinderen, 5 Vaste partners
# zonder kinderen, 6 Overig huishouden).
LEEFVORM_TEKST: Final[dict[str, str]] = {
    "alleenstaande": "alleenstaande",
    "alleenstaande-ouder": "eenoudergezin",
    "gehuwden": "gehuwd/ongehuwd samenwonend",
}

# RedenAanvraagLevensonderhoud codes -> beslissen's RedenAanvraag texts (where beslissen has one).
REDEN_TEKST: Final[dict[str, dict[str, str]]] = {
    "OnvoldoendeInkomen": {
        "1": "Ik heb geen werk meer",
        "2": "Ik heb wel inkomsten, maar die zijn te laag",
        "3": "Mijn uitkering (geen bijstandsuitkering) is stopgezet",
        "4": "Mijn bijstandsuitkering is stopgezet",
        "5": "Mijn eerdere bijstandsaanvraag is afgewezen of niet in behandeling genomen",
        "6": "Mijn alimentatie is gestopt",
        "7": "Mijn studiefinanciering is gestopt",
    },
    "Verblijfstatus": {
        "1": "Ik heb een verblijfsvergunning gekregen",
        "2": "Ik heb een verblijfsvergunning gekregen en vertrek uit een asielzoekerscentrum",
    },
    "WijzigingGezin": {
        "1": "Ik had een eigen uitkering, maar doe nu een nieuwe aanvraag samen met mijn partner",
        "2": "Mijn relatie is verbroken",
        "3": "Mijn partner is overleden",
    },
    "Zelfstandige": {
        "1": "Ik ben gestopt met mijn eigen bedrijf",
        "2": "Ik heb een eigen bedrijf, maar onvoldoende inkomen",
    },
}

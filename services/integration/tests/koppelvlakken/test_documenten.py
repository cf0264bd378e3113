"""Behandelen 0.95 and beslissen 1.0 for GBI's cases: every document GBI serves is valid against the official
response schema (and, as published, wrong only in the twice-escaped UUID pattern), carries the standard's
API-version, and is refused (404, the standard's Fout) to another gemeente's integrator."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_integration.koppelvlakken.aanvraag import naar_indiening
from gbi_shared import ActorType
from gbi_shared.contracts.alo import Aanvraag, Besluit, Uitkering
from gbi_shared.contracts.berekening import BerekeningAntwoord

from .conftest import (
    AMSTERDAM,
    KATINKA,
    PREFIX,
    ROTTERDAM,
    Gateway,
    Headers,
    Simulator,
    aanvragen_schema,
    assert_fout,
    assert_valid,
    errors,
    maak_aanvraag,
    notificatie,
)

BEHANDELD = f"{PREFIX}/AanvragenLevensonderhoudBehandeld"
BESLISSING = f"{PREFIX}/AanvragenLevensonderhoudBeslissing"
BEHANDELEN = "levensonderhoud-behandelen-0.95.yaml"
BESLISSEN = "levensonderhoud-beslissen-1.0.yaml"
IBAN = "NL91ABNA0417164300"


def berekening(leefvorm: str = "alleenstaande", inkomen: str = "0.00", kostendelers: int | None = None) -> Any:
    return BerekeningAntwoord(
        gemeente=ROTTERDAM,
        peildatum=date(2026, 11, 2),
        recht=True,
        redenen=[],
        signaleringen=[],
        leefvorm=leefvorm,  # type: ignore[arg-type]
        normcategorie="M" if leefvorm != "gehuwden" else "G",
        aantal_kostendelers=kostendelers,
        norm="1401.50",
        vakantietoeslag_reservering="70.08",
        in_te_korten_inkomen=inkomen,
        bijstand_inclusief_vakantietoeslag="1401.50",
        bedrag_per_maand="1331.42",
        geldlening=False,
        toelichting=[],
        regelset_versie="2026-07",
    ).model_dump(mode="json", by_alias=True)


def beslis(gateway: Gateway, aanvraag_id: uuid.UUID, soort: str = "toekenning", **gronden: Any) -> None:
    toekenning = soort == "toekenning"
    aanvraag = gateway.aanvragen[aanvraag_id]
    gateway.besluiten[aanvraag_id] = Besluit(
        id=uuid.uuid4(),
        gemeente=aanvraag.gemeente,
        aanvraag_id=aanvraag_id,
        soort=soort,  # type: ignore[arg-type]
        datum=date(2026, 11, 20),
        ingangsdatum=aanvraag.meldingsdatum if toekenning else None,
        bedrag_per_maand_cents=133142 if toekenning else None,
        gronden={"berekening": berekening(**gronden)},
        beschikking_document_id=None,
        vastgesteld_door="gbi-proces (automatisch)",
        goedgekeurd_door=None,
        created_at=datetime.now(UTC),
    )
    if toekenning:
        gateway.uitkeringen[aanvraag_id] = Uitkering(
            id=uuid.uuid4(),
            gemeente=aanvraag.gemeente,
            aanvraag_id=aanvraag_id,
            startdatum=aanvraag.meldingsdatum,
            bedrag_per_maand_cents=133142,
            status="actief",
            created_at=datetime.now(UTC),
        )


def _get(api: TestClient, path: str, headers: dict[str, str]) -> Any:
    return api.get(path, headers=headers)


def _behandeld(api: TestClient, headers: Headers, aid: Any, gemeente: str = ROTTERDAM) -> dict[str, Any]:
    resp = api.get(f"{BEHANDELD}/{aid}", headers=headers(gemeente))
    assert resp.status_code == 200, resp.text
    assert resp.headers["api-version"] == "0.95"
    body: dict[str, Any] = resp.json()
    assert_valid(BEHANDELEN, "ZaakLOBehandeld", body)
    return body


def _beslissing(api: TestClient, headers: Headers, aid: Any, gemeente: str = ROTTERDAM) -> dict[str, Any]:
    resp = api.get(f"{BESLISSING}/{aid}", headers=headers(gemeente))
    assert resp.status_code == 200, resp.text
    assert resp.headers["api-version"] == "1.0"
    body: dict[str, Any] = resp.json()
    assert_valid(BESLISSEN, "DienstAangevraagd", body)
    return body


# ------------------------------------------------------------------------------------------------ from the koppelvlak


def test_a_case_from_the_front_office_before_and_after_the_decision(
    api: TestClient, headers: Headers, sim: Simulator, gateway: Gateway
) -> None:
    aanvraag = sim.aanvraag()
    meld = api.post(f"{PREFIX}/notificaties", json=notificatie(aanvraag["resourceUrl"]), headers=headers())
    assert meld.status_code == 200, meld.text
    aid = uuid.UUID(meld.json()["kenmerken"]["gbiAanvraagId"])

    doc = _behandeld(api, headers, aid)
    lo = doc["LOBehandeld"]
    assert lo["Aanvraagid"] == aanvraag["aanvraagId"]  # the chain's id: the front office's
    assert doc["Uuid"] == doc["Identificatie"] == str(aid)
    assert doc["Url"] == f"https://api.gbi.example.nl{BEHANDELD}/{aid}"
    assert lo["CodeOntvangendeGemeente"] == ROTTERDAM
    assert lo["Huishouding"]["Aanvrager"]["Burgerservicenummer"] == KATINKA
    assert lo["Huishouding"]["Aanvrager"]["Geboortedatum"] == "1992-09-09"
    assert lo["Huishouding"]["UitbetalingUitkering"] == {
        "SoortUitbetaling": "01",
        "Bankrekening": IBAN,
        "Rekeninghouder": "Katinka Vogel",
    }
    assert lo["RedenAanvraagLevensonderhoud"] == {"OnvoldoendeInkomen": "1"}
    assert "Besluit" not in lo
    fout = assert_fout(api.get(f"{BESLISSING}/{aid}", headers=headers()), 404, "1.0", BESLISSEN)
    assert fout["code"] == "nog-niet-beslist"

    beslis(gateway, aid)
    doc = _behandeld(api, headers, aid)
    melding = aanvraag["bericht"]["LOaangevraagd"]["IngangBijstandsuitkering"]["DatumMeldingBijGemeente"]
    assert doc["LOBehandeld"]["Besluit"] == {"Dienst": {"Begindatum": melding, "Einddatum": "9999-12-31"}}
    assert doc["LOBehandeld"]["Huishouding"]["Leefsituatie"] == "3"
    dienst = _beslissing(api, headers, aid)
    assert dienst["Aanvraagid"] == aanvraag["aanvraagId"]
    assert dienst["CodeOntvangendeGemeente"] == ROTTERDAM
    assert dienst["Norm"] == [{"Normbedrag": 1401.5, "Normpercentage": 100, "SoortWettelijkeNorm": "M"}]
    assert dienst["AantalKostendelers"] == 1
    assert dienst["Betaling"][0]["SoortUitbetaling"] == "Klant"
    assert dienst["RedenAanvraagClient"] == [{"OnvoldoendeInkomen": "Ik heb geen werk meer"}]
    (aanvrager,) = dienst["Aanvrager"]
    assert aanvrager["Huisvesting"] == [{"CodeRelatieBewonerTotHuisvesting": "huurder"}]
    assert aanvrager["Huishouden"] == [{"Leefvorm": "alleenstaande"}]
    assert aanvrager["Vermogenscomponenten"] == [
        {
            "CodeSoortVermogenscomponent": "Bank-/Girorekening",
            "Waardepeilingen": [
                {
                    "Brontype": "Klant",
                    "WaardeVermogenscomponent": 150.0,
                    "Peilmoment": aanvraag["bericht"]["LOaangevraagd"]["Aanvraagdatum"],
                }
            ],
        }
    ]
    assert aanvrager["Correspondentieadres"]["Postcode"] == "3065GA"


def test_another_gemeente_gets_404_and_only_integrators_get_anything(
    api: TestClient, headers: Headers, gateway: Gateway
) -> None:
    aanvraag = gateway.add(maak_aanvraag(ROTTERDAM, KATINKA, {"iban": IBAN}, kanaal="digitaal"))
    beslis(gateway, aanvraag.id)
    for path, versie, doc in ((BEHANDELD, "0.95", BEHANDELEN), (BESLISSING, "1.0", BESLISSEN)):
        assert_fout(api.get(f"{path}/{aanvraag.id}", headers=headers(AMSTERDAM)), 404, versie, doc)
        assert_fout(api.get(f"{path}/niet-een-uuid", headers=headers()), 404, versie, doc)
        assert_fout(api.get(f"{path}/{uuid.uuid4()}", headers=headers()), 404, versie, doc)
        medewerker = headers(ROTTERDAM, actor_type=ActorType.MEDEWERKER, roles=("inkomensconsulent",))
        assert_fout(api.get(f"{path}/{aanvraag.id}", headers=medewerker), 403, versie, doc)
        assert_fout(api.get(f"{path}/{aanvraag.id}"), 401, versie, doc)
    # Every read went to the data service for the integrator's gemeente, as the integration service itself.
    reads = [r for r in gateway.requests if r.path.startswith("/internal/data/")]
    assert reads
    assert {r.headers["gbi-gemeente"] for r in reads} == {ROTTERDAM, AMSTERDAM}


def test_afgewezen_has_no_dienst(api: TestClient, headers: Headers, gateway: Gateway) -> None:
    aanvraag = gateway.add(maak_aanvraag(ROTTERDAM, KATINKA, {"iban": IBAN}, kanaal="digitaal"))
    beslis(gateway, aanvraag.id, "afwijzing")
    doc = _behandeld(api, headers, aanvraag.id)
    assert "Besluit" not in doc["LOBehandeld"]
    fout = assert_fout(api.get(f"{BESLISSING}/{aanvraag.id}", headers=headers()), 404, "1.0", BESLISSEN)
    assert fout["code"] == "geen-toekenning"


# ------------------------------------------------------------------------------------------------ a rich message

GEBOREN = "1990-04-01"


def _persoon(bsn: str, geboren: str, **extra: Any) -> dict[str, Any]:
    return {
        "Burgerservicenummer": bsn,
        "Geboortedatum": geboren,
        "Huisvesting": {
            "CodeRelatieBewonerTotHuisvesting": "3",
            "IndicatieZelfstandigeWoonruimte": "2",
            "ToelichtingHuisvesting": "Een kamer",
        },
        "Profiel": {},
        **extra,
    }


def rijk_bericht(aanvraag_id: str, gemeente: str = ROTTERDAM) -> dict[str, Any]:
    """Everything aanvragen 1.2.1 lets a front office say, in one message."""
    inkomen = [
        {
            "Bekostiger": {"Naam": "Werkgever BV", "Loonheffingsnummer": "123456789L01"},
            "PrimairInkomstencomponent": {
                "PrimairInkomstencomponenttype": "3",
                "Inkomsten": "400.00",
                "PeriodiciteitUitbetaling": "2",
                "PeriodeStartdatum": "2026-01-01",
                "PeriodeEinddatum": "2026-12-31",
                "InkomstencomponenttypeSpecifiekeGegevens": {
                    "indicatieLoonheffingskorting": "1",
                    "IndicatieReserveringVT": "1",
                },
                "SecundairInkomstencomponent": [
                    {"SecundairInkomstencomponenttype": "4", "Inkomsten": "32,00", "Boekingsdatum": "2026-05-25"},
                    {"Boekingsdatum": "2026-06-25"},
                ],
                "BijgevoegdBewijs": "1",
                "LinkNaarBewijs": "https://frontoffice.example.nl/bewijs/1",
            },
        },
        {
            "PrimairInkomstencomponent": {
                "PrimairInkomstencomponenttype": "6",
                "Inkomsten": "120",
                "PeriodiciteitUitbetaling": "7",
                "PeriodeStartdatum": "2026-01-01",
                "PeriodeEinddatum": "2026-12-31",
                "InkomstencomponenttypeSpecifiekeGegevens": {"InkomstensoortUitkering": "AKW"},
            },
        },
        {
            "PrimairInkomstencomponent": {
                "PrimairInkomstencomponenttype": "2",
                "Inkomsten": "310;00",
                "PeriodeStartdatum": "2026-10-01",
                "PeriodeEinddatum": "2026-12-31",
                "InkomstencomponenttypeSpecifiekeGegevens": {"Categorie": "4", "BeschrijvingAnderInkomen": "Giften"},
            },
        },
        {  # ended before the melding: not a current income
            "PrimairInkomstencomponent": {
                "PrimairInkomstencomponenttype": "1",
                "Inkomsten": "999,00",
                "PeriodiciteitUitbetaling": "6",
                "PeriodeStartdatum": "2025-01-01",
                "PeriodeEinddatum": "2025-12-31",
            },
        },
        {  # a one-off
            "PrimairInkomstencomponent": {
                "PrimairInkomstencomponenttype": "8",
                "Inkomsten": "50,00",
                "PeriodiciteitUitbetaling": "9",
                "PeriodeStartdatum": "2026-11-01",
                "PeriodeEinddatum": "2026-11-30",
            },
        },
    ]
    vermogen = [
        {
            "CodeSoortVermogenscomponent": "3",
            "VermogenscomponentSpecifiekeGegevens": {"Iban": IBAN, "Tenaamstelling": "K. Vogel"},
            "Waardepeiling": [
                {
                    "WaardesoortVermogenscomponent": "1",
                    "WaardeVermogenscomponent": "100,00",
                    "Peilmoment": "2026-10-01",
                    "Brontype": "1",
                },
                {
                    "WaardesoortVermogenscomponent": "1",
                    "WaardeVermogenscomponent": "-25.50",
                    "Peilmoment": "2026-11-01",
                    "Brontype": "3",
                },
            ],
        },
        {
            "CodeSoortVermogenscomponent": "2",
            "Waardepeiling": [
                {
                    "WaardesoortVermogenscomponent": "1",
                    "WaardeVermogenscomponent": "80",
                    "Peilmoment": "2026-11-01",
                    "Brontype": "1",
                    "BijgevoegdBewijs": "2",
                }
            ],
        },
        {
            "CodeSoortVermogenscomponent": "12a",
            "Waardepeiling": [
                {
                    "WaardesoortVermogenscomponent": "1",
                    "WaardeVermogenscomponent": "1000,00",
                    "Peilmoment": "2026-11-01",
                    "Brontype": "1",
                }
            ],
        },
        {
            "CodeSoortVermogenscomponent": "6",
            "VermogenscomponentSpecifiekeGegevens": {"SoortMotorvoertuig": "P", "Kenteken": "AB-12-CD"},
            "Waardepeiling": [
                {
                    "WaardesoortVermogenscomponent": "5",
                    "WaardeVermogenscomponent": "4000,00",
                    "Peilmoment": "2026-11-01",
                    "Brontype": "1",
                }
            ],
        },
        {
            "CodeSoortVermogenscomponent": "14",
            "Waardepeiling": [{"WaardesoortVermogenscomponent": "1", "Peilmoment": "2026-11-01", "Brontype": "3"}],
        },
    ]
    aanvrager = _persoon(
        KATINKA,
        "1992-09-09",
        ANummer="1234567890",
        Adreshouding=[
            {
                "CodeFunctieAdres": "W",
                "Adres": {
                    "Straatnaam": "Maria Wesselingstraat",
                    "Huisnummer": 8,
                    "Huisletter": "a",
                    "Huisnummertoevoeging": "2",
                    "Postcode": "3065 GA",
                    "Woonplaatsnaam": "Rotterdam",
                },
            },
            {
                "CodeFunctieAdres": "B",
                "Adres": {"Postbusnummer": 1234, "Postcode": "3000AA", "Woonplaatsnaam": "Rotterdam"},
            },
            {"CodeFunctieAdres": "V"},
        ],
        Contactgegevens=[
            {
                "EMailadres": "k.vogel@example.nl",
                "Telefoonnummer": "0101234567",
                "IndicatieGeheimTelefoonnummer": "2",
                "IndicatieVoorkeurTelefoonnummer": "1",
                "CodeTypeTelefoonnummer": "01",
                "TelefoonLandnummer": 31,
            },
            {"CodeTypeTelefoonnummer": "02"},
        ],
        Identiteitsbewijs={"CodeSoortIdentiteitsbewijs": "LB10", "DocumentnummerIdentiteitsbewijs": "IX1234567"},
        Verblijfstitel={"CodeVerblijfstitel": "0"},
        Bewindvoerder={
            "RolOrganisatie": "B",
            "Vestiging": {"KvkNummer": "12345678", "Vestigingsnummer": "000012345678"},
        },
        Kinderen=[
            {
                "OuderKindRelatietype": "OK",
                "IndicatieWonenOpZelfdeAdres": "1",
                "IndicatieCoOuder": "8",
                "IndicatieKinderbijslag": "1",
                "IndicatieOnderhoudsplicht": "1",
                "Kind": {"Burgerservicenummer": "999995431", "Geboortedatum": "2019-03-03"},
            }
        ],
        Medebewoners=[
            {
                "Bewoner": {
                    "Burgerservicenummer": "999990792",
                    "Geboortedatum": "1960-01-01",
                    "Geslachtsnaamstam": "Vogel",
                },
                "IndicatieKostendeler": "1",
                "Relatietype": "2",
            },
            {
                "Bewoner": {"Burgerservicenummer": "999994979", "Geboortedatum": "2000-02-02"},
                "IndicatieKostendeler": "2",
                "Relatietype": "6",
            },
            {
                "Bewoner": {"Burgerservicenummer": "999993653", "Geboortedatum": "1950-05-05"},
                "IndicatieKostendeler": "1",
                "Relatietype": "10",
            },
            {
                "Bewoner": {"Burgerservicenummer": "999995431", "Geboortedatum": "2019-03-03"},
                "IndicatieKostendeler": "2",
                "Relatietype": "13",
            },
        ],
    )
    aanvrager["Profiel"] = {
        "BeschikbaarheidWerk": {"Uren": 20, "Reden": "Zorg voor een kind"},
        "Inkomstenverhoudingen": inkomen,
        "Vermogenscomponent": vermogen,
    }
    partner = _persoon("999993653", GEBOREN)
    partner["Profiel"] = {
        "Inkomstenverhoudingen": [
            {
                "Bekostiger": {"Burgerservicenummer": "999990792", "Geboortedatum": "1960-01-01"},
                "PrimairInkomstencomponent": {
                    "PrimairInkomstencomponenttype": "1",
                    "Inkomsten": "200,00",
                    "PeriodiciteitUitbetaling": "6",
                    "PeriodeStartdatum": "2026-01-01",
                    "PeriodeEinddatum": "2027-12-31",
                },
            }
        ]
    }
    return {
        "Uuid": str(uuid.uuid4()),
        "Url": "https://frontoffice.example.nl/zaken/1",
        "Betrokkenen": [{"Naam": "Front office", "Omschrijving": "GZAC", "Rol": [{"Rolomschrijving": "Initiator"}]}],
        "LOaangevraagd": {
            "Aanvraagid": aanvraag_id,
            "Aanvraagdatum": "2026-11-03",
            "Aanvraagtype": {"Naam": "Aanvraag levensonderhoud", "SoortAanvraag": "A"},
            "CodeOntvangendeGemeente": f"GM{gemeente}",
            "IngangBijstandsuitkering": {
                "DatumMeldingBijGemeente": "2026-11-02",
                "AfwijkendeIngangsdatum": "1",
                "GewensteStartdatumUitkering": "2026-10-15",
                "NaMeldingGemeenteDigitaalVerwezen": "2",
                "RedenAfwijkendestartdatum": {
                    "RedenAfwijkingAanwezig": "1",
                    "Redenafwijkendestartdatumtype": "2",
                    "StartdatumOpname": "2026-09-01",
                    "OntvangstdatumBeslissingInstantie": "2026-10-10",
                },
            },
            "RedenAanvraagLevensonderhoud": {"OnvoldoendeInkomen": "9", "WijzigingGezin": "2", "Zelfstandige": "3"},
            "Huishouding": {
                "Aanvrager": aanvrager,
                "Medeaanvrager": partner,
                "Leefvorm": "7",
                "UitbetalingUitkering": {
                    "SoortUitbetaling": "05",
                    "Bankrekening": IBAN,
                    "BankrekeningDerde": "NL20INGB0001234567",
                    "RekeninghouderDerde": "Bewindvoering BV",
                    "AanDerdeReden": "Beschermingsbewind",
                },
            },
        },
    }


def test_everything_a_message_can_say_comes_back_valid(api: TestClient, headers: Headers, gateway: Gateway) -> None:
    aanvraag_id = str(uuid.uuid4())
    bericht = rijk_bericht(aanvraag_id)
    assert not errors(aanvragen_schema(), bericht)
    assert errors(aanvragen_schema(corrected=False), bericht)  # the published schema refuses any real UUID
    indiening = naar_indiening(bericht, frontoffice="simulator", gemeente=ROTTERDAM, resource_url="https://x/y")
    g = indiening.gegevens
    assert g["iban"] == "NL20INGB0001234567"  # 05 bewindvoerder: paid to the third party
    assert g["adres"] == ["Postbus 1234", "3000 AA Rotterdam"]  # the briefadres
    assert g["inkomsten"] == [
        {"persoon": "aanvrager", "soort": "arbeid", "nettoPerMaand": "1733.33"},  # 400 a week
        {"persoon": "aanvrager", "soort": "kinderbijslag", "nettoPerMaand": "40.00"},  # 120 a quarter
        {
            "persoon": "aanvrager",
            "soort": "overig",
            "nettoPerMaand": "102.56",
        },  # 310 over 92 days (365.25 / 12 a month)
        {"persoon": "partner", "soort": "alimentatie", "nettoPerMaand": "200.00"},
    ]
    # Bank 100.00 -> -25.50 (latest peiling: overdrawn, a debt), cash 80, debts 1000; the car is the RDW's, the
    # student debt is assessed apart.
    assert g["vermogen"] == {"bezittingen": "80.00", "schulden": "1025.50"}
    assert g["medebewoners"] == [
        {
            "geboortedatum": "1960-01-01",
            "relatie": "ouder",
            "commercieleHuurovereenkomst": False,
            "studiefinanciering": False,
        },
        {
            "geboortedatum": "2000-02-02",
            "relatie": "kamerhuurder",
            "commercieleHuurovereenkomst": True,
            "studiefinanciering": False,
        },
        {
            "geboortedatum": "1950-05-05",
            "relatie": "overig",
            "commercieleHuurovereenkomst": False,
            "studiefinanciering": False,
        },
    ]
    assert g["contact"] == {"email": "k.vogel@example.nl", "telefoon": "0101234567"}
    aanvraag = gateway.add(
        maak_aanvraag(ROTTERDAM, KATINKA, dict(g), dag=indiening.meldingsdatum).model_copy(
            update={"aanvraagdatum": indiening.aanvraagdatum}
        )
    )

    doc = _behandeld(api, headers, aanvraag.id)
    lo = doc["LOBehandeld"]
    assert lo["Aanvraagid"] == aanvraag_id
    persoon = lo["Huishouding"]["Aanvrager"]
    assert persoon["Contactgegevens"]["EMailadres"] == "k.vogel@example.nl"
    assert [a["CodeFunctieAdres"] for a in persoon["Adreshouding"]] == ["W", "B"]
    assert persoon["Kinderen"][0]["IndicatieThuiswonend"] == "1"
    assert [m.get("IndicatieZorgbehoefte") for m in persoon["Medebewoners"]] == [None, None, "1", None]
    verhoudingen = persoon["Profiel"]["Inkomstenverhoudingen"]
    assert verhoudingen[0]["PrimairInkomstencomponent"]["BrutoNetto"] == "Nt"
    assert verhoudingen[0]["PrimairInkomstencomponent"]["Inkomsten"] == "400,00"
    assert "InkomstencomponenttypeSpecifiekeGegevens" not in verhoudingen[0]["PrimairInkomstencomponent"]
    assert verhoudingen[1]["PrimairInkomstencomponent"]["InkomstencomponenttypeSpecifiekeGegevens"] == {
        "InkomstensoortUitkering": "AKW"
    }
    assert lo["Huishouding"]["Medeaanvrager"]["Profiel"]["Inkomstenverhoudingen"][0]["Bekostiger"] == {
        "Burgerservicenummer": "999990792",
        "Geboortedatum": "1960-01-01",
    }
    assert lo["IngangBijstandsuitkering"]["RedenAfwijkendestartdatum"] == {
        "RedenAfwijkingAanwezig": "1",
        "Redenafwijkendestartdatumtype": "2",
        "OntvangstdatumBeslissingInstantie": "2026-10-10",
    }
    assert lo["RedenAanvraagLevensonderhoud"] == {"OnvoldoendeInkomen": "9", "WijzigingGezin": "2", "Zelfstandige": "3"}

    beslis(gateway, aanvraag.id, leefvorm="gehuwden", inkomen="1207.51", kostendelers=3)
    doc = _behandeld(api, headers, aanvraag.id)
    assert doc["LOBehandeld"]["Huishouding"]["Leefsituatie"] == "4"
    assert doc["LOBehandeld"]["IngangBijstandsuitkering"]["AfwijkendeIngangsdatum"] == "2"
    dienst = _beslissing(api, headers, aanvraag.id)
    assert dienst["AantalKostendelers"] == 3
    assert dienst["PeriodiciteitInkomstenformulier"] == "Maand"
    assert dienst["RedenAanvraagClient"] == [{"WijzigingGezin": "Mijn relatie is verbroken"}]
    assert dienst["Betaling"] == [
        {
            "SoortUitbetaling": "Bewindvoerder",
            "Bankrekening": IBAN,
            "BankrekeningDerde": "NL20INGB0001234567",
            "RekeninghouderDerde": "Bewindvoering BV",
            "AanDerdeReden": "Beschermingsbewind",
        }
    ]
    (aanvrager,) = dienst["Aanvrager"]
    assert aanvrager["Huisvesting"] == [{"CodeRelatieBewonerTotHuisvesting": "onderhuurder/kamerbewoner"}]
    assert aanvrager["Bewindvoerder"] == [{"KvkNummer": 12345678, "Vestigingsnummer": 12345678}]
    assert aanvrager["Correspondentieadres"] == {
        "Postbusnummer": 1234,
        "Postcode": "3000AA",
        "Woonplaatsnaam": "Rotterdam",
    }
    assert aanvrager["Kinderen"] == [{"Burgerservicenummer": "999995431", "Geboortedatum": "2019-03-03"}]
    assert aanvrager["Contactgegevens"] == [
        {
            "Telefoonnummer": "0101234567",
            "EMailadres": "k.vogel@example.nl",
            "TelefoonLandnummer": 31,
            "IndicatieGeheimTelefoonnummer": "Nee",
            "IndicatieVoorkeurTelefoonnummer": "Ja",
        }
    ]
    soorten = [v["CodeSoortVermogenscomponent"] for v in aanvrager["Vermogenscomponenten"]]
    assert soorten == [
        "Bank-/Girorekening",
        "Contanten",
        "Schulden uitgezonderd studieschuld",
        "Motorvoertuigen",
        "Studieschuld",
    ]
    assert len(aanvrager["Inkomsten"]) == 5
    assert aanvrager["Inkomsten"][0] == {
        "Inkomsten": 400.0,
        "BrutoNetto": "Netto",
        "Inkomstencomponenttype": "Betaald werk",
        "PeriodeStartdatum": "2026-01-01",
        "PeriodeEinddatum": "2026-12-31",
    }


@pytest.mark.parametrize(
    "soort", ["huurwoning", "koopwoning", "kamer", "inwonend", "instelling", "geen-vaste-woonplaats"]
)
def test_a_case_from_the_citizen_portal_uses_the_brp(
    soort: str, api: TestClient, headers: Headers, gateway: Gateway
) -> None:
    gegevens = {
        "iban": IBAN,
        "woning": {"soort": soort, "woonkostenPerMaand": "650.00"},
        "contact": {"email": "katinka@example.nl", "telefoon": "+31 6 1234 5678"},
        "inkomsten": [
            {"persoon": "aanvrager", "soort": "arbeid", "nettoPerMaand": "300.00"},
            {"persoon": "partner", "soort": "pensioen", "nettoPerMaand": "100.00"},
        ],
        "huishouden": {"kinderen": []},
    }
    aanvraag = gateway.add(maak_aanvraag(ROTTERDAM, KATINKA, gegevens, kanaal="digitaal"))
    doc = _behandeld(api, headers, aanvraag.id)
    lo = doc["LOBehandeld"]
    assert lo["Aanvraagid"] == str(aanvraag.id)  # no front office: GBI's id
    assert lo["Huishouding"]["Aanvrager"]["Geboortedatum"] == "1992-09-09"  # from the BRP
    assert lo["Huishouding"]["Aanvrager"]["Contactgegevens"] == {"EMailadres": "katinka@example.nl"}
    beslis(gateway, aanvraag.id, inkomen="300.00")
    dienst = _beslissing(api, headers, aanvraag.id)
    assert dienst["Aanvrager"][0]["Inkomsten"] == [
        {
            "Inkomsten": 300.0,
            "BrutoNetto": "Netto",
            "Inkomstencomponenttype": "Betaald werk",
            "PeriodeStartdatum": "2026-11-02",
            "PeriodeEinddatum": "2026-12-01",
        }
    ]
    assert dienst["Betaling"] == [{"SoortUitbetaling": "Klant", "Bankrekening": IBAN}]


def test_a_brp_person_with_a_partner_and_children(
    api: TestClient, headers: Headers, gateway: Gateway, sim: Simulator
) -> None:
    from gbi_simulator.brp.store import PersonStore

    store: PersonStore = sim.app.state.store
    person = next(
        p
        for p in store
        if any(not q.get("ontbindingHuwelijkPartnerschap") for q in p.persoon.get("partners") or [])
        and any(k.get("burgerservicenummer") for k in p.persoon.get("kinderen") or [])
        and not p.overleden
        and (p.persoon.get("gemeenteVanInschrijving") or {}).get("code")
    )
    gemeente = person.persoon["gemeenteVanInschrijving"]["code"]
    aanvraag = gateway.add(maak_aanvraag(gemeente, person.bsn, {"woning": {"soort": "huurwoning"}}, kanaal="balie"))
    beslis(gateway, aanvraag.id, leefvorm="gehuwden")
    doc = _behandeld(api, headers, aanvraag.id, gemeente)
    partner = next(p for p in person.persoon["partners"] if not p.get("ontbindingHuwelijkPartnerschap"))
    if partner.get("burgerservicenummer"):
        medeaanvrager = doc["LOBehandeld"]["Huishouding"]["Medeaanvrager"]
        assert medeaanvrager["Burgerservicenummer"] == partner["burgerservicenummer"]
    dienst = _beslissing(api, headers, aanvraag.id, gemeente)
    assert dienst["Aanvrager"][0]["Voorkeurskanaal"] == "Fysiek"
    assert dienst["Aanvrager"][0]["Kinderen"]


def test_a_document_is_a_copy_not_the_stored_message(api: TestClient, headers: Headers, gateway: Gateway) -> None:
    bericht = rijk_bericht(str(uuid.uuid4()))
    indiening = naar_indiening(bericht, frontoffice="simulator", gemeente=ROTTERDAM, resource_url="https://x/y")
    gegevens = copy.deepcopy(dict(indiening.gegevens))
    aanvraag = gateway.add(maak_aanvraag(ROTTERDAM, KATINKA, gegevens))
    _behandeld(api, headers, aanvraag.id)
    _behandeld(api, headers, aanvraag.id)
    assert gateway.aanvragen[aanvraag.id].gegevens == indiening.gegevens


def test_the_aanvraag_of_the_store_is_what_counts(api: TestClient, headers: Headers, gateway: Gateway) -> None:
    """Dates and gemeente come from the store (what GBI established), not from the message as received."""
    bericht = rijk_bericht(str(uuid.uuid4()))
    indiening = naar_indiening(bericht, frontoffice="simulator", gemeente=ROTTERDAM, resource_url="https://x/y")
    aanvraag: Aanvraag = gateway.add(maak_aanvraag(ROTTERDAM, KATINKA, dict(indiening.gegevens), dag=date(2026, 11, 5)))
    lo = _behandeld(api, headers, aanvraag.id)["LOBehandeld"]
    assert lo["IngangBijstandsuitkering"]["DatumMeldingBijGemeente"] == "2026-11-05"
    assert lo["CodeOntvangendeGemeente"] == ROTTERDAM

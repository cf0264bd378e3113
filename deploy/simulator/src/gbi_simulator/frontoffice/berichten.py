"""ZaakLOAangevraagd messages (Levensonderhoud aanvragen 1.2.1) built from the RvIG test persons of the BRP.

A ``geldig`` message has what a front office form collects: the aanvrager from the BRP (BSN, birth date, A-nummer
where it has the standard's form, the woonadres), the partner as medeaanvrager and the minor children, housing
(huurder, zelfstandig), contact, a bank account as vermogen, optionally an income, the IBAN for the payment and
the reason of the aanvraag. The other variants break it on purpose, each in one known field, so a test can see
that GBI refuses it naming that field:

    zonder-aanvraagdatum   LOaangevraagd.Aanvraagdatum missing            (required)
    ongeldig-bsn           ...Aanvrager.Burgerservicenummer "12345"        (pattern)
    onbekend-veld          LOaangevraagd.Opmerking                         (additionalProperties)
    ongeldige-datum        ...Aanvrager.Geboortedatum "31-12-1990"         (format date)
    ongeldige-code         ...Aanvrager.Huisvesting.CodeRelatieBewonerTotHuisvesting "5" (enum)
    elfproef               ...Aanvrager.Burgerservicenummer "123456789"    (valid for the schema, no BSN)
    ongeldig-iban          ...UitbetalingUitkering.Bankrekening            (valid shape, wrong check digits)
    omhuld                 a geldig message wrapped as the JSON Schema file's root {"ZaakLOAangevraagd": ...}
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any, Final, Literal

__all__ = ["ONGELDIG", "VARIANTEN", "Variant", "bouw_bericht"]

Json = Any
Variant = Literal[
    "geldig",
    "omhuld",
    "zonder-aanvraagdatum",
    "ongeldig-bsn",
    "onbekend-veld",
    "ongeldige-datum",
    "ongeldige-code",
    "elfproef",
    "ongeldig-iban",
]
VARIANTEN: Final[tuple[str, ...]] = (
    "geldig",
    "omhuld",
    "zonder-aanvraagdatum",
    "ongeldig-bsn",
    "onbekend-veld",
    "ongeldige-datum",
    "ongeldige-code",
    "elfproef",
    "ongeldig-iban",
)
#: The field each broken variant breaks (as GBI names it in ``invalidParams``).
ONGELDIG: Final[dict[str, str]] = {
    "zonder-aanvraagdatum": "LOaangevraagd.Aanvraagdatum",
    "ongeldig-bsn": "LOaangevraagd.Huishouding.Aanvrager.Burgerservicenummer",
    "onbekend-veld": "LOaangevraagd.Opmerking",
    "ongeldige-datum": "LOaangevraagd.Huishouding.Aanvrager.Geboortedatum",
    "ongeldige-code": "LOaangevraagd.Huishouding.Aanvrager.Huisvesting.CodeRelatieBewonerTotHuisvesting",
    "elfproef": "LOaangevraagd.Huishouding.Aanvrager.Burgerservicenummer",
    "ongeldig-iban": "LOaangevraagd.Huishouding.UitbetalingUitkering.Bankrekening",
}


def _datum(value: Json) -> str | None:
    """A v2 date object of type Datum (a complete date) as YYYY-MM-DD."""
    if isinstance(value, dict) and value.get("type") == "Datum" and isinstance(value.get("datum"), str):
        return str(value["datum"])
    return None


def _leeftijd(geboren: str, op: date) -> int:
    d = date.fromisoformat(geboren)
    return op.year - d.year - ((op.month, op.day) < (d.month, d.day))


def _adres(persoon: Json) -> Json | None:
    vp = persoon.get("verblijfplaats") or {}
    adres = vp.get("verblijfadres") or {}
    if vp.get("type") != "Adres" or not all(adres.get(k) for k in ("huisnummer", "postcode", "woonplaats")):
        return None
    straat = adres.get("officieleStraatnaam") or adres.get("korteStraatnaam")
    if not straat:
        return None
    out: Json = {
        "Straatnaam": straat,
        "Huisnummer": int(adres["huisnummer"]),
        "Postcode": adres["postcode"],
        "Woonplaatsnaam": adres["woonplaats"],
    }
    if adres.get("huisletter"):
        out["Huisletter"] = adres["huisletter"]
    if adres.get("huisnummertoevoeging"):
        out["Huisnummertoevoeging"] = adres["huisnummertoevoeging"]
    return out


def _persoon(bsn: str, geboren: str, huisvesting: Json, profiel: Json | None = None) -> Json:
    return {
        "Burgerservicenummer": bsn,
        "Geboortedatum": geboren,
        "Huisvesting": dict(huisvesting),
        "Profiel": profiel or {},
    }


def bouw_bericht(
    persoon: Json,
    *,
    aanvraag_id: str,
    zaak_uuid: str,
    gemeente: str,
    melding: date,
    aanvraagdatum: date,
    iban: str,
    resource_url: str,
    variant: str = "geldig",
    saldo: str = "150,00",
    inkomen_per_maand: str | None = None,
    vandaag: date | None = None,
    zonder_iban: bool = False,
) -> Json:
    """The message of ``variant`` for the v2 ``persoon`` (as the simulated BRP renders it)."""
    bsn = str(persoon["burgerservicenummer"])
    geboren = _datum((persoon.get("geboorte") or {}).get("datum"))
    if geboren is None:
        raise ValueError("de testpersoon heeft geen volledige geboortedatum")
    naam = (persoon.get("naam") or {}).get("volledigeNaam") or "Aanvrager"
    huisvesting = {"CodeRelatieBewonerTotHuisvesting": "2", "IndicatieZelfstandigeWoonruimte": "1"}
    vermogen = [
        {
            "CodeSoortVermogenscomponent": "3",
            "VermogenscomponentSpecifiekeGegevens": {"Iban": iban, "Tenaamstelling": naam},
            "Waardepeiling": [
                {
                    "WaardesoortVermogenscomponent": "1",
                    "WaardeVermogenscomponent": saldo,
                    "Peilmoment": melding.isoformat(),
                    "Brontype": "1",
                }
            ],
        }
    ]
    profiel: Json = {"Vermogenscomponent": vermogen}
    if inkomen_per_maand is not None:
        profiel["Inkomstenverhoudingen"] = [
            {
                "PrimairInkomstencomponent": {
                    "PrimairInkomstencomponenttype": "2",
                    "Inkomsten": inkomen_per_maand,
                    "PeriodiciteitUitbetaling": "6",
                    "PeriodeStartdatum": date(melding.year, 1, 1).isoformat(),
                    "PeriodeEinddatum": date(melding.year, 12, 31).isoformat(),
                    "InkomstencomponenttypeSpecifiekeGegevens": {
                        "Categorie": "10",
                        "BeschrijvingAnderInkomen": "Inkomsten uit verhuur van een kamer",
                    },
                }
            }
        ]
    aanvrager = _persoon(bsn, geboren, huisvesting, profiel)
    if persoon.get("aNummer") and str(persoon["aNummer"])[0] in "12" and len(str(persoon["aNummer"])) == 10:
        aanvrager["ANummer"] = str(persoon["aNummer"])
    adres = _adres(persoon)
    if adres is not None:
        aanvrager["Adreshouding"] = [{"CodeFunctieAdres": "W", "Adres": adres}]
    aanvrager["Contactgegevens"] = [
        {
            "EMailadres": f"aanvrager.{bsn}@example.nl",
            "Telefoonnummer": "0612345678",
            "CodeTypeTelefoonnummer": "02",
            "IndicatieVoorkeurTelefoonnummer": "1",
        }
    ]
    op = vandaag or melding
    kinderen = []
    for kind in persoon.get("kinderen") or []:
        kind_geboren = _datum((kind.get("geboorte") or {}).get("datum"))
        if kind.get("burgerservicenummer") and kind_geboren and _leeftijd(kind_geboren, op) < 18:
            kinderen.append(
                {
                    "OuderKindRelatietype": "OK",
                    "IndicatieWonenOpZelfdeAdres": "1",
                    "IndicatieCoOuder": "2",
                    "IndicatieKinderbijslag": "1",
                    "IndicatieOnderhoudsplicht": "1",
                    "Kind": {"Burgerservicenummer": kind["burgerservicenummer"], "Geboortedatum": kind_geboren},
                }
            )
    if kinderen:
        aanvrager["Kinderen"] = kinderen
    huishouding: Json = {
        "Aanvrager": aanvrager,
        "UitbetalingUitkering": {"SoortUitbetaling": "01", "Bankrekening": iban, "Rekeninghouder": naam},
    }
    if zonder_iban:
        del huishouding["UitbetalingUitkering"]
    partners = [p for p in persoon.get("partners") or [] if not p.get("ontbindingHuwelijkPartnerschap")]
    if partners and partners[0].get("burgerservicenummer"):
        partner_geboren = _datum((partners[0].get("geboorte") or {}).get("datum"))
        if partner_geboren:
            huishouding["Medeaanvrager"] = _persoon(partners[0]["burgerservicenummer"], partner_geboren, huisvesting)
    zaak: Json = {
        "Uuid": zaak_uuid,
        "Url": resource_url,
        "Betrokkenen": [{"Naam": f"Front office gemeente {gemeente}", "Rol": [{"Rolomschrijving": "Initiator"}]}],
        "LOaangevraagd": {
            "Aanvraagid": aanvraag_id,
            "Aanvraagdatum": aanvraagdatum.isoformat(),
            "Aanvraagtype": {"Naam": "Aanvraag algemene bijstand levensonderhoud", "SoortAanvraag": "A"},
            "CodeOntvangendeGemeente": gemeente,
            "IngangBijstandsuitkering": {
                "DatumMeldingBijGemeente": melding.isoformat(),
                "AfwijkendeIngangsdatum": "2",
                "NaMeldingGemeenteDigitaalVerwezen": "1",
            },
            "RedenAanvraagLevensonderhoud": {"OnvoldoendeInkomen": "1"},
            "Huishouding": huishouding,
        },
    }
    return _breek(zaak, variant)


def _breek(zaak: Json, variant: str) -> Json:
    if variant not in VARIANTEN:
        raise ValueError(f"onbekende variant {variant!r}")
    zaak = copy.deepcopy(zaak)
    lo = zaak["LOaangevraagd"]
    aanvrager = lo["Huishouding"]["Aanvrager"]
    if variant == "omhuld":
        return {"ZaakLOAangevraagd": zaak}
    if variant == "zonder-aanvraagdatum":
        del lo["Aanvraagdatum"]
    elif variant == "ongeldig-bsn":
        aanvrager["Burgerservicenummer"] = "12345"
    elif variant == "onbekend-veld":
        lo["Opmerking"] = "Dit veld bestaat niet in Levensonderhoud aanvragen 1.2.1"
    elif variant == "ongeldige-datum":
        aanvrager["Geboortedatum"] = "31-12-1990"
    elif variant == "ongeldige-code":
        aanvrager["Huisvesting"]["CodeRelatieBewonerTotHuisvesting"] = "5"
    elif variant == "elfproef":
        aanvrager["Burgerservicenummer"] = "123456789"
    elif variant == "ongeldig-iban":
        lo["Huishouding"]["UitbetalingUitkering"]["Bankrekening"] = "NL00ABNA0417164300"
    return zaak

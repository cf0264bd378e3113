"""GBI's case as the documents of behandelen 0.95 (``ZaakLOBehandeld``) and beslissen 1.0 (``DienstAangevraagd``).

Sources, per case:
- the data store: the aanvraag (gemeente, dates, what was declared), the besluit (soort, ingangsdatum, the
  calculation in its gronden: norm, leefvorm, kostendelers) and the uitkering (startdatum, amount);
- an aanvraag that came in over the koppelvlak: the LOaangevraagd as received (``gegevens.koppelvlak``) for the
  persons, housing, contact, addresses, incomes and assets as declared, converted to the other standards' shapes;
- any other aanvraag (the citizen portal): the BRP household (birth dates, partner) and the declared housing,
  contact and IBAN.

Conventions GBI chose where a standard requires what GBI does not have:
- ``Einddatum`` of the dienst: a bijstandsuitkering has no end date; ``OPEN_EINDE`` (9999-12-31) says so;
- amounts in behandelen are strings with a decimal comma (``1234,56``), which the published pattern accepts;
  beslissen's amounts are JSON numbers;
- ``BrutoNetto``: declared amounts count as net (``Nt``, ``Netto``), as GBI's calculation takes them;
- ``Normpercentage``: 100 (the norm of the calculation is the norm applied; a reduction would be a Verlaging);
- ``AantalKostendelers``: the calculation's A of Pw 22a, 1 when the kostendelersnorm does not apply;
- ``PeriodiciteitInkomstenformulier``: ``Maand`` when income is deducted, else ``Niet van toepassing``;
  ``PeriodiciteitStatusformulier``: ``Niet van toepassing``;
- what a standard requires but the declaration does not hold (a partner's date of relation, a child's
  indicators) leaves that element out, never a guess.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from gbi_integration.koppelvlakken import codes
from gbi_integration.koppelvlakken.aanvraag import bedrag
from gbi_shared.contracts.alo import Aanvraag, Besluit, Uitkering
from gbi_shared.contracts.berekening import BerekeningAntwoord
from gbi_shared.contracts.huishouden import Huishouden
from gbi_shared.contracts.koppelvlakken import BEHANDELD_PAD, KoppelvlakHerkomst

__all__ = ["OPEN_EINDE", "Dossier", "dienst_aangevraagd", "zaak_lo_behandeld"]

Json = Any
OPEN_EINDE = "9999-12-31"
BEHANDELAAR = "GBI - Gezamenlijke Backoffice Inkomensvoorziening"
DIENST_NAAM = "Algemene bijstand voor levensonderhoud"
DIENST_TYPE = "Participatiewet"
_EMAIL_OK = r"^(?=.{1,70}$)[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.[A-Za-z0-9]+$"
_IBAN_SHAPE = r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"
_TELEFOON = r"^0[1-9][0-9]{8}$"

# The citizen portal's woning (Woningsoort) -> CodeRelatieBewonerTotHuisvesting, IndicatieZelfstandigeWoonruimte.
_WONING: dict[str, tuple[str, str]] = {
    "huurwoning": ("2", codes.JA),
    "koopwoning": ("1", codes.JA),
    "kamer": ("3", codes.NEE),
    "inwonend": ("9", codes.NEE),
    "instelling": ("6", codes.NEE),
    "geen-vaste-woonplaats": ("7", codes.NEE),
}
_SOORT_TEKST = {
    "arbeid": "Betaald werk",
    "uitkering": "Uitkering",
    "kinderbijslag": "Uitkering",
    "alimentatie": "Alimentatie",
    "pensioen": "Pensioen",
    "toeslag": "Ander inkomen",
    "overig": "Ander inkomen",
}


def _match(pattern: str, value: object) -> bool:
    return isinstance(value, str) and re.match(pattern, value) is not None


def _pick(source: Json, keys: tuple[str, ...]) -> dict[str, Json]:
    return {k: source[k] for k in keys if isinstance(source, dict) and k in source}


def _komma(value: Decimal) -> str:
    """An amount as behandelen writes it: two decimals with a comma."""
    return f"{value.quantize(Decimal('0.01'))}".replace(".", ",")


def _getal(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def _unique(items: list[Json]) -> list[Json]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


@dataclass(frozen=True)
class Dossier:
    """Everything GBI knows of a case that the documents are built from (derived parts computed once)."""

    aanvraag: Aanvraag
    besluit: Besluit | None = None
    uitkering: Uitkering | None = None
    brp: Huishouden | None = None
    publieke_url: str | None = None

    @cached_property
    def herkomst(self) -> KoppelvlakHerkomst | None:
        raw = self.aanvraag.gegevens.get("koppelvlak")
        if not isinstance(raw, dict):
            return None
        try:
            return KoppelvlakHerkomst.model_validate(raw)
        except ValidationError:
            return None

    @cached_property
    def bericht(self) -> dict[str, Json] | None:
        """The LOaangevraagd as received (already checked against the aanvragen 1.2.1 schema)."""
        herkomst = self.herkomst
        return dict(herkomst.bericht) if herkomst is not None else None

    @cached_property
    def berekening(self) -> BerekeningAntwoord | None:
        raw = self.besluit.gronden.get("berekening") if self.besluit is not None else None
        if not isinstance(raw, dict):
            return None
        try:
            return BerekeningAntwoord.model_validate(raw)
        except ValidationError:
            return None

    @property
    def aanvraag_id(self) -> str:
        """The AanvraagId of the chain: the front office's when the aanvraag came over the koppelvlak."""
        herkomst = self.herkomst
        return herkomst.aanvraag_id if herkomst is not None else str(self.aanvraag.id)

    @property
    def toekenning(self) -> Besluit | None:
        b = self.besluit
        return b if b is not None and b.soort == "toekenning" and b.ingangsdatum is not None else None

    def url(self) -> str | None:
        if self.publieke_url is None:
            return None
        return f"{self.publieke_url.rstrip('/')}{BEHANDELD_PAD}/{self.aanvraag.id}"

    def iban(self) -> str | None:
        value = self.aanvraag.gegevens.get("iban")
        return value if _match(_IBAN_SHAPE, value) else None  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------------ behandelen


def _huisvesting_behandelen(raw: Json) -> dict[str, Json]:
    return _pick(
        raw,
        (
            "AantalDagenPerWeekInInstellingOfOpvang",
            "CodeRelatieBewonerTotHuisvesting",
            "IndicatieZelfstandigeWoonruimte",
            "ToelichtingHuisvesting",
            "ToelichtingRelatieBewonerTotHuisvesting",
        ),
    )


def _inkomstenverhouding(raw: Json) -> dict[str, Json]:
    component = raw.get("PrimairInkomstencomponent") or {}
    primair: dict[str, Json] = {
        "PeriodeStartdatum": component["PeriodeStartdatum"],
        "BrutoNetto": "Nt",
        "PrimairInkomstencomponenttype": component["PrimairInkomstencomponenttype"],
    }
    primair.update(_pick(component, ("PeriodeEinddatum", "PeriodiciteitUitbetaling")))
    try:
        if "Inkomsten" in component:
            primair["Inkomsten"] = _komma(bedrag(component["Inkomsten"]))
    except InvalidOperation:
        pass
    specifiek = component.get("InkomstencomponenttypeSpecifiekeGegevens")
    if isinstance(specifiek, dict):
        # Only the details that are unambiguously one of behandelen's kinds (its oneOf cannot tell a BetaaldWerk
        # from an Uitkering with the same two indications).
        if "Categorie" in specifiek:
            primair["InkomstencomponenttypeSpecifiekeGegevens"] = _pick(
                specifiek, ("Categorie", "BeschrijvingAnderInkomen")
            )
        elif "InkomstensoortUitkering" in specifiek:
            primair["InkomstencomponenttypeSpecifiekeGegevens"] = _pick(
                specifiek,
                (
                    "InkomstensoortUitkering",
                    "indicatieBeslagOpUitkering",
                    "indicatieLoonheffingskorting",
                    "IndicatieReserveringVT",
                ),
            )
    secundair = []
    for s in component.get("SecundairInkomstencomponent") or []:
        if "SecundairInkomstencomponenttype" not in s:
            continue
        item = _pick(s, ("SecundairInkomstencomponenttype", "Boekingsdatum"))
        try:
            if "Inkomsten" in s:
                item["Inkomsten"] = _komma(bedrag(s["Inkomsten"]))
        except InvalidOperation:
            pass
        secundair.append(item)
    if secundair:
        primair["SecundairInkomstencomponent"] = secundair
    verhouding: dict[str, Json] = {
        "PeriodeStartdatum": component["PeriodeStartdatum"],
        "PrimairInkomstencomponent": primair,
    }
    if "PeriodeEinddatum" in component:
        verhouding["PeriodeEinddatum"] = component["PeriodeEinddatum"]
    bekostiger = raw.get("Bekostiger")
    if isinstance(bekostiger, dict):
        if {"Naam", "Loonheffingsnummer"} <= set(bekostiger):
            verhouding["Bekostiger"] = _pick(bekostiger, ("Naam", "Loonheffingsnummer"))
        elif {"Burgerservicenummer", "Geboortedatum"} <= set(bekostiger):
            verhouding["Bekostiger"] = _pick(bekostiger, ("Burgerservicenummer", "Geboortedatum"))
    return verhouding


def _persoon_uit_bericht(raw: Json) -> dict[str, Json]:
    """A Persoon of aanvragen 1.2.1 as a Persoon of behandelen 0.95."""
    persoon: dict[str, Json] = {
        "Burgerservicenummer": raw["Burgerservicenummer"],
        "Geboortedatum": raw["Geboortedatum"],
        "Huisvesting": _huisvesting_behandelen(raw["Huisvesting"]),
    }
    persoon.update(_pick(raw, ("ANummer", "Bewindvoerder", "Verblijfstitel")))
    adressen = [_pick(a, ("CodeFunctieAdres", "Adres")) for a in raw.get("Adreshouding") or [] if "Adres" in a]
    if adressen:
        persoon["Adreshouding"] = adressen
    contact = raw.get("Contactgegevens") or []
    if contact:
        persoon["Contactgegevens"] = dict(contact[0])
    kinderen = [
        {
            "OuderKindRelatietype": k["OuderKindRelatietype"],
            "IndicatieThuiswonend": k["IndicatieWonenOpZelfdeAdres"],
            "IndicatieCoOuder": k["IndicatieCoOuder"],
            "IndicatieKinderbijslag": k["IndicatieKinderbijslag"],
            "IndicatieOnderhoudsplicht": k["IndicatieOnderhoudsplicht"],
            "Kind": _pick(k["Kind"], ("Burgerservicenummer", "Geboortedatum")),
        }
        for k in raw.get("Kinderen") or []
    ]
    if kinderen:
        persoon["Kinderen"] = kinderen
    medebewoners = []
    for m in raw.get("Medebewoners") or []:
        item = _pick(m, ("Bewoner", "IndicatieKostendeler", "Relatietype"))
        if m["Relatietype"] in ("9", "10"):  # verzorger, verzorgde: zorgbehoefte (aanvragen 1.2.1)
            item["IndicatieZorgbehoefte"] = codes.JA
        medebewoners.append(item)
    if medebewoners:
        persoon["Medebewoners"] = medebewoners
    verhoudingen = [_inkomstenverhouding(r) for r in (raw.get("Profiel") or {}).get("Inkomstenverhoudingen") or []]
    persoon["Profiel"] = {"Inkomstenverhoudingen": verhoudingen} if verhoudingen else {}
    return persoon


def _huisvesting_portaal(gegevens: dict[str, Json]) -> dict[str, Json]:
    woning = gegevens.get("woning")
    soort = woning.get("soort") if isinstance(woning, dict) else None
    code, zelfstandig = _WONING.get(str(soort), ("0", codes.NEE))
    return {"CodeRelatieBewonerTotHuisvesting": code, "IndicatieZelfstandigeWoonruimte": zelfstandig}


def _contact_portaal(gegevens: dict[str, Json]) -> dict[str, Json] | None:
    contact = gegevens.get("contact")
    if not isinstance(contact, dict):
        return None
    out: dict[str, Json] = {}
    if _match(_EMAIL_OK, contact.get("email")):
        out["EMailadres"] = contact["email"]
    if _match(_TELEFOON, contact.get("telefoon")):
        out["Telefoonnummer"] = contact["telefoon"]
    return out or None


def _personen_portaal(dossier: Dossier) -> tuple[dict[str, Json], dict[str, Json] | None]:
    a = dossier.aanvraag
    brp = dossier.brp
    geboortedatum = brp.aanvrager.geboortedatum if brp is not None else None
    if geboortedatum is None:
        raise ValueError("de geboortedatum van de aanvrager is niet bekend")
    huisvesting = _huisvesting_portaal(a.gegevens)
    aanvrager: dict[str, Json] = {
        "Burgerservicenummer": a.bsn,
        "Geboortedatum": geboortedatum.isoformat(),
        "Huisvesting": huisvesting,
        "Profiel": {},
    }
    contact = _contact_portaal(a.gegevens)
    if contact is not None:
        aanvrager["Contactgegevens"] = contact
    partner = None
    if brp is not None and brp.partner is not None and brp.partner.bsn and brp.partner.geboortedatum:
        partner = {
            "Burgerservicenummer": brp.partner.bsn,
            "Geboortedatum": brp.partner.geboortedatum.isoformat(),
            "Huisvesting": dict(huisvesting),
            "Profiel": {},
        }
    return aanvrager, partner


def _leefsituatie(dossier: Dossier, berekening: BerekeningAntwoord) -> str:
    if berekening.leefvorm == "alleenstaande":
        return "3"
    if berekening.leefvorm == "alleenstaande-ouder":
        return "2"
    return "4" if _kinderen(dossier) else "5"


def _kinderen(dossier: Dossier) -> list[dict[str, str]]:
    """Children with a BSN and a birth date: as declared over the koppelvlak, else per the BRP."""
    bericht = dossier.bericht
    out: list[dict[str, str]] = []
    if bericht is not None:
        huishouding = bericht.get("Huishouding")
        for rol in ("Aanvrager", "Medeaanvrager"):
            persoon = huishouding.get(rol) if isinstance(huishouding, dict) else None
            if not isinstance(persoon, dict):
                continue
            for k in persoon.get("Kinderen") or []:
                kind = k["Kind"]
                out.append({"Burgerservicenummer": kind["Burgerservicenummer"], "Geboortedatum": kind["Geboortedatum"]})
    elif dossier.brp is not None:
        out = [
            {"Burgerservicenummer": k.bsn, "Geboortedatum": k.geboortedatum.isoformat()}
            for k in dossier.brp.kinderen
            if k.bsn and k.geboortedatum
        ]
    return _unique(out)


def zaak_lo_behandeld(dossier: Dossier) -> dict[str, Json]:
    """``ZaakLOBehandeld`` (behandelen 0.95). ``ValueError`` when the case lacks what the standard requires."""
    a = dossier.aanvraag
    bericht = dossier.bericht
    berekening = dossier.berekening
    lo: dict[str, Json] = {
        "Aanvraagid": dossier.aanvraag_id,
        "CodeOntvangendeGemeente": a.gemeente,
        "Aanvraagdatum": a.aanvraagdatum.isoformat(),
    }
    ingang: dict[str, Json] = {"DatumMeldingBijGemeente": a.meldingsdatum.isoformat()}
    if bericht is not None:
        huishouding_in = bericht["Huishouding"]
        huishouding: dict[str, Json] = {"Aanvrager": _persoon_uit_bericht(huishouding_in["Aanvrager"])}
        if isinstance(huishouding_in.get("Medeaanvrager"), dict):
            huishouding["Medeaanvrager"] = _persoon_uit_bericht(huishouding_in["Medeaanvrager"])
        if isinstance(huishouding_in.get("UitbetalingUitkering"), dict):
            huishouding["UitbetalingUitkering"] = dict(huishouding_in["UitbetalingUitkering"])
        ingang_in = bericht.get("IngangBijstandsuitkering") or {}
        ingang.update(_pick(ingang_in, ("AfwijkendeIngangsdatum", "GewensteStartdatumUitkering")))
        reden = ingang_in.get("RedenAfwijkendestartdatum")
        if isinstance(reden, dict) and "RedenAfwijkingAanwezig" in reden:
            ingang["RedenAfwijkendestartdatum"] = _pick(
                reden,
                (
                    "RedenAfwijkingAanwezig",
                    "AanvraagdatumDigid",
                    "OntvangstdatumBeslissingInstantie",
                    "Redenafwijkendestartdatumtype",
                    "SpecificatieBijzondereRedenLaterIngaanStartdatumAanvraag",
                ),
            )
        lo["RedenAanvraagLevensonderhoud"] = dict(bericht.get("RedenAanvraagLevensonderhoud") or {})
    else:
        aanvrager, partner = _personen_portaal(dossier)
        huishouding = {"Aanvrager": aanvrager}
        if partner is not None:
            huishouding["Medeaanvrager"] = partner
        iban = dossier.iban()
        if iban is not None:
            huishouding["UitbetalingUitkering"] = {"SoortUitbetaling": "01", "Bankrekening": iban}
        lo["RedenAanvraagLevensonderhoud"] = {}
    if berekening is not None:
        huishouding["Leefsituatie"] = _leefsituatie(dossier, berekening)
    lo["Huishouding"] = huishouding
    toekenning = dossier.toekenning
    if toekenning is not None and toekenning.ingangsdatum is not None:
        ingang["AfwijkendeIngangsdatum"] = codes.JA if toekenning.ingangsdatum != a.meldingsdatum else codes.NEE
        lo["Besluit"] = {"Dienst": {"Begindatum": toekenning.ingangsdatum.isoformat(), "Einddatum": OPEN_EINDE}}
    lo["IngangBijstandsuitkering"] = ingang
    zaak: dict[str, Json] = {
        "Identificatie": str(a.id),
        "Uuid": str(a.id),
        "Betrokkenen": [{"Naam": BEHANDELAAR, "Rol": [{"Rolomschrijving": "Behandelaar"}]}],
        "LOBehandeld": lo,
    }
    url = dossier.url()
    if url is not None:
        zaak["Url"] = url
    return zaak


# ------------------------------------------------------------------------------------------------ beslissen


def _maand_na(day: date) -> date:
    """The last day of the month that starts on ``day`` (a month later, minus a day)."""
    year, month = day.year + day.month // 12, day.month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1])) - timedelta(days=1)


def _inkomsten_beslissen(dossier: Dossier) -> list[dict[str, Json]]:
    bericht = dossier.bericht
    out: list[dict[str, Json]] = []
    if bericht is not None:
        aanvrager = bericht["Huishouding"]["Aanvrager"]
        for v in (aanvrager.get("Profiel") or {}).get("Inkomstenverhoudingen") or []:
            c = v.get("PrimairInkomstencomponent") or {}
            if "Inkomsten" not in c:
                continue
            try:
                amount = bedrag(c["Inkomsten"])
            except InvalidOperation:
                continue
            out.append(
                {
                    "Inkomsten": _getal(amount),
                    "BrutoNetto": "Netto",
                    "Inkomstencomponenttype": codes.INKOMSTENCOMPONENTTYPE_TEKST[c["PrimairInkomstencomponenttype"]],
                    "PeriodeStartdatum": c["PeriodeStartdatum"],
                    "PeriodeEinddatum": c["PeriodeEinddatum"],
                }
            )
        return out
    melding = dossier.aanvraag.meldingsdatum
    opgegeven = dossier.aanvraag.gegevens.get("inkomsten")
    for i in opgegeven if isinstance(opgegeven, list) else []:
        if not isinstance(i, dict) or i.get("persoon", "aanvrager") != "aanvrager":
            continue
        try:
            amount = Decimal(str(i.get("nettoPerMaand")))
        except InvalidOperation:
            continue
        out.append(
            {
                "Inkomsten": _getal(amount),
                "BrutoNetto": "Netto",
                "Inkomstencomponenttype": _SOORT_TEKST.get(str(i.get("soort")), "Ander inkomen"),
                "PeriodeStartdatum": melding.isoformat(),
                "PeriodeEinddatum": _maand_na(melding).isoformat(),
            }
        )
    return out


def _vermogen_beslissen(aanvrager: Json) -> list[dict[str, Json]]:
    out = []
    for c in (aanvrager.get("Profiel") or {}).get("Vermogenscomponent") or []:
        tekst = codes.VERMOGENSCOMPONENT_TEKST.get(str(c.get("CodeSoortVermogenscomponent")))
        if tekst is None:
            continue
        peilingen = []
        for w in c.get("Waardepeiling") or []:
            if "WaardeVermogenscomponent" not in w or str(w.get("Brontype")) not in codes.BRONTYPE_TEKST:
                continue
            try:
                waarde = bedrag(str(w["WaardeVermogenscomponent"]))
            except InvalidOperation:
                continue
            peiling: dict[str, Json] = {
                "Brontype": codes.BRONTYPE_TEKST[str(w["Brontype"])],
                "WaardeVermogenscomponent": _getal(waarde),
                "Peilmoment": w["Peilmoment"],
            }
            if w.get("BijgevoegdBewijs") in (codes.JA, codes.NEE):
                peiling["BijgevoegdBewijs"] = "Ja" if w["BijgevoegdBewijs"] == codes.JA else "Nee"
            if isinstance(w.get("LinkNaarBewijs"), str):
                peiling["LinkNaarBewijs"] = w["LinkNaarBewijs"]
            peilingen.append(peiling)
        item: dict[str, Json] = {"CodeSoortVermogenscomponent": tekst}
        if peilingen:
            item["Waardepeilingen"] = _unique(peilingen)
        out.append(item)
    return _unique(out)


def _adres_beslissen(aanvrager: Json) -> dict[str, Json] | None:
    adressen = [a for a in aanvrager.get("Adreshouding") or [] if isinstance(a.get("Adres"), dict)]
    volgorde = {"B": 0, "W": 1}
    for houding in sorted(adressen, key=lambda a: volgorde.get(str(a.get("CodeFunctieAdres")), 2)):
        adres = houding["Adres"]
        if "Straatnaam" in adres:
            return _pick(
                adres,
                (
                    "Straatnaam",
                    "Huisnummer",
                    "Huisletter",
                    "Huisnummertoevoeging",
                    "AanduidingBijHuisnummer",
                    "Postcode",
                    "Woonplaatsnaam",
                    "Locatieomschrijving",
                ),
            )
        if "Postbusnummer" in adres:
            return _pick(adres, ("Postbusnummer", "Postcode", "Woonplaatsnaam", "Locatieomschrijving"))
    return None


def _aanvrager_beslissen(dossier: Dossier, berekening: BerekeningAntwoord | None) -> dict[str, Json]:
    bericht = dossier.bericht
    a = dossier.aanvraag
    out: dict[str, Json]
    if bericht is not None:
        raw = bericht["Huishouding"]["Aanvrager"]
        out = {"Burgerservicenummer": raw["Burgerservicenummer"], "Geboortedatum": raw["Geboortedatum"]}
        code = raw["Huisvesting"]["CodeRelatieBewonerTotHuisvesting"]
        contact = []
        for c in raw.get("Contactgegevens") or []:
            item = _pick(c, ("Telefoonnummer", "EMailadres", "TelefoonLandnummer"))
            for bron, doel in (
                ("IndicatieGeheimTelefoonnummer", "IndicatieGeheimTelefoonnummer"),
                ("IndicatieVoorkeurTelefoonnummer", "IndicatieVoorkeurTelefoonnummer"),
            ):
                if c.get(bron) in (codes.JA, codes.NEE):
                    item[doel] = "Ja" if c[bron] == codes.JA else "Nee"
            if item:
                contact.append(item)
        if contact:
            out["Contactgegevens"] = _unique(contact)
        vermogen = _vermogen_beslissen(raw)
        if vermogen:
            out["Vermogenscomponenten"] = vermogen
        bewindvoerder = raw.get("Bewindvoerder")
        if isinstance(bewindvoerder, dict):
            vestiging = bewindvoerder["Vestiging"]
            item = {"KvkNummer": int(vestiging["KvkNummer"])}
            if "Vestigingsnummer" in vestiging:
                item["Vestigingsnummer"] = int(vestiging["Vestigingsnummer"])
            out["Bewindvoerder"] = [item]
        adres = _adres_beslissen(raw)
        if adres is not None:
            out["Correspondentieadres"] = adres
    else:
        aanvrager, _ = _personen_portaal(dossier)
        out = {"Burgerservicenummer": aanvrager["Burgerservicenummer"], "Geboortedatum": aanvrager["Geboortedatum"]}
        code = aanvrager["Huisvesting"]["CodeRelatieBewonerTotHuisvesting"]
        contact_in = aanvrager.get("Contactgegevens")
        if contact_in:
            out["Contactgegevens"] = [contact_in]
    out["Voorkeurskanaal"] = "Digitaal" if a.kanaal in ("digitaal", "koppelvlak") else "Fysiek"
    out["Huisvesting"] = [{"CodeRelatieBewonerTotHuisvesting": codes.CODE_RELATIE_BEWONER_TEKST[code]}]
    kinderen = _kinderen(dossier)
    if kinderen:
        out["Kinderen"] = kinderen
    if berekening is not None:
        out["Huishouden"] = [{"Leefvorm": codes.LEEFVORM_TEKST[berekening.leefvorm]}]
    inkomsten = _unique(_inkomsten_beslissen(dossier))
    if inkomsten:
        out["Inkomsten"] = inkomsten
    return out


def _betaling(dossier: Dossier) -> list[dict[str, Json]]:
    bericht = dossier.bericht
    if bericht is not None:
        raw = bericht["Huishouding"].get("UitbetalingUitkering")
        if not isinstance(raw, dict):
            return []
        item = _pick(
            raw,
            (
                "Bankrekening",
                "Rekeninghouder",
                "BankrekeningDerde",
                "RekeninghouderDerde",
                "AanDerdeReden",
                "RekeninghouderPartner",
                "BankrekeningPartner",
            ),
        )
        item["SoortUitbetaling"] = codes.SOORT_UITBETALING_TEKST[raw["SoortUitbetaling"]]
        return [item]
    iban = dossier.iban()
    return [{"SoortUitbetaling": "Klant", "Bankrekening": iban}] if iban else []


def _reden(dossier: Dossier) -> list[dict[str, Json]]:
    bericht = dossier.bericht
    if bericht is None:
        return []
    raw = bericht.get("RedenAanvraagLevensonderhoud") or {}
    reden = {
        veld: codes.REDEN_TEKST[veld][str(raw[veld])]
        for veld in codes.REDEN_TEKST
        if isinstance(raw, dict) and str(raw.get(veld)) in codes.REDEN_TEKST[veld]
    }
    return [reden] if reden else []


def dienst_aangevraagd(dossier: Dossier) -> dict[str, Json]:
    """``DienstAangevraagd`` (beslissen 1.0) of a granted aanvraag. ``ValueError`` when it is not granted."""
    toekenning = dossier.toekenning
    if toekenning is None or toekenning.ingangsdatum is None:
        raise ValueError("alleen een toegekende aanvraag heeft een dienst")
    a = dossier.aanvraag
    berekening = dossier.berekening
    begindatum = dossier.uitkering.startdatum if dossier.uitkering is not None else toekenning.ingangsdatum
    inkomen = berekening is not None and Decimal(berekening.in_te_korten_inkomen) > 0
    dienst: dict[str, Json] = {
        "Aanvraagid": dossier.aanvraag_id,
        "Naam": DIENST_NAAM,
        "Begindatum": begindatum.isoformat(),
        "Einddatum": OPEN_EINDE,
        "Type": DIENST_TYPE,
        "PeriodiciteitInkomstenformulier": "Maand" if inkomen else "Niet van toepassing",
        "PeriodiciteitStatusformulier": "Niet van toepassing",
        "CodeOntvangendeGemeente": a.gemeente,
        "AantalKostendelers": (berekening.aantal_kostendelers or 1) if berekening is not None else 1,
        "Aanvraagdatum": a.aanvraagdatum.isoformat(),
    }
    betaling = _betaling(dossier)
    if betaling:
        dienst["Betaling"] = betaling
    reden = _reden(dossier)
    if reden:
        dienst["RedenAanvraagClient"] = reden
    if berekening is not None:
        norm: dict[str, Json] = {"Normbedrag": _getal(Decimal(berekening.norm)), "Normpercentage": 100}
        if berekening.normcategorie:
            norm["SoortWettelijkeNorm"] = berekening.normcategorie
        dienst["Norm"] = [norm]
    zaak: dict[str, Json] = {"Identificatie": str(a.id), "Uuid": str(a.id)}
    url = dossier.url()
    if url is not None:
        zaak["Url"] = url
    dienst["Zaak"] = [zaak]
    dienst["Aanvrager"] = [_aanvrager_beslissen(dossier, berekening)]
    return dienst

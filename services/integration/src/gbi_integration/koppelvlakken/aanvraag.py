"""A validated ZaakLOAangevraagd (aanvragen 1.2.1) as GBI's ALO aanvraag (``AloAanvraagIndiening``).

- ``bsn``: Huishouding.Aanvrager.Burgerservicenummer (elfproef checked: the schema only checks nine digits);
- ``meldingsdatum``: IngangBijstandsuitkering.DatumMeldingBijGemeente; ``aanvraagdatum``: Aanvraagdatum (not
  before the melding); ``kanaal``: ``koppelvlak``;
- ``gegevens`` (what the process reads, ``AanvraagGegevens``):
  - ``iban``: the account of UitbetalingUitkering for its SoortUitbetaling (01 klant and 03 gesplitst:
    Bankrekening, 02 partner: BankrekeningPartner, 04 gemachtigde and 05 bewindvoerder: BankrekeningDerde),
    ISO 13616 checked (the schema only checks the shape);
  - ``inkomsten``: per person (Aanvrager -> aanvrager, Medeaanvrager -> partner) each PrimairInkomstencomponent
    with an amount whose period runs on the melding date, as an amount per month (PeriodiciteitUitbetaling; no
    periodicity: the amount over the period's days), kind per PrimairInkomstencomponenttype (Uitkering AKW ->
    kinderbijslag). One-off amounts are not a monthly income; declared amounts count as net (1.2.1 has no
    bruto/netto; the process compares them with the UWV polis);
  - ``vermogen``: bezittingen and schulden from the Vermogenscomponenten (latest Waardepeiling each) that no
    register GBI consults knows (``codes.VERMOGEN_SOORT``);
  - ``medebewoners``: the Medebewoners of aanvrager and medeaanvrager (codes.MEDEBEWONER_RELATIE); a
    kostganger or (onder)huurder who is declared not a kostendeler lives there on a commercial basis;
  - ``adres`` (for the letter): the briefadres, else the woonadres; ``contact``: e-mail and phone;
  - ``koppelvlak``: ``KoppelvlakHerkomst`` with the LOaangevraagd as received.

Rules the schema cannot express are checked here and refused the same way (400 naming the field).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from gbi_integration.bank.iban import iban_problem, normalize_iban
from gbi_integration.koppelvlakken import codes
from gbi_shared.contracts.alo_proces import (
    AanvraagGegevens,
    AloAanvraagIndiening,
    GegevensInkomen,
    GegevensMedebewoner,
    GegevensVermogen,
)
from gbi_shared.contracts.common import is_valid_bsn
from gbi_shared.contracts.koppelvlakken import KoppelvlakHerkomst
from gbi_shared.errors import BadRequestError, InvalidParam

__all__ = ["bedrag", "naar_indiening"]

Json = Any
_MAX = Decimal("999999999999.99")
_CENT = Decimal("0.01")


def bedrag(text: str) -> Decimal:
    """An amount as the koppelvlak writes it (``123``, ``123,45``, ``123.45``, ``123;45``)."""
    return Decimal(text.replace(",", ".").replace(";", "."))


def _euro(value: Decimal) -> str:
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


class _Fouten:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.items: list[InvalidParam] = []

    def add(self, path: str, code: str, reason: str) -> None:
        self.items.append(InvalidParam(name=self.prefix + path, code=code, reason=reason))

    def raise_any(self) -> None:
        if self.items:
            names = ", ".join(p.name for p in self.items[:5])
            raise BadRequestError(
                f"Het bericht voldoet niet aan de regels van Levensonderhoud aanvragen 1.2.1: {names}",
                invalid_params=self.items,
                code="ongeldig-bericht",
            )


def _date(value: str) -> date:
    return date.fromisoformat(value)


def _iban(uitbetaling: dict[str, Json], fouten: _Fouten, pad: str) -> str | None:
    """Check every account of UitbetalingUitkering; return the one the benefit is paid to."""
    for veld in ("Bankrekening", "BankrekeningPartner", "BankrekeningDerde"):
        value = uitbetaling.get(veld)
        if isinstance(value, str):
            reason = iban_problem(normalize_iban(value), sepa=True)
            if reason is not None:
                fouten.add(f"{pad}.{veld}", "iban", reason)
    veld = {"02": "BankrekeningPartner", "04": "BankrekeningDerde", "05": "BankrekeningDerde"}.get(
        str(uitbetaling.get("SoortUitbetaling")), "Bankrekening"
    )
    value = uitbetaling.get(veld)
    return normalize_iban(value) if isinstance(value, str) else None


def _per_maand(component: dict[str, Json]) -> Decimal | None:
    """The amount of a PrimairInkomstencomponent per month, or None (no amount, a one-off, an unknown period)."""
    tekst = component.get("Inkomsten")
    if not isinstance(tekst, str):
        return None
    try:
        amount = bedrag(tekst)
    except InvalidOperation:
        return None
    periodiciteit = component.get("PeriodiciteitUitbetaling")
    factor = codes.PERIODEN_PER_MAAND.get(str(periodiciteit)) if periodiciteit is not None else None
    if factor is None:
        if periodiciteit is not None:  # 0 (not applicable) or 9 (one-off)
            return None
        start, einde = _date(component["PeriodeStartdatum"]), _date(component["PeriodeEinddatum"])
        dagen = (einde - start).days + 1
        if dagen <= 0:
            return None
        factor = Fraction(36525, 1200) / dagen  # days per month (365.25 / 12) over the period's days
    per_maand = amount * Decimal(factor.numerator) / Decimal(factor.denominator)
    return max(per_maand, Decimal(0))


def _inkomsten(persoon: dict[str, Json], rol: str, melding: date, fouten: _Fouten, pad: str) -> list[GegevensInkomen]:
    out: list[GegevensInkomen] = []
    for i, verhouding in enumerate((persoon.get("Profiel") or {}).get("Inkomstenverhoudingen") or []):
        component = verhouding.get("PrimairInkomstencomponent") or {}
        if not (_date(component["PeriodeStartdatum"]) <= melding <= _date(component["PeriodeEinddatum"])):
            continue  # not running on the melding date (kept in the stored message for the caseworker)
        per_maand = _per_maand(component)
        if per_maand is None:
            continue
        if per_maand > _MAX:
            veld = f"{pad}.Profiel.Inkomstenverhoudingen.{i}.PrimairInkomstencomponent.Inkomsten"
            fouten.add(veld, "te-groot", "Het bedrag is te groot.")
            continue
        specifiek = component.get("InkomstencomponenttypeSpecifiekeGegevens") or {}
        soort = codes.inkomstensoort(
            str(component["PrimairInkomstencomponenttype"]), specifiek.get("InkomstensoortUitkering")
        )
        out.append(GegevensInkomen(persoon=rol, soort=soort, netto_per_maand=_euro(per_maand)))
    return out


def _waarde(component: dict[str, Json]) -> Decimal | None:
    """The value of the latest Waardepeiling that has one."""
    peilingen = [
        w for w in component.get("Waardepeiling") or [] if isinstance(w, dict) and "WaardeVermogenscomponent" in w
    ]
    if not peilingen:
        return None
    laatste = max(peilingen, key=lambda w: str(w.get("Peilmoment", "")))
    try:
        return bedrag(str(laatste["WaardeVermogenscomponent"]))
    except InvalidOperation:
        return None


def _vermogen(personen: list[tuple[str, dict[str, Json]]], fouten: _Fouten) -> GegevensVermogen:
    bezittingen, schulden = Decimal(0), Decimal(0)
    for pad, persoon in personen:
        for i, component in enumerate((persoon.get("Profiel") or {}).get("Vermogenscomponent") or []):
            soort = codes.VERMOGEN_SOORT.get(str(component.get("CodeSoortVermogenscomponent")))
            waarde = _waarde(component)
            if waarde is None or soort not in ("bezitting", "schuld"):
                continue
            if abs(waarde) > _MAX:
                fouten.add(f"{pad}.Profiel.Vermogenscomponent.{i}", "te-groot", "Het bedrag is te groot.")
                continue
            if soort == "schuld":
                schulden += abs(waarde)
            elif waarde >= 0:
                bezittingen += waarde
            else:  # an overdrawn account is a debt
                schulden += -waarde
    if bezittingen > _MAX or schulden > _MAX:
        fouten.add("LOaangevraagd.Huishouding", "te-groot", "Het vermogen is te groot.")
        return GegevensVermogen()
    return GegevensVermogen(bezittingen=_euro(bezittingen), schulden=_euro(schulden))


def _medebewoners(personen: list[tuple[str, dict[str, Json]]]) -> list[GegevensMedebewoner]:
    out: list[GegevensMedebewoner] = []
    gezien: set[str] = set()
    for _, persoon in personen:
        for m in persoon.get("Medebewoners") or []:
            bewoner = m["Bewoner"]
            relatie = codes.MEDEBEWONER_RELATIE.get(str(m["Relatietype"]))
            if relatie is None or bewoner["Burgerservicenummer"] in gezien:
                continue
            gezien.add(bewoner["Burgerservicenummer"])
            commercieel = relatie in ("kostganger", "kamerhuurder") and m["IndicatieKostendeler"] == codes.NEE
            out.append(
                GegevensMedebewoner(
                    geboortedatum=_date(bewoner["Geboortedatum"]),
                    relatie=relatie,
                    commerciele_huurovereenkomst=commercieel,
                )
            )
    return out[:50]


def adresregels(adreshouding: list[Json]) -> list[str] | None:
    """The letter address: the briefadres (B), else the woonadres (W), else the first address."""
    met_adres = [a for a in adreshouding if isinstance(a, dict) and isinstance(a.get("Adres"), dict)]
    if not met_adres:
        return None
    volgorde = {"B": 0, "W": 1}
    keuze = min(met_adres, key=lambda a: volgorde.get(str(a.get("CodeFunctieAdres")), 2))["Adres"]
    regels: list[str]
    if "Straatnaam" in keuze:
        nummer = f"{keuze['Huisnummer']}{keuze.get('Huisletter', '')}"
        if keuze.get("Huisnummertoevoeging"):
            nummer += f"-{keuze['Huisnummertoevoeging']}"
        regels = [f"{keuze['Straatnaam']} {nummer}", f"{_postcode(keuze['Postcode'])}  {keuze['Woonplaatsnaam']}"]
    elif "Postbusnummer" in keuze:
        regels = [f"Postbus {keuze['Postbusnummer']}", f"{_postcode(keuze['Postcode'])}  {keuze['Woonplaatsnaam']}"]
    else:
        straat = " ".join(
            str(keuze[k]) for k in ("StraatnaamBuitenland", "HuisnummerBuitenland") if keuze.get(k) is not None
        )
        plaats = " ".join(str(keuze[k]) for k in ("PostcodeBuitenland", "WoonplaatsnaamBuitenland") if keuze.get(k))
        regels = [r for r in (straat, plaats, keuze.get("RegionaamBuitenland"), keuze.get("Landsnaam")) if r]
    regels = [" ".join(str(r).split())[:100] for r in regels if str(r).strip()]
    return regels[:6] or None


def _postcode(value: str) -> str:
    compact = value.replace(" ", "").upper()
    return f"{compact[:4]} {compact[4:]}"


def _contact(persoon: dict[str, Json]) -> dict[str, Json] | None:
    gegevens = persoon.get("Contactgegevens") or []
    if not gegevens:
        return None
    eerste = gegevens[0]
    contact = {"email": eerste.get("EMailadres"), "telefoon": eerste.get("Telefoonnummer")}
    contact = {k: v for k, v in contact.items() if v}
    return contact or None


def naar_indiening(
    zaak: dict[str, Json], *, frontoffice: str, gemeente: str, resource_url: str, prefix: str = ""
) -> AloAanvraagIndiening:
    """The ALO aanvraag of a validated ZaakLOAangevraagd; ``BadRequestError`` naming the fields when a rule the
    schema cannot express does not hold. ``prefix``: how the fields are named (``ZaakLOAangevraagd.`` when the
    message came wrapped)."""
    fouten = _Fouten(prefix)
    lo = zaak["LOaangevraagd"]
    huishouding = lo["Huishouding"]
    aanvrager = huishouding["Aanvrager"]
    medeaanvrager = huishouding.get("Medeaanvrager")
    personen: list[tuple[str, dict[str, Json]]] = [("LOaangevraagd.Huishouding.Aanvrager", aanvrager)]
    if medeaanvrager is not None:
        personen.append(("LOaangevraagd.Huishouding.Medeaanvrager", medeaanvrager))
    for pad, persoon in personen:
        if not is_valid_bsn(persoon["Burgerservicenummer"]):
            fouten.add(f"{pad}.Burgerservicenummer", "elfproef", "Dit is geen burgerservicenummer (elfproef).")
    melding = _date(lo["IngangBijstandsuitkering"]["DatumMeldingBijGemeente"])
    aanvraagdatum = _date(lo["Aanvraagdatum"])
    if aanvraagdatum < melding:
        fouten.add("LOaangevraagd.Aanvraagdatum", "voor-melding", "De aanvraagdatum ligt voor de datum van melding.")
    if aanvraagdatum > melding + timedelta(days=3660):
        fouten.add("LOaangevraagd.Aanvraagdatum", "ongeldig", "De aanvraagdatum ligt meer dan tien jaar na de melding.")
    iban = None
    uitbetaling = huishouding.get("UitbetalingUitkering")
    if isinstance(uitbetaling, dict):
        iban = _iban(uitbetaling, fouten, "LOaangevraagd.Huishouding.UitbetalingUitkering")
    inkomsten = _inkomsten(aanvrager, "aanvrager", melding, fouten, personen[0][0])
    if medeaanvrager is not None:
        inkomsten += _inkomsten(medeaanvrager, "partner", melding, fouten, personen[1][0])
    vermogen = _vermogen(personen, fouten)
    fouten.raise_any()

    herkomst = KoppelvlakHerkomst(
        frontoffice=frontoffice,
        gemeente=gemeente,
        aanvraag_id=str(lo["Aanvraagid"]),
        zaak_uuid=str(zaak["Uuid"]),
        resource_url=resource_url,
        bericht=lo,
    )
    extra: dict[str, Json] = {"koppelvlak": herkomst.model_dump(mode="json", by_alias=True)}
    contact = _contact(aanvrager)
    if contact is not None:
        extra["contact"] = contact
    gegevens = AanvraagGegevens(
        iban=iban,
        adres=adresregels(aanvrager.get("Adreshouding") or []),
        inkomsten=inkomsten[:100],
        vermogen=vermogen,
        medebewoners=_medebewoners(personen),
        **extra,
    )
    return AloAanvraagIndiening(
        bsn=aanvrager["Burgerservicenummer"],
        meldingsdatum=melding,
        aanvraagdatum=aanvraagdatum,
        kanaal="koppelvlak",
        gegevens=gegevens.model_dump(mode="json", by_alias=True, exclude_none=True),
    )

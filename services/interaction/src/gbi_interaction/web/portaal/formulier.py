"""The bijstand application form of the portal, step by step: which fields each step has, checking them in plain
Dutch, and turning a complete draft into the body of ``POST /api/v1/aanvragen`` (``AanvraagIndiening``).

A draft is a flat dict of what the citizen typed (strings), so a step with an error shows exactly what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from gbi_shared.contracts.common import is_valid_bsn
from gbi_shared.contracts.kanaal import is_valid_iban, normalize_iban
from gbi_shared.tijd import vandaag_nl

__all__ = [
    "INKOMEN_RIJEN",
    "INKOMSTEN_SOORTEN",
    "KIND_RIJEN",
    "MEDE_RIJEN",
    "RELATIES",
    "STAPPEN",
    "WONINGSOORTEN",
    "Stap",
    "als_indiening",
    "bedrag",
    "controleer",
    "stap",
    "velden_van",
]

KIND_RIJEN = 4
MEDE_RIJEN = 2
INKOMEN_RIJEN = 3

WONINGSOORTEN: tuple[tuple[str, str], ...] = (
    ("huurwoning", "Ik huur een woning"),
    ("koopwoning", "Ik woon in mijn eigen koopwoning"),
    ("kamer", "Ik huur een kamer"),
    ("inwonend", "Ik woon in bij iemand anders"),
    ("instelling", "Ik woon in een instelling"),
    ("geen-vaste-woonplaats", "Ik heb geen vaste woonplaats"),
)
INKOMSTEN_SOORTEN: tuple[tuple[str, str], ...] = (
    ("arbeid", "Loon uit werk"),
    ("uitkering", "Uitkering (bijvoorbeeld WW of ziektewet)"),
    ("alimentatie", "Alimentatie"),
    ("pensioen", "Pensioen"),
    ("kinderbijslag", "Kinderbijslag"),
    ("toeslag", "Toeslag"),
    ("overig", "Ander inkomen"),
)
RELATIES: tuple[tuple[str, str], ...] = (
    ("ouder", "Ouder"),
    ("kind", "Kind van 18 jaar of ouder"),
    ("broer-zus", "Broer of zus"),
    ("kamerhuurder", "Huurt een kamer bij mij"),
    ("kostganger", "Kostganger"),
    ("overig", "Iemand anders"),
)
PERSONEN: tuple[tuple[str, str], ...] = (("aanvrager", "Ikzelf"), ("partner", "Mijn partner"))


@dataclass(frozen=True, slots=True)
class Stap:
    naam: str
    titel: str
    velden: tuple[str, ...]
    controle: Callable[[Mapping[str, str]], dict[str, str]]


def _rij_velden(prefix: str, n: int, namen: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}_{naam}" for i in range(1, n + 1) for naam in namen)


def bedrag(tekst: str | None) -> Decimal | None:
    """An amount as people type it: ``1234,56``, ``1.234,56``, ``1234.56``, ``€ 500``; None when it is none."""
    if tekst is None:
        return None
    schoon = tekst.strip().replace("€", "").replace(" ", "")
    if not schoon:
        return None
    if "," in schoon:
        schoon = schoon.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", schoon):
        schoon = schoon.replace(".", "")
    if not re.fullmatch(r"\d{1,12}(\.\d{1,2})?", schoon):
        raise ValueError(schoon)
    try:
        return Decimal(schoon).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError(schoon) from exc


def _datum(tekst: str | None) -> date | None:
    if not tekst or not tekst.strip():
        return None
    schoon = tekst.strip()
    m = re.fullmatch(r"(\d{1,2})-(\d{1,2})-(\d{4})", schoon)
    if m:
        schoon = f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    return date.fromisoformat(schoon)


def _check_bedrag(d: Mapping[str, str], veld: str, fouten: dict[str, str], naam: str, verplicht: bool) -> None:
    try:
        waarde = bedrag(d.get(veld))
    except ValueError:
        fouten[veld] = f"Vul bij {naam} een bedrag in euro in, zoals 1250 of 1250,50."
        return
    if waarde is None and verplicht:
        fouten[veld] = f"Vul bij {naam} een bedrag in. Hebt u niets? Vul dan 0 in."


def _check_geboortedatum(d: Mapping[str, str], veld: str, fouten: dict[str, str], wie: str, verplicht: bool) -> None:
    try:
        waarde = _datum(d.get(veld))
    except ValueError:
        fouten[veld] = f"Vul de geboortedatum van {wie} in als dag-maand-jaar, bijvoorbeeld 13-06-1978."
        return
    if waarde is None:
        if verplicht:
            fouten[veld] = f"Vul de geboortedatum van {wie} in."
        return
    if waarde > vandaag_nl():
        fouten[veld] = f"De geboortedatum van {wie} ligt in de toekomst."
    elif waarde.year < 1900:
        fouten[veld] = f"De geboortedatum van {wie} ligt voor 1900."


def _huishouden(d: Mapping[str, str]) -> dict[str, str]:
    fouten: dict[str, str] = {}
    partner = d.get("partner", "")
    if partner not in ("ja", "nee"):
        fouten["partner"] = "Geef aan of u een partner hebt met wie u samenwoont."
    if partner == "ja":
        if not d.get("partner_naam", "").strip():
            fouten["partner_naam"] = "Vul de naam van uw partner in."
        _check_geboortedatum(d, "partner_geboortedatum", fouten, "uw partner", verplicht=True)
        bsn = d.get("partner_bsn", "").strip()
        if bsn and not is_valid_bsn(bsn):
            fouten["partner_bsn"] = (
                "Dit burgerservicenummer klopt niet. Het heeft 9 cijfers; laat het leeg als u het niet weet."
            )
    for i in range(1, KIND_RIJEN + 1):
        if d.get(f"kind{i}_naam", "").strip() or d.get(f"kind{i}_geboortedatum", "").strip():
            _check_geboortedatum(d, f"kind{i}_geboortedatum", fouten, f"kind {i}", verplicht=True)
    for i in range(1, MEDE_RIJEN + 1):
        if d.get(f"mede{i}_naam", "").strip() or d.get(f"mede{i}_geboortedatum", "").strip():
            _check_geboortedatum(d, f"mede{i}_geboortedatum", fouten, f"medebewoner {i}", verplicht=True)
            if d.get(f"mede{i}_relatie", "") not in {c for c, _ in RELATIES}:
                fouten[f"mede{i}_relatie"] = f"Kies wat medebewoner {i} van u is."
    return fouten


def _woning(d: Mapping[str, str]) -> dict[str, str]:
    fouten: dict[str, str] = {}
    if d.get("woning_soort", "") not in {c for c, _ in WONINGSOORTEN}:
        fouten["woning_soort"] = "Kies waar u woont."
    _check_bedrag(d, "woonkosten", fouten, "woonkosten", verplicht=False)
    return fouten


def _inkomen(d: Mapping[str, str]) -> dict[str, str]:
    fouten: dict[str, str] = {}
    heeft = d.get("inkomen", "")
    if heeft not in ("ja", "nee"):
        fouten["inkomen"] = "Geef aan of u of uw partner inkomen hebt."
    if heeft == "ja":
        gevuld = 0
        for i in range(1, INKOMEN_RIJEN + 1):
            if not d.get(f"ink{i}_bedrag", "").strip():
                continue
            gevuld += 1
            if d.get(f"ink{i}_soort", "") not in {c for c, _ in INKOMSTEN_SOORTEN}:
                fouten[f"ink{i}_soort"] = f"Kies de soort van inkomen {i}."
            if d.get(f"ink{i}_persoon", "") not in {c for c, _ in PERSONEN}:
                fouten[f"ink{i}_persoon"] = f"Kies van wie inkomen {i} is."
            elif d.get(f"ink{i}_persoon") == "partner" and d.get("partner") != "ja":
                fouten[f"ink{i}_persoon"] = f"U hebt geen partner opgegeven; inkomen {i} kan niet van uw partner zijn."
            _check_bedrag(d, f"ink{i}_bedrag", fouten, f"inkomen {i}", verplicht=True)
        if gevuld == 0:
            fouten["ink1_bedrag"] = "Vul minstens één inkomen in met het netto bedrag per maand."
    return fouten


def _vermogen(d: Mapping[str, str]) -> dict[str, str]:
    fouten: dict[str, str] = {}
    _check_bedrag(d, "bezittingen", fouten, "bezittingen", verplicht=True)
    _check_bedrag(d, "schulden", fouten, "schulden", verplicht=True)
    _check_bedrag(d, "overwaarde", fouten, "overwaarde van uw woning", verplicht=False)
    dagen = d.get("buitenland_dagen", "").strip() or "0"
    if not dagen.isdigit() or int(dagen) > 366:
        fouten["buitenland_dagen"] = "Vul het aantal dagen in als een getal van 0 tot en met 366."
    return fouten


def _rekening(d: Mapping[str, str]) -> dict[str, str]:
    fouten: dict[str, str] = {}
    iban = normalize_iban(d.get("iban", ""))
    if not iban:
        fouten["iban"] = "Vul het rekeningnummer (IBAN) in waarop u de bijstand wilt ontvangen."
    elif not is_valid_iban(iban):
        fouten["iban"] = "Dit rekeningnummer klopt niet. Een Nederlands IBAN heeft 18 tekens, zoals NL91ABNA0417164300."
    email = d.get("email", "").strip()
    telefoon = d.get("telefoon", "").strip()
    if not email and not telefoon:
        fouten["email"] = "Vul een e-mailadres of een telefoonnummer in, zodat wij u kunnen bereiken."
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        fouten["email"] = "Dit e-mailadres klopt niet. Een e-mailadres ziet eruit als naam@voorbeeld.nl."
    if telefoon and (not re.fullmatch(r"\+?[0-9][0-9 ()-]{7,19}", telefoon) or sum(c.isdigit() for c in telefoon) < 8):
        fouten["telefoon"] = "Dit telefoonnummer klopt niet. Gebruik alleen cijfers, bijvoorbeeld 0612345678."
    return fouten


def _controleren(d: Mapping[str, str]) -> dict[str, str]:
    if d.get("waarheid") != "ja":
        return {"waarheid": "Bevestig dat u alles naar waarheid hebt ingevuld."}
    return {}


STAPPEN: tuple[Stap, ...] = (
    Stap(
        "huishouden",
        "Uw huishouden",
        (
            "partner",
            "partner_naam",
            "partner_geboortedatum",
            "partner_bsn",
            *_rij_velden("kind", KIND_RIJEN, ("naam", "geboortedatum")),
            *_rij_velden("mede", MEDE_RIJEN, ("naam", "geboortedatum", "relatie")),
        ),
        _huishouden,
    ),
    Stap("woning", "Uw woning", ("woning_soort", "woonkosten"), _woning),
    Stap(
        "inkomen",
        "Uw inkomen",
        ("inkomen", *_rij_velden("ink", INKOMEN_RIJEN, ("persoon", "soort", "bedrag", "omschrijving"))),
        _inkomen,
    ),
    Stap(
        "vermogen",
        "Uw bezittingen en schulden",
        ("bezittingen", "schulden", "overwaarde", "buitenland_dagen"),
        _vermogen,
    ),
    Stap("rekening", "Rekeningnummer en contact", ("iban", "email", "telefoon"), _rekening),
    Stap("controleren", "Controleren en versturen", ("waarheid",), _controleren),
)


def stap(naam: str) -> Stap | None:
    return next((s for s in STAPPEN if s.naam == naam), None)


def velden_van(s: Stap, form: Mapping[str, Any]) -> dict[str, str]:
    """The step's fields from a submitted form, as trimmed strings (at most 300 characters each)."""
    out: dict[str, str] = {}
    for veld in s.velden:
        waarde = form.get(veld)
        out[veld] = waarde.strip()[:300] if isinstance(waarde, str) else ""
    return out


def controleer(concept: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Every step's errors (steps without errors left out)."""
    uit: dict[str, dict[str, str]] = {}
    for s in STAPPEN:
        fouten = s.controle(concept)
        if fouten:
            uit[s.naam] = fouten
    return uit


def _geld(tekst: str | None) -> str:
    waarde = bedrag(tekst)
    return f"{waarde or Decimal('0'):.2f}"


def als_indiening(d: Mapping[str, str]) -> dict[str, Any]:
    """A complete, checked draft as ``AanvraagIndiening`` (camelCase JSON)."""
    huishouden: dict[str, Any] = {"kinderen": [], "medebewoners": []}
    if d.get("partner") == "ja":
        partner: dict[str, Any] = {
            "naam": d["partner_naam"].strip(),
            "geboortedatum": str(_datum(d.get("partner_geboortedatum"))),
        }
        if d.get("partner_bsn", "").strip():
            partner["bsn"] = d["partner_bsn"].strip()
        huishouden["partner"] = partner
    for i in range(1, KIND_RIJEN + 1):
        geboren = _datum(d.get(f"kind{i}_geboortedatum"))
        if geboren is not None:
            kind: dict[str, Any] = {"geboortedatum": str(geboren)}
            if d.get(f"kind{i}_naam", "").strip():
                kind["naam"] = d[f"kind{i}_naam"].strip()
            huishouden["kinderen"].append(kind)
    for i in range(1, MEDE_RIJEN + 1):
        geboren = _datum(d.get(f"mede{i}_geboortedatum"))
        if geboren is not None:
            mede: dict[str, Any] = {"geboortedatum": str(geboren), "relatie": d[f"mede{i}_relatie"]}
            if d.get(f"mede{i}_naam", "").strip():
                mede["naam"] = d[f"mede{i}_naam"].strip()
            huishouden["medebewoners"].append(mede)
    woning: dict[str, Any] = {"soort": d["woning_soort"]}
    if bedrag(d.get("woonkosten")) is not None:
        woning["woonkostenPerMaand"] = _geld(d.get("woonkosten"))
    inkomsten = []
    if d.get("inkomen") == "ja":
        for i in range(1, INKOMEN_RIJEN + 1):
            if d.get(f"ink{i}_bedrag", "").strip():
                inkomen: dict[str, Any] = {
                    "persoon": d[f"ink{i}_persoon"],
                    "soort": d[f"ink{i}_soort"],
                    "nettoPerMaand": _geld(d.get(f"ink{i}_bedrag")),
                }
                if d.get(f"ink{i}_omschrijving", "").strip():
                    inkomen["omschrijving"] = d[f"ink{i}_omschrijving"].strip()
                inkomsten.append(inkomen)
    contact: dict[str, str] = {}
    if d.get("email", "").strip():
        contact["email"] = d["email"].strip()
    if d.get("telefoon", "").strip():
        contact["telefoon"] = d["telefoon"].strip()
    return {
        "huishouden": huishouden,
        "woning": woning,
        "inkomsten": inkomsten,
        "vermogen": {
            "bezittingen": _geld(d.get("bezittingen")),
            "schulden": _geld(d.get("schulden")),
            "overwaardeEigenWoning": _geld(d.get("overwaarde")),
        },
        "iban": normalize_iban(d["iban"]),
        "contact": contact,
        "verblijfBuitenlandDagen": int(d.get("buitenland_dagen", "").strip() or "0"),
        "naarWaarheidIngevuld": d.get("waarheid") == "ja",
    }

"""Convert the RvIG test persons (raw mock format, GBA-like) into Haal Centraal BRP Personen v2 ``Persoon`` objects.

The result is a *template*: everything that does not depend on the day of the query. Values that do (``leeftijd``,
the age of a minor under gezag, whether a verblijfstitel is still valid) are added when a person is rendered
(``gbi_simulator.brp.store``).

Derivations follow the official BRP API proxy (BRP-API/Haal-Centraal-BRP-bevragen, ``src/BrpProxy/Mappers``):
dates, voorletters, volledigeNaam, adresregels and, for persons without a noble title or predicate, aanhef,
aanschrijfwijze and gebruikInLopendeTekst. Simplified on purpose (a simulator, not the BRP):

- noble titles and predicates: the person's own title is used; courtesy titles taken from a partner are not;
- ``inOnderzoek``: mapped per GBA group (element level for the person and the address), not per element
  everywhere; ``089999`` becomes ``indicatieVastgesteldVerblijftNietOpAdres``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = [
    "ConvertedPerson",
    "convert_person",
    "gba_datum",
    "leeftijd",
    "parse_volledige_datum",
    "voorletters",
]

Json = dict[str, Any]

_MAANDEN = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)

_GBA_DATUM = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SPACES = re.compile(r"\s+")

# (code adellijke titel/predicaat, geslacht) -> the word used in names (AanschrijfwijzeMapper).
_TITEL_WOORD: dict[str, str] = {
    "B-M": "baron",
    "BS-M": "baron",
    "B-V": "barones",
    "BS-V": "barones",
    "G-M": "graaf",
    "GI-M": "graaf",
    "G-V": "gravin",
    "GI-V": "gravin",
    "H-M": "hertog",
    "HI-M": "hertog",
    "H-V": "hertogin",
    "HI-V": "hertogin",
    "JH-M": "jonkheer",
    "JV-M": "jonkheer",
    "JH-V": "jonkvrouw",
    "JV-V": "jonkvrouw",
    "M-M": "markies",
    "MI-M": "markies",
    "M-V": "markiezin",
    "MI-V": "markiezin",
    "P-M": "prins",
    "PS-M": "prins",
    "P-V": "prinses",
    "PS-V": "prinses",
    "R-M": "ridder",
}

_HOOGWELGEBOREN_HEER = "De hoogwelgeboren heer"
_HOOGWELGEBOREN_VROUWE = "De hoogwelgeboren vrouwe"
_HOOGGEBOREN_HEER = "De hooggeboren heer"
_HOOGGEBOREN_VROUWE = "De hooggeboren vrouwe"
_HOOGHEID = "De hoogheid"

_AANSPREEKVORM: dict[str, str] = {
    "B-M": _HOOGWELGEBOREN_HEER,
    "BS-M": _HOOGWELGEBOREN_HEER,
    "B-V": _HOOGWELGEBOREN_VROUWE,
    "BS-V": _HOOGWELGEBOREN_VROUWE,
    "G-M": _HOOGGEBOREN_HEER,
    "GI-M": _HOOGGEBOREN_HEER,
    "G-V": _HOOGGEBOREN_VROUWE,
    "GI-V": _HOOGGEBOREN_VROUWE,
    "H-M": _HOOGWELGEBOREN_HEER,
    "HI-M": _HOOGWELGEBOREN_HEER,
    "H-V": _HOOGWELGEBOREN_VROUWE,
    "HI-V": _HOOGWELGEBOREN_VROUWE,
    "JH-M": _HOOGWELGEBOREN_HEER,
    "JV-M": _HOOGWELGEBOREN_HEER,
    "JH-V": _HOOGWELGEBOREN_VROUWE,
    "JV-V": _HOOGWELGEBOREN_VROUWE,
    "M-M": _HOOGWELGEBOREN_HEER,
    "MI-M": _HOOGWELGEBOREN_HEER,
    "M-V": _HOOGWELGEBOREN_VROUWE,
    "MI-V": _HOOGWELGEBOREN_VROUWE,
    "P-M": _HOOGHEID,
    "PS-M": _HOOGHEID,
    "P-V": _HOOGHEID,
    "PS-V": _HOOGHEID,
    "P-O": _HOOGHEID,
    "PS-O": _HOOGHEID,
    "R-M": _HOOGWELGEBOREN_HEER,
}

# Characters the spec allows in a Waardetabel omschrijving (^[a-zA-Z0-9À-ž \'\.\-\(\),]{1,200}$).
_OMSCHRIJVING_DISALLOWED = re.compile(r"[^a-zA-Z0-9À-ž '.\-(),]")


# ---------------------------------------------------------------------------------------------------- dates


def gba_datum(value: str | None) -> Json | None:
    """``"19750707"`` -> ``{"type": "Datum", "datum": "1975-07-07", "langFormaat": "7 juli 1975"}`` (and the
    JaarMaandDatum, JaarDatum and DatumOnbekend forms for partly or wholly unknown dates)."""
    if value is None or value == "":
        return None
    match = _GBA_DATUM.match(value)
    if match is None:
        return {"type": "DatumOnbekend", "onbekend": True, "langFormaat": "onbekend"}
    jaar, maand, dag = (int(g) for g in match.groups())
    if jaar and maand and dag:
        try:
            datum = date(jaar, maand, dag)
        except ValueError:
            return {"type": "DatumOnbekend", "onbekend": True, "langFormaat": "onbekend"}
        return {
            "type": "Datum",
            "datum": datum.isoformat(),
            "langFormaat": f"{dag} {_MAANDEN[maand - 1]} {jaar}",
        }
    if jaar and 1 <= maand <= 12 and not dag:
        return {"type": "JaarMaandDatum", "jaar": jaar, "maand": maand, "langFormaat": f"{_MAANDEN[maand - 1]} {jaar}"}
    if jaar and not maand and not dag:
        return {"type": "JaarDatum", "jaar": jaar, "langFormaat": str(jaar)}
    return {"type": "DatumOnbekend", "onbekend": True, "langFormaat": "onbekend"}


def parse_volledige_datum(datum: Json | None) -> date | None:
    if datum is None or datum.get("type") != "Datum":
        return None
    return date.fromisoformat(datum["datum"])


def leeftijd(geboortedatum: Json | None, peildatum: date) -> int | None:
    """Age in whole years on ``peildatum``; for a year-and-month date only when the month is not the current one."""
    if geboortedatum is None:
        return None
    kind = geboortedatum.get("type")
    if kind == "Datum":
        born = date.fromisoformat(geboortedatum["datum"])
        years = peildatum.year - born.year - ((peildatum.month, peildatum.day) < (born.month, born.day))
    elif kind == "JaarMaandDatum":
        if geboortedatum["maand"] == peildatum.month:
            return None
        years = peildatum.year - geboortedatum["jaar"] - (peildatum.month < geboortedatum["maand"])
    else:
        return None
    return years if 0 <= years <= 150 else None


# ---------------------------------------------------------------------------------------------------- values


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _waardetabel(raw: Any) -> Json | None:
    """A table value; the omschrijving is fitted to the spec's pattern (``/`` and ``&`` do not fit it)."""
    if not isinstance(raw, dict):
        return None
    out: Json = {}
    code = _text(raw.get("code"))
    if code is not None:
        out["code"] = code
    omschrijving = _text(raw.get("omschrijving"))
    if omschrijving is not None:
        fitted = _SPACES.sub(" ", _OMSCHRIJVING_DISALLOWED.sub(" ", omschrijving.replace("/", " of "))).strip()
        if fitted:
            out["omschrijving"] = fitted[:200]
    soort = _text(raw.get("soort"))
    if soort is not None:
        out["soort"] = soort
    return out or None


def _put(target: Json, key: str, value: Any) -> None:
    if value is not None and value != {} and value != []:
        target[key] = value


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def voorletters(voornamen: str | None) -> str | None:
    """``"Theodoor-Christiaan R. Philip"`` -> ``"T.R.P."`` (VoorlettersMapper)."""
    if voornamen is None or not voornamen.strip() or voornamen == ".":
        return voornamen
    parts = (v[:1] + "." if len(v.strip()) > 1 else v + " " for v in voornamen.split(" "))
    return "".join(parts).strip() or None


# ---------------------------------------------------------------------------------------------------- in onderzoek


def _io_datum(raw: Any) -> tuple[str, str, Json | None] | None:
    """Split a raw ``inOnderzoek`` into (group, element, datumIngangOnderzoek); None when there is none."""
    if not isinstance(raw, dict):
        return None
    code = str(raw.get("aanduidingGegevensInOnderzoek") or "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    return code[2:4], code[4:6], gba_datum(raw.get("datumIngangOnderzoek"))


def _flags(keys: list[str] | tuple[str, ...], datum_key: str, datum: Json | None) -> Json:
    out: Json = dict.fromkeys(keys, True)
    if out and datum is not None:
        out[datum_key] = datum
    return out


# group -> element -> keys in the related person's inOnderzoek (partners, ouders, kinderen)
_GERELATEERDE_GROEPEN: dict[str, dict[str, tuple[str, ...]]] = {
    "01": {"00": ("burgerservicenummer",), "20": ("burgerservicenummer",)},
    "02": {
        "00": ("voornamen", "adellijkeTitelPredicaat", "voorvoegsel", "geslachtsnaam", "voorletters"),
        "10": ("voornamen", "voorletters"),
        "20": ("adellijkeTitelPredicaat",),
        "30": ("voorvoegsel",),
        "40": ("geslachtsnaam",),
    },
    "03": {"00": ("datum", "plaats", "land"), "10": ("datum",), "20": ("plaats",), "30": ("land",)},
    "04": {"00": ("geslacht",), "10": ("geslacht",)},
    "06": {"00": ("datum", "plaats", "land"), "10": ("datum",), "20": ("plaats",), "30": ("land",)},
    "07": {"00": ("datum",), "10": ("datum",)},
    "15": {"00": ("soortVerbintenis",), "10": ("soortVerbintenis",)},
    "62": {"00": ("datumIngangFamilierechtelijkeBetrekking",), "10": ("datumIngangFamilierechtelijkeBetrekking",)},
}


def _gerelateerde_in_onderzoek(target: Json, raw: Any) -> None:
    """Put inOnderzoek flags into a converted partner, ouder or kind (and its naam/geboorte/... sub-objects)."""
    parsed = _io_datum(raw)
    if parsed is None:
        return
    group, element, datum = parsed
    groups = list(_GERELATEERDE_GROEPEN) if group == "00" else [group]
    own: list[str] = []
    for g in groups:
        table = _GERELATEERDE_GROEPEN.get(g)
        if table is None:
            continue
        keys = table.get("00" if group == "00" else element) or table["00"]
        if g == "02" and "naam" in target:
            target["naam"]["inOnderzoek"] = _flags(keys, "datumIngangOnderzoek", datum)
        elif g == "03" and "geboorte" in target:
            target["geboorte"]["inOnderzoek"] = _flags(keys, "datumIngangOnderzoek", datum)
        elif g == "06" and "aangaanHuwelijkPartnerschap" in target:
            target["aangaanHuwelijkPartnerschap"]["inOnderzoek"] = _flags(keys, "datumIngangOnderzoek", datum)
        elif g == "07" and "ontbindingHuwelijkPartnerschap" in target:
            target["ontbindingHuwelijkPartnerschap"]["inOnderzoek"] = _flags(keys, "datumIngangOnderzoek", datum)
        elif g in ("01", "04", "15", "62"):
            own.extend(keys)
    if own:
        target["inOnderzoek"] = _flags(own, "datumIngangOnderzoek", datum)


# ---------------------------------------------------------------------------------------------------- names


def _titel_key(naam: Json, geslacht: str | None) -> str:
    atp = naam.get("adellijkeTitelPredicaat") or {}
    return f"{atp.get('code')}-{geslacht}"


def _achternaam(naam: Json | None) -> str:
    if not naam:
        return ""
    return _collapse(f"{naam.get('voorvoegsel') or ''} {naam.get('geslachtsnaam') or ''}")


def _leeg_of_onbekend(achternaam: str) -> bool:
    return achternaam in ("", ".")


def _naam_basis(raw: Any, *, geslacht: str | None, persoon: bool) -> Json:
    raw = raw if isinstance(raw, dict) else {}
    out: Json = {}
    voornamen = _text(raw.get("voornamen"))
    _put(out, "voornamen", voornamen)
    _put(out, "adellijkeTitelPredicaat", _waardetabel(raw.get("adellijkeTitelPredicaat")))
    _put(out, "voorvoegsel", _text(raw.get("voorvoegsel")))
    _put(out, "geslachtsnaam", _text(raw.get("geslachtsnaam")))
    _put(out, "voorletters", voorletters(voornamen))
    if persoon:
        atp = out.get("adellijkeTitelPredicaat") or {}
        woord = _TITEL_WOORD.get(_titel_key(out, geslacht), atp.get("omschrijving", "")) if atp else ""
        predicaat = woord if atp.get("soort") == "predicaat" else ""
        titel = woord if atp.get("soort") == "titel" else ""
        volledig = _collapse(
            f"{predicaat} {voornamen or ''} {titel} {out.get('voorvoegsel') or ''} {out.get('geslachtsnaam') or ''}"
        )
        _put(out, "volledigeNaam", volledig or None)
        _put(out, "aanduidingNaamgebruik", _waardetabel(raw.get("aanduidingNaamgebruik")))
    return out


def _naam_met_gebruik(code: str | None, eigen: str, partner: str) -> str:
    if _leeg_of_onbekend(partner):
        return eigen
    return {"E": eigen, "P": partner, "V": f"{partner}-{eigen}", "N": f"{eigen}-{partner}"}.get(code or "E", eigen)


@dataclass(frozen=True, slots=True)
class _Aanschrijving:
    aanhef: str | None
    aanschrijfwijze: Json | None
    gebruik_in_lopende_tekst: str | None


def _aanschrijving(
    naam: Json, geslacht: str | None, partner_naam: Json | None, actuele_partner: bool
) -> _Aanschrijving:
    """aanhef, aanschrijfwijze and gebruikInLopendeTekst (AanhefMapper, AanschrijfwijzeMapper, ...)."""
    eigen = _achternaam(naam)
    partner = _achternaam(partner_naam)
    code = (naam.get("aanduidingNaamgebruik") or {}).get("code")
    letters = naam.get("voorletters") or ""
    atp = naam.get("adellijkeTitelPredicaat") or {}
    key = _titel_key(naam, geslacht)
    eigen_titel = (
        bool(atp)
        and key in _TITEL_WOORD
        and (code in (None, "E") or _leeg_of_onbekend(partner))
        and not (atp.get("soort") == "predicaat" and geslacht == "V" and partner_naam is not None and actuele_partner)
    )
    if eigen_titel:
        woord = _TITEL_WOORD[key]
        aanspreekvorm = _AANSPREEKVORM.get(key)
        if atp.get("soort") == "titel":
            aanschrijf_naam = _collapse(f"{letters} {woord} {eigen}")
        else:
            aanschrijf_naam = _capitalize(_collapse(f"{woord} {letters} {eigen}"))
        aanschrijfwijze: Json = {"naam": aanschrijf_naam}
        _put(aanschrijfwijze, "aanspreekvorm", aanspreekvorm)
        aanhef = _capitalize(aanspreekvorm.removeprefix("De ")) if aanspreekvorm else None
        return _Aanschrijving(aanhef, aanschrijfwijze, _collapse(f"{woord} {eigen}"))

    if _leeg_of_onbekend(eigen) and code != "P":
        return _Aanschrijving(None, None, None)
    gebruikt = _naam_met_gebruik(code, eigen, partner)
    aanschrijf = _capitalize(_collapse(f"{letters} {gebruikt}"))
    if geslacht == "M":
        aanhef, lopend = f"Geachte heer {_capitalize(gebruikt)}", f"de heer {_capitalize(gebruikt)}"
    elif geslacht == "V":
        aanhef, lopend = f"Geachte mevrouw {_capitalize(gebruikt)}", f"mevrouw {_capitalize(gebruikt)}"
    elif letters:
        aanhef, lopend = f"Geachte {letters} {gebruikt}", f"{letters} {gebruikt}"
    else:
        aanhef, lopend = f"Geachte {_capitalize(gebruikt)}", _capitalize(gebruikt)
    return _Aanschrijving(_collapse(aanhef), {"naam": aanschrijf} if aanschrijf else None, _collapse(lopend))


# ---------------------------------------------------------------------------------------------------- addresses


_VERBLIJFADRES_ELEMENTEN: dict[str, tuple[str, ...]] = {
    "10": ("korteStraatnaam",),
    "15": ("officieleStraatnaam",),
    "20": ("huisnummer",),
    "30": ("huisletter",),
    "40": ("huisnummertoevoeging",),
    "50": ("aanduidingBijHuisnummer",),
    "60": ("postcode",),
    "70": ("woonplaats",),
}
_VERBLIJFADRES_ALLES = tuple(k for keys in _VERBLIJFADRES_ELEMENTEN.values() for k in keys)


def _verblijfplaats(raw: Json) -> Json | None:
    if not raw:
        return None
    out: Json
    land = raw.get("land")
    if isinstance(land, dict) and land.get("code"):
        datum_van = gba_datum(raw.get("datumAanvangAdresBuitenland"))
        if land.get("code") == "0000":
            out = {"type": "VerblijfplaatsOnbekend"}
        else:
            adres: Json = {}
            for key in ("regel1", "regel2", "regel3"):
                _put(adres, key, _text(raw.get(key)))
            _put(adres, "land", _waardetabel(land))
            out = {"type": "VerblijfplaatsBuitenland"}
            _put(out, "verblijfadres", adres)
        _put(out, "datumVan", datum_van)
    elif _text(raw.get("locatiebeschrijving")):
        out = {"type": "Locatie", "verblijfadres": {"locatiebeschrijving": _text(raw.get("locatiebeschrijving"))}}
        _put(out, "functieAdres", _waardetabel(raw.get("functieAdres")))
        _put(out, "datumVan", gba_datum(raw.get("datumAanvangAdreshouding")))
    else:
        adres = {}
        straat = _text(raw.get("straat"))
        _put(adres, "officieleStraatnaam", _text(raw.get("naamOpenbareRuimte")) or straat)
        _put(adres, "korteStraatnaam", straat)
        huisnummer = _text(raw.get("huisnummer"))
        if huisnummer is not None and huisnummer.isdigit() and int(huisnummer) > 0:
            adres["huisnummer"] = int(huisnummer)
        _put(adres, "huisletter", _text(raw.get("huisletter")))
        _put(adres, "huisnummertoevoeging", _text(raw.get("huisnummertoevoeging")))
        _put(adres, "aanduidingBijHuisnummer", _waardetabel(raw.get("aanduidingBijHuisnummer")))
        postcode = _text(raw.get("postcode"))
        _put(adres, "postcode", postcode.replace(" ", "").upper() if postcode else None)
        _put(adres, "woonplaats", _text(raw.get("woonplaats")))
        out = {"type": "Adres"}
        _put(out, "verblijfadres", adres)
        _put(out, "functieAdres", _waardetabel(raw.get("functieAdres")))
        _put(out, "adresseerbaarObjectIdentificatie", _text(raw.get("adresseerbaarObjectIdentificatie")))
        _put(out, "nummeraanduidingIdentificatie", _text(raw.get("nummeraanduidingIdentificatie")))
        _put(out, "datumVan", gba_datum(raw.get("datumAanvangAdreshouding")))
    _put(out, "datumIngangGeldigheid", gba_datum(raw.get("datumIngangGeldigheid")))
    return out


def _adresregels(verblijfplaats: Json | None, gemeente: Json | None) -> Json:
    """adresregel1..3 and land (AdresregelsMapper)."""
    out: Json = {}
    if not verblijfplaats:
        return out
    kind = verblijfplaats["type"]
    adres = verblijfplaats.get("verblijfadres") or {}
    if kind == "Adres":
        straat, postcode, nummer = adres.get("korteStraatnaam"), adres.get("postcode"), adres.get("huisnummer")
        if not straat or not postcode or not nummer:
            return out
        regel = straat
        aanduiding = (adres.get("aanduidingBijHuisnummer") or {}).get("code")
        regel += {"to": " t/o", "by": " bij"}.get(aanduiding or "", "")
        regel += f" {nummer}"
        letter, toevoeging = adres.get("huisletter"), adres.get("huisnummertoevoeging")
        if letter:
            regel += f" {letter}"
        if toevoeging:
            regel += toevoeging if letter else ("-" if toevoeging[:1].isdigit() else " ") + toevoeging
        plaats = adres.get("woonplaats") or (gemeente or {}).get("omschrijving") or ""
        out["adresregel1"] = regel[:40]
        out["adresregel2"] = f"{postcode[:4]} {postcode[4:]}  {plaats.upper()}".rstrip()[:50]
    elif kind == "Locatie":
        _put(out, "adresregel1", adres.get("locatiebeschrijving"))
        _put(out, "adresregel2", ((gemeente or {}).get("omschrijving") or "").upper() or None)
    elif kind == "VerblijfplaatsBuitenland" and adres.get("land") and any(adres.get(f"regel{i}") for i in (1, 2, 3)):
        for i in (1, 2, 3):
            _put(out, f"adresregel{i}", adres.get(f"regel{i}"))
        out["land"] = adres["land"]
    return out


def _verblijfplaats_in_onderzoek(persoon: Json, raw: Any) -> bool:
    """Flags for category 08 (verblijfplaats); returns True when the address lines are affected."""
    parsed = _io_datum(raw)
    vp = persoon.get("verblijfplaats")
    if parsed is None or vp is None:
        return False
    group, element, datum = parsed
    if group == "99" and element == "99":
        vp["indicatieVastgesteldVerblijftNietOpAdres"] = True
        return False
    eigen: list[str] = []
    adres_keys: tuple[str, ...] = ()
    gemeente_keys: list[str] = []
    if group == "00":
        eigen = [
            "type",
            "datumVan",
            "adresseerbaarObjectIdentificatie",
            "functieAdres",
            "nummeraanduidingIdentificatie",
        ]
        eigen.append("datumIngangGeldigheid")
        adres_keys = (*_VERBLIJFADRES_ALLES, "locatiebeschrijving", "regel1", "regel2", "regel3", "land")
        gemeente_keys = ["gemeenteVanInschrijving", "datumInschrijvingInGemeente"]
    elif group == "09":
        gemeente_keys = {"10": ["gemeenteVanInschrijving"], "20": ["datumInschrijvingInGemeente"]}.get(
            element, ["gemeenteVanInschrijving", "datumInschrijvingInGemeente"]
        )
    elif group == "10":
        eigen = {"10": ["functieAdres"], "30": ["datumVan"]}.get(element, ["type", "functieAdres", "datumVan"])
    elif group == "11":
        if element == "00":
            eigen = ["type", "adresseerbaarObjectIdentificatie", "nummeraanduidingIdentificatie"]
            adres_keys = _VERBLIJFADRES_ALLES
        elif element == "80":
            eigen = ["adresseerbaarObjectIdentificatie"]
        elif element == "90":
            eigen = ["nummeraanduidingIdentificatie"]
        else:
            adres_keys = _VERBLIJFADRES_ELEMENTEN.get(element, _VERBLIJFADRES_ALLES)
    elif group == "12":
        eigen, adres_keys = ["type"], ("locatiebeschrijving",)
    elif group == "13":
        eigen, adres_keys = ["type", "datumVan"], ("regel1", "regel2", "regel3", "land")
    elif group == "14":
        if "immigratie" in persoon:
            keys = ["landVanwaarIngeschreven", "datumVestigingInNederland"]
            persoon["immigratie"]["inOnderzoek"] = _flags(keys, "datumIngangOnderzoek", datum)
        return False
    present_eigen = [k for k in eigen if k in vp]
    if present_eigen:
        vp["inOnderzoek"] = _flags(present_eigen, "datumIngangOnderzoek", datum)
    adres = vp.get("verblijfadres")
    present_adres = [k for k in adres_keys if adres is not None and k in adres]
    if adres is not None and present_adres:
        adres["inOnderzoek"] = _flags(present_adres, "datumIngangOnderzoek", datum)
    if gemeente_keys:
        io = persoon.setdefault("inOnderzoek", {})
        io.update(dict.fromkeys(gemeente_keys, True))
        if datum is not None:
            io["datumIngangOnderzoekGemeente"] = datum
    return bool(present_adres) or group == "00"


def _persoon_in_onderzoek(persoon: Json, raw: Any) -> bool:
    """Flags for category 01 (persoon); returns True when the name-derived adressering is affected."""
    parsed = _io_datum(raw)
    if parsed is None:
        return False
    group, element, datum = parsed
    eigen: list[str] = []
    naam_raakt = False
    naam_keys: tuple[str, ...] = ()
    geboorte_keys: tuple[str, ...] = ()
    if group in ("00", "01") and element in ("00", "20"):
        eigen.append("burgerservicenummer")
    if group in ("00", "02"):
        table = {
            "10": ("voornamen", "voorletters", "volledigeNaam"),
            "20": ("adellijkeTitelPredicaat", "volledigeNaam"),
            "30": ("voorvoegsel", "volledigeNaam"),
            "40": ("geslachtsnaam", "volledigeNaam"),
        }
        everything = ("voornamen", "adellijkeTitelPredicaat", "voorvoegsel", "geslachtsnaam", "voorletters")
        naam_keys = table.get(element, (*everything, "volledigeNaam")) if group == "02" else everything
        if group == "00":
            naam_keys = (*naam_keys, "volledigeNaam", "aanduidingNaamgebruik")
        naam_raakt = True
    if group == "61":
        naam_keys, naam_raakt = ("aanduidingNaamgebruik",), True
    if group in ("00", "03"):
        geboorte_keys = {"10": ("datum",), "20": ("plaats",), "30": ("land",)}.get(element, ("datum", "plaats", "land"))
        if group == "00":
            geboorte_keys = ("datum", "plaats", "land")
        if "datum" in geboorte_keys:
            eigen.append("leeftijd")
    if group in ("00", "04"):
        eigen.append("geslacht")
        naam_raakt = True
    if eigen:
        io = persoon.setdefault("inOnderzoek", {})
        io.update(dict.fromkeys(eigen, True))
        if datum is not None:
            io["datumIngangOnderzoekPersoon"] = datum
    if naam_keys and "naam" in persoon:
        persoon["naam"]["inOnderzoek"] = _flags(naam_keys, "datumIngangOnderzoek", datum)
    if geboorte_keys and "geboorte" in persoon:
        persoon["geboorte"]["inOnderzoek"] = _flags(geboorte_keys, "datumIngangOnderzoek", datum)
    return naam_raakt


# ---------------------------------------------------------------------------------------------------- relatives


def _geboorte(raw: Any) -> Json | None:
    if not isinstance(raw, dict):
        return None
    out: Json = {}
    _put(out, "datum", gba_datum(raw.get("datum")))
    _put(out, "land", _waardetabel(raw.get("land")))
    _put(out, "plaats", _waardetabel(raw.get("plaats")))
    return out or None


def _partner(raw: Json) -> Json:
    geslacht = _waardetabel(raw.get("geslacht"))
    out: Json = {}
    _put(out, "burgerservicenummer", _text(raw.get("burgerservicenummer")))
    _put(out, "geslacht", geslacht)
    _put(out, "soortVerbintenis", _waardetabel(raw.get("soortVerbintenis")))
    _put(out, "naam", _naam_basis(raw.get("naam"), geslacht=None, persoon=False))
    _put(out, "geboorte", _geboorte(raw.get("geboorte")))
    aangaan = raw.get("aangaanHuwelijkPartnerschap")
    if isinstance(aangaan, dict):
        _put(out, "aangaanHuwelijkPartnerschap", _geboorte(aangaan))
    ontbinding = raw.get("ontbindingHuwelijkPartnerschap")
    if isinstance(ontbinding, dict) and ontbinding.get("datum"):
        out["ontbindingHuwelijkPartnerschap"] = {"datum": gba_datum(ontbinding["datum"])}
    _gerelateerde_in_onderzoek(out, raw.get("inOnderzoek"))
    return out


def _datum_sleutel(datum: Json | None) -> tuple[int, int, int]:
    """Sort key of a (possibly partial) date; unknown sorts first."""
    if not datum:
        return (0, 0, 0)
    if datum.get("type") == "Datum":
        y, m, d = (int(p) for p in datum["datum"].split("-"))
        return (y, m, d)
    return (int(datum.get("jaar", 0)), int(datum.get("maand", 0)), 0)


def _selecteer_partners(partners: list[Json]) -> list[Json]:
    """Only the current partners, or else the partner whose marriage/partnership ended last (v2 rule)."""
    actueel = [p for p in partners if "ontbindingHuwelijkPartnerschap" not in p]
    if actueel or not partners:
        return actueel
    laatste = max(partners, key=lambda p: _datum_sleutel(p["ontbindingHuwelijkPartnerschap"].get("datum")))
    return [laatste]


def _actuele_partner(partners: list[Json]) -> Json | None:
    """The partner whose name is used in letters: the oldest current relation, else the last ended one."""
    actueel = [p for p in partners if "ontbindingHuwelijkPartnerschap" not in p]
    if actueel:
        return min(actueel, key=lambda p: _datum_sleutel((p.get("aangaanHuwelijkPartnerschap") or {}).get("datum")))
    if partners:
        return max(partners, key=lambda p: _datum_sleutel(p["ontbindingHuwelijkPartnerschap"].get("datum")))
    return None


def _kind(raw: Json) -> Json:
    out: Json = {}
    _put(out, "burgerservicenummer", _text(raw.get("burgerservicenummer")))
    _put(out, "naam", _naam_basis(raw.get("naam"), geslacht=None, persoon=False))
    _put(out, "geboorte", _geboorte(raw.get("geboorte")))
    _gerelateerde_in_onderzoek(out, raw.get("inOnderzoek"))
    return out


def _ouder(raw: Json) -> Json:
    out: Json = {}
    _put(out, "burgerservicenummer", _text(raw.get("burgerservicenummer")))
    _put(out, "geslacht", _waardetabel(raw.get("geslacht")))
    aanduiding = _text(raw.get("ouderAanduiding"))
    if aanduiding in ("1", "2"):
        out["ouderAanduiding"] = aanduiding
    _put(out, "datumIngangFamilierechtelijkeBetrekking", gba_datum(raw.get("datumIngangFamilierechtelijkeBetrekking")))
    _put(out, "naam", _naam_basis(raw.get("naam"), geslacht=None, persoon=False))
    _put(out, "geboorte", _geboorte(raw.get("geboorte")))
    _gerelateerde_in_onderzoek(out, raw.get("inOnderzoek"))
    return out


def _nationaliteit(raw: Json) -> Json:
    nationaliteit = _waardetabel(raw.get("nationaliteit"))
    out: Json
    if nationaliteit is not None and nationaliteit.get("code") == "0000":
        out = {"type": "NationaliteitOnbekend"}
    else:
        out = {"type": "Nationaliteit"}
        _put(out, "nationaliteit", nationaliteit)
    _put(out, "redenOpname", _waardetabel(raw.get("redenOpname")))
    _put(out, "datumIngangGeldigheid", gba_datum(raw.get("datumIngangGeldigheid")))
    parsed = _io_datum(raw.get("inOnderzoek"))
    if parsed is not None:
        group, _, datum = parsed
        keys = {"05": ["nationaliteit"], "63": ["redenOpname"]}.get(group, ["type", "nationaliteit", "redenOpname"])
        out["inOnderzoek"] = _flags([k for k in keys if k in out], "datumIngangOnderzoek", datum)
    return out


# ---------------------------------------------------------------------------------------------------- the person


@dataclass(slots=True)
class ConvertedPerson:
    """A v2 ``Persoon`` template plus what the store needs to index and render it."""

    bsn: str
    persoon: Json
    # Raw gezag relations (mock format) and the verblijfstitel end date: resolved when rendering.
    gezag_raw: list[Json] = field(default_factory=list)
    verblijfstitel_einde: date | None = None
    overleden: bool = False


def convert_person(raw: Json) -> ConvertedPerson:
    """One RvIG test person (mock format) -> a v2 Persoon template."""
    p: Json = {}
    bsn = str(raw["burgerservicenummer"])
    geslacht = _waardetabel(raw.get("geslacht"))
    geslacht_code = (geslacht or {}).get("code")
    _put(p, "aNummer", _text(raw.get("aNummer")))
    p["burgerservicenummer"] = bsn
    _put(p, "datumEersteInschrijvingGBA", gba_datum(raw.get("datumEersteInschrijvingGBA")))
    if _text(raw.get("geheimhoudingPersoonsgegevens")) not in (None, "0"):
        p["geheimhoudingPersoonsgegevens"] = True
    _put(p, "geslacht", geslacht)
    _put(p, "naam", _naam_basis(raw.get("naam"), geslacht=geslacht_code, persoon=True))
    _put(p, "geboorte", _geboorte(raw.get("geboorte")))

    uitsluiting = raw.get("uitsluitingKiesrecht")
    if isinstance(uitsluiting, dict) and uitsluiting.get("uitgeslotenVanKiesrecht"):
        u: Json = {"uitgeslotenVanKiesrecht": True}
        _put(u, "einddatum", gba_datum(uitsluiting.get("einddatum")))
        p["uitsluitingKiesrecht"] = u
    europees = raw.get("europeesKiesrecht")
    if isinstance(europees, dict) and europees.get("aanduiding"):
        e: Json = {"aanduiding": _waardetabel(europees.get("aanduiding"))}
        _put(e, "einddatumUitsluiting", gba_datum(europees.get("einddatumUitsluiting")))
        p["europeesKiesrecht"] = e

    _put(p, "nationaliteiten", [_nationaliteit(n) for n in raw.get("nationaliteiten") or [] if isinstance(n, dict)])

    opschorting = raw.get("opschortingBijhouding")
    if isinstance(opschorting, dict) and opschorting.get("reden"):
        o: Json = {"reden": _waardetabel(opschorting.get("reden"))}
        _put(o, "datum", gba_datum(opschorting.get("datum")))
        p["opschortingBijhouding"] = o
    overlijden = raw.get("overlijden")
    if isinstance(overlijden, dict) and overlijden.get("datum"):
        ov: Json = {"datum": gba_datum(overlijden["datum"])}
        _put(ov, "land", _waardetabel(overlijden.get("land")))
        _put(ov, "plaats", _waardetabel(overlijden.get("plaats")))
        p["overlijden"] = ov
        if isinstance(overlijden.get("inOnderzoek"), dict):
            parsed = _io_datum(overlijden["inOnderzoek"])
            if parsed is not None:
                ov["inOnderzoek"] = _flags(
                    [k for k in ("datum", "land", "plaats") if k in ov], "datumIngangOnderzoek", parsed[2]
                )

    raw_vp = raw.get("verblijfplaats")
    _put(p, "verblijfplaats", _verblijfplaats(raw_vp) if isinstance(raw_vp, dict) else None)
    immigratie = raw.get("immigratie")
    if isinstance(immigratie, dict) and (
        immigratie.get("landVanwaarIngeschreven") or immigratie.get("datumVestigingInNederland")
    ):
        im: Json = {}
        land = _waardetabel(immigratie.get("landVanwaarIngeschreven"))
        _put(im, "landVanwaarIngeschreven", land)
        _put(im, "datumVestigingInNederland", gba_datum(immigratie.get("datumVestigingInNederland")))
        if land is not None and land.get("code"):
            im["vanuitVerblijfplaatsOnbekend"] = land.get("code") == "0000"
            im["indicatieVestigingVanuitBuitenland"] = land.get("code") != "0000"
        p["immigratie"] = im
    gemeente = _waardetabel(raw.get("gemeenteVanInschrijving"))
    _put(p, "gemeenteVanInschrijving", gemeente)
    _put(p, "datumInschrijvingInGemeente", gba_datum(raw.get("datumInschrijvingInGemeente")))

    if raw.get("indicatieCurateleRegister") is True:
        p["indicatieCurateleRegister"] = True
    _put(p, "indicatieGezagMinderjarige", _waardetabel(raw.get("indicatieGezagMinderjarige")))

    einde: date | None = None
    titel = raw.get("verblijfstitel")
    if isinstance(titel, dict) and titel.get("aanduiding"):
        vt: Json = {"aanduiding": _waardetabel(titel.get("aanduiding"))}
        _put(vt, "datumEinde", gba_datum(titel.get("datumEinde")))
        _put(vt, "datumIngang", gba_datum(titel.get("datumIngang")))
        p["verblijfstitel"] = vt
        einde = parse_volledige_datum(vt.get("datumEinde"))

    _put(p, "kinderen", [_kind(k) for k in raw.get("kinderen") or [] if isinstance(k, dict)])
    _put(p, "ouders", [_ouder(o) for o in raw.get("ouders") or [] if isinstance(o, dict)])
    alle_partners = [_partner(x) for x in raw.get("partners") or [] if isinstance(x, dict)]
    _put(p, "partners", _selecteer_partners(alle_partners))

    rni = []
    for r in raw.get("rni") or []:
        if isinstance(r, dict):
            item: Json = {}
            _put(item, "deelnemer", _waardetabel(r.get("deelnemer")))
            _put(item, "omschrijvingVerdrag", _text(r.get("omschrijvingVerdrag")))
            _put(item, "categorie", _text(r.get("categorie")))
            rni.append(item)
    _put(p, "rni", rni)
    verificatie = raw.get("verificatie")
    if isinstance(verificatie, dict) and verificatie.get("datum"):
        ver: Json = {"datum": gba_datum(verificatie.get("datum"))}
        _put(ver, "omschrijving", _text(verificatie.get("omschrijving")))
        p["verificatie"] = ver

    naam_in_onderzoek = _persoon_in_onderzoek(p, raw.get("persoonInOnderzoek"))
    adres_in_onderzoek = _verblijfplaats_in_onderzoek(
        p, (raw_vp or {}).get("inOnderzoek") if isinstance(raw_vp, dict) else None
    )

    adressering = _adresregels(p.get("verblijfplaats"), gemeente)
    partner = _actuele_partner(alle_partners)
    aanschrijving = _aanschrijving(
        p.get("naam") or {},
        geslacht_code,
        partner.get("naam") if partner else None,
        actuele_partner=partner is not None and "ontbindingHuwelijkPartnerschap" not in partner,
    )
    _put(adressering, "aanhef", aanschrijving.aanhef)
    _put(adressering, "aanschrijfwijze", aanschrijving.aanschrijfwijze)
    _put(adressering, "gebruikInLopendeTekst", aanschrijving.gebruik_in_lopende_tekst)
    if (p.get("verblijfplaats") or {}).get("indicatieVastgesteldVerblijftNietOpAdres"):
        adressering["indicatieVastgesteldVerblijftNietOpAdres"] = True
    io: Json = {}
    if naam_in_onderzoek:
        io.update(dict.fromkeys(("aanhef", "aanschrijfwijze", "gebruikInLopendeTekst"), True))
        persoon_datum = _io_datum(raw.get("persoonInOnderzoek"))
        if persoon_datum is not None and persoon_datum[2] is not None:
            io["datumIngangOnderzoekPersoon"] = persoon_datum[2]
    if adres_in_onderzoek:
        io.update(dict.fromkeys(("adresregel1", "adresregel2", "adresregel3", "land"), True))
        adres_datum = _io_datum((raw_vp or {}).get("inOnderzoek"))
        if adres_datum is not None and adres_datum[2] is not None:
            io["datumIngangOnderzoekVerblijfplaats"] = adres_datum[2]
    if io:
        adressering["inOnderzoek"] = io
    _put(p, "adressering", adressering)

    overleden = "overlijden" in p or ((p.get("opschortingBijhouding") or {}).get("reden") or {}).get("code") == "O"
    gezag_raw = [g for g in raw.get("gezag") or [] if isinstance(g, dict) and g.get("type")]
    return ConvertedPerson(bsn=bsn, persoon=p, gezag_raw=gezag_raw, verblijfstitel_einde=einde, overleden=overleden)

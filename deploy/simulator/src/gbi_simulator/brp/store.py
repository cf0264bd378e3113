"""The RvIG test persons, converted once at start-up and indexed for the searches the BRP API offers."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from gbi_simulator.brp.convert import ConvertedPerson, Json, convert_person, leeftijd

__all__ = ["AdresSleutel", "PersonStore"]

# (postcode, huisnummer) - huisletter and toevoeging are filters on top.
AdresSleutel = tuple[str, int]

_TOELICHTING = {
    "TijdelijkGeenGezag": "Tijdelijk geen gezag volgens de testgegevens van de simulator.",
    "GezagNietTeBepalen": "Gezag is niet te bepalen volgens de testgegevens van de simulator.",
}


class PersonStore:
    """All test persons by BSN, address, BAG identification; renders v2 persons for a given day."""

    def __init__(self, persons: Iterable[ConvertedPerson]) -> None:
        self.load_ms = 0
        self._by_bsn: dict[str, ConvertedPerson] = {}
        self._by_adres: dict[AdresSleutel, list[ConvertedPerson]] = defaultdict(list)
        self._by_aoi: dict[str, list[ConvertedPerson]] = defaultdict(list)
        self._by_nai: dict[str, list[ConvertedPerson]] = defaultdict(list)
        for person in persons:
            if person.bsn in self._by_bsn:
                continue
            self._by_bsn[person.bsn] = person
            vp = person.persoon.get("verblijfplaats") or {}
            if vp.get("type") != "Adres":
                continue
            adres = vp.get("verblijfadres") or {}
            if adres.get("postcode") and adres.get("huisnummer"):
                self._by_adres[(adres["postcode"], adres["huisnummer"])].append(person)
            if vp.get("adresseerbaarObjectIdentificatie"):
                self._by_aoi[vp["adresseerbaarObjectIdentificatie"]].append(person)
            if vp.get("nummeraanduidingIdentificatie"):
                self._by_nai[vp["nummeraanduidingIdentificatie"]].append(person)

    @classmethod
    def load(cls, path: Path) -> PersonStore:
        """Read, convert and index the RvIG test persons (the mock's JSON list)."""
        started = time.perf_counter()
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, list):
            raise ValueError(f"{path} is not a list of test persons")
        store = cls(convert_person(p) for p in raw if isinstance(p, dict) and p.get("burgerservicenummer"))
        store.load_ms = round((time.perf_counter() - started) * 1000)
        return store

    def __len__(self) -> int:
        return len(self._by_bsn)

    def __iter__(self) -> Iterator[ConvertedPerson]:
        return iter(self._by_bsn.values())

    def get(self, bsn: str) -> ConvertedPerson | None:
        return self._by_bsn.get(bsn)

    def at_adres(self, postcode: str, huisnummer: int) -> list[ConvertedPerson]:
        return list(self._by_adres.get((postcode, huisnummer), ()))

    def at_adresseerbaar_object(self, identificatie: str) -> list[ConvertedPerson]:
        return list(self._by_aoi.get(identificatie, ()))

    def at_nummeraanduiding(self, identificatie: str) -> list[ConvertedPerson]:
        return list(self._by_nai.get(identificatie, ()))

    # ------------------------------------------------------------------------------------------------ render

    def render(self, person: ConvertedPerson, today: date) -> Json:
        """The full v2 Persoon as it reads on ``today`` (leeftijd, gezag, a verblijfstitel still valid)."""
        out = dict(person.persoon)
        if not person.overleden:
            age = leeftijd((out.get("geboorte") or {}).get("datum"), today)
            if age is not None:
                out["leeftijd"] = age
        if "verblijfstitel" in out and person.verblijfstitel_einde is not None and person.verblijfstitel_einde <= today:
            del out["verblijfstitel"]
        gezag = [g for g in (self._gezag(person, raw, today) for raw in person.gezag_raw) if g is not None]
        if gezag:
            out["gezag"] = gezag
        return out

    def _naam(self, bsn: str | None) -> Json:
        person = self._by_bsn.get(bsn or "")
        volledig = ((person.persoon.get("naam") or {}).get("volledigeNaam")) if person else None
        return {"volledigeNaam": volledig} if volledig else {}

    def _gezag_persoon(self, raw: Any) -> Json | None:
        if not isinstance(raw, dict) or not raw.get("burgerservicenummer"):
            return None
        bsn = str(raw["burgerservicenummer"])
        return {"burgerservicenummer": bsn, "naam": self._naam(bsn)}

    def _gezag(self, person: ConvertedPerson, raw: Json, today: date) -> Json | None:
        """One gezag relation in v2 form; the mock's TweehoofdigOuderlijkGezag is v2's GezamenlijkOuderlijkGezag."""
        minderjarige_bsn = (raw.get("minderjarige") or {}).get("burgerservicenummer")
        if not minderjarige_bsn:
            # Relations stated on the minor's own record name no minor: it is the person.
            if not self._is_minor(person, today):
                return None
            minderjarige_bsn = person.bsn
        minderjarige: Json = {"burgerservicenummer": str(minderjarige_bsn)}
        naam = self._naam(str(minderjarige_bsn))
        if naam:
            minderjarige["naam"] = naam
        kind = self._by_bsn.get(str(minderjarige_bsn))
        if kind is not None:
            age = leeftijd((kind.persoon.get("geboorte") or {}).get("datum"), today)
            if age is not None:
                minderjarige["leeftijd"] = age
        kind_type = str(raw["type"])
        out: Json = {"type": kind_type, "minderjarige": minderjarige}
        if kind_type == "TweehoofdigOuderlijkGezag" or kind_type == "GezamenlijkOuderlijkGezag":
            ouders = [o for o in (self._gezag_persoon(x) for x in raw.get("ouders") or []) if o is not None]
            if len(ouders) != 2:
                return None
            out["type"] = "GezamenlijkOuderlijkGezag"
            out["ouders"] = ouders
        elif kind_type == "EenhoofdigOuderlijkGezag":
            ouder = self._gezag_persoon(raw.get("ouder"))
            if ouder is not None:
                out["ouder"] = ouder
        elif kind_type == "GezamenlijkGezag":
            ouder = self._gezag_persoon(raw.get("ouder"))
            if ouder is not None:
                out["ouder"] = ouder
            derde = self._gezag_persoon(raw.get("derde"))
            out["derde"] = {"type": "BekendeDerde", **derde} if derde else {"type": "OnbekendeDerde"}
        elif kind_type == "Voogdij":
            derden = [d for d in (self._gezag_persoon(x) for x in raw.get("derden") or []) if d is not None]
            out["derden"] = [{"type": "BekendeDerde", **d} for d in derden[:2]]
        elif kind_type in _TOELICHTING:
            out["toelichting"] = str(raw.get("toelichting") or _TOELICHTING[kind_type])
        else:
            return None
        return out

    @staticmethod
    def _is_minor(person: ConvertedPerson, today: date) -> bool:
        age = leeftijd((person.persoon.get("geboorte") or {}).get("datum"), today)
        return age is not None and age < 18

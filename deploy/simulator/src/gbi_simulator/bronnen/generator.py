"""Deterministic source data for every other BRP test person, keyed on the BSN.

Each person gets a ``random.Random`` seeded with a string built from the BSN (string seeds are hashed with SHA-512,
so the data is the same on every machine and every run), and facts relative to the simulator's day. Rules of thumb,
not statistics: about 45% of adults under the AOW age have a job, 15% a UWV benefit, everyone from 67 AOW from the
SVB; a third owns a vehicle; from 25 a quarter own the home they live in (partners at the same address share it
half and half: the home is drawn once per household); students 18-24 often have WSF, 25-35 often a study debt;
detention is rare. Inlichtingenbureau signals exist only for persons registered in a GBI gemeente, and only where
another source backs them (an income signal needs a job, a vehicle signal a recent tenaamstelling).
Minors, the deceased, persons without a full birth date and the one test person whose BSN fails the elfproef
(999999245) have nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from gbi_shared.contracts.common import is_valid_bsn
from gbi_simulator.bronnen.feiten import (
    Detentie,
    Feiten,
    Hypotheek,
    Ikv,
    Onroerend,
    Signaal,
    Studieschuld,
    Toekenning,
    Voertuig,
    dag,
    laatste_dag,
    maand,
)
from gbi_simulator.bronnen.profielen import SVB, UWV
from gbi_simulator.brp.convert import ConvertedPerson
from gbi_simulator.gemeenten import GBI_GEMEENTEN

__all__ = ["AOW_LEEFTIJD", "genereer", "leeftijd_op", "woonadres"]

AOW_LEEFTIJD = 67

_WERKGEVERS = (
    ("830000011L01", "Bakkerij De Korenschoof B.V."),
    ("830000023L01", "Schoonmaakdiensten Randstad-Zuid B.V."),
    ("830000035L01", "Thuiszorg Het Baken"),
    ("830000047L01", "Distributiecentrum Hoek B.V."),
    ("830000059L01", "Installatietechniek Verhoef B.V."),
    ("830000060L01", "Uitzendbureau Flexwerk Nederland B.V."),
    ("830000072L01", "Gemeentelijke Dienst Stadsbeheer"),
    ("830000084L01", "Restaurant De Gouden Lepel V.O.F."),
    ("830000096L01", "Autobedrijf Van Dam B.V."),
    ("830000102L01", "ICT Diensten Noordzee B.V."),
)
# (CdSrtIkv, lowest, highest gross per month in euro)
_UITKERINGEN = (("33", 900, 2400), ("31", 900, 2300), ("40", 700, 1900), ("37", 1100, 1400), ("39", 1500, 2600))
_VOERTUIGEN = (
    ("M1", "VOLKSWAGEN", "GOLF", 28_500),
    ("M1", "OPEL", "CORSA", 19_900),
    ("M1", "KIA", "PICANTO", 14_300),
    ("M1", "RENAULT", "CLIO", 20_700),
    ("M1", "SKODA", "OCTAVIA", 31_200),
    ("M1", "TESLA", "MODEL 3", 49_990),
    ("N1", "FORD", "TRANSIT CUSTOM", 38_400),
    ("L3", "YAMAHA", "MT-07", 8_199),
    ("L1", "PIAGGIO", "ZIP", 2_399),
)
_KENTEKEN_LETTERS = "BDFGHJKLNPRSTVXZ"
_GEMEENTE_KADASTER = {
    "0363": ("ASD01", "Amsterdam"),
    "0518": ("SGR01", "'s-Gravenhage"),
    "0599": ("RTD01", "Rotterdam"),
    "0344": ("UTT01", "Utrecht"),
    "0014": ("GNG01", "Groningen"),
}
_HYPOTHEEKHOUDERS = ("Hypotheekbank Westland N.V.", "Spaarbank Amstel N.V.", "Woonkrediet Nederland N.V.")
_INRICHTINGEN = ("PI Haaglanden", "PI Rotterdam", "PI Zwaag", "PI Vught")


def leeftijd_op(geboortedatum: date, dag_: date) -> int:
    return dag_.year - geboortedatum.year - ((dag_.month, dag_.day) < (geboortedatum.month, geboortedatum.day))


def _geboortedatum(person: ConvertedPerson) -> date | None:
    datum = (person.persoon.get("geboorte") or {}).get("datum") or {}
    if datum.get("type") != "Datum" or not isinstance(datum.get("datum"), str):
        return None
    return date.fromisoformat(datum["datum"])


def woonadres(person: ConvertedPerson) -> dict[str, Any] | None:
    """The BRP address (street, number, postcode, woonplaats) when the person lives at a Dutch address."""
    vp = person.persoon.get("verblijfplaats") or {}
    adres = vp.get("verblijfadres") or {}
    if vp.get("type") != "Adres" or not adres.get("postcode") or not isinstance(adres.get("huisnummer"), int):
        return None
    return adres


def _gemeente(person: ConvertedPerson) -> str | None:
    code = (person.persoon.get("gemeenteVanInschrijving") or {}).get("code")
    return code if isinstance(code, str) else None


def _partner_op_adres(person: ConvertedPerson, personen: dict[str, ConvertedPerson]) -> ConvertedPerson | None:
    """The current partner who lives at the same address and names this person as partner too (RvIG's data has a
    person registered as their own partner: that is no household of two)."""
    adres = woonadres(person)
    if adres is None:
        return None
    for raw in person.persoon.get("partners") or []:
        if raw.get("ontbindingHuwelijkPartnerschap"):
            continue
        partner = personen.get(str(raw.get("burgerservicenummer") or ""))
        if partner is None or partner.bsn == person.bsn or partner.overleden:
            continue
        terug = {str(p.get("burgerservicenummer")) for p in partner.persoon.get("partners") or []}
        other = woonadres(partner)
        zelfde_adres = other is not None and (other["postcode"], other["huisnummer"]) == (
            adres["postcode"],
            adres["huisnummer"],
        )
        if person.bsn in terug and zelfde_adres:
            return partner
    return None


def _kenteken(rng: random.Random) -> str:
    letters = "".join(rng.choice(_KENTEKEN_LETTERS) for _ in range(3))
    cijfers = f"{rng.randint(1, 99):02d}"
    if rng.random() < 0.5:  # sidecode 9: 99-XXX-9
        return f"{cijfers}{letters}{rng.randint(1, 9)}"
    return f"{letters[:2]}{cijfers}{rng.choice(_KENTEKEN_LETTERS)}{letters[2]}"  # XX-99-XX


def _bedrag_tussen(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(low // 10, high // 10) * 10 * 100


def _ikvs(rng: random.Random, today: date, leeftijd: int) -> list[Ikv]:
    out: list[Ikv] = []
    if leeftijd >= AOW_LEEFTIJD:
        start = maand(today, -12 * (leeftijd - AOW_LEEFTIJD) - rng.randint(0, 11))
        out.append(Ikv("1", *SVB, "22", start, None, _bedrag_tussen(rng, 1450, 1700)))
        if rng.random() < 0.6:
            out.append(
                Ikv("1", "831000018L01", "Pensioenfonds De Horizon", "21", start, None, _bedrag_tussen(rng, 80, 1400))
            )
        return out
    r = rng.random()
    jong = leeftijd < 21
    if r < (0.35 if jong else 0.45):
        lhnr, naam = rng.choice(_WERKGEVERS)
        start = maand(today, -rng.randint(2, min(180, max(3, (leeftijd - 16) * 12))))
        einde = laatste_dag(today, -rng.randint(1, 12)) if rng.random() < 0.15 else None
        bruto = _bedrag_tussen(rng, 150, 900) if jong else _bedrag_tussen(rng, 900, 4200)
        out.append(Ikv(str(rng.randint(1, 20)), lhnr, naam, "15", start, einde, bruto, rng.randint(16, 170)))
        if rng.random() < 0.1:
            lhnr2, naam2 = rng.choice([w for w in _WERKGEVERS if w[0] != lhnr])
            out.append(
                Ikv("1", lhnr2, naam2, "15", maand(today, -rng.randint(2, 30)), None, _bedrag_tussen(rng, 200, 900))
            )
    elif r < 0.60 and not jong:
        code, low, high = rng.choice(_UITKERINGEN)
        out.append(
            Ikv(
                str(rng.randint(1, 9)),
                *UWV,
                code,
                maand(today, -rng.randint(2, 60)),
                None,
                _bedrag_tussen(rng, low, high),
            )
        )
    return out


def _voertuigen(rng: random.Random, today: date, leeftijd: int) -> list[Voertuig]:
    out: list[Voertuig] = []
    aantal = 0 if rng.random() >= 0.35 else (2 if rng.random() < 0.12 else 1)
    for _ in range(aantal):
        cat, merk, model, prijs = rng.choice(_VOERTUIGEN)
        leeftijd_voertuig = rng.randint(4, 240)
        eerste = maand(today, -leeftijd_voertuig) + timedelta(days=rng.randint(0, 27))
        tenaamstelling = max(eerste, dag(today, -rng.randint(10, 365 * min(10, max(1, leeftijd - 18)))))
        out.append(Voertuig(_kenteken(rng), cat, merk, model, eerste, tenaamstelling, None, prijs * 100))
    return out


def _woning(rng: random.Random, today: date, adres: dict[str, Any], gemeente: str, aandeel: int) -> Onroerend:
    code, naam = _GEMEENTE_KADASTER.get(gemeente, ("GEM01", str(adres.get("woonplaats") or "Onbekend")))
    woz = rng.randint(180, 650) * 1000_00
    verkregen = maand(today, -rng.randint(12, 300))
    hypotheken: tuple[Hypotheek, ...] = ()
    if rng.random() < 0.85:
        hypotheken = (
            Hypotheek(int(woz * rng.uniform(0.3, 1.1)) // 1000_00 * 1000_00, rng.choice(_HYPOTHEEKHOUDERS), verkregen),
        )
    appartement = bool(adres.get("huisletter") or adres.get("huisnummertoevoeging")) and rng.random() < 0.8
    return Onroerend(
        code, naam, rng.choice("ABCDEFGHKLMN"), rng.randint(100, 9999), rng.randint(1, 60) if appartement else None,
        "Wonen (appartement)" if appartement else "Wonen",
        str(adres.get("officieleStraatnaam") or adres.get("straat") or "Onbekend"), int(adres["huisnummer"]),
        adres.get("huisletter"), adres.get("huisnummertoevoeging"), str(adres["postcode"]),
        str(adres.get("woonplaats") or naam),
        "2", 1, aandeel, verkregen, int(woz * rng.uniform(0.5, 0.95)) // 100_00 * 100_00, woz,
        date(today.year - 1, 1, 1), True, hypotheken,
    )  # fmt: skip


def _recreatiewoning(rng: random.Random, today: date) -> Onroerend:
    woz = rng.randint(90, 260) * 1000_00
    return Onroerend(
        "VRE01", "Veere", rng.choice("ABC"), rng.randint(100, 9999), None, "Recreatiewoning",
        "Zeeweg", rng.randint(1, 300), None, None, f"43{rng.randint(50, 59)}{rng.choice('ABKL')}{rng.choice('ABKL')}",
        "Domburg", "2", 1, 1, maand(today, -rng.randint(12, 200)), int(woz * 0.8) // 100_00 * 100_00, woz,
        date(today.year - 1, 1, 1), False,
    )  # fmt: skip


def _studie(rng: random.Random, today: date, leeftijd: int) -> tuple[list[Toekenning], Studieschuld | None]:
    if 18 <= leeftijd <= 24 and rng.random() < 0.45:
        onderwijs = rng.choice(("MBO", "HBO", "WO"))
        start = maand(today, -rng.randint(1, min(60, (leeftijd - 17) * 12)))
        return [Toekenning("WSF", onderwijs, start, None, rng.randint(120, 1100) * 100, rng.random() < 0.7)], None
    if 25 <= leeftijd <= 35 and rng.random() < 0.35:
        einde = laatste_dag(today, -rng.randint(6, 96))
        start = maand(einde, -rng.randint(24, 60))
        toekenning = Toekenning("WSF", rng.choice(("HBO", "WO")), start, einde, rng.randint(300, 1100) * 100, False)
        return [toekenning], Studieschuld(rng.randint(2_000_00, 45_000_00), maand(today, 0))
    return [], None


def _detenties(rng: random.Random, bsn: str, today: date) -> list[Detentie]:
    if rng.random() >= 0.008:
        return []
    insluiting = dag(today, -rng.randint(5, 900))
    ontslag = None if rng.random() < 0.5 else insluiting + timedelta(days=rng.randint(3, 200))
    if ontslag is not None and ontslag > today:
        ontslag = None
    titel = rng.choice(("voorlopige-hechtenis", "gevangenisstraf", "vervangende-hechtenis"))
    return [Detentie(f"DJI-{bsn[-4:]}{rng.randint(10, 99)}", insluiting, ontslag, rng.choice(_INRICHTINGEN), titel)]


def _signalen(rng: random.Random, f: Feiten, today: date) -> list[Signaal]:
    out: list[Signaal] = []
    loon = [i for i in f.ikvs if i.cd_srt_ikv == "15" and i.einde is None and i.begin > maand(today, -12)]
    if loon and rng.random() < 0.25:
        i = loon[0]
        out.append(
            Signaal(f.bsn, "inkomen", i.begin, None, dag(today, -rng.randint(5, 120)),
                    "Inkomsten uit dienstbetrekking", bedrag=i.bruto, instantie=i.naam)
        )  # fmt: skip
    recent = [v for v in f.voertuigen if v.tenaamstelling > dag(today, -365)]
    if recent and rng.random() < 0.5:
        v = recent[0]
        geleverd = min(today, v.tenaamstelling + timedelta(days=rng.randint(20, 60)))
        out.append(Signaal(f.bsn, "voertuig", v.tenaamstelling, None, geleverd, "Voertuig op naam gesteld",
                           kenteken=v.kenteken, instantie="RDW"))  # fmt: skip
    for d in f.detenties:
        if d.ontslag is None:
            geleverd = min(today, d.insluiting + timedelta(days=rng.randint(3, 14)))
            out.append(Signaal(f.bsn, "detentie", d.insluiting, None, geleverd, "Gedetineerd (Justitiekoppeling DJI)",
                               instantie=d.inrichting))  # fmt: skip
    if rng.random() < 0.01:
        out.append(
            Signaal(f.bsn, "bankrekening-buitenland", date(today.year - 1, 1, 1), date(today.year - 1, 12, 31),
                    dag(today, -rng.randint(5, 200)), "Bankrekening in het buitenland (gegevensuitwisseling CRS)",
                    bedrag=rng.randint(500_00, 40_000_00), land=rng.choice(("BE", "DE", "ES", "TR", "MA", "PL")),
                    instantie="Buitenlandse bank")
        )  # fmt: skip
    if rng.random() < 0.015:
        begin = dag(today, -rng.randint(60, 330))
        out.append(
            Signaal(f.bsn, "verblijf-buitenland", begin, begin + timedelta(days=rng.randint(29, 90)),
                    dag(today, -rng.randint(1, 50)), "Verblijf in het buitenland langer dan vier weken",
                    land=rng.choice(("ES", "TR", "MA", "SR", "PL", "DE")))
        )  # fmt: skip
    return out


def genereer(
    person: ConvertedPerson, personen: dict[str, ConvertedPerson], today: date, *, handpicked: frozenset[str]
) -> Feiten:
    """The facts of one (not hand-picked) person on ``today``. A partner who is hand-picked keeps the household's
    home to the hand-picked story (none is drawn)."""
    f = Feiten(person.bsn)
    geboren = _geboortedatum(person)
    if person.overleden or geboren is None or geboren > today or not is_valid_bsn(person.bsn):
        return f
    leeftijd = leeftijd_op(geboren, today)
    if leeftijd < 18:
        return f
    rng = random.Random(f"gbi-bronnen:{person.bsn}")
    f.ikvs = _ikvs(rng, today, leeftijd)
    f.voertuigen = _voertuigen(rng, today, leeftijd)
    f.toekenningen, f.studieschuld = _studie(rng, today, leeftijd)
    f.detenties = _detenties(rng, person.bsn, today)
    adres = woonadres(person)
    gemeente = _gemeente(person) or ""
    partner = _partner_op_adres(person, personen) if adres is not None else None
    partner_geboren = _geboortedatum(partner) if partner is not None else None
    oudste = max(leeftijd, leeftijd_op(partner_geboren, today) if partner_geboren is not None else 0)
    if adres is not None and oudste >= 25 and (partner is None or partner.bsn not in handpicked):
        # Drawn once per household, so partners at the same address own the same home half and half.
        huishouden = min(person.bsn, partner.bsn) if partner is not None else person.bsn
        hrng = random.Random(f"gbi-bronnen-woning:{huishouden}")
        if hrng.random() < 0.25:
            f.onroerend.append(_woning(hrng, today, adres, gemeente, 2 if partner is not None else 1))
    if leeftijd >= 30 and rng.random() < 0.05:
        f.onroerend.append(_recreatiewoning(rng, today))
    if gemeente in GBI_GEMEENTEN:
        f.signalen = _signalen(rng, f, today)
    return f

"""Hand-picked test persons: RvIG test persons (``../shared/specs/brp``) with a chosen story in the sources.

Every BSN here is a BRP test person (checked at start-up); addresses of owner-occupied homes are the person's BRP
address. Dates are relative to the simulator's day. Employers, lenders and kentekens are fictitious. A hand-picked
person gets exactly these facts: the generator leaves them alone (Katinka Vogel has nothing anywhere on purpose).
Listed in deploy/simulator/README.md ("Bronnen: hand-picked test persons").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

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

__all__ = ["PROFIELEN", "SVB", "UWV", "Profiel"]

# Fictitious loonheffingennummers of the benefit agencies in the simulated polis.
UWV = ("899999996L01", "UWV")
SVB = ("899999984L01", "Sociale Verzekeringsbank")


@dataclass(frozen=True, slots=True)
class Profiel:
    bsn: str
    naam: str
    gemeente: str
    verhaal: str
    feiten: Callable[[date], Feiten]


def _woz_peildatum(today: date) -> date:
    """The WOZ value in force in a year is the value on 1 January of the year before."""
    return date(today.year - 1, 1, 1)


def _lonneke(t: date) -> Feiten:
    return Feiten(
        "999995431",
        ikvs=[
            Ikv("1", "811234560L01", "Stichting Zorggroep Haaglanden", "15", maand(t, -62), None, 145_000, 69),
            Ikv("1", "812345671L01", "Schoonmaakbedrijf Helder B.V.", "15", maand(t, -4), None, 38_000, 24),
        ],
        signalen=[
            Signaal(
                "999995431",
                "inkomen",
                maand(t, -4),
                None,
                dag(t, -20),
                "Inkomsten uit dienstbetrekking die niet bij de gemeente bekend zijn",
                bedrag=38_000,
                instantie="Schoonmaakbedrijf Helder B.V.",
            )
        ],
    )


def _katinka(t: date) -> Feiten:
    return Feiten("999994116")


def _frances(t: date) -> Feiten:
    return Feiten(
        "999997671",
        ikvs=[
            Ikv(
                "3",
                "813456782L01",
                "Logistiek Centrum Waalhaven B.V.",
                "15",
                maand(t, -40),
                laatste_dag(t, -7),
                231_000,
                152,
            ),
            Ikv("7", *UWV, "33", maand(t, -6), None, 161_240),
        ],
    )


def _woning_wilgenkade(t: date) -> Onroerend:
    return Onroerend(
        "SGR00", "'s-Gravenhage", "H", 4711, None, "Wonen",
        "Wilgenkade", 18, None, None, "2492TR", "'s-Gravenhage",
        "2", 1, 2, maand(t, -150), 245_000_00, 385_000_00, _woz_peildatum(t), True,
        (Hypotheek(250_000_00, "Hypotheekbank Westland N.V.", maand(t, -150)),),
    )  # fmt: skip


def _albert(t: date) -> Feiten:
    return Feiten(
        "999992661",
        ikvs=[
            Ikv(
                "2",
                "814567893L01",
                "Bouwbedrijf Duinzicht B.V.",
                "15",
                maand(t, -120),
                laatste_dag(t, -4),
                298_000,
                160,
            ),
            Ikv("9", *UWV, "31", maand(t, -3), None, 210_400),
        ],
        onroerend=[_woning_wilgenkade(t)],
    )


def _anne_marie(t: date) -> Feiten:
    return Feiten("999991279", onroerend=[_woning_wilgenkade(t)])


def _appartement_schakelstraat(t: date) -> Onroerend:
    return Onroerend(
        "ASD04", "Amsterdam", "K", 5123, 12, "Wonen (appartement)",
        "Schakelstraat", 14, None, "H", "1014AW", "Amsterdam",
        "3", 1, 2, maand(t, -96), 265_000_00, 420_000_00, _woz_peildatum(t), True,
        (Hypotheek(310_000_00, "Spaarbank Amstel N.V.", maand(t, -96)),),
    )  # fmt: skip


def _wilma(t: date) -> Feiten:
    tenaamstelling = dag(t, -95)
    return Feiten(
        "999993112",
        voertuigen=[Voertuig("ZT414K", "M1", "TOYOTA", "YARIS", maand(t, -71), tenaamstelling, None, 21_490_00)],
        onroerend=[_appartement_schakelstraat(t)],
        signalen=[
            Signaal(
                "999993112",
                "voertuig",
                tenaamstelling,
                None,
                dag(t, -60),
                "Voertuig op naam gesteld",
                kenteken="ZT414K",
                instantie="RDW",
            )
        ],
    )


def _gerrit(t: date) -> Feiten:
    return Feiten(
        "999994542",
        ikvs=[
            Ikv("4", "815678904L01", "Gemeentelijk Vervoerbedrijf Noord B.V.", "15", maand(t, -230), None, 276_500, 144)
        ],
        voertuigen=[Voertuig("MZ12BR", "L3", "HONDA", "CB500F", maand(t, -190), maand(t, -150), None, 6_890_00)],
        onroerend=[_appartement_schakelstraat(t)],
    )


def _jan_goedmut(t: date) -> Feiten:
    return Feiten(
        "999992995",
        ikvs=[Ikv("1", "816789015L01", "Fietskoeriers Amsterdam B.V.", "15", maand(t, -30), None, 92_000, 64)],
        voertuigen=[Voertuig("57LBN3", "M1", "VOLKSWAGEN", "POLO", maand(t, -200), maand(t, -60), None, 15_750_00)],
        signalen=[
            Signaal(
                "999992995",
                "bankrekening-buitenland",
                date(t.year - 1, 1, 1),
                date(t.year - 1, 12, 31),
                dag(t, -35),
                "Bankrekening in het buitenland (gegevensuitwisseling CRS)",
                bedrag=6_350_00,
                land="BE",
                instantie="Banque Exemple Bruxelles",
            )
        ],
    )


def _adriana(t: date) -> Feiten:
    return Feiten(
        "999996551",
        ikvs=[Ikv("5", "817890126L01", "Kinderopvang De Vlinder B.V.", "15", maand(t, -26), None, 115_000, 80)],
        onroerend=[
            Onroerend(
                "UTT00", "Utrecht", "K", 2210, None, "Wonen",
                "Maanvlinder", 1, None, None, "3544DA", "Utrecht",
                "2", 1, 1, maand(t, -60), 302_000_00, 265_000_00, _woz_peildatum(t), True,
                (Hypotheek(298_000_00, "Hypotheekbank Westland N.V.", maand(t, -60)),),
            )
        ],
    )  # fmt: skip


def _johan(t: date) -> Feiten:
    return Feiten(
        "999994979",
        toekenningen=[Toekenning("WSF", "WO", maand(t, -90), laatste_dag(t, -27), 75_000, False)],
        studieschuld=Studieschuld(23_450_17, maand(t, 0)),
    )


def _leonie(t: date) -> Feiten:
    return Feiten(
        "999994487",
        ikvs=[Ikv("12", "818901237L01", "Supermarkt De Buurtwinkel B.V.", "15", maand(t, -9), None, 21_000, 30)],
        toekenningen=[Toekenning("WSF", "MBO", maand(t, -14), None, 389_58, True)],
    )


def _sierra(t: date) -> Feiten:
    return Feiten("999991954", toekenningen=[Toekenning("WTOS", "VAVO", maand(t, -3), None, 120_46, False)])


def _stefano(t: date) -> Feiten:
    return Feiten(
        "999991231",
        ikvs=[Ikv("2", "819012348L01", "Horeca Groep Scheveningen B.V.", "15", maand(t, -4), None, 102_000, 70)],
        toekenningen=[Toekenning("WSF", "HBO", maand(t, -50), laatste_dag(t, -6), 480_00, True)],
        studieschuld=Studieschuld(8_912_40, maand(t, 0)),
    )


def _jan_de_cuykelaer(t: date) -> Feiten:
    insluiting = dag(t, -70)
    return Feiten(
        "999990792",
        ikvs=[
            Ikv(
                "6",
                "820123459L01",
                "Transportbedrijf Ypenburg B.V.",
                "15",
                maand(t, -80),
                laatste_dag(t, -3),
                242_000,
                160,
            )
        ],
        detenties=[
            Detentie("DJI-2025-104233", dag(t, -400), dag(t, -390), "PI Haaglanden", "voorlopige-hechtenis"),
            Detentie("DJI-2026-118541", insluiting, None, "PI Haaglanden", "gevangenisstraf"),
        ],
        signalen=[
            Signaal(
                "999990792",
                "detentie",
                insluiting,
                None,
                dag(t, -62),
                "Gedetineerd (Justitiekoppeling DJI)",
                instantie="PI Haaglanden",
            )
        ],
    )


def _isabella(t: date) -> Feiten:
    return Feiten(
        "999970902",
        signalen=[
            Signaal(
                "999970902",
                "verblijf-buitenland",
                dag(t, -150),
                dag(t, -106),
                dag(t, -40),
                "Verblijf in het buitenland langer dan vier weken",
                land="ES",
            )
        ],
    )


def _petrus(t: date) -> Feiten:
    return Feiten(
        "999991644",
        ikvs=[
            Ikv("1", *SVB, "22", maand(t, -51), None, 158_000),
            Ikv("1", "821234560L01", "Pensioenfonds De Horizon", "21", maand(t, -51), None, 41_200),
        ],
    )


def _suzanne(t: date) -> Feiten:
    return Feiten(
        "999993653",
        ikvs=[
            Ikv("8", "822345671L01", "Havenbedrijf Maasvlakte Diensten B.V.", "15", maand(t, -70), None, 265_000, 152)
        ],
        onroerend=[
            Onroerend(
                "MDB01", "Middelburg", "C", 3390, None, "Recreatiewoning",
                "Duinweg", 12, None, None, "4356AB", "Oostkapelle",
                "2", 1, 1, maand(t, -40), 139_000_00, 145_000_00, _woz_peildatum(t), False,
            )
        ],
    )  # fmt: skip


PROFIELEN: dict[str, Profiel] = {
    p.bsn: p
    for p in (
        Profiel(
            "999995431",
            "Lonneke Smit",
            "0518",
            "loon (2 werkgevers); IB-signaal inkomen (de tweede baan)",
            _lonneke,
        ),
        Profiel(
            "999994116",
            "Katinka Vogel",
            "0599",
            "in geen enkele bron iets: geen inkomen, geen bezit",
            _katinka,
        ),
        Profiel(
            "999997671",
            "Frances Gooijer",
            "0344",
            "loon tot 7 maanden geleden, sinds 6 maanden WW",
            _frances,
        ),
        Profiel(
            "999992661",
            "Albert van der Laar",
            "0518",
            "ZW-uitkering; eigen woning 1/2, overwaarde",
            _albert,
        ),
        Profiel(
            "999991279",
            "Anne-Marie Verheul",
            "0518",
            "geen inkomen; eigen woning 1/2 (met Albert)",
            _anne_marie,
        ),
        Profiel(
            "999993112",
            "Wilma van Zon",
            "0363",
            "auto (catalogusprijs 21.490); appartementsrecht 1/2; IB-signaal voertuig",
            _wilma,
        ),
        Profiel(
            "999994542",
            "Gerrit den Braber",
            "0363",
            "loon; motorfiets; appartementsrecht 1/2 (met Wilma)",
            _gerrit,
        ),
        Profiel(
            "999992995",
            "Jan Goedmut",
            "0363",
            "klein loon; oude auto; IB-signaal bankrekening buitenland (BE)",
            _jan_goedmut,
        ),
        Profiel(
            "999996551",
            "Adriana Veekers",
            "0344",
            "loon; eigen woning met restschuld (hypotheek > WOZ): schuld",
            _adriana,
        ),
        Profiel(
            "999994979",
            "Johan Vermeer",
            "0518",
            "geen inkomen; studiefinanciering beeindigd; studieschuld 23.450,17",
            _johan,
        ),
        Profiel(
            "999994487",
            "Leonie Keesje Brouwers",
            "0344",
            "studiefinanciering (MBO, lopend); bijbaan",
            _leonie,
        ),
        Profiel(
            "999991954",
            "Sierra Kooyman",
            "0518",
            "WTOS (VAVO, lopend)",
            _sierra,
        ),
        Profiel(
            "999991231",
            "Stefano Kooyman",
            "0518",
            "studiefinanciering beeindigd, studieschuld; nieuw loon",
            _stefano,
        ),
        Profiel(
            "999990792",
            "Jan de Cuykelaer",
            "0518",
            "gedetineerd sinds 70 dagen (en eerder kort); IB-signaal detentie",
            _jan_de_cuykelaer,
        ),
        Profiel(
            "999970902",
            "Isabella van Gemert",
            "0599",
            "IB-signaal verblijf buitenland (ES, 45 dagen)",
            _isabella,
        ),
        Profiel(
            "999991644",
            "Petrus Wilhelmus Adrianus Bakker",
            "0518",
            "AOW en pensioen",
            _petrus,
        ),
        Profiel(
            "999993653",
            "Suzanne Moulin",
            "0599",
            "loon; recreatiewoning zonder hypotheek (geen eigen woning)",
            _suzanne,
        ),
    )
}

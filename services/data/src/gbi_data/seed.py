"""Reference data every installation needs: the gemeenten of the GBI collaboration and a first version of each
gemeente's local policy on every subject, so that every gemeente can calculate from day one. Idempotent.

Policy seeds are written only where a gemeente has no version at all of that subject: once a beheerder has
recorded policy, a new release never overwrites it (versions are append-only anyway). Seeded versions are
``created_by = "seed"`` and their ``toelichting`` cites the source. Where GBI has no source for a gemeente's own
choice, the version is the **GBI-standaard, bij de gemeente te bevestigen**: a beheerder replaces it with a new
version (``POST /api/v1/beleid/{onderwerp}/versies``).

Seeded versions (geldigVanaf 2024-07-01, the start of the domain layer's law tables):

- bijzondere-bijstand, Rotterdam (0599): 0% of income up to 110% of the norm, 50% from 110% to 150%, 100% above;
  12 months; wettelijke drempel.
- bijzondere-bijstand, 's-Gravenhage (0518): 0% up to 100% of the norm, 35% above (flat, like Hardenberg);
  12 months; wettelijke drempel.
- bijzondere-bijstand, GBI-standaard (the other 11): 0% up to 110% of the norm, 35% above; 12 months; wettelijke
  drempel. Cost types everywhere: ``KOSTENSOORTEN_STANDAARD``.
- afstemming, GBI-standaard (all 13): categorie 1: 5% for 1 month, 2: 30% for 2 months, 3: 100% for 3 months.
- vakantiegeld, GBI-standaard (all 13): paid in June (6).
- vierogen, GBI-standaard (all 13): above EUR 2,500.00 per month, and every deviation from the calculation.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Final

from sqlalchemy.orm import Session

from gbi_data import repository
from gbi_data.models import Beleidsversie
from gbi_shared.contracts.beleid import ONDERWERPEN, lees_inhoud

__all__ = ["BELEID", "GEMEENTEN", "SEED_ACTOR", "SEED_GELDIG_VANAF", "beleid_seed", "seed", "seed_beleid"]

# CBS code, name.
GEMEENTEN: tuple[tuple[str, str], ...] = (
    ("0363", "Amsterdam"),
    ("0518", "'s-Gravenhage"),
    ("0599", "Rotterdam"),
    ("0344", "Utrecht"),
    ("0772", "Eindhoven"),
    ("0855", "Tilburg"),
    ("0014", "Groningen"),
    ("0268", "Nijmegen"),
    ("0153", "Enschede"),
    ("0796", "'s-Hertogenbosch"),
    ("0193", "Zwolle"),
    ("0114", "Emmen"),
    ("0995", "Lelystad"),
)

SEED_ACTOR: Final = "seed"
# The first day of the rule window of the domain layer (its law tables start on 2024-07-01): the seeded policy
# covers every peildatum the law tables cover.
SEED_GELDIG_VANAF: Final = date(2024, 7, 1)

_STANDAARD = "GBI-standaard, bij de gemeente te bevestigen"
_BRON_LOKAAL = "../shared/domain/README.md, 'Local policy room'"

KOSTENSOORTEN_STANDAARD: Final = (
    "bewindvoering",
    "duurzame-gebruiksgoederen",
    "woninginrichting",
    "medische-kosten",
    "eigen-bijdrage-rechtsbijstand",
    "reiskosten",
    "verhuiskosten",
    "uitvaartkosten",
    "dieetkosten",
    "legeskosten",
)


def _bijzondere_bijstand(schijven: list[tuple[str, str | None, str]]) -> dict[str, Any]:
    return {
        "draagkrachtschijven": [
            {"vanafPctNorm": vanaf, "totPctNorm": tot, "pctMeetellen": pct} for vanaf, tot, pct in schijven
        ],
        "draagkrachtperiodeMaanden": 12,
        "wettelijkeDrempel": True,
        "drempel": None,
        "toegestaneKostensoorten": list(KOSTENSOORTEN_STANDAARD),
        "normZonderKostendelers": False,
        "normInclusiefVakantietoeslag": True,
    }


# Subject -> (content, toelichting) of the GBI-standaard.
_STANDAARD_BELEID: Final[dict[str, tuple[dict[str, Any], str]]] = {
    "bijzondere-bijstand": (
        _bijzondere_bijstand([("0", "110", "0"), ("110", None, "35")]),
        f"{_STANDAARD}: draagkracht 0% van het inkomen tot 110% van de norm, 35% daarboven, over 12 maanden; "
        "wettelijke drempel (Pw 35 lid 2); de gebruikelijke kostensoorten. Bron: Pw art. 35; "
        f"{_BRON_LOKAAL}.",
    ),
    "afstemming": (
        {
            "verlagingen": [
                {
                    "categorie": "categorie-1",
                    "omschrijving": "Lichte gedragingen: niet tijdig melden, niet verschijnen op een afspraak",
                    "percentage": "5",
                    "duurMaanden": 1,
                },
                {
                    "categorie": "categorie-2",
                    "omschrijving": "Onvoldoende meewerken aan arbeidsinschakeling of re-integratie",
                    "percentage": "30",
                    "duurMaanden": 2,
                },
                {
                    "categorie": "categorie-3",
                    "omschrijving": "Zware gedragingen: verwijtbaar werk weigeren of verliezen",
                    "percentage": "100",
                    "duurMaanden": 3,
                },
            ]
        },
        f"{_STANDAARD}: afstemmingsverordening met verlagingen van 5%, 30% en 100% van de norm voor 1, 2 en 3 "
        f"maanden per categorie. Bron: Pw art. 8 lid 1 a en 18 lid 2; {_BRON_LOKAAL}.",
    ),
    "vakantiegeld": (
        {"uitbetalingsmaand": 6},
        f"{_STANDAARD}: de gereserveerde vakantietoeslag wordt in juni uitbetaald over de 12 maanden daarvoor "
        "(of bij beeindiging). Bron: Pw art. 19 lid 3; ../shared/domain/README.md, 'The norm'.",
    ),
    "vierogen": (
        {"bedragsgrensPerMaand": "2500.00", "bijAfwijkingVanBerekening": True},
        f"{_STANDAARD}: een besluit boven EUR 2.500,00 per maand (of eenmalig) en elke afwijking van de berekening "
        f"vraagt goedkeuring van een teamleider (4-ogenprincipe). Bron: ../shared/DESIGN.md par. 4; {_BRON_LOKAAL}.",
    ),
}

# Gemeente -> subject -> (content, toelichting) where a gemeente's own policy differs from the GBI-standaard.
_EIGEN_BELEID: Final[dict[str, dict[str, tuple[dict[str, Any], str]]]] = {
    "0599": {
        "bijzondere-bijstand": (
            _bijzondere_bijstand([("0", "110", "0"), ("110", "150", "50"), ("150", None, "100")]),
            "Beleid bijzondere bijstand Rotterdam: van het inkomen telt 0% mee tot 110% van de norm, 50% tussen "
            "110% en 150% en 100% daarboven, over een draagkrachtperiode van 12 maanden; wettelijke drempel "
            f"(Pw 35 lid 2). Bron: {_BRON_LOKAAL} (voorbeeld Rotterdam); kostensoorten: GBI-standaard, bij de "
            "gemeente te bevestigen.",
        ),
    },
    "0518": {
        "bijzondere-bijstand": (
            _bijzondere_bijstand([("0", "100", "0"), ("100", None, "35")]),
            "Beleid bijzondere bijstand 's-Gravenhage (startversie naar het voorbeeld van Hardenberg, bij de "
            "gemeente te bevestigen): 35% van al het inkomen boven 100% van de norm telt als draagkracht, over 12 "
            f"maanden; wettelijke drempel (Pw 35 lid 2). Bron: {_BRON_LOKAAL} (voorbeeld Hardenberg).",
        ),
    },
}


def beleid_seed(gemeente: str, onderwerp: str) -> tuple[dict[str, Any], str]:
    """The seeded (content, toelichting) of ``gemeente`` for ``onderwerp``."""
    return _EIGEN_BELEID.get(gemeente, {}).get(onderwerp) or _STANDAARD_BELEID[onderwerp]


# Every seed, as it is stored: (gemeente, onderwerp) -> (content, toelichting).
BELEID: Final[dict[tuple[str, str], tuple[dict[str, Any], str]]] = {
    (code, onderwerp): beleid_seed(code, onderwerp) for code, _ in GEMEENTEN for onderwerp in ONDERWERPEN
}


def seed_beleid(session: Session) -> int:
    """Record the first version of every subject a gemeente has no policy on yet; returns how many."""
    added = 0
    for code, _ in GEMEENTEN:
        repository.bind_tenant(session, code)
        present = repository.onderwerpen_met_beleid(session, code)
        for onderwerp in ONDERWERPEN:
            if onderwerp in present:
                continue
            inhoud, toelichting = BELEID[(code, onderwerp)]
            session.add(
                Beleidsversie(
                    id=uuid.uuid4(),
                    gemeente=code,
                    onderwerp=onderwerp,
                    versie=1,
                    geldig_vanaf=SEED_GELDIG_VANAF,
                    # Stored as the contract writes it, so a seed reads back exactly like a beheerder's version.
                    inhoud=lees_inhoud(onderwerp, inhoud).model_dump(mode="json", by_alias=True),
                    toelichting=toelichting,
                    created_by=SEED_ACTOR,
                )
            )
            added += 1
        # Flush while the transaction is bound to this gemeente (row-level security checks each row on insert).
        session.flush()
    return added


def seed(session: Session) -> int:
    """Insert the gemeenten that are missing and the policy they lack; returns how many gemeenten were added
    (0 on a second run)."""
    added = repository.insert_missing_gemeenten(session, GEMEENTEN)
    seed_beleid(session)
    return added

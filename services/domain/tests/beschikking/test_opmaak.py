"""Dutch notation in the letter: amounts, dates, articles, the masked BSN."""

from __future__ import annotations

from datetime import date

import pytest

from gbi_domain.beschikking.opmaak import (
    artikel_kort,
    artikel_voluit,
    artikelen_per_wet,
    bsn_gemaskeerd,
    datum_nl,
    euro,
    euro_centen,
    leesbare_regel,
)


@pytest.mark.parametrize(
    ("bedrag", "verwacht"),
    [
        ("1401.50", "€ 1.401,50"),
        ("1331.42", "€ 1.331,42"),
        ("0.00", "€ 0,00"),
        ("70.08", "€ 70,08"),
        ("1234567.89", "€ 1.234.567,89"),
        ("-250.00", "-€ 250,00"),
    ],
)
def test_euro_in_nederlandse_notatie(bedrag: str, verwacht: str) -> None:
    uit = euro(bedrag)
    assert uit.replace("\u00a0", " ") == verwacht
    assert "\u00a0" in uit  # the amount never wraps away from its euro sign


def test_euro_centen() -> None:
    assert euro_centen(5).replace("\u00a0", " ") == "€ 0,05"


@pytest.mark.parametrize(
    ("dag", "verwacht"),
    [
        (date(2026, 3, 1), "1 maart 2026"),
        (date(2025, 12, 31), "31 december 2025"),
        (date(2026, 1, 9), "9 januari 2026"),
    ],
)
def test_datum(dag: date, verwacht: str) -> None:
    assert datum_nl(dag) == verwacht


def test_artikelen_voluit_en_kort() -> None:
    assert artikel_voluit("Pw 19 lid 3; Pw 45") == ["artikel 19 lid 3 Participatiewet", "artikel 45 Participatiewet"]
    assert artikel_voluit("Pw 31 lid 2 n") == ["artikel 31 lid 2 onder n Participatiewet"]
    assert artikel_voluit("Pw 21 a") == ["artikel 21 onder a Participatiewet"]
    assert artikel_voluit("Awb 4:5") == ["artikel 4:5 Algemene wet bestuursrecht"]
    assert artikel_voluit("Pw 22a") == ["artikel 22a Participatiewet"]
    assert artikel_kort("Pw 34 lid 3 a") == "art. 34 lid 3 onder a Pw"
    # A reference in a form we do not know is kept, never dropped.
    assert artikel_voluit("Besluit bijstandverlening 3") == ["Besluit bijstandverlening 3"]


def test_artikelen_per_wet_gesorteerd_en_uniek() -> None:
    zinnen = artikelen_per_wet(["Pw 21 a", "Pw 3; Pw 4", "Pw 19 lid 3; Pw 45", "Pw 19 lid 1", "Pw 21 a", "Awb 4:5"])
    assert zinnen == [
        "Participatiewet: artikel 3, 4, 19 lid 1, 19 lid 3, 21 onder a en 45",
        "Algemene wet bestuursrecht (Awb): artikel 4:5",
    ]
    assert artikelen_per_wet(["Pw 17"]) == ["Participatiewet: artikel 17"]
    assert artikelen_per_wet([]) == []


def test_leesbare_regel() -> None:
    regel = (
        "Vrijlating inkomsten uit arbeid aanvrager (maand 3 van 6): 25% van het netto arbeidsinkomen "
        "(VRIJLATING_N_PCT@2026-01-01, afgerond op centen half naar boven), ten hoogste 285.00 per maand"
    )
    uit = leesbare_regel(regel).replace("\u00a0", " ")
    assert "@" not in uit
    assert "(afgerond op centen half naar boven)" in uit
    assert "ten hoogste € 285,00 per maand" in uit
    assert leesbare_regel("norm (KEY@2026-01-01)") == "Norm"
    assert leesbare_regel("grens (8000.00, KEY@2026-01-01)").replace("\u00a0", " ") == "Grens (€ 8.000,00)"
    assert leesbare_regel("12.5% van 8000.00").replace("\u00a0", " ") == "12.5% van € 8.000,00"


def test_bsn_gemaskeerd() -> None:
    assert bsn_gemaskeerd("999993653") == "******653"


def test_only_references_to_a_law_are_kept_per_process() -> None:
    # Free text in an artikel (it could be personal) is formatted as it is, every time, and never kept.
    from gbi_domain.beschikking import opmaak

    for cache in (opmaak._artikel_voluit, opmaak._artikel_kort, opmaak._artikelen_per_wet):
        cache.cache_clear()
    vrij = "Pw 19; gesprek met J. Jansen op 3 maart"
    assert artikel_voluit(vrij) == ["artikel 19 Participatiewet", "gesprek met J. Jansen op 3 maart"]
    assert artikel_kort(vrij) == "art. 19 Pw; gesprek met J. Jansen op 3 maart"
    assert artikelen_per_wet([vrij, "Pw 45"]) == [
        "Participatiewet: artikel 19 en 45",
        "gesprek met J. Jansen op 3 maart",
    ]
    for cache in (opmaak._artikel_voluit, opmaak._artikel_kort, opmaak._artikelen_per_wet):
        assert cache.cache_info().currsize == 0
    assert artikel_voluit("Pw 19 lid 3; Pw 45") == ["artikel 19 lid 3 Participatiewet", "artikel 45 Participatiewet"]
    assert artikel_kort("Pw 31 lid 2 n") == "art. 31 lid 2 onder n Pw"
    assert artikelen_per_wet(["Pw 21 a", "Awb 4:5"]) == [
        "Participatiewet: artikel 21 onder a",
        "Algemene wet bestuursrecht (Awb): artikel 4:5",
    ]
    assert opmaak._artikel_voluit.cache_info().currsize == 1
    assert opmaak._artikel_kort.cache_info().currsize == 1
    assert opmaak._artikelen_per_wet.cache_info().currsize == 1

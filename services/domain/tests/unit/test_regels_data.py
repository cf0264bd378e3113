"""Our rule data matches the official reference tables figure for figure (../shared/domain, read-only).

Every key and every period of normbedragen.csv and overige-bedragen.csv is checked: a value must be in our data
with the same amount, article and period; a blank must be absent (not applicable in that period). Our files
may hold nothing else, except the 2024 values the reference gives in its notes.
"""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from gbi_domain.engine import laad_regelset, standaard_regelset
from gbi_domain.engine.regels import NORM_CATEGORIEEN, Eenheid, Soort
from gbi_domain.errors import NotFoundError

ROOT = Path(__file__).resolve().parents[4]
DOMEIN = ROOT.parent / "shared" / "domain"
PERIODEN = [date(2024, 7, 1), date(2025, 1, 1), date(2025, 7, 1), date(2026, 1, 1), date(2026, 7, 1)]
EINDE = date(2027, 1, 1)

# overige-bedragen.csv item -> our key(s): (key, index after splitting "a / b", kind)
OVERIG: dict[str, list[tuple[str, int | None]]] = {
    "vermogensgrens alleenstaande": [("VERMOGENSGRENS_ALLEENSTAANDE", None)],
    "vermogensgrens alleenstaande ouder": [("VERMOGENSGRENS_ALLEENSTAANDE_OUDER", None)],
    "vermogensgrens gehuwden tezamen": [("VERMOGENSGRENS_GEHUWDEN", None)],
    "eigen woning vrijgelaten vermogen": [("EIGEN_WONING_VRIJGELATEN", None)],
    "drempel bijzondere bijstand (12 mnd)": [("DREMPEL_BIJZONDERE_BIJSTAND", None)],
    "vrijlating inkomsten arbeid 25% max/mnd, max 6 mnd": [("VRIJLATING_N_MAX_PER_MAAND", None)],
    "vrijlating alleenstaande ouder 12,5% max/mnd, max 30 mnd": [("VRIJLATING_R_MAX_PER_MAAND", None)],
    "vrijlating medisch urenbeperkt 15% max/mnd": [("VRIJLATING_Y_MAX_PER_MAAND", None)],
    "vrijlating doelgroep LKS 15% max/mnd": [("VRIJLATING_LKS_MAX_PER_MAAND", None)],
    "premie arbeidsinschakeling per kalenderjaar": [("PREMIE_ARBEIDSINSCHAKELING_MAX_PER_JAAR", None)],
    "vrijwilligersvergoeding max per maand / per jaar": [
        ("VRIJWILLIGERSVERGOEDING_MAX_PER_MAAND", 0),
        ("VRIJWILLIGERSVERGOEDING_MAX_PER_JAAR", 1),
    ],
    "giftenvrijlating per kalenderjaar": [("GIFTENVRIJLATING_PER_JAAR", None)],
    "particuliere oudedagsvoorziening vrij alleenstaande / gehuwden": [
        ("PARTICULIERE_OUDEDAGSVOORZIENING_VRIJ_ALLEENSTAANDE", 0),
        ("PARTICULIERE_OUDEDAGSVOORZIENING_VRIJ_GEHUWDEN", 1),
    ],
    "lijfrente-uitzondering totale waarde / max inleg per jaar": [
        ("LIJFRENTE_UITZONDERING_TOTALE_WAARDE", 0),
        ("LIJFRENTE_UITZONDERING_MAX_INLEG_PER_JAAR", 1),
    ],
    "voorschot minimum % van verwachte algemene bijstand": [("VOORSCHOT_MIN_PCT", None)],
    "vakantietoeslag % (begrepen in norm)": [("VAKANTIETOESLAG_PCT", None)],
}


def _lees(naam: str) -> list[dict[str, str]]:
    with (DOMEIN / naam).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _tot(periode: date) -> date:
    i = PERIODEN.index(periode)
    return PERIODEN[i + 1] if i + 1 < len(PERIODEN) else EINDE


def _artikel(tekst: str) -> str:
    return re.sub(r"\s*\(.*\)", "", tekst).strip()


def _getal(cel: str) -> tuple[Decimal, bool]:
    """Leading number of a cell and whether it is a percentage ("90%", "170.18 (as in ...)")."""
    m = re.match(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(%?)", cel)
    assert m, cel
    return Decimal(m.group(1)), m.group(2) == "%"


def test_referentie_aanwezig() -> None:
    assert (DOMEIN / "normbedragen.csv").is_file(), f"read-only reference not found at {DOMEIN}"


def test_normbedragen_cijfer_voor_cijfer() -> None:
    rs = standaard_regelset()
    verwacht_aantal = 0
    for rij in _lees("normbedragen.csv"):
        key = rij["key"]
        assert key in NORM_CATEGORIEEN
        for periode in PERIODEN:
            cel = rij[periode.isoformat()].strip()
            if not cel:
                for dag in (periode, _tot(periode) - timedelta(days=1)):
                    with pytest.raises(NotFoundError):
                        rs.zoek(key, dag)
                continue
            verwacht_aantal += 1
            for dag in (periode, _tot(periode) - timedelta(days=1)):
                regel = rs.zoek(key, dag)
                assert regel.waarde == Decimal(cel), (key, periode)
                assert regel.geheel == int(Decimal(cel) * 100)
                assert regel.geldig_vanaf == periode
                assert regel.geldig_tot == _tot(periode)
                assert regel.artikel == _artikel(rij["article"])
                assert regel.soort is Soort.NORM
                assert regel.eenheid is Eenheid.EUR
                assert regel.bron
    eigen = [r for r in rs.regels.values() for r in r if r.soort is Soort.NORM]
    assert len(eigen) == verwacht_aantal, "our normbedragen.csv holds rows the reference does not"


def test_overige_bedragen_cijfer_voor_cijfer() -> None:
    rs = standaard_regelset()
    gezien: set[str] = set()
    verwacht_bedragen = 0
    rijen = _lees("overige-bedragen.csv")
    assert {r["item"] for r in rijen} == set(OVERIG), "the reference has items this test does not map"
    kolommen = [p for p in PERIODEN if p.isoformat() in rijen[0]]
    assert kolommen == PERIODEN[1:]
    for rij in rijen:
        for key, index in OVERIG[rij["item"]]:
            gezien.add(key)
            for periode in kolommen:
                cel = rij[periode.isoformat()].strip()
                if cel and index is not None:
                    cel = cel.split("/")[index].strip()
                if not cel:
                    with pytest.raises(NotFoundError):
                        rs.zoek(key, periode)
                    continue
                waarde, is_pct = _getal(cel)
                regel = rs.zoek(key, periode)
                assert regel.waarde == waarde, (key, periode, cel)
                assert regel.geldig_vanaf == periode
                assert regel.geldig_tot == _tot(periode)
                assert regel.artikel == _artikel(rij["article"])
                assert regel.bron
                if is_pct:
                    assert regel.eenheid is Eenheid.PCT
                    assert regel.soort is Soort.PARAMETER
                else:
                    assert regel.eenheid is Eenheid.EUR
                    assert regel.soort is Soort.BEDRAG
                    verwacht_bedragen += 1
                if "possibly stale" in cel or ("UNCERTAIN" in rij["note"] and periode == date(2025, 1, 1)):
                    assert "ONZEKER" in regel.bron
            # 2024 (second half): only what the reference's note states, nothing invented
            noot = re.search(r"2024(?:-H2)?: ([0-9]+)", rij["note"])
            if noot and index is None:
                regel = rs.zoek(key, date(2024, 7, 1))
                assert regel.waarde == Decimal(noot.group(1))
                assert regel.geldig_tot == date(2025, 1, 1)
                verwacht_bedragen += 1
            elif key != "VAKANTIETOESLAG_PCT":
                with pytest.raises(NotFoundError):
                    rs.zoek(key, date(2024, 7, 1))
    eigen = [r for rr in rs.regels.values() for r in rr if r.soort is Soort.BEDRAG]
    assert {r.key for r in eigen} <= gezien
    assert len(eigen) == verwacht_bedragen, "our bedragen.csv holds rows the reference does not"


def test_vakantietoeslag_ook_in_2024_volgens_normbedragen() -> None:
    # normbedragen.csv: all norms, also 2024-07-01, are "INCLUSIEF 5% vakantietoeslag (art 19 lid 3)"
    noot = _lees("normbedragen.csv")[0]["note"]
    assert "5% vakantietoeslag" in noot
    assert standaard_regelset().zoek("VAKANTIETOESLAG_PCT", date(2024, 7, 1)).geheel == 500


@pytest.mark.parametrize(
    ("key", "geheel", "eenheid"),
    [
        # domain/README.md: n 25% for at most 6 months, r 12.5% for at most 30 months, y 15%; not under 27
        ("VRIJLATING_N_PCT", 2500, Eenheid.PCT),
        ("VRIJLATING_N_DUUR", 6, Eenheid.MAANDEN),
        ("VRIJLATING_R_PCT", 1250, Eenheid.PCT),
        ("VRIJLATING_R_DUUR", 30, Eenheid.MAANDEN),
        ("VRIJLATING_R_KIND_TOT_LEEFTIJD", 12, Eenheid.JAAR),
        ("VRIJLATING_Y_PCT", 1500, Eenheid.PCT),
        ("VRIJLATING_MIN_LEEFTIJD", 27, Eenheid.JAAR),
        # art. 13: abroad more than 4 weeks (13 from the AOW age); under 18; under 27 with student finance
        ("BUITENLAND_MAX_WEKEN", 4, Eenheid.WEKEN),
        ("BUITENLAND_MAX_WEKEN_AOW", 13, Eenheid.WEKEN),
        ("LEEFTIJD_MEERDERJARIG", 18, Eenheid.JAAR),
        ("STUDIEFINANCIERING_UITSLUITING_TOT_LEEFTIJD", 27, Eenheid.JAAR),
        # art. 19a: kostendeler 27 or older; art. 20/21: 21
        ("KOSTENDELER_MIN_LEEFTIJD", 27, Eenheid.JAAR),
        ("LEEFTIJD_VOLWASSENENNORM", 21, Eenheid.JAAR),
    ],
)
def test_parameters_in_elke_periode(key: str, geheel: int, eenheid: Eenheid) -> None:
    rs = standaard_regelset()
    for periode in PERIODEN:
        regel = rs.zoek(key, periode)
        assert (regel.geheel, regel.eenheid, regel.geldig_vanaf) == (geheel, eenheid, periode)
    with pytest.raises(NotFoundError):
        rs.zoek(key, EINDE)
    with pytest.raises(NotFoundError):
        rs.zoek(key, PERIODEN[0] - timedelta(days=1))


def test_voorschot_percentages() -> None:
    rs = standaard_regelset()
    assert rs.zoek("VOORSCHOT_MIN_PCT", date(2025, 12, 31)).geheel == 9000
    assert rs.zoek("VOORSCHOT_MIN_PCT", date(2026, 1, 1)).geheel == 9500
    with pytest.raises(NotFoundError):
        rs.zoek("VOORSCHOT_MIN_PCT", date(2024, 12, 31))


def test_aow_leeftijd() -> None:
    rs = standaard_regelset()
    assert rs.zoek("AOW_LEEFTIJD", date(2027, 12, 31)).geheel == 67 * 12
    assert rs.zoek("AOW_LEEFTIJD", date(2028, 1, 1)).geheel == 67 * 12 + 3
    # cohorts (SVB): born 30 September 1960 -> 67 years; born 1 October 1960 -> 67 years and 3 months
    assert rs.aow_datum(date(1960, 9, 30)) == date(2027, 9, 30)
    assert rs.aow_datum(date(1960, 10, 1)) == date(2028, 1, 1)
    assert rs.aow_datum(date(1957, 6, 15)) == date(2024, 6, 15)
    assert rs.aow_datum(date(1950, 1, 1)) is True  # reached before the known rows
    assert rs.aow_datum(date(1970, 1, 1)) is False  # after the known rows


def test_venster_en_versie() -> None:
    rs = standaard_regelset()
    assert (rs.venster_vanaf, rs.venster_tot) == (date(2024, 7, 1), EINDE)
    assert re.fullmatch(r"[0-9a-f]{12}", rs.versie)
    assert laad_regelset().versie == rs.versie  # deterministic


def test_onbekende_sleutel() -> None:
    with pytest.raises(NotFoundError) as exc:
        standaard_regelset().zoek("BESTAAT_NIET", date(2026, 1, 1))
    assert exc.value.key == "BESTAAT_NIET"
    assert exc.value.peildatum is None


def _bestanden() -> dict[str, str]:
    pakket = resources.files("gbi_domain.rules")
    return {n: (pakket / n).read_text("utf-8") for n in ("normbedragen.csv", "bedragen.csv", "parameters.csv")}


@pytest.mark.parametrize(
    ("bestand", "oud", "nieuw", "melding"),
    [
        ("normbedragen.csv", "M,Pw 21 a,2026-01-01,2026-07-01", "M,Pw 21 a,2025-12-01,2026-07-01", "overlappen"),
        ("normbedragen.csv", "1401.50", "1401.5", "twee decimalen"),
        ("normbedragen.csv", "M,Pw 21 a,2026-01-01,2026-07-01", "M,Pw 21 a,2026-01-01,2025-07-01", "geldigTot"),
        (
            "parameters.csv",
            "VRIJLATING_N_DUUR,Pw 31 lid 2 n,2026-01-01,2026-07-01,6,",
            "VRIJLATING_N_DUUR,Pw 31 lid 2 n,2026-01-01,2026-07-01,6.5,",
            "geheel getal",
        ),
        ("bedragen.csv", "key,artikel", "sleutel,artikel", "kolommen"),
    ],
)
def test_lader_weigert_foute_data(bestand: str, oud: str, nieuw: str, melding: str) -> None:
    bestanden = _bestanden()
    assert oud in bestanden[bestand]
    bestanden[bestand] = bestanden[bestand].replace(oud, nieuw, 1)
    with pytest.raises(ValueError, match=melding):
        laad_regelset(bestanden)


def test_lader_weigert_dubbele_sleutel() -> None:
    bestanden = _bestanden()
    regel = next(r for r in bestanden["normbedragen.csv"].splitlines() if r.startswith("M,"))
    bestanden["bedragen.csv"] += regel + "\n"
    with pytest.raises(ValueError, match="staat in"):
        laad_regelset(bestanden)

"""The month's amounts of the payment run: the same household calculation as the single API, plus the month's
settlements (pro rata start, maatregel, vakantietoeslag payout, voorschot), and strict checks of the chunk body."""

from __future__ import annotations

import gc
import threading
from datetime import date
from typing import Any

import pytest

import gbi_domain.betaalrun.api as chunk_api
from gbi_domain.betaalrun import Maandfeiten, bereken_maand, huishouden_uit_json
from gbi_domain.betaalrun.api import bereken_chunk
from gbi_domain.mapping import bereken
from gbi_shared import BadRequestError
from gbi_shared.contracts.berekening import BerekeningVerzoek

ALLEEN: dict[str, Any] = {
    "aanvrager": {"geboortedatum": "1980-05-01"},
    "vermogen": {"bezittingen": "500.00", "schulden": "0.00"},
}
HUISHOUDENS: list[dict[str, Any]] = [
    ALLEEN,
    {**ALLEEN, "partner": {"geboortedatum": "1982-02-02"}},
    {**ALLEEN, "kinderen": [{"geboortedatum": "2016-03-01"}]},
    {**ALLEEN, "medebewoners": [{"geboortedatum": "1960-01-01", "relatie": "ouder"}]},
    {
        **ALLEEN,
        "inkomsten": [
            {"persoon": "aanvrager", "soort": "arbeid", "nettoPerMaand": "400.00", "vrijlatingStartdatum": "2026-05-01"}
        ],
    },
    {"aanvrager": {"geboortedatum": "2006-01-15"}, "vermogen": {"bezittingen": "0.00", "schulden": "0.00"}},
    # not in the fast reader's shape (an unknown field): the contract decides, with the same answer
    {**ALLEEN, "aanvrager": {"geboortedatum": "1980-05-01", "medischUrenbeperkt": False}},
]


@pytest.mark.parametrize("huishouden", HUISHOUDENS)
@pytest.mark.parametrize("maand", [date(2026, 6, 1), date(2026, 7, 1)])
def test_month_amount_equals_the_single_calculation(huishouden: dict[str, Any], maand: date) -> None:
    verzoek = BerekeningVerzoek.model_validate({**huishouden, "gemeente": "0363", "peildatum": maand.isoformat()})
    enkel = bereken(verzoek)
    m = bereken_maand(huishouden_uit_json("0363", maand, huishouden), Maandfeiten(maand, date(2024, 1, 1)))
    assert f"{m.bedrag // 100}.{m.bedrag % 100:02d}" == enkel.bedrag_per_maand
    assert f"{m.reservering // 100}.{m.reservering % 100:02d}" == enkel.vakantietoeslag_reservering
    assert m.normcategorie == enkel.normcategorie


def test_the_july_norm_applies_from_july() -> None:
    h = huishouden_uit_json("0363", date(2026, 6, 1), ALLEEN)
    juni = bereken_maand(h, Maandfeiten(date(2026, 6, 1), date(2024, 1, 1)))
    h7 = huishouden_uit_json("0363", date(2026, 7, 1), ALLEEN)
    juli = bereken_maand(h7, Maandfeiten(date(2026, 7, 1), date(2024, 1, 1)))
    assert (juni.norm, juli.norm) == (140150, 141946)  # M: 1401.50 from 2026-01-01, 1419.46 from 2026-07-01
    assert juni.reservering == 7008  # 5% of 1401.50, half up
    assert juni.bedrag == 140150 - 7008


def test_maatregel_vakantietoeslag_and_voorschot() -> None:
    maand = date(2026, 6, 1)
    h = huishouden_uit_json("0363", maand, ALLEEN)
    m = bereken_maand(
        h,
        Maandfeiten(
            maand,
            date(2024, 1, 1),
            voorschot_open=50_000,
            verlaging_bp=3000,
            vakantietoeslag_opgebouwd=84_000,
            uitbetalingsmaand=True,
        ),
    )
    maandbedrag = 140150 - 7008
    assert m.verlaging == (maandbedrag * 3000 + 5000) // 10000
    assert m.vakantietoeslag == 84_000
    assert m.voorschot == 50_000
    assert m.bedrag == maandbedrag - m.verlaging + 84_000 - 50_000


def test_vakantietoeslag_is_not_paid_outside_the_payout_month_and_voorschot_never_makes_it_negative() -> None:
    maand = date(2026, 5, 1)
    h = huishouden_uit_json("0363", maand, ALLEEN)
    m = bereken_maand(
        h, Maandfeiten(maand, date(2024, 1, 1), voorschot_open=10_000_000, vakantietoeslag_opgebouwd=84_000)
    )
    assert m.vakantietoeslag == 0
    assert m.voorschot == 140150 - 7008
    assert m.bedrag == 0


def test_an_uitkering_starting_mid_month_is_paid_per_day() -> None:
    maand = date(2026, 6, 1)
    h = huishouden_uit_json("0363", maand, ALLEEN)
    m = bereken_maand(h, Maandfeiten(maand, date(2026, 6, 16)))  # 15 of 30 days
    assert m.bijstand == 140150 // 2 + 0  # 70075
    assert m.reservering == (70075 * 5 + 50) // 100
    assert m.bedrag == m.bijstand - m.reservering


def _chunk(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "gemeente": "0363",
        "maand": "2026-07",
        "uitbetalingsmaand": False,
        "regels": [["a", "2024-01-01", ALLEEN, 0, 0, 0]],
    }
    return {**body, **changes}


def test_the_chunk_route_computes_and_reports_undecidable_households() -> None:
    jong = {**ALLEEN, "partner": {"geboortedatum": "2015-01-01"}}  # a spouse under 18: a caseworker decides
    out = bereken_chunk(_chunk(regels=[["a", "2024-01-01", ALLEEN, 0, 0, 0], ["b", "2024-01-01", jong, 0, 0, 0]]))
    assert [b[0] for b in out["betalingen"]] == ["a"]
    assert out["betalingen"][0][9] == 141946 - 7097
    assert [f["uitkeringId"] for f in out["fouten"]] == ["b"]


def test_chunks_computed_at_once_keep_the_collector_paused_until_the_last_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """The payment run sends a few chunks at once, each computed in a worker thread: the collector stays paused while
    any of them runs and is enabled again when the last one ends (it was switched on under a running chunk, or left
    off, when each chunk switched it itself)."""
    echt = chunk_api.bereken_maand
    binnen = {naam: threading.Event() for naam in ("a", "b")}
    verder = {naam: threading.Event() for naam in ("a", "b")}

    def bereken_maand(*args: Any) -> Any:
        naam = threading.current_thread().name
        binnen[naam].set()
        assert verder[naam].wait(10)
        return echt(*args)

    monkeypatch.setattr(chunk_api, "bereken_maand", bereken_maand)
    uitkomsten: dict[str, Any] = {}
    threads = {
        naam: threading.Thread(name=naam, target=lambda n=naam: uitkomsten.update({n: bereken_chunk(_chunk())}))
        for naam in ("a", "b")
    }
    assert gc.isenabled()
    try:
        threads["a"].start()
        assert binnen["a"].wait(10)
        threads["b"].start()
        assert binnen["b"].wait(10)
        assert not gc.isenabled()
        verder["a"].set()
        threads["a"].join(10)
        assert not gc.isenabled()  # b still computes
        verder["b"].set()
        threads["b"].join(10)
        assert gc.isenabled()
    finally:
        for e in verder.values():
            e.set()
        gc.enable()
    assert [uitkomsten[n]["betalingen"][0][9] for n in ("a", "b")] == [141946 - 7097] * 2


def test_a_refused_chunk_gives_the_collector_back() -> None:
    with pytest.raises(BadRequestError):
        bereken_chunk(_chunk(regels=[["a", "2024-01-01", ALLEEN, 0, 0, 0], ["b", "1-1-2024", ALLEEN, 0, 0, 0]]))
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("changes", "veld"),
    [
        ({"gemeente": "363"}, "gemeente"),
        ({"maand": "2026-13"}, "maand"),
        ({"uitbetalingsmaand": "ja"}, "uitbetalingsmaand"),
        ({"regels": []}, "regels"),
        ({"regels": [["a", "2024-01-01", ALLEEN, -1, 0, 0]]}, "regels[0][3]"),
        ({"regels": [["a", "2024-01-01", ALLEEN, 0, 10001, 0]]}, "regels[0][4]"),
        ({"regels": [["a", "1-1-2024", ALLEEN, 0, 0, 0]]}, "regels[0][1]"),
        ({"regels": [["a", "2024-01-01", ALLEEN, 0, 0]]}, "regels[0]"),
    ],
)
def test_a_bad_chunk_is_refused_naming_the_field(changes: dict[str, Any], veld: str) -> None:
    with pytest.raises(BadRequestError) as exc:
        bereken_chunk(_chunk(**changes))
    assert exc.value.invalid_params[0].name == veld


def test_fast_reader_equals_the_contract_for_every_flag() -> None:
    from gbi_domain.betaalrun.bedragen import _snel
    from gbi_domain.mapping import naar_huishouden
    from gbi_shared.contracts.berekening import BerekeningVerzoek

    h = {
        "aanvrager": {"geboortedatum": "1980-01-01", "onttrektZichAanStraf": True, "medischUrenbeperkt": True},
        "partner": {"geboortedatum": "1981-01-01", "inInrichting": False, "verblijfBuitenlandDagen": 3},
        "medebewoners": [
            {"geboortedatum": "1990-01-01", "relatie": "overig", "bblLeerling": True},
            {"geboortedatum": "1950-01-01", "relatie": "ouder", "commercieleHuurovereenkomst": True},
        ],
    }
    snel = _snel("0363", date(2026, 3, 1), h)
    contract = naar_huishouden(BerekeningVerzoek.model_validate({**h, "gemeente": "0363", "peildatum": "2026-03-01"}))
    assert snel == contract
    assert snel.aanvrager.onttrekt_zich_aan_straf
    assert snel.medebewoners[0].bbl_leerling


@pytest.mark.parametrize(
    "persoon",
    [
        {"geboortedatum": "1980-01-01"},
        {"geboortedatum": "1980-01-01", "gedetineerd": True},
        {"geboortedatum": "1980-01-01", "studiefinanciering": False},
    ],
)
def test_a_person_that_is_only_a_date_is_shared_and_still_equals_the_contract(persoon: dict[str, Any]) -> None:
    from gbi_domain.betaalrun.bedragen import _snel
    from gbi_domain.mapping import naar_huishouden

    h = {"aanvrager": persoon, "partner": {"geboortedatum": "1980-01-01"}}
    eerste, tweede = _snel("0363", date(2026, 3, 1), h), _snel("0599", date(2026, 7, 1), h)
    contract = naar_huishouden(BerekeningVerzoek.model_validate({**h, "gemeente": "0363", "peildatum": "2026-03-01"}))
    assert eerste == contract
    assert eerste.aanvrager == tweede.aanvrager
    assert eerste.partner is tweede.partner  # a date of birth only: one immutable object for all


@pytest.mark.parametrize(
    "aanvrager", [{"geboortedatum": "1980-02-30"}, {"geboortedatum": 19800101}, {"gedetineerd": True}]
)
def test_a_person_the_fast_reader_does_not_accept_gets_the_contracts_answer(aanvrager: dict[str, Any]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        huishouden_uit_json("0363", date(2026, 3, 1), {"aanvrager": aanvrager})

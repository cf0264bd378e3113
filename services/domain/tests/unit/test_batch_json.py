"""The batch endpoint's JSON writer: the text it writes is exactly what the pydantic contracts give, for every
kind of outcome (right, no right with reasons, signals, kostendelers, errors), and the GC pause nests."""

from __future__ import annotations

import gc
import json
import threading
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gbi_domain.engine import Berekening, Toelichtingregel, bereken_algemene_bijstand
from gbi_domain.engine.gc_pauze import gc_gepauzeerd
from gbi_domain.engine.geld import format_bedrag, parse_bedrag
from gbi_domain.errors import DomainError
from gbi_domain.mapping import _centen, berekening_json, naar_berekening_antwoord, naar_huishouden
from gbi_shared.contracts.berekening import BerekeningAntwoord

from .test_eigenschappen import INSTELLINGEN, huishoudens
from .test_huishouden import geboren, huis, kd


def _gelijk(b: Berekening) -> None:
    tekst = berekening_json(b)
    verwacht = naar_berekening_antwoord(b).model_dump(mode="json", by_alias=True)
    assert json.loads(tekst) == verwacht
    assert list(json.loads(tekst)) == list(verwacht)  # same fields, same order
    BerekeningAntwoord.model_validate_json(tekst)


@INSTELLINGEN
@given(huishoudens())
def test_json_gelijk_aan_contract(h: object) -> None:
    try:
        b = bereken_algemene_bijstand(h)  # type: ignore[arg-type]
    except DomainError:
        return
    _gelijk(b)


@pytest.mark.parametrize(
    "b",
    [
        bereken_algemene_bijstand(huis(date(2024, 7, 1), medebewoners=(kd(), kd()))),  # KD, A = 3
        bereken_algemene_bijstand(huis(vermogen=None)),  # signal vermogen-niet-getoetst, no amount lines
        bereken_algemene_bijstand(huis(aanvrager=huis().aanvrager.__class__(geboren(19)))),  # J, signal verhoging
        bereken_algemene_bijstand(
            huis(aanvrager=huis().aanvrager.__class__(geboren(30), gedetineerd=True, verblijf_buitenland_dagen=40))
        ),  # no right: two reasons, normcategorie null
    ],
)
def test_json_gelijk_aan_contract_voorbeelden(b: Berekening) -> None:
    _gelijk(b)


def test_json_met_bijzondere_tekens() -> None:
    b = bereken_algemene_bijstand(huis())
    from dataclasses import replace

    from gbi_domain.engine import Reden

    raar = replace(b, redenen=(Reden('a"b', "tekst met \\ en \n en é en \u2028", "Pw 11"),), gemeente='05"9')
    assert json.loads(berekening_json(raar))["redenen"][0]["tekst"] == "tekst met \\ en \n en é en \u2028"
    _gelijk(raar)


@given(st.integers(0, 10**14 - 1))
def test_centen_gelijk_aan_parse_bedrag(centen: int) -> None:
    tekst = format_bedrag(centen)
    assert _centen(tekst) == parse_bedrag(tekst) == centen


@pytest.mark.parametrize("tekst", ["1.5", "12,50", "-1.00", "+1.00", " 1.00", "1.0a", "١.٠٠", "1.00\n", "01.00"])
def test_centen_weigert_wat_het_contract_weigert(tekst: str) -> None:
    with pytest.raises(ValueError, match="twee decimalen"):
        parse_bedrag(tekst)
    if tekst != "01.00":  # _centen reads amounts the contract has validated; "01.00" never gets there
        with pytest.raises(ValueError, match="twee decimalen"):
            _centen(tekst)


def test_gc_pauze_nest_en_overlapt_tussen_draden() -> None:
    assert gc.isenabled()
    binnen = threading.Event()
    klaar = threading.Event()

    def ander() -> None:
        with gc_gepauzeerd():
            binnen.set()
            klaar.wait(5)

    draad = threading.Thread(target=ander)
    with gc_gepauzeerd():
        assert not gc.isenabled()
        draad.start()
        assert binnen.wait(5)
    assert not gc.isenabled()  # the other thread's pause still runs
    klaar.set()
    draad.join(5)
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_gepauzeerd():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


_TEKST = st.lists(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
    | st.sampled_from(['"', "\\", '"bedrag":"0.00"', '","bedrag":"', "\u2028", "é"]),
    max_size=4,
).map("".join)


@INSTELLINGEN
@given(
    st.lists(
        st.builds(
            Toelichtingregel,
            _TEKST,
            _TEKST,
            _TEKST,
            st.none() | st.integers(-(10**9), 10**12),
            st.none() | _TEKST,
            st.none() | st.dates(),
        ),
        max_size=6,
    )
)
def test_toelichtingregels_met_en_zonder_bedrag_gelijk_aan_contract(regels: list[Toelichtingregel]) -> None:
    """Lines are written from remembered parts (whole, or around the amount): any text, amount or date, asked
    once or again, gives the text the contract gives."""
    from dataclasses import replace

    b = replace(bereken_algemene_bijstand(huis()), toelichting=tuple(regels))
    _gelijk(b)
    _gelijk(b)  # the second time from the remembered parts
    opnieuw = replace(
        b, toelichting=tuple(r._replace(bedrag=None if r.bedrag is None else r.bedrag + 1) for r in regels)
    )
    _gelijk(opnieuw)


@INSTELLINGEN
@given(st.lists(st.integers(-(10**12), 10**13), min_size=5, max_size=5))
def test_bedragen_van_de_berekening_zoals_format_bedrag(bedragen: list[int]) -> None:
    """The five amounts are written out inline when none is negative, by format_bedrag otherwise: the same text."""
    from dataclasses import replace

    b = replace(
        bereken_algemene_bijstand(huis()),
        norm=bedragen[0],
        vakantietoeslag_reservering=bedragen[1],
        in_te_korten_inkomen=bedragen[2],
        bijstand=bedragen[3],
        bedrag_per_maand=bedragen[4],
    )
    uit = json.loads(berekening_json(b))
    assert [
        uit["norm"],
        uit["vakantietoeslagReservering"],
        uit["inTeKortenInkomen"],
        uit["bijstandInclusiefVakantietoeslag"],
        uit["bedragPerMaand"],
    ] == [format_bedrag(c) for c in bedragen]
    if min(bedragen) >= 0:
        _gelijk(b)


def test_batch_antwoord_kop_en_staart_op_eerste_en_laatste_deel() -> None:
    """The batch answer's head and tail are joined onto its first and last part, also when those are problems,
    when there is one part, and when there are none."""
    from gbi_domain.service import DomainService
    from gbi_shared import ActorType, RequestContext
    from gbi_shared.contracts.berekening import BerekeningVerzoek

    ctx = RequestContext(actor_id="t", actor_type=ActorType.SYSTEEM, roles=frozenset(), gemeente="0599")
    goed = BerekeningVerzoek.model_validate(
        {"gemeente": "0599", "peildatum": "2026-03-01", "aanvrager": {"geboortedatum": "1990-01-01"}}
    )
    fout = goed.model_copy(update={"peildatum": date(2027, 3, 1)})  # no rules known: a problem in place
    svc = DomainService()
    assert json.loads(svc.batch_json([], ctx)) == {"aantal": 0, "aantalFouten": 0, "resultaten": []}
    een = json.loads(svc.batch_json([goed], ctx))
    assert (een["aantal"], een["aantalFouten"], [r["index"] for r in een["resultaten"]]) == (1, 0, [0])
    assert een["resultaten"][0]["berekening"] == json.loads(
        berekening_json(bereken_algemene_bijstand(naar_huishouden(goed)))
    )
    drie = json.loads(svc.batch_json([fout, goed, fout], ctx))
    assert (drie["aantal"], drie["aantalFouten"]) == (3, 2)
    assert [r["fout"] is None for r in drie["resultaten"]] == [False, True, False]
    assert drie["resultaten"][1] == {"index": 1, "berekening": een["resultaten"][0]["berekening"], "fout": None}
    assert json.loads(svc.batch_json([fout], ctx))["resultaten"][0]["fout"]["status"] == 422

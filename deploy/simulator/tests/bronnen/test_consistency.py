"""The sources agree with the BRP test persons and with each other."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from gbi_simulator.bronnen import PROFIELEN, Bronnen, BronnenSimulator
from gbi_simulator.bronnen.generator import leeftijd_op, woonadres
from gbi_simulator.bronnen.suwinet import uwv_antwoord
from gbi_simulator.brp.store import PersonStore
from gbi_simulator.clock import Clock
from gbi_simulator.gemeenten import GBI_GEMEENTEN

from ..conftest import TODAY


def _brp(app_store: PersonStore) -> dict[str, Any]:
    return {p.bsn: p for p in app_store}


def test_every_bsn_the_sources_know_is_a_brp_test_person(sim: BronnenSimulator, app: Any) -> None:
    brp = _brp(app.state.store)
    known = [bsn for bsn in sim.bronnen.bekende_bsns() if not sim.bronnen.feiten(bsn).leeg()]  # type: ignore[union-attr]
    assert len(known) > 500
    assert set(known) <= set(brp)
    for gemeente in GBI_GEMEENTEN:
        for item in sim.bronnen.feed(gemeente):
            assert item.signaal.bsn in brp
            # A gemeente gets signals only about the persons registered with it.
            assert brp[item.signaal.bsn].persoon["gemeenteVanInschrijving"]["code"] == gemeente


def test_hand_picked_persons_are_brp_persons_in_their_gemeente(app: Any) -> None:
    brp = _brp(app.state.store)
    for profiel in PROFIELEN.values():
        person = brp[profiel.bsn]
        assert person.persoon["gemeenteVanInschrijving"]["code"] == profiel.gemeente
        assert person.persoon["naam"]["volledigeNaam"] == profiel.naam
        assert not person.overleden


def test_an_unknown_hand_picked_person_stops_the_start() -> None:
    with pytest.raises(ValueError, match="not a BRP test person"):
        Bronnen(PersonStore([]), Clock(TODAY))


def test_owner_occupied_homes_are_at_the_owners_brp_address(sim: BronnenSimulator, app: Any) -> None:
    brp = _brp(app.state.store)
    homes = 0
    for bsn in sim.bronnen.bekende_bsns():
        f = sim.bronnen.feiten(bsn)
        assert f is not None
        for o in f.onroerend:
            if not o.eigenaar_bewoner:
                continue
            homes += 1
            adres = woonadres(brp[bsn])
            assert adres is not None, bsn
            assert (o.postcode, o.huisnummer) == (adres["postcode"], adres["huisnummer"]), bsn
    assert homes > 100


def test_a_shared_home_is_owned_by_both_partners(sim: BronnenSimulator) -> None:
    shared = 0
    by_object: dict[str, set[str]] = {}
    for bsn in sim.bronnen.bekende_bsns():
        f = sim.bronnen.feiten(bsn)
        assert f is not None
        for o in f.onroerend:
            if o.noemer == 2:
                by_object.setdefault(o.aanduiding, set()).add(bsn)
    for owners in by_object.values():
        assert len(owners) == 2
        shared += 1
    assert shared >= 10
    assert by_object["SGR00 H 4711"] == {"999992661", "999991279"}


def test_signals_are_backed_by_the_other_sources(sim: BronnenSimulator) -> None:
    for gemeente in GBI_GEMEENTEN:
        for item in sim.bronnen.feed(gemeente):
            s = item.signaal
            f = sim.bronnen.feiten(s.bsn)
            assert f is not None
            if s.soort == "voertuig":
                assert s.kenteken in {v.kenteken for v in f.voertuigen}
            elif s.soort == "detentie":
                assert s.begin in {d.insluiting for d in f.detenties}
            elif s.soort == "inkomen":
                assert s.instantie in {i.naam for i in f.ikvs}
            assert s.geleverd <= TODAY


def test_kentekens_are_unique(sim: BronnenSimulator) -> None:
    kentekens = [v.kenteken for bsn in sim.bronnen.bekende_bsns() for v in sim.bronnen.feiten(bsn).voertuigen]  # type: ignore[union-attr]
    assert len(kentekens) == len(set(kentekens))


def test_minors_and_the_deceased_have_nothing(sim: BronnenSimulator, app: Any) -> None:
    for person in app.state.store:
        datum = (person.persoon.get("geboorte") or {}).get("datum") or {}
        minor = datum.get("type") == "Datum" and leeftijd_op(date.fromisoformat(datum["datum"]), TODAY) < 18
        if person.overleden or minor:
            assert sim.bronnen.feiten(person.bsn).leeg(), person.bsn  # type: ignore[union-attr]


def test_the_data_is_the_same_on_every_start(app: Any) -> None:
    one = Bronnen(app.state.store, Clock(TODAY))
    two = Bronnen(app.state.store, Clock(TODAY))
    for bsn in one.bekende_bsns():
        assert one.feiten(bsn) == two.feiten(bsn)
    assert one.feed("0518") == two.feed("0518")


def test_the_data_moves_with_the_clock(app: Any) -> None:
    """Dates are relative to the simulator's day: a year later the same story is delivered a year later."""
    now = Bronnen(app.state.store, Clock(TODAY))
    later = Bronnen(app.state.store, Clock(date(TODAY.year + 1, TODAY.month, TODAY.day)))
    a, b = now.feiten("999995431"), later.feiten("999995431")
    assert a is not None
    assert b is not None
    assert [i.begin.replace(year=i.begin.year + 1) for i in a.ikvs] == [i.begin for i in b.ikvs]
    uwv = uwv_antwoord(b, later.today())
    assert uwv is not None
    assert uwv["PeriodeGegevensleveringIko"]["DatEPeriode"] == f"{TODAY.year + 1}0531"

"""The simulated sources' knowledge: facts per BRP test person and the Inlichtingenbureau feed per gemeente.

Built once per simulator day (the clock can move) from the BRP test persons: hand-picked profiles first, the
deterministic generator for everyone else. A BSN that is not a BRP test person is unknown to every source.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, replace
from datetime import date

from gbi_simulator.bronnen.feiten import Feiten, Signaal
from gbi_simulator.bronnen.generator import genereer
from gbi_simulator.bronnen.profielen import PROFIELEN
from gbi_simulator.bronnen.storingen import Storingen
from gbi_simulator.brp.convert import ConvertedPerson
from gbi_simulator.brp.store import PersonStore
from gbi_simulator.clock import Clock

__all__ = ["Bronnen", "BronnenSimulator", "FeedSignaal"]


@dataclass(frozen=True, slots=True)
class FeedSignaal:
    """A signal at its place in a gemeente's feed (``volgnummer`` 1, 2, 3, ...)."""

    volgnummer: int
    signaal_id: str
    gemeente: str
    signaal: Signaal


def _gemeente(person: ConvertedPerson) -> str | None:
    code = (person.persoon.get("gemeenteVanInschrijving") or {}).get("code")
    return code if isinstance(code, str) else None


class Bronnen:
    """Facts per BSN and signal feeds per gemeente, for the simulator's current day."""

    def __init__(self, personen: PersonStore, clock: Clock) -> None:
        self._personen = {p.bsn: p for p in personen}
        for profiel in PROFIELEN.values():
            person = self._personen.get(profiel.bsn)
            if person is None:
                raise ValueError(f"hand-picked person {profiel.naam} is not a BRP test person")
            if _gemeente(person) != profiel.gemeente:
                raise ValueError(f"hand-picked person {profiel.naam} does not live in gemeente {profiel.gemeente}")
        self._clock = clock
        self._lock = threading.Lock()
        self._dag: date | None = None
        self._feiten: dict[str, Feiten] = {}
        self._feeds: dict[str, list[FeedSignaal]] = {}
        self._extra: list[tuple[str, Signaal]] = []

    def today(self) -> date:
        return self._clock.today()

    def _bouw(self, today: date) -> None:
        handpicked = frozenset(PROFIELEN)
        feiten: dict[str, Feiten] = {}
        handpicked_feiten = {bsn: p.feiten(today) for bsn, p in PROFIELEN.items()}
        kentekens = {v.kenteken for f in handpicked_feiten.values() for v in f.voertuigen}
        for bsn in sorted(self._personen):
            if bsn in handpicked_feiten:
                feiten[bsn] = handpicked_feiten[bsn]
                continue
            f = genereer(self._personen[bsn], self._personen, today, handpicked=handpicked)
            _unieke_kentekens(f, kentekens)
            feiten[bsn] = f
        feeds: dict[str, list[tuple[str, Signaal]]] = {}
        for bsn, f in feiten.items():
            gemeente = _gemeente(self._personen[bsn])
            if gemeente is None:
                continue
            feeds.setdefault(gemeente, []).extend((gemeente, s) for s in f.signalen)
        self._feeds = {}
        for gemeente, items in feeds.items():
            items.sort(key=lambda gs: (gs[1].geleverd, gs[1].bsn, gs[1].soort))
            self._feeds[gemeente] = [
                FeedSignaal(i, f"IB-{gemeente}-{i:06d}", gemeente, s) for i, (_, s) in enumerate(items, start=1)
            ]
        self._feiten = feiten
        for gemeente, signaal in self._extra:
            self._append(gemeente, signaal)
            feiten[signaal.bsn].signalen.append(signaal)
        self._dag = today

    def _append(self, gemeente: str, signaal: Signaal) -> FeedSignaal:
        feed = self._feeds.setdefault(gemeente, [])
        volgnummer = len(feed) + 1
        item = FeedSignaal(volgnummer, f"IB-{gemeente}-{volgnummer:06d}", gemeente, signaal)
        feed.append(item)
        return item

    def _actueel(self) -> None:
        today = self._clock.today()
        if self._dag != today:
            self._bouw(today)

    def feiten(self, bsn: str) -> Feiten | None:
        """The facts about a BRP test person; None for a BSN that no source knows (not in the BRP test data)."""
        with self._lock:
            self._actueel()
            return self._feiten.get(bsn)

    def bekende_bsns(self) -> list[str]:
        with self._lock:
            self._actueel()
            return sorted(self._feiten)

    def gemeente_van(self, bsn: str) -> str | None:
        person = self._personen.get(bsn)
        return _gemeente(person) if person is not None else None

    def feed(self, gemeente: str) -> list[FeedSignaal]:
        with self._lock:
            self._actueel()
            return list(self._feeds.get(gemeente, ()))

    def voeg_signaal_toe(self, signaal: Signaal) -> FeedSignaal:
        """Deliver a new signal (test control): it joins the feed of the gemeente where the person is registered."""
        gemeente = self.gemeente_van(signaal.bsn)
        if gemeente is None:
            raise KeyError(signaal.bsn)
        with self._lock:
            self._actueel()
            self._extra.append((gemeente, signaal))
            item = self._append(gemeente, signaal)
            self._feiten[signaal.bsn].signalen.append(signaal)
            return item

    def wis_toegevoegde_signalen(self) -> None:
        with self._lock:
            self._extra.clear()
            self._dag = None


def _unieke_kentekens(f: Feiten, gebruikt: set[str]) -> None:
    """Generated kentekens are drawn per person; redraw (deterministically) the rare one already in use."""
    for index, v in enumerate(f.voertuigen):
        kenteken = v.kenteken
        poging = 0
        while kenteken in gebruikt:
            poging += 1
            rng = random.Random(f"gbi-kenteken:{f.bsn}:{index}:{poging}")
            kenteken = (
                "".join(rng.choice("BDFGHJKLNPRSTVXZ") for _ in range(2))
                + f"{rng.randint(10, 99)}"
                + "".join(rng.choice("BDFGHJKLNPRSTVXZ") for _ in range(2))
            )
        gebruikt.add(kenteken)
        if kenteken != v.kenteken:
            oud = v.kenteken
            f.voertuigen[index] = replace(v, kenteken=kenteken)
            f.signalen = [replace(s, kenteken=kenteken) if s.kenteken == oud else s for s in f.signalen]


@dataclass(slots=True)
class BronnenSimulator:
    """What the source routes need: the facts and the faults (``app.state.bronnen``)."""

    bronnen: Bronnen
    storingen: Storingen

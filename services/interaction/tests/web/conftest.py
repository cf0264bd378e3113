"""The web pages' tests run the interaction app against the fake layers, with the sessions and drafts kept in this
test process's memory behind the same interfaces as the data service's store (the running service always uses the
data service: ``gbi_interaction.web.sessie.DataSessieOpslag`` and ``ConceptOpslag``; tests/browser prove those)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_interaction.web.kern import Web
from gbi_interaction.web.sessie import Gebruiker, Sessie, sleutel


class GeheugenSessieOpslag:
    """A :class:`~gbi_interaction.web.sessie.SessieOpslag` in memory, with the data service's rules: keyed by the
    cookie's hash, ``lees`` restarts the inactivity clock and ends a session idle too long or past its expiry."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[dict[str, Any], float, float | None]] = {}
        self.idle_s: dict[str, int] = {}
        self._lock = threading.Lock()

    async def lees(self, sleutel: str, idle_s: int) -> dict[str, Any] | None:
        nu = time.time()
        with self._lock:
            self.idle_s[sleutel] = idle_s
            item = self.items.get(sleutel)
            if item is None:
                return None
            gegevens, laatst, verloopt = item
            if nu - laatst > idle_s or (verloopt is not None and nu >= verloopt):
                del self.items[sleutel]
                return None
            self.items[sleutel] = (gegevens, nu, verloopt)
            return dict(gegevens)

    async def bewaar(self, sleutel: str, gegevens: dict[str, Any], verloopt_op: float | None) -> None:
        with self._lock:
            self.items[sleutel] = (dict(gegevens), time.time(), verloopt_op)

    async def verwijder(self, sleutel: str) -> None:
        with self._lock:
            self.items.pop(sleutel, None)

    # --- for the tests ---------------------------------------------------------------------------------------

    def zet(self, s: Sessie) -> None:
        self.items[sleutel(s.id)] = (s.gegevens(), time.time(), s.token_verloopt if s.token else None)

    def sessie(self, sessie_id: str | None) -> Sessie | None:
        item = self.items.get(sleutel(sessie_id)) if sessie_id else None
        return None if item is None else Sessie.uit_gegevens(str(sessie_id), item[0], item[1])


class GeheugenConceptOpslag:
    """Drafts in memory, by BSN and kind (the running service keys them by gemeente too)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        #: BSNs of citizens living outside GBI: they have no drafts.
        self.buiten_gbi: set[str] = set()

    async def lees(self, wie: Gebruiker, soort: str) -> dict[str, Any] | None:
        item = self.items.get((str(wie.bsn), soort))
        return None if item is None else dict(item)

    async def bewaar(self, wie: Gebruiker, soort: str, gegevens: dict[str, Any]) -> bool:
        if wie.bsn in self.buiten_gbi:
            return False
        self.items[(str(wie.bsn), soort)] = dict(gegevens)
        return True

    async def verwijder(self, wie: Gebruiker, soort: str) -> None:
        self.items.pop((str(wie.bsn), soort), None)


@pytest.fixture
def client(client: TestClient) -> TestClient:
    w: Web = client.app.state.web  # type: ignore[attr-defined]
    w.sessies.opslag = GeheugenSessieOpslag()
    w.concepten = GeheugenConceptOpslag()  # type: ignore[assignment]
    return client

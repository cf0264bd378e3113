"""Faults on demand, per simulated source, so tests can stop a source, slow it down or make it talk nonsense.

``PUT /simulator/bronnen/storingen/{bron}`` with ``{"modus": ..., "aantal": n, "vertragingS": s}``:

- ``niet-beschikbaar``: HTTP 503 (as a gateway in front of a source that is down)
- ``fwi``: Suwinet sources answer HTTP 200 with an ``FWI`` (the backend is not available); the others 503
- ``traag``: answer normally after ``vertragingS`` seconds (for timeouts)
- ``onbruikbaar``: HTTP 200 with a body that is not JSON

``aantal`` limits the fault to the next n requests (then the source recovers); without it the fault stays until
``DELETE /simulator/bronnen/storingen/{bron}``. ``GET /simulator/bronnen/storingen`` shows the faults and how many
requests each source received (``aanroepen``), so a test can count retries.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from fastapi.responses import JSONResponse, Response

__all__ = ["BRONNEN", "BronNaam", "Storing", "Storingen", "fwi"]

BronNaam = Literal["uwv", "rdw", "kadaster", "duo", "dji", "ib"]
BRONNEN: tuple[str, ...] = ("uwv", "rdw", "kadaster", "duo", "dji", "ib")
SUWINET = frozenset({"uwv", "rdw", "kadaster", "duo"})
Modus = Literal["niet-beschikbaar", "fwi", "traag", "onbruikbaar"]


@dataclass(slots=True)
class Storing:
    modus: Modus
    resterend: int | None
    vertraging_s: float


def fwi(code: str, melding: str, bron: str | None = None, *, status: int = 200) -> JSONResponse:
    """A Suwinet Foutbericht (FWI)."""
    fout: dict[str, str] = {"Code": code, "Melding": melding}
    if bron:
        fout["Bron"] = bron
    return JSONResponse({"FWI": {"Fout": [fout]}}, status_code=status)


class Storingen:
    def __init__(self) -> None:
        self._storingen: dict[str, Storing] = {}
        self.aanroepen: Counter[str] = Counter()

    def zet(self, bron: str, storing: Storing) -> None:
        self._storingen[bron] = storing

    def wis(self, bron: str | None = None) -> None:
        if bron is None:
            self._storingen.clear()
            self.aanroepen.clear()
        else:
            self._storingen.pop(bron, None)

    def overzicht(self) -> dict[str, dict[str, object]]:
        out: dict[str, dict[str, object]] = {}
        for bron in BRONNEN:
            s = self._storingen.get(bron)
            out[bron] = {
                "modus": s.modus if s else None,
                "resterend": s.resterend if s else None,
                "vertragingS": s.vertraging_s if s else None,
                "aanroepen": self.aanroepen[bron],
            }
        return out

    async def toepassen(self, bron: str) -> Response | None:
        """Count the request; the fault's answer when one applies, else None (answer normally)."""
        self.aanroepen[bron] += 1
        storing = self._storingen.get(bron)
        if storing is None:
            return None
        if storing.resterend is not None:
            storing.resterend -= 1
            if storing.resterend <= 0:
                del self._storingen[bron]
        if storing.modus == "traag":
            await asyncio.sleep(storing.vertraging_s)
            return None
        if storing.modus == "onbruikbaar":
            return Response(b"<html><body>Proxy error</body></html>", media_type="text/html")
        if storing.modus == "fwi" and bron in SUWINET:
            return fwi("BRON-NIET-BESCHIKBAAR", "De bron is tijdelijk niet beschikbaar", bron.upper())
        body = json.dumps({"title": "Service Unavailable", "status": 503}).encode()
        return Response(body, status_code=503, media_type="application/problem+json", headers={"Retry-After": "5"})

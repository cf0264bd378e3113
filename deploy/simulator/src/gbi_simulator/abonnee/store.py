"""What the simulated subscribers are set to and what they received.

A subscriber (``abonnee``) is known by name. It expects one Authorization header (or none), and is in one of the
modes ``online`` (204), ``offline`` (503, as a receiver that is down), ``kapot`` (500) or ``traag`` (answers after
``vertragingS`` seconds, for timeouts). Every notification it accepted is kept once per ``id`` with a count of how
often it arrived, so a test can assert "exactly once"; ``pogingen`` counts every request, refused ones included.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from jsonschema import Draft202012Validator

from gbi_simulator.zgw.spec import Direction, convert_schema, format_checker

__all__ = ["CONSUMER_SPEC", "Abonnee", "AbonneeSimulator", "Modus", "Ontvangst"]

#: The ZGW Notificaties webhook receiver (``Notificatie`` is what a subscriber receives), under the specs directory.
CONSUMER_SPEC = Path("zgw") / "notificaties" / "consumer-api.yaml"
Modus = Literal["online", "offline", "kapot", "traag"]


@dataclass(slots=True)
class Abonnee:
    naam: str
    auth: str | None
    modus: Modus = "online"
    vertraging_s: float = 2.0


@dataclass(slots=True)
class Ontvangst:
    id: str
    abonnee: str
    notificatie: dict[str, Any]
    aantal: int
    eerste: datetime
    laatste: datetime


class AbonneeSimulator:
    def __init__(self, specs_dir: Path) -> None:
        self._spec_file = specs_dir / CONSUMER_SPEC
        self._validator: Draft202012Validator | None = None
        self.abonnees: dict[str, Abonnee] = {}
        self.ontvangen: dict[tuple[str, str], Ontvangst] = {}
        self.pogingen: Counter[str] = Counter()

    # --- the official schema ----------------------------------------------------------------------------------

    def validator(self) -> Draft202012Validator:
        """The ``Notificatie`` schema of the official consumer API, as JSON Schema (loaded once)."""
        if self._validator is None:
            doc = yaml.safe_load(self._spec_file.read_text(encoding="utf-8"))
            schema = convert_schema(doc["components"]["schemas"]["Notificatie"], Direction.REQUEST)
            self._validator = Draft202012Validator(schema, format_checker=format_checker())
        return self._validator

    def fouten(self, body: Any) -> list[dict[str, str]]:
        """The body's violations of ``Notificatie``, as ZGW ``invalid-params``."""
        out = []
        for error in self.validator().iter_errors(body):
            name = ".".join(str(p) for p in error.absolute_path) or "nonFieldErrors"
            out.append({"name": name, "code": str(error.validator), "reason": error.message[:200]})
        return out

    # --- state ------------------------------------------------------------------------------------------------

    def zet(self, abonnee: Abonnee) -> None:
        self.abonnees[abonnee.naam] = abonnee

    def verwijder(self, naam: str) -> None:
        self.abonnees.pop(naam, None)
        for key in [k for k in self.ontvangen if k[0] == naam]:
            del self.ontvangen[key]
        self.pogingen.pop(naam, None)

    def wis_ontvangen(self) -> None:
        self.ontvangen.clear()
        self.pogingen.clear()

    def ontvang(self, naam: str, body: dict[str, Any]) -> Ontvangst:
        """Record an accepted notification; the same ``id`` again only counts."""
        key = str(body.get("id") or _digest(body))
        now = datetime.now(UTC)
        found = self.ontvangen.get((naam, key))
        if found is None:
            found = Ontvangst(key, naam, body, 0, now, now)
            self.ontvangen[(naam, key)] = found
        found.aantal += 1
        found.laatste = now
        return found

    def overzicht(self, naam: str | None = None) -> dict[str, Any]:
        items = [
            {
                "id": o.id,
                "abonnee": o.abonnee,
                "aantal": o.aantal,
                "eersteOntvangst": o.eerste.isoformat(),
                "laatsteOntvangst": o.laatste.isoformat(),
                "notificatie": o.notificatie,
            }
            for o in sorted(self.ontvangen.values(), key=lambda o: (o.eerste, o.id))
            if naam is None or o.abonnee == naam
        ]
        pogingen = dict(self.pogingen) if naam is None else {naam: self.pogingen[naam]}
        return {"items": items, "pogingen": pogingen}


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

"""Reading the process layer's progress of an aanvraag (``GET /internal/process/v1/aanvragen/{id}/voortgang``,
``gbi_shared.contracts.alo_proces.AloVoortgang``).

The channels show from it what only the process knows: the terms (beslistermijn, voorschot) and the open request
for documents with its hersteltermijn, plus, for staff, the source data and the calculation when it exposes them.
The terms are process variables of ``orchestration/alo.bpmn`` (``variabelen``: ``beslistermijn_einde``,
``voorschot_vanaf``, ``hersteltermijn_einde``, ``gevraagde_documenten``); the process waits for documents while
the aanvraag is ``wacht-op-burger`` or a message ``documenten_ontvangen`` is among its ``berichten``. Names are
accepted in snake_case or camelCase, at the top level or in ``variabelen`` / ``termijnen``, so a regrouping in the
process layer does not blank the citizen's page. Staff get the whole answer as it came.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pydantic import JsonValue

from gbi_shared.contracts.kanaal import OpenVerzoek, Termijnen

__all__ = ["Procesbeeld", "lees_voortgang"]

_GROEPEN = ("termijnen", "variabelen", "gegevens", "deadlines")
_WACHT_OP_DOCUMENTEN = {"documenten_ontvangen", "documenten-ontvangen", "documentenOntvangen", "documenten"}


@dataclass(frozen=True, slots=True)
class Procesbeeld:
    termijnen: Termijnen
    open_verzoeken: list[OpenVerzoek] = field(default_factory=list)
    bronnen: list[JsonValue] = field(default_factory=list)
    berekening: JsonValue = None


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def _zoek(bron: dict[str, JsonValue], naam: str) -> JsonValue:
    """``naam`` (snake_case) or its camelCase twin, at the top level or in one of the usual groups."""
    for plek in (bron, *(bron.get(g) for g in _GROEPEN)):
        if isinstance(plek, dict):
            for sleutel in (naam, _camel(naam)):
                if plek.get(sleutel) is not None:
                    return plek[sleutel]
    return None


def _datum(waarde: JsonValue) -> date | None:
    if isinstance(waarde, str):
        try:
            return date.fromisoformat(waarde[:10])
        except ValueError:
            return None
    return None


def _documenten(waarde: JsonValue) -> list[str]:
    if isinstance(waarde, str):
        return [waarde]
    if not isinstance(waarde, list):
        return []
    out: list[str] = []
    for item in waarde:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            tekst = item.get("omschrijving") or item.get("naam") or item.get("soort")
            if isinstance(tekst, str):
                out.append(tekst)
    return out


def _wacht_op_documenten(bron: dict[str, JsonValue], aanvraag_status: str) -> bool:
    if aanvraag_status == "wacht-op-burger":
        return True
    berichten = bron.get("berichten")
    if isinstance(berichten, list) and any(
        isinstance(b, dict) and b.get("bericht") in _WACHT_OP_DOCUMENTEN for b in berichten
    ):
        return True
    for naam in ("wacht_op", "wachtende_berichten", "wacht_op_berichten"):
        waarde = _zoek(bron, naam)
        waarden = waarde if isinstance(waarde, list) else [waarde]
        if any(isinstance(w, str) and w in _WACHT_OP_DOCUMENTEN for w in waarden):
            return True
    return False


def lees_voortgang(bron: dict[str, JsonValue] | None, aanvraag_status: str) -> Procesbeeld:
    """What the channels show of the process's progress (empty when there is none)."""
    if not bron:
        return Procesbeeld(termijnen=Termijnen(beslistermijn_einde=None, voorschot_vanaf=None))
    termijnen = Termijnen(
        beslistermijn_einde=_datum(_zoek(bron, "beslistermijn_einde")),
        voorschot_vanaf=_datum(_zoek(bron, "voorschot_vanaf")),
    )
    open_verzoeken: list[OpenVerzoek] = []
    hersteltermijn = _datum(_zoek(bron, "hersteltermijn_einde"))
    gevraagd = _documenten(_zoek(bron, "gevraagde_documenten"))
    if (hersteltermijn is not None or gevraagd) and _wacht_op_documenten(bron, aanvraag_status):
        open_verzoeken.append(
            OpenVerzoek(
                soort="documenten-aanleveren",
                omschrijving="Wij hebben stukken nodig om uw aanvraag te kunnen behandelen.",
                documenten=gevraagd,
                hersteltermijn_einde=hersteltermijn,
            )
        )
    bronnen = _zoek(bron, "bronnen")
    return Procesbeeld(
        termijnen=termijnen,
        open_verzoeken=open_verzoeken,
        bronnen=bronnen if isinstance(bronnen, list) else ([bronnen] if isinstance(bronnen, dict) else []),
        berekening=_zoek(bron, "berekening"),
    )

"""The simulated subscriber's routes: the webhook (the ZGW Notificaties consumer API) and its test controls.

- ``POST /abonnee/{naam}/callback``: a notification. 404 for an unknown subscriber; by mode 503 (offline), 500
  (kapot) or a late answer (traag); 401 without and 403 with another Authorization header than the one set; 400
  (``ValidatieFout``) for a body that is not a ``Notificatie`` of the official consumer API; else 204, the
  notification recorded once per ``id`` (a repeat only counts).
- ``PUT /abonnee/_abonnees/{naam}`` ``{"auth": "Bearer ...", "modus": "online", "vertragingS": 2}``: set up a
  subscriber or change its mode (switch it offline and back); ``GET`` shows it, ``DELETE`` forgets it and what it
  received.
- ``GET /abonnee/_ontvangen[?abonnee=naam]``: what arrived, per notification id with its count (``aantal``), and
  per subscriber every request made (``pogingen``, refused ones included); ``DELETE`` empties both.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from gbi_simulator.abonnee.store import Abonnee, AbonneeSimulator, Modus

__all__ = ["router"]

NAAM = r"^[a-z0-9][a-z0-9-]{0,49}$"
Naam = Annotated[str, Path(pattern=NAAM, description="Naam van de gesimuleerde abonnee")]
PROBLEM = "application/problem+json"

router = APIRouter(prefix="/abonnee", tags=["Abonnee (simulator)"])


class AbonneeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)

    auth: str | None = Field(default=None, max_length=2000, description="De Authorization-header die hij verwacht")
    modus: Modus = "online"
    vertraging_s: float = Field(default=2.0, ge=0, le=120)


def _sim(request: Request) -> AbonneeSimulator:
    sim: AbonneeSimulator = request.app.state.abonnee
    return sim


def _fout(request: Request, status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A ZGW ``Fout`` (or ``ValidatieFout`` with ``invalid-params``)."""
    body = {
        "type": f"https://gbi.test/simulator/abonnee/fouten/{code}",
        "code": code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _weergave(sim: AbonneeSimulator, abonnee: Abonnee) -> dict[str, Any]:
    return {
        "naam": abonnee.naam,
        "authIngesteld": abonnee.auth is not None,
        "modus": abonnee.modus,
        "vertragingS": abonnee.vertraging_s,
        "pogingen": sim.pogingen[abonnee.naam],
        "ontvangen": sum(1 for key in sim.ontvangen if key[0] == abonnee.naam),
    }


# --- test controls (declared first: ``_abonnees`` and ``_ontvangen`` are not subscriber names) ---------------------


@router.put("/_abonnees/{naam}", tags=["Simulator control"], summary="Stel een abonnee in (auth, modus)")
async def zet_abonnee(naam: Naam, body: AbonneeIn, request: Request) -> dict[str, Any]:
    sim = _sim(request)
    abonnee = Abonnee(naam, body.auth, body.modus, body.vertraging_s)
    sim.zet(abonnee)
    return _weergave(sim, abonnee)


@router.get("/_abonnees/{naam}", tags=["Simulator control"], summary="Een abonnee en zijn tellers")
async def abonnee(naam: Naam, request: Request) -> Response:
    sim = _sim(request)
    found = sim.abonnees.get(naam)
    if found is None:
        return _fout(request, 404, "not_found", "Niet gevonden", f"Geen abonnee {naam}")
    return JSONResponse(_weergave(sim, found))


@router.delete("/_abonnees/{naam}", status_code=204, tags=["Simulator control"], summary="Vergeet een abonnee")
async def verwijder_abonnee(naam: Naam, request: Request) -> Response:
    _sim(request).verwijder(naam)
    return Response(status_code=204)


@router.get("/_ontvangen", tags=["Simulator control"], summary="Wat er is aangekomen, per notificatie-id geteld")
async def ontvangen(request: Request, abonnee: Annotated[str | None, Query(pattern=NAAM)] = None) -> dict[str, Any]:
    return _sim(request).overzicht(abonnee)


@router.delete("/_ontvangen", status_code=204, tags=["Simulator control"], summary="Wis wat er is aangekomen")
async def wis_ontvangen(request: Request) -> Response:
    _sim(request).wis_ontvangen()
    return Response(status_code=204)


# --- the webhook --------------------------------------------------------------------------------------------------


@router.post(
    "/{naam}/callback",
    status_code=204,
    summary="Ontvang een notificatie (ZGW Notificaties consumer API)",
    responses={204: {"description": "Ontvangen"}},
)
async def callback(naam: Naam, request: Request) -> Response:
    sim = _sim(request)
    abonnee = sim.abonnees.get(naam)
    if abonnee is None:
        return _fout(request, 404, "not_found", "Niet gevonden", f"Geen abonnee {naam}")
    sim.pogingen[naam] += 1
    if abonnee.modus == "offline":
        return _fout(request, 503, "unavailable", "Niet beschikbaar", "De abonnee is offline")
    if abonnee.modus == "kapot":
        return _fout(request, 500, "error", "Interne fout", "De abonnee is stuk")
    raw = await request.body()
    if abonnee.modus == "traag":
        # Reads the notification, then takes its time: it may record it after the sender gave up waiting.
        await asyncio.sleep(abonnee.vertraging_s)
    if abonnee.auth is not None:
        given = request.headers.get("authorization")
        if given is None:
            return _fout(request, 401, "not_authenticated", "Niet geauthenticeerd", "Authorization ontbreekt")
        if given != abonnee.auth:
            return _fout(request, 403, "permission_denied", "Geen toegang", "Authorization klopt niet")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _fout(request, 400, "parse_error", "Ongeldige invoer", "Geen JSON", **{"invalid-params": []})
    problems = sim.fouten(body)
    if problems or not isinstance(body, dict):
        return _fout(
            request, 400, "invalid", "Ongeldige invoer", "Geen geldige Notificatie", **{"invalid-params": problems}
        )
    sim.ontvang(naam, body)
    return Response(status_code=204)

"""The Inlichtingenbureau signal service and the DJI detention query, as small JSON APIs (see ``protocol``).

Inlichtingenbureau: per gemeente a feed of signals about its inhabitants, oldest first, pulled with a since-cursor
(``na`` = the last volgnummer seen), and a search for one person's signals. DJI: detentions of one person that
overlap a period. Both require the protocollering headers, as the BRP and Suwinet do; errors are problem+json.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from gbi_simulator.bronnen.store import BronnenSimulator, FeedSignaal
from gbi_simulator.bronnen.suwinet import PROTOCOL_HEADERS

__all__ = ["MAX_AANTAL", "dji_router", "ib_router", "ib_signaal"]

MAX_AANTAL = 500
_GEMEENTE = re.compile(r"^[0-9]{4}$")
_BSN = re.compile(r"^[0-9]{9}$")
_HEADER_VALUE = re.compile(r"^[\x20-\x7e]{1,200}$")
_SOORT = {
    "inkomen": "INKOMEN",
    "voertuig": "VOERTUIG",
    "bankrekening-buitenland": "BANKREKENING_BUITENLAND",
    "detentie": "DETENTIE",
    "verblijf-buitenland": "VERBLIJF_BUITENLAND",
}
_TITEL = {
    "voorlopige-hechtenis": "VOORLOPIGE_HECHTENIS",
    "gevangenisstraf": "GEVANGENISSTRAF",
    "vervangende-hechtenis": "VERVANGENDE_HECHTENIS",
    "tbs": "TBS",
}

ib_router = APIRouter(prefix="/inlichtingenbureau/api/v1", tags=["Inlichtingenbureau"])
dji_router = APIRouter(prefix="/dji/api/v1", tags=["DJI"])


def _sim(request: Request) -> BronnenSimulator:
    sim: BronnenSimulator = request.app.state.bronnen
    return sim


def _problem(status: int, detail: str, param: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "title": "Ongeldig verzoek" if status == 400 else "Fout",
        "status": status,
        "detail": detail,
    }
    if param:
        body["invalidParams"] = [{"name": param, "reason": detail}]
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _protocol(request: Request) -> Response | None:
    missing = [h for h in PROTOCOL_HEADERS if not _HEADER_VALUE.match(request.headers.get(h, ""))]
    if missing:
        return _problem(400, f"Verplichte protocolleringsheader ontbreekt: {', '.join(missing)}", missing[0])
    return None


async def _json(request: Request) -> dict[str, Any] | Response:
    try:
        body = json.loads(await request.body())
    except ClientDisconnect:  # the caller gave up (a "traag" fault outlasting its timeout)
        return Response(status_code=499)
    except ValueError:
        return _problem(400, "Het verzoek is geen geldige JSON")
    if not isinstance(body, dict):
        return _problem(400, "Het verzoek is geen JSON-object")
    return body


def ib_signaal(item: FeedSignaal) -> dict[str, Any]:
    s = item.signaal
    out: dict[str, Any] = {
        "volgnummer": item.volgnummer,
        "signaalId": item.signaal_id,
        "bsn": s.bsn,
        "signaalsoort": _SOORT[s.soort],
        "periodeBegin": s.begin.isoformat(),
        "periodeEinde": s.einde.isoformat() if s.einde else None,
        "datumLevering": s.geleverd.isoformat(),
        "omschrijving": s.omschrijving,
    }
    for key, value in (
        ("bedragCent", s.bedrag),
        ("kenteken", s.kenteken),
        ("landcode", s.land),
        ("instantie", s.instantie),
    ):
        if value is not None:
            out[key] = value
    return out


@ib_router.get("/gemeenten/{gemeente}/signalen", summary="De signalen van een gemeente, na een volgnummer")
async def ib_feed(request: Request, gemeente: str) -> Response:
    sim = _sim(request)
    if (storing := await sim.storingen.toepassen("ib")) is not None:
        return storing
    if (fout := _protocol(request)) is not None:
        return fout
    if not _GEMEENTE.match(gemeente):
        return _problem(400, "gemeente is een CBS-code van 4 cijfers", "gemeente")
    try:
        na = int(request.query_params.get("na", "0"))
        aantal = int(request.query_params.get("aantal", "100"))
    except ValueError:
        return _problem(400, "na en aantal zijn gehele getallen", "na")
    if na < 0 or not 1 <= aantal <= MAX_AANTAL:
        return _problem(400, f"na >= 0 en aantal tussen 1 en {MAX_AANTAL}", "aantal")
    feed = [item for item in sim.bronnen.feed(gemeente) if item.volgnummer > na]
    page = feed[:aantal]
    return JSONResponse(
        {
            "gemeente": gemeente,
            "signalen": [ib_signaal(item) for item in page],
            "laatsteVolgnummer": page[-1].volgnummer if page else None,
            "meer": len(feed) > len(page),
        }
    )


@ib_router.post("/gemeenten/{gemeente}/signalen/zoeken", summary="De signalen over een persoon")
async def ib_zoek(request: Request, gemeente: str) -> Response:
    sim = _sim(request)
    if (storing := await sim.storingen.toepassen("ib")) is not None:
        return storing
    if (fout := _protocol(request)) is not None:
        return fout
    if not _GEMEENTE.match(gemeente):
        return _problem(400, "gemeente is een CBS-code van 4 cijfers", "gemeente")
    body = await _json(request)
    if isinstance(body, Response):
        return body
    bsn = body.get("bsn")
    if not isinstance(bsn, str) or not _BSN.match(bsn):
        return _problem(400, "bsn moet 9 cijfers zijn", "bsn")
    signalen = [ib_signaal(item) for item in sim.bronnen.feed(gemeente) if item.signaal.bsn == bsn]
    return JSONResponse({"gemeente": gemeente, "signalen": signalen})


@dji_router.post("/detenties/zoeken", summary="Detenties van een persoon in een periode")
async def dji_zoek(request: Request) -> Response:
    sim = _sim(request)
    if (storing := await sim.storingen.toepassen("dji")) is not None:
        return storing
    if (fout := _protocol(request)) is not None:
        return fout
    body = await _json(request)
    if isinstance(body, Response):
        return body
    bsn = body.get("bsn")
    if not isinstance(bsn, str) or not _BSN.match(bsn):
        return _problem(400, "bsn moet 9 cijfers zijn", "bsn")
    try:
        van = date.fromisoformat(str(body["periodeVan"]))
        tot = date.fromisoformat(str(body["periodeTot"]))
    except (KeyError, ValueError):
        return _problem(400, "periodeVan en periodeTot zijn datums (JJJJ-MM-DD)", "periodeVan")
    if tot <= van:
        return _problem(400, "periodeTot ligt na periodeVan (exclusief)", "periodeTot")
    feiten = sim.bronnen.feiten(bsn)
    today = sim.bronnen.today()
    detenties = []
    for d in feiten.detenties if feiten else []:
        einde = d.ontslag or today + timedelta(days=1)
        if d.insluiting > today or d.insluiting >= tot or einde <= van:
            continue
        detenties.append(
            {
                "detentieId": d.detentie_id,
                "datumInsluiting": d.insluiting.isoformat(),
                "datumOntslag": d.ontslag.isoformat() if d.ontslag else None,
                "inrichting": d.inrichting,
                "titel": _TITEL[d.titel],
            }
        )
    return JSONResponse({"detenties": detenties})

"""All routes of the simulated sources in one router, plus their test controls under ``/simulator/bronnen``."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from gbi_simulator.bronnen.feiten import Signaal
from gbi_simulator.bronnen.ib import dji_router, ib_router, ib_signaal
from gbi_simulator.bronnen.profielen import PROFIELEN
from gbi_simulator.bronnen.store import BronnenSimulator
from gbi_simulator.bronnen.storingen import BronNaam, Modus, Storing
from gbi_simulator.bronnen.suwinet import router as suwinet_router

__all__ = ["router"]

control = APIRouter(prefix="/simulator/bronnen", tags=["Simulator control"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


class StoringIn(_In):
    modus: Modus
    aantal: int | None = Field(default=None, ge=1, le=1000, description="Alleen de volgende n verzoeken")
    vertraging_s: float = Field(default=2.0, ge=0, le=60)


class SignaalIn(_In):
    """A new Inlichtingenbureau signal about a BRP test person (joins the feed of the person's gemeente)."""

    bsn: str = Field(pattern=r"^[0-9]{9}$")
    soort: Literal["inkomen", "voertuig", "bankrekening-buitenland", "detentie", "verblijf-buitenland"]
    begin: date
    einde: date | None = None
    omschrijving: str = Field(min_length=1, max_length=200)
    bedrag_cent: int | None = Field(default=None, ge=0)
    kenteken: str | None = Field(default=None, pattern=r"^[A-Z0-9]{6}$")
    land: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    instantie: str | None = Field(default=None, max_length=200)


def _sim(request: Request) -> BronnenSimulator:
    sim: BronnenSimulator = request.app.state.bronnen
    return sim


@control.get("/storingen", summary="Faults per source and the number of requests each received")
async def get_storingen(request: Request) -> dict[str, Any]:
    return _sim(request).storingen.overzicht()


@control.put("/storingen/{bron}", summary="Disturb a source (niet-beschikbaar, fwi, traag, onbruikbaar)")
async def put_storing(bron: BronNaam, body: StoringIn, request: Request) -> dict[str, Any]:
    _sim(request).storingen.zet(bron, Storing(body.modus, body.aantal, body.vertraging_s))
    return _sim(request).storingen.overzicht()[bron]


@control.delete("/storingen/{bron}", status_code=204, summary="End the fault of a source")
async def delete_storing(bron: BronNaam, request: Request) -> Response:
    _sim(request).storingen.wis(bron)
    return Response(status_code=204)


@control.delete("/storingen", status_code=204, summary="End every fault and reset the request counters")
async def delete_storingen(request: Request) -> Response:
    _sim(request).storingen.wis()
    return Response(status_code=204)


@control.post("/ib-signalen", status_code=201, summary="Deliver a new Inlichtingenbureau signal")
async def post_signaal(body: SignaalIn, request: Request) -> dict[str, Any]:
    bronnen = _sim(request).bronnen
    signaal = Signaal(
        body.bsn,
        body.soort,
        body.begin,
        body.einde,
        bronnen.today(),
        body.omschrijving,
        bedrag=body.bedrag_cent,
        kenteken=body.kenteken,
        land=body.land,
        instantie=body.instantie,
    )
    try:
        item = bronnen.voeg_signaal_toe(signaal)
    except KeyError as exc:
        raise HTTPException(404, "Deze persoon staat niet in de BRP-testgegevens") from exc
    return {"gemeente": item.gemeente, **ib_signaal(item)}


@control.delete("/ib-signalen", status_code=204, summary="Forget the signals delivered through this control")
async def delete_signalen(request: Request) -> Response:
    _sim(request).bronnen.wis_toegevoegde_signalen()
    return Response(status_code=204)


@control.get("/personen", summary="The hand-picked test persons and their story in the sources")
async def get_personen() -> list[dict[str, str]]:
    return [{"bsn": p.bsn, "naam": p.naam, "gemeente": p.gemeente, "verhaal": p.verhaal} for p in PROFIELEN.values()]


# The app includes the sources' routers side by side, the control routes after the hot ones of every API (one
# level of included routers less to match a request through than the combined ``router``, which stays for whoever
# wants the sources as one router).
routers = (suwinet_router, ib_router, dji_router)
router = APIRouter()
for _router in (*routers, control):
    router.include_router(_router)

"""Internal API of the web pages' store, under ``/internal/data/v1``, for GBI services only (the interaction layer).

Sessions are addressed by the SHA-256 (hex) of their cookie value; the idle limit is enforced in the store's query
and a caller may only shorten it (``idleS`` at most 900 seconds). Drafts belong to the gemeente of the caller's
context (row-level security) and a BSN.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from gbi_data.api import PREFIX, DataRoute, TenantScope
from gbi_data.database import Database
from gbi_data.interactie import repository as store
from gbi_shared import PROBLEM_RESPONSES, ActorType, NotFoundError, require_roles

__all__ = ["router"]

MAX_IDLE_S = 900
CONCEPT_TTL_S = 30 * 24 * 3600

router = APIRouter(
    prefix=PREFIX,
    responses=PROBLEM_RESPONSES,
    route_class=DataRoute,
    dependencies=[Depends(require_roles(actor_types=[ActorType.SERVICE]))],
    tags=["interactie"],
)

Sleutel = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 (hex) van de cookiewaarde")]
IdleS = Annotated[int, Query(alias="idleS", ge=60, le=MAX_IDLE_S)]
Bsn = Annotated[str, Path(pattern=r"^[0-9]{9}$")]
Soort = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{0,39}$")]


class WebSessieIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    gegevens: dict[str, Any]
    verloopt_op: datetime | None = Field(default=None, alias="verlooptOp")


class WebSessieUit(BaseModel):
    gegevens: dict[str, Any]


class ConceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gegevens: dict[str, Any]


class Opgeruimd(BaseModel):
    sessies: int
    concepten: int


def _database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


def _nu() -> datetime:
    return datetime.now(UTC)


@router.get("/web-sessies/{sleutel}", response_model=WebSessieUit)
def lees_web_sessie(request: Request, sleutel: Sleutel, idle_s: IdleS = MAX_IDLE_S) -> WebSessieUit:
    """The live session (its inactivity clock restarted); 404 when unknown or ended (then it is deleted)."""
    with _database(request).transaction(gemeente=None) as session:
        gegevens = store.sessie_lees(session, sleutel, nu=_nu(), idle_s=idle_s)
    if gegevens is None:
        raise NotFoundError("Sessie niet gevonden of verlopen")
    return WebSessieUit(gegevens=gegevens)


@router.put("/web-sessies/{sleutel}", status_code=status.HTTP_204_NO_CONTENT)
def bewaar_web_sessie(request: Request, sleutel: Sleutel, body: WebSessieIn) -> Response:
    with _database(request).transaction(gemeente=None) as session:
        store.sessie_bewaar(session, sleutel, body.gegevens, verloopt_op=body.verloopt_op, nu=_nu())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/web-sessies/{sleutel}", status_code=status.HTTP_204_NO_CONTENT)
def verwijder_web_sessie(request: Request, sleutel: Sleutel) -> Response:
    with _database(request).transaction(gemeente=None) as session:
        store.sessie_verwijder(session, sleutel)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/web-sessies:opruimen", response_model=Opgeruimd)
def ruim_op(tenant: TenantScope, idle_s: IdleS = MAX_IDLE_S) -> Opgeruimd:
    """Delete every ended session and the caller's gemeente's expired drafts."""
    sessies, concepten = store.opruimen(tenant.session, nu=_nu(), idle_s=idle_s)
    return Opgeruimd(sessies=sessies, concepten=concepten)


@router.get("/web-concepten/{bsn}/{soort}", response_model=ConceptIn)
def lees_concept(tenant: TenantScope, bsn: Bsn, soort: Soort) -> ConceptIn:
    gegevens = store.concept_lees(tenant.session, tenant.gemeente, bsn, soort, nu=_nu())
    if gegevens is None:
        raise NotFoundError("Geen concept")
    return ConceptIn(gegevens=gegevens)


@router.put("/web-concepten/{bsn}/{soort}", status_code=status.HTTP_204_NO_CONTENT)
def bewaar_concept(tenant: TenantScope, bsn: Bsn, soort: Soort, body: ConceptIn) -> Response:
    store.concept_bewaar(tenant.session, tenant.gemeente, bsn, soort, body.gegevens, nu=_nu(), ttl_s=CONCEPT_TTL_S)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/web-concepten/{bsn}/{soort}", status_code=status.HTTP_204_NO_CONTENT)
def verwijder_concept(tenant: TenantScope, bsn: Bsn, soort: Soort) -> Response:
    store.concept_verwijder(tenant.session, tenant.gemeente, bsn, soort)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

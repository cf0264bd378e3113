"""Routes of the payment run in the process layer.

Public (``/api/v1``, through the gateway):

- ``POST /api/v1/betaalruns``: a beheerder of a gemeente starts the run of a month for that gemeente
  (``Idempotency-Key`` required: the same key gives the same run, never a second one); 202 with the run.
- ``GET /api/v1/betaalruns/{betaalrunId}``: status and voortgang (gedaan / totaal); staff see their own gemeente.
- ``GET``/``PUT /api/v1/betaalrekening``: the payer account of the caller's gemeente (the debtor of its SEPA
  files); a beheerder registers or changes it, beheerder, teamleider and auditor read it.
- ``GET /api/v1/uitkeringsspecificaties``: a citizen's payment specifications (their own BSN, from the token), or
  for staff (klantmanager, inkomensconsulent) those of ``bsn`` in their gemeente.

Internal (GBI services only): ``POST /internal/process/v1/betaalruns`` starts a run over any set of gemeenten (all
active gemeenten when none are named): the national run, for an operator's scheduler.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from pydantic import Field

from gbi_process.betaalrun.runner import DATA, BetaalrunWorker
from gbi_shared import (
    PROBLEM_RESPONSES,
    ActorType,
    BadRequestError,
    ForbiddenError,
    GatewayClient,
    NotFoundError,
    RequestContext,
    current_context,
    require_roles,
)
from gbi_shared.contracts.betaalrekening import Betaalrekening, BetaalrekeningWijziging
from gbi_shared.contracts.betaalrun import Betaalrun, BetaalrunNieuw, BetaalrunVerzoek, UitkeringsspecificatieLijst
from gbi_shared.contracts.common import CamelModel

__all__ = ["internal_router", "public_router"]

public_router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)
internal_router = APIRouter(prefix="/internal/process/v1", responses=PROBLEM_RESPONSES, tags=["betaalruns"])

STARTEN = ("beheerder",)
INZIEN = ("beheerder", "teamleider", "auditor")
Ctx = Annotated[RequestContext, Depends(current_context)]
IdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
]
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _gateway(request: Request) -> GatewayClient:
    gateway: GatewayClient = request.app.state.gateway
    return gateway


def _wake(request: Request) -> None:
    worker: BetaalrunWorker | None = getattr(request.app.state, "betaalrun_worker", None)
    if worker is not None:
        worker.wake()


Gateway = Annotated[GatewayClient, Depends(_gateway)]


def _standaard_betaaldatum(maand: str) -> date:
    """The 25th of the month before the paid month: bijstand is paid in advance of the month (gemeente practice)."""
    eerste = date.fromisoformat(maand + "-01")
    return (eerste - timedelta(days=1)).replace(day=25)


async def _maak(
    gateway: GatewayClient, maand: str, gemeenten: list[str], betaaldatum: date | None, key: str, response: Response
) -> Betaalrun:
    try:
        standaard = _standaard_betaaldatum(maand)
    except (ValueError, OverflowError):
        # The pattern lets through months the calendar does not have (year 0000; 0001-01 has no 25th before it).
        raise BadRequestError.for_field("maand", "Geen bestaande maand") from None
    body = BetaalrunNieuw(maand=maand, gemeenten=gemeenten, betaaldatum=betaaldatum or standaard)
    # The process layer records the run as itself (the data service's run routes are for GBI services only); the
    # caller was checked before, and the key carries their gemeente.
    resp = await gateway.request(
        "POST", f"{DATA}/betaalruns", json_body=body, headers={"Idempotency-Key": key}, as_service=True
    )
    if resp.headers.get("Idempotent-Replayed") == "true":
        response.headers["Idempotent-Replayed"] = "true"
    return Betaalrun.model_validate_json(resp.body)


@public_router.post(
    "/betaalruns",
    summary="Start de betaalrun van een maand voor de eigen gemeente",
    description=(
        "Berekent voor elke lopende uitkering het bedrag van de maand (normen per 1 januari en 1 juli, inkomsten, "
        "vakantietoeslag, voorschotten, maatregelen), legt de betalingen vast (nooit twee keer per uitkering en "
        "maand), maakt het SEPA-bestand (pain.001.001.03) en het journaal. Antwoordt meteen (202); volg de "
        "voortgang met GET. Dezelfde Idempotency-Key geeft dezelfde betaalrun. Alleen een beheerder van de gemeente."
    ),
    status_code=status.HTTP_202_ACCEPTED,
    tags=["Betaalruns"],
    operation_id="startBetaalrun",
    responses={
        409: {"description": "Idempotency-Key al gebruikt voor een ander verzoek", "content": _PROBLEM},
        422: {"description": "De gemeente heeft geen betaalrekening", "content": _PROBLEM},
    },
)
async def start_betaalrun(
    body: BetaalrunVerzoek,
    ctx: Ctx,
    gateway: Gateway,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey,
) -> Betaalrun:
    if ctx.actor_type is not ActorType.MEDEWERKER or not ctx.has_role(*STARTEN) or not ctx.gemeente:
        raise ForbiddenError("Alleen een beheerder van de gemeente start een betaalrun")
    if body.gemeente is not None and body.gemeente != ctx.gemeente:
        raise ForbiddenError("Alleen de betaalrun van de eigen gemeente")
    # The key is scoped to the gemeente, so two gemeenten can never collide on it.
    run = await _maak(
        gateway, body.maand, [ctx.gemeente], body.betaaldatum, f"{ctx.gemeente}:{idempotency_key}", response
    )
    _wake(request)
    return run


def _eigen_deel(run: Betaalrun, ctx: RequestContext) -> Betaalrun:
    if ctx.actor_type is ActorType.SERVICE:
        return run
    delen = [d for d in run.gemeenten if d.gemeente == ctx.gemeente]
    if not delen:
        raise NotFoundError("Deze betaalrun bestaat niet")
    return run.model_copy(update={"gemeenten": delen, "totaal": delen[0].totaal, "gedaan": delen[0].gedaan})


@public_router.get(
    "/betaalruns/{betaalrunId}",
    summary="Status en voortgang van een betaalrun",
    description="Gedaan / totaal per gemeente, het SEPA-controletotaal als het bestand er is. Medewerkers zien het "
    "deel van hun eigen gemeente (beheerder, teamleider, auditor).",
    tags=["Betaalruns"],
    operation_id="getBetaalrun",
)
async def lees_betaalrun(
    ctx: Ctx, gateway: Gateway, betaalrun_id: Annotated[uuid.UUID, Path(alias="betaalrunId")]
) -> Betaalrun:
    if ctx.actor_type is not ActorType.SERVICE and not (
        ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role(*INZIEN)
    ):
        raise ForbiddenError("U heeft geen rol die dit mag")
    resp = await gateway.request("GET", f"{DATA}/betaalruns/{betaalrun_id}", as_service=True)
    return _eigen_deel(Betaalrun.model_validate_json(resp.body), ctx)


@public_router.get(
    "/uitkeringsspecificaties",
    summary="Uitkeringsspecificaties: wat per maand is betaald en hoe het bedrag is opgebouwd",
    description=(
        "Een burger ziet de eigen specificaties (BSN uit DigiD); een klantmanager of inkomensconsulent die van een "
        "klant van de eigen gemeente (bsn verplicht). Nieuwste maand eerst."
    ),
    tags=["Uitkeringsspecificaties"],
    operation_id="listUitkeringsspecificaties",
)
async def specificaties(
    ctx: Ctx,
    gateway: Gateway,
    bsn: Annotated[str | None, Query(pattern=r"^[0-9]{9}$", description="Alleen voor medewerkers")] = None,
    limit: Annotated[int, Query(ge=1, le=120, description="Hoogstens zoveel maanden")] = 24,
) -> UitkeringsspecificatieLijst:
    if ctx.actor_type is ActorType.BURGER and ctx.bsn:
        if bsn is not None and bsn != ctx.bsn:
            raise ForbiddenError("Alleen uw eigen specificaties")
        gemeenten = await _gemeenten(gateway)
        alle: list[Any] = []
        for g in gemeenten:
            resp = await gateway.request(
                "GET",
                f"{DATA}/uitkeringsspecificaties",
                params={"bsn": ctx.bsn, "limit": str(limit)},
                gemeente=g,
                as_service=True,
            )
            alle.extend(UitkeringsspecificatieLijst.model_validate_json(resp.body).specificaties)
        alle.sort(key=lambda s: (s.maand, s.id), reverse=True)
        return UitkeringsspecificatieLijst(specificaties=alle[:limit])
    if ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role("klantmanager", "inkomensconsulent") and ctx.gemeente:
        if bsn is None:
            raise BadRequestError.for_field("bsn", "verplicht voor medewerkers")
        resp = await gateway.request("GET", f"{DATA}/uitkeringsspecificaties", params={"bsn": bsn, "limit": str(limit)})
        return UitkeringsspecificatieLijst.model_validate_json(resp.body)
    raise ForbiddenError("U heeft geen rol die dit mag")


async def _gemeenten(gateway: GatewayClient) -> list[str]:
    resp = await gateway.request("GET", f"{DATA}/gemeenten", as_service=True)
    return [g["code"] for g in resp.json()["items"] if g.get("actief", True)]


class BetaalrunOpdracht(CamelModel):
    maand: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")
    gemeenten: list[str] | None = Field(default=None, max_length=400, description="Leeg: alle actieve gemeenten")
    betaaldatum: date | None = None


@internal_router.post(
    "/betaalruns",
    summary="Start a payment run over several gemeenten (GBI services only)",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Betaalrun,
    dependencies=[Depends(require_roles(actor_types=[ActorType.SERVICE]))],
)
async def start_betaalrun_intern(
    body: BetaalrunOpdracht, gateway: Gateway, request: Request, response: Response, idempotency_key: IdempotencyKey
) -> Betaalrun:
    gemeenten = body.gemeenten or await _gemeenten(gateway)
    run = await _maak(gateway, body.maand, gemeenten, body.betaaldatum, f"gbi:{idempotency_key}", response)
    _wake(request)
    return run


# --- the gemeente's payer account (the debtor of its SEPA files) ----------------------------------------------------


def _beheer(ctx: RequestContext, roles: tuple[str, ...]) -> str:
    if ctx.actor_type is not ActorType.MEDEWERKER or not ctx.has_role(*roles) or not ctx.gemeente:
        raise ForbiddenError("U heeft geen rol die dit mag")
    return ctx.gemeente


@public_router.get(
    "/betaalrekening",
    summary="De betaalrekening van de eigen gemeente",
    description="De rekening waarvan de betaalrun van de gemeente betaalt (de debiteur van het SEPA-bestand). "
    "Medewerkers met de rol beheerder, teamleider of auditor; 404 als de gemeente er nog geen heeft vastgelegd.",
    tags=["Betaalruns"],
    operation_id="getBetaalrekening",
)
async def lees_betaalrekening(ctx: Ctx, gateway: Gateway) -> Betaalrekening:
    gemeente = _beheer(ctx, INZIEN)
    resp = await gateway.request("GET", f"{DATA}/betaalrekeningen/{gemeente}", gemeente=gemeente, as_service=True)
    return Betaalrekening.model_validate_json(resp.body)


@public_router.put(
    "/betaalrekening",
    summary="Leg de betaalrekening van de eigen gemeente vast of wijzig die (beheerder)",
    description=(
        "Vervangt de hele rekening: een Nederlands IBAN (controlegetal mod 97; spaties en kleine letters mogen), een "
        "BIC (optioneel), de naam van de rekeninghouder (hoogstens 70 tekens uit de SEPA-tekenset) en een "
        "toelichting. Dezelfde rekening nog eens verandert niets. Elke wijziging staat in het verwerkingenlogboek "
        "van de gemeente. Niet terwijl een betaalrun van de gemeente loopt en zijn SEPA-bestand nog niet heeft "
        "(409). Fouten noemen het veld (invalidParams)."
    ),
    tags=["Betaalruns"],
    operation_id="putBetaalrekening",
    responses={409: {"description": "Er loopt een betaalrun van de gemeente", "content": _PROBLEM}},
)
async def zet_betaalrekening(body: BetaalrekeningWijziging, ctx: Ctx, gateway: Gateway) -> Betaalrekening:
    gemeente = _beheer(ctx, STARTEN)
    # The beheerder's own context goes along: the data service checks the role again and audits the beheerder.
    resp = await gateway.request("PUT", f"{DATA}/betaalrekeningen/{gemeente}", json_body=body, gemeente=gemeente)
    return Betaalrekening.model_validate_json(resp.body)

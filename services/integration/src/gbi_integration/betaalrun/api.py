"""Internal route: write the SEPA file and journal of a payment run for one gemeente and store them (data service).

``POST /internal/integration/v1/betaalruns/{betaalrunId}/bestanden`` with ``{gemeente}`` (and ``GBI-Gemeente``):
reads the gemeente's account and the run's payments from the data service in pages, writes pain.001.001.03,
builds and reconciles the journal, stores both (gzip) and answers ``{messageId, aantal, totaalCents}``. Repeating it
gives the same files (the MsgId is derived from the run), so a resumed run never makes a second, different file.

No request waits for a whole file: the work runs as a job of this process, and a request waits for it at most
``WACHT_S`` seconds. A job not done by then answers ``202 {status: "bezig"}``; the caller asks again with the same
request (the same job, not a second one) until it gets the ``200`` with the result. A job that failed answers its
error once and is forgotten, so the next request starts afresh; after a restart of this process the next request
starts a new job (the files come out the same). A gemeente of 110,000 payments so never meets a gateway timeout.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import Field

from gbi_integration.bank import Debtor
from gbi_integration.betaalrun.bestanden import Bestanden, Betaalregel, maak_bestanden
from gbi_shared import PROBLEM_RESPONSES, ActorType, ForbiddenError, GatewayClient, RequestContext, require_roles
from gbi_shared.contracts.common import CamelModel
from gbi_shared.gc_pauze import gc_gepauzeerd

__all__ = ["router"]

router = APIRouter(prefix="/internal/integration/v1", responses=PROBLEM_RESPONSES, tags=["betaalruns"])
DATA = "/internal/data/v1"
PAGE = 10_000
WACHT_S = 10.0  # how long one request waits for the job before it answers 202
Service = Annotated[RequestContext, Depends(require_roles(actor_types=[ActorType.SERVICE]))]


class BestandenVerzoek(CamelModel):
    gemeente: str = Field(pattern=r"^[0-9]{4}$")


class BestandenAntwoord(CamelModel):
    message_id: str
    aantal: int
    totaal_cents: int


def _message_id(run_id: uuid.UUID, gemeente: str) -> str:
    return f"GBI-{gemeente}-{run_id.hex[:24].upper()}"


class BestandenBezig(CamelModel):
    status: str = "bezig"


def _jobs(request: Request) -> dict[tuple[uuid.UUID, str], asyncio.Task[BestandenAntwoord]]:
    jobs: dict[tuple[uuid.UUID, str], asyncio.Task[BestandenAntwoord]] | None = getattr(
        request.app.state, "betaalrun_bestanden", None
    )
    if jobs is None:
        jobs = request.app.state.betaalrun_bestanden = {}
    return jobs


@router.post(
    "/betaalruns/{betaalrunId}/bestanden",
    response_model=BestandenAntwoord,
    responses={202: {"model": BestandenBezig, "description": "Nog bezig: vraag het zo opnieuw"}},
)
async def maak(
    run_id: Annotated[uuid.UUID, Path(alias="betaalrunId")],
    body: BestandenVerzoek,
    ctx: Service,
    request: Request,
) -> Any:
    if ctx.gemeente != body.gemeente:
        raise ForbiddenError("GBI-Gemeente en gemeente verschillen")
    gateway: GatewayClient = request.app.state.gateway
    jobs = _jobs(request)
    key = (run_id, body.gemeente)
    job = jobs.get(key)
    if job is None:
        job = jobs[key] = asyncio.create_task(_maak_bestanden(gateway, run_id, body.gemeente))
    # asyncio.wait neither cancels the job (a caller that goes away leaves it running) nor confuses this request's
    # wait running out with a job that itself failed with a TimeoutError (an upstream timeout while reading).
    await asyncio.wait({job}, timeout=WACHT_S)
    if not job.done():
        return Response(BestandenBezig().model_dump_json(), status_code=202, media_type="application/json")
    jobs.pop(key, None)  # delivered or failed: the next request starts afresh
    return job.result()  # raises the job's own error, once


async def _maak_bestanden(gateway: GatewayClient, run_id: uuid.UUID, g: str) -> BestandenAntwoord:
    rekening = (await gateway.request("GET", f"{DATA}/betaalrekeningen/{g}", gemeente=g, as_service=True)).json()
    regels: list[Betaalregel] = []
    after = 0
    maand = betaaldatum = None
    while True:
        resp = await gateway.request(
            "GET",
            f"{DATA}/betaalruns/{run_id}/betalingen",
            params={"after": str(after), "limit": str(PAGE)},
            gemeente=g,
            as_service=True,
            timeout_s=120.0,
        )
        page: dict[str, Any] = orjson.loads(resp.body)
        maand, betaaldatum = page["maand"], page["betaaldatum"]
        rows = page["betalingen"]
        regels.extend(Betaalregel(r[0], r[2], r[3], r[4], r[5], r[6]) for r in rows)
        if len(rows) < PAGE:
            break
        after = rows[-1][0]
    if maand is None or betaaldatum is None:  # pragma: no cover - the loop runs at least once
        raise RuntimeError("no page read")
    debtor = Debtor(gemeente_code=g, name=rekening["naam"], iban=rekening["iban"], bic=rekening.get("bic"))
    eerste = date.fromisoformat(maand + "-01")
    uitvoering = date.fromisoformat(betaaldatum)
    # CreDtTm: the start of the execution day's eve is not known here; the run's betaaldatum at midnight UTC keeps
    # the file deterministic (the same run gives the same bytes) and never later than the execution date.
    created_at = datetime.combine(uitvoering, time(0, 0), tzinfo=UTC)
    if not regels:
        return BestandenAntwoord(message_id=_message_id(run_id, g), aantal=0, totaal_cents=0)

    def schrijf() -> Bestanden:
        # The file, the journal and the reconciliation hold every payment of the gemeente as objects without
        # reference cycles: the collector paused (nesting across jobs) spares it rescanning them (~8% of the work).
        with gc_gepauzeerd():
            return maak_bestanden(
                debtor, eerste, uitvoering, regels, message_id=_message_id(run_id, g), created_at=created_at
            )

    bestanden = await anyio.to_thread.run_sync(schrijf)
    await gateway.request(
        "POST",
        f"{DATA}/betaalruns/{run_id}/bestanden:batch",
        json_body={
            "bestanden": [
                {
                    "soort": "pain.001",
                    "messageId": bestanden.message_id,
                    "aantal": bestanden.aantal,
                    "totaalCents": bestanden.totaal_cents,
                    "sha256": bestanden.pain001_sha256,
                    "inhoudGzip": base64.b64encode(bestanden.pain001_gzip).decode(),
                },
                {
                    "soort": "journaal",
                    "messageId": bestanden.message_id,
                    "aantal": bestanden.aantal,
                    "totaalCents": bestanden.totaal_cents,
                    "sha256": bestanden.journaal_sha256,
                    "inhoudGzip": base64.b64encode(bestanden.journaal_gzip).decode(),
                },
            ]
        },
        gemeente=g,
        as_service=True,
        timeout_s=120.0,
    )
    return BestandenAntwoord(
        message_id=bestanden.message_id, aantal=bestanden.aantal, totaal_cents=bestanden.totaal_cents
    )

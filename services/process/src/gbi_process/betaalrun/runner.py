"""The payment run as a transaction of its own: a worker claims a running betaalrun and pays it, gemeente by gemeente.

Per gemeente, three stages run as a pipeline over chunks of uitkeringen (bounded queues, so memory stays flat)::

    data   GET  /internal/data/v1/betaalruns/{id}/werk?after=...      uitkeringen without a payment this month
    domain POST /internal/domain/v1/betaalrun/bedragen:batch           the month's amounts of the chunk
    data   POST /internal/data/v1/betaalruns/{id}/betalingen:batch     COPY into betalingen (unique per month)

then the integration layer writes the gemeente's SEPA file and journal (``.../betaalruns/{id}/bestanden``, a job
there: asked again while it answers 202).

Idempotent and resumable without a cursor: the data service hands out only uitkeringen that have no payment for
the month, and ``UNIQUE (uitkering_id, maand)`` refuses a second one. A worker that dies (kill -9, redeploy) leaves
its lease to expire; the next claim resumes the run and pays only what was not committed. Progress (done / total)
is counted by the data service in the same transaction that stores each chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

from gbi_shared import GatewayClient, NotFoundError, ServiceError, ServiceUnavailableError

__all__ = ["BetaalrunWorker", "RunResultaat", "betaal_run"]

log = logging.getLogger("gbi.process.betaalrun")

DATA = "/internal/data/v1"
DOMAIN = "/internal/domain/v1"
INTEGRATION = "/internal/integration/v1"
CHUNK = 5000
#: Gemeenten whose payments are computed at the same time, largest first: two keep the domain layer busy (one
#: chunk computed while the other's answer travels on) and let the largest gemeenten finish early, so their SEPA
#: files are written while the rest is computed. Three made the largest three finish last, together.
GEMEENTEN_TEGELIJK = 2
#: Gemeenten whose SEPA file and journal are written at the same time (each is held in memory while written).
BESTANDEN_TEGELIJK = 2
LEASE_S = 15
POLL_S = 2.0
STANDAARD_UITBETALINGSMAAND = 6  # Pw 19 lid 3 and common practice: June, when the gemeente has no policy recorded
_TIMEOUT_S = 120.0
BESTAND_POLL_S = 0.2
#: How long one claim of a run waits for a gemeente's files before it gives the run back (a job that hangs must not
#: keep the lease, renewed each round, for ever); the next claim asks again, which starts a fresh job if needed.
BESTAND_DEADLINE_S = 1800.0


def worker_id() -> str:
    return f"betaalrun-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@dataclass
class RunResultaat:
    betaald: int = 0
    fouten: list[dict[str, str]] = field(default_factory=list)


async def _uitbetalingsmaand(gateway: GatewayClient, gemeente: str, maand: str) -> int:
    """The month the gemeente pays out the reserved vakantietoeslag (local policy ``vakantiegeld`` in force)."""
    try:
        resp = await gateway.request(
            "GET",
            "/api/v1/beleid/vakantiegeld",
            params={"peildatum": f"{maand}-01"},
            gemeente=gemeente,
            as_service=True,
        )
    except NotFoundError:
        return STANDAARD_UITBETALINGSMAAND
    return int(resp.json()["inhoud"]["uitbetalingsmaand"])


def _werk_kop(headers: Any, body: bytes) -> tuple[int, str | None]:
    """The number of rows and the last uitkering id of a werk answer (from its headers; parsed from the body when
    they are missing, e.g. an older data service)."""
    aantal, laatste = headers.get("GBI-Aantal"), headers.get("GBI-Laatste")
    if aantal is not None and aantal.isdigit() and (aantal == "0" or laatste):
        return int(aantal), laatste
    regels = orjson.loads(body)["regels"]
    return len(regels), (str(regels[-1][0]) if regels else None)


def _bedragen_kop(headers: Any, body: bytes) -> tuple[int, int]:
    """The number of payments and of errors in a domain answer (headers, else the body)."""
    betalingen, fouten = headers.get("GBI-Aantal"), headers.get("GBI-Fouten")
    if betalingen is not None and fouten is not None and betalingen.isdigit() and fouten.isdigit():
        return int(betalingen), int(fouten)
    antwoord = orjson.loads(body)
    return len(antwoord["betalingen"]), len(antwoord["fouten"])


async def _betaal_gemeente(
    gateway: GatewayClient, run_id: str, gemeente: str, maand: str, verleng: Any, resultaat: RunResultaat
) -> None:
    uitbetalen = await _uitbetalingsmaand(gateway, gemeente, maand) == int(maand[5:7])
    werk_q: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=2)
    schrijf_q: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=2)

    async def lees() -> None:
        after: str | None = None
        while True:
            params = {"limit": str(CHUNK), "vakantietoeslag": "true" if uitbetalen else "false"}
            if after is not None:
                params["after"] = after
            resp = await gateway.request(
                "GET",
                f"{DATA}/betaalruns/{run_id}/werk",
                params=params,
                gemeente=gemeente,
                as_service=True,
                timeout_s=_TIMEOUT_S,
            )
            aantal, laatste = _werk_kop(resp.headers, resp.body)
            if not aantal:
                break
            if not resp.body.startswith(b"{"):
                raise ServiceUnavailableError("Het werk van de dataservice is geen JSON-object")
            await werk_q.put(resp.body)
            after = laatste
        await werk_q.put(None)

    kop = orjson.dumps({"gemeente": gemeente, "uitbetalingsmaand": uitbetalen})[:-1] + b","

    async def reken() -> None:
        while (werk := await werk_q.get()) is not None:
            # The werk answer {maand, regels} is passed on as it is, with gemeente and uitbetalingsmaand put in
            # front: the chunk is never parsed or re-encoded here.
            resp = await gateway.request(
                "POST",
                f"{DOMAIN}/betaalrun/bedragen:batch",
                json_bytes=kop + werk[1:],
                gemeente=gemeente,
                as_service=True,
                timeout_s=_TIMEOUT_S,
            )
            betalingen, fouten = _bedragen_kop(resp.headers, resp.body)
            if fouten:
                resultaat.fouten.extend(orjson.loads(resp.body)["fouten"])
                log.warning("betaalrun %s: %d uitkeringen niet te berekenen", run_id, fouten)
            if betalingen:
                # {betalingen, fouten} as the domain answered it: the data service reads the betalingen.
                await schrijf_q.put(resp.body)
        await schrijf_q.put(None)

    async def schrijf() -> None:
        while (betalingen := await schrijf_q.get()) is not None:
            resp = await gateway.request(
                "POST",
                f"{DATA}/betaalruns/{run_id}/betalingen:batch",
                json_bytes=betalingen,
                gemeente=gemeente,
                as_service=True,
                timeout_s=_TIMEOUT_S,
            )
            resultaat.betaald += int(resp.json()["ingevoegd"])
            await verleng()

    tasks = [asyncio.create_task(t()) for t in (lees, reken, schrijf)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t


async def _maak_bestanden(gateway: GatewayClient, run_id: str, gemeente: str, verleng: Any) -> None:
    """Have the integration layer write the gemeente's SEPA file and journal, and record them (status bestand)."""
    # The files are a job of the integration layer: each request waits for it a few seconds and
    # answers 202 while it runs, so no request meets a gateway timeout; asking again joins the job.
    deadline = time.monotonic() + BESTAND_DEADLINE_S
    while True:
        if time.monotonic() > deadline:
            raise ServiceUnavailableError(
                f"De betaalbestanden van gemeente {gemeente} zijn na {BESTAND_DEADLINE_S:.0f} s niet klaar"
            )
        await verleng()
        resp = await gateway.request(
            "POST",
            f"{INTEGRATION}/betaalruns/{run_id}/bestanden",
            json_body={"gemeente": gemeente},
            gemeente=gemeente,
            as_service=True,
            timeout_s=_TIMEOUT_S,
        )
        if resp.status != 202:
            break
        await asyncio.sleep(BESTAND_POLL_S)
    bestand = resp.json()
    await gateway.request(
        "PUT",
        f"{DATA}/betaalruns/{run_id}/gemeenten/{gemeente}",
        json_body={
            "status": "bestand",
            "aantal": bestand["aantal"],
            "totaalCents": bestand["totaalCents"],
            "messageId": bestand["messageId"],
        },
        as_service=True,
    )


async def betaal_run(gateway: GatewayClient, run: dict[str, Any], worker: str) -> RunResultaat:
    """Drive one claimed run to the end (or until an error: the lease then expires and the run is resumed)."""
    run_id = str(run["id"])
    maand = str(run["maand"])
    resultaat = RunResultaat()

    async def verleng() -> None:
        await gateway.request(
            "POST",
            f"{DATA}/betaalruns/{run_id}/lease",
            json_body={"worker": worker, "leaseS": LEASE_S},
            as_service=True,
        )

    # Payments and files have a bound each, and a gemeente holds a payment slot only while its payments are
    # computed: its SEPA file is then written by the integration layer while the next gemeente's payments are
    # computed (holding the slot over the file left the domain layer idle while the largest files were written).
    betalen = asyncio.Semaphore(GEMEENTEN_TEGELIJK)
    bestanden = asyncio.Semaphore(BESTANDEN_TEGELIJK)

    async def gemeente_afmaken(deel: dict[str, Any]) -> None:
        gemeente = deel["gemeente"]
        status = deel["status"]
        if status == "open":
            async with betalen:
                await _betaal_gemeente(gateway, run_id, gemeente, maand, verleng, resultaat)
                await gateway.request(
                    "PUT",
                    f"{DATA}/betaalruns/{run_id}/gemeenten/{gemeente}",
                    json_body={"status": "betaald"},
                    as_service=True,
                )
            status = "betaald"
        if status == "betaald":
            async with bestanden:
                await _maak_bestanden(gateway, run_id, gemeente, verleng)

    # The largest gemeenten first; the fixed cost per gemeente (policy, files, status) overlaps with other work.
    delen = sorted(run["gemeenten"], key=lambda d: -int(d["totaal"]))
    taken = [asyncio.create_task(gemeente_afmaken(d)) for d in delen]
    try:
        await asyncio.gather(*taken)
    finally:
        for t in taken:
            t.cancel()
        for t in taken:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
    return resultaat


class BetaalrunWorker:
    """Claims running payment runs (its own or one whose lease expired) and pays them, one at a time."""

    def __init__(self, gateway: GatewayClient, *, worker: str | None = None, poll_s: float = POLL_S) -> None:
        self.gateway = gateway
        self.worker = worker or worker_id()
        self.poll_s = poll_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="betaalrun-worker")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> bool:
        """Claim and pay one run; False when there was none."""
        resp = await self.gateway.request(
            "POST", f"{DATA}/betaalruns:claim", json_body={"worker": self.worker, "leaseS": LEASE_S}, as_service=True
        )
        if resp.status == 204 or not resp.body:
            return False
        run = resp.json()
        log.info("betaalrun %s (%s) geclaimd door %s", run["id"], run["maand"], self.worker)
        resultaat = await betaal_run(self.gateway, run, self.worker)
        log.info("betaalrun %s: %d betalingen vastgelegd", run["id"], resultaat.betaald)
        return True

    async def _loop(self) -> None:
        while True:
            try:
                gewerkt = await self.run_once()
            except asyncio.CancelledError:
                raise
            except ServiceError as exc:  # a layer down or busy: the lease expires, the run is resumed
                log.warning("betaalrun onderbroken: %s", exc)
                gewerkt = False
            except Exception:
                log.exception("betaalrun onderbroken door een onverwachte fout")
                gewerkt = False
            if not gewerkt:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_s)

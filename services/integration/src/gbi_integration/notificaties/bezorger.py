"""The delivery worker of notifications out: claim due leveringen at the data service, POST each notification to
the subscriber's callback URL, report what the subscriber said.

- **Per gemeente.** Leveringen are tenant data, so the worker claims them gemeente by gemeente (the list of GBI
  gemeenten comes from the data service and is refreshed every few minutes), as the integration service itself
  (service token + ``GBI-Gemeente``), never more at once than ``concurrency`` deliveries.
- **One POST per attempt.** ``Content-Type: application/json``, the abonnement's ``Authorization`` header exactly as
  registered, the ZGW ``Notificatie`` plus its ``id`` (hoofdObject and resourceUrl made absolute with GBI's public
  URL). A 2xx (the ZGW consumer answers 204) is acknowledged; anything else, a timeout or a refused connection is a
  failure. Redirects are not followed: a callback URL says where notifications go, and the Authorization header
  never travels to another address.
- **At least once, recorded once.** The claim is a lease: a worker that crashes or hangs loses it and another worker
  delivers again, so a subscriber may see a notification twice and deduplicates on its ``id``. The data service
  records ``delivered`` once and decides, from the attempts and the policy sent with a failure (exponential
  backoff with jitter, capped; given up after ``max_attempts`` or ``max_age_s``), when the next attempt is due.
- No secret is logged: the Authorization header and the notification's body stay out of logs and spans.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from gbi_integration.settings import IntegrationSettings
from gbi_shared import GatewayClient, ServiceError
from gbi_shared._http import HttpTransport
from gbi_shared.contracts.data import GemeenteList
from gbi_shared.contracts.notificaties import (
    GeclaimdeLevering,
    Herhaalbeleid,
    LeveringClaim,
    LeveringClaimResultaat,
    LeveringUitslag,
)

__all__ = ["Bezorger", "BezorgerStatus", "absoluut", "worker_id"]

log = logging.getLogger("gbi.integration.notificaties")

DATA = "/internal/data/v1"
USER_AGENT = "GBI-notificaties/1.0"
#: How much of a subscriber's answer is read (for the error message): it is not ours to store.
MAX_ANSWER_BYTES = 2048
#: The longest pause after ticks that failed one after another (the data service or the gateway is away).
MAX_PAUSE_S = 30.0


def worker_id() -> str:
    """A name unique per process: host, pid and a random part (two replicas on one host differ too)."""
    return f"{socket.gethostname()[:60]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def absoluut(url: str, base: str) -> str:
    """A path (``/api/v1/...``) made absolute with GBI's public base URL; an absolute URL as it is."""
    return base.rstrip("/") + url if url.startswith("/") else url


@dataclass
class BezorgerStatus:
    """What the worker did since it started (``GET /internal/integration/v1/notificaties/bezorger``)."""

    worker: str
    running: bool = False
    delivered: int = 0
    failed: int = 0
    last_tick_at: datetime | None = None
    last_error: str | None = None
    per_gemeente_claimed: dict[str, int] = field(default_factory=dict)


class Bezorger:
    """The background loop of one integration service replica."""

    def __init__(
        self,
        gateway: GatewayClient,
        transport: HttpTransport,
        settings: IntegrationSettings,
        *,
        tracer: Tracer,
        worker: str | None = None,
        gemeenten_refresh_s: float = 300.0,
    ) -> None:
        self.gw = gateway
        self.transport = transport
        self.settings = settings
        self.tracer = tracer
        self.worker = worker or worker_id()
        self.public_url = (settings.notificaties_public_url or settings.gateway_url).rstrip("/")
        self.beleid = Herhaalbeleid(
            base_delay_s=settings.notificaties_retry_base_s,
            max_delay_s=settings.notificaties_retry_max_s,
            max_attempts=settings.notificaties_max_attempts,
            max_age_s=settings.notificaties_max_age_s,
        )
        self.status = BezorgerStatus(worker=self.worker)
        self._gemeenten: list[str] = []
        self._gemeenten_at = 0.0
        self._gemeenten_refresh_s = gemeenten_refresh_s
        self._running: set[asyncio.Task[None]] = set()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Per gemeente: when to claim there next, and the current idle pause (doubles after an empty claim, from
        # notificaties_interval_s up to notificaties_idle_max_s; back to 0 when something was claimed there).
        self._next: dict[str, float] = {}
        self._idle: dict[str, float] = {}
        # A gemeente without any abonnement (an empty claim says so) is asked only every 5 x idle_max: no levering
        # arises there until an abonnement is taken, which this replica's API announces with wake() (ADR 0027).
        # For its first such period a worker that just started asks at the normal pace (another replica may have
        # taken one just before).
        self._started_at = float("-inf")

    # --- the loop -------------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._started_at = time.monotonic()
        self._stop.clear()
        self._task = asyncio.create_task(self._loop(), name="gbi-notificaties-bezorger")
        self.status.running = True

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        # Deliveries in flight finish (their POST has a timeout); a cancelled one would be delivered again later.
        if self._running:
            await asyncio.wait(list(self._running), timeout=self.settings.notificaties_timeout_s + 5)
        for task in list(self._running):
            task.cancel()
        self.status.running = False

    def wake(self, gemeente: str) -> None:
        """An abonnement was taken in this gemeente through this replica: claim there at the normal pace again."""
        self._next[gemeente] = 0.0
        self._idle[gemeente] = 0.0

    @property
    def idle_leeg_s(self) -> float:
        interval = self.settings.notificaties_interval_s
        return 5 * max(interval, self.settings.notificaties_idle_max_s)

    async def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            pause = self.settings.notificaties_interval_s
            try:
                claimed = await self.tick()
                failures = 0
            except Exception as exc:  # the data service or the gateway is away: try again, less often
                failures += 1
                log.warning("notificaties tick failed: %s", type(exc).__name__)
                self.status.last_error = type(exc).__name__
                claimed = 0
                pause = min(MAX_PAUSE_S, pause * 2 ** min(failures, 10))
            if claimed:
                await asyncio.sleep(0)
                continue
            if len(self._running) >= self.settings.notificaties_concurrency:
                await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
                continue
            if not failures and self._next:
                pause = min(pause, max(0.01, min(self._next.values()) - time.monotonic()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=pause)

    async def _gemeenten_nu(self) -> list[str]:
        if not self._gemeenten or time.monotonic() - self._gemeenten_at > self._gemeenten_refresh_s:
            result = await self.gw.get_model(f"{DATA}/gemeenten", GemeenteList, as_service=True)
            self._gemeenten = [g.code for g in result.items if g.actief]
            self._gemeenten_at = time.monotonic()
        return self._gemeenten

    async def tick(self, *, force: bool = False) -> int:
        """Claim in every gemeente that is due (every one with ``force``) while there is room; start a delivery per
        claimed levering. Returns how many.

        A gemeente where nothing was due is asked again after ``notificaties_interval_s``, then twice as long each
        time up to ``notificaties_idle_max_s``: an idle gemeente costs a claim every few seconds, not every second."""
        claimed = 0
        interval = self.settings.notificaties_interval_s
        idle_max = max(interval, self.settings.notificaties_idle_max_s)
        for gemeente in await self._gemeenten_nu():
            free = self.settings.notificaties_concurrency - len(self._running)
            if free <= 0:
                break
            now = time.monotonic()
            if not force and now < self._next.get(gemeente, 0.0):
                continue
            result = await self._claim(gemeente, min(free, self.settings.notificaties_claim_limit))
            if result.items:
                self._idle[gemeente] = 0.0
                self._next[gemeente] = now
            else:
                self._idle[gemeente] = min(idle_max, max(interval, self._idle.get(gemeente, 0.0) * 2))
                leeg = result.abonnementen is False and now - self._started_at >= self.idle_leeg_s
                self._next[gemeente] = now + (self.idle_leeg_s if leeg else self._idle[gemeente])
            for item in result.items:
                task = asyncio.create_task(self._lever(gemeente, item))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            if result.items:
                self.status.per_gemeente_claimed[gemeente] = self.status.per_gemeente_claimed.get(gemeente, 0) + len(
                    result.items
                )
            claimed += len(result.items)
        self.status.last_tick_at = datetime.now(UTC)
        return claimed

    async def run_until_idle(self, max_rounds: int = 100) -> int:
        """Tests: tick and wait for the deliveries until nothing is due any more. Returns how many were claimed."""
        total = 0
        for _ in range(max_rounds):
            claimed = await self.tick(force=True)
            if self._running:
                await asyncio.gather(*list(self._running), return_exceptions=True)
            total += claimed
            if not claimed and not self._running:
                break
        return total

    # --- one levering ---------------------------------------------------------------------------------------------

    async def _claim(self, gemeente: str, limit: int) -> LeveringClaimResultaat:
        body = LeveringClaim(worker=self.worker, lease_seconds=self.settings.notificaties_lease_s, limit=limit)
        return await self.gw.post_model(
            f"{DATA}/notificaties/leveringen:claim",
            body,
            LeveringClaimResultaat,
            gemeente=gemeente,
            as_service=True,
        )

    async def _lever(self, gemeente: str, item: GeclaimdeLevering) -> None:
        try:
            uitslag = await self.bezorg(item)
            if uitslag.uitkomst == "delivered":
                self.status.delivered += 1
            else:
                self.status.failed += 1
            await self._meld(gemeente, item, uitslag)
        except Exception:
            # The lease runs out and another claim delivers again: at least once.
            log.exception("levering %s: delivery or report failed", item.id)

    async def bezorg(self, item: GeclaimdeLevering) -> LeveringUitslag:
        """POST the notification to the callback URL once; the outcome as the data service wants it reported."""
        notificatie = item.notificatie.model_copy(
            update={
                "hoofd_object": absoluut(item.notificatie.hoofd_object, self.public_url),
                "resource_url": absoluut(item.notificatie.resource_url, self.public_url),
            }
        )
        body = notificatie.model_dump_json(by_alias=True).encode("utf-8")
        headers = {
            "Authorization": item.auth,
            "Content-Type": "application/json",
            "Accept": "application/json, application/problem+json",
            "User-Agent": USER_AGENT,
        }
        timeout = aiohttp.ClientTimeout(
            total=self.settings.notificaties_timeout_s, sock_connect=min(5.0, self.settings.notificaties_timeout_s)
        )
        status: int | None = None
        fout: str | None = None
        with self.tracer.start_as_current_span(
            "POST abonnee",
            kind=SpanKind.CLIENT,
            attributes={
                "http.request.method": "POST",
                "gbi.levering.id": str(item.id),
                "gbi.abonnement.id": str(item.abonnement_id),
                "gbi.levering.attempt": item.attempts,
            },
        ) as span:
            try:
                async with self.transport.session().post(
                    item.callback_url, data=body, headers=headers, timeout=timeout, allow_redirects=False
                ) as resp:
                    status = resp.status
                    span.set_attribute("http.response.status_code", status)
                    if not 200 <= status < 300:
                        answer = await resp.content.read(MAX_ANSWER_BYTES)
                        fout = _describe(status, answer)
            except aiohttp.ConnectionTimeoutError:
                fout = "niet bereikbaar (geen verbinding)"
            except TimeoutError:
                fout = f"geen antwoord binnen {self.settings.notificaties_timeout_s:g} s"
            except (aiohttp.ClientError, OSError) as exc:
                fout = f"niet bereikbaar ({type(exc).__name__})"
            except asyncio.CancelledError:
                raise
            if fout is not None:
                span.set_status(Status(StatusCode.ERROR, fout[:100]))
        if fout is None:
            return LeveringUitslag(worker=self.worker, uitkomst="delivered", http_status=status)
        log.info(
            "levering failed",
            extra={"levering": str(item.id), "abonnement": str(item.abonnement_id), "attempt": item.attempts},
        )
        return LeveringUitslag(worker=self.worker, uitkomst="failed", http_status=status, fout=fout, beleid=self.beleid)

    async def _meld(self, gemeente: str, item: GeclaimdeLevering, uitslag: LeveringUitslag) -> None:
        """Report the outcome; retried a few times within the lease (a report is idempotent at the data service).
        A report that never arrives is a delivery that will be made again."""
        path = f"{DATA}/notificaties/leveringen/{item.id}/resultaat"
        for attempt in range(3):
            try:
                await self.gw.request("POST", path, json_body=uitslag, gemeente=gemeente, as_service=True)
                return
            except ServiceError as exc:
                if 400 <= exc.status < 500 and exc.status != 429:
                    log.warning("levering %s: report refused (%s)", item.id, exc.status)
                    return
                if attempt == 2:
                    raise
                await asyncio.sleep(0.2 * 2**attempt)


def _describe(status: int, answer: bytes) -> str:
    """``HTTP 503`` plus the start of a problem's title or detail, if the subscriber sent one (never the body)."""
    text = f"HTTP {status}"
    with contextlib.suppress(ValueError, UnicodeDecodeError, TypeError):
        problem = json.loads(answer)
        if isinstance(problem, dict):
            detail = problem.get("detail") or problem.get("title")
            if isinstance(detail, str) and detail:
                text += f": {detail[:200]}"
    return text

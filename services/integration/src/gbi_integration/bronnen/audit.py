"""The processing log of source queries: every query is logged by the data service, or its answer is withheld.

``POST /internal/data/v1/audit`` through the gateway, with the caller's verified context forwarded: the data
service takes actor, gemeente and purpose (doelbinding) from that context and pseudonymises the BSN. The case
(``zaakId``) travels in ``processingActivity`` (``participatiewet.<doelbinding>/zaak:<zaakId>``) until the audit
contract has a field of its own for it. An append is not idempotent, so it is never retried: when the write fails
the query fails with 503 (no unlogged access to personal data).

The queries of one gathering (a dossier of several sources, a page of the signal feed) are logged together with
one ``POST /internal/data/v1/audit:batch``: the data service appends them in one transaction, all or none.

Group commit: gatherings logged at the same moment in the same context (actor, gemeente, purpose: what the data
service takes from the forwarded context) share one ``audit:batch``. While a write of that context is in flight,
the gatherings that arrive join the next one, which is sent as soon as the one in flight has ended (at most one in
flight and one forming per context, at most ``MAX_AUDIT_BATCH`` entries each); a gathering alone is sent at once.
Each request answers only after the write that holds its entries has been committed, and fails (503) when that write
fails: a group is all or none, like one gathering. The appends of one gemeente wait for each other at the data
service anyway (one chain head), so waiting here costs little and saves the requests. The write runs in a task of
its own: a request that gives up waiting does not stop its group's write for the others, and its own entries are
still written with it (logged once too often, never once too few: its query was made).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from opentelemetry import trace

from gbi_shared.clients import GatewayClient
from gbi_shared.context import RequestContext
from gbi_shared.contracts.data import MAX_AUDIT_BATCH, AuditRecordBatch, AuditRecordCreate, AuditStatus
from gbi_shared.errors import ServiceError, ServiceUnavailableError

__all__ = [
    "AUDIT_BATCH_PATH",
    "AUDIT_PATH",
    "AuditLog",
    "AuditNietBeschikbaar",
    "GatewayAuditLog",
    "Raadpleging",
    "verwerkingsactiviteit",
]

AUDIT_PATH = "/internal/data/v1/audit"
AUDIT_BATCH_PATH = "/internal/data/v1/audit:batch"


class AuditNietBeschikbaar(ServiceUnavailableError):
    """The processing log could not be written; the source's answer is not handed out."""


def verwerkingsactiviteit(ctx: RequestContext, zaak_id: str | None) -> str:
    activiteit = f"participatiewet.{ctx.purpose}"
    return f"{activiteit}/zaak:{zaak_id}" if zaak_id else activiteit


@dataclass(frozen=True, slots=True)
class Raadpleging:
    """One source query to log (one entry of a batch)."""

    operation: str
    bsn: str | None
    zaak_id: str | None
    status: AuditStatus
    outcome: str


class AuditLog(Protocol):
    async def vastleggen(
        self,
        ctx: RequestContext,
        *,
        operation: str,
        bsn: str | None,
        zaak_id: str | None,
        status: AuditStatus,
        outcome: str,
    ) -> None:
        """Log one processing; raise ``AuditNietBeschikbaar`` when that is not possible."""
        ...

    async def vastleggen_alle(self, ctx: RequestContext, raadplegingen: Sequence[Raadpleging]) -> None:
        """Log several processings in one write, all or none; raise ``AuditNietBeschikbaar`` when that is not
        possible (then none is logged)."""
        ...


@dataclass(eq=False)
class _Groep:
    """The entries of the gatherings that share one ``audit:batch``, and the end of that write."""

    ctx: RequestContext
    items: list[AuditRecordCreate] = field(default_factory=list)
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


@dataclass(eq=False)
class _Rij:
    """Per context: the group still taking entries (not sent yet) and the end of the latest group's write."""

    vormend: _Groep | None = None
    laatste: asyncio.Future[None] | None = None


class GatewayAuditLog:
    def __init__(self, gateway: GatewayClient, *, timeout_s: float, max_batch: int = MAX_AUDIT_BATCH) -> None:
        self._gateway = gateway
        self._timeout_s = timeout_s
        self._max_batch = max_batch
        self._rijen: dict[RequestContext, _Rij] = {}
        self._taken: set[asyncio.Task[None]] = set()

    async def vastleggen(
        self,
        ctx: RequestContext,
        *,
        operation: str,
        bsn: str | None,
        zaak_id: str | None,
        status: AuditStatus,
        outcome: str,
    ) -> None:
        record = _record(ctx, Raadpleging(operation, bsn, zaak_id, status, outcome))
        await self._post(ctx, AUDIT_PATH, record)

    async def vastleggen_alle(self, ctx: RequestContext, raadplegingen: Sequence[Raadpleging]) -> None:
        if not raadplegingen:
            return
        items = [_record(ctx, r) for r in raadplegingen]
        if len(items) > self._max_batch:  # more than one write holds: as one batch, refused as too large, as before
            await self._post(ctx, AUDIT_BATCH_PATH, AuditRecordBatch(items=items))
            return
        rij = self._rijen.get(ctx)
        if rij is None:
            rij = self._rijen[ctx] = _Rij()
        groep = rij.vormend
        if groep is None or len(groep.items) + len(items) > self._max_batch:
            groep = _Groep(ctx)
            voorganger, rij.vormend, rij.laatste = rij.laatste, groep, groep.done
            # The write is a task of its own (with this request's context: the same verified context as every
            # request that joins it), so no request that stops waiting cancels it for the others.
            taak = asyncio.create_task(self._schrijf(rij, groep, voorganger))
            self._taken.add(taak)
            taak.add_done_callback(self._taken.discard)
        groep.items.extend(items)
        await asyncio.shield(groep.done)

    async def _schrijf(self, rij: _Rij, groep: _Groep, voorganger: asyncio.Future[None] | None) -> None:
        """Send the group once the write before it (of the same context) has ended, whatever its outcome."""
        try:
            if voorganger is not None and not voorganger.done():
                await asyncio.wait([voorganger])
            if rij.vormend is groep:
                rij.vormend = None  # sent from here on: who comes now forms the next group
            await self._post(groep.ctx, AUDIT_BATCH_PATH, AuditRecordBatch(items=groep.items))
        except Exception as exc:
            groep.done.set_exception(exc)
            groep.done.exception()  # retrieved here too: every request of the group may have stopped waiting
        except BaseException:
            groep.done.cancel()  # the process stops: nobody is answered, nothing counts as logged
            raise
        else:
            groep.done.set_result(None)
        finally:
            if rij.vormend is groep:
                rij.vormend = None
            if rij.laatste is groep.done and self._rijen.get(groep.ctx) is rij:
                del self._rijen[groep.ctx]

    async def _post(self, ctx: RequestContext, path: str, body: AuditRecordCreate | AuditRecordBatch) -> None:
        try:
            await self._gateway.request("POST", path, json_body=body, gemeente=ctx.gemeente, timeout_s=self._timeout_s)
        except ServiceError as exc:
            raise AuditNietBeschikbaar(
                "De raadpleging kon niet in het verwerkingenlogboek worden vastgelegd; er worden geen gegevens geleverd"
            ) from exc


def _record(ctx: RequestContext, r: Raadpleging) -> AuditRecordCreate:
    span = trace.get_current_span().get_span_context()
    return AuditRecordCreate(
        operation=r.operation,
        processing_activity=verwerkingsactiviteit(ctx, r.zaak_id),
        bsn=r.bsn,
        status=r.status,
        outcome=r.outcome,
        trace_id=format(span.trace_id, "032x") if span.is_valid else None,
        span_id=format(span.span_id, "016x") if span.is_valid else None,
    )

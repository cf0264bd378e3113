"""The processing log of source queries: every query is logged by the data service, or its answer is withheld.

``POST /internal/data/v1/audit`` through the gateway, with the caller's verified context forwarded: the data
service takes actor, gemeente and purpose (doelbinding) from that context and pseudonymises the BSN. The case
(``zaakId``) travels in ``processingActivity`` (``participatiewet.<doelbinding>/zaak:<zaakId>``) until the audit
contract has a field of its own for it. An append is not idempotent, so it is never retried: when the write fails
the query fails with 503 (no unlogged access to personal data).

The queries of one gathering (a dossier of several sources, a page of the signal feed) are logged together with
one ``POST /internal/data/v1/audit:batch``: the data service appends them in one transaction, all or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from opentelemetry import trace

from gbi_shared.clients import GatewayClient
from gbi_shared.context import RequestContext
from gbi_shared.contracts.data import AuditRecordBatch, AuditRecordCreate, AuditStatus
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


class GatewayAuditLog:
    def __init__(self, gateway: GatewayClient, *, timeout_s: float) -> None:
        self._gateway = gateway
        self._timeout_s = timeout_s

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
        batch = AuditRecordBatch(items=[_record(ctx, r) for r in raadplegingen])
        await self._post(ctx, AUDIT_BATCH_PATH, batch)

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

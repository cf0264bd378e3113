"""The processing log of source queries: every query is logged by the data service, or its answer is withheld.

``POST /internal/data/v1/audit`` through the gateway, with the caller's verified context forwarded: the data
service takes actor, gemeente and purpose (doelbinding) from that context and pseudonymises the BSN. The case
(``zaakId``) travels in ``processingActivity`` (``participatiewet.<doelbinding>/zaak:<zaakId>``) until the audit
contract has a field of its own for it. An append is not idempotent, so it is never retried: when the write fails
the query fails with 503 (no unlogged access to personal data).
"""

from __future__ import annotations

from typing import Protocol

from opentelemetry import trace

from gbi_shared.clients import GatewayClient
from gbi_shared.context import RequestContext
from gbi_shared.contracts.data import AuditRecordCreate, AuditStatus
from gbi_shared.errors import ServiceError, ServiceUnavailableError

__all__ = ["AUDIT_PATH", "AuditLog", "AuditNietBeschikbaar", "GatewayAuditLog", "verwerkingsactiviteit"]

AUDIT_PATH = "/internal/data/v1/audit"


class AuditNietBeschikbaar(ServiceUnavailableError):
    """The processing log could not be written; the source's answer is not handed out."""


def verwerkingsactiviteit(ctx: RequestContext, zaak_id: str | None) -> str:
    activiteit = f"participatiewet.{ctx.purpose}"
    return f"{activiteit}/zaak:{zaak_id}" if zaak_id else activiteit


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
        span = trace.get_current_span().get_span_context()
        record = AuditRecordCreate(
            operation=operation,
            processing_activity=verwerkingsactiviteit(ctx, zaak_id),
            bsn=bsn,
            status=status,
            outcome=outcome,
            trace_id=format(span.trace_id, "032x") if span.is_valid else None,
            span_id=format(span.span_id, "016x") if span.is_valid else None,
        )
        try:
            await self._gateway.request(
                "POST", AUDIT_PATH, json_body=record, gemeente=ctx.gemeente, timeout_s=self._timeout_s
            )
        except ServiceError as exc:
            raise AuditNietBeschikbaar(
                "De raadpleging kon niet in het verwerkingenlogboek worden vastgelegd; er worden geen gegevens geleverd"
            ) from exc

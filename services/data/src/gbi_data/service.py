"""Use cases of the data service. They raise the shared error tree and know nothing of HTTP.

Tenant rule: tenant data is read and written only for the gemeente of the verified context. A caller without one
gets 403; a row of another gemeente is reported exactly like a row that does not exist (404).
"""

from __future__ import annotations

import json
import re
import uuid

from sqlalchemy.orm import Session

from gbi_data import audit, repository
from gbi_data.models import AuditRecord as AuditRecordRow
from gbi_data.models import Gemeente as GemeenteRow
from gbi_data.models import Proefberekening
from gbi_data.settings import DataSettings
from gbi_shared import (
    ActorType,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RequestContext,
)
from gbi_shared.contracts.data import (
    AuditPage,
    AuditRecord,
    AuditRecordCreate,
    AuditVerification,
    Gemeente,
    GemeenteList,
    ProefberekeningRecord,
    ProefberekeningRecordCreate,
)

__all__ = ["DataService"]

PROCESSING_ACTIVITY_PROEFBEREKENING = "gbi.proefberekening"
OPERATION_PROEFBEREKENING_VASTLEGGEN = "proefberekening.vastleggen"
OPERATION_PROEFBEREKENING_RAADPLEGEN = "proefberekening.raadplegen"
SUBJECT_TYPE_BSN = "BSN"


class DataService:
    def __init__(self, settings: DataSettings) -> None:
        self.pseudonymiser = audit.Pseudonymiser(settings.audit_pseudonym_key.get_secret_value())

    # --- tenant ---------------------------------------------------------------------------------------------------

    @staticmethod
    def tenant_of(ctx: RequestContext) -> str:
        """The gemeente the caller acts for, or 403."""
        if not ctx.gemeente:
            raise ForbiddenError(
                "Dit verzoek hoort bij geen gemeente; gegevens van een gemeente zijn niet toegankelijk"
            )
        return ctx.gemeente

    @staticmethod
    def check_tenant(session: Session, gemeente: str) -> None:
        """The caller's gemeente must be a known, active tenant."""
        row = repository.get_gemeente(session, gemeente)
        if row is None or not row.actief:
            raise ForbiddenError("De gemeente van dit verzoek is geen actieve deelnemer")

    def _actor(self, ctx: RequestContext) -> str:
        # A citizen's subject identifier may be (or reveal) the BSN: store it only as a pseudonym.
        return self.pseudonymiser.pseudonym(ctx.actor_id) if ctx.actor_type is ActorType.BURGER else ctx.actor_id

    def _audit(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        *,
        operation: str,
        processing_activity: str,
        data_subject_id: str | None,
        outcome: str,
        status: str = "OK",
        trace_id: str | None = None,
        span_id: str | None = None,
    ) -> AuditRecordRow:
        entry = audit.AuditEntry(
            operation=operation,
            processing_activity=processing_activity,
            actor=self._actor(ctx),
            actor_type=ctx.actor_type.value,
            purpose=ctx.purpose,
            outcome=outcome,
            status=status,
            data_subject_id=data_subject_id,
            data_subject_type=SUBJECT_TYPE_BSN if data_subject_id is not None else None,
            trace_id=trace_id,
            span_id=span_id,
        )
        return audit.append(session, gemeente, entry)

    def _is_subject(self, ctx: RequestContext, data_subject_id: str) -> bool:
        return ctx.bsn is not None and self.pseudonymiser.pseudonym(ctx.bsn) == data_subject_id

    # --- gemeenten --------------------------------------------------------------------------------------------------

    @staticmethod
    def list_gemeenten(session: Session) -> GemeenteList:
        return GemeenteList(items=[_gemeente(g) for g in repository.list_gemeenten(session)])

    @staticmethod
    def get_gemeente(session: Session, code: str) -> Gemeente:
        row = repository.get_gemeente(session, code)
        if row is None:
            raise NotFoundError(f"Geen gemeente met code {code}")
        return _gemeente(row)

    # --- proefberekeningen ------------------------------------------------------------------------------------------

    def create_proefberekening(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        body: ProefberekeningRecordCreate,
        idempotency_key: str | None,
    ) -> tuple[ProefberekeningRecord, bool]:
        """Store a proefberekening and audit it in the same transaction. Returns (record, replayed)."""
        if ctx.actor_type is ActorType.BURGER and body.bsn != ctx.bsn:
            raise ForbiddenError("Een burger kan alleen voor zichzelf een proefberekening vastleggen")
        _refuse_bsn_in_payload(body)
        request_hash = self.pseudonymiser.digest(body.model_dump(mode="json", by_alias=True))
        if idempotency_key is not None:
            existing = repository.get_proefberekening_by_idempotency_key(session, gemeente, idempotency_key)
            if existing is not None:
                return _replay(existing, request_hash), True
        subject = self.pseudonymiser.pseudonym(body.bsn)
        row = Proefberekening(
            id=uuid.uuid4(),
            gemeente=gemeente,
            data_subject_id=subject,
            peildatum=body.peildatum,
            created_by=self._actor(ctx),
            request=body.request,
            result=body.result,
            norm_cents=body.norm_cents,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
        )
        if not repository.add_proefberekening(session, row):
            # A concurrent request with the same key committed first: answer as its replay.
            existing = (
                repository.get_proefberekening_by_idempotency_key(session, gemeente, idempotency_key)
                if idempotency_key is not None
                else None
            )
            if existing is None:
                raise ConflictError("De proefberekening kon niet worden opgeslagen; probeer het opnieuw")
            return _replay(existing, request_hash), True
        self._audit(
            session,
            ctx,
            gemeente,
            operation=OPERATION_PROEFBEREKENING_VASTLEGGEN,
            processing_activity=PROCESSING_ACTIVITY_PROEFBEREKENING,
            data_subject_id=subject,
            outcome="created",
        )
        return _proefberekening(row), False

    def get_proefberekening(
        self, session: Session, ctx: RequestContext, gemeente: str, proefberekening_id: uuid.UUID
    ) -> ProefberekeningRecord:
        """One proefberekening of the caller's gemeente (a citizen: only their own), audited as a read."""
        row = repository.get_proefberekening(session, gemeente, proefberekening_id)
        if row is None or (ctx.actor_type is ActorType.BURGER and not self._is_subject(ctx, row.data_subject_id)):
            raise NotFoundError("Geen proefberekening met dit id")
        self._audit(
            session,
            ctx,
            gemeente,
            operation=OPERATION_PROEFBEREKENING_RAADPLEGEN,
            processing_activity=PROCESSING_ACTIVITY_PROEFBEREKENING,
            data_subject_id=row.data_subject_id,
            outcome="read",
        )
        return _proefberekening(row)

    # --- audit ------------------------------------------------------------------------------------------------------

    def append_audit(
        self, session: Session, ctx: RequestContext, gemeente: str, body: AuditRecordCreate
    ) -> AuditRecord:
        """Log an access another layer performed. Actor, gemeente and purpose (doelbinding) are the verified
        context's, never the body's."""
        row = self._audit(
            session,
            ctx,
            gemeente,
            operation=body.operation,
            processing_activity=body.processing_activity,
            data_subject_id=self.pseudonymiser.pseudonym(body.bsn) if body.bsn is not None else None,
            status=body.status,
            outcome=body.outcome,
            trace_id=body.trace_id,
            span_id=body.span_id,
        )
        return _audit_record(row)

    @staticmethod
    def list_audit(session: Session, gemeente: str, *, after: int, page_size: int, operation: str | None) -> AuditPage:
        rows = repository.list_audit_records(session, gemeente, after=after, limit=page_size + 1, operation=operation)
        items = [_audit_record(r) for r in rows[:page_size]]
        return AuditPage(items=items, next_after=items[-1].seq if len(rows) > page_size else None)

    @staticmethod
    def verify_audit(session: Session, gemeente: str) -> AuditVerification:
        result = audit.verify_chain(session, gemeente)
        return AuditVerification(
            gemeente=result.gemeente,
            valid=result.valid,
            checked=result.checked,
            last_seq=result.last_seq,
            first_invalid_seq=result.first_invalid_seq,
            reason=result.reason,
        )


def _refuse_bsn_in_payload(body: ProefberekeningRecordCreate) -> None:
    """The BSN is stored only as a pseudonym: refuse it inside the free-form request/result documents."""
    pattern = re.compile(rf"(?<!\d){body.bsn}(?!\d)")
    for name, document in (("request", body.request), ("result", body.result)):
        if pattern.search(json.dumps(document, ensure_ascii=False)):
            raise BadRequestError.for_field(name, "mag het BSN niet bevatten (dat wordt als pseudoniem bewaard)")


def _replay(existing: Proefberekening, request_hash: str) -> ProefberekeningRecord:
    if existing.request_hash != request_hash:
        raise ConflictError("Deze Idempotency-Key is al gebruikt voor een ander verzoek", code="idempotency-key-reused")
    return _proefberekening(existing)


def _gemeente(row: GemeenteRow) -> Gemeente:
    return Gemeente(code=row.code, naam=row.naam, actief=row.actief)


def _proefberekening(row: Proefberekening) -> ProefberekeningRecord:
    return ProefberekeningRecord.model_validate(row, from_attributes=True)


def _audit_record(row: AuditRecordRow) -> AuditRecord:
    return AuditRecord.model_validate(row, from_attributes=True)

"""Use cases of the data service. They raise the shared error tree and know nothing of HTTP.

Tenant rule: tenant data is read and written only for the gemeente of the verified context. A caller without one
gets 403; a row of another gemeente is reported exactly like a row that does not exist (404).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from gbi_data import audit, repository
from gbi_data.database import tenant_status
from gbi_data.models import AuditRecord as AuditRecordRow
from gbi_data.models import Beleidsversie as BeleidsversieRow
from gbi_data.models import Gemeente as GemeenteRow
from gbi_data.models import Proefberekening
from gbi_data.settings import DataSettings
from gbi_shared import (
    ActorType,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InvalidParam,
    NotFoundError,
    RequestContext,
)
from gbi_shared.contracts.beleid import (
    Beleidsversie,
    BeleidsversieLijst,
    BeleidsversieNieuw,
    beleid_id,
    check_onderwerp,
    lees_inhoud,
)
from gbi_shared.contracts.data import (
    AuditPage,
    AuditRecord,
    AuditRecordBatch,
    AuditRecordCreate,
    AuditRecordList,
    AuditVerification,
    Gemeente,
    GemeenteList,
    ProefberekeningRecord,
    ProefberekeningRecordCreate,
)
from gbi_shared.tijd import vandaag_nl

__all__ = ["DataService", "vandaag_in_nederland"]

PROCESSING_ACTIVITY_PROEFBEREKENING = "gbi.proefberekening"
OPERATION_PROEFBEREKENING_VASTLEGGEN = "proefberekening.vastleggen"
OPERATION_PROEFBEREKENING_RAADPLEGEN = "proefberekening.raadplegen"
PROCESSING_ACTIVITY_BELEID = "gbi.beleid"
SUBJECT_TYPE_BSN = "BSN"


def vandaag_in_nederland() -> date:
    """Today in the Netherlands: the legal date, whatever the server's time zone."""
    return vandaag_nl()


class DataService:
    def __init__(self, settings: DataSettings, *, vandaag: Callable[[], date] | None = None) -> None:
        self.pseudonymiser = audit.Pseudonymiser(settings.audit_pseudonym_key.get_secret_value())
        # The data service's clock for "not in the past" (tests pass a fixed day).
        self.vandaag = vandaag or vandaag_in_nederland

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
        """The caller's gemeente must be a known, active tenant (read when the transaction was bound to it, where
        the database did that in the same round trip; else here)."""
        known, actief = tenant_status(session, gemeente)
        if not known:
            row = repository.get_gemeente(session, gemeente)
            actief = row is not None and row.actief
        if not actief:
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

    def append_audit_batch(
        self, session: Session, ctx: RequestContext, gemeente: str, body: AuditRecordBatch
    ) -> AuditRecordList:
        """Log several accesses another layer performed, in one transaction and one wait for the chain head (the
        source queries of one gathering). Actor, gemeente and purpose are the verified context's."""
        actor, actor_type = self._actor(ctx), ctx.actor_type.value
        entries = [
            audit.AuditEntry(
                operation=item.operation,
                processing_activity=item.processing_activity,
                actor=actor,
                actor_type=actor_type,
                purpose=ctx.purpose,
                outcome=item.outcome,
                status=item.status,
                data_subject_id=self.pseudonymiser.pseudonym(item.bsn) if item.bsn is not None else None,
                data_subject_type=SUBJECT_TYPE_BSN if item.bsn is not None else None,
                trace_id=item.trace_id,
                span_id=item.span_id,
            )
            for item in body.items
        ]
        rows = audit.append_batch(session, gemeente, entries)
        return AuditRecordList(items=[_audit_record(r) for r in rows])

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

    # --- beleid (local policy) --------------------------------------------------------------------------------------

    @staticmethod
    def beleid_op(session: Session, gemeente: str, onderwerp: str, peildatum: date) -> Beleidsversie:
        """The version of the gemeente's policy on ``onderwerp`` in force on ``peildatum``; 404 (saying so) when
        the peildatum lies before the first version."""
        check_onderwerp(onderwerp)
        row = repository.beleidsversie_op(session, gemeente, onderwerp, peildatum)
        if row is None:
            eerste = repository.eerste_geldig_vanaf(session, gemeente, onderwerp)
            detail = f"Gemeente {gemeente} heeft geen beleid voor {onderwerp}"
            if eerste is not None:
                detail += f" dat geldt op {peildatum.isoformat()}: de eerste versie geldt vanaf {eerste.isoformat()}"
            raise NotFoundError(detail, code="beleid-niet-in-werking")
        tot = repository.volgende_geldig_vanaf(session, gemeente, onderwerp, row.geldig_vanaf)
        return _beleidsversie(row, tot)

    @staticmethod
    def beleidsversies(session: Session, gemeente: str, onderwerp: str) -> BeleidsversieLijst:
        """Every version (who recorded what, when, why), oldest first, each with the day it stops applying."""
        check_onderwerp(onderwerp)
        rows = repository.list_beleidsversies(session, gemeente, onderwerp)
        return BeleidsversieLijst(
            items=[
                _beleidsversie(row, rows[i + 1].geldig_vanaf if i + 1 < len(rows) else None)
                for i, row in enumerate(rows)
            ]
        )

    @staticmethod
    def beleidsversie(session: Session, gemeente: str, onderwerp: str, versie: int) -> Beleidsversie:
        check_onderwerp(onderwerp)
        row = repository.get_beleidsversie(session, gemeente, onderwerp, versie)
        if row is None:
            raise NotFoundError(f"Gemeente {gemeente} heeft geen versie {versie} van het beleid voor {onderwerp}")
        volgende = repository.get_beleidsversie(session, gemeente, onderwerp, versie + 1)
        return _beleidsversie(row, volgende.geldig_vanaf if volgende is not None else None)

    def nieuwe_beleidsversie(
        self, session: Session, ctx: RequestContext, gemeente: str, onderwerp: str, body: BeleidsversieNieuw
    ) -> Beleidsversie:
        """Append a version of the gemeente's policy, audited in the same transaction.

        The content must have the form of its subject (400 naming the field). ``geldigVanaf`` is today or later
        (400) and not before the latest version's (409); the same day as the latest version replaces that version
        only while it is not yet in force (409 otherwise). Versions are never changed afterwards.
        """
        check_onderwerp(onderwerp)
        inhoud = lees_inhoud(onderwerp, body.inhoud)
        vandaag = self.vandaag()
        if body.geldig_vanaf < vandaag:
            raise BadRequestError.for_field(
                "geldigVanaf", f"mag niet in het verleden liggen (vandaag is {vandaag.isoformat()})", "in-het-verleden"
            )
        laatste = repository.laatste_beleidsversie(session, gemeente, onderwerp)
        if laatste is not None:
            reden = None
            if body.geldig_vanaf < laatste.geldig_vanaf:
                reden = (
                    f"mag niet voor {laatste.geldig_vanaf.isoformat()} liggen, de ingangsdatum van de laatste "
                    f"versie ({laatste.versie})"
                )
            elif body.geldig_vanaf == laatste.geldig_vanaf and laatste.geldig_vanaf <= vandaag:
                reden = (
                    f"versie {laatste.versie} geldt al sinds {laatste.geldig_vanaf.isoformat()}; een nieuwe versie "
                    "moet later ingaan"
                )
            if reden is not None:
                raise ConflictError(
                    f"geldigVanaf: {reden}",
                    code="beleid-ingangsdatum",
                    invalid_params=[InvalidParam(name="geldigVanaf", code="beleid-ingangsdatum", reason=reden)],
                )
        row = BeleidsversieRow(
            id=uuid.uuid4(),
            gemeente=gemeente,
            onderwerp=onderwerp,
            versie=laatste.versie + 1 if laatste is not None else 1,
            geldig_vanaf=body.geldig_vanaf,
            inhoud=inhoud.model_dump(mode="json", by_alias=True),
            toelichting=body.toelichting,
            created_by=self._actor(ctx),
        )
        if not repository.add_beleidsversie(session, row):
            raise ConflictError(
                "Tegelijk is een andere versie van dit beleid vastgelegd; bekijk de versies en probeer het opnieuw",
                code="beleid-gelijktijdig-gewijzigd",
            )
        self._audit(
            session,
            ctx,
            gemeente,
            operation=f"beleid.{onderwerp}.vastleggen",
            processing_activity=PROCESSING_ACTIVITY_BELEID,
            data_subject_id=None,
            outcome="created",
        )
        return _beleidsversie(row, None)


def _beleidsversie(row: BeleidsversieRow, geldig_tot: date | None) -> Beleidsversie:
    return Beleidsversie(
        gemeente=row.gemeente,
        onderwerp=row.onderwerp,  # checked on the way in
        versie=row.versie,
        beleid_id=beleid_id(row.gemeente, row.onderwerp, row.versie, row.geldig_vanaf),
        geldig_vanaf=row.geldig_vanaf,
        geldig_tot=geldig_tot,
        inhoud=row.inhoud,
        toelichting=row.toelichting,
        aangemaakt_door=row.created_by,
        aangemaakt_op=row.created_at,
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


def _audit_record(row: AuditRecordRow | audit.AuditValues) -> AuditRecord:
    return AuditRecord.model_validate(row, from_attributes=True)

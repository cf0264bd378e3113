"""The audit trail of a case: the entries of the gemeente's processing log about the case's applicant.

The processing log records the data subject (a keyed pseudonym of the BSN), not the case, so the trail of an
aanvraag is every processing of its applicant's data in the gemeente: this case, and also another aanvraag or a
proefberekening of the same person, which a caseworker or auditor should see as well. Newest first, keyset-paged
on the chain's sequence number (index ``(gemeente, data_subject_id)``).

Who: staff who work on cases (klantmanager, inkomensconsulent, handhaver, teamleider), an auditor, and GBI's own
services; a citizen never (their inzage is another route). Reading the trail is itself processing of personal data
and is logged (``audittrail.raadplegen``) in the same transaction, after the rows were read, so the reading entry
appears at the top of the next page view, not of this one.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from gbi_data import audit
from gbi_data.alo import repository as alo_repository
from gbi_data.models import AuditRecord
from gbi_shared import ActorType, ForbiddenError, NotFoundError, RequestContext
from gbi_shared.contracts.inzicht import AudittrailPagina, AudittrailRegel

__all__ = ["AUDITTRAIL_ROLLEN", "OPERATION", "audittrail"]

AUDITTRAIL_ROLLEN = ("klantmanager", "inkomensconsulent", "handhaver", "teamleider", "auditor")
OPERATION = "audittrail.raadplegen"
PROCESSING_ACTIVITY = "gbi.alo"


def _mag(ctx: RequestContext) -> bool:
    if ctx.actor_type is ActorType.SERVICE:
        return True
    return ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role(*AUDITTRAIL_ROLLEN)


def audittrail(
    session: Session,
    ctx: RequestContext,
    gemeente: str,
    aanvraag_id: uuid.UUID,
    *,
    voor: int | None,
    page_size: int,
) -> AudittrailPagina:
    """One page of the trail, newest first: entries with a sequence number below ``voor`` (None: from the end)."""
    if not _mag(ctx):
        raise ForbiddenError("Alleen medewerkers die zaken behandelen en auditors zien de audittrail van een zaak")
    case = alo_repository.get_aanvraag(session, gemeente, aanvraag_id)
    if case is None:
        raise NotFoundError("Geen aanvraag met dit id")
    query = select(AuditRecord).where(
        AuditRecord.gemeente == gemeente, AuditRecord.data_subject_id == case.data_subject_id
    )
    if voor is not None:
        query = query.where(AuditRecord.seq < voor)
    rows = session.scalars(query.order_by(AuditRecord.seq.desc()).limit(page_size + 1)).all()
    page = rows[:page_size]
    items = [
        AudittrailRegel(
            volgnummer=r.seq,
            op=r.occurred_at,
            handeling=r.operation,
            verwerking=r.processing_activity,
            door=r.actor,
            soort_actor=r.actor_type,
            doel=r.purpose,
            uitkomst=r.outcome,
            status=r.status,
            trace_id=r.trace_id,
        )
        for r in page
    ]
    audit.append(
        session,
        gemeente,
        audit.AuditEntry(
            operation=OPERATION,
            processing_activity=PROCESSING_ACTIVITY,
            actor=ctx.actor_id,
            actor_type=ctx.actor_type.value,
            purpose=ctx.purpose,
            outcome=f"listed-{len(items)}",
            data_subject_id=case.data_subject_id,
            data_subject_type="BSN",
        ),
    )
    return AudittrailPagina(items=items, volgende_voor=page[-1].seq if len(rows) > page_size else None)

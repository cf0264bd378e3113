"""Use cases of signal intake: receive a delivery (validate, stage, match, count) and list the handhavingsignalen.

A delivery is validated completely before anything is written: one bad signal refuses the whole delivery (400,
problem+json naming the field), so the integration layer can repeat it after correcting nothing is half-stored.
Both use cases write an entry to the processing log in the same transaction.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import UTC, datetime

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.orm import Session

from gbi_data import audit
from gbi_data.settings import DataSettings
from gbi_data.signalen import repository
from gbi_data.signalen.models import Handhavingsignaal as HandhavingsignaalRow
from gbi_data.signalen.models import SignaalLevering as LeveringRow
from gbi_shared import ActorType, BadRequestError, ForbiddenError, RequestContext
from gbi_shared.contracts.bronnen import bedrag
from gbi_shared.contracts.signalen import (
    SIGNAAL_LEVERING,
    Handhavingsignaal,
    HandhavingsignaalPagina,
    HandhavingsignaalStatus,
    IbSignaalSoort,
    SignaalLeveringResultaat,
    SignaalPeriodeModel,
)

__all__ = ["LIST_ROLES", "SignaalService"]

PROCESSING_ACTIVITY = "gbi.handhaving"
#: Staff who may see the handhavingsignalen of their gemeente.
LIST_ROLES = ("handhaver", "teamleider")
_MAX_REPORTED_ERRORS = 20


class SignaalService:
    def __init__(self, settings: DataSettings) -> None:
        self.pseudonymiser = audit.Pseudonymiser(settings.audit_pseudonym_key.get_secret_value())

    def _audit(self, session: Session, ctx: RequestContext, gemeente: str, operation: str, outcome: str) -> None:
        audit.append(
            session,
            gemeente,
            audit.AuditEntry(
                operation=operation,
                processing_activity=PROCESSING_ACTIVITY,
                actor=ctx.actor_id,
                actor_type=ctx.actor_type.value,
                purpose=ctx.purpose,
                outcome=outcome,
            ),
        )

    def lever(self, session: Session, ctx: RequestContext, gemeente: str, body: bytes) -> SignaalLeveringResultaat:
        """Receive a delivery of signals for ``gemeente`` (the caller's) and match it against the active
        uitkeringen. Only GBI's own services deliver (the integration layer, from the Inlichtingenbureau)."""
        if ctx.actor_type is not ActorType.SERVICE:
            raise ForbiddenError("Alleen de integratielaag levert signalen aan")
        rows, cursor = _parse(body)
        now = datetime.now(UTC)
        levering = LeveringRow(
            id=uuid.uuid4(),
            gemeente=gemeente,
            aantal=len(rows),
            gematcht=0,
            nieuw=0,
            dubbel=0,
            ongematcht=len(rows),
            cursor=cursor,
            created_by=ctx.actor_id,
            created_at=now,
        )
        repository.insert_levering(session, levering)
        result = repository.match(session, gemeente, levering.id, now, rows)
        levering.gematcht = result.gematcht
        levering.nieuw = result.nieuw
        levering.dubbel = result.gematcht - result.nieuw
        levering.ongematcht = len(rows) - result.gematcht
        repository.update_levering(session, levering)
        self._audit(session, ctx, gemeente, "signalen.leveren", f"matched-{result.gematcht}-new-{result.nieuw}")
        return SignaalLeveringResultaat(
            id=levering.id,
            gemeente=gemeente,
            aantal=levering.aantal,
            gematcht=levering.gematcht,
            nieuw=levering.nieuw,
            dubbel=levering.dubbel,
            ongematcht=levering.ongematcht,
            cursor=cursor,
            ontvangen_op=now,
        )

    def zoek(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        *,
        status: HandhavingsignaalStatus | None,
        soort: IbSignaalSoort | None,
        after: str | None,
        page_size: int,
    ) -> HandhavingsignaalPagina:
        """The gemeente's handhavingsignalen, newest first (audited: they name clients)."""
        if not (
            ctx.actor_type is ActorType.SERVICE
            or (ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role(*LIST_ROLES))
        ):
            raise ForbiddenError("U heeft geen rol die handhavingsignalen mag zien")
        rows = repository.list_handhavingsignalen(
            session, gemeente, status=status, soort=soort, after=_decode(after), limit=page_size + 1
        )
        page = rows[:page_size]
        next_after = _encode(page[-1].created_at, page[-1].id) if len(rows) > page_size else None
        self._audit(session, ctx, gemeente, "handhavingsignalen.zoeken", f"listed-{len(page)}")
        return HandhavingsignaalPagina(items=[_signaal(r) for r in page], next_after=next_after)


def _parse(body: bytes) -> tuple[list[repository.StagedSignaal], str | None]:
    """Validate a delivery's JSON and turn it into staging rows. Raises 400 (``RequestValidationError``)."""
    try:
        levering = SIGNAAL_LEVERING.validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)[:_MAX_REPORTED_ERRORS]
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None
    rows: list[repository.StagedSignaal] = []
    seen: set[str] = set()
    for index, s in enumerate(levering["signalen"]):
        periode = s["periode"]
        vanaf, tot = periode["vanaf"], periode.get("tot")
        if tot is not None and tot <= vanaf:
            raise BadRequestError.for_field(
                f"signalen.{index}.periode.tot", "tot moet na vanaf liggen (tot is exclusief)"
            )
        sid = s["signaalId"]
        if sid in seen:
            raise BadRequestError.for_field(
                f"signalen.{index}.signaalId", "dit signaal komt meer dan eens voor in de levering", code="duplicate"
            )
        seen.add(sid)
        amount = s.get("bedrag")
        rows.append(
            (
                sid,
                s["bsn"],
                s["soort"],
                vanaf,
                tot,
                s["ontvangenOp"],
                s["omschrijving"],
                # Exactly two decimals (the pattern): "412.50" -> 41250, "-0.05" -> -5.
                int(amount.replace(".", "")) if amount is not None else None,
                s.get("kenteken"),
                s.get("land"),
                s.get("instantie"),
            )
        )
    return rows, levering.get("cursor")


def _signaal(row: HandhavingsignaalRow) -> Handhavingsignaal:
    return Handhavingsignaal(
        id=row.id,
        signaal_id=row.signaal_id,
        bsn=row.bsn,
        soort=row.soort,
        status=row.status,
        signaal_periode=SignaalPeriodeModel(vanaf=row.signaal_vanaf, tot=row.signaal_tot),
        periode=SignaalPeriodeModel(vanaf=row.periode_vanaf, tot=row.periode_tot),
        uitkering_id=row.uitkering_id,
        aanvraag_id=row.aanvraag_id,
        ontvangen_op=row.ontvangen_op,
        omschrijving=row.omschrijving,
        bedrag=bedrag(row.bedrag_cents) if row.bedrag_cents is not None else None,
        kenteken=row.kenteken,
        land=row.land,
        instantie=row.instantie,
        levering_id=row.levering_id,
        created_at=row.created_at,
    )


def _encode(at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.astimezone(UTC).isoformat()}|{row_id}".encode()).decode().rstrip("=")


def _decode(token: str | None) -> tuple[datetime, uuid.UUID] | None:
    if token is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        at, row_id = raw.split("|")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, uuid.UUID(row_id)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise BadRequestError.for_field("after", "geen geldige cursor (gebruik nextAfter)") from None

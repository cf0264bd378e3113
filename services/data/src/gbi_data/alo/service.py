"""Use cases of the ALO store. They raise the shared error tree and know nothing of HTTP.

Who may do what (the tenant is always the verified context's gemeente; another gemeente's rows answer exactly like
rows that do not exist):

    caller                                  aanvragen, documenten, besluit   taken                procesinstanties
    GBI service (actor type service)        everything                       create, read         everything
    medewerker (klantmanager, inkomens-     read; register (not handhaver);  read, claim (own     -
    consulent, handhaver, teamleider)       upload                           rol), complete, ...
    burger                                  own BSN only: register, read,    -                    -
                                            upload (not a beschikking)

Every access to a case's personal data is written to the audit log with the citizen as a pseudonym, in the same
transaction. The audit entry is the last write of each use case, so the lock on the audit chain head is always
taken after the row locks (no lock-order cycles on PostgreSQL). Every "now" comes from the data service's clock
(:meth:`AloService.nu`), which tests can move outside production.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal, NamedTuple, get_args

from sqlalchemy.orm import Session

from gbi_data import audit
from gbi_data.alo import repository
from gbi_data.alo.documents import check_content
from gbi_data.alo.models import (
    Aanvraag as AanvraagRow,
)
from gbi_data.alo.models import (
    Besluit as BesluitRow,
)
from gbi_data.alo.models import (
    Document as DocumentRow,
)
from gbi_data.alo.models import (
    Procesinstantie as ProcesinstantieRow,
)
from gbi_data.alo.models import (
    Processtap,
    TaakOpmerking,
)
from gbi_data.alo.models import (
    Taak as TaakRow,
)
from gbi_data.alo.models import (
    TijdlijnItem as TijdlijnRow,
)
from gbi_data.alo.models import (
    Uitkering as UitkeringRow,
)
from gbi_data.alo.models import (
    Voorschot as VoorschotRow,
)
from gbi_data.betaalrun.models import UitkeringGrondslag
from gbi_data.notificaties import publiceer
from gbi_data.repository import bind_tenant
from gbi_data.settings import DataSettings
from gbi_shared import (
    ActorType,
    BadRequestError,
    ConflictError,
    Environment,
    ForbiddenError,
    NotFoundError,
    RequestContext,
    UnprocessableError,
)
from gbi_shared.contracts.alo import (
    Aanvraag,
    AanvraagMetProces,
    AanvraagMetProcesIngediend,
    AanvraagNieuw,
    AanvraagPagina,
    AanvraagSamenvatting,
    AanvraagStatus,
    AanvraagStatusWijziging,
    Besluit,
    BesluitBeschikking,
    BesluitNieuw,
    ClaimResultaat,
    ClaimVerzoek,
    Document,
    DocumentLijst,
    Klok,
    KlokInstelling,
    Opmerking,
    OpmerkingNieuw,
    Procesinstantie,
    ProcesinstantieMetBesluit,
    ProcesinstantieNieuw,
    ProcesinstantieOpslag,
    ProcesLease,
    Stap,
    StapLijst,
    StapNieuw,
    Taak,
    TaakAfronding,
    TaakDetail,
    TaakHerverdeling,
    TaakNieuw,
    TaakPagina,
    TaakRol,
    TaakStatus,
    TaakTelling,
    TaakTellingen,
    TijdlijnItem,
    TijdlijnItemNieuw,
    Uitkering,
    UitkeringNieuw,
    Voorschot,
    VoorschotLijst,
    VoorschotNieuw,
)

__all__ = ["CASE_ROLES", "PROCESSING_ACTIVITY", "TASK_ROLES", "AloService", "DocumentInhoud"]

log = logging.getLogger("gbi.data.alo")

PROCESSING_ACTIVITY = "gbi.alo"
SUBJECT_TYPE_BSN = "BSN"
#: Staff roles that work on cases (read them, upload to them); registering also needs one of REGISTER_ROLES.
CASE_ROLES = ("klantmanager", "inkomensconsulent", "handhaver", "teamleider")
REGISTER_ROLES = ("klantmanager", "inkomensconsulent", "teamleider")
TASK_ROLES: tuple[str, ...] = get_args(TaakRol)
#: A case in one of these statuses is finished: its status no longer changes.
FINAL_STATUSES = frozenset({"besloten", "buiten-behandeling", "ingetrokken"})
RECEIVED_ENTRY = ("aanvraag-ontvangen", "Uw aanvraag is ontvangen.")
CursorKind = Literal["aanvragen", "due", "created"]


class DocumentInhoud:
    """The bytes of a document with what a response needs to serve them."""

    __slots__ = ("content", "content_type", "filename", "sha256")

    def __init__(self, content: bytes, content_type: str, filename: str, sha256: str) -> None:
        self.content = content
        self.content_type = content_type
        self.filename = filename
        self.sha256 = sha256


class _GelezenAanvraag(NamedTuple):
    """What recording a besluit or an uitkering needs of its aanvraag (id, gemeente, data subject), where the
    request read it already: a save's own select joins the aanvraag (ADR 0039)."""

    id: uuid.UUID
    gemeente: str
    data_subject_id: str


class AloService:
    def __init__(self, settings: DataSettings) -> None:
        self.pseudonymiser = audit.Pseudonymiser(settings.audit_pseudonym_key.get_secret_value())
        self.production = settings.environment is Environment.PRODUCTION

    # --- clock ------------------------------------------------------------------------------------------------------

    def offset(self, session: Session) -> int:
        """The clock's offset in seconds (always 0 in production)."""
        return 0 if self.production else repository.get_klok_offset(session)

    def nu(self, session: Session) -> datetime:
        """Now, per the data service's clock: the real time plus the shared offset (none in production)."""
        return datetime.now(UTC) + timedelta(seconds=self.offset(session))

    def klok(self, session: Session) -> Klok:
        offset = self.offset(session)
        return Klok(nu=datetime.now(UTC) + timedelta(seconds=offset), offset_seconden=offset)

    def zet_klok(self, session: Session, ctx: RequestContext, body: KlokInstelling) -> Klok:
        if self.production:
            raise ForbiddenError("De klok staat in productie niet te verzetten")
        repository.set_klok_offset(session, body.offset_seconden, ctx.actor_id, datetime.now(UTC))
        log.warning("clock moved", extra={"offset_s": body.offset_seconden, "actor": ctx.actor_id})
        return Klok(
            nu=datetime.now(UTC) + timedelta(seconds=body.offset_seconden), offset_seconden=body.offset_seconden
        )

    # --- who ------------------------------------------------------------------------------------------------------

    def _subject(self, bsn: str) -> str:
        return self.pseudonymiser.pseudonym(bsn)

    def _owns_subject(self, ctx: RequestContext, subject: str) -> bool:
        return ctx.actor_type is ActorType.BURGER and ctx.bsn is not None and self._subject(ctx.bsn) == subject

    def _sees_case(self, ctx: RequestContext, row: AanvraagRow) -> bool:
        return self._sees_subject(ctx, row.data_subject_id)

    def _sees_subject(self, ctx: RequestContext, subject: str) -> bool:
        """Whether ``ctx`` may see an aanvraag whose data subject is ``subject`` (as :meth:`_sees_case`)."""
        return _is_service(ctx) or _is_case_staff(ctx) or self._owns_subject(ctx, subject)

    def _actor(self, ctx: RequestContext) -> str:
        # A citizen's subject identifier may be (or reveal) the BSN: store it only as a pseudonym.
        return self._subject(ctx.actor_id) if ctx.actor_type is ActorType.BURGER else ctx.actor_id

    def _audit(
        self, session: Session, ctx: RequestContext, gemeente: str, operation: str, subject: str | None, outcome: str
    ) -> None:
        # Written when the transaction commits, together with the request's other entries (one lock, one insert).
        audit.defer(session, gemeente, self._entry(ctx, operation, subject, outcome))

    def _digest(self, payload: object) -> str:
        return self.pseudonymiser.digest(payload)

    @staticmethod
    def _meld(
        session: Session,
        case: AanvraagRow | _GelezenAanvraag,
        resource: str,
        actie: str,
        at: datetime,
        deel: str = "",
        **kenmerken: str,
    ) -> None:
        """Announce a change of the aanvraag on the kanaal ``aanvragen``, in this transaction (gbi_data.notificaties):
        hoofdObject is the aanvraag's public URL, a part of it (``deel``) its fragment."""
        _meld_aanvraag(session, case.gemeente, case.id, resource, actie, at, deel, **kenmerken)

    def _visible_case(
        self, session: Session, ctx: RequestContext, gemeente: str, aanvraag_id: uuid.UUID, *, lock: bool = False
    ) -> AanvraagRow:
        row = repository.get_aanvraag(session, gemeente, aanvraag_id, lock=lock)
        if row is None or not self._sees_case(ctx, row):
            raise NotFoundError("Geen aanvraag met dit id")
        return row

    @staticmethod
    def _referenced_case(session: Session, gemeente: str, aanvraag_id: uuid.UUID, field: str) -> AanvraagRow:
        row = repository.get_aanvraag(session, gemeente, aanvraag_id)
        if row is None:
            raise BadRequestError.for_field(field, "geen aanvraag met dit id", code="unknown")
        return row

    # --- aanvragen --------------------------------------------------------------------------------------------------

    def registreer_aanvraag(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        body: AanvraagNieuw,
        idempotency_key: str,
        *,
        aanvraag_id: uuid.UUID | None = None,
    ) -> tuple[Aanvraag, bool]:
        """Register an aanvraag (audited). Returns (aanvraag, replayed): the same key and body give the same one.
        ``aanvraag_id``: the id of a new one (else a random one)."""
        if ctx.actor_type is ActorType.BURGER:
            if body.bsn != ctx.bsn:
                raise ForbiddenError("Een burger kan alleen voor zichzelf een aanvraag indienen")
        elif not (_is_service(ctx) or (ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role(*REGISTER_ROLES))):
            raise ForbiddenError("U heeft geen rol die een aanvraag mag registreren")
        request_hash = self._digest(body.model_dump(mode="json", by_alias=True))
        # No read first: the insert finds a key used before (a replay, or a concurrent request) by its constraint.
        now = self.nu(session)
        row = AanvraagRow(
            id=aanvraag_id or uuid.uuid4(),
            gemeente=gemeente,
            bsn=body.bsn,
            data_subject_id=self._subject(body.bsn),
            meldingsdatum=body.meldingsdatum,
            aanvraagdatum=body.aanvraagdatum,
            kanaal=body.kanaal,
            gegevens=body.gegevens,
            status="ontvangen",
            version=1,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            created_by=self._actor(ctx),
            created_at=now,
            updated_at=now,
        )
        if not repository.insert_new(session, row):
            # The key was used before (or by a concurrent request that committed first): answer as its replay.
            existing = repository.get_aanvraag_by_idempotency_key(session, gemeente, idempotency_key)
            if existing is None:
                raise ConflictError("De aanvraag kon niet worden opgeslagen; probeer het opnieuw")
            return self._aanvraag_replay(session, existing, request_hash), True
        soort, omschrijving = RECEIVED_ENTRY
        entry = TijdlijnRow(
            id=uuid.uuid4(),
            gemeente=gemeente,
            aanvraag_id=row.id,
            at=now,
            soort=soort,
            omschrijving=omschrijving,
            actor="gemeente",
            sleutel=soort,
            created_at=now,
        )
        repository.insert_new(session, entry)  # a new aanvraag: no entry with this sleutel yet
        self._meld(session, row, "aanvraag", "create", now, status=row.status)
        self._audit(session, ctx, gemeente, "aanvraag.registreren", row.data_subject_id, "created")
        return _aanvraag(row, [entry]), False

    def dien_in(
        self, session: Session, ctx: RequestContext, gemeente: str, body: AanvraagMetProces, idempotency_key: str
    ) -> tuple[AanvraagMetProcesIngediend, bool]:
        """Register an aanvraag and start its process instance in one transaction (ADR 0030), the instance leased
        to ``body.procesinstantie.lease`` when given (as its first claim). The registration is the caller's (a
        citizen's only for their own BSN, audited as theirs); the start is the GBI service's that made the call (a
        service, or the service that forwarded the caller's context). Returns (result, replayed): the same key and
        aanvraag again give the aanvraag registered first with the instance it has (never leased by the repeat;
        none when it was registered without one)."""
        starter = _starter(ctx)
        if starter is None:
            raise ForbiddenError("Alleen een GBI-dienst start het proces van een aanvraag")
        aanvraag, replayed = self.registreer_aanvraag(
            session, ctx, gemeente, body.aanvraag, idempotency_key, aanvraag_id=body.aanvraag_id
        )
        now = self.nu(session)
        if replayed:
            existing = repository.get_procesinstantie_by_aanvraag(session, gemeente, aanvraag.id)
            instance = _procesinstantie(existing) if existing is not None else None
            return AanvraagMetProcesIngediend(aanvraag=aanvraag, procesinstantie=instance, geclaimd=False, nu=now), True
        start = body.procesinstantie
        lease = start.lease
        row = _nieuwe_procesinstantie(
            gemeente, aanvraag.id, start.definitie, start.definitie_versie, start.state, now, lease=lease
        )
        if not repository.insert_new(session, row):
            raise ConflictError("De procesinstantie kon niet worden opgeslagen; probeer het opnieuw")
        # The registration's entry and these go into the chain together at the commit (ADR 0032).
        subject = self._subject(body.aanvraag.bsn)
        self._audit(session, starter, gemeente, "procesinstantie.starten", subject, "created")
        if lease is not None:
            self._audit(session, starter, gemeente, "procesinstantie.claimen", subject, "claimed")
        return AanvraagMetProcesIngediend(
            aanvraag=aanvraag, procesinstantie=_procesinstantie(row), geclaimd=lease is not None, nu=now
        ), False

    def _aanvraag_replay(self, session: Session, existing: AanvraagRow, request_hash: str) -> Aanvraag:
        if existing.request_hash != request_hash:
            raise ConflictError(
                "Deze Idempotency-Key is al gebruikt voor een ander verzoek", code="idempotency-key-reused"
            )
        return _aanvraag(existing, repository.list_tijdlijn(session, existing.gemeente, existing.id))

    def aanvraag(self, session: Session, ctx: RequestContext, gemeente: str, aanvraag_id: uuid.UUID) -> Aanvraag:
        """One aanvraag with its tijdlijn (audited read)."""
        row = self._visible_case(session, ctx, gemeente, aanvraag_id)
        result = _aanvraag(row, repository.list_tijdlijn(session, gemeente, row.id))
        self._audit(session, ctx, gemeente, "aanvraag.raadplegen", row.data_subject_id, "read")
        return result

    def zoek_aanvragen(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        *,
        bsn: str | None,
        status: AanvraagStatus | None,
        after: str | None,
        page_size: int,
    ) -> AanvraagPagina:
        """The gemeente's aanvragen, newest first (a citizen: only their own). No BSN in the items."""
        if ctx.actor_type is ActorType.BURGER:
            if ctx.bsn is None or (bsn is not None and bsn != ctx.bsn):
                return AanvraagPagina(items=[])
            subject: str | None = self._subject(ctx.bsn)
        elif _is_service(ctx) or _is_case_staff(ctx):
            subject = self._subject(bsn) if bsn is not None else None
        else:
            raise ForbiddenError("U heeft geen rol die aanvragen mag zien")
        cursor = decode_cursor(after, "aanvragen")
        rows = repository.list_aanvragen(
            session, gemeente, data_subject_id=subject, status=status, after=cursor, limit=page_size + 1
        )
        page = rows[:page_size]
        items = [AanvraagSamenvatting.model_validate(r, from_attributes=True) for r in page]
        next_after = encode_cursor("aanvragen", page[-1].created_at, page[-1].id) if len(rows) > page_size else None
        self._audit(session, ctx, gemeente, "aanvraag.zoeken", subject, f"listed-{len(items)}")
        return AanvraagPagina(items=items, next_after=next_after)

    # --- a citizen's own aanvragen in every gemeente (the citizen-wide index, ADR 0010) ---------------------------

    def _burger_subject(self, session: Session, ctx: RequestContext) -> str:
        if ctx.actor_type is not ActorType.BURGER or not ctx.bsn:
            raise ForbiddenError("Alleen een burger ziet zo zijn eigen aanvragen")
        subject = self._subject(ctx.bsn)
        repository.bind_subject(session, subject)
        return subject

    def _audit_per_gemeente(
        self, session: Session, ctx: RequestContext, subject: str, gevonden: Sequence[AanvraagRow], operation: str
    ) -> None:
        """One audit entry in each gemeente whose rows the citizen saw (each gemeente keeps its own chain)."""
        for gemeente in sorted({r.gemeente for r in gevonden}):
            bind_tenant(session, gemeente)
            count = sum(1 for r in gevonden if r.gemeente == gemeente)
            # Now, not at the commit: the transaction is bound to this gemeente only until the next one.
            audit.append(session, gemeente, self._entry(ctx, operation, subject, f"listed-{count}"))

    def burger_aanvragen(
        self,
        session: Session,
        ctx: RequestContext,
        *,
        status: AanvraagStatus | None,
        after: str | None,
        page_size: int,
    ) -> AanvraagPagina:
        """The calling citizen's own aanvragen in every gemeente, newest first, without BSN: a citizen who moved
        still finds the aanvragen of the gemeente they left."""
        subject = self._burger_subject(session, ctx)
        cursor = decode_cursor(after, "aanvragen")
        rows = repository.list_aanvragen_van_burger(session, subject, status=status, after=cursor, limit=page_size + 1)
        page = rows[:page_size]
        items = [AanvraagSamenvatting.model_validate(r, from_attributes=True) for r in page]
        next_after = encode_cursor("aanvragen", page[-1].created_at, page[-1].id) if len(rows) > page_size else None
        self._audit_per_gemeente(session, ctx, subject, page, "aanvraag.zoeken")
        return AanvraagPagina(items=items, next_after=next_after)

    def burger_aanvraag(self, session: Session, ctx: RequestContext, aanvraag_id: uuid.UUID) -> AanvraagSamenvatting:
        """One of the calling citizen's own aanvragen, in whichever gemeente it lives (404 for anyone else's)."""
        subject = self._burger_subject(session, ctx)
        row = repository.get_aanvraag_van_burger(session, subject, aanvraag_id)
        if row is None:
            raise NotFoundError("Geen aanvraag met dit id")
        self._audit_per_gemeente(session, ctx, subject, [row], "aanvraag.vinden")
        return AanvraagSamenvatting.model_validate(row, from_attributes=True)

    def wijzig_status(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        aanvraag_id: uuid.UUID,
        body: AanvraagStatusWijziging,
        if_match: int | None,
    ) -> Aanvraag:
        """Change the status, only from the version the caller read (409 otherwise). A finished case keeps its
        status (422)."""
        if if_match is not None and body.version is not None and if_match != body.version:
            raise BadRequestError.for_field("version", "verschilt van If-Match")
        expected = if_match if if_match is not None else body.version
        if expected is None:
            raise BadRequestError.for_field("version", "geef de versie mee (If-Match of version)", code="missing")
        row = self._visible_case(session, ctx, gemeente, aanvraag_id, lock=True)
        if row.version != expected:
            raise ConflictError(
                f"De aanvraag is intussen gewijzigd (versie {row.version}, niet {expected})", code="version-mismatch"
            )
        if body.status != row.status:
            if row.status in FINAL_STATUSES:
                raise UnprocessableError(
                    f"De aanvraag is afgesloten ({row.status}); de status verandert niet meer", code="status-definitief"
                )
            row.status = body.status
            row.version += 1
            row.updated_at = self.nu(session)
            session.flush()
            self._meld(session, row, "aanvraag", "partial_update", row.updated_at, status=row.status)
        result = _aanvraag(row, repository.list_tijdlijn(session, gemeente, row.id))
        self._audit(session, ctx, gemeente, "aanvraag.status-wijzigen", row.data_subject_id, "updated")
        return result

    def voeg_tijdlijn_toe(
        self, session: Session, ctx: RequestContext, gemeente: str, aanvraag_id: uuid.UUID, body: TijdlijnItemNieuw
    ) -> tuple[TijdlijnItem, bool]:
        """Add a citizen-visible history entry. With a ``sleutel`` a repeat returns the earlier entry."""
        case = self._visible_case(session, ctx, gemeente, aanvraag_id)
        if body.sleutel is not None:
            existing = repository.get_tijdlijn_item_by_sleutel(session, gemeente, case.id, body.sleutel)
            if existing is not None:
                return _tijdlijn(existing), True
        now = self.nu(session)
        row = _tijdlijn_row(gemeente, case.id, body, ctx, now)
        if not repository.add_row(session, row):
            existing = (
                repository.get_tijdlijn_item_by_sleutel(session, gemeente, case.id, body.sleutel)
                if body.sleutel is not None
                else None
            )
            if existing is None:
                raise ConflictError("De tijdlijn kon niet worden aangevuld; probeer het opnieuw")
            return _tijdlijn(existing), True
        self._audit(session, ctx, gemeente, "aanvraag.tijdlijn-aanvullen", case.data_subject_id, "created")
        return _tijdlijn(row), False

    # --- procesinstanties -------------------------------------------------------------------------------------------

    def start_proces(
        self, session: Session, ctx: RequestContext, gemeente: str, body: ProcesinstantieNieuw
    ) -> tuple[Procesinstantie, bool]:
        """Create the process instance of an aanvraag. A repeat (same aanvraag and definition) returns it; another
        definition for the same aanvraag is 409."""
        case = self._referenced_case(session, gemeente, body.aanvraag_id, "aanvraagId")

        def replay(existing: ProcesinstantieRow) -> Procesinstantie:
            if (existing.definitie, existing.definitie_versie) != (body.definitie, body.definitie_versie):
                raise ConflictError(
                    "Deze aanvraag heeft al een procesinstantie van een andere definitie",
                    code="procesinstantie-bestaat",
                )
            return _procesinstantie(existing)

        now = self.nu(session)  # no read first: the insert finds an existing instance by its constraint
        row = _nieuwe_procesinstantie(
            gemeente,
            case.id,
            body.definitie,
            body.definitie_versie,
            body.state,
            now,
            status=body.status,
            next_due_at=body.next_due_at,
        )
        if not repository.insert_new(session, row):
            existing = repository.get_procesinstantie_by_aanvraag(session, gemeente, case.id)
            if existing is None:
                raise ConflictError("De procesinstantie kon niet worden opgeslagen; probeer het opnieuw")
            return replay(existing), True
        self._audit(session, ctx, gemeente, "procesinstantie.starten", case.data_subject_id, "created")
        return _procesinstantie(row), False

    def procesinstantie(
        self, session: Session, ctx: RequestContext, gemeente: str, instance_id: uuid.UUID
    ) -> Procesinstantie:
        row = repository.get_procesinstantie(session, gemeente, instance_id)
        if row is None:
            raise NotFoundError("Geen procesinstantie met dit id")
        subjects = repository.subjects_of(session, gemeente, [row.aanvraag_id])
        self._audit(session, ctx, gemeente, "procesinstantie.raadplegen", subjects.get(row.aanvraag_id), "read")
        return _procesinstantie(row)

    def claim(self, session: Session, ctx: RequestContext, gemeente: str, body: ClaimVerzoek) -> ClaimResultaat:
        """Lease due instances to ``body.worker`` (audited per instance: the state holds personal data)."""
        now = self.nu(session)
        rows = repository.claim_procesinstanties(
            session,
            gemeente,
            worker=body.worker,
            now=now,
            lease_until=now + timedelta(seconds=body.lease_seconds),
            limit=body.limit,
        )
        items = [_procesinstantie(r) for r in rows]
        subjects = repository.subjects_of(session, gemeente, [r.aanvraag_id for r in rows])
        for r in rows:
            self._audit(session, ctx, gemeente, "procesinstantie.claimen", subjects.get(r.aanvraag_id), "claimed")
        return ClaimResultaat(items=items, nu=now, open=self._open_na_lege_claim(session, gemeente, rows))

    @staticmethod
    def _open_na_lege_claim(session: Session, gemeente: str, rows: Sequence[ProcesinstantieRow]) -> bool | None:
        """With an empty claim: whether the gemeente has unfinished instances at all (a worker polls one without
        any rarely; only a new start, which the process service makes itself, creates work there)."""
        return None if rows else repository.has_open_procesinstanties(session, gemeente)

    def sla_op(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        instance_id: uuid.UUID,
        body: ProcesinstantieOpslag,
    ) -> tuple[Procesinstantie, bool]:
        """Save the engine's state, and record ``body.stappen`` with it (all or nothing): only from the current
        version and while the caller holds the lease (409 otherwise). Returns (instance, replayed): the same save
        again after it committed (an answer lost on the way) is answered with the stored instance, changing nothing.

        A step already recorded with the same result changes nothing; with another result the save is refused (409
        ``stap-vastgelegd``): the caller computed its state from a result that lost, and must start again from the
        stored state, where the recorded result wins."""
        found = repository.get_procesinstantie_for_save(session, gemeente, instance_id)
        if found is None:
            raise NotFoundError("Geen procesinstantie met dit id")
        row, subject, besluit_soort = found
        # Changed below and written with one prebuilt UPDATE (save_procesinstantie), not by the unit of work.
        session.expunge(row)
        now = self.nu(session)
        keys = [s.stap_sleutel for s in body.stappen]
        stored: dict[str, Processtap] = {}
        if row.version != body.version:
            if keys:
                stored = {s.stap_sleutel: s for s in repository.get_stappen(session, gemeente, instance_id, keys)}
            if _is_replay(row, body, stored, now):
                return self._met_besluit(session, ctx, gemeente, row, body, replay=True), True
            raise ConflictError(
                f"De procesinstantie is intussen gewijzigd (versie {row.version}, niet {body.version})",
                code="version-mismatch",
            )
        if row.lease_owner != body.lease_owner or row.lease_until is None or row.lease_until <= now:
            raise ConflictError("Deze worker heeft de procesinstantie niet (meer) geclaimd", code="lease-lost")
        # One statement for the steps (no read before it): a key recorded already, by an earlier save or a
        # concurrent writer, is skipped by the insert and read back to compare its result.
        inserted = repository.insert_stappen(
            session, gemeente, instance_id, [(s.stap_sleutel, s.resultaat) for s in body.stappen], now
        )
        lost = [key for key in keys if key not in inserted]
        if lost:
            stored |= {s.stap_sleutel: s for s in repository.get_stappen(session, gemeente, instance_id, lost)}
        for stap in body.stappen:
            if stap.stap_sleutel in inserted:
                continue
            existing = stored.get(stap.stap_sleutel)
            if existing is None:
                raise ConflictError("De stap kon niet worden vastgelegd; probeer het opnieuw")
            if existing.resultaat != stap.resultaat:
                raise ConflictError(
                    f"De stap {stap.stap_sleutel} is al vastgelegd met een ander resultaat",
                    code="stap-vastgelegd",
                )
        row.state = body.state
        row.status = body.status
        row.next_due_at = body.next_due_at
        row.version += 1
        row.updated_at = now
        row.last_error = body.last_error
        if body.last_error is None:
            row.attempts = 0
        if not (body.keep_lease and body.status in ("runnable", "waiting")):
            row.lease_owner = None
            row.lease_until = None
        elif body.lease_seconds is not None:
            row.lease_until = now + timedelta(seconds=body.lease_seconds)  # a heartbeat of a long step
        repository.save_procesinstantie(session, row)
        self._audit(session, ctx, gemeente, "procesinstantie.opslaan", subject, "updated")
        self._aanvraag_bij_opslag(session, ctx, gemeente, row.aanvraag_id, subject, body, now)
        # The besluit before the uitkering: an uitkering starts only on a recorded toekenning. Both use the aanvraag
        # as the save's select read it (no second read), and the uitkering the besluit this save recorded or found.
        gelezen = _GelezenAanvraag(row.aanvraag_id, gemeente, subject) if subject is not None else None
        instance = self._met_besluit(session, ctx, gemeente, row, body, gelezen=gelezen)
        if body.uitkering is not None:
            # The besluit's soort: the one this save recorded or found, else the one its select found (a besluit's
            # soort never changes); None (no besluit when it read) makes start_uitkering read it.
            if isinstance(instance, ProcesinstantieMetBesluit):
                besluit_soort = instance.besluit.soort
            self._uitkering_bij_opslag(session, ctx, gemeente, row.aanvraag_id, body.uitkering, gelezen, besluit_soort)
        return instance, False

    def _met_besluit(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        row: ProcesinstantieRow,
        body: ProcesinstantieOpslag,
        *,
        replay: bool = False,
        gelezen: _GelezenAanvraag | None = None,
    ) -> Procesinstantie:
        """The besluit a save takes along (ADR 0038): recorded in the save's transaction exactly as ``POST
        aanvragen/{id}/besluit`` records it (the same checks, audit and outbox announcement); the same one again
        finds the first, another refuses the save (409 ``besluit-bestaat``). A repeated save (``replay``: it
        committed, its answer was lost) only finds the besluit its first try recorded: it never records one, as
        it is past its lease check (409 when that try recorded none or another). The answer carries the besluit
        only when the save took one along. ``gelezen``: the instance's aanvraag as the save read it (else read here)."""
        instance = _procesinstantie(row)
        if body.besluit is None:
            return instance
        if replay:
            besluit = self._besluit_van_herhaling(session, ctx, gemeente, row.aanvraag_id, body.besluit)
        else:
            besluit, _ = self.leg_besluit_vast(session, ctx, gemeente, row.aanvraag_id, body.besluit, gelezen=gelezen)
        return ProcesinstantieMetBesluit(**dict(instance), besluit=besluit)

    def _besluit_van_herhaling(
        self, session: Session, ctx: RequestContext, gemeente: str, aanvraag_id: uuid.UUID, body: BesluitNieuw
    ) -> Besluit:
        case = self._visible_case(session, ctx, gemeente, aanvraag_id)
        existing = repository.get_besluit(session, gemeente, case.id)
        if existing is None or existing.request_hash != self._digest(body.model_dump(mode="json", by_alias=True)):
            raise ConflictError(
                "Deze opslag is al verwerkt zonder dit besluit (of met een ander); het besluit is niet vastgelegd",
                code="besluit-bestaat",
            )
        return _besluit(existing)

    def _uitkering_bij_opslag(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        aanvraag_id: uuid.UUID,
        body: UitkeringNieuw,
        gelezen: _GelezenAanvraag | None = None,
        besluit_soort: str | None = None,
    ) -> None:
        """The uitkering a save takes along (ADR 0030): started in the save's transaction exactly as ``POST
        uitkeringen`` does (audited, announced); the same one again changes nothing, another refuses the save.
        ``gelezen`` and ``besluit_soort``: the aanvraag and its besluit's soort as this save read or recorded them (else
        read)."""
        if body.aanvraag_id != aanvraag_id:
            raise BadRequestError.for_field(
                "uitkering.aanvraagId", "de aanvraag van deze procesinstantie", code="invalid"
            )
        self.start_uitkering(session, ctx, gemeente, body, gelezen=gelezen, besluit_soort=besluit_soort)

    def _aanvraag_bij_opslag(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        aanvraag_id: uuid.UUID,
        subject: str | None,
        body: ProcesinstantieOpslag,
        now: datetime,
    ) -> None:
        """What a save takes along for its aanvraag, in its transaction (ADR 0027): tijdlijn entries (a sleutel the
        tijdlijn holds changes nothing) and the status (a closed aanvraag keeps its own). Audited as the separate
        calls are. ``subject`` is the aanvraag's data subject as the save read it (None: no aanvraag)."""
        if not body.tijdlijn and body.aanvraag_status is None:
            return
        if subject is None:  # the save's select joins the aanvraag; its data subject is never empty
            raise ConflictError("De aanvraag van de procesinstantie ontbreekt")
        # One statement for the entries (no read before it): a sleutel the tijdlijn holds is skipped.
        rows = [_tijdlijn_row(gemeente, aanvraag_id, item, ctx, now) for item in body.tijdlijn]
        inserted = repository.insert_tijdlijn(session, rows)
        for row in rows:
            if row.sleutel in inserted:
                self._audit(session, ctx, gemeente, "aanvraag.tijdlijn-aanvullen", subject, "created")
        if body.aanvraag_status is not None:
            changed = repository.set_aanvraag_status(
                session, gemeente, aanvraag_id, body.aanvraag_status, FINAL_STATUSES, now
            )
            if changed is not None:
                _meld_aanvraag(
                    session, gemeente, aanvraag_id, "aanvraag", "partial_update", now, status=body.aanvraag_status
                )
                self._audit(session, ctx, gemeente, "aanvraag.status-wijzigen", subject, "updated")

    def _entry(self, ctx: RequestContext, operation: str, subject: str | None, outcome: str) -> audit.AuditEntry:
        return audit.AuditEntry(
            operation=operation,
            processing_activity=PROCESSING_ACTIVITY,
            actor=self._actor(ctx),
            actor_type=ctx.actor_type.value,
            purpose=ctx.purpose,
            outcome=outcome,
            data_subject_id=subject,
            data_subject_type=SUBJECT_TYPE_BSN if subject is not None else None,
        )

    def _voeg_stap_toe(
        self, session: Session, gemeente: str, instance_id: uuid.UUID, body: StapNieuw, now: datetime
    ) -> tuple[Processtap, bool]:
        """Insert a step record: (ours, True), or (the record a concurrent writer made first, False)."""
        row = Processtap(
            id=uuid.uuid4(),
            gemeente=gemeente,
            procesinstantie_id=instance_id,
            stap_sleutel=body.stap_sleutel,
            resultaat=body.resultaat,
            created_at=now,
        )
        if repository.add_row(session, row):
            return row, True
        existing = repository.get_stap(session, gemeente, instance_id, body.stap_sleutel)
        if existing is None:
            raise ConflictError("De stap kon niet worden vastgelegd; probeer het opnieuw")
        return existing, False

    # --- stappen ----------------------------------------------------------------------------------------------------

    def leg_stap_vast(
        self, session: Session, gemeente: str, instance_id: uuid.UUID, body: StapNieuw
    ) -> tuple[Stap, bool]:
        """Record a side effect's result. Returns (stap, created): the first write wins, a repeat gets it back."""
        if repository.get_procesinstantie(session, gemeente, instance_id) is None:
            raise NotFoundError("Geen procesinstantie met dit id")
        existing = repository.get_stap(session, gemeente, instance_id, body.stap_sleutel)
        if existing is not None:
            return _stap(existing), False
        row, created = self._voeg_stap_toe(session, gemeente, instance_id, body, self.nu(session))
        return _stap(row), created

    @staticmethod
    def stappen(session: Session, gemeente: str, instance_id: uuid.UUID) -> StapLijst:
        """Every recorded step of an instance (service only; the results are the process's own records)."""
        if repository.get_procesinstantie(session, gemeente, instance_id) is None:
            raise NotFoundError("Geen procesinstantie met dit id")
        return StapLijst(items=[_stap(r) for r in repository.get_stappen(session, gemeente, instance_id)])

    @staticmethod
    def stap(session: Session, gemeente: str, instance_id: uuid.UUID, sleutel: str) -> Stap:
        row = repository.get_stap(session, gemeente, instance_id, sleutel)
        if row is None:
            raise NotFoundError("Deze stap is niet vastgelegd")
        return _stap(row)

    # --- taken ------------------------------------------------------------------------------------------------------

    def maak_taak(self, session: Session, ctx: RequestContext, gemeente: str, body: TaakNieuw) -> tuple[Taak, bool]:
        """Create a warm task (one per instance and taakSleutel; a repeat returns it)."""
        instance = repository.get_procesinstantie(session, gemeente, body.procesinstantie_id)
        if instance is None:
            raise BadRequestError.for_field("procesinstantieId", "geen procesinstantie met dit id", code="unknown")
        existing = repository.get_taak_by_sleutel(session, gemeente, instance.id, body.taak_sleutel)
        if existing is not None:
            return _taak(existing), True
        if body.beoordeelt_taak_id is not None:
            approved = repository.get_taak(session, gemeente, body.beoordeelt_taak_id)
            if approved is None or approved.aanvraag_id != instance.aanvraag_id:
                raise BadRequestError.for_field(
                    "beoordeeltTaakId", "geen taak van dezelfde aanvraag met dit id", code="unknown"
                )
        now = self.nu(session)
        row = TaakRow(
            id=uuid.uuid4(),
            gemeente=gemeente,
            procesinstantie_id=instance.id,
            aanvraag_id=instance.aanvraag_id,
            taak_sleutel=body.taak_sleutel,
            rol=body.rol,
            naam=body.naam,
            omschrijving=body.omschrijving,
            reden=body.reden,
            due_at=body.due_at,
            gegevens=body.gegevens,
            status="open",
            toegewezen_aan=None,
            geclaimd_op=None,
            vierogen=body.vierogen,
            beoordeelt_taak_id=body.beoordeelt_taak_id,
            uitgesloten=sorted(set(body.uitgesloten)),
            beoordeeld_door=None,
            uitkomst=None,
            uitkomst_reden=None,
            uitkomst_gegevens=None,
            afgerond_door=None,
            afgerond_op=None,
            version=1,
            created_at=now,
            updated_at=now,
        )
        if not repository.add_row(session, row):
            existing = repository.get_taak_by_sleutel(session, gemeente, instance.id, body.taak_sleutel)
            if existing is None:
                raise ConflictError("De taak kon niet worden opgeslagen; probeer het opnieuw")
            return _taak(existing), True
        self._task_audit(session, ctx, gemeente, row, "taak.aanmaken", "created")
        return _taak(row), False

    def _task_audit(
        self, session: Session, ctx: RequestContext, gemeente: str, row: TaakRow, operation: str, outcome: str
    ) -> None:
        subject = repository.subjects_of(session, gemeente, [row.aanvraag_id]).get(row.aanvraag_id)
        self._audit(session, ctx, gemeente, operation, subject, outcome)

    def _visible_task(
        self, session: Session, ctx: RequestContext, gemeente: str, taak_id: uuid.UUID, *, lock: bool = False
    ) -> TaakRow:
        row = repository.get_taak(session, gemeente, taak_id, lock=lock)
        if row is None or not (_is_service(ctx) or _is_task_staff(ctx)):
            raise NotFoundError("Geen taak met dit id")
        return row

    def _detail(self, session: Session, gemeente: str, row: TaakRow) -> TaakDetail:
        notes = repository.list_opmerkingen(session, gemeente, row.id)
        return TaakDetail.model_validate(_taak(row).model_dump() | {"opmerkingen": [_opmerking(n) for n in notes]})

    def zoek_taken(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        *,
        rol: TaakRol | None,
        status: TaakStatus | None,
        toegewezen_aan: str | None,
        aanvraag_id: uuid.UUID | None,
        sort: Literal["due", "created"],
        after: str | None,
        page_size: int,
    ) -> TaakPagina:
        """The inbox of the gemeente (audited; with ``aanvraagId`` against that citizen)."""
        if not (_is_service(ctx) or _is_task_staff(ctx)):
            raise ForbiddenError("U heeft geen rol die taken mag zien")
        cursor = decode_cursor(after, sort)
        rows = repository.list_taken(
            session,
            gemeente,
            rol=rol,
            status=status,
            toegewezen_aan=toegewezen_aan,
            aanvraag_id=aanvraag_id,
            sort=sort,
            after=cursor,
            limit=page_size + 1,
        )
        page = rows[:page_size]
        next_after = None
        if len(rows) > page_size:
            last = page[-1]
            next_after = encode_cursor(sort, last.due_at if sort == "due" else last.created_at, last.id)
        subject = None
        if aanvraag_id is not None:
            subject = repository.subjects_of(session, gemeente, [aanvraag_id]).get(aanvraag_id)
        self._audit(session, ctx, gemeente, "taak.zoeken", subject, f"listed-{len(page)}")
        return TaakPagina(items=[_taak(r) for r in page], next_after=next_after)

    def tellingen(self, session: Session, ctx: RequestContext, gemeente: str) -> TaakTellingen:
        """Unfinished tasks per rol (counts only: not personal data, not audited)."""
        if not (_is_service(ctx) or _is_task_staff(ctx)):
            raise ForbiddenError("U heeft geen rol die taken mag zien")
        now = self.nu(session)
        counted = {
            rol: (open_, claimed, late) for rol, open_, claimed, late in repository.count_taken(session, gemeente, now)
        }
        items = []
        for rol in TASK_ROLES:
            open_, claimed, late = counted.get(rol, (0, 0, 0))
            items.append(TaakTelling(rol=rol, open=open_, geclaimd=claimed, verlopen=late))
        return TaakTellingen(items=items, nu=now)

    def taak(self, session: Session, ctx: RequestContext, gemeente: str, taak_id: uuid.UUID) -> TaakDetail:
        row = self._visible_task(session, ctx, gemeente, taak_id)
        result = self._detail(session, gemeente, row)
        self._task_audit(session, ctx, gemeente, row, "taak.raadplegen", "read")
        return result

    def _vierogen_check(
        self, session: Session, gemeente: str, row: TaakRow, person: str, *, lock: bool
    ) -> TaakRow | None:
        """The task ``row`` approves, when it is a 4-eyes task; 403 when ``person`` completed that task or is
        excluded from ``row``."""
        if person in row.uitgesloten:
            raise ForbiddenError("Vier ogen: deze medewerker is van deze taak uitgesloten", code="vier-ogen")
        if not row.vierogen or row.beoordeelt_taak_id is None:
            return None
        approved = repository.get_taak(session, gemeente, row.beoordeelt_taak_id, lock=lock)
        if approved is None:  # the composite foreign key keeps it in this gemeente; it cannot vanish
            raise ConflictError("De te beoordelen taak bestaat niet meer")
        if approved.afgerond_door is not None and approved.afgerond_door == person:
            raise ForbiddenError(
                "Vier ogen: wie de beoordeelde taak afrondde, beoordeelt haar niet zelf", code="vier-ogen"
            )
        return approved

    def claim_taak(self, session: Session, ctx: RequestContext, gemeente: str, taak_id: uuid.UUID) -> TaakDetail:
        """Claim a task for oneself (needs the task's rol). Claimed by another: 409; by oneself: as is."""
        row = self._visible_task(session, ctx, gemeente, taak_id, lock=True)
        _require_staff(ctx)
        if not ctx.has_role(row.rol):
            raise ForbiddenError(f"Deze taak is voor de rol {row.rol}")
        if row.status == "afgerond":
            raise ConflictError("Deze taak is al afgerond", code="taak-afgerond")
        if row.status == "geclaimd":
            if row.toegewezen_aan == ctx.actor_id:
                return self._detail(session, gemeente, row)
            raise ConflictError("Deze taak is al door een ander geclaimd", code="taak-geclaimd")
        self._vierogen_check(session, gemeente, row, ctx.actor_id, lock=False)
        now = self.nu(session)
        row.status = "geclaimd"
        row.toegewezen_aan = ctx.actor_id
        row.geclaimd_op = now
        row.version += 1
        row.updated_at = now
        session.flush()
        result = self._detail(session, gemeente, row)
        self._task_audit(session, ctx, gemeente, row, "taak.claimen", "claimed")
        return result

    def geef_vrij(self, session: Session, ctx: RequestContext, gemeente: str, taak_id: uuid.UUID) -> TaakDetail:
        """Hand a claimed task back to the inbox (the claimer, or a teamleider)."""
        row = self._visible_task(session, ctx, gemeente, taak_id, lock=True)
        _require_staff(ctx)
        if row.status != "geclaimd":
            raise ConflictError(f"Deze taak is niet geclaimd ({row.status})", code=f"taak-{row.status}")
        if row.toegewezen_aan != ctx.actor_id and not ctx.has_role("teamleider"):
            raise ForbiddenError("Alleen wie de taak geclaimd heeft, of een teamleider, geeft haar vrij")
        now = self.nu(session)
        row.status = "open"
        row.toegewezen_aan = None
        row.geclaimd_op = None
        row.version += 1
        row.updated_at = now
        session.flush()
        result = self._detail(session, gemeente, row)
        self._task_audit(session, ctx, gemeente, row, "taak.vrijgeven", "released")
        return result

    def herverdeel(
        self, session: Session, ctx: RequestContext, gemeente: str, taak_id: uuid.UUID, body: TaakHerverdeling
    ) -> TaakDetail:
        """Assign a task to a medewerker (teamleider)."""
        row = self._visible_task(session, ctx, gemeente, taak_id, lock=True)
        _require_staff(ctx)
        if not ctx.has_role("teamleider"):
            raise ForbiddenError("Alleen een teamleider verdeelt taken")
        if row.status == "afgerond":
            raise ConflictError("Deze taak is al afgerond", code="taak-afgerond")
        self._vierogen_check(session, gemeente, row, body.medewerker, lock=False)
        now = self.nu(session)
        row.status = "geclaimd"
        row.toegewezen_aan = body.medewerker
        row.geclaimd_op = now
        row.version += 1
        row.updated_at = now
        session.flush()
        result = self._detail(session, gemeente, row)
        self._task_audit(session, ctx, gemeente, row, "taak.herverdelen", "reassigned")
        return result

    def rond_af(
        self, session: Session, ctx: RequestContext, gemeente: str, taak_id: uuid.UUID, body: TaakAfronding
    ) -> TaakDetail:
        """Complete a task (only its claimer; 4-eyes) and wake its process instance, in one transaction."""
        row = self._visible_task(session, ctx, gemeente, taak_id, lock=True)
        _require_staff(ctx)
        if row.status == "afgerond":
            if (row.afgerond_door, row.uitkomst, row.uitkomst_reden, row.uitkomst_gegevens) == (
                ctx.actor_id,
                body.uitkomst,
                body.reden,
                body.gegevens,
            ):
                return self._detail(session, gemeente, row)  # a retried completion: nothing happens twice
            raise ConflictError("Deze taak is al afgerond", code="taak-afgerond")
        if row.status != "geclaimd":
            raise ConflictError("Claim de taak voordat u haar afrondt", code="taak-open")
        if row.toegewezen_aan != ctx.actor_id:
            raise ForbiddenError("Alleen wie de taak geclaimd heeft, rondt haar af")
        if not ctx.has_role(row.rol):
            raise ForbiddenError(f"Deze taak is voor de rol {row.rol}")
        approved = self._vierogen_check(session, gemeente, row, ctx.actor_id, lock=True)
        now = self.nu(session)
        if approved is not None:
            if approved.status != "afgerond":
                raise ConflictError("De te beoordelen taak is nog niet afgerond", code="beoordeelde-taak-open")
            approved.beoordeeld_door = ctx.actor_id
            approved.version += 1
            approved.updated_at = now
        row.status = "afgerond"
        row.afgerond_door = ctx.actor_id
        row.afgerond_op = now
        row.uitkomst = body.uitkomst
        row.uitkomst_reden = body.reden
        row.uitkomst_gegevens = body.gegevens
        row.version += 1
        row.updated_at = now
        session.flush()
        repository.mark_procesinstantie_runnable(session, gemeente, row.procesinstantie_id, now)
        result = self._detail(session, gemeente, row)
        self._task_audit(session, ctx, gemeente, row, "taak.afronden", "completed")
        return result

    def plaats_opmerking(
        self, session: Session, ctx: RequestContext, gemeente: str, taak_id: uuid.UUID, body: OpmerkingNieuw
    ) -> Opmerking:
        row = self._visible_task(session, ctx, gemeente, taak_id)
        note = TaakOpmerking(
            id=uuid.uuid4(), gemeente=gemeente, taak_id=row.id, tekst=body.tekst, door=ctx.actor_id, op=self.nu(session)
        )
        session.add(note)
        session.flush()
        self._task_audit(session, ctx, gemeente, row, "taak.opmerking-plaatsen", "created")
        return _opmerking(note)

    # --- documenten -------------------------------------------------------------------------------------------------

    def voeg_document_toe(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        aanvraag_id: uuid.UUID,
        *,
        content: bytes,
        content_type: str,
        soort: str,
        bestandsnaam: str,
        idempotency_key: str | None,
        field: str = "inhoud",
        bij_besluit: bool = False,
    ) -> tuple[Document, bool]:
        """Store a document of an aanvraag (audited). Returns (document, replayed). ``bij_besluit``: link it to the
        aanvraag's besluit in the same transaction, as :meth:`koppel_beschikking` does (ADR 0027), with the case
        this call read (no second read of the aanvraag or of the document just stored)."""
        case = self._visible_case(session, ctx, gemeente, aanvraag_id)
        stored, replayed = self._voeg_document_toe(
            session, ctx, gemeente, case, content, content_type, soort, bestandsnaam, idempotency_key, field
        )
        if bij_besluit:
            if stored.soort == "beschikking" and stored.aanvraag_id == case.id:
                # One statement links it where the besluit has none yet; only otherwise is the besluit read, to
                # answer as before (404 none, the same one a no-op, another 409).
                linked = repository.koppel_beschikking(session, gemeente, case.id, stored.id)
                if linked is not None:
                    self._audit(session, ctx, gemeente, "besluit.beschikking", case.data_subject_id, "linked")
                    return stored, replayed
            besluit = repository.get_besluit(session, gemeente, case.id)
            if besluit is None:
                raise NotFoundError("Over deze aanvraag is nog niet besloten")
            self._koppel(session, ctx, gemeente, case, besluit, stored)
        return stored, replayed

    def _voeg_document_toe(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        case: AanvraagRow,
        content: bytes,
        content_type: str,
        soort: str,
        bestandsnaam: str,
        idempotency_key: str | None,
        field: str,
    ) -> tuple[Document, bool]:
        if soort == "beschikking" and not (_is_service(ctx) or _is_case_staff(ctx)):
            raise ForbiddenError("Een beschikking wordt door de gemeente vastgelegd")
        kind = check_content(content, content_type, field)
        sha256 = hashlib.sha256(content).hexdigest()
        request_hash = self._digest(
            {"aanvraag": str(case.id), "soort": soort, "bestandsnaam": bestandsnaam, "type": kind, "sha256": sha256}
        )

        def replay(existing: DocumentRow) -> Document:
            if existing.request_hash != request_hash:
                raise ConflictError(
                    "Deze Idempotency-Key is al gebruikt voor een ander verzoek", code="idempotency-key-reused"
                )
            return _document(existing)

        # No read first: the insert finds a key used before (a replay) by its constraint.
        row = DocumentRow(
            id=uuid.uuid4(),
            gemeente=gemeente,
            aanvraag_id=case.id,
            soort=soort,
            bestandsnaam=bestandsnaam,
            content_type=kind,
            grootte=len(content),
            sha256=sha256,
            inhoud=content,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            created_by=self._actor(ctx),
            created_at=self.nu(session),
        )
        if not repository.insert_new(session, row):
            existing = (
                repository.get_document_by_idempotency_key(session, gemeente, idempotency_key)
                if idempotency_key is not None
                else None
            )
            if existing is None:
                raise ConflictError("Het document kon niet worden opgeslagen; probeer het opnieuw")
            return replay(existing), True
        self._audit(session, ctx, gemeente, "document.toevoegen", case.data_subject_id, "created")
        return _document(row), False

    def documenten(self, session: Session, ctx: RequestContext, gemeente: str, aanvraag_id: uuid.UUID) -> DocumentLijst:
        case = self._visible_case(session, ctx, gemeente, aanvraag_id)
        items = [_document(d) for d in repository.list_documenten(session, gemeente, case.id)]
        self._audit(session, ctx, gemeente, "document.zoeken", case.data_subject_id, f"listed-{len(items)}")
        return DocumentLijst(items=items)

    def document_inhoud(
        self, session: Session, ctx: RequestContext, gemeente: str, document_id: uuid.UUID
    ) -> DocumentInhoud:
        """The bytes of a document (audited); 404 unless the caller may see its aanvraag."""
        row = repository.get_document(session, gemeente, document_id, with_content=True)
        case = repository.get_aanvraag(session, gemeente, row.aanvraag_id) if row is not None else None
        if row is None or case is None or not self._sees_case(ctx, case):
            raise NotFoundError("Geen document met dit id")
        self._audit(session, ctx, gemeente, "document.raadplegen", case.data_subject_id, "read")
        return DocumentInhoud(row.inhoud, row.content_type, row.bestandsnaam, row.sha256)

    # --- besluiten, uitkeringen, voorschotten -----------------------------------------------------------------------

    def leg_besluit_vast(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        aanvraag_id: uuid.UUID,
        body: BesluitNieuw,
        *,
        gelezen: _GelezenAanvraag | None = None,
    ) -> tuple[Besluit, bool]:
        """Record the decision (one per aanvraag): the same content again returns it, other content is 409.
        ``gelezen``: the aanvraag as the caller read it in this transaction, visible to ``ctx`` (else read here)."""
        case: AanvraagRow | _GelezenAanvraag
        if gelezen is not None and gelezen.id == aanvraag_id:
            # Read in this transaction already: one ``ctx`` may not see gets the 404 _visible_case gives (no
            # second read, which could only answer that too).
            if not self._sees_subject(ctx, gelezen.data_subject_id):
                raise NotFoundError("Geen aanvraag met dit id")
            case = gelezen
        else:
            case = self._visible_case(session, ctx, gemeente, aanvraag_id)
        if body.beschikking_document_id is not None:
            document = repository.get_document(session, gemeente, body.beschikking_document_id)
            if document is None or document.aanvraag_id != case.id or document.soort != "beschikking":
                raise BadRequestError.for_field(
                    "beschikkingDocumentId", "geen beschikking bij deze aanvraag met dit id", code="unknown"
                )
        request_hash = self._digest(body.model_dump(mode="json", by_alias=True))

        def replay(existing: BesluitRow) -> Besluit:
            if existing.request_hash != request_hash:
                raise ConflictError("Over deze aanvraag is al anders besloten", code="besluit-bestaat")
            return _besluit(existing)

        # No read first: the insert finds an existing besluit by its constraint (then a replay, or 409).
        row = BesluitRow(
            id=uuid.uuid4(),
            gemeente=gemeente,
            aanvraag_id=case.id,
            soort=body.soort,
            datum=body.datum,
            ingangsdatum=body.ingangsdatum,
            bedrag_per_maand_cents=body.bedrag_per_maand_cents,
            gronden=body.gronden,
            beschikking_document_id=body.beschikking_document_id,
            vastgesteld_door=body.vastgesteld_door,
            goedgekeurd_door=body.goedgekeurd_door,
            request_hash=request_hash,
            created_at=self.nu(session),
        )
        if not repository.insert_new(session, row):
            existing = repository.get_besluit(session, gemeente, case.id)
            if existing is None:
                raise ConflictError("Het besluit kon niet worden vastgelegd; probeer het opnieuw")
            return replay(existing), True
        self._meld(session, case, "besluit", "create", row.created_at, "besluit", besluitSoort=row.soort)
        self._audit(session, ctx, gemeente, "besluit.vastleggen", case.data_subject_id, "created")
        return _besluit(row), False

    def koppel_beschikking(
        self, session: Session, ctx: RequestContext, gemeente: str, aanvraag_id: uuid.UUID, body: BesluitBeschikking
    ) -> Besluit:
        """Link the rendered beschikking to the besluit (once; the same document again is a no-op, another 409)."""
        case = self._visible_case(session, ctx, gemeente, aanvraag_id)
        row = repository.get_besluit(session, gemeente, case.id)
        if row is None:
            raise NotFoundError("Over deze aanvraag is nog niet besloten")
        document = repository.get_document(session, gemeente, body.beschikking_document_id)
        return self._koppel(session, ctx, gemeente, case, row, _document(document) if document is not None else None)

    def _koppel(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        case: AanvraagRow,
        row: BesluitRow,
        document: Document | None,
    ) -> Besluit:
        if document is None or document.aanvraag_id != case.id or document.soort != "beschikking":
            raise BadRequestError.for_field(
                "beschikkingDocumentId", "geen beschikking bij deze aanvraag met dit id", code="unknown"
            )
        if row.beschikking_document_id == document.id:
            return _besluit(row)
        if row.beschikking_document_id is not None:
            raise ConflictError("Bij dit besluit hoort al een andere beschikking", code="beschikking-bestaat")
        row.beschikking_document_id = document.id
        session.flush()
        self._audit(session, ctx, gemeente, "besluit.beschikking", case.data_subject_id, "linked")
        return _besluit(row)

    def besluit(self, session: Session, ctx: RequestContext, gemeente: str, aanvraag_id: uuid.UUID) -> Besluit:
        # One statement: the aanvraag's data subject (who may see it, whom the entry names) with its besluit.
        found = repository.get_besluit_met_subject(session, gemeente, aanvraag_id)
        if found is None or not self._sees_subject(ctx, found[0]):
            raise NotFoundError("Geen aanvraag met dit id")
        subject, row = found
        if row is None:
            raise NotFoundError("Over deze aanvraag is nog niet besloten")
        self._audit(session, ctx, gemeente, "besluit.raadplegen", subject, "read")
        return _besluit(row)

    def start_uitkering(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        body: UitkeringNieuw,
        *,
        gelezen: _GelezenAanvraag | None = None,
        besluit_soort: str | None = None,
    ) -> tuple[Uitkering, bool]:
        """Start the benefit of a granted aanvraag (one per aanvraag), with its ``grondslag`` (what the monthly
        payment run pays it on) in the same transaction. Without a grondslag the uitkering is stored and logged:
        the payment run reports it as not payable until one is recorded. ``gelezen`` and ``besluit_soort``: the
        aanvraag and the soort of its besluit as the caller read or recorded them in this transaction (else read)."""
        case: AanvraagRow | _GelezenAanvraag
        if gelezen is not None and gelezen.id == body.aanvraag_id:
            case = gelezen
        else:
            case = self._referenced_case(session, gemeente, body.aanvraag_id, "aanvraagId")
        if besluit_soort is None:
            besluit = repository.get_besluit(session, gemeente, case.id)
            besluit_soort = besluit.soort if besluit is not None else None
        if besluit_soort != "toekenning":
            raise UnprocessableError("Zonder toekenning geen uitkering", code="geen-toekenning")
        inhoud = body.model_dump(mode="json", by_alias=True)
        inhoud.pop("id", None)  # what is asked, not under which id (a repeat with another id is the same request)
        if inhoud.get("grondslag") is None:
            inhoud.pop("grondslag", None)  # the digest of a request without one is what it was before the field
        request_hash = self._digest(inhoud)

        def replay(existing: UitkeringRow) -> Uitkering:
            if existing.request_hash != request_hash:
                raise ConflictError("Deze aanvraag heeft al een andere uitkering", code="uitkering-bestaat")
            return _uitkering(existing)

        # No read first: the insert finds an existing uitkering by its constraint (then a replay, or 409).
        row = UitkeringRow(
            id=body.id or uuid.uuid4(),
            gemeente=gemeente,
            aanvraag_id=case.id,
            startdatum=body.startdatum,
            bedrag_per_maand_cents=body.bedrag_per_maand_cents,
            status="actief",
            request_hash=request_hash,
            created_at=self.nu(session),
        )
        if not repository.insert_new(session, row):
            existing = repository.get_uitkering(session, gemeente, case.id)
            if existing is None:
                raise ConflictError("De uitkering kon niet worden vastgelegd; probeer het opnieuw")
            return replay(existing), True
        if body.grondslag is not None:
            grondslag = UitkeringGrondslag(
                uitkering_id=row.id,
                gemeente=gemeente,
                huishouden=body.grondslag.huishouden,
                iban=body.grondslag.iban,
                naam=body.grondslag.naam,
                updated_at=row.created_at,
            )
            if not repository.insert_new(session, grondslag):  # the uitkering is new: cannot have one yet
                raise ConflictError("De uitkering kon niet worden vastgelegd; probeer het opnieuw")
        else:
            log.warning(
                "uitkering %s (gemeente %s) vastgelegd zonder grondslag: de betaalrun betaalt haar niet",
                row.id,
                gemeente,
            )
        self._meld(session, case, "uitkering", "create", row.created_at, "uitkering")
        self._audit(session, ctx, gemeente, "uitkering.vastleggen", case.data_subject_id, "created")
        return _uitkering(row), False

    def uitkering(self, session: Session, ctx: RequestContext, gemeente: str, aanvraag_id: uuid.UUID) -> Uitkering:
        case = self._visible_case(session, ctx, gemeente, aanvraag_id)
        row = repository.get_uitkering(session, gemeente, case.id)
        if row is None:
            raise NotFoundError("Deze aanvraag heeft geen uitkering")
        self._audit(session, ctx, gemeente, "uitkering.raadplegen", case.data_subject_id, "read")
        return _uitkering(row)

    def leg_voorschot_vast(
        self, session: Session, ctx: RequestContext, gemeente: str, body: VoorschotNieuw
    ) -> tuple[Voorschot, bool]:
        """Record an advance (one per aanvraag and volgnummer): a retry returns it, never pays a second one."""
        case = self._referenced_case(session, gemeente, body.aanvraag_id, "aanvraagId")
        request_hash = self._digest(body.model_dump(mode="json", by_alias=True))

        def replay(existing: VoorschotRow) -> Voorschot:
            if existing.request_hash != request_hash:
                raise ConflictError(
                    f"Voorschot {body.volgnummer} van deze aanvraag bestaat al met andere gegevens",
                    code="voorschot-bestaat",
                )
            return _voorschot(existing)

        existing = repository.get_voorschot(session, gemeente, case.id, body.volgnummer)
        if existing is not None:
            return replay(existing), True
        row = VoorschotRow(
            id=uuid.uuid4(),
            gemeente=gemeente,
            aanvraag_id=case.id,
            volgnummer=body.volgnummer,
            bedrag_cents=body.bedrag_cents,
            periode=body.periode,
            betaaldatum=body.betaaldatum,
            request_hash=request_hash,
            created_at=self.nu(session),
        )
        if not repository.add_row(session, row):
            existing = repository.get_voorschot(session, gemeente, case.id, body.volgnummer)
            if existing is None:
                raise ConflictError("Het voorschot kon niet worden vastgelegd; probeer het opnieuw")
            return replay(existing), True
        self._meld(session, case, "voorschot", "create", row.created_at, f"voorschot-{row.volgnummer}")
        self._audit(session, ctx, gemeente, "voorschot.vastleggen", case.data_subject_id, "created")
        return _voorschot(row), False

    def voorschotten(
        self, session: Session, ctx: RequestContext, gemeente: str, aanvraag_id: uuid.UUID
    ) -> VoorschotLijst:
        case = self._visible_case(session, ctx, gemeente, aanvraag_id)
        items = [_voorschot(v) for v in repository.list_voorschotten(session, gemeente, case.id)]
        self._audit(session, ctx, gemeente, "voorschot.zoeken", case.data_subject_id, f"listed-{len(items)}")
        return VoorschotLijst(items=items)


# --- access -------------------------------------------------------------------------------------------------------


def _is_replay(
    row: ProcesinstantieRow, body: ProcesinstantieOpslag, stored: dict[str, Processtap], now: datetime
) -> bool:
    """Whether ``body`` is a save that already committed: the next version holds exactly what it sent (state,
    status, deadline, error, steps) and the lease is as that save left it (kept by the same worker, or released)."""
    if (row.version, row.state, row.status, row.last_error) != (
        body.version + 1,
        body.state,
        body.status,
        body.last_error,
    ) or row.next_due_at != body.next_due_at:
        return False
    if body.keep_lease and body.status in ("runnable", "waiting"):
        if row.lease_owner != body.lease_owner or row.lease_until is None or row.lease_until <= now:
            return False
    elif row.lease_owner is not None:
        return False
    return all(s.stap_sleutel in stored and stored[s.stap_sleutel].resultaat == s.resultaat for s in body.stappen)


def _is_service(ctx: RequestContext) -> bool:
    return ctx.actor_type is ActorType.SERVICE


def _starter(ctx: RequestContext) -> RequestContext | None:
    """The GBI service behind a request: the caller when it is one, else the service that forwarded the caller's
    context (``via``, set by the gateway for service tokens only), as itself for the caller's gemeente."""
    if _is_service(ctx):
        return ctx
    if ctx.via is None:
        return None
    return RequestContext(ctx.via, ActorType.SERVICE, gemeente=ctx.gemeente, purpose=ctx.purpose, client_id=ctx.via)


def _is_case_staff(ctx: RequestContext) -> bool:
    return ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role(*CASE_ROLES)


def _is_task_staff(ctx: RequestContext) -> bool:
    return ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role(*TASK_ROLES)


def _require_staff(ctx: RequestContext) -> None:
    if ctx.actor_type is not ActorType.MEDEWERKER:
        raise ForbiddenError("Alleen een medewerker werkt taken af")


# --- keyset cursors -----------------------------------------------------------------------------------------------


def encode_cursor(kind: CursorKind, value: datetime, row_id: uuid.UUID) -> str:
    """An opaque ``after`` token: the sort kind, the last row's sort value and id."""
    raw = json.dumps([kind, value.astimezone(UTC).isoformat(), str(row_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str | None, kind: CursorKind) -> repository.Cursor | None:
    if token is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        found, value, row_id = json.loads(raw)
        if found != kind:
            raise ValueError(kind)
        return datetime.fromisoformat(value).astimezone(UTC), uuid.UUID(row_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequestError.for_field(
            "after", "geen geldige positie (gebruik nextAfter van de vorige pagina)"
        ) from exc


# --- rows to contracts --------------------------------------------------------------------------------------------


def _meld_aanvraag(
    session: Session,
    gemeente: str,
    aanvraag_id: uuid.UUID,
    resource: str,
    actie: str,
    at: datetime,
    deel: str = "",
    **kenmerken: str,
) -> None:
    """Announce a change of the aanvraag on the kanaal ``aanvragen``, in this transaction (gbi_data.notificaties):
    hoofdObject is the aanvraag's public URL, a part of it (``deel``) its fragment."""
    url = f"/api/v1/aanvragen/{aanvraag_id}"
    resource_url = f"{url}#{deel}" if deel else url
    kenmerken = {"gemeente": gemeente, **kenmerken}
    publiceer(session, gemeente, "aanvragen", resource, actie, url, resource_url, kenmerken, aanmaakdatum=at)


def _tijdlijn_row(
    gemeente: str, aanvraag_id: uuid.UUID, item: TijdlijnItemNieuw, ctx: RequestContext, now: datetime
) -> TijdlijnRow:
    """The row of a new tijdlijn entry (its moment ``now`` unless the entry names one; its actor the caller unless
    the entry names one)."""
    return TijdlijnRow(
        id=uuid.uuid4(),
        gemeente=gemeente,
        aanvraag_id=aanvraag_id,
        at=item.at or now,
        soort=item.soort,
        omschrijving=item.omschrijving,
        actor=item.actor or ctx.actor_id,
        sleutel=item.sleutel,
        created_at=now,
    )


def _tijdlijn(row: TijdlijnRow) -> TijdlijnItem:
    return TijdlijnItem.model_validate(row, from_attributes=True)


def _aanvraag(row: AanvraagRow, tijdlijn: Sequence[TijdlijnRow]) -> Aanvraag:
    return Aanvraag(
        id=row.id,
        gemeente=row.gemeente,
        bsn=row.bsn,
        meldingsdatum=row.meldingsdatum,
        aanvraagdatum=row.aanvraagdatum,
        kanaal=row.kanaal,
        gegevens=row.gegevens,
        status=row.status,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        tijdlijn=[_tijdlijn(t) for t in tijdlijn],
    )


def _nieuwe_procesinstantie(
    gemeente: str,
    aanvraag_id: uuid.UUID,
    definitie: str,
    definitie_versie: str,
    state: str,
    now: datetime,
    *,
    status: str = "runnable",
    next_due_at: datetime | None = None,
    lease: ProcesLease | None = None,
) -> ProcesinstantieRow:
    """The row of a new process instance (version 1); with ``lease``, leased as its first claim leaves it (ADR
    0030: attempts 1, the lease on the data service's clock)."""
    return ProcesinstantieRow(
        id=uuid.uuid4(),
        gemeente=gemeente,
        aanvraag_id=aanvraag_id,
        definitie=definitie,
        definitie_versie=definitie_versie,
        state=state,
        status=status,
        next_due_at=next_due_at,
        version=1,
        lease_owner=lease.worker if lease is not None else None,
        lease_until=now + timedelta(seconds=lease.lease_seconds) if lease is not None else None,
        attempts=1 if lease is not None else 0,
        last_error=None,
        created_at=now,
        updated_at=now,
    )


def _procesinstantie(row: ProcesinstantieRow) -> Procesinstantie:
    return Procesinstantie.model_validate(row, from_attributes=True)


def _stap(row: Processtap) -> Stap:
    return Stap.model_validate(row, from_attributes=True)


def _taak(row: TaakRow) -> Taak:
    return Taak.model_validate(row, from_attributes=True)


def _opmerking(row: TaakOpmerking) -> Opmerking:
    return Opmerking.model_validate(row, from_attributes=True)


def _document(row: DocumentRow) -> Document:
    return Document.model_validate(row, from_attributes=True)


def _besluit(row: BesluitRow) -> Besluit:
    return Besluit.model_validate(row, from_attributes=True)


def _uitkering(row: UitkeringRow) -> Uitkering:
    return Uitkering.model_validate(row, from_attributes=True)


def _voorschot(row: VoorschotRow) -> Voorschot:
    return Voorschot.model_validate(row, from_attributes=True)

"""Use cases of notifications out. They raise the shared error tree and know nothing of HTTP.

**Publishing** (:func:`publiceer`) is a plain function other data-service code calls inside its own transaction: it
writes the outbox row and, in the same transaction, one pending levering per abonnement of the gemeente whose
kanaal and filters match (fan-out at publish time). So a change that commits is announced, a change that rolls back
is not, and an abonnement taken after the change does not receive it. Delivering is the integration layer's work:
it claims due leveringen (a lease), POSTs the notification and reports the outcome here.

Who may do what (the tenant is the verified context's gemeente; another gemeente's rows answer like missing ones):

    caller                                kanalen            abonnementen, leveringen      claim, resultaat
    GBI service                           read, write        all of the gemeente           yes
    beheerder (medewerker)                read, write        all of the gemeente           -
    integrator (systeem)                  read               its own (eigenaar = its id)   -
    anyone else with a verified context   read               -                             -

The Authorization header of an abonnement is encrypted at rest and never returned, only its ``authHint``; the
delivery worker's claim is the one answer that carries it.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from gbi_data.alo.repository import get_klok_offset
from gbi_data.notificaties import repository
from gbi_data.notificaties.geheim import AuthKluis, hint
from gbi_data.notificaties.models import Abonnement as AbonnementRow
from gbi_data.notificaties.models import AbonnementKanaal, OutboxRij
from gbi_data.notificaties.models import Kanaal as KanaalRow
from gbi_data.notificaties.models import Levering as LeveringRow
from gbi_data.settings import DataSettings
from gbi_shared import (
    ActorType,
    BadRequestError,
    ConflictError,
    Environment,
    ForbiddenError,
    InvalidParam,
    NotFoundError,
    RequestContext,
)
from gbi_shared.contracts.notificaties import (
    Abonnement,
    AbonnementLijst,
    AbonnementNieuw,
    AbonnementWijziging,
    FilterGroep,
    GeclaimdeLevering,
    Herhaalbeleid,
    Kanaal,
    KanaalLijst,
    KanaalWijziging,
    Levering,
    LeveringClaim,
    LeveringClaimResultaat,
    LeveringPagina,
    LeveringStatus,
    LeveringUitslag,
    Notificatie,
)

__all__ = ["GEMEENTE_EIGENAAR", "NotificatieService", "filters_passen", "publiceer", "wachttijd"]

log = logging.getLogger("gbi.data.notificaties")

#: ``eigenaar`` of an abonnement made by the gemeente itself (a beheerder, or a GBI service on its behalf).
GEMEENTE_EIGENAAR = "gemeente"
#: A filter value that matches any value of the kenmerk (the kenmerk must be present).
ELKE_WAARDE = "*"


# --- publishing -----------------------------------------------------------------------------------------------------


def filters_passen(filters: Mapping[str, str], kenmerken: Mapping[str, str]) -> bool:
    """Whether a notification with ``kenmerken`` passes a filter group: every filter names a kenmerk the
    notification has, with exactly that value (or ``*``)."""
    for sleutel, waarde in filters.items():
        if sleutel not in kenmerken:
            return False
        if waarde != ELKE_WAARDE and kenmerken[sleutel] != waarde:
            return False
    return True


def publiceer(
    session: Session,
    gemeente: str,
    kanaal: str,
    resource: str,
    actie: str,
    hoofd_object: str,
    resource_url: str,
    kenmerken: Mapping[str, str] | None = None,
    *,
    aanmaakdatum: datetime | None = None,
) -> uuid.UUID:
    """Announce a change of the gemeente, inside the caller's transaction: the outbox row and one pending levering
    per matching abonnement. Returns the notification's id.

    ``hoofd_object`` and ``resource_url`` may be paths (``/api/v1/aanvragen/...``): the delivery worker makes them
    absolute with GBI's public base URL. ``aanmaakdatum`` is when the change happened (callers that use the
    movable clock of the store pass its "now"; default: the real time); the first delivery is due then.
    """
    values = dict(kenmerken or {})
    for sleutel, waarde in values.items():
        if not sleutel or not 0 < len(waarde) <= 1000:
            raise ValueError(f"kenmerk {sleutel!r}: sleutel en waarde zijn niet-lege tekst (waarde tot 1000 tekens)")
    now = aanmaakdatum or datetime.now(UTC)
    row = OutboxRij(
        id=uuid.uuid4(),
        gemeente=gemeente,
        kanaal=kanaal,
        hoofd_object=hoofd_object,
        resource=resource,
        resource_url=resource_url,
        actie=actie,
        aanmaakdatum=now,
        kenmerken=values,
        created_at=now,
    )
    groepen = repository.insert_outbox_en_abonnees(session, row)
    abonnees = sorted({a for a, filters in groepen if filters_passen(filters, values)}, key=str)
    if abonnees:
        repository.insert_leveringen(session, gemeente, row.id, abonnees, now)
    return row.id


def wachttijd(attempts: int, beleid: Herhaalbeleid, rng: Callable[[], float] = random.random) -> float:
    """Seconds until the next attempt after ``attempts`` attempts: ``base * 2^(attempts-1)``, capped at
    ``maxDelayS``, of which a random half (equal jitter): always between half the delay and the delay."""
    delay = min(beleid.max_delay_s, beleid.base_delay_s * float(2 ** min(max(attempts - 1, 0), 62)))
    return delay / 2 + rng() * delay / 2


# --- the service --------------------------------------------------------------------------------------------------


def _is_service(ctx: RequestContext) -> bool:
    return ctx.actor_type is ActorType.SERVICE


def _is_beheerder(ctx: RequestContext) -> bool:
    return ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role("beheerder")


def _is_integrator(ctx: RequestContext) -> bool:
    return ctx.actor_type is ActorType.SYSTEEM and ctx.has_role("integrator")


class NotificatieService:
    def __init__(self, settings: DataSettings, *, rng: Callable[[], float] = random.random) -> None:
        self.kluis = AuthKluis(settings.audit_pseudonym_key.get_secret_value())
        self.production = settings.environment is Environment.PRODUCTION
        self.rng = rng

    def nu(self, session: Session) -> datetime:
        """Now, per the data service's clock (the ALO store's ``klok``; no offset in production)."""
        offset = 0 if self.production else get_klok_offset(session)
        return datetime.now(UTC) + timedelta(seconds=offset)

    # --- who ------------------------------------------------------------------------------------------------------

    @staticmethod
    def _eigenaar(ctx: RequestContext) -> str | None:
        """Whose abonnementen the caller manages: None for all of the gemeente, else the integrator's own."""
        if _is_service(ctx) or _is_beheerder(ctx):
            return None
        if _is_integrator(ctx):
            return ctx.actor_id
        raise ForbiddenError("Alleen een beheerder of een integrator beheert abonnementen")

    def _zichtbaar(
        self, session: Session, ctx: RequestContext, gemeente: str, abonnement_id: uuid.UUID, *, lock: bool = False
    ) -> AbonnementRow:
        eigenaar = self._eigenaar(ctx)
        row = repository.get_abonnement(session, gemeente, abonnement_id, lock=lock)
        if row is None or (eigenaar is not None and row.eigenaar != eigenaar):
            raise NotFoundError("Geen abonnement met dit id")
        return row

    # --- kanalen --------------------------------------------------------------------------------------------------

    @staticmethod
    def _mag_kanalen_beheren(ctx: RequestContext) -> None:
        if not (_is_service(ctx) or _is_beheerder(ctx)):
            raise ForbiddenError("Alleen een beheerder of een GBI-dienst beheert kanalen")

    def kanalen(self, session: Session) -> KanaalLijst:
        return KanaalLijst(items=[_kanaal(r) for r in repository.list_kanalen(session)])

    def kanaal(self, session: Session, naam: str) -> Kanaal:
        row = repository.get_kanaal(session, naam)
        if row is None:
            raise NotFoundError("Geen kanaal met deze naam")
        return _kanaal(row)

    def maak_kanaal(self, session: Session, ctx: RequestContext, body: Kanaal) -> Kanaal:
        self._mag_kanalen_beheren(ctx)
        now = self.nu(session)
        row = KanaalRow(
            naam=body.naam,
            documentatie_link=body.documentatie_link,
            filters=list(dict.fromkeys(body.filters)),
            created_at=now,
            updated_at=now,
        )
        if repository.get_kanaal(session, body.naam) is not None or not repository.add_row(session, row):
            raise ConflictError("Er bestaat al een kanaal met deze naam", code="kanaal-bestaat")
        log.info("kanaal created", extra={"kanaal": body.naam, "actor": ctx.actor_id})
        return _kanaal(row)

    def wijzig_kanaal(self, session: Session, ctx: RequestContext, naam: str, body: KanaalWijziging) -> Kanaal:
        self._mag_kanalen_beheren(ctx)
        row = repository.get_kanaal(session, naam, lock=True)
        if row is None:
            raise NotFoundError("Geen kanaal met deze naam")
        row.documentatie_link = body.documentatie_link
        row.filters = list(dict.fromkeys(body.filters))
        row.updated_at = self.nu(session)
        session.flush()
        return _kanaal(row)

    def verwijder_kanaal(self, session: Session, ctx: RequestContext, naam: str) -> None:
        self._mag_kanalen_beheren(ctx)
        if repository.get_kanaal(session, naam) is None:
            raise NotFoundError("Geen kanaal met deze naam")
        if not repository.delete_kanaal(session, naam):
            raise ConflictError("Er zijn nog abonnementen op dit kanaal", code="kanaal-in-gebruik")

    # --- abonnementen ---------------------------------------------------------------------------------------------

    def abonnementen(self, session: Session, ctx: RequestContext, gemeente: str) -> AbonnementLijst:
        rows = repository.list_abonnementen(session, gemeente, eigenaar=self._eigenaar(ctx))
        kanalen = repository.kanalen_van(session, gemeente, [r.id for r in rows])
        return AbonnementLijst(items=[_abonnement(r, kanalen[r.id]) for r in rows])

    def abonnement(self, session: Session, ctx: RequestContext, gemeente: str, abonnement_id: uuid.UUID) -> Abonnement:
        row = self._zichtbaar(session, ctx, gemeente, abonnement_id)
        return _abonnement(row, repository.kanalen_van(session, gemeente, [row.id])[row.id])

    def maak_abonnement(
        self, session: Session, ctx: RequestContext, gemeente: str, body: AbonnementNieuw
    ) -> Abonnement:
        eigenaar = self._eigenaar(ctx) or GEMEENTE_EIGENAAR
        self._check_callback(body.callback_url)
        groepen = self._check_kanalen(session, body.kanalen)
        auth = body.auth.get_secret_value()
        now = self.nu(session)
        row = AbonnementRow(
            id=uuid.uuid4(),
            gemeente=gemeente,
            callback_url=body.callback_url,
            auth_versleuteld=self.kluis.versleutel(auth),
            auth_hint=hint(auth),
            eigenaar=eigenaar,
            created_by=ctx.actor_id,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        repository.replace_kanalen(session, gemeente, row.id, groepen)
        log.info("abonnement created", extra={"abonnement": str(row.id), "eigenaar": eigenaar})
        return _abonnement(row, repository.kanalen_van(session, gemeente, [row.id])[row.id])

    def wijzig_abonnement(
        self, session: Session, ctx: RequestContext, gemeente: str, abonnement_id: uuid.UUID, body: AbonnementWijziging
    ) -> Abonnement:
        row = self._zichtbaar(session, ctx, gemeente, abonnement_id, lock=True)
        self._check_callback(body.callback_url)
        groepen = self._check_kanalen(session, body.kanalen)
        row.callback_url = body.callback_url
        if body.auth is not None:
            auth = body.auth.get_secret_value()
            row.auth_versleuteld = self.kluis.versleutel(auth)
            row.auth_hint = hint(auth)
        row.updated_at = self.nu(session)
        session.flush()
        repository.replace_kanalen(session, gemeente, row.id, groepen)
        return _abonnement(row, repository.kanalen_van(session, gemeente, [row.id])[row.id])

    def verwijder_abonnement(
        self, session: Session, ctx: RequestContext, gemeente: str, abonnement_id: uuid.UUID
    ) -> None:
        row = self._zichtbaar(session, ctx, gemeente, abonnement_id, lock=True)
        repository.delete_abonnement(session, gemeente, row.id)
        log.info("abonnement deleted", extra={"abonnement": str(row.id), "actor": ctx.actor_id})

    def _check_callback(self, url: str) -> None:
        """Outside production any http(s) URL (the simulator listens on loopback); in production only https to a
        host that is not a loopback, private or link-local address."""
        if not self.production:
            return
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https":
            raise BadRequestError.for_field("callbackUrl", "in productie alleen https", code="https-vereist")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
                raise BadRequestError.for_field("callbackUrl", "geen intern adres", code="intern-adres") from None
            return
        if not address.is_global:
            raise BadRequestError.for_field("callbackUrl", "geen intern adres", code="intern-adres")

    @staticmethod
    def _check_kanalen(session: Session, groepen: Sequence[FilterGroep]) -> list[tuple[str, dict[str, str]]]:
        """Every kanaal must exist and every filter must be a kenmerk that kanaal offers (400 naming the field)."""
        problems: list[InvalidParam] = []
        out: list[tuple[str, dict[str, str]]] = []
        for i, groep in enumerate(groepen):
            kanaal = repository.get_kanaal(session, groep.naam)
            if kanaal is None:
                problems.append(InvalidParam(name=f"kanalen.{i}.naam", code="unknown", reason="onbekend kanaal"))
                continue
            for sleutel in groep.filters:
                if sleutel not in kanaal.filters:
                    problems.append(
                        InvalidParam(
                            name=f"kanalen.{i}.filters.{sleutel}",
                            code="unknown",
                            reason=f"kanaal {groep.naam} kent dit kenmerk niet ({', '.join(kanaal.filters) or '-'})",
                        )
                    )
            out.append((groep.naam, dict(groep.filters)))
        if problems:
            raise BadRequestError(
                f"Ongeldige kanalen: {', '.join(p.name for p in problems[:5])}", invalid_params=problems
            )
        return out

    # --- leveringen -----------------------------------------------------------------------------------------------

    def leveringen(
        self,
        session: Session,
        ctx: RequestContext,
        gemeente: str,
        *,
        status: LeveringStatus | None,
        abonnement_id: uuid.UUID | None,
        notificatie_id: uuid.UUID | None,
        after: str | None,
        page_size: int,
    ) -> LeveringPagina:
        """The gemeente's leveringen, newest first (an integrator: those of its own abonnementen)."""
        eigenaar = self._eigenaar(ctx)
        ids: list[uuid.UUID] | None = None
        if eigenaar is not None:
            ids = [r.id for r in repository.list_abonnementen(session, gemeente, eigenaar=eigenaar)]
        if abonnement_id is not None:
            ids = [abonnement_id] if ids is None or abonnement_id in ids else []
        rows = repository.list_leveringen(
            session,
            gemeente,
            status=status,
            abonnement_ids=ids,
            outbox_id=notificatie_id,
            after=_decode_cursor(after),
            limit=page_size + 1,
        )
        page = rows[:page_size]
        next_after = _encode_cursor(page[-1][0].created_at, page[-1][0].id) if len(rows) > page_size else None
        return LeveringPagina(items=[_levering(lv, ob) for lv, ob in page], next_after=next_after)

    def claim(self, session: Session, gemeente: str, body: LeveringClaim) -> LeveringClaimResultaat:
        """Lease due leveringen to ``body.worker``, with what it needs to deliver them (the auth included)."""
        now = self.nu(session)
        rows = repository.claim_leveringen(
            session,
            gemeente,
            worker=body.worker,
            now=now,
            lease_until=now + timedelta(seconds=body.lease_seconds),
            limit=body.limit,
        )
        items: list[GeclaimdeLevering] = []
        for levering, outbox, abonnement in rows:
            try:
                auth = self.kluis.ontsleutel(abonnement.auth_versleuteld)
            except ValueError:
                # Another key, or an altered row: this levering can never be delivered as asked. Give it up,
                # visibly, instead of blocking the gemeente's other leveringen.
                log.error("abonnement auth cannot be decrypted", extra={"abonnement": str(abonnement.id)})
                self._geef_op(levering, now, "de auth van het abonnement is niet te ontsleutelen", None)
                continue
            assert levering.lease_until is not None
            items.append(
                GeclaimdeLevering(
                    id=levering.id,
                    abonnement_id=abonnement.id,
                    callback_url=abonnement.callback_url,
                    auth=auth,
                    attempts=levering.attempts,
                    lease_until=levering.lease_until,
                    notificatie=_notificatie(outbox),
                )
            )
        session.flush()
        # (an empty claim says whether leveringen can arise here at all: a worker asks such a gemeente rarely)
        abonnementen = None if rows else repository.heeft_abonnementen(session, gemeente)
        return LeveringClaimResultaat(items=items, nu=now, abonnementen=abonnementen)

    def resultaat(self, session: Session, gemeente: str, levering_id: uuid.UUID, body: LeveringUitslag) -> Levering:
        """Record what the subscriber said. ``delivered`` is recorded once, whoever reports it (a late report of a
        worker whose lease ran out included: it was delivered); ``failed`` only from the worker holding the lease
        (409 ``lease-lost``), and schedules the next attempt or gives the levering up."""
        found = repository.get_levering(session, gemeente, levering_id, lock=True)
        if found is None:
            raise NotFoundError("Geen levering met dit id")
        levering, outbox = found
        now = self.nu(session)
        if body.uitkomst == "delivered":
            if levering.status != "delivered":
                levering.status = "delivered"
                levering.delivered_at = now
                levering.next_attempt_at = None
                levering.lease_owner = None
                levering.lease_until = None
                levering.last_http_status = body.http_status
                levering.updated_at = now
                session.flush()
            return _levering(levering, outbox)
        if levering.status != "pending":
            return _levering(levering, outbox)  # delivered meanwhile, or given up: nothing to schedule
        if levering.lease_owner != body.worker:
            raise ConflictError("Deze bezorger heeft de levering niet (meer) geclaimd", code="lease-lost")
        fout = body.fout or (f"HTTP {body.http_status}" if body.http_status else "mislukt")
        beleid = body.beleid
        too_old = now - outbox.created_at >= timedelta(seconds=beleid.max_age_s)
        if levering.attempts >= beleid.max_attempts or too_old:
            reden = "te oud" if too_old else f"{levering.attempts} pogingen"
            self._geef_op(levering, now, f"{fout} (opgegeven: {reden})", body.http_status)
            log.warning(
                "levering given up",
                extra={"levering": str(levering.id), "abonnement": str(levering.abonnement_id), "reden": reden},
            )
        else:
            levering.next_attempt_at = now + timedelta(seconds=wachttijd(levering.attempts, beleid, self.rng))
            levering.last_error = fout
            levering.last_http_status = body.http_status
            levering.lease_owner = None
            levering.lease_until = None
            levering.updated_at = now
        session.flush()
        return _levering(levering, outbox)

    def opnieuw(self, session: Session, ctx: RequestContext, gemeente: str, levering_id: uuid.UUID) -> Levering:
        """Try a levering again now: a given-up one starts over (attempts 0); a pending one is due at once."""
        eigenaar = self._eigenaar(ctx)
        found = repository.get_levering(session, gemeente, levering_id, lock=True)
        if found is not None and eigenaar is not None:
            abonnement = repository.get_abonnement(session, gemeente, found[0].abonnement_id)
            if abonnement is None or abonnement.eigenaar != eigenaar:
                found = None
        if found is None:
            raise NotFoundError("Geen levering met dit id")
        levering, outbox = found
        if levering.status == "delivered":
            raise ConflictError("Deze notificatie is al afgeleverd", code="al-afgeleverd")
        now = self.nu(session)
        if levering.status == "failed":
            levering.status = "pending"
            levering.attempts = 0
        levering.next_attempt_at = now
        levering.updated_at = now
        session.flush()
        log.info("levering queued again", extra={"levering": str(levering.id), "actor": ctx.actor_id})
        return _levering(levering, outbox)

    @staticmethod
    def _geef_op(levering: LeveringRow, now: datetime, fout: str, http_status: int | None) -> None:
        levering.status = "failed"
        levering.next_attempt_at = None
        levering.lease_owner = None
        levering.lease_until = None
        levering.last_error = fout[:1000]
        levering.last_http_status = http_status
        levering.updated_at = now


# --- keyset cursors -----------------------------------------------------------------------------------------------


def _encode_cursor(value: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps(["leveringen", value.astimezone(UTC).isoformat(), str(row_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str | None) -> repository.Cursor | None:
    if token is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        kind, value, row_id = json.loads(raw)
        if kind != "leveringen":
            raise ValueError(kind)
        return datetime.fromisoformat(value).astimezone(UTC), uuid.UUID(row_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequestError.for_field(
            "after", "geen geldige positie (gebruik nextAfter van de vorige pagina)"
        ) from exc


# --- rows to contracts --------------------------------------------------------------------------------------------


def _kanaal(row: KanaalRow) -> Kanaal:
    return Kanaal(naam=row.naam, documentatie_link=row.documentatie_link, filters=list(row.filters))


def _abonnement(row: AbonnementRow, kanalen: Sequence[AbonnementKanaal]) -> Abonnement:
    return Abonnement(
        id=row.id,
        gemeente=row.gemeente,
        callback_url=row.callback_url,
        auth_hint=row.auth_hint,
        kanalen=[FilterGroep(naam=k.kanaal, filters=dict(k.filters)) for k in kanalen],
        eigenaar=row.eigenaar,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _notificatie(row: OutboxRij) -> Notificatie:
    return Notificatie(
        id=row.id,
        kanaal=row.kanaal,
        hoofd_object=row.hoofd_object,
        resource=row.resource,
        resource_url=row.resource_url,
        actie=row.actie,
        aanmaakdatum=row.aanmaakdatum,
        kenmerken=dict(row.kenmerken),
    )


def _levering(row: LeveringRow, outbox: OutboxRij) -> Levering:
    return Levering(
        id=row.id,
        abonnement_id=row.abonnement_id,
        notificatie=_notificatie(outbox),
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        last_http_status=row.last_http_status,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )

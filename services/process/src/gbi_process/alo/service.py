"""Use cases of the ALO's internal API: submit an aanvraag, hand in the message that the documents arrived, show
where the process stands. The work itself is done by the workers (:mod:`gbi_process.alo.runner`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from gbi_process.alo.referentie import Referentiecache
from gbi_process.alo.store import AloStore
from gbi_process.engine import (
    DefinitionRegistry,
    ProcessEngine,
    ProcessInstance,
)
from gbi_shared.clients import GatewayClient
from gbi_shared.context import RequestContext
from gbi_shared.contracts.alo import (
    Aanvraag,
    AanvraagMetProces,
    AanvraagNieuw,
    Procesinstantie,
    ProcesinstantieNieuw,
    ProcesStart,
)
from gbi_shared.contracts.alo_proces import (
    AloAanvraagIndiening,
    AloAanvraagOntvangen,
    AloVoortgang,
    DocumentenOntvangen,
    DocumentenOntvangenAntwoord,
    VoortgangBericht,
    VoortgangServicetaak,
    VoortgangTaak,
    VoortgangTimer,
)
from gbi_shared.contracts.huishouden import BrpHuishoudenVerzoek, Huishouden
from gbi_shared.errors import BadRequestError, ConflictError, NotFoundError, UnprocessableError

if TYPE_CHECKING:
    from gbi_process.alo.runner import Worker

__all__ = ["DEFINITIE", "DOCUMENTEN_ONTVANGEN", "AloProces"]

DEFINITIE = "alo"
MAX_CACHE = 10_000
DOCUMENTEN_ONTVANGEN = "documenten_ontvangen"


def _aanvraag_nieuw(verzoek: AloAanvraagIndiening) -> AanvraagNieuw:
    """The aanvraag of a submission as the data service registers it: the submission's fields, validated already
    by the same types and the same check (``test_indienen`` pins that the two models agree), copied without
    validating them a second time (the data service validates what it receives anyway)."""
    return AanvraagNieuw.model_construct(**{name: getattr(verzoek, name) for name in AanvraagNieuw.model_fields})


class AloProces:
    def __init__(
        self,
        gateway: GatewayClient,
        engine: ProcessEngine,
        registry: DefinitionRegistry,
        *,
        signaleringstermijn_dagen: int,
        nieuw_werk: Callable[[Aanvraag], None] | None = None,
        referentie: Referentiecache | None = None,
        werker: Callable[[], Worker | None] | None = None,
    ) -> None:
        self._gw = gateway
        self._referentie = referentie if referentie is not None else Referentiecache(gateway)
        self._engine = engine
        self._registry = registry
        self._signalering = signaleringstermijn_dagen
        # Tells this replica's worker that a gemeente has work (no wait for a poll), and hands it the aanvraag just
        # registered, which the first run of its instance then need not read (ADR 0027).
        self._nieuw_werk = nieuw_werk
        # This replica's worker (None: none runs here), which takes a submission's instance leased to it as the
        # instance is created, when it has a free slot (ADR 0030).
        self._werker = werker
        # aanvraag -> process instance, once found (the data service has no lookup by aanvraag): a bounded cache
        self._ids: dict[uuid.UUID, uuid.UUID] = {}

    # --- which gemeente -------------------------------------------------------------------------------------------

    async def _woongemeente(self, bsn: str, ctx: RequestContext) -> tuple[str, Huishouden | None]:
        """Staff and front offices act for their own gemeente; a citizen's aanvraag goes to the gemeente where the
        BRP says they live (woonplaatsbeginsel), which must be a GBI gemeente. With the household read for it (the
        first steps of the case may use it while it is fresh: ADR 0031)."""
        if ctx.gemeente is not None:
            return ctx.gemeente, None
        huishouden = await self._gw.post_model(
            "/internal/integration/v1/brp/huishoudens", BrpHuishoudenVerzoek(bsn=bsn), Huishouden
        )
        try:
            await self._referentie.gemeente(huishouden.gemeente)
        except NotFoundError as exc:
            raise UnprocessableError(
                f"De gemeente waar deze persoon woont ({huishouden.gemeente}) voert de bijstand niet via GBI uit",
                code="gemeente-niet-aangesloten",
            ) from exc
        return huishouden.gemeente, huishouden

    @staticmethod
    def _gemeente(ctx: RequestContext, gemeente: str | None) -> str:
        if ctx.gemeente is not None:
            if gemeente is not None and gemeente != ctx.gemeente:
                raise NotFoundError("Geen aanvraag met dit id")
            return ctx.gemeente
        if gemeente is None:
            raise BadRequestError.for_field("gemeente", "geef de gemeente van de aanvraag", code="missing")
        return gemeente

    # --- the process instance of an aanvraag ----------------------------------------------------------------------

    def _start(self, aanvraag: Aanvraag, definition: Any = DEFINITIE) -> ProcessInstance:
        return self._start_voor(
            aanvraag.id, aanvraag.gemeente, aanvraag.meldingsdatum, aanvraag.aanvraagdatum, definition
        )

    def _start_voor(
        self, aanvraag_id: uuid.UUID, gemeente: str, meldingsdatum: date, aanvraagdatum: date, definition: Any
    ) -> ProcessInstance:
        return self._engine.start(
            definition,
            {
                "aanvraag_id": str(aanvraag_id),
                "gemeente": gemeente,
                "meldingsdatum": meldingsdatum.isoformat(),
                "aanvraagdatum": aanvraagdatum.isoformat(),
                "signaleringstermijn_dagen": self._signalering,
            },
        )

    def _onthoud(self, aanvraag_id: uuid.UUID, instance_id: uuid.UUID) -> None:
        if len(self._ids) >= MAX_CACHE:
            self._ids.pop(next(iter(self._ids)))
        self._ids[aanvraag_id] = instance_id

    async def _instantie(self, aanvraag: Aanvraag) -> Procesinstantie:
        """The process instance of an aanvraag, started when missing (a submission that stopped half-way). The data
        service returns an existing one for the same definition version; an instance that runs on an archived
        version is found by trying the versions this service has loaded."""
        store = AloStore(self._gw, aanvraag.gemeente)
        known = self._ids.get(aanvraag.id)
        if known is not None:
            try:
                return await store.procesinstantie(known)
            except NotFoundError:
                self._ids.pop(aanvraag.id, None)
        found = await self._zoek_of_start(store, aanvraag)
        self._onthoud(aanvraag.id, found.id)
        return found

    async def _zoek_of_start(self, store: AloStore, aanvraag: Aanvraag) -> Procesinstantie:
        current = self._registry.current(DEFINITIE).ref
        refs = [current] + [d.ref for d in self._registry if d.name == DEFINITIE and d.ref != current]
        conflict: ConflictError | None = None
        for ref in refs:
            inst = self._start(aanvraag, ref)
            try:
                return await store.start_proces(
                    ProcesinstantieNieuw(
                        aanvraag_id=aanvraag.id,
                        definitie=ref.name,
                        definitie_versie=ref.version,
                        state=inst.serialize().decode(),
                        status="runnable",
                    )
                )
            except ConflictError as exc:
                conflict = exc
        assert conflict is not None
        raise conflict

    # --- use cases ------------------------------------------------------------------------------------------------

    async def dien_in(
        self, verzoek: AloAanvraagIndiening, ctx: RequestContext, idempotency_key: str
    ) -> AloAanvraagOntvangen:
        gemeente, huishouden = await self._woongemeente(verzoek.bsn, ctx)
        # The aanvraag is registered and its instance started in one request (ADR 0030), with the caller's context
        # (a citizen only for their own BSN; the registration audited as theirs, the start as this service's). The
        # instance's state names the aanvraag, so this service picks the new aanvraag's id.
        ref = self._registry.current(DEFINITIE).ref
        aanvraag_id = uuid.uuid4()
        inst = self._start_voor(aanvraag_id, gemeente, verzoek.meldingsdatum, verzoek.aanvraagdatum, ref)
        state = inst.serialize().decode()
        werker = self._werker() if self._werker is not None else None
        lease = werker.reserveer() if werker is not None else None
        try:
            ingediend = await AloStore(self._gw, gemeente, as_service=False).dien_in(
                AanvraagMetProces(
                    aanvraag_id=aanvraag_id,
                    aanvraag=_aanvraag_nieuw(verzoek),
                    procesinstantie=ProcesStart(
                        definitie=ref.name,
                        definitie_versie=ref.version,
                        state=state,
                        lease=lease,
                    ),
                ),
                idempotency_key,
            )
        except BaseException:
            if werker is not None and lease is not None:
                werker.laat_los()
            raise
        aanvraag, instantie = ingediend.aanvraag, ingediend.procesinstantie
        if huishouden is not None and aanvraag.bsn == verzoek.bsn:
            # Read just before the aanvraag was registered: on the case's clock no later than its registration (the
            # first steps of the case may use it while it is fresh, ADR 0031); kept before its run can start.
            self._referentie.casus.onthoud_huishouden(aanvraag.id, huishouden, aanvraag.created_at)
        if werker is not None and lease is not None:
            if instantie is not None and (ingediend.geclaimd or werker.is_mij_gegeven(instantie)):
                # no claim, no read of the aanvraag (a repeat: the first try's lost answer left it to this worker);
                # the instance this request started runs as it is in memory, no restore of the state it saved (not
                # for a repeat: the stored instance is the first try's)
                eigen = inst if ingediend.geclaimd and instantie.state == state else None
                werker.neem(instantie, ingediend.nu, aanvraag, eigen)
            else:
                werker.laat_los()
        if instantie is None:
            # A repeat of a submission registered without its instance (it stopped half-way before ADR 0030):
            # started now, as before.
            instantie = await self._instantie(aanvraag)
        else:
            self._onthoud(aanvraag.id, instantie.id)
        if not ingediend.geclaimd and self._nieuw_werk is not None:
            self._nieuw_werk(aanvraag)
        return AloAanvraagOntvangen(
            aanvraag_id=aanvraag.id, gemeente=gemeente, status=aanvraag.status, procesinstantie_id=instantie.id
        )

    async def _zichtbare_aanvraag(self, aanvraag_id: uuid.UUID, gemeente: str) -> Aanvraag:
        # Read with the caller's context: a citizen sees only their own aanvraag (404 otherwise).
        return await AloStore(self._gw, gemeente, as_service=False).aanvraag(aanvraag_id)

    async def documenten_ontvangen(
        self, aanvraag_id: uuid.UUID, body: DocumentenOntvangen, ctx: RequestContext
    ) -> DocumentenOntvangenAntwoord:
        """Record the message for the step that waits for it; a worker delivers it to the engine (first write
        wins, so a repeated call changes nothing). 409 when the process waits for no documents."""
        aanvraag = await self._zichtbare_aanvraag(aanvraag_id, self._gemeente(ctx, body.gemeente))
        instantie = await self._instantie(aanvraag)
        inst = self._engine.restore(instantie.state.encode())
        waits = [m for m in inst.waiting_messages() if m.message == DOCUMENTEN_ONTVANGEN]
        if not waits:
            raise ConflictError("Voor deze aanvraag worden nu geen stukken verwacht", code="geen-stukken-verwacht")
        payload = {"ontvangen_documenten": [str(d) for d in body.documenten]}
        await AloStore(self._gw, aanvraag.gemeente).leg_stap_vast(instantie.id, f"bericht.{waits[0].task_id}", payload)
        # The instance itself is picked up when its message poll comes round (the data service has no "wake").
        return DocumentenOntvangenAntwoord(aanvraag_id=aanvraag.id, afgeleverd=True)

    async def voortgang(self, aanvraag_id: uuid.UUID, gemeente: str | None, ctx: RequestContext) -> AloVoortgang:
        aanvraag = await self._zichtbare_aanvraag(aanvraag_id, self._gemeente(ctx, gemeente))
        instantie = await self._instantie(aanvraag)
        inst = self._engine.restore(instantie.state.encode())
        return AloVoortgang(
            aanvraag_id=aanvraag.id,
            procesinstantie_id=instantie.id,
            definitie=instantie.definitie,
            definitie_versie=instantie.definitie_versie,
            status=instantie.status,
            afgerond=inst.is_completed,
            volgende_moment=instantie.next_due_at,
            laatste_fout=instantie.last_error,
            servicetaken=[
                VoortgangServicetaak(
                    task_id=i.task_id,
                    element=i.element,
                    naam=i.name,
                    handler=i.handler,
                    pogingen=i.attempts,
                    laatste_fout=i.last_error,
                    opnieuw_vanaf=i.retry_at,
                    incident=i.incident,
                )
                for i in inst.ready_service_tasks()
            ],
            taken=[
                VoortgangTaak(task_id=t.task_id, element=t.element, naam=t.name, rol=t.rol, termijn=t.due)
                for t in inst.ready_user_tasks()
            ],
            timers=[
                VoortgangTimer(
                    task_id=t.task_id, element=t.element, naam=t.name, vervalt_op=t.due, herhalend=t.recurring
                )
                for t in inst.waiting_timers()
            ],
            berichten=[
                VoortgangBericht(task_id=m.task_id, element=m.element, naam=m.name, bericht=m.message)
                for m in inst.waiting_messages()
            ],
            variabelen=dict(inst.variables),
        )

"""The runtime of the ALO transaction: workers that claim process instances and drive them through the engine.

One run of one claimed instance (:class:`InstanceRun`)::

    restore the state the data service holds (the engine never runs side effects itself); read the aanvraag,
    its inbox tasks and every recorded step result of the instance (one call each)
    repeat until nothing moves (or the time budget of the lease is spent):
        deliver a completed inbox task      complete_user_task(outcome, data, actor)
        deliver a recorded message          receive_message("documenten_ontvangen")
        fire a due timer (data clock)       fire_timer(now=clock, due=...)
        execute a ready service task        step recorded? reuse : handler (its result kept for the next save)
                                            complete_service_task / fail_service_task
        (a checkpoint save after save_every_steps engine calls or save_every_s seconds; a save before a step
        whose side effect binds the steps after it: voorschot.beoordelen, and besluit.vastleggen, whose besluit
        that save records in its transaction, ADR 0038)
    save before opening inbox tasks for new warm steps (rol, due, reason); set the aanvraag's status
    last save: status (completed / waiting with next_due_at / runnable / failed), lease released

Every save is a PUT with the version read and this worker's lease, carrying the results (and facts) of every step
since the previous save, recorded in the same transaction (ADR 0016, ADR 0022: one save per run segment; first
write wins per result; the same save repeated after it committed is a replay). A straight-through case is saved
twice: before its besluit (which that save records, ADR 0038) and at its end (which also starts its uitkering, ADR
0030; a new instance is often created leased to the worker of the replica that took the submission, which runs it
without a claim). A 409 means
someone else owns the instance now (or a caseworker completed a task meanwhile, which bumps the version, or a
result was recorded before with another value): the run records the results it carried on their own (first write
wins), stops and drops what it holds in memory. A crash loses the unsaved part of a run: the next claim replays
it from the last saved state, executing those steps again, which is harmless because every handler's side effect
is idempotent by key (ADR 0022 lists them). The engine derives task
ids from the state (ADR 0022), so the replay meets every task under the id the lost run used, and keys by task id
(step results, inbox tasks, tijdlijn entries, the voorschot's volgnummer) find what the lost run left.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from pydantic.alias_generators import to_camel

from gbi_process.alo.handlers import HANDLERS, NL, Stap, WachtOpBron
from gbi_process.alo.referentie import Referentiecache
from gbi_process.alo.store import AloStore
from gbi_process.engine import (
    ActorNotAllowedError,
    EngineError,
    InvalidVariablesError,
    ProcessEngine,
    ProcessInstance,
    ServiceTaskItem,
    TaskNotReadyError,
    TimerNotDueError,
    UnknownTaskError,
    UserTaskItem,
)
from gbi_shared.clients import GatewayClient
from gbi_shared.contracts.alo import (
    MAX_TIJDLIJN_PER_OPSLAG,
    Aanvraag,
    Besluit,
    BesluitNieuw,
    Procesinstantie,
    ProcesinstantieMetBesluit,
    ProcesinstantieOpslag,
    ProcesLease,
    StapNieuw,
    Taak,
    TaakNieuw,
    TijdlijnItemNieuw,
    UitkeringNieuw,
)
from gbi_shared.errors import (
    BadRequestError,
    ConflictError,
    ServiceError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnprocessableError,
    UpstreamError,
    UpstreamTimeoutError,
)

__all__ = ["FINAL_STATUSES", "InstanceRun", "LeaseLost", "RunOptions", "Worker", "worker_id"]

log = logging.getLogger("gbi.process.alo")

_TRANSIENT = (ServiceUnavailableError, UpstreamTimeoutError, UpstreamError, TooManyRequestsError)
FINAL_STATUSES = frozenset({"besloten", "buiten-behandeling", "ingetrokken"})
#: Warm steps that do not make the case "wait for a caseworker" (the escalation runs beside the case).
_BESIDE = frozenset({"termijn_bewaken"})


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class RunOptions:
    worker: str
    lease_s: int = 60
    message_poll_s: float = 60.0
    retry_base_s: float = 30.0
    retry_max_s: float = 3600.0
    signaleringstermijn_dagen: int = 7
    #: A run saves (with the results gathered so far) after this many engine calls without a save, or this many
    #: seconds after its last save (default: a quarter of the lease), whichever comes first (ADR 0022). It saves
    #: anyway when it reaches a wait state or its end, before a binding step and before opening inbox tasks.
    save_every_steps: int = 25
    save_every_s: float | None = None

    @property
    def budget_s(self) -> float:
        """A run stops (and releases the instance as runnable) well before its lease expires."""
        return self.lease_s * 0.5

    @property
    def checkpoint_s(self) -> float:
        return self.save_every_s if self.save_every_s is not None else self.lease_s * 0.25


class LeaseLost(Exception):
    """The save was refused (409): another worker owns the instance, or it changed under us, or a step result it
    carried was recorded before with another result."""


#: A save refused for the uitkering it took along (ADR 0030): another uitkering exists for the aanvraag (409
#: ``uitkering-bestaat``), or the data service will not start it (422, 400). Permanent, so not retried that way: the
#: instance is handed back, and its next run in this process starts the uitkering on its own in the step itself,
#: which then fails as an incident a person sees, as before ADR 0030 (never a loop of runs).
_UITKERING_APART = "uitkering-apart"
#: Instances whose uitkering this process starts on its own (bounded; oldest out).
_UITKERING_APART_VOOR: dict[uuid.UUID, None] = {}
_UITKERING_APART_MAX = 1024


def _geweigerd_om(exc: ServiceError, bestaat: str) -> bool:
    """Whether a save was refused for what it took along (an uitkering, ADR 0030; a besluit, ADR 0038): the data
    service will not record it (400, 422, or a field it does not know yet during a rolling deploy), or another one
    exists (409 with the code ``bestaat``)."""
    return isinstance(exc, UnprocessableError | BadRequestError) or (
        isinstance(exc, ConflictError) and exc.instance_code == bestaat
    )


def _uitkering_apart(instance_id: uuid.UUID) -> None:
    _UITKERING_APART_VOOR[instance_id] = None
    while len(_UITKERING_APART_VOOR) > _UITKERING_APART_MAX:
        _UITKERING_APART_VOOR.pop(next(iter(_UITKERING_APART_VOOR)))


#: Above this many characters of state plus step results, a step result is recorded on its own before the save (the
#: request body limit of a service is 1 MiB).
_SAVE_BYTES = 700_000
#: Conflicts after which the run hands the instance back at once (the lease is still ours).
_RELEASE_AFTER = frozenset({"version-mismatch", "stap-vastgelegd", _UITKERING_APART})
#: Step results per save: the data service takes at most 20 (ADR 0016); a run saves before it gathers more.
_MAX_STEPS_PER_SAVE = 20
_CHECKPOINT_STEPS = 14
#: Handlers whose side effect binds the steps after it (one besluit per aanvraag: a retry that differs finds the
#: first). The state is saved before they run, so a replay after a crash never recomputes what that side effect was
#: based on (the sources, the calculation, the route) and stays consistent with it (ADR 0022). A voorschot is paid
#: under the volgnummer its task id claimed: saved before, a replay meets the task under the same id even when it
#: would have reached the step by another route (a timer fired later), and never pays a second volgnummer.
_SAVE_BEFORE = frozenset({"besluit.vastleggen", "voorschot.beoordelen"})
#: Of those, the one whose side effect the save before it takes along (ADR 0038): the step hands its besluit to the
#: run, whose save records it with the state before the step, in one transaction, before the zaaksysteem hears
#: of it. Crash-safe as a save before the step: both are durable or neither.
_SAVE_WITH = "besluit.vastleggen"


#: How long stopping the worker waits for its queued instances to be handed back (ADR 0033).
_TERUGGAVE_BIJ_STOP_S = 2.0


def _teruggave(instance: Procesinstantie, worker: str) -> ProcesinstantieOpslag:
    """The save that hands an instance back as it is stored (its state, status, deadline and error unchanged),
    releasing this worker's lease. Like every save it bumps the version and moves updated_at (the instance joins
    the back of the claim order), is audited, and keeps ``attempts`` only with an error (ADR 0033)."""
    return ProcesinstantieOpslag(
        state=instance.state,
        status=instance.status,
        next_due_at=instance.next_due_at,
        version=instance.version,
        lease_owner=worker,
        keep_lease=False,
        last_error=instance.last_error,
    )


class _OpslagFout(Exception):
    """A save made inside a step failed (ADR 0038): the run handles the error as that of a save between steps,
    never as the step's (see ``_execute``)."""

    def __init__(self, fout: Exception) -> None:
        super().__init__(str(fout))
        self.fout = fout


class _BesluitGeweigerd(Exception):
    """A save was refused for the besluit it carried (nothing written): another besluit exists (409
    ``besluit-bestaat``) or the data service will not record this one (400, 422, or a data service that does not
    know the field yet, during a rolling deploy)."""


#: A claimed instance waits in the worker's queue for a run slot at most this part of its lease (ADR 0033); its run's
#: budget (half the lease) counts from the claim, so it still ends with a quarter of the lease to spare.
_QUEUE_WAIT = 0.25
#: Aanvragen a worker keeps for the first run of their instance (ADR 0027).
_VERS_MAX = 1000
#: How long such an aanvraag (with the citizen's data) is kept for its first run: another replica may have run the
#: instance, and this replica would otherwise hold it until 1000 newer ones pushed it out.
_VERS_TTL_S = 120.0


def _due_at(day: date | None, fallback: datetime) -> datetime:
    """A warm step's deadline: the end of its due day in the Netherlands."""
    if day is None:
        return fallback
    return datetime.combine(day, dtime(23, 59), NL)


def _retry_delay(attempts: int, opts: RunOptions) -> timedelta:
    return timedelta(seconds=min(opts.retry_max_s, opts.retry_base_s * (2 ** min(attempts, 16))))


def _onbruikbaar(element: str, outcome: str | None, variables: Mapping[str, Any]) -> str | None:
    """Why a completed inbox task cannot move the process (it is issued again with this reason), or None.

    A toekenning needs an amount from a calculation that gives a right (Pw 11, 43): the beschikking states the
    calculation, so a consultant cannot grant what the calculation refuses; they reject with reasons, or have the
    data corrected first."""
    geen_recht = variables.get("besluit_voorstel") != "toekenning" or int(variables.get("bedrag_cents") or 0) <= 0
    if element == "beoordeling" and outcome == "toekenning" and geen_recht:
        return (
            "een toekenning kan niet, de berekening geeft geen recht op bijstand (geen bedrag); wijs af met de "
            "reden, of laat de gegevens herstellen"
        )
    return None


def _attempt_key(task_id: str, n: int) -> str:
    return task_id if n == 0 else f"{task_id}.{n}"


class InstanceRun:
    """Drives one claimed instance until it waits; see the module documentation."""

    def __init__(
        self,
        engine: ProcessEngine,
        gateway: GatewayClient,
        item: Procesinstantie,
        clock: datetime,
        opts: RunOptions,
        referentie: Referentiecache | None = None,
        aanvraag: Aanvraag | None = None,
        claimed_at: float | None = None,
        clock_at: float | None = None,
        started: ProcessInstance | None = None,
    ) -> None:
        self.engine = engine
        #: The instance as the submission that started it left it in memory, its state ``item.state`` (no restore).
        self._started = started
        self.gw = gateway
        self.item = item
        #: The aanvraag as this replica registered it moments ago (the first run of a new instance only).
        self._vers = aanvraag if aanvraag is not None and aanvraag.id == item.aanvraag_id else None
        self.opts = opts
        self.referentie = referentie
        self.store = AloStore(gateway, item.gemeente)
        self.version = item.version
        self.saved_state = item.state
        self._clock0 = clock
        #: When ``clock`` was read (this replica's monotonic clock): the run's clock counts from there.
        self._mono0 = time.monotonic() if clock_at is None else clock_at
        #: When the claim was asked (the lease began after it): the time budget counts from there, so that an
        #: instance that waited in the worker's queue after its claim still stops well within its lease (ADR 0033).
        self._lease0 = self._mono0 if claimed_at is None else min(claimed_at, self._mono0)
        self.aanvraag: Aanvraag | None = None
        self.taken: list[Taak] = []
        self.steps = 0
        self._messages_checked: set[str] = set()
        #: The recorded step results of the instance (read once when the run starts, then kept up to date), and
        #: the results not saved yet: they go with the next save of the state, in one transaction.
        self.recorded: dict[str, Any] = {}
        self.pending: dict[str, Any] = {}
        #: Tijdlijn entries of the steps since the last save (by sleutel): written by the next save, in its
        #: transaction, never after the step result they belong to (ADR 0027).
        self.tijdlijn: dict[str, TijdlijnItemNieuw] = {}
        #: The uitkering a step started since the last save (by its task id): started by the next save, in its
        #: transaction, with the step's result (ADR 0030).
        self.uitkering: dict[str, UitkeringNieuw] = {}
        #: Facts the run's steps parsed, with the recorded value they came from (``Stap.gelezen``).
        self._gelezen: dict[str, tuple[Any, Any]] = {}
        #: The instance in memory, engine calls on it since the last save, when that was, the last step error.
        self.inst: ProcessInstance | None = None
        self.unsaved = 0
        self._saved_at = time.monotonic()
        self._error: str | None = None
        #: How the run left the instance: runnable (work left behind: the budget ran out, or it was handed back).
        self.left_runnable = False

    def now(self) -> datetime:
        return self._clock0 + timedelta(seconds=time.monotonic() - self._mono0)

    @property
    def instance_id(self) -> uuid.UUID:
        return self.item.id

    # --- saving ---------------------------------------------------------------------------------------------------

    async def save(
        self,
        inst: ProcessInstance | None,
        *,
        status: str = "runnable",
        next_due_at: datetime | None = None,
        keep_lease: bool = True,
        last_error: str | None = None,
        aanvraag_status: str | None = None,
        besluit: BesluitNieuw | None = None,
    ) -> Besluit | None:
        """Save the run's state with what it carries; with ``besluit`` (ADR 0038) the besluit as stored, or
        :class:`_BesluitGeweigerd` when the save was refused for it (nothing written, nothing of the run dropped)."""
        state = inst.serialize().decode() if inst is not None else self.saved_state
        if self.pending:
            # (also with the stored state: results of side effects done are recorded whatever the state says)
            await self._record_large_steps(len(state))
        if len(self.tijdlijn) > MAX_TIJDLIJN_PER_OPSLAG:
            await self._keep_tijdlijn()
        aanvraag = self.aanvraag
        if aanvraag is None or aanvraag_status == aanvraag.status or aanvraag.status in FINAL_STATUSES:
            aanvraag_status = None
        body = ProcesinstantieOpslag(
            state=state,
            status=status,
            next_due_at=next_due_at,
            version=self.version,
            lease_owner=self.opts.worker,
            keep_lease=keep_lease,
            last_error=last_error[:4000] if last_error else None,
            stappen=[StapNieuw(stap_sleutel=k, resultaat=v) for k, v in self.pending.items()],
            tijdlijn=list(self.tijdlijn.values()),
            aanvraag_status=aanvraag_status,
            uitkering=next(reversed(self.uitkering.values()), None),
            besluit=besluit,
        )
        try:
            saved = await self.store.sla_op(self.instance_id, body)
        except (ConflictError, UnprocessableError, BadRequestError) as exc:
            if body.besluit is not None and body.uitkering is None and _geweigerd_om(exc, "besluit-bestaat"):
                raise _BesluitGeweigerd(str(exc)) from exc
            if body.uitkering is not None and _geweigerd_om(exc, "uitkering-bestaat"):
                # Refused for its uitkering, all of it: the rest is kept on its own, the uitkering's step not (it
                # runs again, starting its uitkering itself: an incident, see _UITKERING_APART).
                log.warning("instance %s: save refused for its uitkering (%s)", self.instance_id, exc)
                _uitkering_apart(self.instance_id)
                for task_id in self.uitkering:
                    self.pending.pop(task_id, None)
                self.uitkering.clear()
                await self._keep_tijdlijn()
                await self._keep_results([s for s in body.stappen if s.stap_sleutel in self.pending])
                raise LeaseLost(_UITKERING_APART) from exc
            if not isinstance(exc, ConflictError):
                raise
            await self._keep_tijdlijn()
            await self._keep_results(await self._keep_uitkering(body.stappen))
            raise LeaseLost(exc.instance_code) from exc
        self.tijdlijn.clear()
        self.uitkering.clear()
        if aanvraag is not None and aanvraag_status is not None:
            # (its version is not known here; the run never changes the aanvraag otherwise)
            self.aanvraag = aanvraag.model_copy(update={"status": aanvraag_status})
        self.version = saved.version
        self.saved_state = state
        self.unsaved = 0
        self._saved_at = time.monotonic()
        if not keep_lease and status == "runnable":
            self.left_runnable = True
        self.recorded.update(self.pending)
        self.pending.clear()
        return saved.besluit if isinstance(saved, ProcesinstantieMetBesluit) else None

    async def _besluit_met_opslag(self, inst: ProcessInstance, besluit: BesluitNieuw) -> Besluit | None:
        """The save before ``besluit.vastleggen``, made by the step (ADR 0038): it records the step's besluit in its
        transaction and answers it. None when it did not take the besluit along: nothing to save (a replay that
        starts at the step: its state is stored), an uitkering pending (its refusal is handled apart, ADR 0030), or
        the save refused for the besluit (another exists: saved then without it). The step then records the
        besluit itself, as before (``POST .../besluit``: the same finds the first, another is refused there)."""
        try:
            if self.uitkering or not (self.unsaved or self.pending or self.tijdlijn):
                await self.flush(inst)
                return None
            try:
                return await self.save(inst, last_error=self._error, besluit=besluit)
            except _BesluitGeweigerd as exc:
                log.warning("instance %s: save refused for its besluit (%s), saved without it", self.instance_id, exc)
                await self.flush(inst)
                return None
        except LeaseLost:
            raise
        except Exception as exc:
            raise _OpslagFout(exc) from exc

    async def moved(self, inst: ProcessInstance) -> None:
        """An engine call changed the instance: saved with the next save of the run, or now when a checkpoint is
        due (too many calls or results since the last save, or too long ago: see :class:`RunOptions`)."""
        self.unsaved += 1
        if (
            self.unsaved >= self.opts.save_every_steps
            or len(self.pending) >= _CHECKPOINT_STEPS
            or time.monotonic() - self._saved_at >= self.opts.checkpoint_s
        ):
            await self.flush(inst)

    async def flush(self, inst: ProcessInstance, aanvraag_status: str | None = None) -> None:
        """Save what the run did so far (keeping the lease), if anything (a new status of the aanvraag too)."""
        aanvraag = self.aanvraag
        nieuw = (
            aanvraag_status is not None
            and aanvraag is not None
            and aanvraag_status != aanvraag.status
            and aanvraag.status not in FINAL_STATUSES
        )
        if self.unsaved or self.pending or self.tijdlijn or self.uitkering or nieuw:
            await self.save(inst, last_error=self._error, aanvraag_status=aanvraag_status)

    async def _keep_tijdlijn(self) -> None:
        """Write the pending tijdlijn entries on their own (once per sleutel), before a step result is recorded
        outside a save: a replay that finds the result does not run its handler, which would queue them again.
        Best effort, as the entries were before they went with the save."""
        for sleutel, item in list(self.tijdlijn.items()):
            try:
                await self.store.tijdlijn(self.item.aanvraag_id, item)
            except ServiceError:
                log.warning("instance %s: tijdlijn entry %s not written", self.instance_id, sleutel)
        self.tijdlijn.clear()

    async def _keep_uitkering(self, stappen: list[StapNieuw]) -> list[StapNieuw]:
        """Start the pending uitkering on its own (one per aanvraag: a repeat finds it), before the result of its
        step is recorded outside a save: a replay that finds the result does not run the step again. When it cannot
        be started now, its step's result is not recorded either (returned without it): the replay runs the step
        again, as after a crash, and never skips an uitkering that does not exist (ADR 0030)."""
        failed: set[str] = set()
        for task_id, uitkering in list(self.uitkering.items()):
            try:
                await self.store.start_uitkering(uitkering)
            except ServiceError as exc:
                log.warning("instance %s: uitkering of %s not started, its step runs again", self.instance_id, task_id)
                if _geweigerd_om(exc, "uitkering-bestaat"):
                    _uitkering_apart(self.instance_id)  # refused for good: the step starts it itself, an incident
                failed.add(task_id)
        self.uitkering.clear()
        return [s for s in stappen if s.stap_sleutel not in failed]

    async def _keep_results(self, stappen: list[StapNieuw]) -> None:
        """The save was refused, but the side effects behind these results happened: record them on their own
        (first write wins, no lease needed), so that whoever runs the instance next reuses them instead of doing
        the side effects again. Best effort: a result that cannot be written now is lost as in a crash."""
        for stap in stappen:
            try:
                await self.store.leg_stap_vast(self.instance_id, stap.stap_sleutel, stap.resultaat)
            except ServiceError:
                log.warning("instance %s: result of %s not recorded", self.instance_id, stap.stap_sleutel)
        self.pending.clear()

    async def _record_large_steps(self, state_chars: int) -> None:
        """Step results that would make one save too large for a request are recorded on their own first (first
        write wins; a result that lost replaces ours, and the run starts again from the stored state)."""
        size = state_chars
        for n, (key, value) in enumerate(list(self.pending.items())):
            size += len(json.dumps(value, separators=(",", ":"), default=str))
            if (size <= _SAVE_BYTES and len(self.pending) - n <= _MAX_STEPS_PER_SAVE) or key in self.uitkering:
                continue  # (a step with its uitkering goes with the save: its result is small)
            await self._keep_tijdlijn()
            stored = await self.store.leg_stap_vast(self.instance_id, key, value)
            del self.pending[key]
            self.recorded[key] = stored
            if stored != value:
                raise LeaseLost("stap-vastgelegd")

    async def release_after_conflict(self) -> None:
        """A caseworker completed a task while we held the lease (the version went up, the lease is still ours), or
        the data service was busy mid-run: hand the instance back as it is stored, so the next claim picks it up at
        once instead of after the lease."""
        self.left_runnable = True
        try:
            stored = await self.store.procesinstantie(self.instance_id)
            if stored.lease_owner != self.opts.worker:
                return
            await self.store.sla_op(self.instance_id, _teruggave(stored, self.opts.worker))
        except ServiceError:
            pass  # the lease expires by itself

    # --- the run --------------------------------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            await self._run()
        except LeaseLost as lost:
            log.info("instance %s: save refused (%s), dropped", self.instance_id, lost)
            if str(lost) in _RELEASE_AFTER:
                await self.release_after_conflict()
        except _TRANSIENT as exc:
            # The data service or the gateway was busy or away mid-run (after the client's own retries). Hand the
            # instance back now instead of holding it until the lease runs out (60 s by default: under load with
            # two replicas that was the whole of a case's delay), with what the run did so far: its state and the
            # results gathered, in one save that releases the lease. When that save cannot be made either, keep
            # the results on their own and release from the stored state. All best effort; otherwise the lease
            # expires as before.
            log.warning("instance %s: run stopped by %s, handed back: %s", self.instance_id, type(exc).__name__, exc)
            await self._hand_back()

    async def _hand_back(self) -> None:
        self.left_runnable = True
        if self.inst is not None and (self.unsaved or self.pending or self.tijdlijn or self.uitkering):
            try:
                await self.save(self.inst, status="runnable", keep_lease=False, last_error=self._error)
                return
            except LeaseLost as lost:
                # the results were recorded on their own (save); someone else holds the instance, or the lease is
                # still ours after a refusal that hands it back at once
                if str(lost) in _RELEASE_AFTER:
                    await self.release_after_conflict()
                return
            except (ServiceError, EngineError):
                pass
        await self._keep_tijdlijn()
        if self.pending:
            stappen = [StapNieuw(stap_sleutel=k, resultaat=v) for k, v in self.pending.items()]
            await self._keep_results(await self._keep_uitkering(stappen))
        await self.release_after_conflict()

    async def _run(self) -> None:
        try:
            inst = self._started if self._started is not None else self.engine.restore(self.item.state.encode())
            self._started = None
        except EngineError as exc:
            # A state this service cannot run (an archived model version not loaded, another engine): a person
            # must look; retrying changes nothing.
            log.error("instance %s: cannot restore: %s", self.instance_id, exc)
            await self.save(None, status="failed", keep_lease=False, last_error=f"engine: {exc}")
            return
        self.inst = inst
        if self.item.version == 1 and self.item.attempts <= 1:
            # Never saved and claimed for the first time (a claim counts attempts, a save resets them): no run
            # recorded a step or opened an inbox task for it yet, and nobody hands in a message before it waits. The
            # aanvraag this replica registered for it is as stored: only a run changes it (its status, with a save).
            self.aanvraag = self._vers or await self.store.aanvraag(self.item.aanvraag_id)
        else:
            self.aanvraag, self.taken, self.recorded = await asyncio.gather(
                self.store.aanvraag(self.item.aanvraag_id),
                self.store.taken(self.item.aanvraag_id),
                self.store.stappen(self.instance_id),
            )
        try:
            while time.monotonic() - self._lease0 < self.opts.budget_s:
                if not await self._step(inst):
                    break
        except EngineError as exc:
            if isinstance(exc, (UnknownTaskError, TaskNotReadyError, InvalidVariablesError, TimerNotDueError)):
                raise
            # A model or engine failure: the in-memory instance is unusable; keep the last saved state (with the
            # results of the side effects done since), stop.
            log.exception("instance %s: engine failure", self.instance_id)
            self.inst = None
            await self.save(None, status="failed", keep_lease=False, last_error=f"engine: {exc}")
            return
        # The citizen-visible status goes with a save (ADR 0027): with the one before new inbox tasks are opened, so
        # that whoever sees a new inbox task also sees the case wait for it, else with the last one.
        status = self._aanvraag_status(inst)
        if any(not self._attempts(i.task_id) for i in inst.ready_user_tasks()):
            # An inbox task is only opened for a step in a saved state: a replay after a crash might take another
            # route (its handlers run again), and must not leave a task for a step it never reached.
            await self.flush(inst, status)
        await self._open_tasks(inst)
        await self._finish(inst, status)

    async def _step(self, inst: ProcessInstance) -> bool:
        """One engine call and its save; False when nothing can move now."""
        for item in inst.ready_user_tasks():
            if await self._deliver_task(inst, item):
                return True
        for msg in inst.waiting_messages():
            if msg.task_id in self._messages_checked:
                continue
            self._messages_checked.add(msg.task_id)
            # A message is recorded by whoever hands it in (not this run): read it, unless it was there at the start.
            key = f"bericht.{msg.task_id}"
            bericht = self.recorded.get(key)
            if bericht is None:
                stap = await self.store.stap(self.instance_id, key)
                bericht = None if stap is None else stap.resultaat
            if bericht is not None:
                payload = bericht if isinstance(bericht, dict) else {}
                variables = {k: v for k, v in payload.items() if k in msg.outputs}
                inst.receive_message(msg.message, variables, task_id=msg.task_id)
                await self.moved(inst)
                return True
        now = self.now()
        for timer in sorted(inst.waiting_timers(), key=lambda t: t.due):
            if timer.due <= now:
                inst.fire_timer(timer.task_id, now=now, due=timer.due)
                await self.moved(inst)
                return True
        ready = [i for i in inst.ready_service_tasks() if not i.incident and (i.retry_at is None or i.retry_at <= now)]
        ready.sort(key=lambda i: i.handler == "voorschot.beoordelen")
        if ready:
            await self._execute(inst, ready[0])
            return True
        return False

    # --- service tasks ----------------------------------------------------------------------------------------------

    async def _execute(self, inst: ProcessInstance, item: ServiceTaskItem) -> None:
        assert self.aanvraag is not None
        self.steps += 1
        recorded = self.recorded.get(item.task_id)
        result: Any
        if isinstance(recorded, dict):
            result = recorded.get("uit") or {}
        else:
            if item.handler in _SAVE_BEFORE and item.handler != _SAVE_WITH:
                await self.flush(inst)
            stap = Stap(
                gw=self.gw,
                store=self.store,
                instance_id=self.instance_id,
                aanvraag=self.aanvraag,
                task_id=item.task_id,
                element=item.element,
                variables=inst.variables,
                nu=self.now(),
                signaleringstermijn_dagen=self.opts.signaleringstermijn_dagen,
                recorded=self.recorded,
                pending=self.pending,
                _taken=self.taken,
                referentie=self.referentie,
                tijdlijn_pending=self.tijdlijn,
                uitkering_pending=None if self.instance_id in _UITKERING_APART_VOOR else self.uitkering,
                besluit_met_opslag=(
                    (lambda besluit: self._besluit_met_opslag(inst, besluit)) if item.handler == _SAVE_WITH else None
                ),
                gelezen=self._gelezen,
            )
            started = time.perf_counter()
            try:
                outputs = await HANDLERS[item.handler](stap)
            except LeaseLost:
                raise  # the save the step made was refused (ADR 0038): as for a save between steps
            except _OpslagFout as exc:
                raise exc.fout from exc.fout.__cause__  # (idem: a busy data service hands the instance back)
            except WachtOpBron as exc:
                await self._fail(inst, item, f"bron: {exc}", retry=True)
                if item.attempts == 0:
                    await self._tijdlijn(
                        f"wacht-op-bron.{item.task_id}",
                        "wacht-op-bron",
                        "Wij wachten op gegevens uit een bron die nu niet bereikbaar is. Uw aanvraag gaat vanzelf "
                        "verder zodra die gegevens er zijn.",
                    )
                return
            except _TRANSIENT as exc:
                await self._fail(inst, item, f"tijdelijk: {exc.status} {exc}", retry=True)
                return
            except Exception as exc:
                log.exception("instance %s: handler %s failed", self.instance_id, item.handler)
                await self._fail(inst, item, f"{type(exc).__name__}: {exc}", retry=False)
                return
            # One line per execution of a side effect: tests/e2e/test_alo.py checks two replicas never run a step
            # twice (a crash may legitimately repeat one; its recorded result then wins).
            log.info(
                "instance %s: step %s (%s) executed in %.0f ms",
                self.instance_id,
                item.task_id,
                item.handler,
                (time.perf_counter() - started) * 1000,
            )
            # Recorded with the state the result leads to, in one save (below): first write wins there too.
            self.pending[item.task_id] = {
                "handler": item.handler,
                "element": item.element,
                "at": stap.nu.isoformat(),
                "uit": outputs,
            }
            result = outputs
        try:
            inst.complete_service_task(item.task_id, result if isinstance(result, Mapping) else {})
        except InvalidVariablesError as exc:
            await self._fail(inst, item, f"ongeldig resultaat: {exc}", retry=False)
            return
        await self.moved(inst)

    async def _fail(self, inst: ProcessInstance, item: ServiceTaskItem, error: str, *, retry: bool) -> None:
        retry_at = self.now() + _retry_delay(item.attempts, self.opts) if retry else None
        if not retry:
            log.warning("instance %s: incident in %s: %s", self.instance_id, item.element, error)
        inst.fail_service_task(item.task_id, error, retry_at=retry_at)
        self._error = error
        await self.moved(inst)

    async def _tijdlijn(self, sleutel: str, soort: str, tekst: str) -> None:
        """An entry of the run itself: with the next save, as a handler's (ADR 0027)."""
        self.tijdlijn.setdefault(
            sleutel,
            TijdlijnItemNieuw(soort=soort, omschrijving=tekst, actor="gemeente", sleutel=sleutel, at=self.now()),
        )

    # --- user tasks -----------------------------------------------------------------------------------------------

    def _attempts(self, task_id: str) -> list[Taak]:
        """The inbox tasks issued for an engine task: the first, then re-issues after an unusable completion."""
        keys = {t.taak_sleutel: t for t in self.taken if t.procesinstantie_id == self.instance_id}
        out = []
        n = 0
        while _attempt_key(task_id, n) in keys:
            out.append(keys[_attempt_key(task_id, n)])
            n += 1
        return out

    async def _deliver_task(self, inst: ProcessInstance, item: UserTaskItem) -> bool:
        attempts = self._attempts(item.task_id)
        if not attempts or attempts[-1].status != "afgerond":
            return False
        taak = attempts[-1]
        data = taak.uitkomst_gegevens or {}
        variables = {}
        for name in item.outputs:
            for key in (name, to_camel(name)):
                if key in data:
                    variables[name] = data[key]
                    break
        outcome = taak.uitkomst if item.outcomes else None
        onbruikbaar = _onbruikbaar(item.element, outcome, inst.variables)
        if onbruikbaar is not None:
            await self.flush(inst)  # an inbox task is opened for a step in a saved state only
            await self._create_task(inst, item, len(attempts), f"Opnieuw: {onbruikbaar}")
            return False
        try:
            inst.complete_user_task(item.task_id, outcome, variables, actor=taak.afgerond_door)
        except (InvalidVariablesError, ActorNotAllowedError) as exc:
            # Completed in the inbox but unusable for the process: issue it again with the reason.
            await self.flush(inst)
            await self._create_task(inst, item, len(attempts), f"Opnieuw: de afronding was niet bruikbaar ({exc})")
            return False
        await self.moved(inst)
        return True

    async def _create_task(self, inst: ProcessInstance, item: UserTaskItem, attempt: int, reden: str) -> None:
        variables = inst.variables
        beoordeeld: Taak | None = None
        if item.excluded_actors:
            done = [
                t
                for t in self.taken
                if t.procesinstantie_id == self.instance_id
                and t.status == "afgerond"
                and t.gegevens.get("element") == "beoordeling"
            ]
            beoordeeld = max(done, key=lambda t: t.afgerond_op or t.created_at, default=None)
        context = {
            k: variables[k]
            for k in (
                "besluit_voorstel",
                "bedrag_cents",
                "besluit",
                "routeringsreden",
                "vierogen_reden",
                "beslistermijn_einde",
                "zaak_id",
            )
            if k in variables
        }
        body = TaakNieuw(
            procesinstantie_id=self.instance_id,
            taak_sleutel=_attempt_key(item.task_id, attempt),
            rol=item.rol,
            naam=(item.name or item.element)[:200],
            omschrijving=f"Stap {item.element} van de aanvraag levensonderhoud",
            reden=reden[:2000],
            due_at=_due_at(item.due, self.now() + timedelta(days=14)),
            gegevens={
                "element": item.element,
                "taskId": item.task_id,
                "uitkomsten": list(item.outcomes),
                "velden": dict(item.outputs),
                "proces": context,
            },
            vierogen=beoordeeld is not None,
            beoordeelt_taak_id=beoordeeld.id if beoordeeld is not None else None,
            uitgesloten=sorted(item.excluded_actors)[:20],
        )
        taak = await self.store.maak_taak(body)
        self.taken.append(taak)

    def _reden(self, inst: ProcessInstance, item: UserTaskItem) -> str:
        v = inst.variables
        if item.element == "vierogen_goedkeuring":
            return str(v.get("vierogen_reden") or "Vier ogen: besluit goedkeuren")
        if item.element == "termijn_bewaken":
            return f"De beslistermijn eindigt op {v.get('beslistermijn_einde')}: zorg voor een besluit of verdaag"
        if item.element == "beoordeling":
            terug = [
                t
                for t in self.taken
                if t.procesinstantie_id == self.instance_id
                and t.gegevens.get("element") == "vierogen_goedkeuring"
                and t.uitkomst == "teruggestuurd"
            ]
            if terug:
                last = max(terug, key=lambda t: t.afgerond_op or t.created_at)
                return f"Teruggestuurd door de teamleider: {last.uitkomst_reden}"
        return str(v.get("routeringsreden") or "Beoordelen en een besluit voorstellen")

    async def _open_tasks(self, inst: ProcessInstance) -> None:
        for item in inst.ready_user_tasks():
            if not self._attempts(item.task_id):
                await self._create_task(inst, item, 0, self._reden(inst, item))

    # --- the end of a run -------------------------------------------------------------------------------------------

    def _aanvraag_status(self, inst: ProcessInstance) -> str:
        if inst.is_completed:
            return "buiten-behandeling" if inst.variables.get("besluit") == "buiten_behandeling" else "besloten"
        service = inst.ready_service_tasks()
        if any(i.retry_at is not None and (i.last_error or "").startswith("bron") for i in service):
            return "wacht-op-bron"
        if inst.waiting_messages():
            return "wacht-op-burger"
        if any(t.element not in _BESIDE for t in inst.ready_user_tasks()):
            return "wacht-op-medewerker"
        return "in-behandeling"

    async def _finish(self, inst: ProcessInstance, aanvraag_status: str) -> None:
        now = self.now()
        if inst.is_completed:
            await self.save(inst, status="completed", keep_lease=False, aanvraag_status=aanvraag_status)
            return
        service = inst.ready_service_tasks()
        incidents = [i for i in service if i.incident]
        if any(not i.incident and (i.retry_at is None or i.retry_at <= now) for i in service):
            await self.save(
                inst, status="runnable", keep_lease=False, aanvraag_status=aanvraag_status
            )  # the time budget ran out
            return
        due = inst.next_due()
        if inst.waiting_messages():
            poll = now + timedelta(seconds=self.opts.message_poll_s)
            due = poll if due is None else min(due, poll)
        last_error = next((i.last_error for i in service if i.last_error), None)
        if incidents:
            first = incidents[0]
            last_error = f"incident in {first.element}: {first.last_error or '-'}"
            if due is None and not inst.ready_user_tasks():
                # Nothing else can happen: the instance needs a person (retry_service_task) before it moves.
                await self.save(
                    inst, status="failed", keep_lease=False, last_error=last_error, aanvraag_status=aanvraag_status
                )
                return
            # Deadlines, inbox tasks and messages of the other branches go on (a voorschot or the escalation must
            # not wait for a repair elsewhere); the incident stays visible in lastError and the voortgang.
        await self.save(
            inst,
            status="waiting",
            next_due_at=due,
            keep_lease=False,
            last_error=last_error,
            aanvraag_status=aanvraag_status,
        )


class Worker:
    """The background loop of one process service replica: claim due instances of every GBI gemeente and run
    them, at most ``concurrency`` at a time.

    A claim asks for the free run slots *and* up to ``concurrency`` more (within ``claim_limit``): the instances
    that find no free slot wait in a local queue, leased to this worker, and start as runs end, oldest first (ADR
    0033). It claims again only when that queue is empty, so under load one claim serves several runs instead of
    one claim per slot that frees. A queued instance is started only while its lease has at least three quarters
    left (:data:`_QUEUE_WAIT`); its run's time budget counts from the claim, so it stops, and saves, well within the
    lease, as a run started at once does. One that waited longer is handed back unrun (its lease released as claimed;
    when that fails, the lease expires by itself): the lease is never exceeded, and no other worker can claim a
    queued instance meanwhile.
    """

    def __init__(
        self,
        engine: ProcessEngine,
        gateway: GatewayClient,
        opts: RunOptions,
        *,
        interval_s: float = 1.0,
        idle_max_s: float = 10.0,
        concurrency: int = 8,
        claim_limit: int = 10,
        gemeenten_refresh_s: float = 300.0,
        referentie: Referentiecache | None = None,
        idle_empty_s: float | None = None,
    ) -> None:
        self.engine = engine
        self.gw = gateway
        self.opts = opts
        self.referentie = referentie if referentie is not None else Referentiecache(gateway)
        self.interval_s = interval_s
        self.idle_max_s = max(interval_s, idle_max_s)
        #: The pause after an empty claim in a gemeente without any unfinished instance (the claim says so): there
        #: only a new start makes work, and the replica that starts one claims there at once (ADR 0027).
        self.idle_empty_s = max(self.idle_max_s, idle_empty_s if idle_empty_s is not None else 5 * self.idle_max_s)
        self.concurrency = concurrency
        self.claim_limit = claim_limit
        self.gemeenten_refresh_s = gemeenten_refresh_s
        self._gemeenten: list[str] = []
        self._gemeenten_at = 0.0
        # Per gemeente: when to claim there next, and the current idle delay (doubles after an empty claim, from
        # interval_s up to idle_max_s; back to 0 when something was claimed or a run there ended).
        self._next: dict[str, float] = {}
        self._idle: dict[str, float] = {}
        self._running: set[asyncio.Task[None]] = set()
        #: The instances this worker runs now (one run per instance in a replica, whoever handed it over).
        self._running_ids: set[uuid.UUID] = set()
        #: Instances handed over by a submission (:meth:`neem`), when: one is never handed over twice while the
        #: lease it was created with can last (a repeat's answer may come before the first try's).
        self._gegeven: dict[uuid.UUID, float] = {}
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.runs = 0
        #: Aanvragen this replica registered whose instance has not run yet (bounded; the oldest go first).
        self._vers: dict[uuid.UUID, tuple[float, Aanvraag]] = {}
        #: When the loop started: for its first idle_empty_s an empty gemeente is asked at the normal pace (a
        #: replica that starts does not know what the others started just before).
        self._started_at = float("-inf")
        #: Run slots promised to submissions in flight, whose instance is created leased to this worker (ADR 0030).
        self._gereserveerd = 0
        #: Claimed instances waiting for a free run slot (ADR 0033), oldest first: (when the claim was asked, when
        #: it answered, monotonic; the claim's clock; the instance).
        self._wachtrij: collections.deque[tuple[float, float, datetime, Procesinstantie]] = collections.deque()
        self._teruggaven: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._started_at = time.monotonic()
        self._task = asyncio.create_task(self._loop(), name="gbi-alo-worker")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            # first the loop, so that no claim of its lands in the queue after it was handed back
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        # The queued instances never ran here: handed back, so another replica takes them at once (a rolling deploy
        # does not leave them leased for their lease); one not handed back in time expires, as a run cancelled below.
        wachtend = [item for _, _, _, item in self._wachtrij if item.id not in self._running_ids]
        self._wachtrij.clear()
        if wachtend:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*(self._geef_terug(item) for item in wachtend), return_exceptions=True),
                    _TERUGGAVE_BIJ_STOP_S,
                )
        for task in list(self._running):
            task.cancel()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _gemeenten_now(self) -> list[str]:
        if not self._gemeenten or time.monotonic() - self._gemeenten_at > self.gemeenten_refresh_s:
            self._gemeenten = await AloStore.gemeenten(self.gw)
            self._gemeenten_at = time.monotonic()
        return self._gemeenten

    def wake(self, gemeente: str | None = None) -> None:
        """Claim in this gemeente (or every one) at once: new work is known to be there."""
        for g in [gemeente] if gemeente is not None else list(self._next):
            self._next[g] = 0.0
            self._idle[g] = 0.0
        self._wake.set()

    def nieuw(self, aanvraag: Aanvraag) -> None:
        """A submission to this replica registered ``aanvraag`` and started its instance: claim in its gemeente at
        once, and let the first run of the instance use this aanvraag instead of reading it again."""
        now = time.monotonic()
        self._vers.pop(aanvraag.id, None)
        self._vers[aanvraag.id] = (now, aanvraag)
        # Oldest first: drop what is over the bound or older than the time to live.
        while self._vers:
            oldest = next(iter(self._vers))
            if len(self._vers) <= _VERS_MAX and now - self._vers[oldest][0] <= _VERS_TTL_S:
                break
            self._vers.pop(oldest)
        self.wake(aanvraag.gemeente)

    def reserveer(self) -> ProcesLease | None:
        """A run slot for a submission in flight: its instance is created leased to this worker (no claim), and
        handed to :meth:`neem`, or the slot is given back with :meth:`laat_los`. None when the worker is not
        running or has no free slot: the instance is then created unleased, for a claim (ADR 0030)."""
        if self._task is None or self._stop.is_set():
            return None
        if len(self._running) + self._gereserveerd + len(self._wachtrij) >= self.concurrency:
            return None  # (claimed instances waiting for a slot go first)
        self._gereserveerd += 1
        return ProcesLease(worker=self.opts.worker, lease_seconds=self.opts.lease_s)

    def is_mij_gegeven(self, item: Procesinstantie) -> bool:
        """Whether a submission's repeat found its instance as the first try left it for this worker: leased to it,
        never saved (version 1) and not running here. The first try's answer was lost on the way (its request was
        repeated after it committed), so nobody runs it until the lease expires: the repeat hands it over instead
        (:meth:`neem`, which skips an instance running here already)."""
        return (
            item.lease_owner == self.opts.worker
            and item.version == 1
            and item.status == "runnable"
            and self._nog_niet_gegeven(item.id)
        )

    def _nog_niet_gegeven(self, instance_id: uuid.UUID) -> bool:
        now = time.monotonic()
        # Oldest first (an instance is handed over once, so the dictionary is in the order of its moments): drop
        # from the front what has outlived its lease, without a look at every instance of the last lease.
        while self._gegeven:
            oldest = next(iter(self._gegeven))
            if now - self._gegeven[oldest] <= self.opts.lease_s:
                break
            del self._gegeven[oldest]
        return instance_id not in self._gegeven and instance_id not in self._running_ids

    def laat_los(self) -> None:
        """A reserved slot not used (the submission failed, or it was a repeat: no lease was given)."""
        self._gereserveerd = max(0, self._gereserveerd - 1)
        self._start_queued()

    def neem(
        self, item: Procesinstantie, clock: datetime, aanvraag: Aanvraag, started: ProcessInstance | None = None
    ) -> None:
        """Run an instance a submission created leased to this worker (in the slot it reserved), as if claimed;
        ``started``: the instance as the submission started it, whose serialised state is ``item.state`` (the run
        takes it instead of restoring that state)."""
        self._gereserveerd = max(0, self._gereserveerd - 1)
        if self._stop.is_set() or not self._nog_niet_gegeven(item.id):
            self._start_queued()  # (the slot is free again)
            return  # the lease runs out and another claim takes it; or it was handed over already
        self._gegeven[item.id] = time.monotonic()
        self._start(item, clock, aanvraag, started=started)

    def _start(
        self,
        item: Procesinstantie,
        clock: datetime,
        aanvraag: Aanvraag | None = None,
        claimed_at: tuple[float, float] | None = None,
        started: ProcessInstance | None = None,
    ) -> None:
        task = asyncio.create_task(self._run(item, clock, aanvraag, claimed_at, started))
        self._running.add(task)
        self._running_ids.add(item.id)
        task.add_done_callback(self._running.discard)
        task.add_done_callback(self._start_queued)

    def _start_queued(self, _: object = None) -> None:
        """Start claimed instances from the queue in the free run slots, oldest first; hand one whose lease has
        lasted too long to start a run in it back unrun (:meth:`_geef_terug`)."""
        while self._wachtrij and not self._stop.is_set():
            if len(self._running) + self._gereserveerd >= self.concurrency:
                return
            asked_at, answered_at, clock, item = self._wachtrij.popleft()
            if item.id in self._running_ids:
                continue
            if time.monotonic() - asked_at > self.opts.lease_s * _QUEUE_WAIT:
                log.warning("instance %s: waited too long for a run slot, handed back unrun", item.id)
                task = asyncio.create_task(self._geef_terug(item))
                self._teruggaven.add(task)
                task.add_done_callback(self._teruggaven.discard)
                continue
            self._start(item, clock, claimed_at=(asked_at, answered_at))

    async def _geef_terug(self, item: Procesinstantie) -> None:
        """Release the lease of a queued instance that will not run here, as claimed (its state, status and version
        unchanged), so that the next claim takes it at once. Best effort: refused (a caseworker's task bumped the
        version meanwhile) or failed, the lease expires by itself."""
        try:
            await AloStore(self.gw, item.gemeente).sla_op(item.id, _teruggave(item, self.opts.worker))
        except ServiceError as exc:
            log.info("instance %s: not handed back (%s), its lease expires", item.id, exc)
            return
        self.wake(item.gemeente)

    def _vers_voor(self, aanvraag_id: uuid.UUID) -> Aanvraag | None:
        """The aanvraag this replica registered for ``aanvraag_id``, once, if it is still fresh."""
        kept = self._vers.pop(aanvraag_id, None)
        if kept is None or time.monotonic() - kept[0] > _VERS_TTL_S:
            return None
        return kept[1]

    async def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                claimed = await self.tick()
            except ServiceError as exc:  # the gateway, the identity provider or the data service is not there
                log.warning("worker could not claim: %s %s", exc.status, exc)
                claimed = 0
                self._next = {g: time.monotonic() + self.idle_max_s for g in self._gemeenten}
            except Exception:
                log.exception("worker tick failed")
                claimed = 0
            if claimed:
                await asyncio.sleep(0)
                continue
            if len(self._running) >= self.concurrency:
                await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
                continue
            soonest = min(self._next.values(), default=time.monotonic() + self.interval_s)
            timeout = min(self.idle_max_s, max(0.01, soonest - time.monotonic()))
            waits: list[asyncio.Future[Any]] = [
                asyncio.ensure_future(self._stop.wait()),
                asyncio.ensure_future(self._wake.wait()),
            ]
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for w in waits:
                w.cancel()

    async def tick(self, *, force: bool = False) -> int:
        """Claim in every gemeente that is due (all with ``force``) while there is room; start a run per claimed
        instance. Returns how many were claimed."""
        claimed = 0
        self._start_queued()
        for gemeente in await self._gemeenten_now():
            free = self.concurrency - len(self._running) - self._gereserveerd
            if free <= 0 or self._wachtrij:
                break  # (claim again once the queue is empty: ADR 0033)
            now = time.monotonic()
            if not force and now < self._next.get(gemeente, 0.0):
                continue
            # The free slots, and as many again for the queue: they start as runs end, without a claim each.
            asked = min(free + self.concurrency, self.claim_limit)
            result = await AloStore(self.gw, gemeente).claim(self.opts.worker, self.opts.lease_s, asked)
            if result.items:
                log.info("worker %s claimed %d in gemeente %s", self.opts.worker, len(result.items), gemeente)
                self._idle[gemeente] = 0.0
                # Fewer than asked: nothing else is claimable there now; ask again after interval_s (or when a
                # submission or a run that left work behind says so), not at once with an empty claim.
                self._next[gemeente] = now if len(result.items) >= asked else now + self.interval_s
            else:
                idle = min(self.idle_max_s, max(self.interval_s, self._idle.get(gemeente, 0.0) * 2))
                self._idle[gemeente] = idle
                empty = result.open is False and now - self._started_at >= self.idle_empty_s
                self._next[gemeente] = now + (self.idle_empty_s if empty else idle)
            # (the runs' time budget counts from the moment the claim was asked, their clock from its answer)
            answered = time.monotonic()
            self._wachtrij.extend((now, answered, result.nu, item) for item in result.items)
            self._start_queued()
            claimed += len(result.items)
        return claimed

    async def _run(
        self,
        item: Procesinstantie,
        clock: datetime,
        aanvraag: Aanvraag | None = None,
        claimed_at: tuple[float, float] | None = None,
        started: ProcessInstance | None = None,
    ) -> None:
        self.runs += 1
        vers = aanvraag if aanvraag is not None else self._vers_voor(item.aanvraag_id)
        asked_at, answered_at = claimed_at if claimed_at is not None else (None, None)
        run = InstanceRun(
            self.engine,
            self.gw,
            item,
            clock,
            self.opts,
            self.referentie,
            vers,
            asked_at,
            clock_at=answered_at,
            started=started,
        )
        try:
            await run.run()
        except Exception:
            # The lease runs out and another claim retries; the last saved state is the truth.
            log.exception("instance %s: run failed", item.id)
        finally:
            self._running_ids.discard(item.id)
            if run.left_runnable:
                self.wake(item.gemeente)  # the run left work behind in its gemeente (budget spent, handed back)

    async def run_until_idle(self, max_rounds: int = 1000) -> int:
        """Tests: tick and wait for the runs until nothing is claimed any more. Returns the number of runs."""
        before = self.runs
        for _ in range(max_rounds):
            queued = bool(self._wachtrij)  # (a tick claims nothing while the queue holds instances)
            claimed = await self.tick(force=True)
            while self._running:  # (runs that end start the queued instances)
                await asyncio.gather(*list(self._running), return_exceptions=True)
            if not claimed and not queued and not self._running:
                break
        return self.runs - before

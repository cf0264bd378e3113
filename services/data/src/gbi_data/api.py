"""Internal API of the data service, under ``/internal/data/v1``. Thin routes: parse, call the service, return.

Routes are plain ``def`` next to the synchronous SQLAlchemy session. Their routers use :class:`DataRoute`: the
tenant dependency only prepares the request's transaction (no I/O), and the route runs on a worker thread in one
call that begins the transaction, runs the route and commits, before the response is built and sent, so a client
never sees a success that was not committed. Worker threads for that are bounded by the connection pool's size (a
thread never waits for a connection another request's thread holds; requests queue on the event loop instead).
"""

from __future__ import annotations

import functools
import inspect
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from datetime import date
from typing import Annotated, Any

import anyio
from anyio import fail_after
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from fastapi.routing import APIRoute
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from gbi_data.database import Database, RequestTransaction
from gbi_data.service import DataService
from gbi_shared import PROBLEM_RESPONSES, ActorType, RequestContext, current_context, require_roles
from gbi_shared.contracts.beleid import ONDERWERPEN, Beleidsversie, BeleidsversieLijst, BeleidsversieNieuw
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

__all__ = ["IDEMPOTENCY_KEY_HEADER", "REPLAYED_HEADER", "DataRoute", "Tenant", "router"]

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
PREFIX = "/internal/data/v1"

_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "Idempotency-Key al gebruikt voor een ander verzoek",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}

_REPLAYED: dict[int | str, dict[str, Any]] = {200: {"description": "Bestond al (Idempotent-Replayed: true)"}}


class Tenant:
    """The verified caller, the gemeente it acts for, and a transaction bound to that gemeente."""

    __slots__ = ("ctx", "gemeente", "transaction")

    def __init__(self, ctx: RequestContext, gemeente: str, transaction: RequestTransaction) -> None:
        self.ctx = ctx
        self.gemeente = gemeente
        self.transaction = transaction

    @property
    def session(self) -> Session:
        """The transaction (begun on first use where :class:`DataRoute` did not begin it already)."""
        return self.transaction.session


#: The tenant transactions the current request's dependencies made, in order: the route class ends every one of
#: them, also one made for a sub-dependency that the route does not take as a parameter itself. Each request runs
#: in a task of its own, so the list is the request's (set on the first tenant dependency, never inherited).
_TRANSACTIONS: ContextVar[list[RequestTransaction] | None] = ContextVar("gbi_data_transactions", default=None)


def _transactions_of(kwargs: dict[str, Any]) -> list[RequestTransaction]:
    """The request's tenant transactions: those its dependencies registered, and any a route parameter holds."""
    transactions = list(_TRANSACTIONS.get() or ())
    for value in kwargs.values():
        if isinstance(value, Tenant) and not any(t is value.transaction for t in transactions):
            transactions.append(value.transaction)
    return transactions


def _run_route(endpoint: Callable[..., Any], kwargs: dict[str, Any], transactions: list[RequestTransaction]) -> Any:
    """On a worker thread: begin the request's transactions, run the route, commit (roll back when it raised)."""
    begun: list[RequestTransaction] = []
    try:
        for transaction in transactions:
            transaction.begin()
            begun.append(transaction)
        result = endpoint(**kwargs)
    except BaseException as exc:
        for transaction in reversed(begun):
            transaction.end(exc)
        raise
    # Commit in reverse order of begin; a failing commit rolls back the others and raises.
    while begun:
        transaction = begun.pop()
        try:
            transaction.end()
        except BaseException as exc:
            for other in reversed(begun):
                other.end(exc)
            raise
    return result


def _in_one_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def route(**kwargs: Any) -> Any:
        transactions = _transactions_of(kwargs)
        call = functools.partial(_run_route, endpoint, kwargs, transactions)
        if not transactions:
            return await anyio.to_thread.run_sync(call)
        database = transactions[0].database
        limiter, borrower = database.limiter(), object()
        try:
            # A free token is taken at once; only a request that has to wait for one sets up the timeout (a cancel
            # scope and a timer per request cost ~15 us of CPU, nearly always for nothing).
            limiter.acquire_on_behalf_of_nowait(borrower)
        except anyio.WouldBlock:
            try:
                with fail_after(database.pool_timeout_s):
                    await limiter.acquire_on_behalf_of(borrower)
            except TimeoutError:
                # As a pool checkout that timed out: every connection stayed busy that long (503 with Retry-After).
                raise PoolTimeoutError("no database connection became free in time") from None
        # No ``await`` between taking the token (either way above) and this ``try``: a cancellation delivered at one
        # would leave the token borrowed for good (the ``finally`` below is what gives it back).
        try:
            return await anyio.to_thread.run_sync(call, limiter=database.unbounded_limiter())
        finally:
            limiter.release_on_behalf_of(borrower)

    return route


async def _end_on_a_thread(transactions: list[RequestTransaction], exc: BaseException | None) -> None:
    """End (commit, or roll back when ``exc``) the transactions an ``async def`` route began by using
    ``tenant.session``, on a thread of their own, shielded from cancellation."""
    with anyio.CancelScope(shield=True):
        for transaction in reversed(transactions):
            if transaction.active:
                await anyio.to_thread.run_sync(transaction.end, exc, limiter=anyio.CapacityLimiter(1))


def _ending_transactions(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def route(**kwargs: Any) -> Any:
        transactions = _transactions_of(kwargs)
        try:
            result = await endpoint(**kwargs)
        except BaseException as exc:
            await _end_on_a_thread(transactions, exc)
            raise
        await _end_on_a_thread(transactions, None)
        return result

    return route


class DataRoute(APIRoute):
    """A route of the data service. A plain ``def`` route runs on a worker thread in one call together with the
    begin and commit of its tenant transaction (:class:`Tenant`), and its response model is then checked on the
    event loop: one thread hop per request. An ``async def`` route runs on the event loop; a tenant transaction it
    began (by using ``tenant.session``) is committed, or rolled back when it raised, on a thread when it returns.

    The route, not the tenant dependency, ends the transaction: a plain ``async`` dependency costs FastAPI less
    than a generator dependency (no exit stack entered per request)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if inspect.iscoroutinefunction(endpoint):
            endpoint = _ending_transactions(endpoint)
        elif inspect.isfunction(endpoint):
            endpoint = _in_one_thread(endpoint)
        else:  # pragma: no cover - every route of the data service is a function
            raise TypeError(f"a data route must be a function: {endpoint!r}")
        super().__init__(path, endpoint, **kwargs)


router = APIRouter(prefix=PREFIX, responses=PROBLEM_RESPONSES, route_class=DataRoute)


def _database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


async def _service(request: Request) -> DataService:
    # ``async``: FastAPI then calls it on the event loop; a sync dependency costs a hop to a worker thread.
    service: DataService = request.app.state.data_service
    return service


Context = Annotated[RequestContext, Depends(current_context)]
Service = Annotated[DataService, Depends(_service)]


def _reference_session(request: Request, _ctx: Context) -> Iterator[Session]:
    """A transaction for reference data (any verified caller; no tenant rows are visible in it)."""
    with _database(request).transaction(gemeente=None, read_only=True) as session:
        yield session


def _tenant_dependency(*, read_only: bool) -> Callable[..., Coroutine[Any, Any, Tenant]]:
    async def tenant_scope(request: Request, ctx: Context, service: Service) -> Tenant:
        # ``async`` and without I/O: the transaction begins on the route's worker thread, and the route ends it
        # (``DataRoute``); a route of another class would leave it open, so it may not use this dependency.
        if not isinstance(request.scope.get("route"), DataRoute):
            raise RuntimeError("the tenant dependency is for routes of class gbi_data.api.DataRoute only")
        gemeente = service.tenant_of(ctx)
        transaction = _database(request).request_transaction(
            gemeente=gemeente, read_only=read_only, check=functools.partial(service.check_tenant, gemeente=gemeente)
        )
        registered = _TRANSACTIONS.get()
        if registered is None:
            registered = []
            _TRANSACTIONS.set(registered)
        registered.append(transaction)
        return Tenant(ctx, gemeente, transaction)

    return tenant_scope


_tenant = _tenant_dependency(read_only=False)
_tenant_read_only = _tenant_dependency(read_only=True)


ReferenceSession = Annotated[Session, Depends(_reference_session, scope="function")]
TenantScope = Annotated[Tenant, Depends(_tenant)]
# For routes that only read and write no audit entry (reading the audit log itself, verifying it).
ReadOnlyTenantScope = Annotated[Tenant, Depends(_tenant_read_only)]


# --- gemeenten ------------------------------------------------------------------------------------------------------


@router.get("/gemeenten", response_model=GemeenteList, tags=["gemeenten"])
def list_gemeenten(session: ReferenceSession, service: Service) -> GemeenteList:
    """The gemeenten of GBI (reference data)."""
    return service.list_gemeenten(session)


@router.get("/gemeenten/{code}", response_model=Gemeente, tags=["gemeenten"])
def get_gemeente(
    session: ReferenceSession, service: Service, code: Annotated[str, Path(pattern=r"^\d{4}$")]
) -> Gemeente:
    return service.get_gemeente(session, code)


# --- proefberekeningen ----------------------------------------------------------------------------------------------


@router.post(
    "/proefberekeningen",
    response_model=ProefberekeningRecord,
    status_code=status.HTTP_201_CREATED,
    responses=_REPLAYED | _CONFLICT,
    tags=["proefberekeningen"],
)
def create_proefberekening(
    body: ProefberekeningRecordCreate,
    tenant: TenantScope,
    service: Service,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(alias=IDEMPOTENCY_KEY_HEADER, min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$"),
    ] = None,
) -> ProefberekeningRecord:
    """Store a proefberekening for the caller's gemeente (audited in the same transaction). The same
    Idempotency-Key with the same body returns the same record (200, ``Idempotent-Replayed: true``); with another
    body, 409."""
    record, replayed = service.create_proefberekening(
        tenant.session, tenant.ctx, tenant.gemeente, body, idempotency_key
    )
    response.headers["Location"] = f"{PREFIX}/proefberekeningen/{record.id}"
    if replayed:  # one rule for every create of the data service: a replay is 200 (docs/runtime-contract.md)
        response.status_code = status.HTTP_200_OK
        response.headers[REPLAYED_HEADER] = "true"
    return record


@router.get("/proefberekeningen/{proefberekeningId}", response_model=ProefberekeningRecord, tags=["proefberekeningen"])
def get_proefberekening(
    tenant: TenantScope, service: Service, proefberekening_id: Annotated[uuid.UUID, Path(alias="proefberekeningId")]
) -> ProefberekeningRecord:
    """One proefberekening of the caller's gemeente (audited read). Another gemeente's is 404, like a missing one."""
    return service.get_proefberekening(tenant.session, tenant.ctx, tenant.gemeente, proefberekening_id)


# --- audit ----------------------------------------------------------------------------------------------------------


@router.post("/audit", response_model=AuditRecord, status_code=status.HTTP_201_CREATED, tags=["audit"])
def append_audit(body: AuditRecordCreate, tenant: TenantScope, service: Service) -> AuditRecord:
    """Log an access to personal data performed by another layer, for the caller's gemeente."""
    return service.append_audit(tenant.session, tenant.ctx, tenant.gemeente, body)


@router.post("/audit:batch", response_model=AuditRecordList, status_code=status.HTTP_201_CREATED, tags=["audit"])
def append_audit_batch(body: AuditRecordBatch, tenant: TenantScope, service: Service) -> AuditRecordList:
    """Log several accesses performed by another layer (e.g. the source queries of one gathering) for the caller's
    gemeente: appended in the order given, in one transaction, all or none (one bad entry is 400 and logs nothing)."""
    return service.append_audit_batch(tenant.session, tenant.ctx, tenant.gemeente, body)


@router.get(
    "/audit",
    response_model=AuditPage,
    dependencies=[Depends(require_roles("auditor"))],
    tags=["audit"],
)
def list_audit(
    tenant: ReadOnlyTenantScope,
    service: Service,
    after: Annotated[int, Query(ge=0, description="Alleen regels met een hoger volgnummer")] = 0,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=500)] = 100,
    operation: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> AuditPage:
    """The processing log of the caller's gemeente, oldest first (auditors)."""
    return service.list_audit(tenant.session, tenant.gemeente, after=after, page_size=page_size, operation=operation)


@router.get(
    "/audit/verify",
    response_model=AuditVerification,
    dependencies=[Depends(require_roles("auditor", "gbi-service", actor_types=[ActorType.SERVICE]))],
    tags=["audit"],
)
def verify_audit(tenant: ReadOnlyTenantScope, service: Service) -> AuditVerification:
    """Walk the hash chain of the caller's gemeente and report the first missing or altered entry."""
    return service.verify_audit(tenant.session, tenant.gemeente)


# --- beleid (local policy per gemeente, effective-dated, append-only) ------------------------------------------------

_ONDERWERP_PATH = Path(
    pattern=r"^[a-z][a-z-]{0,49}$",
    description=f"Het beleidsonderwerp: {', '.join(ONDERWERPEN)}",
    examples=["bijzondere-bijstand"],
)
Onderwerp = Annotated[str, _ONDERWERP_PATH]

_BELEID_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "geldigVanaf ligt voor de laatste versie, of er is tegelijk een versie vastgelegd",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


@router.get("/beleid/{onderwerp}", response_model=Beleidsversie, tags=["beleid"])
def get_beleid(
    tenant: ReadOnlyTenantScope,
    service: Service,
    onderwerp: Onderwerp,
    peildatum: Annotated[date, Query(description="De dag waarop het beleid moet gelden (JJJJ-MM-DD)")],
) -> Beleidsversie:
    """The version of the caller's gemeente's policy in force on the peildatum. A peildatum before the first
    version is 404, saying so."""
    return service.beleid_op(tenant.session, tenant.gemeente, onderwerp, peildatum)


@router.get("/beleid/{onderwerp}/versies", response_model=BeleidsversieLijst, tags=["beleid"])
def list_beleidsversies(tenant: ReadOnlyTenantScope, service: Service, onderwerp: Onderwerp) -> BeleidsversieLijst:
    """Every version of the caller's gemeente's policy on the subject, oldest first: who, when, why."""
    return service.beleidsversies(tenant.session, tenant.gemeente, onderwerp)


@router.get("/beleid/{onderwerp}/versies/{versie}", response_model=Beleidsversie, tags=["beleid"])
def get_beleidsversie(
    tenant: ReadOnlyTenantScope, service: Service, onderwerp: Onderwerp, versie: Annotated[int, Path(ge=1)]
) -> Beleidsversie:
    return service.beleidsversie(tenant.session, tenant.gemeente, onderwerp, versie)


@router.post(
    "/beleid/{onderwerp}/versies",
    response_model=Beleidsversie,
    status_code=status.HTTP_201_CREATED,
    responses=_BELEID_CONFLICT,
    dependencies=[Depends(require_roles("beheerder"))],
    tags=["beleid"],
)
def create_beleidsversie(
    body: BeleidsversieNieuw, tenant: TenantScope, service: Service, response: Response, onderwerp: Onderwerp
) -> Beleidsversie:
    """Append a version of the caller's gemeente's policy (role beheerder, also when a layer forwards the
    beheerder's context), audited in the same transaction. The domain layer checks what the content means before
    it gets here; this service checks its form and the dates."""
    record = service.nieuwe_beleidsversie(tenant.session, tenant.ctx, tenant.gemeente, onderwerp, body)
    response.headers["Location"] = f"{PREFIX}/beleid/{onderwerp}/versies/{record.versie}"
    return record

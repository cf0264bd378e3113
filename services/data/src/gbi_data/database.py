"""Engine and transactions: one transaction per request, bound to the caller's gemeente.

SQLite (the embedded default) runs in WAL mode with foreign keys and a busy timeout. A transaction that may write
starts with ``BEGIN IMMEDIATE`` (nearly every request writes: audited reads append to the audit chain): taking the
write lock up front means two writers queue on the busy timeout instead of one failing on a stale snapshot.
Read-only transactions start with a plain ``BEGIN`` and run beside the writer (WAL).

PostgreSQL (production, CI) runs through psycopg 3. Each transaction switches to the application role (not the
owner, not a superuser) and sets ``gbi.gemeente`` from the verified context, both ``LOCAL`` to the transaction, so
the row-level security policies of the tenant-owned tables see only that gemeente's rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import Engine, TextClause, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session

from gbi_data.settings import DataSettings

__all__ = [
    "CLOCK_OFFSET",
    "TENANT_STATUS",
    "Database",
    "RequestTransaction",
    "create_db_engine",
    "normalise_url",
    "tenant_status",
]

#: ``session.info`` key: (gemeente, actief) as read when the transaction was bound to that gemeente (PostgreSQL).
TENANT_STATUS = "gbi.tenant_status"


#: ``session.info`` key: the ALO clock's offset in seconds as read when the transaction was bound (PostgreSQL).
CLOCK_OFFSET = "gbi.clock_offset"


def _bind_statement(*, role: bool, tenant: bool, clock: bool) -> TextClause:
    """The one statement that binds a transaction: ``role`` and ``gbi.gemeente`` (``LOCAL``), and where asked the
    gemeente's ``actief`` and the clock's offset, so that neither costs a round trip of its own."""
    columns = ["set_config('gbi.gemeente', :gemeente, true)"]
    if role:
        columns.insert(0, "set_config('role', :role, true)")
    if tenant:
        columns.append("(SELECT actief FROM gemeenten WHERE code = :gemeente)")
    if clock:
        columns.append("(SELECT offset_seconden FROM klok WHERE id = 1)")
    return text("SELECT " + ", ".join(columns))


_BIND_STATEMENTS = {
    (role, tenant, clock): _bind_statement(role=role, tenant=tenant, clock=clock)
    for role in (False, True)
    for tenant in (False, True)
    for clock in (False, True)
}


def tenant_status(session: Session, gemeente: str) -> tuple[bool, bool | None]:
    """Whether the transaction already knows the status of ``gemeente`` (read when it was bound), and if so the
    gemeente's ``actief`` (None: no such gemeente)."""
    known = session.info.get(TENANT_STATUS)
    if known is not None and known[0] == gemeente:
        return True, known[1]
    return False, None


_IDLE_SINCE = "gbi_idle_since"

# Execution option marking a transaction as read-only (SQLite then does not take the write lock up front).
_READ_ONLY = "gbi_read_only"


def normalise_url(raw: str) -> URL:
    """The database URL with the driver we ship: psycopg 3 for PostgreSQL, pysqlite for SQLite."""
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def create_db_engine(settings: DataSettings, *, for_migrations: bool = False) -> Engine:
    """The engine for ``settings.database_url``.

    ``for_migrations`` leaves SQLite's foreign-key enforcement off: Alembic's batch mode rebuilds tables by copying
    them, which foreign keys would refuse half-way.
    """
    url = normalise_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, settings, foreign_keys=not for_migrations)
    # The pool keeps every connection it opened, up to size + overflow (the replica's connection budget, which the
    # request limiter bounds as well): an overflow connection closed at its checkin, as SQLAlchemy's overflow is,
    # was opened again by the next burst (a backend fork and a SCRAM handshake, ~0.8 per STP case under load).
    engine = create_engine(
        url,
        pool_size=max(1, settings.database_pool_size + settings.database_max_overflow),
        max_overflow=0,
        pool_timeout=settings.database_pool_timeout_s,
        pool_recycle=settings.database_pool_recycle_s,
        connect_args={"connect_timeout": max(1, int(settings.database_pool_timeout_s))},
    )
    _ping_when_idle(engine)
    return engine


#: A pooled connection idle longer than this is pinged before use (a round trip); a busier one is not.
PING_AFTER_IDLE_S = 2.0


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping``, but only for a connection that sat in the pool for a while: under load a
    connection comes back within milliseconds, and a ``SELECT 1`` before every transaction was one round trip in
    eight. A connection that fails the ping is replaced (the pool tries another); one that broke within the last
    idle seconds fails its statement, the pool drops every connection of that age, and the caller gets 503."""

    @event.listens_for(engine, "connect")
    def _on_connect(_dbapi: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(_IDLE_SINCE, 0.0) <= PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except Exception as exc:
            raise DisconnectionError("pooled connection failed its ping") from exc


def _sqlite_engine(url: URL, settings: DataSettings, *, foreign_keys: bool) -> Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False},
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout_s,
    )
    busy_ms = int(settings.database_busy_timeout_ms)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We emit BEGIN ourselves (below); pysqlite's own implicit transactions would get in the way.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")

    return engine


class Database:
    """The engine plus the rule for how a transaction is bound to a tenant."""

    def __init__(self, settings: DataSettings, engine: Engine | None = None) -> None:
        self.engine = engine or create_db_engine(settings)
        self.is_postgresql = self.engine.dialect.name == "postgresql"
        self.app_role = settings.database_app_role.strip()
        self.max_connections = max(1, settings.database_pool_size + settings.database_max_overflow)
        self.pool_timeout_s = settings.database_pool_timeout_s
        self._limiter: anyio.CapacityLimiter | None = None
        self._unbounded: anyio.CapacityLimiter | None = None

    def limiter(self) -> anyio.CapacityLimiter:
        """The worker threads for request transactions: as many as the pool has connections (made on first use,
        on the event loop). A request beyond that waits on the event loop, not on a thread blocked in the pool."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.max_connections)
        return self._limiter

    def unbounded_limiter(self) -> anyio.CapacityLimiter:
        """Threads for calls that hold a token of :meth:`limiter` already (never waits: the tokens bound them)."""
        if self._unbounded is None:
            self._unbounded = anyio.CapacityLimiter(1_000_000)
        return self._unbounded

    @contextmanager
    def transaction(
        self, *, gemeente: str | None, read_only: bool = False, with_clock: bool = False
    ) -> Iterator[Session]:
        """One transaction, committed when the block ends normally and rolled back when it raises.

        ``gemeente`` is the tenant from the verified context (None: reference data only). On PostgreSQL the
        transaction runs as the application role with ``gbi.gemeente`` set, so row-level security applies.
        ``read_only`` promises that the block does not write (on SQLite it then waits for no writer).
        ``with_clock`` (a request on the migrated schema) also reads the ALO clock's offset while binding.
        """
        with Session(self.engine, expire_on_commit=False, autoflush=False) as session, session.begin():
            if read_only:
                session.connection(execution_options={_READ_ONLY: True})
            if self.is_postgresql:
                # One round trip binds the transaction (role, gemeente) and reads whether that gemeente is an
                # active tenant (``gemeenten`` is reference data, not tenant-owned), for ``tenant_status``, and
                # the clock's offset (``klok`` is one shared row), for ``clock_offset``.
                params = {"role": self.app_role, "gemeente": gemeente or ""}
                bind = _BIND_STATEMENTS[(bool(self.app_role), bool(gemeente), with_clock)]
                row = session.connection().execute(bind, params).one()  # Core: no ORM execution around it
                if with_clock:
                    session.info[CLOCK_OFFSET] = int(row[-1] or 0)
                if gemeente:
                    session.info[TENANT_STATUS] = (gemeente, row[-2] if with_clock else row[-1])
            yield session

    @contextmanager
    def owner_transaction(self) -> Iterator[Session]:
        """A transaction as the login role itself, without tenant binding: migrations and seeding only."""
        with Session(self.engine, expire_on_commit=False, autoflush=False) as session, session.begin():
            yield session

    def request_transaction(
        self, *, gemeente: str | None, read_only: bool = False, check: Callable[[Session], None] | None = None
    ) -> RequestTransaction:
        """A request's transaction, not begun yet (no I/O): see :class:`RequestTransaction`."""
        return RequestTransaction(self, gemeente=gemeente, read_only=read_only, check=check)

    def ping(self) -> None:
        """A real round trip to the database (readiness)."""
        # A raw pooled connection: no SQLAlchemy transaction, so SQLite's BEGIN IMMEDIATE is not taken for this.
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute("SELECT 1")
                cursor.fetchall()
            finally:
                cursor.close()
        finally:
            connection.close()

    def dispose(self) -> None:
        self.engine.dispose()


class RequestTransaction:
    """One request's transaction (:meth:`Database.transaction`), begun and ended where the route runs.

    Made on the event loop without any I/O; :meth:`begin` (or the first use of :attr:`session`) opens and binds it,
    :meth:`end` commits it (or rolls it back when the route raised). The data service's routes begin, run and end it
    in one call on a worker thread (``gbi_data.api.DataRoute``): one thread hop per request instead of one for the
    dependency's start, one for the route, one for the response model and one for the commit.
    """

    __slots__ = ("_check", "_context", "_database", "_session", "gemeente", "read_only")

    def __init__(
        self,
        database: Database,
        *,
        gemeente: str | None,
        read_only: bool = False,
        check: Callable[[Session], None] | None = None,
    ) -> None:
        self._database = database
        self.gemeente = gemeente
        self.read_only = read_only
        self._check = check
        self._context: AbstractContextManager[Session] | None = None
        self._session: Session | None = None

    @property
    def database(self) -> Database:
        return self._database

    @property
    def active(self) -> bool:
        """Begun and not ended yet."""
        return self._context is not None

    @property
    def session(self) -> Session:
        """The transaction's session; begins the transaction when it was not begun yet."""
        if self._session is None:
            return self.begin()
        return self._session

    def begin(self) -> Session:
        """Open and bind the transaction (a round trip on PostgreSQL), then run the check (which may raise: the
        transaction is then rolled back and ended)."""
        if self._session is not None:
            return self._session
        context = self._database.transaction(gemeente=self.gemeente, read_only=self.read_only, with_clock=True)
        session = context.__enter__()
        self._context = context
        try:
            if self._check is not None:
                self._check(session)
        except BaseException as exc:
            self.end(exc)
            raise
        self._session = session
        return session

    def end(self, exc: BaseException | None = None) -> None:
        """Commit (``exc`` None) or roll back; nothing when not begun or already ended. A failing commit raises."""
        context, self._context = self._context, None
        if context is None:
            return
        if exc is None:
            context.__exit__(None, None, None)
        else:
            context.__exit__(type(exc), exc, exc.__traceback__)

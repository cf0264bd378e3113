"""Fault suite fixtures: a throwaway PostgreSQL cluster of its own (so it can be restarted without touching the
shared server), the real suite on it, and a notification subscriber the test can take down and bring back.

The cluster: ``initdb`` + ``pg_ctl`` from ``/usr/lib/postgresql/<newest>/bin`` on a free port in a temp dir, run as
the ``postgres`` OS user when the tests run as root (PostgreSQL refuses to run as root). Skipped when no PostgreSQL
binaries are installed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gbi_runner import Suite, SuiteConfig

from ..security.conftest import Http, Tokens, free_base_port, port_free, write_clients

__all__ = ["Http", "PgCluster", "Subscriber", "Tokens"]


def _pg_bin() -> Path | None:
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*/bin") if (p / "initdb").exists()), key=lambda p: int(p.parent.name))
    return versions[-1] if versions else None


class PgCluster:
    """A PostgreSQL cluster in a temp dir: start, stop (fast: what a crash or failover looks like to clients),
    restart."""

    def __init__(self, bindir: Path, port: int) -> None:
        self.bindir = bindir
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="gbi-fault-pg-"))
        self.data = self.dir / "data"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "gbi", "-A", "trust", "--no-sync", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
                "fsync = off\nmax_connections = 200\n"
            )
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "gbi", "gbi_fault")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "pg.log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self) -> None:
        self.stop("immediate")
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://gbi@127.0.0.1:{self.port}/gbi_fault"

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="package")
def cluster() -> Iterator[PgCluster]:
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL binaries in /usr/lib/postgresql (apt-get install postgresql)")
    port = next(p for p in range(free_base_port() + 50, 32000) if port_free(p))
    c = PgCluster(bindir, port)
    try:
        c.init()
        yield c
    finally:
        c.destroy()


class Subscriber:
    """A notification subscriber (the receiving end of an abonnement) on loopback that the test takes down and
    brings back on the same port. Counts every notification it accepted."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def up(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with owner.lock:
                    owner.received.append(body)
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback"


@pytest.fixture(scope="package")
def subscriber() -> Iterator[Subscriber]:
    port = next(p for p in range(free_base_port() + 60, 32000) if port_free(p))
    s = Subscriber(port)
    s.up()
    yield s
    s.down()


@pytest.fixture(scope="package")
def log_dir() -> Iterator[Path]:
    # Not under pytest's basetemp: other pytest runs on the same machine rotate those away while this one runs.
    path = Path(tempfile.mkdtemp(prefix="gbi-fault-logs-"))
    yield path
    # Kept for diagnosis (CI uploads test-artifacts/): the last run's logs of every process.
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts" / "fault-logs"
    shutil.rmtree(artifacts, ignore_errors=True)
    shutil.copytree(path, artifacts, dirs_exist_ok=True)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="package")
def suite(cluster: PgCluster, log_dir: Path) -> Iterator[Suite]:
    var = Path(tempfile.mkdtemp(prefix="gbi-fault-var-"))
    write_clients(var)
    config = SuiteConfig(
        var_dir=var,
        base_port=free_base_port(),
        database_url=cluster.url,
        log_dir=log_dir,
        ready_timeout_s=240,
        extra_env={
            "GBI_UPSTREAM_TIMEOUT_S": "15",
            "GBI_NOTIFICATIES_INTERVAL_S": "0.5",
            "GBI_NOTIFICATIES_RETRY_BASE_S": "0.5",
            "GBI_NOTIFICATIES_RETRY_MAX_S": "3",
            "GBI_NOTIFICATIES_TIMEOUT_S": "3",
            "GBI_RATE_LIMIT_PER_S": "1000",
            "GBI_RATE_LIMIT_BURST": "2000",
        },
    )
    s = Suite(config)
    try:
        with s.running():
            yield s
    finally:
        shutil.rmtree(var, ignore_errors=True)


@pytest.fixture(scope="package")
def gateway(suite: Suite) -> Http:
    return Http(suite.config.url("gateway"))


@pytest.fixture(scope="package")
def tokens(suite: Suite) -> Tokens:
    return Tokens(suite)


def wait_until(what: str, probe: Any, timeout_s: float, interval_s: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except OSError as exc:  # a process is restarting
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(interval_s)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The fault run is its own target (``make test-faults`` sets GBI_FAULTS=1); ``make test`` skips it."""
    if os.environ.get("GBI_FAULTS") == "1":
        return
    skip = pytest.mark.skip(reason="the fault run: make test-faults")
    for item in items:
        if "tests/fault/" in str(item.path).replace("\\", "/"):
            item.add_marker(skip)

"""The security suite's fixtures: the real suite (seven processes) on loopback, started once for this package, with
its own log directory (the log scan reads every line every process wrote) and integrator clients for three
gemeenten, so that a token of another gemeente exists for every tenant the tests create data in.

On PostgreSQL when GBI_TEST_DATABASE_URL is set (CI), in a database of its own; on SQLite otherwise.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import gbi_testing
from gbi_runner import Suite, SuiteConfig
from gbi_runner.suite import COMPONENTS
from gbi_testing import fresh_database
from gbi_testing import port_free as port_free  # re-exported: the fault suite and test_gateway_trust use it

PROBLEM_JSON = "application/problem+json"
INTEGRATOR_GEMEENTEN = ("0363", "0518", "0599")


def write_clients(var: Path) -> None:
    """The suite's dev-clients.json written beforehand (the runner keeps an existing file): GBI's services plus an
    integrator for each of INTEGRATOR_GEMEENTEN."""
    var.mkdir(parents=True, exist_ok=True)
    clients = [
        {
            "client_id": f"gbi-{c.name}",
            "client_secret": secrets.token_urlsafe(24),
            "actor_type": "service",
            "roles": ["gbi-service"],
        }
        for c in COMPONENTS
        if c.service
    ] + [
        {
            "client_id": f"integrator-{g}",
            "client_secret": secrets.token_urlsafe(24),
            "actor_type": "systeem",
            "gemeente": g,
            "roles": ["integrator"],
        }
        for g in INTEGRATOR_GEMEENTEN
    ]
    path = var / "dev-clients.json"
    path.write_text(json.dumps(clients, indent=2), encoding="utf-8")
    path.chmod(0o600)


class Http:
    """A tiny blocking HTTP client (stdlib only, so it shares nothing with the code under test)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> tuple[int, dict[str, str], Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None and not any(k.lower() == "content-type" for k in (headers or {})):
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                payload = resp.read()
                status, hdrs = resp.status, {k.lower(): v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as err:
            payload = err.read()
            status, hdrs = err.code, {k.lower(): v for k, v in err.headers.items()}
        ctype = hdrs.get("content-type", "")
        parsed = json.loads(payload) if payload and "json" in ctype else payload
        return status, hdrs, parsed


class Tokens:
    """Real tokens from the simulator's development identity provider, cached per caller."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self.url = suite.config.url("simulator") + "/idp/token"
        self._cache: dict[tuple[tuple[str, str], ...], str] = {}

    def _token(self, form: dict[str, str]) -> str:
        key = tuple(sorted(form.items()))
        if key not in self._cache:
            data = urllib.parse.urlencode(form).encode()
            req = urllib.request.Request(self.url, data=data, method="POST")
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
            with urllib.request.urlopen(req, timeout=10) as resp:
                self._cache[key] = str(json.loads(resp.read())["access_token"])
        return self._cache[key]

    def burger(self, bsn: str) -> str:
        return self._token({"grant_type": "urn:gbi:dev", "actor_type": "burger", "bsn": bsn})

    def medewerker(self, gemeente: str, roles: str, name: str = "Test Medewerker") -> str:
        return self._token(
            {
                "grant_type": "urn:gbi:dev",
                "actor_type": "medewerker",
                "gemeente": gemeente,
                "roles": roles,
                "name": name,
            }
        )

    def client(self, client_id: str) -> str:
        return self._token(
            {
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": self.suite.client_secrets[client_id],
            }
        )

    def integrator(self, gemeente: str) -> str:
        return self.client(f"integrator-{gemeente}")


def wait_for(what: str, probe: Callable[[], Any], timeout_s: float = 90.0, interval_s: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(interval_s)
    raise AssertionError(f"timed out waiting for {what}")


def free_base_port() -> int:
    """A base port for the suite where base+11..12 are free too (see tests/support/gbi_testing/suites.py)."""
    return gbi_testing.free_base_port((*gbi_testing.SUITE_PORT_OFFSETS, 11, 12))


@pytest.fixture(scope="package")
def security_database_url() -> Iterator[str | None]:
    with fresh_database("gbi_sec") as url:
        yield url


@pytest.fixture(scope="package")
def log_dir() -> Iterator[Path]:
    # Not under pytest's basetemp: other pytest runs on the same machine rotate those away while this one runs.
    path = Path(tempfile.mkdtemp(prefix="gbi-security-logs-"))
    yield path
    # Kept for diagnosis (CI uploads test-artifacts/), as the e2e and fault suites do: the last run's logs of every
    # process, so a process that went away in the middle of the package can be explained afterwards.
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts" / "security-logs"
    shutil.rmtree(artifacts, ignore_errors=True)
    shutil.copytree(path, artifacts, dirs_exist_ok=True)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="package")
def suite(security_database_url: str | None, log_dir: Path) -> Iterator[Suite]:
    var = Path(tempfile.mkdtemp(prefix="gbi-security-var-"))
    write_clients(var)
    config = SuiteConfig(
        var_dir=var,
        base_port=free_base_port(),
        database_url=security_database_url,
        log_dir=log_dir,
        # The machine is shared: start-up under load takes longer than on an idle one.
        ready_timeout_s=240,
        extra_env={
            "GBI_UPSTREAM_TIMEOUT_S": "15",
            "GBI_NOTIFICATIES_INTERVAL_S": "0.5",
            "GBI_NOTIFICATIES_RETRY_BASE_S": "0.5",
            "GBI_NOTIFICATIES_RETRY_MAX_S": "2",
            # Fuzzing and the matrix send many requests per caller: the limiter is proven on its own.
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


def aanvraag_body() -> dict[str, Any]:
    return {
        "huishouden": {"kinderen": []},
        "woning": {"soort": "huurwoning", "woonkostenPerMaand": "650.00"},
        "inkomsten": [],
        "vermogen": {"bezittingen": "500.00", "schulden": "0.00"},
        "iban": "NL91 ABNA 0417 1643 00",
        "contact": {"email": "burger@example.nl"},
        "naarWaarheidIngevuld": True,
    }


KATINKA = "999994116"  # Rotterdam (0599), nothing in any source: straight through to a decision


@pytest.fixture(scope="package")
def besloten(gateway: Http, tokens: Tokens) -> str:
    """Katinka Vogel's aanvraag, applied for through the public API and decided straight through (one per package:
    a citizen has one open aanvraag at a time)."""
    burger = tokens.burger(KATINKA)
    status, _, body = gateway.call(
        "POST", "/api/v1/aanvragen", token=burger, body=aanvraag_body(), headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert status == 202, body
    aanvraag_id = str(body["id"])

    def decided() -> bool:
        s, _, b = gateway.call("GET", f"/api/v1/aanvragen/{aanvraag_id}", token=burger)
        assert s == 200, b
        return bool(b["status"] == "besloten")

    wait_for("Katinka's decision", decided, timeout_s=150)
    return aanvraag_id


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The log scan reads what every other test of this package made the processes write: it runs last."""
    last = [i for i in items if "test_log_scan" in i.nodeid]
    items[:] = [i for i in items if i not in last] + last


def oversized(base: str, path: str, token: str, *, chunked: bool) -> tuple[int, dict[str, str], Any]:
    """A body over the limit: declared (Content-Length 5 MB, nothing sent: the gateway must answer from the header)
    or streamed (chunked, 1.2 MB, no length: the gateway must count)."""
    import http.client

    parsed = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Authorization", f"Bearer {token}")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Idempotency-Key", str(uuid.uuid4()))
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            chunk = b'{"a":"' + b"x" * 65_536
            try:
                for _ in range(19):
                    conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                conn.send(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the gateway answered and closed before the end: read what it said
        else:
            conn.putheader("Content-Length", str(5 * 1_048_576))
            conn.endheaders()
        resp = conn.getresponse()
        payload = resp.read()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return resp.status, headers, json.loads(payload) if "json" in headers.get("content-type", "") else payload
    finally:
        conn.close()

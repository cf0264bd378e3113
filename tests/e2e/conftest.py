"""End-to-end fixtures: the real suite (seven processes) on loopback, as `make run` starts it.

On PostgreSQL when GBI_TEST_DATABASE_URL is set (CI), in a database of its own; on SQLite otherwise.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gbi_runner import Suite, SuiteConfig
from gbi_testing import free_base_port, fresh_database, port_free

from .otlp import OtlpReceiver

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


_free_base_port = free_base_port  # the names the e2e modules import
_port_free = port_free


@pytest.fixture(scope="session")
def otlp() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def e2e_database_url() -> Iterator[str | None]:
    with fresh_database("gbi_e2e") as url:
        yield url


@pytest.fixture(scope="session")
def suite(
    tmp_path_factory: pytest.TempPathFactory, otlp: OtlpReceiver, e2e_database_url: str | None
) -> Iterator[Suite]:
    var = tmp_path_factory.mktemp("gbi-var")
    config = SuiteConfig(
        var_dir=var,
        base_port=_free_base_port(),
        database_url=e2e_database_url,
        otlp_endpoint=otlp.url,
        log_dir=ARTIFACTS / "e2e-logs",
        extra_env={
            "GBI_UPSTREAM_TIMEOUT_S": "10",
            # Notifications out: the delivery worker looks often and backs off briefly (tests/e2e/test_notificaties).
            "GBI_NOTIFICATIES_INTERVAL_S": "0.5",
            "GBI_NOTIFICATIES_RETRY_BASE_S": "0.5",
            "GBI_NOTIFICATIES_RETRY_MAX_S": "2",
            "GBI_NOTIFICATIES_TIMEOUT_S": "3",
        },
    )
    s = Suite(config)
    with s.running():
        yield s


class Http:
    """A tiny blocking HTTP client for tests (stdlib only, so it shares nothing with the code under test)."""

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
        if data is not None:
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


@pytest.fixture(scope="session")
def gateway(suite: Suite) -> Http:
    return Http(suite.config.url("gateway"))


@pytest.fixture(scope="session")
def idp(suite: Suite) -> Any:
    base = suite.config.url("simulator") + "/idp/token"

    def token(**params: str) -> str:
        form = urllib.parse.urlencode({"grant_type": "urn:gbi:dev", **params}).encode()
        req = urllib.request.Request(base, data=form, method="POST")
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return str(json.loads(resp.read())["access_token"])

    return token

"""The local suite: every GBI process as a separate OS process, wired as in production but on loopback.

Used by ``make run`` (``python -m gbi_runner``) and by the end-to-end tests, so both start exactly the same thing.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = ["COMPONENTS", "Component", "Suite", "SuiteConfig"]

REPO_ROOT = Path(__file__).resolve().parents[4]


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    factory: str
    port_offset: int
    service: bool  # a GBI layer with client credentials (not the gateway, not the simulator)


COMPONENTS: tuple[Component, ...] = (
    Component("simulator", "gbi_simulator.app:create_app", 90, service=False),
    Component("data", "gbi_data.app:create_app", 5, service=True),
    Component("domain", "gbi_domain.app:create_app", 4, service=True),
    Component("integration", "gbi_integration.app:create_app", 3, service=True),
    Component("process", "gbi_process.app:create_app", 2, service=True),
    Component("interaction", "gbi_interaction.app:create_app", 1, service=True),
    Component("gateway", "gbi_gateway.app:create_app", 0, service=False),
)

INTEGRATOR_GEMEENTEN = ("0363", "0599")


@dataclass
class SuiteConfig:
    var_dir: Path = field(default_factory=lambda: REPO_ROOT / "var")
    base_port: int = 8000
    host: str = "127.0.0.1"
    database_url: str | None = None
    otlp_endpoint: str | None = None
    specs_dir: Path = field(default_factory=lambda: REPO_ROOT.parent / "shared" / "specs")
    log_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    ready_timeout_s: float = 60.0

    def port(self, component: Component) -> int:
        return self.base_port + component.port_offset

    def url(self, component: Component | str) -> str:
        comp = component if isinstance(component, Component) else _by_name(component)
        return f"http://{self.host}:{self.port(comp)}"


def _by_name(name: str) -> Component:
    for comp in COMPONENTS:
        if comp.name == name:
            return comp
    raise KeyError(name)


class Suite:
    """Prepares keys and clients, migrates the database, starts every process and waits until all are ready."""

    def __init__(self, config: SuiteConfig) -> None:
        self.config = config
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []
        self.client_secrets: dict[str, str] = {}

    # -- preparation ---------------------------------------------------------------------------------------
    @property
    def database_url(self) -> str:
        return self.config.database_url or f"sqlite:///{self.config.var_dir / 'gbi.db'}"

    def prepare(self) -> None:
        var = self.config.var_dir
        (var / "keys").mkdir(parents=True, exist_ok=True)
        private = var / "keys" / "context-private.pem"
        public = var / "keys" / "context-public.pem"
        if not private.exists():
            key = ec.generate_private_key(ec.SECP256R1())
            _write_secret(
                private,
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                ),
            )
            public.write_bytes(
                key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
        clients_file = var / "dev-clients.json"
        if clients_file.exists():
            clients = json.loads(clients_file.read_text(encoding="utf-8"))
        else:
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
            _write_secret(clients_file, json.dumps(clients, indent=2).encode())
        self.client_secrets = {c["client_id"]: c["client_secret"] for c in clients}

    def env_for(self, component: Component) -> dict[str, str]:
        cfg = self.config
        var = cfg.var_dir
        idp = cfg.url("simulator") + "/idp"
        env = {k: v for k, v in os.environ.items() if not k.startswith("GBI_") or k in ("GBI_TEST_DATABASE_URL",)}
        env.update(
            {
                "GBI_SERVICE_NAME": f"gbi-{component.name}",
                "GBI_ENVIRONMENT": "development",
                "GBI_GATEWAY_URL": cfg.url("gateway"),
                "GBI_CONTEXT_PUBLIC_KEY_FILE": str(var / "keys" / "context-public.pem"),
                "GBI_OIDC_TOKEN_URL": idp + "/token",
                "GBI_OIDC_ISSUER": idp,
                "GBI_OIDC_JWKS_URL": idp + "/jwks",
                "GBI_BRP_URL": cfg.url("simulator") + "/haalcentraal/api/brp",
                "GBI_DATABASE_URL": self.database_url,
                "GBI_SIMULATOR_IDP_CLIENTS_FILE": str(var / "dev-clients.json"),
                "GBI_SIMULATOR_IDP_KEY_FILE": str(var / "keys" / "idp-signing.pem"),
                "GBI_SIMULATOR_IDP_ISSUER": idp,
                "GBI_SIMULATOR_SPECS_DIR": str(cfg.specs_dir),
                "PYTHONUNBUFFERED": "1",
            }
        )
        for layer in ("interaction", "process", "integration", "domain", "data"):
            env[f"GBI_UPSTREAM_{layer.upper()}_URL"] = cfg.url(layer)
        if component.name == "gateway":
            env["GBI_CONTEXT_PRIVATE_KEY_FILE"] = str(var / "keys" / "context-private.pem")
        if component.service:
            env["GBI_CLIENT_ID"] = f"gbi-{component.name}"
            env["GBI_CLIENT_SECRET"] = self.client_secrets[f"gbi-{component.name}"]
        if cfg.otlp_endpoint:
            env["GBI_OTLP_ENDPOINT"] = cfg.otlp_endpoint
        env.update(cfg.extra_env)
        return env

    def migrate(self) -> None:
        env = self.env_for(_by_name("data"))
        subprocess.run([sys.executable, "-m", "gbi_data.migrate"], env=env, check=True, cwd=REPO_ROOT)

    # -- processes -----------------------------------------------------------------------------------------
    def start_component(self, component: Component) -> subprocess.Popen[bytes]:
        cfg = self.config
        out: IO[bytes] | None = None
        if cfg.log_dir is not None:
            cfg.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(cfg.log_dir / f"{component.name}.log", "ab")  # noqa: SIM115 - closed in stop()
            self._logs.append(out)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gbi_shared.serve",
                component.factory,
                "--host",
                cfg.host,
                "--port",
                str(cfg.port(component)),
            ],
            env=self.env_for(component),
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT if out is not None else None,
            start_new_session=True,
        )
        self.procs[component.name] = proc
        return proc

    def start(self) -> None:
        self.prepare()
        self.migrate()
        for comp in COMPONENTS:
            self.start_component(comp)
        self.wait_ready()

    def wait_ready(self, names: Iterator[str] | None = None) -> None:
        deadline = time.monotonic() + self.config.ready_timeout_s
        pending = set(names or self.procs)
        while pending:
            for name in sorted(pending):
                proc = self.procs[name]
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} stopped during start-up with exit code {proc.returncode}")
                if _ready(self.config.url(name) + "/health/ready"):
                    pending.discard(name)
            if not pending:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready within {self.config.ready_timeout_s}s: {sorted(pending)}")
            time.sleep(0.1)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[name]
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=15)

    def restart(self, name: str) -> None:
        self.kill(name)
        self.start_component(_by_name(name))
        self.wait_ready(iter([name]))

    def stop(self, timeout_s: float = 15.0) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for fh in self._logs:
            fh.close()
        self._logs.clear()

    @contextmanager
    def running(self) -> Iterator[Suite]:
        try:
            self.start()
            yield self
        finally:
            self.stop()

    def urls(self) -> Mapping[str, str]:
        return {c.name: self.config.url(c) for c in COMPONENTS}


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - loopback health check
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _write_secret(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)

"""The local suite: every GBI process as a separate OS process, wired as in production but on loopback.

Used by ``make run`` (``python -m gbi_runner``) and by the end-to-end tests, so both start exactly the same thing.
"""

from __future__ import annotations

import http.client
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

__all__ = ["COMPONENTS", "Component", "Suite", "SuiteConfig", "gemeente_rsin", "process_replica"]

REPO_ROOT = Path(__file__).resolve().parents[4]


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    factory: str
    port_offset: int
    service: bool  # a GBI layer with client credentials (not the gateway, not the simulator)
    replica_of: str | None = None  # an extra replica of a layer (same credentials, own port, no gateway route)

    @property
    def layer(self) -> str:
        return self.replica_of or self.name


COMPONENTS: tuple[Component, ...] = (
    Component("simulator", "gbi_simulator.app:create_app", 90, service=False),
    Component("data", "gbi_data.app:create_app", 5, service=True),
    Component("domain", "gbi_domain.app:create_app", 4, service=True),
    Component("integration", "gbi_integration.app:create_app", 3, service=True),
    Component("process", "gbi_process.app:create_app", 2, service=True),
    Component("interaction", "gbi_interaction.app:create_app", 1, service=True),
    Component("gateway", "gbi_gateway.app:create_app", 0, service=False),
)

#: The 13 GBI gemeenten: each gets a client at the simulated zaaksysteem (ZGW).
GBI_GEMEENTEN = ("0363", "0518", "0599", "0344", "0772", "0855", "0014", "0268", "0153", "0796", "0193", "0114", "0995")
#: Each gemeente's systems get an integrator client at the dev IdP (``integrator-<code>``): the simulated front office
#: notifies GBI with it, for every gemeente it serves.
INTEGRATOR_GEMEENTEN = GBI_GEMEENTEN
#: Extra process replicas listen on base port + this + n (n = 1, 2, ...); only their workers matter.
REPLICA_PORT_OFFSET = 10
#: The simulated front office (``gbi_simulator.frontoffice``) as the integration layer knows it: the name under
#: which GBI pulls aanvragen from it (GBI koppelvlakken, Levensonderhoud aanvragen 1.2.1).
FRONTOFFICE_NAME = "simulator"


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
    # The longest wait for every process to be ready (a bound, not a pace: start() returns as soon as all are). On a
    # shared 2-core machine under load, importing and migrating alone took over 60 s for the data service.
    ready_timeout_s: float = 180.0
    # Process replicas in all (1: the one the gateway routes to; more: extra workers on the same store).
    process_replicas: int = 1

    def port(self, component: Component) -> int:
        return self.base_port + component.port_offset

    def url(self, component: Component | str) -> str:
        comp = component if isinstance(component, Component) else _by_name(component)
        return f"http://{self.host}:{self.port(comp)}"


def _by_name(name: str) -> Component:
    for comp in COMPONENTS:
        if comp.name == name:
            return comp
    if name.startswith("process-") and name.removeprefix("process-").isdigit():
        return process_replica(int(name.removeprefix("process-")))
    raise KeyError(name)


def process_replica(n: int) -> Component:
    """The n-th extra replica of the process layer (n >= 1): its own port, the same store and credentials."""
    return Component(
        f"process-{n}", "gbi_process.app:create_app", REPLICA_PORT_OFFSET + n, service=True, replica_of="process"
    )


def gemeente_rsin(code: str) -> str:
    """The simulated zaaksysteem's synthetic RSIN of a gemeente ("00" + filler + CBS code + elfproef digit); the
    same rule as the simulator's catalogus (``gbi_simulator.zgw.catalogi``)."""
    for filler in range(10, 100):
        digits = f"00{filler}{code}"
        check = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return digits + str(check)
    raise ValueError(f"no RSIN for {code}")  # pragma: no cover


#: The name tests/deploy uses for :func:`gemeente_rsin`.
synthetic_rsin = gemeente_rsin


class Suite:
    """Prepares keys and clients, migrates the database, starts every process and waits until all are ready."""

    def __init__(self, config: SuiteConfig) -> None:
        self.config = config
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []
        self.client_secrets: dict[str, str] = {}
        self.frontoffice_token = ""

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
        clients = json.loads(clients_file.read_text(encoding="utf-8")) if clients_file.exists() else []
        wanted = [
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
        # Existing clients keep their secrets; a client this version adds is added to an older var directory.
        known = {c["client_id"] for c in clients}
        missing = [c for c in wanted if c["client_id"] not in known]
        if missing or not clients_file.exists():
            clients += missing
            _write_secret(clients_file, json.dumps(clients, indent=2).encode())
        self.client_secrets = {c["client_id"]: c["client_secret"] for c in clients}
        # The zaaksysteem (ZGW) clients of GBI, one per gemeente: the simulator's list and the integration layer's.
        zgw_clients, zgw_gemeenten = var / "zgw-clients.json", var / "zgw-gemeenten.json"
        if not (zgw_clients.exists() and zgw_gemeenten.exists()):
            secrets_by_gemeente = {g: secrets.token_urlsafe(32) for g in GBI_GEMEENTEN}
            _write_secret(
                zgw_clients,
                json.dumps(
                    [{"client_id": f"gbi-{g}", "secret": sec, "gemeente": g} for g, sec in secrets_by_gemeente.items()],
                    indent=2,
                ).encode(),
            )
            _write_secret(
                zgw_gemeenten,
                json.dumps(
                    {
                        g: {"client_id": f"gbi-{g}", "secret": sec, "rsin": gemeente_rsin(g)}
                        for g, sec in secrets_by_gemeente.items()
                    },
                    indent=2,
                ).encode(),
            )
        # The simulated front office (GBI koppelvlakken): the token GBI presents when it pulls an aanvraag, known to
        # both sides, so that a front office's notification works out of the box (``make run``).
        token_file = var / "frontoffice-token"
        if not token_file.exists():
            _write_secret(token_file, secrets.token_urlsafe(32).encode())
        self.frontoffice_token = token_file.read_text(encoding="utf-8").strip()
        _write_secret(
            var / "koppelvlak-frontoffices.json",
            json.dumps(
                {
                    FRONTOFFICE_NAME: {
                        "url": self.config.url("simulator") + "/frontoffice/api",
                        "gemeenten": list(GBI_GEMEENTEN),
                        "token": self.frontoffice_token,
                    }
                },
                indent=2,
            ).encode(),
        )

    def env_for(self, component: Component) -> dict[str, str]:
        cfg = self.config
        var = cfg.var_dir
        sim = cfg.url("simulator")
        idp = sim + "/idp"
        env = {k: v for k, v in os.environ.items() if not k.startswith("GBI_") or k in ("GBI_TEST_DATABASE_URL",)}
        env.update(
            {
                "GBI_SERVICE_NAME": f"gbi-{component.layer}",
                "GBI_ENVIRONMENT": "development",
                "GBI_GATEWAY_URL": cfg.url("gateway"),
                "GBI_CONTEXT_PUBLIC_KEY_FILE": str(var / "keys" / "context-public.pem"),
                "GBI_OIDC_TOKEN_URL": idp + "/token",
                "GBI_OIDC_ISSUER": idp,
                "GBI_OIDC_JWKS_URL": idp + "/jwks",
                "GBI_BRP_URL": sim + "/haalcentraal/api/brp",
                "GBI_UWV_URL": sim + "/suwinet/UWVDossierInkomstenGSD-v0200",
                "GBI_RDW_URL": sim + "/suwinet/RDWDossierGSD-v0200",
                "GBI_KADASTER_URL": sim + "/suwinet/KadasterDossierGSD-v0300",
                "GBI_DUO_URL": sim + "/suwinet/DUODossierStudiefinancieringGSD-v0200",
                "GBI_DJI_URL": sim + "/dji/api/v1",
                "GBI_IB_URL": sim + "/inlichtingenbureau/api/v1",
                "GBI_ZGW_CATALOGI_URL": sim + "/zgw/catalogi/api/v1",
                "GBI_ZGW_ZAKEN_URL": sim + "/zgw/zaken/api/v1",
                "GBI_ZGW_BESLUITEN_URL": sim + "/zgw/besluiten/api/v1",
                "GBI_ZGW_DOCUMENTEN_URL": sim + "/zgw/documenten/api/v1",
                "GBI_DATABASE_URL": self.database_url,
                "GBI_SIMULATOR_IDP_CLIENTS_FILE": str(var / "dev-clients.json"),
                "GBI_SIMULATOR_IDP_KEY_FILE": str(var / "keys" / "idp-signing.pem"),
                "GBI_SIMULATOR_IDP_ISSUER": idp,
                "GBI_SIMULATOR_SPECS_DIR": str(cfg.specs_dir),
                "GBI_SIMULATOR_ZGW_CLIENTS_FILE": str(var / "zgw-clients.json"),
                "GBI_ZGW_GEMEENTEN_FILE": str(var / "zgw-gemeenten.json"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        for layer in ("interaction", "process", "integration", "domain", "data"):
            env[f"GBI_UPSTREAM_{layer.upper()}_URL"] = cfg.url(layer)
        if component.layer == "process":
            # The local suite moves fast: workers look for work often, and a case waiting for documents or for a
            # source that was down is picked up within seconds (production keeps the service's defaults).
            env.update(
                {
                    "GBI_WORKER_INTERVAL_S": "0.2",
                    "GBI_WORKER_IDLE_MAX_S": "1",
                    "GBI_MESSAGE_POLL_S": "1",
                    "GBI_RETRY_BASE_S": "1",
                    "GBI_RETRY_MAX_S": "10",
                    "GBI_WORKER_LEASE_S": "10",
                }
            )
        if component.layer == "integration":
            env["GBI_KOPPELVLAK_FRONTOFFICES_FILE"] = str(var / "koppelvlak-frontoffices.json")
        if component.name == "simulator":
            env["GBI_SIMULATOR_FRONTOFFICE_TOKEN"] = self.frontoffice_token
        if component.name == "gateway":
            env["GBI_CONTEXT_PRIVATE_KEY_FILE"] = str(var / "keys" / "context-private.pem")
        if component.service:
            env["GBI_CLIENT_ID"] = f"gbi-{component.layer}"
            env["GBI_CLIENT_SECRET"] = self.client_secrets[f"gbi-{component.layer}"]
        if cfg.otlp_endpoint:
            env["GBI_OTLP_ENDPOINT"] = cfg.otlp_endpoint
        env.update(cfg.extra_env)
        return env

    def migrate(self) -> None:
        env = self.env_for(_by_name("data"))
        done = subprocess.run([sys.executable, "-m", "gbi_data.migrate"], env=env, check=False, cwd=REPO_ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"the database migration failed (exit {done.returncode}); see its message above")

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
        """Start everything and wait until all are ready. Only the data service needs the migrated schema: the
        other processes start (import, bind, fetch keys) while the migration runs, on the core it leaves idle.
        When anything fails, what was started is stopped again before the error is raised."""
        self.prepare()
        try:
            for comp in COMPONENTS:
                if comp.name != "data":
                    self.start_component(comp)
            for n in range(1, self.config.process_replicas):
                self.start_component(process_replica(n))
            self.migrate()
            self.start_component(_by_name("data"))
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def start_replica(self, n: int = 1) -> Component:
        """Start (or restart) the n-th extra process replica and wait until it is ready."""
        comp = process_replica(n)
        if comp.name in self.procs:
            self.kill(comp.name)
        self.start_component(comp)
        self.wait_ready(iter([comp.name]))
        return comp

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
        urls = {c.name: self.config.url(c) for c in COMPONENTS}
        for n in range(1, self.config.process_replicas):
            urls[f"process-{n}"] = self.config.url(process_replica(n))
        return urls


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - loopback health check
            return bool(resp.status == 200)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError):
        # HTTPException: anything that is not a proper HTTP answer (for example a socket that connected to itself)
        # is "not ready yet", never a crash of the whole start.
        return False


def _write_secret(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)

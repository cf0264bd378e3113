"""The fixed cost of one request in GBI's shared plumbing: CPU per request of a route that does nothing, direct to a
service and through the gateway, per process (client, gateway, service), from /proc CPU seconds.

    uv run python tests/bench/plumbing.py [--requests 3000] [--concurrency 10] [--rounds 3] [--base-port N]

Three processes: the upstream (``plumbing_app``, a ``create_app`` service posing as the domain layer), the real
gateway (``gbi_gateway.app``), and this driver as the client (``GatewayClient`` on ``HttpTransport`` under uvloop,
like a service calling another layer). Phases alternate per round, so a neighbour's load weighs on all alike:

- ``direct GET``: ``HttpTransport`` straight to the service with a signed ``GBI-Context``;
- ``gw GET``: ``GatewayClient.request("GET", "/internal/domain/ping")`` forwarding a caller's context;
- ``gw POST``: the same with a small JSON body (``/internal/domain/echo``), as ``as_service`` for a gemeente.

Not a test: nothing is asserted about time. Note the machine's load (printed) next to any figure you quote.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path

import jwt
import uvloop
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gbi_shared._http import HttpTransport
from gbi_shared.clients import GatewayClient, TokenProvider, inbound_context_token, inbound_request_id
from gbi_shared.context import ActorType, ContextSigner, RequestContext
from gbi_shared.telemetry import setup_telemetry

HERE = Path(__file__).resolve().parent
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process (and its threads) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def sys_of(pid: int) -> float:
    """System CPU seconds of a process from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[12]) / TICKS


def _pem_pair() -> tuple[str, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return pem, key


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _wait_live(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/health/live", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def _drive(call: Callable[[], Awaitable[object]], total: int, concurrency: int) -> None:
    queue = iter(range(total))

    async def worker() -> None:
        for _ in queue:
            await call()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="requests per phase per round")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base-port", type=int, default=int(os.environ.get("GBI_BENCH_BASE_PORT", "0")))
    args = parser.parse_args()
    base = args.base_port or random.randint(20000, 31900)
    gw_port, up_port = base, base + 4
    if not (_free(gw_port) and _free(up_port)):
        raise SystemExit(f"ports {gw_port}/{up_port} are taken; pass another --base-port")

    tmp = Path(tempfile.mkdtemp(prefix="gbi-plumbing-"))
    ctx_pem, ctx_key = _pem_pair()
    idp_pem, idp_key = _pem_pair()
    (tmp / "context-private.pem").write_text(ctx_pem)
    (tmp / "context-public.pem").write_text(
        ctx_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    (tmp / "idp.pem").write_text(idp_pem)
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(idp_key.public_key()))
    jwk |= {"kid": "bench", "use": "sig", "alg": "ES256"}
    (tmp / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    up_url, gw_url = f"http://127.0.0.1:{up_port}", f"http://127.0.0.1:{gw_port}"
    issuer = up_url + "/idp"

    env = {k: v for k, v in os.environ.items() if not k.startswith("GBI_")}
    env |= {"GBI_ENVIRONMENT": "development", "GBI_GATEWAY_URL": gw_url}
    up_env = env | {
        "GBI_SERVICE_NAME": "gbi-domain",
        "GBI_CONTEXT_PUBLIC_KEY_FILE": str(tmp / "context-public.pem"),
        "BENCH_IDP_KEY_FILE": str(tmp / "idp.pem"),
        "BENCH_IDP_ISSUER": issuer,
        "PYTHONPATH": str(HERE) + os.pathsep + env.get("PYTHONPATH", ""),
    }
    gw_env = env | {
        "GBI_SERVICE_NAME": "gbi-gateway",
        "GBI_CONTEXT_PRIVATE_KEY_FILE": str(tmp / "context-private.pem"),
        "GBI_OIDC_ISSUER": issuer,
        "GBI_OIDC_JWKS_URL": "",
        "GBI_OIDC_JWKS_FILE": str(tmp / "jwks.json"),
        "GBI_UPSTREAM_DOMAIN_URL": up_url,
        "GBI_RATE_LIMIT_SYSTEM_PER_S": "1000000",
        "GBI_RATE_LIMIT_SYSTEM_BURST": "1000000",
    }
    serve = [sys.executable, "-m", "gbi_shared.serve"]
    logs = open(tmp / "processes.log", "wb")  # noqa: SIM115  (open for the processes' lifetime)
    up = subprocess.Popen(
        [*serve, "plumbing_app:create_app", "--port", str(up_port)], env=up_env, stdout=logs, stderr=logs
    )
    gw = subprocess.Popen(
        [*serve, "gbi_gateway.app:create_app", "--port", str(gw_port)], env=gw_env, stdout=logs, stderr=logs
    )
    try:
        _wait_live(up_url, up)
        _wait_live(gw_url, gw)
        print(f"pids: gateway {gw.pid}, service {up.pid}, client {os.getpid()}", flush=True)
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(_bench(args, up, gw, up_url, gw_url, ctx_pem))
    finally:
        for p in (gw, up):
            p.terminate()
        for p in (gw, up):
            p.wait(10)
        logs.close()
        print(f"process logs: {tmp / 'processes.log'}")


async def _bench(
    args: argparse.Namespace,
    up: subprocess.Popen[bytes],
    gw: subprocess.Popen[bytes],
    up_url: str,
    gw_url: str,
    ctx_pem: str,
) -> None:
    tel = setup_telemetry("gbi-process")
    transport = HttpTransport(tracer=tel.tracer("gbi.client"), timeout_s=10)
    tokens = TokenProvider(transport, up_url + "/idp/token", "gbi-process", "secret")
    client = GatewayClient(transport, gw_url, tokens, service_name="gbi-process")
    signer = ContextSigner(ctx_pem, issuer="gbi-gateway", audience="gbi-services", ttl_s=3600)
    caller = RequestContext("kc-1", ActorType.MEDEWERKER, frozenset({"klantmanager"}), "0363", client_id="portal")
    forwarded = signer.sign(caller)
    direct_headers = {"GBI-Context": forwarded, "Accept": "application/json"}
    inbound_request_id.set("bench-request-0001")

    async def direct_get() -> object:
        return await transport.request("GET", up_url + "/internal/domain/ping", headers=direct_headers)

    async def gw_get() -> object:
        inbound_context_token.set(forwarded)
        return await client.request("GET", "/internal/domain/ping")

    async def gw_post() -> object:
        return await client.request(
            "POST",
            "/internal/domain/echo",
            json_body={"naam": "bijstand", "aantal": 3, "labels": ["a", "b"]},
            gemeente="0363",
            as_service=True,
        )

    phases: dict[str, Callable[[], Awaitable[object]]] = {
        "direct GET": direct_get,
        "gw GET": gw_get,
        "gw POST": gw_post,
    }
    for call in phases.values():  # warm-up: token, pooled connections, caches
        await _drive(call, 200, args.concurrency)
    totals = {name: [0.0, 0.0, 0.0, 0.0] for name in phases}  # client, gateway, service, wall
    load_before = os.getloadavg()
    sys0 = (os.times().system, sys_of(gw.pid), sys_of(up.pid))
    for _ in range(args.rounds):
        for name, call in phases.items():
            c0, g0, u0, w0 = time.process_time(), cpu_of(gw.pid), cpu_of(up.pid), time.perf_counter()
            await _drive(call, args.requests, args.concurrency)
            t = totals[name]
            t[0] += time.process_time() - c0
            t[1] += cpu_of(gw.pid) - g0
            t[2] += cpu_of(up.pid) - u0
            t[3] += time.perf_counter() - w0
    await transport.close()
    sys1 = (os.times().system, sys_of(gw.pid), sys_of(up.pid))
    n = args.requests * args.rounds
    print(f"load {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f}; {n} requests per phase, c {args.concurrency}")
    print(f"{'phase':<12} {'client':>8} {'gateway':>8} {'service':>8} {'total':>8}  ms CPU/request   {'req/s':>7}")
    for name, (c, g, u, w) in totals.items():
        per = [1000 * x / n for x in (c, g, u)]
        print(f"{name:<12} {per[0]:8.3f} {per[1]:8.3f} {per[2]:8.3f} {sum(per):8.3f}                  {n / w:7.0f}")
    spent = [1000 * (b - a) / (n * len(phases)) for a, b in zip(sys0, sys1, strict=True)]
    print(f"{'of it system':<12} {spent[0]:8.3f} {spent[1]:8.3f} {spent[2]:8.3f}  ms/request, all phases")


if __name__ == "__main__":
    main()

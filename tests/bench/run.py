"""`make bench`: measure GBI's performance claims side by side in one run, on the real processes.

Prints a table and writes bench/results.json: one entry per benchmark with name, value, unit, baseline, ratio
(value / baseline where a baseline is measured in the same run). `--quick` runs the same code at small sizes (CI).

Benchmarks are not tests: nothing here asserts a time. On a 2-core machine the load generator shares the CPU with
the processes it measures; compare figures within one run, not across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]

from gbi_runner import Suite, SuiteConfig  # noqa: E402
from gbi_shared.context import ActorType, ContextSigner, RequestContext  # noqa: E402


@dataclass
class Result:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    note: str = ""


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


async def load(url: str, headers: dict[str, str], *, total: int, concurrency: int) -> tuple[list[float], float]:
    """Send `total` GETs with `concurrency` connections; return latencies (ms) and wall time (s)."""
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        # warm-up
        for _ in range(min(50, total)):
            async with session.get(url, headers=headers) as r:
                await r.read()
                if r.status != 200:
                    raise RuntimeError(f"{url} answered {r.status}: {(await r.read())[:200]!r}")
        queue = iter(range(total))

        async def worker() -> None:
            for _ in queue:
                t0 = time.perf_counter()
                async with session.get(url, headers=headers) as r:
                    await r.read()
                latencies.append((time.perf_counter() - t0) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return latencies, wall


def dev_token(suite: Suite, **params: str) -> str:
    import urllib.parse
    import urllib.request

    form = urllib.parse.urlencode({"grant_type": "urn:gbi:dev", **params}).encode()
    req = urllib.request.Request(suite.config.url("simulator") + "/idp/token", data=form, method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(json.loads(resp.read())["access_token"])


def bench_gateway(suite: Suite, quick: bool) -> list[Result]:
    """The same request direct to the domain service vs through the gateway, at 1 and 50 connections."""
    path = "/api/v1/normen/M?peildatum=2026-03-15"
    key = (suite.config.var_dir / "keys" / "context-private.pem").read_text()
    signer = ContextSigner(key, issuer="gbi-gateway", audience="gbi-services", ttl_s=3600)
    ctx = RequestContext("bench", ActorType.MEDEWERKER, frozenset({"klantmanager"}), "0363")
    direct_headers = {"GBI-Context": signer.sign(ctx)}
    token = dev_token(suite, actor_type="medewerker", gemeente="0363", roles="klantmanager", name="Bench")
    gw_headers = {"Authorization": f"Bearer {token}"}
    results: list[Result] = []
    for conc, total in ((1, 300 if quick else 3000), (50, 1000 if quick else 20000)):
        d_lat, d_wall = asyncio.run(
            load(suite.config.url("domain") + path, direct_headers, total=total, concurrency=conc)
        )
        g_lat, g_wall = asyncio.run(load(suite.config.url("gateway") + path, gw_headers, total=total, concurrency=conc))
        for pct in (50, 99):
            d, g = percentile(d_lat, pct), percentile(g_lat, pct)
            results.append(
                Result(
                    f"gateway_latency_p{pct}_c{conc}",
                    round(g, 3),
                    "ms",
                    round(d, 3),
                    round(g / d, 2),
                    f"through gateway vs direct to domain, {total} requests",
                )
            )
        results.append(
            Result(
                f"gateway_overhead_p50_c{conc}",
                round(percentile(g_lat, 50) - percentile(d_lat, 50), 3),
                "ms",
                note="added per request by the gateway hop (p50)",
            )
        )
        d_rps, g_rps = total / d_wall, total / g_wall
        results.append(
            Result(
                f"gateway_throughput_c{conc}",
                round(g_rps, 1),
                "req/s",
                round(d_rps, 1),
                round(g_rps / d_rps, 2),
                "through gateway vs direct",
            )
        )
    return results


def households(n: int) -> list[dict[str, object]]:
    """Deterministic, varied households (singles, couples, single parents, kostendelers, income, assets)."""
    import random

    rnd = random.Random(20260315)
    out: list[dict[str, object]] = []
    for i in range(n):
        year = rnd.randint(1962, 2005)
        h: dict[str, object] = {
            "gemeente": "0363",
            "peildatum": "2026-03-15",
            "aanvrager": {"geboortedatum": f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"},
            "inkomsten": [],
            "vermogen": {"bezittingen": f"{rnd.randint(0, 9000)}.00", "schulden": f"{rnd.randint(0, 3000)}.00"},
        }
        kind = i % 4
        if kind == 1:
            h["partner"] = {"geboortedatum": f"{rnd.randint(1962, 2000)}-06-01"}
        if kind == 2:
            h["kinderen"] = [{"geboortedatum": f"{rnd.randint(2010, 2024)}-03-01"}]
        if kind == 3:
            h["medebewoners"] = [{"geboortedatum": "1990-01-01", "relatie": "broer-zus"}]
        if rnd.random() < 0.3:
            h["inkomsten"] = [
                {
                    "persoon": "aanvrager",
                    "soort": "arbeid",
                    "nettoPerMaand": f"{rnd.randint(0, 900)}.00",
                    "vrijlatingStartdatum": "2026-01-01",
                }
            ]
        out.append(h)
    return out


async def post_batch(url: str, headers: dict[str, str], body: bytes, times: int) -> list[float]:
    async with aiohttp.ClientSession() as session:
        walls = []
        for _ in range(times):
            t0 = time.perf_counter()
            async with session.post(url, data=body, headers={**headers, "Content-Type": "application/json"}) as r:
                payload = await r.read()
                if r.status != 200:
                    raise RuntimeError(f"batch answered {r.status}: {payload[:300]!r}")
            walls.append(time.perf_counter() - t0)
    return walls


def bench_batch_endpoint(suite: Suite, quick: bool) -> list[Result]:
    """POST /api/v1/berekeningen:batch through the gateway: household calculations per second end to end."""
    n = 1000 if quick else 10_000
    body = json.dumps({"huishoudens": households(n)}).encode()
    token = dev_token(suite, actor_type="medewerker", gemeente="0363", roles="inkomensconsulent", name="Bench")
    walls = asyncio.run(
        post_batch(
            suite.config.url("gateway") + "/api/v1/berekeningen:batch",
            {"Authorization": f"Bearer {token}"},
            body,
            2 if quick else 3,
        )
    )
    best = min(walls)
    return [
        Result(
            "batch_endpoint_households_per_s",
            round(n / best),
            "households/s",
            note=f"{n} households per POST through the gateway (JSON parse, validate, calculate, serialise)",
        )
    ]


def bench_domain_engine(quick: bool) -> list[Result]:
    script = ROOT / "services" / "domain" / "bench" / "bench_engine.py"
    if not script.exists():
        return []
    import subprocess

    args = [sys.executable, str(script)] + (["--n", "2000", "--repeat", "2"] if quick else [])
    out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    results = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            data = json.loads(line)
            results.append(
                Result(
                    data["name"],
                    data["value"],
                    data["unit"],
                    data.get("baseline"),
                    data.get("ratio"),
                    data.get("note", "in process, one core"),
                )
            )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args(argv)
    db = os.environ.get("GBI_BENCH_DATABASE_URL") or os.environ.get("GBI_TEST_DATABASE_URL")
    results: list[Result] = []
    benches: list[Callable[[], list[Result]]] = [lambda: bench_domain_engine(args.quick)]
    for bench in benches:
        results.extend(bench())
    with tempfile.TemporaryDirectory() as tmp:
        suite = Suite(
            SuiteConfig(
                var_dir=Path(tmp),
                base_port=int(os.environ.get("GBI_BENCH_BASE_PORT", "18000")),
                database_url=db,
                log_dir=Path(tmp) / "logs",
            )
        )
        with suite.running():
            results.extend(bench_gateway(suite, args.quick))
            results.extend(bench_batch_endpoint(suite, args.quick))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    print(f"\n{'benchmark':<34} {'value':>12} {'unit':<14} {'baseline':>10} {'ratio':>7}  note")
    for r in results:
        base = f"{r.baseline:.3f}" if r.baseline is not None else "-"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        print(f"{r.name:<34} {r.value:>12.3f} {r.unit:<14} {base:>10} {ratio:>7}  {r.note}")
    print(f"\nwritten to {args.output.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

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
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]

from betaalrun import bench_betaalrun, cpu_s  # noqa: E402  (tests/bench/betaalrun.py: benchmark 3)
from signalen import bench_signalen  # noqa: E402  (tests/bench/signalen.py: benchmark 4)
from sqlalchemy.engine import make_url  # noqa: E402

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


async def load(url: str, headers: dict[str, str], *, total: int, concurrency: int) -> tuple[list[float], float, int]:
    """Send `total` GETs with `concurrency` connections; return the latencies (ms) of the 200 answers, the wall time
    (s) and the number of other answers. Error answers are counted, never timed: a 429 or 503 answers fast and
    would flatter the figures. More than 5% of them and the round measures nothing: it fails."""
    latencies: list[float] = []
    failures: list[int] = []
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
                if r.status == 200:
                    latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    failures.append(r.status)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    if len(failures) > total * 0.05:
        raise RuntimeError(f"{url}: {len(failures)} of {total} answers were not 200 (first: {failures[0]})")
    return latencies, wall, len(failures)


def dev_token(suite: Suite, **params: str) -> str:
    import urllib.parse
    import urllib.request

    form = urllib.parse.urlencode({"grant_type": "urn:gbi:dev", **params}).encode()
    req = urllib.request.Request(suite.config.url("simulator") + "/idp/token", data=form, method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(json.loads(resp.read())["access_token"])


def bench_gateway(suite: Suite, quick: bool) -> list[Result]:
    """The same request direct to the domain service vs through the gateway, at 1 and 50 connections.

    Direct and gateway rounds alternate (four of each, pooled), so a neighbour's load on this shared machine
    weighs on both sides alike instead of on whichever ran second. Every answer must be a 200 (the bench suite
    raises the gateway's rate limits, which would otherwise answer most of these requests with a quick 429)."""
    path = "/api/v1/normen/M?peildatum=2026-03-15"
    key = (suite.config.var_dir / "keys" / "context-private.pem").read_text()
    signer = ContextSigner(key, issuer="gbi-gateway", audience="gbi-services", ttl_s=3600)
    ctx = RequestContext("bench", ActorType.MEDEWERKER, frozenset({"klantmanager"}), "0363")
    direct_headers = {"GBI-Context": signer.sign(ctx)}
    token = dev_token(suite, actor_type="medewerker", gemeente="0363", roles="klantmanager", name="Bench")
    gw_headers = {"Authorization": f"Bearer {token}"}
    results: list[Result] = []
    rounds = 4
    for conc, total in ((1, 300 if quick else 3000), (50, 1000 if quick else 20000)):
        d_lat: list[float] = []
        g_lat: list[float] = []
        d_wall = g_wall = 0.0
        d_err = g_err = 0
        for _ in range(rounds):
            lat, wall, err = asyncio.run(
                load(suite.config.url("domain") + path, direct_headers, total=total // rounds, concurrency=conc)
            )
            d_lat += lat
            d_wall += wall
            d_err += err
            lat, wall, err = asyncio.run(
                load(suite.config.url("gateway") + path, gw_headers, total=total // rounds, concurrency=conc)
            )
            g_lat += lat
            g_wall += wall
            g_err += err
        n = rounds * (total // rounds)
        for pct in (50, 99):
            d, g = percentile(d_lat, pct), percentile(g_lat, pct)
            results.append(
                Result(
                    f"gateway_latency_p{pct}_c{conc}",
                    round(g, 3),
                    "ms",
                    round(d, 3),
                    round(g / d, 2),
                    f"through gateway vs direct to domain, {n} requests each, {rounds} alternating rounds",
                )
            )
            results.append(
                Result(
                    f"gateway_overhead_p{pct}_c{conc}",
                    round(g - d, 3),
                    "ms",
                    round(d, 3),
                    round((g - d) / d, 2),
                    f"added by the gateway hop (p{pct}); baseline: the direct p{pct}",
                )
            )
        d_rps, g_rps = len(d_lat) / d_wall, len(g_lat) / g_wall
        results.append(
            Result(
                f"gateway_errors_c{conc}",
                g_err,
                "answers",
                d_err,
                round(g_err / d_err, 2) if d_err else None,
                f"answers other than 200 of {n} through the gateway; baseline: direct (not in the latencies)",
            )
        )
        results.append(
            Result(
                f"gateway_throughput_c{conc}",
                round(g_rps, 1),
                "req/s",
                round(d_rps, 1),
                round(g_rps / d_rps, 2),
                "200 answers per second, through gateway vs direct",
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


def _service_token(suite: Suite, client_id: str = "gbi-interaction") -> str:
    import urllib.parse
    import urllib.request

    form = urllib.parse.urlencode(
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": suite.client_secrets[client_id]}
    ).encode()
    req = urllib.request.Request(suite.config.url("simulator") + "/idp/token", data=form, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(json.loads(resp.read())["access_token"])


async def _alo_run(
    suite: Suite,
    n: int,
    concurrency: int,
    at_decided: Callable[[], None] | None = None,
    rate: float | None = None,
) -> tuple[list[float], float, float]:
    """Submit n straight-through aanvragen (as the interaction layer would: its service token and the citizen's
    context) and wait until each is decided. Returns submission-to-decision latencies (s, from the besluit's
    createdAt), the submission wall time and the wall time from the first registered aanvraag to the last one
    completed (the aanvragen's createdAt and the updatedAt of their status besloten, which the end save sets after the
    beschikking, the uitkering and the eindstatus: the data service's clock at both ends; the poll below looks once a
    second, and its rounds would add up to a second to the run). ``at_decided`` is called once all are decided,
    before the bench's own reads of the besluiten (the CPU they cost is not the cases'). With ``rate`` the
    aanvragen arrive at that many per second (the i-th at i / rate s), as a steady stream, not all at once."""
    from datetime import UTC, datetime

    gw = suite.config.url("gateway")
    token = _service_token(suite)
    key = (suite.config.var_dir / "keys" / "context-private.pem").read_text()
    signer = ContextSigner(key, issuer="gbi-gateway", audience="gbi-services", ttl_s=3600)
    bsn, gemeente = "999994116", "0599"  # Katinka Vogel: nothing in any source, decided straight through
    burger = {
        "Authorization": f"Bearer {token}",
        "GBI-Context": signer.sign(RequestContext("b", ActorType.BURGER, bsn=bsn)),
    }
    service = {"Authorization": f"Bearer {token}", "GBI-Gemeente": gemeente}
    today = datetime.now(UTC).date().isoformat()
    submitted: dict[str, datetime] = {}
    retries: list[int] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        queue = iter(range(n))

        async def submit() -> None:
            for i in queue:
                if rate is not None:
                    await asyncio.sleep(max(0.0, t0 + i / rate - time.perf_counter()))
                body = {
                    "bsn": bsn,
                    "meldingsdatum": today,
                    "aanvraagdatum": today,
                    "gegevens": {"iban": "NL91ABNA0417164300"},
                }
                at = datetime.now(UTC)
                headers = {**burger, "Idempotency-Key": uuid.uuid4().hex}
                for attempt in range(6):  # a client repeats a 5xx with the same key: never a second aanvraag
                    async with session.post(gw + "/internal/process/v1/aanvragen", json=body, headers=headers) as r:
                        payload = await r.json()
                        status = r.status
                    if status < 500:
                        break
                    retries.append(attempt)
                    await asyncio.sleep(0.2 * 2**attempt)
                if status != 202:
                    raise RuntimeError(f"submission answered {status}: {payload}")
                submitted[payload["aanvraagId"]] = at

        t0 = time.perf_counter()
        await asyncio.gather(*(submit() for _ in range(concurrency)))
        submit_wall = time.perf_counter() - t0
        decided: set[str] = set()
        registered: list[datetime] = []
        completed: list[datetime] = []
        deadline = time.monotonic() + 600
        while len(decided) < n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(decided)} of {n} aanvragen decided in time")
            # Latencies come from the besluit's createdAt, not from this poll; polling a queue of many every second
            # (not every 0.2 s) keeps the bench's own reads from loading the data service it measures.
            await asyncio.sleep(0.2 if n == 1 else 1.0)
            after: str | None = None
            while True:
                url = (
                    gw
                    + "/internal/data/v1/aanvragen?status=besloten&pageSize=100"
                    + (f"&after={after}" if after else "")
                )
                async with session.get(url, headers=service) as r:
                    page = await r.json()
                    ok = r.status == 200
                if not ok:  # a busy data service (503): look again in the next round
                    break
                for item in page["items"]:
                    if item["id"] in submitted and item["id"] not in decided:
                        decided.add(item["id"])
                        registered.append(datetime.fromisoformat(item["createdAt"]))
                        completed.append(datetime.fromisoformat(item["updatedAt"]))
                after = page.get("nextAfter")
                if not after:
                    break
        if at_decided is not None:
            at_decided()
        latencies = []
        for aid, at in submitted.items():
            for attempt in range(6):
                async with session.get(gw + f"/internal/data/v1/aanvragen/{aid}/besluit", headers=service) as r:
                    besluit = await r.json()
                    status = r.status
                if status == 200:
                    break
                await asyncio.sleep(0.2 * 2**attempt)
            latencies.append((datetime.fromisoformat(besluit["createdAt"]) - at).total_seconds())
        total_wall = (max(completed) - min(registered)).total_seconds()
    if retries:
        print(f"  ({len(retries)} submissions answered 5xx and were repeated with the same Idempotency-Key)")
    return latencies, submit_wall, total_wall


async def _alo_single(suite: Suite, n: int) -> list[float]:
    """n straight-through aanvragen one after another (the next after the previous was decided): the latency of a
    lone case, without queueing behind others."""
    latencies: list[float] = []
    for _ in range(n):
        lat, _, _ = await _alo_run(suite, 1, concurrency=1)
        latencies.extend(lat)
    return latencies


def machine_probe_ms() -> float:
    """CPU milliseconds of a fixed pure-Python workload (dict and str work), the best of three: how fast this
    machine runs Python at this moment. Its speed is not constant: on the 2-core development machine the same probe
    took 43-75 ms within minutes, and every figure of the suite moves with it."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        table: dict[int, str] = {}
        total = 0
        for i in range(300_000):
            table[i % 1000] = str(i)
            total += len(table[i % 1000])
        best = min(best, (time.process_time() - started) * 1000)
    return round(best, 1)


def bench_alo(suite: Suite, quick: bool, replicas: int = 1) -> list[Result]:
    """The ALO end to end: straight-through aanvragen submitted at 10 concurrent connections, decided by the
    process layer's workers (zaak, BRP, six sources, calculation, risk, policy, besluit, PDF beschikking, ZGW,
    uitkering): decisions per second and submission-to-decision latency. Three rounds (one with --quick), each with
    the machine's speed probed before and after it; the figures are the rounds' medians, every round in the note.
    Then the same number arriving as a steady stream at the aim (20 per second): the latency a citizen sees at that
    rate, without the queue of a whole round submitted at once."""
    n = 20 if quick else 150
    rounds = 1 if quick else 3
    single = asyncio.run(_alo_single(suite, 3 if quick else 10))
    per_case: list[float] = []
    stp: list[float] = []
    submit: list[float] = []
    probes: list[tuple[float, float]] = []
    splits: list[dict[str, float]] = []
    latencies: list[float] = []
    for _ in range(rounds):
        probe_before = machine_probe_ms()
        before = _suite_cpu(suite)
        spent: dict[str, float] = {}

        def decided(before: dict[str, float] = before, spent: dict[str, float] = spent) -> None:
            spent.update({name: cpu - before.get(name, 0.0) for name, cpu in _suite_cpu(suite).items()})

        lat, submit_wall, total_wall = asyncio.run(_alo_run(suite, n, concurrency=10, at_decided=decided))
        probes.append((probe_before, machine_probe_ms()))
        latencies.extend(lat)
        splits.append(spent)
        per_case.append(sum(spent.values()) / n * 1000)
        stp.append(n / total_wall)
        submit.append(n / submit_wall)
    paced_rate = 20.0
    paced, _, _ = asyncio.run(_alo_run(suite, n, concurrency=10, rate=paced_rate))
    middle = sorted(range(rounds), key=lambda i: per_case[i])[rounds // 2]
    per_case_ms = per_case[middle]
    split = ", ".join(
        f"{name} {cpu / n * 1000:.0f}" for name, cpu in sorted(splits[middle].items(), key=lambda kv: -kv[1])
    )
    label = f"{replicas} process replica{'s' if replicas > 1 else ''}"
    each = "; ".join(f"{s:.2f}/s at {c:.1f} ms" for s, c in zip(stp, per_case, strict=True))
    probe_note = ", ".join(f"{a:.0f}-{b:.0f}" for a, b in probes)
    return [
        Result(
            f"alo_cpu_ms_per_case_r{replicas}",
            round(per_case_ms, 1),
            "ms CPU",
            note=f"every process of the suite (simulator included, PostgreSQL not) over the {n} cases, median of "
            f"{rounds}: {split}",
        ),
        Result(
            f"alo_cpu_bound_per_s_r{replicas}",
            round((os.cpu_count() or 1) * 1000 / per_case_ms, 2) if per_case_ms > 0 else float("nan"),
            "aanvragen/s",
            note=f"the most {os.cpu_count()} cores could decide at this CPU cost per case",
        ),
        Result(
            f"alo_decision_single_p50_r{replicas}",
            round(percentile(single, 50), 3),
            "s",
            note=f"one case at a time ({len(single)}): submission to besluit, no queue",
        ),
        Result(
            f"alo_stp_per_s_r{replicas}",
            round(percentile(stp, 50), 2),
            "aanvragen/s",
            note=f"median of {rounds} rounds of {n} submitted, all decided (first registered to last completed); "
            f"{label}; rounds: {each}",
        ),
        Result(
            f"alo_submit_per_s_r{replicas}",
            round(percentile(submit, 50), 1),
            "req/s",
            note="POST /internal/process/v1/aanvragen (202)",
        ),
        Result(
            f"alo_decision_p50_r{replicas}",
            round(percentile(latencies, 50), 3),
            "s",
            note=f"submission to besluit, {n} submitted at once (queueing included), all rounds",
        ),
        Result(
            f"alo_decision_p95_r{replicas}",
            round(percentile(latencies, 95), 3),
            "s",
            note=f"submission to besluit, {n} submitted at once (queueing included), all rounds",
        ),
        Result(
            f"alo_decision_paced_p50_r{replicas}",
            round(percentile(paced, 50), 3),
            "s",
            note=f"submission to besluit, {n} arriving at {paced_rate:.0f} per second (a steady stream at the aim)",
        ),
        Result(
            f"alo_decision_paced_p95_r{replicas}",
            round(percentile(paced, 95), 3),
            "s",
            note=f"submission to besluit, {n} arriving at {paced_rate:.0f} per second (a steady stream at the aim)",
        ),
        Result(
            f"machine_probe_ms_alo_r{replicas}",
            round(percentile([x for pair in probes for x in pair], 50), 1),
            "ms CPU",
            note=f"a fixed pure-Python workload before-after each round ({probe_note}): lower is a faster machine",
        ),
    ]


def _suite_cpu(suite: Suite) -> dict[str, float]:
    """CPU seconds (user + system) each running process of the suite has used so far."""
    spent: dict[str, float] = {}
    for name, proc in suite.procs.items():
        try:
            spent[name] = cpu_s(proc.pid)
        except OSError:  # not Linux, or the process is gone
            continue
    return spent


# The benchmarks measure the work: not the rate limiter's refusals (a caller's default is 50 requests/s), and not a
# gateway timeout that a bulk delivery outlives on a saturated machine (the default is 30 s).
# The local suite gives process workers a 10 s lease so tests recover from a killed worker quickly; a run stops at
# half its lease, so under load one case became 2-4 runs, each a claim, three reads and a save. The bench measures
# the service's own default (60 s), as production runs it.
BENCH_ENV = {
    "GBI_RATE_LIMIT_PER_S": "1000000",
    "GBI_RATE_LIMIT_BURST": "1000000",
    "GBI_UPSTREAM_TIMEOUT_S": "600",
    "GBI_WORKER_LEASE_S": "60",
}


@contextmanager
def bench_schema(database_url: str | None) -> Iterator[str | None]:
    """On PostgreSQL: a fresh schema for this run (dropped afterwards), so every run starts from an empty database
    and leaves nothing behind in a database others use. Elsewhere: the URL as it is."""
    if not database_url or not database_url.startswith("postgresql"):
        yield database_url
        return
    from sqlalchemy import create_engine

    url = make_url(database_url).set(drivername="postgresql+psycopg")
    schema = f"gbi_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument(
        "--only",
        default="engine,gateway,batch,alo,signalen,betaalrun",
        help="comma-separated: engine, gateway, batch, alo, signalen, betaalrun (default: all)",
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    db = os.environ.get("GBI_BENCH_DATABASE_URL") or os.environ.get("GBI_TEST_DATABASE_URL")
    results: list[Result] = []
    benches: list[Callable[[], list[Result]]] = [lambda: bench_domain_engine(args.quick)] if "engine" in only else []
    for bench in benches:
        results.extend(bench())
    needs_suite = bool(only & {"gateway", "batch", "alo", "signalen"})
    with tempfile.TemporaryDirectory() as tmp, bench_schema(db if needs_suite else None) as db_url:
        suite = Suite(
            SuiteConfig(
                var_dir=Path(tmp),
                base_port=int(os.environ.get("GBI_BENCH_BASE_PORT", "18000")),
                database_url=db_url,
                log_dir=Path(os.environ.get("GBI_BENCH_LOG_DIR", str(Path(tmp) / "logs"))),
                # The benchmarks measure the work, not the rate limiter's refusals: the limiter still runs, but
                # its buckets are too large to empty (a caller's default is 50 requests/s).
                extra_env=BENCH_ENV,
            )
        )
        with suite.running() if needs_suite else nullcontext():
            if "gateway" in only:
                results.extend(bench_gateway(suite, args.quick))
            if "batch" in only:
                results.extend(bench_batch_endpoint(suite, args.quick))
            if "alo" in only:
                results.extend(bench_alo(suite, args.quick))
                replica = suite.start_replica(1)
                try:
                    results.extend(bench_alo(suite, args.quick, replicas=2))
                finally:
                    suite.kill(replica.name)
            if "signalen" in only:
                results.extend(Result(**r) for r in bench_signalen(suite, args.quick, _service_token))
    if "betaalrun" in only:  # its own suite and database (it truncates and kills nothing of the others)
        port = int(os.environ.get("GBI_BENCH_BASE_PORT", "18000")) + 200
        results.extend(Result(**asdict(r)) for r in bench_betaalrun(args.quick, base_port=port))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    print(f"\n{'benchmark':<34} {'value':>12} {'unit':<14} {'baseline':>10} {'ratio':>7}  note")
    for r in results:
        base = f"{r.baseline:.3f}" if r.baseline is not None else "-"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        print(f"{r.name:<34} {r.value:>12.3f} {r.unit:<14} {base:>10} {ratio:>7}  {r.note}")
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"\nwritten to {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

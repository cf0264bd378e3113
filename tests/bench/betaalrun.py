"""Benchmark of the payment run (issue 8): a generated population paid through the real suite, against its floor.

For each size (200,000 and 420,000 uitkeringen; ``--quick``: 2,000) in a PostgreSQL database of its own:

1. generate the population (``gbi_data.betaalrun.generator``, COPY) over the 12 largest GBI gemeenten;
2. the **floor**, in this one process on the same rows: read them (one query), compute the month's amount with the
   same domain engine function the domain layer uses, and ``COPY`` as many payment rows into a scratch table, commit;
   and the **raw floor**: the same read and ``COPY`` with integer arithmetic instead of the engine;
3. the **payment run** through the suite: ``POST /internal/process/v1/betaalruns`` for all gemeenten, then poll
   until it is ``gereed`` (payments stored, SEPA file and journal per gemeente written and reconciled);
4. the peak resident memory (VmHWM) of every process of the suite after the run, and the CPU seconds each used
   during the run (on a shared machine the CPU cost is the steadier figure; wall time includes the neighbours).

Nothing here asserts a time. The machine is shared with the load generator: compare within one run.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["BenchResult", "bench_betaalrun"]

MAAND = "2026-07"  # a 1 July norm change month; June would add the vakantietoeslag payout
#: The process layer's worker settings as production has them (the service's defaults). The local suite polls for
#: ALO work five times as often in every gemeente (``gbi_runner``: fast tests); measured idle, that polling alone
#: cost ~0.2 CPU-s per second in the data service and ~0.07 in the gateway -- a third of the suite's CPU during a
#: 200,000 payment run, none of it the run's.
PRODUCTIE_WORKER_ENV = {
    "GBI_WORKER_INTERVAL_S": "1",
    "GBI_WORKER_IDLE_MAX_S": "10",
    "GBI_MESSAGE_POLL_S": "60",
    "GBI_RETRY_BASE_S": "30",
    "GBI_RETRY_MAX_S": "3600",
    "GBI_WORKER_LEASE_S": "60",
}


@dataclass
class BenchResult:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    note: str = ""


@contextmanager
def _database(base: str) -> Iterator[str]:
    import psycopg

    name = f"gbi_bench_betaalrun_{uuid.uuid4().hex[:8]}"
    parsed = urllib.parse.urlsplit(base.replace("postgresql+psycopg://", "postgresql://"))
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _token(suite: Any) -> str:
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": "gbi-interaction",
            "client_secret": suite.client_secrets["gbi-interaction"],
        }
    ).encode()
    req = urllib.request.Request(suite.config.url("simulator") + "/idp/token", data=form, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(json.loads(resp.read())["access_token"])


def _call(method: str, url: str, token: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{method} {url}: {exc.code} {exc.read()[:500]!r}") from exc


def start_run(suite: Any, maand: str, key: str, gemeenten: list[str] | None = None) -> dict[str, Any]:
    """Start the payment run of ``maand`` over ``gemeenten`` (all: None), as a GBI service (the national run)."""
    token = _token(suite)
    return dict(
        _call(
            "POST",
            suite.config.url("gateway") + "/internal/process/v1/betaalruns",
            token,
            {"maand": maand, "gemeenten": gemeenten},
            {"Idempotency-Key": key},
        )
    )


def wait_run(suite: Any, run_id: str, timeout_s: float = 900.0) -> dict[str, Any]:
    token = _token(suite)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            run: dict[str, Any] = _call("GET", suite.config.url("gateway") + f"/api/v1/betaalruns/{run_id}", token)
        except RuntimeError as exc:  # a busy layer (503/504) while the run works: look again
            if ": 50" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(1.0)
            continue
        if run["status"] != "lopend":
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"betaalrun {run_id} not done in {timeout_s}s: {run['gedaan']}/{run['totaal']}")
        time.sleep(1.0)


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used (``/proc/<pid>/stat``): on a shared machine this says what
    the work cost, where wall time also says how busy the neighbours were."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _floor(url: str, n: int, *, engine: bool) -> tuple[float, float]:
    """Read the n rows the run reads, compute the amounts, COPY n payment rows into a scratch table, commit."""
    import psycopg

    from gbi_domain.betaalrun import Maandfeiten, bereken_maand, huishouden_uit_json
    from gbi_domain.engine import standaard_regelset
    from gbi_domain.errors import DomainError

    rs = standaard_regelset()
    maand = date.fromisoformat(MAAND + "-01")
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "CREATE TEMP TABLE floor_betalingen (uitkering_id uuid, gemeente char(4), maand date, bedrag bigint, "
            "norm bigint, reservering bigint)"
        )
        t0 = time.perf_counter()
        c0 = time.process_time()
        with conn.cursor() as read, conn.cursor() as write:
            read.execute(
                "SELECT g.uitkering_id, g.gemeente, u.startdatum, g.huishouden FROM uitkering_grondslagen g "
                "JOIN uitkeringen u ON u.id = g.uitkering_id WHERE u.status = 'actief' ORDER BY g.gemeente"
            )
            with write.copy("COPY floor_betalingen FROM STDIN") as copy:
                count = 0
                while rows := read.fetchmany(5000):
                    for uid, gemeente, start, h in rows:
                        if engine:
                            try:
                                m = bereken_maand(
                                    huishouden_uit_json(gemeente, maand, h),
                                    Maandfeiten(maand=maand, startdatum=start),
                                    rs,
                                )
                            except DomainError:
                                continue
                            copy.write_row((uid, gemeente, maand, m.bedrag, m.norm, m.reservering))
                        else:
                            norm = 140150 if "partner" not in h else 200213
                            reservering = (norm * 5 + 50) // 100
                            copy.write_row((uid, gemeente, maand, norm - reservering, norm, reservering))
                        count += 1
        conn.commit()
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
    if count != n:
        raise RuntimeError(f"floor read {count} rows, expected {n}")  # pragma: no cover
    return wall, cpu


def generate(url: str, n: int, var: Path, *, seed: int | None = None, start: str = MAAND) -> tuple[float, list[str]]:
    """Run the generator as its documented command; returns its wall time and the gemeenten it populated."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("GBI_")}
    env["GBI_DATABASE_URL"] = url
    env["GBI_AUDIT_PSEUDONYM_KEY"] = "bench-pseudonym-key-0123456789abcdef"
    t0 = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "gbi_data.betaalrun.generator",
            "--clients",
            str(n),
            "--seed",
            str(seed if seed is not None else n),
            "--start",
            start,
        ],
        env=env,
        check=True,
        cwd=var,
        capture_output=True,
        text=True,
    ).stdout
    return time.perf_counter() - t0, list(json.loads(out.strip().splitlines()[-1])["gemeenten"])


def _truncate(url: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(
            "TRUNCATE betaalbestanden, betalingen, betaalrun_gemeenten, betaalruns, maatregelen, voorschotten, "
            "uitkering_grondslagen, uitkeringen, besluiten, aanvragen CASCADE"
        )


def bench_betaalrun(quick: bool, *, base_port: int, sizes: tuple[int, ...] | None = None) -> list[BenchResult]:
    from gbi_runner import Suite, SuiteConfig

    base = os.environ.get("GBI_BENCH_DATABASE_URL") or os.environ.get("GBI_TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        print("  (betaalrun: skipped, it needs PostgreSQL: set GBI_TEST_DATABASE_URL)")
        return []
    sizes = sizes or ((2000,) if quick else (200_000, 420_000))
    results: list[BenchResult] = []
    with _database(base) as url, tempfile.TemporaryDirectory() as tmp:
        suite = Suite(
            SuiteConfig(
                var_dir=Path(tmp),
                base_port=base_port,
                database_url=url,
                log_dir=Path(tmp) / "logs",
                extra_env=dict(PRODUCTIE_WORKER_ENV),
            )
        )
        with suite.running():
            for n in sizes:
                _truncate(url)
                gen_wall, gemeenten = generate(url, n, Path(tmp))
                floor_raw, _ = _floor(url, n, engine=False)
                floor, floor_cpu = _floor(url, n, engine=True)
                cpu0 = {name: cpu_s(proc.pid) for name, proc in suite.procs.items()}
                t0 = time.perf_counter()
                run = start_run(suite, MAAND, f"bench-{n}-{uuid.uuid4().hex[:6]}", gemeenten)
                done = wait_run(suite, str(run["id"]), timeout_s=max(900.0, n / 50))
                wall = time.perf_counter() - t0
                cpu = {name: cpu_s(proc.pid) - cpu0[name] for name, proc in suite.procs.items()}
                if done["status"] != "gereed" or done["gedaan"] != n:
                    raise RuntimeError(f"payment run of {n}: {done['status']} {done['gedaan']}/{done['totaal']}")
                label = f"{n // 1000}k" if n >= 1000 else str(n)
                results += [
                    BenchResult(f"betaalrun_{label}_generate", round(gen_wall, 2), "s", note=f"{n} clients, COPY"),
                    BenchResult(
                        f"betaalrun_{label}_wall",
                        round(wall, 2),
                        "s",
                        round(floor, 2),
                        round(wall / floor, 2),
                        "suite end to end (payments, SEPA + journal per gemeente) vs floor: one process reads, "
                        "computes with the same engine, COPYs",
                    ),
                    BenchResult(
                        f"betaalrun_{label}_vs_raw_floor",
                        round(wall, 2),
                        "s",
                        round(floor_raw, 2),
                        round(wall / floor_raw, 2),
                        "vs raw floor: read, integer arithmetic, COPY",
                    ),
                    BenchResult(f"betaalrun_{label}_per_s", round(n / wall), "uitkeringen/s"),
                    BenchResult(
                        f"betaalrun_{label}_cpu",
                        round(sum(cpu.values()), 2),
                        "cpu-s",
                        round(floor_cpu, 2),
                        round(sum(cpu.values()) / floor_cpu, 2) if floor_cpu else None,
                        "CPU of all suite processes during the run (PostgreSQL not counted) vs the floor's CPU; "
                        + ", ".join(f"{k} {v:.1f}" for k, v in sorted(cpu.items()) if v >= 0.05),
                    ),
                ]
                for r in results[-5:]:
                    print(r, flush=True)
                for name, proc in sorted(suite.procs.items()):
                    results.append(
                        BenchResult(
                            f"betaalrun_{label}_peak_rss_{name}",
                            round(peak_rss_mb(proc.pid), 1),
                            "MB",
                            note="VmHWM of the process after the run",
                        )
                    )
    return results


if __name__ == "__main__":  # pragma: no cover - manual use
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="2000")
    parser.add_argument("--base-port", type=int, default=int(os.environ.get("GBI_BENCH_BASE_PORT", "24100")))
    args = parser.parse_args()
    for r in bench_betaalrun(False, base_port=args.base_port, sizes=tuple(int(s) for s in args.sizes.split(","))):
        print(r)

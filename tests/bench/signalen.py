"""Benchmark 4 of `make bench`: Inlichtingenbureau signal matching on the real service path, against the raw floor.

Set-up (not timed): 200,000 clients made by the payment run's population generator (``python -m
gbi_data.betaalrun.generator``: aanvraag, toekenning, active uitkering, spread over the 12 largest GBI gemeenten in
proportion to their bijstand population); 1,000,000 signals in proportion to the clients per gemeente, about 60%
about a client (some before the uitkering started, so the period decides), the rest about people who are not
clients; the JSON of every delivery is encoded up front (the integration layer's work, not the data layer's).

Timed, in the same run on the same database:

- **service path**: every delivery (one gemeente, up to 25,000 signals) POSTed through the gateway to
  ``/internal/data/v1/signalen:batch`` as the integration layer does (its service token, ``GBI-Gemeente``), two
  deliveries in flight: gateway hop, JSON validation, COPY into staging, the set-based match, the insert of the
  handhavingsignalen, the processing-log entry, commit;
- **join floor**: the raw SQL join of the same signals (already in a table) with the same clients, materialised;
- **load + join floor**: COPY of the same signals into a table from Python plus that join.

Correctness is checked, not assumed: the service must match exactly as many signals as the floor join, and a
repeated delivery must come back entirely as ``dubbel``. Peak memory (VmHWM) of the data service and the gateway is
read from /proc, and so is the CPU time the deliveries cost each side: the data service, the gateway and the
PostgreSQL backends of the data service's connections (found by their client ports; the server runs on this
machine). On a shared machine the wall time moves with the load, the CPU seconds much less. Entries are dicts with
the fields of run.py's ``Result``.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import aiohttp
import psycopg
from sqlalchemy.engine import make_url

__all__ = ["bench_signalen"]

GEMEENTEN = ("0363", "0518", "0599", "0344", "0772", "0855", "0014", "0268", "0153", "0796", "0193", "0114")
SOORTEN = ("inkomen", "voertuig", "bankrekening-buitenland", "detentie", "verblijf-buitenland")
BATCH = 25_000
CONCURRENCY = 2
# The generator's seed for this population: BSNs differ from the payment run bench's populations (seeds 200000
# and 420000) because the seeds differ modulo 16.
SEED = 7


@dataclass(frozen=True, slots=True)
class Sizes:
    clients: int
    signals: int
    batch: int


def _bsns(rnd: random.Random, n: int, taken: set[str]) -> list[str]:
    """``n`` distinct BSNs that pass the elfproef and are not in ``taken``."""
    out: list[str] = []
    while len(out) < n:
        digits = [rnd.randrange(10) for _ in range(8)]
        if digits[0] == 0:
            continue
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check == 10:
            continue
        bsn = "".join(map(str, digits)) + str(check)
        if bsn not in taken:
            taken.add(bsn)
            out.append(bsn)
    return out


def _conninfo(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _generate_clients(database_url: str, n: int, workdir: str) -> dict[str, list[tuple[str, date]]]:
    """The synthetic population of the payment run's generator (its documented command), read back per gemeente:
    (BSN, startdatum) of every active uitkering."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GBI_")}
    env["GBI_DATABASE_URL"] = database_url
    env["GBI_AUDIT_PSEUDONYM_KEY"] = "bench-pseudonym-key-0123456789abcdef"
    command = [sys.executable, "-m", "gbi_data.betaalrun.generator", "--clients", str(n), "--seed", str(SEED)]
    subprocess.run(command, env=env, check=True, cwd=workdir, capture_output=True, text=True)
    clients: dict[str, list[tuple[str, date]]] = {}
    with psycopg.connect(_conninfo(database_url)) as conn, conn.cursor() as cur:
        cur.execute("ANALYZE aanvragen")
        cur.execute("ANALYZE uitkeringen")
        cur.execute(
            "SELECT a.gemeente, a.bsn, u.startdatum FROM aanvragen a JOIN uitkeringen u ON u.aanvraag_id = a.id"
            " WHERE u.status = 'actief' AND a.idempotency_key LIKE %s ORDER BY a.gemeente, a.bsn",
            (f"gen-{SEED}-%",),
        )
        for gemeente, bsn, start in cur:
            clients.setdefault(gemeente, []).append((bsn, start))
    return clients


def _signal(rnd: random.Random, sid: str, bsn: str) -> dict[str, Any]:
    month = rnd.randrange(12)
    vanaf = date(2025 + (6 + month) // 12, (6 + month) % 12 + 1, 1)
    tot = None if rnd.random() < 0.1 else date(vanaf.year + vanaf.month // 12, vanaf.month % 12 + 1, 1)
    soort = SOORTEN[rnd.randrange(len(SOORTEN))]
    s: dict[str, Any] = {
        "signaalId": sid,
        "bsn": bsn,
        "soort": soort,
        "periode": {"vanaf": vanaf.isoformat(), "tot": tot.isoformat() if tot else None},
        "ontvangenOp": "2026-07-10",
        "omschrijving": {
            "inkomen": "Inkomsten uit arbeid niet opgegeven",
            "voertuig": "Voertuig op naam gesteld",
            "bankrekening-buitenland": "Bankrekening in het buitenland",
            "detentie": "Verblijf in een penitentiaire inrichting",
            "verblijf-buitenland": "Verblijf in het buitenland langer dan vier weken",
        }[soort],
    }
    if soort == "inkomen":
        s["bedrag"] = f"{rnd.randrange(5000, 150000) / 100:.2f}"
        s["instantie"] = "Werkgever BV"
    elif soort == "voertuig":
        s["kenteken"] = f"{rnd.randrange(10**6):06d}"
    elif soort == "bankrekening-buitenland":
        s["land"] = "BE"
        s["bedrag"] = f"{rnd.randrange(100, 2000000) / 100:.2f}"
    elif soort == "detentie":
        s["instantie"] = "PI Vught"
    else:
        s["land"] = "MA"
    return s


def _deliveries(clients: dict[str, list[tuple[str, date]]], sizes: Sizes) -> list[tuple[str, list[dict[str, Any]]]]:
    """The signals per gemeente in proportion to its clients, cut into deliveries of at most ``sizes.batch``."""
    rnd = random.Random(20260710)
    taken = {bsn for people in clients.values() for bsn, _ in people}
    strangers = _bsns(rnd, max(1, sizes.signals // 4), taken)
    total = sum(len(people) for people in clients.values())
    deliveries: list[tuple[str, list[dict[str, Any]]]] = []
    remaining = sizes.signals
    gemeenten = sorted(clients)
    for index, gemeente in enumerate(gemeenten):
        people = clients[gemeente]
        count = remaining if index == len(gemeenten) - 1 else round(sizes.signals * len(people) / total)
        remaining -= count
        signals = []
        for i in range(count):
            client = rnd.random() < 0.6
            bsn = people[rnd.randrange(len(people))][0] if client else strangers[rnd.randrange(len(strangers))]
            signals.append(_signal(rnd, f"IB-{gemeente}-{i:08d}", bsn))
        for start in range(0, count, sizes.batch):
            deliveries.append((gemeente, signals[start : start + sizes.batch]))
    return deliveries


def _vm(pid: int, field: str) -> int:
    """VmHWM / VmRSS of a process in bytes (0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _local_ports(pid: int) -> set[int]:
    """The local TCP ports of the sockets ``pid`` holds open (its connections to PostgreSQL among them)."""
    inodes: set[str] = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return set()
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[9] in inodes:
                        ports.add(int(cols[1].rsplit(":", 1)[1], 16))
        except OSError:
            continue
    return ports


def _backends(conninfo: str, pid: int) -> dict[int, float]:
    """CPU seconds so far of the PostgreSQL backends serving ``pid``'s connections (server on this machine)."""
    ports = _local_ports(pid)
    if not ports:
        return {}
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE client_port = ANY(%s)", (list(ports),))
        return {int(backend): _cpu(int(backend)) for (backend,) in cur.fetchall()}


async def _deliver(
    url: str, token: str, bodies: list[tuple[str, bytes]], concurrency: int
) -> tuple[float, list[dict[str, Any]]]:
    results: list[dict[str, Any]] = []
    queue: Iterator[tuple[str, bytes]] = iter(bodies)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def worker() -> None:
            for gemeente, body in queue:
                headers = {
                    "Authorization": f"Bearer {token}",
                    "GBI-Gemeente": gemeente,
                    "Content-Type": "application/json",
                }
                async with session.post(url, data=body, headers=headers) as r:
                    payload = await r.read()
                    if r.status != 200:
                        raise RuntimeError(f"signalen:batch answered {r.status}: {payload[:300]!r}")
                    results.append(json.loads(payload))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, results


_FLOOR_TABLE = (
    "CREATE TEMPORARY TABLE bench_signalen (gemeente text, signaal_id text, bsn text, soort text, vanaf date,"
    " tot date, ontvangen_op date, omschrijving text, bedrag_cents bigint, kenteken text, land text, instantie text)"
)
_FLOOR_JOIN = """
CREATE TEMPORARY TABLE bench_match AS
SELECT s.gemeente, s.signaal_id, u.id AS uitkering_id, GREATEST(s.vanaf, u.startdatum) AS vanaf, s.tot
FROM bench_signalen s
JOIN aanvragen a ON a.gemeente = s.gemeente AND a.bsn = s.bsn
JOIN uitkeringen u ON u.aanvraag_id = a.id AND u.status = 'actief' AND (s.tot IS NULL OR u.startdatum < s.tot)
"""


def _floor(conninfo: str, deliveries: list[tuple[str, list[dict[str, Any]]]]) -> tuple[float, float, int]:
    """(COPY seconds, join seconds, signals matched) of the raw floor, as the database owner."""
    rows = []
    for gemeente, signals in deliveries:
        for s in signals:
            bedrag = s.get("bedrag")
            rows.append(
                (
                    gemeente,
                    s["signaalId"],
                    s["bsn"],
                    s["soort"],
                    date.fromisoformat(s["periode"]["vanaf"]),
                    date.fromisoformat(s["periode"]["tot"]) if s["periode"]["tot"] else None,
                    date.fromisoformat(s["ontvangenOp"]),
                    s["omschrijving"],
                    int(bedrag.replace(".", "")) if bedrag else None,
                    s.get("kenteken"),
                    s.get("land"),
                    s.get("instantie"),
                )
            )
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute(_FLOOR_TABLE)
        started = time.perf_counter()
        with cur.copy("COPY bench_signalen FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute("ANALYZE bench_signalen")
        copied = time.perf_counter() - started
        conn.commit()
        started = time.perf_counter()
        cur.execute(_FLOOR_JOIN)
        conn.commit()
        joined = time.perf_counter() - started
        # Signals, not rows: a person with two active uitkeringen gives a signal two join rows (the service records
        # one, for the uitkering that started last).
        cur.execute("SELECT count(*) FROM (SELECT DISTINCT gemeente, signaal_id FROM bench_match) m")
        matched = int(cur.fetchone()[0])  # type: ignore[index]
    return copied, joined, matched


def bench_signalen(suite: Any, quick: bool, service_token: Any) -> list[dict[str, Any]]:
    """Run benchmark 4 on a running suite (PostgreSQL only). ``service_token(suite, client_id)`` gives a token."""
    if not suite.database_url.startswith("postgresql"):
        print("  (signal matching is benchmarked on PostgreSQL only: set GBI_BENCH_DATABASE_URL)")
        return []
    sizes = Sizes(2_000, 10_000, 2_500) if quick else Sizes(200_000, 1_000_000, BATCH)
    conninfo = _conninfo(suite.database_url)
    with tempfile.TemporaryDirectory() as workdir:
        clients = _generate_clients(suite.database_url, sizes.clients, workdir)
    if sum(len(p) for p in clients.values()) != sizes.clients:
        raise RuntimeError(f"the generator made {sum(len(p) for p in clients.values())} clients, not {sizes.clients}")
    deliveries = _deliveries(clients, sizes)
    bodies = [(g, json.dumps({"signalen": s, "cursor": s[-1]["signaalId"]}).encode()) for g, s in deliveries]
    mb = sum(len(b) for _, b in bodies) / 1e6
    print(
        f"  signals: {sizes.signals} in {len(bodies)} deliveries ({mb:.0f} MB JSON) against {sizes.clients} clients",
        flush=True,
    )
    token = service_token(suite, "gbi-integration")
    data_pid, gateway_pid = suite.procs["data"].pid, suite.procs["gateway"].pid
    rss_before = _vm(data_pid, "VmRSS")
    url = suite.config.url("gateway") + "/internal/data/v1/signalen:batch"
    # Warm-up (not timed): one small delivery opens the pool's connections, so their backends are counted.
    warm = [
        (g, json.dumps({"signalen": [{**s[0], "signaalId": f"warm-{i}"}]}).encode())
        for i, (g, s) in enumerate(deliveries[:2])
    ]
    asyncio.run(_deliver(url, token, warm, 2))
    cpu_before = (_cpu(data_pid), _cpu(gateway_pid), _backends(conninfo, data_pid), time.process_time())
    wall, results = asyncio.run(_deliver(url, token, bodies, CONCURRENCY))
    backends_after = _backends(conninfo, data_pid)
    cpu = (
        _cpu(data_pid) - cpu_before[0],
        _cpu(gateway_pid) - cpu_before[1],
        sum(after - cpu_before[2].get(backend, 0.0) for backend, after in backends_after.items()),
        time.process_time() - cpu_before[3],
    )
    print(
        f"  deliveries: {wall:.1f} s wall; CPU s: data {cpu[0]:.1f}, gateway {cpu[1]:.1f},"
        f" PostgreSQL (data's {len(backends_after)} connections) {cpu[2]:.1f}, bench client {cpu[3]:.1f};"
        f" load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    data_peak, gateway_peak = _vm(data_pid, "VmHWM"), _vm(gateway_pid, "VmHWM")
    aantal = sum(r["aantal"] for r in results)
    gematcht = sum(r["gematcht"] for r in results)
    nieuw = sum(r["nieuw"] for r in results)
    if aantal != sizes.signals or nieuw != gematcht:
        raise RuntimeError(f"deliveries answered aantal={aantal} gematcht={gematcht} nieuw={nieuw}")
    # A repeated delivery changes nothing: everything that matched comes back as dubbel.
    _, again = asyncio.run(_deliver(url, token, bodies[:1], 1))
    if again[0]["nieuw"] != 0 or again[0]["dubbel"] != results_for(results, bodies[0])["gematcht"]:
        raise RuntimeError(f"a repeated delivery was not idempotent: {again[0]}")
    copied, joined, floor_matched = _floor(conninfo, deliveries)
    if floor_matched != gematcht:
        raise RuntimeError(f"the service matched {gematcht} signals, the floor join {floor_matched}")
    n = sizes.signals
    note = f"{n} signals vs {sizes.clients} clients, {len(bodies)} deliveries through the gateway; {gematcht} matched"
    return [
        _result(f"signalen_match_{n}", wall, "s", joined, note + "; baseline: raw SQL join of the same rows"),
        _result(
            f"signalen_match_{n}_vs_load_floor",
            wall,
            "s",
            copied + joined,
            "baseline: COPY the same signals from Python + the same join",
        ),
        _result("signalen_match_per_s", n / wall, "signals/s", n / joined, "service path vs raw join"),
        _result(
            "signalen_peak_rss_data",
            data_peak / 1e6,
            "MB",
            rss_before / 1e6,
            "data service VmHWM after the deliveries; baseline: its RSS before",
        ),
        _result("signalen_peak_rss_gateway", gateway_peak / 1e6, "MB", None, "gateway VmHWM over the whole run"),
        _result("signalen_cpu_data", cpu[0], "CPU s", None, "data service CPU during the deliveries"),
        _result("signalen_cpu_gateway", cpu[1], "CPU s", None, "gateway CPU during the deliveries"),
        _result(
            "signalen_cpu_postgresql", cpu[2], "CPU s", None, "CPU of the backends of the data service's connections"
        ),
    ]


def results_for(results: list[dict[str, Any]], body: tuple[str, bytes]) -> dict[str, Any]:
    """The answer to the delivery ``body`` (matched by its cursor, the last signal id)."""
    cursor = json.loads(body[1])["cursor"]
    return next(r for r in results if r["cursor"] == cursor)


def _result(name: str, value: float, unit: str, baseline: float | None, note: str) -> dict[str, Any]:
    ratio = round(value / baseline, 2) if baseline else None
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline": round(baseline, 3) if baseline is not None else None,
        "ratio": ratio,
        "note": note,
    }

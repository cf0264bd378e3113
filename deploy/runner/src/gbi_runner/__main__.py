"""``make run``: start the whole GBI suite and keep it running until Ctrl-C.

Environment: GBI_DATABASE_URL (default: embedded SQLite in var/gbi.db; set postgresql+psycopg://... for
PostgreSQL), GBI_BASE_PORT (default 8000), GBI_OTLP_ENDPOINT (export traces), GBI_PROCESS_REPLICAS (process
services in all, default 1: the extra ones run workers on the same store).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from gbi_runner.suite import REPO_ROOT, Suite, SuiteConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gbi_runner", description=__doc__)
    parser.add_argument("--base-port", type=int, default=int(os.environ.get("GBI_BASE_PORT", "8000")))
    parser.add_argument("--var-dir", type=Path, default=REPO_ROOT / "var")
    parser.add_argument("--log-dir", type=Path, default=None, help="write each process's log to a file here")
    parser.add_argument(
        "--process-replicas",
        type=int,
        default=int(os.environ.get("GBI_PROCESS_REPLICAS", "1")),
        help="process services in all; the extra ones only add workers on the same store (default 1)",
    )
    parser.add_argument("--no-demo", action="store_true", help="no demo aanvragen (gbi_runner.demo)")
    args = parser.parse_args(argv)
    config = SuiteConfig(
        var_dir=args.var_dir,
        base_port=args.base_port,
        database_url=os.environ.get("GBI_DATABASE_URL"),
        otlp_endpoint=os.environ.get("GBI_OTLP_ENDPOINT"),
        log_dir=args.log_dir,
        process_replicas=max(1, args.process_replicas),
    )
    suite = Suite(config)
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    try:
        suite.start()
    except (RuntimeError, TimeoutError) as exc:
        print(f"GBI could not start: {exc}", file=sys.stderr)
        suite.stop()
        return 1
    db = "PostgreSQL" if suite.database_url.startswith("postgresql") else "SQLite (embedded)"
    print(f"\nGBI is ready in {time.monotonic() - started:.1f} s on {db}.\n")
    for name, url in suite.urls().items():
        print(f"  {name:<12} {url}")
    gw = config.url("gateway")
    print(f"\n  API:      {gw}/api/v1/openapi.json  (docs: {gw}/api/v1/docs)")
    port_env = "" if config.base_port == 8000 else f"GBI_BASE_PORT={config.base_port} "
    print(f'  Token:    {port_env}make -s token ARGS="burger --bsn 999993653"')
    print(f"  Pages:    {gw}/  (portaal: log in as a test person; werkplek, beheer, management: as staff)")
    if not args.no_demo:
        from gbi_runner.demo import seed_demo

        print("\n  Demo aanvragen:")
        for line in seed_demo(suite):
            print(f"    {line}")
    print("\nCtrl-C stops everything.\n", flush=True)
    try:
        while not stopping:
            for name, proc in suite.procs.items():
                if proc.poll() is not None:
                    print(f"{name} stopped unexpectedly (exit {proc.returncode}); stopping GBI", file=sys.stderr)
                    stopping = True
            time.sleep(0.5)
    finally:
        print("Stopping GBI ...", flush=True)
        suite.stop()
        print("Stopped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

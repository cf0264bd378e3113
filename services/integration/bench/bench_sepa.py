"""Benchmark: one pain.001.001.03 file with 420,000 credit transfers (about every bijstand household in NL).

Prints one JSON line on stdout: ``{"name": "sepa_pain001_420k", "value": <seconds>, "unit": "s"}`` - the wall time
of ``write_pain001`` (validation pass and streaming to a file on disk). Details (CPU time, file size, peak memory)
go to stderr as one JSON line. Options: ``--n`` payments; ``--validate`` checks the file against the XSD in
``<repo>/../shared/specs/sepa/``; ``--reconcile`` builds the journal and reconciles it with the file;
``--worst-case`` gives every creditor a name that needs transliteration.

    uv run python services/integration/bench/bench_sepa.py [--n 420000] [--validate] [--reconcile] [--worst-case]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from gbi_integration.bank.iban import make_iban
from gbi_integration.bank.journal import Allocation, ChartOfAccounts, CostType, LedgerAccount, build_journal, reconcile
from gbi_integration.bank.sepa import Debtor, PaymentInstruction, end_to_end_id, write_pain001

BANKS = ("INGB", "RABO", "ABNA", "SNSB", "ASNB", "RBRB", "TRIO", "KNAB", "BUNQ")
# About one name in six has a letter outside the SEPA set (Zoë, Yılmaz, ...) and goes through transliteration.
FIRST = ("Jan", "Fatima", "Mohamed", "Anna", "Piet", "Noor", "Daan", "Sanne", "Zoë", "Bram", "Emma", "Ahmed")
LAST = (
    "de Vries",
    "Jansen",
    "El Amrani",
    "Bakker",
    "van 't Hek",
    "Smit",
    "Visser",
    "Yılmaz",
    "de Boer",
    "Mulder",
    "Bos",
)
WORST_FIRST = ("Zoë", "Søren", "Ayşe", "Björn", "Chloé", "Renée")
WORST_LAST = ("Yılmaz", "Müller", "Çelik", "Łukasz", "Ørsted")


def _peak_rss_reset() -> bool:
    """Reset the kernel's peak-RSS counter (Linux), so that VmHWM afterwards is the peak of what follows."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _vm(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def payments(n: int, *, worst_case: bool = False) -> list[PaymentInstruction]:
    first, last = (WORST_FIRST, WORST_LAST) if worst_case else (FIRST, LAST)
    ibans = [make_iban("NL", f"{BANKS[i % len(BANKS)]}{(i * 7919) % 10**10:010d}") for i in range(min(n, 50_000))]
    dates = (date(2026, 3, 25), date(2026, 3, 26))
    return [
        PaymentInstruction(
            end_to_end_id=end_to_end_id("0363", "202603", 1_000_000 + i),
            creditor_name=f"{first[i % len(first)]} {last[i % len(last)]}",
            creditor_iban=ibans[i % len(ibans)],
            amount_cents=50_000 + (i * 7919) % 150_000,
            remittance_information=f"Bijstand maart 2026 dossier {i:08d}",
            requested_execution_date=dates[0] if i % 20 else dates[1],
        )
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=420_000)
    parser.add_argument("--validate", action="store_true")
    parser.add_argument("--reconcile", action="store_true")
    parser.add_argument("--worst-case", action="store_true", help="every name needs transliteration")
    args = parser.parse_args()

    batch = payments(args.n, worst_case=args.worst_case)
    debtor = Debtor("0363", "Gemeente Amsterdam", "NL91ABNA0417164300")
    created = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)
    rss_before = _vm("VmRSS")
    reset = _peak_rss_reset()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pain001.xml"
        with path.open("wb") as fp:
            start, start_cpu = time.perf_counter(), time.process_time()
            summary = write_pain001(fp, debtor, batch, created_at=created)
            elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        peak = _vm("VmHWM")
        size = path.stat().st_size
        details: dict[str, object] = {
            "payments": summary.number_of_transactions,
            "wall_seconds": round(elapsed, 3),
            "cpu_seconds": round(cpu, 3),  # less sensitive to other processes on a shared machine
            "control_sum": summary.control_sum,
            "file_bytes": size,
            "rss_before_write_mib": round(rss_before / 2**20, 1),
            "peak_rss_during_write_mib": round(peak / 2**20, 1) if reset else None,
            "extra_peak_over_input_mib": round((peak - rss_before) / 2**20, 1) if reset else None,
        }
        if args.validate:
            from lxml import etree

            xsd_path = Path(__file__).resolve().parents[3] / ".." / "shared" / "specs" / "sepa" / "pain.001.001.03.xsd"
            schema = etree.XMLSchema(etree.parse(str(xsd_path)))
            start = time.perf_counter()
            document = etree.parse(str(path), etree.XMLParser(huge_tree=True))
            details["xsd_valid"] = schema.validate(document)
            details["xsd_seconds"] = round(time.perf_counter() - start, 2)
            del document
        if args.reconcile:
            chart = ChartOfAccounts(
                gemeente_code="0363",
                accounts={CostType.LEVENSONDERHOUD: LedgerAccount("43100", "6.3.01", "Algemene bijstand")},
                bank=LedgerAccount("11200", "", "Bank betaalrekening bijstand"),
            )
            allocations = [Allocation(p.end_to_end_id, CostType.LEVENSONDERHOUD, p.amount_cents) for p in batch]
            start = time.perf_counter()
            journal = build_journal(chart, summary, batch, allocations)
            details["journal_seconds"] = round(time.perf_counter() - start, 2)
            start = time.perf_counter()
            with path.open("rb") as fp:
                report = reconcile(journal, fp)
            details["reconcile_seconds"] = round(time.perf_counter() - start, 2)
            details["reconciled_cents"] = report.control_sum_cents
    sys.stderr.write(json.dumps(details) + "\n")
    name = "sepa_pain001_420k" if args.n == 420_000 else f"sepa_pain001_{args.n}"
    sys.stdout.write(json.dumps({"name": name, "value": round(elapsed, 3), "unit": "s"}) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip tearing down 420,000 objects


if __name__ == "__main__":
    main()

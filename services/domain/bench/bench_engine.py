"""Benchmark: household calculations per second, in process, on one core.

Builds a deterministic caseload-like mix of households (singles, single parents with kinderbijslag and work
income under the n/r vrijlating, couples, kostendelers, some without a right), spread over the peildata of
2025 and 2026, then times :func:`gbi_domain.engine.bereken_batch` and prints one JSON line::

    {"name": "domain_engine_households_per_s", "value": N, "unit": "households/s"}

The value is the best of ``--repeat`` runs (the machines are shared and noisy; the best run is the one least
disturbed). A second line measures the same through the HTTP contracts (pydantic in and out), for reference.

Run: ``uv run python services/domain/bench/bench_engine.py [--n 20000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from datetime import date, timedelta

from gbi_domain.engine import (
    Berekening,
    Huishouden,
    Inkomen,
    InkomstenSoort,
    Medebewoner,
    Persoon,
    Relatie,
    Rol,
    Vermogen,
    bereken_batch,
)
from gbi_domain.mapping import bereken
from gbi_shared.contracts.berekening import BerekeningVerzoek

PEILDATA = [date(jaar, maand, 1) for jaar in (2025, 2026) for maand in range(1, 13)]


def _geboren(rng: random.Random, peildatum: date, min_jaren: int, max_jaren: int) -> date:
    return date(peildatum.year - rng.randint(min_jaren, max_jaren), rng.randint(1, 12), rng.randint(1, 28))


def huishoudens(n: int, seed: int = 20260301) -> list[Huishouden]:
    """A deterministic mix of ``n`` households."""
    rng = random.Random(seed)
    uit: list[Huishouden] = []
    for _ in range(n):
        peildatum = rng.choice(PEILDATA)
        soort = rng.random()
        aanvrager = Persoon(_geboren(rng, peildatum, 21, 66), medisch_urenbeperkt=rng.random() < 0.03)
        vermogen = Vermogen(rng.randint(0, 900_000), rng.randint(0, 200_000))
        partner = None
        kinderen: tuple[date, ...] = ()
        medebewoners: tuple[Medebewoner, ...] = ()
        inkomsten: list[Inkomen] = []
        if soort < 0.55:  # single, sometimes a benefit or part-time work
            if rng.random() < 0.25:
                inkomsten.append(Inkomen(Rol.AANVRAGER, InkomstenSoort.UITKERING, rng.randint(10_000, 120_000)))
        elif soort < 0.72:  # single parent
            kinderen = tuple(peildatum - timedelta(days=rng.randint(30, 16 * 365)) for _ in range(rng.randint(1, 3)))
            inkomsten.append(Inkomen(Rol.AANVRAGER, InkomstenSoort.KINDERBIJSLAG, rng.randint(25_000, 60_000)))
            if rng.random() < 0.4:
                start = date(peildatum.year - 1, rng.randint(1, 12), 1)
                inkomsten.append(Inkomen(Rol.AANVRAGER, InkomstenSoort.ARBEID, rng.randint(20_000, 110_000), start))
        elif soort < 0.88:  # couple
            partner = Persoon(_geboren(rng, peildatum, 21, 66))
            if rng.random() < 0.3:
                inkomsten.append(
                    Inkomen(Rol.PARTNER, InkomstenSoort.ARBEID, rng.randint(20_000, 150_000), peildatum.replace(day=1))
                )
        else:  # kostendelers
            medebewoners = tuple(
                Medebewoner(_geboren(rng, peildatum, 18, 80), rng.choice(list(Relatie)), rng.random() < 0.2)
                for _ in range(rng.randint(1, 3))
            )
        uit.append(
            Huishouden(
                "0599",
                peildatum,
                aanvrager,
                vermogen,
                partner,
                kinderen,
                medebewoners,
                tuple(inkomsten),
            )
        )
    return uit


def _euro(centen: int) -> str:
    return f"{centen // 100}.{centen % 100:02d}"


def _meet(functie: object, herhaal: int, aantal: int) -> tuple[float, float]:
    assert callable(functie)
    snelheden = []
    for _ in range(herhaal):
        gc.collect()  # every run starts from the same heap
        begin = time.perf_counter()
        functie()
        snelheden.append(aantal / (time.perf_counter() - begin))
    return max(snelheden), statistics.median(snelheden)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=20_000, help="households per run")
    parser.add_argument("--repeat", type=int, default=5, help="runs; the best is reported")
    args = parser.parse_args(argv)

    invoer = huishoudens(args.n)
    uitkomsten = bereken_batch(invoer)  # warm-up: loads the rules, fills the per-peildatum caches
    berekend = sum(isinstance(u, Berekening) for u in uitkomsten)
    met_recht = sum(isinstance(u, Berekening) and u.recht for u in uitkomsten)
    beste, mediaan = _meet(lambda: bereken_batch(invoer), args.repeat, args.n)
    sys.stdout.write(
        json.dumps({"name": "domain_engine_households_per_s", "value": round(beste), "unit": "households/s"}) + "\n"
    )
    sys.stderr.write(
        f"engine: best {beste:,.0f}/s, median {mediaan:,.0f}/s over {args.repeat} runs of {args.n:,} "
        f"({berekend:,} decided, {met_recht:,} with a right)\n"
    )

    verzoeken = [
        BerekeningVerzoek.model_validate(
            {
                "gemeente": h.gemeente,
                "peildatum": h.peildatum,
                "aanvrager": {"geboortedatum": h.aanvrager.geboortedatum},
                "partner": {"geboortedatum": h.partner.geboortedatum} if h.partner else None,
                "kinderen": [{"geboortedatum": k} for k in h.kinderen],
                "vermogen": {"bezittingen": _euro(h.vermogen.bezittingen), "schulden": _euro(h.vermogen.schulden)}
                if h.vermogen
                else None,
                "inkomsten": [
                    {
                        "persoon": i.persoon.value,
                        "soort": i.soort.value,
                        "nettoPerMaand": _euro(i.netto_per_maand),
                        "vrijlatingStartdatum": i.vrijlating_startdatum,
                    }
                    for i in h.inkomsten
                ],
            }
        )
        for h in invoer[: max(1, args.n // 10)]
        if not h.medebewoners  # kept simple: the contract path is measured for reference only
    ]

    def via_contracten() -> None:
        for v in verzoeken:
            bereken(v).model_dump(mode="json", by_alias=True)

    beste_c, _ = _meet(via_contracten, args.repeat, len(verzoeken))
    sys.stdout.write(
        json.dumps(
            {"name": "domain_engine_households_per_s_via_contracts", "value": round(beste_c), "unit": "households/s"}
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: household calculations per second, in process, on one core.

Builds a deterministic caseload-like mix of households (singles, single parents with kinderbijslag and work
income under the n/r vrijlating, couples, kostendelers, some without a right), spread over the peildata of
2025 and 2026, then times :func:`gbi_domain.engine.bereken_batch` and prints one JSON line::

    {"name": "domain_engine_households_per_s", "value": N, "unit": "households/s"}

The value is the best of ``--repeat`` runs, timed in CPU seconds of this process (``time.process_time``): all
work runs on this one thread, so that is the time on one core, and the wall clock of a shared machine would count
other processes' work as ours. On an idle machine the two agree. A second line measures one household at a time
through the HTTP contracts (pydantic in and out, the path of ``POST /api/v1/berekeningen``), for reference. A
third line measures the batch endpoint itself in process::

    {"name": "domain_batch_endpoint_households_per_s", "value": N, "unit": "households/s"}

``POST /api/v1/berekeningen:batch`` with ``--batch`` households (the endpoint's maximum, 10,000) in one JSON body,
sent straight into the domain service's ASGI app on this thread: request middleware, signed context, JSON parse,
validation, calculation and the JSON answer, everything but sockets and the gateway (``make bench`` measures that
path separately as ``batch_endpoint_households_per_s``).

Run: ``uv run python services/domain/bench/bench_engine.py [--n 20000] [--repeat 5] [--batch 10000]``
"""

from __future__ import annotations

import argparse
import asyncio
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
from gbi_domain.settings import DomainSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, RequestContext
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


def _json(h: Huishouden) -> dict[str, object]:
    """A household as the batch endpoint takes it (the contract's JSON)."""
    d: dict[str, object] = {
        "gemeente": h.gemeente,
        "peildatum": h.peildatum.isoformat(),
        "aanvrager": {
            "geboortedatum": h.aanvrager.geboortedatum.isoformat(),
            "medischUrenbeperkt": h.aanvrager.medisch_urenbeperkt,
        },
        "kinderen": [{"geboortedatum": k.isoformat()} for k in h.kinderen],
        "medebewoners": [
            {
                "geboortedatum": m.geboortedatum.isoformat(),
                "relatie": m.relatie.value,
                "commercieleHuurovereenkomst": m.commerciele_huurovereenkomst,
            }
            for m in h.medebewoners
        ],
        "inkomsten": [
            {
                "persoon": i.persoon.value,
                "soort": i.soort.value,
                "nettoPerMaand": _euro(i.netto_per_maand),
                "vrijlatingStartdatum": i.vrijlating_startdatum and i.vrijlating_startdatum.isoformat(),
            }
            for i in h.inkomsten
        ],
    }
    if h.partner is not None:
        d["partner"] = {"geboortedatum": h.partner.geboortedatum.isoformat()}
    if h.vermogen is not None:
        d["vermogen"] = {"bezittingen": _euro(h.vermogen.bezittingen), "schulden": _euro(h.vermogen.schulden)}
    return d


def bench_batch_endpoint(invoer: list[Huishouden], herhaal: int) -> tuple[float, float, int]:
    """Households per second of ``POST /api/v1/berekeningen:batch`` in process: (best, median, failures)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from pydantic import SecretStr

    from gbi_domain.app import create_app

    sleutel = ec.generate_private_key(ec.SECP256R1())
    prive = sleutel.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    publiek = (
        sleutel.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings = DomainSettings(
        environment="test",
        context_public_key=SecretStr(publiek),
        context_issuer="gbi-gateway",
        context_audience="gbi-services",
        log_json=False,
        log_level="WARNING",
        max_batch=max(10_000, len(invoer)),
    )
    app = create_app(settings)
    ctx = RequestContext(actor_id="bench", actor_type=ActorType.SYSTEEM, roles=frozenset(), gemeente="0599")
    body = json.dumps({"huishoudens": [_json(h) for h in invoer]}).encode()
    signer = ContextSigner(prive, issuer="gbi-gateway", audience="gbi-services")
    headers = [
        (CONTEXT_HEADER.lower().encode(), signer.sign(ctx).encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"host", b"domain"),
    ]

    async def post() -> tuple[int, bytes]:
        berichten = [{"type": "http.request", "body": body, "more_body": False}]
        uit: list[dict[str, object]] = []

        async def receive() -> dict[str, object]:
            return berichten.pop(0) if berichten else {"type": "http.disconnect"}

        async def send(bericht: dict[str, object]) -> None:
            uit.append(bericht)

        pad = "/api/v1/berekeningen:batch"
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": pad, "raw_path": pad.encode(), "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 1), "server": ("domain", 80), "state": {},
        }  # fmt: skip
        await app(scope, receive, send)  # type: ignore[arg-type]
        status = uit[0]["status"]
        assert isinstance(status, int)
        return status, b"".join(bytes(m.get("body", b"")) for m in uit[1:])  # type: ignore[arg-type]

    async def meet() -> tuple[float, float, int]:
        import fastapi.routing
        import starlette.concurrency

        import gbi_domain.api

        # One core: the endpoint runs on this thread, not in the thread pool (the work is the same, minus a hop).
        async def op_deze_draad(func: object, *args: object, **kwargs: object) -> object:
            assert callable(func)
            return func(*args, **kwargs)

        fastapi.routing.run_in_threadpool = op_deze_draad  # type: ignore[assignment]
        starlette.concurrency.run_in_threadpool = op_deze_draad  # type: ignore[assignment]
        gbi_domain.api.run_in_threadpool = op_deze_draad  # type: ignore[assignment]
        async with app.router.lifespan_context(app):
            status, antwoord = await post()  # warm-up
            if status != 200:
                raise RuntimeError(f"batch answered {status}: {antwoord[:300]!r}")
            fouten = json.loads(antwoord)["aantalFouten"]
            snelheden = []
            for _ in range(herhaal):
                gc.collect()
                begin = time.process_time()
                status, _ = await post()
                snelheden.append(len(invoer) / (time.process_time() - begin))
                assert status == 200
            return max(snelheden), statistics.median(snelheden), int(fouten)

    return asyncio.run(meet())


def _meet(functie: object, herhaal: int, aantal: int) -> tuple[float, float]:
    assert callable(functie)
    snelheden = []
    for _ in range(herhaal):
        gc.collect()  # every run starts from the same heap
        begin = time.process_time()
        functie()
        snelheden.append(aantal / (time.process_time() - begin))
    return max(snelheden), statistics.median(snelheden)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=20_000, help="households per run")
    parser.add_argument("--repeat", type=int, default=5, help="runs; the best is reported")
    parser.add_argument("--batch", type=int, default=10_000, help="households per batch request (endpoint bench)")
    args = parser.parse_args(argv)

    invoer = huishoudens(args.n)
    uitkomsten = bereken_batch(invoer)  # warm-up: loads the rules, fills the per-peildatum caches
    berekend = sum(isinstance(u, Berekening) for u in uitkomsten)
    met_recht = sum(isinstance(u, Berekening) and u.recht for u in uitkomsten)
    beste, mediaan = _meet(lambda: bereken_batch(invoer), args.repeat, args.n)
    sys.stdout.write(
        json.dumps(
            {
                "name": "domain_engine_households_per_s",
                "value": round(beste),
                "unit": "households/s",
                "note": f"bereken_batch over {args.n} households in process, CPU time of one core (the engine alone: "
                "engine values in and out, no JSON, no validation)",
            }
        )
        + "\n"
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
            {
                "name": "domain_engine_households_per_s_via_contracts",
                "value": round(beste_c),
                "unit": "households/s",
                "note": "one household at a time through the pydantic contracts (the path of POST "
                "/api/v1/berekeningen, without HTTP), CPU time of one core",
            }
        )
        + "\n"
    )

    beste_e, mediaan_e, fouten = bench_batch_endpoint(invoer[: args.batch], args.repeat)
    sys.stdout.write(
        json.dumps(
            {
                "name": "domain_batch_endpoint_households_per_s",
                "value": round(beste_e),
                "unit": "households/s",
                "note": f"POST /api/v1/berekeningen:batch, {min(args.batch, args.n)} households per call, in process "
                "on one core (ASGI app called directly: JSON in, validate, calculate, JSON out; no sockets)",
            }
        )
        + "\n"
    )
    sys.stderr.write(
        f"batch endpoint in process: best {beste_e:,.0f}/s, median {mediaan_e:,.0f}/s over {args.repeat} calls of "
        f"{min(args.batch, args.n):,} households ({fouten} answered with a problem)\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

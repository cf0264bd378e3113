"""Synthetic bijstand populations for tests, demos and benchmarks (never for production data).

    uv run python -m gbi_data.betaalrun.generator --clients 200000 [--gemeenten 12] [--seed 1] [--start 2026-01]

writes into the database of ``GBI_DATABASE_URL`` (migrated first: ``python -m gbi_data.migrate``), for each client:
an aanvraag (status besloten), a besluit (toekenning), an uitkering (actief) and its grondslag (the household the
payment run calculates on, with IBAN and name), plus for a few a paid voorschot or a maatregel, and a betaalrekening
per gemeente. PostgreSQL is written with ``COPY`` (run it as the owner/migration role: row-level security does not
allow ``COPY FROM`` for the application role); SQLite with Core ``executemany``.

Proportions follow the national picture (CBS, bijstand 2024: about 410,000 households; the 12 largest GBI gemeenten
together about 45%): alleenstaanden ~58%, alleenstaande ouders ~22%, couples without children ~8%, with children
~12%; ages 18-26 ~9%, 27-44 ~36%, 45-AOW ~55%; a kostendeler (co-resident 27+) in ~12% of households; counted
income (part-time work, another benefit, alimony) for ~18%; assets below the limit. About 2% have an unsettled
voorschot and 2% a maatregel (5%, 30% or 100%, 1-3 months from the start month). The same ``--seed`` gives the
same population, ids included, so a test or benchmark can be repeated exactly. Every client has a BSN of its own that
passes the elfproef (``bsns``: unique within any population up to 8 million); populations of different seeds can be
added to one database (their BSNs differ for seeds that differ modulo 16, up to about 511,000 clients each). Every
row carries its gemeente (tenant-correct).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import json
import queue
import random
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import orjson
from sqlalchemy import Engine, create_engine, text

from gbi_data.audit import Pseudonymiser
from gbi_data.database import normalise_url
from gbi_data.seed import GEMEENTEN
from gbi_data.settings import DataSettings

__all__ = ["Populatie", "bsns", "elfproef", "genereer", "main", "rijen"]

# Relative size of each gemeente's bijstand population (CBS 2024, rounded), in the order of the seed.
GEWICHTEN = {
    "0363": 40,
    "0599": 37,
    "0518": 25,
    "0344": 10,
    "0014": 8,
    "0772": 6,
    "0855": 5.5,
    "0268": 5.5,
    "0153": 5.5,
    "0796": 3.3,
    "0193": 2.8,
    "0114": 2.5,
    "0995": 2.5,
}
GENERATOR = "generator"
_T = TypeVar("_T")
_NAMEN = ("de Vries", "Jansen", "de Jong", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters")
_VOORLETTERS = "ABCDEFGHIJKLMNPRSTW"
_BANKEN = ("ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ")


def _mod97(digits: str) -> int:
    return int(digits) % 97


@functools.cache
def _numeriek(letters: str) -> str:
    """ISO 13616's letters-to-digits (A=10 ... Z=35)."""
    return "".join(str(int(c, 36)) for c in letters)


_NL00 = _numeriek("NL") + "00"


def iban_nl(bank: str, rekening: int) -> str:
    """A Dutch IBAN with valid check digits (ISO 13616, mod 97) for ``bank`` and a 10-digit account number."""
    return f"NL{98 - _mod97(f'{_numeriek(bank)}{rekening:010d}{_NL00}'):02d}{bank}{rekening:010d}"


# BSNs of generated clients: 9 digits, the first 8 a prefix from 90000000-98999999 (never the 9999xxxxx persons of
# the simulator's sources), the last the elfproef check digit. The prefix range is cut into 16 slots of 562,500
# prefixes; a population takes consecutive prefixes from the slot of its seed (seed mod 16) and skips the prefixes
# whose check digit would be 10 (about 1 in 11), which leaves about 511,000 BSNs per slot.
BSN_VAN = 90_000_000
BSN_TOT = 99_000_000
BSN_SLOTS = 16
BSN_SLOT = (BSN_TOT - BSN_VAN) // BSN_SLOTS


def elfproef(nummer: str) -> bool:
    """The BSN elfproef: 9 digits d1..d9 with 9*d1 + 8*d2 + ... + 2*d8 - d9 divisible by 11."""
    if len(nummer) != 9 or not nummer.isdigit():
        return False
    s = sum(int(d) * w for d, w in zip(nummer, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return s % 11 == 0


def bsns(seed: int) -> Iterator[str]:
    """The distinct BSNs of a population of ``seed``, in order (deterministic). Every BSN passes the elfproef and
    none repeats within a population of up to 8 million; populations whose seeds differ modulo 16 get disjoint
    BSNs up to about 511,000 clients each (past its slot a population runs on into the next one)."""
    prefix = BSN_VAN + (seed % BSN_SLOTS) * BSN_SLOT
    gewogen = _gewogen(prefix)
    for _ in range(BSN_TOT - BSN_VAN):
        check = gewogen % 11
        if check < 10:
            yield f"{prefix:08d}{check}"
        prefix += 1
        if prefix == BSN_TOT:
            prefix = BSN_VAN
        # The last prefix digit weighs 2: one up adds 2, unless the digits carried over.
        gewogen = gewogen + 2 if prefix % 10 else _gewogen(prefix)


def _gewogen(prefix: int) -> int:
    return sum(int(d) * w for d, w in zip(f"{prefix:08d}", range(9, 1, -1), strict=True))


@dataclass(frozen=True, slots=True)
class Populatie:
    clients: int
    gemeenten: tuple[str, ...]
    seed: int
    start: date  # the first month uitkeringen may run (most started earlier)


class _Toeval(random.Random):
    """The generator's random source: ``randint``/``randrange``/``choice`` from one ``random()`` draw each, several
    times faster than the stdlib's exact versions (their bias, below 2**-40 for these ranges, is irrelevant for a
    synthetic population). Still fully determined by the seed."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        return start + step * int(self.random() * ((stop - start + step - 1) // step))

    def choice(self, seq: Sequence[_T]) -> _T:  # type: ignore[override]
        return seq[int(self.random() * len(seq))]


def _datum(rnd: random.Random, van: date, tot: date) -> date:
    return van + timedelta(days=rnd.randrange((tot - van).days + 1))


def _geboren(rnd: random.Random, peil: date, leeftijd: int) -> date:
    """A birth date on which one is exactly ``leeftijd`` years old on ``peil`` (and stays so for a few months)."""
    jaren_terug = date(peil.year - leeftijd, peil.month, min(peil.day, 28))
    return jaren_terug - timedelta(days=rnd.randint(0, 300))


def _huishouden(rnd: random.Random, peil: date) -> tuple[dict[str, Any], str]:
    """A household (BerekeningVerzoek shape without gemeente/peildatum) and its type label."""
    r = rnd.random()
    soort = "alleenstaande" if r < 0.58 else "alleenstaande-ouder" if r < 0.80 else "paar" if r < 0.88 else "gezin"
    a = rnd.random()
    leeftijd = rnd.randint(18, 26) if a < 0.09 else rnd.randint(27, 44) if a < 0.45 else rnd.randint(45, 66)
    if soort == "alleenstaande-ouder":
        leeftijd = max(leeftijd, 21)
    geboren = _geboren(rnd, peil, leeftijd)
    h: dict[str, Any] = {"aanvrager": {"geboortedatum": geboren.isoformat()}}
    if soort in ("paar", "gezin"):
        pl = max(21, min(66, leeftijd + rnd.randint(-6, 6)))
        h["partner"] = {"geboortedatum": _geboren(rnd, peil, pl).isoformat()}
    if soort in ("alleenstaande-ouder", "gezin"):
        jongste = max(peil.year - 17, geboren.year + 19)
        h["kinderen"] = (
            []
            if jongste > peil.year - 1
            else [
                {"geboortedatum": date(rnd.randint(jongste, peil.year - 1), rnd.randint(1, 12), 1).isoformat()}
                for _ in range(rnd.choice((1, 1, 2, 2, 3)))
            ]
        )
    if rnd.random() < 0.12 and leeftijd >= 21:
        relatie = rnd.choice(("ouder", "kind", "broer-zus", "overig"))
        kd = date(peil.year - rnd.randint(27, 80), rnd.randint(1, 12), 1)
        h["medebewoners"] = [{"geboortedatum": kd.isoformat(), "relatie": relatie}]
    i = rnd.random()
    if i < 0.12:
        h["inkomsten"] = [
            {
                "persoon": "aanvrager",
                "soort": "arbeid",
                "nettoPerMaand": f"{rnd.randint(100, 900)}.{rnd.randint(0, 99):02d}",
                "vrijlatingStartdatum": _datum(rnd, date(2025, 1, 1), peil).isoformat(),
            }
        ]
    elif i < 0.16:
        h["inkomsten"] = [{"persoon": "aanvrager", "soort": "uitkering", "nettoPerMaand": f"{rnd.randint(50, 600)}.00"}]
    elif i < 0.18:
        h["inkomsten"] = [
            {"persoon": "aanvrager", "soort": "alimentatie", "nettoPerMaand": f"{rnd.randint(50, 400)}.00"}
        ]
    grens = 800_000 if soort == "alleenstaande" else 1_600_000
    h["vermogen"] = {
        "bezittingen": f"{rnd.randrange(0, grens // 100)}.{rnd.randint(0, 99):02d}",
        "schulden": f"{rnd.randrange(0, 5000)}.00",
    }
    return h, soort


def rijen(p: Populatie) -> Iterator[dict[str, Any]]:
    """The clients of the population, one dict per client with every row to write (deterministic per seed)."""
    rnd = _Toeval(p.seed)
    gewichten = [GEWICHTEN.get(g, 3.0) for g in p.gemeenten]
    totaal = sum(gewichten)
    # Exact counts per gemeente (largest remainder), so --clients is met exactly.
    quota = [p.clients * w / totaal for w in gewichten]
    counts = [int(q) for q in quota]
    for i in sorted(range(len(quota)), key=lambda i: quota[i] - counts[i], reverse=True)[: p.clients - sum(counts)]:
        counts[i] += 1
    nummer = 0
    nummers = bsns(p.seed)
    for gemeente, aantal in zip(p.gemeenten, counts, strict=True):
        for _ in range(aantal):
            nummer += 1
            uid = uuid.UUID(int=rnd.getrandbits(128), version=4)
            aid = uuid.UUID(int=rnd.getrandbits(128), version=4)
            bid = uuid.UUID(int=rnd.getrandbits(128), version=4)
            huishouden, soort = _huishouden(rnd, p.start)
            # Most started long ago; some this year, a few in the start month itself (part of a month).
            s = rnd.random()
            if s < 0.03:
                startdatum = p.start.replace(day=rnd.randint(2, 28))
            else:
                startdatum = _datum(rnd, date(2019, 1, 1), p.start - timedelta(days=1)).replace(day=1)
            naam = f"{rnd.choice(_VOORLETTERS)}. {rnd.choice(_NAMEN)}"
            client: dict[str, Any] = {
                "gemeente": gemeente,
                "nummer": nummer,
                "seed": p.seed,
                "bsn": next(nummers),
                "aanvraag_id": aid,
                "besluit_id": bid,
                "uitkering_id": uid,
                "startdatum": startdatum,
                "huishouden": huishouden,
                "soort": soort,
                "iban": iban_nl(rnd.choice(_BANKEN), rnd.randrange(10**9, 10**10)),
                "naam": naam,
                "voorschot": None,
                "maatregel": None,
            }
            v = rnd.random()
            if v < 0.02:
                client["voorschot"] = rnd.randint(50_000, 120_000)
            elif v < 0.04:
                duur = rnd.choice((1, 2, 3))
                van = p.start
                tot_index = van.year * 12 + van.month - 1 + duur - 1
                client["maatregel"] = (
                    rnd.choice((500, 3000, 10000)),
                    van,
                    date(tot_index // 12, tot_index % 12 + 1, 1),
                )
            yield client


def _gemeenten(n: int) -> tuple[str, ...]:
    codes = sorted((code for code, _ in GEMEENTEN), key=lambda c: -GEWICHTEN.get(c, 0))
    return tuple(codes[:n])


_TABLES = {
    "aanvragen": (
        "id, gemeente, bsn, data_subject_id, meldingsdatum, aanvraagdatum, kanaal, gegevens, status, version, "
        "idempotency_key, request_hash, created_by, created_at, updated_at"
    ),
    "besluiten": (
        "id, gemeente, aanvraag_id, soort, datum, ingangsdatum, bedrag_per_maand_cents, gronden, "
        "beschikking_document_id, vastgesteld_door, goedgekeurd_door, request_hash, created_at"
    ),
    "uitkeringen": "id, gemeente, aanvraag_id, startdatum, bedrag_per_maand_cents, status, request_hash, created_at",
    "uitkering_grondslagen": "uitkering_id, gemeente, huishouden, iban, naam, updated_at",
    "voorschotten": (
        "id, gemeente, aanvraag_id, volgnummer, bedrag_cents, periode, betaaldatum, request_hash, created_at"
    ),
    "maatregelen": "id, gemeente, uitkering_id, percentage_bp, van, tot, reden, created_by, created_at",
}


def _rows(client: dict[str, Any], pseudo: Pseudonymiser, now: datetime) -> dict[str, list[tuple[Any, ...]]]:
    g, aid, uid = client["gemeente"], client["aanvraag_id"], client["uitkering_id"]
    start: date = client["startdatum"]
    melding = start - timedelta(days=21)
    digest = hashlib.sha256(aid.bytes).hexdigest()
    gegevens = orjson.dumps({"iban": client["iban"], "naam": client["naam"], "bron": GENERATOR}).decode()
    out: dict[str, list[tuple[Any, ...]]] = {
        "aanvragen": [
            (
                aid,
                g,
                client["bsn"],
                pseudo.pseudonym(client["bsn"]),
                melding,
                melding + timedelta(days=3),
                "digitaal",
                gegevens,
                "besloten",
                1,
                f"gen-{client['seed']}-{client['nummer']}",
                digest,
                GENERATOR,
                now,
                now,
            )
        ],
        "besluiten": [
            (
                client["besluit_id"],
                g,
                aid,
                "toekenning",
                start,
                start,
                0,
                orjson.dumps({"bron": GENERATOR, "huishoudtype": client["soort"]}).decode(),
                None,
                GENERATOR,
                None,
                digest,
                now,
            )
        ],
        "uitkeringen": [(uid, g, aid, start, 0, "actief", digest, now)],
        "uitkering_grondslagen": [
            (uid, g, orjson.dumps(client["huishouden"]).decode(), client["iban"], client["naam"], now)
        ],
        "voorschotten": [],
        "maatregelen": [],
    }
    if client["voorschot"]:
        periode = start.strftime("%Y-%m")
        out["voorschotten"].append(
            (
                uuid.UUID(bytes=hashlib.sha256(b"voorschot" + aid.bytes).digest()[:16], version=4),
                g,
                aid,
                1,
                client["voorschot"],
                periode,
                start,
                digest,
                now,
            )
        )
    if client["maatregel"]:
        bp, van, tot = client["maatregel"]
        out["maatregelen"].append(
            (
                uuid.UUID(bytes=hashlib.sha256(b"maatregel" + uid.bytes).digest()[:16], version=4),
                g,
                uid,
                bp,
                van,
                tot,
                "Afstemmingsverordening: verwijtbaar gedrag (gegenereerd)",
                GENERATOR,
                now,
            )
        )
    return out


def _rekeningen(engine: Engine, gemeenten: tuple[str, ...]) -> None:
    namen = dict(GEMEENTEN)
    with engine.begin() as c:
        for i, g in enumerate(gemeenten):
            c.execute(text("DELETE FROM betaalrekeningen WHERE gemeente = :g"), {"g": g})
            c.execute(
                text(
                    "INSERT INTO betaalrekeningen (gemeente, iban, bic, naam, toelichting) "
                    "VALUES (:g, :iban, 'BNGHNL2G', :naam, :t)"
                ),
                {
                    "g": g,
                    "iban": iban_nl("BNGH", 285_000_000 + int(g) * 10 + i % 10),
                    "naam": f"Gemeente {namen.get(g, g)}",
                    "t": "Fictieve rekening van de generator (BNG Bank); de echte rekening legt de gemeente vast",
                },
            )


def genereer(settings: DataSettings, p: Populatie, *, batch: int = 20_000) -> dict[str, int]:
    """Write population ``p`` into the database of ``settings``. Returns rows written per table.

    Batches are written by a thread of their own while the next batch is made, so the database's work of one batch
    overlaps the generation of the next (a failed write stops the generation and is raised here)."""
    url = normalise_url(settings.database_url)
    engine = create_engine(url)
    pseudo = Pseudonymiser(settings.audit_pseudonym_key.get_secret_value())
    now = datetime.now(UTC)
    _rekeningen(engine, p.gemeenten)
    totals = dict.fromkeys(_TABLES, 0)
    pg = engine.dialect.name == "postgresql"
    batches: queue.Queue[dict[str, list[tuple[Any, ...]]] | None] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def write(buffer: dict[str, list[tuple[Any, ...]]]) -> None:
        with engine.begin() as c:
            if pg:
                raw = c.connection.driver_connection
                assert raw is not None
                with raw.cursor() as cur:
                    for table, columns in _TABLES.items():
                        if not buffer[table]:
                            continue
                        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                            for row in buffer[table]:
                                copy.write_row(row)
            else:
                for table, columns in _TABLES.items():
                    if not buffer[table]:
                        continue
                    names = [n.strip() for n in columns.split(",")]
                    sql = text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + n for n in names)})")  # noqa: S608
                    c.execute(sql, [dict(zip(names, _sqlite(row), strict=True)) for row in buffer[table]])
        for table in _TABLES:
            totals[table] += len(buffer[table])

    def writer() -> None:
        while (buffer := batches.get()) is not None:
            if failed:
                continue  # drain: the generator stops at its next put
            try:
                write(buffer)
            except BaseException as exc:  # handed to the generating thread, raised there
                failed.append(exc)

    thread = threading.Thread(target=writer, name="generator-writer", daemon=True)
    thread.start()
    buffer: dict[str, list[tuple[Any, ...]]] = {t: [] for t in _TABLES}
    try:
        for n, client in enumerate(rijen(p), start=1):
            for table, rows in _rows(client, pseudo, now).items():
                buffer[table].extend(rows)
            if n % batch == 0:
                if failed:
                    break
                batches.put(buffer)
                buffer = {t: [] for t in _TABLES}
        else:
            batches.put(buffer)
    finally:
        batches.put(None)
        thread.join()
    if failed:
        engine.dispose()
        raise failed[0]
    if pg:  # fresh statistics, as a database that grew over years has them
        with engine.connect() as c:
            c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE aanvragen, besluiten, uitkeringen, uitkering_grondslagen, voorschotten, maatregelen"
            )
    engine.dispose()
    return totals


def _sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        v.hex if isinstance(v, uuid.UUID) else v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in row
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, required=True, help="number of uitkeringen (clients) to create")
    parser.add_argument("--gemeenten", type=int, default=12, help="spread over the N largest GBI gemeenten (1-13)")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same population")
    parser.add_argument("--start", default="2026-01", help="first month the population is paid (JJJJ-MM)")
    args = parser.parse_args(argv)
    if not 1 <= args.gemeenten <= len(GEMEENTEN) or args.clients < 1:
        parser.error(f"--gemeenten 1-{len(GEMEENTEN)}, --clients >= 1")
    p = Populatie(args.clients, _gemeenten(args.gemeenten), args.seed, date.fromisoformat(args.start + "-01"))
    t0 = time.perf_counter()
    totals = genereer(DataSettings(), p)
    out = io.StringIO()
    json.dump(
        {
            "populatie": args.clients,
            "gemeenten": list(p.gemeenten),
            "rijen": totals,
            "seconden": round(time.perf_counter() - t0, 2),
        },
        out,
    )
    sys.stdout.write(out.getvalue() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

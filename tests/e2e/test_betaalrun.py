"""The payment run end to end on PostgreSQL with the real processes (its own suite and database, because one test
kills the process layer with SIGKILL half-way through a run).

A generated population (``python -m gbi_data.betaalrun.generator``) is paid for May, June (the vakantietoeslag payout
month) and July 2026 (a norm change month). Proven here:

- every active uitkering is paid exactly once per month; a second run (new key) pays nothing; the same key gives the
  same run;
- a run killed half-way (kill -9 of the process layer) and resumed by a new process finishes the rest, no payment
  twice, progress ends at done == total;
- each gemeente's SEPA file is valid pain.001.001.03 (the XSD in ../shared/specs/sepa), its NbOfTxs and CtrlSum are
  the stored payments, and its journal balances and credits the bank with the CtrlSum;
- spot-check: payments equal the domain layer's single-household answer (``POST /api/v1/berekeningen``) for every
  household type, in the July norm change month, in June with the vakantietoeslag reserved in May paid out, with a
  voorschot deducted and with a maatregel;
- roles: a beheerder starts and follows the run of their own gemeente only; a klantmanager may not; a citizen reads
  their own uitkeringsspecificatie.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from lxml import etree

from gbi_data.betaalrun.generator import Populatie, rijen
from gbi_runner import Suite, SuiteConfig
from gbi_shared.context import ActorType, ContextSigner, RequestContext
from gbi_testing import free_base_port, fresh_database

pytestmark = pytest.mark.skipif(
    not os.environ.get("GBI_TEST_DATABASE_URL"), reason="the payment run end to end needs PostgreSQL"
)

ROOT = Path(__file__).resolve().parents[2]
XSD = ROOT.parent / "shared" / "specs" / "sepa" / "pain.001.001.03.xsd"
ARTIFACTS = ROOT / "test-artifacts" / "e2e-betaalrun-logs"
N = 240
SEED = 3
START = "2026-05"
AMS, RDAM = "0363", "0599"


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with fresh_database("gbi_e2e_betaalrun") as url:
        assert url is not None  # the module is skipped without GBI_TEST_DATABASE_URL
        yield url


@pytest.fixture(scope="module")
def suite(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    var = tmp_path_factory.mktemp("gbi-betaalrun")
    config = SuiteConfig(
        var_dir=var, base_port=free_base_port(), database_url=database, log_dir=ARTIFACTS, ready_timeout_s=240
    )
    s = Suite(config)
    with s.running():
        yield s


def _generate(database: str, clients: int, seed: int, gemeenten: int) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GBI_")}
    env.update({"GBI_DATABASE_URL": database, "GBI_AUDIT_PSEUDONYM_KEY": "e2e-pseudonym-key-0123456789abcdef"})
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "gbi_data.betaalrun.generator",
            "--clients",
            str(clients),
            "--seed",
            str(seed),
            "--gemeenten",
            str(gemeenten),
            "--start",
            START,
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return list(json.loads(out.strip().splitlines()[-1])["gemeenten"])


@pytest.fixture(scope="module")
def populatie(suite: Suite, database: str) -> Populatie:
    gemeenten = _generate(database, N, SEED, 2)
    assert gemeenten == [AMS, RDAM]
    return Populatie(N, (AMS, RDAM), SEED, date.fromisoformat(START + "-01"))


class Api:
    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self.base = suite.config.url("gateway")
        key = (suite.config.var_dir / "keys" / "context-private.pem").read_text()
        self.signer = ContextSigner(key, issuer="gbi-gateway", audience="gbi-services", ttl_s=3600)

    def token(self, **params: str) -> str:
        form = urllib.parse.urlencode(params).encode()
        req = urllib.request.Request(self.suite.config.url("simulator") + "/idp/token", data=form, method="POST")
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return str(json.loads(resp.read())["access_token"])

    def service_token(self) -> str:
        return self.token(
            grant_type="client_credentials",
            client_id="gbi-interaction",
            client_secret=self.suite.client_secrets["gbi-interaction"],
        )

    def staff(self, gemeente: str, role: str) -> str:
        return self.token(grant_type="urn:gbi:dev", actor_type="medewerker", gemeente=gemeente, roles=role, name="T")

    def call(
        self, method: str, path: str, token: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def start(self, maand: str, key: str, gemeenten: list[str] | None = None) -> dict[str, Any]:
        status, run = self.call(
            "POST",
            "/internal/process/v1/betaalruns",
            self.service_token(),
            {"maand": maand, "gemeenten": gemeenten or [AMS, RDAM]},
            {"Idempotency-Key": key},
        )
        assert status in (200, 202), run
        return dict(run)

    def wait(self, run_id: str, timeout_s: float = 300) -> dict[str, Any]:
        token = self.service_token()
        deadline = time.monotonic() + timeout_s
        while True:
            status, run = self.call("GET", f"/api/v1/betaalruns/{run_id}", token)
            if status in (503, 504):  # a layer busy with the run itself: look again
                time.sleep(0.5)
                continue
            assert status == 200, run
            if run["status"] != "lopend":
                return dict(run)
            assert time.monotonic() < deadline, f"run not done: {run}"
            time.sleep(0.3)


@pytest.fixture(scope="module")
def api(suite: Suite) -> Api:
    return Api(suite)


def _sql(database: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(_dsn(database)) as conn:
        return list(conn.execute(sql, params).fetchall())


@pytest.fixture(scope="module")
def maanden(api: Api, populatie: Populatie, database: str) -> dict[str, dict[str, Any]]:
    """Pay May, June and July 2026 in order (each run over both gemeenten)."""
    runs = {}
    for maand in ("2026-05", "2026-06", "2026-07"):
        run = api.wait(api.start(maand, f"e2e-{maand}")["id"])
        assert run["status"] == "gereed", run
        runs[maand] = run
    return runs


def test_every_active_uitkering_is_paid_once_per_month(
    api: Api, maanden: dict[str, dict[str, Any]], database: str
) -> None:
    for maand, run in maanden.items():
        first = date.fromisoformat(maand + "-01")
        [(betaald,)] = _sql(database, "SELECT count(*) FROM betalingen WHERE maand = %s", first)
        assert run["gedaan"] == run["totaal"] == betaald == N
    # the same key: the same run, nothing new
    again = api.start("2026-07", "e2e-2026-07")
    assert again["id"] == maanden["2026-07"]["id"]
    # a new key for a paid month: a run that pays nothing
    second = api.wait(api.start("2026-07", "e2e-2026-07-nogmaals")["id"])
    assert second["status"] == "gereed"
    assert second["gedaan"] == second["totaal"] == N
    assert all(d["aantalOverboekingen"] == 0 for d in second["gemeenten"])
    [(betaald,)] = _sql(database, "SELECT count(*) FROM betalingen WHERE maand = %s", date(2026, 7, 1))
    assert betaald == N
    [(dubbel,)] = _sql(
        database,
        "SELECT count(*) FROM (SELECT uitkering_id, maand FROM betalingen GROUP BY 1, 2 HAVING count(*) > 1) d",
    )
    assert dubbel == 0


def test_sepa_files_validate_and_reconcile_with_the_journal(maanden: dict[str, dict[str, Any]], database: str) -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    for run in maanden.values():
        for deel in run["gemeenten"]:
            rows = _sql(
                database,
                "SELECT soort, inhoud_gzip FROM betaalbestanden WHERE betaalrun_id = %s AND gemeente = %s",
                uuid.UUID(run["id"]),
                deel["gemeente"],
            )
            files = {soort: gzip.decompress(inhoud) for soort, inhoud in rows}
            doc = etree.fromstring(files["pain.001"])
            schema.assertValid(doc)
            [(aantal, totaal)] = _sql(
                database,
                "SELECT count(*), coalesce(sum(bedrag_cents), 0) FROM betalingen WHERE betaalrun_id = %s "
                "AND gemeente = %s AND bedrag_cents > 0",
                uuid.UUID(run["id"]),
                deel["gemeente"],
            )
            som = int(totaal)
            assert int(doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns)) == aantal
            ctrl = doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns)
            assert ctrl == f"{som // 100}.{som % 100:02d}"
            assert deel["aantalOverboekingen"] == aantal
            journaal = json.loads(files["journaal"])
            debet = sum(r["debetCenten"] for r in journaal["regels"])
            credit = sum(r["creditCenten"] for r in journaal["regels"])
            assert debet == credit
            assert sum(r["creditCenten"] for r in journaal["regels"] if r["bank"]) == som
            assert journaal["totalen"]["bankCenten"] == som
            assert journaal["boekstuk"] == doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=ns)


def _berekening(api: Api, token: str, gemeente: str, maand: str, huishouden: dict[str, Any]) -> dict[str, Any]:
    status, antwoord = api.call(
        "POST", "/api/v1/berekeningen", token, {**huishouden, "gemeente": gemeente, "peildatum": maand + "-01"}
    )
    assert status == 200, antwoord
    return dict(antwoord)


def _cents(bedrag: str) -> int:
    euro, cent = bedrag.split(".")
    return int(euro) * 100 + int(cent)


def test_spot_check_against_the_domain_engine(
    api: Api, populatie: Populatie, maanden: dict[str, dict[str, Any]], database: str
) -> None:
    clients = [c for c in rijen(populatie) if c["startdatum"].day == 1]
    sample: dict[str, dict[str, Any]] = {}
    for c in clients:
        sample.setdefault(c["soort"], c)
        if c["voorschot"]:
            sample.setdefault("voorschot", c)
        if c["maatregel"]:
            sample.setdefault("maatregel", c)
        if c["huishouden"].get("medebewoners"):
            sample.setdefault("kostendeler", c)
        if c["huishouden"].get("inkomsten"):
            sample.setdefault("inkomen", c)
    assert {"alleenstaande", "alleenstaande-ouder", "paar", "gezin", "voorschot", "maatregel"} <= sample.keys()
    tokens = {g: api.staff(g, "inkomensconsulent") for g in (AMS, RDAM)}
    checked = 0
    for label, c in sample.items():
        gemeente = c["gemeente"]
        voorschot_open = c["voorschot"] or 0
        gereserveerd = 0
        for maand in ("2026-05", "2026-06", "2026-07"):
            enkel = _berekening(api, tokens[gemeente], gemeente, maand, c["huishouden"])
            maandbedrag = _cents(enkel["bedragPerMaand"])
            verlaging = 0
            if c["maatregel"]:
                bp, van, tot = c["maatregel"]
                if van <= date.fromisoformat(maand + "-01") <= tot:
                    verlaging = (maandbedrag * bp + 5000) // 10000
            vakantietoeslag = gereserveerd if maand == "2026-06" else 0  # the gemeenten pay out in June
            te_betalen = maandbedrag - verlaging + vakantietoeslag
            voorschot = min(voorschot_open, te_betalen)
            voorschot_open -= voorschot
            [(bedrag, norm, reservering, vt, vs, vl)] = _sql(
                database,
                "SELECT bedrag_cents, norm_cents, reservering_cents, vakantietoeslag_cents, "
                "voorschot_verrekend_cents, verlaging_cents FROM betalingen WHERE uitkering_id = %s AND maand = %s",
                c["uitkering_id"],
                date.fromisoformat(maand + "-01"),
            )
            assert (norm, reservering) == (_cents(enkel["norm"]), _cents(enkel["vakantietoeslagReservering"])), label
            assert (vl, vt, vs) == (verlaging, vakantietoeslag, voorschot), (label, maand)
            assert bedrag == te_betalen - voorschot, (label, maand)
            gereserveerd += reservering
            checked += 1
    assert checked >= 18
    # the July norm change shows in the alleenstaande's norm: M 1401.50 -> 1419.46 (if 21+ without kostendelers)
    a = sample["alleenstaande"]
    normen = _sql(
        database, "SELECT maand, norm_cents FROM betalingen WHERE uitkering_id = %s ORDER BY maand", a["uitkering_id"]
    )
    assert normen[1][1] != normen[2][1]


def test_roles_and_the_citizens_specification(
    api: Api, populatie: Populatie, maanden: dict[str, dict[str, Any]], suite: Suite
) -> None:
    beheerder = api.staff(AMS, "beheerder")
    key = {"Idempotency-Key": f"beheer-{uuid.uuid4().hex[:8]}"}
    status, run = api.call("POST", "/api/v1/betaalruns", beheerder, {"maand": "2026-07"}, key)
    assert status == 202, run
    assert [d["gemeente"] for d in run["gemeenten"]] == [AMS]
    status, again = api.call("POST", "/api/v1/betaalruns", beheerder, {"maand": "2026-07"}, key)
    assert (status, again["id"]) == (202, run["id"])
    done = api.wait(run["id"])
    assert done["status"] == "gereed"
    status, seen = api.call("GET", f"/api/v1/betaalruns/{run['id']}", beheerder)
    assert status == 200
    assert seen["gedaan"] == seen["totaal"]
    assert [d["gemeente"] for d in seen["gemeenten"]] == [AMS]
    # Rotterdam's beheerder does not see Amsterdam's run; a klantmanager may not start one; another gemeente: 403
    assert api.call("GET", f"/api/v1/betaalruns/{run['id']}", api.staff(RDAM, "beheerder"))[0] == 404
    km = api.staff(AMS, "klantmanager")
    assert api.call("POST", "/api/v1/betaalruns", km, {"maand": "2026-07"}, {"Idempotency-Key": "x1"})[0] == 403
    status, problem = api.call(
        "POST", "/api/v1/betaalruns", beheerder, {"maand": "2026-07", "gemeente": RDAM}, {"Idempotency-Key": "x2"}
    )
    assert status == 403
    status, problem = api.call("POST", "/api/v1/betaalruns", beheerder, {"maand": "2026-13"}, {"Idempotency-Key": "x3"})
    assert status == 400
    assert problem["invalidParams"][0]["name"] == "maand"

    client = next(c for c in rijen(populatie) if c["gemeente"] == RDAM)
    burger = {
        "GBI-Context": api.signer.sign(RequestContext("b", ActorType.BURGER, frozenset({"burger"}), bsn=client["bsn"]))
    }
    status, lijst = api.call("GET", "/api/v1/uitkeringsspecificaties", api.service_token(), headers=burger)
    assert status == 200, lijst
    assert [s["maand"] for s in lijst["specificaties"]] == ["2026-07", "2026-06", "2026-05"]
    juni = lijst["specificaties"][1]
    assert any(r["omschrijving"] == "Uitbetaling vakantietoeslag" for r in juni["regels"]) or client[
        "startdatum"
    ] > date(2026, 5, 1)


def test_a_run_killed_half_way_resumes_and_pays_each_once(api: Api, suite: Suite, database: str) -> None:
    # A bigger population in one gemeente, so the run takes several chunks.
    _generate(database, 16_000, 11, 1)
    [(totaal,)] = _sql(database, "SELECT count(*) FROM uitkeringen WHERE gemeente = %s", AMS)
    run = api.start("2026-08", "e2e-kill", [AMS])
    token = api.service_token()
    deadline = time.monotonic() + 300
    while True:
        status, voortgang = api.call("GET", f"/api/v1/betaalruns/{run['id']}", token)
        assert status == 200
        if 0 < voortgang["gedaan"] < voortgang["totaal"]:
            break
        assert voortgang["status"] == "lopend", "the run finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    suite.kill("process")  # SIGKILL: no shutdown, the lease is left behind
    [(na_kill,)] = _sql(database, "SELECT count(*) FROM betalingen WHERE maand = %s", date(2026, 8, 1))
    assert 0 < na_kill < totaal
    suite.restart("process")
    done = api.wait(run["id"], timeout_s=600)
    assert done["status"] == "gereed"
    assert done["gedaan"] == done["totaal"] == totaal
    [(betaald, verschillend)] = _sql(
        database,
        "SELECT count(*), count(DISTINCT uitkering_id) FROM betalingen WHERE maand = %s",
        date(2026, 8, 1),
    )
    assert betaald == verschillend == totaal


def _maandbedrag_alleenstaande(peildatum: date) -> int:
    """Norm M in force on ``peildatum`` minus the reserved 5% vakantietoeslag (round half up), in cents, from the
    law facts in ../shared/domain (not from our own engine)."""
    with (ROOT.parent / "shared" / "domain" / "normbedragen.csv").open(newline="", encoding="utf-8") as fh:
        rows = {r["key"]: r for r in csv.DictReader(fh)}
    kolommen = sorted(k for k in rows["M"] if k[:1].isdigit() and date.fromisoformat(k) <= peildatum)
    norm = Decimal(rows["M"][kolommen[-1]])
    return int((norm - (norm * Decimal("0.05")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) * 100)


def test_a_straight_through_toekenning_is_paid_by_the_next_monthly_run(
    api: Api, populatie: Populatie, database: str
) -> None:
    """The ALO registers the uitkering with its grondslag (the household of the besluit's calculation, the IBAN and
    name from the application), so the monthly run pays a client granted through the public API."""
    bsn = "999994116"  # Katinka Vogel, 0599 (Rotterdam): nothing in any source, decided straight through
    burger = api.token(grant_type="urn:gbi:dev", actor_type="burger", bsn=bsn)
    body = {
        "huishouden": {"kinderen": []},
        "woning": {"soort": "huurwoning", "woonkostenPerMaand": "650.00"},
        "inkomsten": [],
        "vermogen": {"bezittingen": "0.00", "schulden": "0.00"},
        "iban": "NL91 ABNA 0417 1643 00",
        "contact": {"email": "katinka@example.nl"},
        "naarWaarheidIngevuld": True,
    }
    status, ontvangen = api.call("POST", "/api/v1/aanvragen", burger, body, {"Idempotency-Key": uuid.uuid4().hex})
    assert status == 202, ontvangen
    aid = ontvangen["id"]
    deadline = time.monotonic() + 90
    while not (
        rows := _sql(
            database,
            "SELECT u.id, u.startdatum, b.bedrag_per_maand_cents, g.iban, g.naam FROM uitkeringen u "
            "JOIN besluiten b ON b.aanvraag_id = u.aanvraag_id "
            "LEFT JOIN uitkering_grondslagen g ON g.uitkering_id = u.id WHERE u.aanvraag_id = %s",
            uuid.UUID(aid),
        )
    ):
        assert time.monotonic() < deadline, api.call("GET", f"/api/v1/aanvragen/{aid}", burger)
        time.sleep(0.3)
    [(uitkering_id, startdatum, besluit_cents, iban, naam)] = rows
    assert naam, rows  # the BRP name (she declared none)
    assert iban == "NL91ABNA0417164300"
    assert besluit_cents == _maandbedrag_alleenstaande(startdatum)

    # The run for the first full month after the ingangsdatum pays her exactly the monthly amount.
    maand = date(startdatum.year + startdatum.month // 12, startdatum.month % 12 + 1, 1)
    run = api.wait(api.start(maand.strftime("%Y-%m"), f"e2e-alo-{uuid.uuid4().hex[:8]}", [RDAM])["id"])
    assert run["status"] == "gereed", run
    [(bedrag, bijstand, reservering, betaald_iban)] = _sql(
        database,
        "SELECT bedrag_cents, bijstand_cents, reservering_cents, iban FROM betalingen "
        "WHERE uitkering_id = %s AND maand = %s",
        uitkering_id,
        maand,
    )
    assert betaald_iban == "NL91ABNA0417164300"
    assert bedrag == bijstand - reservering == _maandbedrag_alleenstaande(maand)
    if _maandbedrag_alleenstaande(maand) == _maandbedrag_alleenstaande(startdatum):  # no norm change in between
        assert bedrag == besluit_cents

    context = RequestContext("b", ActorType.BURGER, frozenset({"burger"}), bsn=bsn)
    status, lijst = api.call(
        "GET", "/api/v1/uitkeringsspecificaties", api.service_token(), headers={"GBI-Context": api.signer.sign(context)}
    )
    assert status == 200, lijst
    [spec] = [s for s in lijst["specificaties"] if s["maand"] == maand.strftime("%Y-%m")]
    assert Decimal(spec["uitTeBetalen"]) * 100 == bedrag
    assert spec["iban"].endswith("4300")
    assert "ABNA" not in spec["iban"]

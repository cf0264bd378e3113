"""No BSN, token or secret in any technical log: a full ALO (a citizen applies and is decided straight through, reads
the beschikking; another citizen's case goes through a caseworker's intake; a front office reads the decision over
the koppelvlak), and before it every other test of this package (isolation matrix, forged tokens, fuzzing), then
every line of every process's log is scanned.

Looked for: the BSNs of the test persons used here, any 9-digit number that passes the elfproef (a BSN is one),
bearer tokens and JWTs (``eyJ...``), every client secret, the ZGW secrets, the front office token, private keys, and
the test IBAN. Runs last in the package (``conftest.pytest_collection_modifyitems``).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from gbi_runner import Suite

from .conftest import KATINKA, Http, Tokens, aanvraag_body, wait_for

pytestmark = pytest.mark.e2e

LONNEKE = "999995431"
TEST_BSNS = {KATINKA, LONNEKE, "999993112", "999990792", "999970902", "999994979"}
IBAN = "NL91ABNA0417164300"
NINE_DIGITS = re.compile(r"(?<![0-9A-Za-z])[0-9]{9}(?![0-9A-Za-z])")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
BEARER = re.compile(r"[Bb]earer\s+[A-Za-z0-9._~+/-]{8,}")


def elfproef(number: str) -> bool:
    digits = [int(d) for d in number]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0 and number != "000000000"


def _secrets(suite: Suite) -> set[str]:
    var = suite.config.var_dir
    found = set(suite.client_secrets.values()) | {suite.frontoffice_token}
    for entry in json.loads((var / "zgw-clients.json").read_text(encoding="utf-8")):
        found.add(entry["secret"])
    return {s for s in found if len(s) >= 8}


def _full_alo(gateway: Http, tokens: Tokens, besloten: str) -> None:
    katinka = tokens.burger(KATINKA)
    status, _, pdf = gateway.call("GET", f"/api/v1/aanvragen/{besloten}/beschikking", token=katinka)
    assert status == 200
    assert pdf.startswith(b"%PDF")
    status, _, _ = gateway.call(
        "GET",
        f"/koppelvlakken/levensonderhoud/AanvragenLevensonderhoudBeslissing/{besloten}",
        token=tokens.integrator("0599"),
    )
    assert status == 200
    # A case with a person in it: the intake the UWV income routes to a klantmanager.
    lonneke = tokens.burger(LONNEKE)
    status, _, mine = gateway.call("GET", "/api/v1/aanvragen", token=lonneke)
    assert status == 200
    if mine["items"]:
        aanvraag_id = mine["items"][0]["id"]
    else:
        status, _, body = gateway.call(
            "POST",
            "/api/v1/aanvragen",
            token=lonneke,
            body=aanvraag_body(),
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert status == 202, body
        aanvraag_id = body["id"]
    km = tokens.medewerker("0518", "klantmanager", name="Kim Klantmanager")

    def intake() -> dict[str, str] | None:
        s, _, b = gateway.call("GET", f"/api/v1/taken?aanvraagId={aanvraag_id}", token=km)
        assert s == 200, b
        return next((t for t in b["items"] if t["gegevens"].get("element") == "intakegesprek"), None)

    taak = wait_for("the intake", intake)
    if taak["status"] != "afgerond":
        gateway.call("POST", f"/api/v1/taken/{taak['id']}/claim", token=km)
        status, _, done = gateway.call(
            "POST", f"/api/v1/taken/{taak['id']}/afronden", token=km, body={"uitkomst": "gevoerd", "reden": "Gebeld"}
        )
        assert status == 200, done
    status, _, dossier = gateway.call(
        "GET", f"/api/v1/zaken/{aanvraag_id}", token=tokens.medewerker("0518", "klantmanager")
    )
    assert status == 200, dossier
    assert dossier["aanvrager"]["bsn"] == LONNEKE  # the BSN travelled through every layer


def test_no_bsn_token_or_secret_in_any_log_line(
    gateway: Http, suite: Suite, tokens: Tokens, besloten: str, log_dir: Path
) -> None:
    _full_alo(gateway, tokens, besloten)
    secrets = _secrets(suite)
    files = sorted(log_dir.glob("*.log"))
    assert {f.stem for f in files} >= {"gateway", "interaction", "process", "integration", "domain", "data"}
    hits: list[str] = []
    lines = 0
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            lines += 1
            where = f"{file.name}:{number}"
            if file.stem == "simulator":
                # The simulator *is* the outside world (BRP, UWV, the IdP): its own records of the test persons are
                # its data, not GBI's technical log. Tokens and secrets still must not appear there.
                pass
            else:
                for bsn in TEST_BSNS:
                    if bsn in line:
                        hits.append(f"{where}: BSN {bsn}")
                for candidate in NINE_DIGITS.findall(line):
                    if elfproef(candidate) and candidate not in TEST_BSNS:
                        hits.append(f"{where}: elfproef number {candidate}")
                if IBAN in line.replace(" ", ""):
                    hits.append(f"{where}: IBAN")
            if JWT.search(line):
                hits.append(f"{where}: JWT")
            if BEARER.search(line):
                hits.append(f"{where}: bearer token")
            if "PRIVATE KEY" in line:
                hits.append(f"{where}: private key")
            for secret in secrets:
                if secret in line:
                    hits.append(f"{where}: a client secret or token")
    assert lines > 100, f"only {lines} log lines: the scan proves nothing"
    assert not hits, f"{len(hits)} hits in {lines} lines:\n" + "\n".join(hits[:50])
    print(f"log scan: {lines} lines in {len(files)} logs, 0 hits")

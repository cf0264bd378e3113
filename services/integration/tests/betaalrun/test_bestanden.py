"""The SEPA file and journal of one gemeente's payments: valid against the pain.001.001.03 XSD, deterministic, and
reconciled (every transfer, the control sum, the deductions of voorschotten credited to the receivable)."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from gbi_integration.bank import Debtor, InvalidPaymentError
from gbi_integration.betaalrun.bestanden import Betaalregel, maak_bestanden

XSD = Path(__file__).resolve().parents[5] / "shared" / "specs" / "sepa" / "pain.001.001.03.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
DEBTOR = Debtor(gemeente_code="0363", name="Gemeente Amsterdam", iban="NL91ABNA0417164300", bic="ABNANL2A")
REGELS = [
    Betaalregel(1, "NL02ABNA0123456789", "A. de Vries", 133142, 0, 0),
    Betaalregel(2, "NL20INGB0001234567", "B. Jansen", 200000, 84000, 0),  # June: vakantietoeslag paid out
    Betaalregel(3, "NL44RABO0123456789", "C. Bakker", 33142, 0, 100000),  # a voorschot of 1000.00 deducted
]


def _maak(regels: list[Betaalregel] = REGELS):  # type: ignore[no-untyped-def]
    return maak_bestanden(
        DEBTOR,
        date(2026, 6, 1),
        date(2026, 5, 25),
        regels,
        message_id="GBI-0363-TEST",
        created_at=datetime(2026, 5, 25, tzinfo=UTC),
    )


def test_the_file_is_valid_pain_001_001_03_and_totals_the_payments() -> None:
    bestanden = _maak()
    xml = gzip.decompress(bestanden.pain001_gzip)
    assert hashlib.sha256(xml).hexdigest() == bestanden.pain001_sha256
    doc = etree.fromstring(xml)
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(doc)
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "3662.84"
    assert bestanden.totaal_cents == 366284
    ids = doc.xpath("//p:EndToEndId/text()", namespaces=NS)
    assert ids == ["GBI-0363-202606-1", "GBI-0363-202606-2", "GBI-0363-202606-3"]
    assert doc.findtext(".//p:CtgyPurp/p:Cd", namespaces=NS) == "SSBE"


def test_the_journal_balances_and_books_vakantietoeslag_and_voorschot_apart() -> None:
    journaal = json.loads(gzip.decompress(_maak().journaal_gzip))
    regels = {(r["grootboekrekening"], r["debetCenten"] > 0): r for r in journaal["regels"]}
    assert journaal["totalen"]["debetCenten"] == journaal["totalen"]["creditCenten"]
    assert journaal["totalen"]["bankCenten"] == 366284
    assert regels[("441100", True)]["debetCenten"] == 84000  # vakantietoeslag
    assert regels[("441000", True)]["debetCenten"] == 133142 + 116000 + 133142  # levensonderhoud
    assert regels[("153000", False)]["creditCenten"] == 100000  # voorschot verrekend
    assert journaal["boekstuk"] == "GBI-0363-TEST"


def test_the_same_payments_give_the_same_bytes() -> None:
    assert _maak().pain001_sha256 == _maak().pain001_sha256


def test_a_bad_iban_stops_the_file_naming_the_payment() -> None:
    with pytest.raises(InvalidPaymentError) as exc:
        _maak([*REGELS, Betaalregel(4, "NL00ABNA0000000000", "D. Fout", 100, 0, 0)])
    assert exc.value.invalid_params[0].name == "payments[3].creditor_iban"

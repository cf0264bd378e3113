"""Build the SEPA pain.001.001.03 file and the journal of one gemeente's payments, and prove they reconcile.

Each payment is one transfer (end-to-end id ``GBI-<gemeente>-<YYYYMM>-<payment id>``, so a returned transfer leads
back to the payment) and is allocated to cost types: levensonderhoud (the month's bijstand after the lowering),
vakantietoeslag (the payout), and the verrekening of a voorschot (a deduction that credits the receivable). The
journal is reconciled against the file as written, down to every transfer, before anything is stored.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from gbi_integration.bank import (
    Allocation,
    ChartOfAccounts,
    CostType,
    Debtor,
    LedgerAccount,
    PaymentInstruction,
    build_journal,
    end_to_end_ids,
    journal_json,
    reconcile,
    write_pain001,
)

__all__ = ["STANDAARD_REKENINGSCHEMA", "Bestanden", "Betaalregel", "maak_bestanden", "rekeningschema"]


@dataclass(frozen=True, slots=True)
class Betaalregel:
    """One payment as the data service hands it out (cents)."""

    id: int
    iban: str
    naam: str
    bedrag: int
    vakantietoeslag: int
    voorschot: int


# GBI's standard chart (Iv3 taakveld 6.3 Inkomensregelingen); a gemeente's own chart replaces it when recorded.
STANDAARD_REKENINGSCHEMA = {
    CostType.LEVENSONDERHOUD.value: LedgerAccount("441000", "6.3", "Algemene bijstand levensonderhoud"),
    CostType.VAKANTIETOESLAG.value: LedgerAccount("441100", "6.3", "Vakantietoeslag algemene bijstand"),
    CostType.VOORSCHOT_VERREKENING.value: LedgerAccount("153000", "", "Te verrekenen voorschotten"),
}
_BANK = LedgerAccount("110000", "", "Bank")


def rekeningschema(gemeente: str) -> ChartOfAccounts:
    return ChartOfAccounts(gemeente_code=gemeente, accounts=STANDAARD_REKENINGSCHEMA, bank=_BANK)


@dataclass(frozen=True, slots=True)
class Bestanden:
    message_id: str
    aantal: int
    totaal_cents: int
    pain001_gzip: bytes
    pain001_sha256: str
    journaal_gzip: bytes
    journaal_sha256: str


def maak_bestanden(
    debtor: Debtor,
    maand: date,
    betaaldatum: date,
    regels: Sequence[Betaalregel],
    *,
    message_id: str,
    created_at: datetime,
) -> Bestanden:
    periode = maand.strftime("%Y%m")
    omschrijving = f"Bijstand {maand.strftime('%m-%Y')} {debtor.name}"
    ids = end_to_end_ids(debtor.gemeente_code, periode, [r.id for r in regels])
    payments = [
        PaymentInstruction(
            end_to_end_id=e2e,
            creditor_name=r.naam,
            creditor_iban=r.iban,
            amount_cents=r.bedrag,
            remittance_information=omschrijving,
            requested_execution_date=betaaldatum,
        )
        for e2e, r in zip(ids, regels, strict=True)
    ]
    buffer = io.BytesIO()
    summary = write_pain001(
        buffer,
        debtor,
        payments,
        created_at=created_at,
        message_id=message_id,
        category_purpose="SSBE",
        derive_dutch_bic=False,
    )
    xml = buffer.getvalue()
    allocations: list[Allocation] = []
    for p, r in zip(payments, regels, strict=True):
        levensonderhoud = r.bedrag - r.vakantietoeslag + r.voorschot
        if levensonderhoud:
            allocations.append(Allocation(p.end_to_end_id, CostType.LEVENSONDERHOUD.value, levensonderhoud))
        if r.vakantietoeslag:
            allocations.append(Allocation(p.end_to_end_id, CostType.VAKANTIETOESLAG.value, r.vakantietoeslag))
        if r.voorschot:
            allocations.append(Allocation(p.end_to_end_id, CostType.VOORSCHOT_VERREKENING.value, -r.voorschot))
    journal = build_journal(rekeningschema(debtor.gemeente_code), summary, payments, allocations)
    reconcile(journal, xml)  # raises ReconciliationError listing every difference
    journaal = journal_json(journal)
    return Bestanden(
        message_id=summary.message_id,
        aantal=summary.number_of_transactions,
        totaal_cents=summary.control_sum_cents,
        pain001_gzip=gzip.compress(xml, compresslevel=1),
        pain001_sha256=hashlib.sha256(xml).hexdigest(),
        journaal_gzip=gzip.compress(journaal, compresslevel=1),
        journaal_sha256=hashlib.sha256(journaal).hexdigest(),
    )

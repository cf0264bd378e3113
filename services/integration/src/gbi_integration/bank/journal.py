"""The finance journal of a payment run per gemeente, and its reconciliation with the SEPA file.

Every payment is allocated (``Allocation``) to cost types (``CostType``: algemene bijstand levensonderhoud,
vakantietoeslag, bijzondere bijstand, voorschot, verrekening van een voorschot). The gemeente's chart of accounts
(``ChartOfAccounts``) maps each cost type to a ledger account (grootboekrekening) and cost centre (kostenplaats).
The journal then has, per requested execution date (one bank batch, one ``PmtInf``):

- one debit line per ledger account and cost centre with the sum of the positive allocations;
- one credit line per ledger account and cost centre with the sum of the negative allocations (a deduction such
  as the verrekening of an earlier voorschot: it lowers the transfer and credits the receivable), if any;
- one credit line to the bank (or crediteuren) account with the amount transferred: the ``CtrlSum`` of that
  ``PmtInf``.

So every date balances (debit == credit), the bank credit lines add up to the ``CtrlSum`` of the file, and when no
deductions are booked: sum of debits == ``CtrlSum`` == sum of credits. ``reconcile`` reads the SEPA file back
and proves all of that, down to every single transfer (end-to-end id, amount and IBAN), or raises
``ReconciliationError`` listing every difference.

Exports: CSV (UTF-8, ``;``-separated, decimal comma, as Dutch finance packages import) and JSON (amounts as exact
decimal strings and integer cents).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from gbi_integration.bank.amounts import MAX_AMOUNT_CENTS, format_cents
from gbi_integration.bank.errors import JournalError, ReconciliationError
from gbi_integration.bank.iban import normalize_iban
from gbi_integration.bank.sepa import (
    BinaryReader,
    Pain001Summary,
    PaymentInstruction,
    ScannedPaymentInfo,
    ScannedTransaction,
    scan_pain001,
)

__all__ = [
    "CSV_COLUMNS",
    "Allocation",
    "ChartOfAccounts",
    "CostType",
    "Journal",
    "JournalLine",
    "LedgerAccount",
    "ReconciliationReport",
    "build_journal",
    "journal_csv",
    "journal_json",
    "journal_to_dict",
    "reconcile",
]

MAX_DISCREPANCIES: Final = 1000


class CostType(StrEnum):
    """What a (part of a) payment is for. The chart of accounts of the gemeente maps each to a ledger account."""

    LEVENSONDERHOUD = "levensonderhoud"  # algemene bijstand, periodieke uitkering levensonderhoud
    VAKANTIETOESLAG = "vakantietoeslag"  # uitbetaling van de gereserveerde vakantietoeslag
    BIJZONDERE_BIJSTAND = "bijzondere_bijstand"
    VOORSCHOT = "voorschot"  # a voorschot paid: debit of the receivable "te verrekenen voorschotten"
    VOORSCHOT_VERREKENING = "voorschot_verrekening"  # an earlier voorschot deducted: negative, credits the receivable


@dataclass(frozen=True, slots=True)
class LedgerAccount:
    grootboekrekening: str
    kostenplaats: str = ""  # empty for balance-sheet accounts (bank, crediteuren, voorschotten)
    omschrijving: str = ""


@dataclass(frozen=True, slots=True)
class ChartOfAccounts:
    """The accounts of one gemeente: cost type -> ledger account, and the account credited with the transfer."""

    gemeente_code: str
    accounts: Mapping[str, LedgerAccount]
    bank: LedgerAccount
    dagboek: str = "BANK"


@dataclass(frozen=True, slots=True)
class Allocation:
    """``amount_cents`` of payment ``end_to_end_id`` is for ``cost_type``: positive is a debit of its account,
    negative a credit (a deduction). The allocations of a payment add up to its amount."""

    end_to_end_id: str
    cost_type: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class JournalLine:
    line_number: int
    booking_date: date  # the requested execution date of the bank batch
    grootboekrekening: str
    kostenplaats: str
    omschrijving: str
    debit_cents: int
    credit_cents: int
    count: int  # allocations in this line; on the bank line: transfers
    reference: str  # the PmtInfId of the bank batch, as on the bank statement
    is_bank: bool = False  # the credit line of the bank (or crediteuren) account


@dataclass(frozen=True, slots=True)
class Journal:
    gemeente_code: str
    dagboek: str
    message_id: str  # boekstuk: the MsgId of the SEPA file
    created_at: datetime
    debtor_iban: str
    number_of_payments: int
    lines: tuple[JournalLine, ...]
    # end-to-end id -> (amount in cents, creditor IBAN): the transfers this journal stands for (not exported)
    payments: Mapping[str, tuple[int, str]] = field(repr=False, compare=False)

    @property
    def total_debit_cents(self) -> int:
        return sum(line.debit_cents for line in self.lines)

    @property
    def total_credit_cents(self) -> int:
        return sum(line.credit_cents for line in self.lines)

    @property
    def bank_lines(self) -> tuple[JournalLine, ...]:
        return tuple(line for line in self.lines if line.is_bank)

    @property
    def bank_credit_cents(self) -> int:
        return sum(line.credit_cents for line in self.lines if line.is_bank)


def _check_chart(chart: ChartOfAccounts, summary: Pain001Summary) -> None:
    if chart.gemeente_code != summary.debtor.gemeente_code:
        raise JournalError(
            "chart.gemeente_code",
            f"rekeningschema van gemeente {chart.gemeente_code}, betaalbestand van {summary.debtor.gemeente_code}",
        )
    for name, account in [("bank", chart.bank), *((f"accounts[{k}]", v) for k, v in chart.accounts.items())]:
        if not isinstance(account.grootboekrekening, str) or not account.grootboekrekening.strip():
            raise JournalError(f"chart.{name}.grootboekrekening", "grootboekrekening ontbreekt")
    if not chart.dagboek.strip():
        raise JournalError("chart.dagboek", "dagboek ontbreekt")


def build_journal(
    chart: ChartOfAccounts,
    summary: Pain001Summary,
    payments: Sequence[PaymentInstruction],
    allocations: Iterable[Allocation],
) -> Journal:
    """The journal of the SEPA file described by ``summary`` (what ``write_pain001`` returned) for the same
    ``payments``, with ``allocations`` splitting each payment over cost types.

    Raises ``JournalError`` naming the field when an allocation names an unknown payment or cost type, when the
    allocations of a payment do not add up to its amount, or when the payments are not those of ``summary``."""
    _check_chart(chart, summary)
    if len(payments) != summary.number_of_transactions:
        raise JournalError(
            "payments", f"{len(payments)} betalingen, het betaalbestand heeft er {summary.number_of_transactions}"
        )
    index_of: dict[str, int] = {}
    book: dict[str, tuple[int, str]] = {}
    for i, p in enumerate(payments):
        if p.end_to_end_id in index_of:
            raise JournalError(f"payments[{i}].end_to_end_id", f"{p.end_to_end_id!r} komt meer dan eens voor")
        index_of[p.end_to_end_id] = i
        book[p.end_to_end_id] = (p.amount_cents, normalize_iban(p.creditor_iban))

    infos = {info.requested_execution_date: info for info in summary.payment_informations}
    allocated = [0] * len(payments)
    # (date, account, debit?) -> [cents, count]
    totals: dict[tuple[date, LedgerAccount, bool], list[int]] = {}
    accounts = chart.accounts
    for j, a in enumerate(allocations):
        found = index_of.get(a.end_to_end_id)
        if found is None:
            raise JournalError(f"allocations[{j}].end_to_end_id", f"geen betaling met id {a.end_to_end_id!r}")
        account = accounts.get(a.cost_type)
        if account is None:
            raise JournalError(f"allocations[{j}].cost_type", f"kostensoort {a.cost_type!r} niet in het rekeningschema")
        amount = a.amount_cents
        if type(amount) is not int or amount == 0 or abs(amount) > MAX_AMOUNT_CENTS:
            raise JournalError(f"allocations[{j}].amount_cents", f"ongeldig bedrag {amount!r} (gehele centen, niet 0)")
        allocated[found] += amount
        key = (payments[found].requested_execution_date, account, amount > 0)
        entry = totals.get(key)
        if entry is None:
            totals[key] = [abs(amount), 1]
        else:
            entry[0] += abs(amount)
            entry[1] += 1

    per_date: dict[date, list[int]] = {}
    for i, p in enumerate(payments):
        if allocated[i] != p.amount_cents:
            raise JournalError(
                f"payments[{i}]",
                f"betaling {p.end_to_end_id!r}: toegerekend {format_cents(allocated[i])}, "
                f"betaald {format_cents(p.amount_cents)}",
            )
        entry = per_date.setdefault(p.requested_execution_date, [0, 0])
        entry[0] += p.amount_cents
        entry[1] += 1
    if set(per_date) != set(infos):
        raise JournalError("payments", "de uitvoerdatums van de betalingen zijn niet die van het betaalbestand")
    for when, (cents, count) in per_date.items():
        info = infos[when]
        if (cents, count) != (info.control_sum_cents, info.number_of_transactions):
            raise JournalError(
                "payments",
                f"uitvoerdatum {when}: {count} betalingen voor {format_cents(cents)}, het betaalbestand heeft "
                f"{info.number_of_transactions} voor {format_cents(info.control_sum_cents)}",
            )

    lines: list[JournalLine] = []
    for when in sorted(per_date):
        info = infos[when]
        for debit in (True, False):
            keys = sorted(
                (k for k in totals if k[0] == when and k[2] is debit),
                key=lambda k: (k[1].grootboekrekening, k[1].kostenplaats, k[1].omschrijving),
            )
            for key in keys:
                cents, count = totals[key]
                account = key[1]
                lines.append(
                    JournalLine(
                        len(lines) + 1,
                        when,
                        account.grootboekrekening,
                        account.kostenplaats,
                        account.omschrijving,
                        cents if debit else 0,
                        0 if debit else cents,
                        count,
                        info.payment_information_id,
                    )
                )
        bank = chart.bank
        lines.append(
            JournalLine(
                len(lines) + 1,
                when,
                bank.grootboekrekening,
                bank.kostenplaats,
                bank.omschrijving,
                0,
                info.control_sum_cents,
                info.number_of_transactions,
                info.payment_information_id,
                is_bank=True,
            )
        )
    journal = Journal(
        chart.gemeente_code,
        chart.dagboek,
        summary.message_id,
        summary.created_at,
        summary.debtor.iban,
        summary.number_of_transactions,
        tuple(lines),
        book,
    )
    if journal.total_debit_cents != journal.total_credit_cents:  # pragma: no cover - follows from the above
        raise JournalError("allocations", "journaal is niet in evenwicht")
    return journal


# --------------------------------------------------------------------------------------------------------------
# Exports

CSV_COLUMNS: Final = (
    "gemeente",
    "dagboek",
    "boekstuk",
    "regel",
    "boekdatum",
    "grootboekrekening",
    "kostenplaats",
    "omschrijving",
    "debet",
    "credit",
    "aantal",
    "referentie",
)


def journal_csv(journal: Journal, *, bom: bool = False) -> bytes:
    """The journal as CSV: UTF-8 (with a byte order mark when ``bom``, for spreadsheet programs), ``;`` between
    fields, CRLF line ends, a header row, amounts with a decimal comma and no thousands separator."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in journal.lines:
        writer.writerow(
            (
                journal.gemeente_code,
                journal.dagboek,
                journal.message_id,
                line.line_number,
                line.booking_date.isoformat(),
                line.grootboekrekening,
                line.kostenplaats,
                line.omschrijving,
                format_cents(line.debit_cents, decimal_separator=","),
                format_cents(line.credit_cents, decimal_separator=","),
                line.count,
                line.reference,
            )
        )
    return ("\ufeff" if bom else "").encode() + text.getvalue().encode()


def journal_to_dict(journal: Journal) -> dict[str, Any]:
    """The journal as JSON-ready data: amounts as exact decimal strings and as integer cents."""
    return {
        "gemeente": journal.gemeente_code,
        "dagboek": journal.dagboek,
        "boekstuk": journal.message_id,
        "aangemaakt": journal.created_at.isoformat(timespec="seconds"),
        "valuta": "EUR",
        "debiteurIban": journal.debtor_iban,
        "aantalBetalingen": journal.number_of_payments,
        "regels": [
            {
                "regel": line.line_number,
                "boekdatum": line.booking_date.isoformat(),
                "grootboekrekening": line.grootboekrekening,
                "kostenplaats": line.kostenplaats,
                "omschrijving": line.omschrijving,
                "debet": format_cents(line.debit_cents),
                "credit": format_cents(line.credit_cents),
                "debetCenten": line.debit_cents,
                "creditCenten": line.credit_cents,
                "aantal": line.count,
                "referentie": line.reference,
                "bank": line.is_bank,
            }
            for line in journal.lines
        ],
        "totalen": {
            "debet": format_cents(journal.total_debit_cents),
            "credit": format_cents(journal.total_credit_cents),
            "bank": format_cents(journal.bank_credit_cents),
            "debetCenten": journal.total_debit_cents,
            "creditCenten": journal.total_credit_cents,
            "bankCenten": journal.bank_credit_cents,
        },
    }


def journal_json(journal: Journal) -> bytes:
    return json.dumps(journal_to_dict(journal), ensure_ascii=False, indent=2).encode() + b"\n"


# --------------------------------------------------------------------------------------------------------------
# Reconciliation


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    """Proof that a journal and a SEPA file agree; ``checks`` says in words what was verified."""

    message_id: str
    number_of_transactions: int
    control_sum_cents: int
    total_debit_cents: int
    total_credit_cents: int
    bank_credit_cents: int
    payment_informations: tuple[ScannedPaymentInfo, ...]
    checks: tuple[str, ...]


def reconcile(journal: Journal, pain001: bytes | BinaryReader) -> ReconciliationReport:
    """Read the SEPA file back and prove that it is the file of ``journal``:

    - the file is internally consistent (every ``NbOfTxs`` and ``CtrlSum`` matches its transfers, EUR only, no
      duplicate end-to-end ids) and is the journal's message (``MsgId``) from the journal's debtor account;
    - every transfer in the file is a payment of the journal with the same amount and IBAN, and none is missing;
    - the journal balances (debit == credit), each bank batch (``PmtInf``) equals the bank credit line of its
      execution date, and the sum of the bank lines equals the ``CtrlSum`` of the file.

    Returns the report, or raises ``ReconciliationError`` listing every difference (up to 1000)."""
    problems: list[str] = []

    def note(problem: str) -> None:
        if len(problems) < MAX_DISCREPANCIES:
            problems.append(problem)

    remaining = dict(journal.payments)

    def check(tx: ScannedTransaction) -> None:
        expected = remaining.pop(tx.end_to_end_id, None)
        if expected is None:
            note(f"betaling {tx.end_to_end_id!r} staat in het bestand maar niet (of dubbel) in het journaal")
            return
        cents, iban = expected
        if tx.amount_cents != cents:
            shown = "(ongeldig)" if tx.amount_cents is None else format_cents(tx.amount_cents)
            note(f"betaling {tx.end_to_end_id!r}: bestand {shown}, journaal {format_cents(cents)}")
        if tx.creditor_iban != iban:
            note(f"betaling {tx.end_to_end_id!r}: bestand IBAN {tx.creditor_iban}, journaal IBAN {iban}")

    scanned = scan_pain001(pain001, check)
    for problem in scanned.problems:
        note(f"bestand: {problem}")
    for e2e in sorted(remaining)[:MAX_DISCREPANCIES]:
        note(f"betaling {e2e!r} staat in het journaal maar niet in het bestand")
    if scanned.message_id != journal.message_id:
        note(f"MsgId van het bestand is {scanned.message_id!r}, het journaal hoort bij {journal.message_id!r}")
    if scanned.number_of_transactions != journal.number_of_payments:
        note(f"bestand heeft {scanned.number_of_transactions} betalingen, journaal {journal.number_of_payments}")

    debit, credit, bank = journal.total_debit_cents, journal.total_credit_cents, journal.bank_credit_cents
    if debit != credit:
        note(f"journaal niet in evenwicht: debet {format_cents(debit)}, credit {format_cents(credit)}")
    if bank != scanned.control_sum_cents:
        note(f"bankregels {format_cents(bank)}, CtrlSum van de betalingen {format_cents(scanned.control_sum_cents)}")
    bank_lines = {line.reference: line for line in journal.lines if line.is_bank}
    for info in scanned.payment_informations:
        pmt = info.payment_information_id
        if info.debtor_iban != journal.debtor_iban:
            note(f"PmtInf {pmt}: debiteur-IBAN {info.debtor_iban}, journaal {journal.debtor_iban}")
        line = bank_lines.pop(pmt, None)
        if line is None:
            note(f"PmtInf {pmt} heeft geen bankregel in het journaal")
            continue
        if line.booking_date != info.requested_execution_date:
            note(f"PmtInf {pmt}: uitvoerdatum {info.requested_execution_date}, boekdatum {line.booking_date}")
        if (line.credit_cents, line.count) != (info.control_sum_cents, info.number_of_transactions):
            note(
                f"PmtInf {pmt}: {info.number_of_transactions} betalingen voor "
                f"{format_cents(info.control_sum_cents)}, bankregel {line.count} voor {format_cents(line.credit_cents)}"
            )
    for reference in sorted(bank_lines):
        note(f"bankregel {reference} heeft geen PmtInf in het bestand")
    for day in sorted({line.booking_date for line in journal.lines}):
        day_lines = [line for line in journal.lines if line.booking_date == day]
        day_debit = sum(line.debit_cents for line in day_lines)
        day_credit = sum(line.credit_cents for line in day_lines)
        if day_debit != day_credit:
            note(f"boekdatum {day}: debet {format_cents(day_debit)}, credit {format_cents(day_credit)}")

    if problems:
        raise ReconciliationError(problems)
    checks = (
        f"bestand {scanned.message_id}: {scanned.number_of_transactions} betalingen, "
        f"CtrlSum {format_cents(scanned.control_sum_cents)} gelijk aan de som van de betalingen",
        *(
            f"PmtInf {i.payment_information_id} ({i.requested_execution_date}): {i.number_of_transactions} betalingen, "
            f"{format_cents(i.control_sum_cents)} gelijk aan de bankregel van die datum"
            for i in scanned.payment_informations
        ),
        f"alle {journal.number_of_payments} betalingen met bedrag en IBAN gelijk aan het journaal",
        f"journaal in evenwicht: debet {format_cents(debit)} = credit {format_cents(credit)}; "
        f"bank {format_cents(bank)} = CtrlSum",
    )
    return ReconciliationReport(
        scanned.message_id,
        scanned.number_of_transactions,
        scanned.control_sum_cents,
        debit,
        credit,
        bank,
        scanned.payment_informations,
        checks,
    )

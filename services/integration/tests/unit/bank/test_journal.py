"""The finance journal per gemeente: booking lines per ledger account and cost centre, CSV and JSON exports, and
the reconciliation with the SEPA file (sum of debits == CtrlSum == sum of credits, down to every transfer)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gbi_integration.bank.errors import BankDataError, JournalError, ReconciliationError
from gbi_integration.bank.iban import make_iban
from gbi_integration.bank.journal import (
    CSV_COLUMNS,
    Allocation,
    ChartOfAccounts,
    CostType,
    Journal,
    LedgerAccount,
    build_journal,
    journal_csv,
    journal_json,
    reconcile,
)
from gbi_integration.bank.sepa import (
    Debtor,
    Pain001Summary,
    PaymentInstruction,
    build_pain001,
    end_to_end_id,
    validate_pain001,
    write_pain001,
)

CREATED = datetime(2026, 3, 20, 8, 30, tzinfo=UTC)
MARCH_25 = date(2026, 3, 25)
MARCH_26 = date(2026, 3, 26)
AMSTERDAM = Debtor("0363", "Gemeente Amsterdam", "NL91ABNA0417164300")

CHART = ChartOfAccounts(
    gemeente_code="0363",
    accounts={
        CostType.LEVENSONDERHOUD: LedgerAccount("43100", "6.3.01", "Algemene bijstand levensonderhoud"),
        CostType.VAKANTIETOESLAG: LedgerAccount("43110", "6.3.01", "Vakantietoeslag"),
        CostType.BIJZONDERE_BIJSTAND: LedgerAccount("43200", "6.3.02", "Bijzondere bijstand"),
        CostType.VOORSCHOT: LedgerAccount("13500", "", "Te verrekenen voorschotten bijstand"),
        CostType.VOORSCHOT_VERREKENING: LedgerAccount("13500", "", "Te verrekenen voorschotten bijstand"),
    },
    bank=LedgerAccount("11200", "", "Bank betaalrekening bijstand"),
    dagboek="BNK2",
)


def payment(n: int, cents: int, day: date = MARCH_25) -> PaymentInstruction:
    return PaymentInstruction(
        end_to_end_id=end_to_end_id("0363", "202603", n),
        creditor_name=f"Client {n}",
        creditor_iban=make_iban("NL", f"INGB{n:010d}"),
        amount_cents=cents,
        remittance_information=f"Bijstand maart 2026 dossier {n}",
        requested_execution_date=day,
    )


def scenario() -> tuple[list[PaymentInstruction], list[Allocation]]:
    """Four households: levensonderhoud with vakantietoeslag, bijzondere bijstand, a voorschot, and levensonderhoud
    minus the verrekening of an earlier voorschot; one of them paid a day later."""
    payments = [payment(1, 145_050), payment(2, 35_000), payment(3, 50_000), payment(4, 120_000, MARCH_26)]
    e = [p.end_to_end_id for p in payments]
    allocations = [
        Allocation(e[0], CostType.LEVENSONDERHOUD, 137_550),
        Allocation(e[0], CostType.VAKANTIETOESLAG, 7_500),
        Allocation(e[1], CostType.BIJZONDERE_BIJSTAND, 35_000),
        Allocation(e[2], CostType.VOORSCHOT, 50_000),
        Allocation(e[3], CostType.LEVENSONDERHOUD, 140_000),
        Allocation(e[3], CostType.VOORSCHOT_VERREKENING, -20_000),
    ]
    return payments, allocations


def make(payments: list[PaymentInstruction], allocations: list[Allocation]) -> tuple[Pain001Summary, bytes, Journal]:
    out = io.BytesIO()
    summary = write_pain001(out, AMSTERDAM, payments, created_at=CREATED)
    return summary, out.getvalue(), build_journal(CHART, summary, payments, allocations)


def test_journal_lines() -> None:
    payments, allocations = scenario()
    summary, _, journal = make(payments, allocations)
    first, second = (i.payment_information_id for i in summary.payment_informations)
    rows = [
        (
            line.booking_date,
            line.grootboekrekening,
            line.kostenplaats,
            line.debit_cents,
            line.credit_cents,
            line.count,
            line.reference,
            line.is_bank,
        )
        for line in journal.lines
    ]
    assert rows == [
        (MARCH_25, "13500", "", 50_000, 0, 1, first, False),
        (MARCH_25, "43100", "6.3.01", 137_550, 0, 1, first, False),
        (MARCH_25, "43110", "6.3.01", 7_500, 0, 1, first, False),
        (MARCH_25, "43200", "6.3.02", 35_000, 0, 1, first, False),
        (MARCH_25, "11200", "", 0, 230_050, 3, first, True),
        (MARCH_26, "43100", "6.3.01", 140_000, 0, 1, second, False),
        (MARCH_26, "13500", "", 0, 20_000, 1, second, False),
        (MARCH_26, "11200", "", 0, 120_000, 1, second, True),
    ]
    assert [line.line_number for line in journal.lines] == list(range(1, 9))
    assert journal.total_debit_cents == journal.total_credit_cents == 370_050
    assert journal.bank_credit_cents == summary.control_sum_cents == 350_050
    assert [line.credit_cents for line in journal.bank_lines] == [230_050, 120_000]
    assert (journal.message_id, journal.dagboek, journal.gemeente_code) == (summary.message_id, "BNK2", "0363")


def test_without_deductions_debits_equal_ctrlsum_equal_credits() -> None:
    payments = [payment(n, 10_000 + n) for n in range(1, 200)]
    allocations = [Allocation(p.end_to_end_id, CostType.LEVENSONDERHOUD, p.amount_cents) for p in payments]
    summary, data, journal = make(payments, allocations)
    assert journal.total_debit_cents == summary.control_sum_cents == journal.total_credit_cents
    assert len(journal.lines) == 2  # one debit line per account and cost centre, one bank line
    assert journal.lines[0].count == 199
    report = reconcile(journal, data)
    assert report.total_debit_cents == report.control_sum_cents == report.total_credit_cents


def test_csv_export() -> None:
    payments, allocations = scenario()
    _, _, journal = make(payments, allocations)
    data = journal_csv(journal)
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=";"))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 1 + len(journal.lines)
    bank = rows[5]
    assert bank[:8] == [
        "0363",
        "BNK2",
        journal.message_id,
        "5",
        "2026-03-25",
        "11200",
        "",
        "Bank betaalrekening bijstand",
    ]
    assert bank[8:11] == ["0,00", "2300,50", "3"]
    debit = sum(int(r[8].replace(",", "")) for r in rows[1:])
    credit = sum(int(r[9].replace(",", "")) for r in rows[1:])
    assert debit == credit == journal.total_debit_cents
    assert all(re.fullmatch(r"-?[0-9]+,[0-9]{2}", r[i]) for r in rows[1:] for i in (8, 9))


def test_csv_keeps_utf8_and_quotes_separators() -> None:
    chart = dataclasses.replace(
        CHART,
        accounts={
            **CHART.accounts,
            CostType.LEVENSONDERHOUD: LedgerAccount("43100", "6.3.01", "Levensonderhoud; algemene bijstand – één"),
        },
    )
    payments = [payment(1, 100)]
    summary = validate_pain001(AMSTERDAM, payments, created_at=CREATED)
    journal = build_journal(chart, summary, payments, [Allocation(payments[0].end_to_end_id, "levensonderhoud", 100)])
    data = journal_csv(journal, bom=True)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[1][7] == "Levensonderhoud; algemene bijstand – één"


def test_json_export() -> None:
    payments, allocations = scenario()
    summary, _, journal = make(payments, allocations)
    document = json.loads(journal_json(journal))
    assert document["gemeente"] == "0363"
    assert document["boekstuk"] == summary.message_id
    assert document["aangemaakt"] == "2026-03-20T08:30:00+00:00"
    assert document["aantalBetalingen"] == 4
    assert document["totalen"] == {
        "debet": "3700.50",
        "credit": "3700.50",
        "bank": "3500.50",
        "debetCenten": 370_050,
        "creditCenten": 370_050,
        "bankCenten": 350_050,
    }
    assert len(document["regels"]) == len(journal.lines)
    assert document["regels"][4]["credit"] == "2300.50"
    assert document["regels"][4]["bank"] is True


@pytest.mark.parametrize(
    ("allocations", "field"),
    [
        ([Allocation("GBI-0363-202603-ZZ", CostType.LEVENSONDERHOUD, 100)], "allocations[0].end_to_end_id"),
        ([Allocation("@1", "huurtoeslag", 145_050)], "allocations[0].cost_type"),
        ([Allocation("@1", CostType.LEVENSONDERHOUD, 0)], "allocations[0].amount_cents"),
        ([Allocation("@1", CostType.LEVENSONDERHOUD, 1.5)], "allocations[0].amount_cents"),  # type: ignore[arg-type]
        ([Allocation("@1", CostType.LEVENSONDERHOUD, 145_049)], "payments[0]"),  # one cent short
        ([], "payments[0]"),  # not allocated at all
    ],
)
def test_allocations_must_add_up(allocations: list[Allocation], field: str) -> None:
    payments = [payment(1, 145_050)]
    summary = validate_pain001(AMSTERDAM, payments, created_at=CREATED)
    allocations = [
        dataclasses.replace(a, end_to_end_id=payments[0].end_to_end_id) if a.end_to_end_id == "@1" else a
        for a in allocations
    ]
    with pytest.raises(JournalError) as raised:
        build_journal(CHART, summary, payments, allocations)
    assert raised.value.field == field


def test_journal_refuses_payments_that_are_not_those_of_the_file() -> None:
    payments, allocations = scenario()
    summary = validate_pain001(AMSTERDAM, payments, created_at=CREATED)
    with pytest.raises(JournalError, match="betalingen"):
        build_journal(CHART, summary, payments[:-1], allocations[:-2])
    more = [*payments[:-1], dataclasses.replace(payments[-1], amount_cents=100_000)]
    replaced = [*allocations[:-2], Allocation(more[-1].end_to_end_id, CostType.VOORSCHOT, 100_000)]
    with pytest.raises(JournalError, match="uitvoerdatum"):
        build_journal(CHART, summary, more, replaced)
    with pytest.raises(JournalError) as raised:
        build_journal(dataclasses.replace(CHART, gemeente_code="0599"), summary, payments, allocations)
    assert raised.value.field == "chart.gemeente_code"


# --- reconciliation --------------------------------------------------------------------------------------------


def test_reconcile_proves_journal_and_file() -> None:
    payments, allocations = scenario()
    summary, data, journal = make(payments, allocations)
    report = reconcile(journal, data)
    assert report.message_id == summary.message_id
    assert report.number_of_transactions == 4
    assert report.control_sum_cents == report.bank_credit_cents == 350_050
    assert report.total_debit_cents == report.total_credit_cents == 370_050
    assert [i.control_sum_cents for i in report.payment_informations] == [230_050, 120_000]
    assert len(report.checks) == 5
    assert reconcile(journal, io.BytesIO(data)) == report  # from a file object as well


def _tamper_amount(data: bytes, old: str, new: str) -> bytes:
    assert data.count(f">{old}<".encode()) == 1
    return data.replace(f">{old}<".encode(), f">{new}<".encode())


def test_reconcile_detects_a_tampered_amount() -> None:
    payments, allocations = scenario()
    _, data, journal = make(payments, allocations)
    tampered = _tamper_amount(data, "350.00", "350.01")  # payment 2: bijzondere bijstand
    with pytest.raises(ReconciliationError) as raised:
        reconcile(journal, tampered)
    text = "\n".join(raised.value.discrepancies)
    assert payments[1].end_to_end_id in text
    assert "bestand 350.01, journaal 350.00" in text
    assert "CtrlSum" in text


def test_reconcile_detects_an_amount_tampered_together_with_the_control_sums() -> None:
    payments, allocations = scenario()
    _, data, journal = make(payments, allocations)
    tampered = _tamper_amount(data, "350.00", "9350.00")
    tampered = tampered.replace(b"<CtrlSum>2300.50<", b"<CtrlSum>11300.50<")  # PmtInf of the 25th
    tampered = tampered.replace(b"<CtrlSum>3500.50<", b"<CtrlSum>12500.50<")  # group header
    with pytest.raises(ReconciliationError) as raised:
        reconcile(journal, tampered)
    text = "\n".join(raised.value.discrepancies)
    assert not any(d.startswith("bestand:") for d in raised.value.discrepancies)  # the file itself is consistent
    assert f"betaling '{payments[1].end_to_end_id}': bestand 9350.00, journaal 350.00" in text
    assert "bankregels 3500.50" in text


def test_reconcile_detects_a_redirected_payment() -> None:
    payments, allocations = scenario()
    _, data, journal = make(payments, allocations)
    fraud = make_iban("NL", "RABO0999999999")
    tampered = data.replace(payments[2].creditor_iban.encode(), fraud.encode())
    with pytest.raises(ReconciliationError, match=fraud):
        reconcile(journal, tampered)


def test_reconcile_detects_missing_and_foreign_payments() -> None:
    payments, allocations = scenario()
    _, data, journal = make(payments, allocations)
    tampered = data.replace(payments[0].end_to_end_id.encode(), b"GBI-0363-202603-ZZZ")
    with pytest.raises(ReconciliationError) as raised:
        reconcile(journal, tampered)
    text = "\n".join(raised.value.discrepancies)
    assert "'GBI-0363-202603-ZZZ' staat in het bestand maar niet" in text
    assert f"'{payments[0].end_to_end_id}' staat in het journaal maar niet in het bestand" in text


def test_reconcile_detects_another_file() -> None:
    payments, allocations = scenario()
    _, _, journal = make(payments, allocations)
    other = build_pain001(AMSTERDAM, payments, created_at=CREATED, message_id="ANDER-BESTAND")
    with pytest.raises(ReconciliationError, match="MsgId"):
        reconcile(journal, other)
    other_debtor = build_pain001(
        dataclasses.replace(AMSTERDAM, iban=make_iban("NL", "BNGH0285001234")),
        payments,
        created_at=CREATED,
        message_id=journal.message_id,
    )
    with pytest.raises(ReconciliationError, match="debiteur-IBAN"):
        reconcile(journal, other_debtor)


def test_reconcile_detects_an_unbalanced_journal() -> None:
    payments, allocations = scenario()
    _, data, journal = make(payments, allocations)
    lines = list(journal.lines)
    lines[0] = dataclasses.replace(lines[0], debit_cents=lines[0].debit_cents + 1)
    with pytest.raises(ReconciliationError, match="niet in evenwicht"):
        reconcile(dataclasses.replace(journal, lines=tuple(lines)), data)


def test_reconcile_refuses_garbage() -> None:
    payments, allocations = scenario()
    _, _, journal = make(payments, allocations)
    with pytest.raises(BankDataError):
        reconcile(journal, b"<not-a-pain001/>")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=2_000_000),  # levensonderhoud
            st.integers(min_value=0, max_value=20_000),  # vakantietoeslag
            st.integers(min_value=0, max_value=100_000),  # bijzondere bijstand
            st.integers(min_value=0, max_value=50_000),  # verrekening voorschot (at most the levensonderhoud)
            st.booleans(),  # paid a day later
        ),
        min_size=1,
        max_size=40,
    )
)
def test_any_allocation_reconciles(households: list[tuple[int, int, int, int, bool]]) -> None:
    payments: list[PaymentInstruction] = []
    allocations: list[Allocation] = []
    for n, (living, holiday, special, deduction, later) in enumerate(households):
        deduction = min(deduction, living - 1)
        p = payment(n, living + holiday + special - deduction, MARCH_26 if later else MARCH_25)
        payments.append(p)
        allocations.append(Allocation(p.end_to_end_id, CostType.LEVENSONDERHOUD, living))
        if holiday:
            allocations.append(Allocation(p.end_to_end_id, CostType.VAKANTIETOESLAG, holiday))
        if special:
            allocations.append(Allocation(p.end_to_end_id, CostType.BIJZONDERE_BIJSTAND, special))
        if deduction:
            allocations.append(Allocation(p.end_to_end_id, CostType.VOORSCHOT_VERREKENING, -deduction))
    summary, data, journal = make(payments, allocations)
    report = reconcile(journal, data)
    total = sum(p.amount_cents for p in payments)
    deductions = sum(-a.amount_cents for a in allocations if a.amount_cents < 0)
    assert report.control_sum_cents == summary.control_sum_cents == journal.bank_credit_cents == total
    assert journal.total_debit_cents == journal.total_credit_cents == total + deductions
    csv_rows = list(csv.reader(io.StringIO(journal_csv(journal).decode(), newline=""), delimiter=";"))[1:]
    assert sum(int(r[9].replace(",", "")) for r in csv_rows if r[5] == "11200") == total

"""pain.001.001.03 per gemeente: every document validates against the official XSD, sums are exact, bad input is
refused (naming the payment) before anything is written."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from gbi_integration.bank.amounts import MAX_AMOUNT_CENTS
from gbi_integration.bank.errors import (
    BankDataError,
    DuplicateEndToEndIdError,
    EmptyPaymentBatchError,
    InvalidAmountError,
    InvalidBicError,
    InvalidEndToEndIdError,
    InvalidIbanError,
    InvalidPaymentError,
)
from gbi_integration.bank.iban import make_iban
from gbi_integration.bank.sepa import (
    NAMESPACE,
    Debtor,
    EndToEndReference,
    PaymentInstruction,
    ScannedTransaction,
    build_pain001,
    end_to_end_id,
    end_to_end_ids,
    parse_end_to_end_id,
    scan_pain001,
    validate_pain001,
    write_pain001,
)

NS = {"p": NAMESPACE}
CREATED = datetime(2026, 3, 20, 8, 30, tzinfo=UTC)
MARCH_25 = date(2026, 3, 25)
MARCH_26 = date(2026, 3, 26)
AMSTERDAM = Debtor("0363", "Gemeente Amsterdam", "NL91ABNA0417164300")
BANKS = ("INGB", "RABO", "ABNA", "SNSB", "ASNB", "RBRB", "TRIO", "KNAB", "BUNQ")


def payment(n: int, **changes: Any) -> PaymentInstruction:
    base = PaymentInstruction(
        end_to_end_id=end_to_end_id("0363", "202603", n),
        creditor_name=f"Client {n}",
        creditor_iban=make_iban("NL", f"{BANKS[n % len(BANKS)]}{n:010d}"),
        amount_cents=100_000 + n,
        remittance_information=f"Bijstand maart 2026 dossier {n}",
        requested_execution_date=MARCH_25,
    )
    return dataclasses.replace(base, **changes)


def batch(size: int) -> list[PaymentInstruction]:
    return [payment(n) for n in range(size)]


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def assert_valid(schema: etree.XMLSchema, data: bytes) -> etree._Element:
    document = parse(data)
    if not schema.validate(document):
        raise AssertionError(str(schema.error_log))
    return document


def text(node: etree._Element, path: str) -> str:
    found = node.xpath(f"string({path})", namespaces=NS)
    assert isinstance(found, str)
    return found


def nodes(node: etree._Element, path: str) -> list[etree._Element]:
    found = node.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [n for n in found if isinstance(n, etree._Element)]


# --- the validator itself --------------------------------------------------------------------------------------


def test_the_official_sample_validates(pain001_schema: etree.XMLSchema, pain001_sample: bytes) -> None:
    assert_valid(pain001_schema, pain001_sample)


def test_the_validator_rejects_a_broken_document(pain001_schema: etree.XMLSchema, pain001_sample: bytes) -> None:
    broken = pain001_sample.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>XXX</PmtMtd>")
    assert not pain001_schema.validate(parse(broken))


# --- the document ----------------------------------------------------------------------------------------------


def test_document_structure(pain001_schema: etree.XMLSchema) -> None:
    payments = [payment(1), payment(2, amount_cents=1), payment(3, amount_cents=MAX_AMOUNT_CENTS)]
    data = build_pain001(AMSTERDAM, payments, created_at=CREATED, message_id="RUN-2026-03-0363")
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    doc = assert_valid(pain001_schema, data)

    assert text(doc, "/p:Document/p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId") == "RUN-2026-03-0363"
    assert text(doc, "//p:GrpHdr/p:CreDtTm") == "2026-03-20T08:30:00+00:00"
    assert text(doc, "//p:GrpHdr/p:NbOfTxs") == "3"
    assert text(doc, "//p:GrpHdr/p:CtrlSum") == "1000001000.01"  # 1000.01 + 0.01 + 999999999.99
    assert text(doc, "//p:GrpHdr/p:InitgPty/p:Nm") == "Gemeente Amsterdam"

    (pmt,) = nodes(doc, "//p:PmtInf")
    assert text(pmt, "p:PmtInfId") == "RUN-2026-03-0363-1"
    assert text(pmt, "p:PmtMtd") == "TRF"
    assert text(pmt, "p:BtchBookg") == "true"
    assert text(pmt, "p:NbOfTxs") == "3"
    assert text(pmt, "p:CtrlSum") == "1000001000.01"
    assert text(pmt, "p:PmtTpInf/p:SvcLvl/p:Cd") == "SEPA"
    assert text(pmt, "p:ReqdExctnDt") == "2026-03-25"
    assert text(pmt, "p:Dbtr/p:Nm") == "Gemeente Amsterdam"
    assert text(pmt, "p:DbtrAcct/p:Id/p:IBAN") == "NL91ABNA0417164300"
    assert text(pmt, "p:DbtrAcct/p:Ccy") == "EUR"
    assert text(pmt, "p:DbtrAgt/p:FinInstnId/p:BIC") == "ABNANL2A"  # looked up from the bank code
    assert text(pmt, "p:ChrgBr") == "SLEV"

    txs = nodes(pmt, "p:CdtTrfTxInf")
    assert [text(t, "p:PmtId/p:EndToEndId") for t in txs] == [p.end_to_end_id for p in payments]
    assert [text(t, "p:Amt/p:InstdAmt") for t in txs] == ["1000.01", "0.01", "999999999.99"]
    assert {t.xpath("string(p:Amt/p:InstdAmt/@Ccy)", namespaces=NS) for t in txs} == {"EUR"}
    assert [text(t, "p:Cdtr/p:Nm") for t in txs] == ["Client 1", "Client 2", "Client 3"]
    assert [text(t, "p:CdtrAcct/p:Id/p:IBAN") for t in txs] == [p.creditor_iban for p in payments]
    assert [text(t, "p:RmtInf/p:Ustrd") for t in txs] == [p.remittance_information for p in payments]
    assert nodes(pmt, "p:CdtTrfTxInf/p:CdtrAgt") == []  # no BIC: no creditor agent


def test_one_payment_information_per_execution_date(pain001_schema: etree.XMLSchema) -> None:
    dates = [MARCH_26, MARCH_25, date(2026, 4, 1), MARCH_25, MARCH_26, MARCH_25]
    payments = [payment(n, requested_execution_date=d, amount_cents=1000 * (n + 1)) for n, d in enumerate(dates)]
    data = build_pain001(AMSTERDAM, payments, created_at=CREATED)
    doc = assert_valid(pain001_schema, data)
    blocks = nodes(doc, "//p:PmtInf")
    assert [text(b, "p:ReqdExctnDt") for b in blocks] == ["2026-03-25", "2026-03-26", "2026-04-01"]
    for block in blocks:
        day = date.fromisoformat(text(block, "p:ReqdExctnDt"))
        expected = [p for p in payments if p.requested_execution_date == day]
        txs = nodes(block, "p:CdtTrfTxInf")
        assert [text(t, "p:PmtId/p:EndToEndId") for t in txs] == [p.end_to_end_id for p in expected]  # input order
        assert text(block, "p:NbOfTxs") == str(len(expected))
        assert Decimal(text(block, "p:CtrlSum")) * 100 == sum(p.amount_cents for p in expected)
    ids = [text(b, "p:PmtInfId") for b in blocks]
    assert len(set(ids)) == 3
    assert all(len(i) <= 35 for i in ids)
    summary = validate_pain001(AMSTERDAM, payments, created_at=CREATED)
    assert [(i.requested_execution_date, i.number_of_transactions) for i in summary.payment_informations] == [
        (MARCH_25, 3),
        (MARCH_26, 2),
        (date(2026, 4, 1), 1),
    ]


def test_creditor_agent_options(pain001_schema: etree.XMLSchema) -> None:
    payments = [
        payment(1, creditor_bic="ingbnl2a", creditor_iban=make_iban("NL", "INGB0000000001")),
        payment(2),  # no BIC
        payment(3, creditor_iban="DE89370400440532013000", creditor_bic="DEUTDEFF500"),
    ]
    omitted = assert_valid(pain001_schema, build_pain001(AMSTERDAM, payments, created_at=CREATED))
    assert [text(t, "p:CdtrAgt/p:FinInstnId/p:BIC") for t in nodes(omitted, "//p:CdtTrfTxInf")] == [
        "INGBNL2A",
        "",
        "DEUTDEFF500",
    ]
    assert len(nodes(omitted, "//p:CdtTrfTxInf/p:CdtrAgt")) == 2

    data = build_pain001(AMSTERDAM, payments, created_at=CREATED, creditor_agent="notprovided")
    notprovided = assert_valid(pain001_schema, data)
    second = nodes(notprovided, "//p:CdtTrfTxInf")[1]
    assert text(second, "p:CdtrAgt/p:FinInstnId/p:Othr/p:Id") == "NOTPROVIDED"

    derived = assert_valid(
        pain001_schema, build_pain001(AMSTERDAM, payments, created_at=CREATED, derive_dutch_bic=True)
    )
    second = nodes(derived, "//p:CdtTrfTxInf")[1]
    assert text(second, "p:CdtrAgt/p:FinInstnId/p:BIC") == "ABNANL2A"  # payment(2) banks with ABN AMRO


def test_debtor_without_known_bic_gets_notprovided(pain001_schema: etree.XMLSchema) -> None:
    debtor = Debtor("0599", "Gemeente Rotterdam", make_iban("NL", "ZZZZ0123456789"))
    doc = assert_valid(pain001_schema, build_pain001(debtor, [payment(1)], created_at=CREATED))
    assert text(doc, "//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id") == "NOTPROVIDED"
    with_bic = Debtor("0599", "Gemeente Rotterdam", "NL91ABNA0417164300", "ABNANL2AXXX")
    doc = assert_valid(pain001_schema, build_pain001(with_bic, [payment(1)], created_at=CREATED))
    assert text(doc, "//p:DbtrAgt/p:FinInstnId/p:BIC") == "ABNANL2AXXX"


def test_options(pain001_schema: etree.XMLSchema) -> None:
    data = build_pain001(
        AMSTERDAM,
        [payment(1)],
        created_at=CREATED,
        batch_booking=False,
        category_purpose="SSBE",
        initiating_party_name="GBI namens Gemeente Amsterdam",
    )
    doc = assert_valid(pain001_schema, data)
    assert text(doc, "//p:PmtInf/p:BtchBookg") == "false"
    assert text(doc, "//p:PmtTpInf/p:CtgyPurp/p:Cd") == "SSBE"
    assert text(doc, "//p:GrpHdr/p:InitgPty/p:Nm") == "GBI namens Gemeente Amsterdam"
    assert text(doc, "//p:PmtInf/p:Dbtr/p:Nm") == "Gemeente Amsterdam"


@pytest.mark.parametrize(
    ("option", "value"),
    [("creditor_agent", "sometimes"), ("category_purpose", "ssbe"), ("batch_booking", "yes")],
)
def test_bad_options_are_refused(option: str, value: Any) -> None:
    out = io.BytesIO()
    with pytest.raises(BankDataError) as raised:
        write_pain001(out, AMSTERDAM, [payment(1)], created_at=CREATED, **{option: value})
    assert raised.value.field == option
    assert out.getvalue() == b""


def test_transliteration_into_the_document(pain001_schema: etree.XMLSchema) -> None:
    payments = [
        payment(1, creditor_name="Zoë Çelik-Öztürk", remittance_information="Bijzondere bijstand – wasmachine €"),
        payment(2, creditor_name="Ĳsbrand ’t Hooft & Straße"),
        payment(3, creditor_name="Wilhelmina Catharina Johanna Maria van den Heuvel-Vermeulen de la Fontaine"),
        payment(4, creditor_name='Jan <b>de</b> "Vries"'),
        payment(5, remittance_information=""),
    ]
    doc = assert_valid(pain001_schema, build_pain001(AMSTERDAM, payments, created_at=CREATED))
    txs = nodes(doc, "//p:CdtTrfTxInf")
    names = [text(t, "p:Cdtr/p:Nm") for t in txs]
    assert names[:2] == ["Zoe Celik-Ozturk", "IJsbrand 't Hooft + Strasse"]
    assert names[2] == "Wilhelmina Catharina Johanna Maria van den Heuvel-Vermeulen de la Font"
    assert len(names[2]) == 70
    assert names[3] == "Jan (b)de(/b) 'Vries'"
    assert text(txs[0], "p:RmtInf/p:Ustrd") == "Bijzondere bijstand - wasmachine EUR"
    assert nodes(txs[4], "p:RmtInf") == []  # no remittance information at all


def test_debtor_name_is_transliterated(pain001_schema: etree.XMLSchema) -> None:
    debtor = Debtor("1680", "Gemeente Aa en Hunze — Sociaal Domein", "NL91ABNA0417164300")
    doc = assert_valid(pain001_schema, build_pain001(debtor, [payment(1)], created_at=CREATED))
    assert text(doc, "//p:Dbtr/p:Nm") == "Gemeente Aa en Hunze - Sociaal Domein"


def test_normalises_ibans_and_bics(pain001_schema: etree.XMLSchema) -> None:
    p = payment(1, creditor_iban="nl91 abna 0417 1643 00", creditor_bic="abna nl2a")
    debtor = Debtor("0363", "Gemeente Amsterdam", "NL02 ABNA 0123 4567 89")
    doc = assert_valid(pain001_schema, build_pain001(debtor, [p], created_at=CREATED))
    assert text(doc, "//p:CdtrAcct/p:Id/p:IBAN") == "NL91ABNA0417164300"
    assert text(doc, "//p:CdtrAgt/p:FinInstnId/p:BIC") == "ABNANL2A"
    assert text(doc, "//p:DbtrAcct/p:Id/p:IBAN") == "NL02ABNA0123456789"


def test_output_is_deterministic() -> None:
    payments = batch(50)
    first = build_pain001(AMSTERDAM, payments, created_at=CREATED)
    assert build_pain001(AMSTERDAM, list(payments), created_at=CREATED) == first
    later = build_pain001(AMSTERDAM, payments, created_at=CREATED + timedelta(hours=1))
    # only the creation time differs: the message id is derived from the content
    assert later.replace(b"09:30:00", b"08:30:00") == first


def test_message_id_is_derived_from_the_content() -> None:
    payments = batch(5)
    summary = validate_pain001(AMSTERDAM, payments, created_at=CREATED)
    assert summary.message_id.startswith("GBI-0363-")
    assert len(summary.message_id) <= 35
    again = validate_pain001(AMSTERDAM, payments, created_at=CREATED + timedelta(days=1))
    assert again.message_id == summary.message_id  # a regenerated batch: the bank refuses the duplicate file
    changed = [*payments[:-1], dataclasses.replace(payments[-1], amount_cents=payments[-1].amount_cents + 1)]
    assert validate_pain001(AMSTERDAM, changed, created_at=CREATED).message_id != summary.message_id
    other_account = [*payments[:-1], dataclasses.replace(payments[-1], creditor_iban="DE89370400440532013000")]
    assert validate_pain001(AMSTERDAM, other_account, created_at=CREATED).message_id != summary.message_id
    # a corrected file (name, text, options) is a new message, not a duplicate of the rejected one
    renamed = [*payments[:-1], dataclasses.replace(payments[-1], creditor_name="Client Gecorrigeerd")]
    assert validate_pain001(AMSTERDAM, renamed, created_at=CREATED).message_id != summary.message_id
    assert validate_pain001(AMSTERDAM, payments, created_at=CREATED, batch_booking=False).message_id != (
        summary.message_id
    )
    # and validate_pain001 predicts exactly what write_pain001 writes, options included
    choices: list[dict[str, Any]] = [
        {},
        {"category_purpose": "SSBE", "creditor_agent": "notprovided"},
        {"message_id": "RUN-7"},
    ]
    for options in choices:
        assert validate_pain001(AMSTERDAM, payments, created_at=CREATED, **options) == write_pain001(
            io.BytesIO(), AMSTERDAM, payments, created_at=CREATED, **options
        )


def test_long_message_id_keeps_payment_information_ids_within_35(pain001_schema: etree.XMLSchema) -> None:
    message_id = "M" * 35
    payments = [payment(1), payment(2, requested_execution_date=MARCH_26)]
    doc = assert_valid(pain001_schema, build_pain001(AMSTERDAM, payments, created_at=CREATED, message_id=message_id))
    ids = [text(b, "p:PmtInfId") for b in nodes(doc, "//p:PmtInf")]
    assert ids == ["M" * 33 + "-1", "M" * 33 + "-2"]


def test_creation_time_keeps_its_offset(pain001_schema: etree.XMLSchema) -> None:
    amsterdam_time = datetime(2026, 3, 20, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1)))
    doc = assert_valid(pain001_schema, build_pain001(AMSTERDAM, [payment(1)], created_at=amsterdam_time))
    assert text(doc, "//p:GrpHdr/p:CreDtTm") == "2026-03-20T09:30:15+01:00"


def test_summary_matches_the_file() -> None:
    payments = [payment(n, requested_execution_date=MARCH_25 if n % 3 else MARCH_26) for n in range(30)]
    out = io.BytesIO()
    summary = write_pain001(out, AMSTERDAM, payments, created_at=CREATED)
    scanned = scan_pain001(out.getvalue())
    assert scanned.problems == ()
    assert scanned.message_id == summary.message_id
    assert scanned.number_of_transactions == summary.number_of_transactions == 30
    assert scanned.control_sum_cents == summary.control_sum_cents == sum(p.amount_cents for p in payments)
    assert summary.control_sum == f"{summary.control_sum_cents // 100}.{summary.control_sum_cents % 100:02d}"
    assert [
        (i.payment_information_id, i.requested_execution_date, i.number_of_transactions, i.control_sum_cents)
        for i in scanned.payment_informations
    ] == [
        (i.payment_information_id, i.requested_execution_date, i.number_of_transactions, i.control_sum_cents)
        for i in summary.payment_informations
    ]
    assert summary.debtor == Debtor("0363", "Gemeente Amsterdam", "NL91ABNA0417164300", "ABNANL2A")


class _RecordingWriter:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self.chunks.append(bytes(data))
        return len(data)


def test_streams_in_chunks(pain001_schema: etree.XMLSchema) -> None:
    payments = batch(10_000)
    writer = _RecordingWriter()
    write_pain001(writer, AMSTERDAM, payments, created_at=CREATED)
    data = b"".join(writer.chunks)
    assert len(writer.chunks) > 5  # written as it goes, not as one document
    assert max(len(c) for c in writer.chunks) < len(data) / 3
    assert data == build_pain001(AMSTERDAM, payments, created_at=CREATED)
    assert_valid(pain001_schema, data)


# --- control sums ----------------------------------------------------------------------------------------------

_AMOUNTS = st.lists(
    st.one_of(
        st.integers(min_value=1, max_value=500_000),
        st.integers(min_value=1, max_value=MAX_AMOUNT_CENTS),
        st.sampled_from([1, 99, 100, 101, 999, 1_000, 10_01, MAX_AMOUNT_CENTS]),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(_AMOUNTS, st.lists(st.sampled_from([MARCH_25, MARCH_26, date(2026, 4, 1)]), min_size=60, max_size=60))
def test_control_sums_are_exact_to_the_cent(
    pain001_schema: etree.XMLSchema, amounts: list[int], dates: list[date]
) -> None:
    payments = [payment(n, amount_cents=cents, requested_execution_date=dates[n]) for n, cents in enumerate(amounts)]
    data = build_pain001(AMSTERDAM, payments, created_at=CREATED)
    doc = assert_valid(pain001_schema, data)
    assert Decimal(text(doc, "//p:GrpHdr/p:CtrlSum")) * 100 == sum(amounts)
    assert text(doc, "//p:GrpHdr/p:NbOfTxs") == str(len(amounts))
    parsed = [Decimal(text(t, "p:Amt/p:InstdAmt")) * 100 for t in nodes(doc, "//p:CdtTrfTxInf")]
    assert sorted(parsed) == sorted(Decimal(a) for a in amounts)
    for block in nodes(doc, "//p:PmtInf"):
        day = date.fromisoformat(text(block, "p:ReqdExctnDt"))
        block_amounts = [Decimal(text(t, "p:Amt/p:InstdAmt")) for t in nodes(block, "p:CdtTrfTxInf")]
        assert Decimal(text(block, "p:CtrlSum")) == sum(block_amounts)
        assert Decimal(text(block, "p:CtrlSum")) * 100 == sum(
            a for a, d in zip(amounts, dates, strict=False) if d == day
        )
    assert scan_pain001(data).problems == ()


def test_many_payments_validate_and_add_up(pain001_schema: etree.XMLSchema) -> None:
    payments = [payment(n, amount_cents=(n * 7919) % 300_000 + 1) for n in range(5_000)]
    data = build_pain001(AMSTERDAM, payments, created_at=CREATED)
    doc = assert_valid(pain001_schema, data)
    assert Decimal(text(doc, "//p:GrpHdr/p:CtrlSum")) * 100 == sum(p.amount_cents for p in payments)


# --- refusals --------------------------------------------------------------------------------------------------

_INVALID: list[tuple[str, dict[str, Any], type[InvalidPaymentError], str]] = [
    ("zero", {"amount_cents": 0}, InvalidAmountError, "amount_cents"),
    ("negative", {"amount_cents": -100}, InvalidAmountError, "amount_cents"),
    ("too large", {"amount_cents": MAX_AMOUNT_CENTS + 1}, InvalidAmountError, "amount_cents"),
    ("float", {"amount_cents": 100.5}, InvalidAmountError, "amount_cents"),
    ("bool", {"amount_cents": True}, InvalidAmountError, "amount_cents"),
    ("decimal", {"amount_cents": Decimal(100)}, InvalidAmountError, "amount_cents"),
    ("mod-97", {"creditor_iban": "NL91ABNA0417164301"}, InvalidPaymentError, "creditor_iban"),
    ("length", {"creditor_iban": "NL91ABNA041716430"}, InvalidPaymentError, "creditor_iban"),
    ("not SEPA", {"creditor_iban": "TR330006100519786457841326"}, InvalidPaymentError, "creditor_iban"),
    ("no IBAN", {"creditor_iban": ""}, InvalidPaymentError, "creditor_iban"),
    ("bad BIC", {"creditor_bic": "ABNANL"}, InvalidPaymentError, "creditor_bic"),
    ("BIC of another bank", {"creditor_bic": "INGBNL2A"}, InvalidPaymentError, "creditor_bic"),
    ("e2e too long", {"end_to_end_id": "E" * 36}, InvalidPaymentError, "end_to_end_id"),
    ("e2e charset", {"end_to_end_id": "GBI_0363"}, InvalidPaymentError, "end_to_end_id"),
    ("e2e slash", {"end_to_end_id": "/GBI-0363"}, InvalidPaymentError, "end_to_end_id"),
    ("e2e empty", {"end_to_end_id": ""}, InvalidPaymentError, "end_to_end_id"),
    ("e2e NOTPROVIDED", {"end_to_end_id": "NOTPROVIDED"}, InvalidPaymentError, "end_to_end_id"),
    ("name empty", {"creditor_name": "  "}, InvalidPaymentError, "creditor_name"),
    ("name not Latin", {"creditor_name": "Иван"}, InvalidPaymentError, "creditor_name"),
    ("remittance > 140", {"remittance_information": "x" * 141}, InvalidPaymentError, "remittance_information"),
    ("remittance grows", {"remittance_information": "ß" * 71}, InvalidPaymentError, "remittance_information"),
    (
        "datetime",
        {"requested_execution_date": datetime(2026, 3, 25, tzinfo=UTC)},
        InvalidPaymentError,
        "requested_execution_date",
    ),
    ("in the past", {"requested_execution_date": date(2026, 3, 19)}, InvalidPaymentError, "requested_execution_date"),
]


@pytest.mark.parametrize(("case", "changes", "error", "attribute"), _INVALID, ids=[c[0] for c in _INVALID])
def test_invalid_payments_are_refused_naming_the_payment_and_nothing_is_written(
    case: str, changes: dict[str, Any], error: type[InvalidPaymentError], attribute: str
) -> None:
    payments = batch(3_000)  # more than one chunk: validation comes before the first byte
    payments[2_999] = payment(2_999, **changes)
    out = io.BytesIO()
    with pytest.raises(error) as raised:
        write_pain001(out, AMSTERDAM, payments, created_at=CREATED)
    assert out.getvalue() == b""
    assert raised.value.index == 2_999
    assert raised.value.attribute == attribute
    assert raised.value.field == f"payments[2999].{attribute}"
    assert raised.value.end_to_end_id == payments[2_999].end_to_end_id
    assert raised.value.invalid_params is not None
    assert raised.value.invalid_params[0].name == f"payments[2999].{attribute}"
    assert str(payments[2_999].end_to_end_id) in str(raised.value)
    with pytest.raises(error):
        build_pain001(AMSTERDAM, payments, created_at=CREATED)


def test_duplicate_end_to_end_ids_are_refused() -> None:
    payments = [*batch(10), payment(3, amount_cents=5)]
    out = io.BytesIO()
    with pytest.raises(DuplicateEndToEndIdError) as raised:
        write_pain001(out, AMSTERDAM, payments, created_at=CREATED)
    assert out.getvalue() == b""
    assert (raised.value.index, raised.value.first_index) == (10, 3)
    assert raised.value.field == "payments[10].end_to_end_id"
    assert raised.value.end_to_end_id == payment(3).end_to_end_id


def test_an_empty_batch_is_refused() -> None:
    out = io.BytesIO()
    with pytest.raises(EmptyPaymentBatchError) as raised:
        write_pain001(out, AMSTERDAM, [], created_at=CREATED)
    assert raised.value.field == "payments"
    assert out.getvalue() == b""


@pytest.mark.parametrize(
    ("debtor", "error", "field"),
    [
        (Debtor("363", "Gemeente Amsterdam", "NL91ABNA0417164300"), BankDataError, "debtor.gemeente_code"),
        (Debtor("0363", "", "NL91ABNA0417164300"), BankDataError, "debtor.name"),
        (Debtor("0363", "Gemeente Amsterdam", "NL91ABNA0417164301"), InvalidIbanError, "debtor.iban"),
        (Debtor("0363", "Gemeente Amsterdam", "TR330006100519786457841326"), InvalidIbanError, "debtor.iban"),
        (Debtor("0363", "Gemeente Amsterdam", "NL91ABNA0417164300", "ABNANL"), InvalidBicError, "debtor.bic"),
        (Debtor("0363", "Gemeente Amsterdam", "NL91ABNA0417164300", "RABONL2U"), InvalidBicError, "debtor.bic"),
    ],
)
def test_invalid_debtors_are_refused(debtor: Debtor, error: type[BankDataError], field: str) -> None:
    out = io.BytesIO()
    with pytest.raises(error) as raised:
        write_pain001(out, debtor, [payment(1)], created_at=CREATED)
    assert raised.value.field == field
    assert out.getvalue() == b""


def test_creation_time_must_be_timezone_aware() -> None:
    with pytest.raises(BankDataError) as raised:
        build_pain001(AMSTERDAM, [payment(1)], created_at=datetime(2026, 3, 20, 8, 30))
    assert raised.value.field == "created_at"


@pytest.mark.parametrize("message_id", ["", "M" * 36, "RUN//1", "RUN_1", " RUN"])
def test_invalid_message_ids_are_refused(message_id: str) -> None:
    with pytest.raises(BankDataError) as raised:
        build_pain001(AMSTERDAM, [payment(1)], created_at=CREATED, message_id=message_id)
    assert raised.value.field == "message_id"


# --- end-to-end ids --------------------------------------------------------------------------------------------


def test_end_to_end_id_scheme() -> None:
    assert end_to_end_id("0363", "202603", 0) == "GBI-0363-202603-0"
    assert end_to_end_id("0363", "202603", 35) == "GBI-0363-202603-Z"
    assert end_to_end_id("0363", "202603", 36) == "GBI-0363-202603-10"
    assert parse_end_to_end_id("GBI-0363-202603-10") == EndToEndReference("0363", "202603", 36)
    biggest = 36**19 - 1
    assert len(end_to_end_id("0363", "202603", biggest)) == 35
    assert parse_end_to_end_id(end_to_end_id("0363", "202603", biggest)).payment_id == biggest
    assert 36**19 > 2**64  # every 64-bit payment id fits


def test_a_files_end_to_end_ids_are_made_at_once_and_checked_like_one() -> None:
    ids = [*range(2000), *(36**k + d for k in range(1, 19) for d in (-1, 0, 1)), 36**19 - 1]
    made = end_to_end_ids("0363", "202603", ids)
    assert made == [end_to_end_id("0363", "202603", n) for n in ids]
    for n, value in zip(ids, made, strict=True):
        prefix, digits = value.rsplit("-", 1)
        assert prefix == "GBI-0363-202603"
        assert int(digits, 36) == n
        assert digits == "0" or not digits.startswith("0")
    with pytest.raises(InvalidEndToEndIdError) as raised:
        end_to_end_ids("0363", "202603", [1, 2, -3])
    assert raised.value.field == "payment_id"
    with pytest.raises(InvalidEndToEndIdError) as raised:
        end_to_end_ids("0363", "202613", [1])
    assert raised.value.field == "period"
    assert end_to_end_ids("0363", "202603", []) == []


@given(
    st.from_regex(r"[0-9]{4}", fullmatch=True),
    st.tuples(st.integers(min_value=2000, max_value=2099), st.integers(min_value=1, max_value=12)),
    st.integers(min_value=0, max_value=36**19 - 1),
)
def test_end_to_end_ids_round_trip(gemeente: str, period: tuple[int, int], payment_id: int) -> None:
    yyyymm = f"{period[0]}{period[1]:02d}"
    value = end_to_end_id(gemeente, yyyymm, payment_id)
    assert len(value) <= 35
    assert parse_end_to_end_id(value) == EndToEndReference(gemeente, yyyymm, payment_id)
    # and it is a valid SEPA end-to-end id
    validate_pain001(AMSTERDAM, [payment(1, end_to_end_id=value)], created_at=CREATED)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("363", "202603", 1), "gemeente_code"),
        (("0363", "202613", 1), "period"),
        (("0363", "2026-03", 1), "period"),
        (("0363", "202603", -1), "payment_id"),
        (("0363", "202603", True), "payment_id"),
        (("0363", "202603", 36**19), "payment_id"),
    ],
)
def test_end_to_end_id_refuses_bad_parts(args: tuple[Any, Any, Any], field: str) -> None:
    with pytest.raises(InvalidEndToEndIdError) as raised:
        end_to_end_id(*args)
    assert raised.value.field == field


@pytest.mark.parametrize(
    "value",
    [
        "GBI-0363-202603-01",  # leading zero: not canonical
        "GBI-0363-202603-1a",
        "GBI-0363-202613-1",
        "GBI-363-202603-1",
        "XYZ-0363-202603-1",
        "GBI-0363-202603-",
        "GBI-0363-202603-" + "1" * 20,
        "",
    ],
)
def test_parse_end_to_end_id_refuses_other_ids(value: str) -> None:
    with pytest.raises(InvalidEndToEndIdError):
        parse_end_to_end_id(value)


# --- reading back ----------------------------------------------------------------------------------------------


def test_scan_the_official_sample(pain001_sample: bytes) -> None:
    scanned = scan_pain001(pain001_sample)
    assert scanned.message_id == "OurMessageIdentification"
    assert (scanned.number_of_transactions, scanned.control_sum_cents) == (1, 1234)
    assert scanned.problems == ()
    (info,) = scanned.payment_informations
    assert (info.payment_information_id, info.requested_execution_date) == ("OurPaymentInfo", date(2025, 8, 19))


def test_scan_reports_inconsistencies() -> None:
    data = build_pain001(AMSTERDAM, batch(3), created_at=CREATED)
    tampered = data.replace(b'Ccy="EUR">1000.01<', b'Ccy="USD">1000.02<').replace(b"<NbOfTxs>3</NbOfTxs>", b"", 1)
    scanned = scan_pain001(io.BytesIO(tampered))
    assert any("USD" in p for p in scanned.problems)
    assert any(p.startswith("PmtInf") and "CtrlSum" in p for p in scanned.problems)
    assert any(p.startswith("GrpHdr: NbOfTxs") for p in scanned.problems)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml",
        b"<Document><CstmrCdtTrfInitn/></Document>",  # no namespace
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>',
    ],
)
def test_scan_refuses_what_is_not_a_pain001(data: bytes) -> None:
    with pytest.raises(BankDataError) as raised:
        scan_pain001(data)
    assert raised.value.field == "pain001"


def test_scan_does_not_resolve_entities() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn><GrpHdr>'
        b"<MsgId>&x;</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>"
    )
    scanned = scan_pain001(data)
    assert "root" not in scanned.message_id


def test_scan_reads_the_creditor_account_not_another_account_in_the_transfer(
    pain001_schema: etree.XMLSchema,
) -> None:
    data = build_pain001(AMSTERDAM, [payment(1)], created_at=CREATED)
    agent_account = b"<CdtrAgtAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></CdtrAgtAcct><Cdtr>"
    data = data.replace(b"<Cdtr>", agent_account, 1)
    assert_valid(pain001_schema, data)
    seen: list[ScannedTransaction] = []
    scan_pain001(data, seen.append)
    assert [(t.end_to_end_id, t.amount_cents, t.currency, t.creditor_iban) for t in seen] == [
        (payment(1).end_to_end_id, 100_001, "EUR", payment(1).creditor_iban)
    ]
    assert seen[0].requested_execution_date == MARCH_25
    assert seen[0].payment_information_id.endswith("-1")

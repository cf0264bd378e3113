"""SEPA credit transfer initiation (ISO 20022 ``pain.001.001.03``) for the payment run, one file per gemeente.

The debtor is the gemeente (its account, BIC and name); every payment instruction becomes one ``CdtTrfTxInf``;
instructions are grouped into one ``PmtInf`` per requested execution date (sorted by date, instructions in input
order). Amounts are integer cents and rendered exactly; ``NbOfTxs`` and ``CtrlSum`` of the group header and of
every ``PmtInf`` are computed from the same cents.

Writing happens in two passes over the instructions:

1. validate and total everything (amount range, IBAN incl. mod-97 and SEPA scope, BIC, end-to-end id syntax and
   uniqueness, names and remittance text transliterated to the SEPA character set). Any problem raises a typed
   error naming the payment *before a single byte is written*;
2. stream the XML to a binary file object in chunks. Every value that goes into the document was validated or
   transliterated into the SEPA character set, which has no XML markup characters, so the document is built from
   fixed templates without a DOM: 420,000 transactions take a few seconds and little memory beyond the input.

The output is deterministic: the same debtor, instructions, options and creation time give the same bytes. By
default the ``MsgId`` is ``GBI-<gemeente>-`` and a digest of everything in the file except the creation time, so
regenerating the same batch yields the same ``MsgId`` (the bank's duplicate-file check refuses a second
submission), while a corrected file gets a new one; pass ``message_id`` (for example the payment run id) to
choose it.

End-to-end ids follow a traceable scheme, ``GBI-<gemeente>-<period YYYYMM>-<payment id base 36>``
(``end_to_end_id`` / ``parse_end_to_end_id``), so that a returned or rejected transfer leads back to the payment.
"""

from __future__ import annotations

import hashlib
import io
import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import Final, Literal, Protocol

from lxml import etree

from gbi_integration.bank.amounts import MAX_AMOUNT_CENTS, format_cents, parse_amount
from gbi_integration.bank.charset import CLEAN_TEXT, IDENTIFIER_35, is_sepa_identifier, transliterate
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
from gbi_integration.bank.iban import DUTCH_BANK_BICS, bic_for_dutch_iban, iban_problem, normalize_iban, validate_bic

__all__ = [
    "NAMESPACE",
    "BinaryReader",
    "BinaryWriter",
    "CreditorAgent",
    "Debtor",
    "EndToEndReference",
    "Pain001Summary",
    "PaymentInfoSummary",
    "PaymentInstruction",
    "ScannedPain001",
    "ScannedPaymentInfo",
    "ScannedTransaction",
    "build_pain001",
    "end_to_end_id",
    "parse_end_to_end_id",
    "scan_pain001",
    "validate_pain001",
    "write_pain001",
]

NAMESPACE: Final = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
NAME_MAX: Final = 70  # EPC: names of parties max 70 characters (the XSD allows 140)
REMITTANCE_MAX: Final = 140
ID_MAX: Final = 35
NOTPROVIDED: Final = "NOTPROVIDED"

CreditorAgent = Literal["omit", "notprovided"]
"""What to write for a creditor without a BIC: no ``CdtrAgt`` at all (the default; allowed since 2016) or a
``CdtrAgt`` with ``FinInstnId/Othr/Id`` ``NOTPROVIDED`` (some banks' implementation guides ask for that)."""


class BinaryWriter(Protocol):
    """A binary file object: an open file, ``io.BytesIO``, a socket or upload stream, ..."""

    def write(self, data: bytes, /) -> object: ...


class BinaryReader(Protocol):
    """A binary file object to read from."""

    def read(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Debtor:
    """The paying gemeente: its CBS gemeentecode (four digits, ``"0363"``), name, account and (optional) BIC.
    Without a BIC the BIC of a Dutch IBAN is looked up by bank code, else ``NOTPROVIDED`` is written."""

    gemeente_code: str
    name: str
    iban: str
    bic: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentInstruction:
    """One credit transfer. ``amount_cents`` is integer euro cents (> 0, at most 99,999,999,999);
    ``remittance_information`` is unstructured text (max 140 after transliteration; empty: none)."""

    end_to_end_id: str
    creditor_name: str
    creditor_iban: str
    amount_cents: int
    remittance_information: str
    requested_execution_date: date
    creditor_bic: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentInfoSummary:
    """One ``PmtInf`` block: all transfers with the same requested execution date."""

    payment_information_id: str
    requested_execution_date: date
    number_of_transactions: int
    control_sum_cents: int


@dataclass(frozen=True, slots=True)
class Pain001Summary:
    """What a pain.001 file contains, in numbers: what the journal is built on and reconciled against."""

    message_id: str
    created_at: datetime
    debtor: Debtor  # normalised: IBAN and BIC as written, name transliterated
    number_of_transactions: int
    control_sum_cents: int
    payment_informations: tuple[PaymentInfoSummary, ...]

    @property
    def control_sum(self) -> str:
        return format_cents(self.control_sum_cents)


# --------------------------------------------------------------------------------------------------------------
# End-to-end ids: GBI-<gemeente>-<YYYYMM>-<payment id in base 36>


E2E_PREFIX: Final = "GBI"
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_E2E = re.compile(r"GBI-([0-9]{4})-([0-9]{4}(?:0[1-9]|1[0-2]))-(0|[1-9A-Z][0-9A-Z]*)")
_GEMEENTE = re.compile(r"[0-9]{4}")
_PERIOD = re.compile(r"[0-9]{4}(?:0[1-9]|1[0-2])")
_E2E_ID_DIGITS = ID_MAX - len("GBI-0000-000000-")  # 19 base-36 digits: more than 2**64 payment ids


@dataclass(frozen=True, slots=True)
class EndToEndReference:
    gemeente_code: str
    period: str  # YYYYMM
    payment_id: int


def end_to_end_id(gemeente_code: str, period: str, payment_id: int) -> str:
    """The end-to-end id of payment ``payment_id`` of ``gemeente_code`` (four digits) for ``period`` (YYYYMM):
    ``end_to_end_id("0363", "202603", 123456789)`` -> ``"GBI-0363-202603-21I3V9"``. At most 35 characters."""
    return end_to_end_ids(gemeente_code, period, (payment_id,))[0]


#: Two base-36 digits per step (36 ** 2 = 1296 pairs): the ids of a file are made with half the divisions.
_BASE36_PAIRS = tuple(a + b for a in _BASE36 for b in _BASE36)
_E2E_ID_MAX = 36**_E2E_ID_DIGITS - 1


def end_to_end_ids(gemeente_code: str, period: str, payment_ids: Iterable[int]) -> list[str]:
    """``end_to_end_id`` for every payment of one gemeente and period (a whole file): the gemeente and the period
    are checked once, each payment id as ``end_to_end_id`` checks it."""
    if not isinstance(gemeente_code, str) or _GEMEENTE.fullmatch(gemeente_code) is None:
        raise InvalidEndToEndIdError("gemeente_code", "gemeentecode moet uit vier cijfers bestaan")
    if not isinstance(period, str) or _PERIOD.fullmatch(period) is None:
        raise InvalidEndToEndIdError("period", "periode moet de vorm JJJJMM hebben")
    prefix = f"{E2E_PREFIX}-{gemeente_code}-{period}-"
    pairs, digits, largest = _BASE36_PAIRS, _BASE36, _E2E_ID_MAX
    ids: list[str] = []
    append = ids.append
    for payment_id in payment_ids:
        if type(payment_id) is not int or payment_id < 0:
            raise InvalidEndToEndIdError("payment_id", "betalingsnummer moet een niet-negatief geheel getal zijn")
        if payment_id > largest:
            raise InvalidEndToEndIdError("payment_id", "betalingsnummer is te groot voor een end-to-end-id")
        if payment_id < 36:
            append(prefix + digits[payment_id])
            continue
        text = ""
        rest = payment_id
        while rest >= 36:
            rest, pair = divmod(rest, 1296)
            text = pairs[pair] + text
        if rest:  # the loop stops with a pair of 36 or more, so a leading pair never starts with 0
            text = digits[rest] + text
        append(prefix + text)
    return ids


def parse_end_to_end_id(value: str) -> EndToEndReference:
    """The reverse of ``end_to_end_id``; ``InvalidEndToEndIdError`` for an id that is not in the GBI scheme."""
    match = _E2E.fullmatch(value) if isinstance(value, str) and len(value) <= ID_MAX else None
    if match is None:
        raise InvalidEndToEndIdError("end_to_end_id", f"{value!r} volgt niet het schema GBI-gemeente-JJJJMM-nummer")
    return EndToEndReference(match[1], match[2], int(match[3], 36))


# --------------------------------------------------------------------------------------------------------------
# Pass 1: validation and totals


@dataclass(frozen=True, slots=True)
class _Plan:
    summary: Pain001Summary
    debtor_bic: str | None
    initiating_party: str
    groups: tuple[tuple[PaymentInfoSummary, array[int]], ...]
    # index -> (name, iban, bic, remittance) when any of them differs from the instruction as given
    overrides: dict[int, tuple[str, str, str | None, str]]


def _check_id(value: object, field: str) -> str:
    if not isinstance(value, str) or not is_sepa_identifier(value, max_length=ID_MAX):
        raise BankDataError(
            field, "moet 1 tot 35 SEPA-tekens zijn, niet beginnen of eindigen met '/' of spatie, geen '//' bevatten"
        )
    return value


def _normalise_debtor(debtor: Debtor) -> tuple[Debtor, str | None]:
    if not isinstance(debtor.gemeente_code, str) or _GEMEENTE.fullmatch(debtor.gemeente_code) is None:
        raise BankDataError("debtor.gemeente_code", "gemeentecode moet uit vier cijfers bestaan")
    if not isinstance(debtor.name, str) or not (name := transliterate(debtor.name, max_length=NAME_MAX)):
        raise BankDataError("debtor.name", "naam van de gemeente ontbreekt (na omzetting naar SEPA-tekens)")
    if not isinstance(debtor.iban, str):
        raise InvalidIbanError("debtor.iban", "IBAN moet tekst zijn")
    iban = normalize_iban(debtor.iban)
    problem = iban_problem(iban, sepa=True)
    if problem is not None:
        raise InvalidIbanError("debtor.iban", problem)
    bic = validate_bic(debtor.bic, field="debtor.bic") if debtor.bic is not None else bic_for_dutch_iban(iban)
    if bic is not None and not _bic_fits_iban(bic, iban):
        raise InvalidBicError("debtor.bic", f"BIC {bic} hoort niet bij de bank van IBAN {iban}")
    return Debtor(debtor.gemeente_code, name, iban, bic), bic


def _bic_fits_iban(bic: str, iban: str) -> bool:
    """False only when we know better: a Dutch IBAN of a listed bank with a BIC of another institution."""
    if iban.startswith("NL") and iban[4:8] in DUTCH_BANK_BICS:
        return bic[:6] == iban[4:8] + "NL"
    return True


# The checks of one instruction, field by field. The loop in ``_plan`` inlines the cheap test of each field (is it
# already clean?) and calls these only for a field that needs normalising or is wrong; they return the value as it
# goes into the file, or raise naming the payment.


def _check_end_to_end_id(index: int, e2e: object) -> None:
    if type(e2e) is not str or not is_sepa_identifier(e2e, max_length=ID_MAX):
        raise InvalidPaymentError(
            index, e2e, "end_to_end_id", "moet 1 tot 35 SEPA-tekens zijn, zonder '/' of spatie aan begin of eind, '//'"
        )
    if e2e == NOTPROVIDED:
        raise InvalidPaymentError(index, e2e, "end_to_end_id", "NOTPROVIDED maakt de betaling onherleidbaar")


def _check_amount(index: int, e2e: str, amount: object) -> None:
    if type(amount) is not int:
        raise InvalidAmountError(index, e2e, "amount_cents", "bedrag moet een geheel aantal centen (int) zijn")
    if amount <= 0:
        raise InvalidAmountError(index, e2e, "amount_cents", f"bedrag moet positief zijn, niet {amount} cent")
    if amount > MAX_AMOUNT_CENTS:
        raise InvalidAmountError(index, e2e, "amount_cents", "bedrag is hoger dan 999.999.999,99 euro")


def _check_iban(index: int, e2e: str, value: object) -> str:
    if type(value) is not str:
        raise InvalidPaymentError(index, e2e, "creditor_iban", "IBAN moet tekst zijn")
    iban = normalize_iban(value)
    problem = iban_problem(iban, sepa=True)
    if problem is not None:
        raise InvalidPaymentError(index, e2e, "creditor_iban", problem)
    return iban


def _check_bic(index: int, e2e: str, value: object, iban: str, *, derive_dutch_bic: bool) -> str | None:
    if value is None:
        return DUTCH_BANK_BICS.get(iban[4:8]) if derive_dutch_bic and iban.startswith("NL") else None
    if type(value) is not str:
        raise InvalidPaymentError(index, e2e, "creditor_bic", "BIC moet tekst zijn")
    try:
        bic = validate_bic(value, field="creditor_bic")
    except InvalidBicError as exc:
        raise InvalidPaymentError(index, e2e, "creditor_bic", exc.reason) from exc
    if not _bic_fits_iban(bic, iban):
        raise InvalidPaymentError(index, e2e, "creditor_bic", f"BIC {bic} hoort niet bij de bank van IBAN {iban}")
    return bic


def _check_name(index: int, e2e: str, value: object) -> str:
    if type(value) is not str:
        raise InvalidPaymentError(index, e2e, "creditor_name", "naam moet tekst zijn")
    name = transliterate(value, max_length=NAME_MAX)
    if not name:
        raise InvalidPaymentError(index, e2e, "creditor_name", "naam ontbreekt (na omzetting naar SEPA-tekens)")
    return name


def _check_remittance(index: int, e2e: str, value: object) -> str:
    if type(value) is not str:
        raise InvalidPaymentError(index, e2e, "remittance_information", "omschrijving moet tekst zijn")
    remittance = transliterate(value)
    if len(remittance) > REMITTANCE_MAX:
        raise InvalidPaymentError(
            index, e2e, "remittance_information", f"omschrijving is {len(remittance)} tekens, meer dan 140"
        )
    return remittance


def _check_date(index: int, e2e: str, value: object, earliest: date) -> None:
    if type(value) is not date:
        raise InvalidPaymentError(
            index, e2e, "requested_execution_date", "uitvoerdatum moet een date zijn (geen datetime)"
        )
    if value < earliest:
        raise InvalidPaymentError(
            index, e2e, "requested_execution_date", f"uitvoerdatum {value} ligt voor de aanmaakdatum {earliest}"
        )


@dataclass(frozen=True, slots=True)
class _Options:
    batch_booking: bool
    creditor_agent: str
    derive_dutch_bic: bool
    category_purpose: str | None
    initiating_party_name: str | None


_CATEGORY_PURPOSE = re.compile(r"[A-Z]{4}")


def _options(
    *,
    batch_booking: object,
    creditor_agent: object,
    derive_dutch_bic: object,
    category_purpose: object,
    initiating_party_name: object,
) -> _Options:
    if not isinstance(batch_booking, bool):
        raise BankDataError("batch_booking", "moet true of false zijn")
    if creditor_agent not in ("omit", "notprovided"):
        raise BankDataError("creditor_agent", "moet 'omit' of 'notprovided' zijn")
    if not isinstance(derive_dutch_bic, bool):
        raise BankDataError("derive_dutch_bic", "moet true of false zijn")
    if category_purpose is not None and (
        not isinstance(category_purpose, str) or _CATEGORY_PURPOSE.fullmatch(category_purpose) is None
    ):
        raise BankDataError("category_purpose", "moet een ISO-code van vier hoofdletters zijn (bijvoorbeeld SSBE)")
    initiating_party: str | None = None
    if initiating_party_name is not None:
        if isinstance(initiating_party_name, str):
            initiating_party = transliterate(initiating_party_name, max_length=NAME_MAX)
        if not initiating_party:
            raise BankDataError("initiating_party_name", "naam ontbreekt (na omzetting naar SEPA-tekens)")
    return _Options(batch_booking, str(creditor_agent), derive_dutch_bic, category_purpose, initiating_party)


def _plan(
    debtor: Debtor,
    payments: Sequence[PaymentInstruction],
    *,
    created_at: datetime,
    message_id: str | None,
    options: _Options,
) -> _Plan:
    if not isinstance(created_at, datetime) or created_at.utcoffset() is None:
        raise BankDataError("created_at", "aanmaakmoment moet een datetime met tijdzone zijn")
    norm_debtor, debtor_bic = _normalise_debtor(debtor)
    if message_id is not None:
        _check_id(message_id, "message_id")
    initiating_party = options.initiating_party_name or norm_debtor.name
    derive_dutch_bic = options.derive_dutch_bic
    if not payments:
        raise EmptyPaymentBatchError()

    earliest = created_at.date()
    seen: set[str] = set()
    # Per execution date: the positions of its payments (4 bytes each) and its total in cents (a one-item list,
    # so that the loop can add to the total of the current date without a dictionary lookup).
    indices_of: dict[date, array[int]] = {}
    total_of: dict[date, list[int]] = {}
    overrides: dict[int, tuple[str, str, str | None, str]] = {}
    # The default MsgId: a digest of everything in the file except the creation time.
    digest = hashlib.sha256(f"{norm_debtor!r}|{debtor_bic}|{initiating_party}|{options!r}\n".encode())
    hashing = message_id is None
    # Local names: this loop runs once per payment (420,000 for the whole country).
    update = digest.update
    valid_id = IDENTIFIER_35.fullmatch
    clean = CLEAN_TEXT.fullmatch
    problem_of = iban_problem
    max_amount = MAX_AMOUNT_CENTS
    last_when: date | None = None
    current_indices = array("I")
    current_total = [0]
    total = 0

    for index, (e2e, amount, raw_iban, raw_bic, raw_name, raw_remittance, when) in enumerate(map(_fields, payments)):
        if type(e2e) is not str or valid_id(e2e) is None or e2e == NOTPROVIDED:
            _check_end_to_end_id(index, e2e)
        if type(amount) is not int or not 0 < amount <= max_amount:
            _check_amount(index, e2e, amount)
        iban = raw_iban
        if type(iban) is not str or problem_of(iban, sepa=True) is not None:
            iban = _check_iban(index, e2e, iban)
        bic = raw_bic
        if bic is not None or derive_dutch_bic:
            bic = _check_bic(index, e2e, bic, iban, derive_dutch_bic=derive_dutch_bic)
        name = raw_name
        if type(name) is not str or len(name) > NAME_MAX or clean(name) is None:
            name = _check_name(index, e2e, name)
        remittance = raw_remittance
        if (
            type(remittance) is not str
            or len(remittance) > REMITTANCE_MAX
            or (remittance and clean(remittance) is None)
        ):
            remittance = _check_remittance(index, e2e, remittance)
        if type(when) is not date or when < earliest:
            _check_date(index, e2e, when, earliest)
        if name is not raw_name or iban is not raw_iban or bic is not raw_bic or remittance is not raw_remittance:
            overrides[index] = (name, iban, bic, remittance)
        if e2e in seen:
            first = next(i for i, q in enumerate(payments) if q.end_to_end_id == e2e)
            raise DuplicateEndToEndIdError(index, e2e, first)
        seen.add(e2e)
        if when != last_when:
            last_when = when
            if hashing:
                update(f"@{when}\n".encode())
            if when not in indices_of:
                indices_of[when] = array("I")
                total_of[when] = [0]
            current_indices = indices_of[when]
            current_total = total_of[when]
        current_indices.append(index)
        current_total[0] += amount
        total += amount
        if hashing:
            update(f"{e2e}|{amount}|{iban}|{name}|{remittance}\n".encode())
            if bic is not None:
                update(f"#{bic}\n".encode())

    if message_id is None:
        message_id = f"{E2E_PREFIX}-{norm_debtor.gemeente_code}-{_base36(digest.digest(), 20)}"
    infos: list[tuple[PaymentInfoSummary, array[int]]] = []
    for number, when in enumerate(sorted(indices_of), start=1):
        suffix = f"-{number}"
        indices = indices_of[when]
        info = PaymentInfoSummary(
            f"{message_id[: ID_MAX - len(suffix)]}{suffix}", when, len(indices), total_of[when][0]
        )
        infos.append((info, indices))
    summary = Pain001Summary(
        message_id, created_at, norm_debtor, len(payments), total, tuple(info for info, _ in infos)
    )
    return _Plan(summary, debtor_bic, initiating_party, tuple(infos), overrides)


_fields = attrgetter(
    "end_to_end_id",
    "amount_cents",
    "creditor_iban",
    "creditor_bic",
    "creditor_name",
    "remittance_information",
    "requested_execution_date",
)


def _base36(data: bytes, length: int) -> str:
    number = int.from_bytes(data, "big")
    out = []
    for _ in range(length):
        number, digit = divmod(number, 36)
        out.append(_BASE36[digit])
    return "".join(out)


# --------------------------------------------------------------------------------------------------------------
# Pass 2: streaming the document

_CHUNK = 2048  # transactions per write


def _write(
    fp: BinaryWriter,
    plan: _Plan,
    payments: Sequence[PaymentInstruction],
    options: _Options,
) -> None:
    creditor_agent, batch_booking, category_purpose = (
        options.creditor_agent,
        options.batch_booking,
        options.category_purpose,
    )
    summary = plan.summary
    debtor = summary.debtor
    fp.write(
        (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Document xmlns="{NAMESPACE}">\n'
            "<CstmrCdtTrfInitn>\n"
            f"<GrpHdr><MsgId>{summary.message_id}</MsgId>"
            f"<CreDtTm>{summary.created_at.isoformat(timespec='seconds')}</CreDtTm>"
            f"<NbOfTxs>{summary.number_of_transactions}</NbOfTxs>"
            f"<CtrlSum>{format_cents(summary.control_sum_cents)}</CtrlSum>"
            f"<InitgPty><Nm>{plan.initiating_party}</Nm></InitgPty></GrpHdr>\n"
        ).encode()
    )
    if plan.debtor_bic is not None:
        debtor_agent = f"<DbtrAgt><FinInstnId><BIC>{plan.debtor_bic}</BIC></FinInstnId></DbtrAgt>"
    else:
        debtor_agent = f"<DbtrAgt><FinInstnId><Othr><Id>{NOTPROVIDED}</Id></Othr></FinInstnId></DbtrAgt>"
    purpose = f"<CtgyPurp><Cd>{category_purpose}</Cd></CtgyPurp>" if category_purpose else ""
    no_bic_agent = (
        f"<CdtrAgt><FinInstnId><Othr><Id>{NOTPROVIDED}</Id></Othr></FinInstnId></CdtrAgt>"
        if creditor_agent == "notprovided"
        else ""
    )
    overrides = plan.overrides
    for info, indices in plan.groups:
        fp.write(
            (
                f"<PmtInf><PmtInfId>{info.payment_information_id}</PmtInfId><PmtMtd>TRF</PmtMtd>"
                f"<BtchBookg>{'true' if batch_booking else 'false'}</BtchBookg>"
                f"<NbOfTxs>{info.number_of_transactions}</NbOfTxs>"
                f"<CtrlSum>{format_cents(info.control_sum_cents)}</CtrlSum>"
                f"<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl>{purpose}</PmtTpInf>"
                f"<ReqdExctnDt>{info.requested_execution_date.isoformat()}</ReqdExctnDt>"
                f"<Dbtr><Nm>{debtor.name}</Nm></Dbtr>"
                f"<DbtrAcct><Id><IBAN>{debtor.iban}</IBAN></Id><Ccy>EUR</Ccy></DbtrAcct>"
                f"{debtor_agent}<ChrgBr>SLEV</ChrgBr>\n"
            ).encode()
        )
        chunk: list[str] = []
        append = chunk.append
        for index in indices:
            p = payments[index]
            override = overrides.get(index)
            if override is None:
                name, iban, bic, rmt = p.creditor_name, p.creditor_iban, p.creditor_bic, p.remittance_information
            else:
                name, iban, bic, rmt = override
            cents = p.amount_cents
            append(
                f"<CdtTrfTxInf><PmtId><EndToEndId>{p.end_to_end_id}</EndToEndId></PmtId>"
                f'<Amt><InstdAmt Ccy="EUR">{cents // 100}.{cents % 100:02d}</InstdAmt></Amt>'
                + (f"<CdtrAgt><FinInstnId><BIC>{bic}</BIC></FinInstnId></CdtrAgt>" if bic else no_bic_agent)
                + f"<Cdtr><Nm>{name}</Nm></Cdtr><CdtrAcct><Id><IBAN>{iban}</IBAN></Id></CdtrAcct>"
                + (f"<RmtInf><Ustrd>{rmt}</Ustrd></RmtInf>" if rmt else "")
                + "</CdtTrfTxInf>\n"
            )
            if len(chunk) >= _CHUNK:
                fp.write("".join(chunk).encode())
                chunk.clear()
        fp.write(("".join(chunk) + "</PmtInf>\n").encode())
    fp.write(b"</CstmrCdtTrfInitn>\n</Document>\n")


def validate_pain001(
    debtor: Debtor,
    payments: Sequence[PaymentInstruction],
    *,
    created_at: datetime,
    message_id: str | None = None,
    batch_booking: bool = True,
    creditor_agent: CreditorAgent = "omit",
    derive_dutch_bic: bool = False,
    category_purpose: str | None = None,
    initiating_party_name: str | None = None,
) -> Pain001Summary:
    """Pass 1 only: validate the batch and return what ``write_pain001`` with the same arguments would write, in
    numbers (a dry run of the payment run). Raises what ``write_pain001`` raises."""
    options = _options(
        batch_booking=batch_booking,
        creditor_agent=creditor_agent,
        derive_dutch_bic=derive_dutch_bic,
        category_purpose=category_purpose,
        initiating_party_name=initiating_party_name,
    )
    return _plan(debtor, payments, created_at=created_at, message_id=message_id, options=options).summary


def write_pain001(
    fp: BinaryWriter,
    debtor: Debtor,
    payments: Sequence[PaymentInstruction],
    *,
    created_at: datetime,
    message_id: str | None = None,
    batch_booking: bool = True,
    creditor_agent: CreditorAgent = "omit",
    derive_dutch_bic: bool = False,
    category_purpose: str | None = None,
    initiating_party_name: str | None = None,
) -> Pain001Summary:
    """Validate ``payments`` and stream the pain.001.001.03 document of ``debtor`` to ``fp`` (UTF-8).

    ``created_at`` (timezone-aware) becomes ``CreDtTm`` and its date is the earliest allowed execution date.
    ``message_id`` defaults to one derived from the content (see the module docstring). ``batch_booking`` asks
    the bank for one debit per ``PmtInf`` on the gemeente's statement. ``creditor_agent`` says what to write when a
    creditor has no BIC; ``derive_dutch_bic`` fills it from the bank code of a Dutch IBAN. ``category_purpose``
    (for example ``SSBE``, social security benefit) goes into ``PmtTpInf/CtgyPurp``. ``initiating_party_name``
    defaults to the debtor's name.

    Raises a ``BankDataError`` (for a payment: an ``InvalidPaymentError`` naming it) before anything is written.
    Returns the numbers of the file. ``payments`` is read twice (validation, then writing): it must not change
    meanwhile."""
    options = _options(
        batch_booking=batch_booking,
        creditor_agent=creditor_agent,
        derive_dutch_bic=derive_dutch_bic,
        category_purpose=category_purpose,
        initiating_party_name=initiating_party_name,
    )
    plan = _plan(debtor, payments, created_at=created_at, message_id=message_id, options=options)
    _write(fp, plan, payments, options)
    return plan.summary


def build_pain001(
    debtor: Debtor,
    payments: Sequence[PaymentInstruction],
    *,
    created_at: datetime,
    message_id: str | None = None,
    batch_booking: bool = True,
    creditor_agent: CreditorAgent = "omit",
    derive_dutch_bic: bool = False,
    category_purpose: str | None = None,
    initiating_party_name: str | None = None,
) -> bytes:
    """``write_pain001`` into memory: the document as bytes."""
    buffer = io.BytesIO()
    write_pain001(
        buffer,
        debtor,
        payments,
        created_at=created_at,
        message_id=message_id,
        batch_booking=batch_booking,
        creditor_agent=creditor_agent,
        derive_dutch_bic=derive_dutch_bic,
        category_purpose=category_purpose,
        initiating_party_name=initiating_party_name,
    )
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------------------
# Reading a pain.001 back (for reconciliation): streaming, with the numbers declared and the numbers counted


@dataclass(frozen=True, slots=True)
class ScannedTransaction:
    payment_information_id: str
    requested_execution_date: date | None
    end_to_end_id: str
    amount_cents: int | None  # None: missing or not a whole number of cents
    currency: str
    creditor_iban: str


@dataclass(frozen=True, slots=True)
class ScannedPaymentInfo:
    payment_information_id: str
    requested_execution_date: date | None
    debtor_iban: str
    declared_number_of_transactions: int | None
    declared_control_sum_cents: int | None
    number_of_transactions: int
    control_sum_cents: int


@dataclass(frozen=True, slots=True)
class ScannedPain001:
    """A pain.001.001.03 document as read: declared header numbers, counted numbers, and every internal
    inconsistency found (``problems``: counts or sums that differ from what is declared, unreadable amounts,
    other currencies, duplicate end-to-end ids)."""

    message_id: str
    created_at: str
    declared_number_of_transactions: int | None
    declared_control_sum_cents: int | None
    number_of_transactions: int
    control_sum_cents: int
    payment_informations: tuple[ScannedPaymentInfo, ...]
    problems: tuple[str, ...]


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


_T_TX = _q("CdtTrfTxInf")
_T_PMTINF = _q("PmtInf")
_T_GRPHDR = _q("GrpHdr")
_T_E2E = _q("EndToEndId")
_T_INSTDAMT = _q("InstdAmt")
_T_CDTRACCT = _q("CdtrAcct")
_T_IBAN = _q("IBAN")
_P_DBTR_IBAN = f"{_q('DbtrAcct')}/{_q('Id')}/{_q('IBAN')}"


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text is not None and text.strip().isdigit() else None


def _cents_or_none(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return parse_amount(text)
    except ValueError:
        return None


def _date_or_none(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text is not None else None
    except ValueError:
        return None


class _Header:
    """The header fields of the ``PmtInf`` being read (taken before its transactions are discarded)."""

    __slots__ = ("control_sum", "date", "debtor_iban", "id", "number")

    def __init__(self, pmt_inf: etree._Element) -> None:
        self.id = pmt_inf.findtext(_q("PmtInfId")) or ""
        self.date = _date_or_none(pmt_inf.findtext(_q("ReqdExctnDt")))
        self.debtor_iban = pmt_inf.findtext(_P_DBTR_IBAN) or ""
        self.number = _int_or_none(pmt_inf.findtext(_q("NbOfTxs")))
        self.control_sum = _cents_or_none(pmt_inf.findtext(_q("CtrlSum")))


def scan_pain001(
    source: bytes | BinaryReader, on_transaction: Callable[[ScannedTransaction], None] | None = None
) -> ScannedPain001:
    """Read a pain.001.001.03 document incrementally (transactions are discarded once read) and call
    ``on_transaction`` for every credit transfer. Raises ``BankDataError`` when the document is not well-formed XML
    or not a pain.001.001.03 ``Document``; inconsistencies inside a well-formed document are returned as
    ``problems``. Entities are never resolved, no DTD is loaded and nothing is fetched from the network."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    problems: list[str] = []
    message_id = created_at = ""
    declared_count: int | None = None
    declared_sum: int | None = None
    count = total = 0
    infos: list[ScannedPaymentInfo] = []
    seen: set[str] = set()
    header: _Header | None = None
    pmt_count = pmt_total = 0
    # The transaction fields come as events of their own (cheaper than looking them up in each transaction).
    e2e = iban = currency = ""
    cents: int | None = None
    parser = etree.iterparse(
        stream,
        events=("end",),
        tag=(_T_E2E, _T_INSTDAMT, _T_IBAN, _T_TX, _T_PMTINF, _T_GRPHDR),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
    )
    try:
        for _, elem in parser:
            tag = elem.tag
            if tag == _T_E2E:
                e2e = elem.text or ""
            elif tag == _T_INSTDAMT:
                cents = _cents_or_none(elem.text)
                currency = elem.get("Ccy", "")
            elif tag == _T_IBAN:
                account_id = elem.getparent()
                account = account_id.getparent() if account_id is not None else None
                if account is not None and account.tag == _T_CDTRACCT:  # not the debtor's or an agent's account
                    iban = elem.text or ""
            elif tag == _T_TX:
                parent = elem.getparent()
                if header is None and parent is not None:
                    header = _Header(parent)
                if cents is None:
                    problems.append(f"betaling {e2e!r}: bedrag ontbreekt of is geen geheel aantal centen")
                elif cents <= 0:
                    problems.append(f"betaling {e2e!r}: bedrag is niet positief")
                if currency != "EUR":
                    problems.append(f"betaling {e2e!r}: valuta {currency!r} in plaats van EUR")
                if e2e in seen:
                    problems.append(f"end-to-end-id {e2e!r} komt meer dan eens voor")
                seen.add(e2e)
                count += 1
                pmt_count += 1
                if cents is not None:
                    total += cents
                    pmt_total += cents
                if on_transaction is not None:
                    info_id, info_date = (header.id, header.date) if header is not None else ("", None)
                    on_transaction(ScannedTransaction(info_id, info_date, e2e, cents, currency, iban))
                e2e = iban = currency = ""
                cents = None
                # Free what was read: this transaction's content and the previous transaction.
                elem.clear()
                previous = elem.getprevious()
                if previous is not None and previous.tag == _T_TX and parent is not None:
                    parent.remove(previous)
            elif tag == _T_PMTINF:
                if header is None:
                    header = _Header(elem)
                info = ScannedPaymentInfo(
                    header.id, header.date, header.debtor_iban, header.number, header.control_sum, pmt_count, pmt_total
                )
                if header.number != pmt_count:
                    problems.append(f"PmtInf {header.id}: NbOfTxs {header.number} maar {pmt_count} betalingen")
                if header.control_sum != pmt_total:
                    problems.append(
                        f"PmtInf {header.id}: CtrlSum {_fmt(header.control_sum)} maar de betalingen tellen op tot "
                        f"{format_cents(pmt_total)}"
                    )
                infos.append(info)
                header, pmt_count, pmt_total = None, 0, 0
                elem.clear()
            else:  # GrpHdr
                message_id = elem.findtext(_q("MsgId")) or ""
                created_at = elem.findtext(_q("CreDtTm")) or ""
                declared_count = _int_or_none(elem.findtext(_q("NbOfTxs")))
                declared_sum = _cents_or_none(elem.findtext(_q("CtrlSum")))
    except etree.XMLSyntaxError as exc:
        raise BankDataError("pain001", f"geen geldige XML: {exc}") from exc
    root = parser.root
    if root is None or root.tag != _q("Document"):
        found = "niets" if root is None else root.tag
        raise BankDataError("pain001", f"geen pain.001.001.03-document (hoofdelement: {found})")
    if declared_count != count:
        problems.append(f"GrpHdr: NbOfTxs {declared_count} maar {count} betalingen")
    if declared_sum != total:
        problems.append(f"GrpHdr: CtrlSum {_fmt(declared_sum)} maar de betalingen tellen op tot {format_cents(total)}")
    return ScannedPain001(
        message_id, created_at, declared_count, declared_sum, count, total, tuple(infos), tuple(problems)
    )


def _fmt(cents: int | None) -> str:
    return "(ontbreekt)" if cents is None else format_cents(cents)

"""Bank and finance adapters of the integration layer (pure Python; the payment run calls them).

- ``iban``: IBAN (ISO 13616) and BIC (ISO 9362) validation and normalisation, the BIC of Dutch IBANs;
- ``charset``: the SEPA character set and transliteration into it;
- ``sepa``: SEPA credit transfer initiation ``pain.001.001.03`` per gemeente (streaming writer, reader), the
  end-to-end id scheme;
- ``journal``: the finance journal per gemeente (CSV, JSON) and its reconciliation with the SEPA file;
- ``errors``: the typed errors, each naming the field (and the payment).
"""

from __future__ import annotations

from gbi_integration.bank.amounts import MAX_AMOUNT_CENTS, format_cents, parse_amount
from gbi_integration.bank.charset import is_sepa_identifier, is_sepa_text, transliterate
from gbi_integration.bank.errors import (
    BankDataError,
    DuplicateEndToEndIdError,
    EmptyPaymentBatchError,
    InvalidAmountError,
    InvalidBicError,
    InvalidEndToEndIdError,
    InvalidIbanError,
    InvalidPaymentError,
    JournalError,
    ReconciliationError,
)
from gbi_integration.bank.iban import (
    DUTCH_BANK_BICS,
    IBAN_LENGTHS,
    SEPA_COUNTRIES,
    bic_for_dutch_iban,
    format_iban,
    is_valid_bic,
    is_valid_iban,
    make_iban,
    normalize_bic,
    normalize_iban,
    validate_bic,
    validate_iban,
)
from gbi_integration.bank.journal import (
    Allocation,
    ChartOfAccounts,
    CostType,
    Journal,
    JournalLine,
    LedgerAccount,
    ReconciliationReport,
    build_journal,
    journal_csv,
    journal_json,
    journal_to_dict,
    reconcile,
)
from gbi_integration.bank.sepa import (
    Debtor,
    EndToEndReference,
    Pain001Summary,
    PaymentInfoSummary,
    PaymentInstruction,
    build_pain001,
    end_to_end_id,
    end_to_end_ids,
    parse_end_to_end_id,
    scan_pain001,
    validate_pain001,
    write_pain001,
)

__all__ = [
    "DUTCH_BANK_BICS",
    "IBAN_LENGTHS",
    "MAX_AMOUNT_CENTS",
    "SEPA_COUNTRIES",
    "Allocation",
    "BankDataError",
    "ChartOfAccounts",
    "CostType",
    "Debtor",
    "DuplicateEndToEndIdError",
    "EmptyPaymentBatchError",
    "EndToEndReference",
    "InvalidAmountError",
    "InvalidBicError",
    "InvalidEndToEndIdError",
    "InvalidIbanError",
    "InvalidPaymentError",
    "Journal",
    "JournalError",
    "JournalLine",
    "LedgerAccount",
    "Pain001Summary",
    "PaymentInfoSummary",
    "PaymentInstruction",
    "ReconciliationError",
    "ReconciliationReport",
    "bic_for_dutch_iban",
    "build_journal",
    "build_pain001",
    "end_to_end_id",
    "end_to_end_ids",
    "format_cents",
    "format_iban",
    "is_sepa_identifier",
    "is_sepa_text",
    "is_valid_bic",
    "is_valid_iban",
    "journal_csv",
    "journal_json",
    "journal_to_dict",
    "make_iban",
    "normalize_bic",
    "normalize_iban",
    "parse_amount",
    "parse_end_to_end_id",
    "reconcile",
    "scan_pain001",
    "transliterate",
    "validate_bic",
    "validate_iban",
    "validate_pain001",
    "write_pain001",
]

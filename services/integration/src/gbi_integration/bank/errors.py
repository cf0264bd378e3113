"""Typed errors of the bank and finance adapters.

Every error names the offending field (``field``, also as ``invalidParams`` when rendered as problem+json); errors
about one payment of a batch also name the payment (its position and end-to-end id)::

    BankDataError (422)                   base: bank or finance data that cannot be used
    +-- InvalidIbanError                  an IBAN fails ISO 13616 (format, country length, mod-97) or is not SEPA
    +-- InvalidBicError                   a BIC fails ISO 9362
    +-- InvalidEndToEndIdError            an end-to-end id does not follow the GBI scheme or the SEPA rules
    +-- InvalidPaymentError               one payment instruction of a batch is unusable
    |   +-- InvalidAmountError            zero, negative, above 999,999,999.99 or not integer cents
    |   +-- DuplicateEndToEndIdError      the end-to-end id was already used in this file
    +-- EmptyPaymentBatchError            no payment instructions at all
    +-- JournalError                      the finance journal cannot be built from the allocations
    +-- ReconciliationError               the journal and the SEPA file do not prove each other

They are values: callers catch them before anything is written (the writers validate the whole batch first).
"""

from __future__ import annotations

from collections.abc import Sequence

from gbi_shared.errors import InvalidParam, UnprocessableError

__all__ = [
    "BankDataError",
    "DuplicateEndToEndIdError",
    "EmptyPaymentBatchError",
    "InvalidAmountError",
    "InvalidBicError",
    "InvalidEndToEndIdError",
    "InvalidIbanError",
    "InvalidPaymentError",
    "JournalError",
    "ReconciliationError",
]


class BankDataError(UnprocessableError):
    """Bank or finance data that cannot be used; ``field`` names what is wrong, ``reason`` says why."""

    code = "bank-data-invalid"

    def __init__(self, field: str, reason: str, *, code: str | None = None) -> None:
        self.field = field
        self.reason = reason
        param_code = code or self.code
        super().__init__(
            f"{field}: {reason}",
            invalid_params=[InvalidParam(name=field, reason=reason, code=param_code)],
            code=param_code,
        )


class InvalidIbanError(BankDataError):
    code = "invalid-iban"


class InvalidBicError(BankDataError):
    code = "invalid-bic"


class InvalidEndToEndIdError(BankDataError):
    code = "invalid-end-to-end-id"


class InvalidPaymentError(BankDataError):
    """One payment instruction of a batch is unusable. ``index`` is its position in the batch (0-based),
    ``end_to_end_id`` its id as given, ``field`` the offending attribute as ``payments[<index>].<attribute>``."""

    code = "invalid-payment"

    def __init__(self, index: int, end_to_end_id: object, attribute: str, reason: str) -> None:
        self.index = index
        self.end_to_end_id = end_to_end_id
        self.attribute = attribute
        super().__init__(f"payments[{index}].{attribute}", f"betaling {end_to_end_id!r}: {reason}")


class InvalidAmountError(InvalidPaymentError):
    code = "invalid-amount"


class DuplicateEndToEndIdError(InvalidPaymentError):
    code = "duplicate-end-to-end-id"

    def __init__(self, index: int, end_to_end_id: str, first_index: int) -> None:
        self.first_index = first_index
        super().__init__(
            index, end_to_end_id, "end_to_end_id", f"end-to-end-id komt al voor bij payments[{first_index}]"
        )


class EmptyPaymentBatchError(BankDataError):
    code = "empty-payment-batch"

    def __init__(self, field: str = "payments") -> None:
        super().__init__(field, "er is geen enkele betaalopdracht")


class JournalError(BankDataError):
    code = "journal-invalid"


class ReconciliationError(UnprocessableError):
    """The journal and the SEPA file do not agree. ``discrepancies`` lists every difference found, not only the
    first, so that one run tells finance everything that is wrong."""

    code = "reconciliation-failed"
    title = "Journaal en betaalbestand sluiten niet aan"

    def __init__(self, discrepancies: Sequence[str]) -> None:
        self.discrepancies = tuple(discrepancies)
        shown = "; ".join(self.discrepancies[:20])
        more = len(self.discrepancies) - 20
        super().__init__(shown + (f"; en nog {more} verschillen" if more > 0 else ""))

"""The data service's internal API (``/internal/data/v1/...``): what other layers send and get back.

Money is integer cents; timestamps are timezone-aware UTC; BSNs go in but never come out: the data service
stores a keyed pseudonym of the data subject instead.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, JsonValue

from gbi_shared.contracts.common import Bsn, CamelModel, GemeenteCode

__all__ = [
    "MAX_AUDIT_BATCH",
    "AuditPage",
    "AuditRecord",
    "AuditRecordBatch",
    "AuditRecordCreate",
    "AuditRecordList",
    "AuditStatus",
    "AuditVerification",
    "Gemeente",
    "GemeenteList",
    "ProefberekeningRecord",
    "ProefberekeningRecordCreate",
]

# Status of a processing, as in the Logius "Logboek Dataverwerkingen" (status_code).
AuditStatus = Literal["OK", "ERROR", "UNKNOWN"]

_NAME = r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"


class Gemeente(CamelModel):
    code: GemeenteCode = Field(description="CBS-gemeentecode (4 cijfers)")
    naam: str
    actief: bool


class GemeenteList(CamelModel):
    items: list[Gemeente]


class ProefberekeningRecordCreate(CamelModel):
    """Store a proefberekening. Send an ``Idempotency-Key`` header: the same key with the same body gives the same
    record, the same key with another body gives 409."""

    bsn: Bsn = Field(description="BSN van de burger; opgeslagen als pseudoniem, nooit als BSN")
    peildatum: date
    request: dict[str, JsonValue] = Field(description="De invoer van de berekening (zonder BSN)")
    result: dict[str, JsonValue] = Field(description="De uitkomst met toelichting (zonder BSN)")
    norm_cents: int = Field(ge=0, le=1_000_000_000, description="Norm per maand in centen")


class ProefberekeningRecord(CamelModel):
    id: UUID
    gemeente: GemeenteCode
    peildatum: date
    request: dict[str, JsonValue]
    result: dict[str, JsonValue]
    norm_cents: int
    created_at: datetime
    created_by: str = Field(description="Wie de berekening vastlegde (actor uit de context)")


class AuditRecordCreate(CamelModel):
    """An access to personal data that another layer performed and must log. Actor, gemeente and purpose
    (doelbinding) come from the verified context, the time from the data service's clock; the BSN is
    pseudonymised before it is stored."""

    operation: str = Field(min_length=1, max_length=200, pattern=_NAME, description="Naam van de operatie")
    processing_activity: str = Field(
        min_length=1, max_length=200, pattern=_NAME, description="Verwerkingsactiviteit (id in het register)"
    )
    bsn: Bsn | None = Field(default=None, description="De betrokkene, als het om een persoon gaat")
    status: AuditStatus = "OK"
    outcome: str = Field(default="success", min_length=1, max_length=50, pattern=_NAME)
    trace_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    span_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{16}$")


class AuditRecord(CamelModel):
    id: UUID
    gemeente: GemeenteCode
    seq: int = Field(description="Volgnummer in de keten van deze gemeente (1, 2, 3, ...)")
    occurred_at: datetime
    trace_id: str
    span_id: str
    status: AuditStatus
    operation: str
    processing_activity: str
    data_subject_id: str | None = Field(description="Pseudoniem (HMAC-SHA256) van het BSN van de betrokkene")
    data_subject_type: str | None
    actor: str
    actor_type: str
    purpose: str
    outcome: str
    prev_hash: str
    hash: str


#: The most entries one ``POST /audit:batch`` appends (a page of the IB signal feed logs up to 200 persons).
MAX_AUDIT_BATCH = 500


class AuditRecordBatch(CamelModel):
    """Several accesses to log at once (e.g. the source queries of one case's gathering): appended in this order in
    one transaction, all or none."""

    items: list[AuditRecordCreate] = Field(min_length=1, max_length=MAX_AUDIT_BATCH)


class AuditRecordList(CamelModel):
    items: list[AuditRecord]


class AuditPage(CamelModel):
    items: list[AuditRecord]
    next_after: int | None = Field(
        default=None, description="Geef dit mee als ``after`` voor de volgende pagina; leeg op de laatste pagina"
    )


class AuditVerification(CamelModel):
    gemeente: GemeenteCode
    valid: bool
    checked: int = Field(description="Aantal gecontroleerde regels")
    last_seq: int
    first_invalid_seq: int | None = None
    reason: str | None = None

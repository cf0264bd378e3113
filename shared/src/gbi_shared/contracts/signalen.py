"""Inlichtingenbureau signals in GBI: bulk intake, matching against the clients, and the handhaving-signalen.

The integration layer pulls a gemeente's signal feed from the Inlichtingenbureau (``gbi_integration.bronnen.ib``)
and delivers the signals in bulk to the data layer (``POST /internal/data/v1/signalen:batch``, one gemeente per
delivery). The data layer matches every delivered signal set-based (one SQL join, never a loop in Python) against
the active uitkeringen of the same gemeente by BSN and period. A match becomes a **handhavingsignaal**: the signal,
the uitkering it concerns and the period both cover. A signal about someone who is not a client of the gemeente is
counted (``ongematcht``) and not stored: GBI keeps no personal data without a purpose (AVG, dataminimalisatie).

Idempotent per signal: a signal id already recorded for the gemeente is counted as ``dubbel`` and changes nothing,
so a delivery that is repeated (after a timeout, a crash) is harmless.

Conventions as in every ``gbi_shared.contracts`` module: camelCase on the wire, amounts as strings with two decimals,
periods ``{vanaf, tot}`` with ``tot`` exclusive (null: open-ended).

The delivered signals are validated as ``TypedDict``s (``SIGNAAL_LEVERING``): a delivery carries up to
``MAX_SIGNALEN_PER_LEVERING`` signals and building a model object per signal would cost more than matching them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Final, Literal, NotRequired
from uuid import UUID

from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter, with_config
from typing_extensions import TypedDict

from gbi_shared.contracts.bronnen import IB_SIGNAAL_SOORTEN, IbSignaalSoort
from gbi_shared.contracts.common import CamelModel, GemeenteCode
from gbi_shared.contracts.kanaal import PaginaLinks

__all__ = [
    "HANDHAVINGSIGNAAL_STATUSSEN",
    "IB_SIGNAAL_SOORTEN",
    "MAX_SIGNALEN_PER_LEVERING",
    "SIGNAAL_LEVERING",
    "Handhavingsignaal",
    "HandhavingsignaalOverzicht",
    "HandhavingsignaalPagina",
    "HandhavingsignaalStatus",
    "IbSignaalSoort",
    "SignaalLevering",
    "SignaalLeveringResultaat",
    "SignaalPeriode",
    "SignaalPeriodeModel",
    "SignaalVoorLevering",
]

MAX_SIGNALEN_PER_LEVERING: Final = 100_000

HandhavingsignaalStatus = Literal["nieuw", "in-onderzoek", "afgehandeld"]
HANDHAVINGSIGNAAL_STATUSSEN: tuple[str, ...] = ("nieuw", "in-onderzoek", "afgehandeld")

_FORBID = ConfigDict(extra="forbid")


@with_config(_FORBID)
class SignaalPeriode(TypedDict):
    vanaf: date
    tot: NotRequired[date | None]


@with_config(_FORBID)
class SignaalVoorLevering(TypedDict):
    """One signal as the Inlichtingenbureau delivered it (``IbSignaal`` without the feed's cursor and gemeente)."""

    signaalId: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
    # Nine digits. The elfproef is left to the match: a number that fails it belongs to no client.
    bsn: Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$")]
    soort: IbSignaalSoort
    periode: SignaalPeriode
    ontvangenOp: date
    omschrijving: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    bedrag: NotRequired[Annotated[str, StringConstraints(pattern=r"^-?[0-9]{1,13}\.[0-9]{2}$")] | None]
    kenteken: NotRequired[Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{6}$")] | None]
    land: NotRequired[Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None]
    instantie: NotRequired[Annotated[str, StringConstraints(max_length=200)] | None]


@with_config(_FORBID)
class SignaalLevering(TypedDict):
    """A delivery of signals for the caller's gemeente. ``cursor``: the feed position after the last signal (the
    integration layer resumes the feed from the last delivery's cursor)."""

    signalen: Annotated[list[SignaalVoorLevering], Field(max_length=MAX_SIGNALEN_PER_LEVERING)]
    cursor: NotRequired[Annotated[str, StringConstraints(min_length=1, max_length=100)] | None]


#: Validates a delivery straight from its JSON bytes (``SIGNAAL_LEVERING.validate_json(body)``).
SIGNAAL_LEVERING: Final = TypeAdapter(SignaalLevering)


class SignaalLeveringResultaat(CamelModel):
    """What became of a delivery: ``aantal`` = ``gematcht`` + ``ongematcht``; ``gematcht`` = ``nieuw`` + ``dubbel``
    (already recorded by an earlier delivery or earlier in this one)."""

    id: UUID
    gemeente: GemeenteCode
    aantal: int
    gematcht: int
    nieuw: int
    dubbel: int
    ongematcht: int
    cursor: str | None = None
    ontvangen_op: datetime


class SignaalPeriodeModel(CamelModel):
    vanaf: date
    tot: date | None = Field(default=None, description="Exclusief: de dag na de laatste dag; leeg is onbepaald")


class Handhavingsignaal(CamelModel):
    """A signal that concerns an active uitkering of the gemeente: what the handhaver investigates. ``periode`` is
    the part of the signal's period in which the uitkering ran (``tot`` exclusive)."""

    id: UUID
    signaal_id: str
    bsn: str
    soort: IbSignaalSoort
    status: HandhavingsignaalStatus
    signaal_periode: SignaalPeriodeModel
    periode: SignaalPeriodeModel
    uitkering_id: UUID
    aanvraag_id: UUID
    ontvangen_op: date
    omschrijving: str
    bedrag: str | None = None
    kenteken: str | None = None
    land: str | None = None
    instantie: str | None = None
    levering_id: UUID
    created_at: datetime


class HandhavingsignaalPagina(CamelModel):
    items: list[Handhavingsignaal]
    next_after: str | None = Field(default=None, description="Geef mee als ``after`` voor de volgende pagina")


class HandhavingsignaalOverzicht(CamelModel):
    """The public list (``GET /api/v1/signalen``): a page of handhavingsignalen and the link to the next."""

    items: list[Handhavingsignaal]
    links: PaginaLinks

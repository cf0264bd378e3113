"""Notifications out, in the style of the ZGW Notificaties API 1.0 (``../shared/specs/zgw/notificaties/``):
kanalen, abonnementen with a callback URL and the Authorization header to send, and the message a subscriber
receives. The data service keeps them (``/internal/data/v1/notificaties/...``: an outbox written in the same
transaction as the change it announces, and one levering per notification and abonnement); the integration layer
delivers them (``/internal/integration/v1/notificaties/...``).

    model                   what it is
    Kanaal                  a named stream of notifications ("exchange") and the kenmerken one may filter on
    AbonnementNieuw         the ZGW ``Abonnement`` as a subscriber registers it: callbackUrl, auth, kanalen
    Abonnement              as GBI answers it: the auth header is a secret and only ever shown as ``authHint``
    Notificatie             the ZGW ``Message`` plus ``id``: what is POSTed to the callback URL; the subscriber
                            deduplicates on ``id`` (a notification can arrive more than once, never zero times)
    Levering                one notification for one abonnement: pending -> delivered, or failed when it was
                            given up (too many attempts or too old); visible and re-queueable
    LeveringClaim,          the delivery worker's side: lease due leveringen, report what the subscriber said
    LeveringUitslag

The wire is camelCase like every GBI contract, which is also the ZGW spelling (``hoofdObject``, ``resourceUrl``,
``callbackUrl``, ``documentatieLink``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import AfterValidator, Field, SecretStr, StringConstraints

from gbi_shared.contracts.common import CamelModel, GemeenteCode

__all__ = [
    "Abonnement",
    "AbonnementLijst",
    "AbonnementNieuw",
    "AbonnementWijziging",
    "CallbackUrl",
    "FilterGroep",
    "GeclaimdeLevering",
    "Herhaalbeleid",
    "Kanaal",
    "KanaalLijst",
    "KanaalNaam",
    "KanaalWijziging",
    "KenmerkSleutel",
    "KenmerkWaarde",
    "Levering",
    "LeveringClaim",
    "LeveringClaimResultaat",
    "LeveringPagina",
    "LeveringStatus",
    "LeveringUitkomst",
    "LeveringUitslag",
    "Notificatie",
    "check_callback_url",
]


def check_callback_url(value: str) -> str:
    """An absolute http(s) URL with a host, without credentials (those belong in ``auth``) and without a
    fragment. Whether plain http is acceptable is the service's decision (not in production)."""
    if any(c.isspace() for c in value):
        raise ValueError("een URL zonder spaties")
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a port that is not a number
    except ValueError as exc:
        raise ValueError("geen geldige URL") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("een absolute http- of https-URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("zonder gebruikersnaam of wachtwoord in de URL; gebruik auth")
    if parts.fragment:
        raise ValueError("zonder #fragment")
    return value


KanaalNaam = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,49}$", max_length=50),
]
KenmerkSleutel = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$", max_length=100)]
KenmerkWaarde = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
CallbackUrl = Annotated[str, StringConstraints(min_length=1, max_length=1000), AfterValidator(check_callback_url)]
LeveringStatus = Literal["pending", "delivered", "failed"]
LeveringUitkomst = Literal["delivered", "failed"]
Worker = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


# --- kanalen -----------------------------------------------------------------------------------------------------


DocumentatieLink = Annotated[str, StringConstraints(max_length=200), AfterValidator(check_callback_url)]
Filters = Annotated[list[KenmerkSleutel], Field(max_length=50)]


class KanaalWijziging(CamelModel):
    """What may change of a kanaal: its documentation and the kenmerken it offers for filtering."""

    documentatie_link: DocumentatieLink | None = Field(
        default=None, description="URL naar documentatie van de notificaties op dit kanaal"
    )
    filters: Filters = Field(
        default_factory=list, description="De kenmerken waarop een abonnement op dit kanaal kan filteren"
    )


class Kanaal(CamelModel):
    """A kanaal (ZGW ``Kanaal``): unique by name."""

    naam: KanaalNaam = Field(description="Naam van het kanaal, bijvoorbeeld aanvragen")
    documentatie_link: DocumentatieLink | None = Field(
        default=None, description="URL naar documentatie van de notificaties op dit kanaal"
    )
    filters: Filters = Field(
        default_factory=list, description="De kenmerken waarop een abonnement op dit kanaal kan filteren"
    )


class KanaalLijst(CamelModel):
    items: list[Kanaal]


# --- abonnementen ------------------------------------------------------------------------------------------------


class FilterGroep(CamelModel):
    """A kanaal of an abonnement (ZGW ``FilterGroup``): only notifications whose kenmerken have exactly these values
    (``*``: any value, but the kenmerk must be there) reach the subscriber."""

    naam: KanaalNaam
    filters: dict[KenmerkSleutel, KenmerkWaarde] = Field(default_factory=dict, max_length=20)


Auth = Annotated[SecretStr, Field(min_length=1, max_length=2000)]
_AUTH = "De volledige Authorization-header voor de callback, bijvoorbeeld 'Bearer a4daa31...'"


class AbonnementNieuw(CamelModel):
    """A new abonnement (ZGW ``Abonnement``)."""

    callback_url: CallbackUrl = Field(description="Waar de notificaties naartoe gaan (POST)")
    auth: Auth = Field(description=_AUTH)
    kanalen: list[FilterGroep] = Field(min_length=1, max_length=20)


class AbonnementWijziging(CamelModel):
    """Replace an abonnement's callback and kanalen; without ``auth`` the stored header is kept."""

    callback_url: CallbackUrl = Field(description="Waar de notificaties naartoe gaan (POST)")
    auth: Auth | None = Field(default=None, description=_AUTH + "; weglaten: de opgeslagen header blijft")
    kanalen: list[FilterGroep] = Field(min_length=1, max_length=20)


class Abonnement(CamelModel):
    """An abonnement as GBI shows it: the Authorization header is a secret and never returned, only a hint."""

    id: UUID
    gemeente: GemeenteCode
    callback_url: str
    auth_hint: str = Field(description="Het schema en de laatste tekens van de header, de rest gemaskeerd")
    kanalen: list[FilterGroep]
    eigenaar: str = Field(description="Wie het abonnement beheert: de integrator (client id) of de gemeente")
    created_at: datetime
    updated_at: datetime


class AbonnementLijst(CamelModel):
    items: list[Abonnement]


# --- notificaties and leveringen -----------------------------------------------------------------------------------


class Notificatie(CamelModel):
    """The ZGW Notificaties ``Message`` (kanaal, hoofdObject, resource, resourceUrl, actie, aanmaakdatum,
    kenmerken) plus ``id``: the same notification delivered twice carries the same id."""

    id: UUID = Field(description="Identificatie van de notificatie; gelijk bij een herhaalde aflevering")
    kanaal: KanaalNaam
    hoofd_object: Url = Field(description="URL van het hoofdobject waar de notificatie over gaat")
    resource: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    resource_url: Url
    actie: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    aanmaakdatum: datetime = Field(description="Wanneer de actie plaatsvond")
    kenmerken: dict[KenmerkSleutel, KenmerkWaarde] = Field(default_factory=dict)


class Levering(CamelModel):
    """One notification for one abonnement: exactly one per pair."""

    id: UUID
    abonnement_id: UUID
    notificatie: Notificatie
    status: LeveringStatus
    attempts: int = Field(ge=0, description="Pogingen tot nu toe")
    next_attempt_at: datetime | None = Field(description="Wanneer de volgende poging mag (pending)")
    last_error: str | None
    last_http_status: int | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime


class LeveringPagina(CamelModel):
    items: list[Levering]
    next_after: str | None = None


class LeveringClaim(CamelModel):
    """Lease due leveringen of the caller's gemeente (pending, ``nextAttemptAt`` passed, lease free or expired)."""

    worker: Worker = Field(description="Naam van de bezorger (uniek per proces)")
    lease_seconds: int = Field(ge=1, le=3600)
    limit: int = Field(default=20, ge=1, le=100)


class GeclaimdeLevering(CamelModel):
    """A claimed levering with what the worker needs to deliver it, the Authorization header included (only ever
    given to a GBI service)."""

    id: UUID
    abonnement_id: UUID
    callback_url: str
    auth: str
    attempts: int = Field(ge=1, description="Deze poging meegeteld")
    lease_until: datetime
    notificatie: Notificatie


class LeveringClaimResultaat(CamelModel):
    items: list[GeclaimdeLevering]
    nu: datetime = Field(description="Het moment van de claim volgens de klok van de dataservice")
    abonnementen: bool | None = Field(
        default=None,
        description=(
            "Alleen bij een lege claim: of de gemeente abonnementen heeft. false: er ontstaan hier geen leveringen "
            "tot iemand een abonnement neemt"
        ),
    )


class Herhaalbeleid(CamelModel):
    """When a failed levering is tried again: after ``baseDelayS * 2^(attempts-1)``, at most ``maxDelayS``, of
    which a random half (equal jitter, so many subscribers that failed together do not return together); given up
    (status ``failed``) after ``maxAttempts`` attempts or when the notification is older than ``maxAgeS``."""

    base_delay_s: float = Field(default=2.0, gt=0, le=3600)
    max_delay_s: float = Field(default=600.0, gt=0, le=86_400)
    max_attempts: int = Field(default=50, ge=1, le=1000)
    max_age_s: int = Field(default=48 * 3600, ge=1, le=30 * 86_400)


class LeveringUitslag(CamelModel):
    """What the subscriber said: ``delivered`` (a 2xx) or ``failed`` (anything else, or no answer)."""

    worker: Worker
    uitkomst: LeveringUitkomst
    http_status: int | None = Field(default=None, ge=100, le=599)
    fout: Annotated[str, StringConstraints(max_length=1000)] | None = None
    beleid: Herhaalbeleid = Field(default_factory=Herhaalbeleid)

"""The GBI koppelvlakken Levensonderhoud (VNG, ``../shared/specs/gbi/``) as far as they cross a GBI boundary.

"Notify, then pull": a front office posts a ``Notificatie`` (notificatie 0.9.0) to GBI; GBI fetches the
``ZaakLOAangevraagd`` (Levensonderhoud aanvragen 1.2.1) the notification points at, from the front office, with
a bearer token. An administration system (or a front office taking over) reads what GBI established with
``GET .../AanvragenLevensonderhoudBehandeld/{AanvraagId}`` (behandelen 0.95) and
``GET .../AanvragenLevensonderhoudBeslissing/{AanvraagId}`` (beslissen 1.0). Each answer carries the
``API-version`` of its own standard, errors are problem+json in the standards' ``Fout`` shape (code, title, status,
detail, instance; GBI adds ``invalidParams``).

GBI serves the koppelvlakken through the gateway under ``KOPPELVLAK_PREFIX`` (their own path style; they are not
part of the ``/api/v1`` public API and have their own OpenAPI documents: the official ones).

``KoppelvlakHerkomst`` is what the integration layer stores with an aanvraag that came in over the koppelvlak
(``gegevens.koppelvlak``): the front office, its AanvraagId and the message as it was received. It holds nothing
that differs between two pulls of the same message, so a repeated notification registers the very same body and
the data service's idempotency holds.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Final, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, StringConstraints
from pydantic.alias_generators import to_camel

from gbi_shared.contracts.common import CamelModel, GemeenteCode

__all__ = [
    "AANVRAGEN_VERSIE",
    "BEHANDELD_PAD",
    "BEHANDELEN_VERSIE",
    "BESLISSEN_VERSIE",
    "BESLISSING_PAD",
    "KOPPELVLAK_PREFIX",
    "NOTIFICATIES_PAD",
    "NOTIFICATIE_VERSIE",
    "KoppelvlakHerkomst",
    "Notificatie",
    "is_date_time",
    "is_uri",
]

#: Where GBI serves the koppelvlakken (gateway route to the integration layer).
KOPPELVLAK_PREFIX: Final = "/koppelvlakken/levensonderhoud"
#: notificatie 0.9.0: ``POST /notificaties``.
NOTIFICATIES_PAD: Final = "/notificaties"
#: aanvragen 1.2.1 (the front office's resource) and behandelen 0.95 (GBI's) share this path name.
BEHANDELD_PAD: Final = "/AanvragenLevensonderhoudBehandeld"
#: beslissen 1.0.
BESLISSING_PAD: Final = "/AanvragenLevensonderhoudBeslissing"

#: The ``API-version`` each standard's answers carry (the versions of the documents in ``../shared/specs/gbi``).
NOTIFICATIE_VERSIE: Final = "0.9.0"
AANVRAGEN_VERSIE: Final = "1.2.1"
BEHANDELEN_VERSIE: Final = "0.95"
BESLISSEN_VERSIE: Final = "1.0"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def is_uri(value: str) -> bool:
    """``format: uri``: an absolute URI (a scheme; http and https also a host), no whitespace."""
    if not value or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if not _SCHEME.match(parts.scheme or ""):
        return False
    return bool(parts.netloc) if parts.scheme.lower() in ("http", "https") else True


def is_date_time(value: str) -> bool:
    """``format: date-time``: RFC 3339, with a time zone (``Z`` or an offset)."""
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _uri(value: str) -> str:
    if not is_uri(value):
        raise ValueError("geen absolute URI")
    return value


def _date_time(value: str) -> str:
    if not is_date_time(value):
        raise ValueError("geen datum-tijd volgens RFC 3339 met tijdzone (bijvoorbeeld 2025-06-02T09:30:00+02:00)")
    return value


Uri = Annotated[str, StringConstraints(min_length=1), AfterValidator(_uri)]
Kenmerk = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class Notificatie(BaseModel):
    """``Message`` of notificatie 0.9.0: a front office tells GBI that an aanvraag can be fetched.

    ``kanaal`` is required by the standard although its definition is commented out there: any value is
    accepted. Unknown fields are allowed (the standard does not forbid them) and echoed in the answer."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True)

    kanaal: JsonValue = Field(
        description="Het kanaal van de notificatie (verplicht; de standaard legt de vorm niet vast)"
    )
    hoofd_object: Uri = Field(description="URL-referentie naar het hoofdobject bij de front office")
    resource: str = Field(min_length=1, max_length=100, description="De resourcenaam, bijvoorbeeld aanvraag")
    resource_url: Uri = Field(
        description="URL van de ZaakLOAangevraagd bij de front office: .../AanvragenLevensonderhoudBehandeld/{id}"
    )
    actie: str = Field(min_length=1, max_length=100, description="create, update of partial_update")
    aanmaakdatum: Annotated[str, AfterValidator(_date_time)] = Field(
        description="Datum en tijd van de actie (RFC 3339, met tijdzone)"
    )
    kenmerken: dict[str, Kenmerk] = Field(default_factory=dict, description="Kenmerken (sleutel/waarde)")


class KoppelvlakHerkomst(CamelModel):
    """An aanvraag that came in over Levensonderhoud aanvragen (stored with it as ``gegevens.koppelvlak``)."""

    koppelvlak: Literal["levensonderhoud-aanvragen"] = "levensonderhoud-aanvragen"
    versie: str = AANVRAGEN_VERSIE
    frontoffice: str = Field(description="De front office (naam in de configuratie van GBI)")
    gemeente: GemeenteCode
    aanvraag_id: str = Field(description="De AanvraagId van de front office (LOaangevraagd.Aanvraagid)")
    zaak_uuid: str = Field(description="ZaakLOAangevraagd.Uuid: de zaak bij de front office")
    resource_url: str = Field(description="Waar GBI het bericht ophaalde")
    bericht: dict[str, JsonValue] = Field(description="LOaangevraagd zoals ontvangen (gevalideerd)")

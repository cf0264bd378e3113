"""The front offices GBI accepts applications from (``GBI_KOPPELVLAK_FRONTOFFICES`` / ``..._FILE``).

Per front office: the base URL of its Levensonderhoud aanvragen API (the ``servers`` URL of aanvragen 1.2.1;
GBI fetches ``<url>/AanvragenLevensonderhoudBehandeld/{AanvraagId}``), the gemeenten whose integrators may point
GBI at it, and the bearer token GBI presents when it pulls. A notification whose ``resourceUrl`` is not under the
URL of a front office of the caller's gemeente is refused before anything is fetched: GBI never fetches an
address a notification made up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, field_validator, model_validator

from gbi_shared.contracts.common import GemeenteCode

__all__ = ["Frontoffice", "load_frontoffices"]


class Frontoffice(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(description="Basis-URL van de API Levensonderhoud aanvragen van de front office")
    gemeenten: list[GemeenteCode] = Field(min_length=1)
    token: SecretStr = Field(min_length=16, description="Bearer-token waarmee GBI de aanvragen ophaalt")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("een http(s)-URL zonder query of fragment")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if len(set(self.gemeenten)) != len(self.gemeenten):
            raise ValueError("een gemeente staat twee keer in de lijst")
        return self

    def bevat(self, url: str) -> bool:
        """Whether ``url`` lies under this front office's base URL (same scheme, host and port; path below)."""
        base, other = urlsplit(self.url), urlsplit(url)
        if (base.scheme, base.netloc.lower()) != (other.scheme, other.netloc.lower()):
            return False
        return other.path.startswith(base.path.rstrip("/") + "/")


_FRONTOFFICES = TypeAdapter(dict[str, Frontoffice])


def load_frontoffices(inline: dict[str, Frontoffice], path: Path | None) -> dict[str, Frontoffice]:
    """The front offices of ``GBI_KOPPELVLAK_FRONTOFFICES`` plus those of the file (a JSON object name -> settings)."""
    merged = dict(inline)
    if path is not None:
        merged.update(_FRONTOFFICES.validate_python(json.loads(path.read_text(encoding="utf-8"))))
    for name in merged:
        if not name or len(name) > 64 or not all(c.isalnum() or c in "-_." for c in name):
            raise ValueError(f"{name!r} is geen geldige naam van een front office (letters, cijfers, -_.)")
    return merged

"""Per-gemeente settings of the zaaksysteem clients (``GBI_ZGW_GEMEENTEN`` / ``GBI_ZGW_GEMEENTEN_FILE``)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, field_validator

from gbi_shared.contracts.common import is_valid_bsn

__all__ = ["ZgwGemeente", "load_zgw_gemeenten"]


class ZgwGemeente(BaseModel):
    """How GBI acts in one gemeente's zaaksysteem: its ZGW client (JWT ``client_id`` and HS256 secret) and the
    gemeente's RSIN (``bronorganisatie`` of the zaken, besluiten and documenten; finds the catalogus)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")
    # RFC 7518 section 3.2: an HS256 key of at least 256 bits.
    secret: SecretStr = Field(min_length=32)
    rsin: str

    @field_validator("rsin")
    @classmethod
    def _rsin(cls, value: str) -> str:
        # An RSIN is checked like a BSN: 9 digits, elfproef.
        if not is_valid_bsn(value):
            raise ValueError("een RSIN van 9 cijfers die aan de elfproef voldoet")
        return value


_GEMEENTEN = TypeAdapter(dict[str, ZgwGemeente])


def load_zgw_gemeenten(inline: dict[str, ZgwGemeente], path: Path | None) -> dict[str, ZgwGemeente]:
    """The gemeenten of ``GBI_ZGW_GEMEENTEN`` plus those of the file (a JSON object CBS code -> settings)."""
    merged = dict(inline)
    if path is not None:
        merged.update(_GEMEENTEN.validate_python(json.loads(path.read_text(encoding="utf-8"))))
    for code in merged:
        if len(code) != 4 or not code.isdigit():
            raise ValueError(f"{code!r} is geen CBS-gemeentecode van 4 cijfers")
    return merged

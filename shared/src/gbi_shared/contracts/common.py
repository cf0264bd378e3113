"""Small value types shared by several contracts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

__all__ = ["Bsn", "CamelModel", "GemeenteCode", "euro_to_cents", "is_valid_bsn"]


def is_valid_bsn(value: str) -> bool:
    """9 digits passing the elfproef (weights 9..2 and -1, sum divisible by 11), not all zeros.

    ASCII digits only: ``str.isdigit()`` and ``int()`` also accept other scripts' digits (fullwidth "１２３...").
    """
    if len(value) != 9 or not (value.isascii() and value.isdigit()) or value == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(value[:8], range(9, 1, -1), strict=True)) - int(value[8])
    return total % 11 == 0


def _check_bsn(value: str) -> str:
    if not is_valid_bsn(value):
        raise ValueError("geen geldig BSN (9 cijfers die aan de elfproef voldoen)")
    return value


def _check_gemeente(value: str) -> str:
    if len(value) != 4 or not value.isdigit():
        raise ValueError("een CBS-gemeentecode van 4 cijfers")
    return value


Bsn = Annotated[str, AfterValidator(_check_bsn)]
GemeenteCode = Annotated[str, AfterValidator(_check_gemeente)]


def euro_to_cents(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class CamelModel(BaseModel):
    """Boundary models: camelCase on the wire, snake_case in Python, unknown fields refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

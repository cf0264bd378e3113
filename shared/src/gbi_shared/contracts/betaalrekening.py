"""Contract of a gemeente's payer account (betaalrekening): the debtor of its SEPA files (pain.001 ``Dbtr``).

A beheerder registers and changes it through ``PUT /api/v1/betaalrekening``; the payment run needs it. Checked here
so that the process layer and the data service refuse the same things, each naming the field (400):

- ``iban``: a Dutch IBAN (18 characters, NL, the bank's four letters, ten digits) whose mod 97 check holds; spaces
  and lower case are accepted and normalised away;
- ``bic``: optional (SEPA needs none since 2016); when given an ISO 9362 BIC of 8 or 11 characters of a Dutch bank
  (its country is the IBAN's), normalised to upper case;
- ``naam``: 1 to 70 characters (pain.001 ``Nm``) in the SEPA (EPC) basic Latin set ``a-z A-Z 0-9 / - ? : ( ) . , '
  +`` and space; refused, never transliterated, because it is the name banks show the citizens;
- ``toelichting``: free text for the people who keep the account, up to 500 characters.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator

from gbi_shared.contracts.common import CamelModel
from gbi_shared.contracts.kanaal import is_valid_iban, normalize_iban

__all__ = ["NAAM_MAX", "SEPA_TEKENS", "TOELICHTING_MAX", "Betaalrekening", "BetaalrekeningWijziging"]

NAAM_MAX = 70
TOELICHTING_MAX = 500
SEPA_TEKENS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")
_NL_IBAN = re.compile(r"^NL[0-9]{2}[A-Z]{4}[0-9]{10}$")
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def _iban(value: str) -> str:
    normal = normalize_iban(value)
    if not normal.startswith("NL"):
        raise ValueError("de betaalrekening van een gemeente is een Nederlands IBAN (begint met NL)")
    if not _NL_IBAN.match(normal):
        raise ValueError(
            "een Nederlands IBAN heeft 18 tekens: NL, twee cijfers, vier letters van de bank, tien cijfers"
        )
    if not is_valid_iban(normal):
        raise ValueError("het controlegetal van dit IBAN klopt niet; kijk het rekeningnummer na")
    return normal


def _bic(value: str | None) -> str | None:
    if value is None:
        return None
    normal = re.sub(r"\s+", "", value).upper()
    if not normal:
        return None
    if not normal.isascii() or not _BIC.match(normal):
        raise ValueError("is geen BIC: 8 of 11 tekens, vier letters van de bank, twee van het land, twee van de plaats")
    return normal


def _naam(value: str) -> str:
    normal = re.sub(r"\s+", " ", value).strip()
    if not normal:
        raise ValueError("is leeg")
    if len(normal) > NAAM_MAX:
        raise ValueError(f"is langer dan {NAAM_MAX} tekens (SEPA Nm)")
    vreemd = sorted({ch for ch in normal if ch not in SEPA_TEKENS})
    if vreemd:
        raise ValueError(
            "bevat tekens buiten de SEPA-tekenset (a-z A-Z 0-9 / - ? : ( ) . , ' + en spatie): " + " ".join(vreemd)
        )
    return normal


class BetaalrekeningWijziging(CamelModel):
    """The payer account a beheerder registers for the own gemeente (the whole account: PUT replaces it)."""

    iban: Annotated[str, StringConstraints(min_length=1, max_length=50), AfterValidator(_iban)] = Field(
        description="IBAN van de gemeente (spaties en kleine letters mogen; opgeslagen zonder spaties)",
        examples=["NL91 ABNA 0417 1643 00"],
    )
    bic: Annotated[str | None, StringConstraints(max_length=20), AfterValidator(_bic)] = Field(
        default=None, description="BIC van de bank (optioneel, 8 of 11 tekens)", examples=["ABNANL2A"]
    )
    naam: Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_naam)] = Field(
        description=f"Naam van de rekeninghouder zoals de bank die toont, hoogstens {NAAM_MAX} tekens uit de "
        "SEPA-tekenset",
        examples=["Gemeente 's-Gravenhage"],
    )
    toelichting: str = Field(
        default="",
        max_length=TOELICHTING_MAX,
        # Text with line breaks and tabs, no other control characters (PostgreSQL stores no NUL).
        pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
        description="Toelichting voor wie de rekening beheert (bijvoorbeeld het besluit waarmee die is geopend)",
    )

    @field_validator("bic", mode="after")
    @classmethod
    def _bic_van_het_land(cls, bic: str | None, info: ValidationInfo) -> str | None:
        iban = info.data.get("iban")
        if bic is not None and isinstance(iban, str) and bic[4:6] != iban[:2]:
            raise ValueError("de BIC hoort bij een bank in een ander land dan het IBAN")
        return bic


class Betaalrekening(CamelModel):
    """The account the gemeente pays its clients from."""

    gemeente: str = Field(description="CBS-code van de gemeente", examples=["0518"])
    iban: str = Field(examples=["NL91ABNA0417164300"])
    bic: str | None = Field(default=None, examples=["ABNANL2A"])
    naam: str = Field(examples=["Gemeente 's-Gravenhage"])
    toelichting: str = ""

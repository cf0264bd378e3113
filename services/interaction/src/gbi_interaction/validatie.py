"""Invalid input answered in plain Dutch: 400 problem+json whose ``invalidParams`` name each field (camelCase, as
dotted path with list positions: ``huishouden.kinderen.0.geboortedatum``) with a reason a citizen understands.

The shared app factory already turns validation errors into 400s naming the field; this handler, installed on the
interaction app, replaces pydantic's English messages by Dutch ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from gbi_shared.app import problem_response
from gbi_shared.errors import BadRequestError, InvalidParam

__all__ = ["naar_nederlands", "ongeldige_invoer", "validatie_handler"]

_PLEKKEN = ("body", "query", "path", "header", "cookie")
_BEDRAG = r"^(0|[1-9][0-9]{0,11})\.[0-9]{2}$"
_SLEUTEL = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"

_VASTE_REDENEN = {
    "missing": "is verplicht",
    "json_invalid": "is geen geldige JSON",
    "json_type": "is geen geldige JSON",
    "extra_forbidden": "is geen veld van dit bericht",
    "string_type": "moet tekst zijn",
    "bool_type": "moet true of false zijn",
    "bool_parsing": "moet true of false zijn",
    "int_type": "moet een geheel getal zijn",
    "int_parsing": "moet een geheel getal zijn",
    "int_from_float": "moet een geheel getal zijn",
    "float_type": "moet een getal zijn",
    "float_parsing": "moet een getal zijn",
    "date_type": "moet een datum zijn (JJJJ-MM-DD)",
    "date_parsing": "is geen geldige datum (JJJJ-MM-DD)",
    "date_from_datetime_parsing": "is geen geldige datum (JJJJ-MM-DD)",
    "date_from_datetime_inexact": "is een datum zonder tijd (JJJJ-MM-DD)",
    "datetime_type": "moet een moment zijn (JJJJ-MM-DDTuu:mm:ss+01:00)",
    "datetime_parsing": "is geen geldig moment (JJJJ-MM-DDTuu:mm:ss+01:00)",
    "datetime_from_date_parsing": "is geen geldig moment (JJJJ-MM-DDTuu:mm:ss+01:00)",
    "uuid_type": "is geen geldig id",
    "uuid_parsing": "is geen geldig id",
    "model_type": "moet een object zijn",
    "model_attributes_type": "moet een object zijn",
    "dict_type": "moet een object zijn",
    "list_type": "moet een lijst zijn",
    "none_required": "moet leeg blijven",
}


def _reden(fout: Mapping[str, Any]) -> str:
    soort = str(fout.get("type", ""))
    ctx = fout.get("ctx") or {}
    if soort in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if soort in _VASTE_REDENEN:
        return _VASTE_REDENEN[soort]
    if soort == "string_too_short":
        minimum = ctx.get("min_length", 1)
        return "mag niet leeg zijn" if minimum == 1 else f"is te kort: minstens {minimum} tekens"
    if soort == "string_too_long":
        return f"is te lang: hoogstens {ctx.get('max_length')} tekens"
    if soort == "too_short":
        return f"moet minstens {ctx.get('min_length')} item(s) hebben"
    if soort == "too_long":
        return f"mag hoogstens {ctx.get('max_length')} items hebben"
    if soort == "string_pattern_mismatch":
        patroon = ctx.get("pattern")
        if patroon == _BEDRAG:
            return "moet een bedrag in euro zijn met twee decimalen en een punt, bijvoorbeeld 1250.00"
        if patroon == _SLEUTEL:
            return "mag alleen letters, cijfers en . _ : - bevatten"
        return "heeft niet de juiste vorm"
    if soort in ("literal_error", "enum"):
        return f"kies uit: {ctx.get('expected', '')}".replace("'", "")
    if soort == "greater_than_equal":
        return f"moet minstens {ctx.get('ge')} zijn"
    if soort == "greater_than":
        return f"moet groter zijn dan {ctx.get('gt')}"
    if soort == "less_than_equal":
        return f"mag hoogstens {ctx.get('le')} zijn"
    if soort == "less_than":
        return f"moet kleiner zijn dan {ctx.get('lt')}"
    return "is ongeldig"


def _naam(loc: Sequence[Any]) -> str:
    delen = [str(p) for p in loc if p not in _PLEKKEN]
    return ".".join(delen) or "body"


def naar_nederlands(fouten: Sequence[Mapping[str, Any]]) -> list[InvalidParam]:
    """pydantic's errors as ``invalidParams`` with Dutch reasons."""
    params: list[InvalidParam] = []
    for fout in fouten:
        soort = str(fout.get("type", "invalid"))
        naam = "body" if soort == "json_invalid" else _naam(fout.get("loc", ()))
        params.append(InvalidParam(name=naam, code=soort, reason=_reden(fout)))
    return params


def ongeldige_invoer(params: list[InvalidParam]) -> BadRequestError:
    samenvatting = "; ".join(f"{p.name}: {p.reason}" for p in params[:5])
    return BadRequestError(f"Controleer uw invoer. {samenvatting}", invalid_params=params)


async def validatie_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(ongeldige_invoer(naar_nederlands(exc.errors())), request)

"""Reading SuwiML messages rendered as JSON (the BKWI Suwinet dossier services): envelope, Datum, StandaardBedr.

An answer is ``ClientSuwi`` (with its siblings), ``NietsGevonden`` (the source knows nothing about the person: an
empty, complete answer) or ``FWI`` (Foutbericht: the backend could not deliver; a 503, retried). Unknown elements
are ignored, missing required ones make the answer unusable (502).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic.alias_generators import to_pascal

from gbi_shared.errors import ServiceUnavailableError, UpstreamError

__all__ = ["Datum", "StandaardBedr", "SuwiModel", "lees_suwinet", "onbruikbaar", "suwinet_datum"]

M = TypeVar("M", bound=BaseModel)


def suwinet_datum(value: date) -> str:
    return value.strftime("%Y%m%d")


def _datum(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 8 and value.isascii() and value.isdigit():
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    return value


Datum = Annotated[date, BeforeValidator(_datum)]


class SuwiModel(BaseModel):
    model_config = ConfigDict(extra="ignore", alias_generator=to_pascal, populate_by_name=True, frozen=True)


class StandaardBedr(SuwiModel):
    cd_positief_negatief: Literal["+", "-"] = "+"
    waarde_bedr: int

    @property
    def centen(self) -> int:
        return -self.waarde_bedr if self.cd_positief_negatief == "-" else self.waarde_bedr


@contextmanager
def onbruikbaar(bron: str) -> Iterator[None]:
    """Mapping a well-formed message that still breaks the contract (an end before its start, a kenteken of the
    wrong shape, ...) is the source's fault: 502, never our 500."""
    try:
        yield
    except ValidationError as exc:
        raise UpstreamError(f"{bron} leverde gegevens die niet aan het contract voldoen") from exc


def lees_suwinet(data: Any, model: type[M], bron: str) -> M | None:
    """The ``ClientSuwi`` answer as ``model``; None for ``NietsGevonden``; 503 for an ``FWI``; 502 otherwise."""
    if not isinstance(data, dict):
        raise UpstreamError(f"{bron} gaf een onbruikbaar antwoord")
    if "FWI" in data:
        fouten = (data.get("FWI") or {}).get("Fout") or []
        codes = ", ".join(str(f.get("Code")) for f in fouten if isinstance(f, dict)) or "onbekend"
        raise ServiceUnavailableError(f"{bron} kon niet leveren (Suwinet-foutbericht {codes})")
    if "NietsGevonden" in data:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise UpstreamError(f"{bron} gaf een antwoord dat niet aan het koppelvlak voldoet") from exc

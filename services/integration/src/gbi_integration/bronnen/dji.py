"""Detention: the port and its adapter for DJI detention data.

Gemeenten receive DJI's detentiegegevens through the Inlichtingenbureau's Justitiekoppeling; GBI models it as a
small JSON query (``POST <dji_url>/detenties/zoeken`` with ``{bsn, periodeVan, periodeTot}``, ``periodeTot``
exclusive) answering ``{detenties: [{detentieId, datumInsluiting, datumOntslag, inrichting, titel}]}``. Mapping:
datumInsluiting -> periode.vanaf, datumOntslag (the day of release) -> periode.tot (null: still detained), titel
VOORLOPIGE_HECHTENIS / GEVANGENISSTRAF / VERVANGENDE_HECHTENIS / TBS -> voorlopige-hechtenis / gevangenisstraf /
vervangende-hechtenis / tbs. Left out: expected release date, leave (verlof), electronic monitoring.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from gbi_integration.bronnen._client import BronClient
from gbi_integration.settings import IntegrationSettings
from gbi_shared._http import HttpTransport
from gbi_shared.context import RequestContext
from gbi_shared.contracts.bronnen import Detentie, Detenties, Periode
from gbi_shared.contracts.huishouden import Bronvermelding
from gbi_shared.errors import UpstreamError

__all__ = ["BRON", "DetentiesPort", "DjiDetenties", "detenties_uit_dji"]

BRON = "DJI detentiegegevens (Justitiekoppeling)"
_TITEL: dict[str, Literal["voorlopige-hechtenis", "gevangenisstraf", "vervangende-hechtenis", "tbs"]] = {
    "VOORLOPIGE_HECHTENIS": "voorlopige-hechtenis",
    "GEVANGENISSTRAF": "gevangenisstraf",
    "VERVANGENDE_HECHTENIS": "vervangende-hechtenis",
    "TBS": "tbs",
}


class DetentiesPort(Protocol):
    """Detentions of a person that overlap ``periode``."""

    async def detenties(self, bsn: str, periode: Periode, ctx: RequestContext) -> Detenties: ...


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True, frozen=True)


class _Detentie(_Wire):
    detentie_id: str
    datum_insluiting: date
    datum_ontslag: date | None = None
    inrichting: str
    titel: str


class _Antwoord(_Wire):
    detenties: list[_Detentie] = Field(default_factory=list)


def detenties_uit_dji(bsn: str, periode: Periode, data: Any, *, fetched_at: datetime) -> Detenties:
    try:
        antwoord = _Antwoord.model_validate(data)
        items = [
            Detentie(
                id=d.detentie_id,
                periode=Periode(vanaf=d.datum_insluiting, tot=d.datum_ontslag),
                inrichting=d.inrichting,
                titel=_TITEL.get(d.titel.upper(), "overig"),
            )
            for d in antwoord.detenties
        ]
    except ValidationError as exc:
        raise UpstreamError("DJI gaf een antwoord dat niet aan het koppelvlak voldoet") from exc
    return Detenties(
        bsn=bsn, periode=periode, detenties=items, bron=Bronvermelding(bron=BRON, opgevraagd_op=fetched_at)
    )


class DjiDetenties:
    def __init__(self, settings: IntegrationSettings, transport: HttpTransport) -> None:
        self.client = BronClient("DJI", settings.dji_url, settings, transport)

    async def detenties(self, bsn: str, periode: Periode, ctx: RequestContext) -> Detenties:
        assert periode.tot is not None
        body = {"bsn": bsn, "periodeVan": periode.vanaf.isoformat(), "periodeTot": periode.tot.isoformat()}
        now = datetime.now(UTC)

        def parse(data: Any) -> Detenties:
            return detenties_uit_dji(bsn, periode, data, fetched_at=now)

        return await self.client.lees("POST", "/detenties/zoeken", ctx, parse, body=body)

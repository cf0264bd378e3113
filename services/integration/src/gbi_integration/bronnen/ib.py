"""Inlichtingenbureau signals: the port and its adapter.

The Inlichtingenbureau matches a gemeente's clients against other registers and delivers signals (income not
reported, a vehicle registered, a bank account abroad, detention, a stay abroad). GBI pulls them as a feed per
gemeente with a since-cursor and can search the signals about one person:

- ``GET <ib_url>/gemeenten/{gemeente}/signalen?na=<volgnummer>&aantal=<n>`` ->
  ``{gemeente, signalen: [...], laatsteVolgnummer, meer}``, oldest first
- ``POST <ib_url>/gemeenten/{gemeente}/signalen/zoeken`` with ``{bsn}`` -> ``{gemeente, signalen: [...]}``

Mapping (-> ``gbi_shared.contracts.bronnen.IbSignaal``): signaalId, volgnummer -> cursor, signaalsoort INKOMEN /
VOERTUIG / BANKREKENING_BUITENLAND / DETENTIE / VERBLIJF_BUITENLAND -> inkomen / voertuig / bankrekening-buitenland /
detentie / verblijf-buitenland, periodeBegin / periodeEinde (inclusive) -> periode (tot exclusive), datumLevering ->
ontvangenOp, bedragCent -> bedrag, kenteken, landcode -> land, instantie, omschrijving. Left out: the feedback
(terugmelding) of what the gemeente did with a signal, and the signal files of the bulk exchange.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from gbi_integration.bronnen._client import BronClient
from gbi_integration.settings import IntegrationSettings
from gbi_shared._http import HttpTransport
from gbi_shared.context import RequestContext
from gbi_shared.contracts.bronnen import IbSignaal, IbSignaalSoort, IbSignalen, IbSignalenPagina, Periode, bedrag
from gbi_shared.contracts.huishouden import Bronvermelding
from gbi_shared.errors import UpstreamError

__all__ = ["BRON", "IbSignalenPort", "Inlichtingenbureau", "signaal_uit_ib"]

BRON = "Inlichtingenbureau (signalen)"
_SOORT: dict[str, IbSignaalSoort] = {
    "INKOMEN": "inkomen",
    "VOERTUIG": "voertuig",
    "BANKREKENING_BUITENLAND": "bankrekening-buitenland",
    "DETENTIE": "detentie",
    "VERBLIJF_BUITENLAND": "verblijf-buitenland",
}


class IbSignalenPort(Protocol):
    async def feed(self, gemeente: str, na: str | None, aantal: int, ctx: RequestContext) -> IbSignalenPagina:
        """The gemeente's signals after cursor ``na`` (None: from the start), oldest first, at most ``aantal``."""
        ...

    async def signalen(self, gemeente: str, bsn: str, periode: Periode | None, ctx: RequestContext) -> IbSignalen:
        """The gemeente's signals about one person, overlapping ``periode`` (None: all)."""
        ...


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True, frozen=True)


class _Signaal(_Wire):
    volgnummer: int
    signaal_id: str
    bsn: str
    signaalsoort: Literal["INKOMEN", "VOERTUIG", "BANKREKENING_BUITENLAND", "DETENTIE", "VERBLIJF_BUITENLAND"]
    periode_begin: date
    periode_einde: date | None = None
    datum_levering: date
    omschrijving: str
    bedrag_cent: int | None = None
    kenteken: str | None = None
    landcode: str | None = None
    instantie: str | None = None


class _Feed(_Wire):
    gemeente: str
    signalen: list[_Signaal] = Field(default_factory=list)
    laatste_volgnummer: int | None = None
    meer: bool = False


class _Zoek(_Wire):
    gemeente: str
    signalen: list[_Signaal] = Field(default_factory=list)


def signaal_uit_ib(s: _Signaal, gemeente: str) -> IbSignaal:
    return IbSignaal(
        signaal_id=s.signaal_id,
        cursor=str(s.volgnummer),
        bsn=s.bsn,
        gemeente=gemeente,
        soort=_SOORT[s.signaalsoort],
        periode=Periode(vanaf=s.periode_begin, tot=s.periode_einde + timedelta(days=1) if s.periode_einde else None),
        ontvangen_op=s.datum_levering,
        omschrijving=s.omschrijving,
        bedrag=bedrag(s.bedrag_cent) if s.bedrag_cent is not None else None,
        kenteken=s.kenteken.replace("-", "").upper() if s.kenteken else None,
        land=s.landcode,
        instantie=s.instantie,
    )


def _valideer(model: type[_Feed] | type[_Zoek], data: Any, gemeente: str) -> Any:
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        raise UpstreamError("Het Inlichtingenbureau gaf een antwoord dat niet aan het koppelvlak voldoet") from exc
    if parsed.gemeente != gemeente:
        raise UpstreamError("Het Inlichtingenbureau antwoordde voor een andere gemeente")
    return parsed


class Inlichtingenbureau:
    def __init__(self, settings: IntegrationSettings, transport: HttpTransport) -> None:
        self.client = BronClient("Inlichtingenbureau", settings.ib_url, settings, transport)

    async def feed(self, gemeente: str, na: str | None, aantal: int, ctx: RequestContext) -> IbSignalenPagina:
        now = datetime.now(UTC)

        def parse(data: Any) -> IbSignalenPagina:
            feed: _Feed = _valideer(_Feed, data, gemeente)
            try:
                items = [signaal_uit_ib(s, gemeente) for s in feed.signalen]
            except ValidationError as exc:
                raise UpstreamError("Het Inlichtingenbureau leverde een onbruikbaar signaal") from exc
            cursor = str(feed.laatste_volgnummer) if feed.laatste_volgnummer is not None else na
            return IbSignalenPagina(
                gemeente=gemeente,
                items=items,
                cursor=cursor,
                meer=feed.meer,
                bron=Bronvermelding(bron=BRON, opgevraagd_op=now),
            )

        params = {"na": na or "0", "aantal": str(aantal)}
        return await self.client.lees("GET", f"/gemeenten/{gemeente}/signalen", ctx, parse, params=params)

    async def signalen(self, gemeente: str, bsn: str, periode: Periode | None, ctx: RequestContext) -> IbSignalen:
        now = datetime.now(UTC)

        def parse(data: Any) -> IbSignalen:
            zoek: _Zoek = _valideer(_Zoek, data, gemeente)
            try:
                items = [signaal_uit_ib(s, gemeente) for s in zoek.signalen if s.bsn == bsn]
            except ValidationError as exc:
                raise UpstreamError("Het Inlichtingenbureau leverde een onbruikbaar signaal") from exc
            if periode is not None:
                items = [s for s in items if s.periode.overlapt(periode.vanaf, periode.tot)]
            return IbSignalen(
                bsn=bsn,
                gemeente=gemeente,
                periode=periode,
                signalen=items,
                bron=Bronvermelding(bron=BRON, opgevraagd_op=now),
            )

        return await self.client.lees("POST", f"/gemeenten/{gemeente}/signalen/zoeken", ctx, parse, body={"bsn": bsn})

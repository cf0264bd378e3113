"""Use cases of the source queries: who may ask, the processing log, and the dossier of several sources at once.

Who may ask (the gateway already admits only GBI service tokens to ``/internal/...``; this checks the context the
service acts in): a GBI service acting for a gemeente; staff with a case role (klantmanager, inkomensconsulent,
handhaver, teamleider); a citizen about themselves only. A query always belongs to a gemeente (it is logged there):
without one it is refused. The signal feed is for services and handhavers/teamleiders.

Every query, successful or not, writes an entry in the processing log (``audit``); a successful answer is handed out
only after its entry is written. The queries of one dossier (and of one page of the signal feed) are logged in one
write, all or none: the dossier is handed out only after that write succeeded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from gbi_integration.bronnen.audit import AuditLog, AuditNietBeschikbaar, Raadpleging
from gbi_integration.bronnen.dji import BRON as DJI_BRON
from gbi_integration.bronnen.dji import DetentiesPort
from gbi_integration.bronnen.duo import BRON as DUO_BRON
from gbi_integration.bronnen.duo import StudiefinancieringPort
from gbi_integration.bronnen.ib import BRON as IB_BRON
from gbi_integration.bronnen.ib import IbSignalenPort
from gbi_integration.bronnen.kadaster import BRON as KADASTER_BRON
from gbi_integration.bronnen.kadaster import EigendommenPort
from gbi_integration.bronnen.rdw import BRON as RDW_BRON
from gbi_integration.bronnen.rdw import VoertuigenPort
from gbi_integration.bronnen.uwv import BRON as UWV_BRON
from gbi_integration.bronnen.uwv import InkomstenPort
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.bronnen import (
    BronCode,
    BronHerkomst,
    Detenties,
    Dossier,
    DossierVerzoek,
    Eigendommen,
    IbSignalen,
    IbSignalenPagina,
    Inkomsten,
    Periode,
    Studiefinanciering,
    Voertuigen,
)
from gbi_shared.errors import ForbiddenError, ServiceError

__all__ = ["LEVERANCIERS", "BronnenPoorten", "BronnenService"]

log = logging.getLogger("gbi.integration.bronnen")

T = TypeVar("T")

CASE_ROLES = ("klantmanager", "inkomensconsulent", "handhaver", "teamleider")
FEED_ROLES = ("handhaver", "teamleider")
LEVERANCIERS: dict[BronCode, str] = {
    "inkomsten": UWV_BRON,
    "voertuigen": RDW_BRON,
    "eigendommen": KADASTER_BRON,
    "studiefinanciering": DUO_BRON,
    "detenties": DJI_BRON,
    "ib-signalen": IB_BRON,
}


@dataclass(frozen=True, slots=True)
class BronnenPoorten:
    inkomsten: InkomstenPort
    voertuigen: VoertuigenPort
    eigendommen: EigendommenPort
    studiefinanciering: StudiefinancieringPort
    detenties: DetentiesPort
    ib: IbSignalenPort


def _gemeente(ctx: RequestContext) -> str:
    if not ctx.gemeente:
        raise ForbiddenError("Een bron wordt alleen geraadpleegd voor een gemeente; deze context heeft er geen")
    return ctx.gemeente


def _mag_persoon(ctx: RequestContext, bsn: str) -> str:
    gemeente = _gemeente(ctx)
    if ctx.actor_type is ActorType.SERVICE:
        return gemeente
    if ctx.actor_type is ActorType.BURGER:
        if ctx.bsn != bsn:
            raise ForbiddenError("Een burger kan alleen de eigen gegevens laten opvragen")
        return gemeente
    if ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role(*CASE_ROLES):
        return gemeente
    raise ForbiddenError("U heeft geen rol die bronnen mag raadplegen")


class BronnenService:
    def __init__(self, poorten: BronnenPoorten, audit: AuditLog) -> None:
        self._p = poorten
        self._audit = audit

    async def _geaudit(
        self, bron: BronCode, bsn: str, zaak_id: str | None, ctx: RequestContext, call: Callable[[], Awaitable[T]]
    ) -> T:
        operation = f"bronnen.{bron}"
        try:
            result = await call()
        except ServiceError as exc:
            # The attempt is logged too; if even that fails, the caller still gets the source's error.
            try:
                await self._audit.vastleggen(
                    ctx, operation=operation, bsn=bsn, zaak_id=zaak_id, status="ERROR", outcome=exc.instance_code
                )
            except AuditNietBeschikbaar:
                log.warning("audit of a failed source query not written", extra={"bron": bron})
            raise
        await self._audit.vastleggen(ctx, operation=operation, bsn=bsn, zaak_id=zaak_id, status="OK", outcome="success")
        return result

    # ---------------------------------------------------------------------------------------------- single sources

    async def inkomsten(self, bsn: str, periode: Periode, zaak_id: str | None, ctx: RequestContext) -> Inkomsten:
        _mag_persoon(ctx, bsn)
        return await self._geaudit(
            "inkomsten", bsn, zaak_id, ctx, lambda: self._p.inkomsten.inkomsten(bsn, periode, ctx)
        )

    async def voertuigen(self, bsn: str, peildatum: date, zaak_id: str | None, ctx: RequestContext) -> Voertuigen:
        _mag_persoon(ctx, bsn)
        return await self._geaudit(
            "voertuigen", bsn, zaak_id, ctx, lambda: self._p.voertuigen.voertuigen(bsn, peildatum, ctx)
        )

    async def eigendommen(self, bsn: str, peildatum: date, zaak_id: str | None, ctx: RequestContext) -> Eigendommen:
        _mag_persoon(ctx, bsn)
        return await self._geaudit(
            "eigendommen", bsn, zaak_id, ctx, lambda: self._p.eigendommen.eigendommen(bsn, peildatum, ctx)
        )

    async def studiefinanciering(
        self, bsn: str, periode: Periode, zaak_id: str | None, ctx: RequestContext
    ) -> Studiefinanciering:
        _mag_persoon(ctx, bsn)
        return await self._geaudit(
            "studiefinanciering",
            bsn,
            zaak_id,
            ctx,
            lambda: self._p.studiefinanciering.studiefinanciering(bsn, periode, ctx),
        )

    async def detenties(self, bsn: str, periode: Periode, zaak_id: str | None, ctx: RequestContext) -> Detenties:
        _mag_persoon(ctx, bsn)
        return await self._geaudit(
            "detenties", bsn, zaak_id, ctx, lambda: self._p.detenties.detenties(bsn, periode, ctx)
        )

    async def ib_signalen(
        self, bsn: str, periode: Periode | None, zaak_id: str | None, ctx: RequestContext
    ) -> IbSignalen:
        gemeente = _mag_persoon(ctx, bsn)
        return await self._geaudit(
            "ib-signalen", bsn, zaak_id, ctx, lambda: self._p.ib.signalen(gemeente, bsn, periode, ctx)
        )

    # ---------------------------------------------------------------------------------------------- feed

    async def ib_feed(self, gemeente: str | None, na: str | None, aantal: int, ctx: RequestContext) -> IbSignalenPagina:
        """A page of the gemeente's signal feed; one log entry per person in it (each is a processing of that
        person's data), written before the page is handed out."""
        eigen = _gemeente(ctx)
        if gemeente is not None and gemeente != eigen:
            raise ForbiddenError("De signalen van een andere gemeente zijn niet toegankelijk")
        if not (
            ctx.actor_type is ActorType.SERVICE
            or (ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role(*FEED_ROLES))
        ):
            raise ForbiddenError("Alleen handhaving (of GBI zelf) haalt de signalen van de gemeente op")
        try:
            pagina = await self._p.ib.feed(eigen, na, aantal, ctx)
        except ServiceError as exc:
            try:
                await self._audit.vastleggen(
                    ctx, operation="bronnen.ib-signalen.feed", bsn=None, zaak_id=None, status="ERROR",
                    outcome=exc.instance_code,
                )  # fmt: skip
            except AuditNietBeschikbaar:
                log.warning("audit of a failed feed query not written")
            raise
        bsns = sorted({s.bsn for s in pagina.items})
        if bsns:
            await self._audit.vastleggen_alle(
                ctx,
                [Raadpleging("bronnen.ib-signalen.feed", b, None, "OK", "success") for b in bsns],
            )
        else:
            await self._audit.vastleggen(
                ctx, operation="bronnen.ib-signalen.feed", bsn=None, zaak_id=None, status="OK", outcome="success"
            )
        return pagina

    # ---------------------------------------------------------------------------------------------- dossier

    async def dossier(self, verzoek: DossierVerzoek, ctx: RequestContext) -> Dossier:
        """The sources asked, concurrently. A source that does not answer is ``niet-beschikbaar`` (null in the
        dossier) while the others still answer. Every query asked is then logged in ONE write to the processing log
        (one transaction and one wait for the gemeente's chain head, instead of one per source); a log that cannot
        be written fails the whole dossier: no source's answer goes out unlogged."""
        gemeente = _mag_persoon(ctx, verzoek.bsn)
        bsn, peildatum, periode, zaak = verzoek.bsn, verzoek.peildatum, verzoek.periode, verzoek.zaak_id
        calls: dict[BronCode, Callable[[], Awaitable[Any]]] = {
            "inkomsten": lambda: self._p.inkomsten.inkomsten(bsn, periode, ctx),
            "voertuigen": lambda: self._p.voertuigen.voertuigen(bsn, peildatum, ctx),
            "eigendommen": lambda: self._p.eigendommen.eigendommen(bsn, peildatum, ctx),
            "studiefinanciering": lambda: self._p.studiefinanciering.studiefinanciering(bsn, periode, ctx),
            "detenties": lambda: self._p.detenties.detenties(bsn, periode, ctx),
            "ib-signalen": lambda: self._p.ib.signalen(gemeente, bsn, periode, ctx),
        }

        async def een(bron: BronCode) -> tuple[BronHerkomst, Any]:
            gevraagd = datetime.now(UTC)
            try:
                result = await calls[bron]()
            except ServiceError as exc:
                melding = exc.detail or exc.instance_title
                herkomst = BronHerkomst(
                    bron=bron, status="niet-beschikbaar", opgevraagd_op=gevraagd, leverancier=LEVERANCIERS[bron],
                    melding=melding,
                )  # fmt: skip
                return herkomst, exc
            herkomst = BronHerkomst(
                bron=bron, status="ok", opgevraagd_op=result.bron.opgevraagd_op, leverancier=LEVERANCIERS[bron]
            )
            return herkomst, result

        uitkomsten = await asyncio.gather(*(een(b) for b in verzoek.bronnen), return_exceptions=True)
        paren: list[tuple[BronHerkomst, Any]] = []
        raadplegingen: list[Raadpleging] = []
        onverwacht: BaseException | None = None
        for bron, uitkomst in zip(verzoek.bronnen, uitkomsten, strict=True):
            if isinstance(uitkomst, BaseException):
                onverwacht = onverwacht or uitkomst  # not a source's answer: nothing is handed out (raised below)
                continue
            herkomst, result = uitkomst
            if isinstance(result, ServiceError):
                raadplegingen.append(Raadpleging(f"bronnen.{bron}", bsn, zaak, "ERROR", result.instance_code))
                paren.append((herkomst, None))
            else:
                raadplegingen.append(Raadpleging(f"bronnen.{bron}", bsn, zaak, "OK", "success"))
                paren.append((herkomst, result))
        try:
            await self._audit.vastleggen_alle(ctx, raadplegingen)
        except AuditNietBeschikbaar:
            if onverwacht is None and any(r.status == "OK" for r in raadplegingen):
                raise
            # Nothing of a person goes out (every source failed, or the dossier fails anyway): the caller gets the
            # sources' errors, as when a single query fails with its log down.
            log.warning("audit of a dossier without answers not written", extra={"bronnen": len(raadplegingen)})
        if onverwacht is not None:
            raise onverwacht
        resultaten = {h.bron: r for h, r in paren}
        inkomsten = resultaten.get("inkomsten")
        volledig = all(h.status == "ok" for h, _ in paren) and (inkomsten is None or inkomsten.volledig)
        return Dossier(
            bsn=bsn,
            peildatum=peildatum,
            periode=periode,
            volledig=volledig,
            herkomst=[h for h, _ in paren],
            inkomsten=inkomsten,
            voertuigen=resultaten.get("voertuigen"),
            eigendommen=resultaten.get("eigendommen"),
            studiefinanciering=resultaten.get("studiefinanciering"),
            detenties=resultaten.get("detenties"),
            ib_signalen=resultaten.get("ib-signalen"),
        )

"""Zaak use cases of the integration layer: who may do what, then the zaaksysteem (the ``Zaaksysteem`` port).

The internal API is reached only by GBI services (the gateway refuses other tokens on ``/internal``); the context
they forward still limits what is done: a context of one gemeente only reaches that gemeente's zaken (another
gemeente's zaak answers as one that does not exist), and a burger's context may only register the zaak of an
aanvraag of their own (and themselves as aanvrager), nothing else.
"""

from __future__ import annotations

from datetime import datetime

from gbi_integration.zgw.port import Zaaksysteem
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.zaken import (
    ZaakAfhandeling,
    ZaakAfhandelingVerzoek,
    ZaakBesluit,
    ZaakBesluitGegevens,
    ZaakBesluitVerzoek,
    ZaakDocument,
    ZaakDocumentVerzoek,
    ZaakRegistratieVerzoek,
    ZaakRol,
    ZaakRoltypeNaam,
    ZaakRolVerzoek,
    ZaakStatusNaam,
    ZaakStatusRegistratie,
    ZaakStatusVerzoek,
    Zaakverwijzing,
)
from gbi_shared.errors import ForbiddenError, NotFoundError

__all__ = ["ZaakService"]


class ZaakService:
    def __init__(self, zaaksysteem: Zaaksysteem) -> None:
        self._zs = zaaksysteem

    @staticmethod
    def _same_gemeente(ctx: RequestContext, gemeente: str) -> None:
        if ctx.gemeente is not None and ctx.gemeente != gemeente:
            raise NotFoundError("Deze zaak bestaat niet")

    @staticmethod
    def _no_burger(ctx: RequestContext) -> None:
        if ctx.actor_type is ActorType.BURGER:
            raise ForbiddenError("Een burger kan dit niet in het zaaksysteem vastleggen")

    async def registreer(self, verzoek: ZaakRegistratieVerzoek, ctx: RequestContext) -> Zaakverwijzing:
        self._same_gemeente(ctx, verzoek.gemeente)
        if ctx.actor_type is ActorType.BURGER and ctx.bsn != verzoek.bsn:
            raise ForbiddenError("Een burger kan alleen een eigen aanvraag registreren")
        return await self._zs.registreer_zaak(
            verzoek.gemeente, verzoek.aanvraag_referentie, verzoek.bsn, verzoek.omschrijving, verzoek.startdatum
        )

    async def zaak(self, gemeente: str, identificatie: str, ctx: RequestContext) -> Zaakverwijzing:
        self._same_gemeente(ctx, gemeente)
        self._no_burger(ctx)
        return await self._zs.zoek_zaak(gemeente, identificatie)

    async def _zaak_voor_schrijven(self, gemeente: str, identificatie: str, ctx: RequestContext) -> Zaakverwijzing:
        self._same_gemeente(ctx, gemeente)
        self._no_burger(ctx)
        return await self._zs.zaak_voor_schrijven(gemeente, identificatie)

    async def status(
        self, identificatie: str, verzoek: ZaakStatusVerzoek, ctx: RequestContext
    ) -> ZaakStatusRegistratie:
        zaak = await self._zaak_voor_schrijven(verzoek.gemeente, identificatie, ctx)
        return await self._zs.zet_status(zaak, verzoek.status, verzoek.datum, verzoek.toelichting)

    async def rol(self, identificatie: str, verzoek: ZaakRolVerzoek, ctx: RequestContext) -> ZaakRol:
        zaak = await self._zaak_voor_schrijven(verzoek.gemeente, identificatie, ctx)
        if verzoek.bsn is not None:
            return await self._zs.voeg_rol_toe(zaak, verzoek.roltype, verzoek.bsn, verzoek.toelichting)
        assert verzoek.medewerker is not None  # the contract demands one of the two
        if verzoek.roltype is ZaakRoltypeNaam.AANVRAGER:
            raise ForbiddenError("De aanvrager is een natuurlijk persoon (BSN), geen medewerker")
        return await self._zs.voeg_rol_toe(zaak, verzoek.roltype, verzoek.medewerker, verzoek.toelichting)

    async def besluit(self, identificatie: str, verzoek: ZaakBesluitVerzoek, ctx: RequestContext) -> ZaakBesluit:
        """The besluit, and with ``statusGezetOp`` the zaak's status besluit_genomen after it (one request for the
        step that records the decision; each found again when the step is repeated)."""
        zaak = await self._zaak_voor_schrijven(verzoek.gemeente, identificatie, ctx)
        return await self._besluit_met_status(zaak, verzoek, verzoek.status_gezet_op)

    async def _besluit_met_status(
        self, zaak: Zaakverwijzing, b: ZaakBesluitGegevens, status_gezet_op: datetime | None
    ) -> ZaakBesluit:
        """The besluit, then (at ``status_gezet_op``, if given) the zaak's status besluit_genomen."""
        besluit = await self._zs.registreer_besluit(zaak, b.besluittype, b.datum, b.ingangsdatum, b.toelichting)
        if status_gezet_op is None:
            return besluit
        # A besluit this call created: no earlier try of this request got past it, so none set the status (a try
        # that did set it created the besluit first, and its retry finds the besluit, not creates it).
        status = await self._zs.zet_status(
            zaak, ZaakStatusNaam.BESLUIT_GENOMEN, status_gezet_op, b.status_toelichting, nog_geen=besluit.nieuw
        )
        return besluit.model_copy(update={"status": status})

    async def document(self, identificatie: str, verzoek: ZaakDocumentVerzoek, ctx: RequestContext) -> ZaakDocument:
        zaak = await self._zaak_voor_schrijven(verzoek.gemeente, identificatie, ctx)
        return await self._zs.voeg_document_toe(
            zaak, verzoek.besluit, verzoek.titel, verzoek.inhoud, verzoek.informatieobjecttype, verzoek.bestandsnaam
        )

    async def afhandeling(
        self, identificatie: str, verzoek: ZaakAfhandelingVerzoek, ctx: RequestContext
    ) -> ZaakAfhandeling:
        """The end of a case in one request (ADR 0045): the besluit with the status besluit_genomen, its beschikking
        (document of the zaak and of the besluit), the eindstatus; in that order, the zaaksysteem's own calls each
        as their own requests make them. A part refused raises and leaves the parts before it; the same request
        again finds those (each is idempotent by its key: ADRs 0022, 0031, 0041) and goes on from there."""
        zaak = await self._zaak_voor_schrijven(verzoek.gemeente, identificatie, ctx)
        besluit = await self._besluit_met_status(zaak, verzoek.besluit, verzoek.besluit.status_gezet_op)
        d = verzoek.document
        document = await self._zs.voeg_document_toe(
            zaak, besluit, d.titel, d.inhoud, d.informatieobjecttype, d.bestandsnaam, creatiedatum=d.creatiedatum
        )
        eind = await self._zs.zet_status(
            zaak, ZaakStatusNaam.AFGEHANDELD, verzoek.eindstatus.datum, verzoek.eindstatus.toelichting
        )
        return ZaakAfhandeling(besluit=besluit, document=document, eindstatus=eind)

"""The zaaksysteem as the ALO process needs it (the port; ``adapter.ZgwZaaksysteem`` implements it on ZGW).

Every method is safe to call again with the same arguments: it returns what the first call registered (with
``nieuw`` false) instead of registering it twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from gbi_shared.contracts.zaken import (
    ZaakBesluit,
    ZaakBesluittypeNaam,
    ZaakDocument,
    ZaakInformatieobjecttypeNaam,
    ZaakMedewerker,
    ZaakRol,
    ZaakRoltypeNaam,
    ZaakStatusNaam,
    ZaakStatusRegistratie,
    Zaakverwijzing,
)

__all__ = ["Zaaksysteem"]


class Zaaksysteem(Protocol):
    async def registreer_zaak(
        self, gemeente: str, aanvraag_referentie: str, bsn: str, omschrijving: str, startdatum: date
    ) -> Zaakverwijzing:
        """The ALO zaak of the aanvraag (registered when absent), with the aanvrager (``bsn``) as rol."""
        ...

    async def zoek_zaak(self, gemeente: str, identificatie: str) -> Zaakverwijzing:
        """The ALO zaak with this identificatie in the gemeente's zaaksysteem (``NotFoundError`` when absent)."""
        ...

    async def zaak_voor_schrijven(self, gemeente: str, identificatie: str) -> Zaakverwijzing:
        """As ``zoek_zaak``, for a write on the zaak: the adapter may answer from what it remembers (the URL of a zaak
        never changes; ``einddatum`` may be older than the zaaksysteem's)."""
        ...

    async def zet_status(
        self,
        zaak: Zaakverwijzing,
        status: ZaakStatusNaam,
        datum: datetime,
        toelichting: str | None = None,
        *,
        nog_geen: bool = False,
    ) -> ZaakStatusRegistratie:
        """``nog_geen``: no earlier try of the caller's request can have set this status (it follows something
        this same call created), so the adapter need not look for it before it sets it."""
        ...

    async def voeg_rol_toe(
        self,
        zaak: Zaakverwijzing,
        roltype: ZaakRoltypeNaam,
        betrokkene: str | ZaakMedewerker,
        toelichting: str | None = None,
    ) -> ZaakRol:
        """``betrokkene``: a BSN (natural person) or a medewerker."""
        ...

    async def registreer_besluit(
        self,
        zaak: Zaakverwijzing,
        besluittype: ZaakBesluittypeNaam,
        datum: date,
        ingangsdatum: date,
        toelichting: str | None = None,
    ) -> ZaakBesluit: ...

    async def voeg_document_toe(
        self,
        zaak: Zaakverwijzing,
        besluit: ZaakBesluit | str | None,
        titel: str,
        inhoud: bytes,
        informatieobjecttype: ZaakInformatieobjecttypeNaam = ZaakInformatieobjecttypeNaam.BESCHIKKING,
        bestandsnaam: str | None = None,
        *,
        creatiedatum: date | None = None,
    ) -> ZaakDocument:
        """A PDF as document of the zaak and, when ``besluit`` (a ``ZaakBesluit`` or its URL) is given, of that
        besluit of the zaak. ``creatiedatum``: the day the document was made (its ``creatiedatum`` and
        ``integriteit.datum``); without it, today."""
        ...

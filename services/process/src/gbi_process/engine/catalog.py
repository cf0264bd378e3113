"""The names a model may use: the handlers the process layer executes for service tasks, and the roles of warm tasks.

A model that names a handler or role not listed here does not load. Adding a handler is a code change (the process
layer must implement it), so the list lives in code and is reviewed with the handler; the process layer passes its
own handler registry to :class:`~gbi_process.engine.registry.DefinitionRegistry` so a model can never reference a
step nobody implements.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["HANDLERS", "ROLES"]

HANDLERS: Mapping[str, str] = MappingProxyType(
    {
        "zaak.registreren": "Registreer de zaak (ZGW Zaken) en de aanvraag in de dataservice",
        "zoektermijn.bepalen": "Bepaal of de zoektermijn van 4 weken geldt (jonger dan 27, art. 41 lid 4 Pw, "
        "met de uitzonderingen)",
        "bronnen.ophalen": "Haal gegevens op via de integratielaag: BRP (persoon, huishouden), inkomen, RDW, Kadaster, "
        "DUO, detentie, Inlichtingenbureau",
        "berekening.uitvoeren": "Controleer en bereken recht en hoogte in de domeinlaag (met uitleg per regel)",
        "risico.beoordelen": "Pas de risicoregels toe: rechtstreeks beslissen (stp) of welke warme taken nodig zijn",
        "herstelverzoek.versturen": "Verstuur het verzoek om aanvulling met de hersteltermijn (Awb 4:5)",
        "vierogen.bepalen": "Bepaal uit het beleid van de gemeente of het besluit vier ogen nodig heeft",
        "besluit.vastleggen": "Leg het besluit vast in de dataservice (het zaaksysteem krijgt het bij de "
        "bekendmaking, ADR 0045)",
        "beschikking.maken": "Maak de beschikking als PDF met gronden en bezwaarclausule en bewaar die bij het besluit",
        "uitkering.registreren": "Registreer de uitkering met ingangsdatum en maandbedrag",
        "notificatie.versturen": "Maak het besluit bekend: de tijdlijn van de burger, en in het zaaksysteem het "
        "besluit, de beschikking en de eindstatus in een verzoek (ADR 0045); abonnees horen het via de dataservice",
        "voorschot.beoordelen": "Betaal een voorschot van ten minste 95% als er na 4 weken nog geen besluit is, "
        "tenzij een uitzondering van art. 52 geldt (idempotent per periode)",
        "verdaging.versturen": "Verstuur de verdagingsmededeling met de nieuwe beslistermijn (Awb 4:14)",
    }
)

ROLES: Mapping[str, str] = MappingProxyType(
    {
        "klantmanager": "Contact met de aanvrager: intake, opvragen van stukken",
        "inkomensconsulent": "Beoordeelt de aanvraag en stelt het besluit voor",
        "handhaver": "Huisbezoek en onderzoek",
        "teamleider": "Vier-ogengoedkeuring en bewaking van de beslistermijn",
    }
)

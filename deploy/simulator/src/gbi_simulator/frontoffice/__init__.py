"""A simulated front office (a gemeente's aanvraag portal, a GZAC) that hands GBI aanvragen levensonderhoud over
the GBI koppelvlakken: notificatie 0.9.0 to GBI, then GBI pulls the ZaakLOAangevraagd (aanvragen 1.2.1) here.

The front office's API (what GBI calls):

    GET /frontoffice/api/AanvragenLevensonderhoudBehandeld/{AanvraagId}    Bearer token: the message, API-version 1.2.1

Test controls (no authentication; the simulator never runs in production):

    POST /simulator/frontoffice/aanvragen                  make a message from an RvIG test person (variant: geldig,
                                                           omhuld, or one deliberately invalid; see ``berichten``);
                                                           ``verstuur: true`` also notifies GBI
    GET  /simulator/frontoffice/aanvragen/{id}             the message, and how often GBI fetched it
    POST /simulator/frontoffice/aanvragen/{id}/notificatie notify GBI (as the gemeente's integrator; GBI's answer)
    PUT  /simulator/frontoffice/storing                    make the pulls fail: {"modus": "niet-beschikbaar"|"traag"|
                                                           "geen", "aantal": n?, "vertragingS": s}

Settings (``GBI_SIMULATOR_FRONTOFFICE_*``, read on first use):

- ``TOKEN``: the bearer token GBI must present when it pulls (GBI's ``GBI_KOPPELVLAK_FRONTOFFICES`` holds the same);
  unset: every pull is refused (401);
- ``GBI_URL``: where GBI is (the gateway; default the simulator's ``GBI_GATEWAY_URL``);
- ``PUBLIC_URL``: the front office's base URL as GBI reaches it (default: the simulator's address as the test
  control was called, plus ``/frontoffice/api``).

The notification is sent with a token of the gemeente's integrator client (``integrator-<gemeente>`` or any
``systeem`` client of that gemeente in the dev IdP's clients), issued by the simulator's own IdP.
"""

from gbi_simulator.frontoffice.api import FRONTOFFICE_API, Frontoffice, FrontofficeSettings, router
from gbi_simulator.frontoffice.berichten import ONGELDIG, VARIANTEN, bouw_bericht

__all__ = ["FRONTOFFICE_API", "ONGELDIG", "VARIANTEN", "Frontoffice", "FrontofficeSettings", "bouw_bericht", "router"]

"""A simulated zaaksysteem: the ZGW Catalogi 1.4.0, Zaken 1.7.0, Besluiten 1.1.0 and Documenten 1.7.1 APIs on
their real paths under ``/zgw/<api>/api/v1``, every request checked against the official OpenAPI documents
(``<GBI_SIMULATOR_SPECS_DIR>/zgw``, read as they are).

Configuration (``SimulatorSettings``):

- ``GBI_SIMULATOR_ZGW_CLIENTS_FILE``: JSON list ``[{"client_id", "secret" (>= 32 chars), "gemeente"?, "name"?}]``;
  the clients that may call (HS256 ZGW JWT); a client with a gemeente only registers with, and only sees, that
  gemeente's catalogus and zaken. No file: every ZGW request is refused (403).
- ``GBI_SIMULATOR_ZGW_JWT_MAX_AGE_S`` (3600): how old a JWT's ``iat`` may be.
- ``GBI_SIMULATOR_ZGW_CHECK_RESPONSES`` (true): check every answer against the response schema (500 if not).

Seeded: one catalogus per GBI gemeente (domein ``GBI``, a synthetic RSIN: ``gemeente_rsin(code)``) with the
zaaktype ``ALO`` "Aanvraag levensonderhoud" (see ``catalogi``). Control: ``GET /zgw/_rejections`` (every refused
request with its reason, and any response that did not conform), ``DELETE /zgw/_rejections``. The operations
simulated are ``api.ROUTES``; any other operation of the documents answers 501 ``not-simulated``.
"""

from gbi_simulator.zgw.api import ROUTES, ZgwSimulator, router
from gbi_simulator.zgw.auth import ZgwClient, load_zgw_clients
from gbi_simulator.zgw.catalogi import gemeente_rsin

__all__ = ["ROUTES", "ZgwClient", "ZgwSimulator", "gemeente_rsin", "load_zgw_clients", "router"]

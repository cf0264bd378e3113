"""Integration layer settings (``GBI_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from gbi_integration.zgw.config import ZgwGemeente
from gbi_shared.settings import ServiceSettings

__all__ = ["IntegrationSettings"]


class IntegrationSettings(ServiceSettings):
    service_name: str = "gbi-integration"
    # Haal Centraal BRP Personen bevragen v2 (base URL without /personen).
    brp_url: str = "http://127.0.0.1:8090/haalcentraal/api/brp"
    brp_api_key: str | None = None
    brp_timeout_s: float = 5.0
    brp_retries: int = 2
    # Circuit breaker: open after this many consecutive failures, try again after the cool-down.
    breaker_failures: int = 5
    breaker_cooldown_s: float = 30.0
    # Sources (bronnen): UWV polis, RDW, Kadaster and DUO as Suwinet dossier services (one endpoint per service),
    # DJI detentions and the Inlichtingenbureau; each has its own circuit breaker (the settings above).
    uwv_url: str = "http://127.0.0.1:8090/suwinet/UWVDossierInkomstenGSD-v0200"
    rdw_url: str = "http://127.0.0.1:8090/suwinet/RDWDossierGSD-v0200"
    kadaster_url: str = "http://127.0.0.1:8090/suwinet/KadasterDossierGSD-v0300"
    duo_url: str = "http://127.0.0.1:8090/suwinet/DUODossierStudiefinancieringGSD-v0200"
    dji_url: str = "http://127.0.0.1:8090/dji/api/v1"
    ib_url: str = "http://127.0.0.1:8090/inlichtingenbureau/api/v1"
    # Per attempt; reads are retried with exponential backoff (base delay, doubled per attempt, jittered), all within
    # the deadline per source query. Keep deadline + audit timeout below the callers' client_timeout_s (10 s), so a
    # hanging source becomes "niet-beschikbaar" in the dossier instead of a timeout of the whole request.
    bronnen_timeout_s: float = 3.0
    bronnen_retries: int = 2
    bronnen_retry_delay_s: float = 0.1
    bronnen_deadline_s: float = 6.0
    # Writing the processing log entry (data service, through the gateway): never retried, an append is not
    # idempotent; when it fails the source's answer is withheld.
    audit_timeout_s: float = 3.0
    # Zaaksysteem (ZGW APIs). Base URLs up to and including /api/v1; per gemeente the ZGW client and the RSIN
    # (GBI_ZGW_GEMEENTEN as JSON, and/or GBI_ZGW_GEMEENTEN_FILE: {"0363": {"client_id", "secret", "rsin"}}); the
    # catalogus (domein + RSIN) and zaaktype (identificatie) of the ALO zaken; how long the resolved catalogue
    # URLs are cached. Reads are retried (zgw_retries), writes never: a repeated write first looks up its result.
    zgw_catalogi_url: str = "http://127.0.0.1:8090/zgw/catalogi/api/v1"
    zgw_zaken_url: str = "http://127.0.0.1:8090/zgw/zaken/api/v1"
    zgw_besluiten_url: str = "http://127.0.0.1:8090/zgw/besluiten/api/v1"
    zgw_documenten_url: str = "http://127.0.0.1:8090/zgw/documenten/api/v1"
    zgw_gemeenten: dict[str, ZgwGemeente] = Field(default_factory=dict)
    zgw_gemeenten_file: Path | None = None
    zgw_catalogus_domein: str = "GBI"
    zgw_zaaktype_identificatie: str = "ALO"
    zgw_catalogus_cache_s: float = 3600.0
    zgw_timeout_s: float = 10.0
    zgw_retries: int = 2

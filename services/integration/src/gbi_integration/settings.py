"""Integration layer settings (``GBI_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator

from gbi_integration.koppelvlakken.config import Frontoffice
from gbi_integration.zgw.config import ZgwGemeente
from gbi_shared.settings import Environment, ServiceSettings

__all__ = ["IntegrationSettings", "default_specs_dir"]


def default_specs_dir() -> Path:
    """``<repo root>/../shared/specs``: the official specifications beside the checkout (tests, the local suite)."""
    return Path(__file__).resolve().parents[4].parent / "shared" / "specs"


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
    # The zaaksysteem refuses a second status of a zaak at the same datumStatusGezet (``unique``: Open Zaak and the
    # VNG reference implementation hold it unique_together) and a second document with the same identificatie of the
    # bronorganisatie (``identificatie-niet-uniek``: Open Zaak since 1.4, the simulator): a status and a document are
    # then written first and looked up only when refused so or their answer was lost (ADR 0041). False: looked up
    # before they are written, as the standard alone promises neither.
    zgw_status_en_document_uniek: bool = True
    # Notifications out (ZGW Notificaties style, gbi_integration.notificaties): the delivery worker claims due
    # leveringen of every gemeente at the data service, POSTs each notification to the subscriber's callback URL
    # with its Authorization header and reports the answer. Unset: on, except with GBI_ENVIRONMENT=test (unit
    # tests drive it themselves); every replica may run one (the data service's lease keeps them apart). A failed
    # levering is tried again after
    # retry_base * 2^(attempts-1) seconds, at most retry_max, jittered; given up after max_attempts attempts or
    # max_age_s. Paths in a notification (hoofdObject, resourceUrl) are made absolute with notificaties_public_url
    # (GBI's public address; default: the gateway URL).
    notificaties_worker_enabled: bool | None = None
    notificaties_interval_s: float = Field(default=1.0, gt=0, description="Pause when there was nothing to claim")
    notificaties_idle_max_s: float = Field(
        default=8.0, gt=0, le=300, description="Longest pause between claims in a gemeente where nothing was due"
    )
    notificaties_concurrency: int = Field(default=16, ge=1, le=256, description="Deliveries at the same time")
    notificaties_claim_limit: int = Field(default=20, ge=1, le=100)
    notificaties_lease_s: int = Field(default=60, ge=5, le=3600)
    notificaties_timeout_s: float = Field(default=10.0, gt=0, le=120, description="Per POST to a callback URL")
    notificaties_retry_base_s: float = Field(default=2.0, gt=0, le=3600)
    notificaties_retry_max_s: float = Field(default=600.0, gt=0, le=86_400)
    notificaties_max_attempts: int = Field(default=50, ge=1, le=1000)
    notificaties_max_age_s: int = Field(default=48 * 3600, ge=1, le=30 * 86_400)
    notificaties_public_url: str | None = None
    # GBI koppelvlakken Levensonderhoud (gbi_integration.koppelvlakken): the front offices GBI pulls aanvragen from
    # (GBI_KOPPELVLAK_FRONTOFFICES as JSON and/or GBI_KOPPELVLAK_FRONTOFFICES_FILE: {"<naam>": {"url", "gemeenten",
    # "token"}}), where the official schema is read (GBI_KOPPELVLAK_SPECS_DIR/gbi/...), the pull's timeouts and
    # retries (keep (retries + 1) x timeout plus the process layer's answer below the gateway's upstream timeout),
    # the largest message taken, and the public base URL of the koppelvlakken (the Url of the documents; left out
    # when unset).
    koppelvlak_frontoffices: dict[str, Frontoffice] = Field(default_factory=dict)
    koppelvlak_frontoffices_file: Path | None = None
    koppelvlak_specs_dir: Path = Field(default_factory=default_specs_dir)
    koppelvlak_timeout_s: float = 4.0
    koppelvlak_connect_timeout_s: float = 2.0
    koppelvlak_retries: int = 2
    koppelvlak_retry_delay_s: float = 0.2
    koppelvlak_max_bericht_bytes: int = 160_000
    koppelvlak_public_url: str | None = None

    @property
    def notificaties_worker_on(self) -> bool:
        """Whether this replica runs the delivery worker (see ``notificaties_worker_enabled``)."""
        if self.notificaties_worker_enabled is None:
            return self.environment is not Environment.TEST
        return self.notificaties_worker_enabled

    @model_validator(mode="after")
    def _lease_outlasts_a_delivery(self) -> Self:
        if self.notificaties_lease_s < 2 * self.notificaties_timeout_s:
            raise ValueError("notificaties_lease_s must be at least twice notificaties_timeout_s")
        return self

"""Integration layer settings (``GBI_*``)."""

from __future__ import annotations

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

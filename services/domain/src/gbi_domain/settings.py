"""Domain layer settings (``GBI_*``)."""

from __future__ import annotations

from gbi_shared.settings import ServiceSettings

__all__ = ["DomainSettings"]


class DomainSettings(ServiceSettings):
    service_name: str = "gbi-domain"
    max_batch: int = 10_000

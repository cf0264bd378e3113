"""Domain layer settings (``GBI_*``)."""

from __future__ import annotations

from gbi_shared.settings import ServiceSettings

__all__ = ["DomainSettings"]


class DomainSettings(ServiceSettings):
    service_name: str = "gbi-domain"
    # A batch of household calculations is larger than an ordinary request.
    max_body_bytes: int = 32 * 1024 * 1024
    max_batch: int = 10_000

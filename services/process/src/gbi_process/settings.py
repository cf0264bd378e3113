"""Process layer settings (``GBI_*``)."""

from __future__ import annotations

from gbi_shared.settings import ServiceSettings

__all__ = ["ProcessSettings"]


class ProcessSettings(ServiceSettings):
    service_name: str = "gbi-process"

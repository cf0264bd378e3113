"""Interaction layer settings (``GBI_*``)."""

from __future__ import annotations

from gbi_shared.settings import ServiceSettings

__all__ = ["InteractionSettings"]


class InteractionSettings(ServiceSettings):
    service_name: str = "gbi-interaction"

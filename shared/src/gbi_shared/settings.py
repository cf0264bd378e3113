"""Settings base for every GBI process.

Settings are read from the environment by pydantic-settings and built by a function (``load_settings``), never
held in module-level globals, so tests build applications with explicit settings.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Self, TypeVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Environment", "ServiceSettings", "load_settings"]


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ServiceSettings(BaseSettings):
    """Settings every GBI process shares, read from ``GBI_*`` environment variables.

    Layer settings subclass this and add their own fields (``GBI_DATABASE_URL`` for the data service, say).
    One prefix for the whole suite means one environment file configures every process; values that differ per
    process (name, port) are passed explicitly by whoever starts it (see docs/adr/0003-settings.md).
    """

    model_config = SettingsConfigDict(env_prefix="GBI_", extra="ignore", frozen=True)

    service_name: str = "gbi"
    environment: Environment = Environment.DEVELOPMENT
    api_version: str = "1.0.0"
    log_level: str = "INFO"
    log_json: bool = True

    # Where every other layer is reached: the gateway, never a service directly.
    gateway_url: str = "http://127.0.0.1:8000"
    # Upstream call timeout (seconds) for typed clients.
    client_timeout_s: float = 10.0

    # Context tokens: the gateway signs the verified caller context; services verify it with this public key.
    context_public_key_file: Path | None = None
    context_public_key: SecretStr | None = None
    context_issuer: str = "gbi-gateway"
    context_audience: str = "gbi-services"

    # This service's own client credentials (OAuth2 client_credentials at the identity provider), used when it
    # calls other layers through the gateway.
    oidc_token_url: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None

    # OpenTelemetry: OTLP/HTTP export when an endpoint is configured (for example http://collector:4318).
    otlp_endpoint: str | None = None
    otlp_headers: dict[str, str] = Field(default_factory=dict)

    # Request bodies larger than this are refused with 413; batch operations (paths ending in ``:batch``) carry
    # thousands of items and get their own, larger limit.
    max_body_bytes: int = 1_048_576
    max_body_bytes_batch: int = 32 * 1_048_576
    # Document uploads (paths ending in ``/documenten``): a 10 MiB document, base64 in JSON, plus its metadata.
    max_body_bytes_documents: int = 14 * 1_048_576

    @model_validator(mode="after")
    def _production_is_strict(self) -> Self:
        if self.environment is Environment.PRODUCTION and not (self.context_public_key or self.context_public_key_file):
            raise ValueError("production needs a context public key (GBI_CONTEXT_PUBLIC_KEY[_FILE])")
        return self

    def context_public_key_pem(self) -> str | None:
        if self.context_public_key is not None:
            return self.context_public_key.get_secret_value()
        if self.context_public_key_file is not None:
            return self.context_public_key_file.read_text(encoding="ascii")
        return None


S = TypeVar("S", bound=ServiceSettings)


def load_settings(cls: type[S], **overrides: object) -> S:
    """Build settings from the environment, with explicit overrides taking precedence."""
    return cls(**overrides)  # type: ignore[arg-type]

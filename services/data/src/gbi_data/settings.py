"""Settings of the data service (``GBI_*`` environment variables, see docs/runtime-contract.md)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator

from gbi_shared import Environment, ServiceSettings, load_settings

__all__ = ["DEV_PSEUDONYM_KEY", "DataSettings", "get_settings"]

# Only for development and tests: production refuses to start with it (see ``_production_needs_a_real_key``).
DEV_PSEUDONYM_KEY = "gbi-dev-pseudonym-key-not-for-production"


class DataSettings(ServiceSettings):
    """The data service: the only process with a database."""

    service_name: str = "gbi-data"

    # sqlite:///var/gbi.db (relative to the working directory; the folder is created) or postgresql+psycopg://...
    database_url: str = "sqlite:///var/gbi.db"
    database_pool_size: int = 5
    database_max_overflow: int = 10
    database_pool_timeout_s: float = 10.0
    database_pool_recycle_s: int = 1800
    # SQLite: how long a writer waits for the write lock before giving up (503).
    database_busy_timeout_ms: int = 5000
    # PostgreSQL: the role each request transaction switches to (``SET LOCAL ROLE``). It is not the owner of the
    # tables and not a superuser, so row-level security binds it; the migrations create it and grant it exactly
    # what the service needs. Empty when the login role itself is such a role.
    database_app_role: str = Field(default="gbi_app", pattern=r"^([a-z_][a-z0-9_]{0,62})?$")

    # HMAC-SHA256 key that turns a BSN into the pseudonym stored with records and audit entries.
    audit_pseudonym_key: SecretStr = SecretStr(DEV_PSEUDONYM_KEY)

    @model_validator(mode="after")
    def _production_needs_a_real_key(self) -> Self:
        if self.environment is Environment.PRODUCTION:
            key = self.audit_pseudonym_key.get_secret_value()
            if key == DEV_PSEUDONYM_KEY or len(key) < 32:
                raise ValueError("production needs GBI_AUDIT_PSEUDONYM_KEY (at least 32 characters, not the dev key)")
        return self


def get_settings(**overrides: object) -> DataSettings:
    """Settings from the environment, explicit overrides first."""
    return load_settings(DataSettings, **overrides)

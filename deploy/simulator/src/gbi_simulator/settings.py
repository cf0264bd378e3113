"""Settings of the simulator process.

The shared settings are read from ``GBI_*`` variables like every other process; the simulator's own settings
have the ``GBI_SIMULATOR_`` prefix that docs/runtime-contract.md names (``GBI_SIMULATOR_IDP_CLIENTS_FILE``,
``GBI_SIMULATOR_IDP_KEY_FILE``, ...). Tests build settings explicitly with the field names.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from gbi_shared import Environment, ServiceSettings
from gbi_simulator._constants import DEFAULT_IDP_ISSUER

__all__ = ["DEFAULT_IDP_ISSUER", "SimulatorSettings", "default_specs_dir"]


def default_specs_dir() -> Path:
    """``<repo root>/../shared/specs``: the read-only official specifications beside the checkout."""
    repo_root = Path(__file__).resolve().parents[4]
    return (repo_root.parent / "shared" / "specs").resolve()


def _env(name: str) -> str:
    return f"GBI_SIMULATOR_{name.upper()}"


class SimulatorSettings(ServiceSettings):
    """Settings of the outside-world simulator (BRP, development identity provider)."""

    model_config = SettingsConfigDict(validate_by_name=True)

    service_name: str = "gbi-simulator"

    # Where the official specifications and the RvIG test persons are read from (never copied).
    specs_dir: Path = Field(default_factory=default_specs_dir, validation_alias=_env("specs_dir"))
    # Development identity provider: clients (JSON list), RSA signing key (PEM, created when missing), issuer.
    idp_clients_file: Path | None = Field(default=None, validation_alias=_env("idp_clients_file"))
    idp_key_file: Path | None = Field(default=None, validation_alias=_env("idp_key_file"))
    idp_issuer: str = Field(default=DEFAULT_IDP_ISSUER, validation_alias=_env("idp_issuer"))
    idp_token_ttl_s: int = Field(default=3600, ge=60, le=86_400, validation_alias=_env("idp_token_ttl_s"))
    # The simulator's "today" (ages in the BRP); the real date when unset. Movable at run time via /simulator/clock.
    today: date | None = Field(default=None, validation_alias=_env("today"))
    # Simulated zaaksysteem (ZGW): its clients (JSON list of {client_id, secret, gemeente?, name?}; none: every
    # ZGW request is refused), how old a ZGW JWT (its iat) may be, and whether every answer is checked against
    # the official response schema before it leaves (a non-conforming one becomes a 500).
    zgw_clients_file: Path | None = Field(default=None, validation_alias=_env("zgw_clients_file"))
    zgw_jwt_max_age_s: int = Field(default=3600, ge=60, le=86_400, validation_alias=_env("zgw_jwt_max_age_s"))
    zgw_check_responses: bool = Field(default=True, validation_alias=_env("zgw_check_responses"))

    @model_validator(mode="before")
    @classmethod
    def _never_in_production(cls, data: Any) -> Any:
        if isinstance(data, dict):
            env = data.get("environment")
            if str(getattr(env, "value", env) or "").lower() == Environment.PRODUCTION.value:
                raise ValueError("the simulator is never run in production (GBI_ENVIRONMENT=production)")
        return data

    @model_validator(mode="after")
    def _issuer_without_slash(self) -> Self:
        if self.idp_issuer.endswith("/"):
            object.__setattr__(self, "idp_issuer", self.idp_issuer.rstrip("/"))
        return self

    @property
    def brp_spec_file(self) -> Path:
        return self.specs_dir / "brp" / "personen-2.7.0.yaml"

    @property
    def brp_testdata_file(self) -> Path:
        return self.specs_dir / "brp" / "test-data-personen-mock.json"

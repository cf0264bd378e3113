"""Gateway settings (``GBI_*`` environment variables, see docs/runtime-contract.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import SecretStr, model_validator

from gbi_shared.settings import Environment, ServiceSettings

__all__ = ["LAYERS", "GatewaySettings"]

LAYERS = ("interaction", "process", "integration", "domain", "data")


class GatewaySettings(ServiceSettings):
    service_name: str = "gbi-gateway"

    # Caller tokens: issuer, audience, keys (JWKS URL and/or a file of configured JWKs), algorithm allow-list.
    oidc_issuer: str = "http://127.0.0.1:8090/idp"
    oidc_audience: str = "gbi"
    oidc_jwks_url: str | None = "http://127.0.0.1:8090/idp/jwks"
    oidc_jwks_file: Path | None = None
    oidc_algorithms: tuple[str, ...] = ("RS256", "ES256")
    oidc_jwks_ttl_s: int = 300
    oidc_leeway_s: int = 30

    # The key that signs GBI-Context for the services.
    context_private_key_file: Path | None = None
    context_private_key: SecretStr | None = None
    context_ttl_s: int = 300

    # Where each layer listens.
    upstream_interaction_url: str = "http://127.0.0.1:8001"
    upstream_process_url: str = "http://127.0.0.1:8002"
    upstream_integration_url: str = "http://127.0.0.1:8003"
    upstream_domain_url: str = "http://127.0.0.1:8004"
    upstream_data_url: str = "http://127.0.0.1:8005"
    upstream_timeout_s: float = 30.0
    upstream_connect_timeout_s: float = 2.0

    # Per-client rate limit (token bucket): sustained requests per second and burst.
    rate_limit_per_s: float = 50.0
    rate_limit_burst: int = 200
    # System clients (integrators) and GBI's own services get a larger bucket.
    rate_limit_system_per_s: float = 2000.0
    rate_limit_system_burst: int = 4000

    @model_validator(mode="after")
    def _gateway_is_strict(self) -> Self:
        if self.environment is Environment.PRODUCTION:
            if not (self.context_private_key or self.context_private_key_file):
                raise ValueError("production needs GBI_CONTEXT_PRIVATE_KEY[_FILE]")
            if not (self.oidc_jwks_url or self.oidc_jwks_file):
                raise ValueError("production needs GBI_OIDC_JWKS_URL or GBI_OIDC_JWKS_FILE")
            unsafe = {a for a in self.oidc_algorithms if not a.startswith(("RS", "ES", "PS"))}
            if unsafe:
                raise ValueError(f"algorithms not allowed: {sorted(unsafe)}")
        return self

    def context_private_key_pem(self) -> str | None:
        if self.context_private_key is not None:
            return self.context_private_key.get_secret_value()
        if self.context_private_key_file is not None:
            return self.context_private_key_file.read_text(encoding="ascii")
        return None

    def context_public_key_pem(self) -> str | None:
        """The gateway verifies what it signs itself: its public key is derived from the private one."""
        private = self.context_private_key_pem()
        if private is None:
            return super().context_public_key_pem()
        from cryptography.hazmat.primitives import serialization

        key = serialization.load_pem_private_key(private.encode("ascii"), password=None)
        return (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )

    def upstream_url(self, layer: str) -> str:
        url: str = getattr(self, f"upstream_{layer}_url")
        return url.rstrip("/")

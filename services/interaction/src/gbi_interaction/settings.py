"""Interaction layer settings (``GBI_*``)."""

from __future__ import annotations

from pathlib import Path

from gbi_shared.settings import ServiceSettings

__all__ = ["InteractionSettings"]


class InteractionSettings(ServiceSettings):
    service_name: str = "gbi-interaction"

    # Web pages (gbi_interaction.web): where the browser logs in (the IdP's authorization endpoint; unset: the
    # token URL with /token replaced by /authorize, as the development IdP has it) and where the front-end assets
    # installed by `make web` live (unset: services/interaction/web-assets/node_modules in the source tree).
    oidc_authorize_url: str | None = None
    web_assets_dir: Path | None = None
    # Inactivity after which a web session ends (seconds; the pages warn two minutes before).
    web_session_idle_s: int = 900
    # How often this service asks the data service to delete ended web sessions and expired drafts (seconds).
    web_session_purge_interval_s: int = 300

    def authorize_url(self) -> str | None:
        if self.oidc_authorize_url:
            return self.oidc_authorize_url
        if self.oidc_token_url and self.oidc_token_url.endswith("/token"):
            return self.oidc_token_url.removesuffix("/token") + "/authorize"
        return None

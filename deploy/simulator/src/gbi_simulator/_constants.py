"""Constants shared by the simulator process and its command-line tools (importable without the web stack)."""

from __future__ import annotations

__all__ = ["DEFAULT_IDP_ISSUER"]

# The development IdP's issuer in the local suite (docs/runtime-contract.md: simulator on port 8090).
DEFAULT_IDP_ISSUER = "http://127.0.0.1:8090/idp"

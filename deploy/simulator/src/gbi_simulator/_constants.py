"""Constants shared by the simulator process and its command-line tools (importable without the web stack)."""

from __future__ import annotations

__all__ = ["DEFAULT_IDP_ISSUER", "SIMULATOR_PORT_OFFSET", "idp_issuer_for_base_port"]

# The development IdP's issuer in the local suite (docs/runtime-contract.md: simulator on port 8090).
DEFAULT_IDP_ISSUER = "http://127.0.0.1:8090/idp"
#: The simulator listens on the suite's base port + this (``gbi_runner``: 8000 + 90 = 8090).
SIMULATOR_PORT_OFFSET = 90


def idp_issuer_for_base_port(base_port: int) -> str:
    """The development IdP's issuer of a local suite started with ``--base-port`` / ``GBI_BASE_PORT``."""
    return f"http://127.0.0.1:{base_port + SIMULATOR_PORT_OFFSET}/idp"

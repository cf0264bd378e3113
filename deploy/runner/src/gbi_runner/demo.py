"""Demo data for ``make run``: a few citizens in three gemeenten apply for bijstand through the public API, so the
portal, the workbench and the management pages have something to show right away.

Every aanvraag goes in exactly as a citizen's portal would send it (a token from the development IdP, ``POST
/api/v1/aanvragen`` through the gateway) with a fixed ``Idempotency-Key``: starting again on the same database adds
nothing. The process layer then does what it always does: Katinka Vogel (Rotterdam) is decided straight through,
the others wait for a klantmanager (an intake because of income or a signal).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from gbi_runner.suite import Suite

__all__ = ["DEMO_AANVRAGEN", "seed_demo"]

#: (BSN, who, gemeente) of the RvIG test persons who apply (deploy/simulator/README.md).
DEMO_AANVRAGEN: tuple[tuple[str, str, str], ...] = (
    ("999994116", "Katinka Vogel", "0599"),
    ("999970902", "Isabella van Gemert", "0599"),
    ("999995431", "Lonneke Smit", "0518"),
    ("999994979", "Johan Vermeer", "0518"),
    ("999992995", "Jan Goedmut", "0363"),
)


def _aanvraag(bsn: str) -> dict[str, Any]:
    return {
        "huishouden": {"kinderen": []},
        "woning": {"soort": "huurwoning", "woonkostenPerMaand": "650.00"},
        "inkomsten": [],
        "vermogen": {"bezittingen": "250.00", "schulden": "0.00"},
        "iban": "NL91ABNA0417164300",
        "contact": {"email": f"demo-{bsn}@example.nl"},
        "naarWaarheidIngevuld": True,
    }


def _token(idp: str, bsn: str) -> str:
    form = urllib.parse.urlencode({"grant_type": "urn:gbi:dev", "actor_type": "burger", "bsn": bsn}).encode()
    request = urllib.request.Request(idp + "/token", data=form, method="POST")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 - loopback
        return str(json.loads(resp.read())["access_token"])


def seed_demo(suite: Suite) -> list[str]:
    """Submit the demo aanvragen; one line per aanvraag (its gemeente and id, or why it failed)."""
    gateway = suite.config.url("gateway")
    idp = suite.config.url("simulator") + "/idp"
    lines = []
    for bsn, naam, gemeente in DEMO_AANVRAGEN:
        try:
            body = json.dumps(_aanvraag(bsn)).encode()
            request = urllib.request.Request(  # noqa: S310 - loopback
                gateway + "/api/v1/aanvragen",
                data=body,
                method="POST",
                headers={
                    "Authorization": f"Bearer {_token(idp, bsn)}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"demo-{bsn}",
                },
            )
            with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
                result = json.loads(resp.read())
            lines.append(f"{gemeente} {naam} (BSN {bsn}): aanvraag {result['id']}")
        except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
            lines.append(f"{gemeente} {naam} (BSN {bsn}): niet gelukt ({exc})")
    return lines

"""Digital enforcement end to end on the real processes: the integration layer's delivery of Inlichtingenbureau
signals through the gateway to the data layer, the set-based match against a real uitkering, and the public list
``GET /api/v1/signalen`` for a handhaver of that gemeente only."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from typing import Any

import pytest

from gbi_runner import Suite

from .conftest import Http

pytestmark = pytest.mark.e2e

GEMEENTE = "0772"  # Eindhoven
ANDERE = "0344"  # Utrecht
BSN = "999993653"
NIET_CLIENT = "999990019"


def _service_token(suite: Suite, client_id: str) -> str:
    form = urllib.parse.urlencode(
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": suite.client_secrets[client_id]}
    ).encode()
    req = urllib.request.Request(suite.config.url("simulator") + "/idp/token", data=form, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(json.loads(resp.read())["access_token"])


def _uitkering(gateway: Http, token: str, bsn: str, gemeente: str) -> dict[str, Any]:
    """An aanvraag, its toekenning and its uitkering in the data layer (as the process layer records them)."""
    headers = {"GBI-Gemeente": gemeente}
    status, _, aanvraag = gateway.call(
        "POST",
        "/internal/data/v1/aanvragen",
        token=token,
        body={
            "bsn": bsn,
            "meldingsdatum": "2025-11-03",
            "aanvraagdatum": "2025-11-10",
            "kanaal": "digitaal",
            "gegevens": {},
        },
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert status == 201, aanvraag
    besluit = {
        "soort": "toekenning",
        "datum": "2025-12-01",
        "ingangsdatum": "2025-12-01",
        "bedragPerMaandCents": 133142,
        "gronden": {},
        "vastgesteldDoor": "ic-1",
    }
    status, _, body = gateway.call(
        "POST", f"/internal/data/v1/aanvragen/{aanvraag['id']}/besluit", token=token, body=besluit, headers=headers
    )
    assert status == 201, body
    status, _, uitkering = gateway.call(
        "POST",
        "/internal/data/v1/uitkeringen",
        token=token,
        body={"aanvraagId": aanvraag["id"], "startdatum": "2025-12-01", "bedragPerMaandCents": 133142},
        headers=headers,
    )
    assert status == 201, uitkering
    return dict(uitkering)


def _signaal(signaal_id: str, bsn: str) -> dict[str, Any]:
    return {
        "signaalId": signaal_id,
        "bsn": bsn,
        "soort": "inkomen",
        "periode": {"vanaf": "2026-01-01", "tot": "2026-02-01"},
        "ontvangenOp": "2026-02-15",
        "omschrijving": "Inkomsten uit arbeid niet opgegeven",
        "bedrag": "412.50",
        "instantie": "Bakkerij De Korst BV",
    }


def test_delivered_signals_are_matched_and_listed_for_the_handhaver(suite: Suite, gateway: Http, idp: Any) -> None:
    process = _service_token(suite, "gbi-process")
    integration = _service_token(suite, "gbi-integration")
    uitkering = _uitkering(gateway, process, BSN, GEMEENTE)

    levering = {"signalen": [_signaal("E2E-1", BSN), _signaal("E2E-2", NIET_CLIENT)], "cursor": "2"}
    status, _, result = gateway.call(
        "POST",
        "/internal/data/v1/signalen:batch",
        token=integration,
        body=levering,
        headers={"GBI-Gemeente": GEMEENTE},
    )
    assert status == 200, result
    assert (result["aantal"], result["gematcht"], result["nieuw"], result["ongematcht"]) == (2, 1, 1, 1)
    status, _, again = gateway.call(
        "POST",
        "/internal/data/v1/signalen:batch",
        token=integration,
        body=levering,
        headers={"GBI-Gemeente": GEMEENTE},
    )
    assert (again["gematcht"], again["nieuw"], again["dubbel"]) == (1, 0, 1)

    handhaver = idp(actor_type="medewerker", gemeente=GEMEENTE, roles="handhaver", name="Hanna Handhaver")
    status, headers, page = gateway.call("GET", "/api/v1/signalen?status=nieuw", token=handhaver)
    assert status == 200, page
    assert headers["api-version"] == "1.0.0"
    assert [(s["signaalId"], s["uitkeringId"], s["bsn"]) for s in page["items"]] == [("E2E-1", uitkering["id"], BSN)]
    assert page["items"][0]["periode"] == {"vanaf": "2026-01-01", "tot": "2026-02-01"}
    assert page["links"]["next"] is None

    # Another gemeente's handhaver sees none of it; a klantmanager may not look; a citizen's token neither.
    elders = idp(actor_type="medewerker", gemeente=ANDERE, roles="handhaver", name="Elders")
    status, _, page = gateway.call("GET", "/api/v1/signalen", token=elders)
    assert status == 200
    assert page["items"] == []
    klantmanager = idp(actor_type="medewerker", gemeente=GEMEENTE, roles="klantmanager", name="Kees")
    status, headers, _ = gateway.call("GET", "/api/v1/signalen", token=klantmanager)
    assert status == 403
    assert headers["content-type"].startswith("application/problem+json")
    status, _, _ = gateway.call("GET", "/api/v1/signalen", token=idp(actor_type="burger", bsn=BSN))
    assert status == 403
    status, headers, _ = gateway.call("GET", "/api/v1/signalen?status=open", token=handhaver)
    assert status == 400
    assert headers["content-type"].startswith("application/problem+json")
    # Only GBI's services reach the internal delivery route (to anyone else the gateway shows no such route).
    status, _, _ = gateway.call(
        "POST", "/internal/data/v1/signalen:batch", token=handhaver, body=levering, headers={"GBI-Gemeente": GEMEENTE}
    )
    assert status == 404

"""The public operations of GBI, discovered from the committed OpenAPI documents and the gateway's route table, and
their classification for the isolation matrix.

Discovery (nothing is listed by hand): every operation of the gateway's public document
(``gateway/src/gbi_gateway/openapi.json``, paths relative to its server URL ``/api/v1``), every operation of a
layer's document (``docs/openapi/*.json``) that the gateway routes publicly (``gbi_gateway.routes.PUBLIC_ROUTES``:
the koppelvlakken, web pages with a schema), and every public route prefix as such (``ANY <prefix>``), so a prefix
whose routes are left out of every schema (server-rendered pages) still has to be classified.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gbi_gateway.routes import PUBLIC_ROUTES, RouteTable

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_OPENAPI = ROOT / "gateway" / "src" / "gbi_gateway" / "openapi.json"
LAYER_OPENAPI = sorted((ROOT / "docs" / "openapi").glob("*.json"))
METHODS = ("get", "post", "put", "patch", "delete")
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def discover() -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, full path) -> the OpenAPI operation ({} for a bare route prefix)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    doc = json.loads(GATEWAY_OPENAPI.read_text(encoding="utf-8"))
    base = urlsplit(doc.get("servers", [{"url": "/api/v1"}])[0]["url"]).path.rstrip("/")
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                found[(method.upper(), base + path)] = op
    table = RouteTable()
    for file in LAYER_OPENAPI:
        layer_doc = json.loads(file.read_text(encoding="utf-8"))
        for path, item in layer_doc["paths"].items():
            route = table.match(path)
            if route is None or route.internal or path.startswith("/api/v1/"):
                continue  # internal, not routed, or already in the gateway's document
            for method, op in item.items():
                if method in METHODS:
                    found.setdefault((method.upper(), path), op)
    for prefix in PUBLIC_ROUTES:
        if not any(p == prefix or p.startswith(prefix + "/") or p.startswith(prefix + ":") for _, p in found):
            found[("ANY", prefix)] = {}
    return found


# --- classification ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """How an operation is tested.

    kind:
      - ``item``: reads one tenant-owned resource named in the path; a caller of another gemeente (or another
        citizen) gets exactly the answer for an id that does not exist.
      - ``action``: changes one tenant-owned resource named in the path; the same rule, and the resource is
        unchanged afterwards.
      - ``list``: a collection, search or count over tenant-owned data, with its filters and sorting; another
        tenant's callers see none of it, whatever filter value they try.
      - ``context``: tenant-owned data chosen by the caller's own context only (local policy of the caller's
        gemeente): every ``gemeente`` in the answer is the caller's.
      - ``create``: creates something for the caller or for a data subject named in the body; a caller may not
        create for another tenant's data subject.
      - ``reference``: no tenant data at all (law figures, pure calculations on the body, documentation).
    resource: which fixture resource's id fills the path (``aanvraag``, ``besloten``, ``taak``, ``document``,
    ``proefberekening``, ...).
    """

    kind: str
    resource: str | None = None
    body: Any = None
    raw: bytes | None = None
    content_type: str | None = None
    query: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


MATRIX: dict[tuple[str, str], Op] = {
    # Aanvragen (citizen portal, workbench)
    ("GET", "/api/v1/aanvragen"): Op("list"),
    ("POST", "/api/v1/aanvragen"): Op("create", note="a citizen applies for themselves (BSN from the token)"),
    ("GET", "/api/v1/aanvragen/{aanvraagId}"): Op("item", "aanvraag"),
    ("GET", "/api/v1/aanvragen/{aanvraagId}/beschikking"): Op("item", "besloten", note="a PDF"),
    ("GET", "/api/v1/aanvragen/{aanvraagId}/documenten"): Op("item", "aanvraag"),
    ("POST", "/api/v1/aanvragen/{aanvraagId}/documenten"): Op(
        "action", "aanvraag", raw=PDF, content_type="application/pdf", query="?bestandsnaam=x.pdf"
    ),
    ("GET", "/api/v1/zaken/{aanvraagId}"): Op("item", "aanvraag", note="the case view with sources"),
    ("GET", "/api/v1/documenten/{documentId}"): Op("item", "document", note="the document's content"),
    ("GET", "/api/v1/zaken/{aanvraagId}/audittrail"): Op(
        "item", "aanvraag", note="who processed the data (audit view)"
    ),
    ("GET", "/api/v1/zaken/{aanvraagId}/onderbouwing"): Op("item", "aanvraag", note="sources and calculation"),
    ("GET", "/api/v1/zaken/{aanvraagId}/procesdiagram"): Op("item", "aanvraag"),
    # Management information, payment specifications, signals: aggregates and searches over the tenant's data.
    ("GET", "/api/v1/managementinformatie"): Op("list"),
    ("GET", "/api/v1/uitkeringsspecificaties"): Op("list", note="search by BSN"),
    ("GET", "/api/v1/signalen"): Op("list"),
    # Payment run (issue 8): for the caller's own gemeente; the body may name one, never another.
    ("POST", "/api/v1/betaalruns"): Op("create", note="proven by test_nobody_starts_another_gemeentes_betaalrun"),
    ("GET", "/api/v1/betaalruns/{betaalrunId}"): Op("item", "betaalrun"),
    # The gemeente's payer account: the caller's own gemeente from its context, never named in path or body.
    ("GET", "/api/v1/betaalrekening"): Op("context", note="proven by test_a_payer_account_is_only_the_callers_own"),
    ("PUT", "/api/v1/betaalrekening"): Op("context", note="writes the caller's own gemeente only"),
    # Notification subscriptions of integrators (ZGW Notificaties style).
    ("GET", "/api/v1/abonnementen"): Op("list"),
    ("POST", "/api/v1/abonnementen"): Op("create", note="for the caller's own gemeente"),
    ("GET", "/api/v1/abonnementen/{abonnementId}"): Op("item", "abonnement"),
    ("PUT", "/api/v1/abonnementen/{abonnementId}"): Op(
        "action",
        "abonnement",
        body={"callbackUrl": "https://indringer.example.org/cb", "kanalen": [{"naam": "aanvragen"}]},
    ),
    ("DELETE", "/api/v1/abonnementen/{abonnementId}"): Op("action", "abonnement"),
    # Tasks (warm steps)
    ("GET", "/api/v1/taken"): Op("list"),
    ("GET", "/api/v1/taken/tellingen"): Op("list"),
    ("GET", "/api/v1/taken/{taakId}"): Op("item", "taak"),
    ("POST", "/api/v1/taken/{taakId}/claim"): Op("action", "taak"),
    ("POST", "/api/v1/taken/{taakId}/vrijgeven"): Op("action", "taak"),
    ("POST", "/api/v1/taken/{taakId}/herverdelen"): Op("action", "taak", body={"medewerker": "indringer"}),
    ("POST", "/api/v1/taken/{taakId}/afronden"): Op("action", "taak", body={"uitkomst": "gevoerd", "reden": "x"}),
    ("POST", "/api/v1/taken/{taakId}/opmerkingen"): Op("action", "taak", body={"tekst": "van een ander"}),
    # Quick estimate: stores a pseudonymised result; the subject is in the body.
    ("POST", "/api/v1/proefberekeningen"): Op("create", note="for the citizen's own BSN, or staff of its gemeente"),
    ("GET", "/api/v1/proefberekeningen/{proefberekeningId}"): Op("item", "proefberekening"),
    # Local policy: the caller's own gemeente from its context.
    ("GET", "/api/v1/beleid/{onderwerp}"): Op("context"),
    ("GET", "/api/v1/beleid/{onderwerp}/versies"): Op("context"),
    ("POST", "/api/v1/beleid/{onderwerp}/versies"): Op("context", note="writes the caller's own gemeente only"),
    ("GET", "/api/v1/beleid/{onderwerp}/versies/{versie}"): Op("context"),
    # Law and pure calculations: no tenant data.
    ("GET", "/api/v1/normen/{categorie}"): Op("reference"),
    ("POST", "/api/v1/berekeningen"): Op("reference"),
    ("POST", "/api/v1/berekeningen/voorschotten"): Op("reference"),
    ("POST", "/api/v1/berekeningen/bijzondere-bijstand"): Op("reference"),
    ("POST", "/api/v1/berekeningen:batch"): Op("reference"),
    ("POST", "/api/v1/beschikkingen:voorbeeld"): Op("reference", note="a sample letter from the body"),
    ("GET", "/api/v1/openapi.json"): Op("reference"),
    # GBI koppelvlakken Levensonderhoud (front offices, administrations): integrator tokens.
    ("POST", "/koppelvlakken/levensonderhoud/notificaties"): Op(
        "create", note="a front office announces an aanvraag; GBI pulls it from the front office of its gemeente"
    ),
    ("GET", "/koppelvlakken/levensonderhoud/AanvragenLevensonderhoudBehandeld/{AanvraagId}"): Op("item", "aanvraag"),
    ("GET", "/koppelvlakken/levensonderhoud/AanvragenLevensonderhoudBeslissing/{AanvraagId}"): Op("item", "besloten"),
}

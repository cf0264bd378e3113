"""The GBI koppelvlakken Levensonderhoud on the real suite: a (simulated) front office notifies GBI through the
gateway with its integrator's token, GBI pulls the ZaakLOAangevraagd, checks it, starts the ALO, and the
administration's questions (behandelen 0.95, beslissen 1.0) are answered with documents valid against the
official specifications, also after the process layer decided.

The suite is the session's (``tests/e2e/conftest.py``): the runner configures the integration layer with the
simulated front office (``GBI_KOPPELVLAK_FRONTOFFICES_FILE``) and gives the simulator the token GBI presents to it
(``GBI_SIMULATOR_FRONTOFFICE_TOKEN``), exactly as ``make run`` does.

Integrators: ``integrator-0599`` (Rotterdam) and ``integrator-0363`` (Amsterdam), client credentials from the
suite's ``dev-clients.json``. Test person: 999994116 Katinka Vogel (Rotterdam, nothing in any source: decided
straight through).
"""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from gbi_runner import Suite

from .conftest import Http

pytestmark = pytest.mark.e2e

KATINKA, ROTTERDAM, AMSTERDAM = "999994116", "0599", "0363"
PREFIX = "/koppelvlakken/levensonderhoud"
TOKEN = "e2e-token-van-gbi-bij-de-front-office"
SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "gbi"


# ------------------------------------------------------------------------------------------------ the suite


@pytest.fixture(scope="module")
def gw(suite: Suite) -> Http:
    return Http(suite.config.url("gateway"))


@pytest.fixture(scope="module")
def sim(suite: Suite) -> Http:
    return Http(suite.config.url("simulator"))


@pytest.fixture(scope="module")
def token(suite: Suite) -> Any:
    cache_: dict[str, str] = {}

    def get(client_id: str) -> str:
        if client_id not in cache_:
            form = urllib.parse.urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": suite.client_secrets[client_id],
                }
            ).encode()
            req = urllib.request.Request(suite.config.url("simulator") + "/idp/token", data=form, method="POST")
            with urllib.request.urlopen(req, timeout=10) as resp:
                cache_[client_id] = str(json.loads(resp.read())["access_token"])
        return cache_[client_id]

    return get


# ------------------------------------------------------------------------------------------------ helpers


UUID_PUBLISHED = (
    r"^(\\{{0,1}([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}\\}{0,1})$"
)
UUID_CORRECTED = (
    r"^(\{{0,1}([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}\}{0,1})$"
)


def _corrected(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _corrected(v) for k, v in node.items()}
        if out.get("pattern") == UUID_PUBLISHED:
            out["pattern"] = UUID_CORRECTED  # escaped twice as published: no real UUID would pass
        return out
    if isinstance(node, list):
        return [_corrected(v) for v in node]
    return node


@cache
def _validator(document: str, schema: str) -> OAS30Validator:
    doc = _corrected(yaml.safe_load((SPECS / document).read_text(encoding="utf-8")))
    uri = f"urn:e2e:{document}"
    registry: Registry[Any] = Registry().with_resource(uri, Resource.from_contents(doc, default_specification=DRAFT4))
    return OAS30Validator({"$ref": f"{uri}#/components/schemas/{schema}"}, registry=registry)


def valid(document: str, schema: str, instance: Any) -> None:
    found = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in _validator(document, schema).iter_errors(instance)]
    assert not found, found


def fout(status: int, headers: dict[str, str], body: Any, expected: int, document: str) -> dict[str, Any]:
    assert status == expected, body
    assert headers["content-type"] == "application/problem+json"
    assert "api-version" in headers
    valid(document, "Fout", body)
    result: dict[str, Any] = body
    return result


def maak(sim: Http, **body: Any) -> dict[str, Any]:
    status, _, result = sim.call("POST", "/simulator/frontoffice/aanvragen", body={"bsn": KATINKA, **body})
    assert status == 201, result
    return dict(result)


def meld(gw: Http, token: Any, resource_url: str, client: str = "integrator-0599") -> tuple[int, dict[str, str], Any]:
    body = {
        "kanaal": "levensonderhoud-aanvragen",
        "hoofdObject": resource_url,
        "resource": "aanvraag",
        "resourceUrl": resource_url,
        "actie": "create",
        "aanmaakdatum": "2026-11-02T09:30:00+01:00",
    }
    valid("notificatie-0.9.0.yaml", "Message", body)
    return gw.call("POST", f"{PREFIX}/notificaties", token=token(client), body=body)


class Store:
    """The data store, read as a GBI service (the interaction layer's credentials) for a gemeente."""

    def __init__(self, gw: Http, token: Any) -> None:
        self.gw = gw
        self.token = token

    def get(self, path: str, gemeente: str = ROTTERDAM) -> Any:
        status, _, body = self.gw.call(
            "GET", f"/internal/data/v1{path}", token=self.token("gbi-interaction"), headers={"GBI-Gemeente": gemeente}
        )
        assert status == 200, body
        return body

    def aanvragen(self, bsn: str = KATINKA) -> list[dict[str, Any]]:
        return list(self.get(f"/aanvragen?bsn={bsn}&pageSize=100")["items"])

    def wacht(self, aid: str, *statussen: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            aanvraag: dict[str, Any] = self.get(f"/aanvragen/{aid}")
            if aanvraag["status"] in statussen:
                return aanvraag
            assert time.monotonic() < deadline, f"{aid} is {aanvraag['status']}, not {statussen}"
            time.sleep(0.3)


@pytest.fixture(scope="module")
def store(gw: Http, token: Any) -> Store:
    return Store(gw, token)


# ------------------------------------------------------------------------------------------------ the flow


def test_front_office_to_decision_and_the_documents_for_the_administration(
    gw: Http, sim: Http, token: Any, store: Store
) -> None:
    voor = len(store.aanvragen())
    aanvraag = maak(sim)
    status, headers, answer = meld(gw, token, aanvraag["resourceUrl"])
    assert status == 200, answer
    valid("notificatie-0.9.0.yaml", "Message", answer)
    aid = answer["kenmerken"]["gbiAanvraagId"]
    assert headers["location"] == f"{PREFIX}/AanvragenLevensonderhoudBehandeld/{aid}"

    # Pulled once, registered once, as the koppelvlak's aanvraag, in the integrator's gemeente.
    _, _, ingediend = sim.call("GET", f"/simulator/frontoffice/aanvragen/{aanvraag['aanvraagId']}")
    assert ingediend["opgehaald"] == 1
    case = store.get(f"/aanvragen/{aid}")
    assert case["gemeente"] == ROTTERDAM
    assert case["kanaal"] == "koppelvlak"
    assert case["bsn"] == KATINKA
    assert case["gegevens"]["koppelvlak"]["aanvraagId"] == aanvraag["aanvraagId"]
    assert case["gegevens"]["iban"] == "NL91ABNA0417164300"
    # The same notification again creates nothing.
    status, _, again = meld(gw, token, aanvraag["resourceUrl"])
    assert status == 200, again
    assert again["kenmerken"]["gbiAanvraagId"] == aid
    assert len(store.aanvragen()) == voor + 1

    # What GBI established, while the process runs and after it decided (straight through for this person).
    status, _, doc = gw.call("GET", f"{PREFIX}/AanvragenLevensonderhoudBehandeld/{aid}", token=token("integrator-0599"))
    assert status == 200, doc
    valid("levensonderhoud-behandelen-0.95.yaml", "ZaakLOBehandeld", doc)
    assert doc["LOBehandeld"]["Aanvraagid"] == aanvraag["aanvraagId"]
    store.wacht(aid, "besloten")
    besluit = store.get(f"/aanvragen/{aid}/besluit")
    assert besluit["soort"] == "toekenning"

    status, _, doc = gw.call("GET", f"{PREFIX}/AanvragenLevensonderhoudBehandeld/{aid}", token=token("integrator-0599"))
    assert status == 200, doc
    valid("levensonderhoud-behandelen-0.95.yaml", "ZaakLOBehandeld", doc)
    assert doc["LOBehandeld"]["Besluit"]["Dienst"]["Begindatum"] == besluit["ingangsdatum"]
    status, headers, dienst = gw.call(
        "GET", f"{PREFIX}/AanvragenLevensonderhoudBeslissing/{aid}", token=token("integrator-0599")
    )
    assert status == 200, dienst
    valid("levensonderhoud-beslissen-1.0.yaml", "DienstAangevraagd", dienst)
    assert dienst["Aanvraagid"] == aanvraag["aanvraagId"]
    assert dienst["Begindatum"] == besluit["ingangsdatum"]
    assert dienst["Norm"][0]["Normbedrag"] == float(besluit["gronden"]["berekening"]["norm"])
    assert dienst["Aanvrager"][0]["Burgerservicenummer"] == KATINKA
    assert "api-version" in headers

    # Another gemeente's integrator: as if the case did not exist.
    for pad in ("AanvragenLevensonderhoudBehandeld", "AanvragenLevensonderhoudBeslissing"):
        document = (
            "levensonderhoud-behandelen-0.95.yaml" if "Behandeld" in pad else "levensonderhoud-beslissen-1.0.yaml"
        )
        fout(*gw.call("GET", f"{PREFIX}/{pad}/{aid}", token=token("integrator-0363")), 404, document)


def test_not_yet_decided_is_the_404_the_standard_defines(gw: Http, sim: Http, token: Any, store: Store) -> None:
    aanvraag = maak(sim, zonderIban=True)  # no IBAN: the process asks for an intake, a person decides
    status, _, answer = meld(gw, token, aanvraag["resourceUrl"])
    assert status == 200, answer
    aid = answer["kenmerken"]["gbiAanvraagId"]
    store.wacht(aid, "wacht-op-medewerker")
    body = fout(
        *gw.call("GET", f"{PREFIX}/AanvragenLevensonderhoudBeslissing/{aid}", token=token("integrator-0599")),
        404,
        "levensonderhoud-beslissen-1.0.yaml",
    )
    assert body["code"] == "nog-niet-beslist"
    status, _, doc = gw.call("GET", f"{PREFIX}/AanvragenLevensonderhoudBehandeld/{aid}", token=token("integrator-0599"))
    assert status == 200, doc
    valid("levensonderhoud-behandelen-0.95.yaml", "ZaakLOBehandeld", doc)
    assert "UitbetalingUitkering" not in doc["LOBehandeld"]["Huishouding"]


@pytest.mark.parametrize(
    ("variant", "veld"),
    [
        ("zonder-aanvraagdatum", "LOaangevraagd.Aanvraagdatum"),
        ("onbekend-veld", "LOaangevraagd.Opmerking"),
        ("ongeldige-datum", "LOaangevraagd.Huishouding.Aanvrager.Geboortedatum"),
        ("ongeldig-iban", "LOaangevraagd.Huishouding.UitbetalingUitkering.Bankrekening"),
    ],
)
def test_an_invalid_message_is_refused_naming_the_field_and_creates_nothing(
    variant: str, veld: str, gw: Http, sim: Http, token: Any, store: Store
) -> None:
    voor = len(store.aanvragen())
    aanvraag = maak(sim, variant=variant)
    body = fout(*meld(gw, token, aanvraag["resourceUrl"]), 400, "notificatie-0.9.0.yaml")
    assert veld in [p["name"] for p in body["invalidParams"]], body
    assert len(store.aanvragen()) == voor


def test_a_front_office_that_is_down_is_503_and_creates_nothing(gw: Http, sim: Http, token: Any, store: Store) -> None:
    """The front office answers 503 to every pull: GBI retries, then answers 503 itself, registers nothing, and the
    same notification works once the front office is back."""
    voor = len(store.aanvragen())
    aanvraag = maak(sim)
    status, _, _ = sim.call("PUT", "/simulator/frontoffice/storing", body={"modus": "niet-beschikbaar"})
    assert status == 200
    try:
        status, headers, body = meld(gw, token, aanvraag["resourceUrl"])
        fout(status, headers, body, 503, "notificatie-0.9.0.yaml")
        assert "retry-after" in headers
        assert len(store.aanvragen()) == voor
    finally:
        sim.call("PUT", "/simulator/frontoffice/storing", body={"modus": "geen"})
    _, _, ingediend = sim.call("GET", f"/simulator/frontoffice/aanvragen/{aanvraag['aanvraagId']}")
    assert ingediend["opgehaald"] == 0
    status, _, answer = meld(gw, token, aanvraag["resourceUrl"])
    assert status == 200, answer
    assert len(store.aanvragen()) == voor + 1


def test_an_address_of_no_front_office_of_the_gemeente_is_refused_unfetched(
    gw: Http, suite: Suite, token: Any, store: Store
) -> None:
    """A notification may only point at a front office configured for the caller's gemeente; anything else is
    never fetched (GBI fetches no address a notification made up)."""
    voor = len(store.aanvragen())
    elders = f"{suite.config.url('gateway')}/frontoffice/api/AanvragenLevensonderhoudBehandeld/{uuid.uuid4()}"
    body = fout(*meld(gw, token, elders), 400, "notificatie-0.9.0.yaml")
    assert [(p["name"], p["code"]) for p in body["invalidParams"]] == [("resourceUrl", "onbekende-frontoffice")]
    assert len(store.aanvragen()) == voor


def test_the_front_office_notifies_gbi_itself(sim: Http, store: Store) -> None:
    """The simulator's control: make the message and send the notification as the gemeente's integrator."""
    aanvraag = maak(sim, verstuur=True)
    verzonden = aanvraag["verzonden"]
    assert verzonden["status"] == 200, verzonden
    aid = verzonden["body"]["kenmerken"]["gbiAanvraagId"]
    assert store.get(f"/aanvragen/{aid}")["gegevens"]["koppelvlak"]["aanvraagId"] == aanvraag["aanvraagId"]


def test_only_systems_of_a_gemeente(gw: Http, sim: Http, token: Any, suite: Suite) -> None:
    aanvraag = maak(sim)
    form = urllib.parse.urlencode(
        {"grant_type": "urn:gbi:dev", "actor_type": "medewerker", "gemeente": ROTTERDAM, "roles": "inkomensconsulent"}
    )
    req = urllib.request.Request(suite.config.url("simulator") + "/idp/token", data=form.encode(), method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        medewerker = str(json.loads(resp.read())["access_token"])
    status, headers, body = gw.call(
        "POST",
        f"{PREFIX}/notificaties",
        token=medewerker,
        body={
            "kanaal": "x",
            "hoofdObject": aanvraag["resourceUrl"],
            "resource": "aanvraag",
            "resourceUrl": aanvraag["resourceUrl"],
            "actie": "create",
            "aanmaakdatum": "2026-11-02T09:30:00Z",
        },
    )
    fout(status, headers, body, 403, "notificatie-0.9.0.yaml")
    status, headers, body = gw.call("GET", f"{PREFIX}/AanvragenLevensonderhoudBehandeld/{uuid.uuid4()}")
    assert status == 401  # the gateway's own answer: no token


def test_the_standards_api_version_reaches_the_caller(gw: Http, token: Any) -> None:
    """Each koppelvlak answers with its own standard's API-version through the gateway; GBI's /api/v1 keeps GBI's."""
    integrator = token("integrator-0599")
    status, headers, _ = gw.call("GET", f"{PREFIX}/AanvragenLevensonderhoudBehandeld/{uuid.uuid4()}", token=integrator)
    assert status == 404
    assert headers["api-version"] == "0.95"
    status, headers, _ = gw.call("GET", f"{PREFIX}/AanvragenLevensonderhoudBeslissing/{uuid.uuid4()}", token=integrator)
    assert status == 404
    assert headers["api-version"] == "1.0"
    status, headers, _ = gw.call("GET", "/api/v1/normen", token=integrator)
    assert headers["api-version"] == "1.0.0"

"""Notifications out on the real suite: a beheerder registers an abonnement (through the integration layer, via the
gateway) for the kanaal ``aanvragen`` with the simulator's subscriber as callback; a change in the data store is
announced in its own transaction; the integration service's delivery worker POSTs it to the subscriber. While the
subscriber is offline the worker keeps trying with backoff, and once it is back the notification arrives exactly
once. The same when the integration service itself is down when the change happens: nothing is lost.

The beheerder takes the abonnement through GBI's public API (``/api/v1/abonnementen``, with a token of the
development IdP); the test reads the leveringen and causes the change as a GBI service would (the interaction
service's own token, client credentials from the suite's ``dev-clients.json``, and a beheerder's context signed with
the gateway's key). The suite runs the worker with short intervals and backoff (``extra_env`` in ``conftest.py``).
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gbi_runner import Suite
from gbi_shared.context import ActorType, ContextSigner, RequestContext

from .conftest import Http

pytestmark = pytest.mark.e2e

INTEGRATION = "/internal/integration/v1/notificaties"
PUBLIEK = "/api/v1/abonnementen"
DATA = "/internal/data/v1"
# Gemeenten where no other end-to-end test makes changes: what arrives is what these tests caused.
UTRECHT = "0344"
ZWOLLE = "0193"


class Beheer:
    """The interaction layer as the test plays it, and the simulator's subscriber."""

    def __init__(self, suite: Suite, gateway: Http) -> None:
        self.suite = suite
        self.gw = gateway
        self.sim = suite.config.url("simulator")
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": "gbi-interaction",
                "client_secret": suite.client_secrets["gbi-interaction"],
            }
        ).encode()
        req = urllib.request.Request(self.sim + "/idp/token", data=form, method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            self.token = str(json.loads(resp.read())["access_token"])
        key = (suite.config.var_dir / "keys" / "context-private.pem").read_text()
        self.signer = ContextSigner(key, issuer="gbi-gateway", audience="gbi-services", ttl_s=3600)

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        ctx: RequestContext | None = None,
        gemeente: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        h = dict(headers or {})
        if ctx is not None:
            h["GBI-Context"] = self.signer.sign(ctx)
        if gemeente is not None:
            h["GBI-Gemeente"] = gemeente
        return self.gw.call(method, path, token=self.token, body=body, headers=h)

    @staticmethod
    def beheerder(gemeente: str) -> RequestContext:
        return RequestContext("beheerder-e2e", ActorType.MEDEWERKER, frozenset({"beheerder"}), gemeente)

    # the simulator's subscriber (the outside world: called directly, not through the gateway)
    def abonnee(self, naam: str, *, auth: str | None = None, modus: str = "online") -> None:
        body = json.dumps({"auth": auth, "modus": modus}).encode()
        url = f"{self.sim}/abonnee/_abonnees/{naam}"
        req = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200

    def ontvangen(self, naam: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.sim}/abonnee/_ontvangen?abonnee={naam}", timeout=10) as resp:
            return dict(json.loads(resp.read()))

    def token_van(self, **params: str) -> str:
        """A caller's own token from the development IdP (``urn:gbi:dev``, or client credentials)."""
        if params.get("grant_type") == "client_credentials":
            params["client_secret"] = self.suite.client_secrets[params["client_id"]]
        form = urllib.parse.urlencode({"grant_type": "urn:gbi:dev", **params}).encode()
        req = urllib.request.Request(self.sim + "/idp/token", data=form, method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return str(json.loads(resp.read())["access_token"])

    # the steps
    def neem_abonnement(self, gemeente: str, naam: str, auth: str) -> dict[str, Any]:
        """Through the public API, as the gemeente's beheerder with their own token."""
        token = self.token_van(actor_type="medewerker", gemeente=gemeente, roles="beheerder", name="Beheerder")
        status, headers, body = self.gw.call(
            "POST",
            PUBLIEK,
            token=token,
            body={
                "callbackUrl": f"{self.sim}/abonnee/{naam}/callback",
                "auth": auth,
                "kanalen": [{"naam": "aanvragen", "filters": {"status": "ontvangen"}}],
            },
        )
        assert status == 201, body
        assert headers["location"] == f"{PUBLIEK}/{body['id']}"
        assert auth not in json.dumps(body)
        return dict(body)

    def registreer_aanvraag(self, gemeente: str) -> dict[str, Any]:
        """A change in the data store (an aanvraag registered by a GBI service acting for the gemeente)."""
        vandaag = datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()
        status, _, body = self.call(
            "POST",
            f"{DATA}/aanvragen",
            gemeente=gemeente,
            headers={"Idempotency-Key": uuid.uuid4().hex},
            body={
                "bsn": "999993653",
                "meldingsdatum": vandaag,
                "aanvraagdatum": vandaag,
                "kanaal": "digitaal",
                "gegevens": {"iban": "NL91ABNA0417164300"},
            },
        )
        assert status == 201, body
        return dict(body)

    def leveringen(self, gemeente: str, abonnement_id: str) -> list[dict[str, Any]]:
        status, _, body = self.call(
            "GET",
            f"{INTEGRATION}/leveringen?abonnementId={abonnement_id}",
            ctx=self.beheerder(gemeente),
        )
        assert status == 200, body
        return list(body["items"])


@pytest.fixture(scope="module")
def beheer(suite: Suite, gateway: Http) -> Beheer:
    return Beheer(suite, gateway)


def wait_for(check: Callable[[], Any], *, within_s: float = 30.0, what: str = "") -> Any:
    deadline = time.monotonic() + within_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within_s} s: {what}")
        time.sleep(0.2)


def test_an_offline_subscriber_gets_the_notification_exactly_once_when_it_is_back(beheer: Beheer, suite: Suite) -> None:
    naam = f"e2e-{uuid.uuid4().hex[:8]}"
    auth = f"Bearer {secrets.token_urlsafe(24)}"
    beheer.abonnee(naam, auth=auth)
    abonnement = beheer.neem_abonnement(UTRECHT, naam, auth)
    assert abonnement["kanalen"] == [{"naam": "aanvragen", "filters": {"status": "ontvangen"}}]
    beheer.abonnee(naam, auth=auth, modus="offline")

    aanvraag = beheer.registreer_aanvraag(UTRECHT)

    # The worker tries, the subscriber answers 503, the levering waits and is tried again (backoff 0.5 s .. 2 s).
    def retried() -> dict[str, Any] | None:
        items = beheer.leveringen(UTRECHT, abonnement["id"])
        return items[0] if items and items[0]["attempts"] >= 3 else None

    levering = wait_for(retried, what="three attempts while the subscriber is offline")
    assert levering["status"] == "pending"
    assert levering["lastError"].startswith("HTTP 503")
    assert beheer.ontvangen(naam)["items"] == []
    time.sleep(1.0)  # offline "for a while"
    beheer.abonnee(naam, auth=auth, modus="online")

    def arrived() -> list[dict[str, Any]]:
        return list(beheer.ontvangen(naam)["items"])

    (item,) = wait_for(arrived, what="the notification at the subscriber")
    # Recorded as delivered once; a little later still exactly one arrival.
    delivered = wait_for(
        lambda: [lv for lv in beheer.leveringen(UTRECHT, abonnement["id"]) if lv["status"] == "delivered"],
        what="the levering recorded as delivered",
    )
    time.sleep(2.0)
    received = beheer.ontvangen(naam)
    assert [(i["id"], i["aantal"]) for i in received["items"]] == [(delivered[0]["notificatie"]["id"], 1)]
    assert received["pogingen"][naam] == delivered[0]["attempts"] >= 4
    url = f"{suite.config.url('gateway')}/api/v1/aanvragen/{aanvraag['id']}"
    assert item["notificatie"] | {"aanmaakdatum": None} == {
        "id": delivered[0]["notificatie"]["id"],
        "kanaal": "aanvragen",
        "hoofdObject": url,
        "resource": "aanvraag",
        "resourceUrl": url,
        "actie": "create",
        "aanmaakdatum": None,
        "kenmerken": {"gemeente": UTRECHT, "status": "ontvangen"},
    }


def test_nothing_is_lost_while_the_integration_service_is_down(beheer: Beheer, suite: Suite) -> None:
    naam = f"e2e-{uuid.uuid4().hex[:8]}"
    auth = f"Bearer {secrets.token_urlsafe(24)}"
    beheer.abonnee(naam, auth=auth)
    abonnement = beheer.neem_abonnement(ZWOLLE, naam, auth)
    suite.kill("integration")
    try:
        beheer.registreer_aanvraag(ZWOLLE)  # the data service announces it; nobody can deliver it now
        time.sleep(2.0)
        assert beheer.ontvangen(naam)["items"] == []
    finally:
        suite.restart("integration")
    (item,) = wait_for(lambda: list(beheer.ontvangen(naam)["items"]), what="the notification after the restart")
    wait_for(
        lambda: [lv for lv in beheer.leveringen(ZWOLLE, abonnement["id"]) if lv["status"] == "delivered"],
        what="the levering recorded as delivered",
    )
    time.sleep(1.0)
    assert [(i["id"], i["aantal"]) for i in beheer.ontvangen(naam)["items"]] == [(item["id"], 1)]


def test_a_gemeentes_systems_manage_their_abonnementen_through_the_public_api(beheer: Beheer) -> None:
    """``/api/v1/abonnementen`` through the gateway: an integrator (client credentials) manages its own, the
    beheerder sees all of the gemeente, another gemeente nothing, a klantmanager or a citizen may not."""
    integrator = beheer.token_van(grant_type="client_credentials", client_id=f"integrator-{ZWOLLE}")
    body = {
        "callbackUrl": f"{beheer.sim}/abonnee/publiek-e2e/callback",
        "auth": "Bearer " + secrets.token_urlsafe(24),
        "kanalen": [{"naam": "aanvragen"}],
    }
    status, headers, eigen = beheer.gw.call("POST", PUBLIEK, token=integrator, body=body)
    assert status == 201, eigen
    assert headers["api-version"] == "1.0.0"
    assert eigen["eigenaar"] == f"integrator-{ZWOLLE}"
    assert eigen["gemeente"] == ZWOLLE
    beheerder = beheer.token_van(actor_type="medewerker", gemeente=ZWOLLE, roles="beheerder")
    status, _, lijst = beheer.gw.call("GET", PUBLIEK, token=beheerder)
    assert status == 200, lijst
    assert eigen["id"] in [a["id"] for a in lijst["items"]]
    ander = beheer.token_van(actor_type="medewerker", gemeente=UTRECHT, roles="beheerder")
    assert beheer.gw.call("GET", f"{PUBLIEK}/{eigen['id']}", token=ander)[0] == 404
    klantmanager = beheer.token_van(actor_type="medewerker", gemeente=ZWOLLE, roles="klantmanager")
    burger = beheer.token_van(actor_type="burger", bsn="999993653")
    for token in (klantmanager, burger):
        status, headers, problem = beheer.gw.call("GET", PUBLIEK, token=token)
        assert status == 403, problem
        assert headers["content-type"] == "application/problem+json"
    assert beheer.gw.call("GET", PUBLIEK)[0] == 401
    status, _, problem = beheer.gw.call("POST", PUBLIEK, token=integrator, body=body | {"callbackUrl": "ftp://x"})
    assert status == 400
    assert [p["name"] for p in problem["invalidParams"]] == ["callbackUrl"]
    assert beheer.gw.call("DELETE", f"{PUBLIEK}/{eigen['id']}", token=integrator)[0] == 204
    assert beheer.gw.call("GET", f"{PUBLIEK}/{eigen['id']}", token=beheerder)[0] == 404

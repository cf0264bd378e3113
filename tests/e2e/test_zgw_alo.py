"""A full ALO on the running suite leaves a conforming zaak in the gemeente's (simulated) zaaksysteem.

The aanvraag comes in as a front office would send it (GBI koppelvlakken: the simulated front office notifies GBI
through the gateway, GBI pulls the ZaakLOAangevraagd), the process layer runs the ALO against the real
integration, domain and data services, and this module then reads the zaaksysteem the way the gemeente's own
applications do: the ZGW APIs (Zaken 1.7, Besluiten 1.1, Documenten 1.7, Catalogi 1.4) with the gemeente's ZGW
client (a JWT, HS256) from the suite's ``zgw-clients.json``. It asserts the zaak with its statussen and rol, the
besluit of the right besluittype, and the beschikking as enkelvoudiginformatieobject (the very PDF GBI stored)
related to the zaak and to the besluit (zaak- and besluitinformatieobject); and that the zaaksysteem refused
nothing GBI sent while it ran (``GET /zgw/_rejections``: every request is checked against the official OpenAPI
documents) but duplicates of GBI's own writes by a retried step (``unique``, ``identificatie-niet-uniek``: found
then, ADR 0041), and answered nothing that does not conform (``responseViolations``).

Test persons: 999994116 Katinka Vogel (Rotterdam 0599, nothing in any source: decided straight through) and
999990792 Jan de Cuykelaer (Den Haag 0518, detained: an intake, then an inkomensconsulent rejects).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import urllib.parse
import urllib.request
from typing import Any

import jwt
import pytest

from gbi_runner import Suite

from .conftest import Http

pytestmark = pytest.mark.e2e

KATINKA = ("999994116", "0599")
JAN = ("999990792", "0518")
ZAKEN, BESLUITEN, DOCUMENTEN = "/zgw/zaken/api/v1", "/zgw/besluiten/api/v1", "/zgw/documenten/api/v1"


class Zaaksysteem:
    """The simulated zaaksysteem, read as the gemeente's own application does: its ZGW APIs, its ZGW client."""

    def __init__(self, suite: Suite, gemeente: str) -> None:
        self.base = suite.config.url("simulator")
        clients = json.loads((suite.config.var_dir / "zgw-clients.json").read_text(encoding="utf-8"))
        [client] = [c for c in clients if c["gemeente"] == gemeente]
        self.client_id, self.secret = client["client_id"], client["secret"]

    def _url(self, url: str) -> str:
        return self.base + url if url.startswith("/") else url

    def raw(self, url: str, **params: str) -> tuple[int, bytes, dict[str, str]]:
        claims = {
            "iss": self.client_id,
            "client_id": self.client_id,
            "iat": int(time.time()),
            "user_id": "e2e",
            "user_representation": "E2E-test van GBI",
        }
        full = self._url(url) + (("?" + urllib.parse.urlencode(params)) if params else "")
        req = urllib.request.Request(full, method="GET")
        req.add_header("Authorization", "Bearer " + jwt.encode(claims, self.secret, algorithm="HS256"))
        # What the documents demand of every request (the simulator refuses a request without them: 412).
        req.add_header("Accept-Crs", "EPSG:4326")
        req.add_header("Content-Crs", "EPSG:4326")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read(), {k.lower(): v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as err:
            return err.code, err.read(), {k.lower(): v for k, v in err.headers.items()}

    def get(self, url: str, **params: str) -> Any:
        status, body, _ = self.raw(url, **params)
        assert status == 200, (url, status, body[:500])
        return json.loads(body)

    def items(self, url: str, **params: str) -> list[dict[str, Any]]:
        """A list operation, paginated (``results``, ``next``) or not."""
        out: list[dict[str, Any]] = []
        page: Any = self.get(url, **params)
        while True:
            if isinstance(page, list):
                return out + page
            out += page["results"]
            if not page.get("next"):
                return out
            page = self.get(page["next"])


def rejections(suite: Suite) -> dict[str, Any]:
    with urllib.request.urlopen(suite.config.url("simulator") + "/zgw/_rejections", timeout=10) as resp:
        snapshot: dict[str, Any] = json.loads(resp.read())
    return snapshot


class Gbi:
    """What GBI itself recorded (the data service), read as a GBI service for a gemeente, and its API for people."""

    def __init__(self, suite: Suite, gateway: Http) -> None:
        self.suite = suite
        self.gw = gateway
        self.service = self.token(grant_type="client_credentials", client_id="gbi-interaction")

    def token(self, **params: str) -> str:
        if params.get("grant_type") == "client_credentials":
            params["client_secret"] = self.suite.client_secrets[params["client_id"]]
        form = urllib.parse.urlencode({"grant_type": "urn:gbi:dev", **params}).encode()
        req = urllib.request.Request(self.suite.config.url("simulator") + "/idp/token", data=form, method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return str(json.loads(resp.read())["access_token"])

    def data(self, path: str, gemeente: str) -> Any:
        status, _, body = self.gw.call(
            "GET", f"/internal/data/v1{path}", token=self.service, headers={"GBI-Gemeente": gemeente}
        )
        assert status == 200, (path, status, body)
        return body

    def via_front_office(self, bsn: str) -> str:
        """The simulated front office makes the ZaakLOAangevraagd and notifies GBI as the gemeente's integrator."""
        status, _, made = Http(self.suite.config.url("simulator")).call(
            "POST", "/simulator/frontoffice/aanvragen", body={"bsn": bsn, "verstuur": True}
        )
        assert status == 201, made
        assert made["verzonden"]["status"] == 200, made["verzonden"]
        return str(made["verzonden"]["body"]["kenmerken"]["gbiAanvraagId"])

    def wacht(self, aid: str, gemeente: str, *statussen: str, timeout: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            aanvraag: dict[str, Any] = self.data(f"/aanvragen/{aid}", gemeente)
            if aanvraag["status"] in statussen:
                return aanvraag
            assert time.monotonic() < deadline, f"{aid} is {aanvraag['status']}, not {statussen}"
            time.sleep(0.3)

    def rond_taak_af(self, aid: str, gemeente: str, element: str, rol: str, uitkomst: str, **gegevens: Any) -> None:
        """A medewerker of the gemeente takes the task from the werkbak of the role and completes it."""
        token = self.token(actor_type="medewerker", gemeente=gemeente, roles=rol, name=f"e2e {rol}")
        deadline = time.monotonic() + 90
        while True:
            status, _, page = self.gw.call("GET", f"/api/v1/taken?aanvraagId={aid}&status=open", token=token)
            assert status == 200, page
            taken = [t for t in page["items"] if t["gegevens"].get("element") == element]
            if taken:
                break
            assert time.monotonic() < deadline, f"no open {element} for {aid}: {page}"
            time.sleep(0.3)
        taak = taken[0]
        assert taak["rol"] == rol
        status, _, body = self.gw.call("POST", f"/api/v1/taken/{taak['id']}/claim", token=token)
        assert status == 200, body
        status, _, body = self.gw.call(
            "POST",
            f"/api/v1/taken/{taak['id']}/afronden",
            token=token,
            body={"uitkomst": uitkomst, "reden": "E2E: beoordeeld", "gegevens": gegevens},
        )
        assert status == 200, body


@pytest.fixture(scope="module")
def gbi(suite: Suite, gateway: Http) -> Gbi:
    return Gbi(suite, gateway)


@pytest.fixture(scope="module")
def geweigerd_voor(suite: Suite) -> int:
    """How many requests the zaaksysteem had refused before this module's ALO runs."""
    return int(rejections(suite)["count"])


def assert_conforming_zaak(suite: Suite, gbi: Gbi, aid: str, bsn: str, gemeente: str, soort: str) -> None:
    zs = Zaaksysteem(suite, gemeente)
    aanvraag = gbi.data(f"/aanvragen/{aid}", gemeente)
    besluit = gbi.data(f"/aanvragen/{aid}/besluit", gemeente)
    assert besluit["soort"] == soort

    # The zaak: one, under the gemeente's RSIN, of the ALO zaaktype, with the aanvraag as kenmerk; closed.
    [zaak] = zs.items(f"{ZAKEN}/zaken", identificatie=f"GBI-{aid}")
    zaaktype = zs.get(zaak["zaaktype"])
    assert zaaktype["identificatie"] == "ALO"
    assert zaak["bronorganisatie"] == zaak["verantwoordelijkeOrganisatie"]
    assert zaak["startdatum"] == aanvraag["aanvraagdatum"]
    assert {"kenmerk": aid, "bron": "GBI aanvraag levensonderhoud"} in zaak["kenmerken"]

    # Its statussen, in order, ending with the eindstatus, which closed the zaak.
    statussen = sorted(zs.items(f"{ZAKEN}/statussen", zaak=zaak["url"]), key=lambda s: s["datumStatusGezet"])
    typen = [zs.get(s["statustype"]) for s in statussen]
    assert [t["omschrijving"] for t in typen] == ["Besluit genomen", "Afgehandeld"]
    assert all(t["zaaktype"] == zaak["zaaktype"] for t in typen)
    assert typen[-1]["isEindstatus"] is True
    assert zaak["status"] == statussen[-1]["url"]
    assert zaak["einddatum"] == statussen[-1]["datumStatusGezet"][:10]

    # Its rol: the aanvrager, a natuurlijk persoon by BSN.
    rollen = zs.items(f"{ZAKEN}/rollen", zaak=zaak["url"])
    aanvragers = [r for r in rollen if r["omschrijvingGeneriek"] == "initiator"]
    assert len(aanvragers) == 1, rollen
    assert aanvragers[0]["betrokkeneType"] == "natuurlijk_persoon"
    assert aanvragers[0]["betrokkeneIdentificatie"]["inpBsn"] == bsn
    assert zs.get(aanvragers[0]["roltype"])["zaaktype"] == zaak["zaaktype"]

    # The besluit: one, on this zaak, of the besluittype of GBI's decision, with GBI's dates.
    [zaakbesluit] = zs.items(f"{BESLUITEN}/besluiten", zaak=zaak["url"])
    besluittype = zs.get(zaakbesluit["besluittype"])
    assert besluittype["omschrijving"].lower() == soort.replace("-", " ")
    assert zaakbesluit["verantwoordelijkeOrganisatie"] == zaak["bronorganisatie"]
    assert zaakbesluit["datum"] == besluit["datum"]
    assert zaakbesluit["ingangsdatum"] == (besluit["ingangsdatum"] or besluit["datum"])

    # The beschikking: the PDF GBI stored, as an informatieobject of the zaak and of the besluit.
    [bio] = zs.items(f"{BESLUITEN}/besluitinformatieobjecten", besluit=zaakbesluit["url"])
    eio = zs.get(bio["informatieobject"])
    zios = zs.items(f"{ZAKEN}/zaakinformatieobjecten", zaak=zaak["url"])
    assert [z["informatieobject"] for z in zios] == [eio["url"]]
    assert zs.get(eio["informatieobjecttype"])["omschrijving"] == "Beschikking"
    assert eio["bronorganisatie"] == zaak["bronorganisatie"]
    assert (eio["status"], eio["formaat"]) == ("definitief", "application/pdf")
    status, pdf, _ = zs.raw(eio["inhoud"])
    assert status == 200
    assert pdf.startswith(b"%PDF-")
    assert eio["bestandsomvang"] == len(pdf)
    assert eio["integriteit"] == {
        "algoritme": "sha_256",
        "waarde": hashlib.sha256(pdf).hexdigest(),
        "datum": eio["integriteit"]["datum"],
    }
    [beschikking] = [
        d for d in gbi.data(f"/aanvragen/{aid}/documenten", gemeente)["items"] if d["soort"] == "beschikking"
    ]
    status, _, stored = gbi.gw.call(
        "GET",
        f"/internal/data/v1/documenten/{beschikking['id']}/inhoud",
        token=gbi.service,
        headers={"GBI-Gemeente": gemeente},
    )
    assert status == 200
    assert stored == pdf, "the zaaksysteem holds another document than GBI's beschikking"


# A retried step (a replay after a crash, a repeated request after a lost answer) writes again what its first try
# wrote: the zaaksysteem refuses the second as a duplicate and GBI then finds the first (ADR 0022, 0041). Only those
# refusals are allowed: a POST by a GBI client of one of these collections, refused (400) with nothing but these
# codes. That each was then found is proven by the assertions on the zaak (one of everything, the case decided).
DUPLICATE_CODES = {"unique", "identificatie-niet-uniek"}
GBI_WRITES = (
    "/zaken",
    "/statussen",
    "/besluiten",
    "/enkelvoudiginformatieobjecten",
    "/zaakinformatieobjecten",
    "/besluitinformatieobjecten",
)


def is_refused_duplicate(rejection: dict[str, Any]) -> bool:
    codes = {p.get("code") for p in rejection.get("invalidParams") or []}
    return (
        rejection["method"] == "POST"
        and rejection["status"] == 400
        and str(rejection.get("clientId") or "").startswith("gbi-")
        and rejection["path"].endswith(GBI_WRITES)
        and bool(codes)
        and codes <= DUPLICATE_CODES
    )


def test_only_refused_duplicates_of_gbis_own_writes_are_allowed() -> None:
    duplicate = {
        "method": "POST",
        "path": "/zgw/zaken/api/v1/statussen",
        "status": 400,
        "code": "invalid",
        "clientId": "gbi-0599",
        "invalidParams": [{"name": "nonFieldErrors", "code": "unique", "reason": "..."}],
    }
    document = {
        **duplicate,
        "path": "/zgw/documenten/api/v1/enkelvoudiginformatieobjecten",
        "invalidParams": [{"name": "identificatie", "code": "identificatie-niet-uniek", "reason": "..."}],
    }
    assert is_refused_duplicate(duplicate)
    assert is_refused_duplicate(document)
    forbidden = {**duplicate, "status": 403, "code": "permission_denied", "invalidParams": []}
    other_code = {**duplicate, "invalidParams": [{"name": "statustype", "code": "invalid", "reason": "..."}]}
    mixed = {**duplicate, "invalidParams": [*duplicate["invalidParams"], *other_code["invalidParams"]]}
    for refused in (
        forbidden,
        other_code,
        mixed,
        {**duplicate, "invalidParams": []},
        {**duplicate, "method": "GET"},
        {**duplicate, "clientId": "beheer"},
        {**duplicate, "clientId": None},
        {**duplicate, "path": "/zgw/zaken/api/v1/rollen"},
    ):
        assert not is_refused_duplicate(refused), refused


def assert_nothing_refused(suite: Suite, voor: int) -> None:
    """The zaaksysteem refused nothing GBI sent since ``voor`` but duplicates of GBI's own writes (a retried step),
    and answered nothing that does not conform."""
    snapshot = rejections(suite)
    assert snapshot["responseViolations"] == [], snapshot["responseViolations"]
    nieuw = int(snapshot["count"]) - voor
    if nieuw == 0:
        return
    recent: list[dict[str, Any]] = snapshot["rejections"][-nieuw:]
    assert len(recent) == nieuw, f"{nieuw} refusals, only {len(recent)} kept"  # none dropped unseen
    other = [r for r in recent if not is_refused_duplicate(r)]
    assert other == [], other[-10:]


def test_straight_through_toekenning_leaves_a_conforming_zaak(suite: Suite, gbi: Gbi, geweigerd_voor: int) -> None:
    bsn, gemeente = KATINKA
    aid = gbi.via_front_office(bsn)
    gbi.wacht(aid, gemeente, "besloten")
    # The zaak is closed by the process's last step; give it the moment it takes after the besluit.
    deadline = time.monotonic() + 30
    zs = Zaaksysteem(suite, gemeente)
    while not (zaken := zs.items(f"{ZAKEN}/zaken", identificatie=f"GBI-{aid}")) or not zaken[0]["einddatum"]:
        assert time.monotonic() < deadline, zaken
        time.sleep(0.3)
    assert_conforming_zaak(suite, gbi, aid, bsn, gemeente, "toekenning")
    assert_nothing_refused(suite, geweigerd_voor)


def test_a_warm_afwijzing_leaves_a_conforming_zaak(suite: Suite, gbi: Gbi, geweigerd_voor: int) -> None:
    bsn, gemeente = JAN
    aid = gbi.via_front_office(bsn)
    gbi.rond_taak_af(aid, gemeente, "intakegesprek", "klantmanager", "afgerond")
    gbi.rond_taak_af(aid, gemeente, "beoordeling", "inkomensconsulent", "afwijzing", afwijkingBerekening=False)
    gbi.wacht(aid, gemeente, "besloten")
    deadline = time.monotonic() + 30
    zs = Zaaksysteem(suite, gemeente)
    while not (zaken := zs.items(f"{ZAKEN}/zaken", identificatie=f"GBI-{aid}")) or not zaken[0]["einddatum"]:
        assert time.monotonic() < deadline, zaken
        time.sleep(0.3)
    assert_conforming_zaak(suite, gbi, aid, bsn, gemeente, "afwijzing")
    assert_nothing_refused(suite, geweigerd_voor)


def test_a_kill_9_after_unsaved_steps_replays_them_and_leaves_one_of_everything(
    suite: Suite, gbi: Gbi, geweigerd_voor: int
) -> None:
    """ADR 0022: a run saves once per segment, so a crash loses the saved-for-later part of a run; the next claim
    executes those steps again. Killed the moment a besluit was executed (its besluit, the zaak's besluit and
    status, the beschikking are being made and nothing after the save before the besluit is saved), every case
    still ends with one zaak, one besluit, one beschikking, one uitkering and one announcement."""
    bsn, gemeente = KATINKA
    log_dir = suite.config.log_dir
    assert log_dir is not None
    log = log_dir / "process.log"
    offset = log.stat().st_size if log.exists() else 0
    ids = [gbi.via_front_office(bsn) for _ in range(3)]
    step = re.compile(r"instance ([0-9a-f-]{36}): step ([0-9a-f-]{36}) \(besluit\.vastleggen\) executed")
    deadline = time.monotonic() + 60
    while True:
        with log.open("rb") as fh:
            fh.seek(offset)
            found = step.search(fh.read().decode(errors="replace"))
        if found:
            break
        assert time.monotonic() < deadline, "no besluit was executed"
        time.sleep(0.005)
    suite.kill("process")  # SIGKILL
    instance, besluit_step = found.group(1), found.group(2)
    [aid] = [a for a in ids if gbi.data(f"/procesinstanties/{instance}", gemeente)["aanvraagId"] == a]
    assert gbi.data(f"/procesinstanties/{instance}", gemeente)["status"] != "completed", "the kill came too late"
    restarted = log.stat().st_size
    suite.restart("process")
    for a in ids:
        gbi.wacht(a, gemeente, "besloten")
    zs = Zaaksysteem(suite, gemeente)
    for a in ids:
        deadline = time.monotonic() + 30
        while not (zaken := zs.items(f"{ZAKEN}/zaken", identificatie=f"GBI-{a}")) or not zaken[0]["einddatum"]:
            assert time.monotonic() < deadline, zaken
            time.sleep(0.3)
        # one zaak, one rol, statussen "Besluit genomen" and "Afgehandeld" once each, one besluit, one document
        assert_conforming_zaak(suite, gbi, a, bsn, gemeente, "toekenning")
        uitkering = gbi.data(f"/aanvragen/{a}/uitkering", gemeente)
        assert uitkering["aanvraagId"] == a
        tijdlijn = [t["soort"] + "|" + t["omschrijving"] for t in gbi.data(f"/aanvragen/{a}", gemeente)["tijdlijn"]]
        assert len([t for t in tijdlijn if t.startswith("besluit|")]) == 1, tijdlijn  # announced once
        assert len(tijdlijn) == len(set(tijdlijn)), tijdlijn
    # The killed case's besluit step ran again after the restart, under the same task id (the engine derives ids
    # from the saved state), and found the besluit of the first execution.
    with log.open("rb") as fh:
        fh.seek(restarted)
        again = fh.read().decode(errors="replace")
    assert f"instance {instance}: step {besluit_step} (besluit.vastleggen) executed" in again
    assert len(gbi.data(f"/aanvragen/{aid}/documenten", gemeente)["items"]) == 1
    assert_nothing_refused(suite, geweigerd_voor)

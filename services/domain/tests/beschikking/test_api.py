"""The routes with real signed GBI-Context headers: the public preview for staff of the gemeente, the internal
render for GBI services, and the problems (400 naming the field, 401, 403)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_domain.beschikking import api
from gbi_shared import ActorType

from .conftest import AMSTERDAM, BSN, ROTTERDAM, Headers, tekst_van, toekenning

VOORBEELD = "/api/v1/beschikkingen:voorbeeld"
INTERN = "/internal/domain/v1/beschikkingen"


def test_voorbeeld_voor_medewerker_van_de_gemeente(client: TestClient, headers: Headers) -> None:
    resp = client.post(VOORBEELD, json=toekenning(), headers=headers(ActorType.MEDEWERKER, gemeente=ROTTERDAM))
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["content-disposition"] == 'inline; filename="beschikking-Z-2026-0042-toekenning.pdf"'
    assert resp.headers["etag"] == f'"{hashlib.sha256(resp.content).hexdigest()}"'
    assert resp.headers["api-version"]
    tekst = tekst_van(resp.content)
    assert "U krijgt bijstand vanaf 1 maart 2026. U krijgt € 1.331,42 per maand." in tekst
    assert BSN not in tekst
    again = client.post(VOORBEELD, json=toekenning(), headers=headers(ActorType.MEDEWERKER, gemeente=ROTTERDAM))
    assert again.content == resp.content


def test_voorbeeld_doorgestuurd_door_de_interactielaag(client: TestClient, headers: Headers) -> None:
    resp = client.post(VOORBEELD, json=toekenning(), headers=headers(ActorType.MEDEWERKER, via="gbi-interaction"))
    assert resp.status_code == 200


def test_voorbeeld_andere_gemeente_burger_en_systeem_geweigerd(client: TestClient, headers: Headers) -> None:
    for h in (
        headers(ActorType.MEDEWERKER, gemeente=AMSTERDAM),
        headers(ActorType.BURGER, gemeente=ROTTERDAM, bsn=BSN, roles=frozenset({"burger"})),
        headers(ActorType.BURGER, gemeente=ROTTERDAM, bsn=BSN, via="gbi-interaction", roles=frozenset({"burger"})),
        headers(ActorType.SYSTEEM, gemeente=ROTTERDAM, roles=frozenset({"integrator"})),
    ):
        resp = client.post(VOORBEELD, json=toekenning(), headers=h)
        assert resp.status_code == 403, resp.text
        assert resp.headers["content-type"] == "application/problem+json"


def test_zonder_context_401(client: TestClient) -> None:
    assert client.post(VOORBEELD, json=toekenning()).status_code == 401
    assert client.post(INTERN, json=toekenning()).status_code == 401


def test_400_noemt_het_veld(client: TestClient, headers: Headers) -> None:
    h = headers(ActorType.MEDEWERKER)
    data = toekenning()
    del data["berekening"]
    resp = client.post(VOORBEELD, json=data, headers=h)
    assert resp.status_code == 400
    problem = resp.json()
    assert [p["name"] for p in problem["invalidParams"]] == ["berekening"]
    assert "berekening" in problem["detail"]

    resp = client.post(VOORBEELD, json=toekenning(soort="intrekking"), headers=h)
    assert resp.status_code == 400
    assert [p["name"] for p in resp.json()["invalidParams"]] == ["soort"]

    resp = client.post(
        INTERN, json=toekenning(bedragPerMaand="9.99"), headers=headers(ActorType.SERVICE, gemeente=None)
    )
    assert resp.status_code == 400
    assert [p["name"] for p in resp.json()["invalidParams"]] == ["bedragPerMaand"]


def test_intern_voor_de_proceslaag(client: TestClient, headers: Headers) -> None:
    resp = client.post(INTERN, json=toekenning(), headers=headers(ActorType.SERVICE, gemeente=None, roles=frozenset()))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    pdf = base64.b64decode(body["inhoud"], validate=True)
    assert "\n" not in body["inhoud"]
    assert body["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert body["id"] == body["sha256"][:32]
    assert body["grootte"] == len(pdf)
    assert body["mediaType"] == "application/pdf"
    assert body["pdfa"] == "PDF/A-1b"
    assert body["paginas"] >= 2
    assert body["zaakIdentificatie"] == "Z-2026-0042"
    assert body["soort"] == "toekenning"
    assert body["waarschuwingen"] == []
    assert set(body) == {
        "id",
        "sha256",
        "paginas",
        "grootte",
        "mediaType",
        "bestandsnaam",
        "pdfa",
        "sjabloonversie",
        "soort",
        "gemeente",
        "zaakIdentificatie",
        "datum",
        "waarschuwingen",
        "inhoud",
    }
    # The same document as the preview: a retried process step renders exactly what staff saw.
    preview = client.post(VOORBEELD, json=toekenning(), headers=headers(ActorType.MEDEWERKER))
    assert preview.content == pdf


def test_intern_toegang(client: TestClient, headers: Headers) -> None:
    ok = [
        headers(ActorType.SERVICE, gemeente=ROTTERDAM),
        headers(ActorType.MEDEWERKER, gemeente=ROTTERDAM, via="gbi-process"),
        headers(ActorType.SYSTEEM, gemeente=ROTTERDAM, via="gbi-process"),
    ]
    for h in ok:
        assert client.post(INTERN, json=toekenning(), headers=h).status_code == 200
    geweigerd = [
        headers(ActorType.SERVICE, gemeente=AMSTERDAM),
        headers(ActorType.MEDEWERKER, gemeente=ROTTERDAM),  # staff directly, not through a GBI service
        headers(ActorType.MEDEWERKER, gemeente=AMSTERDAM, via="gbi-process"),
        headers(ActorType.BURGER, gemeente=ROTTERDAM, bsn=BSN, via="gbi-process", roles=frozenset({"burger"})),
    ]
    for h in geweigerd:
        assert client.post(INTERN, json=toekenning(), headers=h).status_code == 403


def test_openapi(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    voorbeeld = doc["paths"][VOORBEELD]["post"]
    assert voorbeeld["operationId"] == "maakBeschikkingVoorbeeld"
    assert voorbeeld["tags"] == ["Beschikkingen"]
    assert voorbeeld["summary"]
    assert voorbeeld["description"]
    assert "application/pdf" in voorbeeld["responses"]["200"]["content"]
    assert "API-Version" in voorbeeld["responses"]["200"]["headers"]
    assert doc["paths"][INTERN]["post"]["operationId"] == "maakBeschikking"
    verzoek = doc["components"]["schemas"]["BeschikkingVerzoek"]["properties"]
    assert {"zaakIdentificatie", "bedragPerMaand", "goedgekeurdDoor", "buitenBehandeling"} <= set(verzoek)


def test_gateway_stuurt_beschikkingen_naar_het_domein() -> None:
    from gbi_gateway.routes import RouteTable

    route = RouteTable().match(VOORBEELD)
    assert route is not None
    assert (route.layer, route.internal) == ("domain", False)


def test_een_grote_brief_in_de_threadpool_een_kleine_op_de_lus(
    client: TestClient, headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small request renders on the event loop (ADR 0048); a large one (here: the same letter, its JSON padded
    past the limit) in the thread pool, so that a long letter does not hold up the loop's other requests. Both
    give the same PDF."""
    waar: list[str] = []
    echt = api.maak_beschikking

    def meet(*args: Any) -> Any:
        try:
            asyncio.get_running_loop()
            waar.append("lus")
        except RuntimeError:
            waar.append("thread")
        return echt(*args)

    monkeypatch.setattr(api, "maak_beschikking", meet)
    h = headers(ActorType.SERVICE, gemeente=None, roles=frozenset())
    klein = client.post(INTERN, json=toekenning(), headers=h)
    tekst = json.dumps(toekenning())
    assert len(tekst) < api.OP_DE_LUS_TOT_BYTES
    groot = client.post(
        INTERN,
        content=tekst + " " * api.OP_DE_LUS_TOT_BYTES,
        headers={**h, "Content-Type": "application/json"},
    )
    assert klein.status_code == groot.status_code == 200, groot.text
    assert waar == ["lus", "thread"]
    assert klein.json()["inhoud"] == groot.json()["inhoud"]

"""The internal integration API for zaken (``/internal/integration/v1/zaken...``) on the simulated zaaksysteem:
contracts, status codes (201 registered, 200 found), who may do what, errors as problem+json."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from gbi_integration.app import create_app
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, RequestContext
from gbi_testing import ec_pem_pair, minimal_pdf

from .conftest import AMSTERDAM, ROTTERDAM, Simulator, zgw_settings

ZAKEN = "/internal/integration/v1/zaken"
BSN = "999993653"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return ec_pem_pair()


@pytest.fixture
def api(sim: Simulator, keys: tuple[str, str]) -> Iterator[TestClient]:
    settings = zgw_settings(sim.url, context_public_key=SecretStr(keys[1]), log_level="WARNING")
    with TestClient(create_app(settings)) as client:
        yield client
    # Whatever the API was asked, the zaaksysteem refused nothing the adapter sent.
    assert sim.rejections() == []


Ctx = Callable[..., dict[str, str]]


@pytest.fixture
def ctx(keys: tuple[str, str]) -> Ctx:
    signer = ContextSigner(keys[0], issuer="gbi-gateway", audience="gbi-services")

    def build(actor_type: ActorType = ActorType.SERVICE, **kw: Any) -> dict[str, str]:
        roles = kw.pop("roles", ("gbi-service",) if actor_type is ActorType.SERVICE else ("inkomensconsulent",))
        context = RequestContext(
            actor_id=kw.pop("actor_id", "gbi-process"), actor_type=actor_type, roles=frozenset(roles), **kw
        )
        return {CONTEXT_HEADER: signer.sign(context)}

    return build


def _afhandeling(pdf: bytes | None = None) -> dict[str, Any]:
    """A ``POST .../{identificatie}:afhandelen`` body (ADR 0045)."""
    inhoud = base64.b64encode(pdf if pdf is not None else minimal_pdf("Beschikking toekenning")).decode()
    return {
        "gemeente": AMSTERDAM,
        "besluit": {
            "besluittype": "toekenning",
            "datum": "2025-06-20",
            "ingangsdatum": "2025-06-02",
            "statusGezetOp": "2025-06-20T10:15:00+02:00",
            "statusToelichting": "toekenning",
        },
        "document": {"titel": "Beschikking toekenning", "inhoud": inhoud, "creatiedatum": "2025-06-20"},
        "eindstatus": {"datum": "2025-06-20T10:15:01+02:00", "toelichting": "toekenning"},
    }


def _zaak(referentie: str, **extra: Any) -> dict[str, Any]:
    return {
        "gemeente": AMSTERDAM,
        "aanvraagReferentie": referentie,
        "bsn": BSN,
        "omschrijving": "Aanvraag levensonderhoud",
        "startdatum": "2025-06-02",
        **extra,
    }


def test_the_use_cases_over_the_internal_api(api: TestClient, ctx: Ctx, sim: Simulator) -> None:
    service = ctx(gemeente=AMSTERDAM)
    created = api.post(ZAKEN, json=_zaak("API-1"), headers=service)
    assert created.status_code == 201, created.text
    zaak = created.json()
    assert zaak["identificatie"] == "GBI-API-1"
    assert zaak["nieuw"] is True
    assert zaak["gemeente"] == AMSTERDAM
    again = api.post(ZAKEN, json=_zaak("API-1"), headers=service)
    assert again.status_code == 200
    assert again.json()["url"] == zaak["url"]
    assert again.json()["nieuw"] is False

    found = api.get(f"{ZAKEN}/GBI-API-1", params={"gemeente": AMSTERDAM}, headers=service)
    assert found.status_code == 200
    assert found.json()["uuid"] == zaak["uuid"]

    status = {"gemeente": AMSTERDAM, "status": "ontvangen", "datum": "2025-06-02T09:00:00+02:00"}
    assert api.post(f"{ZAKEN}/GBI-API-1/statussen", json=status, headers=service).status_code == 201
    assert api.post(f"{ZAKEN}/GBI-API-1/statussen", json=status, headers=service).status_code == 200
    rol = {
        "gemeente": AMSTERDAM,
        "roltype": "behandelaar",
        "medewerker": {"identificatie": "j.jansen", "achternaam": "Jansen"},
    }
    assert api.post(f"{ZAKEN}/GBI-API-1/rollen", json=rol, headers=service).status_code == 201
    aanvrager = {"gemeente": AMSTERDAM, "roltype": "aanvrager", "bsn": BSN}
    assert (
        api.post(f"{ZAKEN}/GBI-API-1/rollen", json=aanvrager, headers=service).status_code == 200
    )  # registered with the zaak
    besluit_body = {
        "gemeente": AMSTERDAM,
        "besluittype": "afwijzing",
        "datum": "2025-06-20",
        "ingangsdatum": "2025-06-20",
    }
    besluit = api.post(f"{ZAKEN}/GBI-API-1/besluiten", json=besluit_body, headers=service)
    assert besluit.status_code == 201
    assert besluit.json()["besluittype"] == "afwijzing"
    pdf = minimal_pdf("Beschikking afwijzing")
    document_body = {
        "gemeente": AMSTERDAM,
        "titel": "Beschikking afwijzing",
        "inhoud": base64.b64encode(pdf).decode(),
        "bestandsnaam": "afwijzing.pdf",
        "besluit": besluit.json()["url"],
    }
    document = api.post(f"{ZAKEN}/GBI-API-1/documenten", json=document_body, headers=service)
    assert document.status_code == 201, document.text
    assert document.json()["bestandsomvang"] == len(pdf)
    assert document.json()["besluit"] == besluit.json()["url"]
    eind = {"gemeente": AMSTERDAM, "status": "afgehandeld", "datum": "2025-06-21T09:00:00+02:00"}
    assert api.post(f"{ZAKEN}/GBI-API-1/statussen", json=eind, headers=service).status_code == 201
    closed = api.get(f"{ZAKEN}/GBI-API-1", params={"gemeente": AMSTERDAM}, headers=service).json()
    assert closed["einddatum"] == "2025-06-21"
    assert sim.rejections() == []


def test_a_besluit_with_its_status_in_one_request_is_found_again_when_repeated(
    api: TestClient, ctx: Ctx, sim: Simulator
) -> None:
    """besluit.vastleggen registers the besluit and the zaak's status besluit_genomen in one request (ADR 0031); a
    repeated step finds both (200) and registers neither again; a burger may do neither."""
    service = ctx(gemeente=AMSTERDAM)
    assert api.post(ZAKEN, json=_zaak("API-BS"), headers=service).status_code == 201
    body = {
        "gemeente": AMSTERDAM,
        "besluittype": "toekenning",
        "datum": "2025-06-20",
        "ingangsdatum": "2025-06-02",
        "statusGezetOp": "2025-06-20T10:15:00+02:00",
        "statusToelichting": "toekenning",
    }
    first = api.post(f"{ZAKEN}/GBI-API-BS/besluiten", json=body, headers=service)
    assert first.status_code == 201, first.text
    besluit = first.json()
    assert besluit["nieuw"] is True
    assert besluit["status"]["status"] == "besluit_genomen"
    assert besluit["status"]["nieuw"] is True
    again = api.post(f"{ZAKEN}/GBI-API-BS/besluiten", json=body, headers=service)
    assert again.status_code == 200
    assert again.json()["url"] == besluit["url"]
    assert again.json()["status"]["url"] == besluit["status"]["url"]
    assert again.json()["status"]["nieuw"] is False
    # without the status (the beschikking's request for the besluit's URL): the same besluit, no status
    plain = {k: v for k, v in body.items() if not k.startswith("status")}
    found = api.post(f"{ZAKEN}/GBI-API-BS/besluiten", json=plain, headers=service)
    assert (found.status_code, found.json()["url"], found.json()["status"]) == (200, besluit["url"], None)
    store = sim.app.state.zgw.store
    zaak_url = next(z.data["url"] for z in store.all("zaken") if z.data["identificatie"] == "GBI-API-BS")
    statussen = [s for s in store.all("statussen") if s.data["zaak"] == zaak_url]
    assert len(statussen) == 1
    assert sum(1 for b in store.all("besluiten") if b.data["identificatie"] == besluit["identificatie"]) == 1
    burger = ctx(ActorType.BURGER, bsn=BSN, roles=(), actor_id="burger-1")
    assert api.post(f"{ZAKEN}/GBI-API-BS/besluiten", json=body, headers=burger).status_code == 403


def test_the_end_of_a_case_in_one_request_201_then_200(api: TestClient, ctx: Ctx, sim: Simulator) -> None:
    """ADR 0045: ``POST .../{identificatie}:afhandelen`` registers the besluit with its status, the beschikking and
    the eindstatus (201); the same again finds all of it (200) and registers nothing; a burger may not; a document
    that is no PDF is refused before anything is sent."""
    service = ctx(gemeente=AMSTERDAM)
    assert api.post(ZAKEN, json=_zaak("API-AFH"), headers=service).status_code == 201
    pdf = minimal_pdf("Beschikking toekenning")
    body = _afhandeling(pdf)
    burger = ctx(ActorType.BURGER, bsn=BSN, roles=(), actor_id="burger-1")
    assert api.post(f"{ZAKEN}/GBI-API-AFH:afhandelen", json=body, headers=burger).status_code == 403
    geen_pdf = {**body, "document": {**body["document"], "inhoud": base64.b64encode(b"geen pdf").decode()}}
    refused = api.post(f"{ZAKEN}/GBI-API-AFH:afhandelen", json=geen_pdf, headers=service)
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith(PROBLEM)
    first = api.post(f"{ZAKEN}/GBI-API-AFH:afhandelen", json=body, headers=service)
    assert first.status_code == 201, first.text
    afhandeling = first.json()
    assert afhandeling["besluit"]["status"]["status"] == "besluit_genomen"
    assert afhandeling["document"]["besluit"] == afhandeling["besluit"]["url"]
    assert afhandeling["document"]["bestandsomvang"] == len(pdf)
    assert afhandeling["eindstatus"]["status"] == "afgehandeld"
    again = api.post(f"{ZAKEN}/GBI-API-AFH:afhandelen", json=body, headers=service)
    assert again.status_code == 200
    assert again.json()["document"]["url"] == afhandeling["document"]["url"]
    closed = api.get(f"{ZAKEN}/GBI-API-AFH", params={"gemeente": AMSTERDAM}, headers=service).json()
    assert closed["einddatum"] == "2025-06-20"
    store = sim.app.state.zgw.store
    zaak_url = next(z.data["url"] for z in store.all("zaken") if z.data["identificatie"] == "GBI-API-AFH")
    assert sum(1 for s in store.all("statussen") if s.data["zaak"] == zaak_url) == 2


def test_an_afhandeling_after_its_besluit_was_registered_is_201_for_the_parts_it_adds(
    api: TestClient, ctx: Ctx
) -> None:
    """The besluit with its status already there (the old ``.../besluiten``, or a try that stopped after it): the
    afhandeling finds those, registers the document and the eindstatus, and answers 201; then 200."""
    service = ctx(gemeente=AMSTERDAM)
    assert api.post(ZAKEN, json=_zaak("API-AFH-2"), headers=service).status_code == 201
    body = _afhandeling()
    besluit = {"gemeente": AMSTERDAM, **body["besluit"]}
    assert api.post(f"{ZAKEN}/GBI-API-AFH-2/besluiten", json=besluit, headers=service).status_code == 201
    partial = api.post(f"{ZAKEN}/GBI-API-AFH-2:afhandelen", json=body, headers=service)
    assert partial.status_code == 201, partial.text
    parts = partial.json()
    assert (parts["besluit"]["nieuw"], parts["besluit"]["status"]["nieuw"]) == (False, False)
    assert (parts["document"]["nieuw"], parts["eindstatus"]["nieuw"]) == (True, True)
    assert api.post(f"{ZAKEN}/GBI-API-AFH-2:afhandelen", json=body, headers=service).status_code == 200


def test_an_afhandeling_carries_a_beschikking_of_the_largest_document_size(
    sim: Simulator, keys: tuple[str, str], ctx: Ctx
) -> None:
    """Its body (a base64 PDF of up to 700 kB and the rest: ~0.94 MB at most) gets the documents' body limit, not
    the default one: here a default of 64 KiB, far below it, and the largest beschikking still passes."""
    from gbi_shared.contracts.zaken import MAX_DOCUMENT_BYTES

    settings = zgw_settings(sim.url, context_public_key=SecretStr(keys[1]), log_level="WARNING", max_body_bytes=65_536)
    service = ctx(gemeente=AMSTERDAM)
    grootste = minimal_pdf("Beschikking toekenning")
    grootste += b"%" + b"x" * (MAX_DOCUMENT_BYTES - len(grootste) - 1)
    assert len(grootste) == MAX_DOCUMENT_BYTES
    with TestClient(create_app(settings)) as api:
        assert api.post(ZAKEN, json=_zaak("API-AFH-3"), headers=service).status_code == 201
        response = api.post(f"{ZAKEN}/GBI-API-AFH-3:afhandelen", json=_afhandeling(grootste), headers=service)
        assert response.status_code == 201, response.text
        assert response.json()["document"]["bestandsomvang"] == MAX_DOCUMENT_BYTES
        # the default limit still holds for the other requests
        te_groot = {**_zaak("API-AFH-4"), "omschrijving": "x" * 70_000}
        assert api.post(ZAKEN, json=te_groot, headers=service).status_code == 413
    assert sim.rejections() == []


def test_who_may_do_what(api: TestClient, ctx: Ctx) -> None:
    assert api.post(ZAKEN, json=_zaak("API-2")).status_code == 401
    assert api.post(ZAKEN, json=_zaak("API-2"), headers=ctx(gemeente=AMSTERDAM)).status_code == 201
    # Another gemeente's context: the zaak does not exist for it.
    rotterdam = ctx(ActorType.MEDEWERKER, gemeente=ROTTERDAM)
    other = api.get(f"{ZAKEN}/GBI-API-2", params={"gemeente": AMSTERDAM}, headers=rotterdam)
    assert other.status_code == 404
    assert other.headers["content-type"] == PROBLEM
    assert api.post(ZAKEN, json=_zaak("API-3"), headers=rotterdam).status_code == 404
    # A burger registers only an aanvraag of their own, and nothing else.
    burger = ctx(ActorType.BURGER, bsn=BSN, roles=(), actor_id="burger-1")
    assert api.post(ZAKEN, json=_zaak("API-4"), headers=burger).status_code == 201
    assert api.post(ZAKEN, json=_zaak("API-5", bsn="999995431"), headers=burger).status_code == 403
    status = {"gemeente": AMSTERDAM, "status": "ontvangen", "datum": "2025-06-02T09:00:00+02:00"}
    assert api.post(f"{ZAKEN}/GBI-API-4/statussen", json=status, headers=burger).status_code == 403
    medewerker = {"gemeente": AMSTERDAM, "roltype": "aanvrager", "medewerker": {"identificatie": "x"}}
    assert api.post(f"{ZAKEN}/GBI-API-2/rollen", json=medewerker, headers=ctx(gemeente=AMSTERDAM)).status_code == 403
    # The afhandeling (ADR 0045) likewise: another gemeente's context does not reach the zaak, a burger may not.
    afgehandeld = api.post(f"{ZAKEN}/GBI-API-2:afhandelen", json=_afhandeling(), headers=rotterdam)
    assert afgehandeld.status_code == 404
    assert afgehandeld.headers["content-type"] == PROBLEM
    assert api.post(f"{ZAKEN}/GBI-API-4:afhandelen", json=_afhandeling(), headers=burger).status_code == 403


def test_invalid_requests_name_the_field(api: TestClient, ctx: Ctx) -> None:
    service = ctx(gemeente=AMSTERDAM)

    def fields(response: Any) -> list[str]:
        assert response.status_code == 400, response.text
        return [p["name"] for p in response.json()["invalidParams"]]

    assert fields(api.post(ZAKEN, json=_zaak("API 6 met spaties"), headers=service)) == ["aanvraagReferentie"]
    assert fields(api.post(ZAKEN, json=_zaak("API-6", bsn="123456789"), headers=service)) == ["bsn"]
    assert fields(api.post(ZAKEN, json=_zaak("API-6", gemeente="363"), headers=service)) == ["gemeente"]
    naive = {"gemeente": AMSTERDAM, "status": "ontvangen", "datum": "2025-06-02T09:00:00"}
    assert fields(api.post(f"{ZAKEN}/GBI-API-6/statussen", json=naive, headers=service)) == ["datum"]
    both = {"gemeente": AMSTERDAM, "roltype": "behandelaar", "bsn": BSN, "medewerker": {"identificatie": "x"}}
    assert fields(api.post(f"{ZAKEN}/GBI-API-6/rollen", json=both, headers=service)) == ["body"]
    not_pdf = {"gemeente": AMSTERDAM, "titel": "x", "inhoud": base64.b64encode(b"GIF89a").decode()}
    assert fields(api.post(f"{ZAKEN}/GBI-API-6/documenten", json=not_pdf, headers=service)) == ["body"]
    # the eindstatus comes after the status besluit_genomen, never at or before it
    te_vroeg = _afhandeling()
    te_vroeg["eindstatus"]["datum"] = te_vroeg["besluit"]["statusGezetOp"]
    refused = api.post(f"{ZAKEN}/GBI-API-6:afhandelen", json=te_vroeg, headers=service)
    assert fields(refused) == ["body"]
    assert "later" in refused.json()["invalidParams"][0]["reason"]
    unknown = api.get(f"{ZAKEN}/GBI-BESTAAT-NIET", params={"gemeente": AMSTERDAM}, headers=service)
    assert unknown.status_code == 404


def test_a_gemeente_without_zaaksysteem_waits(api: TestClient, ctx: Ctx) -> None:
    response = api.post(ZAKEN, json=_zaak("API-7", gemeente="0344"), headers=ctx())
    assert response.status_code == 503
    assert response.headers["retry-after"] == "300"
    assert response.json()["detail"] == "Het zaaksysteem van gemeente 0344 is niet geconfigureerd"

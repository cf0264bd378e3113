"""The integration layer's source API (``/internal/integration/v1/bronnen/...``, ``/ib-signalen``) with the real
simulator behind it and a fake gateway recording the processing log: contracts, audit, who may ask, sources down."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from gbi_shared import ActorType
from gbi_shared.contracts.bronnen import (
    Detenties,
    Dossier,
    Eigendommen,
    IbSignalen,
    IbSignalenPagina,
    Inkomsten,
    Studiefinanciering,
    Voertuigen,
    standaardperiode,
)
from gbi_shared.contracts.data import AuditRecordCreate
from gbi_simulator.bronnen.feiten import Signaal

from .conftest import AMSTERDAM, DEN_HAAG, Gateway, Headers, Simulator

API = "/internal/integration/v1"


def vandaag() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _periode() -> dict[str, str]:
    p = standaardperiode(vandaag())
    assert p.tot is not None
    return {"vanaf": p.vanaf.isoformat(), "tot": p.tot.isoformat()}


CASES: list[tuple[str, dict[str, Any], type[BaseModel]]] = [
    ("inkomsten", {"bsn": "999995431"}, Inkomsten),
    ("voertuigen", {"bsn": "999990792"}, Voertuigen),
    ("eigendommen", {"bsn": "999992661"}, Eigendommen),
    ("studiefinanciering", {"bsn": "999991231"}, Studiefinanciering),
    ("detenties", {"bsn": "999990792"}, Detenties),
    ("ib-signalen", {"bsn": "999995431"}, IbSignalen),
]


def _body(bron: str, base: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = dict(base, **extra)
    if bron in ("voertuigen", "eigendommen"):
        body["peildatum"] = vandaag().isoformat()
    else:
        body.update(_periode())
    return body


@pytest.mark.parametrize(("bron", "base", "model"), CASES)
def test_each_source_answers_its_contract_and_is_logged(
    client: TestClient, headers: Headers, gateway: Gateway, bron: str, base: dict[str, Any], model: type[BaseModel]
) -> None:
    response = client.post(f"{API}/bronnen/{bron}", json=_body(bron, base, zaakId="ZAAK-2026-0042"), headers=headers())
    assert response.status_code == 200, response.text
    result = model.model_validate(response.json())
    assert result.bsn == base["bsn"]  # type: ignore[attr-defined]
    [entry] = gateway.audit
    record = AuditRecordCreate.model_validate(entry)
    assert record.operation == f"bronnen.{bron}"
    assert record.processing_activity == "participatiewet.aanvraag-levensonderhoud/zaak:ZAAK-2026-0042"
    assert (record.bsn, record.status, record.outcome) == (base["bsn"], "OK", "success")
    assert record.trace_id is not None
    [audit_headers] = gateway.audit_headers
    assert audit_headers["authorization"] == "Bearer service-token"
    assert audit_headers["gbi-gemeente"] == DEN_HAAG
    [forwarded] = gateway.contexts()
    assert (forwarded["sub"], forwarded["purpose"], forwarded["gemeente"]) == (
        "gbi-process",
        "aanvraag-levensonderhoud",
        DEN_HAAG,
    )


def test_without_a_case_the_purpose_is_the_processing_activity(
    client: TestClient, headers: Headers, gateway: Gateway
) -> None:
    body = _body("detenties", {"bsn": "999990792"})
    assert client.post(f"{API}/bronnen/detenties", json=body, headers=headers(purpose="handhaving")).status_code == 200
    assert gateway.audit[0]["processingActivity"] == "participatiewet.handhaving"


@pytest.mark.parametrize("status", [503, 500, 403])
def test_no_answer_without_its_log_entry_and_the_entry_is_not_retried(
    client: TestClient, headers: Headers, gateway: Gateway, status: int
) -> None:
    gateway.fail_audit = status
    response = client.post(f"{API}/bronnen/inkomsten", json=_body("inkomsten", {"bsn": "999995431"}), headers=headers())
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "999995431" not in response.text
    assert "verwerkingenlogboek" in response.json()["detail"]
    assert gateway.audit_attempts == 1


def test_a_source_down_is_503_and_the_attempt_is_logged(
    client: TestClient, headers: Headers, gateway: Gateway, simulator: Simulator
) -> None:
    simulator.storing("rdw", "niet-beschikbaar")
    response = client.post(
        f"{API}/bronnen/voertuigen", json=_body("voertuigen", {"bsn": "999993112"}), headers=headers()
    )
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert response.json()["code"] == "service-unavailable"
    [entry] = gateway.audit
    assert (entry["operation"], entry["status"], entry["outcome"]) == (
        "bronnen.voertuigen",
        "ERROR",
        "service-unavailable",
    )


def test_a_source_down_stays_503_even_when_the_log_is_down_too(
    client: TestClient, headers: Headers, gateway: Gateway, simulator: Simulator
) -> None:
    simulator.storing("uwv", "fwi")
    gateway.fail_audit = 503
    response = client.post(f"{API}/bronnen/inkomsten", json=_body("inkomsten", {"bsn": "999995431"}), headers=headers())
    assert response.status_code == 503
    assert "Suwinet-foutbericht" in response.json()["detail"]


def test_an_unusable_source_answer_is_502(client: TestClient, headers: Headers, simulator: Simulator) -> None:
    simulator.storing("kadaster", "onbruikbaar")
    response = client.post(
        f"{API}/bronnen/eigendommen", json=_body("eigendommen", {"bsn": "999992661"}), headers=headers()
    )
    assert response.status_code == 502


# ------------------------------------------------------------------------------------------------ dossier


def test_the_dossier_gathers_every_source_with_provenance(
    client: TestClient, headers: Headers, gateway: Gateway
) -> None:
    body = {
        "bsn": "999990792",
        "peildatum": vandaag().isoformat(),
        "zaakId": "ZAAK-7",
        "bronnen": ["inkomsten", "voertuigen", "eigendommen", "studiefinanciering", "detenties", "ib-signalen"],
    }
    response = client.post(f"{API}/bronnen/dossier", json=body, headers=headers())
    assert response.status_code == 200, response.text
    dossier = Dossier.model_validate(response.json())
    assert dossier.volledig
    assert dossier.periode == standaardperiode(vandaag())
    assert [(h.bron, h.status) for h in dossier.herkomst] == [(b, "ok") for b in body["bronnen"]]
    assert all(h.leverancier for h in dossier.herkomst)
    assert dossier.detenties is not None
    assert dossier.detenties.detenties[0].titel == "gevangenisstraf"
    assert dossier.ib_signalen is not None
    assert [s.soort for s in dossier.ib_signalen.signalen] == ["detentie"]
    assert dossier.inkomsten is not None
    assert dossier.voertuigen is not None
    # One write to the processing log for the whole gathering, its entries in the order asked.
    assert gateway.audit_calls == [("/internal/data/v1/audit:batch", 6)]
    assert [e["operation"] for e in gateway.audit] == [f"bronnen.{b}" for b in body["bronnen"]]
    assert {e["processingActivity"] for e in gateway.audit} == {"participatiewet.aanvraag-levensonderhoud/zaak:ZAAK-7"}
    assert {(e["bsn"], e["status"], e["outcome"]) for e in gateway.audit} == {("999990792", "OK", "success")}
    [audit_headers] = {h["gbi-gemeente"]: h for h in gateway.audit_headers}.values()
    assert audit_headers["authorization"] == "Bearer service-token"
    assert audit_headers["gbi-gemeente"] == DEN_HAAG


def test_the_dossier_marks_a_source_down_and_still_answers_the_others(
    client: TestClient, headers: Headers, gateway: Gateway, simulator: Simulator
) -> None:
    simulator.storing("kadaster", "niet-beschikbaar")
    body = {"bsn": "999992661", "peildatum": vandaag().isoformat()}
    response = client.post(f"{API}/bronnen/dossier", json=body, headers=headers())
    assert response.status_code == 200, response.text
    dossier = Dossier.model_validate(response.json())
    assert not dossier.volledig
    status = {h.bron: h.status for h in dossier.herkomst}
    assert status == {
        "inkomsten": "ok",
        "voertuigen": "ok",
        "eigendommen": "niet-beschikbaar",
        "studiefinanciering": "ok",
        "detenties": "ok",
    }
    down = next(h for h in dossier.herkomst if h.bron == "eigendommen")
    assert down.melding
    assert "Kadaster" in down.melding
    assert dossier.eigendommen is None
    assert dossier.inkomsten is not None
    assert [i.soort for i in dossier.inkomsten.inkomstenverhoudingen] == ["zw"]  # the job ended four months ago
    assert dossier.ib_signalen is None  # not asked
    assert gateway.audit_calls == [("/internal/data/v1/audit:batch", 5)]
    assert [(e["operation"], e["status"], e["outcome"]) for e in gateway.audit] == [
        ("bronnen.inkomsten", "OK", "success"),
        ("bronnen.voertuigen", "OK", "success"),
        ("bronnen.eigendommen", "ERROR", "service-unavailable"),
        ("bronnen.studiefinanciering", "OK", "success"),
        ("bronnen.detenties", "OK", "success"),
    ]


def test_an_incomplete_income_period_makes_the_dossier_incomplete(client: TestClient, headers: Headers) -> None:
    body = {
        "bsn": "999995431",
        "peildatum": vandaag().isoformat(),
        "vanaf": (vandaag() - timedelta(days=40)).isoformat(),
        "tot": (vandaag() + timedelta(days=1)).isoformat(),
        "bronnen": ["inkomsten"],
    }
    dossier = Dossier.model_validate(client.post(f"{API}/bronnen/dossier", json=body, headers=headers()).json())
    assert [h.status for h in dossier.herkomst] == ["ok"]
    assert dossier.inkomsten is not None
    assert not dossier.inkomsten.volledig
    assert not dossier.volledig


@pytest.mark.parametrize("status", [503, 500, 400])
def test_the_dossier_fails_whole_when_the_log_is_down(
    client: TestClient, headers: Headers, gateway: Gateway, status: int
) -> None:
    gateway.fail_audit = status
    response = client.post(
        f"{API}/bronnen/dossier", json={"bsn": "999995431", "peildatum": "2026-01-15"}, headers=headers()
    )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "999995431" not in response.text
    assert "verwerkingenlogboek" in response.json()["detail"]
    assert gateway.audit_attempts == 1  # one write for the gathering, not retried


def test_the_dossier_with_one_source_answering_and_the_log_down_hands_out_nothing(
    client: TestClient, headers: Headers, gateway: Gateway, simulator: Simulator
) -> None:
    for bron in ("uwv", "rdw", "kadaster", "duo", "dji"):
        simulator.storing(bron, "niet-beschikbaar")
    gateway.fail_audit = 503
    body = {
        "bsn": "999990792",
        "peildatum": vandaag().isoformat(),
        "bronnen": ["inkomsten", "voertuigen", "eigendommen", "studiefinanciering", "detenties", "ib-signalen"],
    }
    response = client.post(f"{API}/bronnen/dossier", json=body, headers=headers())
    assert response.status_code == 503
    assert gateway.audit_attempts == 1
    assert "detentie" not in response.text  # the IB signal of this person did not go out


def test_the_dossier_with_every_source_down_and_the_log_down_still_says_so(
    client: TestClient, headers: Headers, gateway: Gateway, simulator: Simulator
) -> None:
    """Nothing of the person was obtained, so nothing goes out unlogged: the dossier says every source failed."""
    for bron in ("uwv", "rdw", "kadaster", "duo", "dji", "ib"):
        simulator.storing(bron, "niet-beschikbaar")
    gateway.fail_audit = 503
    body = {"bsn": "999990792", "peildatum": vandaag().isoformat(), "bronnen": ["voertuigen", "detenties"]}
    response = client.post(f"{API}/bronnen/dossier", json=body, headers=headers())
    assert response.status_code == 200, response.text
    dossier = Dossier.model_validate(response.json())
    assert [(h.bron, h.status) for h in dossier.herkomst] == [
        ("voertuigen", "niet-beschikbaar"),
        ("detenties", "niet-beschikbaar"),
    ]
    assert (dossier.voertuigen, dossier.detenties, dossier.volledig) == (None, None, False)
    assert gateway.audit_attempts == 1


# ------------------------------------------------------------------------------------------------ IB feed


def test_the_feed_pages_and_logs_each_person_once(client: TestClient, headers: Headers, gateway: Gateway) -> None:
    eerste = client.get(
        f"{API}/ib-signalen",
        params={"aantal": 3},
        headers=headers(roles=("handhaver",), actor_type=ActorType.MEDEWERKER, actor_id="h1"),
    )
    assert eerste.status_code == 200, eerste.text
    pagina = IbSignalenPagina.model_validate(eerste.json())
    assert (pagina.gemeente, len(pagina.items), pagina.cursor, pagina.meer) == (DEN_HAAG, 3, "3", True)
    personen = {s.bsn for s in pagina.items}
    assert sorted(e["bsn"] for e in gateway.audit) == sorted(personen)
    assert gateway.audit_calls == [("/internal/data/v1/audit:batch", len(personen))]  # the page in one write
    assert {e["operation"] for e in gateway.audit} == {"bronnen.ib-signalen.feed"}
    volgende = IbSignalenPagina.model_validate(
        client.get(f"{API}/ib-signalen", params={"na": pagina.cursor, "gemeente": DEN_HAAG}, headers=headers()).json()
    )
    assert [s.cursor for s in volgende.items][:1] == ["4"]
    assert not volgende.meer
    gateway.reset()
    leeg = IbSignalenPagina.model_validate(
        client.get(f"{API}/ib-signalen", params={"na": volgende.cursor}, headers=headers()).json()
    )
    assert (leeg.items, leeg.cursor) == ([], volgende.cursor)
    [entry] = gateway.audit  # the empty page is a logged query too, about nobody
    assert "bsn" not in entry


def test_a_new_signal_arrives_in_the_feed(client: TestClient, headers: Headers, simulator: Simulator) -> None:
    laatste = IbSignalenPagina.model_validate(
        client.get(f"{API}/ib-signalen", params={"aantal": 200}, headers=headers(gemeente=AMSTERDAM)).json()
    )
    simulator.app.state.bronnen.bronnen.voeg_signaal_toe(
        Signaal("999993112", "inkomen", vandaag() - timedelta(days=30), None, vandaag(), "Nieuw inkomen", bedrag=12_345)
    )
    nieuw = IbSignalenPagina.model_validate(
        client.get(f"{API}/ib-signalen", params={"na": laatste.cursor}, headers=headers(gemeente=AMSTERDAM)).json()
    )
    [signaal] = nieuw.items
    assert (signaal.bsn, signaal.soort, signaal.bedrag, signaal.ontvangen_op) == (
        "999993112",
        "inkomen",
        "123.45",
        vandaag(),
    )


@pytest.mark.parametrize(
    ("params", "kwargs", "status"),
    [
        ({"gemeente": AMSTERDAM}, {}, 403),
        ({}, {"roles": ("klantmanager",), "actor_type": ActorType.MEDEWERKER}, 403),
        ({}, {"gemeente": None}, 403),
        ({"na": "abc"}, {}, 400),
        ({"aantal": 0}, {}, 400),
        ({"aantal": 201}, {}, 400),
    ],
)
def test_the_feed_is_for_handhaving_of_the_own_gemeente(
    client: TestClient, headers: Headers, params: dict[str, Any], kwargs: dict[str, Any], status: int
) -> None:
    assert client.get(f"{API}/ib-signalen", params=params, headers=headers(**kwargs)).status_code == status


def test_the_feed_down_is_503(client: TestClient, headers: Headers, simulator: Simulator, gateway: Gateway) -> None:
    simulator.storing("ib", "niet-beschikbaar")
    assert client.get(f"{API}/ib-signalen", headers=headers()).status_code == 503
    assert [(e["operation"], e["status"]) for e in gateway.audit] == [("bronnen.ib-signalen.feed", "ERROR")]


def test_a_feed_page_is_not_handed_out_when_its_log_write_fails(
    client: TestClient, headers: Headers, gateway: Gateway
) -> None:
    gateway.fail_audit = 503
    response = client.get(f"{API}/ib-signalen", params={"aantal": 5}, headers=headers())
    assert response.status_code == 503
    assert "verwerkingenlogboek" in response.json()["detail"]
    assert "9999" not in response.text  # no BSN of the page went out
    assert gateway.audit_attempts == 1


# ------------------------------------------------------------------------------------------------ who may ask


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"roles": ("klantmanager",), "actor_type": ActorType.MEDEWERKER}, 200),
        ({"roles": ("inkomensconsulent", "teamleider"), "actor_type": ActorType.MEDEWERKER}, 200),
        ({"roles": ("auditor",), "actor_type": ActorType.MEDEWERKER}, 403),
        ({"roles": ("beheerder",), "actor_type": ActorType.MEDEWERKER}, 403),
        ({"roles": ("integrator",), "actor_type": ActorType.SYSTEEM}, 403),
        ({"roles": (), "actor_type": ActorType.BURGER, "bsn": "999994979"}, 200),
        ({"roles": (), "actor_type": ActorType.BURGER, "bsn": "999995431"}, 403),
        ({"gemeente": None}, 403),
    ],
)
def test_who_may_ask(
    client: TestClient, headers: Headers, gateway: Gateway, kwargs: dict[str, Any], status: int
) -> None:
    body = _body("studiefinanciering", {"bsn": "999994979"})
    assert client.post(f"{API}/bronnen/studiefinanciering", json=body, headers=headers(**kwargs)).status_code == status
    if status == 403:
        assert gateway.audit_attempts == 0  # refused before any source or log is touched


def test_without_a_verified_context_401(client: TestClient) -> None:
    assert client.post(f"{API}/bronnen/detenties", json=_body("detenties", {"bsn": "999990792"})).status_code == 401


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("inkomsten", {"bsn": "123456789", "vanaf": "2026-01-01", "tot": "2026-02-01"}, "bsn"),
        ("inkomsten", {"bsn": "999995431", "vanaf": "2026-02-01", "tot": "2026-02-01"}, "body"),
        ("inkomsten", {"bsn": "999995431", "vanaf": "2010-01-01", "tot": "2026-02-01"}, "body"),
        ("inkomsten", {"bsn": "999995431", "vanaf": "2026-01-01", "tot": "2026-02-01", "zaakId": "ZAAK 1"}, "zaakId"),
        ("voertuigen", {"bsn": "999995431"}, "peildatum"),
        ("dossier", {"bsn": "999995431", "peildatum": "2026-01-01", "bronnen": []}, "bronnen"),
        ("dossier", {"bsn": "999995431", "peildatum": "2026-01-01", "bronnen": ["bkr"]}, "bronnen.0"),
        ("dossier", {"bsn": "999995431", "peildatum": "2026-01-01", "bronnen": ["detenties", "detenties"]}, "body"),
        ("dossier", {"bsn": "999995431", "peildatum": "2026-01-01", "vanaf": "2026-01-01"}, "body"),
        ("detenties", {"bsn": "999995431", "vanaf": "2026-01-01", "tot": "2026-02-01", "extra": 1}, "extra"),
    ],
)
def test_invalid_requests_are_400_naming_the_field(
    client: TestClient, headers: Headers, path: str, body: dict[str, Any], field: str
) -> None:
    response = client.post(f"{API}/bronnen/{path}", json=body, headers=headers())
    assert response.status_code == 400, response.text
    assert field in [p["name"] for p in response.json()["invalidParams"]]


def test_the_routes_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for bron in ("inkomsten", "voertuigen", "eigendommen", "studiefinanciering", "detenties", "ib-signalen", "dossier"):
        assert f"{API}/bronnen/{bron}" in paths
        assert {"502", "503"} <= set(paths[f"{API}/bronnen/{bron}"]["post"]["responses"])
    assert "get" in paths[f"{API}/ib-signalen"]

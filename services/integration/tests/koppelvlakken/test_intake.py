"""Taking in an aanvraag over the koppelvlak: notificatie 0.9.0, the pull from the (simulated) front office, the
check against aanvragen 1.2.1, the ALO started in the process layer. Every answer is checked against the official
documents; every refusal creates nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_integration.app import create_app
from gbi_shared import ActorType
from gbi_shared.contracts.alo_proces import AanvraagGegevens, AloAanvraagIndiening
from gbi_simulator.frontoffice import ONGELDIG

from .conftest import (
    AMSTERDAM,
    DEN_HAAG,
    KATINKA,
    PREFIX,
    ROTTERDAM,
    Gateway,
    Headers,
    Simulator,
    aanvragen_schema,
    assert_fout,
    errors,
    notificatie,
    oas_validator,
    settings,
)

NOTIFICATIES = f"{PREFIX}/notificaties"
DOC = "notificatie-0.9.0.yaml"


def _meld(api: TestClient, headers: Headers, resource_url: str, gemeente: str = ROTTERDAM, **kw: Any) -> Any:
    body = notificatie(resource_url, **kw)
    assert not errors(oas_validator(DOC, "Message"), body)  # what the tests send is a valid Message
    return api.post(NOTIFICATIES, json=body, headers=headers(gemeente))


def test_a_notification_pulls_the_message_and_starts_the_alo(
    api: TestClient, headers: Headers, sim: Simulator, gateway: Gateway
) -> None:
    aanvraag = sim.aanvraag(inkomenPerMaand="250,00")
    assert not errors(aanvragen_schema(), aanvraag["bericht"])  # the front office's message is valid

    resp = _meld(api, headers, aanvraag["resourceUrl"], kenmerken={"codeOntvangendeGemeente": ROTTERDAM})
    assert resp.status_code == 200, resp.text
    assert resp.headers["api-version"] == "0.9.0"
    assert resp.headers["content-type"] == "application/json"
    answer = resp.json()
    assert not errors(oas_validator(DOC, "Message"), answer)
    gbi_id = answer["kenmerken"]["gbiAanvraagId"]
    assert answer["kenmerken"]["codeOntvangendeGemeente"] == ROTTERDAM
    assert resp.headers["location"] == f"{PREFIX}/AanvragenLevensonderhoudBehandeld/{gbi_id}"
    assert sim.opgehaald(aanvraag["aanvraagId"]) == 1

    # One call to the process layer: as the integration service for the integrator's gemeente, with a key derived
    # from the AanvraagId, and a body the process layer's contract accepts.
    (call,) = gateway.process_calls()
    assert call.headers["gbi-gemeente"] == ROTTERDAM
    assert call.headers["idempotency-key"] == f"koppelvlak-loa:{ROTTERDAM}:{aanvraag['aanvraagId']}"
    indiening = AloAanvraagIndiening.model_validate(call.body)
    assert indiening.bsn == KATINKA
    assert indiening.kanaal == "koppelvlak"
    gegevens = AanvraagGegevens.model_validate(indiening.gegevens)
    assert gegevens.iban == "NL91ABNA0417164300"
    assert [(i.persoon, i.soort, i.netto_per_maand) for i in gegevens.inkomsten] == [("aanvrager", "overig", "250.00")]
    assert gegevens.vermogen is not None
    assert gegevens.vermogen.bezittingen == "150.00"
    assert gegevens.adres == ["Maria Wesselingstraat 8", "3065 GA Rotterdam"]
    herkomst = indiening.gegevens["koppelvlak"]
    assert isinstance(herkomst, dict)
    assert herkomst["aanvraagId"] == aanvraag["aanvraagId"]
    assert herkomst["frontoffice"] == "simulator"
    assert herkomst["bericht"] == aanvraag["bericht"]["LOaangevraagd"]

    # The same notification again: the same aanvraag, nothing new (the process layer's idempotency holds because
    # the body is the same: nothing in it differs between two pulls).
    again = _meld(api, headers, aanvraag["resourceUrl"], aanmaakdatum="2026-11-02T10:00:00Z")
    assert again.status_code == 200, again.text
    assert again.json()["kenmerken"]["gbiAanvraagId"] == gbi_id
    assert len(gateway.aanvragen) == 1
    assert len(gateway.process_calls()) == 2
    assert gateway.process_calls()[1].body == call.body


def test_the_wrapped_form_of_the_json_schema_file_is_taken_too(
    api: TestClient, headers: Headers, sim: Simulator, gateway: Gateway
) -> None:
    aanvraag = sim.aanvraag(variant="omhuld")
    resp = _meld(api, headers, aanvraag["resourceUrl"])
    assert resp.status_code == 200, resp.text
    assert len(gateway.aanvragen) == 1


@pytest.mark.parametrize("variant", sorted(ONGELDIG))
def test_an_invalid_message_is_refused_naming_the_field_and_creates_nothing(
    variant: str, api: TestClient, headers: Headers, sim: Simulator, gateway: Gateway
) -> None:
    aanvraag = sim.aanvraag(variant=variant)
    resp = _meld(api, headers, aanvraag["resourceUrl"])
    fout = assert_fout(resp, 400, "0.9.0", DOC)
    assert fout["code"] == "ongeldig-bericht"
    assert ONGELDIG[variant] in [p["name"] for p in fout["invalidParams"]], fout
    assert ONGELDIG[variant] in fout["detail"]
    assert sim.opgehaald(aanvraag["aanvraagId"]) == 1
    assert gateway.process_calls() == []
    assert gateway.aanvragen == {}


def test_an_invalid_notification_is_refused_naming_the_field(
    api: TestClient, headers: Headers, sim: Simulator, gateway: Gateway
) -> None:
    aanvraag = sim.aanvraag()
    url = aanvraag["resourceUrl"]
    body = notificatie(url)
    del body["resourceUrl"]
    cases = [
        (body, "resourceUrl"),
        (notificatie(url, aanmaakdatum="2026-11-02"), "aanmaakdatum"),
        (notificatie(url, hoofdObject="geen uri"), "hoofdObject"),
        (notificatie(url, resource=""), "resource"),
        (notificatie(url, kenmerken={"x": ""}), "kenmerken.x"),
        ({k: v for k, v in notificatie(url).items() if k != "kanaal"}, "kanaal"),
    ]
    for sent, veld in cases:
        assert errors(oas_validator(DOC, "Message"), sent), veld  # the standard refuses it too
        fout = assert_fout(api.post(NOTIFICATIES, json=sent, headers=headers()), 400, "0.9.0", DOC)
        assert veld in [p["name"] for p in fout["invalidParams"]], fout
    fout = assert_fout(
        api.post(NOTIFICATIES, content=b"{niet json", headers=headers() | {"content-type": "application/json"}),
        400,
        "0.9.0",
        DOC,
    )
    assert fout["invalidParams"][0]["name"] == "body"
    fout = assert_fout(_meld(api, headers, url, actie="destroy"), 400, "0.9.0", DOC)
    assert fout["invalidParams"][0]["name"] == "actie"
    assert sim.opgehaald(aanvraag["aanvraagId"]) == 0
    assert gateway.requests == []


def test_gbi_fetches_no_address_a_notification_made_up(
    api: TestClient, headers: Headers, sim: Simulator, gateway: Gateway
) -> None:
    aanvraag = sim.aanvraag()
    aid = aanvraag["aanvraagId"]
    for url in (
        f"http://169.254.169.254/latest/meta-data/AanvragenLevensonderhoudBehandeld/{aid}",
        f"{sim.url}/simulator/frontoffice/aanvragen/{aid}",  # the right host, not under the front office's URL
        f"{sim.frontoffice_url}/AanvragenLevensonderhoudBeslissing/{aid}",  # under it, not the resource
        f"{sim.frontoffice_url}/AanvragenLevensonderhoudBehandeld/{aid}/extra",
        f"{sim.frontoffice_url}/AanvragenLevensonderhoudBehandeld/{aid}?x=1",
    ):
        fout = assert_fout(_meld(api, headers, url), 400, "0.9.0", DOC)
        assert fout["invalidParams"][0]["name"] == "resourceUrl", url
    # The front office is registered for Rotterdam and Amsterdam, not for Den Haag.
    fout = assert_fout(_meld(api, headers, aanvraag["resourceUrl"], gemeente=DEN_HAAG), 400, "0.9.0", DOC)
    assert fout["invalidParams"][0]["code"] == "onbekende-frontoffice"
    assert sim.opgehaald(aid) == 0
    assert gateway.requests == []


def test_only_an_integrator_of_the_receiving_gemeente(
    api: TestClient, headers: Headers, sim: Simulator, gateway: Gateway
) -> None:
    aanvraag = sim.aanvraag()
    url = aanvraag["resourceUrl"]
    for other in (
        headers(ROTTERDAM, actor_type=ActorType.MEDEWERKER, roles=("inkomensconsulent",)),
        headers(None, actor_type=ActorType.BURGER, roles=(), bsn=KATINKA),
        headers(None, actor_type=ActorType.SERVICE, roles=("gbi-service",)),
        headers(ROTTERDAM, roles=()),
    ):
        assert_fout(api.post(NOTIFICATIES, json=notificatie(url), headers=other), 403, "0.9.0", DOC)
    assert_fout(api.post(NOTIFICATIES, json=notificatie(url)), 401, "0.9.0", DOC)
    # An integrator of Amsterdam whose notification says it is Rotterdam's: refused before anything is fetched.
    fout = assert_fout(
        _meld(api, headers, url, gemeente=AMSTERDAM, kenmerken={"codeOntvangendeGemeente": "GM0599"}),
        403,
        "0.9.0",
        DOC,
    )
    assert fout["code"] == "andere-gemeente"
    assert sim.opgehaald(aanvraag["aanvraagId"]) == 0
    # Without the kenmerk (the front office serves Amsterdam too): the message itself says Rotterdam.
    fout = assert_fout(_meld(api, headers, url, gemeente=AMSTERDAM), 403, "0.9.0", DOC)
    assert fout["code"] == "andere-gemeente"
    assert "CodeOntvangendeGemeente" in fout["detail"]
    assert gateway.process_calls() == []


def test_front_office_unreachable_or_failing_is_503_and_creates_nothing(
    headers: Headers, sim: Simulator, gateway: Gateway, context_keys: tuple[str, str]
) -> None:
    fo = sim.frontoffice
    instellingen = settings(sim, gateway, context_keys, breaker_failures=100, koppelvlak_timeout_s=0.5)
    with TestClient(create_app(instellingen)) as api:
        aanvraag = sim.aanvraag()
        aid = aanvraag["aanvraagId"]
        # Down: three attempts (two retries), then 503 with Retry-After; the notification can be sent again.
        sim.control("PUT", "/simulator/frontoffice/storing", {"modus": "niet-beschikbaar"})
        voor = fo.pogingen
        resp = _meld(api, headers, aanvraag["resourceUrl"])
        fout = assert_fout(resp, 503, "0.9.0", DOC)
        assert resp.headers["retry-after"].isdigit()
        assert "niet beschikbaar" in fout["detail"]
        assert fo.pogingen - voor == 3
        assert gateway.process_calls() == []
        # Back after two failures: the retries carry it.
        sim.control("PUT", "/simulator/frontoffice/storing", {"modus": "niet-beschikbaar", "aantal": 2})
        resp = _meld(api, headers, aanvraag["resourceUrl"])
        assert resp.status_code == 200, resp.text
        assert sim.opgehaald(aid) == 1
        assert len(gateway.aanvragen) == 1
        # Slower than the timeout: 503 too.
        slow = sim.aanvraag()
        sim.control("PUT", "/simulator/frontoffice/storing", {"modus": "traag", "vertragingS": 1})
        assert_fout(_meld(api, headers, slow["resourceUrl"]), 503, "0.9.0", DOC)
        sim.control("PUT", "/simulator/frontoffice/storing", {"modus": "geen"})
        # A front office nobody listens at.
        dead = instellingen.koppelvlak_frontoffices["kapot"].url
        assert_fout(_meld(api, headers, f"{dead}/AanvragenLevensonderhoudBehandeld/{aid}"), 503, "0.9.0", DOC)
        assert len(gateway.aanvragen) == 1


def test_the_circuit_breaker_stops_pulling_from_a_front_office_that_keeps_failing(
    api: TestClient, headers: Headers, sim: Simulator, gateway: Gateway
) -> None:
    fo = sim.frontoffice
    aanvraag = sim.aanvraag()
    sim.control("PUT", "/simulator/frontoffice/storing", {"modus": "niet-beschikbaar"})
    voor = fo.pogingen
    for _ in range(3):
        assert_fout(_meld(api, headers, aanvraag["resourceUrl"]), 503, "0.9.0", DOC)
    assert fo.pogingen - voor == 5  # open after five failures (GBI_BREAKER_FAILURES): no more pulls
    assert gateway.process_calls() == []


def test_unknown_at_the_front_office_and_a_wrong_token(
    api: TestClient, headers: Headers, sim: Simulator, gateway: Gateway
) -> None:
    fout = assert_fout(
        _meld(
            api, headers, f"{sim.frontoffice_url}/AanvragenLevensonderhoudBehandeld/{'0' * 8}-0000-4000-8000-{'0' * 12}"
        ),
        400,
        "0.9.0",
        DOC,
    )
    assert fout["invalidParams"][0]["code"] == "niet-gevonden"
    aanvraag = sim.aanvraag()
    token = sim.frontoffice.settings
    sim.app.state.frontoffice.settings = token.model_copy(update={"token": None})
    try:
        assert_fout(_meld(api, headers, aanvraag["resourceUrl"]), 502, "0.9.0", DOC)
    finally:
        sim.app.state.frontoffice.settings = token
    assert gateway.process_calls() == []


def test_the_same_aanvraag_id_with_other_content_is_a_conflict(
    api: TestClient, headers: Headers, sim: Simulator, gateway: Gateway
) -> None:
    eerste = sim.aanvraag()
    assert _meld(api, headers, eerste["resourceUrl"]).status_code == 200
    gewijzigd = sim.aanvraag(aanvraagId=eerste["aanvraagId"], saldo="999,00")
    fout = assert_fout(_meld(api, headers, gewijzigd["resourceUrl"], actie="update"), 409, "0.9.0", DOC)
    assert fout["code"] == "aanvraag-gewijzigd"
    assert len(gateway.aanvragen) == 1


def test_an_aanvraag_id_that_is_not_the_one_of_the_url(
    api: TestClient, headers: Headers, sim: Simulator, gateway: Gateway
) -> None:
    aanvraag = sim.aanvraag()
    bericht = sim.frontoffice.aanvragen[aanvraag["aanvraagId"].lower()].bericht
    bericht["LOaangevraagd"]["Aanvraagid"] = "0b4f5d36-2f1c-4c31-9a57-2d4d9c1d2e11"
    fout = assert_fout(_meld(api, headers, aanvraag["resourceUrl"]), 400, "0.9.0", DOC)
    assert fout["invalidParams"][0]["name"] == "LOaangevraagd.Aanvraagid"
    assert gateway.process_calls() == []


def test_process_layer_errors_pass_through_in_the_standards_shape(
    api: TestClient, headers: Headers, sim: Simulator, gateway: Gateway
) -> None:
    aanvraag = sim.aanvraag()
    gateway.fail_process = 503
    assert_fout(_meld(api, headers, aanvraag["resourceUrl"]), 503, "0.9.0", DOC)
    gateway.fail_process = 422
    assert_fout(_meld(api, headers, aanvraag["resourceUrl"]), 422, "0.9.0", DOC)
    gateway.fail_process = None
    assert _meld(api, headers, aanvraag["resourceUrl"]).status_code == 200

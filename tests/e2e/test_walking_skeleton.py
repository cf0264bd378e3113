"""The walking skeleton through all five layers, on real processes, through the gateway, with real tokens.

Test persons are RvIG BRP test persons (see deploy/simulator/README.md).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from gbi_runner import Suite

from .conftest import Http
from .otlp import OtlpReceiver

pytestmark = pytest.mark.e2e

ALLEENSTAANDE = "999995431"  # 's-Gravenhage (0518), lives alone, born 1978
ALLEENSTAANDE_OUDER = "999970902"  # Rotterdam (0599), daughter born 2023
PAAR_MET_KINDEREN = "999993112"  # Amsterdam (0363), partner 999994542, children 8 and 17
NIET_GBI = "999990913"  # lives in Haarlemmermeer, not a GBI gemeente
BUURMAN = "999990792"  # also 's-Gravenhage (0518): another citizen of the same gemeente

SIX = {"gbi-gateway", "gbi-interaction", "gbi-process", "gbi-integration", "gbi-domain", "gbi-data"}


def _problem(status: int, headers: dict[str, str], body: Any, expected: int) -> None:
    assert status == expected, body
    assert headers["content-type"].startswith("application/problem+json")
    assert body["status"] == expected
    for field in ("type", "title", "status"):
        assert field in body
    assert "Traceback" not in str(body)


def test_a_citizen_gets_an_estimate_through_all_five_layers_in_one_trace(
    gateway: Http, idp: Any, otlp: OtlpReceiver
) -> None:
    token = idp(actor_type="burger", bsn=ALLEENSTAANDE)
    status, headers, body = gateway.call(
        "POST", "/api/v1/proefberekeningen", token=token, body={"bsn": ALLEENSTAANDE, "peildatum": "2026-03-15"}
    )
    assert status == 201, body
    assert headers["api-version"] == "1.0.0"
    assert headers["location"] == f"/api/v1/proefberekeningen/{body['id']}"
    assert body["gemeente"] == "0518"
    berekening = body["berekening"]
    assert berekening["leefvorm"] == "alleenstaande"
    assert berekening["normcategorie"] == "M"
    assert berekening["norm"] == "1401.50"
    assert berekening["vakantietoeslagReservering"] == "70.08"
    assert berekening["bedragPerMaand"] == "1331.42"
    norm_line = next(r for r in berekening["toelichting"] if r["stap"] == "norm")
    assert norm_line["artikel"] == "Pw 21 a"
    assert norm_line["parameterversie"] == "M@2026-01-01"

    # One trace holds spans of all six processes.
    traceparent_trace = None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for trace_id in list(otlp.store.traces):
            if otlp.store.services_in(trace_id) >= SIX:
                traceparent_trace = trace_id
                break
        if traceparent_trace:
            break
        time.sleep(0.25)
    assert traceparent_trace is not None, {t: otlp.store.services_in(t) for t in otlp.store.traces}


def test_the_location_of_an_estimate_reads_it_back_only_for_those_who_may(gateway: Http, idp: Any) -> None:
    token = idp(actor_type="burger", bsn=ALLEENSTAANDE)
    status, headers, made = gateway.call(
        "POST", "/api/v1/proefberekeningen", token=token, body={"bsn": ALLEENSTAANDE, "peildatum": "2026-03-15"}
    )
    assert status == 201, made
    location = headers["location"]
    # The citizen and staff of the gemeente read back exactly what was made.
    den_haag = idp(actor_type="medewerker", gemeente="0518", roles="inkomensconsulent", name="I. Consulent")
    for reader in (token, den_haag):
        status, headers, body = gateway.call("GET", location, token=reader)
        assert status == 200, body
        assert headers["api-version"] == "1.0.0"
        assert body == made
        assert body["berekening"]["bedragPerMaand"] == "1331.42"
    # Another gemeente's staff, another citizen of the same gemeente, a citizen elsewhere: the same 404 as an id
    # that does not exist, so nothing reveals that the estimate exists.
    missing = gateway.call("GET", "/api/v1/proefberekeningen/00000000-0000-4000-8000-000000000000", token=den_haag)
    _problem(*missing, 404)
    for other in (
        idp(actor_type="medewerker", gemeente="0363", roles="klantmanager", name="A. Manager"),
        idp(actor_type="burger", bsn=BUURMAN),
        idp(actor_type="burger", bsn=ALLEENSTAANDE_OUDER),
    ):
        refused = gateway.call("GET", location, token=other)
        _problem(*refused, 404)
        assert (refused[2]["title"], refused[2]["detail"]) == (missing[2]["title"], missing[2]["detail"])
    # A role that makes no estimates; no token; an id that is no uuid (400 naming the parameter).
    auditor = idp(actor_type="medewerker", gemeente="0518", roles="auditor", name="A. Uditor")
    _problem(*gateway.call("GET", location, token=auditor), 403)
    _problem(*gateway.call("GET", location), 401)
    status, headers, body = gateway.call("GET", "/api/v1/proefberekeningen/geen-uuid", token=den_haag)
    _problem(status, headers, body, 400)
    assert [p["name"] for p in body["invalidParams"]] == ["proefberekeningId"]


def test_the_norm_follows_the_law_on_the_peildatum(gateway: Http, idp: Any) -> None:
    token = idp(actor_type="burger", bsn=ALLEENSTAANDE)
    for peildatum, norm in (("2025-12-31", "1369.06"), ("2026-01-01", "1401.50"), ("2026-07-01", "1419.46")):
        status, _, body = gateway.call(
            "POST", "/api/v1/proefberekeningen", token=token, body={"bsn": ALLEENSTAANDE, "peildatum": peildatum}
        )
        assert status == 201, body
        assert body["berekening"]["norm"] == norm


def test_households_from_the_brp_set_the_leefvorm(gateway: Http, idp: Any) -> None:
    status, _, body = gateway.call(
        "POST",
        "/api/v1/proefberekeningen",
        token=idp(actor_type="burger", bsn=ALLEENSTAANDE_OUDER),
        body={"bsn": ALLEENSTAANDE_OUDER, "peildatum": "2026-03-15"},
    )
    assert status == 201, body
    assert body["gemeente"] == "0599"
    assert body["berekening"]["leefvorm"] == "alleenstaande-ouder"
    status, _, body = gateway.call(
        "POST",
        "/api/v1/proefberekeningen",
        token=idp(actor_type="burger", bsn=PAAR_MET_KINDEREN),
        body={"bsn": PAAR_MET_KINDEREN, "peildatum": "2026-03-15"},
    )
    assert status == 201, body
    assert body["berekening"]["leefvorm"] == "gehuwden"
    assert body["berekening"]["norm"] == "2002.13"


def test_the_same_idempotency_key_gives_the_same_estimate(gateway: Http, idp: Any) -> None:
    token = idp(actor_type="burger", bsn=ALLEENSTAANDE)
    request = {"bsn": ALLEENSTAANDE, "peildatum": "2026-02-01"}
    first = gateway.call(
        "POST", "/api/v1/proefberekeningen", token=token, body=request, headers={"Idempotency-Key": "e2e-idem-1"}
    )
    second = gateway.call(
        "POST", "/api/v1/proefberekeningen", token=token, body=request, headers={"Idempotency-Key": "e2e-idem-1"}
    )
    assert first[0] == 201
    assert second[0] == 201
    assert first[2]["id"] == second[2]["id"]
    other = gateway.call(
        "POST",
        "/api/v1/proefberekeningen",
        token=token,
        body={**request, "peildatum": "2026-02-02"},
        headers={"Idempotency-Key": "e2e-idem-1"},
    )
    _problem(*other, 409)


def test_staff_estimate_only_for_inhabitants_of_their_own_gemeente(gateway: Http, idp: Any) -> None:
    den_haag = idp(actor_type="medewerker", gemeente="0518", roles="klantmanager", name="K. Manager")
    status, _, body = gateway.call(
        "POST", "/api/v1/proefberekeningen", token=den_haag, body={"bsn": ALLEENSTAANDE, "peildatum": "2026-03-15"}
    )
    assert status == 201, body
    amsterdam = idp(actor_type="medewerker", gemeente="0363", roles="klantmanager", name="A. Manager")
    not_theirs = gateway.call(
        "POST", "/api/v1/proefberekeningen", token=amsterdam, body={"bsn": ALLEENSTAANDE, "peildatum": "2026-03-15"}
    )
    unknown = gateway.call(
        "POST", "/api/v1/proefberekeningen", token=amsterdam, body={"bsn": "999999254", "peildatum": "2026-03-15"}
    )
    _problem(*not_theirs, 404)
    _problem(*unknown, 404)
    # Same answer for "not yours" and "does not exist": nothing reveals that the person exists elsewhere.
    assert not_theirs[2]["detail"] == unknown[2]["detail"]
    assert not_theirs[2]["title"] == unknown[2]["title"]


def test_bad_input_and_bad_callers_get_problem_json(gateway: Http, idp: Any) -> None:
    token = idp(actor_type="burger", bsn=ALLEENSTAANDE)
    _problem(*gateway.call("POST", "/api/v1/proefberekeningen", body={"bsn": ALLEENSTAANDE}), 401)
    _problem(*gateway.call("POST", "/api/v1/proefberekeningen", token="not-a-jwt", body={"bsn": ALLEENSTAANDE}), 401)
    status, headers, body = gateway.call("POST", "/api/v1/proefberekeningen", token=token, raw=b'{"bsn": ')
    _problem(status, headers, body, 400)
    status, headers, body = gateway.call("POST", "/api/v1/proefberekeningen", token=token, body={"bsn": "123456789"})
    _problem(status, headers, body, 400)
    assert [p["name"] for p in body["invalidParams"]] == ["bsn"]
    status, headers, body = gateway.call(
        "POST", "/api/v1/proefberekeningen", token=token, body={"bsn": ALLEENSTAANDE, "peildatum": "15-03-2026"}
    )
    _problem(status, headers, body, 400)
    assert [p["name"] for p in body["invalidParams"]] == ["peildatum"]
    # Someone else's BSN.
    _problem(*gateway.call("POST", "/api/v1/proefberekeningen", token=token, body={"bsn": ALLEENSTAANDE_OUDER}), 403)
    # A person who lives outside the GBI gemeenten.
    other = idp(actor_type="burger", bsn=NIET_GBI)
    _problem(*gateway.call("POST", "/api/v1/proefberekeningen", token=other, body={"bsn": NIET_GBI}), 422)
    _problem(*gateway.call("GET", "/api/v1/bestaat-niet", token=token), 404)
    # Internal routes do not exist for a citizen.
    _problem(*gateway.call("GET", "/internal/data/v1/gemeenten", token=token), 404)
    # A date the law tables do not cover.
    status, headers, body = gateway.call(
        "POST", "/api/v1/proefberekeningen", token=token, body={"bsn": ALLEENSTAANDE, "peildatum": "2031-01-01"}
    )
    _problem(status, headers, body, 422)


def test_the_public_openapi_is_served(gateway: Http) -> None:
    status, headers, body = gateway.call("GET", "/api/v1/openapi.json")
    assert status == 200
    assert headers["access-control-allow-origin"] == "*"
    assert body["openapi"].startswith("3.0")
    assert "/proefberekeningen" in body["paths"]


def test_a_stopped_layer_gives_503_quickly_and_recovers(suite: Suite, gateway: Http, idp: Any) -> None:
    token = idp(actor_type="burger", bsn=ALLEENSTAANDE)
    suite.kill("domain")
    try:
        started = time.monotonic()
        status, headers, body = gateway.call(
            "POST", "/api/v1/proefberekeningen", token=token, body={"bsn": ALLEENSTAANDE, "peildatum": "2026-03-15"}
        )
        elapsed = time.monotonic() - started
        _problem(status, headers, body, 503)
        assert elapsed < 10, elapsed
    finally:
        suite.restart("domain")
    status, _, body = gateway.call(
        "POST", "/api/v1/proefberekeningen", token=token, body={"bsn": ALLEENSTAANDE, "peildatum": "2026-03-15"}
    )
    assert status == 201, body

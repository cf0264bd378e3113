"""Pieces of the zaaksysteem adapter on their own: configuration, the JWT, answers, catalogue matching,
contracts."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jwt
import pytest
from opentelemetry import trace
from pydantic import SecretStr, ValidationError

from gbi_integration.resilience import CircuitBreaker
from gbi_integration.settings import IntegrationSettings
from gbi_integration.zgw.catalogus import _by, _current
from gbi_integration.zgw.config import ZgwGemeente, load_zgw_gemeenten
from gbi_integration.zgw.http import ZgwHttp, ZgwRejected, _answer
from gbi_shared._http import HttpResponse, HttpTransport
from gbi_shared.contracts.zaken import (
    ZaakDocumentVerzoek,
    ZaakRegistratieVerzoek,
    ZaakRolVerzoek,
    ZaakStatusNaam,
)
from gbi_shared.errors import NotFoundError, ServiceUnavailableError, UpstreamError
from gbi_testing import minimal_pdf

from .conftest import Sent, check_request

RSIN = "001103635"  # elfproef
SECRET = "s" * 32
CLIENT = ZgwGemeente(client_id="gbi-0363", secret=SecretStr(SECRET), rsin=RSIN)


def test_gemeente_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="elfproef"):
        ZgwGemeente(client_id="a", secret=SecretStr(SECRET), rsin="123456789")
    with pytest.raises(ValidationError, match="at least 32"):
        ZgwGemeente(client_id="a", secret=SecretStr("kort"), rsin=RSIN)
    with pytest.raises(ValidationError):
        ZgwGemeente(client_id="a b", secret=SecretStr(SECRET), rsin=RSIN)


def test_gemeenten_from_the_environment_and_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GBI_ZGW_GEMEENTEN", json.dumps({"0363": {"client_id": "a", "secret": SECRET, "rsin": RSIN}}))
    path = tmp_path / "zgw.json"
    path.write_text(json.dumps({"0599": {"client_id": "b", "secret": SECRET, "rsin": RSIN}}), encoding="utf-8")
    monkeypatch.setenv("GBI_ZGW_GEMEENTEN_FILE", str(path))
    settings = IntegrationSettings()
    merged = load_zgw_gemeenten(settings.zgw_gemeenten, settings.zgw_gemeenten_file)
    assert {k: v.client_id for k, v in merged.items()} == {"0363": "a", "0599": "b"}
    assert "s" * 32 not in repr(settings)  # the secret stays secret
    with pytest.raises(ValueError, match="CBS-gemeentecode"):
        load_zgw_gemeenten({"363": CLIENT}, None)


def test_the_zgw_jwt() -> None:
    http = ZgwHttp(
        HttpTransport(tracer=trace.get_tracer("t"), timeout_s=1),
        timeout_s=1,
        retries=0,
        breaker=CircuitBreaker("z", failures=1, cooldown_s=1),
        user_id="gbi-integration",
        user_representation="GBI integratielaag",
    )
    token = http.token(CLIENT)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == claims["client_id"] == "gbi-0363"
    assert abs(claims["iat"] - time.time()) < 5
    assert claims["user_id"] == "gbi-integration"
    assert claims["user_representation"] == "GBI integratielaag"


def _response(status: int, body: object = None, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    return HttpResponse(status, headers or {}, raw)


def test_answers_become_errors_of_gbi() -> None:
    assert _answer(_response(200, {"a": 1}), CLIENT) == {"a": 1}
    with pytest.raises(UpstreamError, match="onleesbaar"):
        _answer(_response(200, b"<html>"), CLIENT)
    with pytest.raises(NotFoundError):
        _answer(_response(404, {"detail": "Niet gevonden."}), CLIENT)
    with pytest.raises(ZgwRejected) as rejected:
        _answer(
            _response(400, {"invalidParams": [{"name": "identificatie", "code": "identificatie-niet-uniek"}]}), CLIENT
        )
    assert rejected.value.has_code("identificatie-niet-uniek")
    assert rejected.value.status == 502
    with pytest.raises(UpstreamError, match="weigert client gbi-0363"):
        _answer(_response(403, {"detail": "De handtekening van het JWT is ongeldig."}), CLIENT)
    with pytest.raises(ServiceUnavailableError) as unavailable:
        _answer(_response(503, None, {"Retry-After": "7"}), CLIENT)
    assert unavailable.value.headers["Retry-After"] == "7"
    with pytest.raises(ServiceUnavailableError):
        _answer(_response(429), CLIENT)
    with pytest.raises(UpstreamError, match="412"):
        _answer(_response(412, {"detail": "'Accept-Crs' header ontbreekt"}), CLIENT)


def test_the_catalogue_needs_every_type_gbi_uses() -> None:
    wanted = {ZaakStatusNaam.ONTVANGEN: "ontvangen", ZaakStatusNaam.AFGEHANDELD: "afgehandeld"}
    items = [{"omschrijving": "Ontvangen", "url": "u1"}, {"omschrijving": "Afgehandeld", "url": "u2"}]
    assert _by("0363", "statustype", items, "omschrijving", wanted) == {
        ZaakStatusNaam.ONTVANGEN: "u1",
        ZaakStatusNaam.AFGEHANDELD: "u2",
    }
    with pytest.raises(UpstreamError, match="mist statustype afgehandeld"):
        _by("0363", "statustype", items[:1], "omschrijving", wanted)


def test_the_current_zaaktype_version() -> None:
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    old = {"url": "v1", "beginGeldigheid": "2020-01-01", "eindeGeldigheid": (today - timedelta(days=1)).isoformat()}
    current = {"url": "v2", "beginGeldigheid": (today - timedelta(days=1)).isoformat(), "eindeGeldigheid": None}
    future = {"url": "v3", "beginGeldigheid": (today + timedelta(days=30)).isoformat()}
    concept = {"url": "v4", "beginGeldigheid": "2020-01-01", "concept": True}
    assert _current([old, current, future, concept])["url"] == "v2"
    assert _current([old, future]) is None


def test_contracts() -> None:
    verzoek = ZaakRegistratieVerzoek.model_validate(
        {
            "gemeente": "0363",
            "aanvraagReferentie": "ALO-1",
            "bsn": "999993653",
            "omschrijving": "x",
            "startdatum": "2025-06-02",
        }
    )
    assert verzoek.model_dump(by_alias=True)["aanvraagReferentie"] == "ALO-1"
    with pytest.raises(ValidationError):
        ZaakRegistratieVerzoek.model_validate(
            {
                "gemeente": "0363",
                "aanvraagReferentie": "x" * 37,
                "bsn": "999993653",
                "omschrijving": "x",
                "startdatum": "2025-06-02",
            }
        )
    with pytest.raises(ValidationError, match="precies een betrokkene"):
        ZaakRolVerzoek.model_validate({"gemeente": "0363", "roltype": "behandelaar"})
    pdf = base64.b64encode(minimal_pdf()).decode()
    assert ZaakDocumentVerzoek.model_validate({"gemeente": "0363", "titel": "t", "inhoud": pdf}).inhoud.startswith(
        b"%PDF-"
    )
    with pytest.raises(ValidationError, match="PDF"):
        ZaakDocumentVerzoek.model_validate(
            {"gemeente": "0363", "titel": "t", "inhoud": base64.b64encode(b"x").decode()}
        )
    huge = base64.b64encode(b"%PDF-" + b"0" * 700_000).decode()
    with pytest.raises(ValidationError, match="groter"):
        ZaakDocumentVerzoek.model_validate({"gemeente": "0363", "titel": "t", "inhoud": huge})


def test_the_request_checker_is_not_a_formality() -> None:
    base = "http://127.0.0.1:1/zgw/zaken/api/v1"
    sent_headers = {"Authorization": "Bearer x", "Content-Type": "application/json", "Accept-Crs": "EPSG:4326"}
    with pytest.raises(AssertionError, match="Content-Crs missing"):
        check_request(Sent("POST", f"{base}/zaken", sent_headers, {}))
    sent_headers["Content-Crs"] = "EPSG:4326"
    with pytest.raises(AssertionError, match="required property"):
        check_request(Sent("POST", f"{base}/zaken", sent_headers, {"bronorganisatie": RSIN}))
    with pytest.raises(AssertionError, match="query parameter kenmerk"):
        check_request(Sent("GET", f"{base}/zaken?kenmerk=x", sent_headers, None))
    with pytest.raises(AssertionError, match="not an operation"):
        check_request(Sent("DELETE", f"{base}/statussen/00000000-0000-4000-8000-000000000000", sent_headers, None))
    check_request(Sent("GET", f"{base}/zaken?identificatie=x&bronorganisatie={RSIN}", sent_headers, None))


def test_the_zgw_jwt_is_reused_for_a_minute_then_made_anew(monkeypatch: pytest.MonkeyPatch) -> None:
    from gbi_integration.zgw import http as zgw_http

    http = ZgwHttp(
        HttpTransport(tracer=trace.get_tracer("t"), timeout_s=1),
        timeout_s=1,
        retries=0,
        breaker=CircuitBreaker("z", failures=1, cooldown_s=1),
        user_id="gbi-integration",
        user_representation="GBI integratielaag",
    )
    now = 1_800_000_000.0
    monkeypatch.setattr(time, "time", lambda: now)
    first = http.token(CLIENT)
    now += zgw_http.TOKEN_REUSE_S - 1
    assert http.token(CLIENT) == first
    now += 1
    second = http.token(CLIENT)
    assert second != first
    claims = jwt.decode(second, SECRET, algorithms=["HS256"], options={"verify_iat": False})
    assert claims["iat"] == int(now)
    # Another secret (a rotated one) never gets the old token.
    rotated = CLIENT.model_copy(update={"secret": SecretStr("r" * 40)})
    assert http.token(rotated) != second
    jwt.decode(http.token(rotated), "r" * 40, algorithms=["HS256"], options={"verify_iat": False})

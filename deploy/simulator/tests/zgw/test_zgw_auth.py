"""ZGW client authentication (HS256 JWT with client_id, iss, iat) and access per gemeente."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from pydantic import ValidationError

from gbi_simulator.zgw.auth import load_zgw_clients

from .conftest import CRS, RSIN_A, Zgw, zgw_token

Rejections = Callable[[], list[dict[str, Any]]]
CATALOGUSSEN = "/catalogussen"


def _with(token: str | None) -> dict[str, str]:
    return {**CRS, **({"Authorization": f"Bearer {token}"} if token is not None else {})}


def test_a_valid_token_is_accepted(zgw: Zgw, rejections: Rejections) -> None:
    zgw.get("catalogi", CATALOGUSSEN, hdrs=_with(zgw_token("gbi-0363")), expect=200)
    zgw.get("catalogi", CATALOGUSSEN, hdrs=_with(zgw_token("beheer")), expect=200)
    assert rejections() == []


def test_no_token_is_403_not_authenticated(zgw: Zgw, rejections: Rejections) -> None:
    body = zgw.get("catalogi", CATALOGUSSEN, hdrs=_with(None), expect=403).body
    assert body["code"] == "not_authenticated"
    assert zgw.get("catalogi", CATALOGUSSEN, hdrs={"Authorization": "Basic abc"}, expect=403).body["code"] == (
        "not_authenticated"
    )
    assert [(r["status"], r["code"], r["clientId"]) for r in rejections()] == [
        (403, "not_authenticated", None),
        (403, "not_authenticated", None),
    ]


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (zgw_token("gbi-0363", secret="een-ander-geheim-van-minstens-32-tekens"), "handtekening"),
        (zgw_token("onbekend", secret="x" * 40), "onbekend"),
        (zgw_token("gbi-0363", iat=int(time.time()) - 7200), "verlopen"),
        (zgw_token("gbi-0363", iat=None), "iat"),
        (zgw_token("gbi-0363", iss=None), "iss"),
        (zgw_token("gbi-0363", iss="gbi-0599"), "iss en client_id"),
        (zgw_token("gbi-0363", client_id=None), "client_id"),
        (zgw_token("gbi-0363", iat=int(time.time()) + 3600), "ongeldig"),
        (
            jwt.encode(
                {"iss": "gbi-0363", "client_id": "gbi-0363", "iat": int(time.time())}, "k" * 64, algorithm="HS512"
            ),
            "HS256",
        ),
        (
            jwt.encode({"iss": "gbi-0363", "client_id": "gbi-0363", "iat": int(time.time())}, None, algorithm="none"),
            "HS256",
        ),
        ("geen.jwt.hier", "onleesbaar"),
    ],
)
def test_a_bad_token_is_403_permission_denied(zgw: Zgw, rejections: Rejections, token: str, reason: str) -> None:
    body = zgw.get("catalogi", CATALOGUSSEN, hdrs=_with(token), expect=403).body
    assert body["code"] == "permission_denied"
    assert reason in body["detail"]
    assert len(rejections()) == 1


def test_a_client_of_one_gemeente_uses_only_its_own_types_and_zaken(
    zgw: Zgw, catalogus: dict[str, Any], rejections: Rejections
) -> None:
    amsterdam = zgw.post(
        "zaken",
        "/zaken",
        {
            "bronorganisatie": RSIN_A,
            "verantwoordelijkeOrganisatie": RSIN_A,
            "zaaktype": catalogus["zaaktype"]["url"],
            "startdatum": "2025-06-02",
        },
        expect=201,
    ).body
    # Rotterdam's client may not register with Amsterdam's zaaktype, and does not see Amsterdam's zaak.
    denied = zgw.post(
        "zaken",
        "/zaken",
        {
            "bronorganisatie": RSIN_A,
            "verantwoordelijkeOrganisatie": RSIN_A,
            "zaaktype": catalogus["zaaktype"]["url"],
            "startdatum": "2025-06-02",
        },
        as_client="gbi-0599",
        expect=403,
    ).body
    assert denied["code"] == "permission_denied"
    zgw.get("zaken", "/zaken/{uuid}", path=f"/zaken/{amsterdam['uuid']}", as_client="gbi-0599", expect=404)
    listed = zgw.get("zaken", "/zaken", params={"identificatie": amsterdam["identificatie"]}, as_client="gbi-0599")
    assert listed.body["count"] == 0
    # A client without a gemeente (beheer) sees everything.
    zgw.get("zaken", "/zaken/{uuid}", path=f"/zaken/{amsterdam['uuid']}", as_client="beheer", expect=200)
    rol = zgw.post(
        "zaken",
        "/rollen",
        {
            "zaak": amsterdam["url"],
            "roltype": catalogus["roltypen"]["Aanvrager"],
            "betrokkeneType": "natuurlijk_persoon",
            "roltoelichting": "x",
            "betrokkeneIdentificatie": {"inpBsn": "999993653"},
        },
        as_client="gbi-0599",
        expect=400,
    ).body
    assert rol["invalidParams"][0] == {
        "name": "zaak",
        "code": "bad-url",
        "reason": "De URL is ongeldig: er bestaat daar geen object.",
    }
    assert [r["status"] for r in rejections()] == [403, 404, 400]


def test_the_clients_file(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    path.write_text(json.dumps([{"client_id": "a", "secret": "s" * 32, "gemeente": "0363"}]), encoding="utf-8")
    assert set(load_zgw_clients(path)) == {"a"}
    assert load_zgw_clients(None) == {}
    path.write_text(json.dumps([{"client_id": "a", "secret": "kort"}]), encoding="utf-8")
    with pytest.raises(ValidationError, match="at least 32"):
        load_zgw_clients(path)
    path.write_text(json.dumps([{"client_id": "a", "secret": "s" * 32, "gemeente": "9999"}]), encoding="utf-8")
    with pytest.raises(ValidationError, match="GBI gemeenten"):
        load_zgw_clients(path)
    twice = [{"client_id": "a", "secret": "s" * 32}, {"client_id": "a", "secret": "t" * 32}]
    path.write_text(json.dumps(twice), encoding="utf-8")
    with pytest.raises(ValueError, match="twice"):
        load_zgw_clients(path)


# ------------------------------------------------------------------------------------------ remembered tokens

SECRET = "s" * 40


def _authenticator(max_age_s: int = 3600) -> Any:
    from gbi_simulator.zgw.auth import ZgwAuthenticator, ZgwClient

    client = ZgwClient.model_validate({"client_id": "gbi-0363", "secret": SECRET, "gemeente": "0363"})
    return ZgwAuthenticator({"gbi-0363": client}, max_age_s=max_age_s)


def _token(**claims: Any) -> str:
    base: dict[str, Any] = {"iss": "gbi-0363", "client_id": "gbi-0363", "iat": int(time.time())}
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, SECRET, algorithm="HS256")


def _verdict(auth: Any, token: str) -> str:
    from gbi_simulator.zgw.problems import ZgwProblem

    try:
        client, claims = auth.authenticate(f"Bearer {token}")
    except ZgwProblem as problem:
        return f"{problem.status} {problem.code}"
    return f"ok {client.client_id} {claims['iat']}"


def test_a_token_seen_again_is_not_verified_again_but_answers_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    auth = _authenticator()
    token = _token()
    first = _verdict(auth, token)
    decodes: list[str] = []
    real = jwt.decode

    def counted(*args: Any, **kwargs: Any) -> Any:
        decodes.append("decode")
        return real(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counted)
    assert _verdict(auth, token) == first
    assert first.startswith("ok gbi-0363")
    assert decodes == []  # remembered: no decode, no signature check
    # The claims handed out are a copy: a handler changing them changes nothing remembered.
    _, claims = auth.authenticate(f"Bearer {token}")
    claims["iss"] = "ander"
    assert auth.authenticate(f"Bearer {token}")[1]["iss"] == "gbi-0363"


def test_a_remembered_token_that_grew_too_old_is_refused_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    auth = _authenticator(max_age_s=60)
    token = _token()
    assert _verdict(auth, token).startswith("ok")
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 60 + 60 + 5)  # past max age plus leeway
    fresh = _authenticator(max_age_s=60)
    assert _verdict(auth, token) == _verdict(fresh, token) == "403 permission_denied"


def test_a_remembered_token_past_its_exp_is_refused_as_before() -> None:
    from gbi_simulator.zgw.auth import ZgwAuthenticator

    auth = _authenticator()
    auth = ZgwAuthenticator(auth.clients, max_age_s=3600, leeway_s=0)
    token = _token(exp=int(time.time()) + 2)
    assert _verdict(auth, token).startswith("ok")
    time.sleep(2.2)  # PyJWT reads the real clock: the token expires for real
    fresh = ZgwAuthenticator(auth.clients, max_age_s=3600, leeway_s=0)
    assert _verdict(auth, token) == _verdict(fresh, token) == "403 permission_denied"


def test_a_refused_token_is_never_remembered_and_a_changed_byte_is_another_token() -> None:
    auth = _authenticator()
    good = _token()
    assert _verdict(auth, good).startswith("ok")
    header, payload, signature = good.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    for _ in range(2):
        assert _verdict(auth, f"{header}.{payload}.{flipped}") == "403 permission_denied"
    assert _verdict(auth, _token(iss="gbi-0599")) == "403 permission_denied"
    assert len(auth._verified) == 1  # only the good one

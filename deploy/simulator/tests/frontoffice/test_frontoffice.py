"""The simulated front office: the messages it serves are what aanvragen 1.2.1 describes (the valid ones valid in
both official artefacts, the broken ones broken exactly where they say), its API answers as the standard asks,
and the notification it sends is a notificatie 0.9.0 Message with an integrator's token."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from gbi_simulator.frontoffice import ONGELDIG, VARIANTEN

from .conftest import TODAY, TOKEN, FakeGbi, fouten, json_schema, oas

KATINKA = "999994116"  # Rotterdam
CONTROL = "/simulator/frontoffice"
AANVRAGEN = "levensonderhoud-aanvragen-1.2.1.yaml"


def _maak(client: TestClient, **body: Any) -> dict[str, Any]:
    resp = client.post(f"{CONTROL}/aanvragen", json={"bsn": KATINKA, **body})
    assert resp.status_code == 201, resp.text
    result: dict[str, Any] = resp.json()
    return result


def _pull(client: TestClient, aanvraag_id: str, token: str | None = TOKEN) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"/frontoffice/api/AanvragenLevensonderhoudBehandeld/{aanvraag_id}", headers=headers)


def _personen(app: FastAPI, n: int) -> list[str]:
    """Test persons of several kinds: with a partner, with children, in different gemeenten."""
    store = app.state.store
    gekozen: list[str] = []
    soorten = (
        lambda p: bool(p.persoon.get("partners")),
        lambda p: bool(p.persoon.get("kinderen")),
        lambda p: not p.persoon.get("partners") and not p.persoon.get("kinderen"),
    )
    for soort in soorten:
        for p in store:
            geboorte = ((p.persoon.get("geboorte") or {}).get("datum") or {}).get("type")
            if soort(p) and geboorte == "Datum" and p.persoon.get("gemeenteVanInschrijving") and not p.overleden:
                gekozen.append(p.bsn)
                if len(gekozen) % n == 0:
                    break
    return gekozen


def test_valid_messages_of_many_test_persons_are_valid_in_both_official_documents(
    app: FastAPI, client: TestClient
) -> None:
    for bsn in [KATINKA, *_personen(app, 8)]:
        for variant in ("geldig", "omhuld"):
            made = _maak(client, bsn=bsn, variant=variant, inkomenPerMaand="125,50")
            bericht = made["bericht"]
            assert not fouten(json_schema(), bericht if variant == "omhuld" else {"ZaakLOAangevraagd": bericht})
            zaak = bericht["ZaakLOAangevraagd"] if variant == "omhuld" else bericht
            assert not fouten(oas(AANVRAGEN, "ZaakLOAangevraagd"), zaak), bsn
            lo = zaak["LOaangevraagd"]
            assert lo["Aanvraagid"] == made["aanvraagId"]
            assert lo["CodeOntvangendeGemeente"] == made["gemeente"]
            assert lo["Huishouding"]["Aanvrager"]["Burgerservicenummer"] == bsn
            assert lo["Aanvraagdatum"] == TODAY.isoformat()


@pytest.mark.parametrize("variant", sorted(ONGELDIG))
def test_a_broken_variant_is_broken_where_it_says(variant: str, client: TestClient) -> None:
    bericht = _maak(client, variant=variant)["bericht"]
    veld = ONGELDIG[variant].split(".")
    if variant in ("elfproef", "ongeldig-iban"):
        # Valid for the schema; wrong for what the field means (the elfproef, the IBAN check digits).
        assert not fouten(json_schema(), {"ZaakLOAangevraagd": bericht})
        return
    found = fouten(json_schema(), {"ZaakLOAangevraagd": bericht})
    pad = ".".join(["ZaakLOAangevraagd", *veld])
    assert any(f == pad or f == ".".join(pad.split(".")[:-1]) for f in found), (found, pad)
    assert fouten(oas(AANVRAGEN, "ZaakLOAangevraagd"), bericht)


def test_every_variant_is_known() -> None:
    assert set(ONGELDIG) < set(VARIANTEN)


def test_the_front_office_api_wants_gbis_token(client: TestClient) -> None:
    made = _maak(client)
    aid = made["aanvraagId"]
    for token in (None, "verkeerd-token"):
        resp = _pull(client, aid, token)
        assert resp.status_code == 401
        assert resp.headers["api-version"] == "1.2.1"
        assert resp.headers["content-type"] == "application/problem+json"
        assert not fouten(oas(AANVRAGEN, "Fout"), resp.json())
    resp = _pull(client, "9b1d0000-0000-4000-8000-00000000dead")
    assert resp.status_code == 404
    assert not fouten(oas(AANVRAGEN, "Fout"), resp.json())
    resp = _pull(client, aid.upper())
    assert resp.status_code == 200
    assert resp.headers["api-version"] == "1.2.1"
    assert resp.json() == made["bericht"]
    assert client.get(f"{CONTROL}/aanvragen/{aid}").json()["opgehaald"] == 1


def test_faults_on_demand(client: TestClient) -> None:
    aid = _maak(client)["aanvraagId"]
    assert client.put(f"{CONTROL}/storing", json={"modus": "niet-beschikbaar", "aantal": 1}).status_code == 200
    assert _pull(client, aid).status_code == 503
    assert _pull(client, aid).status_code == 200
    client.put(f"{CONTROL}/storing", json={"modus": "traag", "vertragingS": 0.05})
    assert _pull(client, aid).status_code == 200
    client.put(f"{CONTROL}/storing", json={"modus": "geen"})
    assert client.get(f"{CONTROL}/aanvragen/{aid}").json()["opgehaald"] == 2


def test_the_notification_is_a_message_with_an_integrator_token(
    app: FastAPI, client: TestClient, fake_gbi: FakeGbi
) -> None:
    made = _maak(client, bsn="999993653", gemeente="0363", verstuur=True)
    verzonden = made["verzonden"]
    assert verzonden["status"] == 200
    assert verzonden["headers"]["API-version"] == "0.9.0"
    assert verzonden["body"]["kenmerken"]["gbiAanvraagId"]
    ((headers, body),) = fake_gbi.received
    assert not fouten(oas("notificatie-0.9.0.yaml", "Message"), body)
    assert body["resourceUrl"] == made["resourceUrl"] == body["hoofdObject"]
    assert body["resourceUrl"].endswith(f"/frontoffice/api/AanvragenLevensonderhoudBehandeld/{made['aanvraagId']}")
    assert body["kenmerken"] == {"codeOntvangendeGemeente": "0363"}
    scheme, _, token = headers["authorization"].partition(" ")
    assert scheme == "Bearer"
    key = jwt.PyJWK(app.state.idp.jwks()["keys"][0])
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience="gbi", issuer=app.state.idp.issuer)
    assert claims["gbi_actor_type"] == "systeem"
    assert claims["gemeente"] == "0363"
    assert claims["roles"] == ["integrator"]
    assert claims["sub"] == "integrator-0363"

    # Again, as an update; and for a gemeente whose only systeem client is not called integrator-<code>.
    again = client.post(f"{CONTROL}/aanvragen/{made['aanvraagId']}/notificatie", json={"actie": "update"})
    assert again.json()["notificatie"]["actie"] == "update"
    _maak(client, verstuur=True)
    claims = jwt.decode(fake_gbi.received[-1][0]["authorization"][7:], options={"verify_signature": False})
    assert claims["sub"] == "gzac-0599"


def test_no_integrator_no_notification_and_unknown_persons(client: TestClient, fake_gbi: FakeGbi) -> None:
    resp = client.post(f"{CONTROL}/aanvragen", json={"bsn": KATINKA, "gemeente": "0344", "verstuur": True})
    assert resp.status_code == 409
    assert fake_gbi.received == []
    assert client.post(f"{CONTROL}/aanvragen", json={"bsn": "123456782"}).status_code == 404
    assert client.post(f"{CONTROL}/aanvragen", json={"bsn": KATINKA, "variant": "onzin"}).status_code == 400
    assert client.get(f"{CONTROL}/aanvragen/onbekend").status_code == 404


def test_gbi_refusing_is_passed_back(client: TestClient, fake_gbi: FakeGbi) -> None:
    fake_gbi.status = 400
    verzonden = _maak(client, verstuur=True)["verzonden"]
    assert verzonden["status"] == 400

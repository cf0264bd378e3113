"""A gemeente's payer account in the data service (``PUT``/``GET /internal/data/v1/betaalrekeningen/{gemeente}``), on
SQLite and (with GBI_TEST_DATABASE_URL) PostgreSQL: a beheerder (its context forwarded) or a GBI service registers
and replaces it for its own gemeente only; every field is checked (400 naming it) and a bad body changes nothing;
the same account again changes nothing; each change is in the gemeente's audit log; and it cannot change while a
run of the gemeente has no SEPA file yet (409). A run can start once the account is there."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gbi_data.settings import DataSettings
from gbi_shared import ActorType

V1 = "/internal/data/v1"
AMS, RDAM = "0363", "0599"
REKENING = {"iban": "nl91 abna 0417 1643 00", "bic": "abnanl2a", "naam": "Gemeente Amsterdam", "toelichting": "x"}


def _beheerder(context_headers: Any, gemeente: str = AMS, roles: tuple[str, ...] = ("beheerder",)) -> dict[str, str]:
    return context_headers(actor_id=f"beheerder-{gemeente}", gemeente=gemeente, roles=roles, via="gbi-process")


def _service(context_headers: Any, gemeente: str | None = AMS) -> dict[str, str]:
    return context_headers(
        actor_id="gbi-process", actor_type=ActorType.SERVICE, roles=("gbi-service",), gemeente=gemeente, via=None
    )


def _audit(client: TestClient, context_headers: Any, gemeente: str = AMS) -> list[dict[str, Any]]:
    r = client.get(
        f"{V1}/audit",
        params={"operation": "betaalrekening.vastleggen"},
        headers=context_headers(gemeente=gemeente, roles=("auditor",)),
    )
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _lees(client: TestClient, context_headers: Any, gemeente: str = AMS) -> Any:
    return client.get(f"{V1}/betaalrekeningen/{gemeente}", headers=_service(context_headers, gemeente))


def test_a_beheerder_registers_and_changes_the_account_idempotently_and_audited(
    client: TestClient, context_headers: Any, migrated: DataSettings
) -> None:
    assert _lees(client, context_headers).status_code == 404
    r = client.put(f"{V1}/betaalrekeningen/{AMS}", json=REKENING, headers=_beheerder(context_headers))
    assert r.status_code == 200, r.text
    opgeslagen = {
        "gemeente": AMS,
        "iban": "NL91ABNA0417164300",
        "bic": "ABNANL2A",
        "naam": "Gemeente Amsterdam",
        "toelichting": "x",
    }
    assert r.json() == opgeslagen
    assert _lees(client, context_headers).json() == opgeslagen
    # the same account again: the same answer, no second audit entry
    again = client.put(f"{V1}/betaalrekeningen/{AMS}", json=REKENING, headers=_beheerder(context_headers))
    assert again.status_code == 200
    assert again.json() == opgeslagen
    entries = _audit(client, context_headers)
    assert [(e["actor"], e["outcome"]) for e in entries] == [(f"beheerder-{AMS}", "created")]
    # a change (no BIC any more) replaces the whole account and is audited as such
    anders = {"iban": "NL02ABNA0123456789", "naam": "Gemeente Amsterdam (Sociaal Domein)"}
    r = client.put(f"{V1}/betaalrekeningen/{AMS}", json=anders, headers=_beheerder(context_headers))
    assert r.status_code == 200, r.text
    assert _lees(client, context_headers).json() == {
        "gemeente": AMS,
        "iban": "NL02ABNA0123456789",
        "bic": None,
        "naam": "Gemeente Amsterdam (Sociaal Domein)",
        "toelichting": "",
    }
    assert [e["outcome"] for e in _audit(client, context_headers)] == ["created", "updated"]
    assert _audit(client, context_headers, RDAM) == []


@pytest.mark.parametrize(
    ("wijziging", "veld"),
    [
        ({"iban": "NL91ABNA0417164301"}, "iban"),  # mod 97 fails
        ({"iban": "DE89370400440532013000"}, "iban"),  # a valid IBAN, not Dutch
        ({"iban": "NL91ABNA041716430"}, "iban"),  # 17 characters
        ({"iban": ""}, "iban"),
        ({"bic": "ABNA"}, "bic"),
        ({"bic": "DEUTDEFF"}, "bic"),  # a German bank for a Dutch IBAN
        ({"naam": "Gemeente Súdwest-Fryslân"}, "naam"),  # outside the SEPA Latin set
        ({"naam": "Gemeente & Co"}, "naam"),
        ({"naam": "G" * 71}, "naam"),
        ({"naam": "   "}, "naam"),
        ({"toelichting": "x" * 501}, "toelichting"),
        ({"toelichting": "geopend\x00"}, "toelichting"),
        ({"gemeente": RDAM}, "gemeente"),  # unknown field: a body never names another gemeente
    ],
)
def test_a_bad_account_is_refused_naming_the_field_and_changes_nothing(
    client: TestClient, context_headers: Any, migrated: DataSettings, wijziging: dict[str, Any], veld: str
) -> None:
    client.put(f"{V1}/betaalrekeningen/{AMS}", json=REKENING, headers=_beheerder(context_headers))
    voor = _lees(client, context_headers).json()
    r = client.put(f"{V1}/betaalrekeningen/{AMS}", json={**REKENING, **wijziging}, headers=_beheerder(context_headers))
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [p["name"] for p in r.json()["invalidParams"]] == [veld]
    assert _lees(client, context_headers).json() == voor
    assert len(_audit(client, context_headers)) == 1


def test_only_the_own_gemeentes_beheerder_or_a_service_changes_it(
    client: TestClient, context_headers: Any, migrated: DataSettings
) -> None:
    for roles in (("klantmanager",), ("teamleider", "auditor", "inkomensconsulent", "handhaver")):
        r = client.put(f"{V1}/betaalrekeningen/{AMS}", json=REKENING, headers=_beheerder(context_headers, AMS, roles))
        assert r.status_code == 403, (roles, r.text)
    burger = context_headers(actor_type=ActorType.BURGER, roles=(), bsn="999993112", gemeente=AMS)
    assert client.put(f"{V1}/betaalrekeningen/{AMS}", json=REKENING, headers=burger).status_code == 403
    # a beheerder of Rotterdam, and a service bound to Rotterdam, cannot touch Amsterdam's account
    for headers in (_beheerder(context_headers, RDAM), _service(context_headers, RDAM)):
        r = client.put(f"{V1}/betaalrekeningen/{AMS}", json=REKENING, headers=headers)
        assert r.status_code == 403, r.text
        assert client.get(f"{V1}/betaalrekeningen/{AMS}", headers=headers).status_code == 403
    assert _lees(client, context_headers).status_code == 404
    # a GBI service for the gemeente may (an operator's tooling); the audit names it
    r = client.put(f"{V1}/betaalrekeningen/{AMS}", json=REKENING, headers=_service(context_headers, AMS))
    assert r.status_code == 200, r.text
    assert [e["actor"] for e in _audit(client, context_headers)] == ["gbi-process"]


def test_a_run_starts_once_the_account_is_there_and_blocks_changes_until_its_file(
    client: TestClient, context_headers: Any, migrated: DataSettings
) -> None:
    svc = _service(context_headers, None)
    body = {"maand": "2026-07", "gemeenten": [AMS], "betaaldatum": "2026-06-25"}
    geen = client.post(f"{V1}/betaalruns", json=body, headers={**svc, "Idempotency-Key": "r0"})
    assert geen.status_code == 422
    assert geen.json()["code"] == "geen-betaalrekening"
    assert (
        client.put(f"{V1}/betaalrekeningen/{AMS}", json=REKENING, headers=_beheerder(context_headers)).status_code
        == 200
    )
    run = client.post(f"{V1}/betaalruns", json=body, headers={**svc, "Idempotency-Key": "r1"})
    assert run.status_code == 201, run.text
    run_id = run.json()["id"]
    anders = {**REKENING, "iban": "NL02ABNA0123456789"}
    r = client.put(f"{V1}/betaalrekeningen/{AMS}", json=anders, headers=_beheerder(context_headers))
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "betaalrun-loopt"
    assert _lees(client, context_headers).json()["iban"] == "NL91ABNA0417164300"
    # the same account again is no change, so it is answered even now
    assert (
        client.put(f"{V1}/betaalrekeningen/{AMS}", json=REKENING, headers=_beheerder(context_headers)).status_code
        == 200
    )
    # once the gemeente's SEPA file is made, the account may change again
    klaar = {"status": "bestand", "aantal": 0, "totaalCents": 0, "messageId": "GBI-TEST-1"}
    r = client.put(f"{V1}/betaalruns/{run_id}/gemeenten/{AMS}", json=klaar, headers=svc)
    assert r.status_code == 200, r.text
    r = client.put(f"{V1}/betaalrekeningen/{AMS}", json=anders, headers=_beheerder(context_headers))
    assert r.status_code == 200, r.text
    assert [e["outcome"] for e in _audit(client, context_headers)] == ["created", "updated"]

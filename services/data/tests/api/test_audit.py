"""The processing log over HTTP: other layers append access records; auditors page through their own gemeente's
log and verify its chain, which reports tampering."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from gbi_data.database import normalise_url
from gbi_data.settings import DataSettings
from gbi_shared import ActorType

PATH = "/internal/data/v1/audit"
BSN = "999993653"


@pytest.fixture
def tamper(migrated: DataSettings) -> Iterator[Callable[..., Any]]:
    """SQL as an intruder with the owner's rights who first switches off the append-only triggers (PostgreSQL,
    migration 0007): what is left to catch the change is the hash chain."""
    engine = create_engine(normalise_url(migrated.database_url))

    def run(sql: str, gemeente: str = "0363") -> None:
        with engine.begin() as connection:
            postgres = connection.dialect.name == "postgresql"
            if postgres:
                connection.execute(text("SELECT set_config('gbi.gemeente', :g, true)"), {"g": gemeente})
                connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            connection.execute(text(sql))
            if postgres:
                connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))

    yield run
    engine.dispose()


def append(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = client.post(
        PATH,
        json={"operation": "brp.personen.raadplegen", "processingActivity": "gbi.aanvraag"} | fields,
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_append_takes_actor_gemeente_and_purpose_from_the_context(client: TestClient, context_headers) -> None:
    headers = context_headers(
        actor_type=ActorType.SERVICE, actor_id="gbi-integration", roles=("gbi-service",), purpose="aanvraag-bijstand"
    )
    record = append(client, headers, bsn=BSN, status="OK", outcome="found", traceId="a" * 32, spanId="b" * 16)
    assert record["gemeente"] == "0363"
    assert record["actor"] == "gbi-integration"
    assert record["actorType"] == "service"
    assert record["purpose"] == "aanvraag-bijstand"
    assert record["dataSubjectType"] == "BSN"
    assert record["dataSubjectId"] != BSN
    assert len(record["dataSubjectId"]) == 64
    assert (record["traceId"], record["spanId"]) == ("a" * 32, "b" * 16)
    assert record["seq"] == 1
    assert record["prevHash"] == "0" * 64


def test_the_body_cannot_name_actor_or_gemeente(client: TestClient, context_headers) -> None:
    response = client.post(
        PATH,
        json={"operation": "x", "processingActivity": "y", "actor": "someone-else", "gemeente": "0599"},
        headers=context_headers(),
    )
    assert response.status_code == 400
    assert {p["name"] for p in response.json()["invalidParams"]} == {"actor", "gemeente"}


def test_auditors_see_only_their_own_gemeente(client: TestClient, context_headers) -> None:
    append(client, context_headers(gemeente="0363"))
    append(client, context_headers(gemeente="0599"))
    append(client, context_headers(gemeente="0599"))
    amsterdam = client.get(PATH, headers=context_headers(gemeente="0363", roles=("auditor",))).json()["items"]
    rotterdam = client.get(PATH, headers=context_headers(gemeente="0599", roles=("auditor",))).json()["items"]
    assert [e["gemeente"] for e in amsterdam] == ["0363"]
    assert [(e["gemeente"], e["seq"]) for e in rotterdam] == [("0599", 1), ("0599", 2)]


def test_pagination(client: TestClient, context_headers) -> None:
    for i in range(5):
        append(client, context_headers(), outcome=f"o{i}")
    auditor = context_headers(roles=("auditor",))
    seen: list[int] = []
    after = 0
    pages = 0
    while True:
        page = client.get(PATH, params={"pageSize": 2, "after": after}, headers=auditor).json()
        seen += [e["seq"] for e in page["items"]]
        pages += 1
        if page["nextAfter"] is None:
            break
        after = page["nextAfter"]
    assert seen == [1, 2, 3, 4, 5]
    assert pages == 3
    filtered = client.get(PATH, params={"operation": "nothing.like.this"}, headers=auditor).json()
    assert filtered == {"items": [], "nextAfter": None}
    assert client.get(PATH, params={"pageSize": 0}, headers=auditor).status_code == 400
    assert client.get(PATH, params={"pageSize": 501}, headers=auditor).status_code == 400


def test_verify_reports_a_valid_chain_and_then_the_tampered_entry(
    client: TestClient, context_headers, tamper: Callable[..., Any]
) -> None:
    for _ in range(3):
        append(client, context_headers(), bsn=BSN)
    auditor = context_headers(roles=("auditor",))
    assert client.get(f"{PATH}/verify", headers=auditor).json() == {
        "gemeente": "0363",
        "valid": True,
        "checked": 3,
        "lastSeq": 3,
        "firstInvalidSeq": None,
        "reason": None,
    }
    tamper("UPDATE audit_log SET actor = 'iemand anders' WHERE gemeente = '0363' AND seq = 2")
    report = client.get(f"{PATH}/verify", headers=auditor).json()
    assert report["valid"] is False
    assert report["firstInvalidSeq"] == 2
    assert report["checked"] == 1
    # Rotterdam's chain is its own and unaffected.
    append(client, context_headers(gemeente="0599"))
    assert client.get(f"{PATH}/verify", headers=context_headers(gemeente="0599", roles=("auditor",))).json()["valid"]


def test_verify_detects_a_deleted_entry(client: TestClient, context_headers, tamper: Callable[..., Any]) -> None:
    for _ in range(3):
        append(client, context_headers())
    tamper("DELETE FROM audit_log WHERE gemeente = '0363' AND seq = 3")
    report = client.get(f"{PATH}/verify", headers=context_headers(roles=("auditor",))).json()
    assert report["valid"] is False
    assert report["firstInvalidSeq"] == 3


# --- several entries at once (one gathering of sources) --------------------------------------------------------------

BATCH = f"{PATH}:batch"


def _item(operation: str, **fields: Any) -> dict[str, Any]:
    return {"operation": operation, "processingActivity": "participatiewet.aanvraag-levensonderhoud/zaak:Z-1"} | fields


def _service(context_headers, gemeente: str = "0363") -> dict[str, str]:
    return context_headers(
        actor_type=ActorType.SERVICE,
        actor_id="gbi-process",
        roles=("gbi-service",),
        gemeente=gemeente,
        purpose="aanvraag-levensonderhoud",
        via="gbi-integration",
    )


def test_a_batch_is_appended_in_order_in_one_chain(client: TestClient, context_headers) -> None:
    append(client, context_headers())  # seq 1, a single append before it
    items = [
        _item("bronnen.inkomsten", bsn=BSN, traceId="a" * 32, spanId="b" * 16),
        _item("bronnen.voertuigen", bsn=BSN, status="ERROR", outcome="service-unavailable"),
        _item("bronnen.ib-signalen.feed"),  # about nobody
    ]
    response = client.post(BATCH, json={"items": items}, headers=_service(context_headers))
    assert response.status_code == 201, response.text
    written = response.json()["items"]
    assert [(e["seq"], e["operation"], e["status"], e["outcome"]) for e in written] == [
        (2, "bronnen.inkomsten", "OK", "success"),
        (3, "bronnen.voertuigen", "ERROR", "service-unavailable"),
        (4, "bronnen.ib-signalen.feed", "OK", "success"),
    ]
    assert {(e["gemeente"], e["actor"], e["actorType"], e["purpose"]) for e in written} == {
        ("0363", "gbi-process", "service", "aanvraag-levensonderhoud")
    }
    assert written[0]["dataSubjectId"] == written[1]["dataSubjectId"] != BSN
    assert (written[0]["traceId"], written[0]["spanId"]) == ("a" * 32, "b" * 16)
    assert (written[2]["dataSubjectId"], written[2]["dataSubjectType"]) == (None, None)
    assert written[1]["prevHash"] == written[0]["hash"]
    assert written[2]["prevHash"] == written[1]["hash"]
    append(client, context_headers())  # seq 5 links to the batch's last entry
    auditor = context_headers(roles=("auditor",))
    log = client.get(PATH, headers=auditor).json()["items"]
    assert [e["seq"] for e in log] == [1, 2, 3, 4, 5]
    assert log[1:4] == written  # the answer is what was stored, field by field (plain records, not ORM objects)
    assert log[1]["prevHash"] == log[0]["hash"]
    assert log[4]["prevHash"] == log[3]["hash"] == written[2]["hash"]
    report = client.get(f"{PATH}/verify", headers=auditor).json()
    assert (report["valid"], report["checked"], report["lastSeq"]) == (True, 5, 5)


def test_a_batch_goes_to_the_callers_gemeente_only(client: TestClient, context_headers) -> None:
    append(client, context_headers(gemeente="0363"))
    response = client.post(
        BATCH, json={"items": [_item("bronnen.inkomsten", bsn=BSN)] * 2}, headers=_service(context_headers, "0599")
    )
    assert response.status_code == 201, response.text
    assert [(e["gemeente"], e["seq"]) for e in response.json()["items"]] == [("0599", 1), ("0599", 2)]
    amsterdam = client.get(PATH, headers=context_headers(gemeente="0363", roles=("auditor",))).json()["items"]
    rotterdam = client.get(PATH, headers=context_headers(gemeente="0599", roles=("auditor",))).json()["items"]
    assert [(e["gemeente"], e["seq"]) for e in amsterdam] == [("0363", 1)]
    assert [(e["gemeente"], e["seq"]) for e in rotterdam] == [("0599", 1), ("0599", 2)]
    for gemeente in ("0363", "0599"):
        assert client.get(f"{PATH}/verify", headers=context_headers(gemeente=gemeente, roles=("auditor",))).json()[
            "valid"
        ]
    # Without a gemeente in the context there is no chain to write to.
    refused = client.post(BATCH, json={"items": [_item("bronnen.inkomsten")]}, headers=context_headers(gemeente=None))
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "invalid"),
    [
        ({"items": [_item("bronnen.inkomsten", bsn=BSN), _item("bronnen.rdw", bsn="123456789")]}, "items.1.bsn"),
        ({"items": [_item("bronnen.inkomsten"), _item("bronnen.rdw", status="MISSCHIEN")]}, "items.1.status"),
        ({"items": [_item("bronnen.inkomsten"), _item("bronnen.rdw", actor="iemand-anders")]}, "items.1.actor"),
        ({"items": [_item("bronnen.inkomsten"), {"operation": "bronnen.rdw"}]}, "items.1.processingActivity"),
        ({"items": [_item("bronnen.inkomsten"), _item("bron met spatie")]}, "items.1.operation"),
        # What the store refuses too (ADR 0046): from a caller, a 400 before it gets there.
        ({"items": [_item("bronnen.inkomsten"), _item("o" * 201)]}, "items.1.operation"),
        ({"items": [_item("bronnen.inkomsten"), _item("o" * 200 + "  ")]}, "items.1.operation"),
        ({"items": [_item("bronnen.inkomsten"), _item("o" * 199 + " ")]}, "items.1.operation"),
        ({"items": [_item("bronnen.inkomsten"), _item("bronnen.rdw", outcome="x" * 50 + " ")]}, "items.1.outcome"),
        ({"items": [_item("bronnen.inkomsten"), {**_item("bronnen.rdw"), "operation": 123}]}, "items.1.operation"),
        ({"items": [_item("bronnen.inkomsten"), {**_item("bronnen.rdw"), "operation": True}]}, "items.1.operation"),
        ({"items": [_item("bronnen.inkomsten"), {**_item("bronnen.rdw"), "operation": 1.5}]}, "items.1.operation"),
        ({"items": [_item("bronnen.inkomsten"), {**_item("bronnen.rdw"), "operation": ["a", 1]}]}, "items.1.operation"),
        ({"items": [_item("bronnen.inkomsten"), {**_item("bronnen.rdw"), "spanId": 10**30}]}, "items.1.spanId"),
        ({"items": []}, "items"),
        ({"items": [_item("bronnen.inkomsten")] * 501}, "items"),
        ({"item": [_item("bronnen.inkomsten")]}, "items"),
    ],
)
def test_a_bad_entry_refuses_the_whole_batch_and_writes_nothing(
    client: TestClient, context_headers, body: dict[str, Any], invalid: str
) -> None:
    append(client, context_headers())
    response = client.post(BATCH, json=body, headers=_service(context_headers))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert invalid in {p["name"] for p in response.json()["invalidParams"]}
    auditor = context_headers(roles=("auditor",))
    assert [e["seq"] for e in client.get(PATH, headers=auditor).json()["items"]] == [1]
    report = client.get(f"{PATH}/verify", headers=auditor).json()
    assert (report["valid"], report["lastSeq"]) == (True, 1)
    # The chain goes on from where it was.
    assert append(client, context_headers())["seq"] == 2

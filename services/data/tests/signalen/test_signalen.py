"""Signal intake on SQLite and PostgreSQL: the set-based match (by gemeente, BSN and period, the latest-starting
uitkering), the counts, idempotency per signal id, tenant isolation (API and row-level security), roles and bad
input (problem+json, nothing stored)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gbi_data.alo.models import Aanvraag, Uitkering
from gbi_data.database import Database
from gbi_data.signalen import repository
from gbi_shared import ActorType

V1 = "/internal/data/v1"
AMSTERDAM = "0363"
ROTTERDAM = "0599"
# Valid (elfproef) test BSNs.
BSN_A = "999993653"
BSN_B = "999990019"
BSN_C = "999992958"
BSN_ZONDER_UITKERING = "999991723"

Headers = dict[str, str]
_PLANNER_SETTINGS = text("SELECT current_setting('enable_nestloop'), current_setting('jit')")


def _client_row(
    database: Database, gemeente: str, bsn: str, startdatum: date, *, actief: bool = True
) -> tuple[uuid.UUID, uuid.UUID]:
    """An aanvraag with an uitkering for ``bsn`` in ``gemeente``; returns (aanvraag id, uitkering id)."""
    now = datetime.now(UTC)
    aanvraag_id, uitkering_id = uuid.uuid4(), uuid.uuid4()
    with database.transaction(gemeente=gemeente) as session:
        session.add(
            Aanvraag(
                id=aanvraag_id,
                gemeente=gemeente,
                bsn=bsn,
                data_subject_id=f"pseudo-{bsn}",
                meldingsdatum=startdatum,
                aanvraagdatum=startdatum,
                kanaal="digitaal",
                gegevens={},
                status="besloten" if actief else "ontvangen",
                version=1,
                idempotency_key=uuid.uuid4().hex,
                request_hash="0" * 64,
                created_by="test",
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        if actief:
            session.add(
                Uitkering(
                    id=uitkering_id,
                    gemeente=gemeente,
                    aanvraag_id=aanvraag_id,
                    startdatum=startdatum,
                    bedrag_per_maand_cents=120_000,
                    status="actief",
                    request_hash="0" * 64,
                    created_at=now,
                )
            )
    return aanvraag_id, uitkering_id


def signaal(signaal_id: str, bsn: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "signaalId": signaal_id,
        "bsn": bsn,
        "soort": "inkomen",
        "periode": {"vanaf": "2026-01-01", "tot": "2026-02-01"},
        "ontvangenOp": "2026-02-15",
        "omschrijving": "Inkomsten uit arbeid niet opgegeven",
        "bedrag": "412.50",
        "instantie": "Bakkerij De Korst BV",
    }
    body.update(changes)
    return body


@pytest.fixture
def service(context_headers: Callable[..., Headers]) -> Callable[[str], Headers]:
    def build(gemeente: str = AMSTERDAM) -> Headers:
        return context_headers(
            actor_id="gbi-integration",
            actor_type=ActorType.SERVICE,
            roles=("gbi-service",),
            gemeente=gemeente,
            via=None,
        )

    return build


@pytest.fixture
def handhaver(context_headers: Callable[..., Headers]) -> Callable[[str], Headers]:
    def build(gemeente: str = AMSTERDAM) -> Headers:
        return context_headers(actor_id="hh-1", roles=("handhaver",), gemeente=gemeente)

    return build


def lever(client: TestClient, headers: Headers, signalen: list[dict[str, Any]], **extra: Any) -> Any:
    return client.post(f"{V1}/signalen:batch", content=json.dumps({"signalen": signalen, **extra}), headers=headers)


def test_signals_match_active_uitkeringen_by_bsn_and_period(
    client: TestClient, database: Database, service: Callable[[str], Headers], handhaver: Callable[[str], Headers]
) -> None:
    aanvraag_a, uitkering_a = _client_row(database, AMSTERDAM, BSN_A, date(2025, 6, 1))
    _client_row(database, AMSTERDAM, BSN_B, date(2026, 3, 1))  # starts after the signal's period
    _, later = _client_row(database, AMSTERDAM, BSN_C, date(2025, 1, 1))
    aanvraag_c2, uitkering_c2 = _client_row(database, AMSTERDAM, BSN_C, date(2025, 12, 15))  # the latest start
    _client_row(database, ROTTERDAM, BSN_ZONDER_UITKERING, date(2025, 1, 1))  # another gemeente's client
    _client_row(database, AMSTERDAM, "999994116", date(2025, 1, 1), actief=False)  # an aanvraag, no uitkering

    r = lever(
        client,
        service(AMSTERDAM),
        [
            signaal("IB-1", BSN_A),
            signaal("IB-2", BSN_B),
            signaal("IB-3", BSN_C, soort="voertuig", kenteken="KX123B", bedrag=None, instantie=None),
            signaal("IB-4", BSN_ZONDER_UITKERING),
            signaal("IB-5", "999994116"),
            signaal("IB-6", "123456789"),  # fails the elfproef: nobody's BSN, never matches
            signaal("IB-7", BSN_A, soort="detentie", periode={"vanaf": "2026-03-01"}, bedrag=None),
        ],
        cursor="7",
    )
    assert r.status_code == 200, r.text
    result = r.json()
    assert {k: result[k] for k in ("aantal", "gematcht", "nieuw", "dubbel", "ongematcht", "cursor")} == {
        "aantal": 7,
        "gematcht": 3,
        "nieuw": 3,
        "dubbel": 0,
        "ongematcht": 4,
        "cursor": "7",
    }

    page = client.get(f"{V1}/signalen", headers=handhaver(AMSTERDAM)).json()
    by_id = {s["signaalId"]: s for s in page["items"]}
    assert set(by_id) == {"IB-1", "IB-3", "IB-7"}
    a = by_id["IB-1"]
    assert a["uitkeringId"] == str(uitkering_a)
    assert a["aanvraagId"] == str(aanvraag_a)
    assert a["bsn"] == BSN_A
    assert a["status"] == "nieuw"
    assert a["bedrag"] == "412.50"
    assert a["signaalPeriode"] == {"vanaf": "2026-01-01", "tot": "2026-02-01"}
    assert a["periode"] == {"vanaf": "2026-01-01", "tot": "2026-02-01"}
    assert a["leveringId"] == result["id"]
    c = by_id["IB-3"]
    assert c["uitkeringId"] == str(uitkering_c2) != str(later)
    assert c["aanvraagId"] == str(aanvraag_c2)
    # The uitkering started on 15 December, within the signal's period: the relevant period starts then.
    c_signal = signaal("x", BSN_C, periode={"vanaf": "2025-12-01", "tot": "2026-01-01"})
    assert c["kenteken"] == "KX123B"
    assert c["bedrag"] is None
    assert c["soort"] == "voertuig"
    r = lever(client, service(AMSTERDAM), [{**c_signal, "signaalId": "IB-8"}])
    assert r.json()["nieuw"] == 1
    eight = next(
        s
        for s in client.get(f"{V1}/signalen", headers=handhaver(AMSTERDAM)).json()["items"]
        if s["signaalId"] == "IB-8"
    )
    assert eight["periode"] == {"vanaf": "2025-12-15", "tot": "2026-01-01"}
    assert eight["signaalPeriode"] == {"vanaf": "2025-12-01", "tot": "2026-01-01"}
    assert by_id["IB-7"]["periode"] == {"vanaf": "2026-03-01", "tot": None}


def test_a_repeated_delivery_changes_nothing(
    client: TestClient, database: Database, service: Callable[[str], Headers], handhaver: Callable[[str], Headers]
) -> None:
    _client_row(database, AMSTERDAM, BSN_A, date(2025, 6, 1))
    batch = [signaal("IB-1", BSN_A), signaal("IB-2", BSN_B)]
    first = lever(client, service(AMSTERDAM), batch).json()
    second = lever(client, service(AMSTERDAM), [*batch, signaal("IB-3", BSN_A, soort="verblijf-buitenland")]).json()
    assert (first["gematcht"], first["nieuw"], first["dubbel"], first["ongematcht"]) == (1, 1, 0, 1)
    assert (second["aantal"], second["gematcht"], second["nieuw"], second["dubbel"], second["ongematcht"]) == (
        3,
        2,
        1,
        1,
        1,
    )
    items = client.get(f"{V1}/signalen", headers=handhaver(AMSTERDAM)).json()["items"]
    assert sorted(s["signaalId"] for s in items) == ["IB-1", "IB-3"]
    # The first delivery's record stays as it was.
    assert next(s for s in items if s["signaalId"] == "IB-1")["leveringId"] == first["id"]


def test_tenants_are_isolated(
    client: TestClient,
    database: Database,
    service: Callable[[str], Headers],
    handhaver: Callable[[str], Headers],
) -> None:
    _client_row(database, AMSTERDAM, BSN_A, date(2025, 6, 1))
    _client_row(database, ROTTERDAM, BSN_B, date(2025, 6, 1))
    # Rotterdam delivers a signal about Amsterdam's client and one about its own.
    r = lever(client, service(ROTTERDAM), [signaal("IB-1", BSN_A), signaal("IB-2", BSN_B)]).json()
    assert (r["gematcht"], r["ongematcht"]) == (1, 1)
    # The same signal id in another gemeente is another signal.
    r = lever(client, service(AMSTERDAM), [signaal("IB-2", BSN_A)]).json()
    assert (r["gematcht"], r["nieuw"]) == (1, 1)
    rotterdam = client.get(f"{V1}/signalen", headers=handhaver(ROTTERDAM)).json()["items"]
    amsterdam = client.get(f"{V1}/signalen", headers=handhaver(AMSTERDAM)).json()["items"]
    assert [(s["signaalId"], s["bsn"]) for s in rotterdam] == [("IB-2", BSN_B)]
    assert [(s["signaalId"], s["bsn"]) for s in amsterdam] == [("IB-2", BSN_A)]
    if database.is_postgresql:
        # Row-level security backs the filters up: bound to a gemeente, a query without WHERE sees only its rows,
        # and a write for another gemeente is refused.
        with database.transaction(gemeente=AMSTERDAM) as session:
            rows = session.execute(text("SELECT gemeente, signaal_id FROM handhavingsignalen")).all()
            assert [tuple(row) for row in rows] == [(AMSTERDAM, "IB-2")]
            assert session.execute(text("SELECT count(*) FROM signaal_leveringen")).scalar_one() == 1
        with pytest.raises(DBAPIError), database.transaction(gemeente=AMSTERDAM) as session:
            session.execute(text("UPDATE handhavingsignalen SET gemeente = '0599'"))
        with pytest.raises(DBAPIError), database.transaction(gemeente=AMSTERDAM) as session:
            session.execute(text("DELETE FROM handhavingsignalen"))


def test_roles(
    client: TestClient,
    service: Callable[[str], Headers],
    context_headers: Callable[..., Headers],
) -> None:
    klantmanager = context_headers(actor_id="km-1", roles=("klantmanager",), gemeente=AMSTERDAM)
    teamleider = context_headers(actor_id="tl-1", roles=("teamleider",), gemeente=AMSTERDAM)
    burger = context_headers(
        actor_id=BSN_A, actor_type=ActorType.BURGER, roles=("burger",), bsn=BSN_A, gemeente=AMSTERDAM
    )
    assert client.get(f"{V1}/signalen", headers=klantmanager).status_code == 403
    assert client.get(f"{V1}/signalen", headers=burger).status_code == 403
    assert client.get(f"{V1}/signalen", headers=teamleider).status_code == 200
    assert client.get(f"{V1}/signalen", headers=service(AMSTERDAM)).status_code == 200
    # Only GBI's services deliver signals.
    r = lever(client, teamleider, [signaal("IB-1", BSN_A)])
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bsn": "12345678"}, "signalen.1.bsn"),
        ({"soort": "bankrekening"}, "signalen.1.soort"),
        ({"periode": {"vanaf": "2026-02-01", "tot": "2026-02-01"}}, "signalen.1.periode.tot"),
        ({"bedrag": "412.5"}, "signalen.1.bedrag"),
        ({"bedrag": 412.5}, "signalen.1.bedrag"),
        ({"kenteken": "kx-12-3b"}, "signalen.1.kenteken"),
        ({"onbekend": "veld"}, "signalen.1.onbekend"),
        ({"signaalId": "IB-1"}, "signalen.1.signaalId"),
        ({"ontvangenOp": "gisteren"}, "signalen.1.ontvangenOp"),
    ],
)
def test_bad_input_is_refused_whole_and_changes_nothing(
    client: TestClient,
    database: Database,
    service: Callable[[str], Headers],
    handhaver: Callable[[str], Headers],
    change: dict[str, Any],
    field: str,
) -> None:
    _client_row(database, AMSTERDAM, BSN_A, date(2025, 6, 1))
    r = lever(client, service(AMSTERDAM), [signaal("IB-1", BSN_A), {**signaal("IB-2", BSN_A), **change}])
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert field in [p["name"] for p in problem["invalidParams"]]
    assert client.get(f"{V1}/signalen", headers=handhaver(AMSTERDAM)).json()["items"] == []


def test_malformed_and_oversized_deliveries(client: TestClient, service: Callable[[str], Headers]) -> None:
    headers = service(AMSTERDAM)
    r = client.post(f"{V1}/signalen:batch", content=b"{not json", headers=headers)
    assert r.status_code == 400
    assert r.json()["invalidParams"][0]["name"] == "body"
    r = client.post(f"{V1}/signalen:batch", content=b'{"cursor": "1"}', headers=headers)
    assert r.status_code == 400
    assert r.json()["invalidParams"][0]["name"] == "signalen"
    r = client.post(f"{V1}/signalen:batch", content=b'{"signalen": []}', headers=headers)
    assert r.status_code == 200
    assert (r.json()["aantal"], r.json()["gematcht"]) == (0, 0)
    too_many = json.dumps({"signalen": [signaal(f"IB-{i}", BSN_A) for i in range(100_001)]})
    r = client.post(f"{V1}/signalen:batch", content=too_many, headers=headers)
    assert r.status_code in (400, 413)


def test_list_filters_and_pages(
    client: TestClient, database: Database, service: Callable[[str], Headers], handhaver: Callable[[str], Headers]
) -> None:
    _client_row(database, AMSTERDAM, BSN_A, date(2025, 6, 1))
    soorten = ["inkomen", "voertuig", "detentie"]
    batch = [signaal(f"IB-{i}", BSN_A, soort=soorten[i % 3]) for i in range(7)]
    assert lever(client, service(AMSTERDAM), batch).json()["nieuw"] == 7
    seen: list[str] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"pageSize": 3, "status": "nieuw"}
        if after:
            params["after"] = after
        page = client.get(f"{V1}/signalen", params=params, headers=handhaver(AMSTERDAM)).json()
        seen += [s["signaalId"] for s in page["items"]]
        after = page.get("nextAfter")
        if not after:
            break
    assert sorted(seen) == sorted(s["signaalId"] for s in batch)
    voertuig = client.get(f"{V1}/signalen", params={"soort": "voertuig"}, headers=handhaver(AMSTERDAM)).json()
    assert sorted(s["signaalId"] for s in voertuig["items"]) == ["IB-1", "IB-4"]
    assert client.get(f"{V1}/signalen", params={"status": "afgehandeld"}, headers=handhaver(AMSTERDAM)).json() == {
        "items": [],
        "nextAfter": None,
    }
    for bad in ({"status": "open"}, {"after": "bm9wZQ"}, {"pageSize": 0}, {"soort": "bankrekening"}):
        r = client.get(f"{V1}/signalen", params=bad, headers=handhaver(AMSTERDAM))
        assert r.status_code == 400, bad
        assert r.headers["content-type"].startswith("application/problem+json")


def test_a_signal_must_name_an_existing_delivery_of_its_gemeente(
    client: TestClient, database: Database, service: Callable[[str], Headers]
) -> None:
    """PostgreSQL checks the delivery reference once per statement (migration v0013, ADR 0019): a row that names a
    delivery that does not exist, or one of another gemeente, is refused on INSERT and on UPDATE."""
    if not database.is_postgresql:
        pytest.skip("the statement-level delivery check is PostgreSQL's (SQLite rows come from the same statement)")
    _client_row(database, AMSTERDAM, BSN_A, date(2025, 6, 1))
    _client_row(database, ROTTERDAM, BSN_B, date(2025, 6, 1))
    amsterdam = lever(client, service(AMSTERDAM), [signaal("IB-1", BSN_A)]).json()
    rotterdam = lever(client, service(ROTTERDAM), [signaal("IB-1", BSN_B)]).json()
    assert amsterdam["nieuw"] == rotterdam["nieuw"] == 1
    copy = (
        "INSERT INTO handhavingsignalen SELECT gen_random_uuid(), gemeente, 'IB-2', bsn, soort, status,"
        " signaal_vanaf, signaal_tot, periode_vanaf, periode_tot, uitkering_id, aanvraag_id, ontvangen_op,"
        " omschrijving, bedrag_cents, kenteken, land, instantie, CAST(:levering AS uuid), created_at"
        " FROM handhavingsignalen WHERE signaal_id = 'IB-1'"
    )
    for levering in (str(uuid.uuid4()), rotterdam["id"]):
        with pytest.raises(DBAPIError, match="does not exist"), database.transaction(gemeente=AMSTERDAM) as session:
            session.execute(text(copy), {"levering": levering})
        with pytest.raises(DBAPIError, match="does not exist"), database.transaction(gemeente=AMSTERDAM) as session:
            session.execute(
                text("UPDATE handhavingsignalen SET levering_id = CAST(:levering AS uuid)"), {"levering": levering}
            )
    # The delivery's own id passes, on INSERT and on UPDATE; nothing refused was stored.
    with database.transaction(gemeente=AMSTERDAM) as session:
        session.execute(text(copy), {"levering": amsterdam["id"]})
        session.execute(text("UPDATE handhavingsignalen SET status = 'in-onderzoek' WHERE signaal_id = 'IB-2'"))
        rows = session.execute(text("SELECT signaal_id, levering_id::text FROM handhavingsignalen ORDER BY 1")).all()
    assert [tuple(r) for r in rows] == [("IB-1", amsterdam["id"]), ("IB-2", amsterdam["id"])]


def test_a_deliverys_rows_take_one_ascending_run_of_time_ordered_ids(
    client: TestClient, database: Database, service: Callable[[str], Headers]
) -> None:
    """PostgreSQL numbers a delivery's rows under one time-ordered prefix (UUIDv7 layout), so its inserts append to
    one place of the primary key instead of a random page each; the planner settings of the match do not outlive
    it (the rest of the transaction plans as usual)."""
    if not database.is_postgresql:
        pytest.skip("SQLite's ids are made in Python per row (not the scale path)")
    bsns = [BSN_A, BSN_B, BSN_C]
    for bsn in bsns:
        _client_row(database, AMSTERDAM, bsn, date(2025, 6, 1))
    first = lever(client, service(AMSTERDAM), [signaal(f"IB-{i}", bsns[i % 3]) for i in range(6)]).json()
    second = lever(client, service(AMSTERDAM), [signaal(f"IB-{i}", bsns[i % 3]) for i in range(6, 9)]).json()
    assert (first["nieuw"], second["nieuw"]) == (6, 3)
    with database.transaction(gemeente=AMSTERDAM) as session:
        rows = session.execute(
            text("SELECT levering_id::text, id FROM handhavingsignalen ORDER BY id"),
        ).all()
    ids = {levering: [row_id for lid, row_id in rows if lid == levering] for levering in (first["id"], second["id"])}
    assert [len(v) for v in ids.values()] == [6, 3]
    for run in ids.values():
        assert all(i.version == 7 for i in run)
        assert len({str(i)[:-8] for i in run}) == 1  # one prefix per delivery ...
        assert sorted(int(str(i)[-8:], 16) for i in run) == list(range(1, len(run) + 1))  # ... numbered 1..n
    # Rows of one delivery are contiguous in id order; the later delivery sorts after the earlier one unless both
    # fell in the same millisecond.
    order = [lid for lid, _ in rows]
    assert order in ([first["id"]] * 6 + [second["id"]] * 3, [second["id"]] * 3 + [first["id"]] * 6)

    with database.transaction(gemeente=AMSTERDAM) as session:
        levering_id = uuid.UUID(first["id"])
        staged = [
            ("IB-x", BSN_A, "inkomen", date(2026, 1, 1), None, date(2026, 1, 2), "x", None, None, None, None),
        ]
        result = repository.match(session, AMSTERDAM, levering_id, datetime.now(UTC), staged)
        assert (result.gematcht, result.nieuw) == (1, 1)
        after = session.execute(_PLANNER_SETTINGS).one()
    with database.engine.connect() as connection:
        assert tuple(after) == tuple(connection.execute(_PLANNER_SETTINGS).one())

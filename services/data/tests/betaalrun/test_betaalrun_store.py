"""The payment run's store in the data service, on SQLite and (with GBI_TEST_DATABASE_URL) PostgreSQL: runs are
idempotent, work is what has no payment yet, a payment is never stored twice, tenants see only their own rows, bad
bodies change nothing, and the citizen's uitkeringsspecificatie is built from the stored lines."""

from __future__ import annotations

import base64
import gzip
import hashlib
import uuid
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gbi_data.betaalrun.generator import Populatie, genereer, rijen
from gbi_data.betaalrun.models import Betaling
from gbi_data.database import Database
from gbi_data.settings import DataSettings
from gbi_shared import ActorType

V1 = "/internal/data/v1"
AMS, RDAM = "0363", "0599"
N = 40


@pytest.fixture
def populatie(migrated: DataSettings) -> Populatie:
    p = Populatie(N, (AMS, RDAM), seed=7, start=date(2026, 7, 1))
    genereer(migrated, p)
    return p


def _service(context_headers: Any, gemeente: str | None = AMS) -> dict[str, str]:
    return context_headers(
        actor_id="gbi-process", actor_type=ActorType.SERVICE, roles=("gbi-service",), gemeente=gemeente, via=None
    )


def _run(client: TestClient, headers: dict[str, str], key: str = "k1", gemeenten: tuple[str, ...] = (AMS, RDAM)) -> Any:
    body = {"maand": "2026-07", "gemeenten": list(gemeenten), "betaaldatum": "2026-06-25"}
    return client.post(f"{V1}/betaalruns", json=body, headers={**headers, "Idempotency-Key": key})


def _alle_werk(client: TestClient, run_id: str, headers: dict[str, str], limit: int = 7) -> list[list[Any]]:
    regels: list[list[Any]] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if after:
            params["after"] = after
        r = client.get(f"{V1}/betaalruns/{run_id}/werk", params=params, headers=headers)
        assert r.status_code == 200, r.text
        chunk = r.json()["regels"]
        # The headers say what the body holds, so the process layer can pass the body on without parsing it.
        assert r.headers["GBI-Aantal"] == str(len(chunk))
        assert r.headers.get("GBI-Laatste") == (chunk[-1][0] if chunk else None)
        for regel in chunk:  # the same shape from both dialects (PostgreSQL writes this JSON itself)
            uid, start, huishouden, *centen = regel
            assert uid == uid.lower()
            assert len(uid) == 36
            assert date.fromisoformat(start) <= date(2026, 7, 31)
            assert "aanvrager" in huishouden
            assert [type(c) for c in centen] == [int, int, int]
            assert min(centen) >= 0
        if not chunk:
            return regels
        regels.extend(chunk)
        after = chunk[-1][0]


def _betaling(uitkering_id: str, bedrag: int = 100_000) -> list[Any]:
    # norm, inkomen, bijstand, reservering, verlaging, vakantietoeslag, voorschot, bedrag
    bijstand = bedrag + 5000
    return [uitkering_id, "M", bijstand, 0, bijstand, 5000, 0, 0, 0, bedrag, "test"]


def test_a_run_is_idempotent_per_key_and_counts_the_active_uitkeringen(
    client: TestClient, context_headers: Any, populatie: Populatie
) -> None:
    svc = _service(context_headers, None)
    first = _run(client, svc)
    assert first.status_code == 201, first.text
    run = first.json()
    per = {g["gemeente"]: g for g in run["gemeenten"]}
    expected = {g: sum(1 for c in rijen(populatie) if c["gemeente"] == g) for g in (AMS, RDAM)}
    assert {g: per[g]["totaal"] for g in per} == expected
    assert run["gedaan"] == 0
    assert run["status"] == "lopend"
    again = _run(client, svc)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == run["id"]
    other = _run(client, svc, gemeenten=(AMS,))
    assert other.status_code == 409


def test_only_services_manage_runs_and_unknown_gemeenten_are_refused(
    client: TestClient, context_headers: Any, populatie: Populatie
) -> None:
    staff = context_headers(roles=("beheerder",))
    assert _run(client, staff).status_code == 403
    bad = _run(client, _service(context_headers, None), key="k2", gemeenten=(AMS, "9999"))
    assert bad.status_code == 400
    assert bad.json()["invalidParams"][0]["name"] == "gemeenten[1]"
    geen_rekening = _run(client, _service(context_headers, None), key="k3", gemeenten=("0344",))
    assert geen_rekening.status_code == 422


def test_work_is_what_has_no_payment_and_a_payment_is_never_stored_twice(
    client: TestClient, context_headers: Any, populatie: Populatie
) -> None:
    run = _run(client, _service(context_headers, None)).json()
    ams = _service(context_headers, AMS)
    werk = _alle_werk(client, run["id"], ams)
    assert len(werk) == run["gemeenten"][0]["totaal"]
    assert werk == sorted(werk, key=lambda r: r[0])  # keyset order
    eerste = [_betaling(r[0]) for r in werk[:5]]
    r = client.post(f"{V1}/betaalruns/{run['id']}/betalingen:batch", json={"betalingen": eerste}, headers=ams)
    assert r.json() == {"aantal": 5, "ingevoegd": 5}
    # the same chunk again (a retried request, a resumed run): nothing is paid twice
    r = client.post(f"{V1}/betaalruns/{run['id']}/betalingen:batch", json={"betalingen": eerste}, headers=ams)
    assert r.json() == {"aantal": 5, "ingevoegd": 0}
    # even under another run for the same month
    run2 = _run(client, _service(context_headers, None), key="k-ander").json()
    r = client.post(f"{V1}/betaalruns/{run2['id']}/betalingen:batch", json={"betalingen": eerste}, headers=ams)
    assert r.json()["ingevoegd"] == 0
    assert run2["gemeenten"][0]["gedaan"] == 5  # the second run starts from what the month already has
    rest = _alle_werk(client, run["id"], ams)
    assert {r[0] for r in rest} == {r[0] for r in werk[5:]}
    voortgang = client.get(f"{V1}/betaalruns/{run['id']}", headers=_service(context_headers, None)).json()
    assert voortgang["gemeenten"][0]["gedaan"] == 5


def test_a_payment_must_name_an_existing_uitkering_of_its_gemeente_and_an_existing_run(
    client: TestClient, context_headers: Any, populatie: Populatie, database: Database
) -> None:
    """PostgreSQL checks a payment's references once per statement (migration v0015, ADR 0029): a row naming an
    uitkering that does not exist, one of another gemeente, or a run that does not exist is refused on INSERT and on
    UPDATE, and nothing refused is stored."""
    if not database.is_postgresql:
        pytest.skip("the statement-level reference check is PostgreSQL's (SQLite's payments come from a join)")
    run = _run(client, _service(context_headers, None)).json()
    ams, rdam = _service(context_headers, AMS), _service(context_headers, RDAM)
    eerste = _alle_werk(client, run["id"], ams)[0][0]
    r = client.post(
        f"{V1}/betaalruns/{run['id']}/betalingen:batch", json={"betalingen": [_betaling(eerste)]}, headers=ams
    )
    assert r.json() == {"aantal": 1, "ingevoegd": 1}
    rotterdams = _alle_werk(client, run["id"], rdam)[0][0]
    kolommen = [c.name for c in Betaling.__table__.columns if c.name != "id"]
    copy = (
        f"INSERT INTO betalingen ({', '.join(kolommen)}) SELECT "
        + ", ".join(
            {
                "uitkering_id": "CAST(:uitkering AS uuid)",
                "betaalrun_id": "CAST(:run AS uuid)",
                "maand": "DATE '2026-08-01'",
            }.get(c, c)
            for c in kolommen
        )
        + " FROM betalingen"
    )
    fout = [
        {"uitkering": str(uuid.uuid4()), "run": run["id"]},  # no such uitkering
        {"uitkering": rotterdams, "run": run["id"]},  # an uitkering of another gemeente
        {"uitkering": eerste, "run": str(uuid.uuid4())},  # no such run
    ]
    for params in fout:
        with pytest.raises(DBAPIError, match="does not exist"), database.transaction(gemeente=AMS) as session:
            session.execute(text(copy), params)
    # Payments are append-only for the application; the owner's UPDATE is checked the same way.
    zet = "UPDATE betalingen SET uitkering_id = CAST(:uitkering AS uuid), betaalrun_id = CAST(:run AS uuid)"
    with pytest.raises(DBAPIError, match="permission denied"), database.transaction(gemeente=AMS) as session:
        session.execute(text(zet), fout[0])
    for params in fout:
        with pytest.raises(DBAPIError, match="does not exist"), database.owner_transaction() as session:
            session.execute(text(zet), params)
    # The row's own references pass, on INSERT and on UPDATE; nothing refused was stored.
    with database.transaction(gemeente=AMS) as session:
        session.execute(text(copy), {"uitkering": eerste, "run": run["id"]})
    with database.owner_transaction() as session:
        session.execute(text("UPDATE betalingen SET naam = naam WHERE maand = DATE '2026-08-01'"))
    with database.transaction(gemeente=AMS) as session:
        rows = session.execute(
            text("SELECT uitkering_id::text, betaalrun_id::text, maand FROM betalingen ORDER BY maand")
        ).all()
    assert [tuple(r) for r in rows] == [
        (eerste, run["id"], date(2026, 7, 1)),
        (eerste, run["id"], date(2026, 8, 1)),
    ]


def test_tenants_are_isolated(client: TestClient, context_headers: Any, populatie: Populatie) -> None:
    run = _run(client, _service(context_headers, None)).json()
    ams_ids = {r[0] for r in _alle_werk(client, run["id"], _service(context_headers, AMS))}
    rdam_ids = {r[0] for r in _alle_werk(client, run["id"], _service(context_headers, RDAM))}
    assert ams_ids
    assert rdam_ids
    assert not ams_ids & rdam_ids
    # Rotterdam cannot pay an Amsterdam uitkering: the row is not there for it
    r = client.post(
        f"{V1}/betaalruns/{run['id']}/betalingen:batch",
        json={"betalingen": [_betaling(next(iter(ams_ids)))]},
        headers=_service(context_headers, RDAM),
    )
    assert r.json()["ingevoegd"] == 0
    # a gemeente outside the run has no work in it
    assert client.get(f"{V1}/betaalruns/{run['id']}/werk", headers=_service(context_headers, "0344")).status_code == 404
    # staff do not get the bulk routes
    assert (
        client.get(f"{V1}/betaalruns/{run['id']}/werk", headers=context_headers(roles=("beheerder",))).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("betalingen", "veld"),
    [
        ([["geen-uuid", "M", 1, 0, 1, 0, 0, 0, 0, 1, "v"]], "betalingen[0][0]"),
        ([["00000000-0000-4000-8000-000000000001", "M", 1, 0, 1, 0, 0, 0, 0, 2, "v"]], "betalingen[0]"),
        ([["00000000-0000-4000-8000-000000000001", "M", -1, 0, 1, 0, 0, 0, 0, 1, "v"]], "betalingen[0][2]"),
        ([["00000000-0000-4000-8000-000000000001", "M", 1.5, 0, 1, 0, 0, 0, 0, 1, "v"]], "betalingen[0][2]"),
        ([["00000000-0000-4000-8000-000000000001", "M", 1, 0, 1]], "betalingen[0]"),
        ([], "betalingen"),
    ],
)
def test_a_bad_payment_body_is_refused_and_changes_nothing(
    client: TestClient, context_headers: Any, populatie: Populatie, betalingen: list[Any], veld: str
) -> None:
    run = _run(client, _service(context_headers, None)).json()
    ams = _service(context_headers, AMS)
    r = client.post(f"{V1}/betaalruns/{run['id']}/betalingen:batch", json={"betalingen": betalingen}, headers=ams)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["invalidParams"][0]["name"] == veld
    assert client.get(f"{V1}/betaalruns/{run['id']}", headers=ams).json()["gedaan"] == 0


def test_files_are_stored_once_and_the_citizen_reads_the_specification(
    client: TestClient, context_headers: Any, populatie: Populatie
) -> None:
    run = _run(client, _service(context_headers, None), gemeenten=(AMS,)).json()
    ams = _service(context_headers, AMS)
    werk = _alle_werk(client, run["id"], ams)
    client.post(
        f"{V1}/betaalruns/{run['id']}/betalingen:batch",
        json={"betalingen": [_betaling(r[0]) for r in werk]},
        headers=ams,
    )
    xml = b"<Document/>"
    bestand = {
        "soort": "pain.001",
        "messageId": "GBI-0363-TEST",
        "aantal": len(werk),
        "totaalCents": 100_000 * len(werk),
        "sha256": hashlib.sha256(xml).hexdigest(),
        "inhoudGzip": base64.b64encode(gzip.compress(xml)).decode(),
    }
    url = f"{V1}/betaalruns/{run['id']}/bestanden:batch"
    assert client.post(url, json={"bestanden": [bestand]}, headers=ams).status_code == 201
    assert client.post(url, json={"bestanden": [bestand]}, headers=ams).status_code == 201  # same file: harmless
    anders = {**bestand, "inhoudGzip": base64.b64encode(gzip.compress(b"<x/>")).decode(), "sha256": "0" * 64}
    assert client.post(url, json={"bestanden": [anders]}, headers=ams).status_code == 400  # digest mismatch
    assert client.get(f"{V1}/betaalruns/{run['id']}/bestanden/pain.001", headers=ams).content == xml

    client_bsn = next(c["bsn"] for c in rijen(populatie) if c["gemeente"] == AMS)
    burger = context_headers(
        actor_id=client_bsn, actor_type=ActorType.BURGER, roles=("burger",), bsn=client_bsn, gemeente=AMS
    )
    r = client.get(f"{V1}/uitkeringsspecificaties", params={"bsn": client_bsn}, headers=burger)
    assert r.status_code == 200, r.text
    [spec] = r.json()["specificaties"]
    assert spec["maand"] == "2026-07"
    assert spec["uitTeBetalen"] == "1000.00"
    assert [regel["bedrag"] for regel in spec["regels"]] == ["1050.00", "1050.00", "-50.00"]
    assert spec["iban"].startswith("*")
    assert not spec["iban"].startswith("NL")
    andere = context_headers(
        actor_id="1", actor_type=ActorType.BURGER, roles=("burger",), bsn="999993653", gemeente=AMS
    )
    assert client.get(f"{V1}/uitkeringsspecificaties", params={"bsn": client_bsn}, headers=andere).status_code == 403


def test_the_payments_to_transfer_are_listed_by_id_in_pages(
    client: TestClient, context_headers: Any, populatie: Populatie
) -> None:
    run = _run(client, _service(context_headers, None), gemeenten=(AMS,)).json()
    ams = _service(context_headers, AMS)
    werk = _alle_werk(client, run["id"], ams)
    betalingen = [_betaling(r[0], bedrag=100_000 + i) for i, r in enumerate(werk)]
    betalingen[0] = [werk[0][0], "M", 0, 0, 0, 0, 0, 0, 0, 0, "test"]  # nothing to transfer: not listed
    r = client.post(f"{V1}/betaalruns/{run['id']}/betalingen:batch", json={"betalingen": betalingen}, headers=ams)
    assert r.json()["ingevoegd"] == len(werk)
    rijen_: list[list[Any]] = []
    after = 0
    while True:
        r = client.get(f"{V1}/betaalruns/{run['id']}/betalingen", params={"after": after, "limit": 4}, headers=ams)
        assert r.status_code == 200, r.text
        page = r.json()
        assert (page["maand"], page["betaaldatum"]) == ("2026-07", "2026-06-25")
        rijen_.extend(page["betalingen"])
        if len(page["betalingen"]) < 4:
            break
        after = page["betalingen"][-1][0]
    assert [r[0] for r in rijen_] == sorted(r[0] for r in rijen_)
    bedrag_van = {b[0]: b[9] for b in betalingen}
    assert {r[1]: r[4] for r in rijen_} == {u: c for u, c in bedrag_van.items() if c > 0}
    for pid, uid, iban, naam, bedrag, vt, voorschot in rijen_:
        assert (type(pid), type(uid), type(bedrag), vt, voorschot) == (int, str, int, 0, 0)
        assert iban.startswith("NL")
        assert naam


def test_an_uitkering_id_in_another_spelling_is_the_same_uitkering(
    client: TestClient, context_headers: Any, populatie: Populatie
) -> None:
    run = _run(client, _service(context_headers, None), gemeenten=(AMS,)).json()
    ams = _service(context_headers, AMS)
    uid = _alle_werk(client, run["id"], ams)[0][0]
    url = f"{V1}/betaalruns/{run['id']}/betalingen:batch"
    twee = {"betalingen": [_betaling(uid), _betaling(uid.upper())]}
    r = client.post(url, json=twee, headers=ams)
    assert r.status_code == 400
    assert r.json()["invalidParams"][0]["name"] == "betalingen[1][0]"
    r = client.post(url, json={"betalingen": [_betaling(uid.upper().replace("-", ""))]}, headers=ams)
    assert r.json() == {"aantal": 1, "ingevoegd": 1}
    assert client.post(url, json={"betalingen": [_betaling(uid)]}, headers=ams).json()["ingevoegd"] == 0

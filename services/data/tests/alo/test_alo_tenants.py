"""Tenant isolation of the ALO store: another gemeente's aanvraag, instance, step, task, document, besluit,
uitkering and voorschotten answer exactly like ones that do not exist, lists never include them; on PostgreSQL
row-level security backs that up (a query without the tenant setting sees nothing, a write for another gemeente is
refused) and the application role may change only what the service changes. The migration goes down and up."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from gbi_data.alo.models import ALO_TABLES, ALO_TENANT_TABLES
from gbi_data.database import Database, normalise_url
from gbi_data.migrate import MIGRATIONS_DIR, check, downgrade, upgrade
from gbi_data.settings import DataSettings

V1 = "/internal/data/v1"
PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()


def _amsterdam_case(alo, actors) -> dict[str, Any]:
    aanvraag, instance = alo.zaak()
    client, service = alo.client, actors.service()
    a = aanvraag["id"]
    document = client.post(
        f"{V1}/aanvragen/{a}/documenten",
        json={"soort": "bewijsstuk", "bestandsnaam": "x.pdf", "contentType": "application/pdf", "inhoud": PDF},
        headers=service,
    ).json()
    client.post(
        f"{V1}/procesinstanties/{instance['id']}/stappen", json={"stapSleutel": "s", "resultaat": 1}, headers=service
    )
    besluit = {
        "soort": "toekenning",
        "datum": "2026-04-01",
        "ingangsdatum": "2026-03-09",
        "bedragPerMaandCents": 100,
        "gronden": {},
        "vastgesteldDoor": "ic-1",
    }
    assert client.post(f"{V1}/aanvragen/{a}/besluit", json=besluit, headers=service).status_code == 201
    uitkering = {"aanvraagId": a, "startdatum": "2026-03-09", "bedragPerMaandCents": 100}
    assert client.post(f"{V1}/uitkeringen", json=uitkering, headers=service).status_code == 201
    voorschot = {"aanvraagId": a, "volgnummer": 1, "bedragCents": 50, "periode": "2026-03", "betaaldatum": "2026-03-20"}
    assert client.post(f"{V1}/voorschotten", json=voorschot, headers=service).status_code == 201
    taak = alo.taak(instance)
    note = client.post(f"{V1}/taken/{taak['id']}/opmerkingen", json={"tekst": "x"}, headers=actors.staff())
    assert note.status_code == 201
    return {"aanvraag": a, "instance": instance["id"], "document": document["id"], "taak": taak["id"]}


def test_another_gemeentes_rows_answer_like_missing_ones(alo, actors) -> None:
    ids = _amsterdam_case(alo, actors)
    client = alo.client
    rotterdam_service, rotterdam_staff = actors.service("0599"), actors.staff("tl", "teamleider", gemeente="0599")
    patch = {"status": "ingetrokken", "version": 1}
    save = {"state": "{}", "status": "completed", "version": 1, "leaseOwner": "w"}
    requests: list[tuple[str, str, dict[str, str], Any]] = [
        ("GET", "/aanvragen/{aanvraag}", rotterdam_staff, None),
        ("GET", "/aanvragen/{aanvraag}", rotterdam_service, None),
        ("PATCH", "/aanvragen/{aanvraag}", rotterdam_service, patch),
        ("POST", "/aanvragen/{aanvraag}/tijdlijn", rotterdam_service, {"soort": "x", "omschrijving": "y"}),
        ("GET", "/aanvragen/{aanvraag}/documenten", rotterdam_staff, None),
        ("GET", "/documenten/{document}/inhoud", rotterdam_staff, None),
        ("GET", "/aanvragen/{aanvraag}/besluit", rotterdam_staff, None),
        ("GET", "/aanvragen/{aanvraag}/uitkering", rotterdam_staff, None),
        ("GET", "/aanvragen/{aanvraag}/voorschotten", rotterdam_staff, None),
        ("GET", "/procesinstanties/{instance}", rotterdam_service, None),
        ("PUT", "/procesinstanties/{instance}", rotterdam_service, save),
        ("GET", "/procesinstanties/{instance}/stappen/s", rotterdam_service, None),
        ("POST", "/procesinstanties/{instance}/stappen", rotterdam_service, {"stapSleutel": "t", "resultaat": 1}),
        ("GET", "/taken/{taak}", rotterdam_staff, None),
        ("POST", "/taken/{taak}:claim", actors.staff("km", "klantmanager", gemeente="0599"), None),
        ("POST", "/taken/{taak}:herverdelen", rotterdam_staff, {"medewerker": "x"}),
        ("POST", "/taken/{taak}/opmerkingen", rotterdam_staff, {"tekst": "x"}),
    ]
    missing = {key: str(uuid.uuid4()) for key in ids}
    for method, template, headers, body in requests:
        foreign = client.request(method, V1 + template.format(**ids), json=body, headers=headers)
        absent = client.request(method, V1 + template.format(**missing), json=body, headers=headers)
        assert foreign.status_code == absent.status_code == 404, (method, template, foreign.text)
        assert alo.comparable(foreign.json()) == alo.comparable(absent.json()), template
    # Lists and counts of Rotterdam never include Amsterdam's rows.
    assert client.get(f"{V1}/aanvragen", headers=rotterdam_staff).json()["items"] == []
    assert client.get(f"{V1}/taken", headers=rotterdam_staff).json()["items"] == []
    counts = client.get(f"{V1}/taken/tellingen", headers=rotterdam_staff).json()["items"]
    assert all(c["open"] == c["geclaimd"] == 0 for c in counts)
    assert alo.claim("w", gemeente="0599") == []
    by_case = client.get(f"{V1}/taken?aanvraagId={ids['aanvraag']}", headers=rotterdam_service).json()
    assert by_case["items"] == []
    # Creating under another gemeente's rows is refused like an unknown reference.
    for path, body in (
        ("/procesinstanties", {"aanvraagId": ids["aanvraag"], "definitie": "alo", "definitieVersie": "1", "state": ""}),
        ("/uitkeringen", {"aanvraagId": ids["aanvraag"], "startdatum": "2026-03-09", "bedragPerMaandCents": 1}),
    ):
        assert client.post(V1 + path, json=body, headers=rotterdam_service).status_code == 400
    # Rotterdam's log holds only its own (empty) searches, about nobody; Amsterdam's rows are untouched.
    rotterdam_log = alo.audit("0599")
    assert {e["operation"] for e in rotterdam_log} == {"aanvraag.zoeken", "taak.zoeken"}
    assert all(e["dataSubjectId"] is None for e in rotterdam_log)
    assert client.get(f"{V1}/aanvragen/{ids['aanvraag']}", headers=actors.staff()).json()["status"] == "ontvangen"


# --- PostgreSQL row-level security ----------------------------------------------------------------------------


def _counts(database: Database, gemeente: str | None) -> dict[str, int]:
    with database.transaction(gemeente=gemeente) as session:
        return {t: int(session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in ALO_TENANT_TABLES}


@pytest.mark.postgres
def test_without_the_tenant_setting_the_alo_tables_show_nothing(alo, actors, database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("row-level security is PostgreSQL's")
    _amsterdam_case(alo, actors)
    assert _counts(database, None) == dict.fromkeys(ALO_TENANT_TABLES, 0)
    assert _counts(database, "0599") == dict.fromkeys(ALO_TENANT_TABLES, 0)
    amsterdam = _counts(database, "0363")
    assert all(n >= 1 for n in amsterdam.values()), amsterdam


@pytest.mark.postgres
def test_rls_refuses_writes_for_another_gemeente_and_the_role_has_only_its_grants(
    alo, actors, database: Database, owner_sql: Callable[..., list[Any]]
) -> None:
    if not database.is_postgresql:
        pytest.skip("row-level security and roles are PostgreSQL's")
    ids = _amsterdam_case(alo, actors)
    with pytest.raises(ProgrammingError, match="row-level security"), database.transaction(gemeente="0599") as s:
        s.execute(
            text(
                "INSERT INTO aanvraag_tijdlijn (id, gemeente, aanvraag_id, at, soort, omschrijving, actor, created_at) "
                "VALUES (:id, '0363', :a, now(), 'x', 'y', 'z', now())"
            ),
            {"id": uuid.uuid4(), "a": ids["aanvraag"]},
        )
    # An UPDATE under Rotterdam's setting finds no Amsterdam row to change.
    with database.transaction(gemeente="0599") as session:
        changed = session.execute(text("UPDATE aanvragen SET status = 'ingetrokken'"))
        assert getattr(changed, "rowcount", None) == 0
    for statement in (
        "DELETE FROM aanvragen",
        "UPDATE voorschotten SET bedrag_cents = 1",
        "UPDATE besluiten SET soort = 'afwijzing'",
        "DELETE FROM documenten",
    ):
        with pytest.raises(DBAPIError, match="permission denied"), database.transaction(gemeente="0363") as session:
            session.execute(text(statement))
    assert owner_sql("SELECT count(*) FROM voorschotten")[0][0] == 1
    # One column of a besluit may change (migration 0008): its beschikking link; the decision itself may not.
    with database.transaction(gemeente="0363") as session:
        session.execute(text("UPDATE besluiten SET beschikking_document_id = NULL"))


# --- migration --------------------------------------------------------------------------------------------------


def _tables(settings: DataSettings) -> set[str]:
    engine = create_engine(normalise_url(settings.database_url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _alo_revision() -> tuple[str, str]:
    """(the ALO revision, the one before it): found by file, so a rebase of the chain does not break this test."""
    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    for revision in scripts.walk_revisions():
        if revision.path.endswith("_alo.py"):
            down = revision.down_revision
            assert isinstance(down, str)
            return revision.revision, down
    raise AssertionError("no ALO revision")


def test_the_alo_revision_goes_down_and_up(settings: DataSettings) -> None:
    upgrade(settings)
    assert set(ALO_TABLES) <= _tables(settings)
    revision, before = _alo_revision()
    downgrade(settings, before)
    remaining = _tables(settings)
    assert not set(ALO_TABLES) & remaining
    assert {"gemeenten", "audit_log"} <= remaining
    upgrade(settings, revision)
    assert set(ALO_TABLES) <= _tables(settings)
    upgrade(settings)  # and the revisions after it, so the database matches every model again
    assert check(settings) is None
    database = Database(settings)
    try:
        with database.transaction(gemeente=None) as session:
            assert session.execute(text("SELECT id, offset_seconden FROM klok")).all() == [(1, 0)]
    finally:
        database.dispose()


def test_the_chain_has_one_head() -> None:
    assert len(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()) == 1

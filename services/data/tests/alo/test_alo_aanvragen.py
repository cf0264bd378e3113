"""Aanvragen: registered once per Idempotency-Key (also under concurrency), read by the citizen only when it is
theirs and by staff of the gemeente, listed without BSN, status changed by the process with optimistic locking,
a citizen-visible tijdlijn, every read audited with the citizen as a pseudonym."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

V1 = "/internal/data/v1"
PATH = f"{V1}/aanvragen"
BSN_A = "999993653"
BSN_B = "999990019"


def test_register_and_read(alo, actors) -> None:
    client: TestClient = alo.client
    created = client.post(PATH, json=alo.body(), headers=actors.service() | {"Idempotency-Key": "k1"})
    assert created.status_code == 201, created.text
    aanvraag = created.json()
    assert aanvraag["status"] == "ontvangen"
    assert aanvraag["version"] == 1
    assert aanvraag["bsn"] == BSN_A
    assert aanvraag["gemeente"] == "0363"
    assert aanvraag["gegevens"]["iban"] == "NL91ABNA0417164300"
    assert [t["soort"] for t in aanvraag["tijdlijn"]] == ["aanvraag-ontvangen"]
    assert created.headers["Location"] == f"{PATH}/{aanvraag['id']}"
    assert created.headers["ETag"] == '"1"'

    read = client.get(f"{PATH}/{aanvraag['id']}", headers=actors.staff())
    assert read.status_code == 200
    assert read.json() == aanvraag


def test_same_key_and_body_gives_the_same_aanvraag_once(alo, actors) -> None:
    headers = actors.service() | {"Idempotency-Key": "aanvraag-1"}
    first = alo.client.post(PATH, json=alo.body(), headers=headers)
    again = alo.client.post(PATH, json=alo.body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert alo.operations() == ["aanvraag.registreren"]


def test_same_key_with_another_body_is_409(alo, actors) -> None:
    headers = actors.service() | {"Idempotency-Key": "aanvraag-2"}
    assert alo.client.post(PATH, json=alo.body(), headers=headers).status_code == 201
    conflict = alo.client.post(PATH, json=alo.body(kanaal="balie"), headers=headers)
    assert conflict.status_code == 409
    assert alo.problem(conflict)["code"] == "idempotency-key-reused"


def test_the_idempotency_key_is_required(alo, actors) -> None:
    response = alo.client.post(PATH, json=alo.body(), headers=actors.service())
    assert response.status_code == 400
    assert [p["name"] for p in alo.problem(response)["invalidParams"]] == ["Idempotency-Key"]


def test_concurrent_registrations_with_one_key_make_one_aanvraag(alo, actors) -> None:
    headers = actors.service() | {"Idempotency-Key": "same-key"}

    def register(_: int) -> tuple[int, str]:
        response = alo.client.post(PATH, json=alo.body(), headers=headers)
        return response.status_code, response.json()["id"]

    results = alo.concurrently(8, register)
    assert len(results) == 8
    assert len({aanvraag_id for _, aanvraag_id in results}) == 1
    assert sorted(code for code, _ in results) == [200] * 7 + [201]
    listed = alo.client.get(PATH, headers=actors.staff()).json()["items"]
    assert len(listed) == 1
    assert alo.operations().count("aanvraag.registreren") == 1


def test_gegevens_must_be_a_json_object_of_limited_size(alo, actors) -> None:
    headers = actors.service() | {"Idempotency-Key": "k"}
    not_an_object = alo.client.post(PATH, json=alo.body(gegevens=["a"]), headers=headers)
    assert not_an_object.status_code == 400
    assert alo.problem(not_an_object)["invalidParams"][0]["name"] == "gegevens"
    huge = alo.client.post(PATH, json=alo.body(gegevens={"x": "y" * 300_000}), headers=headers)
    assert huge.status_code in (400, 413)
    big = alo.client.post(PATH, json=alo.body(gegevens={"x": "y" * 270_000}), headers=headers)
    assert big.status_code == 400
    assert alo.problem(big)["invalidParams"][0]["name"] == "gegevens"


def test_invalid_input_is_400_naming_the_field(alo, actors) -> None:
    headers = actors.service() | {"Idempotency-Key": "k"}
    cases: list[tuple[dict[str, Any], str]] = [
        (alo.body(bsn="123456789"), "bsn"),
        (alo.body(kanaal="fax"), "kanaal"),
        (alo.body(meldingsdatum="gisteren"), "meldingsdatum"),
    ]
    for body, field in cases:
        response = alo.client.post(PATH, json=body, headers=headers)
        assert response.status_code == 400, body
        assert alo.problem(response)["invalidParams"][0]["name"] == field
    earlier = alo.client.post(PATH, json=alo.body(aanvraagdatum="2026-03-01"), headers=headers)
    assert earlier.status_code == 400


def test_a_citizen_registers_and_reads_only_their_own(alo, actors) -> None:
    citizen, other = actors.burger(BSN_A), actors.burger(BSN_B)
    key = {"Idempotency-Key": "burger-1"}
    assert alo.client.post(PATH, json=alo.body(BSN_B), headers=citizen | key).status_code == 403
    created = alo.client.post(PATH, json=alo.body(BSN_A), headers=citizen | key)
    assert created.status_code == 201
    aanvraag_id = created.json()["id"]
    assert alo.client.get(f"{PATH}/{aanvraag_id}", headers=citizen).status_code == 200
    foreign = alo.client.get(f"{PATH}/{aanvraag_id}", headers=other)
    missing = alo.client.get(f"{PATH}/{uuid.uuid4()}", headers=other)
    assert foreign.status_code == missing.status_code == 404
    assert alo.comparable(foreign.json()) == alo.comparable(missing.json())
    # Lists: a citizen sees only their own, whatever bsn they ask for.
    alo.aanvraag(BSN_B)
    own = alo.client.get(PATH, headers=citizen).json()["items"]
    assert [a["id"] for a in own] == [aanvraag_id]
    assert alo.client.get(f"{PATH}?bsn={BSN_B}", headers=citizen).json()["items"] == []
    assert alo.client.get(PATH, headers=other).json()["items"][0]["id"] != aanvraag_id
    # The citizen as actor is stored as a pseudonym.
    assert BSN_A not in str(alo.audit())


def test_who_else_may_read(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    url = f"{PATH}/{aanvraag['id']}"
    for role in ("klantmanager", "inkomensconsulent", "handhaver", "teamleider"):
        assert alo.client.get(url, headers=actors.staff("m", role)).status_code == 200, role
    for role in ("beheerder", "auditor"):
        assert alo.client.get(url, headers=actors.staff("m", role)).status_code == 404, role
        assert alo.client.get(PATH, headers=actors.staff("m", role)).status_code == 403, role
    # Registering: not a handhaver, not a beheerder.
    body, key = alo.body(), {"Idempotency-Key": "x"}
    assert alo.client.post(PATH, json=body, headers=actors.staff("h", "handhaver") | key).status_code == 403
    assert alo.client.post(PATH, json=body, headers=actors.staff("k", "klantmanager") | key).status_code == 201


def test_lists_never_show_a_bsn_and_page_newest_first(alo, actors) -> None:
    made = [alo.aanvraag(bsn) for bsn in (BSN_A, BSN_B, BSN_A)]
    first = alo.client.get(f"{PATH}?pageSize=2", headers=actors.staff())
    assert first.status_code == 200
    page = first.json()
    assert [a["id"] for a in page["items"]] == [made[2]["id"], made[1]["id"]]
    assert "bsn" not in page["items"][0]
    assert "gegevens" not in page["items"][0]
    assert BSN_A not in first.text
    assert BSN_B not in first.text
    second = alo.client.get(f"{PATH}?pageSize=2&after={page['nextAfter']}", headers=actors.staff()).json()
    assert [a["id"] for a in second["items"]] == [made[0]["id"]]
    assert second["nextAfter"] is None
    by_bsn = alo.client.get(f"{PATH}?bsn={BSN_A}", headers=actors.service()).json()["items"]
    assert {a["id"] for a in by_bsn} == {made[0]["id"], made[2]["id"]}
    assert alo.client.get(f"{PATH}?status=besloten", headers=actors.staff()).json()["items"] == []
    assert alo.client.get(f"{PATH}?after=garbage", headers=actors.staff()).status_code == 400


def test_status_changes_with_optimistic_locking(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    url = f"{PATH}/{aanvraag['id']}"
    changed = alo.client.patch(url, json={"status": "in-behandeling"}, headers=actors.service() | {"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["status"], changed.json()["version"]) == ("in-behandeling", 2)
    assert changed.headers["ETag"] == '"2"'
    stale = alo.client.patch(url, json={"status": "wacht-op-bron", "version": 1}, headers=actors.service())
    assert stale.status_code == 409
    assert alo.problem(stale)["code"] == "version-mismatch"
    ok = alo.client.patch(url, json={"status": "wacht-op-bron", "version": 2}, headers=actors.service())
    assert ok.json()["version"] == 3
    missing_version = alo.client.patch(url, json={"status": "besloten"}, headers=actors.service())
    assert missing_version.status_code == 400
    both_differ = alo.client.patch(
        url, json={"status": "besloten", "version": 3}, headers=actors.service() | {"If-Match": '"2"'}
    )
    assert both_differ.status_code == 400
    assert alo.client.patch(url, json={"status": "besloten", "version": 3}, headers=actors.service()).status_code == 200
    # A finished case keeps its status.
    final = alo.client.patch(url, json={"status": "in-behandeling", "version": 4}, headers=actors.service())
    assert final.status_code == 422
    assert alo.problem(final)["code"] == "status-definitief"


def test_concurrent_status_changes_from_one_version_one_wins(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    url = f"{PATH}/{aanvraag['id']}"

    def change(i: int) -> int:
        status = "in-behandeling" if i % 2 else "wacht-op-bron"
        return alo.client.patch(url, json={"status": status, "version": 1}, headers=actors.service()).status_code

    codes = alo.concurrently(6, change)
    assert sorted(codes) == [200] + [409] * 5
    assert alo.client.get(url, headers=actors.service()).json()["version"] == 2


def test_only_the_process_changes_status_and_tijdlijn(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    url = f"{PATH}/{aanvraag['id']}"
    for headers in (actors.staff("t", "teamleider"), actors.burger(BSN_A)):
        assert alo.client.patch(url, json={"status": "ingetrokken", "version": 1}, headers=headers).status_code == 403
        entry = {"soort": "x", "omschrijving": "y"}
        assert alo.client.post(f"{url}/tijdlijn", json=entry, headers=headers).status_code == 403


def test_tijdlijn_entries_are_added_once_per_key_and_shown_in_order(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    url = f"{PATH}/{aanvraag['id']}"
    entry = {"soort": "gegevens-opgevraagd", "omschrijving": "Wij vroegen uw loonstroken op.", "sleutel": "stap-7"}
    first = alo.client.post(f"{url}/tijdlijn", json=entry, headers=actors.service())
    again = alo.client.post(f"{url}/tijdlijn", json=entry, headers=actors.service())
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["actor"] == "gbi-process"
    named = alo.client.post(
        f"{url}/tijdlijn",
        json={"soort": "besluit-genomen", "omschrijving": "Wij hebben besloten.", "actor": "Gemeente Amsterdam"},
        headers=actors.service(),
    )
    assert named.status_code == 201
    detail = alo.client.get(url, headers=actors.burger(BSN_A)).json()
    assert [t["soort"] for t in detail["tijdlijn"]] == ["aanvraag-ontvangen", "gegevens-opgevraagd", "besluit-genomen"]
    assert detail["tijdlijn"][2]["actor"] == "Gemeente Amsterdam"
    bad = alo.client.post(
        f"{url}/tijdlijn", json={"soort": "Met Spaties", "omschrijving": "x"}, headers=actors.service()
    )
    assert bad.status_code == 400


def test_every_read_is_audited_with_a_pseudonym(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    alo.client.get(f"{PATH}/{aanvraag['id']}", headers=actors.staff())
    alo.client.get(f"{PATH}/{aanvraag['id']}", headers=actors.burger(BSN_A))
    alo.client.get(f"{PATH}?bsn={BSN_A}", headers=actors.staff())
    entries = alo.audit()
    assert [e["operation"] for e in entries] == [
        "aanvraag.registreren",
        "aanvraag.raadplegen",
        "aanvraag.raadplegen",
        "aanvraag.zoeken",
    ]
    subjects = {e["dataSubjectId"] for e in entries}
    assert len(subjects) == 1
    assert len(next(iter(subjects))) == 64
    assert {e["processingActivity"] for e in entries} == {"gbi.alo"}
    assert entries[1]["actor"] == "km-1"
    assert entries[2]["actorType"] == "burger"
    assert BSN_A not in str(entries)
    verified = alo.client.get(f"{V1}/audit/verify", headers=actors.auditor()).json()
    assert verified["valid"] is True


def test_malformed_id_is_400_and_no_context_is_401(alo, actors) -> None:
    assert alo.client.get(f"{PATH}/not-a-uuid", headers=actors.staff()).status_code == 400
    assert alo.client.get(PATH).status_code == 401
    no_gemeente = alo.client.get(PATH, headers=actors.burger(BSN_A, gemeente=None))
    assert no_gemeente.status_code == 403

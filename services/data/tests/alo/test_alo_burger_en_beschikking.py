"""A citizen finds their own aanvragen in every gemeente (the citizen-wide index, ADR 0010: a citizen who moved
still sees the aanvragen of the gemeente they left), and nobody else's; and the besluit gets its beschikking linked
once, after the letter is rendered. On SQLite and, with GBI_TEST_DATABASE_URL, on PostgreSQL with row-level
security (the subject policy of migration 0008)."""

from __future__ import annotations

import uuid
from typing import Any

V1 = "/internal/data/v1"
AMSTERDAM, ROTTERDAM = "0363", "0599"
BSN_A, BSN_B = "999993653", "999990019"
PDF = "JVBERi0xLjcK"


def _besluit(**changes: Any) -> dict[str, Any]:
    return {
        "soort": "toekenning",
        "datum": "2026-03-20",
        "ingangsdatum": "2026-03-02",
        "bedragPerMaandCents": 134849,
        "gronden": {"berekening": {"norm": "1348.49"}},
        "vastgesteldDoor": "gbi-proces",
    } | changes


def test_a_citizen_lists_their_own_aanvragen_in_every_gemeente_and_nobody_elses(alo, actors) -> None:
    oud = alo.aanvraag(BSN_A, AMSTERDAM)  # before the move
    nieuw = alo.aanvraag(BSN_A, ROTTERDAM)  # after
    alo.aanvraag(BSN_B, AMSTERDAM)
    # The citizen's context names no gemeente (or the new one): the index answers across gemeenten.
    for headers in (actors.burger(BSN_A, gemeente=None), actors.burger(BSN_A, gemeente=ROTTERDAM)):
        resp = alo.client.get(f"{V1}/burgeraanvragen", headers=headers)
        assert resp.status_code == 200, resp.text
        items = resp.json()["items"]
        assert [i["id"] for i in items] == [nieuw["id"], oud["id"]]  # newest first
        assert [i["gemeente"] for i in items] == [ROTTERDAM, AMSTERDAM]
        assert all("bsn" not in i for i in items)
    one = alo.client.get(f"{V1}/burgeraanvragen/{oud['id']}", headers=actors.burger(BSN_A, gemeente=None))
    assert one.status_code == 200
    assert one.json()["gemeente"] == AMSTERDAM
    # Then the case itself, in the gemeente that holds it.
    case = alo.client.get(f"{V1}/aanvragen/{oud['id']}", headers=actors.burger(BSN_A, gemeente=AMSTERDAM))
    assert case.status_code == 200
    # Another citizen: nothing of A's, and A's aanvraag answers exactly like one that does not exist.
    other = alo.client.get(f"{V1}/burgeraanvragen", headers=actors.burger(BSN_B, gemeente=None))
    assert [i["gemeente"] for i in other.json()["items"]] == [AMSTERDAM]
    foreign = alo.client.get(f"{V1}/burgeraanvragen/{oud['id']}", headers=actors.burger(BSN_B, gemeente=None))
    missing = alo.client.get(f"{V1}/burgeraanvragen/{uuid.uuid4()}", headers=actors.burger(BSN_B, gemeente=None))
    assert foreign.status_code == missing.status_code == 404
    assert alo.comparable(alo.problem(foreign)) == alo.comparable(alo.problem(missing))


def test_the_citizen_lookup_is_for_citizens_only_pages_and_is_audited_per_gemeente(alo, actors) -> None:
    for _ in range(3):
        alo.aanvraag(BSN_A, AMSTERDAM)
    alo.aanvraag(BSN_A, ROTTERDAM)
    for headers in (actors.staff("km-1"), actors.service()):
        assert alo.client.get(f"{V1}/burgeraanvragen", headers=headers).status_code == 403
    first = alo.client.get(f"{V1}/burgeraanvragen?pageSize=3", headers=actors.burger(BSN_A, gemeente=None)).json()
    assert len(first["items"]) == 3
    assert first["nextAfter"]
    second = alo.client.get(
        f"{V1}/burgeraanvragen?pageSize=3&after={first['nextAfter']}", headers=actors.burger(BSN_A, gemeente=None)
    ).json()
    assert len(second["items"]) == 1
    assert second["nextAfter"] is None
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    # Each gemeente's own audit chain records what the citizen saw there.
    assert "aanvraag.zoeken" in alo.operations(AMSTERDAM)
    assert "aanvraag.zoeken" in alo.operations(ROTTERDAM)
    bad = alo.client.get(f"{V1}/burgeraanvragen?after=rommel", headers=actors.burger(BSN_A, gemeente=None))
    assert bad.status_code == 400


def test_the_beschikking_is_linked_to_the_besluit_once(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    url = f"{V1}/aanvragen/{aanvraag['id']}/besluit"
    docs = f"{V1}/aanvragen/{aanvraag['id']}/documenten"
    pdf = {"soort": "beschikking", "bestandsnaam": "b.pdf", "contentType": "application/pdf", "inhoud": PDF}
    doc = alo.client.post(docs, json=pdf, headers=actors.service()).json()
    # No besluit yet: nothing to link to.
    early = alo.client.patch(url, json={"beschikkingDocumentId": doc["id"]}, headers=actors.service())
    assert early.status_code == 404
    assert alo.client.post(url, json=_besluit(), headers=actors.service()).status_code == 201
    linked = alo.client.patch(url, json={"beschikkingDocumentId": doc["id"]}, headers=actors.service())
    assert linked.status_code == 200, linked.text
    assert linked.json()["beschikkingDocumentId"] == doc["id"]
    again = alo.client.patch(url, json={"beschikkingDocumentId": doc["id"]}, headers=actors.service())
    assert again.status_code == 200
    assert again.json() == linked.json()
    # A retried besluit.vastleggen (without the link) still replays the same besluit.
    replay = alo.client.post(url, json=_besluit(), headers=actors.service())
    assert replay.status_code == 200
    assert replay.json()["beschikkingDocumentId"] == doc["id"]
    other = alo.client.post(docs, json=pdf | {"bestandsnaam": "c.pdf"}, headers=actors.service()).json()
    conflict = alo.client.patch(url, json={"beschikkingDocumentId": other["id"]}, headers=actors.service())
    assert conflict.status_code == 409
    assert alo.problem(conflict)["code"] == "beschikking-bestaat"
    # Only a beschikking of this aanvraag, only by the process service.
    bewijs = alo.client.post(
        docs, json=pdf | {"soort": "bewijsstuk", "bestandsnaam": "d.pdf"}, headers=actors.service()
    ).json()
    for body, headers, status in (
        ({"beschikkingDocumentId": bewijs["id"]}, actors.service(), 400),
        ({"beschikkingDocumentId": str(uuid.uuid4())}, actors.service(), 400),
        ({"beschikkingDocumentId": doc["id"]}, actors.staff("tl", "teamleider"), 403),
        ({"beschikkingDocumentId": "geen-uuid"}, actors.service(), 400),
    ):
        assert alo.client.patch(url, json=body, headers=headers).status_code == status
    assert alo.client.get(url, headers=actors.service()).json()["beschikkingDocumentId"] == doc["id"]

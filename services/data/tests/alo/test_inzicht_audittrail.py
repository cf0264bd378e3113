"""The audit trail of a case (``GET /internal/data/v1/aanvragen/{id}/audittrail``): the processing-log entries about
its applicant, newest first, within the gemeente, for case staff and auditors only, and reading it is logged."""

from __future__ import annotations

from typing import Any

from .conftest import AMSTERDAM, BSN_A, BSN_B, ROTTERDAM, V1, Alo


def _trail(alo: Alo, aanvraag_id: str, headers: dict[str, str], query: str = "") -> Any:
    return alo.client.get(f"{V1}/aanvragen/{aanvraag_id}/audittrail{query}", headers=headers)


def test_trail_lists_the_applicants_entries_newest_first_and_logs_the_reading(alo: Alo) -> None:
    mine = alo.aanvraag(BSN_A)
    other = alo.aanvraag(BSN_B)
    staff = alo.actors.staff("km-1", "klantmanager")
    assert alo.client.get(f"{V1}/aanvragen/{mine['id']}", headers=staff).status_code == 200
    assert alo.client.get(f"{V1}/aanvragen/{other['id']}", headers=staff).status_code == 200

    response = _trail(alo, mine["id"], staff)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(i["handeling"], i["door"]) for i in items] == [
        ("aanvraag.raadplegen", "km-1"),
        ("aanvraag.registreren", "gbi-process"),
    ]
    assert items[0]["volgnummer"] > items[1]["volgnummer"]
    assert items[0]["doel"] == "participatiewet"
    assert len(items[0]["traceId"]) == 32

    again = _trail(alo, mine["id"], alo.actors.auditor()).json()["items"]
    assert [(i["handeling"], i["door"], i["uitkomst"]) for i in again[:2]] == [
        ("audittrail.raadplegen", "km-1", "listed-2"),
        ("aanvraag.raadplegen", "km-1", "read"),
    ]
    # The other applicant's entries never show up.
    log = alo.audit()
    theirs = {e["seq"] for e in log if e["operation"] == "aanvraag.registreren"}
    assert len(theirs) == 2
    assert len(theirs & {i["volgnummer"] for i in again}) == 1


def test_trail_pages_backwards(alo: Alo) -> None:
    aanvraag = alo.aanvraag(BSN_A)
    staff = alo.actors.staff("tl-1", "teamleider")
    for _ in range(3):
        assert alo.client.get(f"{V1}/aanvragen/{aanvraag['id']}", headers=staff).status_code == 200
    first = _trail(alo, aanvraag["id"], staff, "?pageSize=2").json()
    assert len(first["items"]) == 2
    seen = [i["volgnummer"] for i in first["items"]]
    page = first
    while page["volgendeVoor"] is not None:
        page = _trail(alo, aanvraag["id"], staff, f"?pageSize=2&voor={page['volgendeVoor']}").json()
        seen += [i["volgnummer"] for i in page["items"]]
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == 4  # registreren + three reads (each trail read is logged after its rows were read)


def test_trail_is_for_case_staff_and_auditors_in_the_gemeente(alo: Alo) -> None:
    aanvraag = alo.aanvraag(BSN_A)
    for headers in (alo.actors.staff("bh-1", "beheerder"), alo.actors.burger(BSN_A)):
        response = _trail(alo, aanvraag["id"], headers)
        assert response.status_code == 403, response.text
        assert alo.problem(response)["status"] == 403
    elsewhere = _trail(alo, aanvraag["id"], alo.actors.staff("km-r", "klantmanager", gemeente=ROTTERDAM))
    missing = _trail(alo, "00000000-0000-4000-8000-000000000000", alo.actors.staff())
    assert elsewhere.status_code == missing.status_code == 404
    assert alo.comparable(elsewhere.json())["detail"] == alo.comparable(missing.json())["detail"]
    before = alo.operations(AMSTERDAM).count("audittrail.raadplegen")
    assert before == 0  # refused and missing reads log nothing
    assert _trail(alo, aanvraag["id"], alo.actors.staff(), "?pageSize=0").status_code == 400
    assert _trail(alo, aanvraag["id"], alo.actors.staff(), "?voor=abc").status_code == 400

"""Nothing happens twice: a step's result is recorded once (the first write wins), and there is one besluit and one
uitkering per aanvraag and one voorschot per (aanvraag, volgnummer). A retried command, also many at once, gets
the existing row back, never a second one; the same key with other content is 409."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select

from gbi_data.alo.models import Besluit, Processtap, Uitkering, Voorschot
from gbi_data.betaalrun import repository as betaalrun_repository
from gbi_data.betaalrun.models import UitkeringGrondslag

V1 = "/internal/data/v1"


def _count(database, model) -> int:
    with database.transaction(gemeente="0363") as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- steps ------------------------------------------------------------------------------------------------------


def test_the_first_write_of_a_step_wins(alo, actors) -> None:
    _, instance = alo.zaak()
    url = f"{V1}/procesinstanties/{instance['id']}/stappen"
    assert alo.client.get(f"{url}/zaak.registreren", headers=actors.service()).status_code == 404
    first = alo.client.post(
        url, json={"stapSleutel": "zaak.registreren", "resultaat": {"zaakId": "Z-1"}}, headers=actors.service()
    )
    assert first.status_code == 201, first.text
    # A worker that crashed after the side effect but before saving state retries with a new result: it gets the
    # recorded one back and uses that instead of doing the side effect again.
    retry = alo.client.post(
        url, json={"stapSleutel": "zaak.registreren", "resultaat": {"zaakId": "Z-2"}}, headers=actors.service()
    )
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["resultaat"] == {"zaakId": "Z-1"}
    read = alo.client.get(f"{url}/zaak.registreren", headers=actors.service())
    assert read.status_code == 200
    assert read.json() == first.json()
    scalar = alo.client.post(url, json={"stapSleutel": "teller:1", "resultaat": 42}, headers=actors.service())
    assert scalar.json()["resultaat"] == 42
    bad_key = alo.client.post(url, json={"stapSleutel": "met spatie", "resultaat": 1}, headers=actors.service())
    assert bad_key.status_code == 400
    assert alo.client.post(url, json={"stapSleutel": "x", "resultaat": 1}, headers=actors.staff()).status_code == 403
    missing = alo.client.post(
        f"{V1}/procesinstanties/{uuid.uuid4()}/stappen",
        json={"stapSleutel": "x", "resultaat": 1},
        headers=actors.service(),
    )
    assert missing.status_code == 404
    foreign = alo.client.get(f"{url}/zaak.registreren", headers=actors.service("0599"))
    assert foreign.status_code == 404


def test_concurrent_step_writes_record_one_result(alo, actors, database) -> None:
    _, instance = alo.zaak()
    url = f"{V1}/procesinstanties/{instance['id']}/stappen"

    def record(i: int) -> tuple[int, object]:
        response = alo.client.post(
            url, json={"stapSleutel": "betaling", "resultaat": {"worker": i}}, headers=actors.service()
        )
        return response.status_code, response.json()["resultaat"]

    results = alo.concurrently(8, record)
    assert sorted(code for code, _ in results) == [200] * 7 + [201]
    assert len({str(r) for _, r in results}) == 1
    assert _count(database, Processtap) == 1


# --- besluit, uitkering, voorschot ------------------------------------------------------------------------------


def _besluit(**changes: object) -> dict:
    return {
        "soort": "toekenning",
        "datum": "2026-04-01",
        "ingangsdatum": "2026-03-09",
        "bedragPerMaandCents": 140150,
        "gronden": {"norm": "art. 21 Pw", "regels": [{"regel": "norm alleenstaande", "bedragCents": 140150}]},
        "vastgesteldDoor": "ic-1",
        "goedgekeurdDoor": "tl-1",
    } | changes


def test_one_besluit_per_aanvraag(alo, actors, database) -> None:
    aanvraag = alo.aanvraag()
    url = f"{V1}/aanvragen/{aanvraag['id']}/besluit"
    first = alo.client.post(url, json=_besluit(), headers=actors.service())
    assert first.status_code == 201, first.text
    retry = alo.client.post(url, json=_besluit(), headers=actors.service())
    assert retry.status_code == 200
    assert retry.json() == first.json()
    other = alo.client.post(url, json=_besluit(soort="afwijzing"), headers=actors.service())
    assert other.status_code == 409
    assert alo.problem(other)["code"] == "besluit-bestaat"
    assert _count(database, Besluit) == 1
    assert alo.client.get(url, headers=actors.burger()).json() == first.json()
    assert alo.client.get(url, headers=actors.burger("999990019")).status_code == 404
    assert alo.client.post(url, json=_besluit(), headers=actors.staff("tl", "teamleider")).status_code == 403


def test_besluit_rules(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    url = f"{V1}/aanvragen/{aanvraag['id']}/besluit"
    same_person = alo.client.post(url, json=_besluit(goedgekeurdDoor="ic-1"), headers=actors.service())
    assert same_person.status_code == 400
    incomplete = alo.client.post(url, json=_besluit(bedragPerMaandCents=None), headers=actors.service())
    assert incomplete.status_code == 400
    unknown_doc = alo.client.post(url, json=_besluit(beschikkingDocumentId=str(uuid.uuid4())), headers=actors.service())
    assert unknown_doc.status_code == 400
    assert alo.problem(unknown_doc)["invalidParams"][0]["name"] == "beschikkingDocumentId"
    pdf = {"soort": "beschikking", "bestandsnaam": "b.pdf", "contentType": "application/pdf", "inhoud": "JVBERi0xLjcK"}
    doc = alo.client.post(f"{V1}/aanvragen/{aanvraag['id']}/documenten", json=pdf, headers=actors.service()).json()
    ok = alo.client.post(url, json=_besluit(beschikkingDocumentId=doc["id"]), headers=actors.service())
    assert ok.status_code == 201
    assert ok.json()["beschikkingDocumentId"] == doc["id"]
    afwijzing_zonder_bedrag = alo.aanvraag()
    rejected = alo.client.post(
        f"{V1}/aanvragen/{afwijzing_zonder_bedrag['id']}/besluit",
        json=_besluit(soort="afwijzing", ingangsdatum=None, bedragPerMaandCents=None, goedgekeurdDoor=None),
        headers=actors.service(),
    )
    assert rejected.status_code == 201


def test_concurrent_besluiten_make_one(alo, actors, database) -> None:
    aanvraag = alo.aanvraag()
    url = f"{V1}/aanvragen/{aanvraag['id']}/besluit"

    def decide(_: int) -> int:
        return alo.client.post(url, json=_besluit(), headers=actors.service()).status_code

    assert sorted(alo.concurrently(6, decide)) == [200] * 5 + [201]
    assert _count(database, Besluit) == 1


def test_one_uitkering_per_aanvraag_and_only_after_a_toekenning(alo, actors, database) -> None:
    aanvraag = alo.aanvraag()
    body = {"aanvraagId": aanvraag["id"], "startdatum": "2026-03-09", "bedragPerMaandCents": 140150}
    early = alo.client.post(f"{V1}/uitkeringen", json=body, headers=actors.service())
    assert early.status_code == 422
    assert alo.problem(early)["code"] == "geen-toekenning"
    alo.client.post(f"{V1}/aanvragen/{aanvraag['id']}/besluit", json=_besluit(), headers=actors.service())
    first = alo.client.post(f"{V1}/uitkeringen", json=body, headers=actors.service())
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "actief"
    retry = alo.client.post(f"{V1}/uitkeringen", json=body, headers=actors.service())
    assert (retry.status_code, retry.json()) == (200, first.json())
    other = alo.client.post(f"{V1}/uitkeringen", json=body | {"bedragPerMaandCents": 1}, headers=actors.service())
    assert other.status_code == 409
    assert _count(database, Uitkering) == 1
    read = alo.client.get(f"{V1}/aanvragen/{aanvraag['id']}/uitkering", headers=actors.staff())
    assert read.json() == first.json()


def test_no_voorschot_exists_twice(alo, actors, database) -> None:
    aanvraag = alo.aanvraag()
    body = {
        "aanvraagId": aanvraag["id"],
        "volgnummer": 1,
        "bedragCents": 70000,
        "periode": "2026-03",
        "betaaldatum": "2026-03-20",
    }

    def pay(_: int) -> tuple[int, str]:
        response = alo.client.post(f"{V1}/voorschotten", json=body, headers=actors.service())
        return response.status_code, response.json()["id"]

    results = alo.concurrently(8, pay)
    assert sorted(code for code, _ in results) == [200] * 7 + [201]
    assert len({i for _, i in results}) == 1
    changed = alo.client.post(f"{V1}/voorschotten", json=body | {"bedragCents": 70001}, headers=actors.service())
    assert changed.status_code == 409
    assert alo.problem(changed)["code"] == "voorschot-bestaat"
    second = alo.client.post(
        f"{V1}/voorschotten", json=body | {"volgnummer": 2, "periode": "2026-04"}, headers=actors.service()
    )
    assert second.status_code == 201
    assert _count(database, Voorschot) == 2
    listed = alo.client.get(f"{V1}/aanvragen/{aanvraag['id']}/voorschotten", headers=actors.burger()).json()["items"]
    assert [v["volgnummer"] for v in listed] == [1, 2]
    assert (
        alo.client.post(f"{V1}/voorschotten", json=body | {"bedragCents": 0}, headers=actors.service()).status_code
        == 400
    )
    assert (
        alo.client.post(f"{V1}/voorschotten", json=body | {"periode": "2026-13"}, headers=actors.service()).status_code
        == 400
    )
    operations = alo.operations()
    assert operations.count("voorschot.vastleggen") == 2


def _grondslag(**changes: object) -> dict:
    return {
        "huishouden": {
            "aanvrager": {"geboortedatum": "1992-09-09"},
            "vermogen": {"bezittingen": "0.00", "schulden": "0.00"},
        },
        "iban": "NL91ABNA0417164300",
        "naam": "K. Vogel",
    } | changes


def test_the_uitkering_is_stored_with_its_grondslag_once_for_the_payment_run(alo, actors, database) -> None:
    """The ALO's uitkering carries what the monthly payment run pays it on, in the same transaction."""
    aanvraag = alo.aanvraag()
    alo.client.post(f"{V1}/aanvragen/{aanvraag['id']}/besluit", json=_besluit(), headers=actors.service())
    body = {
        "aanvraagId": aanvraag["id"],
        "startdatum": "2026-03-09",
        "bedragPerMaandCents": 140150,
        "grondslag": _grondslag(),
    }
    # Bad grondslag (no IBAN in normal form, no name): 400, nothing stored.
    for bad in (_grondslag(iban="NL91 ABNA 0417 1643 00"), _grondslag(naam=""), {"iban": "NL91ABNA0417164300"}):
        r = alo.client.post(f"{V1}/uitkeringen", json=body | {"grondslag": bad}, headers=actors.service())
        assert r.status_code == 400, r.text
    assert _count(database, Uitkering) == 0
    assert _count(database, UitkeringGrondslag) == 0

    first = alo.client.post(f"{V1}/uitkeringen", json=body, headers=actors.service())
    assert first.status_code == 201, first.text
    retry = alo.client.post(f"{V1}/uitkeringen", json=body, headers=actors.service())
    assert (retry.status_code, retry.json()) == (200, first.json())
    other = alo.client.post(
        f"{V1}/uitkeringen", json=body | {"grondslag": _grondslag(naam="Iemand Anders")}, headers=actors.service()
    )
    assert other.status_code == 409
    assert alo.problem(other)["code"] == "uitkering-bestaat"
    with database.transaction(gemeente="0363") as session:
        rows = session.scalars(select(UitkeringGrondslag)).all()
        assert [(str(g.uitkering_id), g.gemeente, g.iban, g.naam) for g in rows] == [
            (first.json()["id"], "0363", "NL91ABNA0417164300", "K. Vogel")
        ]
        assert rows[0].huishouden == _grondslag()["huishouden"]
    # Another gemeente's tenant sees no grondslag (row-level security on PostgreSQL, the gemeente column on both).
    with database.transaction(gemeente="0599") as session:
        assert session.scalars(select(UitkeringGrondslag).where(UitkeringGrondslag.gemeente == "0599")).all() == []


def test_an_uitkering_without_grondslag_is_stored_and_the_run_counts_it_as_not_payable(alo, actors, database) -> None:
    aanvraag = alo.aanvraag()
    alo.client.post(f"{V1}/aanvragen/{aanvraag['id']}/besluit", json=_besluit(), headers=actors.service())
    body = {"aanvraagId": aanvraag["id"], "startdatum": "2026-03-09", "bedragPerMaandCents": 140150}
    first = alo.client.post(f"{V1}/uitkeringen", json=body, headers=actors.service())
    assert first.status_code == 201, first.text
    # The request without the optional field hashes as before: a retry (also one sending grondslag: null) replays.
    again = alo.client.post(f"{V1}/uitkeringen", json=body | {"grondslag": None}, headers=actors.service())
    assert (again.status_code, again.json()) == (200, first.json())
    assert _count(database, UitkeringGrondslag) == 0
    with database.transaction(gemeente="0363") as session:
        # (payable, not payable for want of a grondslag, paid): running in April, not yet in February.
        assert betaalrun_repository.tel_start(session, "0363", date(2026, 4, 1)) == (0, 1, 0)
        assert betaalrun_repository.tel_start(session, "0363", date(2026, 2, 1)) == (0, 0, 0)

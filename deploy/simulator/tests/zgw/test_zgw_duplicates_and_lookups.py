"""A second zaak, besluit or document with an identificatie that exists is refused as the reference implementations
refuse it (``identificatie-niet-uniek``, nothing created), so a client may create first and look up on that
refusal; the look-ups a client makes (by identificatie, by zaak, by besluit) find exactly what they name, oldest
first, however many other registrations the store holds."""

from __future__ import annotations

import uuid
from typing import Any

from gbi_simulator.zgw.api import HOT_OPERATIONS, ROUTES, router
from gbi_simulator.zgw.catalogi import gemeente_rsin
from gbi_simulator.zgw.store import ZgwStore

from .conftest import ROTTERDAM, Zgw
from .test_zgw_validation import _besluit, _document, _params, _zaak

RSIN_R = gemeente_rsin(ROTTERDAM)


def _count(zgw: Zgw, collection: str, field: str, value: str) -> int:
    store: ZgwStore = zgw.client.app.state.zgw.store  # type: ignore[attr-defined]
    return sum(1 for r in store.all(collection) if r.data.get(field) == value)


def test_a_second_zaak_besluit_or_document_with_the_same_identificatie_is_refused_and_creates_nothing(
    zgw: Zgw, catalogus: dict[str, Any]
) -> None:
    cat = catalogus
    ident = f"GBI-{uuid.uuid4().hex[:12]}"
    zaak = zgw.post("zaken", "/zaken", _zaak(cat, identificatie=ident), expect=201).body
    assert _params(zgw.post("zaken", "/zaken", _zaak(cat, identificatie=ident), expect=400)) == [
        ("identificatie", "identificatie-niet-uniek")
    ]
    assert _count(zgw, "zaken", "identificatie", ident) == 1

    besluit = zgw.post("besluiten", "/besluiten", _besluit(cat, zaak["url"], identificatie=ident), expect=201).body
    again = zgw.post("besluiten", "/besluiten", _besluit(cat, zaak["url"], identificatie=ident), expect=400)
    assert _params(again) == [("identificatie", "identificatie-niet-uniek")]
    assert _count(zgw, "besluiten", "identificatie", ident) == 1
    # The refused besluit made no relation to the zaak either.
    zaakbesluiten = zgw.get("zaken", "/zaken/{zaak_uuid}/besluiten", path=f"/zaken/{zaak['uuid']}/besluiten").body
    assert [z["besluit"] for z in zaakbesluiten] == [besluit["url"]]

    zgw.post("documenten", "/enkelvoudiginformatieobjecten", _document(cat, identificatie=ident), expect=201)
    refused = zgw.post("documenten", "/enkelvoudiginformatieobjecten", _document(cat, identificatie=ident), expect=400)
    assert _params(refused) == [("identificatie", "identificatie-niet-uniek")]
    assert _count(zgw, "enkelvoudiginformatieobjecten", "identificatie", ident) == 1

    # Unique within the organisation only: another bronorganisatie may use the same identificatie.
    body = {**_zaak(cat, identificatie=ident), "bronorganisatie": RSIN_R, "verantwoordelijkeOrganisatie": RSIN_R}
    zgw.post("zaken", "/zaken", body, as_client="beheer", expect=201)
    assert _count(zgw, "zaken", "identificatie", ident) == 2


def test_searches_find_exactly_what_they_name_among_many(zgw: Zgw, catalogus: dict[str, Any]) -> None:
    cat = catalogus
    zaken = [zgw.post("zaken", "/zaken", _zaak(cat), expect=201).body for _ in range(4)]
    target = zaken[2]
    for n, zaak in enumerate(zaken):
        for hour in (9, 10):
            status = {
                "zaak": zaak["url"],
                "statustype": cat["statustypen"]["Ontvangen"],
                "datumStatusGezet": f"2025-06-0{2 + n}T{hour:02d}:00:00Z",
            }
            zgw.post("zaken", "/statussen", status, expect=201)
    found = zgw.get("zaken", "/statussen", params={"zaak": target["url"]}).body
    assert [s["datumStatusGezet"] for s in found["results"]] == ["2025-06-04T09:00:00Z", "2025-06-04T10:00:00Z"]
    assert {s["zaak"] for s in found["results"]} == {target["url"]}
    # The zaak's URL on another host names the same zaak (a URL is resolved by its path).
    other_host = target["url"].replace("http://testserver", "http://127.0.0.1:1")
    assert zgw.get("zaken", "/statussen", params={"zaak": other_host}).body["count"] == 2
    assert zgw.get("zaken", "/statussen", params={"zaak": "http://testserver/elders"}).body["count"] == 0

    by_ident = zgw.get("zaken", "/zaken", params={"identificatie": target["identificatie"]}).body
    assert [z["url"] for z in by_ident["results"]] == [target["url"]]
    document = zgw.post("documenten", "/enkelvoudiginformatieobjecten", _document(cat), expect=201).body
    docs = zgw.get(
        "documenten",
        "/enkelvoudiginformatieobjecten",
        params={"identificatie": document["identificatie"], "bronorganisatie": document["bronorganisatie"]},
    ).body
    assert [d["url"] for d in docs["results"]] == [document["url"]]
    besluit = zgw.post("besluiten", "/besluiten", _besluit(cat, target["url"]), expect=201).body
    assert [
        b["url"]
        for b in zgw.get("besluiten", "/besluiten", params={"identificatie": besluit["identificatie"]}).body["results"]
    ] == [besluit["url"]]


def test_the_store_indexes_records_filled_in_after_they_were_added() -> None:
    store = ZgwStore()
    first = store.add("statussen", {"zaak": "/zgw/zaken/api/v1/zaken/a"})
    assert [r.uuid for r in store.having("statussen", "zaak", "/zgw/zaken/api/v1/zaken/a")] == [first.uuid]
    late = store.add("statussen", {})  # added, filled in by its handler afterwards
    assert store.having("statussen", "zaak", "/zgw/zaken/api/v1/zaken/a") == [first]
    later = store.add("statussen", {"zaak": "/zgw/zaken/api/v1/zaken/a"})
    late.data.update({"zaak": "/zgw/zaken/api/v1/zaken/a", "uuid": late.uuid})
    assert store.having("statussen", "zaak", "/zgw/zaken/api/v1/zaken/a") == [first, late, later]
    assert [r.seq for r in store.all("statussen")] == sorted(r.seq for r in (first, late, later))
    store.remove("statussen", first.uuid)
    assert store.having("statussen", "zaak", "/zgw/zaken/api/v1/zaken/a") == [late, later]


def test_the_operations_of_a_case_are_matched_first() -> None:
    paths = {(api, method, path): op for api, method, path, op, _ in ROUTES}
    registered = [
        paths[(api, method, path)]
        for route in router.routes
        for method in sorted(getattr(route, "methods", None) or [])
        for api in ("zaken", "besluiten", "documenten", "catalogi")
        if (path := getattr(route, "path", "").removeprefix(f"/zgw/{api}/api/v1")) != getattr(route, "path", "")
        and (api, method, path) in paths
    ]
    assert registered[: len(HOT_OPERATIONS)] == list(HOT_OPERATIONS)
    assert sorted(registered) == sorted(op for *_, op, _ in ROUTES)

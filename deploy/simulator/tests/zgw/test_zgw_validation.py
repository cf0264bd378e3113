"""Requests that do not conform to the official documents (or to the rules their operations describe) are
refused in the format of the documents, and every refusal is listed at /zgw/_rejections with its reason."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from gbi_testing import minimal_pdf

from .conftest import CRS, RSIN_A, Zgw, headers

Rejections = Callable[[], list[dict[str, Any]]]


def _zaak(cat: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "bronorganisatie": RSIN_A,
        "verantwoordelijkeOrganisatie": RSIN_A,
        "zaaktype": cat["zaaktype"]["url"],
        "startdatum": "2025-06-02",
        **extra,
    }


def _params(answer: Any) -> list[tuple[str, str]]:
    return [(p["name"], p["code"]) for p in answer.body["invalidParams"]]


def test_a_missing_required_field_is_a_validatiefout(
    zgw: Zgw, catalogus: dict[str, Any], rejections: Rejections
) -> None:
    body = _zaak(catalogus)
    del body["zaaktype"]
    answer = zgw.post("zaken", "/zaken", body, expect=400)  # the conftest checks it against ValidatieFout
    assert answer.body["code"] == "invalid"
    assert answer.body["status"] == 400
    assert answer.body["instance"].startswith("urn:uuid:")
    assert answer.body["invalidParams"] == [{"name": "zaaktype", "code": "required", "reason": "Dit veld is vereist."}]
    [rejection] = rejections()
    assert rejection["operation"] == "zaak_create"
    assert rejection["invalidParams"] == answer.body["invalidParams"]
    assert rejection["clientId"] == "gbi-0363"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"omschrijving": "x" * 81}, [("omschrijving", "max_length")]),
        ({"startdatum": "2-6-2025"}, [("startdatum", "invalid")]),
        ({"laatsteBetaaldatum": "2025-06-02"}, [("laatsteBetaaldatum", "invalid")]),
        ({"vertrouwelijkheidaanduiding": "topgeheim"}, [("vertrouwelijkheidaanduiding", "invalid_choice")]),
        ({"kenmerken": [{"kenmerk": "a"}]}, [("kenmerken.0.bron", "required")]),
        ({"zaaktype": "geen-url"}, [("zaaktype", "invalid")]),
        ({"bronorganisatie": 123456782}, [("bronorganisatie", "invalid")]),
    ],
)
def test_schema_violations_name_the_field(
    zgw: Zgw, catalogus: dict[str, Any], extra: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert _params(zgw.post("zaken", "/zaken", _zaak(catalogus, **extra), expect=400)) == expected


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"bronorganisatie": "123456789"}, [("bronorganisatie", "invalid")]),
        (
            {"zaaktype": "http://testserver/zgw/catalogi/api/v1/zaaktypen/00000000-0000-4000-8000-000000000000"},
            [("zaaktype", "bad-url")],
        ),
        ({"zaaktype": "https://elders.example/zaaktypen/1"}, [("zaaktype", "bad-url")]),
        ({"identificatie": "DUBBEL"}, [("identificatie", "identificatie-niet-uniek")]),
        ({"archiefstatus": "gearchiveerd"}, [("archiefstatus", "documents-not-archived")]),
    ],
)
def test_rules_of_zaak_create(
    zgw: Zgw, catalogus: dict[str, Any], extra: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    if extra.get("identificatie") == "DUBBEL":
        zgw.post("zaken", "/zaken", _zaak(catalogus, identificatie="DUBBEL"))
    assert _params(zgw.post("zaken", "/zaken", _zaak(catalogus, **extra), expect=400)) == expected


def test_a_url_of_the_wrong_kind_is_invalid_resource(zgw: Zgw, catalogus: dict[str, Any]) -> None:
    answer = zgw.post("zaken", "/zaken", _zaak(catalogus, zaaktype=catalogus["statustypen"]["Ontvangen"]), expect=400)
    assert _params(answer) == [("zaaktype", "invalid-resource")]


def test_crs_headers(zgw: Zgw, catalogus: dict[str, Any], rejections: Rejections) -> None:
    auth = {"Authorization": headers()["Authorization"]}
    missing = zgw.post("zaken", "/zaken", _zaak(catalogus), hdrs={**auth, "Content-Crs": "EPSG:4326"}, expect=412)
    assert missing.body["code"] == "precondition_failed"
    assert "Accept-Crs" in missing.body["detail"]
    zgw.post("zaken", "/zaken", _zaak(catalogus), hdrs={**auth, "Accept-Crs": "EPSG:4326"}, expect=412)
    zgw.post("zaken", "/zaken", _zaak(catalogus), hdrs={**auth, **CRS, "Accept-Crs": "EPSG:28992"}, expect=406)
    zgw.post("zaken", "/zaken", _zaak(catalogus), hdrs={**auth, **CRS, "Content-Crs": "EPSG:28992"}, expect=415)
    # The Zaken API asks them on the zaak operations only, the other APIs not at all.
    zgw.get("zaken", "/statussen", hdrs=auth, expect=200)
    zgw.get("catalogi", "/catalogussen", hdrs=auth, expect=200)
    assert [r["status"] for r in rejections()] == [412, 412, 406, 415]


def test_body_media_type_and_json(zgw: Zgw, catalogus: dict[str, Any]) -> None:
    wrong_type = zgw.call(
        "zaken",
        "POST",
        "/zaken",
        raw_body=b"<zaak/>",
        hdrs={**headers(), "Content-Type": "application/xml"},
        expect=415,
    )
    assert wrong_type.body["code"] == "unsupported_media_type"
    broken = zgw.call(
        "zaken", "POST", "/zaken", raw_body=b"{", hdrs={**headers(), "Content-Type": "application/json"}, expect=400
    )
    assert broken.body["code"] == "parse_error"
    empty = zgw.call("zaken", "POST", "/zaken", raw_body=b"", hdrs={**headers(), "Content-Type": "application/json"})
    assert empty.status == 400
    not_an_object = zgw.post("zaken", "/zaken", ["lijst"], expect=400)
    assert _params(not_an_object) == [("nonFieldErrors", "invalid")]


def test_query_and_path_parameters(zgw: Zgw, rejections: Rejections) -> None:
    unknown = zgw.get("zaken", "/zaken", params={"zaaktype__in": "x"}, expect=400)
    assert unknown.body["invalidParams"][0]["code"] == "unknown-parameters"
    assert _params(zgw.get("zaken", "/zaken", params={"page": "een"}, expect=400)) == [("page", "invalid")]
    assert _params(zgw.get("zaken", "/zaken", params={"zaaktype": "geen url"}, expect=400)) == [("zaaktype", "invalid")]
    assert _params(zgw.get("zaken", "/zaken", params={"archiefnominatie": "soms"}, expect=400)) == [
        ("archiefnominatie", "invalid_choice")
    ]
    assert _params(zgw.get("zaken", "/zaken", params={"einddatum__isnull": "misschien"}, expect=400)) == [
        ("einddatum__isnull", "invalid")
    ]
    assert _params(
        zgw.get("documenten", "/enkelvoudiginformatieobjecten", params={"objectinformatieobjecten_objectType": "x"})
    ) == [("objectinformatieobjecten_objectType", "invalid_choice")]
    zgw.get("zaken", "/zaken/{uuid}", path="/zaken/geen-uuid", expect=404)
    zgw.get("zaken", "/zaken/{uuid}", path="/zaken/00000000-0000-4000-8000-000000000000", expect=404)
    assert len(rejections()) == 8


def test_operations_that_are_not_simulated(zgw: Zgw, rejections: Rejections) -> None:
    resultaten = zgw.get("zaken", "/resultaten", expect=501)
    assert resultaten.body["code"] == "not-simulated"
    assert "resultaat_list" in resultaten.body["detail"]
    zgw.client.patch("/zgw/zaken/api/v1/zaken/00000000-0000-4000-8000-000000000000", headers=headers(), json={})
    assert zgw.client.put("/zgw/zaken/api/v1/zaken", headers=headers(), json={}).status_code == 405
    assert zgw.client.get("/zgw/zaken/api/v1/bestaat-niet", headers=headers()).status_code == 404
    assert zgw.client.get("/zgw/klanten/api/v1/klanten", headers=headers()).status_code == 404
    expanded = zgw.get("zaken", "/zaken", params={"expand": "zaaktype"}, expect=501)
    assert "expand" in expanded.body["detail"]
    assert [r["status"] for r in rejections()] == [501, 501, 405, 404, 404, 501]


def _besluit(cat: dict[str, Any], zaak_url: str | None, **extra: Any) -> dict[str, Any]:
    body = {
        "verantwoordelijkeOrganisatie": RSIN_A,
        "besluittype": cat["besluittypen"]["Afwijzing"],
        "datum": "2025-06-20",
        "ingangsdatum": "2025-06-20",
        **extra,
    }
    if zaak_url:
        body["zaak"] = zaak_url
    return body


def _document(cat: dict[str, Any], **extra: Any) -> dict[str, Any]:
    pdf = minimal_pdf()
    return {
        "bronorganisatie": RSIN_A,
        "creatiedatum": "2025-06-20",
        "titel": "Beschikking",
        "auteur": "GBI",
        "taal": "dut",
        "inhoud": base64.b64encode(pdf).decode(),
        "informatieobjecttype": cat["informatieobjecttypen"]["Beschikking"],
        **extra,
    }


def test_rules_of_statussen_rollen_besluiten_and_documenten(zgw: Zgw, catalogus: dict[str, Any]) -> None:
    cat = catalogus
    zaak = zgw.post("zaken", "/zaken", _zaak(cat), expect=201).body
    andere = zgw.post("zaken", "/zaken", _zaak(cat), expect=201).body
    other_zaaktype_statustype = zgw.get(
        "catalogi", "/statustypen", params={"zaaktypeIdentificatie": "ALO"}, as_client="beheer"
    ).body["results"][-1]["url"]
    status = {"zaak": zaak["url"], "statustype": other_zaaktype_statustype, "datumStatusGezet": "2025-06-02T10:00:00Z"}
    assert _params(zgw.post("zaken", "/statussen", status, expect=400)) == [("nonFieldErrors", "zaaktype-mismatch")]
    early = {**status, "statustype": cat["statustypen"]["Ontvangen"], "datumStatusGezet": "2025-06-01T10:00:00Z"}
    assert _params(zgw.post("zaken", "/statussen", early, expect=400)) == [
        ("datumStatusGezet", "date-before-startdatum")
    ]
    # The startdatum is a Dutch day: 21:30Z on the 1st is still the 1st in Amsterdam, 22:30Z already the 2nd.
    late_evening = {**early, "datumStatusGezet": "2025-06-01T21:30:00Z"}
    assert _params(zgw.post("zaken", "/statussen", late_evening, expect=400)) == [
        ("datumStatusGezet", "date-before-startdatum")
    ]
    zgw.post("zaken", "/statussen", {**early, "datumStatusGezet": "2025-06-01T22:30:00Z"}, expect=201)
    ok = {**early, "datumStatusGezet": "2025-06-02T10:00:00Z"}
    zgw.post("zaken", "/statussen", ok, expect=201)
    assert _params(zgw.post("zaken", "/statussen", ok, expect=400)) == [("nonFieldErrors", "unique")]
    naive = {**ok, "datumStatusGezet": "2025-06-02T11:00:00"}
    assert _params(zgw.post("zaken", "/statussen", naive, expect=400)) == [("datumStatusGezet", "invalid")]

    rol = {
        "zaak": zaak["url"],
        "roltype": cat["roltypen"]["Aanvrager"],
        "betrokkeneType": "natuurlijk_persoon",
        "roltoelichting": "x",
    }
    assert _params(zgw.post("zaken", "/rollen", rol, expect=400)) == [("nonFieldErrors", "invalid-betrokkene")]
    no_toelichting = {k: v for k, v in rol.items() if k != "roltoelichting"} | {
        "betrokkeneIdentificatie": {"inpBsn": "999993653"}
    }
    assert _params(zgw.post("zaken", "/rollen", no_toelichting, expect=400)) == [("roltoelichting", "required")]

    future = _besluit(cat, zaak["url"], datum="2999-01-01")
    assert _params(zgw.post("besluiten", "/besluiten", future, expect=400)) == [("datum", "datum-in-future")]
    bad_rsin = _besluit(cat, zaak["url"], verantwoordelijkeOrganisatie="123456789")
    assert _params(zgw.post("besluiten", "/besluiten", bad_rsin, expect=400)) == [
        ("verantwoordelijkeOrganisatie", "invalid")
    ]
    assert sorted(_params(zgw.post("besluiten", "/besluiten", {"datum": "2025-06-20"}, expect=400))) == [
        ("besluittype", "required"),
        ("ingangsdatum", "required"),
        ("verantwoordelijkeOrganisatie", "required"),
    ]
    besluit = zgw.post("besluiten", "/besluiten", _besluit(cat, zaak["url"]), expect=201).body
    zaakbesluit = {"besluit": besluit["url"]}
    zaak_uuid = andere["uuid"]
    assert _params(
        zgw.post("zaken", "/zaken/{zaak_uuid}/besluiten", zaakbesluit, path=f"/zaken/{zaak_uuid}/besluiten", expect=400)
    ) == [("besluit", "inconsistent-relation")]
    assert _params(
        zgw.post(
            "zaken", "/zaken/{zaak_uuid}/besluiten", zaakbesluit, path=f"/zaken/{zaak['uuid']}/besluiten", expect=400
        )
    ) == [("besluit", "unique")]  # the Besluiten API made this relation already

    assert _params(
        zgw.post("documenten", "/enkelvoudiginformatieobjecten", _document(cat, inhoud="@@"), expect=400)
    ) == [("inhoud", "invalid")]
    assert _params(
        zgw.post("documenten", "/enkelvoudiginformatieobjecten", _document(cat, bestandsomvang=1), expect=400)
    ) == [("bestandsomvang", "file-size-mismatch")]
    assert _params(zgw.post("documenten", "/enkelvoudiginformatieobjecten", _document(cat, taal="nl"), expect=400)) == [
        ("taal", "min_length")
    ]
    received = _document(cat, status="in_bewerking", ontvangstdatum="2025-06-01")
    assert _params(zgw.post("documenten", "/enkelvoudiginformatieobjecten", received, expect=400)) == [
        ("status", "invalid_for_received")
    ]
    # No indicatieGebruiksrecht: the zaak cannot be closed while this document belongs to it.
    document = zgw.post("documenten", "/enkelvoudiginformatieobjecten", _document(cat), expect=201).body
    zio = {"zaak": zaak["url"], "informatieobject": document["url"]}
    zgw.post("zaken", "/zaakinformatieobjecten", zio, expect=201)
    assert _params(zgw.post("zaken", "/zaakinformatieobjecten", zio, expect=400)) == [("nonFieldErrors", "unique")]
    eind = {
        "zaak": zaak["url"],
        "statustype": cat["statustypen"]["Afgehandeld"],
        "datumStatusGezet": "2025-06-25T10:00:00Z",
    }
    assert _params(zgw.post("zaken", "/statussen", eind, expect=400)) == [
        ("nonFieldErrors", "indicatiegebruiksrecht-unset")
    ]
    other_type = zgw.get("catalogi", "/informatieobjecttypen", as_client="beheer").body["results"]
    foreign_iot = next(t["url"] for t in other_type if t["url"] != cat["informatieobjecttypen"]["Beschikking"])
    denied = zgw.post(
        "documenten", "/enkelvoudiginformatieobjecten", _document(cat, informatieobjecttype=foreign_iot), expect=403
    )
    assert denied.body["code"] == "permission_denied"


def test_rejections_can_be_emptied(zgw: Zgw, rejections: Rejections) -> None:
    zgw.get("zaken", "/zaken", params={"onbekend": "1"}, expect=400)
    assert len(rejections()) == 1
    snapshot = zgw.client.get("/zgw/_rejections").json()
    assert snapshot["count"] == 1
    assert snapshot["rejections"][0]["reason"]
    assert zgw.client.delete("/zgw/_rejections").status_code == 204
    assert zgw.client.get("/zgw/_rejections").json() == {"count": 0, "rejections": [], "responseViolations": []}

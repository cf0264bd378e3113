"""A whole ALO zaak on the simulated zaaksysteem: zaak, rollen, statussen, besluit, document (a real PDF),
relations; every answer checked against the official documents, and not one request refused."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from gbi_testing import is_wellformed_pdf, minimal_pdf

from .conftest import RSIN_A, Zgw

Rejections = Callable[[], list[dict[str, Any]]]
BSN = "999993112"


def _zaak_body(cat: dict[str, Any], identificatie: str, **extra: Any) -> dict[str, Any]:
    return {
        "identificatie": identificatie,
        "bronorganisatie": RSIN_A,
        "verantwoordelijkeOrganisatie": RSIN_A,
        "zaaktype": cat["zaaktype"]["url"],
        "omschrijving": "Aanvraag levensonderhoud",
        "startdatum": "2025-06-02",
        "kenmerken": [{"kenmerk": identificatie, "bron": "GBI"}],
        **extra,
    }


def test_a_whole_alo_zaak(zgw: Zgw, catalogus: dict[str, Any], rejections: Rejections) -> None:
    cat = catalogus
    zaak = zgw.post("zaken", "/zaken", _zaak_body(cat, "FLOW-1"), expect=201)
    assert zaak.headers["location"] == zaak.body["url"]
    assert zaak.headers["content-crs"] == "EPSG:4326"
    assert zaak.body["identificatie"] == "FLOW-1"
    assert zaak.body["vertrouwelijkheidaanduiding"] == "zaakvertrouwelijk"  # the zaaktype's
    assert zaak.body["status"] is None
    assert zaak.body["einddatum"] is None
    zaak_url = zaak.body["url"]

    aanvrager = zgw.post(
        "zaken",
        "/rollen",
        {
            "zaak": zaak_url,
            "roltype": cat["roltypen"]["Aanvrager"],
            "betrokkeneType": "natuurlijk_persoon",
            "roltoelichting": "aanvrager",
            "betrokkeneIdentificatie": {"inpBsn": BSN},
        },
        expect=201,
    ).body
    assert aanvrager["omschrijvingGeneriek"] == "initiator"
    behandelaar = zgw.post(
        "zaken",
        "/rollen",
        {
            "zaak": zaak_url,
            "roltype": cat["roltypen"]["Behandelaar"],
            "betrokkeneType": "medewerker",
            "roltoelichting": "behandelaar",
            "betrokkeneIdentificatie": {"identificatie": "m.devries", "achternaam": "Vries", "voorletters": "M."},
        },
        expect=201,
    ).body
    assert behandelaar["omschrijving"] == "Behandelaar"

    ontvangen = zgw.post(
        "zaken",
        "/statussen",
        {
            "zaak": zaak_url,
            "statustype": cat["statustypen"]["Ontvangen"],
            "datumStatusGezet": "2025-06-02T09:00:00+02:00",
        },
        expect=201,
    ).body
    assert ontvangen["indicatieLaatstGezetteStatus"] is True
    zgw.post(
        "zaken",
        "/statussen",
        {
            "zaak": zaak_url,
            "statustype": cat["statustypen"]["In behandeling"],
            "datumStatusGezet": "2025-06-03T09:00:00+02:00",
            "gezetdoor": behandelaar["url"],
        },
        expect=201,
    )
    assert (
        zgw.get("zaken", "/statussen/{uuid}", path=f"/statussen/{ontvangen['uuid']}", expect=200).body[
            "indicatieLaatstGezetteStatus"
        ]
        is False
    )

    besluit = zgw.post(
        "besluiten",
        "/besluiten",
        {
            "verantwoordelijkeOrganisatie": RSIN_A,
            "besluittype": cat["besluittypen"]["Toekenning"],
            "zaak": zaak_url,
            "datum": "2025-06-20",
            "ingangsdatum": "2025-06-02",
            "toelichting": "Algemene bijstand toegekend",
        },
        expect=201,
    ).body
    assert besluit["identificatie"].startswith("BESLUIT-2025-")

    pdf = minimal_pdf("Beschikking algemene bijstand")
    assert is_wellformed_pdf(pdf)
    document = zgw.post(
        "documenten",
        "/enkelvoudiginformatieobjecten",
        {
            "bronorganisatie": RSIN_A,
            "creatiedatum": "2025-06-20",
            "titel": "Beschikking toekenning",
            "auteur": "GBI",
            "status": "definitief",
            "formaat": "application/pdf",
            "taal": "dut",
            "bestandsnaam": "beschikking.pdf",
            "inhoud": base64.b64encode(pdf).decode(),
            "bestandsomvang": len(pdf),
            "indicatieGebruiksrecht": False,
            "informatieobjecttype": cat["informatieobjecttypen"]["Beschikking"],
            "integriteit": {"algoritme": "sha_256", "waarde": hashlib.sha256(pdf).hexdigest(), "datum": "2025-06-20"},
        },
        expect=201,
    ).body
    assert document["lock"] == ""
    assert document["locked"] is False
    assert document["bestandsomvang"] == len(pdf)
    assert document["vertrouwelijkheidaanduiding"] == "zaakvertrouwelijk"

    download = zgw.get(
        "documenten",
        "/enkelvoudiginformatieobjecten/{uuid}/download",
        path=document["inhoud"],
        expect=200,
    )
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.raw == pdf

    zio = zgw.post(
        "zaken",
        "/zaakinformatieobjecten",
        {"zaak": zaak_url, "informatieobject": document["url"], "titel": "Beschikking toekenning"},
        expect=201,
    ).body
    assert zio["aardRelatieWeergave"] == "Hoort bij, omgekeerd: kent"
    bio = zgw.post(
        "besluiten",
        "/besluitinformatieobjecten",
        {"besluit": besluit["url"], "informatieobject": document["url"]},
        expect=201,
    ).body
    assert bio["besluit"] == besluit["url"]

    # The Besluiten API registered the zaakbesluit in the Zaken API; both relations are mirrored in Documenten.
    zaak_uuid = zaak.body["uuid"]
    zaakbesluiten = zgw.get("zaken", "/zaken/{zaak_uuid}/besluiten", path=f"/zaken/{zaak_uuid}/besluiten", expect=200)
    assert [z["besluit"] for z in zaakbesluiten.body] == [besluit["url"]]
    zb_uuid = zaakbesluiten.body[0]["uuid"]
    zgw.get(
        "zaken",
        "/zaken/{zaak_uuid}/besluiten/{uuid}",
        path=f"/zaken/{zaak_uuid}/besluiten/{zb_uuid}",
        expect=200,
    )
    oios = zgw.get("documenten", "/objectinformatieobjecten", params={"informatieobject": document["url"]}, expect=200)
    assert sorted((o["objectType"], o["object"]) for o in oios.body) == sorted(
        [("besluit", besluit["url"]), ("zaak", zaak_url)]
    )

    zgw.post(
        "zaken",
        "/statussen",
        {
            "zaak": zaak_url,
            "statustype": cat["statustypen"]["Besluit genomen"],
            "datumStatusGezet": "2025-06-20T10:00:00+02:00",
        },
        expect=201,
    )
    zgw.post(
        "zaken",
        "/statussen",
        {
            "zaak": zaak_url,
            "statustype": cat["statustypen"]["Afgehandeld"],
            "datumStatusGezet": "2025-06-21T10:00:00+02:00",
        },
        expect=201,
    )
    final = zgw.get("zaken", "/zaken/{uuid}", path=f"/zaken/{zaak_uuid}", expect=200).body
    assert final["einddatum"] == "2025-06-21"
    assert final["rollen"] == [aanvrager["url"], behandelaar["url"]]
    assert final["zaakinformatieobjecten"] == [zio["url"]]
    assert final["status"].endswith("/statussen/" + final["status"].rsplit("/", 1)[1])
    statussen = zgw.get("zaken", "/statussen", params={"zaak": zaak_url}, expect=200).body
    assert statussen["count"] == 4
    assert [s["indicatieLaatstGezetteStatus"] for s in statussen["results"]] == [False, False, False, True]

    assert rejections() == []


def test_lists_and_filters(zgw: Zgw, catalogus: dict[str, Any], rejections: Rejections) -> None:
    cat = catalogus
    urls = []
    for i in range(3):
        urls.append(
            zgw.post("zaken", "/zaken", _zaak_body(cat, f"LIST-{i}", startdatum=f"2025-0{i + 1}-15"), expect=201).body[
                "url"
            ]
        )
    zgw.post(
        "zaken",
        "/rollen",
        {
            "zaak": urls[1],
            "roltype": cat["roltypen"]["Aanvrager"],
            "betrokkeneType": "natuurlijk_persoon",
            "roltoelichting": "aanvrager",
            "betrokkeneIdentificatie": {"inpBsn": "999995431"},
        },
        expect=201,
    )
    by_id = zgw.get("zaken", "/zaken", params={"identificatie": "LIST-2", "bronorganisatie": RSIN_A}, expect=200).body
    assert [z["url"] for z in by_id["results"]] == [urls[2]]
    by_bsn = zgw.get(
        "zaken", "/zaken", params={"rol__betrokkeneIdentificatie__natuurlijkPersoon__inpBsn": "999995431"}, expect=200
    ).body
    assert [z["url"] for z in by_bsn["results"]] == [urls[1]]
    later = zgw.get(
        "zaken", "/zaken", params={"startdatum__gte": "2025-02-15", "identificatie": "LIST-1"}, expect=200
    ).body
    assert later["count"] == 1
    ordered = zgw.get(
        "zaken", "/zaken", params={"bronorganisatie__in": RSIN_A, "ordering": "-startdatum"}, expect=200
    ).body["results"]
    starts = [z["startdatum"] for z in ordered]
    assert starts == sorted(starts, reverse=True)
    rollen = zgw.get(
        "zaken",
        "/rollen",
        params={"zaak": urls[1], "betrokkeneIdentificatie__natuurlijkPersoon__inpBsn": "999995431"},
        expect=200,
    ).body
    assert rollen["count"] == 1
    assert zgw.get("zaken", "/rollen", params={"zaak": urls[0]}, expect=200).body["count"] == 0
    empty_page = zgw.get("zaken", "/zaken", params={"identificatie": "LIST-0", "page": 2}, expect=404)
    assert empty_page.body["code"] == "not_found"
    assert [r["status"] for r in rejections()] == [404]


def test_pagination_follows_next(zgw: Zgw, catalogus: dict[str, Any], rejections: Rejections) -> None:
    for i in range(101):
        zgw.post("zaken", "/zaken", _zaak_body(catalogus, f"PAGE-{i:03d}", omschrijving="paginering"), expect=201)
    first = zgw.get("zaken", "/zaken", params={"ordering": "identificatie", "identificatie__in": ""}, expect=400)
    assert first.status == 400  # an unknown parameter
    page1 = zgw.get("zaken", "/zaken", params={"startdatum": "2025-06-02"}, expect=200).body
    assert page1["count"] >= 101
    assert len(page1["results"]) == 100
    assert page1["previous"] is None
    assert "page=2" in page1["next"]
    page2 = zgw.get("zaken", "/zaken", path=page1["next"], expect=200).body
    assert page2["previous"] is not None
    assert len(page2["results"]) == page1["count"] - 100
    assert [r["code"] for r in rejections()] == ["invalid"]

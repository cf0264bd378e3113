"""The seeded Catalogi API: a catalogus per GBI gemeente with the ALO zaaktype and its types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gbi_simulator.gemeenten import GBI_GEMEENTEN
from gbi_simulator.zgw.catalogi import gemeente_rsin
from gbi_simulator.zgw.core import is_valid_rsin

from .conftest import AMSTERDAM, RSIN_A, Zgw

Rejections = Callable[[], list[dict[str, Any]]]


def test_one_catalogus_per_gbi_gemeente(zgw: Zgw, rejections: Rejections) -> None:
    catalogi = zgw.get("catalogi", "/catalogussen", expect=200).body
    assert catalogi["count"] == len(GBI_GEMEENTEN) == 13
    rsins = {c["rsin"] for c in catalogi["results"]}
    assert rsins == {gemeente_rsin(code) for code in GBI_GEMEENTEN}
    assert all(is_valid_rsin(r) for r in rsins)
    assert {c["domein"] for c in catalogi["results"]} == {"GBI"}
    one = zgw.get("catalogi", "/catalogussen", params={"rsin": RSIN_A, "domein": "GBI"}, expect=200).body
    assert one["count"] == 1
    assert "Amsterdam" in one["results"][0]["naam"]
    two = zgw.get(
        "catalogi", "/catalogussen", params={"rsin__in": f"{RSIN_A},{gemeente_rsin('0599')}"}, expect=200
    ).body
    assert two["count"] == 2
    uuid = one["results"][0]["url"].rsplit("/", 1)[1]
    assert (
        zgw.get("catalogi", "/catalogussen/{uuid}", path=f"/catalogussen/{uuid}", expect=200).body == one["results"][0]
    )
    assert rejections() == []


def test_the_alo_zaaktype_and_its_types(zgw: Zgw, catalogus: dict[str, Any], rejections: Rejections) -> None:
    zt = catalogus["zaaktype"]
    assert zt["identificatie"] == "ALO"
    assert zt["omschrijving"] == "Aanvraag levensonderhoud"
    assert zt["concept"] is False
    assert zt["doorlooptijd"] == "P8W"
    assert list(catalogus["statustypen"]) == ["Ontvangen", "In behandeling", "Besluit genomen", "Afgehandeld"]
    statustypen = zgw.get("catalogi", "/statustypen", params={"zaaktype": zt["url"]}, expect=200).body["results"]
    assert [s["volgnummer"] for s in statustypen] == [1, 2, 3, 4]
    assert [s["isEindstatus"] for s in statustypen] == [False, False, False, True]
    assert set(catalogus["roltypen"]) == {"Aanvrager", "Behandelaar"}
    initiator = zgw.get(
        "catalogi", "/roltypen", params={"zaaktype": zt["url"], "omschrijvingGeneriek": "initiator"}, expect=200
    ).body["results"]
    assert [r["omschrijving"] for r in initiator] == ["Aanvrager"]
    assert set(catalogus["besluittypen"]) == {"Toekenning", "Afwijzing", "Buiten behandeling"}
    assert set(catalogus["informatieobjecttypen"]) == {"Beschikking"}
    assert sorted(zt["statustypen"]) == sorted(catalogus["statustypen"].values())
    assert zt["informatieobjecttypen"] == list(catalogus["informatieobjecttypen"].values())
    for bt in catalogus["besluittypen"].values():
        besluittype = zgw.get("catalogi", "/besluittypen/{uuid}", path="/besluittypen/" + bt.rsplit("/", 1)[1]).body
        assert besluittype["informatieobjecttypen"] == zt["informatieobjecttypen"]
        assert besluittype["reactietermijn"] == "P6W"
    for collection, urls in (("statustypen", catalogus["statustypen"]), ("roltypen", catalogus["roltypen"])):
        for url in urls.values():
            zgw.get("catalogi", f"/{collection}/{{uuid}}", path=f"/{collection}/" + url.rsplit("/", 1)[1], expect=200)
    iot = next(iter(catalogus["informatieobjecttypen"].values()))
    zgw.get(
        "catalogi", "/informatieobjecttypen/{uuid}", path="/informatieobjecttypen/" + iot.rsplit("/", 1)[1], expect=200
    )
    zgw.get("catalogi", "/zaaktypen/{uuid}", path="/zaaktypen/" + zt["url"].rsplit("/", 1)[1], expect=200)
    assert rejections() == []


def test_catalogue_filters(zgw: Zgw, catalogus: dict[str, Any], rejections: Rejections) -> None:
    zt = catalogus["zaaktype"]
    assert zgw.get("catalogi", "/zaaktypen", params={"identificatie": "ALO"}, expect=200).body["count"] == 13
    assert zgw.get("catalogi", "/zaaktypen", params={"status": "concept"}, expect=200).body["count"] == 0
    assert (
        zgw.get("catalogi", "/zaaktypen", params={"status": "alles", "trefwoorden": "bijstand"}, expect=200).body[
            "count"
        ]
        == 13
    )
    assert zgw.get("catalogi", "/zaaktypen", params={"datumGeldigheid": "2019-12-31"}, expect=200).body["count"] == 0
    assert (
        zgw.get(
            "catalogi", "/statustypen", params={"zaaktypeIdentificatie": "ALO", "zaaktype": zt["url"]}, expect=200
        ).body["count"]
        == 4
    )
    assert (
        zgw.get(
            "catalogi",
            "/besluittypen",
            params={"catalogus": catalogus["catalogus"]["url"], "omschrijving": "Afwijzing"},
        ).body["count"]
        == 1
    )
    wrong = zgw.get("catalogi", "/zaaktypen", params={"status": "gepubliceerd"}, expect=400).body
    assert wrong["invalidParams"] == [
        {"name": "status", "code": "invalid_choice", "reason": '"gepubliceerd" is een ongeldige keuze.'}
    ]
    assert [r["operation"] for r in rejections()] == ["zaaktype_list"]


def test_urls_are_stable_across_restarts() -> None:
    from gbi_simulator.zgw.catalogi import seed_catalogi
    from gbi_simulator.zgw.store import ZgwStore

    first = {s.gemeente: (s.catalogus, s.zaaktype) for s in seed_catalogi(ZgwStore())}
    second = {s.gemeente: (s.catalogus, s.zaaktype) for s in seed_catalogi(ZgwStore())}
    assert first == second
    assert len(first) == 13


@pytest.mark.parametrize("code", sorted(GBI_GEMEENTEN))
def test_every_rsin_passes_the_elfproef(code: str) -> None:
    rsin = gemeente_rsin(code)
    assert is_valid_rsin(rsin)
    assert code in rsin
    assert AMSTERDAM in RSIN_A

"""The pure parts of the workbench, beheer and management pages: completing a task from a form, editing policy
content field by field, the progress page's allow-list, and the charts (accessible SVG, no style, escaped)."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from gbi_interaction.web.beheer.routes import _lees_inhoud, _velden, _veldnaam, _vlak, _wijzigingen
from gbi_interaction.web.kern import PaginaFout
from gbi_interaction.web.management.grafiek import Reeks, horizontale_balken, staafdiagram
from gbi_interaction.web.sessie import Gebruiker
from gbi_interaction.web.werkplek.routes import _lees_afronding, _stand, _taak_weergave, voortgang_bron

SVG = "{http://www.w3.org/2000/svg}"
WIE = Gebruiker(
    sub="medewerker-0518-kim", actor_type="medewerker", naam="Kim", gemeente="0518", rollen=("klantmanager",)
)


def _taak(element: str, uitkomsten: list[str], velden: dict[str, str]) -> dict[str, Any]:
    return _taak_weergave(
        {
            "id": "7f0c2f6e-0000-4000-8000-000000000001",
            "naam": element,
            "rol": "klantmanager",
            "status": "geclaimd",
            "toegewezenAan": WIE.sub,
            "deadline": "2099-01-01T00:00:00Z",
            "gegevens": {"element": element, "uitkomsten": uitkomsten, "velden": velden, "proces": {}},
        },
        WIE,
    )


def test_requesting_documents_reads_date_and_list_and_refuses_the_past() -> None:
    taak = _taak("documenten_opvragen", [], {"hersteltermijn_einde": "date", "gevraagde_documenten": "json"})
    assert taak["van_mij"] is True
    body, fouten = _lees_afronding(
        taak,
        {
            "reden": "Inkomen wijkt af",
            "veld_hersteltermijn_einde": "2099-12-31",
            "veld_gevraagde_documenten": "a\n\nb ",
        },
    )
    assert fouten == {}
    assert body == {
        "uitkomst": "afgerond",
        "reden": "Inkomen wijkt af",
        "gegevens": {"hersteltermijn_einde": "2099-12-31", "gevraagde_documenten": ["a", "b"]},
    }
    _, fouten = _lees_afronding(taak, {"reden": "", "veld_hersteltermijn_einde": "2020-01-01"})
    assert set(fouten) == {
        "t7f0c2f6e-reden",
        "t7f0c2f6e-veld_hersteltermijn_einde",
        "t7f0c2f6e-veld_gevraagde_documenten",
    }
    assert "verleden" in fouten["t7f0c2f6e-veld_hersteltermijn_einde"]


def test_the_outcome_variable_is_chosen_once_and_booleans_are_checkboxes() -> None:
    taak = _taak(
        "beoordeling",
        ["toekenning", "afwijzing", "buiten_behandeling"],
        {"besluit": "toekenning|afwijzing|buiten_behandeling", "afwijking_berekening": "bool"},
    )
    assert [v["naam"] for v in taak["velden"]] == ["afwijking_berekening"]
    assert dict(taak["uitkomst_keuzes"])["afwijzing"] == "Afwijzen"
    body, fouten = _lees_afronding(
        taak, {"uitkomst": "afwijzing", "reden": "Boven de norm", "veld_afwijking_berekening": "ja"}
    )
    assert fouten == {}
    assert body["gegevens"] == {"afwijking_berekening": True}
    _, fouten = _lees_afronding(taak, {"uitkomst": "goedgekeurd", "reden": "x"})
    assert fouten == {"t7f0c2f6e-uitkomst": "Kies een uitkomst."}


def test_policy_content_is_edited_field_by_field_in_its_own_types() -> None:
    inhoud = {
        "draagkrachtschijven": [{"vanPctNorm": 0, "totPctNorm": 100, "pctMeetellen": 0}],
        "wettelijkeDrempel": True,
        "drempel": None,
        "bedrag": "1500.00",
    }
    paden = [p for p, _ in _vlak(inhoud)]
    assert paden == [
        "draagkrachtschijven[0].vanPctNorm",
        "draagkrachtschijven[0].totPctNorm",
        "draagkrachtschijven[0].pctMeetellen",
        "wettelijkeDrempel",
        "drempel",
        "bedrag",
    ]
    velden = {v["pad"]: v for v in _velden(inhoud)}
    form = {
        velden[p]["id"]: w
        for p, w in (
            ("draagkrachtschijven[0].vanPctNorm", "0"),
            ("draagkrachtschijven[0].totPctNorm", "100"),
            ("draagkrachtschijven[0].pctMeetellen", "35"),
            ("wettelijkeDrempel", "nee"),
            ("drempel", ""),
            ("bedrag", "1750,5"),
        )
    }
    doc, fouten = _lees_inhoud(inhoud, form)
    assert fouten == {}
    assert doc == {
        "draagkrachtschijven": [{"vanPctNorm": 0, "totPctNorm": 100, "pctMeetellen": 35}],
        "wettelijkeDrempel": False,
        "drempel": None,
        "bedrag": "1750.50",
    }
    assert inhoud["bedrag"] == "1500.00"  # the base document is not changed
    form[velden["draagkrachtschijven[0].pctMeetellen"]["id"]] = "veel"
    _, fouten = _lees_inhoud(inhoud, form)
    assert list(fouten) == [velden["draagkrachtschijven[0].pctMeetellen"]["id"]]
    # The API's names for a field map back to our field.
    assert (
        _veldnaam("inhoud.draagkrachtschijven.0.pctMeetellen", list(velden.values()))
        == velden["draagkrachtschijven[0].pctMeetellen"]["id"]
    )
    assert _veldnaam("geldigVanaf", list(velden.values())) == "geldigVanaf"


def test_history_says_what_changed() -> None:
    versies = [
        {"versie": 1, "inhoud": {"a": "1.00", "b": True}},
        {"versie": 2, "inhoud": {"a": "2.00", "b": True}},
        {"versie": 3, "inhoud": {"a": "2.00", "b": True}},
    ]
    nieuwste_eerst = _wijzigingen(versies)
    assert [v["versie"] for v in nieuwste_eerst] == [3, 2, 1]
    assert nieuwste_eerst[0]["verschil"] == []
    assert not nieuwste_eerst[0]["eerste"]
    assert nieuwste_eerst[1]["verschil"] == [{"pad": "a", "oud": "1.00", "nieuw": "2.00"}]
    assert nieuwste_eerst[2]["eerste"]


def test_progress_page_polls_only_known_progress_resources() -> None:
    run = "/api/v1/betaalruns/5b7f5a8e-2a7b-4c59-9d3f-6f3f0c9d2a11"
    assert voortgang_bron(run) == run
    for kwaad in (
        None,
        "/api/v1/aanvragen",
        "https://evil.example/x",
        run + "/../../taken",
        "//evil/api/v1/betaalruns/x",
    ):
        with pytest.raises(PaginaFout):
            voortgang_bron(kwaad)
    assert _stand({"status": "lopend", "gedaan": 5, "totaal": 20}) == {
        "gedaan": 5,
        "totaal": 20,
        "procent": 25,
        "status": "lopend",
        "klaar": False,
        "fout": None,
    }
    assert _stand({"status": "gereed", "gedaan": 20, "totaal": 20})["klaar"] is True


def test_charts_are_accessible_svg_without_style_and_with_escaped_text() -> None:
    staaf = etree.fromstring(
        str(
            staafdiagram(
                "g1", "Per <maand>", ["jan 26", "feb 26"], [Reeks("Ingekomen", [3, 0]), Reeks("Besloten", [1, 2])]
            )
        )
    )
    balk = etree.fromstring(
        str(horizontale_balken("g2", "Doorlooptijd", [("0-7 dagen", 4, None), ("57+", 1, "na de 8 weken")]))
    )
    for svg in (staaf, balk):
        assert svg.get("role") == "img"
        assert svg.get("aria-labelledby")
        assert svg.get("aria-describedby")
        assert all(node.get("style") is None for node in svg.iter())
        assert not list(svg.iter(f"{SVG}script"))
    assert staaf.find(f"{SVG}title").text == "Per <maand>"
    assert staaf.find(f"{SVG}desc").text == "jan 26: Ingekomen 3, Besloten 1; feb 26: Ingekomen 0, Besloten 2"
    teksten = [t.text for t in staaf.iter(f"{SVG}text")]
    assert "Besloten (gearceerd)" in teksten  # the series are told apart in words, not by colour alone
    assert "1 (na de 8 weken)" in [t.text for t in balk.iter(f"{SVG}text")]

"""The pure parts of the oversight views: provenance found in source data, the CSV export, Accept negotiation."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from gbi_interaction.inzicht import wil_csv
from gbi_interaction.inzicht_service import als_csv, herkomst_van
from gbi_shared.contracts.inzicht import (
    Aandeel,
    BesluitAantal,
    Doorlooptijd,
    DoorlooptijdKlasse,
    LeeftijdKlasse,
    MaandCijfers,
    Managementinformatie,
    OpenTakenRol,
)


def test_provenance_is_found_wherever_the_sources_put_it() -> None:
    bronnen = {
        "huishouden": {"bron": {"bron": "BRP", "opgevraagdOp": "2026-03-02T09:00:00Z"}, "leden": []},
        "aanvrager": {
            "inkomsten": {"bron": "UWV", "opgevraagdOp": "2026-03-02T09:00:01+00:00", "items": []},
            "voertuigen": [{"bron": "RDW", "opgevraagdOp": "2026-03-02T09:00:02Z"}],
            "kapot": {"bron": "DUO", "opgevraagdOp": "gisteren"},
        },
        "partner": None,
    }
    herkomst = herkomst_van(bronnen)
    assert [(h.onderdeel, h.bron) for h in herkomst] == [
        ("huishouden", "BRP"),
        ("aanvrager.inkomsten", "UWV"),
        ("aanvrager.voertuigen[0]", "RDW"),
    ]
    assert herkomst[1].opgevraagd_op == datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC)
    assert herkomst_van(None) == []


def test_accept_negotiation() -> None:
    assert wil_csv("text/csv")
    assert wil_csv("text/csv, application/json;q=0.5")
    assert not wil_csv("application/json, text/csv;q=0.5")
    assert not wil_csv("*/*")
    assert not wil_csv(None)
    assert not wil_csv("text/csv;q=0")


def test_csv_has_one_row_per_figure() -> None:
    klassen = [DoorlooptijdKlasse(label="0-7 dagen", van_dagen=0, tot_en_met_dagen=7, aantal=3)]
    info = Managementinformatie(
        gemeente="0363",
        van=date(2026, 3, 1),
        tot=date(2026, 3, 31),
        peilmoment=datetime(2026, 4, 1, tzinfo=UTC),
        ingekomen=5,
        besloten=3,
        besluiten=[BesluitAantal(soort="toekenning", aantal=3)],
        doorlooptijd=Doorlooptijd(
            aantal=3, gemiddeld_dagen="4.3", mediaan_dagen="4", p90_dagen=6, langste_dagen=6, klassen=klassen
        ),
        binnen_beslistermijn=Aandeel(aantal=3, van=3, percentage="100.0"),
        straight_through=Aandeel(aantal=2, van=3, percentage="66.7"),
        per_maand=[MaandCijfers(maand="2026-03", ingekomen=5, besloten=3)],
        open_taken=[
            OpenTakenRol(
                rol="klantmanager",
                open=1,
                geclaimd=0,
                verlopen=0,
                oudste_dagen=None,
                leeftijd=[LeeftijdKlasse(label="1-7 dagen", van_dagen=1, tot_en_met_dagen=7, aantal=1)],
            )
        ],
    )
    tekst = als_csv(info)
    rows = list(csv.DictReader(io.StringIO(tekst), delimiter=";"))
    cijfer = {(r["onderdeel"], r["kenmerk"], r["maat"]): r["waarde"] for r in rows}
    assert cijfer[("totaal", "", "ingekomen")] == "5"
    assert cijfer[("straight-through", "", "percentage")] == "66.7"
    assert cijfer[("doorlooptijd", "", "mediaan-dagen")] == "4"
    assert cijfer[("per-maand", "2026-03", "besloten")] == "3"
    assert cijfer[("open-taken", "klantmanager", "oudste-dagen")] == ""
    assert cijfer[("open-taken-leeftijd", "klantmanager 1-7 dagen", "aantal")] == "1"
    assert {(r["gemeente"], r["van"], r["tot"]) for r in rows} == {("0363", "2026-03-01", "2026-03-31")}
    assert tekst.endswith("\r\n")

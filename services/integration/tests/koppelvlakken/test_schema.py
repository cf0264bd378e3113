"""The aanvragen 1.2.1 schema as GBI loads it: each erratum is needed (the published file refuses what the
standard means) and changes nothing else; a file that is not the published one stops the service; the code lists
GBI maps are the standards' own."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from gbi_integration.app import create_app
from gbi_integration.koppelvlakken import codes
from gbi_integration.koppelvlakken.schema import ERRATA, SCHEMA_FILE, AanvraagSchema, SchemaFout, apply_errata

from .conftest import (
    GBI,
    SPECS,
    Gateway,
    Headers,
    Simulator,
    aanvragen_schema,
    assert_fout,
    errors,
    notificatie,
    settings,
)
from .test_documenten import rijk_bericht

PUBLISHED = json.loads((GBI / "levensonderhoud-aanvragen-1.2.1.schema.json").read_text(encoding="utf-8"))


def _at(doc: Any, pointer: str) -> Any:
    for part in pointer.lstrip("/").split("/"):
        doc = doc[part]
    return doc


def test_every_erratum_applies_to_the_published_file_and_only_there() -> None:
    corrected = apply_errata(PUBLISHED)
    for erratum in ERRATA:
        assert _at(PUBLISHED, erratum.pointer) == erratum.published, erratum.pointer
        assert _at(corrected, erratum.pointer) == erratum.corrected
    # Nothing else changed: undo the errata and the definitions are the published ones.
    for erratum in ERRATA:
        *parents, last = erratum.pointer.lstrip("/").split("/")
        _at(corrected, "/" + "/".join(parents))[last] = erratum.published
    assert corrected["definitions"] == PUBLISHED["definitions"]
    assert corrected["components"]["schemas"] is corrected["definitions"]


def test_each_erratum_is_needed() -> None:
    """Canaries: when VNG fixes the published file, these fail and the erratum can go."""
    aanvraag_id = str(uuid.uuid4())
    bericht = rijk_bericht(aanvraag_id)
    published = errors(aanvragen_schema(corrected=False), bericht)
    assert any(e.startswith("Uuid:") for e in published)  # no real UUID passes
    assert any(e.startswith("LOaangevraagd.Aanvraagid:") for e in published)
    inkomsten = "LOaangevraagd.Huishouding.Aanvrager.Profiel.Inkomstenverhoudingen.0.PrimairInkomstencomponent"
    assert any(e.startswith(f"{inkomsten}.Inkomsten:") for e in published)  # "400.00" refused
    assert any(e.startswith(f"{inkomsten}.InkomstencomponenttypeSpecifiekeGegevens:") for e in published)
    assert any(".Waardepeiling.1.WaardeVermogenscomponent:" in e for e in published)  # "-25.50"
    assert not errors(aanvragen_schema(), bericht)
    # The loader of the service agrees with the independent checker.
    gecontroleerd, fouten = AanvraagSchema(SPECS).controleer(bericht)
    assert gecontroleerd is not None
    assert fouten == []


def test_a_schema_that_is_not_the_published_one_is_refused(tmp_path: Path) -> None:
    changed = json.loads(json.dumps(PUBLISHED))
    changed["definitions"]["LOAangevraagd"]["properties"]["Aanvraagid"]["pattern"] = "^.*$"
    (tmp_path / "gbi").mkdir()
    (tmp_path / SCHEMA_FILE).write_text(json.dumps(changed), encoding="utf-8")
    with pytest.raises(SchemaFout, match="Aanvraagid"):
        AanvraagSchema(tmp_path).load()
    # A file VNG corrected (the corrected values already there) is taken as it is.
    fixed = apply_errata(PUBLISHED)
    del fixed["components"]
    (tmp_path / SCHEMA_FILE).write_text(json.dumps(fixed), encoding="utf-8")
    AanvraagSchema(tmp_path).load()
    with pytest.raises(SchemaFout, match="niet te lezen"):
        AanvraagSchema(tmp_path / "elders").load()


def test_with_front_offices_configured_a_missing_schema_stops_the_service(
    sim: Simulator, gateway: Gateway, context_keys: tuple[str, str], tmp_path: Path
) -> None:
    with pytest.raises(SchemaFout):
        create_app(settings(sim, gateway, context_keys, koppelvlak_specs_dir=tmp_path))
    # Without front offices the service starts (the schema is only needed to take aanvragen in) ...
    app = create_app(settings(sim, gateway, context_keys, koppelvlak_specs_dir=tmp_path, koppelvlak_frontoffices={}))
    assert app.state.koppelvlakken is not None


def test_a_schema_gone_at_run_time_is_a_503_not_a_refusal(
    sim: Simulator, gateway: Gateway, context_keys: tuple[str, str], headers: Headers, tmp_path: Path
) -> None:
    app = create_app(settings(sim, gateway, context_keys))
    app.state.koppelvlakken.schema = AanvraagSchema(tmp_path)
    with TestClient(app) as api:
        aanvraag = sim.aanvraag()
        resp = api.post(
            "/koppelvlakken/levensonderhoud/notificaties", json=notificatie(aanvraag["resourceUrl"]), headers=headers()
        )
        assert_fout(resp, 503, "0.9.0", "notificatie-0.9.0.yaml")
    assert gateway.process_calls() == []


def _yaml(name: str) -> Any:
    return yaml.safe_load((GBI / name).read_text(encoding="utf-8"))


def test_the_code_lists_are_the_standards_own() -> None:
    aanvragen = PUBLISHED["definitions"]
    beslissen = _yaml("levensonderhoud-beslissen-1.0.yaml")["components"]["schemas"]
    behandelen = _yaml("levensonderhoud-behandelen-0.95.yaml")["components"]["schemas"]

    def enum(schemas: Any, name: str, prop: str) -> set[str]:
        return set(schemas[name]["properties"][prop]["enum"])

    primair = enum(aanvragen, "PrimairInkomstencomponent", "PrimairInkomstencomponenttype")
    assert set(codes.INKOMSTENCOMPONENTTYPE_TEKST) == primair
    assert set(codes.INKOMSTENCOMPONENTTYPE_TEKST.values()) <= enum(
        beslissen, "Inkomstencomponent", "Inkomstencomponenttype"
    )
    assert set(codes.PERIODEN_PER_MAAND) | {"0", "9"} == enum(
        aanvragen, "PrimairInkomstencomponent", "PeriodiciteitUitbetaling"
    )
    assert set(codes.SOORT_UITBETALING_TEKST) == enum(aanvragen, "UitbetalingUitkering", "SoortUitbetaling")
    assert set(codes.SOORT_UITBETALING_TEKST.values()) == enum(beslissen, "UitbetalingUitkering", "SoortUitbetaling")
    huisvesting = enum(aanvragen, "Huisvesting", "CodeRelatieBewonerTotHuisvesting")
    assert set(codes.CODE_RELATIE_BEWONER_TEKST) == huisvesting
    assert set(codes.CODE_RELATIE_BEWONER_TEKST.values()) <= enum(
        beslissen, "Huisvesting", "CodeRelatieBewonerTotHuisvesting"
    )
    assert set(codes.MEDEBEWONER_RELATIE) == enum(aanvragen, "Medebewoner", "Relatietype")
    vermogen = enum(aanvragen, "Vermogenscomponent", "CodeSoortVermogenscomponent")
    assert set(codes.VERMOGENSCOMPONENT_TEKST) == set(codes.VERMOGEN_SOORT) == vermogen
    # By position: beslissen lists the texts in the order of aanvragen's codes.
    volgorde = aanvragen["Vermogenscomponent"]["properties"]["CodeSoortVermogenscomponent"]["enum"]
    teksten = beslissen["Vermogenscomponent"]["properties"]["CodeSoortVermogenscomponent"]["enum"]
    assert [codes.VERMOGENSCOMPONENT_TEKST[c] for c in volgorde] == teksten
    assert set(codes.BRONTYPE_TEKST) == enum(aanvragen, "Waardepeiling", "Brontype")
    assert list(codes.BRONTYPE_TEKST.values()) == beslissen["Waardepeiling"]["properties"]["Brontype"]["enum"]
    assert set(codes.LEEFVORM_TEKST.values()) <= enum(beslissen, "Huishouden", "Leefvorm")
    for veld, teksten_per_code in codes.REDEN_TEKST.items():
        assert set(teksten_per_code) <= enum(aanvragen, "RedenAanvraagLevensonderhoud", veld)
        assert set(teksten_per_code.values()) <= enum(beslissen, "RedenAanvraag", veld)
    assert enum(behandelen, "Huishouding", "Leefsituatie") >= {"2", "3", "4", "5"}
    # Where GBI copies a part of the message into behandelen, the code lists are the same.
    for name, prop in (
        ("Huisvesting", "CodeRelatieBewonerTotHuisvesting"),
        ("Medebewoner", "Relatietype"),
        ("Verblijfstitel", "CodeVerblijfstitel"),
        ("UitbetalingUitkering", "SoortUitbetaling"),
        ("OuderKind", "OuderKindRelatietype"),
        ("Bewindvoerder", "RolOrganisatie"),
        ("PrimairInkomstencomponent", "PeriodiciteitUitbetaling"),
        ("PrimairInkomstencomponent", "PrimairInkomstencomponenttype"),
    ):
        assert enum(aanvragen, name, prop) == enum(behandelen, name, prop), (name, prop)

"""The ALO model parses, validates and maps every task to a known handler or role; broken models are refused with
every problem listed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from gbi_process.engine import HANDLERS, ROLES, DefinitionRegistry, ModelError, SpiffEngine
from gbi_process.engine.model import read_model
from gbi_process.engine.validation import validate, validate_file

from .conftest import ALO

# The contract between the model and the process layer: which step runs which handler, which role owns which task.
SERVICE_TASKS = {
    "zaak_registreren": "zaak.registreren",
    "zoektermijn_bepalen": "zoektermijn.bepalen",
    "bronnen_ophalen": "bronnen.ophalen",
    "berekening_uitvoeren": "berekening.uitvoeren",
    "risico_beoordelen": "risico.beoordelen",
    "herstelverzoek_versturen": "herstelverzoek.versturen",
    "vierogen_bepalen": "vierogen.bepalen",
    "besluit_vastleggen": "besluit.vastleggen",
    "beschikking_maken": "beschikking.maken",
    "uitkering_registreren": "uitkering.registreren",
    "notificatie_versturen": "notificatie.versturen",
    "voorschot_beoordelen": "voorschot.beoordelen",
    "verdaging_versturen": "verdaging.versturen",
}
USER_TASKS = {
    "intakegesprek": "klantmanager",
    "documenten_opvragen": "klantmanager",
    "huisbezoek": "handhaver",
    "beoordeling": "inkomensconsulent",
    "vierogen_goedkeuring": "teamleider",
    "termijn_bewaken": "teamleider",
}


def test_the_alo_model_is_valid() -> None:
    assert validate_file(ALO) == {"alo": []}


def test_the_alo_model_is_valid_bpmn_20() -> None:
    VALIDATOR.validate(etree.parse(str(ALO)), str(ALO))  # the OMG BPMN 2.0 schema plus SpiffWorkflow's extensions


def test_every_task_maps_to_a_known_handler_or_role() -> None:
    [model] = read_model(ALO.read_bytes(), str(ALO))
    service = {e.id: e.handler for e in model.elements.values() if e.kind == "serviceTask"}
    user = {e.id: e.rol for e in model.elements.values() if e.kind == "userTask"}
    assert service == SERVICE_TASKS
    assert user == USER_TASKS
    assert set(service.values()) <= set(HANDLERS)
    assert set(user.values()) <= set(ROLES)


def test_every_element_is_drawn() -> None:
    [model] = read_model(ALO.read_bytes(), str(ALO))
    assert set(model.elements) <= model.shapes
    assert set(model.flows) <= model.edges


def test_deadlines_are_modelled_as_timers_on_case_dates() -> None:
    [model] = read_model(ALO.read_bytes(), str(ALO))
    timers = {
        e.id: (e.kind, e.cancel_activity, e.timers[0].kind, e.timers[0].source)
        for e in model.elements.values()
        if e.timers
    }
    assert timers == {
        "zoektermijn_verstreken": ("intermediateCatchEvent", True, "date", "na_weken(meldingsdatum, 4)"),
        "hersteltermijn_verstreken": ("intermediateCatchEvent", True, "date", "na_dagen(hersteltermijn_einde, 1)"),
        "voorschot_termijn": ("boundaryEvent", False, "cycle", 'cyclus(voorschot_vanaf, "P4W")'),
        "beslistermijn_signaal": (
            "boundaryEvent",
            False,
            "date",
            "na_dagen(beslistermijn_einde, -signaleringstermijn_dagen)",
        ),
        "verlengde_termijn_signaal": (
            "intermediateCatchEvent",
            True,
            "date",
            "na_dagen(beslistermijn_einde, -signaleringstermijn_dagen)",
        ),
    }
    script = model.elements["termijnen_bepalen"].script
    assert script is not None
    assert (
        script.source
        == "beslistermijn_einde = na_weken(aanvraagdatum, 8)\nvoorschot_vanaf = na_weken(aanvraagdatum, 4)"
    )


def test_the_engine_parses_the_model_with_its_real_bpmn_parser(engine: SpiffEngine) -> None:
    assert engine.name == "SpiffWorkflow 3.2.0"
    assert [d.name for d in engine.registry] == ["alo"]


TEXT = ALO.read_text()

BROKEN = {
    "unknown handler": (
        '<spiffworkflow:serviceTaskOperator id="zaak.registreren">',
        '<spiffworkflow:serviceTaskOperator id="zaak.registreer">',
        "unknown handler 'zaak.registreer'",
    ),
    "unknown role": ('value="handhaver"', 'value="portier"', "rol 'portier' is not one of"),
    "gateway without default": (
        ' default="flow_gw_stp__gw_intake"',
        "",
        "no default flow, and flow 'flow_gw_stp__gw_intake' has no condition",
    ),
    "incomplete outcome coverage": (
        'termijn_actie == "doorzetten"',
        'termijn_actie == "verdagen"',
        "do not cover each value exactly once (missing: doorzetten)",
    ),
    "wall-clock duration timer": (
        '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">na_weken(meldingsdatum, 4)</bpmn:timeDate>',
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P4W</bpmn:timeDuration>',
        "timeDuration counts from the wall clock",
    ),
    "code in the model": (
        '<spiffworkflow:serviceTaskOperator id="zaak.registreren">',
        "<spiffworkflow:preScript>import os</spiffworkflow:preScript>"
        '<spiffworkflow:serviceTaskOperator id="zaak.registreren">',
        "extension(s) preScript not allowed",
    ),
    "python in a condition": (
        ">stp</bpmn:conditionExpression>",
        ">__import__('os')</bpmn:conditionExpression>",
        "unknown function",
    ),
    "undeclared variable": (
        ">stp</bpmn:conditionExpression>",
        ">stpp</bpmn:conditionExpression>",
        "'stpp' is not declared",
    ),
    "script format": ('scriptFormat="gbi"', 'scriptFormat="python"', "scriptFormat must be 'gbi'"),
    "missing shape": (
        'bpmnElement="huisbezoek"',
        'bpmnElement="elders"',
        "'huisbezoek' (Huisbezoek afleggen): no BPMNShape",
    ),
    "id used twice": (
        '<spiffworkflow:serviceTaskOperator id="besluit.vastleggen">',
        '<spiffworkflow:serviceTaskOperator id="beoordeling">',
        "id 'beoordeling' is used more than once",
    ),
    "unsupported element": (
        '<bpmn:userTask id="intakegesprek"',
        '<bpmn:businessRuleTask id="dmn" /><bpmn:userTask id="intakegesprek"',
        "businessRuleTask 'dmn': this BPMN element is not supported",
    ),
    "unknown outcome variable": (
        'name="uitkomst" value="termijn_actie"',
        'name="uitkomst" value="actie"',
        "uitkomst 'actie' must be declared",
    ),
    "undeclared type": (
        'name="uit.zaak_id" value="str"',
        'name="uit.zaak_id" value="string"',
        "type 'string' is not bool",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_models_are_refused_with_the_reason(case: str) -> None:
    old, new, expected = BROKEN[case]
    assert old in TEXT, f"the mutation of {case!r} no longer applies to the model"
    [model] = read_model(TEXT.replace(old, new, 1).encode(), "broken.bpmn")
    problems = validate(model)
    assert any(expected in p for p in problems), problems


def test_validation_takes_the_handlers_the_process_layer_implements() -> None:
    [model] = read_model(ALO.read_bytes(), str(ALO))
    problems = validate(model, handlers=set(HANDLERS) - {"voorschot.beoordelen"})
    assert problems == [
        "serviceTask 'voorschot_beoordelen' (Voorschot beoordelen en betalen): unknown handler 'voorschot.beoordelen'"
    ]


def test_the_registry_refuses_to_start_with_a_broken_model(tmp_path: Path) -> None:
    broken = TEXT.replace('value="handhaver"', 'value="portier"').replace(
        ">stp</bpmn:conditionExpression>", ">stpp</bpmn:conditionExpression>"
    )
    (tmp_path / "alo.bpmn").write_text(broken)
    with pytest.raises(ModelError) as info:
        DefinitionRegistry.from_directory(tmp_path)
    assert len(info.value.problems) == 2
    assert re.search(r"2 problem\(s\) in the model", str(info.value))

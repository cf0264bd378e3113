"""The saved state: small, the definition by name and version, restorable only by the model it ran on."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gbi_process.engine import (
    DefinitionNotFoundError,
    DefinitionRef,
    DefinitionRegistry,
    ModelError,
    SpiffEngine,
    StateError,
)

from .conftest import ALO, STP_RESULTS, start_variables


def run_stp(engine: SpiffEngine, *, restore: bool) -> list[int]:
    instance = engine.start("alo", start_variables())
    sizes = [len(instance.serialize())]
    while items := instance.ready_service_tasks():
        instance.complete_service_task(items[0].task_id, STP_RESULTS[items[0].handler])
        if restore:
            state = instance.serialize()
            sizes.append(len(state))
            instance = engine.restore(state)
    assert instance.is_completed
    return sizes


def test_the_state_references_the_definition_by_name_and_version(
    engine: SpiffEngine, registry: DefinitionRegistry
) -> None:
    instance = engine.start("alo", start_variables())
    doc = json.loads(instance.serialize())
    version = hashlib.sha256(ALO.read_bytes()).hexdigest()[:16]
    assert doc["format"] == "gbi-spiff/1"
    assert doc["engine"] == "SpiffWorkflow 3.2.0"
    assert doc["definition"] == {"name": "alo", "version": version}
    assert registry.current("alo").ref == DefinitionRef("alo", version) == instance.definition
    text = json.dumps(doc)
    assert "na_weken" not in text  # no expressions, scripts or task specs: the model is not embedded
    assert "bpmn_id" not in text


def test_the_state_stays_small_at_every_step(engine: SpiffEngine) -> None:
    sizes = run_stp(engine, restore=True)
    assert max(sizes) < 4_000, sizes  # SpiffWorkflow's own serializer: 17 KB embedded, 6.6 KB by reference


def test_straight_through_throughput(engine: SpiffEngine, record_property: Callable[[str, object], None]) -> None:
    """Runs the straight-through path 40 times, with and without a restore after every step, and records the rate
    (no bound: `make test` asserts no timing, a shared machine would make it flaky; the figures are in
    orchestration/README.md and `make bench`)."""
    for restore in (False, True):
        start = time.perf_counter()
        for _ in range(40):
            run_stp(engine, restore=restore)
        per_second = 40 / (time.perf_counter() - start)
        record_property("stp_per_second_restore" if restore else "stp_per_second", round(per_second))
        assert per_second > 0


@pytest.mark.parametrize(
    ("state", "error"),
    [
        (b"not json", StateError),
        (b"{}", StateError),
        (
            b'{"format": "other/1", "engine": "x", "definition": {"name": "alo", "version": "v"}, "workflow": {}}',
            StateError,
        ),
    ],
)
def test_garbage_is_not_restored(engine: SpiffEngine, state: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        engine.restore(state)


def test_a_state_of_another_engine_version_is_refused(engine: SpiffEngine) -> None:
    doc = json.loads(engine.start("alo", start_variables()).serialize())
    doc["engine"] = "SpiffWorkflow 3.1.2"
    with pytest.raises(StateError, match="migrate it first"):
        engine.restore(json.dumps(doc).encode())


def test_a_state_of_an_unknown_model_version_is_refused(engine: SpiffEngine) -> None:
    doc = json.loads(engine.start("alo", start_variables()).serialize())
    doc["definition"]["version"] = "0" * 16
    with pytest.raises(DefinitionNotFoundError, match="archived version missing"):
        engine.restore(json.dumps(doc).encode())


def test_running_instances_keep_their_model_version(tmp_path: Path) -> None:
    """A changed model is a new version; instances started on the old one restore on the old one (from archief/)."""
    shutil.copy(ALO, tmp_path / "alo.bpmn")
    old_engine = SpiffEngine(DefinitionRegistry.from_directory(tmp_path))
    old = old_engine.start("alo", start_variables())
    state = old.serialize()

    (tmp_path / "archief").mkdir()
    shutil.copy(ALO, tmp_path / "archief" / "alo-1.bpmn")
    changed = ALO.read_text().replace("Zaak registreren", "Zaak aanmaken")
    (tmp_path / "alo.bpmn").write_text(changed)
    registry = DefinitionRegistry.from_directory(tmp_path)
    engine = SpiffEngine(registry)

    assert len(registry) == 2
    assert registry.current("alo").ref != old.definition
    restored = engine.restore(state)
    assert restored.definition == old.definition
    assert [i.name for i in restored.ready_service_tasks()] == ["Zaak registreren"]
    assert [i.name for i in engine.start("alo", start_variables()).ready_service_tasks()] == ["Zaak aanmaken"]
    assert engine.start(old.definition, start_variables()).definition == old.definition


def test_the_registry_loads_only_reviewed_files_from_its_directory(tmp_path: Path) -> None:
    with pytest.raises(DefinitionNotFoundError):
        DefinitionRegistry.from_directory(tmp_path)
    shutil.copy(ALO, tmp_path / "alo.bpmn")
    shutil.copy(ALO, tmp_path / "alo-kopie.bpmn")
    changed = ALO.read_text().replace("Zaak registreren", "Zaak aanmaken")
    (tmp_path / "alo-kopie.bpmn").write_text(changed)
    with pytest.raises(ModelError, match="also defined in"):
        DefinitionRegistry.from_directory(tmp_path)
    registry = DefinitionRegistry.from_files([ALO])
    with pytest.raises(DefinitionNotFoundError):
        registry.current("bijzondere_bijstand")

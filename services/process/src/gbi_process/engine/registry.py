"""The reviewed process models, loaded once at start-up from ``orchestration/`` (never from a request).

Each ``*.bpmn`` file in the directory is a *current* definition; files in its ``archief/`` subdirectory are earlier
versions kept loadable for instances that still run on them. A definition's version is the first 16 hex digits of
the SHA-256 of the file, so an instance state names exactly the model text it ran on, and a changed model can never
silently take over running instances.

Every model is validated (:mod:`gbi_process.engine.validation`) against the handlers the process layer implements
and the known roles; one invalid model stops the start-up with every problem listed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from gbi_process.engine.catalog import HANDLERS, ROLES
from gbi_process.engine.errors import DefinitionNotFoundError, ModelError
from gbi_process.engine.interface import DefinitionRef
from gbi_process.engine.model import ModelInfo, read_model
from gbi_process.engine.validation import validate

__all__ = ["ARCHIVE_DIR", "DefinitionRegistry", "ProcessDefinition"]

ARCHIVE_DIR = "archief"


@dataclass(frozen=True)
class ProcessDefinition:
    ref: DefinitionRef
    source: str
    xml: bytes
    model: ModelInfo
    current: bool

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def version(self) -> str:
        return self.ref.version


def _version(xml: bytes) -> str:
    return hashlib.sha256(xml).hexdigest()[:16]


class DefinitionRegistry:
    """Immutable after construction; shared by every request and instance of the process service."""

    def __init__(self, definitions: Collection[ProcessDefinition]) -> None:
        self._by_ref: dict[DefinitionRef, ProcessDefinition] = {}
        self._current: dict[str, ProcessDefinition] = {}
        for d in definitions:
            if d.ref in self._by_ref:
                continue  # the same text twice (a current file also kept in the archive)
            self._by_ref[d.ref] = d
            if d.current:
                if d.name in self._current:
                    raise ModelError(
                        d.source, [f"process {d.name!r} is also defined in {self._current[d.name].source}"]
                    )
                self._current[d.name] = d

    @classmethod
    def from_files(
        cls,
        files: Collection[Path],
        *,
        archived: Collection[Path] = (),
        handlers: Collection[str] = tuple(HANDLERS),
        roles: Collection[str] = tuple(ROLES),
    ) -> DefinitionRegistry:
        definitions: list[ProcessDefinition] = []
        for path, current in [(p, True) for p in files] + [(p, False) for p in archived]:
            xml = path.read_bytes()
            models = read_model(xml, str(path))
            if not models:
                raise ModelError(str(path), ["no executable process (isExecutable='true')"])
            if len(models) > 1:
                raise ModelError(str(path), ["one executable process per file, so each has its own version"])
            model = models[0]
            problems = validate(model, handlers=handlers, roles=roles)
            if problems:
                raise ModelError(str(path), problems)
            ref = DefinitionRef(model.process_id, _version(xml))
            definitions.append(ProcessDefinition(ref, str(path), xml, model, current))
        return cls(definitions)

    @classmethod
    def from_directory(
        cls,
        directory: Path,
        *,
        handlers: Collection[str] = tuple(HANDLERS),
        roles: Collection[str] = tuple(ROLES),
    ) -> DefinitionRegistry:
        files = sorted(directory.glob("*.bpmn"))
        archived = sorted((directory / ARCHIVE_DIR).glob("*.bpmn"))
        if not files:
            raise DefinitionNotFoundError(f"no *.bpmn models in {directory}")
        return cls.from_files(files, archived=archived, handlers=handlers, roles=roles)

    def current(self, name: str) -> ProcessDefinition:
        try:
            return self._current[name]
        except KeyError:
            raise DefinitionNotFoundError(f"no current definition {name!r}") from None

    def get(self, ref: DefinitionRef | str) -> ProcessDefinition:
        if isinstance(ref, str):
            return self.current(ref)
        try:
            return self._by_ref[ref]
        except KeyError:
            raise DefinitionNotFoundError(f"definition {ref} is not loaded (archived version missing?)") from None

    def __iter__(self) -> Iterator[ProcessDefinition]:
        return iter(sorted(self._by_ref.values(), key=lambda d: d.ref))

    def __len__(self) -> int:
        return len(self._by_ref)

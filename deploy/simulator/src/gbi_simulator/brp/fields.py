"""The ``fields`` parameter of the BRP Personen API: which paths exist (read from the spec) and the filtering.

Rules, as the spec and the official API describe them:

- a field is a dot-separated path of a property of the response's person schema (``Persoon`` for
  RaadpleegMetBurgerservicenummer, ``PersoonBeperkt`` / ``GezagPersoonBeperkt`` for the searches);
- a path to a date or table value selects the whole value (``geboorte.datum.langFormaat`` = ``geboorte.datum``,
  ``geslacht.code`` = ``geslacht``); a path to an object selects all of it;
- the automatically delivered fields (``inOnderzoek``, ``geheimhoudingPersoonsgegevens``, ``opschortingBijhouding``,
  ``rni``, ``verificatie``) may not be asked for; a path that does not exist, or points to one of those, is a 400;
- the ``type`` of a polymorphic value (verblijfplaats, nationaliteit) always comes along, and so does the
  ``inOnderzoek`` of the delivered fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["AUTOMATIC_FIELDS", "FieldCatalog", "FieldError", "FieldTree", "Selection", "apply_selection"]

Json = dict[str, Any]

AUTOMATIC_FIELDS = frozenset({"geheimhoudingPersoonsgegevens", "opschortingBijhouding", "rni", "verificatie"})
_SCHEMA_PREFIX = "#/components/schemas/"
# Values selected whole: sub-paths of these collapse to the value itself (gezag has no selectable sub-fields).
_WHOLE_VALUES = frozenset({"AbstractDatum", "Waardetabel", "AdellijkeTitelPredicaatType", "Gezag"})
_IN_ONDERZOEK = "inOnderzoek"
# Which flags a date in an inOnderzoek object belongs to (None: any flag).
_IO_DATES: dict[str, frozenset[str] | None] = {
    "datumIngangOnderzoek": None,
    "datumIngangOnderzoekPersoon": frozenset(
        {"burgerservicenummer", "geslacht", "leeftijd", "aanhef", "aanschrijfwijze", "gebruikInLopendeTekst"}
    ),
    "datumIngangOnderzoekGemeente": frozenset({"gemeenteVanInschrijving", "datumInschrijvingInGemeente"}),
    "datumIngangOnderzoekGezag": frozenset({"indicatieCurateleRegister", "indicatieGezagMinderjarige"}),
    "datumIngangOnderzoekVerblijfplaats": frozenset({"adresregel1", "adresregel2", "adresregel3", "land"}),
    "datumIngangOnderzoekPartner": frozenset({"aanhef", "aanschrijfwijze", "gebruikInLopendeTekst"}),
}

# A selection: property -> True (all of it) or a nested selection.
Selection = dict[str, Any]


@dataclass(frozen=True, slots=True)
class FieldError:
    index: int
    field: str
    code: str
    reason: str


@dataclass(slots=True)
class FieldNode:
    whole: bool = False
    subkeys: frozenset[str] = frozenset()
    children: dict[str, FieldNode] = field(default_factory=dict)


class FieldTree:
    """The selectable paths of one person schema."""

    def __init__(self, root: dict[str, FieldNode]) -> None:
        self._root = root

    def paths(self) -> list[str]:
        out: list[str] = []

        def walk(prefix: str, nodes: dict[str, FieldNode]) -> None:
            for name, node in nodes.items():
                path = f"{prefix}{name}"
                out.append(path)
                out.extend(f"{path}.{sub}" for sub in sorted(node.subkeys))
                walk(f"{path}.", node.children)

        walk("", self._root)
        return out

    def parse(self, fields: list[str]) -> tuple[Selection, list[FieldError]]:
        """Turn requested field paths into a selection, or name every field that is wrong."""
        selection: Selection = {}
        errors: list[FieldError] = []
        for index, raw in enumerate(fields):
            path = self._resolve(raw)
            if isinstance(path, FieldError):
                errors.append(FieldError(index, raw, path.code, path.reason))
                continue
            _merge(selection, path)
        return selection, errors

    def _resolve(self, raw: str) -> list[str] | FieldError:
        parts = raw.split(".")
        if any(p == _IN_ONDERZOEK for p in parts) or parts[0] in AUTOMATIC_FIELDS:
            return FieldError(0, raw, "fields", "Parameter bevat een niet toegestane veldnaam.")
        nodes = self._root
        for i, part in enumerate(parts):
            node = nodes.get(part)
            if node is None:
                break
            if i == len(parts) - 1:
                return parts
            if node.whole:
                if i == len(parts) - 2 and parts[-1] in node.subkeys:
                    return parts[: i + 1]
                break
            nodes = node.children
            if not nodes:
                break
        return FieldError(0, raw, "fields", "Parameter bevat een niet bestaande veldnaam.")


def _merge(selection: Selection, path: list[str]) -> None:
    current = selection
    for i, part in enumerate(path):
        if current.get(part) is True:
            return
        if i == len(path) - 1:
            current[part] = True
            return
        current = current.setdefault(part, {})


def apply_selection(selection: Selection, data: Json) -> Json:
    """Keep the selected fields of ``data`` (plus ``type`` and the matching ``inOnderzoek``)."""
    out: Json = {}
    for key, sub in selection.items():
        if key not in data:
            continue
        value = data[key]
        if sub is True:
            out[key] = value
        elif isinstance(value, list):
            items = [apply_selection(sub, v) if isinstance(v, dict) else v for v in value]
            if items:
                out[key] = items
        elif isinstance(value, dict):
            filtered = apply_selection(sub, value)
            if filtered:
                out[key] = filtered
    if out and "type" in data and "type" not in out:
        out = {"type": data["type"], **out}
    in_onderzoek = data.get(_IN_ONDERZOEK)
    if out and isinstance(in_onderzoek, dict):
        flags = {k: v for k, v in in_onderzoek.items() if k in out and isinstance(v, bool)}
        if flags:
            for date_key, related in _IO_DATES.items():
                if date_key in in_onderzoek and (related is None or related.intersection(flags)):
                    flags[date_key] = in_onderzoek[date_key]
            out[_IN_ONDERZOEK] = flags
    return out


class FieldCatalog:
    """Field trees of the person schemas, read once from the BRP Personen OpenAPI document."""

    def __init__(self, spec: Json) -> None:
        self._schemas: Json = spec["components"]["schemas"]
        self._trees: dict[str, FieldTree] = {}

    @classmethod
    def from_file(cls, path: Path) -> FieldCatalog:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with path.open(encoding="utf-8") as fh:
            spec = yaml.load(fh, Loader=loader)  # noqa: S506 - a safe loader
        return cls(spec)

    def tree(self, schema_name: str) -> FieldTree:
        if schema_name not in self._trees:
            props = self._properties({"$ref": _SCHEMA_PREFIX + schema_name}, frozenset())
            root = {
                name: self._node(variants, frozenset({schema_name}), 0)
                for name, variants in props.items()
                if name not in AUTOMATIC_FIELDS and name != _IN_ONDERZOEK
            }
            self._trees[schema_name] = FieldTree(root)
        return self._trees[schema_name]

    def _properties(self, schema: Json, seen: frozenset[str]) -> dict[str, list[Json]]:
        """All properties of a schema: own, from allOf, and (for a discriminated base) of every subtype. A name
        may have several schemas (``verblijfadres`` differs per kind of verblijfplaats): all are kept."""
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.removeprefix(_SCHEMA_PREFIX)
            if name in seen:
                return {}
            return self._properties(self._schemas[name], seen | {name})
        props: dict[str, list[Json]] = {}

        def add(more: dict[str, list[Json]]) -> None:
            for key, variants in more.items():
                props.setdefault(key, []).extend(variants)

        for part in schema.get("allOf", []):
            add(self._properties(part, seen))
        add({key: [sub] for key, sub in (schema.get("properties") or {}).items()})
        mapping = (schema.get("discriminator") or {}).get("mapping") or {}
        for target in mapping.values():
            add(self._properties({"$ref": target}, seen))
        return props

    def _node(self, variants: list[Json], seen: frozenset[str], depth: int) -> FieldNode:
        whole: set[str] | None = None
        merged: dict[str, list[Json]] = {}
        child_seen = seen
        for schema in variants:
            ref = schema.get("$ref")
            name = ref.removeprefix(_SCHEMA_PREFIX) if isinstance(ref, str) else None
            if name in _WHOLE_VALUES:
                whole = (whole or set()) | set(self._properties(schema, frozenset())) - {_IN_ONDERZOEK}
                continue
            resolved = self._schemas[name] if name else schema
            if resolved.get("type") == "array" and isinstance(resolved.get("items"), dict):
                schema = resolved["items"]
                ref = schema.get("$ref")
                name = ref.removeprefix(_SCHEMA_PREFIX) if isinstance(ref, str) else None
                if name in _WHOLE_VALUES:
                    whole = (whole or set()) | set(self._properties(schema, frozenset())) - {_IN_ONDERZOEK}
                    continue
            if name:
                child_seen = child_seen | {name}
            for key, subs in self._properties(schema, seen).items():
                merged.setdefault(key, []).extend(subs)
        if whole is not None:
            return FieldNode(whole=True, subkeys=frozenset(whole))
        if not merged or depth > 6:
            return FieldNode()
        children = {
            key: self._node(subs, child_seen, depth + 1) for key, subs in merged.items() if key != _IN_ONDERZOEK
        }
        return FieldNode(children=children)

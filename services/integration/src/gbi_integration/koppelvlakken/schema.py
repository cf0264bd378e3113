"""The ZaakLOAangevraagd message checked against ``levensonderhoud-aanvragen-1.2.1.schema.json`` (JSON Schema
draft-07), read at run time from the configured specs directory (``GBI_KOPPELVLAK_SPECS_DIR``).

The published file cannot be used exactly as it is; ``ERRATA`` lists every change GBI makes, each pinned to the
published value at a JSON pointer (when the file at hand has neither the published nor the corrected value there,
loading fails: a different file needs a review, not a guess):

- the ``$ref``s point at ``#/components/schemas/...`` (where the OpenAPI document keeps them), the definitions sit
  under ``definitions``: the loader lets ``components.schemas`` refer to the same definitions;
- the UUID patterns of ``Uuid`` and ``Aanvraagid`` were escaped twice (``^(\\\\{{0,1}...``): as published they
  demand a backslash before and after the UUID, so no UUID matches. Corrected to the evident intent (an optional
  ``{`` and ``}``, as in beslissen 1.0);
- the amount patterns (``Inkomsten``, ``WaardeVermogenscomponent``) have the same double escape (``\\\\.``): as
  published ``123.45`` is refused (only ``123,45`` and ``123;45`` pass). Corrected to allow the point;
- ``InkomstencomponenttypeSpecifiekeGegevens`` is a ``oneOf`` of ``Uitkering``, ``BetaaldWerk`` and
  ``AnderInkomen``, but every valid ``BetaaldWerk`` is also a valid ``Uitkering`` (all its properties are
  optional), so no message with BetaaldWerk details can pass. Corrected to ``anyOf``.

Everything else is checked as published, formats included (``date``: a real calendar date, YYYY-MM-DD). The
message may come as the OpenAPI document's 200 response describes it (the ZaakLOAangevraagd object itself) or as
the JSON Schema file's root describes it (an object with the one property ``ZaakLOAangevraagd``).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, FormatChecker, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from gbi_shared.contracts.koppelvlakken import is_date_time, is_uri
from gbi_shared.errors import InvalidParam, ServiceUnavailableError

__all__ = [
    "ERRATA",
    "SCHEMA_FILE",
    "AanvraagSchema",
    "Erratum",
    "SchemaFout",
    "describe_errors",
    "format_checker",
]

Json = Any
SCHEMA_FILE = "gbi/levensonderhoud-aanvragen-1.2.1.schema.json"
_URI = "urn:gbi:koppelvlak:levensonderhoud-aanvragen-1.2.1"
ROOT = "ZaakLOAangevraagd"
MAX_PARAMS = 50

_UUID_PUBLISHED = (
    r"^(\\{{0,1}([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}\\}{0,1})$"
)
_UUID_CORRECTED = (
    r"^(\{{0,1}([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}\}{0,1})$"
)
_AMOUNT_PUBLISHED = r"^-?[0-9]+((;|,|\\.)[0-9]{2}|)$"
_AMOUNT_CORRECTED = r"^-?[0-9]+((;|,|\.)[0-9]{2}|)$"
_SPECIFIEK = "/definitions/PrimairInkomstencomponent/properties/InkomstencomponenttypeSpecifiekeGegevens"
_SPECIFIEK_BRANCHES = [
    {"$ref": "#/components/schemas/Uitkering"},
    {"$ref": "#/components/schemas/BetaaldWerk"},
    {"$ref": "#/components/schemas/AnderInkomen"},
]


@dataclass(frozen=True, slots=True)
class Erratum:
    pointer: str
    published: Json
    corrected: Json
    reason: str


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        "/definitions/ZaakLOAangevraagd/properties/Uuid/pattern",
        _UUID_PUBLISHED,
        _UUID_CORRECTED,
        "dubbel ge-escapet: vraagt een backslash voor en na de UUID",
    ),
    Erratum(
        "/definitions/LOAangevraagd/properties/Aanvraagid/pattern",
        _UUID_PUBLISHED,
        _UUID_CORRECTED,
        "dubbel ge-escapet: vraagt een backslash voor en na de UUID",
    ),
    Erratum(
        "/definitions/PrimairInkomstencomponent/properties/Inkomsten/pattern",
        _AMOUNT_PUBLISHED,
        _AMOUNT_CORRECTED,
        "dubbel ge-escapet: een decimale punt wordt geweigerd",
    ),
    Erratum(
        "/definitions/SecundairInkomstencomponent/properties/Inkomsten/pattern",
        _AMOUNT_PUBLISHED,
        _AMOUNT_CORRECTED,
        "dubbel ge-escapet: een decimale punt wordt geweigerd",
    ),
    Erratum(
        "/definitions/Waardepeiling/properties/WaardeVermogenscomponent/pattern",
        _AMOUNT_PUBLISHED,
        _AMOUNT_CORRECTED,
        "dubbel ge-escapet: een decimale punt wordt geweigerd",
    ),
    Erratum(
        _SPECIFIEK,
        {"oneOf": _SPECIFIEK_BRANCHES, "type": "object"},
        {"anyOf": _SPECIFIEK_BRANCHES, "type": "object"},
        "elke BetaaldWerk is ook een geldige Uitkering: met oneOf komt geen BetaaldWerk door",
    ),
)


class SchemaFout(Exception):
    """The schema file is missing, unreadable, or not the published 1.2.1 (an erratum does not apply)."""


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if len(value) != 10 or value[4] != "-" or value[7] != "-" or not value.replace("-", "").isdigit():
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def format_checker() -> FormatChecker:
    """The formats the koppelvlak documents use, checked the same way whatever jsonschema extras are installed."""
    checker = FormatChecker(formats=())
    checker.checks("date")(_is_date)
    checker.checks("date-time")(lambda v: not isinstance(v, str) or is_date_time(v))
    checker.checks("uri")(lambda v: not isinstance(v, str) or is_uri(v))
    return checker


def _pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]


def apply_errata(doc: dict[str, Json], errata: Iterable[Erratum] = ERRATA) -> dict[str, Json]:
    """A copy of the published document with the references resolvable and every erratum applied."""
    doc = copy.deepcopy(doc)
    definitions = doc.get("definitions")
    if not isinstance(definitions, dict):
        raise SchemaFout("het schema heeft geen definitions")
    for erratum in errata:
        *parents, last = _pointer_parts(erratum.pointer)
        node: Json = doc
        for part in parents:
            if not isinstance(node, dict) or part not in node:
                raise SchemaFout(f"erratum {erratum.pointer}: dit pad bestaat niet in het schema")
            node = node[part]
        if not isinstance(node, dict):
            raise SchemaFout(f"erratum {erratum.pointer}: dit pad bestaat niet in het schema")
        current = node.get(last)
        if current == erratum.corrected:
            continue
        if current != erratum.published:
            raise SchemaFout(f"erratum {erratum.pointer}: het schema wijkt af van de gepubliceerde versie 1.2.1")
        node[last] = copy.deepcopy(erratum.corrected)
    # The references point where the OpenAPI document keeps the schemas: let that location be the definitions.
    doc.setdefault("components", {})["schemas"] = definitions
    return doc


@dataclass(frozen=True, slots=True)
class Gecontroleerd:
    """A message that passed: the ZaakLOAangevraagd object (unwrapped) and how it came."""

    zaak: dict[str, Json]
    omhuld: bool


class AanvraagSchema:
    """Loads the schema once (thread-safe, on first use or at start-up) and validates messages against it."""

    def __init__(self, specs_dir: Path) -> None:
        self.path = specs_dir / SCHEMA_FILE
        self._lock = threading.Lock()
        self._validators: tuple[Draft7Validator, Draft7Validator] | None = None

    def load(self) -> tuple[Draft7Validator, Draft7Validator]:
        """(validator of ZaakLOAangevraagd, validator of the file's root); ``SchemaFout`` when unusable."""
        with self._lock:
            if self._validators is None:
                try:
                    raw = json.loads(self.path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise SchemaFout(f"{self.path} is niet te lezen: {type(exc).__name__}") from exc
                if not isinstance(raw, dict):
                    raise SchemaFout(f"{self.path} is geen JSON Schema")
                doc = apply_errata(raw)
                resource = Resource.from_contents(doc, default_specification=DRAFT7)
                registry: Registry[Json] = Registry().with_resource(_URI, resource)
                checker = format_checker()
                zaak = Draft7Validator(
                    {"$ref": f"{_URI}#/definitions/{ROOT}"}, registry=registry, format_checker=checker
                )
                root = Draft7Validator({"$ref": _URI}, registry=registry, format_checker=checker)
                self._validators = (zaak, root)
            return self._validators

    def _ready(self) -> tuple[Draft7Validator, Draft7Validator]:
        try:
            return self.load()
        except SchemaFout as exc:
            # The operator's problem, not the front office's: the notification can be sent again later.
            raise ServiceUnavailableError(
                "Het schema van Levensonderhoud aanvragen 1.2.1 is niet beschikbaar", retry_after=60
            ) from exc

    def controleer(self, body: Json) -> tuple[Gecontroleerd | None, list[InvalidParam]]:
        """The message unwrapped when it conforms, else the fields that do not (named by their path)."""
        zaak_validator, root_validator = self._ready()
        if isinstance(body, dict) and set(body) == {ROOT}:
            errors = describe_errors(root_validator.iter_errors(body))
            if errors:
                return None, errors
            return Gecontroleerd(body[ROOT], omhuld=True), []
        errors = describe_errors(zaak_validator.iter_errors(body))
        if errors:
            return None, errors
        assert isinstance(body, dict)
        return Gecontroleerd(body, omhuld=False), []


# ------------------------------------------------------------------------------------------------ errors

_TYPE_NL = {
    "string": "een tekst",
    "integer": "een geheel getal",
    "number": "een getal",
    "boolean": "true of false",
    "array": "een lijst",
    "object": "een object",
}


def _name(path: Iterable[Any], extra: str | None = None) -> str:
    parts = [str(p) for p in path]
    if extra is not None:
        parts.append(extra)
    return ".".join(parts) or "bericht"


def _leaves(error: ValidationError) -> list[ValidationError]:
    """Inside a failed ``oneOf``/``anyOf``: the errors of the branch that came closest (the one whose errors lie
    deepest, then the fewest), so the answer names the field and the real reason."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branch = int(sub.schema_path[0]) if sub.schema_path else 0
        by_branch.setdefault(branch, []).append(sub)
    if not by_branch:
        return [error]

    def closeness(errs: list[ValidationError]) -> tuple[int, int]:
        depth = max(len(e.absolute_path) for e in errs)
        # An object that is of another kind altogether (additionalProperties) is farther than a wrong value.
        kinds = sum(1 for e in errs if e.validator in ("additionalProperties", "type"))
        return (-depth, kinds * 100 + len(errs))

    best = min(by_branch.values(), key=closeness)
    if all(e.validator == "additionalProperties" for e in best) and len(by_branch) > 1:
        return [error]
    return [leaf for e in best for leaf in _leaves(e)]


def _describe(e: ValidationError) -> list[InvalidParam]:
    kind = e.validator
    path = list(e.absolute_path)
    value = e.validator_value
    if kind == "required":
        missing = [p for p in value if isinstance(e.instance, dict) and p not in e.instance]
        return [InvalidParam(name=_name(path, p), code="required", reason="Dit veld is verplicht.") for p in missing]
    if kind == "additionalProperties" and isinstance(e.instance, dict):
        known = set((e.schema.get("properties") or {}) if isinstance(e.schema, dict) else ())
        extra = [k for k in e.instance if k not in known]
        return [
            InvalidParam(name=_name(path, k), code="unknown", reason="Dit veld komt in het koppelvlak niet voor.")
            for k in extra
        ]
    if kind == "type":
        expected = value if isinstance(value, str) else "/".join(value)
        return [
            InvalidParam(
                name=_name(path),
                code="invalid",
                reason=f"Ongeldige waarde: verwacht {_TYPE_NL.get(expected, expected)}.",
            )
        ]
    if kind == "enum":
        keuzes = ", ".join(str(v) for v in value[:20])
        return [InvalidParam(name=_name(path), code="invalid_choice", reason=f"Kies uit de codelijst: {keuzes}.")]
    if kind == "pattern":
        return [
            InvalidParam(name=_name(path), code="pattern", reason=f"De waarde voldoet niet aan het patroon {value}.")
        ]
    if kind == "format":
        reden = {"date": "Een datum als JJJJ-MM-DD.", "date-time": "Een datum-tijd volgens RFC 3339."}.get(
            str(value), f"Ongeldig formaat ({value})."
        )
        return [InvalidParam(name=_name(path), code="format", reason=reden)]
    if kind in ("minItems", "maxItems"):
        return [InvalidParam(name=_name(path), code=kind, reason=f"Het aantal elementen moet {kind} {value} zijn.")]
    if kind in ("minimum", "maximum"):
        teken = ">=" if kind == "minimum" else "<="
        return [InvalidParam(name=_name(path), code=kind, reason=f"De waarde moet {teken} {value} zijn.")]
    if kind in ("oneOf", "anyOf"):
        return [
            InvalidParam(name=_name(path), code="invalid", reason="De waarde past bij geen van de toegestane vormen.")
        ]
    return [InvalidParam(name=_name(path), code="invalid", reason=e.message[:200])]


def describe_errors(errors: Iterable[ValidationError]) -> list[InvalidParam]:
    """jsonschema errors as ``invalidParams`` (each field once, in document order, at most ``MAX_PARAMS``)."""
    out: list[InvalidParam] = []
    seen: set[tuple[str, str]] = set()
    for top in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        for leaf in _leaves(top):
            for item in _describe(leaf):
                if (item.name, item.code) not in seen:
                    seen.add((item.name, item.code))
                    out.append(item)
    return out[:MAX_PARAMS]

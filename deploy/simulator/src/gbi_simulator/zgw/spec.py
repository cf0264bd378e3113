"""The official ZGW OpenAPI documents as checkable JSON Schema, and their operations.

The documents are read from ``<specs_dir>/zgw/`` as they are (never copied): Zaken 1.7.0 and Documenten 1.7.1
refer to schemas of Catalogi 1.3.2 and Documenten 1.6.0 by relative ``$ref``; a document is loaded (and
converted) only when a reference reaches it, so the references that point outside the tree (Besluiten 1.1.0's
``ZaakExpanded`` in a Zaken 1.6.0 that is not published with it) never matter unless an ``_expand`` is validated.

OpenAPI 3.0 schemas are not JSON Schema; per direction the conversion

- turns ``nullable: true`` into ``anyOf [schema, {type: null}]``;
- leaves out of ``required`` what the direction does not carry (``readOnly`` in a request, ``writeOnly`` in a
  response), as OpenAPI 3.0 prescribes;
- makes ``discriminator`` mappings checkable: a base with a mapping becomes ``<base>__base`` plus one
  ``if <property> == value then <mapped schema>`` per value (the mapped schemas refer to the base in an
  ``allOf``), so a ``Rol`` of betrokkeneType ``natuurlijk_persoon`` is checked as ``natuurlijk_persoon_Rol``;
- checks the OpenAPI formats with our own format checker (date, date-time with offset, uri, uuid, email,
  duration, byte), independent of which optional jsonschema extras are installed.

Validation is on every request and answer, so it is compiled once per schema: the ``$ref``s a schema reaches are
resolved when its validator is built (the resolved schemas are linked in place; a recursive schema becomes a cyclic
graph of dicts), so a check walks plain schemas and never looks a reference up. Same schemas, same verdicts, same
errors as resolving each ``$ref`` while validating; only the cost per check drops.

A check first asks a compiled validator (jsonschema-rs, the same converted documents, the same format checks as
Python callables) whether the instance conforms. Only a "yes" is taken from it; on a "no" the Python validator
decides and names the errors, as before. A schema the compiled validator cannot build (a reference that leaves the
tree) is checked by the Python validator alone. ``CROSS_CHECK`` (tests) makes every "yes" be confirmed by the Python
validator and raises when they disagree.
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import jsonschema_rs
import yaml
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "API_SPECS",
    "Direction",
    "Operation",
    "Parameter",
    "SchemaError",
    "SpecSet",
    "format_checker",
]

Json = Any

# API name (the segment under /zgw/) -> the document, relative to the specs directory.
API_SPECS: dict[str, str] = {
    "catalogi": "zgw/catalogi/ztc/1.4.x/1.4.0/openapi.yaml",
    "zaken": "zgw/zaken/zrc/1.7.x/1.7.0/openapi.yaml",
    "besluiten": "zgw/besluiten/brc/1.1.0/openapi.yaml",
    "documenten": "zgw/documenten/drc/1.7.x/1.7.1/openapi.yaml",
}
SCHEMAS = "#/components/schemas/"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Direction(StrEnum):
    REQUEST = "request"
    RESPONSE = "response"


# ------------------------------------------------------------------------------------------------ formats

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SPACE = re.compile(r"\s")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_uri(value: object) -> bool:
    return _is_uri_text(value) if isinstance(value, str) else True


@functools.lru_cache(maxsize=4096)
def _is_uri_text(value: str) -> bool:
    """A URI (format ``uri``); kept per text: a case's resources name the same few catalogue and zaak URLs again."""
    if not value or _SPACE.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if not _SCHEME.fullmatch(parts.scheme or ""):
        return False
    return bool(parts.netloc) if parts.scheme.lower() in ("http", "https") else True


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _is_byte(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _is_duration(value: object) -> bool:
    return not isinstance(value, str) or bool(_DURATION.match(value))


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.match(value))


#: The formats checked, by name: the same functions for the Python and the compiled validator.
FORMATS: dict[str, Any] = {
    "date": _is_date,
    "date-time": _is_date_time,
    "uri": _is_uri,
    "uuid": _is_uuid,
    "byte": _is_byte,
    "duration": _is_duration,
    "email": _is_email,
}
#: Tests set this: every instance the compiled validator accepts is checked by the Python validator too.
CROSS_CHECK = False


class VerdictMismatch(AssertionError):
    """The compiled validator accepted what the Python validator refuses (only raised under ``CROSS_CHECK``)."""


def format_checker() -> FormatChecker:
    """The OpenAPI formats the ZGW documents use, checked the same way whatever jsonschema extras exist."""
    checker = FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name)(check)
    return checker


# ------------------------------------------------------------------------------------------------ conversion


def _discriminators(schemas: dict[str, Json]) -> None:
    """Rewrite every base schema with a discriminator mapping into base + if/then per mapped value."""
    for name, base in list(schemas.items()):
        disc = base.get("discriminator") if isinstance(base, dict) else None
        if not isinstance(disc, dict) or not disc.get("mapping"):
            continue
        prop, mapping = disc["propertyName"], disc["mapping"]
        own = {k: v for k, v in base.items() if k != "discriminator"}
        schemas[f"{name}__base"] = own
        for target in mapping.values():
            sub = schemas.get(target.removeprefix(SCHEMAS), {})
            for part in sub.get("allOf", []):
                if part.get("$ref") == SCHEMAS + name:
                    part["$ref"] = SCHEMAS + f"{name}__base"
        branches: list[Json] = [{"$ref": SCHEMAS + f"{name}__base"}]
        for value, target in mapping.items():
            branches.append(
                {"if": {"properties": {prop: {"const": value}}, "required": [prop]}, "then": {"$ref": target}}
            )
        schemas[name] = {"allOf": branches}


def _flag(schema: Json, key: str) -> bool:
    return isinstance(schema, dict) and schema.get(key) is True


def convert_schema(schema: Json, direction: Direction) -> Json:
    """One OpenAPI 3.0 schema object as JSON Schema 2020-12 for ``direction`` (see the module docstring)."""
    if isinstance(schema, bool) or not isinstance(schema, dict):
        return schema
    out: dict[str, Json] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties") and isinstance(value, dict):
            out[key] = {name: convert_schema(sub, direction) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = convert_schema(value, direction)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            out[key] = [convert_schema(sub, direction) for sub in value]
        elif key in ("nullable", "discriminator", "example", "xml", "externalDocs"):
            continue
        else:
            out[key] = value
    props = schema.get("properties")
    if isinstance(out.get("required"), list) and isinstance(props, dict):
        skip = "readOnly" if direction is Direction.REQUEST else "writeOnly"
        out["required"] = [name for name in out["required"] if not _flag(props.get(name), skip)]
        if not out["required"]:
            out.pop("required")
    if schema.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


def convert_document(doc: Json, direction: Direction) -> Json:
    """Every schema in a document (components, parameters, bodies, responses) converted for ``direction``."""
    doc = copy.deepcopy(doc)
    components = doc.get("components") or {}
    schemas = components.get("schemas") or {}
    _discriminators(schemas)
    for name in list(schemas):
        schemas[name] = convert_schema(schemas[name], direction)
    for param in (components.get("parameters") or {}).values():
        if isinstance(param, dict) and "schema" in param:
            param["schema"] = convert_schema(param["schema"], direction)
    for response in (components.get("responses") or {}).values():
        _convert_content(response, direction)
    for item in (doc.get("paths") or {}).values():
        for param in item.get("parameters", []) if isinstance(item, dict) else []:
            if "schema" in param:
                param["schema"] = convert_schema(param["schema"], direction)
        for method in _METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if not isinstance(op, dict):
                continue
            for param in op.get("parameters", []):
                if "schema" in param:
                    param["schema"] = convert_schema(param["schema"], direction)
            _convert_content(op.get("requestBody"), direction)
            for response in (op.get("responses") or {}).values():
                _convert_content(response, direction)
    return doc


def _convert_content(holder: Json, direction: Direction) -> None:
    if not isinstance(holder, dict):
        return
    for media in (holder.get("content") or {}).values():
        if isinstance(media, dict) and "schema" in media:
            media["schema"] = convert_schema(media["schema"], direction)


# ------------------------------------------------------------------------------------------------ operations


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: str  # path, query, header
    required: bool
    schema: Json
    style: str | None = None
    explode: bool | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of a ZGW API, as its document describes it."""

    api: str
    operation_id: str
    method: str
    path: str  # as in the document, relative to /api/v1: /zaken/{uuid}
    parameters: tuple[Parameter, ...]
    request_schema: str | None  # "<pointer>" in the document when a JSON body is described
    body_required: bool
    responses: dict[str, str | None] = field(default_factory=dict)  # status -> pointer of the JSON schema
    response_media: dict[str, str | None] = field(default_factory=dict)  # status -> media type
    secured: bool = True
    scopes: tuple[str, ...] = ()

    def param(self, location: str, name: str) -> Parameter | None:
        for p in self.parameters:
            if p.location == location and p.name.lower() == name.lower():
                return p
        return None

    def of(self, location: str) -> Iterator[Parameter]:
        return (p for p in self.parameters if p.location == location)


class SchemaError:
    """One place where an instance does not conform, for ``invalidParams``."""

    __slots__ = ("code", "name", "reason")

    def __init__(self, name: str, code: str, reason: str) -> None:
        self.name = name
        self.code = code
        self.reason = reason

    def __repr__(self) -> str:
        return f"SchemaError({self.name!r}, {self.code!r}, {self.reason!r})"


def _resolve_local(doc: Json, ref: str) -> Json:
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


class SpecSet:
    """The four ZGW documents: operations by API and operationId, and validators per direction."""

    def __init__(self, specs_dir: Path) -> None:
        self.specs_dir = specs_dir.resolve()
        self._root = (self.specs_dir / "zgw").resolve()
        self._raw: dict[str, Json] = {}
        self._raw_lock = threading.Lock()
        self._validators: dict[tuple[str, str, Direction], Draft202012Validator] = {}
        self._compiled: dict[tuple[str, str, Direction], Any] = {}  # None: cannot be compiled, Python alone
        self._validators_lock = threading.Lock()
        # Keyed by the id of a Parameter of ``operations``, which live as long as this set.
        self._parameter_validators: dict[int, Draft202012Validator] = {}
        self._format_checker = format_checker()
        self._converted: dict[Direction, dict[str, Json]] = {d: {} for d in Direction}
        self._registries = {d: self._registry(d) for d in Direction}
        # (direction, document uri, JSON pointer) -> the schema there with its references resolved (see _inlined).
        self._inlined: dict[tuple[Direction, str, str], Json] = {}
        self.operations: dict[tuple[str, str], Operation] = {}
        self.versions: dict[str, str] = {}
        for api, rel in API_SPECS.items():
            path = self.specs_dir / rel
            doc = self._load(path.resolve().as_uri())
            self.versions[api] = str(doc["info"]["version"])
            for op in self._operations(api, path.resolve().as_uri(), doc):
                self.operations[(api, op.operation_id)] = op

    # -- documents

    def _load(self, uri: str) -> Json:
        with self._raw_lock:
            if uri not in self._raw:
                path = Path(urlsplit(uri).path).resolve()
                if not path.is_relative_to(self._root) or not path.is_file():
                    raise NoSuchResource(uri)
                with path.open(encoding="utf-8") as fh:
                    self._raw[uri] = yaml.load(fh, Loader=_LOADER)  # noqa: S506 - the C SafeLoader
            return self._raw[uri]

    def _converted_document(self, uri: str, direction: Direction) -> Json:
        converted = self._converted[direction]
        if uri not in converted:
            converted[uri] = convert_document(self._load(uri), direction)
        return converted[uri]

    def _registry(self, direction: Direction) -> Registry[Json]:
        def retrieve(uri: str) -> Resource[Json]:
            return Resource.from_contents(self._converted_document(uri, direction), default_specification=DRAFT202012)

        return Registry(retrieve=retrieve)  # type: ignore[call-arg]

    # -- references resolved once

    def _resolved(self, uri: str, pointer: str, direction: Direction) -> Json:
        """The schema at ``uri#pointer`` with every reference it reaches resolved in place. Memoised per direction,
        so a schema reached twice is one object, and a recursive one links back to itself (a cyclic graph, walked
        only as deep as the instance goes). Call with the validators lock held."""
        key = (direction, uri, pointer)
        if key in self._inlined:
            return self._inlined[key]
        node = _at_pointer(self._converted_document(uri, direction), pointer)
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and len(node) == 1:
            # A bare alias: the schema it names, itself (same object, same validation, same error paths).
            self._inlined[key] = result = self._reference(uri, node["$ref"], direction)
            return result
        if not isinstance(node, dict):
            self._inlined[key] = node
            return node
        out: dict[str, Json] = {}
        self._inlined[key] = out  # before descending: a reference back to this schema finds it
        out.update(self._inline_schema(node, uri, direction))
        return out

    def _inline_schema(self, schema: dict[str, Json], base: str, direction: Direction) -> dict[str, Json]:
        ref = schema.get("$ref")
        out = {
            key: value if key in _LITERAL_KEYWORDS else self._inline(value, base, direction)
            for key, value in schema.items()
            if not (key == "$ref" and isinstance(ref, str))
        }
        if isinstance(ref, str):
            # A reference next to other keywords (JSON Schema 2020-12 applies both): the referenced schema is one
            # more subschema that must hold, like an ``allOf`` entry.
            out["allOf"] = [self._reference(base, ref, direction), *out.get("allOf", [])]
        return out

    def _reference(self, base: str, ref: str, direction: Direction) -> Json:
        """The schema a reference names, resolved; one that cannot be resolved now (a document outside the tree)
        stays a reference, made absolute, and fails only if a check ever reaches it, as before."""
        uri, _, fragment = urljoin(base, ref).partition("#")
        try:
            return self._resolved(uri, unquote(fragment), direction)
        except (NoSuchResource, KeyError, IndexError, TypeError):
            return {"$ref": f"{uri}#{fragment}"}

    def _inline(self, value: Json, base: str, direction: Direction) -> Json:
        if isinstance(value, list):
            return [self._inline(v, base, direction) for v in value]
        if not isinstance(value, dict):
            return value
        ref = value.get("$ref")
        if isinstance(ref, str) and len(value) == 1:
            return self._reference(base, ref, direction)
        return self._inline_schema(value, base, direction)

    def _compile(self, schema: Json, base: str, direction: Direction) -> Draft202012Validator:
        return Draft202012Validator(
            self._inline(schema, base, direction),
            registry=self._registries[direction],
            format_checker=self._format_checker,
        )

    def document_uri(self, api: str) -> str:
        return (self.specs_dir / API_SPECS[api]).resolve().as_uri()

    # -- operations

    def _operations(self, api: str, uri: str, doc: Json) -> Iterator[Operation]:
        for path, item in (doc.get("paths") or {}).items():
            shared = [self._param(doc, uri, p) for p in item.get("parameters", [])]
            for method in _METHODS:
                op = item.get(method)
                if not isinstance(op, dict) or "operationId" not in op:
                    continue
                params = {(p.location, p.name.lower()): p for p in shared}
                for raw in op.get("parameters", []):
                    p = self._param(doc, uri, raw)
                    params[(p.location, p.name.lower())] = p
                body = op.get("requestBody")
                body_pointer = f"/paths/{_escape(path)}/{method}/requestBody"
                if isinstance(body, dict) and "$ref" in body:
                    body_pointer = body["$ref"].removeprefix("#")
                    body = _resolve_local(doc, body["$ref"])
                request_schema = None
                if isinstance(body, dict) and "application/json" in (body.get("content") or {}):
                    request_schema = f"{body_pointer}/content/application~1json/schema"
                responses: dict[str, str | None] = {}
                media: dict[str, str | None] = {}
                for status, response in (op.get("responses") or {}).items():
                    pointer = f"/paths/{_escape(path)}/{method}/responses/{status}"
                    if isinstance(response, dict) and "$ref" in response:
                        pointer = response["$ref"].removeprefix("#")
                        response = _resolve_local(doc, response["$ref"])
                    content = (response or {}).get("content") or {}
                    kind = next(iter(content), None)
                    media[str(status)] = kind
                    responses[str(status)] = (
                        f"{pointer}/content/{kind.replace('/', '~1')}/schema"
                        if kind and "schema" in content[kind] and "json" in kind
                        else None
                    )
                security = op.get("security", doc.get("security")) or []
                scopes = tuple(s for req in security for values in req.values() for s in values)
                yield Operation(
                    api=api,
                    operation_id=op["operationId"],
                    method=method.upper(),
                    path=path,
                    parameters=tuple(params.values()),
                    request_schema=request_schema,
                    body_required=bool(isinstance(body, dict) and body.get("required")),
                    responses=responses,
                    response_media=media,
                    secured=bool(security),
                    scopes=scopes,
                )

    @staticmethod
    def _param(doc: Json, uri: str, raw: Json) -> Parameter:
        if "$ref" in raw:
            raw = _resolve_local(doc, raw["$ref"])
        return Parameter(
            name=raw["name"],
            location=raw["in"],
            required=bool(raw.get("required")),
            schema=_absolute_refs(convert_schema(raw.get("schema") or {}, Direction.REQUEST), uri),
            style=raw.get("style"),
            explode=raw.get("explode"),
        )

    def operation(self, api: str, operation_id: str) -> Operation:
        return self.operations[(api, operation_id)]

    # -- validation

    def validator(self, api: str, pointer: str, direction: Direction) -> Draft202012Validator:
        key = (api, pointer, direction)
        with self._validators_lock:
            if key not in self._validators:
                uri = self.document_uri(api)
                self._validators[key] = self._compile({"$ref": f"{uri}#{pointer}"}, uri, direction)
            return self._validators[key]

    def check_parameter(self, param: Parameter, value: Json) -> list[SchemaError]:
        """The errors of a (typed) parameter value against the parameter's schema."""
        key = id(param)
        with self._validators_lock:
            validator = self._parameter_validators.get(key)
            if validator is None:
                # The parameter's references are absolute already (``_absolute_refs``).
                validator = self._compile(param.schema, self._root.as_uri() + "/", Direction.REQUEST)
                self._parameter_validators[key] = validator
        return errors_of(validator.iter_errors(value))

    def match(self, api: str, method: str, path: str) -> tuple[Operation | None, bool]:
        """The operation of ``method`` on ``path`` (relative to /api/v1), and whether the path exists at all."""
        exists = False
        for (name, _), op in self.operations.items():
            if name != api or not path_pattern(op.path).match(path):
                continue
            exists = True
            if op.method == method.upper():
                return op, True
        return None, exists

    def compiled(self, api: str, pointer: str, direction: Direction) -> Any:
        """The jsonschema-rs validator of the schema at ``pointer`` (None when it cannot be built)."""
        key = (api, pointer, direction)
        with self._validators_lock:
            if key not in self._compiled:
                uri = self.document_uri(api)

                def retrieve(ref: str) -> Json:
                    return self._converted_document(ref.partition("#")[0], direction)

                try:
                    self._compiled[key] = jsonschema_rs.validator_for(
                        {"$ref": f"{uri}#{pointer}"},
                        formats=FORMATS,
                        validate_formats=True,
                        retriever=retrieve,
                    )
                except (ValueError, jsonschema_rs.ValidationError, NoSuchResource, KeyError, OSError):
                    self._compiled[key] = None
            return self._compiled[key]

    def check(self, api: str, pointer: str, instance: Json, direction: Direction) -> list[SchemaError]:
        """The errors of ``instance`` against the schema at ``pointer`` (a JSON pointer in ``api``'s document)."""
        compiled = self.compiled(api, pointer, direction)
        if compiled is not None and compiled.is_valid(instance):
            if CROSS_CHECK:
                errors = errors_of(self.validator(api, pointer, direction).iter_errors(instance))
                if errors:
                    raise VerdictMismatch(
                        f"{api} {pointer} {direction}: accepted by jsonschema-rs, not by Python: {errors}"
                    )
            return []
        validator = self.validator(api, pointer, direction)
        return errors_of(validator.iter_errors(instance))

    def check_request(self, op: Operation, body: Json) -> list[SchemaError]:
        assert op.request_schema is not None
        return self.check(op.api, op.request_schema, body, Direction.REQUEST)

    def check_response(self, op: Operation, status: int, body: Json) -> list[SchemaError]:
        pointer = op.responses.get(str(status))
        if pointer is None:
            if str(status) not in op.responses:
                return [SchemaError("status", "undocumented", f"status {status} is not documented for this operation")]
            return []
        return self.check(op.api, pointer, body, Direction.RESPONSE)


#: Keywords whose value is data, not a schema: a ``$ref`` key inside them is not a reference.
_LITERAL_KEYWORDS = frozenset({"enum", "const", "default", "examples", "example"})


def _at_pointer(doc: Json, pointer: str) -> Json:
    """The node at a JSON pointer (``/components/schemas/Zaak``; empty: the document)."""
    node = doc
    if pointer:
        for part in pointer.removeprefix("/").split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _absolute_refs(schema: Json, uri: str) -> Json:
    """A parameter schema with its document-local ``$ref``s made absolute, so it can be checked on its own."""
    if isinstance(schema, dict):
        return {
            k: (uri + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _absolute_refs(v, uri))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute_refs(v, uri) for v in schema]
    return schema


def path_pattern(path: str) -> re.Pattern[str]:
    """The regular expression of a path template of a document (``/zaken/{uuid}``)."""
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


# ------------------------------------------------------------------------------------------------ errors

_TYPE_NL = {
    "string": "een tekst",
    "integer": "een geheel getal",
    "number": "een getal",
    "boolean": "een boolean",
    "array": "een lijst",
    "object": "een object",
}


def _name(path: Iterator[Any] | Any, extra: str | None = None) -> str:
    parts = [str(p) for p in path]
    if extra is not None:
        parts.append(extra)
    return ".".join(parts) or "nonFieldErrors"


def _leaves(error: ValidationError) -> list[ValidationError]:
    """Descend into an ``anyOf``/``oneOf`` that failed when only one branch could have been meant (a nullable
    wrapper, or a choice where one branch got furthest), so the error names the field and the real reason."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        by_branch: dict[int, list[ValidationError]] = {}
        for sub in error.context:
            branch = sub.schema_path[0] if sub.schema_path else 0
            by_branch.setdefault(int(branch), []).append(sub)
        meaningful = {
            b: errs
            for b, errs in by_branch.items()
            if not (len(errs) == 1 and errs[0].validator == "type" and errs[0].validator_value == "null")
        }
        if len(meaningful) == 1:
            (errs,) = meaningful.values()
            return [leaf for e in errs for leaf in _leaves(e)]
    return [error]


def errors_of(errors: Iterator[ValidationError]) -> list[SchemaError]:
    """jsonschema errors as ``invalidParams`` in the style of the ZGW reference implementations."""
    out: list[SchemaError] = []
    seen: set[tuple[str, str]] = set()
    for top in errors:
        for e in _leaves(top):
            for item in _describe(e):
                if (item.name, item.code) not in seen:
                    seen.add((item.name, item.code))
                    out.append(item)
    return out


def _describe(e: ValidationError) -> list[SchemaError]:
    kind = e.validator
    path = list(e.absolute_path)
    value = e.validator_value
    if kind == "required":
        missing = [p for p in value if isinstance(e.instance, dict) and p not in e.instance]
        return [SchemaError(_name(path, p), "required", "Dit veld is vereist.") for p in missing]
    if kind == "type":
        if e.instance is None:
            return [SchemaError(_name(path), "null", "Dit veld mag niet leeg zijn.")]
        expected = value if isinstance(value, str) else "/".join(value)
        return [SchemaError(_name(path), "invalid", f"Ongeldige waarde: verwacht {_TYPE_NL.get(expected, expected)}.")]
    if kind == "maxLength":
        return [
            SchemaError(_name(path), "max_length", f"Zorg ervoor dat dit veld niet meer dan {value} karakters bevat.")
        ]
    if kind == "minLength":
        if value == 1:
            return [SchemaError(_name(path), "blank", "Dit veld mag niet leeg zijn.")]
        return [SchemaError(_name(path), "min_length", f"Zorg ervoor dat dit veld minimaal {value} karakters bevat.")]
    if kind in ("enum", "const"):
        return [SchemaError(_name(path), "invalid_choice", f'"{e.instance}" is een ongeldige keuze.')]
    if kind == "format":
        reasons = {
            "date": "Datum heeft het verkeerde formaat, gebruik 1 van deze formaten: YYYY-MM-DD.",
            "date-time": "Datetime heeft een ongeldig formaat, gebruik 1 van de volgende formaten: "
            "YYYY-MM-DDThh:mm:ss[.uuuuuu]+HH:MM of Z.",
            "uri": "Voer een geldige URL in.",
            "uuid": "Voer een geldige UUID in.",
            "byte": "De inhoud is geen geldige base64.",
            "duration": "Duur heeft het verkeerde formaat (ISO 8601, bijvoorbeeld P8W).",
            "email": "Voer een geldig e-mailadres in.",
        }
        return [SchemaError(_name(path), "invalid", reasons.get(str(value), f"Ongeldig formaat ({value})."))]
    if kind == "maximum":
        return [SchemaError(_name(path), "max_value", f"Zorg ervoor dat deze waarde kleiner of gelijk is aan {value}.")]
    if kind == "minimum":
        return [SchemaError(_name(path), "min_value", f"Zorg ervoor dat deze waarde groter of gelijk is aan {value}.")]
    if kind == "maxItems":
        return [
            SchemaError(_name(path), "max_length", f"Zorg ervoor dat dit veld niet meer dan {value} elementen heeft.")
        ]
    if kind == "minItems":
        return [SchemaError(_name(path), "min_length", f"Zorg ervoor dat dit veld minimaal {value} elementen heeft.")]
    if kind == "uniqueItems":
        return [SchemaError(_name(path), "unique", "De elementen van deze lijst moeten uniek zijn.")]
    if kind == "pattern":
        return [SchemaError(_name(path), "invalid", f"De waarde voldoet niet aan het patroon {value}.")]
    if kind in ("anyOf", "oneOf"):
        if e.context and all(sub.validator in ("enum", "const") for sub in e.context):
            return [SchemaError(_name(path), "invalid_choice", f'"{e.instance}" is een ongeldige keuze.')]
        return [SchemaError(_name(path), "invalid", "De waarde past bij geen van de toegestane vormen.")]
    return [SchemaError(_name(path), "invalid", e.message[:200])]

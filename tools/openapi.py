"""Generate (``write``) or verify (``check``) the committed OpenAPI documents.

- ``docs/openapi/<component>.json``: each service's own OpenAPI, as FastAPI generates it (3.1).
- ``gateway/src/gbi_gateway/openapi.json``: the one public document the gateway serves at ``/api/v1/openapi.json``:
  every ``/api/v1`` operation of every layer, converted to OpenAPI 3.0 (the NL API Design Rules 2.1.0 ruleset
  expects 3.0), with servers, contact and the ``/openapi.json`` resource the rules ask for.

``check`` fails (exit 1) when a committed document differs from what the code generates: the contract drifted.
"""

from __future__ import annotations

import copy
import difflib
import importlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {
    "interaction": "gbi_interaction.app",
    "process": "gbi_process.app",
    "integration": "gbi_integration.app",
    "domain": "gbi_domain.app",
    "data": "gbi_data.app",
}
PUBLIC_PREFIX = "/api/v1"
PUBLIC_DOC = ROOT / "gateway" / "src" / "gbi_gateway" / "openapi.json"


def service_docs() -> dict[str, dict[str, Any]]:
    docs = {}
    for name, module in SERVICES.items():
        app = importlib.import_module(module).create_app()
        docs[name] = app.openapi()
    return docs


def to_openapi30(node: Any) -> Any:
    """Rewrite JSON Schema 2020-12 constructs (OpenAPI 3.1) into their OpenAPI 3.0 equivalents."""
    if isinstance(node, list):
        return [to_openapi30(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_openapi30(v) for k, v in node.items()}
    for key in ("anyOf", "oneOf"):
        variants = out.get(key)
        if isinstance(variants, list) and any(v == {"type": "null"} for v in variants):
            rest = [v for v in variants if v != {"type": "null"}]
            out.pop(key)
            if len(rest) == 1:
                only = rest[0]
                if "$ref" in only:
                    out["allOf"] = [only]
                else:
                    out.update(only)
            else:
                out[key] = rest
            out["nullable"] = True
    if isinstance(out.get("type"), list):
        types = [t for t in out["type"] if t != "null"]
        if len(types) < len(out["type"]):
            out["nullable"] = True
        out["type"] = types[0] if len(types) == 1 else types
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("examples"), list) and "properties" not in out.get("examples", {}):
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), (int, float)) and not isinstance(out.get(bound), bool):
            out[flag] = out[bound]
            out[bound] = True
    if "$ref" in out and len(out) > 1:
        # OpenAPI 3.0 ignores siblings of $ref; keep them by wrapping the reference.
        out = {"allOf": [{"$ref": out.pop("$ref")}], **out}
    patterns = out.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in out:
        # OpenAPI 3.0 has no patternProperties: the values' schema becomes additionalProperties, the key pattern
        # (still enforced by the service) is named in the description.
        [(pattern, values)] = patterns.items()
        out.pop("patternProperties")
        out["additionalProperties"] = values
        note = f"Sleutels volgen het patroon {pattern}"
        out["description"] = f"{out['description']} ({note})" if out.get("description") else note
    for unsupported in ("contentMediaType", "contentEncoding", "$schema", "propertyNames"):
        out.pop(unsupported, None)
    return out


def public_doc(docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    tags: dict[str, dict[str, str]] = {}
    for name, doc in docs.items():
        for path, ops in doc.get("paths", {}).items():
            if not path.startswith(PUBLIC_PREFIX + "/"):
                continue
            rel = path[len(PUBLIC_PREFIX) :]
            if rel in paths:
                raise SystemExit(f"{path} is published by two layers (second: {name})")
            paths[rel] = copy.deepcopy(ops)
            for op in ops.values():
                for tag in op.get("tags", []) if isinstance(op, dict) else []:
                    tags.setdefault(tag, {"name": tag})
        for schema_name, schema in doc.get("components", {}).get("schemas", {}).items():
            if schema_name in schemas and schemas[schema_name] != schema:
                raise SystemExit(f"schema {schema_name} differs between layers (second: {name})")
            schemas[schema_name] = schema
    version_header = {"description": "De volledige versie van de API (semver)", "schema": {"type": "string"}}
    paths["/openapi.json"] = {
        "get": {
            "summary": "Dit OpenAPI-document",
            "description": "Het OpenAPI 3.0-document van de publieke API van GBI, zonder authenticatie op te vragen.",
            "operationId": "getOpenapi",
            "tags": ["API"],
            "responses": {
                "200": {
                    "description": "Het OpenAPI-document van de publieke API van GBI",
                    "headers": {
                        "API-Version": version_header,
                        "access-control-allow-origin": {
                            "description": "Altijd *",
                            "schema": {"type": "string"},
                        },
                    },
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    }
    tags.setdefault("API", {"name": "API"})
    used = _referenced_schemas(paths, schemas)
    doc = {
        "openapi": "3.0.3",
        "info": {
            "title": "GBI - Gezamenlijke Backoffice Inkomensvoorziening",
            "description": (
                "De publieke API van GBI: aanvragen en berekeningen van de Participatiewet (bijstand) voor de "
                "aangesloten gemeenten. Authenticatie met een Bearer-token (OIDC). Fouten volgen RFC 9457 "
                "(application/problem+json)."
            ),
            "version": "1.0.0",
            "contact": {"name": "GBI", "email": "api@gbi.example.nl", "url": "https://gbi.example.nl"},
            "license": {"name": "EUPL-1.2", "url": "https://eupl.eu/1.2/nl/"},
        },
        "servers": [{"url": "https://api.gbi.example.nl/api/v1", "description": "Productie"}],
        "tags": sorted(tags.values(), key=lambda t: t["name"]),
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {k: schemas[k] for k in sorted(used)},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearer": []}],
    }
    converted: dict[str, Any] = to_openapi30(doc)
    converted["paths"]["/openapi.json"]["get"]["security"] = []
    return converted


def _referenced_schemas(paths: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    prefix = "#/components/schemas/"
    seen: set[str] = set()
    todo: list[Any] = [paths]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix):
                name = ref[len(prefix) :]
                if name not in seen and name in schemas:
                    seen.add(name)
                    todo.append(schemas[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return seen


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def targets() -> dict[Path, str]:
    docs = service_docs()
    files = {ROOT / "docs" / "openapi" / f"{name}.json": render(doc) for name, doc in docs.items()}
    files[PUBLIC_DOC] = render(public_doc(docs))
    return files


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "check"
    files = targets()
    if mode == "write":
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    drift = 0
    for path, text in files.items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            drift += 1
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), str(path.relative_to(ROOT)), "generated", lineterm="", n=2
            )
            print("\n".join(list(diff)[:60]))
    if drift:
        print(f"OpenAPI drift in {drift} document(s): run `make openapi` and commit the result.", file=sys.stderr)
        return 1
    print(f"OpenAPI documents up to date ({len(files)}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

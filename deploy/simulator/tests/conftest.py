"""Fixtures of the simulator tests: one app on the real specs (read from ../shared/specs), and validators built
from the official BRP Personen 2.7.0 OpenAPI document."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.testclient import TestClient

from gbi_simulator.app import create_app
from gbi_simulator.settings import SimulatorSettings, default_specs_dir

SPECS_DIR = default_specs_dir()
BRP_SPEC = SPECS_DIR / "brp" / "personen-2.7.0.yaml"
SPEC_URI = "https://gbi.test/specs/brp/personen-2.7.0.yaml"
SCHEMAS = "#/components/schemas/"
# A fixed day, so ages in the assertions do not move.
TODAY = date(2025, 6, 15)

PROTOCOL = {"x-doelbinding": "participatiewet", "x-verwerking": "aanvraag-levensonderhoud", "x-gebruiker": "tester"}

Validate = Callable[[dict[str, Any], str], None]


def _with_discriminators(spec: dict[str, Any]) -> dict[str, Any]:
    """Make OpenAPI ``discriminator`` mappings checkable by JSON Schema.

    A base schema with a discriminator becomes ``base__base`` (its own properties) plus, per mapped value, an
    ``if type == value then $ref subtype``; subtypes refer to ``base__base`` so nothing recurses. Without this, a
    ``$ref`` to ``AbstractDatum`` or ``AbstractVerblijfplaats`` would only check the base's few properties.
    """
    spec = copy.deepcopy(spec)
    schemas: dict[str, Any] = spec["components"]["schemas"]
    bases = {name: s for name, s in list(schemas.items()) if isinstance(s.get("discriminator"), dict)}
    for name, base in bases.items():
        disc = base.pop("discriminator")
        prop, mapping = disc["propertyName"], disc.get("mapping") or {}
        schemas[f"{name}__base"] = base
        for target in mapping.values():
            sub = schemas[target.removeprefix(SCHEMAS)]
            for part in sub.get("allOf", []):
                if part.get("$ref") == SCHEMAS + name:
                    part["$ref"] = SCHEMAS + f"{name}__base"
        branches: list[dict[str, Any]] = [{"$ref": SCHEMAS + f"{name}__base"}]
        branches.append({"properties": {prop: {"enum": sorted(mapping)}}, "required": [prop]})
        for value, target in mapping.items():
            branches.append(
                {"if": {"properties": {prop: {"const": value}}, "required": [prop]}, "then": {"$ref": target}}
            )
        schemas[name] = {"allOf": branches}
    return spec


@pytest.fixture(scope="session")
def brp_spec() -> dict[str, Any]:
    with BRP_SPEC.open(encoding="utf-8") as fh:
        spec: dict[str, Any] = yaml.safe_load(fh)
    return _with_discriminators(spec)


@pytest.fixture(scope="session")
def brp_validate(brp_spec: dict[str, Any]) -> Validate:
    """``validate(body, "PersonenQueryResponse")``: raise on the first error against the spec's schema."""
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(brp_spec, default_specification=DRAFT202012)
    )
    validators: dict[str, Draft202012Validator] = {}

    def validate(body: dict[str, Any], schema_name: str) -> None:
        if schema_name not in validators:
            validators[schema_name] = Draft202012Validator(
                {"$ref": f"{SPEC_URI}{SCHEMAS}{schema_name}"},
                registry=registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
        errors = sorted(validators[schema_name].iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            details = "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
            raise AssertionError(f"{len(errors)} schema errors against {schema_name}:\n{details}")

    return validate


def simulator_settings(tmp_path: Path | None = None, **overrides: Any) -> SimulatorSettings:
    values: dict[str, Any] = {"specs_dir": SPECS_DIR, "today": TODAY, "log_json": False, "environment": "test"}
    values.update(overrides)
    return SimulatorSettings(**values)


@pytest.fixture(scope="session")
def app() -> FastAPI:
    return create_app(simulator_settings())


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def brp(client: TestClient, brp_validate: Validate) -> Callable[..., Any]:
    """POST a Personen query with protocol headers; every answer is validated against the spec."""

    def call(body: Any, *, headers: dict[str, str] | None = None, expect: int = 200) -> dict[str, Any]:
        response = client.post(
            "/haalcentraal/api/brp/personen", json=body, headers=PROTOCOL if headers is None else headers
        )
        assert response.status_code == expect, response.text
        payload: dict[str, Any] = response.json()
        if response.status_code == 200:
            assert response.headers["content-type"] == "application/json; charset=utf-8"
            brp_validate(payload, "PersonenQueryResponse")
        else:
            assert response.headers["content-type"] == "application/problem+json"
            brp_validate(payload, "BadRequestFoutbericht" if response.status_code == 400 else "Foutbericht")
        return payload

    return call

"""Fixtures of the simulated front office's tests: a simulator with a front office token and integrator clients, a
fake GBI on loopback that records the notifications it gets, and checkers of the official GBI documents
(``../shared/specs/gbi``; the aanvragen 1.2.1 JSON Schema and OpenAPI document, notificatie 0.9.0)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from jsonschema import Draft7Validator, FormatChecker
from openapi_schema_validator import OAS30Validator
from pydantic import SecretStr
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT7
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from gbi_simulator.app import create_app
from gbi_simulator.frontoffice import Frontoffice, FrontofficeSettings
from gbi_simulator.settings import SimulatorSettings, default_specs_dir
from gbi_testing import ServerThread

SPECS = default_specs_dir()
GBI = SPECS / "gbi"
TOKEN = "het-token-van-gbi-bij-de-front-office"
TODAY = date(2026, 11, 2)


# ------------------------------------------------------------------------------------------------ fake GBI


@dataclass
class FakeGbi:
    url: str = ""
    received: list[tuple[dict[str, str], Any]] = field(default_factory=list)
    status: int = 200


@pytest.fixture(scope="session")
def fake_gbi() -> Iterator[FakeGbi]:
    gbi = FakeGbi()

    async def notificaties(request: Request) -> Response:
        body = json.loads(await request.body())
        gbi.received.append(({k.lower(): v for k, v in request.headers.items()}, body))
        answer = {
            **body,
            "kenmerken": {**body.get("kenmerken", {}), "gbiAanvraagId": "9b1d0000-0000-4000-8000-000000000001"},
        }
        return JSONResponse(answer, status_code=gbi.status, headers={"API-version": "0.9.0"})

    app = Starlette(routes=[Route("/koppelvlakken/levensonderhoud/notificaties", notificaties, methods=["POST"])])
    with ServerThread(app) as server:
        gbi.url = f"http://127.0.0.1:{server.port}"
        yield gbi


# ------------------------------------------------------------------------------------------------ simulator


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, fake_gbi: FakeGbi) -> FastAPI:
    clients = tmp_path_factory.mktemp("idp") / "clients.json"
    clients.write_text(
        json.dumps(
            [
                {
                    "client_id": "integrator-0363",
                    "client_secret": "geheim-0363",
                    "actor_type": "systeem",
                    "gemeente": "0363",
                    "roles": ["integrator"],
                },
                {"client_id": "gzac-0599", "client_secret": "geheim-0599", "actor_type": "systeem", "gemeente": "0599"},
            ]
        ),
        encoding="utf-8",
    )
    settings = SimulatorSettings(
        specs_dir=SPECS, today=TODAY, log_json=False, environment="test", idp_clients_file=clients
    )
    simulator = create_app(settings)
    simulator.state.frontoffice = Frontoffice(FrontofficeSettings(token=SecretStr(TOKEN), gbi_url=fake_gbi.url))
    return simulator


@pytest.fixture
def client(app: FastAPI, fake_gbi: FakeGbi) -> Iterator[TestClient]:
    fake_gbi.received.clear()
    fake_gbi.status = 200
    app.state.frontoffice.storing = None
    with TestClient(app) as c:
        yield c


# ------------------------------------------------------------------------------------------------ the standards

UUID_PUBLISHED = (
    r"^(\\{{0,1}([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}\\}{0,1})$"
)
UUID_CORRECTED = (
    r"^(\{{0,1}([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}\}{0,1})$"
)


def _corrected(node: Any) -> Any:
    """The published documents with the twice-escaped UUID pattern corrected (it refuses every real UUID)."""
    if isinstance(node, dict):
        out = {k: _corrected(v) for k, v in node.items()}
        if out.get("pattern") == UUID_PUBLISHED:
            out["pattern"] = UUID_CORRECTED
        return out
    if isinstance(node, list):
        return [_corrected(v) for v in node]
    return node


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return len(value) == 10 and date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


FORMATS = FormatChecker(formats=())
FORMATS.checks("date")(_is_date)


@cache
def json_schema() -> Draft7Validator:
    """levensonderhoud-aanvragen-1.2.1.schema.json, its references made resolvable."""
    doc = _corrected(json.loads((GBI / "levensonderhoud-aanvragen-1.2.1.schema.json").read_text(encoding="utf-8")))
    doc["components"] = {"schemas": doc["definitions"]}
    registry: Registry[Any] = Registry().with_resource(
        "urn:test:aanvragen", Resource.from_contents(doc, default_specification=DRAFT7)
    )
    return Draft7Validator({"$ref": "urn:test:aanvragen"}, registry=registry, format_checker=FORMATS)


@cache
def _yaml(name: str) -> Any:
    return _corrected(yaml.safe_load((GBI / name).read_text(encoding="utf-8")))


def oas(document: str, schema: str) -> OAS30Validator:
    registry: Registry[Any] = Registry().with_resource(
        f"urn:test:{document}", Resource.from_contents(_yaml(document), default_specification=DRAFT4)
    )
    return OAS30Validator(
        {"$ref": f"urn:test:{document}#/components/schemas/{schema}"}, registry=registry, format_checker=FORMATS
    )


def fouten(validator: Draft7Validator | OAS30Validator, instance: Any) -> list[str]:
    return [".".join(str(p) for p in e.absolute_path) or e.message for e in validator.iter_errors(instance)]


def specs_path() -> Path:
    return SPECS

"""Fixtures of the simulated zaaksysteem tests: an app with ZGW clients, ZGW JWTs, and an independent checker of
every answer against the official documents (openapi-schema-validator's OAS 3.0 read validator on the YAML as
published, relative references followed), so the simulator's own conversion is not what checks itself."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
import yaml
from fastapi import FastAPI
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from starlette.testclient import TestClient

from gbi_simulator.app import create_app
from gbi_simulator.settings import SimulatorSettings, default_specs_dir
from gbi_simulator.zgw.catalogi import gemeente_rsin

SPECS_DIR = default_specs_dir()

DOCS = {
    "catalogi": SPECS_DIR / "zgw/catalogi/ztc/1.4.x/1.4.0/openapi.yaml",
    "zaken": SPECS_DIR / "zgw/zaken/zrc/1.7.x/1.7.0/openapi.yaml",
    "besluiten": SPECS_DIR / "zgw/besluiten/brc/1.1.0/openapi.yaml",
    "documenten": SPECS_DIR / "zgw/documenten/drc/1.7.x/1.7.1/openapi.yaml",
}
BASES = {api: f"/zgw/{api}/api/v1" for api in DOCS}
AMSTERDAM, ROTTERDAM = "0363", "0599"
SECRET_A = "amsterdam-zgw-secret-0123456789abcdef"
SECRET_R = "rotterdam-zgw-secret-0123456789abcdef"
SECRET_BEHEER = "beheer-zgw-secret-0123456789abcdefgh"
CLIENTS = [
    {"client_id": "gbi-0363", "secret": SECRET_A, "gemeente": AMSTERDAM, "name": "GBI voor Amsterdam"},
    {"client_id": "gbi-0599", "secret": SECRET_R, "gemeente": ROTTERDAM},
    {"client_id": "beheer", "secret": SECRET_BEHEER},
]
SECRETS = {c["client_id"]: c["secret"] for c in CLIENTS}
RSIN_A = gemeente_rsin(AMSTERDAM)
CRS = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def zgw_token(client: str = "gbi-0363", secret: str | None = None, **claims: Any) -> str:
    """A ZGW JWT of ``client``; a claim given as None is left out."""
    payload: dict[str, Any] = {
        "iss": client,
        "client_id": client,
        "iat": int(time.time()),
        "user_id": "tester",
        "user_representation": "Tester",
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, secret or SECRETS[client], algorithm="HS256")


def headers(client_id: str = "gbi-0363", **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {zgw_token(client_id)}", **CRS, **extra}


# ---------------------------------------------------------------------------------------------- the checker


@cache
def _document(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)


def _retrieve(uri: str) -> Resource[Any]:
    return Resource.from_contents(_document(urlsplit(uri).path), default_specification=DRAFT4)


REGISTRY: Registry[Any] = Registry(retrieve=_retrieve)  # type: ignore[call-arg]


def _operation(api: str, method: str, path: str) -> dict[str, Any]:
    doc = _document(str(DOCS[api]))
    op: dict[str, Any] = doc["paths"][path][method.lower()]
    return op


def _pointer_of_response(api: str, method: str, path: str, status: int) -> str | None:
    doc = _document(str(DOCS[api]))
    op = _operation(api, method, path)
    response = op["responses"].get(str(status))
    if response is None:
        # An error the document does not list for this operation (a list page that does not exist: 404, an
        # operation the simulator does not offer: 501) must still be a ``Fout``.
        assert status >= 400, f"{method} {path}: status {status} is not documented"
        return "/components/schemas/Fout"
    pointer = f"/paths/{path.replace('/', '~1')}/{method.lower()}/responses/{status}"
    if "$ref" in response:
        pointer = response["$ref"].removeprefix("#")
        node = doc
        for part in pointer.strip("/").split("/"):
            node = node[part]
        response = node
    content = response.get("content") or {}
    for media, spec in content.items():
        if "json" in media and "schema" in spec:
            return f"{pointer}/content/{media.replace('/', '~1')}/schema"
    return None


def check_response(api: str, method: str, path: str, status: int, body: Any) -> None:
    """Raise when ``body`` does not validate against the documented response of the operation."""
    pointer = _pointer_of_response(api, method, path, status)
    if pointer is None:
        return
    uri = DOCS[api].resolve().as_uri()
    validator = OAS30ReadValidator({"$ref": f"{uri}#{pointer}"}, registry=REGISTRY, format_checker=oas30_format_checker)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        details = "\n".join(f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:10])
        raise AssertionError(f"{api} {method} {path} {status}: {len(errors)} schema errors\n{details}")


# ---------------------------------------------------------------------------------------------- the app


@pytest.fixture(scope="session")
def zgw_clients_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("zgw") / "zgw-clients.json"
    path.write_text(json.dumps(CLIENTS), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def zgw_app(zgw_clients_file: Path) -> FastAPI:
    settings = SimulatorSettings(
        specs_dir=SPECS_DIR,
        log_json=False,
        environment="test",
        zgw_clients_file=zgw_clients_file,
        zgw_check_responses=True,
    )
    return create_app(settings)


@pytest.fixture(scope="session")
def zgw_client(zgw_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(zgw_app) as c:
        yield c


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    raw: bytes


class Zgw:
    """Calls the simulated zaaksysteem; every answer is checked against the official document."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def call(
        self,
        api: str,
        method: str,
        template: str,
        *,
        path: str | None = None,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        as_client: str = "gbi-0363",
        hdrs: dict[str, str] | None = None,
        expect: int | None = None,
        raw_body: bytes | None = None,
    ) -> Answer:
        url = path if path is not None and path.startswith("http") else BASES[api] + (path or template)
        send = headers(as_client) if hdrs is None else hdrs
        kwargs: dict[str, Any] = {"headers": send, "params": params}
        if raw_body is not None:
            kwargs["content"] = raw_body
        elif json_body is not None:
            kwargs["json"] = json_body
        response = self.client.request(method, url, **kwargs)
        ctype = response.headers.get("content-type", "")
        body = response.json() if "json" in ctype else None
        if expect is not None:
            assert response.status_code == expect, response.text[:800]
        if response.status_code >= 400:
            assert ctype == "application/problem+json", ctype
        check_response(api, method, template, response.status_code, body)
        return Answer(response.status_code, body, dict(response.headers), response.content)

    def get(self, api: str, template: str, **kw: Any) -> Answer:
        return self.call(api, "GET", template, **kw)

    def post(self, api: str, template: str, body: Any, **kw: Any) -> Answer:
        return self.call(api, "POST", template, json_body=body, **kw)


@pytest.fixture
def zgw(zgw_client: TestClient) -> Zgw:
    return Zgw(zgw_client)


@pytest.fixture
def rejections(zgw_client: TestClient) -> Callable[[], list[dict[str, Any]]]:
    """The rejections recorded since the test began."""
    zgw_client.delete("/zgw/_rejections")

    def current() -> list[dict[str, Any]]:
        snapshot = zgw_client.get("/zgw/_rejections").json()
        assert snapshot["responseViolations"] == [], snapshot["responseViolations"]
        items: list[dict[str, Any]] = snapshot["rejections"]
        return items

    return current


@pytest.fixture
def catalogus(zgw: Zgw) -> dict[str, Any]:
    """The URLs of Amsterdam's ALO types."""
    cat = zgw.get("catalogi", "/catalogussen", params={"rsin": RSIN_A}, expect=200).body["results"][0]
    zt = zgw.get("catalogi", "/zaaktypen", params={"catalogus": cat["url"]}, expect=200).body["results"][0]
    st = zgw.get("catalogi", "/statustypen", params={"zaaktype": zt["url"]}, expect=200).body["results"]
    rt = zgw.get("catalogi", "/roltypen", params={"zaaktype": zt["url"]}, expect=200).body["results"]
    bt = zgw.get("catalogi", "/besluittypen", params={"zaaktypen": zt["url"]}, expect=200).body["results"]
    it = zgw.get("catalogi", "/informatieobjecttypen", params={"catalogus": cat["url"]}, expect=200).body["results"]
    return {
        "catalogus": cat,
        "zaaktype": zt,
        "statustypen": {s["omschrijving"]: s["url"] for s in st},
        "roltypen": {r["omschrijving"]: r["url"] for r in rt},
        "besluittypen": {b["omschrijving"]: b["url"] for b in bt},
        "informatieobjecttypen": {i["omschrijving"]: i["url"] for i in it},
    }


@pytest.fixture(autouse=True)
def cross_checked_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every instance the compiled validator (jsonschema-rs) accepts in these tests is checked by the Python
    validator as well; a disagreement fails the request (``VerdictMismatch``)."""
    from gbi_simulator.zgw import spec

    monkeypatch.setattr(spec, "CROSS_CHECK", True)

"""Fixtures of the zaaksysteem adapter tests: the simulated zaaksysteem on a real loopback port (uvicorn in a
thread), the adapter on a recording transport, and an independent check of every request the adapter sends
against the official ZGW documents (openapi-schema-validator, OAS 3.0 write direction)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from openapi_schema_validator import OAS30WriteValidator, oas30_format_checker
from opentelemetry import trace
from pydantic import SecretStr
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from gbi_integration.settings import IntegrationSettings
from gbi_integration.zgw.adapter import ZgwZaaksysteem
from gbi_integration.zgw.config import ZgwGemeente
from gbi_shared._http import HttpResponse, HttpTransport
from gbi_simulator.app import create_app as create_simulator
from gbi_simulator.settings import SimulatorSettings, default_specs_dir
from gbi_simulator.zgw import gemeente_rsin
from gbi_testing import ServerThread

SPECS_DIR = default_specs_dir()
DOCS = {
    "catalogi": SPECS_DIR / "zgw/catalogi/ztc/1.4.x/1.4.0/openapi.yaml",
    "zaken": SPECS_DIR / "zgw/zaken/zrc/1.7.x/1.7.0/openapi.yaml",
    "besluiten": SPECS_DIR / "zgw/besluiten/brc/1.1.0/openapi.yaml",
    "documenten": SPECS_DIR / "zgw/documenten/drc/1.7.x/1.7.1/openapi.yaml",
}
AMSTERDAM, ROTTERDAM, UTRECHT = "0363", "0599", "0344"
SECRETS = {
    AMSTERDAM: "gbi-amsterdam-zgw-secret-0123456789abcdef",
    ROTTERDAM: "gbi-rotterdam-zgw-secret-0123456789abcdef",
}
BEHEER_SECRET = "beheer-van-de-simulator-0123456789abcdefgh"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# ---------------------------------------------------------------------------------------------- the simulator


class Simulator:
    """The simulator app served by uvicorn on a loopback port, in a background thread."""

    def __init__(self, clients_file: Path) -> None:
        settings = SimulatorSettings(
            specs_dir=SPECS_DIR, log_json=False, environment="test", zgw_clients_file=clients_file
        )
        self.app = create_simulator(settings)
        self._server = ServerThread(self.app, lifespan="on")
        self.port: int = self._server.port

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> None:
        self._server.start()
        # Load the ZGW documents now, not inside the first test's timeout.
        self.app.state.zgw.specs()

    def stop(self) -> None:
        self._server.stop()

    # -- what the simulated zaaksysteem recorded

    def rejections(self) -> list[dict[str, Any]]:
        snapshot = self.app.state.zgw.rejections.snapshot()
        assert snapshot["responseViolations"] == [], snapshot["responseViolations"]
        items: list[dict[str, Any]] = snapshot["rejections"]
        return items

    def clear_rejections(self) -> None:
        self.app.state.zgw.rejections.clear()

    def count(self, collection: str) -> int:
        return len(list(self.app.state.zgw.store.all(collection)))


@pytest.fixture(scope="session")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    clients = [{"client_id": f"gbi-{code}", "secret": secret, "gemeente": code} for code, secret in SECRETS.items()] + [
        {"client_id": "beheer", "secret": BEHEER_SECRET}
    ]
    path = tmp_path_factory.mktemp("zgw") / "zgw-clients.json"
    path.write_text(json.dumps(clients), encoding="utf-8")
    sim = Simulator(path)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def sim(simulator: Simulator) -> Simulator:
    """The simulator with an empty list of rejections."""
    simulator.clear_rejections()
    return simulator


def zgw_settings(sim_url: str, **overrides: Any) -> IntegrationSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "log_json": False,
        "zgw_catalogi_url": f"{sim_url}/zgw/catalogi/api/v1",
        "zgw_zaken_url": f"{sim_url}/zgw/zaken/api/v1",
        "zgw_besluiten_url": f"{sim_url}/zgw/besluiten/api/v1",
        "zgw_documenten_url": f"{sim_url}/zgw/documenten/api/v1",
        "zgw_gemeenten": {
            code: ZgwGemeente(client_id=f"gbi-{code}", secret=SecretStr(secret), rsin=gemeente_rsin(code))
            for code, secret in SECRETS.items()
        },
        "zgw_timeout_s": 5.0,
        "zgw_retries": 2,
        "breaker_failures": 5,
        "breaker_cooldown_s": 30.0,
    }
    values.update(overrides)
    return IntegrationSettings(**values)


# ---------------------------------------------------------------------------------------------- requests


@dataclass
class Sent:
    method: str
    url: str
    headers: dict[str, str]
    body: Any
    status: int | None = None


@dataclass
class Faults:
    """Failures to inject: ``lose_answer`` drops the answer of matching requests after the zaaksysteem handled
    them (a timeout on the way back); ``unavailable`` answers matching requests with 503 without sending them."""

    lose_answer: list[tuple[str, str]] = field(default_factory=list)  # (method, path suffix), used once each
    unavailable: list[tuple[str, str]] = field(default_factory=list)
    # Answer a matching list request with an empty page without sending it (a search that does not see yet
    # what another replica just registered).
    empty_once: list[tuple[str, str]] = field(default_factory=list)
    # Answer a matching request with a 403 without sending it (a zaaksysteem that refuses a client without the
    # scope for it before it validates the request, e.g. a write on a closed zaak).
    forbidden: list[tuple[str, str]] = field(default_factory=list)


class RecordingTransport(HttpTransport):
    """The real transport, recording every request and able to inject faults."""

    def __init__(self) -> None:
        super().__init__(tracer=trace.get_tracer("gbi.tests.zgw"), timeout_s=10.0)
        self.sent: list[Sent] = []
        self.faults = Faults()

    async def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        **kwargs: Any,
    ) -> HttpResponse:
        from gbi_shared.errors import ServiceUnavailableError, UpstreamTimeoutError

        path = urlsplit(url).path
        record = Sent(method, url, dict(headers or {}), json.loads(body) if body else None)
        self.sent.append(record)
        for fault in list(self.faults.unavailable):
            if method == fault[0] and path.endswith(fault[1]):
                self.faults.unavailable.remove(fault)
                raise ServiceUnavailableError("zaaksysteem is niet bereikbaar (test)")
        for fault in list(self.faults.forbidden):
            if method == fault[0] and path.endswith(fault[1]):
                self.faults.forbidden.remove(fault)
                denied = {
                    "type": "https://vng.nl/zgw/fouten/PermissionDenied",
                    "code": "permission_denied",
                    "title": "U heeft geen toestemming om deze actie uit te voeren.",
                    "status": 403,
                    "detail": "Deze client heeft geen autorisatie om een gesloten zaak te wijzigen.",
                    "instance": "urn:uuid:00000000-0000-0000-0000-000000000403",
                }
                record.status = 403
                return HttpResponse(403, {"Content-Type": "application/problem+json"}, json.dumps(denied).encode())
        for fault in list(self.faults.empty_once):
            if method == fault[0] and path.endswith(fault[1]):
                self.faults.empty_once.remove(fault)
                empty = b'{"count": 0, "next": null, "previous": null, "results": []}'
                return HttpResponse(200, {"Content-Type": "application/json"}, empty)
        response = await super().request(method, url, headers=headers, body=body, **kwargs)
        record.status = response.status
        for fault in list(self.faults.lose_answer):
            if method == fault[0] and path.endswith(fault[1]):
                self.faults.lose_answer.remove(fault)
                raise UpstreamTimeoutError("zaaksysteem antwoordde niet op tijd (test)")
        return response

    def writes(self) -> list[Sent]:
        return [s for s in self.sent if s.method != "GET"]


@dataclass
class Harness:
    """An adapter bound to the simulator, its transport, and a way to run it inside an event loop."""

    sim: Simulator
    settings: IntegrationSettings
    transport: RecordingTransport = field(default_factory=RecordingTransport)
    adapter: ZgwZaaksysteem | None = None

    def run(self, use: Callable[[ZgwZaaksysteem], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            if self.adapter is None:
                self.adapter = ZgwZaaksysteem(self.settings, self.transport, retry_delay_s=0.001)
            try:
                return await use(self.adapter)
            finally:
                await self.transport.close()

        return asyncio.run(main())


@pytest.fixture
def harness(sim: Simulator) -> Iterator[Harness]:
    h = Harness(sim=sim, settings=zgw_settings(sim.url))
    yield h
    # Every request the adapter sent conforms to the official documents (checked independently here) ...
    for sent in h.transport.sent:
        check_request(sent)
    # ... and the simulated zaaksysteem refused none of them, unless the test says it wanted that.
    if not getattr(h, "expect_rejections", False):
        assert sim.rejections() == []


# ---------------------------------------------------------------------------------------------- the checker


@cache
def _document(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)


def _retrieve(uri: str) -> Resource[Any]:
    return Resource.from_contents(_document(urlsplit(uri).path), default_specification=DRAFT4)


REGISTRY: Registry[Any] = Registry(retrieve=_retrieve)  # type: ignore[call-arg]


def _operation(api: str, method: str, path: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    doc = _document(str(DOCS[api]))
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return template, item, item[method.lower()]
    raise AssertionError(f"{method} {path} is not an operation of the {api} document")


def check_request(sent: Sent) -> None:
    """Raise when a request is not one the official document describes (path, method, query parameters,
    required headers, JSON body against the request schema)."""
    parts = urlsplit(sent.url)
    match = re.match(r"^/zgw/(catalogi|zaken|besluiten|documenten)/api/v1(/.*)$", parts.path)
    assert match, sent.url
    api, path = match.group(1), match.group(2)
    template, item, op = _operation(api, sent.method, path)
    doc = _document(str(DOCS[api]))
    params = [*item.get("parameters", []), *op.get("parameters", [])]
    params = [doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p for p in params]
    names = {p["name"] for p in params if p["in"] == "query"}
    for name, _ in parse_qsl(parts.query):
        assert name in names, f"{sent.method} {template}: query parameter {name} is not in the document"
    sent_headers = {k.lower() for k in sent.headers}
    for p in params:
        if p["in"] == "header" and p.get("required"):
            assert p["name"].lower() in sent_headers, f"{sent.method} {template}: header {p['name']} missing"
    assert "authorization" in sent_headers
    body = op.get("requestBody")
    if body is None:
        assert sent.body is None
        return
    pointer = f"/paths/{template.replace('/', '~1')}/{sent.method.lower()}/requestBody"
    if "$ref" in body:
        pointer = body["$ref"].removeprefix("#")
    uri = DOCS[api].resolve().as_uri()
    validator = OAS30WriteValidator(
        {"$ref": f"{uri}#{pointer}/content/application~1json/schema"},
        registry=REGISTRY,
        format_checker=oas30_format_checker,
    )
    errors = list(validator.iter_errors(sent.body))
    assert not errors, f"{sent.method} {template}: " + "; ".join(e.message[:200] for e in errors[:5])

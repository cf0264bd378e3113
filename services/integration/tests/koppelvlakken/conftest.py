"""Fixtures of the koppelvlakken tests.

- the real simulator on loopback: the BRP and the simulated front office (its pull API with a bearer token);
- a fake gateway on loopback playing the identity provider's token endpoint and the two layers the koppelvlakken
  call: the process layer (``POST /internal/process/v1/aanvragen``, idempotent per key like the real one, the body
  checked against ``AloAanvraagIndiening``) and the data service (aanvraag, besluit, uitkering; tenant by
  ``GBI-Gemeente``). It records every request;
- the integration app with explicit settings, and signed GBI-Context headers (an integrator of a gemeente);
- independent checkers of the official documents (``../shared/specs/gbi``): the OpenAPI 3.0 schemas of behandelen
  0.95, beslissen 1.0 and notificatie 0.9.0 (openapi-schema-validator), and the aanvragen 1.2.1 JSON Schema.
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator, FormatChecker
from openapi_schema_validator import OAS30Validator
from pydantic import SecretStr, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT7
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gbi_integration.app import create_app
from gbi_integration.settings import IntegrationSettings
from gbi_shared import CONTEXT_HEADER, ActorType, ContextSigner, RequestContext
from gbi_shared.contracts.alo import Aanvraag, Besluit, Uitkering
from gbi_shared.contracts.alo_proces import AloAanvraagIndiening
from gbi_simulator.app import create_app as create_simulator
from gbi_simulator.frontoffice import Frontoffice, FrontofficeSettings
from gbi_simulator.settings import SimulatorSettings, default_specs_dir
from gbi_testing import ServerThread, dead_port, ec_pem_pair

SPECS = default_specs_dir()
GBI = SPECS / "gbi"
ROTTERDAM, AMSTERDAM, DEN_HAAG = "0599", "0363", "0518"
KATINKA = "999994116"  # RvIG test person in Rotterdam
FO_TOKEN = "front-office-token-voor-gbi-0123456789"
PREFIX = "/koppelvlakken/levensonderhoud"
PROBLEM = "application/problem+json"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("GBI_"):
            monkeypatch.delenv(name)


# ------------------------------------------------------------------------------------------------ simulator


@dataclass
class Simulator:
    url: str
    app: Any

    @property
    def frontoffice(self) -> Frontoffice:
        fo: Frontoffice = self.app.state.frontoffice
        return fo

    @property
    def frontoffice_url(self) -> str:
        return f"{self.url}/frontoffice/api"

    def control(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def aanvraag(self, bsn: str = KATINKA, **kw: Any) -> dict[str, Any]:
        """A message at the front office (``variant`` etc. as the control API takes them)."""
        result: dict[str, Any] = self.control("POST", "/simulator/frontoffice/aanvragen", {"bsn": bsn, **kw})
        return result

    def opgehaald(self, aanvraag_id: str) -> int:
        return int(self.control("GET", f"/simulator/frontoffice/aanvragen/{aanvraag_id}")["opgehaald"])


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    app = create_simulator(SimulatorSettings(specs_dir=SPECS, log_json=False, log_level="WARNING", environment="test"))
    with ServerThread(app) as server:
        app.state.frontoffice = Frontoffice(FrontofficeSettings(token=SecretStr(FO_TOKEN)))
        yield Simulator(server.url, app)


@pytest.fixture
def sim(simulator: Simulator) -> Iterator[Simulator]:
    simulator.frontoffice.storing = None
    yield simulator
    simulator.frontoffice.storing = None


# ------------------------------------------------------------------------------------------------ fake gateway


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Gateway:
    """The fake gateway: the IdP's token endpoint, the process layer and the data service (in memory)."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    aanvragen: dict[uuid.UUID, Aanvraag] = field(default_factory=dict)
    keys: dict[tuple[str, str], tuple[str, uuid.UUID]] = field(default_factory=dict)
    besluiten: dict[uuid.UUID, Besluit] = field(default_factory=dict)
    uitkeringen: dict[uuid.UUID, Uitkering] = field(default_factory=dict)
    fail_process: int | None = None

    def reset(self) -> None:
        self.requests.clear()
        self.aanvragen.clear()
        self.keys.clear()
        self.besluiten.clear()
        self.uitkeringen.clear()
        self.fail_process = None

    def process_calls(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith("/internal/process/")]

    def add(self, aanvraag: Aanvraag) -> Aanvraag:
        self.aanvragen[aanvraag.id] = aanvraag
        return aanvraag


def _problem(status: int, code: str, detail: str) -> JSONResponse:
    body = {"type": f"https://gbi.example.nl/problemen/{code}", "title": code, "status": status, "detail": detail}
    return JSONResponse(body | {"code": code}, status_code=status, media_type=PROBLEM)


def maak_aanvraag(
    gemeente: str, bsn: str, gegevens: dict[str, Any], *, kanaal: str = "koppelvlak", dag: date | None = None
) -> Aanvraag:
    now = datetime.now(UTC)
    dag = dag or date(2026, 11, 2)
    return Aanvraag(
        id=uuid.uuid4(),
        gemeente=gemeente,
        bsn=bsn,
        meldingsdatum=dag,
        aanvraagdatum=dag,
        kanaal=kanaal,  # type: ignore[arg-type]
        gegevens=gegevens,
        status="ontvangen",
        version=1,
        created_at=now,
        updated_at=now,
        tijdlijn=[],
    )


def _gateway_app(gw: Gateway) -> Starlette:
    async def record(request: Request) -> tuple[dict[str, str], Any]:
        raw = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = json.loads(raw) if raw else None
        gw.requests.append(Recorded(request.method, request.url.path, headers, body))
        return headers, body

    async def token(request: Request) -> Response:
        return JSONResponse({"access_token": "service-token", "token_type": "Bearer", "expires_in": 300})

    def as_service(headers: dict[str, str]) -> str | None:
        """The gemeente the calling service acts for; None when the call is not a service acting as itself."""
        if headers.get("authorization") != "Bearer service-token" or CONTEXT_HEADER.lower() in headers:
            return None
        return headers.get("gbi-gemeente")

    async def proces(request: Request) -> Response:
        headers, body = await record(request)
        gemeente = as_service(headers)
        if gemeente is None:
            return _problem(403, "forbidden", "niet als dienst voor een gemeente")
        if gw.fail_process is not None:
            return _problem(gw.fail_process, "storing", "de proceslaag is niet beschikbaar")
        key = headers.get("idempotency-key")
        if not key:
            return _problem(400, "bad-request", "Idempotency-Key ontbreekt")
        try:
            indiening = AloAanvraagIndiening.model_validate(body)
        except ValidationError as exc:
            return _problem(400, "bad-request", str(exc)[:500])
        digest = json.dumps(body, sort_keys=True)
        if (gemeente, key) in gw.keys:
            seen, aid = gw.keys[(gemeente, key)]
            if seen != digest:
                return _problem(409, "idempotency-key-reused", "Deze Idempotency-Key is al gebruikt")
        else:
            aanvraag = maak_aanvraag(
                gemeente, indiening.bsn, dict(indiening.gegevens), kanaal=indiening.kanaal, dag=indiening.meldingsdatum
            )
            aanvraag = aanvraag.model_copy(update={"aanvraagdatum": indiening.aanvraagdatum})
            gw.add(aanvraag)
            gw.keys[(gemeente, key)] = (digest, aanvraag.id)
            aid = aanvraag.id
        answer = {"aanvraagId": str(aid), "gemeente": gemeente, "status": "ontvangen", "procesinstantieId": str(aid)}
        return JSONResponse(answer, status_code=202)

    def _case(request: Request, headers: dict[str, str]) -> Aanvraag | None:
        gemeente = as_service(headers)
        aanvraag = gw.aanvragen.get(request.path_params["aid"])
        if aanvraag is None or gemeente is None or aanvraag.gemeente != gemeente:
            return None
        return aanvraag

    async def aanvraag(request: Request) -> Response:
        headers, _ = await record(request)
        case = _case(request, headers)
        if case is None:
            return _problem(404, "not-found", "Geen aanvraag met dit id")
        return JSONResponse(case.model_dump(mode="json", by_alias=True))

    async def besluit(request: Request) -> Response:
        headers, _ = await record(request)
        case = _case(request, headers)
        found = gw.besluiten.get(case.id) if case else None
        if found is None:
            return _problem(404, "not-found", "Over deze aanvraag is nog niet besloten")
        return JSONResponse(found.model_dump(mode="json", by_alias=True))

    async def uitkering(request: Request) -> Response:
        headers, _ = await record(request)
        case = _case(request, headers)
        found = gw.uitkeringen.get(case.id) if case else None
        if found is None:
            return _problem(404, "not-found", "Deze aanvraag heeft geen uitkering")
        return JSONResponse(found.model_dump(mode="json", by_alias=True))

    return Starlette(
        routes=[
            Route("/token", token, methods=["POST"]),
            Route("/internal/process/v1/aanvragen", proces, methods=["POST"]),
            Route("/internal/data/v1/aanvragen/{aid:uuid}", aanvraag, methods=["GET"]),
            Route("/internal/data/v1/aanvragen/{aid:uuid}/besluit", besluit, methods=["GET"]),
            Route("/internal/data/v1/aanvragen/{aid:uuid}/uitkering", uitkering, methods=["GET"]),
        ]
    )


@pytest.fixture(scope="session")
def _gateway_server() -> Iterator[Gateway]:
    gw = Gateway()
    with ServerThread(_gateway_app(gw)) as server:
        gw.url = server.url
        yield gw


@pytest.fixture
def gateway(_gateway_server: Gateway) -> Iterator[Gateway]:
    _gateway_server.reset()
    yield _gateway_server
    _gateway_server.reset()


# ------------------------------------------------------------------------------------------------ the app


@pytest.fixture(scope="session")
def context_keys() -> tuple[str, str]:
    return ec_pem_pair()


Headers = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def headers(context_keys: tuple[str, str]) -> Headers:
    """``headers(gemeente)``: a signed GBI-Context of that gemeente's integrator (or any actor via keywords)."""
    signer = ContextSigner(context_keys[0], issuer="gbi-gateway", audience="gbi-services")

    def make(
        gemeente: str | None = ROTTERDAM,
        *,
        actor_type: ActorType = ActorType.SYSTEEM,
        roles: tuple[str, ...] = ("integrator",),
        bsn: str | None = None,
    ) -> dict[str, str]:
        actor = f"integrator-{gemeente}" if actor_type is ActorType.SYSTEEM else f"{actor_type.value}-x"
        ctx = RequestContext(
            actor_id=actor,
            actor_type=actor_type,
            roles=frozenset(roles),
            gemeente=gemeente,
            bsn=bsn,
            purpose="aanvraag-levensonderhoud",
            client_id=actor,
        )
        return {CONTEXT_HEADER: signer.sign(ctx)}

    return make


def settings(sim: Simulator, gateway: Gateway, keys: tuple[str, str], **overrides: Any) -> IntegrationSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "log_json": False,
        "log_level": "WARNING",
        "gateway_url": gateway.url,
        "oidc_token_url": gateway.url + "/token",
        "client_id": "gbi-integration",
        "client_secret": SecretStr("geheim-van-de-integratielaag"),
        "context_public_key": SecretStr(keys[1]),
        "brp_url": sim.url + "/haalcentraal/api/brp",
        "koppelvlak_specs_dir": SPECS,
        "koppelvlak_frontoffices": {
            "simulator": {
                "url": sim.frontoffice_url,
                "gemeenten": [ROTTERDAM, AMSTERDAM],
                "token": FO_TOKEN,
            },
            "kapot": {
                "url": f"http://127.0.0.1:{dead_port()}/fo",
                "gemeenten": [ROTTERDAM],
                "token": "een-token-van-de-kapotte-front-office",
            },
        },
        "koppelvlak_retry_delay_s": 0.01,
        "koppelvlak_timeout_s": 2.0,
        "koppelvlak_public_url": "https://api.gbi.example.nl/koppelvlakken/levensonderhoud",
    }
    values.update(overrides)
    return IntegrationSettings(**values)


@pytest.fixture
def api(sim: Simulator, gateway: Gateway, context_keys: tuple[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(settings(sim, gateway, context_keys))) as client:
        yield client


# ------------------------------------------------------------------------------------------------ the standards


@cache
def _yaml(name: str) -> Any:
    with (GBI / name).open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return len(value) == 10 and date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return "T" in value and datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


FORMATS = FormatChecker(formats=())
FORMATS.checks("date")(_is_date)
FORMATS.checks("date-time")(_is_date_time)
FORMATS.checks("uri")(lambda v: not isinstance(v, str) or "://" in v)

# The published UUID pattern is escaped twice (it demands a backslash around the UUID); the corrected one is the
# pattern beslissen 1.0 publishes. Documents GBI serves are checked against both: valid with the correction, and
# as published failing only on these patterns.
UUID_PUBLISHED = (
    r"^(\\{{0,1}([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}\\}{0,1})$"
)
UUID_CORRECTED = (
    r"^(\{{0,1}([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}\}{0,1})$"
)
AMOUNT_PUBLISHED = r"^-?[0-9]+((;|,|\\.)[0-9]{2}|)$"
AMOUNT_CORRECTED = r"^-?[0-9]+((;|,|\.)[0-9]{2}|)$"


def _corrected(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _corrected(v) for k, v in node.items()}
        if out.get("pattern") == UUID_PUBLISHED:
            out["pattern"] = UUID_CORRECTED
        if out.get("pattern") == AMOUNT_PUBLISHED:
            out["pattern"] = AMOUNT_CORRECTED
        return out
    if isinstance(node, list):
        return [_corrected(v) for v in node]
    return node


def oas_validator(document: str, schema: str, *, corrected: bool = True) -> OAS30Validator:
    doc = _yaml(document)
    if corrected:
        doc = _corrected(doc)
    uri = f"urn:gbi-test:{document}:{corrected}"
    registry: Registry[Any] = Registry().with_resource(uri, Resource.from_contents(doc, default_specification=DRAFT4))
    return OAS30Validator({"$ref": f"{uri}#/components/schemas/{schema}"}, registry=registry, format_checker=FORMATS)


def errors(validator: OAS30Validator | Draft7Validator, instance: Any) -> list[str]:
    return [f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message[:160]}" for e in validator.iter_errors(instance)]


def assert_valid(document: str, schema: str, instance: Any) -> None:
    """Valid against the official schema (with the UUID pattern corrected) and, as published, wrong only in the
    UUID patterns."""
    found = errors(oas_validator(document, schema), instance)
    assert not found, found
    for e in oas_validator(document, schema, corrected=False).iter_errors(instance):
        assert (e.validator, e.validator_value) == ("pattern", UUID_PUBLISHED), e.message


def assert_fout(resp: Any, status: int, versie: str, document: str) -> dict[str, Any]:
    """A problem+json in the standard's ``Fout`` shape with the standard's ``API-version``."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM
    assert resp.headers["api-version"] == versie
    body: dict[str, Any] = resp.json()
    found = errors(oas_validator(document, "Fout"), body)
    assert not found, found
    return body


@cache
def aanvragen_schema(corrected: bool = True) -> Draft7Validator:
    """The aanvragen 1.2.1 JSON Schema as its own checker (independent of the code under test)."""
    doc = json.loads((GBI / "levensonderhoud-aanvragen-1.2.1.schema.json").read_text(encoding="utf-8"))
    if corrected:
        doc = _corrected(doc)
        spec = doc["definitions"]["PrimairInkomstencomponent"]["properties"]["InkomstencomponenttypeSpecifiekeGegevens"]
        spec["anyOf"] = spec.pop("oneOf")
    doc["components"] = {"schemas": doc["definitions"]}
    uri = f"urn:gbi-test:aanvragen:{corrected}"
    registry: Registry[Any] = Registry().with_resource(uri, Resource.from_contents(doc, default_specification=DRAFT7))
    return Draft7Validator({"$ref": f"{uri}#/definitions/ZaakLOAangevraagd"}, registry=registry, format_checker=FORMATS)


def notificatie(resource_url: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kanaal": "levensonderhoud-aanvragen",
        "hoofdObject": resource_url,
        "resource": "aanvraag",
        "resourceUrl": resource_url,
        "actie": "create",
        "aanmaakdatum": "2026-11-02T09:30:00+01:00",
    }
    body.update(overrides)
    return body

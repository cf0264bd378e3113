"""The one app factory every GBI service uses.

``create_app`` gives a service, in one call: health (``/health/live``, ``/health/ready`` running the service's
real dependency checks), Prometheus ``/metrics``, request ids, verified caller context, problem+json for every
error (including validation errors, naming the field), the ``API-Version`` header, a body size limit, JSON logs
with trace ids, OpenTelemetry server spans, and a typed client for calling other layers through the gateway.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gbi_shared._http import HttpTransport
from gbi_shared.clients import (
    GatewayClient,
    TokenProvider,
    inbound_context_token,
    inbound_request_id,
)
from gbi_shared.context import CONTEXT_HEADER, ContextVerifier
from gbi_shared.errors import (
    BadRequestError,
    InvalidParam,
    PayloadTooLargeError,
    Problem,
    ServiceError,
    UnauthorizedError,
    error_for_problem,
)
from gbi_shared.logs import configure_logging
from gbi_shared.security_headers import SecurityHeadersMiddleware
from gbi_shared.settings import ServiceSettings
from gbi_shared.telemetry import Telemetry, setup_telemetry

__all__ = ["PROBLEM_RESPONSES", "ReadinessCheck", "client_credentials_check", "create_app", "problem_response"]

log = logging.getLogger("gbi.app")

PROBLEM_JSON = "application/problem+json"
HEALTH_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})


@dataclass(frozen=True, slots=True)
class ReadinessCheck:
    """A named check of a real dependency; returns None when fine or a short reason when not."""

    name: str
    check: Callable[[], Awaitable[str | None]]


def client_credentials_check(settings: ServiceSettings) -> ReadinessCheck:
    """Ready only when this service can authenticate to the gateway (it calls other layers)."""

    async def check() -> str | None:
        if settings.client_id and settings.client_secret and settings.oidc_token_url:
            return None
        return "geen client credentials (GBI_CLIENT_ID, GBI_CLIENT_SECRET, GBI_OIDC_TOKEN_URL)"

    return ReadinessCheck("client-credentials", check)


def _problem_schema(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


API_VERSION_HEADER: dict[str, Any] = {
    "description": "De volledige versie van de API (semver)",
    "schema": {"type": "string", "example": "1.0.0"},
}

# Responses every operation may give; routes merge these into their ``responses``.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_schema("Ongeldige invoer"),
    401: _problem_schema("Niet geauthenticeerd"),
    403: _problem_schema("Geen toegang"),
    404: _problem_schema("Niet gevonden"),
    429: _problem_schema("Te veel verzoeken"),
    500: _problem_schema("Interne fout"),
    503: _problem_schema("Dienst tijdelijk niet beschikbaar"),
}


def problem_response(error: ServiceError, request: Request | None) -> JSONResponse:
    instance = None
    if request is not None:
        rid = getattr(request.state, "request_id", None)
        instance = request.url.path + (f"#{rid}" if rid else "")
    problem = error.to_problem(instance)
    return JSONResponse(
        problem.model_dump(by_alias=True, exclude_none=True),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=error.headers,
    )


def _validation_error(exc: RequestValidationError) -> BadRequestError:
    params: list[InvalidParam] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        # Malformed JSON is located at a character offset, not a field: name the body.
        name = "body" if err.get("type") == "json_invalid" else ".".join(loc) or "body"
        params.append(InvalidParam(name=name, code=str(err.get("type", "invalid")), reason=str(err.get("msg"))))
    names = ", ".join(p.name for p in params[:5])
    return BadRequestError(f"Ongeldige invoer in: {names}", invalid_params=params)


class _Metrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "gbi_http_requests_total",
            "HTTP requests handled",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gbi_http_request_duration_seconds",
            "HTTP request duration",
            ["service", "method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.service = service


class _RequestMiddleware:
    """Request id, verified context, body size limit, API-Version header, metrics and the last-resort 500: one
    pure-ASGI pass per request. Every response, including the ones this middleware answers itself, carries
    ``API-Version`` and ``X-Request-ID``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        api_version: str,
        verifier: ContextVerifier | None,
        metrics: _Metrics,
        verify_context: bool,
        max_body_bytes: int,
        max_body_bytes_batch: int,
        max_body_bytes_documents: int,
    ) -> None:
        self.app = app
        self.verify_context = verify_context
        self.api_version = api_version.encode()
        self.verifier = verifier
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.max_body_bytes_batch = max_body_bytes_batch
        self.max_body_bytes_documents = max_body_bytes_documents

    def body_limit(self, path: str) -> int:
        return _body_limit(path, self.max_body_bytes, self.max_body_bytes_batch, self.max_body_bytes_documents)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        raw_rid = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = raw_rid if _valid_request_id(raw_rid) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status_holder = [500]
        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                status_holder[0] = message["status"]
                out = list(message.get("headers", []))
                # A route that speaks another standard's version (ZGW: API-version 1.7.0) keeps its own header.
                if not any(k.lower() == b"api-version" for k, _ in out):
                    out.append((b"api-version", self.api_version))
                out.append((b"x-request-id", request_id.encode()))
                message["headers"] = out
            await send(message)

        limit = self.body_limit(scope["path"])
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException (not a ServiceError): FastAPI turns other errors raised while it reads the
                    # body into a 400. The exception handler renders it as a 413 problem.
                    raise StarletteHTTPException(status_code=413)
            return message

        early, ctx_token = self._early_error(scope, headers, state)
        rid_token = inbound_request_id.set(request_id)
        ctx_var_token = inbound_context_token.set(ctx_token)
        try:
            if early is not None:
                await _send_problem(scope, send_wrapper, early, request_id)
                return
            try:
                await self.app(scope, limited_receive, send_wrapper)
            except Exception as exc:
                # Answer here, inside this middleware, so that the 500 carries our headers and is counted; the
                # details go to the log and the trace, never to the caller.
                log.exception("unhandled error", extra={"path": scope["path"]})
                span = trace.get_current_span()
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                if response_started:
                    raise
                await _send_problem(scope, send_wrapper, ServiceError("Probeer het later opnieuw"), request_id)
        finally:
            inbound_request_id.reset(rid_token)
            inbound_context_token.reset(ctx_var_token)
            route = scope.get("route")
            route_path = getattr(route, "path", None) or "unmatched"
            if route_path not in HEALTH_PATHS:
                elapsed = time.perf_counter() - started
                m = self.metrics
                m.requests.labels(m.service, scope["method"], route_path, str(status_holder[0])).inc()
                m.latency.labels(m.service, scope["method"], route_path).observe(elapsed)

    def _early_error(
        self, scope: Scope, headers: dict[bytes, bytes], state: dict[str, Any]
    ) -> tuple[ServiceError | None, str | None]:
        """The errors answered before the application sees the request (a declared body over the limit, a
        ``GBI-Context`` that does not verify); else the verified context token, its context put in ``state``."""
        declared = headers.get(b"content-length", b"").decode("latin-1")
        limit = self.body_limit(scope["path"])
        if declared.isdigit() and int(declared) > limit:
            return PayloadTooLargeError(f"Het verzoek is groter dan {limit} bytes"), None
        token = headers.get(CONTEXT_HEADER.lower().encode())
        if token is None or not self.verify_context or scope["path"] in HEALTH_PATHS:
            return None, None
        if self.verifier is None:
            return UnauthorizedError("Deze dienst kan geen context verifiëren"), None
        ctx_token = token.decode("latin-1")
        try:
            state["context"] = self.verifier.verify(ctx_token)
        except UnauthorizedError as exc:
            return exc, None
        return None, ctx_token


def _body_limit(path: str, default: int, batch: int, documents: int) -> int:
    """The body limit of ``path``: batch operations (``:batch``) and document uploads (``/documenten``) carry
    more than other requests."""
    if path.endswith(":batch"):
        return batch
    if path.endswith("/documenten"):
        return documents
    return default


def _valid_request_id(value: str) -> bool:
    # ASCII only: str.isalnum() alone also accepts letters and digits such as "Ã" and "¼" (latin-1 header bytes).
    return 0 < len(value) <= 64 and value.isascii() and all(c.isalnum() or c in "-_." for c in value)


async def _send_problem(scope: Scope, send: Send, error: ServiceError, request_id: str | None = None) -> None:
    body = json.dumps(
        error.to_problem(scope["path"] + (f"#{request_id}" if request_id else "")).model_dump(
            by_alias=True, exclude_none=True
        ),
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str = "",
    routers: Sequence[APIRouter] = (),
    readiness: Sequence[ReadinessCheck] = (),
    on_startup: Sequence[Callable[[FastAPI], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[FastAPI], Awaitable[None]]] = (),
    telemetry: Telemetry | None = None,
    verify_context: bool = True,
) -> FastAPI:
    """Build a GBI service application from its settings and routers."""
    configure_logging(settings.service_name, level=settings.log_level, json_format=settings.log_json)
    tel = telemetry or setup_telemetry(
        settings.service_name,
        otlp_endpoint=settings.otlp_endpoint,
        headers=settings.otlp_headers,
        environment=settings.environment.value,
    )
    transport = HttpTransport(tracer=tel.tracer("gbi.client"), timeout_s=settings.client_timeout_s)
    tokens = None
    if settings.oidc_token_url and settings.client_id and settings.client_secret:
        tokens = TokenProvider(
            transport, settings.oidc_token_url, settings.client_id, settings.client_secret.get_secret_value()
        )
    gateway = GatewayClient(transport, settings.gateway_url, tokens, service_name=settings.service_name)
    checks = list(readiness)
    if tokens is not None:
        # A service that calls other layers can do nothing useful while the gateway is unreachable.
        # Probed every few seconds: straight on the pooled session, no span per probe.
        async def gateway_live() -> str | None:
            url = settings.gateway_url.rstrip("/") + "/health/live"
            async with transport.session().get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                return None if resp.status == 200 else f"gateway antwoordt {resp.status}"

        checks.append(ReadinessCheck("gateway", gateway_live))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for hook in on_startup:
            await hook(app)
        log.info("service started", extra={"event": "startup"})
        try:
            yield
        finally:
            for hook in on_shutdown:
                await hook(app)
            await transport.close()
            tel.shutdown()
            log.info("service stopped", extra={"event": "shutdown"})

    app = FastAPI(
        title=title,
        description=description,
        version=settings.api_version,
        lifespan=lifespan,
        telemetry={
            "tracer_provider": tel.provider,
            "metrics": False,
            "logs": False,
            "operation_spans": False,
            "exclude": lambda scope: scope.get("path") in HEALTH_PATHS,
        },
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.telemetry = tel
    app.state.gateway = gateway
    app.state.transport = transport
    metrics = _Metrics(settings.service_name)
    public_key = settings.context_public_key_pem()
    verifier = (
        ContextVerifier(public_key, issuer=settings.context_issuer, audience=settings.context_audience)
        if public_key
        else None
    )
    app.state.context_verifier = verifier
    app.add_middleware(
        _RequestMiddleware,
        api_version=settings.api_version,
        verifier=verifier,
        metrics=metrics,
        verify_context=verify_context,
        max_body_bytes=settings.max_body_bytes,
        max_body_bytes_batch=settings.max_body_bytes_batch,
        max_body_bytes_documents=settings.max_body_bytes_documents,
    )
    # Outermost: every response, also the problems the request middleware answers itself, carries them.
    app.add_middleware(SecurityHeadersMiddleware, exempt_csp_paths=frozenset({"/docs", "/docs/oauth2-redirect"}))

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> Response:
        if exc.status >= 500:
            log.warning("request failed: %s %s", exc.status, exc.instance_code)
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return problem_response(_validation_error(exc), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        error: ServiceError
        if exc.status_code == 404:
            from gbi_shared.errors import NotFoundError

            error = NotFoundError(f"Geen resource op {request.url.path}")
        elif exc.status_code == 413:
            limit = _body_limit(
                request.url.path,
                settings.max_body_bytes,
                settings.max_body_bytes_batch,
                settings.max_body_bytes_documents,
            )
            error = PayloadTooLargeError(f"Het verzoek is groter dan {limit} bytes")
        elif exc.status_code == 405:
            error = ServiceError(
                "Deze methode is hier niet toegestaan",
                title="Methode niet toegestaan",
                code="method-not-allowed",
                headers=dict(exc.headers or {}),
            )
            error.status = 405  # type: ignore[misc]
        else:
            # The error class of that status (401 -> UnauthorizedError, 415 keeps 415, ...).
            error = error_for_problem(exc.status_code, {"detail": str(exc.detail)})
            if error.status != exc.status_code:  # a server status outside the tree
                error = ServiceError(str(exc.detail))
                error.status = exc.status_code  # type: ignore[misc]
            error.headers.update(exc.headers or {})
        return problem_response(error, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(ServiceError("Probeer het later opnieuw"), request)

    @app.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "live", "service": settings.service_name}

    @app.get("/health/ready", include_in_schema=False)
    async def ready() -> Response:
        results: dict[str, str] = {}
        healthy = True
        for rc in checks:
            try:
                reason = await rc.check()
            except Exception as exc:  # a failing check means not ready, whatever it raised
                reason = type(exc).__name__
            results[rc.name] = reason or "ok"
            healthy = healthy and reason is None
        body = {"status": "ready" if healthy else "not-ready", "service": settings.service_name, "checks": results}
        return JSONResponse(body, status_code=200 if healthy else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)

    _add_problem_schema(app)
    return app


def _add_problem_schema(app: FastAPI) -> None:
    """Finish the service's OpenAPI the way the NL API Design Rules ask: ``Problem`` as the error schema, 400 (not
    FastAPI's 422) for invalid input, and the ``API-Version`` header declared on every successful response."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        from pydantic.json_schema import models_json_schema

        _, defs = models_json_schema([(Problem, "serialization")], ref_template="#/components/schemas/{model}")
        components.update(defs.get("$defs", {}))
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        for ops in schema.get("paths", {}).values():
            for op in ops.values():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                responses = op["responses"]
                if "HTTPValidationError" in str(responses.get("422", "")):
                    # FastAPI's own 422 for invalid input: GBI answers that with 400 (NL API Design Rules).
                    responses.pop("422")
                responses.setdefault("400", PROBLEM_RESPONSES[400])
                for code, resp in responses.items():
                    if code.startswith(("2", "3")):
                        resp.setdefault("headers", {}).setdefault("API-Version", API_VERSION_HEADER)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

"""The one app factory every GBI service uses.

``create_app`` gives a service, in one call: health (``/health/live``, ``/health/ready`` running the service's
real dependency checks), Prometheus ``/metrics``, request ids, verified caller context, problem+json for every
error (including validation errors, naming the field), the ``API-Version`` header, a body size limit, JSON logs
with trace ids, OpenTelemetry server spans, and a typed client for calling other layers through the gateway.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

import aiohttp
from fastapi import APIRouter, FastAPI, Request
from fastapi import __version__ as fastapi_version
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from fastapi.responses import JSONResponse, Response

# FastAPI's own telemetry pieces, so that the server span GBI makes is the one FastAPI made (pinned by the golden
# test in shared/tests/test_plumbing_golden.py against the locked FastAPI version).
from fastapi.telemetry._api import _HTTP_METHODS as _FASTAPI_HTTP_METHODS
from fastapi.telemetry._api import _exception_type as _fastapi_exception_type
from fastapi.telemetry._api import _RequestTelemetry
from fastapi.telemetry._asgi import _HEADERS_GETTER as _FASTAPI_HEADERS_GETTER
from fastapi.telemetry._asgi import _SCHEMA_URL as _FASTAPI_SCHEMA_URL
from fastapi.telemetry._asgi import _SENSITIVE_QUERY_PARAMETERS as _FASTAPI_SENSITIVE_QUERY
from fastapi.telemetry._asgi import _server_attributes as _fastapi_server_attributes
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gbi_shared._http import HttpTransport
from gbi_shared._routing import RouteTable
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
from gbi_shared.security_headers import add_security_headers
from gbi_shared.settings import ServiceSettings
from gbi_shared.telemetry import Telemetry, setup_telemetry

__all__ = ["PROBLEM_RESPONSES", "ReadinessCheck", "client_credentials_check", "create_app", "problem_response"]

log = logging.getLogger("gbi.app")

PROBLEM_JSON = "application/problem+json"
_CONTEXT_HEADER_RAW = CONTEXT_HEADER.lower().encode()
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
        # The labelled children, looked up once per label set instead of per request (``labels`` validates and
        # joins the label values every time). Bounded by routes x methods x statuses.
        self._counts: dict[tuple[str, str, int], Any] = {}
        self._latencies: dict[tuple[str, str], Any] = {}

    def observe(self, method: str, route: str, status: int, elapsed: float) -> None:
        count = self._counts.get((method, route, status))
        if count is None:
            count = self._counts[(method, route, status)] = self.requests.labels(
                self.service, method, route, str(status)
            )
        count.inc()
        latency = self._latencies.get((method, route))
        if latency is None:
            latency = self._latencies[(method, route)] = self.latency.labels(self.service, method, route)
        latency.observe(elapsed)


class _ServerSpan:
    """The server span of one request, exactly as FastAPI's native telemetry makes it (same name, instrumentation
    scope, attributes, status and parent; ``http.route`` and the ``METHOD route`` name are still set by FastAPI's
    router through ``scope["fastapi.telemetry"]``), made by the request middleware instead of FastAPI's own layer:
    no extra middleware and send/receive wrappers per request, and no attributes built when nobody reads them (no
    exporter: ``max_span_attributes=0`` would drop them). Pinned by ``shared/tests/test_plumbing_golden.py``."""

    __slots__ = ("_known_methods", "_record_attributes", "_tracer")

    def __init__(self, telemetry: Telemetry) -> None:
        self._tracer = telemetry.provider.get_tracer("fastapi", fastapi_version, schema_url=_FASTAPI_SCHEMA_URL)
        self._record_attributes = telemetry.record_attributes
        known = os.getenv("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS", "").strip()
        self._known_methods = (
            frozenset(m.strip() for m in known.split(",") if m.strip()) if known else _FASTAPI_HTTP_METHODS
        )

    def start(
        self, scope: Scope, names: Mapping[bytes, bytes]
    ) -> tuple[trace.Span, _RequestTelemetry, dict[str, Any] | None, contextvars.Token[otel_context.Context]]:
        """Start the span as FastAPI does: the caller's trace context as parent (attached), the span itself not yet
        current. ``names`` holds the request's header names (the middleware's dict of its raw headers). Returns the
        span, FastAPI's per-request record of it, the attributes to finish with (None when none are recorded) and
        the token that detaches the parent context."""
        original_method = scope.get("method", "")
        method = original_method if original_method in self._known_methods else "_OTHER"
        span_method = "HTTP" if method == "_OTHER" else method
        carrier = cast(Headers, _HeaderCarrier(scope["headers"], names))
        parent = propagate.extract(carrier, getter=_FASTAPI_HEADERS_GETTER)
        parent_token = otel_context.attach(parent)
        attributes: dict[str, Any] | None = None
        span_attributes: dict[str, Any] | None = None
        if self._record_attributes:
            attributes = {"url.scheme": scope.get("scheme", "http"), "http.request.method": method}
            if scope.get("http_version"):
                attributes["network.protocol.version"] = scope["http_version"]
            span_attributes = {**attributes, **_fastapi_server_attributes(scope)}
            span_attributes["url.path"] = scope["path"]
            if scope.get("query_string"):
                span_attributes["url.query"] = urlencode(
                    [
                        (key, "REDACTED" if key in _FASTAPI_SENSITIVE_QUERY else value)
                        for key, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
                    ]
                )
            if original_method != method:
                span_attributes["http.request.method_original"] = original_method
        span = self._tracer.start_span(span_method, context=parent, kind=SpanKind.SERVER, attributes=span_attributes)
        record = _RequestTelemetry(
            span=span,
            span_method=span_method,
            data=None,
            _mount_prefix=scope.get("app_root_path", scope.get("root_path", "")).rstrip("/"),
        )
        return span, record, attributes, parent_token


class _HeaderCarrier:
    """What FastAPI's headers getter asks of Starlette's ``Headers`` (``getlist``, ``keys``), over the raw header
    list, the same values in the same order; a header the request does not carry (``tracestate``, ``baggage``:
    most requests) is answered from the names the middleware had already collected, without a pass over the list."""

    __slots__ = ("_names", "_raw")

    def __init__(self, raw: Sequence[tuple[bytes, bytes]], names: Mapping[bytes, bytes]) -> None:
        self._raw = raw
        self._names = names

    def getlist(self, key: str) -> list[str]:
        name = key.lower().encode("latin-1")
        if name not in self._names:
            return []
        return [value.decode("latin-1") for item, value in self._raw if item == name]

    def keys(self) -> list[str]:
        return [item.decode("latin-1") for item, _ in self._raw]


def _last_message(message: Message, trailers: bool) -> bool:
    """The message that completes a response (FastAPI's telemetry ends the span right after sending it)."""
    kind = message["type"]
    if kind == "http.response.body":
        return not message.get("more_body", False) and not trailers
    if kind == "http.response.trailers":
        return not message.get("more_trailers", False)
    return bool(kind == "http.response.pathsend")


def _finish_span(
    span: trace.Span, record: _RequestTelemetry, attributes: dict[str, Any] | None, error: BaseException | None
) -> None:
    """End the server span as FastAPI's telemetry does: route and status as attributes, ``error.type`` and status
    ERROR for an exception or a missing or 5xx status."""
    failed = error is not None or record.status_code is None or record.status_code >= 500
    if attributes is not None:
        if record.route is not None:
            attributes["http.route"] = record.route
        if record.status_code is not None:
            attributes["http.response.status_code"] = record.status_code
        if failed:
            attributes["error.type"] = (
                _fastapi_exception_type(error) if error else str(record.status_code or "incomplete_response")
            )
        span.set_attributes(attributes)
    if failed:
        span.set_status(StatusCode.ERROR)
    span.end()


class _RequestMiddleware:
    """Security headers, request id, server span, verified context, body size limit, API-Version header, metrics
    and the last-resort 500: one pure-ASGI pass per request, the outermost layer of every GBI app (see
    ``_GbiFastAPI``). Every response, including the ones this middleware answers itself, carries the security
    headers, ``API-Version`` and ``X-Request-ID``."""

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
        telemetry: Telemetry,
        exempt_csp_paths: frozenset[str] = frozenset(),
        error_handler: Callable[[Request, Exception], Awaitable[Response]] | None = None,
    ) -> None:
        self.app = app
        self.verify_context = verify_context
        self.api_version = api_version.encode()
        self.verifier = verifier
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.max_body_bytes_batch = max_body_bytes_batch
        self.max_body_bytes_documents = max_body_bytes_documents
        self.spans = _ServerSpan(telemetry)
        self.exempt_csp_paths = exempt_csp_paths
        self.error_handler = error_handler

    def body_limit(self, path: str) -> int:
        return _body_limit(path, self.max_body_bytes, self.max_body_bytes_batch, self.max_body_bytes_documents)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = dict(scope.get("headers") or ())
        raw_rid = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = raw_rid if _valid_request_id(raw_rid) else uuid.uuid4().hex
        rid_raw = request_id.encode()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status_holder = [500]
        response_started = False
        disconnected = False
        skip_csp = path in self.exempt_csp_paths
        traced = path not in HEALTH_PATHS
        span: trace.Span | None = None
        if traced:
            span, record, attributes, parent_token = self.spans.start(scope, headers)
            scope["fastapi.telemetry"] = record
        finished = False
        trailers = False

        async def send_wrapper(message: Message) -> None:
            nonlocal response_started, finished, trailers
            kind = message["type"]
            if kind == "http.response.start":
                response_started = True
                status_holder[0] = message["status"]
                out = list(message.get("headers", []))
                present = {k.lower() for k, _ in out}
                # A route that speaks another standard's version (ZGW: API-version 1.7.0) keeps its own header.
                if b"api-version" not in present:
                    out.append((b"api-version", self.api_version))
                out.append((b"x-request-id", rid_raw))
                add_security_headers(out, present, skip_csp=skip_csp)
                message["headers"] = out
                if span is not None:
                    record.status_code = message["status"]
                    trailers = message.get("trailers", False)
                await send(message)
                return
            await send(message)
            if span is not None and not finished and _last_message(message, trailers):
                finished = True
                _finish_span(span, record, attributes, None)

        limit = self.body_limit(path)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received, disconnected
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException (not a ServiceError): FastAPI turns other errors raised while it reads the
                    # body into a 400. The exception handler renders it as a 413 problem.
                    raise StarletteHTTPException(status_code=413)
            elif message["type"] == "http.disconnect":
                disconnected = True
            return message

        span_token = None if span is None else otel_context.attach(trace.set_span_in_context(span))
        try:
            early, ctx_token = self._early_error(scope, headers, state, limit)
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
                    log.exception("unhandled error", extra={"path": path})
                    current = trace.get_current_span()
                    current.record_exception(exc)
                    current.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                    if response_started:
                        if self.error_handler is not None:
                            # As Starlette's ServerErrorMiddleware did: the app's error handler hears of it too;
                            # should the handler itself fail, the original error is still the one raised.
                            try:
                                await self.error_handler(Request(scope), exc)
                            except Exception:
                                log.exception("the error handler failed on an error after the response started")
                        raise
                    await _send_problem(scope, send_wrapper, ServiceError("Probeer het later opnieuw"), request_id)
            finally:
                inbound_request_id.reset(rid_token)
                inbound_context_token.reset(ctx_var_token)
                route = scope.get("route")
                route_path = getattr(route, "path", None) or "unmatched"
                if route_path not in HEALTH_PATHS:
                    self.metrics.observe(scope["method"], route_path, status_holder[0], time.perf_counter() - started)
        except BaseException as exc:
            if span is not None and not finished:
                finished = True
                _finish_span(span, record, attributes, exc)
            raise
        finally:
            if span is not None:
                if not finished:
                    finished = True
                    _finish_span(
                        span,
                        record,
                        attributes,
                        ConnectionError("Client disconnected")
                        if disconnected
                        else RuntimeError("Incomplete ASGI response"),
                    )
                if span_token is not None:
                    otel_context.detach(span_token)
                scope.pop("fastapi.telemetry", None)
                otel_context.detach(parent_token)

    def _early_error(
        self, scope: Scope, headers: dict[bytes, bytes], state: dict[str, Any], limit: int
    ) -> tuple[ServiceError | None, str | None]:
        """The errors answered before the application sees the request (a declared body over the limit, a
        ``GBI-Context`` that does not verify); else the verified context token, its context put in ``state``."""
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > limit:
            return PayloadTooLargeError(f"Het verzoek is groter dan {limit} bytes"), None
        token = headers.get(_CONTEXT_HEADER_RAW)
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
    """The body limit of ``path``: batch operations (``:batch``) and document uploads (``/documenten``, and a
    zaak's afhandeling ``:afhandelen``, which carries its beschikking: ADR 0045) carry more than other requests."""
    if path.endswith(":batch"):
        return batch
    if path.endswith(("/documenten", ":afhandelen")):
        return documents
    return default


_REQUEST_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def _valid_request_id(value: str) -> bool:
    # ASCII letters and digits only (str.isalnum() would also accept "Ã" and "¼", latin-1 header bytes), "-_.".
    return _REQUEST_ID.fullmatch(value) is not None


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


class _GbiFastAPI(FastAPI):
    """FastAPI with a shorter middleware stack: GBI's request middleware (outermost: it answers every unhandled
    error itself, with the security headers, request id and API version, and makes the server span), then the
    exception handlers, FastAPI's exit stack and the router. Left out: Starlette's ``ServerErrorMiddleware`` (the
    request middleware answers a 500 first and, for an error after the response started, calls the app's error
    handler as it did), FastAPI's telemetry exception layer (no FastAPI telemetry: the request middleware makes the
    span) and its body-limit layer (no ``max_body_size``: the request middleware limits bodies)."""

    def build_middleware_stack(self) -> ASGIApp:
        error_handler = None
        handlers: dict[Any, Any] = {}
        for key, value in self.exception_handlers.items():
            if key in (500, Exception):
                error_handler = value
            else:
                handlers[key] = value
        app: ASGIApp = ExceptionMiddleware(
            AsyncExitStackMiddleware(RouteTable(self.router)), handlers=handlers, debug=self.debug
        )
        # GBI's request middleware is always the outermost layer, also when a service adds middleware of its own
        # after ``create_app`` (the domain's collector pause): an error raised by any layer then still becomes a
        # problem+json 500 with the security headers, a metric and a log record (there is no
        # ServerErrorMiddleware to catch it).
        outer = None
        for middleware in reversed(self.user_middleware):
            cls, args, kwargs = middleware
            if cls is _RequestMiddleware:
                outer = (args, {**kwargs, "error_handler": error_handler})
                continue
            app = cls(app, *args, **kwargs)
        if outer is not None:
            app = _RequestMiddleware(app, *outer[0], **outer[1])
        return app


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

    app = _GbiFastAPI(
        title=title,
        description=description,
        version=settings.api_version,
        lifespan=lifespan,
        # The server span is made by _RequestMiddleware (as FastAPI's telemetry made it): FastAPI's layer is off.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
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
        telemetry=tel,
        # FastAPI's developer page (Swagger UI with inline script) is the one path without the CSP.
        exempt_csp_paths=frozenset({"/docs", "/docs/oauth2-redirect"}),
    )

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

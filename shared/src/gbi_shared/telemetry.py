"""OpenTelemetry set-up: one instrumentation path for the whole suite.

Server spans come from FastAPI's native telemetry (given our tracer provider, so nothing is instrumented twice);
client spans come from ``gbi_shared.clients``, which injects W3C trace context into every outgoing call. Spans
are exported over OTLP/HTTP when an endpoint is configured, and not at all otherwise. Without an endpoint nobody
reads a span's attributes, so none are kept (``max_span_attributes=0``: the SDK drops them before it copies and
checks them, a measurable part of every request's cost). Spans themselves are still made and sampled as before: their
ids go into the logs, the audit records (with the parent span) and ``traceparent``.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Tracer

__all__ = ["Telemetry", "setup_telemetry"]


class Telemetry:
    """The tracer provider of one process, and its shutdown. ``record_attributes`` says whether anybody reads a
    span's attributes (an exporter is configured); when not, the server span skips building them."""

    def __init__(self, provider: TracerProvider, service_name: str, *, record_attributes: bool = True) -> None:
        self.provider = provider
        self.service_name = service_name
        self.record_attributes = record_attributes

    def tracer(self, name: str = "gbi") -> Tracer:
        return self.provider.get_tracer(name)

    def shutdown(self) -> None:
        self.provider.force_flush(timeout_millis=5000)
        self.provider.shutdown()


def setup_telemetry(
    service_name: str,
    *,
    otlp_endpoint: str | None = None,
    headers: Mapping[str, str] | None = None,
    environment: str = "development",
) -> Telemetry:
    resource = Resource.create(
        {
            "service.name": service_name,
            "service.namespace": "gbi",
            "deployment.environment.name": environment,
        }
    )
    provider = TracerProvider(
        resource=resource, span_limits=None if otlp_endpoint else SpanLimits(max_span_attributes=0)
    )
    if otlp_endpoint:
        exporter = OTLPSpanExporter(
            endpoint=otlp_endpoint.rstrip("/") + "/v1/traces", headers=dict(headers or {}), timeout=5
        )
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=500))
    return Telemetry(provider, service_name, record_attributes=bool(otlp_endpoint))

"""The shared per-request plumbing answers exactly as it did before it was made cheaper (issue 4): for a set of
requests covering every path through it (success, every problem, the early refusals, an unhandled error before and
after the response started, health, docs, a route's own headers), the raw response header list (names, values and
order), the status, the body, the server span (name, kind, instrumentation scope, attributes, status, parent, events)
and the log records are compared with a golden file recorded from the code before the change
(``data/plumbing_golden.json``). Regenerate only on purpose: ``REGEN_PLUMBING_GOLDEN=1 uv run pytest <this file>``.

Two tracing set-ups are recorded: attributes kept (an OTLP endpoint configured) and the default without one
(``max_span_attributes=0``: the same spans, no attributes)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.responses import Response, StreamingResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel, SecretStr

from gbi_shared import ContextSigner, RequestContext, ServiceSettings, create_app, current_context
from gbi_shared.context import ActorType
from gbi_shared.telemetry import Telemetry

from .conftest import EcKeyPair

GOLDEN = Path(__file__).parent / "data" / "plumbing_golden.json"
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"
HEX32 = re.compile(r"^[0-9a-f]{32}$")


class Aanvraag(BaseModel):
    naam: str
    leeftijd: int


def _router() -> APIRouter:
    router = APIRouter()

    @router.get("/v1/aanvragen/{nummer}")
    async def lees(nummer: int, limit: int = 10) -> dict[str, Any]:
        return {"nummer": nummer, "limit": limit}

    @router.post("/v1/aanvragen", status_code=201)
    async def maak(body: Aanvraag) -> dict[str, Any]:
        return {"naam": body.naam}

    @router.get("/v1/wie")
    async def wie(ctx: Annotated[RequestContext, Depends(current_context)]) -> dict[str, Any]:
        return {"actor": ctx.actor_id, "gemeente": ctx.gemeente}

    @router.get("/v1/boem")
    async def boem() -> dict[str, Any]:
        raise RuntimeError("stuk")

    @router.get("/v1/http/{code}")
    async def http(code: int) -> dict[str, Any]:
        raise HTTPException(status_code=code, detail=f"status {code}", headers={"Retry-After": "3"})

    @router.get("/v1/eigen")
    async def eigen() -> Response:
        headers = {"X-Frame-Options": "SAMEORIGIN", "API-version": "1.7.0", "Link": "<a>; rel=x"}
        return Response(b"eigen", media_type="text/plain", headers=headers)

    @router.get("/v1/stroom")
    async def stroom() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"begin"
            raise RuntimeError("halverwege")

        return StreamingResponse(chunks(), media_type="text/plain")

    @router.post("/v1/stukken:batch")
    async def batch(body: list[int]) -> dict[str, int]:
        return {"aantal": len(body)}

    return router


def _scenarios(token: str, bad_token: str) -> list[dict[str, Any]]:
    tp = {"traceparent": TRACEPARENT}
    rid = {"x-request-id": "vaste-id-1"}
    json_ct = {"content-type": "application/json"}
    return [
        {"name": "get 200", "method": "GET", "path": "/v1/aanvragen/7", "query": "limit=3", "headers": tp | rid},
        {"name": "get 200 no request id", "method": "GET", "path": "/v1/aanvragen/8", "headers": {}},
        {"name": "invalid request id", "method": "GET", "path": "/v1/aanvragen/9", "headers": {"x-request-id": "ü"}},
        {"name": "sensitive query", "method": "GET", "path": "/v1/aanvragen/7", "query": "sig=geheim&limit=2"},
        {"name": "path 400", "method": "GET", "path": "/v1/aanvragen/abc", "headers": tp | rid},
        {
            "name": "post 201",
            "method": "POST",
            "path": "/v1/aanvragen",
            "headers": tp | rid | json_ct,
            "body": b'{"naam":"Jan","leeftijd":30}',
        },
        {
            "name": "post invalid json",
            "method": "POST",
            "path": "/v1/aanvragen",
            "headers": rid | json_ct,
            "body": b'{"naam":',
        },
        {
            "name": "post schema",
            "method": "POST",
            "path": "/v1/aanvragen",
            "headers": rid | json_ct,
            "body": b'{"naam":"Jan"}',
        },
        {
            "name": "declared too large",
            "method": "POST",
            "path": "/v1/aanvragen",
            "headers": rid | json_ct,
            "body": b"x" * 2000,
            "declare": True,
        },
        {
            "name": "chunked too large",
            "method": "POST",
            "path": "/v1/aanvragen",
            "headers": rid | json_ct,
            "chunks": [b"[" + b"1," * 400, b"1," * 400 + b"1]"],
        },
        {
            "name": "batch limit",
            "method": "POST",
            "path": "/v1/stukken:batch",
            "headers": rid | json_ct,
            "body": b"[" + b"1," * 700 + b"1]",
            "declare": True,
        },
        {"name": "unhandled 500", "method": "GET", "path": "/v1/boem", "headers": tp | rid},
        {"name": "unknown path", "method": "GET", "path": "/nergens", "headers": tp | rid},
        {"name": "wrong method", "method": "DELETE", "path": "/v1/aanvragen/7", "headers": rid},
        {"name": "http 429", "method": "GET", "path": "/v1/http/429", "headers": rid},
        {"name": "http 503", "method": "GET", "path": "/v1/http/503", "headers": rid},
        {"name": "http 418", "method": "GET", "path": "/v1/http/418", "headers": rid},
        {"name": "context ok", "method": "GET", "path": "/v1/wie", "headers": rid | {"gbi-context": token}},
        {"name": "context bad", "method": "GET", "path": "/v1/wie", "headers": tp | rid | {"gbi-context": bad_token}},
        {"name": "context missing", "method": "GET", "path": "/v1/wie", "headers": rid},
        {"name": "own headers", "method": "GET", "path": "/v1/eigen", "headers": rid},
        {"name": "stream fails", "method": "GET", "path": "/v1/stroom", "headers": tp | rid},
        {"name": "live", "method": "GET", "path": "/health/live", "headers": tp | rid},
        {"name": "ready", "method": "GET", "path": "/health/ready", "headers": rid},
        {"name": "docs", "method": "GET", "path": "/docs", "headers": rid},
        {"name": "redirect slash", "method": "GET", "path": "/v1/wie/", "headers": rid},
    ]


async def _call(app: FastAPI, sc: dict[str, Any]) -> dict[str, Any]:
    headers = [(b"host", b"gbi-test:8004")]
    headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in sc.get("headers", {}).items()]
    chunks: list[bytes] = list(sc.get("chunks") or ([sc["body"]] if "body" in sc else [b""]))
    if sc.get("declare"):
        headers.append((b"content-length", str(len(chunks[0])).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8004),
        "client": ("127.0.0.1", 51000),
        "scheme": "http",
        "method": sc["method"],
        "root_path": "",
        "path": sc["path"],
        "raw_path": sc["path"].encode(),
        "query_string": sc.get("query", "").encode(),
        "headers": headers,
    }
    pending = list(chunks)

    async def receive() -> dict[str, Any]:
        if pending:
            body = pending.pop(0)
            return {"type": "http.request", "body": body, "more_body": bool(pending)}
        await asyncio.sleep(30)
        return {"type": "http.disconnect"}

    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    raised = None
    try:
        await app(scope, receive, send)
    except Exception as exc:
        raised = type(exc).__name__
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    sent_rid = sc.get("headers", {}).get("x-request-id")
    out_headers = []
    rid = None
    for k, v in start["headers"]:
        name, value = k.decode("latin-1"), v.decode("latin-1")
        if name == "x-request-id":
            rid = value
            if value != sent_rid and HEX32.match(value):
                value = "<generated>"
        out_headers.append([name, value])
    text = body.decode("utf-8", "replace")
    if rid:
        text = text.replace(rid, "<rid>")
    if sc["path"] in ("/docs", "/health/ready") or sc["path"].startswith("/metrics"):
        text = f"<{len(body) > 0}>"
    return {"status": start["status"], "headers": out_headers, "body": text, "raised": raised}


def _spans(exporter: InMemorySpanExporter) -> list[dict[str, Any]]:
    out = []
    for span in exporter.get_finished_spans():
        parent = span.parent
        out.append(
            {
                "name": span.name,
                "kind": span.kind.name,
                "scope": [span.instrumentation_scope.name, span.instrumentation_scope.schema_url]
                if span.instrumentation_scope
                else None,
                "attributes": {k: v for k, v in sorted((span.attributes or {}).items())},
                "status": [span.status.status_code.name, span.status.description],
                "parent": None
                if parent is None
                else ("sent" if format(parent.span_id, "016x") == PARENT_ID else "other"),
                "trace": "sent" if format(span.context.trace_id, "032x") == TRACE_ID else "new",
                "events": [
                    [e.name, {k: v for k, v in (e.attributes or {}).items() if k != "exception.stacktrace"}]
                    for e in span.events
                ],
            }
        )
    exporter.clear()
    return out


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[list[Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(
            [record.name, record.levelname, record.getMessage(), getattr(record, "path", None), bool(record.exc_info)]
        )


def _observe(context_keys: EcKeyPair, other_keys: EcKeyPair, keep_attributes: bool) -> dict[str, Any]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "gbi-test"}),
        span_limits=None if keep_attributes else SpanLimits(max_span_attributes=0),
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry = Telemetry(provider, "gbi-test", record_attributes=keep_attributes)
    settings = ServiceSettings(
        service_name="gbi-test",
        api_version="1.2.3",
        max_body_bytes=1024,
        max_body_bytes_batch=4096,
        context_public_key=SecretStr(context_keys.public_pem),
    )
    app = create_app(settings, title="golden", routers=[_router()], telemetry=telemetry)
    records = _Records()
    logging.getLogger().addHandler(records)
    ctx = RequestContext("kc-1", ActorType.MEDEWERKER, frozenset({"klantmanager"}), "0363")
    token = ContextSigner(context_keys.private_pem, issuer="gbi-gateway", audience="gbi-services").sign(ctx)
    bad = ContextSigner(other_keys.private_pem, issuer="gbi-gateway", audience="gbi-services").sign(ctx)
    result: dict[str, Any] = {}

    async def run() -> None:
        for sc in _scenarios(token, bad):
            records.records.clear()
            answer = await _call(app, sc)
            answer["spans"] = _spans(exporter)
            answer["logs"] = records.records[:]
            result[sc["name"]] = answer

    try:
        asyncio.run(run())
    finally:
        logging.getLogger().removeHandler(records)
    return result


@pytest.fixture
def observed(context_keys: EcKeyPair, other_keys: EcKeyPair) -> dict[str, Any]:
    return {
        "attributes kept": _observe(context_keys, other_keys, True),
        "no exporter": _observe(context_keys, other_keys, False),
    }


def test_the_plumbing_answers_and_traces_as_before(observed: dict[str, Any]) -> None:
    if os.environ.get("REGEN_PLUMBING_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(observed, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    golden = json.loads(GOLDEN.read_text())
    observed = json.loads(json.dumps(observed))
    for setup, answers in golden.items():
        for name, expected in answers.items():
            assert observed[setup][name] == expected, f"{setup}: {name}"
    assert observed == golden

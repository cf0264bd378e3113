"""The typed gateway client and the HTTP transport, against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, TypeVar
from urllib.parse import parse_qs

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from gbi_shared import clients as clients_module
from gbi_shared._http import HttpTransport
from gbi_shared.clients import GatewayClient, TokenProvider, _target_of, inbound_context_token, inbound_request_id
from gbi_shared.errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    ServiceUnavailableError,
    UnauthorizedError,
    UpstreamError,
    UpstreamTimeoutError,
)
from gbi_testing import ServerThread, dead_port

T = TypeVar("T")


@dataclass
class Recorder:
    """What the fake gateway and identity provider saw."""

    token_requests: list[dict[str, list[str]]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    expires_in: int = 300

    def reset(self) -> None:
        self.token_requests.clear()
        self.requests.clear()
        self.expires_in = 300


def build_server(rec: Recorder) -> Starlette:
    async def token(request: Request) -> Response:
        form = parse_qs((await request.body()).decode())
        rec.token_requests.append(form)
        if form.get("client_secret") != ["geheim"]:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        return JSONResponse(
            {"access_token": f"tok-{len(rec.token_requests)}", "token_type": "Bearer", "expires_in": rec.expires_in}
        )

    async def echo(request: Request) -> Response:
        body = await request.body()
        seen = {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": body.decode(),
        }
        rec.requests.append(seen)
        return JSONResponse(seen)

    async def problem(request: Request) -> Response:
        status = int(request.path_params["status"])
        body: dict[str, Any] = {
            "type": "https://gbi.example.nl/problemen/x",
            "title": f"Titel {status}",
            "status": status,
            "detail": f"Detail {status}",
            "code": f"code-{status}",
        }
        if status == 400:
            body["invalidParams"] = [{"name": "aanvrager.bsn", "code": "elfproef", "reason": "geen geldig BSN"}]
        return JSONResponse(body, status_code=status, media_type="application/problem+json")

    async def slow(request: Request) -> Response:
        await asyncio.sleep(float(request.query_params.get("s", "1")))
        return JSONResponse({"traag": True})

    async def broken(request: Request) -> Response:
        return PlainTextResponse("<html>kapot</html>", status_code=500)

    async def links(request: Request) -> Response:
        resp = JSONResponse({})
        resp.headers.append("Link", "<a>; rel=next")
        resp.headers.append("Link", "<b>; rel=last")
        return resp

    async def eenheid(request: Request) -> Response:
        body = json.loads(await request.body()) if request.method == "POST" else {}
        return JSONResponse({"naam": body.get("naam", "x"), "bedragInCenten": 1234, "extra": "genegeerd"})

    return Starlette(
        routes=[
            Route("/idp/token", token, methods=["POST"]),
            Route("/internal/data/v1/problem/{status}", problem),
            Route("/internal/data/v1/slow", slow),
            Route("/internal/data/v1/broken", broken),
            Route("/internal/data/v1/links", links),
            Route("/internal/domain/v1/eenheid", eenheid, methods=["GET", "POST"]),
            Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]
    )


@pytest.fixture(scope="module")
def server_and_recorder() -> Iterator[tuple[ServerThread, Recorder]]:
    rec = Recorder()
    with ServerThread(build_server(rec)) as server:
        yield server, rec


@pytest.fixture
def server(server_and_recorder: tuple[ServerThread, Recorder]) -> ServerThread:
    return server_and_recorder[0]


@pytest.fixture
def rec(server_and_recorder: tuple[ServerThread, Recorder]) -> Recorder:
    server_and_recorder[1].reset()
    return server_and_recorder[1]


@pytest.fixture
def spans() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


class Harness:
    def __init__(self, server: ServerThread, provider: TracerProvider) -> None:
        self.server = server
        self.provider = provider

    def run(
        self,
        body: Callable[[GatewayClient, HttpTransport], Awaitable[T]],
        *,
        secret: str = "geheim",
        gateway_url: str | None = None,
        token_url: str | None = None,
        timeout_s: float = 2.0,
        with_tokens: bool = True,
    ) -> T:
        async def main() -> T:
            transport = HttpTransport(tracer=self.provider.get_tracer("gbi.client"), timeout_s=timeout_s)
            tokens = (
                TokenProvider(transport, token_url or self.server.url + "/idp/token", "gbi-process", secret)
                if with_tokens
                else None
            )
            client = GatewayClient(transport, gateway_url or self.server.url + "/", tokens, service_name="gbi-process")
            try:
                return await body(client, transport)
            finally:
                await transport.close()

        return asyncio.run(main())


@pytest.fixture
def harness(server: ServerThread, spans: tuple[TracerProvider, InMemorySpanExporter]) -> Harness:
    return Harness(server, spans[0])


def _json(resp: Any) -> dict[str, Any]:
    data: dict[str, Any] = resp.json()
    return data


# --- tokens ---------------------------------------------------------------------------------------------------


def test_token_is_fetched_once_and_cached(harness: Harness, rec: Recorder) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> list[str]:
        seen = []
        for _ in range(3):
            resp = await client.request("GET", "/internal/data/v1/personen")
            seen.append(_json(resp)["headers"]["authorization"])
        await asyncio.gather(*(client.request("GET", "/internal/data/v1/x") for _ in range(5)))
        return seen

    assert harness.run(body) == ["Bearer tok-1"] * 3
    assert len(rec.token_requests) == 1
    form = rec.token_requests[0]
    assert form == {"grant_type": ["client_credentials"], "client_id": ["gbi-process"], "client_secret": ["geheim"]}
    assert all(r["headers"]["authorization"] == "Bearer tok-1" for r in rec.requests)


def test_concurrent_first_calls_fetch_one_token(harness: Harness, rec: Recorder) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> None:
        await asyncio.gather(*(client.request("GET", "/internal/data/v1/x") for _ in range(10)))

    harness.run(body)
    assert len(rec.token_requests) == 1


def test_token_is_refreshed_when_it_expires(harness: Harness, rec: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    rec.expires_in = 60  # cached for 60 - 30 = 30 s

    async def body(client: GatewayClient, _: HttpTransport) -> list[str]:
        first = _json(await client.request("GET", "/internal/data/v1/x"))["headers"]["authorization"]
        # Only the clock of the token cache moves (the server thread and the event loop keep the real one).
        later = SimpleNamespace(monotonic=lambda: time.monotonic() + 31)
        monkeypatch.setattr(clients_module, "time", later)
        second = _json(await client.request("GET", "/internal/data/v1/x"))["headers"]["authorization"]
        return [first, second]

    assert harness.run(body) == ["Bearer tok-1", "Bearer tok-2"]


def test_refused_credentials_are_service_unavailable(harness: Harness, rec: Recorder) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> None:
        await client.request("GET", "/internal/data/v1/x")

    with pytest.raises(ServiceUnavailableError, match="token"):
        harness.run(body, secret="fout")
    assert rec.requests == []


def test_identity_provider_down_is_service_unavailable(harness: Harness) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> None:
        await client.request("GET", "/internal/data/v1/x")

    with pytest.raises(ServiceUnavailableError):
        harness.run(body, token_url=f"http://127.0.0.1:{dead_port()}/token")


def test_client_without_credentials_refuses_to_call(harness: Harness, rec: Recorder) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> None:
        await client.request("GET", "/internal/data/v1/x")

    with pytest.raises(UnauthorizedError, match="gbi-process"):
        harness.run(body, with_tokens=False)
    assert rec.requests == []


# --- what goes over the wire ----------------------------------------------------------------------------------


def test_context_request_id_and_gemeente_are_forwarded(harness: Harness) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> dict[str, Any]:
        ctx_token = inbound_context_token.set("signed.context.token")
        rid_token = inbound_request_id.set("req-42")
        try:
            resp = await client.request(
                "POST",
                "/internal/data/v1/aanvragen",
                json_body={"a": 1, "b": [1, 2]},
                params={"q": "x y", "n": "2"},
                gemeente="0363",
            )
        finally:
            inbound_context_token.reset(ctx_token)
            inbound_request_id.reset(rid_token)
        return _json(resp)

    seen = harness.run(body)
    headers = seen["headers"]
    assert seen["method"] == "POST"
    assert seen["path"] == "/internal/data/v1/aanvragen"
    assert parse_qs(seen["query"]) == {"q": ["x y"], "n": ["2"]}
    assert json.loads(seen["body"]) == {"a": 1, "b": [1, 2]}
    assert headers["gbi-context"] == "signed.context.token"
    assert headers["gbi-gemeente"] == "0363"
    assert headers["x-request-id"] == "req-42"
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert headers["authorization"] == "Bearer tok-1"


def test_as_service_sends_no_context(harness: Harness) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> dict[str, str]:
        token = inbound_context_token.set("signed.context.token")
        try:
            resp = await client.request("GET", "/internal/data/v1/x", as_service=True, gemeente="0599")
        finally:
            inbound_context_token.reset(token)
        headers: dict[str, str] = _json(resp)["headers"]
        return headers

    headers = harness.run(body)
    assert "gbi-context" not in headers
    assert headers["gbi-gemeente"] == "0599"
    assert "x-request-id" not in headers


def test_no_inbound_context_no_header(harness: Harness) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> dict[str, str]:
        headers: dict[str, str] = _json(await client.request("GET", "/internal/data/v1/x"))["headers"]
        return headers

    headers = harness.run(body)
    assert "gbi-context" not in headers
    assert "gbi-gemeente" not in headers
    assert "content-type" not in headers


def test_extra_headers_are_sent(harness: Harness) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> dict[str, str]:
        resp = await client.request("PUT", "/internal/data/v1/x", headers={"Idempotency-Key": "k-1"})
        headers: dict[str, str] = _json(resp)["headers"]
        return headers

    assert harness.run(body)["idempotency-key"] == "k-1"


def test_gateway_url_trailing_slash_is_not_doubled(harness: Harness) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> str:
        path: str = _json(await client.request("GET", "/internal/data/v1/x"))["path"]
        return path

    assert harness.run(body) == "/internal/data/v1/x"


def test_traceparent_is_injected_from_the_client_span(
    harness: Harness, spans: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    provider, exporter = spans

    async def body(client: GatewayClient, _: HttpTransport) -> tuple[str, int]:
        with provider.get_tracer("test").start_as_current_span("use-case") as parent:
            resp = await client.request("GET", "/internal/data/v1/x")
            trace_id = parent.get_span_context().trace_id
        traceparent: str = _json(resp)["headers"]["traceparent"]
        return traceparent, trace_id

    traceparent, trace_id = harness.run(body)
    version, tid, sid, flags = traceparent.split("-")
    assert version == "00"
    assert tid == format(trace_id, "032x")
    client_spans: list[ReadableSpan] = [
        s for s in exporter.get_finished_spans() if s.kind is SpanKind.CLIENT and s.name == "GET gbi-data"
    ]
    assert len(client_spans) == 1
    span_ctx = client_spans[0].get_span_context()
    assert span_ctx is not None
    assert sid == format(span_ctx.span_id, "016x")
    assert int(flags, 16) & 0x01  # sampled
    assert client_spans[0].attributes is not None
    assert client_spans[0].attributes["http.response.status_code"] == 200


def test_target_of() -> None:
    assert _target_of("/internal/data/v1/x") == "gbi-data"
    assert _target_of("/internal/domain") == "gbi-domain"
    assert _target_of("/api/v1/aanvragen") == "gbi-gateway"
    assert _target_of("/internal") == "gbi-gateway"


# --- typed helpers --------------------------------------------------------------------------------------------


class Eenheid(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    naam: str
    bedrag_in_centen: int = Field(alias="bedragInCenten")
    opmerking: str | None = None


def test_typed_helpers(harness: Harness, rec: Recorder) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> tuple[Eenheid, Eenheid, dict[str, Any]]:
        got = await client.get_model("/internal/domain/v1/eenheid", Eenheid)
        posted = await client.post_model(
            "/internal/domain/v1/eenheid", Eenheid(naam="gezin", bedrag_in_centen=1), Eenheid
        )
        adapter: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])
        raw = await client.post_as("/internal/domain/v1/eenheid", {"naam": "alleen"}, adapter)
        return got, posted, raw

    got, posted, raw = harness.run(body)
    assert got == Eenheid(naam="x", bedrag_in_centen=1234)
    assert posted.naam == "gezin"
    assert raw["naam"] == "alleen"


def test_model_bodies_are_sent_by_alias_without_nulls(harness: Harness) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> dict[str, Any]:
        resp = await client.request("POST", "/internal/data/v1/x", json_body=Eenheid(naam="a", bedrag_in_centen=5))
        sent: dict[str, Any] = json.loads(_json(resp)["body"])
        return sent

    assert harness.run(body) == {"naam": "a", "bedragInCenten": 5}


@pytest.mark.parametrize(
    "value",
    [
        {"naam": "Zoë € ☃", "bedrag": 133142, "lijst": [1.5, None, True, False, {"x": []}]},
        {"groot": 2**70, "klein": -(2**70)},  # beyond orjson's 64 bits: the standard library encodes it
        {1: "een", None: "niets", False: "onwaar"},  # keys that are no text, as the standard library turns them
        {"f": 1e16, "g": 0.1, "h": -0.0, "leeg": ""},
    ],
)
def test_dict_bodies_arrive_as_the_standard_librarys_json_would(harness: Harness, value: dict[Any, Any]) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> bytes:
        resp = await client.request("POST", "/internal/data/v1/x", json_body=value)
        return str(_json(resp)["body"]).encode()

    sent = harness.run(body)
    assert json.loads(sent) == json.loads(json.dumps(value))
    assert len(sent) <= len(json.dumps(value, ensure_ascii=False).encode())  # compact


def test_a_dict_body_neither_encoder_takes_still_fails() -> None:
    with pytest.raises(TypeError):
        clients_module._json_bytes({"x": object()})


# --- failures -------------------------------------------------------------------------------------------------


def test_upstream_problem_is_reraised_as_the_same_error(harness: Harness) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> BadRequestError:
        try:
            await client.request("GET", "/internal/data/v1/problem/400")
        except BadRequestError as exc:
            return exc
        raise AssertionError("no error")

    error = harness.run(body)
    assert type(error) is BadRequestError
    assert error.status == 400
    assert error.detail == "Detail 400"
    assert error.instance_title == "Titel 400"
    assert error.instance_code == "code-400"
    assert error.invalid_params is not None
    assert [(p.name, p.code, p.reason) for p in error.invalid_params] == [
        ("aanvrager.bsn", "elfproef", "geen geldig BSN")
    ]


@pytest.mark.parametrize(
    ("status", "cls", "expected_status"),
    [
        (404, NotFoundError, 404),
        (409, ConflictError, 409),
        (401, UnauthorizedError, 401),
        (503, ServiceUnavailableError, 503),
        (412, BadRequestError, 412),
        (500, UpstreamError, 502),
    ],
)
def test_upstream_statuses_map_to_the_error_tree(
    harness: Harness, status: int, cls: type[Exception], expected_status: int
) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> None:
        await client.request("GET", f"/internal/data/v1/problem/{status}")

    with pytest.raises(cls) as info:
        harness.run(body)
    assert getattr(info.value, "status", None) == expected_status
    assert getattr(info.value, "detail", None) == f"Detail {status}"


def test_upstream_error_that_is_not_a_problem(harness: Harness) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> None:
        await client.request("GET", "/internal/data/v1/broken")

    with pytest.raises(UpstreamError) as info:
        harness.run(body)
    assert info.value.status == 502
    assert info.value.detail is None


def test_raise_for_status_off_returns_the_answer(harness: Harness, server: ServerThread) -> None:
    async def body(_: GatewayClient, transport: HttpTransport) -> tuple[int, str, Any]:
        resp = await transport.request("GET", server.url + "/internal/data/v1/problem/404", raise_for_status=False)
        return resp.status, resp.headers["content-type"], resp.json()

    status, content_type, problem = harness.run(body)
    assert status == 404
    assert content_type == "application/problem+json"
    assert problem["title"] == "Titel 404"


def test_response_headers_are_case_insensitive_and_keep_repeats(harness: Harness) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> tuple[str, list[str]]:
        resp = await client.request("GET", "/internal/data/v1/links")
        getall = getattr(resp.headers, "getall")  # noqa: B009 - a multidict, typed as a Mapping
        return resp.headers["CONTENT-TYPE"], getall("link")

    content_type, links = harness.run(body)
    assert content_type == "application/json"
    assert links == ["<a>; rel=next", "<b>; rel=last"]


def test_connection_refused_is_service_unavailable(harness: Harness) -> None:
    port = dead_port()

    async def body(client: GatewayClient, _: HttpTransport) -> None:
        await client.request("GET", "/internal/data/v1/x")

    started = time.monotonic()
    with pytest.raises(ServiceUnavailableError) as info:
        harness.run(body, gateway_url=f"http://127.0.0.1:{port}")
    assert time.monotonic() - started < 2
    assert info.value.headers["Retry-After"] == "5"
    assert "gbi-data" in (info.value.detail or "")


def test_timeout_per_call_is_upstream_timeout(harness: Harness) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> None:
        await client.request("GET", "/internal/data/v1/slow", params={"s": "1"}, timeout_s=0.2)

    started = time.monotonic()
    with pytest.raises(UpstreamTimeoutError) as info:
        harness.run(body)
    assert time.monotonic() - started < 0.9
    assert info.value.status == 504


def test_default_timeout_of_the_transport(harness: Harness) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> None:
        await client.request("GET", "/internal/data/v1/slow", params={"s": "1"})

    with pytest.raises(UpstreamTimeoutError):
        harness.run(body, timeout_s=0.2)


def test_transport_errors_are_recorded_on_the_client_span(
    harness: Harness, spans: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    async def body(client: GatewayClient, _: HttpTransport) -> None:
        await client.request("GET", "/internal/data/v1/x")

    with pytest.raises(ServiceUnavailableError):
        harness.run(body, gateway_url=f"http://127.0.0.1:{dead_port()}")
    client_spans = [s for s in spans[1].get_finished_spans() if s.name == "GET gbi-data"]
    assert len(client_spans) == 1
    assert not client_spans[0].status.is_ok
    assert any(event.name == "exception" for event in client_spans[0].events)


def test_transport_session_is_reusable_after_close(harness: Harness, server: ServerThread) -> None:
    async def body(_: GatewayClient, transport: HttpTransport) -> list[int]:
        first = await transport.request("GET", server.url + "/x")
        await transport.close()
        second = await transport.request("GET", server.url + "/x")
        return [first.status, second.status]

    assert harness.run(body) == [200, 200]

"""The lean HTTP/1.1 client (``gbi_shared._http1``) behind ``HttpTransport`` for the gateway's hop to a layer:
keep-alive and pooling, every body framing, timeouts, lost connections and their retry, broken answers, and the
errors they map to, all against a scripted server on loopback that answers with exactly the bytes a test gives."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from gbi_shared import _http1
from gbi_shared._http import KEEPALIVE_S, HttpTransport
from gbi_shared.errors import ServiceUnavailableError, UpstreamError, UpstreamTimeoutError


@pytest.fixture(autouse=True, params=["asyncio", "uvloop"])
def event_loop_policy(request: pytest.FixtureRequest) -> Any:
    """Every test on asyncio's own loop and on uvloop's, which production runs on."""
    if request.param == "uvloop":
        import uvloop

        policy: asyncio.AbstractEventLoopPolicy = uvloop.EventLoopPolicy()
    else:
        policy = asyncio.DefaultEventLoopPolicy()
    previous = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(policy)
    yield request.param
    asyncio.set_event_loop_policy(previous)


@dataclass
class Seen:
    head: bytes
    body: bytes
    connection: int

    @property
    def request_line(self) -> str:
        return self.head.split(b"\r\n", 1)[0].decode()

    def header(self, name: str) -> list[str]:
        out = []
        for line in self.head.decode("utf-8").split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name.lower():
                out.append(value.strip())
        return out


# An answer: the raw bytes to write, or a coroutine doing anything with the writer (None: close without answering).
Answer = Callable[[Seen, asyncio.StreamWriter], Awaitable[bool]]


@dataclass
class Script:
    """A server answering each request with the next answer of a list (the last one repeats)."""

    answers: list[Answer]
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                seen = Seen(head, body, number)
                self.seen.append(seen)
                answer = self.answers[min(len(self.seen), len(self.answers)) - 1]
                if not await answer(seen, writer):
                    return
        finally:
            writer.close()


def raw(data: bytes, *, keep: bool = True) -> Answer:
    async def answer(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(data)
        await writer.drain()
        return keep

    return answer


def ok(body: bytes = b'{"ok":true}', *extra: bytes) -> Answer:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n" % len(body)
    return raw(head + b"".join(h + b"\r\n" for h in extra) + b"\r\n" + body)


async def hang(seen: Seen, writer: asyncio.StreamWriter) -> bool:
    await asyncio.sleep(5)
    return False


async def drop(seen: Seen, writer: asyncio.StreamWriter) -> bool:
    return False  # close the connection without an answer


def run(script: Script, scenario: Callable[[HttpTransport, str], Awaitable[Any]], **transport: Any) -> Any:
    async def main() -> Any:
        server = await asyncio.start_server(script.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        tr = HttpTransport(tracer=TracerProvider().get_tracer("t"), timeout_s=transport.pop("timeout_s", 5.0))
        try:
            return await scenario(tr, f"http://127.0.0.1:{port}")
        finally:
            await tr.close()
            server.close()

    return asyncio.run(main())


def hop(tr: HttpTransport, method: str, url: str, **kwargs: Any) -> Awaitable[Any]:
    """A request as the gateway sends it to a layer (which the transport sends with the lean client)."""
    kwargs.setdefault("raise_for_status", False)
    return tr.request(method, url, follow_redirects=False, client_span=False, **kwargs)


def test_connections_are_kept_alive_and_reused() -> None:
    script = Script([ok()])

    async def scenario(tr: HttpTransport, base: str) -> list[int]:
        statuses = []
        for _ in range(5):
            statuses.append((await hop(tr, "GET", base + "/a")).status)
        return statuses

    assert run(script, scenario) == [200] * 5
    assert script.connections == 1


def test_concurrent_requests_each_get_their_own_connection_and_answer() -> None:
    async def echo_path(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.01)
        body = seen.request_line.split()[1].encode()
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
        return True

    script = Script([echo_path])

    async def scenario(tr: HttpTransport, base: str) -> list[bytes]:
        answers = await asyncio.gather(*(hop(tr, "GET", f"{base}/r/{i}") for i in range(20)))
        again = await asyncio.gather(*(hop(tr, "GET", f"{base}/r/{i}") for i in range(20)))
        return [a.body for a in answers + again]

    assert run(script, scenario) == [f"/r/{i}".encode() for i in range(20)] * 2
    assert script.connections <= 20  # the second round reuses the first round's connections


def test_the_request_is_written_as_aiohttp_wrote_it() -> None:
    script = Script([ok()])

    async def scenario(tr: HttpTransport, base: str) -> str:
        await hop(tr, "POST", base + "/internal/data/x%2Fy?q=1&r=%C3%A9", headers={"X-Een": "één"}, body=b"abc")
        await hop(tr, "GET", base + "/g")
        await hop(tr, "DELETE", base + "/d")
        await hop(tr, "GET", base + "/h", headers={"Accept": "application/json", "User-Agent": "portaal"})
        return base.removeprefix("http://")

    host = run(script, scenario)
    post, get, delete, own = script.seen
    assert post.request_line == "POST /internal/data/x%2Fy?q=1&r=%C3%A9 HTTP/1.1"  # "%2F" stays data
    assert post.header("host") == [host]
    assert post.header("content-length") == ["3"]
    assert post.body == b"abc"
    assert post.header("x-een") == ["één"]  # UTF-8, as aiohttp encodes header values
    assert post.header("accept") == ["*/*"]
    assert post.header("accept-encoding") == ["gzip, deflate"]
    assert post.header("user-agent") == [_http1.SERVER_SOFTWARE]
    assert post.header("traceparent") == [] or post.header("traceparent")[0].startswith("00-")
    assert get.header("content-length") == []  # a GET without a body states none
    assert delete.header("content-length") == ["0"]  # as aiohttp: a DELETE without a body says 0
    assert own.header("accept") == ["application/json"]
    assert own.header("user-agent") == ["portaal"]


def test_a_header_with_a_control_character_is_refused_before_anything_is_sent() -> None:
    script = Script([ok()])

    async def scenario(tr: HttpTransport, base: str) -> None:
        for headers in ({"X-Evil": "a\r\nX-Injected: 1"}, {"X-Evil\n": "a"}, {"X-Nul": "a\x00"}):
            with pytest.raises(ValueError, match="Forbidden control character"):  # aiohttp's words
                await hop(tr, "GET", base + "/a", headers=headers)

    run(script, scenario)
    assert script.seen == []


@pytest.mark.parametrize(
    ("answer", "body"),
    [
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", b"abcde"),
        (b"HTTP/1.1 204 No Content\r\n\r\n", b""),
        (b"HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi", b"hi"),
    ],
    ids=["chunked", "no-content", "interim-answer-first"],
)
def test_every_body_framing_is_read_and_the_connection_kept(answer: bytes, body: bytes) -> None:
    script = Script([raw(answer)])

    async def scenario(tr: HttpTransport, base: str) -> list[bytes]:
        return [(await hop(tr, "GET", base + "/a")).body for _ in range(2)]

    assert run(script, scenario) == [body, body]
    assert script.connections == 1


def test_an_answer_without_framing_ends_with_its_connection_which_is_not_reused() -> None:
    script = Script([raw(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\ntot het einde", keep=False)])

    async def scenario(tr: HttpTransport, base: str) -> list[bytes]:
        return [(await hop(tr, "GET", base + "/a")).body for _ in range(2)]

    assert run(script, scenario) == [b"tot het einde"] * 2
    assert script.connections == 2


def test_connection_close_is_honoured() -> None:
    script = Script([raw(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 1\r\n\r\nx", keep=False)])

    async def scenario(tr: HttpTransport, base: str) -> None:
        for _ in range(3):
            assert (await hop(tr, "POST", base + "/a", body=b"{}")).body == b"x"

    run(script, scenario)
    assert script.connections == 3


def test_large_bodies_both_ways() -> None:
    big = bytes(range(256)) * 20_000  # 5 MB

    async def echo(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(seen.body) + seen.body)
        await writer.drain()
        return True

    script = Script([echo])

    async def scenario(tr: HttpTransport, base: str) -> bytes:
        body: bytes = (await hop(tr, "PUT", base + "/groot", body=big)).body
        return body

    assert run(script, scenario) == big


def test_repeated_answer_headers_are_all_kept_and_read_case_insensitively() -> None:
    script = Script([ok(b"", b"Set-Cookie: a=1", b"Set-Cookie: b=2", b"Link: </x>", b'ETag: "v1"')])

    async def scenario(tr: HttpTransport, base: str) -> Any:
        return (await hop(tr, "GET", base + "/a")).headers

    headers = run(script, scenario)
    assert headers.getall("set-cookie") == ["a=1", "b=2"]
    assert headers["etag"] == '"v1"'
    assert headers["ETAG"] == '"v1"'
    assert [k for k, _ in headers.items()] == [
        "content-type",
        "content-length",
        "Set-Cookie",
        "Set-Cookie",
        "Link",
        "ETag",
    ]


def test_a_redirect_is_handed_back_as_it_came() -> None:
    script = Script([raw(b"HTTP/1.1 303 See Other\r\nlocation: /elders\r\ncontent-length: 0\r\n\r\n")])

    async def scenario(tr: HttpTransport, base: str) -> tuple[int, str]:
        resp = await hop(tr, "POST", base + "/formulier", body=b"a=1")
        return resp.status, resp.headers["location"]

    assert run(script, scenario) == (303, "/elders")
    assert len(script.seen) == 1


def test_an_error_status_raises_the_problem_when_asked() -> None:
    body = b'{"status":404,"title":"Niet gevonden","detail":"weg"}'
    script = Script([raw(b"HTTP/1.1 404 Not Found\r\ncontent-length: %d\r\n\r\n" % len(body) + body)])

    async def scenario(tr: HttpTransport, base: str) -> None:
        from gbi_shared.errors import NotFoundError

        with pytest.raises(NotFoundError):
            await hop(tr, "GET", base + "/a", raise_for_status=True)
        assert (await hop(tr, "GET", base + "/a")).status == 404

    run(script, scenario)


def test_no_answer_in_time_is_a_504_and_the_connection_is_not_reused() -> None:
    script = Script([hang, ok()])

    async def scenario(tr: HttpTransport, base: str) -> int:
        with pytest.raises(UpstreamTimeoutError):
            await hop(tr, "GET", base + "/traag", timeout_s=0.2)
        status: int = (await hop(tr, "GET", base + "/snel")).status
        return status

    assert run(script, scenario) == 200
    assert script.connections == 2  # the timed-out connection was closed, not reused


def test_nobody_listening_is_a_503() -> None:
    async def scenario(tr: HttpTransport, base: str) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with pytest.raises(ServiceUnavailableError):
            await hop(tr, "GET", f"http://127.0.0.1:{port}/a", connect_timeout_s=1.0)

    run(Script([ok()]), scenario)


def test_no_connection_within_the_connect_timeout_is_a_503(monkeypatch: pytest.MonkeyPatch) -> None:
    async def slow_connect(self: Any, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(5)

    async def scenario(tr: HttpTransport, base: str) -> None:
        loop = asyncio.get_running_loop()
        monkeypatch.setattr(type(loop), "create_connection", slow_connect)
        with pytest.raises(ServiceUnavailableError):
            await hop(tr, "GET", base + "/a", connect_timeout_s=0.1, timeout_s=0.1)  # also when both run out
        with pytest.raises(ServiceUnavailableError):
            await hop(tr, "GET", base + "/a", connect_timeout_s=0.1, timeout_s=3)

    run(Script([ok()]), scenario)


def test_an_idempotent_request_is_sent_once_more_when_its_kept_connection_was_closed() -> None:
    # The server answers the first request, then closes the connection when the next one arrives (a keep-alive
    # connection it timed out just as the request was sent); the second attempt is on a new connection.
    script = Script([ok(), drop, ok(b"opnieuw")])

    async def scenario(tr: HttpTransport, base: str) -> bytes:
        await hop(tr, "GET", base + "/a")
        body: bytes = (await hop(tr, "PUT", base + "/b", body=b"{}")).body
        return body

    assert run(script, scenario) == b"opnieuw"
    assert [s.connection for s in script.seen] == [1, 1, 2]


def test_a_non_idempotent_request_is_never_sent_twice() -> None:
    script = Script([ok(), drop, ok()])

    async def scenario(tr: HttpTransport, base: str) -> None:
        await hop(tr, "GET", base + "/a")
        with pytest.raises(ServiceUnavailableError):
            await hop(tr, "POST", base + "/betaal", body=b"{}")

    run(script, scenario)
    assert [s.request_line.split()[0] for s in script.seen] == ["GET", "POST"]


def test_an_idempotent_request_is_sent_at_most_twice() -> None:
    script = Script([ok(), drop])

    async def scenario(tr: HttpTransport, base: str) -> None:
        await hop(tr, "GET", base + "/a")
        with pytest.raises(ServiceUnavailableError):
            await hop(tr, "GET", base + "/b")

    run(script, scenario)
    assert [s.connection for s in script.seen] == [1, 1, 2]


def test_a_request_lost_on_a_new_connection_is_not_sent_again() -> None:
    script = Script([drop, ok()])

    async def scenario(tr: HttpTransport, base: str) -> None:
        with pytest.raises(ServiceUnavailableError):
            await hop(tr, "GET", base + "/a")

    run(script, scenario)
    assert len(script.seen) == 1


def test_a_request_whose_answer_had_begun_is_not_sent_again() -> None:
    script = Script([ok(), raw(b"HTTP/1.1 200 O", keep=False), ok()])

    async def scenario(tr: HttpTransport, base: str) -> None:
        await hop(tr, "GET", base + "/a")
        with pytest.raises(ServiceUnavailableError):
            await hop(tr, "PUT", base + "/b", body=b"{}")

    run(script, scenario)
    assert [s.request_line.split()[1] for s in script.seen] == ["/a", "/b"]


def test_the_second_attempt_goes_on_a_new_connection_not_another_kept_one() -> None:
    async def slow_ok(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.05)
        return await ok()(seen, writer)

    script = Script([slow_ok, slow_ok, drop, ok()])

    async def scenario(tr: HttpTransport, base: str) -> None:
        await asyncio.gather(hop(tr, "GET", base + "/a"), hop(tr, "GET", base + "/a"))  # two kept connections
        await hop(tr, "GET", base + "/b")

    run(script, scenario)
    kept, second = (s.connection for s in script.seen[2:])
    assert kept in (1, 2)  # a kept one (the most recently given back)
    assert second == 3  # then a new one, not the other kept one


def test_a_request_found_unsent_on_a_closed_kept_connection_is_sent_on_a_new_one_whatever_its_method() -> None:
    script = Script([ok()])

    async def scenario(tr: HttpTransport, base: str) -> None:
        await hop(tr, "POST", base + "/a", body=b"1")
        pool = tr._lean_pool()
        (idle,) = pool._idle.values()
        (conn,) = idle
        conn.closed = True  # closed as if between being taken and written
        take = pool._take_idle
        pool._take_idle = lambda key: idle.pop() if idle else take(key)  # type: ignore[method-assign]
        await hop(tr, "POST", base + "/b", body=b"2")

    run(script, scenario)
    assert [(s.request_line.split()[1], s.connection) for s in script.seen] == [("/a", 1), ("/b", 2)]


def test_an_idle_connection_the_server_closed_is_not_used() -> None:
    script = Script([raw(b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx", keep=False)])

    async def scenario(tr: HttpTransport, base: str) -> None:
        await hop(tr, "POST", base + "/a", body=b"1")
        await asyncio.sleep(0.05)  # the server's close arrives while the connection is idle
        await hop(tr, "POST", base + "/a", body=b"2")

    run(script, scenario)
    assert [s.connection for s in script.seen] == [1, 2]


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nkort",  # cut off in the body
        b"dit is geen HTTP\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nx",
    ],
    ids=["cut-off-body", "not-http", "two-lengths"],
)
def test_a_broken_answer_is_a_502(answer: bytes) -> None:
    script = Script([raw(answer, keep=False), ok()])

    async def scenario(tr: HttpTransport, base: str) -> None:
        with pytest.raises(UpstreamError):
            await hop(tr, "POST", base + "/a", body=b"{}")
        await hop(tr, "POST", base + "/a", body=b"{}")  # and the next request gets a fresh connection

    run(script, scenario)
    assert [s.connection for s in script.seen] == [1, 2]


def test_a_cancelled_request_closes_its_connection() -> None:
    script = Script([hang, ok()])

    async def scenario(tr: HttpTransport, base: str) -> None:
        task = asyncio.ensure_future(hop(tr, "GET", base + "/a"))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await hop(tr, "GET", base + "/b")

    run(script, scenario)
    assert [s.connection for s in script.seen] == [1, 2]


def test_only_plain_http_requests_of_the_five_methods_go_by_the_lean_client(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    original = _http1.Http1Pool.request

    async def spy(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        used.append(method)
        return await original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(_http1.Http1Pool, "request", spy)
    script = Script([ok()])

    async def scenario(tr: HttpTransport, base: str) -> None:
        await hop(tr, "PATCH", base + "/a", body=b"{}")
        await tr.request("GET", base + "/b", follow_redirects=False)  # a GatewayClient's call
        await tr.request("GET", base + "/b")  # a call that follows redirects: aiohttp
        await tr.request("OPTIONS", base + "/c", follow_redirects=False, raise_for_status=False)  # aiohttp

    run(script, scenario)
    assert used == ["PATCH", "GET"]
    assert len(script.seen) == 4


def test_at_most_limit_requests_are_in_flight() -> None:
    in_flight = 0
    most = 0

    async def slow(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        return True

    script = Script([slow])

    async def scenario(tr: HttpTransport, base: str) -> None:
        tr._limit = 3
        await asyncio.gather(*(hop(tr, "GET", f"{base}/{i}") for i in range(12)))

    run(script, scenario)
    assert most == 3
    assert len(script.seen) == 12


# --- redirects: the lean client never follows one; a request that does goes by aiohttp -------------------------


def test_a_request_that_follows_redirects_goes_by_aiohttp_and_a_3xx_not_followed_is_a_502(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    used: list[str] = []
    original = _http1.Http1Pool.request

    async def spy(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        used.append(url.rsplit("/", 1)[1])
        return await original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(_http1.Http1Pool, "request", spy)

    async def answer(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        if seen.request_line.split()[1] == "/doel":
            return await ok(b"doel")(seen, writer)
        return await raw(b"HTTP/1.1 307 X\r\nlocation: /doel\r\ncontent-length: 0\r\n\r\n")(seen, writer)

    script = Script([answer])

    async def scenario(tr: HttpTransport, base: str) -> None:
        assert (await tr.request("POST", base + "/volg", body=b"{}")).body == b"doel"  # by aiohttp, followed
        with pytest.raises(UpstreamError):  # a layer's API never redirects: a 502, not followed
            await tr.request("POST", base + "/api", body=b"{}", follow_redirects=False)
        resp = await hop(tr, "POST", base + "/proxy", body=b"{}")  # the gateway's hop: handed back as it is
        assert resp.status == 307

    run(script, scenario)
    assert used == ["api", "proxy"]
    assert [s.request_line.split()[1] for s in script.seen] == ["/volg", "/doel", "/api", "/proxy"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    "path",
    ["/internal/data/v1/x%2Fy", "/a%41b:c%3Ad?q=%C3%A9&r=a+b", "/a b|c^d", "/één?x=ü", "/p;m=1/@x!$&'()*,="],
)
@pytest.mark.parametrize("body", [None, b'{"x":1}'])
def test_a_request_is_sent_as_aiohttp_sends_it(method: str, path: str, body: bytes | None) -> None:
    from opentelemetry import trace

    def sent(lean: bool) -> tuple[str, list[tuple[str, str]], bytes]:
        script = Script([ok()])

        async def scenario(tr: HttpTransport, base: str) -> None:
            headers = {"Authorization": "Bearer x", "Content-Type": "application/json", "GBI-Context": "c"}
            send = tr._send_lean if lean else tr._send_aiohttp
            await send(trace.INVALID_SPAN, method, base + path, headers, body, 5.0, None, "t", False, False)

        run(script, scenario)
        (seen,) = script.seen
        lines = seen.head.decode("utf-8").split("\r\n")[1:]
        fields = sorted((k.lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines if line))
        # Each run has its own server: the port in Host is the one thing that may differ.
        fields = [(k, v.split(":")[0] if k == "host" else v) for k, v in fields]
        return seen.request_line, fields, seen.body

    assert sent(lean=True) == sent(lean=False)


@pytest.mark.parametrize("url", ["http:///a", "http://127.0.0.1:99999/a", "http://exa mple.invalid/a"])
def test_a_url_the_lean_client_does_not_take_fails_as_with_aiohttp(url: str) -> None:
    from opentelemetry import trace

    def outcome(lean: bool) -> str:
        async def scenario(tr: HttpTransport, base: str) -> str:
            send = tr._send_lean if lean else tr._send_aiohttp
            try:
                await send(trace.INVALID_SPAN, "GET", url, {}, None, 2.0, 1.0, "t", False, True)
            except Exception as exc:
                return type(exc).__name__
            return "ok"

        result: str = run(Script([ok()]), scenario)
        return result

    assert outcome(lean=True) == outcome(lean=False) != "ok"


# --- the review's findings (session 9): each pinned by a test that failed before its fix ------------------------


def _pool_run(handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]], scenario: Any) -> Any:
    """Run ``scenario(pool, base, conns)`` against a raw server; ``conns`` collects every connection the pool made."""

    async def main() -> Any:
        handlers: list[asyncio.Task[None]] = []

        async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers.append(task)
            try:
                await handler(reader, writer)
            finally:
                writer.close()

        server = await asyncio.start_server(tracked, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        pool = _http1.Http1Pool(limit=10)
        conns: list[_http1._Connection] = []
        made = _http1._Connection.connection_made

        def spy(self: _http1._Connection, transport: asyncio.BaseTransport) -> None:
            conns.append(self)
            made(self, transport)

        _http1._Connection.connection_made = spy  # type: ignore[method-assign]
        try:
            return await scenario(pool, f"http://127.0.0.1:{port}", conns)
        finally:
            _http1._Connection.connection_made = made  # type: ignore[method-assign]
            pool.close()
            server.close()
            await asyncio.gather(*handlers, return_exceptions=True)  # every server end closed before the loop
            await asyncio.sleep(0.01)

    return asyncio.run(main())


def test_a_connection_whose_body_is_still_unsent_when_the_answer_came_is_not_reused() -> None:
    # The server answers 401 on the head alone and reads slowly: the rest of a large body is still in the client's
    # write buffer, and would be read by the server as the next request if the connection were reused.
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(0.3)
        writer.close()

    async def scenario(pool: _http1.Http1Pool, base: str, conns: list[_http1._Connection]) -> None:
        body = b"GET /internal/admin HTTP/1.1\r\nHost: x\r\n\r\n" + b"x" * 32_000_000
        resp = await pool.request("POST", base + "/upload", {}, body, timeout_s=5, connect_timeout_s=1)
        assert resp.status == 401
        assert sum(len(idle) for idle in pool._idle.values()) == 0
        assert conns[0].transport is not None
        assert conns[0].transport.is_closing()

    _pool_run(handler, scenario)


def test_a_connection_not_reusable_after_its_answer_is_closed_not_leaked() -> None:
    # Bytes after the answer (a second answer to one request): the connection is not pooled, and must be closed
    # even though the server keeps its end open.
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nxHTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\ny")
        await writer.drain()
        await asyncio.sleep(0.3)
        writer.close()

    async def scenario(pool: _http1.Http1Pool, base: str, conns: list[_http1._Connection]) -> None:
        resp = await pool.request("GET", base + "/", {}, None, timeout_s=2, connect_timeout_s=1)
        assert resp.body == b"x"
        await asyncio.sleep(0.05)
        assert sum(len(idle) for idle in pool._idle.values()) == 0
        assert conns[0].transport is not None
        assert conns[0].transport.is_closing()

    _pool_run(handler, scenario)


def test_the_trailers_of_a_chunked_answer_are_not_taken_as_headers() -> None:
    answer = (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-smuggled\r\n\r\n"
        b"3\r\nabc\r\n0\r\nx-smuggled: ja\r\nset-cookie: sessie=overgenomen\r\n\r\n"
    )
    script = Script([raw(answer)])

    async def scenario(tr: HttpTransport, base: str) -> Any:
        return (await hop(tr, "GET", base + "/a")).headers

    headers = run(script, scenario)
    assert "x-smuggled" not in headers
    assert "set-cookie" not in headers
    assert headers["trailer"] == "x-smuggled"


@pytest.mark.parametrize(
    "extra",
    [
        [b"x-groot: " + b"a" * 8191],  # one field over aiohttp's max_field_size
        [b"x-veel-%d: " % i + b"a" * 8000 for i in range(10)],  # each field fine, the head too large
        [b"x-eindeloos: " + b"a" * 300_000],  # a field that does not end soon
    ],
    ids=["long-field", "large-head", "endless-field"],
)
def test_an_answer_with_an_oversized_head_is_a_502(extra: list[bytes]) -> None:
    script = Script([raw(b"HTTP/1.1 200 OK\r\n" + b"".join(e + b"\r\n" for e in extra) + b"content-length: 0\r\n\r\n")])

    async def scenario(tr: HttpTransport, base: str) -> None:
        with pytest.raises(UpstreamError):
            await hop(tr, "GET", base + "/a")

    run(script, scenario)


class _Written:
    """The transport of a connection driven by hand: it keeps what is written."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True

    def get_write_buffer_size(self) -> int:
        return 0


@pytest.mark.parametrize("pieces", [1, 3], ids=["one-read", "three-reads"])
def test_a_large_body_in_the_same_read_as_the_head_is_read(pieces: int) -> None:
    # A server writes head and body at once (the services' transport does), and one read may hold the head and far
    # more body than the head's limit (a payment run's page of uitkeringen): only bytes that arrive while the head is
    # unfinished count against that limit.
    body = b"x" * 600_000
    answer = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body) + body

    async def scenario() -> bytes:
        conn = _http1._Connection(asyncio.get_running_loop())
        transport = _Written()
        conn.connection_made(transport)  # type: ignore[arg-type]
        exchange = asyncio.ensure_future(conn.exchange(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"))
        await asyncio.sleep(0)
        size = -(-len(answer) // pieces)
        for start in range(0, len(answer), size):
            conn.data_received(answer[start : start + size])
        response = await exchange
        assert conn.reusable
        return response.body

    assert asyncio.run(scenario()) == body


def test_a_header_of_the_largest_allowed_size_is_read() -> None:
    script = Script([ok(b"", b"x-groot: " + b"a" * 8190)])

    async def scenario(tr: HttpTransport, base: str) -> Any:
        return (await hop(tr, "GET", base + "/a")).headers

    assert run(script, scenario)["x-groot"] == "a" * 8190


def test_a_url_with_credentials_is_sent_with_them_as_aiohttp_sends_it() -> None:
    script = Script([ok()])

    async def scenario(tr: HttpTransport, base: str) -> None:
        await hop(tr, "GET", base.replace("http://", "http://gebruiker:geheim@") + "/a")

    run(script, scenario)
    (seen,) = script.seen
    assert seen.header("authorization") == ["Basic Z2VicnVpa2VyOmdlaGVpbQ=="]


def test_a_host_name_is_resolved_once_per_ttl_and_again_after_a_failed_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every answer closes its connection, so that each request makes a new one.
    script = Script([raw(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n", keep=False)])
    lookups: list[str] = []

    async def scenario(tr: HttpTransport, base: str) -> None:
        loop = asyncio.get_running_loop()
        port = int(base.rsplit(":", 1)[1])

        async def getaddrinfo(host: str, port: int, **kwargs: Any) -> Any:
            lookups.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

        monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
        url = f"http://laag.gbi.test:{port}/a"
        for _ in range(3):
            await hop(tr, "GET", url)
        assert lookups == ["laag.gbi.test"]  # a cache hit for the 2nd and 3rd connection
        pool = tr._lean_pool()
        addresses, expires = pool._dns[("laag.gbi.test", port)]
        assert addresses == ["127.0.0.1"]
        assert expires - loop.time() == pytest.approx(_http1.DNS_TTL_S, abs=5)
        pool._dns[("laag.gbi.test", port)] = (addresses, loop.time() - 1)  # expired
        await hop(tr, "GET", url)
        assert lookups == ["laag.gbi.test"] * 2
        # The cached address stops answering: that connect fails and drops the entry; the next one looks up again.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = s.getsockname()[1]
        pool._dns[("laag.gbi.test", dead)] = (["127.0.0.1"], loop.time() + 100)
        with pytest.raises(ServiceUnavailableError):
            await hop(tr, "GET", f"http://laag.gbi.test:{dead}/a", connect_timeout_s=1.0)
        assert ("laag.gbi.test", dead) not in pool._dns

    run(script, scenario)
    assert all(s.header("host") == [f"laag.gbi.test:{s.header('host')[0].split(':')[1]}"] for s in script.seen)
    assert len(script.seen) == 4


def test_idle_connections_past_the_keep_alive_are_closed_and_empty_hosts_dropped() -> None:
    async def slow_ok(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.05)
        return await ok()(seen, writer)

    script = Script([slow_ok])

    async def scenario(tr: HttpTransport, base: str) -> None:
        await asyncio.gather(*(hop(tr, "GET", base + "/a") for _ in range(3)))  # three kept connections
        pool = tr._lean_pool()
        (key,) = pool._idle
        idle = list(pool._idle[key])
        assert len(idle) == 3
        for conn in idle:
            conn.idle_since -= KEEPALIVE_S  # all three past the keep-alive
        await hop(tr, "GET", base + "/b")  # the old ones are closed, not only skipped
        assert all(conn.transport is not None and conn.transport.is_closing() for conn in idle)
        assert len(pool._idle[key]) == 1
        pool._idle[key][0].closed = True
        assert pool._take_idle(key) is None
        assert key not in pool._idle

    run(script, scenario)
    assert script.connections == 4


def test_a_connection_given_back_after_the_pool_closed_is_closed() -> None:
    async def slow_ok(seen: Seen, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.2)
        return await ok()(seen, writer)

    script = Script([slow_ok])

    async def scenario(tr: HttpTransport, base: str) -> None:
        pool = tr._lean_pool()
        conns: list[_http1._Connection] = []
        give_back = pool._give_back

        def spy(key: tuple[str, int], conn: _http1._Connection) -> None:
            conns.append(conn)
            give_back(key, conn)

        pool._give_back = spy  # type: ignore[method-assign]

        async def late() -> None:
            await asyncio.sleep(0.02)
            pool.close()

        await asyncio.gather(hop(tr, "GET", base + "/a"), late())
        (conn,) = conns
        assert conn.closed
        assert pool._idle == {}

    run(script, scenario)


def test_a_gateway_client_call_goes_by_the_lean_client_and_a_redirect_is_a_502(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gbi_shared.clients import GatewayClient

    used: list[str] = []
    original = _http1.Http1Pool.request

    async def spy(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        used.append(method)
        return await original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(_http1.Http1Pool, "request", spy)
    script = Script([ok(), raw(b"HTTP/1.1 307 X\r\nlocation: /internal/data/x/\r\ncontent-length: 0\r\n\r\n")])

    async def scenario(tr: HttpTransport, base: str) -> None:
        class Tokens:
            async def token(self) -> str:
                return "t"

        gateway = GatewayClient(tr, base, Tokens(), service_name="test")  # type: ignore[arg-type]
        assert (await gateway.request("GET", "/internal/data/x")).status == 200
        with pytest.raises(UpstreamError):
            await gateway.request("POST", "/internal/data/x", json_body={"a": 1})

    run(script, scenario)
    assert used == ["GET", "POST"]
    assert len(script.seen) == 2  # the redirect not followed


def test_a_request_with_no_time_left_is_not_written_and_its_connection_kept() -> None:
    script = Script([ok()])

    async def scenario(tr: HttpTransport, base: str) -> None:
        await hop(tr, "GET", base + "/a")
        with pytest.raises(UpstreamTimeoutError):
            await hop(tr, "POST", base + "/b", body=b"{}", timeout_s=0)
        await hop(tr, "GET", base + "/c")

    run(script, scenario)
    assert [(s.request_line.split()[1], s.connection) for s in script.seen] == [("/a", 1), ("/c", 1)]


def test_a_connection_lost_after_an_interim_answer_is_lost_before_the_head() -> None:
    script = Script([raw(b"HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n", keep=False)])

    async def scenario(tr: HttpTransport, base: str) -> None:
        with pytest.raises(ServiceUnavailableError):  # no final head: as a lost connection (503), not a broken body
            await hop(tr, "GET", base + "/a")

    run(script, scenario)


def test_no_free_slot_within_the_total_time_is_a_504_as_with_aiohttp() -> None:
    from opentelemetry import trace

    def outcome(lean: bool) -> str:
        async def scenario(tr: HttpTransport, base: str) -> str:
            tr._limit = 1
            send = tr._send_lean if lean else tr._send_aiohttp
            args = ("t", False, False)
            busy = asyncio.ensure_future(send(trace.INVALID_SPAN, "GET", base + "/bezet", {}, None, 1.0, None, *args))
            await asyncio.sleep(0.05)
            try:
                await send(trace.INVALID_SPAN, "GET", base + "/wacht", {}, None, 0.2, 5.0, *args)
            except Exception as exc:
                return type(exc).__name__
            finally:
                busy.cancel()
            return "ok"

        result: str = run(Script([hang]), scenario)
        return result

    assert outcome(lean=True) == outcome(lean=False) == "UpstreamTimeoutError"

"""The shared HTTP transport keeps no cookies: one session serves every caller of a process (the gateway forwards
every user's pages through it), so a cookie an upstream sets for one caller must never reach another's request."""

from __future__ import annotations

import asyncio
import socket

from aiohttp import web
from opentelemetry.sdk.trace import TracerProvider

from gbi_shared._http import HttpTransport


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_a_cookie_set_by_an_upstream_answer_is_never_sent_with_a_later_request() -> None:
    async def scenario() -> list[str]:
        async def login(request: web.Request) -> web.Response:
            response = web.Response(text="ok")
            response.set_cookie("gbi_sessie", "sessie-van-a", httponly=True)
            return response

        async def echo(request: web.Request) -> web.Response:
            return web.Response(text=request.headers.get("Cookie", "-"))

        app = web.Application()
        app.router.add_get("/login", login)
        app.router.add_get("/echo", echo)
        runner = web.AppRunner(app)
        await runner.setup()
        port = _free_port()
        # A host name, as the upstreams in k8s (aiohttp's own jar refuses cookies from an IP address only).
        await web.TCPSite(runner, "localhost", port).start()
        transport = HttpTransport(tracer=TracerProvider().get_tracer("t"), timeout_s=5)
        try:
            base = f"http://localhost:{port}"
            first = await transport.request("GET", base + "/login")
            assert "sessie-van-a" in first.headers.get("Set-Cookie", "")  # handed to the caller as it came
            seen = []
            for headers in ({}, {"Cookie": "gbi_sessie=sessie-van-b"}):
                answer = await transport.request("GET", base + "/echo", headers=headers)
                seen.append(answer.body.decode())
            return seen
        finally:
            await transport.close()
            await runner.cleanup()

    assert asyncio.run(scenario()) == ["-", "gbi_sessie=sessie-van-b"]

"""The upstream of the plumbing benchmark (tests/bench/plumbing.py): a GBI service built by ``create_app`` with
routes that do next to nothing, so that what a request costs is the shared per-request plumbing (middleware,
context verification, metrics, spans, serialisation) and not a route's own work. Started by the benchmark as
``python -m gbi_shared.serve plumbing_app:create_app`` with ``tests/bench`` on ``PYTHONPATH``.

It also answers ``POST /idp/token`` (client credentials: a service token signed with the benchmark's IdP key),
so the client side runs the real ``TokenProvider``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel

from gbi_shared import create_app as create_service_app
from gbi_shared.context import RequestContext, current_context
from gbi_shared.settings import ServiceSettings


class Echo(BaseModel):
    naam: str
    aantal: int
    labels: list[str] = []


class Ping(BaseModel):
    status: str
    gemeente: str | None


def create_app() -> FastAPI:
    settings = ServiceSettings()
    idp_key = Path(os.environ["BENCH_IDP_KEY_FILE"]).read_text(encoding="ascii")
    issuer = os.environ["BENCH_IDP_ISSUER"]
    router = APIRouter()

    @router.get("/internal/domain/ping")
    async def ping(ctx: Annotated[RequestContext, Depends(current_context)]) -> Ping:
        return Ping(status="ok", gemeente=ctx.gemeente)

    @router.post("/internal/domain/echo")
    async def echo(body: Echo, ctx: Annotated[RequestContext, Depends(current_context)]) -> Echo:
        return body

    @router.post("/idp/token")
    async def token() -> dict[str, object]:
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": "gbi",
            "sub": "gbi-process",
            "client_id": "gbi-process",
            "iat": now,
            "exp": now + 3600,
            "gbi_actor_type": "service",
            "roles": ["gbi-service"],
        }
        signed = jwt.encode(claims, idp_key, algorithm="ES256", headers={"kid": "bench"})
        return {"access_token": signed, "token_type": "Bearer", "expires_in": 3600}

    return create_service_app(settings, title="plumbing bench", routers=[router])

"""The start page (``/``): who GBI is for, and the ways in (citizen portal, staff workbench)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from gbi_interaction.web.kern import pagina, web_router

__all__ = ["router"]

router = web_router()


@router.get("/")
async def start(request: Request) -> Response:
    return pagina(request, "start.html", titel="Bijstand en inkomen")

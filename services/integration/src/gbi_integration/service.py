"""Integration use cases: fetch what the sources know, for the process layer."""

from __future__ import annotations

from gbi_integration.brp import BrpPort
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.huishouden import Huishouden
from gbi_shared.errors import NotFoundError

__all__ = ["IntegrationService"]


class IntegrationService:
    def __init__(self, brp: BrpPort) -> None:
        self._brp = brp

    async def huishouden(self, bsn: str, ctx: RequestContext) -> Huishouden:
        if ctx.actor_type is ActorType.BURGER and ctx.bsn != bsn:
            raise NotFoundError("Deze persoon staat niet in de BRP")
        result = await self._brp.huishouden(bsn, ctx)
        if ctx.gemeente is not None and result.gemeente != ctx.gemeente:
            # Staff see only the inhabitants of their own gemeente; same answer as "unknown".
            raise NotFoundError("Deze persoon staat niet in de BRP")
        return result

"""Channel use cases: check who may ask what, then hand the request to the process layer."""

from __future__ import annotations

from gbi_shared.clients import GatewayClient
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.proefberekening import Proefberekening, ProefberekeningVerzoek
from gbi_shared.errors import ForbiddenError

__all__ = ["InteractionService"]

# Staff roles that may make an estimate for an inhabitant of their gemeente.
PROEFBEREKENING_ROLLEN = frozenset({"klantmanager", "inkomensconsulent"})


class InteractionService:
    def __init__(self, gateway: GatewayClient) -> None:
        self._gw = gateway

    async def proefberekening(
        self, verzoek: ProefberekeningVerzoek, ctx: RequestContext, idempotency_key: str | None
    ) -> Proefberekening:
        if ctx.actor_type is ActorType.BURGER:
            if ctx.bsn != verzoek.bsn:
                raise ForbiddenError("Een burger kan alleen voor zichzelf een proefberekening maken")
        elif not (ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role(*PROEFBEREKENING_ROLLEN)):
            raise ForbiddenError("Alleen de burger zelf, een klantmanager of een inkomensconsulent")
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return await self._gw.post_model(
            "/internal/process/v1/proefberekeningen", verzoek, Proefberekening, headers=headers
        )

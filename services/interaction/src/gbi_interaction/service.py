"""Channel use cases: check who may ask what, then hand the request to the process layer."""

from __future__ import annotations

from uuid import UUID

from gbi_interaction.lagen import Woonplaats
from gbi_shared.clients import GatewayClient
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.data import ProefberekeningRecord
from gbi_shared.contracts.proefberekening import Proefberekening, ProefberekeningVerzoek, proefberekening_uit_record
from gbi_shared.errors import ForbiddenError, NotFoundError

__all__ = ["InteractionService"]

# Staff roles that may make an estimate for an inhabitant of their gemeente.
PROEFBEREKENING_ROLLEN = frozenset({"klantmanager", "inkomensconsulent"})


class InteractionService:
    def __init__(self, gateway: GatewayClient, woonplaats: Woonplaats) -> None:
        self._gw = gateway
        self._woonplaats = woonplaats

    async def proefberekening(
        self, verzoek: ProefberekeningVerzoek, ctx: RequestContext, idempotency_key: str | None
    ) -> Proefberekening:
        if ctx.actor_type is ActorType.BURGER:
            if ctx.bsn != verzoek.bsn:
                raise ForbiddenError("Een burger kan alleen voor zichzelf een proefberekening maken")
        elif not (ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role(*PROEFBEREKENING_ROLLEN)):
            raise ForbiddenError("Alleen de burger zelf, een klantmanager of een inkomensconsulent")
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        result = await self._gw.post_model(
            "/internal/process/v1/proefberekeningen", verzoek, Proefberekening, headers=headers
        )
        if ctx.actor_type is ActorType.BURGER and ctx.bsn is not None:
            self._woonplaats.onthoud(ctx.bsn, result.gemeente)  # the process established where they live
        return result

    async def haal_proefberekening(self, proefberekening_id: UUID, ctx: RequestContext) -> Proefberekening:
        """One stored proefberekening (the ``Location`` of the create). A citizen reads only their own, in the
        gemeente they live in now; staff (klantmanager, inkomensconsulent) those of their own gemeente. Another
        gemeente's, another citizen's and a missing one are the same 404 (the data service decides, per tenant)."""
        gemeente: str | None = None
        if ctx.actor_type is ActorType.BURGER:
            gemeente = await self._woonplaats.van(ctx)
            if gemeente is None:
                raise NotFoundError("Geen proefberekening met dit id")
        elif not (ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role(*PROEFBEREKENING_ROLLEN)):
            raise ForbiddenError("Alleen de burger zelf, een klantmanager of een inkomensconsulent")
        record = await self._gw.get_model(
            f"/internal/data/v1/proefberekeningen/{proefberekening_id}", ProefberekeningRecord, gemeente=gemeente
        )
        return proefberekening_uit_record(record)

"""The other GBI layers as the koppelvlakken need them (ports), and their adapters over the gateway.

The integration layer acts *as itself for the integrator's gemeente* (its service token plus ``GBI-Gemeente``):
the data service lets GBI's services, staff and citizens register and read aanvragen, not outside systems; the
tenant is the integrator's gemeente, so another gemeente's case answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from gbi_shared.clients import GatewayClient
from gbi_shared.contracts.alo import Aanvraag, Besluit, Uitkering
from gbi_shared.contracts.alo_proces import AloAanvraagIndiening, AloAanvraagOntvangen
from gbi_shared.errors import NotFoundError

__all__ = ["Dossiers", "GatewayLagen", "ProcesLaag"]

PROCES = "/internal/process/v1/aanvragen"
DATA = "/internal/data/v1/aanvragen"


class ProcesLaag(Protocol):
    async def start_alo(
        self, gemeente: str, indiening: AloAanvraagIndiening, idempotency_key: str
    ) -> AloAanvraagOntvangen: ...


class Dossiers(Protocol):
    async def aanvraag(self, gemeente: str, aanvraag_id: uuid.UUID) -> Aanvraag: ...

    async def besluit(self, gemeente: str, aanvraag_id: uuid.UUID) -> Besluit | None: ...

    async def uitkering(self, gemeente: str, aanvraag_id: uuid.UUID) -> Uitkering | None: ...


class GatewayLagen:
    """``ProcesLaag`` and ``Dossiers`` through the gateway."""

    def __init__(self, gateway: GatewayClient) -> None:
        self._gw = gateway

    async def start_alo(
        self, gemeente: str, indiening: AloAanvraagIndiening, idempotency_key: str
    ) -> AloAanvraagOntvangen:
        return await self._gw.post_model(
            PROCES,
            indiening,
            AloAanvraagOntvangen,
            gemeente=gemeente,
            as_service=True,
            headers={"Idempotency-Key": idempotency_key},
        )

    async def aanvraag(self, gemeente: str, aanvraag_id: uuid.UUID) -> Aanvraag:
        return await self._gw.get_model(f"{DATA}/{aanvraag_id}", Aanvraag, gemeente=gemeente, as_service=True)

    async def besluit(self, gemeente: str, aanvraag_id: uuid.UUID) -> Besluit | None:
        try:
            return await self._gw.get_model(
                f"{DATA}/{aanvraag_id}/besluit", Besluit, gemeente=gemeente, as_service=True
            )
        except NotFoundError:
            return None

    async def uitkering(self, gemeente: str, aanvraag_id: uuid.UUID) -> Uitkering | None:
        try:
            return await self._gw.get_model(
                f"{DATA}/{aanvraag_id}/uitkering", Uitkering, gemeente=gemeente, as_service=True
            )
        except NotFoundError:
            return None

"""The layers below, as the channels use them: the ALO store (data), the ALO process (process) and the BRP
(integration), always through the gateway with the caller's context forwarded.

A citizen's context carries no gemeente until someone establishes where they live (woonplaatsbeginsel); the store
answers only within one gemeente. :class:`Woonplaats` establishes it the way the process layer did when the
aanvraag was made (the gemeente of inschrijving in the BRP), remembers it a few minutes, and every call made for a
citizen names it (``GBI-Gemeente``; the gateway adds it to the citizen's context, it can never change a gemeente a
context already has). Staff contexts carry their own gemeente and are passed as they are.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, JsonValue, TypeAdapter

from gbi_shared._http import HttpResponse
from gbi_shared.clients import GatewayClient
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.alo import (
    Aanvraag,
    AanvraagPagina,
    AanvraagSamenvatting,
    AanvraagStatus,
    Besluit,
    Document,
    DocumentLijst,
    DocumentUpload,
    Klok,
    Opmerking,
    OpmerkingNieuw,
    TaakAfronding,
    TaakDetail,
    TaakHerverdeling,
    TaakPagina,
    TaakTellingen,
    Uitkering,
    VoorschotLijst,
)
from gbi_shared.contracts.alo_proces import (
    AloAanvraagIndiening,
    AloAanvraagOntvangen,
    DocumentenOntvangen,
    DocumentenOntvangenAntwoord,
)
from gbi_shared.contracts.data import GemeenteList
from gbi_shared.contracts.huishouden import BrpHuishoudenVerzoek, Huishouden
from gbi_shared.errors import ConflictError, NotFoundError, ServiceError, UnprocessableError

__all__ = ["AloProces", "AloStore", "Beeld", "Lagen", "Woonplaats", "afgeleide_sleutel", "optioneel", "samen"]

DATA = "/internal/data/v1"
PROCESS = "/internal/process/v1"
INTEGRATION = "/internal/integration/v1"

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
_JSON_OBJECT: TypeAdapter[dict[str, JsonValue]] = TypeAdapter(dict[str, JsonValue])


async def optioneel(call: Awaitable[T]) -> T | None:
    """The answer, or None when the resource does not exist (yet): a besluit before the decision, say."""
    try:
        return await call
    except NotFoundError:
        return None


class Beeld:
    """The answer of a call that may legitimately be missing or unavailable (the process's progress): the value,
    or None with whether it was missing (404) or unavailable (any other error)."""

    __slots__ = ("beschikbaar", "waarde")

    def __init__(self, waarde: dict[str, JsonValue] | None, beschikbaar: bool) -> None:
        self.waarde = waarde
        self.beschikbaar = beschikbaar


class Woonplaats:
    """The gemeente a citizen's cases live in: their gemeente of inschrijving per the BRP, when it is a GBI
    gemeente. Cached per BSN for ``ttl_s`` (bounded), the list of GBI gemeenten for ``gemeenten_ttl_s``."""

    def __init__(
        self, gateway: GatewayClient, *, ttl_s: float = 300.0, gemeenten_ttl_s: float = 600.0, max_items: int = 10_000
    ) -> None:
        self._gw = gateway
        self._ttl = ttl_s
        self._gemeenten_ttl = gemeenten_ttl_s
        self._max = max_items
        self._cache: OrderedDict[str, tuple[str | None, float]] = OrderedDict()
        self._gemeenten: tuple[frozenset[str], float] | None = None

    def onthoud(self, bsn: str, gemeente: str) -> None:
        """Remember what another layer established (the process, when it registered an aanvraag)."""
        self._put(bsn, gemeente)

    def _put(self, bsn: str, gemeente: str | None) -> None:
        self._cache[bsn] = (gemeente, time.monotonic() + self._ttl)
        self._cache.move_to_end(bsn)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)

    async def gbi_gemeenten(self) -> frozenset[str]:
        cached = self._gemeenten
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        lijst = await self._gw.get_model(f"{DATA}/gemeenten", GemeenteList)
        codes = frozenset(g.code for g in lijst.items if g.actief)
        self._gemeenten = (codes, time.monotonic() + self._gemeenten_ttl)
        return codes

    async def van(self, ctx: RequestContext) -> str | None:
        """The citizen's gemeente, or None when the BRP does not know them or they live outside GBI."""
        bsn = ctx.bsn
        if bsn is None:
            return None
        hit = self._cache.get(bsn)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        try:
            huishouden = await self._gw.post_model(
                f"{INTEGRATION}/brp/huishoudens", BrpHuishoudenVerzoek(bsn=bsn), Huishouden
            )
            gemeente: str | None = huishouden.gemeente
        except NotFoundError:
            gemeente = None
        if gemeente is not None and gemeente not in await self.gbi_gemeenten():
            gemeente = None
        self._put(bsn, gemeente)
        return gemeente


class AloStore:
    """The ALO store of the data service (``/internal/data/v1``), for one caller: a citizen's calls name the
    citizen's gemeente, a staff member's calls carry their own."""

    def __init__(self, gateway: GatewayClient, gemeente: str | None) -> None:
        self._gw = gateway
        self._gemeente = gemeente

    def _kw(self, **kwargs: Any) -> dict[str, Any]:
        if self._gemeente is not None:
            kwargs["gemeente"] = self._gemeente
        return kwargs

    async def _get(self, path: str, model: type[M], params: dict[str, str] | None = None) -> M:
        return await self._gw.get_model(DATA + path, model, **self._kw(params=params))

    async def klok(self) -> Klok:
        return await self._get("/klok", Klok)

    async def aanvragen(self, *, status: AanvraagStatus | None, page_size: int, after: str | None) -> AanvraagPagina:
        params = {"pageSize": str(page_size)}
        if status is not None:
            params["status"] = status
        if after is not None:
            params["after"] = after
        return await self._get("/aanvragen", AanvraagPagina, params)

    async def aanvraag(self, aanvraag_id: UUID) -> Aanvraag:
        return await self._get(f"/aanvragen/{aanvraag_id}", Aanvraag)

    # --- a citizen's own aanvragen in every gemeente (the citizen-wide index; a burger context only) -------------

    async def burger_aanvragen(
        self, *, status: AanvraagStatus | None, page_size: int, after: str | None
    ) -> AanvraagPagina:
        params = {"pageSize": str(page_size)}
        if status is not None:
            params["status"] = status
        if after is not None:
            params["after"] = after
        return await self._gw.get_model(f"{DATA}/burgeraanvragen", AanvraagPagina, params=params)

    async def burger_aanvraag(self, aanvraag_id: UUID) -> AanvraagSamenvatting:
        return await self._gw.get_model(f"{DATA}/burgeraanvragen/{aanvraag_id}", AanvraagSamenvatting)

    async def documenten(self, aanvraag_id: UUID) -> DocumentLijst:
        return await self._get(f"/aanvragen/{aanvraag_id}/documenten", DocumentLijst)

    async def besluit(self, aanvraag_id: UUID) -> Besluit:
        return await self._get(f"/aanvragen/{aanvraag_id}/besluit", Besluit)

    async def uitkering(self, aanvraag_id: UUID) -> Uitkering:
        return await self._get(f"/aanvragen/{aanvraag_id}/uitkering", Uitkering)

    async def voorschotten(self, aanvraag_id: UUID) -> VoorschotLijst:
        return await self._get(f"/aanvragen/{aanvraag_id}/voorschotten", VoorschotLijst)

    async def voeg_document_toe(
        self, aanvraag_id: UUID, upload: DocumentUpload, idempotency_key: str
    ) -> tuple[Document, bool]:
        """Store a document; returns (document, replayed)."""
        resp = await self._gw.request(
            "POST",
            f"{DATA}/aanvragen/{aanvraag_id}/documenten",
            **self._kw(json_body=upload, headers={"Idempotency-Key": idempotency_key}),
        )
        replayed = resp.headers.get("Idempotent-Replayed", "").lower() == "true"
        return Document.model_validate_json(resp.body), replayed

    async def document_inhoud(self, document_id: UUID) -> HttpResponse:
        return await self._gw.request("GET", f"{DATA}/documenten/{document_id}/inhoud", **self._kw())

    # --- taken (staff only: their context has its own gemeente) ---------------------------------------------------

    async def taken(self, params: dict[str, str]) -> TaakPagina:
        return await self._get("/taken", TaakPagina, params)

    async def tellingen(self) -> TaakTellingen:
        return await self._get("/taken/tellingen", TaakTellingen)

    async def taak(self, taak_id: UUID) -> TaakDetail:
        return await self._get(f"/taken/{taak_id}", TaakDetail)

    async def taak_actie(self, taak_id: UUID, actie: str, body: BaseModel | None = None) -> TaakDetail:
        """claim, vrijgeven, herverdelen or afronden (the store's custom methods ``:actie``)."""
        resp = await self._gw.request("POST", f"{DATA}/taken/{taak_id}:{actie}", **self._kw(json_body=body or {}))
        return TaakDetail.model_validate_json(resp.body)

    async def herverdeel(self, taak_id: UUID, body: TaakHerverdeling) -> TaakDetail:
        return await self.taak_actie(taak_id, "herverdelen", body)

    async def rond_af(self, taak_id: UUID, body: TaakAfronding) -> TaakDetail:
        return await self.taak_actie(taak_id, "afronden", body)

    async def plaats_opmerking(self, taak_id: UUID, body: OpmerkingNieuw) -> Opmerking:
        return await self._gw.post_model(f"{DATA}/taken/{taak_id}/opmerkingen", body, Opmerking, **self._kw())


class AloProces:
    """The ALO process (``/internal/process/v1/aanvragen``): start an aanvraag, tell it documents arrived, and
    ask where it stands."""

    def __init__(self, gateway: GatewayClient, gemeente: str | None) -> None:
        self._gw = gateway
        self._gemeente = gemeente

    def _kw(self, **kwargs: Any) -> dict[str, Any]:
        if self._gemeente is not None:
            kwargs["gemeente"] = self._gemeente
        return kwargs

    async def start(self, indiening: AloAanvraagIndiening, idempotency_key: str) -> AloAanvraagOntvangen:
        """Register the aanvraag and start its process (202); the same key and body give the same aanvraag. The
        process establishes the gemeente (for a citizen: where the BRP says they live), so none is named here."""
        return await self._gw.post_model(
            f"{PROCESS}/aanvragen", indiening, AloAanvraagOntvangen, headers={"Idempotency-Key": idempotency_key}
        )

    async def documenten_ontvangen(self, aanvraag_id: UUID, documenten: list[UUID]) -> bool:
        """Tell the process that documents arrived. True when it was waiting for them (it records the message
        once: a repeat changes nothing); False when it waits for none (409) or runs no process for the aanvraag
        (404, 422)."""
        body = DocumentenOntvangen(gemeente=self._gemeente, documenten=documenten)
        try:
            antwoord = await self._gw.post_model(
                f"{PROCESS}/aanvragen/{aanvraag_id}/documenten-ontvangen",
                body,
                DocumentenOntvangenAntwoord,
                **self._kw(),
            )
        except (NotFoundError, ConflictError, UnprocessableError):
            return False
        return antwoord.afgeleverd

    async def voortgang(self, aanvraag_id: UUID) -> Beeld:
        """Where the process stands (``AloVoortgang``, as JSON). Never fails the page that shows it: no process
        (404) is reported as nothing, any other failure as unavailable."""
        params = {"gemeente": self._gemeente} if self._gemeente is not None else None
        try:
            resp = await self._gw.request(
                "GET", f"{PROCESS}/aanvragen/{aanvraag_id}/voortgang", **self._kw(params=params)
            )
        except NotFoundError:
            return Beeld(None, beschikbaar=True)
        except ServiceError:
            return Beeld(None, beschikbaar=False)
        return Beeld(_object_or_none(resp), beschikbaar=True)


def _object_or_none(resp: HttpResponse) -> dict[str, JsonValue] | None:
    if not resp.body:
        return None
    try:
        return _JSON_OBJECT.validate_json(resp.body)
    except ValueError:
        return None


class Lagen:
    """Everything the channels call, built once per app."""

    def __init__(self, gateway: GatewayClient) -> None:
        self.gateway = gateway
        self.woonplaats = Woonplaats(gateway)

    async def gemeente_voor(self, ctx: RequestContext) -> str | None:
        """The gemeente to name on calls for this caller: a citizen's (established here), None for everyone else
        (their context carries their own). Raises 404 for a citizen whose cases cannot live in GBI."""
        if ctx.actor_type is not ActorType.BURGER:
            return None
        gemeente = await self.woonplaats.van(ctx)
        if gemeente is None:
            raise NotFoundError("Geen aanvraag met dit id")
        return gemeente

    async def gemeente_van_aanvraag(self, ctx: RequestContext, aanvraag_id: UUID) -> str | None:
        """The gemeente to name on calls about one aanvraag: for a citizen the gemeente that holds it, found in the
        citizen-wide index (so it is found after the citizen moved); None for everyone else. 404 when it is not
        the citizen's."""
        if ctx.actor_type is not ActorType.BURGER:
            return None
        try:
            return (await self.store(None).burger_aanvraag(aanvraag_id)).gemeente
        except NotFoundError:
            raise NotFoundError("Geen aanvraag met dit id") from None

    async def gemeenten_van_burger(self, ctx: RequestContext) -> list[str]:
        """Every gemeente that holds an aanvraag of this citizen (newest first), then where they live now."""
        pagina = await self.store(None).burger_aanvragen(status=None, page_size=100, after=None)
        gemeenten = list(dict.fromkeys(a.gemeente for a in pagina.items))
        hier = await self.woonplaats.van(ctx)
        if hier is not None and hier not in gemeenten:
            gemeenten.append(hier)
        return gemeenten

    def store(self, gemeente: str | None) -> AloStore:
        return AloStore(self.gateway, gemeente)

    def proces(self, gemeente: str | None) -> AloProces:
        return AloProces(self.gateway, gemeente)


def afgeleide_sleutel(*delen: str) -> str:
    """A deterministic idempotency key from its parts (no part can be read back from it)."""
    digest = hashlib.sha256("\x1f".join(delen).encode()).hexdigest()
    return f"kanaal-{digest[:48]}"


async def samen(*calls: Coroutine[Any, Any, Any]) -> list[Any]:
    """Run independent calls concurrently and return their answers in order. The first error is raised as itself
    (not as a group) once the others are cancelled."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(call) for call in calls]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]

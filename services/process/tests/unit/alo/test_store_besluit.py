"""The besluit a run laid down or read is the one its later steps use (beschikking.maken, uitkering.registreren,
notificatie.versturen): no data request reads back what the run wrote a moment earlier. A run that did not write it
(a replay after a crash, a later segment, a retry) reads it, and so finds a beschikking a previous try linked."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

from gbi_process.alo.store import AloStore
from gbi_shared.contracts.alo import BesluitNieuw
from gbi_shared.errors import ConflictError, NotFoundError

from .conftest import GEMEENTE, Resp, _dump

AANVRAAG = uuid.uuid4()
BESLUIT = f"/internal/data/v1/aanvragen/{AANVRAAG}/besluit"
DOCUMENTEN = f"/internal/data/v1/aanvragen/{AANVRAAG}/documenten"


class DataService:
    """The data service's besluit and beschikking routes (one besluit per aanvraag), counting requests."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.besluit: dict[str, Any] | None = None

    async def request(self, method: str, path: str, *, json_body: Any = None, **_: Any) -> Resp:
        self.calls.append((method, path))
        body = _dump(json_body) if json_body is not None else None
        if path == BESLUIT and method == "GET":
            if self.besluit is None:
                raise NotFoundError("Over deze aanvraag is nog niet besloten")
            return Resp(200, self.besluit)
        if path == BESLUIT and method == "POST":
            if self.besluit is not None:
                if self.besluit["datum"] != body["datum"]:
                    raise ConflictError("Over deze aanvraag is al anders besloten", code="besluit-bestaat")
                return Resp(200, self.besluit)
            self.besluit = {
                "beschikkingDocumentId": None,
                "goedgekeurdDoor": None,
                **body,
                "id": str(uuid.uuid4()),
                "gemeente": GEMEENTE,
                "aanvraagId": str(AANVRAAG),
                "createdAt": "2026-03-02T09:00:00Z",
            }
            return Resp(201, self.besluit)
        if path == DOCUMENTEN and method == "POST":
            assert body["bijBesluit"] is True
            assert self.besluit is not None
            document_id = str(uuid.uuid4())
            self.besluit = {**self.besluit, "beschikkingDocumentId": document_id}
            return Resp(
                201,
                {
                    "id": document_id,
                    "gemeente": GEMEENTE,
                    "aanvraagId": str(AANVRAAG),
                    "soort": "beschikking",
                    "bestandsnaam": "beschikking.pdf",
                    "contentType": "application/pdf",
                    "grootte": 3,
                    "sha256": "0" * 64,
                    "createdAt": "2026-03-02T09:00:01Z",
                    "createdBy": "gbi-process",
                },
            )
        raise NotFoundError(path)


def _nieuw(dag: int = 2) -> BesluitNieuw:
    return BesluitNieuw(
        soort="toekenning",
        datum=date(2026, 3, dag),
        ingangsdatum=date(2026, 3, 2),
        bedrag_per_maand_cents=134849,
        gronden={},
        vastgesteld_door="gbi-proces (automatisch besluit)",
    )


def test_a_run_uses_the_besluit_it_laid_down_and_its_beschikking_without_reading_them_back() -> None:
    async def scenario() -> None:
        data = DataService()
        store = AloStore(data, GEMEENTE)  # type: ignore[arg-type]  # one store per run
        besluit = await store.leg_besluit_vast(AANVRAAG, _nieuw())
        assert await store.besluit(AANVRAAG) == besluit  # beschikking.maken: no GET
        document = await store.voeg_beschikking_toe(AANVRAAG, {"bestandsnaam": "b.pdf"}, "k")
        later = await store.besluit(AANVRAAG)  # uitkering.registreren, notificatie.versturen
        assert later is not None
        assert later.beschikking_document_id == document.id
        assert ("GET", BESLUIT) not in data.calls
        # a run that did not write it (a replay after a crash, a later segment) reads it, with the beschikking a
        # previous try linked: beschikking.maken then sends that letter and renders none
        replay = AloStore(data, GEMEENTE)  # type: ignore[arg-type]
        gelezen = await replay.besluit(AANVRAAG)
        assert gelezen is not None
        assert gelezen.beschikking_document_id == document.id
        assert data.calls.count(("GET", BESLUIT)) == 1
        assert await replay.besluit(AANVRAAG) == gelezen  # read once per run
        assert data.calls.count(("GET", BESLUIT)) == 1

    asyncio.run(scenario())


def test_a_retry_that_differs_finds_the_first_besluit_with_its_beschikking() -> None:
    async def scenario() -> None:
        data = DataService()
        first = AloStore(data, GEMEENTE)  # type: ignore[arg-type]
        await first.leg_besluit_vast(AANVRAAG, _nieuw(2))
        document = await first.voeg_beschikking_toe(AANVRAAG, {"bestandsnaam": "b.pdf"}, "k")
        # a retry on a later day (after a crash before the save): 409, the stored besluit wins, as it is now
        retry = AloStore(data, GEMEENTE)  # type: ignore[arg-type]
        besluit = await retry.leg_besluit_vast(AANVRAAG, _nieuw(3))
        assert besluit.datum == date(2026, 3, 2)
        assert besluit.beschikking_document_id == document.id
        assert await retry.besluit(AANVRAAG) == besluit
        assert data.calls.count(("GET", BESLUIT)) == 1  # the one after the 409

    asyncio.run(scenario())

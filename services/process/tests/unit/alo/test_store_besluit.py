"""The besluit a run laid down or read is the one its later steps use (beschikking.maken, uitkering.registreren,
notificatie.versturen): no data request reads back what the run wrote a moment earlier. A run that did not write it
(a replay after a crash, a later segment, a retry) reads it, and so finds a beschikking a previous try linked."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from gbi_process.alo.store import AloStore, json_bytes
from gbi_shared.clients import _json_bytes
from gbi_shared.contracts.alo import BesluitNieuw, ProcesinstantieOpslag, StapNieuw, TijdlijnItemNieuw
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
        self.documenten: list[dict[str, Any]] = []
        self.inhoud: dict[str, bytes] = {}

    async def request(
        self, method: str, path: str, *, json_body: Any = None, json_bytes: bytes | None = None, **_: Any
    ) -> Resp:
        self.calls.append((method, path))
        body = json.loads(json_bytes) if json_bytes is not None else _dump(json_body) if json_body is not None else None
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
            document = {
                "id": document_id,
                "gemeente": GEMEENTE,
                "aanvraagId": str(AANVRAAG),
                "soort": "beschikking",
                "bestandsnaam": body.get("bestandsnaam"),
                "contentType": "application/pdf",
                "grootte": 3,
                "sha256": "0" * 64,
                "createdAt": "2026-03-02T09:00:01Z",
                "createdBy": "gbi-process",
            }
            self.documenten.append(document)
            self.inhoud[document_id] = base64.b64decode(body.get("inhoud") or "")
            return Resp(201, document)
        if path == DOCUMENTEN and method == "GET":
            return Resp(200, {"items": self.documenten})
        if path.startswith("/internal/data/v1/documenten/") and path.endswith("/inhoud") and method == "GET":
            resp = Resp(200, None)
            resp.body = self.inhoud[path.split("/")[-2]]
            return resp
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


def test_the_run_that_stored_the_beschikking_sends_it_without_reading_it_back_another_reads_it() -> None:
    """ADR 0045: notificatie.versturen sends the letter to the zaaksysteem; the run that stored it (beschikking.maken
    a moment earlier) has it, a run that did not (a replay after a crash, a later segment) reads the stored one."""

    async def scenario() -> None:
        data = DataService()
        pdf = b"%PDF-1.7 de beschikking"
        store = AloStore(data, GEMEENTE)  # type: ignore[arg-type]
        await store.leg_besluit_vast(AANVRAAG, _nieuw())
        body = {"bestandsnaam": "b.pdf", "contentType": "application/pdf", "inhoud": base64.b64encode(pdf).decode()}
        document = await store.voeg_beschikking_toe(AANVRAAG, body, "k")
        before = len(data.calls)
        assert await store.beschikking(AANVRAAG, document.id) == (
            base64.b64encode(pdf).decode(),
            "b.pdf",
            document.created_at,
        )
        assert len(data.calls) == before  # nothing read back
        replay = AloStore(data, GEMEENTE)  # type: ignore[arg-type]
        assert await replay.beschikking(AANVRAAG, document.id) == (
            base64.b64encode(pdf).decode(),
            "b.pdf",
            document.created_at,
        )
        assert data.calls[before:] == [
            ("GET", DOCUMENTEN),
            ("GET", f"/internal/data/v1/documenten/{document.id}/inhoud"),
        ]
        assert await replay.beschikking(AANVRAAG, document.id) == (
            base64.b64encode(pdf).decode(),
            "b.pdf",
            document.created_at,
        )
        assert len(data.calls) == before + 2  # read once per run
        # a document id the aanvraag does not hold is an error (an incident), never another letter
        with pytest.raises(ValueError, match="niet te vinden"):
            await AloStore(data, GEMEENTE).beschikking(AANVRAAG, uuid.uuid4())  # type: ignore[arg-type]

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


def test_a_body_goes_as_the_json_of_its_model_with_its_nulls() -> None:
    """The store writes a request body with pydantic in one pass (a save: its state, results and tijdlijn): the same
    bytes as the model's JSON dump encoded before, nulls sent as null (the data service reads an absent and a null
    field alike, but the bytes do not change), field names by alias."""
    body = ProcesinstantieOpslag(
        state='{"format":"gbi-spiff/1","x":"\u00e9\u20ac \\u2028"}',
        status="runnable",
        next_due_at=None,
        version=3,
        lease_owner="w1",
        keep_lease=True,
        stappen=[
            StapNieuw(stap_sleutel="t1", resultaat={"uit": {"bedrag_cents": 134849, "x": 1.5e16, "n": None}}),
            StapNieuw(stap_sleutel="feit.bronnen", resultaat={"lijst": [1, "twee", True, None, {"a": []}]}),
        ],
        tijdlijn=[
            TijdlijnItemNieuw(
                soort="in-behandeling", omschrijving="Zaak ZAAK-1", actor="gemeente", sleutel="z", at=datetime.now(UTC)
            )
        ],
        besluit=BesluitNieuw(
            soort="toekenning",
            datum=date(2026, 3, 2),
            ingangsdatum=date(2026, 3, 1),
            bedrag_per_maand_cents=134849,
            gronden={"routeringsreden": None, "berekening": {"recht": True}},
            vastgesteld_door="gbi-proces (automatisch besluit)",
        ),
    )
    encoded = json_bytes(body)
    assert encoded == _json_bytes(body.model_dump(mode="json", by_alias=True))
    parsed = json.loads(encoded)
    assert parsed["nextDueAt"] is None
    assert parsed["uitkering"] is None
    assert parsed["lastError"] is None
    assert parsed["stappen"][0] == {
        "stapSleutel": "t1",
        "resultaat": {"uit": {"bedrag_cents": 134849, "x": 1.5e16, "n": None}},
    }
    assert ProcesinstantieOpslag.model_validate_json(encoded) == body


def test_a_save_and_a_submission_send_their_bodies_as_json_bytes() -> None:
    """The PUT of a save carries the encoded model (``json_bytes``), not a dictionary for the client to encode."""
    sent: list[dict[str, Any]] = []

    class Gateway:
        async def request(self, method: str, path: str, **kw: Any) -> Resp:
            sent.append(kw)
            return Resp(200, {"irrelevant": True})

    body = ProcesinstantieOpslag(state="{}", status="completed", version=2, lease_owner="w1", keep_lease=False)
    store = AloStore(Gateway(), GEMEENTE)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):  # (the answer is no procesinstantie; only the request counts here)
        asyncio.run(store.sla_op(uuid.uuid4(), body))
    [kw] = sent
    assert kw.get("json_body") is None
    assert kw["json_bytes"] == json_bytes(body)

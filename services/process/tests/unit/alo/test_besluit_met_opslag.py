"""besluit.vastleggen in a run hands its besluit to the run's save (ADR 0038); when the run did not take it along, the
step records it itself. It does not register it in the zaaksysteem: notificatie.versturen does, with the beschikking
and the eindstatus in one request (ADR 0045)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from gbi_process.alo import handlers
from gbi_shared.contracts.alo import Besluit, BesluitNieuw

AANVRAAG = uuid.UUID(int=11)


def _besluit(nieuw: BesluitNieuw) -> Besluit:
    return Besluit(
        id=uuid.UUID(int=12),
        gemeente="0599",
        aanvraag_id=AANVRAAG,
        soort=nieuw.soort,
        datum=nieuw.datum,
        ingangsdatum=nieuw.ingangsdatum,
        bedrag_per_maand_cents=nieuw.bedrag_per_maand_cents,
        gronden=dict(nieuw.gronden),
        beschikking_document_id=None,
        vastgesteld_door=nieuw.vastgesteld_door,
        goedgekeurd_door=None,
        created_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
    )


class _Wereld:
    """The order of what the step does: the run's save, a besluit of its own, the zaaksysteem."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def stap(self, _instance: uuid.UUID, _sleutel: str) -> Any:
        return None  # no calculation recorded: the gronden without it

    async def leg_besluit_vast(self, aanvraag_id: uuid.UUID, nieuw: BesluitNieuw) -> Besluit:
        assert aanvraag_id == AANVRAAG
        self.events.append("POST besluit")
        return _besluit(nieuw)

    async def post_model(self, path: str, body: Any, model: type[Any], **_: Any) -> Any:
        self.events.append(f"POST {path}")  # (none expected: the zaaksysteem hears of it at the end, ADR 0045)
        raise AssertionError(path)


def _stap(wereld: _Wereld, met_opslag: Any) -> handlers.Stap:
    aanvraag: Any = SimpleNamespace(id=AANVRAAG, gemeente="0599", meldingsdatum=date(2026, 3, 1))
    return handlers.Stap(
        gw=wereld,  # type: ignore[arg-type]
        store=wereld,  # type: ignore[arg-type]
        instance_id=uuid.uuid4(),
        aanvraag=aanvraag,
        task_id="t",
        element="besluit_vastleggen",
        variables={"besluit": "toekenning", "bedrag_cents": 134849, "zaak_id": "ZAAK-1", "zoektermijn": False},
        nu=datetime(2026, 3, 2, 12, tzinfo=UTC),
        _taken=[],
        besluit_met_opslag=met_opslag,
    )


def test_in_a_run_the_besluit_goes_with_the_save_and_nothing_else_is_sent() -> None:
    wereld = _Wereld()
    gegeven: list[BesluitNieuw] = []

    async def met_opslag(nieuw: BesluitNieuw) -> Besluit:
        wereld.events.append("opslag met besluit")
        gegeven.append(nieuw)
        return _besluit(nieuw)

    uit = asyncio.run(handlers.besluit_vastleggen(_stap(wereld, met_opslag)))
    assert wereld.events == ["opslag met besluit"]  # no request of its own for the besluit, none to the zaaksysteem
    assert uit == {"besluit_id": str(uuid.UUID(int=12))}
    [nieuw] = gegeven
    assert (nieuw.soort, nieuw.datum, nieuw.ingangsdatum, nieuw.bedrag_per_maand_cents) == (
        "toekenning",
        date(2026, 3, 2),
        date(2026, 3, 1),
        134849,
    )
    assert nieuw.vastgesteld_door == handlers.AUTOMATISCH


def test_not_taken_along_or_outside_a_run_the_step_records_it_itself() -> None:
    async def niet_meegenomen(_: BesluitNieuw) -> None:
        wereld.events.append("opslag zonder besluit")

    for met_opslag in (niet_meegenomen, None):
        wereld = _Wereld()
        uit = asyncio.run(handlers.besluit_vastleggen(_stap(wereld, met_opslag)))
        expected = ["POST besluit"]
        assert wereld.events == (["opslag zonder besluit", *expected] if met_opslag else expected)
        assert uit == {"besluit_id": str(uuid.UUID(int=12))}

"""The grondslag the ALO hands the data store with the uitkering: the household of the besluit's calculation
(without gemeente and peildatum), the IBAN in normal form and the name; none (logged) when one is missing."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from gbi_process.alo import handlers

VERZOEK = {
    "gemeente": "0599",
    "peildatum": "2026-11-28",
    "aanvrager": {"geboortedatum": "1992-09-09"},
    "vermogen": {"bezittingen": "0.00", "schulden": "0.00"},
}


class _Store:
    def __init__(self, feiten: dict[str, Any]) -> None:
        self.feiten = feiten

    async def stap(self, _instance: uuid.UUID, sleutel: str) -> Any:
        waarde = self.feiten.get(sleutel.removeprefix("feit."))
        return None if waarde is None else SimpleNamespace(resultaat=waarde)


def _stap(gegevens: dict[str, Any], feiten: dict[str, Any]) -> handlers.Stap:
    aanvraag: Any = SimpleNamespace(id=uuid.uuid4(), gemeente="0599", gegevens=gegevens)
    store: Any = _Store(feiten)
    return handlers.Stap(
        gw=None,  # type: ignore[arg-type]
        store=store,
        instance_id=uuid.uuid4(),
        aanvraag=aanvraag,
        task_id="t",
        element="uitkering.registreren",
        variables={},
        nu=datetime(2026, 11, 28, 12, tzinfo=UTC),
    )


def test_the_grondslag_is_the_calculated_household_with_the_declared_account() -> None:
    stap = _stap(
        {"iban": "nl91 abna 0417 1643 00", "naam": "K. Vogel"},
        {"berekening": {"verzoek": VERZOEK, "antwoord": {}}},
    )
    grondslag = asyncio.run(handlers._grondslag(stap))
    assert grondslag is not None
    assert grondslag.iban == "NL91ABNA0417164300"
    assert grondslag.naam == "K. Vogel"
    assert grondslag.huishouden == {
        "aanvrager": {"geboortedatum": "1992-09-09"},
        "vermogen": {"bezittingen": "0.00", "schulden": "0.00"},
    }


@pytest.mark.parametrize(
    ("gegevens", "feiten", "ontbreekt"),
    [
        ({"naam": "K. Vogel"}, {"berekening": {"verzoek": VERZOEK}}, "iban"),
        ({"iban": "NL92ABNA0417164300", "naam": "K. Vogel"}, {"berekening": {"verzoek": VERZOEK}}, "iban"),
        ({"iban": "NL91ABNA0417164300"}, {"berekening": {"verzoek": VERZOEK}}, "naam"),
        ({"iban": "NL91ABNA0417164300", "naam": "K. Vogel"}, {}, "berekening"),
    ],
)
def test_without_account_name_or_calculation_there_is_no_grondslag_and_it_is_logged(
    gegevens: dict[str, Any], feiten: dict[str, Any], ontbreekt: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gbi.process.alo"):
        assert asyncio.run(handlers._grondslag(_stap(gegevens, feiten))) is None
    assert f"ontbreekt: {ontbreekt}" in caplog.text


class _BesluitStore(_Store):
    """The run's store after besluit.vastleggen: it knows the besluit; any other data request would fail here."""

    def __init__(self, feiten: dict[str, Any], besluit: Any) -> None:
        super().__init__(feiten)
        self._besluit = besluit

    async def besluit(self, _aanvraag: uuid.UUID) -> Any:
        return self._besluit


def test_in_a_run_the_uitkering_is_queued_for_the_save_under_an_id_that_follows_from_the_aanvraag() -> None:
    """ADR 0030: the handler makes no request; the save that records its result starts the uitkering."""
    from datetime import date

    besluit = SimpleNamespace(soort="toekenning", ingangsdatum=date(2026, 11, 1), bedrag_per_maand_cents=134849)
    ids = set()
    for _ in range(2):  # a second try of the step names the same uitkering
        stap = _stap({"iban": "NL91ABNA0417164300", "naam": "K. Vogel"}, {"berekening": {"verzoek": VERZOEK}})
        stap.store = _BesluitStore({"berekening": {"verzoek": VERZOEK}}, besluit)  # type: ignore[assignment]
        stap.aanvraag = SimpleNamespace(id=uuid.UUID(int=7), gemeente="0599", gegevens=stap.aanvraag.gegevens)  # type: ignore[assignment]
        stap.uitkering_pending = {}
        uit = asyncio.run(handlers.uitkering_registreren(stap))
        [nieuw] = stap.uitkering_pending.values()
        assert uit == {"uitkering_id": str(nieuw.id)}
        assert (nieuw.aanvraag_id, nieuw.startdatum, nieuw.bedrag_per_maand_cents) == (
            uuid.UUID(int=7),
            date(2026, 11, 1),
            134849,
        )
        assert nieuw.grondslag is not None
        ids.add(nieuw.id)
    assert ids == {uuid.uuid5(uuid.NAMESPACE_URL, f"gbi:uitkering:{uuid.UUID(int=7)}")}

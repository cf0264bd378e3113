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

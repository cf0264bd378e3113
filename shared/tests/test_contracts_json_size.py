"""JSON values in the ALO contracts are bounded by their size as compact UTF-8 JSON (``MAX_GEGEVENS_BYTES``)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from gbi_shared.contracts.alo import MAX_GEGEVENS_BYTES, StapNieuw


def _stdlib_size(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


@pytest.mark.parametrize("letter", ["a", "é", "€", "☃"])
def test_a_value_of_exactly_the_bound_passes_and_one_byte_more_is_refused(letter: str) -> None:
    width = len(letter.encode())
    n = (MAX_GEGEVENS_BYTES - 100) // width
    filler = "x" * ((MAX_GEGEVENS_BYTES - len('{"t":"","x":""}')) - n * width)
    value = {"t": letter * n, "x": filler}
    assert _stdlib_size(value) == MAX_GEGEVENS_BYTES
    assert StapNieuw(stap_sleutel="s.1", resultaat=value).resultaat == value
    value["x"] += "y"
    with pytest.raises(ValidationError, match=f"te groot: {MAX_GEGEVENS_BYTES + 1} bytes"):
        StapNieuw(stap_sleutel="s.1", resultaat=value)


def test_integers_beyond_64_bits_are_measured_too() -> None:
    value = {"n": [2**70] * 3}
    assert StapNieuw(stap_sleutel="s.1", resultaat=value).resultaat == value
    with pytest.raises(ValidationError, match="te groot"):
        StapNieuw(stap_sleutel="s.1", resultaat=[2**70] * (MAX_GEGEVENS_BYTES // 20))

"""The fast ``__init__`` of the engine's frozen dataclasses (gbi_domain.engine.snel) behaves as the generated one."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass
from datetime import date

import pytest

from gbi_domain.engine.model import Berekening, Huishouden, Inkomen, Medebewoner, Persoon, Vermogen
from gbi_domain.engine.snel import snel_init

GEBRUIKT = [Persoon, Medebewoner, Inkomen, Vermogen, Huishouden, Berekening]


def _generated(cls: type) -> type:
    """The same class as dataclasses makes it, without snel_init."""
    velden = [(f.name, f.type, dataclasses.field(default=f.default)) for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__name__, velden, frozen=True, slots=True)


@pytest.mark.parametrize("cls", GEBRUIKT, ids=lambda c: c.__name__)
def test_same_signature_as_the_generated_init(cls: type) -> None:
    assert inspect.signature(cls) == inspect.signature(_generated(cls))
    assert cls.__init__.__qualname__ == f"{cls.__qualname__}.__init__"


@pytest.mark.parametrize("cls", GEBRUIKT, ids=lambda c: c.__name__)
def test_every_field_set_positionally_and_by_keyword(cls: type) -> None:
    velden = dataclasses.fields(cls)
    waarden = [object() for _ in velden]
    positioneel = cls(*waarden)
    trefwoord = cls(**{f.name: w for f, w in zip(velden, waarden, strict=True)})
    for f, w in zip(velden, waarden, strict=True):
        assert getattr(positioneel, f.name) is w
        assert getattr(trefwoord, f.name) is w
    assert positioneel == trefwoord


@pytest.mark.parametrize("cls", GEBRUIKT, ids=lambda c: c.__name__)
def test_defaults_missing_and_unknown_arguments(cls: type) -> None:
    velden = dataclasses.fields(cls)
    verplicht = [f for f in velden if f.default is dataclasses.MISSING]
    waarden = {f.name: object() for f in verplicht}
    x = cls(**waarden)
    for f in velden:
        if f.default is not dataclasses.MISSING:
            assert getattr(x, f.name) is f.default
    with pytest.raises(TypeError):
        cls(**{k: v for k, v in list(waarden.items())[:-1]})
    with pytest.raises(TypeError):
        cls(**waarden, onbekend=1)
    with pytest.raises(TypeError):
        cls(*waarden.values(), **{verplicht[0].name: 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(x, velden[0].name, 1)


def test_equality_hash_repr_and_replace_unchanged() -> None:
    p = Persoon(date(1990, 5, 1), gedetineerd=True)
    g = _generated(Persoon)(date(1990, 5, 1), gedetineerd=True)
    assert repr(p) == repr(g)
    assert p == Persoon(date(1990, 5, 1), False, True)
    assert hash(p) == hash(Persoon(date(1990, 5, 1), gedetineerd=True))
    assert dataclasses.replace(p, gedetineerd=False) == Persoon(date(1990, 5, 1))
    h = Huishouden("0599", date(2026, 1, 1), p)
    assert dataclasses.replace(h, kinderen=(date(2020, 1, 1),)).kinderen == (date(2020, 1, 1),)


def test_refuses_what_it_does_not_support() -> None:
    @dataclass(slots=True)
    class NietFrozen:
        a: int

    @dataclass(frozen=True)
    class ZonderSlots:
        a: int

    @dataclass(frozen=True, slots=True)
    class MetFabriek:
        a: list[int] = dataclasses.field(default_factory=list)

    @dataclass(frozen=True, slots=True)
    class MetPostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    for cls in (NietFrozen, ZonderSlots, MetFabriek, MetPostInit):
        with pytest.raises(TypeError):
            snel_init(cls)

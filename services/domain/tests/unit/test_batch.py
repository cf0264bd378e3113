"""Batch calculation: same results as one by one, errors as values in place, rule cache per peildatum."""

from __future__ import annotations

from datetime import date

from gbi_domain.engine import (
    Berekening,
    Huishouden,
    Persoon,
    Vermogen,
    bereken_algemene_bijstand,
    bereken_batch,
    standaard_regelset,
)
from gbi_domain.errors import InvalidInputError, NotFoundError


def test_batch_gelijk_aan_los_en_fouten_op_hun_plaats() -> None:
    goed = Huishouden("0599", date(2026, 3, 1), Persoon(date(1990, 1, 1)), Vermogen(0, 0))
    te_laat = Huishouden("0599", date(2027, 3, 1), Persoon(date(1990, 1, 1)), Vermogen(0, 0))
    fout = Huishouden("0599", date(2026, 3, 1), Persoon(date(2030, 1, 1)), Vermogen(0, 0))
    uitkomsten = bereken_batch([goed, te_laat, fout, goed])
    assert isinstance(uitkomsten[0], Berekening)
    assert uitkomsten[0] == bereken_algemene_bijstand(goed)
    assert isinstance(uitkomsten[1], NotFoundError)
    assert isinstance(uitkomsten[2], InvalidInputError)
    assert uitkomsten[3] == uitkomsten[0]


def test_peilregels_worden_hergebruikt() -> None:
    rs = standaard_regelset()
    assert rs.peil(date(2026, 3, 1)) is rs.peil(date(2026, 3, 1))


def test_batch_herstelt_de_garbage_collector() -> None:
    import gc

    goed = Huishouden("0599", date(2026, 3, 1), Persoon(date(1990, 1, 1)), Vermogen(0, 0))
    assert gc.isenabled()
    bereken_batch([goed])
    assert gc.isenabled()
    gc.disable()
    try:
        bereken_batch([goed])
        assert not gc.isenabled()
    finally:
        gc.enable()

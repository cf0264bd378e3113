"""Voorschot (advance payment) while the decision on an application is pending (Pw art. 52)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gbi_domain.engine.algemene_bijstand import bereken_algemene_bijstand
from gbi_domain.engine.geld import format_bedrag, format_pct, pct_van_naar_boven
from gbi_domain.engine.model import Berekening, Huishouden, Toelichtingregel
from gbi_domain.engine.regels import Regelset, standaard_regelset

__all__ = ["Voorschot", "bereken_voorschot", "voorschot_uit_berekening"]


@dataclass(frozen=True, slots=True)
class Voorschot:
    """The monthly voorschot (cents) and what it rests on.

    ``percentage`` is in basis points (9500 = 95%); ``grondslag`` is the expected monthly payment of the
    calculation it was derived from (``Berekening.bedrag_per_maand``).
    """

    peildatum: date
    bedrag: int
    percentage: int
    grondslag: int
    berekening: Berekening
    toelichting: tuple[Toelichtingregel, ...]


def voorschot_uit_berekening(berekening: Berekening, regelset: Regelset | None = None) -> Voorschot:
    """Pw art. 52 lid 2: at least the minimum percentage in force on the peildatum (90% in 2025, 95% from
    2026) of the expected monthly payment, rounded UP to whole cents so the result is never below that
    minimum. Without an expected right the voorschot is zero (art. 52 lid 1: clearly no right).

    The basis is the monthly payment (bijstand less the vakantietoeslag reservation): the reservation is paid
    in June, so an advance on the gross bijstand would pay out more per month than the decision will.
    """
    rs = regelset if regelset is not None else standaard_regelset()
    pct = rs.peil(berekening.peildatum).regel("VOORSCHOT_MIN_PCT")
    if not berekening.recht:
        regel = Toelichtingregel(
            "voorschot",
            "Geen voorschot: op grond van de berekening bestaat er geen recht op bijstand",
            "Pw 52 lid 1",
            0,
            pct.id,
            pct.geldig_vanaf,
        )
        return Voorschot(berekening.peildatum, 0, pct.geheel, 0, berekening, (regel,))
    grondslag = berekening.bedrag_per_maand
    bedrag = pct_van_naar_boven(grondslag, pct.geheel)
    regel = Toelichtingregel(
        "voorschot",
        f"Voorschot: {format_pct(pct.geheel)}% van de verwachte betaling per maand {format_bedrag(grondslag)}, "
        "naar boven afgerond op centen (ten minste het wettelijke percentage)",
        pct.artikel,
        bedrag,
        pct.id,
        pct.geldig_vanaf,
    )
    return Voorschot(berekening.peildatum, bedrag, pct.geheel, grondslag, berekening, (regel,))


def bereken_voorschot(huishouden: Huishouden, regelset: Regelset | None = None) -> Voorschot:
    """Calculate the household (see :func:`bereken_algemene_bijstand`) and the voorschot on it (Pw art. 52)."""
    rs = regelset if regelset is not None else standaard_regelset()
    return voorschot_uit_berekening(bereken_algemene_bijstand(huishouden, rs), rs)

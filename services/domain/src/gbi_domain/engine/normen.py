"""Lookup of a statutory norm by category and peildatum (Pw art. 20-23, 22a lid 3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gbi_domain.engine.regels import NORM_CATEGORIEEN, Regelset, standaard_regelset
from gbi_domain.errors import NotFoundError

__all__ = ["NormOpzoeking", "zoek_norm"]


@dataclass(frozen=True, slots=True)
class NormOpzoeking:
    """A norm amount (cents, incl. 5% vakantietoeslag) with its article, period and versions.

    ``versie`` is the parameter version (``KEY@geldigVanaf``), ``regelset_versie`` the version of all rule
    data together.
    """

    categorie: str
    bedrag: int
    artikel: str
    geldig_vanaf: date
    geldig_tot: date | None
    versie: str
    bron: str
    regelset_versie: str


def zoek_norm(categorie: str, peildatum: date, regelset: Regelset | None = None) -> NormOpzoeking:
    """The norm of ``categorie`` in force on ``peildatum``.

    Raises :class:`~gbi_domain.errors.NotFoundError` for an unknown category (``peildatum`` of the error is
    ``None``), for a date outside the periods the system knows, and for a category that does not apply in the
    period of the date (a blank in the official table, such as J_VERHOGING before 2026).
    """
    rs = regelset if regelset is not None else standaard_regelset()
    if categorie not in NORM_CATEGORIEEN:
        raise NotFoundError(
            "normcategorie",
            categorie,
            None,
            f"Onbekende normcategorie {categorie!r}; bekend zijn: {', '.join(sorted(NORM_CATEGORIEEN))}.",
        )
    regel = rs.zoek(categorie, peildatum)
    return NormOpzoeking(
        categorie=categorie,
        bedrag=regel.geheel,
        artikel=regel.artikel,
        geldig_vanaf=regel.geldig_vanaf,
        geldig_tot=regel.geldig_tot,
        versie=regel.id,
        bron=regel.bron,
        regelset_versie=rs.versie,
    )

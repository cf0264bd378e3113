"""Bijzondere bijstand (Pw art. 35): special, necessary costs less the household's draagkracht.

The gemeente's policy is a parameter (:class:`BijzondereBijstandBeleid`), never code: which cost types it
covers, its draagkracht bands as percentages of the norm, the draagkracht period and the drempel. Examples:

* Rotterdam-like: 0% of income up to 110% of the norm, 50% from 110% to 150%, 100% above, over 12 months;
* flat: 35% of all income above 100% of the norm.

Draagkracht = (monthly draagkracht from income x the period in months) + vermogen above the vermogensgrens
(art. 34, which counts in full). Granted = max(0, costs - draagkracht); refused when the cost type is not
covered, when the costs are below the drempel (art. 35 lid 2, a power of the college) or when the draagkracht
covers the costs.
"""

from __future__ import annotations

from dataclasses import dataclass

from gbi_domain.engine.algemene_bijstand import (
    bepaal_leefvorm,
    bepaal_norm,
    leeftijdsklasse,
    uitsluitingen,
    valideer_huishouden,
    vermogensgrens,
)
from gbi_domain.engine.geld import format_bedrag, format_pct, pct_van_afgerond, rond_half_op
from gbi_domain.engine.model import Huishouden, Reden, Toelichtingregel
from gbi_domain.engine.regels import Regelset, standaard_regelset
from gbi_domain.errors import InvalidInputError, UndecidableError

__all__ = [
    "BijzondereBijstandAanvraag",
    "BijzondereBijstandBeleid",
    "BijzondereBijstandBerekening",
    "Draagkrachtschijf",
    "bereken_bijzondere_bijstand",
    "draagkracht_per_maand",
    "valideer_beleid",
]

_HONDERD_PROCENT = 10_000  # basis points
_MAX_PERIODE_MAANDEN = 60


@dataclass(frozen=True, slots=True)
class Draagkrachtschijf:
    """Of the income between ``vanaf_pct_norm`` and ``tot_pct_norm`` (``None``: no upper bound) percent of the
    norm, ``pct_meetellen`` percent counts as draagkracht. All percentages in basis points (11000 = 110%)."""

    vanaf_pct_norm: int
    tot_pct_norm: int | None
    pct_meetellen: int


@dataclass(frozen=True, slots=True)
class BijzondereBijstandBeleid:
    """A gemeente's bijzondere-bijstand policy in force (its id is cited in every explanation).

    ``wettelijke_drempel``: refuse below the statutory drempel in force on the peildatum (art. 35 lid 2);
    otherwise ``drempel`` (cents) when set, else no drempel. ``norm_zonder_kostendelers``: compare income with
    the norm as if there were no kostendelers. ``norm_inclusief_vakantietoeslag``: compare with the norm
    including (default) or excluding the 5% vakantietoeslag.
    """

    beleid_id: str
    draagkrachtschijven: tuple[Draagkrachtschijf, ...]
    draagkrachtperiode_maanden: int
    toegestane_kostensoorten: frozenset[str]
    wettelijke_drempel: bool = True
    drempel: int | None = None
    norm_zonder_kostendelers: bool = False
    norm_inclusief_vakantietoeslag: bool = True


@dataclass(frozen=True, slots=True)
class BijzondereBijstandAanvraag:
    """Costs (cents) of one cost type for a household; ``inkomen_per_maand`` is the net income that the policy
    measures draagkracht on (including any algemene bijstand)."""

    huishouden: Huishouden
    kostensoort: str
    kosten: int
    inkomen_per_maand: int


@dataclass(frozen=True, slots=True)
class BijzondereBijstandBerekening:
    """Outcome: ``bedrag`` granted (cents; zero when refused), the draagkracht parts and the explanation."""

    toegekend: bool
    bedrag: int
    kosten: int
    normcategorie: str
    norm: int
    draagkracht_per_maand: int
    draagkracht_inkomen: int
    draagkracht_vermogen: int
    draagkracht: int
    drempel: int | None
    redenen: tuple[Reden, ...]
    toelichting: tuple[Toelichtingregel, ...]
    beleid_id: str
    regelset_versie: str


def valideer_beleid(beleid: BijzondereBijstandBeleid) -> None:
    """Reject a policy the engine cannot apply unambiguously: bands must be sorted, contiguous, non-overlapping,
    with only the last one open-ended; percentages counted within 0-100%; a period of 1 to 60 months."""
    if not beleid.beleid_id:
        raise InvalidInputError("beleid.beleidId", "ontbreekt")
    if not 1 <= beleid.draagkrachtperiode_maanden <= _MAX_PERIODE_MAANDEN:
        raise InvalidInputError(
            "beleid.draagkrachtperiodeMaanden", f"moet tussen 1 en {_MAX_PERIODE_MAANDEN} maanden liggen"
        )
    if beleid.wettelijke_drempel and beleid.drempel is not None:
        raise InvalidInputError("beleid.drempel", "geef een eigen drempel of de wettelijke drempel, niet beide")
    if beleid.drempel is not None and beleid.drempel < 0:
        raise InvalidInputError("beleid.drempel", "mag niet negatief zijn")
    vorige_tot: int | None = None
    laatste = len(beleid.draagkrachtschijven) - 1
    for i, schijf in enumerate(beleid.draagkrachtschijven):
        pad = f"beleid.draagkrachtschijven[{i}]"
        if schijf.vanaf_pct_norm < 0:
            raise InvalidInputError(f"{pad}.vanafPctNorm", "mag niet negatief zijn")
        if schijf.tot_pct_norm is not None and schijf.tot_pct_norm <= schijf.vanaf_pct_norm:
            raise InvalidInputError(f"{pad}.totPctNorm", "moet groter zijn dan vanafPctNorm")
        if schijf.tot_pct_norm is None and i != laatste:
            raise InvalidInputError(f"{pad}.totPctNorm", "alleen de laatste schijf mag zonder bovengrens zijn")
        if not 0 <= schijf.pct_meetellen <= _HONDERD_PROCENT:
            raise InvalidInputError(f"{pad}.pctMeetellen", "moet tussen 0 en 100 liggen")
        if i > 0 and vorige_tot != schijf.vanaf_pct_norm:
            raise InvalidInputError(
                f"{pad}.vanafPctNorm", "schijven moeten oplopend op elkaar aansluiten, zonder gat of overlap"
            )
        vorige_tot = schijf.tot_pct_norm


def draagkracht_per_maand(
    inkomen: int, norm: int, schijven: tuple[Draagkrachtschijf, ...]
) -> tuple[int, list[tuple[Draagkrachtschijf, int]]]:
    """Monthly draagkracht (cents) from income over the bands, exact, rounded once with ``ROUND_HALF_UP``.

    Returns the total and per band the (rounded, for the explanation only) part it contributes.
    """
    exact = 0  # in cents x basis point x basis point
    delen: list[tuple[Draagkrachtschijf, int]] = []
    inkomen_bp = inkomen * _HONDERD_PROCENT
    for schijf in schijven:
        onder = norm * schijf.vanaf_pct_norm
        boven = inkomen_bp if schijf.tot_pct_norm is None else min(inkomen_bp, norm * schijf.tot_pct_norm)
        deel = max(0, boven - onder) * schijf.pct_meetellen
        exact += deel
        delen.append((schijf, rond_half_op(deel, _HONDERD_PROCENT * _HONDERD_PROCENT)))
    return rond_half_op(exact, _HONDERD_PROCENT * _HONDERD_PROCENT), delen


def bereken_bijzondere_bijstand(
    aanvraag: BijzondereBijstandAanvraag, beleid: BijzondereBijstandBeleid, regelset: Regelset | None = None
) -> BijzondereBijstandBerekening:
    """Bijzondere bijstand for one cost item (Pw art. 35) under the gemeente's ``beleid``.

    Art. 13 lid 1 exclusions (detention, abroad, under 18) bar it; those of lid 2 (student finance, 18-20 in an
    institution) bar only algemene bijstand and do not apply here. Raises like
    :func:`~gbi_domain.engine.algemene_bijstand.bereken_algemene_bijstand`; fields of the household are named
    below ``huishouden.`` (``huishouden.aanvrager.geboortedatum``). The household's vermogen is required.
    """
    try:
        return _bereken(aanvraag, beleid, regelset if regelset is not None else standaard_regelset())
    except UndecidableError as fout:
        if fout.field.startswith(_HUISHOUDEN_VELDEN):
            raise UndecidableError(f"huishouden.{fout.field}", fout.reason) from fout
        raise
    except InvalidInputError as fout:
        if fout.field.startswith(_HUISHOUDEN_VELDEN):
            raise InvalidInputError(f"huishouden.{fout.field}", fout.reason) from fout
        raise


_HUISHOUDEN_VELDEN = ("gemeente", "aanvrager", "partner", "kinderen", "medebewoners", "inkomsten", "vermogen")


def _bereken(
    aanvraag: BijzondereBijstandAanvraag, beleid: BijzondereBijstandBeleid, rs: Regelset
) -> BijzondereBijstandBerekening:
    h = aanvraag.huishouden
    pr = rs.peil(h.peildatum)
    valideer_huishouden(h, pr)
    if h.vermogen is None:
        raise InvalidInputError("vermogen", "verplicht voor bijzondere bijstand (draagkracht uit vermogen, Pw 34-35)")
    valideer_beleid(beleid)
    if aanvraag.kosten <= 0:
        raise InvalidInputError("kosten", "moet groter zijn dan 0.00")
    if aanvraag.inkomen_per_maand < 0:
        raise InvalidInputError("inkomenPerMaand", "mag niet negatief zijn")
    if not aanvraag.kostensoort:
        raise InvalidInputError("kostensoort", "ontbreekt")

    t: list[Toelichtingregel] = []
    leefvorm = bepaal_leefvorm(h)
    klasse_a = leeftijdsklasse(h.aanvrager.geboortedatum, pr)
    klasse_p = leeftijdsklasse(h.partner.geboortedatum, pr) if h.partner is not None else None
    uit_a = uitsluitingen(h.aanvrager, "aanvrager", klasse_a, pr)
    uit_p = uitsluitingen(h.partner, "partner", klasse_p, pr) if h.partner and klasse_p is not None else ()
    if uit_p:
        raise UndecidableError(
            uit_p[0].veld,
            f"{uit_p[0].reden.tekst}: norm en middelen volgens Pw 24 en Pw 32 lid 3 handmatig vaststellen",
        )
    lid1 = [u.reden for u in uit_a if u.lid == 1]
    if lid1:
        for reden in lid1:
            t.append(Toelichtingregel("uitsluiting", reden.tekst, reden.artikel))
        return BijzondereBijstandBerekening(
            toegekend=False,
            bedrag=0,
            kosten=aanvraag.kosten,
            normcategorie="",
            norm=0,
            draagkracht_per_maand=0,
            draagkracht_inkomen=0,
            draagkracht_vermogen=0,
            draagkracht=0,
            drempel=None,
            redenen=tuple(lid1),
            toelichting=tuple(t),
            beleid_id=beleid.beleid_id,
            regelset_versie=rs.versie,
        )

    norm_uitkomst = bepaal_norm(h, pr, klasse_a, klasse_p, negeer_kostendelers=beleid.norm_zonder_kostendelers)
    t.extend(norm_uitkomst.toelichting)
    norm = norm_uitkomst.norm
    if not beleid.norm_inclusief_vakantietoeslag:
        vt = pr.regel("VAKANTIETOESLAG_PCT")
        norm -= pct_van_afgerond(norm, vt.geheel)
        t.append(
            Toelichtingregel(
                "norm",
                f"Beleid: norm exclusief {format_pct(vt.geheel)}% vakantietoeslag",
                f"Pw 35 lid 1; {beleid.beleid_id}",
                norm,
                vt.id,
                vt.geldig_vanaf,
            )
        )

    redenen: list[Reden] = []
    if aanvraag.kostensoort not in beleid.toegestane_kostensoorten:
        redenen.append(
            Reden(
                "kostensoort-niet-toegestaan",
                f"Kostensoort {aanvraag.kostensoort!r} valt niet onder het beleid {beleid.beleid_id}",
                "Pw 35 lid 1",
            )
        )
    drempel: int | None = None
    if beleid.wettelijke_drempel:
        drempel_regel = pr.regel("DREMPEL_BIJZONDERE_BIJSTAND")
        drempel = drempel_regel.geheel
        t.append(
            Toelichtingregel(
                "drempel", "Wettelijke drempel", drempel_regel.artikel, drempel, drempel_regel.id,
                drempel_regel.geldig_vanaf,
            )
        )  # fmt: skip
    elif beleid.drempel is not None:
        drempel = beleid.drempel
        t.append(Toelichtingregel("drempel", f"Drempel volgens beleid {beleid.beleid_id}", "Pw 35 lid 2", drempel))
    if drempel is not None and aanvraag.kosten < drempel:
        redenen.append(
            Reden(
                "onder-drempel",
                f"De kosten ({format_bedrag(aanvraag.kosten)}) liggen onder de drempel ({format_bedrag(drempel)})",
                "Pw 35 lid 2",
            )
        )

    per_maand, delen = draagkracht_per_maand(aanvraag.inkomen_per_maand, norm, beleid.draagkrachtschijven)
    t.append(
        Toelichtingregel(
            "draagkracht", "Inkomen per maand voor de draagkracht", "Pw 35 lid 1", aanvraag.inkomen_per_maand
        )
    )
    for schijf, deel in delen:
        tot = "en hoger" if schijf.tot_pct_norm is None else f"tot {format_pct(schijf.tot_pct_norm)}%"
        t.append(
            Toelichtingregel(
                "draagkracht",
                f"Inkomen van {format_pct(schijf.vanaf_pct_norm)}% {tot} van de norm telt voor "
                f"{format_pct(schijf.pct_meetellen)}% mee",
                f"Pw 35 lid 1; {beleid.beleid_id}",
                deel,
            )
        )
    maanden = beleid.draagkrachtperiode_maanden
    draagkracht_inkomen = per_maand * maanden
    t.append(
        Toelichtingregel(
            "draagkracht",
            f"Draagkracht uit inkomen: {format_bedrag(per_maand)} per maand (eenmaal afgerond op centen, half naar "
            f"boven) x {maanden} maanden",
            f"Pw 35 lid 1; {beleid.beleid_id}",
            draagkracht_inkomen,
        )
    )
    grens = vermogensgrens(leefvorm, pr)
    assert h.vermogen is not None  # checked above
    netto_vermogen = h.vermogen.bezittingen - h.vermogen.schulden
    draagkracht_vermogen = max(0, netto_vermogen - grens.geheel)
    t.append(
        Toelichtingregel(
            "draagkracht",
            f"Draagkracht uit vermogen: vermogen {format_bedrag(netto_vermogen)} boven de vermogensgrens "
            f"{format_bedrag(grens.geheel)}",
            f"Pw 34; Pw 35 lid 1 ({grens.artikel})",
            draagkracht_vermogen,
            grens.id,
            grens.geldig_vanaf,
        )
    )
    draagkracht = draagkracht_inkomen + draagkracht_vermogen
    bedrag = max(0, aanvraag.kosten - draagkracht)
    if not redenen and bedrag == 0:
        redenen.append(
            Reden(
                "draagkracht-toereikend",
                f"De draagkracht ({format_bedrag(draagkracht)}) is ten minste gelijk aan de kosten "
                f"({format_bedrag(aanvraag.kosten)})",
                "Pw 35 lid 1",
            )
        )
    toegekend = not redenen
    if not toegekend:
        bedrag = 0
        for reden in redenen:
            t.append(Toelichtingregel("besluit", reden.tekst, reden.artikel))
    else:
        t.append(Toelichtingregel("besluit", "Toegekend: kosten min draagkracht", "Pw 35 lid 1", bedrag))
    return BijzondereBijstandBerekening(
        toegekend=toegekend,
        bedrag=bedrag,
        kosten=aanvraag.kosten,
        normcategorie=norm_uitkomst.normcategorie,
        norm=norm,
        draagkracht_per_maand=per_maand,
        draagkracht_inkomen=draagkracht_inkomen,
        draagkracht_vermogen=draagkracht_vermogen,
        draagkracht=draagkracht,
        drempel=drempel,
        redenen=tuple(redenen),
        toelichting=tuple(t),
        beleid_id=beleid.beleid_id,
        regelset_versie=rs.versie,
    )

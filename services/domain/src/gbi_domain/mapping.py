"""The edge between the HTTP contracts (``gbi_shared.contracts.berekening``) and the engine.

Contracts carry amounts as ``"1234.56"`` strings and camelCase names; the engine works in integer cents with
frozen dataclasses. These functions convert both ways and are what the HTTP layer (``service.py``) calls::

    bereken(verzoek: BerekeningVerzoek) -> BerekeningAntwoord                     Pw 11-34
    bereken_voorschot_antwoord(verzoek: BerekeningVerzoek) -> VoorschotAntwoord   Pw 52
    bereken_bijzondere_bijstand_antwoord(verzoek) -> BijzondereBijstandAntwoord   Pw 35
    zoek_norm_antwoord(categorie: str, peildatum: date) -> NormAntwoord           Pw 20-23

They raise the domain errors of :mod:`gbi_domain.errors` unchanged.
"""

from __future__ import annotations

from datetime import date

from gbi_domain.engine import (
    Berekening,
    BijzondereBijstandAanvraag,
    BijzondereBijstandBeleid,
    BijzondereBijstandBerekening,
    Draagkrachtschijf,
    Huishouden,
    Inkomen,
    InkomstenSoort,
    Medebewoner,
    Persoon,
    Reden,
    Regelset,
    Relatie,
    Rol,
    Toelichtingregel,
    Vermogen,
    Voorschot,
    bereken_algemene_bijstand,
    bereken_bijzondere_bijstand,
    voorschot_uit_berekening,
    zoek_norm,
)
from gbi_domain.engine.geld import format_bedrag, format_pct, parse_bedrag, parse_pct
from gbi_shared.contracts.berekening import (
    BerekeningAntwoord,
    BerekeningVerzoek,
    BijzondereBijstandAntwoord,
    BijzondereBijstandBeleidInvoer,
    BijzondereBijstandVerzoek,
    NormAntwoord,
    PersoonInvoer,
    RedenUitvoer,
    ToelichtingregelUitvoer,
    VoorschotAntwoord,
)

__all__ = [
    "bereken",
    "bereken_bijzondere_bijstand_antwoord",
    "bereken_voorschot_antwoord",
    "naar_beleid",
    "naar_berekening_antwoord",
    "naar_huishouden",
    "zoek_norm_antwoord",
]


def _persoon(p: PersoonInvoer) -> Persoon:
    return Persoon(
        geboortedatum=p.geboortedatum,
        in_inrichting=p.in_inrichting,
        gedetineerd=p.gedetineerd,
        verblijf_buitenland_dagen=p.verblijf_buitenland_dagen,
        studiefinanciering=p.studiefinanciering,
        medisch_urenbeperkt=p.medisch_urenbeperkt,
    )


def naar_huishouden(verzoek: BerekeningVerzoek) -> Huishouden:
    """Contract -> engine input (amounts to cents, codes to enums)."""
    return Huishouden(
        gemeente=verzoek.gemeente,
        peildatum=verzoek.peildatum,
        aanvrager=_persoon(verzoek.aanvrager),
        partner=_persoon(verzoek.partner) if verzoek.partner is not None else None,
        kinderen=tuple(k.geboortedatum for k in verzoek.kinderen),
        medebewoners=tuple(
            Medebewoner(
                geboortedatum=m.geboortedatum,
                relatie=Relatie(m.relatie),
                commerciele_huurovereenkomst=m.commerciele_huurovereenkomst,
                studiefinanciering=m.studiefinanciering,
            )
            for m in verzoek.medebewoners
        ),
        inkomsten=tuple(
            Inkomen(
                persoon=Rol(i.persoon),
                soort=InkomstenSoort(i.soort),
                netto_per_maand=parse_bedrag(i.netto_per_maand),
                vrijlating_startdatum=i.vrijlating_startdatum,
            )
            for i in verzoek.inkomsten
        ),
        vermogen=None
        if verzoek.vermogen is None
        else Vermogen(
            bezittingen=parse_bedrag(verzoek.vermogen.bezittingen),
            schulden=parse_bedrag(verzoek.vermogen.schulden),
            overwaarde_eigen_woning=parse_bedrag(verzoek.vermogen.overwaarde_eigen_woning),
        ),
    )


def _redenen(redenen: tuple[Reden, ...]) -> list[RedenUitvoer]:
    return [RedenUitvoer(code=r.code, tekst=r.tekst, artikel=r.artikel) for r in redenen]


def _toelichting(regels: tuple[Toelichtingregel, ...]) -> list[ToelichtingregelUitvoer]:
    return [
        ToelichtingregelUitvoer(
            stap=r.stap,
            regel=r.tekst,
            artikel=r.artikel,
            bedrag=None if r.bedrag is None else format_bedrag(r.bedrag),
            parameterversie=r.parameter,
            geldig_vanaf=r.geldig_vanaf,
        )
        for r in regels
    ]


def naar_berekening_antwoord(b: Berekening) -> BerekeningAntwoord:
    """Engine result -> contract (cents to ``"1234.56"``)."""
    return BerekeningAntwoord(
        gemeente=b.gemeente,
        peildatum=b.peildatum,
        recht=b.recht,
        redenen=_redenen(b.redenen),
        signaleringen=_redenen(b.signaleringen),
        leefvorm=b.leefvorm.value,
        normcategorie=b.normcategorie,
        aantal_kostendelers=b.aantal_kostendelers,
        norm=format_bedrag(b.norm),
        vakantietoeslag_reservering=format_bedrag(b.vakantietoeslag_reservering),
        in_te_korten_inkomen=format_bedrag(b.in_te_korten_inkomen),
        bijstand_inclusief_vakantietoeslag=format_bedrag(b.bijstand),
        bedrag_per_maand=format_bedrag(b.bedrag_per_maand),
        geldlening=b.geldlening,
        toelichting=_toelichting(b.toelichting),
        regelset_versie=b.regelset_versie,
    )


def bereken(verzoek: BerekeningVerzoek, regelset: Regelset | None = None) -> BerekeningAntwoord:
    """Algemene bijstand for the household of ``verzoek`` (see :func:`bereken_algemene_bijstand`)."""
    return naar_berekening_antwoord(bereken_algemene_bijstand(naar_huishouden(verzoek), regelset))


def _voorschot_antwoord(v: Voorschot) -> VoorschotAntwoord:
    return VoorschotAntwoord(
        peildatum=v.peildatum,
        bedrag=format_bedrag(v.bedrag),
        percentage=format_pct(v.percentage),
        grondslag=format_bedrag(v.grondslag),
        berekening=naar_berekening_antwoord(v.berekening),
        toelichting=_toelichting(v.toelichting),
    )


def bereken_voorschot_antwoord(verzoek: BerekeningVerzoek, regelset: Regelset | None = None) -> VoorschotAntwoord:
    """The voorschot (Pw 52) on the expected algemene bijstand of the household of ``verzoek``."""
    berekening = bereken_algemene_bijstand(naar_huishouden(verzoek), regelset)
    return _voorschot_antwoord(voorschot_uit_berekening(berekening, regelset))


def naar_beleid(beleid: BijzondereBijstandBeleidInvoer) -> BijzondereBijstandBeleid:
    """Contract policy -> engine policy (percentages to basis points, amounts to cents)."""
    return BijzondereBijstandBeleid(
        beleid_id=beleid.beleid_id,
        draagkrachtschijven=tuple(
            Draagkrachtschijf(
                vanaf_pct_norm=parse_pct(s.vanaf_pct_norm),
                tot_pct_norm=None if s.tot_pct_norm is None else parse_pct(s.tot_pct_norm),
                pct_meetellen=parse_pct(s.pct_meetellen),
            )
            for s in beleid.draagkrachtschijven
        ),
        draagkrachtperiode_maanden=beleid.draagkrachtperiode_maanden,
        toegestane_kostensoorten=frozenset(beleid.toegestane_kostensoorten),
        wettelijke_drempel=beleid.wettelijke_drempel,
        drempel=None if beleid.drempel is None else parse_bedrag(beleid.drempel),
        norm_zonder_kostendelers=beleid.norm_zonder_kostendelers,
        norm_inclusief_vakantietoeslag=beleid.norm_inclusief_vakantietoeslag,
    )


def _bijzondere_bijstand_antwoord(b: BijzondereBijstandBerekening) -> BijzondereBijstandAntwoord:
    return BijzondereBijstandAntwoord(
        toegekend=b.toegekend,
        bedrag=format_bedrag(b.bedrag),
        kosten=format_bedrag(b.kosten),
        normcategorie=b.normcategorie,
        norm=format_bedrag(b.norm),
        draagkracht_per_maand=format_bedrag(b.draagkracht_per_maand),
        draagkracht_inkomen=format_bedrag(b.draagkracht_inkomen),
        draagkracht_vermogen=format_bedrag(b.draagkracht_vermogen),
        draagkracht=format_bedrag(b.draagkracht),
        drempel=None if b.drempel is None else format_bedrag(b.drempel),
        redenen=_redenen(b.redenen),
        toelichting=_toelichting(b.toelichting),
        beleid_id=b.beleid_id,
        regelset_versie=b.regelset_versie,
    )


def bereken_bijzondere_bijstand_antwoord(
    verzoek: BijzondereBijstandVerzoek, regelset: Regelset | None = None
) -> BijzondereBijstandAntwoord:
    """Bijzondere bijstand (Pw 35) for one cost item under the policy in ``verzoek``."""
    aanvraag = BijzondereBijstandAanvraag(
        huishouden=naar_huishouden(verzoek.huishouden),
        kostensoort=verzoek.kostensoort,
        kosten=parse_bedrag(verzoek.kosten),
        inkomen_per_maand=parse_bedrag(verzoek.inkomen_per_maand),
    )
    return _bijzondere_bijstand_antwoord(bereken_bijzondere_bijstand(aanvraag, naar_beleid(verzoek.beleid), regelset))


def zoek_norm_antwoord(categorie: str, peildatum: date, regelset: Regelset | None = None) -> NormAntwoord:
    """One statutory norm by category and peildatum (NotFoundError when unknown there)."""
    n = zoek_norm(categorie, peildatum, regelset)
    return NormAntwoord(
        categorie=n.categorie,
        bedrag=format_bedrag(n.bedrag),
        artikel=n.artikel,
        geldig_vanaf=n.geldig_vanaf,
        geldig_tot=n.geldig_tot,
        versie=n.versie,
        bron=n.bron,
        regelset_versie=n.regelset_versie,
    )

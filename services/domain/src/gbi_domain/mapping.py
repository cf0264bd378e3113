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

import json
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
    "berekening_json",
    "naar_beleid",
    "naar_berekening_antwoord",
    "naar_huishouden",
    "zoek_norm_antwoord",
]


_RELATIES: dict[str, Relatie] = {r.value: r for r in Relatie}
_ROLLEN: dict[str, Rol] = {r.value: r for r in Rol}
_SOORTEN: dict[str, InkomstenSoort] = {s.value: s for s in InkomstenSoort}


_CENTEN: dict[str, int] = {}


def _centen(bedrag: str) -> int:
    """A contract ``Bedrag`` in cents, remembered (amounts such as ``"0.00"`` repeat across a batch). The contract
    has validated the form (digits, a point, two decimals); anything else goes through the strict parser."""
    centen = _CENTEN.get(bedrag)
    if centen is None:
        if bedrag[-3:-2] == "." and bedrag.isascii() and bedrag[:-3].isdigit() and bedrag[-2:].isdigit():
            centen = int(bedrag[:-3]) * 100 + int(bedrag[-2:])
        else:
            centen = parse_bedrag(bedrag)
        if len(_CENTEN) >= 100_000:
            _CENTEN.clear()
        _CENTEN[bedrag] = centen
    return centen


def _persoon(p: PersoonInvoer) -> Persoon:
    return Persoon(
        p.geboortedatum,
        p.in_inrichting,
        p.gedetineerd,
        p.verblijf_buitenland_dagen,
        p.studiefinanciering,
        p.medisch_urenbeperkt,
        p.onttrekt_zich_aan_straf,
    )


def naar_huishouden(verzoek: BerekeningVerzoek) -> Huishouden:
    """Contract -> engine input (amounts to cents, codes to enums)."""
    vermogen = verzoek.vermogen
    partner = verzoek.partner
    return Huishouden(  # positional, in the order of the fields: gemeente, peildatum, aanvrager, vermogen, ...
        verzoek.gemeente,
        verzoek.peildatum,
        _persoon(verzoek.aanvrager),
        None
        if vermogen is None
        else Vermogen(
            _centen(vermogen.bezittingen), _centen(vermogen.schulden), _centen(vermogen.overwaarde_eigen_woning)
        ),
        None if partner is None else _persoon(partner),
        tuple([k.geboortedatum for k in verzoek.kinderen]) if verzoek.kinderen else (),
        tuple(
            [
                Medebewoner(
                    m.geboortedatum,
                    _RELATIES[m.relatie],
                    m.commerciele_huurovereenkomst,
                    m.studiefinanciering,
                    m.bbl_leerling,
                )
                for m in verzoek.medebewoners
            ]
        )
        if verzoek.medebewoners
        else (),
        tuple(
            [
                Inkomen(_ROLLEN[i.persoon], _SOORTEN[i.soort], _centen(i.netto_per_maand), i.vrijlating_startdatum)
                for i in verzoek.inkomsten
            ]
        )
        if verzoek.inkomsten
        else (),
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


# The batch endpoint answers thousands of households per call: a pydantic model per explanation line, validated
# again by FastAPI, cost more than the calculation itself. ``berekening_json`` writes the JSON text of
# ``BerekeningAntwoord`` straight from the engine's values: every string that is not a fixed code or an amount
# goes through ``json.dumps``, and explanation lines (immutable, and shared by many households: the same norm line
# on the same peildatum) are written once and reused. tests/unit/test_batch_json.py proves the text equal to
# ``naar_berekening_antwoord(b).model_dump(mode="json", by_alias=True)`` over generated households.

_TEKST_MAX = 100_000
_REGELS_JSON: dict[Toelichtingregel, str] = {}
_TEKSTEN_JSON: dict[str, str] = {}


def _js(tekst: str) -> str:
    """A JSON string literal, remembered (gemeente codes, categories, reasons repeat across households)."""
    gevonden = _TEKSTEN_JSON.get(tekst)
    if gevonden is None:
        gevonden = json.dumps(tekst, ensure_ascii=False)
        if len(_TEKSTEN_JSON) >= _TEKST_MAX:
            _TEKSTEN_JSON.clear()
        _TEKSTEN_JSON[tekst] = gevonden
    return gevonden


_REGEL_DELEN: dict[tuple[str, str, str, str | None, date | None], tuple[str, str]] = {}


def _regel_json(r: Toelichtingregel) -> str:
    """One explanation line as JSON, remembered whole. A new line with an amount (the household's income, bijstand,
    reservation) is written from the remembered text before and after its amount, not dumped again."""
    gevonden = _REGELS_JSON.get(r)
    if gevonden is not None:
        return gevonden
    if r.bedrag is None:
        gevonden = _REGEL_JSON_DUMP(r)
    else:
        sleutel = (r.stap, r.tekst, r.artikel, r.parameter, r.geldig_vanaf)
        delen = _REGEL_DELEN.get(sleutel)
        if delen is None:
            kop, _, staart = _REGEL_JSON_DUMP(r._replace(bedrag=0)).partition('"bedrag":"0.00"')
            delen = (kop + '"bedrag":"', '"' + staart)
            if len(_REGEL_DELEN) >= _TEKST_MAX:
                _REGEL_DELEN.clear()
            _REGEL_DELEN[sleutel] = delen
        gevonden = delen[0] + format_bedrag(r.bedrag) + delen[1]
    if len(_REGELS_JSON) >= _TEKST_MAX:
        _REGELS_JSON.clear()
    _REGELS_JSON[r] = gevonden
    return gevonden


def _REGEL_JSON_DUMP(r: Toelichtingregel) -> str:  # noqa: N802 - the reference writer of one line
    return json.dumps(
        {
            "stap": r.stap,
            "regel": r.tekst,
            "artikel": r.artikel,
            "bedrag": None if r.bedrag is None else format_bedrag(r.bedrag),
            "parameterversie": r.parameter,
            "geldigVanaf": None if r.geldig_vanaf is None else r.geldig_vanaf.isoformat(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _redenen_json(redenen: tuple[Reden, ...]) -> str:
    if not redenen:
        return "[]"
    return (
        "["
        + ",".join([f'{{"code":{_js(r.code)},"tekst":{_js(r.tekst)},"artikel":{_js(r.artikel)}}}' for r in redenen])
        + "]"
    )


def berekening_json(b: Berekening) -> str:
    """Engine result -> the JSON text of ``BerekeningAntwoord`` (camelCase, amounts as ``"1234.56"``)."""
    norm, reservering, inkomen, bijstand, per_maand = (
        b.norm,
        b.vakantietoeslag_reservering,
        b.in_te_korten_inkomen,
        b.bijstand,
        b.bedrag_per_maand,
    )
    if norm < 0 or reservering < 0 or inkomen < 0 or bijstand < 0 or per_maand < 0:
        bedragen = (
            f'"norm":"{format_bedrag(norm)}",'
            f'"vakantietoeslagReservering":"{format_bedrag(reservering)}",'
            f'"inTeKortenInkomen":"{format_bedrag(inkomen)}",'
            f'"bijstandInclusiefVakantietoeslag":"{format_bedrag(bijstand)}",'
            f'"bedragPerMaand":"{format_bedrag(per_maand)}",'
        )
    else:  # format_bedrag written out for amounts of zero or more (the engine's): one call instead of five
        bedragen = (
            f'"norm":"{norm // 100}.{norm % 100:02d}",'
            f'"vakantietoeslagReservering":"{reservering // 100}.{reservering % 100:02d}",'
            f'"inTeKortenInkomen":"{inkomen // 100}.{inkomen % 100:02d}",'
            f'"bijstandInclusiefVakantietoeslag":"{bijstand // 100}.{bijstand % 100:02d}",'
            f'"bedragPerMaand":"{per_maand // 100}.{per_maand % 100:02d}",'
        )
    regel = _REGELS_JSON.get
    return (
        f'{{"gemeente":{_js(b.gemeente)},"peildatum":"{b.peildatum.isoformat()}",'
        f'"recht":{"true" if b.recht else "false"},'
        f'"redenen":{_redenen_json(b.redenen)},"signaleringen":{_redenen_json(b.signaleringen)},'
        f'"leefvorm":"{b.leefvorm.value}",'
        f'"normcategorie":{"null" if b.normcategorie is None else _js(b.normcategorie)},'
        f'"aantalKostendelers":{"null" if b.aantal_kostendelers is None else int(b.aantal_kostendelers)},'
        f"{bedragen}"
        f'"geldlening":{"true" if b.geldlening else "false"},'
        f'"toelichting":[{",".join([regel(r) or _regel_json(r) for r in b.toelichting])}],'
        f'"regelsetVersie":{_js(b.regelset_versie)}}}'
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

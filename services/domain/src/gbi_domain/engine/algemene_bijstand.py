"""Household calculation of algemene bijstand (Participatiewet), as pure functions over integer cents.

Steps, each explained in the result's ``toelichting`` with its article and the rule version used:

1. leefvorm (art. 3, 4): gehuwden when there is a partner, alleenstaande ouder with a child under 18, else
   alleenstaande;
2. exclusions (art. 13): detained or evading a sentence, abroad more than 4 weeks in the calendar year (13 from
   the AOW age), under 18 (lid 1); under 27 able to get student finance, 18-20 in an institution (lid 2);
3. the norm by leefvorm and ages on the peildatum (art. 20, 21, 22, 23), lowered by the kostendelersnorm
   (art. 19a, 22a) when kostendelers share the home;
4. counted income (art. 31, 32): net, without kinderbijslag and Awir toeslagen, less the vrijlatingen n, r
   (not under 27, art. 31 lid 5) and y;
5. vermogen (art. 34): possessions minus debts against the limit of the leefvorm; equity in the own home up
   to the exempt amount is not counted, above it bijstand is a loan (art. 50);
6. right (art. 11) only when counted income is strictly below the norm and vermogen within the limit;
   bijstand = norm - income, the 5% vakantietoeslag (art. 19 lid 3) reserved from it with ROUND_HALF_UP.

Cases the law leaves to a judgement are refused with :class:`~gbi_domain.errors.UndecidableError` rather than
guessed: a spouse without a right of their own (art. 24 and 32 lid 3), one spouse alone in an institution,
a claimant of 27 or older with student finance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import cast

from gbi_domain.engine.datums import plus_maanden
from gbi_domain.engine.gc_pauze import gc_gepauzeerd
from gbi_domain.engine.geld import format_bedrag, format_pct, pct_van_afgerond, rond_half_op
from gbi_domain.engine.model import (
    Berekening,
    Huishouden,
    InkomstenSoort,
    Leefvorm,
    Medebewoner,
    Persoon,
    Reden,
    Relatie,
    Rol,
    Toelichtingregel,
)
from gbi_domain.engine.regels import Eenheid, Peilregels, Regel, Regelset, standaard_regelset
from gbi_domain.errors import DomainError, InvalidInputError, UndecidableError

__all__ = [
    "Klasse",
    "NormUitkomst",
    "Uitsluiting",
    "bepaal_leefvorm",
    "bepaal_norm",
    "bereken_algemene_bijstand",
    "bereken_batch",
    "kostendelersnorm_per_persoon",
    "leeftijdsklasse",
    "uitsluitingen",
    "valideer_huishouden",
    "vermogensgrens",
]

_VERWANTEN = frozenset({Relatie.OUDER, Relatie.KIND, Relatie.BROER_ZUS})
_NIET_MEETELLEND = frozenset({InkomstenSoort.KINDERBIJSLAG, InkomstenSoort.TOESLAG})
_MAX_DAGEN_PER_JAAR = 366


class Klasse(IntEnum):
    """Age class of a person on the peildatum."""

    MINDERJARIG = 0  # under 18
    JONG = 1  # 18, 19 or 20 (art. 20)
    VOLWASSEN = 2  # 21 up to the AOW age (art. 21)
    AOW = 3  # reached the pensioengerechtigde leeftijd (art. 22)


def leeftijdsklasse(geboortedatum: date, pr: Peilregels) -> Klasse:
    """Age class on the peildatum: under 18 (art. 13), 18-20 (art. 20), 21 to the AOW age (art. 21), AOW (art. 22)."""
    if geboortedatum > pr.grens_meerderjarig:
        return Klasse.MINDERJARIG
    if geboortedatum > pr.grens_volwassen:
        return Klasse.JONG
    if geboortedatum > pr.grens_aow_minimum:
        return Klasse.VOLWASSEN  # younger than any AOW age the system knows (the AOW age never decreases)
    if pr.aow_bereikt(geboortedatum):
        return Klasse.AOW
    return Klasse.VOLWASSEN


def _regel(stap: str, tekst: str, regel: Regel, bedrag: int | None = None) -> Toelichtingregel:
    return Toelichtingregel(
        stap,
        tekst,
        regel.artikel,
        regel.geheel if bedrag is None and regel.eenheid is Eenheid.EUR else bedrag,
        regel.id,
        regel.geldig_vanaf,
    )


def kostendelersnorm_per_persoon(a: int, b: int) -> int:
    """Pw art. 22a lid 1: ``(40 + 30 x A) / (100 x A) x B``, rounded to cents with ``ROUND_HALF_UP``.

    ``a`` is the number of kostendelers including the claimant (and the spouse of 21 or older), ``b`` the
    gehuwdennorm in cents. Exact integer arithmetic: ``B=186921, A=3`` gives ``80999`` (809.99).
    """
    if a < 1:
        raise ValueError("A is ten minste 1")
    return rond_half_op(b * (40 + 30 * a), 100 * a)


# ---------------------------------------------------------------------------------------------------- validation


def _valideer_persoon(persoon: Persoon, pad: str, peildatum: date) -> None:
    if persoon.geboortedatum > peildatum:
        raise InvalidInputError(f"{pad}.geboortedatum", "ligt na de peildatum")
    if not 0 <= persoon.verblijf_buitenland_dagen <= _MAX_DAGEN_PER_JAAR:
        raise InvalidInputError(
            f"{pad}.verblijfBuitenlandDagen", f"moet tussen 0 en {_MAX_DAGEN_PER_JAAR} dagen liggen"
        )


def valideer_huishouden(h: Huishouden, pr: Peilregels) -> dict[Rol, date | None]:
    """Check what the engine cannot decide on; returns the vrijlating start date per person."""
    if not h.gemeente:
        raise InvalidInputError("gemeente", "ontbreekt")
    _valideer_persoon(h.aanvrager, "aanvrager", h.peildatum)
    if h.partner is not None:
        _valideer_persoon(h.partner, "partner", h.peildatum)
    for i, kind in enumerate(h.kinderen):
        if kind > h.peildatum:
            raise InvalidInputError(f"kinderen[{i}].geboortedatum", "ligt na de peildatum")
        if kind <= pr.grens_meerderjarig:
            raise InvalidInputError(
                f"kinderen[{i}].geboortedatum",
                "kind is op de peildatum 18 jaar of ouder en dus geen ten laste komend kind (Pw 4 lid 1); "
                "neem het op als medebewoner",
            )
    for i, mb in enumerate(h.medebewoners):
        if mb.geboortedatum > h.peildatum:
            raise InvalidInputError(f"medebewoners[{i}].geboortedatum", "ligt na de peildatum")
        if mb.relatie is Relatie.KIND and mb.geboortedatum > pr.grens_meerderjarig:
            raise InvalidInputError(
                f"medebewoners[{i}].relatie", "kind jonger dan 18 jaar hoort bij kinderen, niet bij medebewoners"
            )
    start: dict[Rol, date | None] = {}
    for i, ink in enumerate(h.inkomsten):
        if (
            ink.netto_per_maand >= 0
            and ink.vrijlating_startdatum is None
            and (ink.persoon is Rol.AANVRAGER or h.partner is not None)
        ):
            continue  # the common case: nothing to check
        if ink.persoon is Rol.PARTNER and h.partner is None:
            raise InvalidInputError(f"inkomsten[{i}].persoon", "inkomen van een partner, maar er is geen partner")
        if ink.netto_per_maand < 0:
            raise InvalidInputError(f"inkomsten[{i}].nettoPerMaand", "mag niet negatief zijn")
        if ink.vrijlating_startdatum is not None:
            if ink.soort is not InkomstenSoort.ARBEID:
                raise InvalidInputError(
                    f"inkomsten[{i}].vrijlatingStartdatum", "alleen bij inkomsten uit arbeid (Pw 31 lid 2 n, r)"
                )
            eerder = start.get(ink.persoon)
            if eerder is not None and eerder != ink.vrijlating_startdatum:
                raise InvalidInputError(
                    f"inkomsten[{i}].vrijlatingStartdatum",
                    "verschilt van een ander arbeidsinkomen van dezelfde persoon; de vrijlatingsperiode geldt per "
                    "persoon",
                )
            start[ink.persoon] = ink.vrijlating_startdatum
    v = h.vermogen
    if v is not None and (v.bezittingen < 0 or v.schulden < 0 or v.overwaarde_eigen_woning < 0):
        for naam, waarde in (
            ("bezittingen", v.bezittingen),
            ("schulden", v.schulden),
            ("overwaardeEigenWoning", v.overwaarde_eigen_woning),
        ):
            if waarde < 0:
                raise InvalidInputError(f"vermogen.{naam}", "mag niet negatief zijn")
    return start


# ---------------------------------------------------------------------------------------------------- leefvorm


def bepaal_leefvorm(h: Huishouden) -> Leefvorm:
    """Pw art. 3 and 4: gehuwden (including unmarried cohabitants) when there is a partner; alleenstaande ouder
    with one or more ten laste komende kinderen (under 18, validated); else alleenstaande."""
    if h.partner is not None:
        return Leefvorm.GEHUWDEN
    return Leefvorm.ALLEENSTAANDE_OUDER if h.kinderen else Leefvorm.ALLEENSTAANDE


_LEEFVORM_REGELS: dict[tuple[Leefvorm, int], Toelichtingregel] = {}


def _leefvorm_regel(leefvorm: Leefvorm, kinderen: int) -> Toelichtingregel:
    regel = _LEEFVORM_REGELS.get((leefvorm, kinderen))
    if regel is None:
        wie = "met partner" if leefvorm is Leefvorm.GEHUWDEN else "zonder partner"
        regel = Toelichtingregel(
            "leefvorm", f"Leefvorm: {leefvorm} ({wie}, {kinderen} ten laste komende kinderen)", "Pw 3; Pw 4"
        )
        if kinderen < 20:
            _LEEFVORM_REGELS[(leefvorm, kinderen)] = regel
    return regel


# ---------------------------------------------------------------------------------------------------- art. 13


@dataclass(frozen=True, slots=True)
class Uitsluiting:
    """An art. 13 exclusion of one person: the reason, the input field it rests on, and the lid."""

    reden: Reden
    veld: str
    lid: int  # 1: no bijstand at all; 2: no algemene bijstand (bijzondere bijstand remains possible)


_GEEN_UITSLUITINGEN: tuple[Uitsluiting, ...] = ()


def uitsluitingen(persoon: Persoon, pad: str, klasse: Klasse, pr: Peilregels) -> tuple[Uitsluiting, ...]:
    if not (
        persoon.gedetineerd
        or persoon.onttrekt_zich_aan_straf
        or persoon.verblijf_buitenland_dagen
        or persoon.studiefinanciering
        or persoon.in_inrichting
        or klasse is Klasse.MINDERJARIG
    ):
        return _GEEN_UITSLUITINGEN  # the common case: nothing that could exclude
    wie = "de aanvrager" if pad == "aanvrager" else "de partner"
    uit: list[Uitsluiting] = []
    if klasse is Klasse.MINDERJARIG:
        regel = pr.regel("LEEFTIJD_MEERDERJARIG")
        uit.append(
            Uitsluiting(
                Reden("geen-recht-minderjarig", f"{wie} is jonger dan {regel.geheel} jaar", regel.artikel),
                f"{pad}.geboortedatum",
                1,
            )
        )
        return tuple(uit)  # no further age-based rule applies to a minor
    if persoon.gedetineerd:
        uit.append(
            Uitsluiting(
                Reden("geen-recht-detentie", f"{wie} is rechtens zijn vrijheid ontnomen", "Pw 13 lid 1"),
                f"{pad}.gedetineerd",
                1,
            )
        )
    if persoon.onttrekt_zich_aan_straf:
        uit.append(
            Uitsluiting(
                Reden(
                    "geen-recht-onttrekking-straf",
                    f"{wie} onttrekt zich aan de tenuitvoerlegging van een vrijheidsstraf of vrijheidsbenemende "
                    "maatregel",
                    "Pw 13 lid 1",
                ),
                f"{pad}.onttrektZichAanStraf",
                1,
            )
        )
    weken_regel = pr.regel("BUITENLAND_MAX_WEKEN_AOW" if klasse is Klasse.AOW else "BUITENLAND_MAX_WEKEN")
    if persoon.verblijf_buitenland_dagen > 7 * weken_regel.geheel:
        uit.append(
            Uitsluiting(
                Reden(
                    "geen-recht-buitenland",
                    f"{wie} verblijft {persoon.verblijf_buitenland_dagen} dagen in dit kalenderjaar buiten "
                    f"Nederland, langer dan {weken_regel.geheel} weken ({weken_regel.id})",
                    weken_regel.artikel,
                ),
                f"{pad}.verblijfBuitenlandDagen",
                1,
            )
        )
    if persoon.studiefinanciering:
        if persoon.geboortedatum > pr.grens_studiefinanciering:
            regel = pr.regel("STUDIEFINANCIERING_UITSLUITING_TOT_LEEFTIJD")
            uit.append(
                Uitsluiting(
                    Reden(
                        "geen-algemene-bijstand-studiefinanciering",
                        f"{wie} is jonger dan {regel.geheel} jaar en kan studiefinanciering of WTOS krijgen",
                        regel.artikel,
                    ),
                    f"{pad}.studiefinanciering",
                    2,
                )
            )
        else:
            raise UndecidableError(
                f"{pad}.studiefinanciering",
                "27 jaar of ouder met studiefinanciering: beoordeel het recht (Pw 13 lid 2, Pw 14) handmatig",
            )
    if persoon.in_inrichting and klasse is Klasse.JONG:
        uit.append(
            Uitsluiting(
                Reden(
                    "geen-algemene-bijstand-inrichting",
                    f"{wie} is 18, 19 of 20 jaar en verblijft in een inrichting",
                    "Pw 13 lid 2",
                ),
                f"{pad}.inInrichting",
                2,
            )
        )
    return tuple(uit)


# ---------------------------------------------------------------------------------------------------- norm


@dataclass(frozen=True, slots=True)
class NormUitkomst:
    """The norm of a household (cents, incl. vakantietoeslag) and how it was found."""

    normcategorie: str
    norm: int
    aantal_kostendelers: int | None
    toelichting: tuple[Toelichtingregel, ...]
    signaleringen: tuple[Reden, ...]


_OMSCHRIJVING = {
    "J": "alleenstaande van 18, 19 of 20 jaar",
    "JK": "alleenstaande ouder van 18, 19 of 20 jaar",
    "JJ": "gehuwden, beiden 18, 19 of 20 jaar, zonder kinderen",
    "JJK": "gehuwden, beiden 18, 19 of 20 jaar, met kinderen",
    "MJ": "gehuwden, een 18, 19 of 20 jaar en een 21 jaar of ouder, zonder kinderen, zonder kostendelers",
    "MJK": "gehuwden, een 18, 19 of 20 jaar en een 21 jaar of ouder, met kinderen, zonder kostendelers",
    "M": "alleenstaande (ouder) van 21 jaar tot de pensioengerechtigde leeftijd, zonder kostendelers",
    "MM": "gehuwden, beiden 21 jaar tot de pensioengerechtigde leeftijd, zonder kostendelers",
    "O": "alleenstaande (ouder) die de pensioengerechtigde leeftijd heeft bereikt, zonder kostendelers",
    "OO": "gehuwden, beiden de pensioengerechtigde leeftijd bereikt, zonder kostendelers",
    "MO": "gehuwden, een de pensioengerechtigde leeftijd bereikt en een 21 jaar of ouder, zonder kostendelers",
    "I": "alleenstaande (ouder) in een inrichting",
    "II": "gehuwden, beiden in een inrichting",
}


def _is_kostendeler(mb: Medebewoner, pr: Peilregels) -> str | None:
    """``None`` when ``mb`` is a kostendeler (art. 19a), else why not."""
    if mb.geboortedatum > pr.grens_kostendeler:
        return f"jonger dan {pr.regel('KOSTENDELER_MIN_LEEFTIJD').geheel} jaar"
    if mb.studiefinanciering:
        return "ontvangt studiefinanciering of WTOS"
    if mb.bbl_leerling:
        return "volgt de beroepsbegeleidende leerweg (BBL)"
    if mb.commerciele_huurovereenkomst and mb.relatie not in _VERWANTEN:
        return "huurt of woont in tegen een commerciele prijs op een schriftelijke overeenkomst"
    return None


def _tel_kostendelers(h: Huishouden, pr: Peilregels, toelichting: list[Toelichtingregel]) -> int:
    if not h.medebewoners:
        return 0
    regel = pr.regel("KOSTENDELER_MIN_LEEFTIJD")
    aantal = 0
    for i, mb in enumerate(h.medebewoners):
        waarom_niet = _is_kostendeler(mb, pr)
        if waarom_niet is None:
            aantal += 1
            tekst = f"medebewoner {i + 1} ({mb.relatie}) is kostendeler"
            if mb.commerciele_huurovereenkomst:
                tekst += " (commerciele overeenkomst, maar bloedverwant in de eerste of tweede graad)"
        else:
            tekst = f"medebewoner {i + 1} ({mb.relatie}) is geen kostendeler: {waarom_niet}"
        toelichting.append(Toelichtingregel("kostendeler", tekst, "Pw 19a lid 1", None, regel.id, regel.geldig_vanaf))
    return aantal


def _plain_norm(key: str, pr: Peilregels, toelichting: list[Toelichtingregel]) -> int:
    memo_key = ("norm", key)
    regel_t = pr.memo.get(memo_key)
    if not isinstance(regel_t, Toelichtingregel):
        regel = pr.regel(key)
        regel_t = pr.memo[memo_key] = _regel("norm", f"Norm {key}: {_OMSCHRIJVING[key]}", regel)
    toelichting.append(regel_t)
    assert regel_t.bedrag is not None
    return regel_t.bedrag


def _kd_aandeel(a: int, b_regel: Regel, wie: str, toelichting: list[Toelichtingregel]) -> int:
    aandeel = kostendelersnorm_per_persoon(a, b_regel.geheel)
    toelichting.append(
        Toelichtingregel(
            "kostendelersnorm",
            f"Kostendelersnorm {wie}: (40 + 30 x {a}) / (100 x {a}) x B, B = {format_bedrag(b_regel.geheel)} "
            f"(gehuwdennorm {b_regel.key}), afgerond op centen (half naar boven)",
            "Pw 22a lid 1",
            aandeel,
            b_regel.id,
            b_regel.geldig_vanaf,
        )
    )
    return aandeel


def bepaal_norm(
    h: Huishouden,
    pr: Peilregels,
    klasse_aanvrager: Klasse,
    klasse_partner: Klasse | None,
    *,
    negeer_kostendelers: bool = False,
) -> NormUitkomst:
    """The norm of the household on the peildatum (Pw art. 19a, 20, 21, 22, 22a, 23).

    Expects persons of 18 or older without an art. 13 exclusion that bars algemene bijstand for one spouse only.
    ``negeer_kostendelers`` gives the norm without kostendelers (a policy choice for bijzondere bijstand).
    """
    t: list[Toelichtingregel] = []
    s: list[Reden] = []
    categorie, norm, a = _norm(h, pr, klasse_aanvrager, klasse_partner, t, s, negeer_kostendelers)
    return NormUitkomst(categorie, norm, a, tuple(t), tuple(s))


def _norm(
    h: Huishouden,
    pr: Peilregels,
    klasse_aanvrager: Klasse,
    klasse_partner: Klasse | None,
    t: list[Toelichtingregel],
    s: list[Reden],
    negeer_kostendelers: bool,
) -> tuple[str, int, int | None]:
    """:func:`bepaal_norm` appending to the caller's explanation and signals: (categorie, norm, A)."""
    partner = h.partner
    kinderen = bool(h.kinderen)
    aanvrager = h.aanvrager

    # art. 23: institution
    if aanvrager.in_inrichting or (partner is not None and partner.in_inrichting):
        if partner is None:
            norm = _plain_norm("I", pr, t)
            verhoging = pr.in_kracht.get("I_VERHOGING")
            categorie = "I"
        elif aanvrager.in_inrichting and partner.in_inrichting:
            norm = _plain_norm("II", pr, t)
            verhoging = pr.in_kracht.get("II_VERHOGING")
            categorie = "II"
        else:
            veld = "aanvrager.inInrichting" if aanvrager.in_inrichting else "partner.inInrichting"
            raise UndecidableError(
                veld,
                "een echtgenoot verblijft in een inrichting en de ander niet: beoordeel duurzaam gescheiden leven "
                "(Pw 3) en de norm (Pw 23) handmatig",
            )
        if h.medebewoners:
            t.append(
                Toelichtingregel(
                    "kostendeler", "Verblijf in een inrichting: de kostendelersnorm is niet van toepassing", "Pw 23"
                )
            )
        if verhoging is not None:
            s.append(
                Reden(
                    "verhoging-inrichtingsnorm-mogelijk",
                    f"De norm kan onder de voorwaarden van de wet worden verhoogd met "
                    f"{format_bedrag(verhoging.geheel)} ({verhoging.id})",
                    verhoging.artikel,
                )
            )
        return (categorie, norm, None)

    k = 0 if negeer_kostendelers else _tel_kostendelers(h, pr, t)
    if negeer_kostendelers and h.medebewoners:
        t.append(
            Toelichtingregel(
                "kostendeler", "Medebewoners buiten beschouwing gelaten (beleid: norm zonder kostendelers)", ""
            )
        )
    aow_in_huishouden = klasse_aanvrager is Klasse.AOW or klasse_partner is Klasse.AOW

    if partner is None:
        if klasse_aanvrager is Klasse.JONG:
            key = "JK" if kinderen else "J"
            norm = _plain_norm(key, pr, t)
            if k:
                t.append(
                    Toelichtingregel(
                        "kostendeler",
                        "Aanvrager is jonger dan 21 jaar: de kostendelersnorm is niet van toepassing",
                        "Pw 22a lid 1",
                    )
                )
            verhoging = pr.in_kracht.get("J_VERHOGING")
            if verhoging is not None:
                s.append(
                    Reden(
                        "verhoging-jongerennorm-mogelijk",
                        "Als de ouders niet in het levensonderhoud kunnen voorzien kan de jongerennorm worden "
                        f"verhoogd tot {format_bedrag(verhoging.geheel)} ({verhoging.id})",
                        verhoging.artikel,
                    )
                )
            return (key, norm, None)
        key = "O" if klasse_aanvrager is Klasse.AOW else "M"
        if k == 0:
            return (key, _plain_norm(key, pr, t), None)
        a = 1 + k
        b = pr.regel("OO" if aow_in_huishouden else "MM")
        norm = _kd_aandeel(a, b, "aanvrager", t)
        return ("KD", norm, a)

    assert klasse_partner is not None
    jong = (klasse_aanvrager is Klasse.JONG) + (klasse_partner is Klasse.JONG)
    if jong == 2:
        key = "JJK" if kinderen else "JJ"
        norm = _plain_norm(key, pr, t)
        if k:
            t.append(
                Toelichtingregel(
                    "kostendeler",
                    "Beide echtgenoten zijn jonger dan 21 jaar: de kostendelersnorm is niet van toepassing",
                    "Pw 22a lid 1",
                )
            )
        return (key, norm, None)
    if jong == 1:
        if k == 0:
            key = "MJK" if kinderen else "MJ"
            return (key, _plain_norm(key, pr, t), None)
        a = 1 + k  # the spouse under 21 does not count (art. 22a lid 1)
        b = pr.regel("OO" if aow_in_huishouden else "MM")
        oudere = _kd_aandeel(a, b, "echtgenoot van 21 jaar of ouder", t)
        jong_key = "KD_JONG_MET_KIND" if kinderen else "KD_JONG_ZONDER_KIND"
        jong_regel = pr.regel(jong_key)
        t.append(
            _regel(
                "kostendelersnorm",
                f"Deel norm jongere echtgenoot (18, 19 of 20 jaar) bij kostendelers ({jong_key})",
                jong_regel,
            )
        )
        norm = oudere + jong_regel.geheel
        t.append(Toelichtingregel("norm", "Norm gehuwden: som van beide delen", "Pw 22a", norm))
        return ("KD", norm, a)
    if k == 0:
        if klasse_aanvrager is Klasse.AOW and klasse_partner is Klasse.AOW:
            key = "OO"
        elif aow_in_huishouden:
            key = "MO"
        else:
            key = "MM"
        return (key, _plain_norm(key, pr, t), None)
    a = 2 + k
    b = pr.regel("OO" if aow_in_huishouden else "MM")
    aandeel = _kd_aandeel(a, b, "per echtgenoot", t)
    norm = 2 * aandeel
    t.append(Toelichtingregel("norm", "Norm gehuwden: som van het deel van elke echtgenoot", "Pw 22a", norm))
    return ("KD", norm, a)


# ---------------------------------------------------------------------------------------------------- income

_INKOMEN_TEKSTEN: dict[tuple[InkomstenSoort, Rol], str] = {
    (soort, rol): (
        f"{soort} ({rol}) telt niet mee als inkomen"
        if soort in _NIET_MEETELLEND
        else f"netto inkomen uit {soort} ({rol})"
    )
    for soort in InkomstenSoort
    for rol in Rol
}


def _vrijlating(
    stap: str, omschrijving: str, arbeid: int, pct_key: str, max_key: str, pr: Peilregels, t: list[Toelichtingregel]
) -> int:
    memo_key = ("vrijlating", pct_key, max_key)
    gevonden = cast("tuple[Regel, Regel, str] | None", pr.memo.get(memo_key))
    if gevonden is None:
        pct_regel, max_regel = pr.regel(pct_key), pr.regel(max_key)
        gevonden = (
            pct_regel,
            max_regel,
            f": {format_pct(pct_regel.geheel)}% van het netto arbeidsinkomen ({pct_regel.id}, afgerond op centen "
            f"half naar boven), ten hoogste {format_bedrag(max_regel.geheel)} per maand",
        )
        pr.memo[memo_key] = gevonden
    pct, maximum, uitleg = gevonden
    bedrag = min(pct_van_afgerond(arbeid, pct.geheel), maximum.geheel)
    t.append(Toelichtingregel(stap, omschrijving + uitleg, maximum.artikel, bedrag, maximum.id, maximum.geldig_vanaf))
    return bedrag


def _tel_inkomen(
    h: Huishouden,
    pr: Peilregels,
    leefvorm: Leefvorm,
    start: dict[Rol, date | None],
    t: list[Toelichtingregel],
) -> int:
    """Counted income per month (cents) after the vrijlatingen of Pw art. 31 lid 2 n, r and y."""
    totaal = 0
    arbeid_aanvrager = arbeid_partner = 0
    for ink in h.inkomsten:
        if ink.soort in _NIET_MEETELLEND:
            t.append(
                Toelichtingregel(
                    "inkomen", _INKOMEN_TEKSTEN[ink.soort, ink.persoon], "Pw 31 lid 2", ink.netto_per_maand
                )
            )
            continue
        totaal += ink.netto_per_maand
        if ink.soort is InkomstenSoort.ARBEID:
            if ink.persoon is Rol.AANVRAGER:
                arbeid_aanvrager += ink.netto_per_maand
            else:
                arbeid_partner += ink.netto_per_maand
        t.append(
            Toelichtingregel(
                "inkomen", _INKOMEN_TEKSTEN[ink.soort, ink.persoon], "Pw 31 lid 1; Pw 32", ink.netto_per_maand
            )
        )
    if arbeid_aanvrager:
        totaal -= _vrijlatingen(h, h.aanvrager, Rol.AANVRAGER, arbeid_aanvrager, pr, leefvorm, start, t)
    if arbeid_partner and h.partner is not None:
        totaal -= _vrijlatingen(h, h.partner, Rol.PARTNER, arbeid_partner, pr, leefvorm, start, t)
    return totaal


def _vrijlatingen(
    h: Huishouden,
    persoon: Persoon,
    rol: Rol,
    arbeid: int,
    pr: Peilregels,
    leefvorm: Leefvorm,
    start: dict[Rol, date | None],
    t: list[Toelichtingregel],
) -> int:
    """Pw art. 31 lid 2 n (25%, 6 months), r (12.5%, single parent with a child under 12, 30 months after n) and
    y (15%, medically limited; only when neither n nor r applies); n and r not under 27 (art. 31 lid 5)."""
    peildatum = pr.peildatum
    begin = start.get(rol)
    if begin is not None and persoon.geboortedatum > pr.grens_vrijlating:
        min_leeftijd = pr.regel("VRIJLATING_MIN_LEEFTIJD")
        t.append(
            Toelichtingregel(
                "vrijlating",
                f"{rol} is jonger dan {min_leeftijd.geheel} jaar: geen vrijlating n of r",
                min_leeftijd.artikel,
                None,
                min_leeftijd.id,
                min_leeftijd.geldig_vanaf,
            )
        )
    elif begin is not None and begin <= peildatum:
        n_duur = pr.regel("VRIJLATING_N_DUUR").geheel
        n_einde = plus_maanden(begin, n_duur)
        if peildatum < n_einde:
            return _vrijlating(
                "vrijlating-n",
                f"Vrijlating inkomsten uit arbeid {rol} (maand {_maandnummer(begin, peildatum)} van {n_duur})",
                arbeid,
                "VRIJLATING_N_PCT",
                "VRIJLATING_N_MAX_PER_MAAND",
                pr,
                t,
            )
        if rol is Rol.AANVRAGER and leefvorm is Leefvorm.ALLEENSTAANDE_OUDER:
            r_duur = pr.regel("VRIJLATING_R_DUUR").geheel
            if peildatum < plus_maanden(n_einde, r_duur) and any(kind > pr.grens_kind_r for kind in h.kinderen):
                return _vrijlating(
                    "vrijlating-r",
                    f"Vrijlating alleenstaande ouder met kind jonger dan "
                    f"{pr.regel('VRIJLATING_R_KIND_TOT_LEEFTIJD').geheel} jaar (maand "
                    f"{_maandnummer(n_einde, peildatum)} van {r_duur}, na vrijlating n)",
                    arbeid,
                    "VRIJLATING_R_PCT",
                    "VRIJLATING_R_MAX_PER_MAAND",
                    pr,
                    t,
                )
    if persoon.medisch_urenbeperkt:
        return _vrijlating(
            "vrijlating-y",
            f"Vrijlating medisch urenbeperkt {rol}",
            arbeid,
            "VRIJLATING_Y_PCT",
            "VRIJLATING_Y_MAX_PER_MAAND",
            pr,
            t,
        )
    return 0


def _maandnummer(begin: date, peildatum: date) -> int:
    """1-based number of the month of the period that ``peildatum`` falls in."""
    maanden = (peildatum.year - begin.year) * 12 + peildatum.month - begin.month
    if plus_maanden(begin, maanden) > peildatum:
        maanden -= 1
    return maanden + 1


# ---------------------------------------------------------------------------------------------------- vermogen


def vermogensgrens(leefvorm: Leefvorm, pr: Peilregels) -> Regel:
    """Pw art. 34 lid 3: the vermogensgrens of the leefvorm."""
    if leefvorm is Leefvorm.ALLEENSTAANDE:
        return pr.regel("VERMOGENSGRENS_ALLEENSTAANDE")
    if leefvorm is Leefvorm.ALLEENSTAANDE_OUDER:
        return pr.regel("VERMOGENSGRENS_ALLEENSTAANDE_OUDER")
    return pr.regel("VERMOGENSGRENS_GEHUWDEN")


_VERMOGEN_TEKSTEN: dict[tuple[Leefvorm, str], str] = {}


def _vermogen_regel(leefvorm: Leefvorm, grens: Regel, netto_vermogen: int) -> Toelichtingregel:
    tekst = _VERMOGEN_TEKSTEN.get((leefvorm, grens.id))
    if tekst is None:
        tekst = _VERMOGEN_TEKSTEN[(leefvorm, grens.id)] = (
            f"Vermogen (bezittingen min schulden), getoetst aan de vermogensgrens {leefvorm} van "
            f"{format_bedrag(grens.geheel)}"
        )
    return Toelichtingregel("vermogen", tekst, grens.artikel, netto_vermogen, grens.id, grens.geldig_vanaf)


def _toets_vermogen(
    h: Huishouden,
    pr: Peilregels,
    leefvorm: Leefvorm,
    t: list[Toelichtingregel],
    redenen: list[Reden],
    signaleringen: list[Reden],
) -> bool:
    """Pw art. 34 and 50: adds a reason when vermogen exceeds the limit; returns whether bijstand is a loan."""
    v = h.vermogen
    if v is None:
        t.append(Toelichtingregel("vermogen", "Vermogen niet opgegeven: niet getoetst", "Pw 34"))
        signaleringen.append(
            Reden(
                "vermogen-niet-getoetst",
                "Het vermogen is niet opgegeven en niet getoetst; stel het vast voor een besluit",
                "Pw 34",
            )
        )
        return False
    netto_vermogen = v.bezittingen - v.schulden
    grens = vermogensgrens(leefvorm, pr)
    t.append(_vermogen_regel(leefvorm, grens, netto_vermogen))
    if netto_vermogen > grens.geheel:
        redenen.append(
            Reden(
                "geen-recht-vermogen",
                f"Het vermogen ({format_bedrag(netto_vermogen)}) is hoger dan de vermogensgrens "
                f"({format_bedrag(grens.geheel)}, {grens.id})",
                grens.artikel,
            )
        )
    if not v.overwaarde_eigen_woning:
        return False
    woning = pr.regel("EIGEN_WONING_VRIJGELATEN")
    boven = v.overwaarde_eigen_woning - woning.geheel
    t.append(
        _regel(
            "vermogen",
            f"Vermogen in de eigen woning: vrijgelaten tot {format_bedrag(woning.geheel)}",
            woning,
            v.overwaarde_eigen_woning,
        )
    )
    if boven <= 0:
        return False
    signaleringen.append(
        Reden(
            "krediethypotheek",
            f"Vermogen in de eigen woning ligt {format_bedrag(boven)} boven het vrijgelaten bedrag: "
            "bijstand in de vorm van een geldlening (krediethypotheek)",
            "Pw 50 lid 1; Pw 34 lid 2 d",
        )
    )
    return True


# ---------------------------------------------------------------------------------------------------- main


def _zonder_recht(
    h: Huishouden,
    leefvorm: Leefvorm,
    redenen: list[Reden],
    t: list[Toelichtingregel],
    signaleringen: Sequence[Reden],
    versie: str,
) -> Berekening:
    return Berekening(
        gemeente=h.gemeente,
        peildatum=h.peildatum,
        recht=False,
        redenen=tuple(redenen),
        signaleringen=tuple(signaleringen),
        leefvorm=leefvorm,
        normcategorie=None,
        aantal_kostendelers=None,
        norm=0,
        in_te_korten_inkomen=0,
        bijstand=0,
        vakantietoeslag_reservering=0,
        bedrag_per_maand=0,
        geldlening=False,
        toelichting=tuple(t),
        regelset_versie=versie,
    )


_VT_MEMO = ("vakantietoeslag",)


def bereken_algemene_bijstand(huishouden: Huishouden, regelset: Regelset | None = None) -> Berekening:
    """Right to and amount of algemene bijstand per month on ``huishouden.peildatum`` (Pw art. 11-34).

    Deterministic: the same input and rule set give the same result. Raises
    :class:`~gbi_domain.errors.NotFoundError` when the peildatum or a needed rule is not known,
    :class:`~gbi_domain.errors.InvalidInputError` naming the field the engine cannot decide on, and its
    subclass :class:`~gbi_domain.errors.UndecidableError` where the law asks for a caseworker's judgement.
    """
    rs = regelset if regelset is not None else standaard_regelset()
    h = huishouden
    pr = rs.peil(h.peildatum)
    start = valideer_huishouden(h, pr)
    t: list[Toelichtingregel] = []
    signaleringen: list[Reden] = []
    leefvorm = bepaal_leefvorm(h)
    t.append(_leefvorm_regel(leefvorm, len(h.kinderen)))

    klasse_a = leeftijdsklasse(h.aanvrager.geboortedatum, pr)
    klasse_p = leeftijdsklasse(h.partner.geboortedatum, pr) if h.partner is not None else None
    uit_a = uitsluitingen(h.aanvrager, "aanvrager", klasse_a, pr)
    uit_p = (
        uitsluitingen(h.partner, "partner", klasse_p, pr)
        if h.partner is not None and klasse_p is not None
        else _GEEN_UITSLUITINGEN
    )
    if uit_a or uit_p:
        if h.partner is not None and not (uit_a and uit_p):
            eerste = (uit_a or uit_p)[0]
            raise UndecidableError(
                eerste.veld,
                f"{eerste.reden.tekst}; voor de andere echtgenoot gelden de norm van Pw 24 en de middelentoets van "
                "Pw 32 lid 3: handmatig vaststellen",
            )
        uitgesloten = [u.reden for u in uit_a + uit_p]
        for reden in uitgesloten:
            t.append(Toelichtingregel("uitsluiting", reden.tekst, reden.artikel))
        return _zonder_recht(h, leefvorm, uitgesloten, t, signaleringen, rs.versie)

    if klasse_a is Klasse.AOW or klasse_p is Klasse.AOW:
        signaleringen.append(
            Reden(
                "uitvoering-svb",
                "Aanvrager of partner heeft de pensioengerechtigde leeftijd bereikt: de Sociale verzekeringsbank "
                "voert de bijstand (AIO) uit",
                "Pw 47",
            )
        )

    normcategorie, norm, aantal_kostendelers = _norm(h, pr, klasse_a, klasse_p, t, signaleringen, False)

    inkomen = max(0, _tel_inkomen(h, pr, leefvorm, start, t))
    t.append(Toelichtingregel("inkomen", "In aanmerking te nemen inkomen per maand", "Pw 31; Pw 32", inkomen))

    redenen: list[Reden] = []
    geldlening = _toets_vermogen(h, pr, leefvorm, t, redenen, signaleringen)

    if inkomen >= norm:
        redenen.append(
            Reden(
                "geen-recht-inkomen",
                f"Het inkomen ({format_bedrag(inkomen)}) is gelijk aan of hoger dan de norm ({format_bedrag(norm)})",
                "Pw 11 lid 1; Pw 19 lid 1",
            )
        )

    recht = not redenen
    bijstand = norm - inkomen if recht else 0
    vt_gevonden = pr.memo.get(_VT_MEMO)
    if vt_gevonden is None:
        vt_regel = pr.regel("VAKANTIETOESLAG_PCT")
        vt_gevonden = pr.memo[_VT_MEMO] = (
            vt_regel,
            f"Reservering vakantietoeslag: {format_pct(vt_regel.geheel)}% van de bijstand, afgerond op centen "
            "(half naar boven); uitbetaald in juni of bij beeindiging",
        )
    vt, vt_tekst = cast("tuple[Regel, str]", vt_gevonden)
    reservering = pct_van_afgerond(bijstand, vt.geheel)
    if recht:
        t.append(Toelichtingregel("bijstand", "Bijstand: norm min inkomen", "Pw 19 lid 1; Pw 11", bijstand))
        t.append(_regel("vakantietoeslag", vt_tekst, vt, reservering))
        t.append(
            Toelichtingregel("uitbetaling", "Uit te betalen per maand", "Pw 19 lid 3; Pw 45", bijstand - reservering)
        )
    else:
        for reden in redenen:
            t.append(Toelichtingregel("recht", reden.tekst, reden.artikel))
    return Berekening(  # positional, in the order of the fields: gemeente, peildatum, recht, ...
        h.gemeente,
        h.peildatum,
        recht,
        tuple(redenen),
        tuple(signaleringen),
        leefvorm,
        normcategorie,
        aantal_kostendelers,
        norm,
        inkomen,
        bijstand,
        reservering,
        bijstand - reservering,
        geldlening,
        tuple(t),
        rs.versie,
    )


def bereken_batch(
    huishoudens: Iterable[Huishouden], regelset: Regelset | None = None
) -> list[Berekening | DomainError]:
    """Calculate many households in process; a household the engine cannot decide on yields its error as a
    value in its place instead of stopping the batch. Rule lookups are cached per peildatum.

    The cyclic garbage collector is paused for the duration of the batch (:mod:`gbi_domain.engine.gc_pauze`): the
    engine builds no reference cycles, and the collector would otherwise rescan the growing list of results again
    and again (about a third of the time of a 20,000-household batch).
    """
    rs = regelset if regelset is not None else standaard_regelset()
    uitkomsten: list[Berekening | DomainError] = []
    with gc_gepauzeerd():
        for h in huishoudens:
            try:
                uitkomsten.append(bereken_algemene_bijstand(h, rs))
            except DomainError as fout:
                # without its traceback: that would hold this frame, and so this list, in a reference cycle
                uitkomsten.append(fout.with_traceback(None))
    return uitkomsten

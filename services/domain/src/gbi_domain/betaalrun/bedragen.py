"""What an uitkering pays in one calendar month (Pw 45), from the household calculation of that month.

For month M (peildatum: the first day of M, so the norms of 1 January and 1 July apply from their month on):

1. the household calculation (Pw 11-34): ``bijstand`` = norm - counted income, and its 5% vakantietoeslag
   ``reservering`` (Pw 19 lid 3); ``bijstand - reservering`` is the monthly amount. In the first month of an
   uitkering that starts after the 1st, bijstand is paid for the days from the start (pro rata per calendar day);
2. ``verlaging``: a maatregel in force in M lowers the monthly amount by its percentage (Pw 18 lid 2, per the
   gemeente's afstemmingsverordening), rounded half up to cents;
3. ``vakantietoeslag``: in the gemeente's payout month (local policy ``vakantiegeld``), the reservations of the
   twelve months before M are paid out;
4. ``voorschot``: voorschotten already paid (Pw 52) and not yet settled are deducted, up to what is payable;
5. ``bedrag`` = bijstand - reservering - verlaging + vakantietoeslag - voorschot (never negative).

``huishouden_uit_json`` reads a household in the shape of a ``BerekeningVerzoek`` (camelCase, amounts as "12.34")
without pydantic: the payment run reads hundreds of thousands of them. Anything it does not recognise exactly is
handed to the pydantic contract, which gives the same errors as the single calculation.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from gbi_domain.engine import (
    Huishouden,
    Inkomen,
    InkomstenSoort,
    Medebewoner,
    Persoon,
    Regelset,
    Relatie,
    Rol,
    Vermogen,
    bereken_algemene_bijstand,
    standaard_regelset,
)
from gbi_domain.engine.geld import parse_bedrag, pct_van_afgerond, rond_half_op
from gbi_domain.mapping import naar_huishouden
from gbi_shared.contracts.berekening import BerekeningVerzoek

__all__ = ["Maandbetaling", "Maandfeiten", "bereken_maand", "huishouden_uit_json"]

_PERSOON_VELDEN = frozenset(
    {
        "geboortedatum",
        "inInrichting",
        "gedetineerd",
        "verblijfBuitenlandDagen",
        "studiefinanciering",
        "medischUrenbeperkt",
        "onttrektZichAanStraf",
    }
)
_MEDEBEWONER_VELDEN = frozenset(
    {"geboortedatum", "relatie", "commercieleHuurovereenkomst", "studiefinanciering", "bblLeerling"}
)
_INKOMEN_VELDEN = frozenset({"persoon", "soort", "nettoPerMaand", "vrijlatingStartdatum"})
_VERMOGEN_VELDEN = frozenset({"bezittingen", "schulden", "overwaardeEigenWoning"})
_HUISHOUDEN_VELDEN = frozenset({"aanvrager", "partner", "kinderen", "medebewoners", "inkomsten", "vermogen"})
_MAX_PERSONEN = 20


class _Anders(Exception):
    """The fast reader met something it does not check itself: let the contract decide."""


def _bool(d: dict[str, Any], key: str) -> bool:
    v = d.get(key, False)
    if type(v) is not bool:
        raise _Anders
    return v


def _datum(v: Any) -> date:
    if type(v) is not str or len(v) != 10:
        raise _Anders
    return date.fromisoformat(v)


#: Persons that are only a date of birth (most claimants and partners), by that date as text: ``Persoon`` is
#: immutable, so one object serves every household with the same date. Bounded: at most ~40,000 dates exist.
_ALLEEN_GEBOORTEDATUM: dict[str, Persoon] = {}
_MAX_GEHEUGEN = 50_000


def _persoon(d: Any) -> Persoon:
    if type(d) is not dict:
        raise _Anders
    if len(d) == 1:
        tekst = d.get("geboortedatum")
        if type(tekst) is str:
            persoon = _ALLEEN_GEBOORTEDATUM.get(tekst)
            if persoon is None:
                persoon = Persoon(geboortedatum=_datum(tekst))
                if len(_ALLEEN_GEBOORTEDATUM) < _MAX_GEHEUGEN:
                    _ALLEEN_GEBOORTEDATUM[tekst] = persoon
            return persoon
    if not d.keys() <= _PERSOON_VELDEN:
        raise _Anders
    dagen = d.get("verblijfBuitenlandDagen", 0)
    if type(dagen) is not int or not 0 <= dagen <= 366:
        raise _Anders
    return Persoon(
        geboortedatum=_datum(d.get("geboortedatum")),
        in_inrichting=_bool(d, "inInrichting"),
        gedetineerd=_bool(d, "gedetineerd"),
        verblijf_buitenland_dagen=dagen,
        studiefinanciering=_bool(d, "studiefinanciering"),
        medisch_urenbeperkt=_bool(d, "medischUrenbeperkt"),
        onttrekt_zich_aan_straf=_bool(d, "onttrektZichAanStraf"),
    )


def _lijst(d: dict[str, Any], key: str) -> list[Any]:
    v = d.get(key, [])
    if type(v) is not list or len(v) > _MAX_PERSONEN:
        raise _Anders
    return v


def _snel(gemeente: str, peildatum: date, h: Any) -> Huishouden:
    if type(h) is not dict or not h.keys() <= _HUISHOUDEN_VELDEN:
        raise _Anders
    kinderen = []
    for k in _lijst(h, "kinderen"):
        if type(k) is not dict or k.keys() != {"geboortedatum"}:
            raise _Anders
        kinderen.append(_datum(k["geboortedatum"]))
    medebewoners = []
    for m in _lijst(h, "medebewoners"):
        if type(m) is not dict or not m.keys() <= _MEDEBEWONER_VELDEN:
            raise _Anders
        medebewoners.append(
            Medebewoner(
                geboortedatum=_datum(m.get("geboortedatum")),
                relatie=Relatie(m["relatie"]),
                commerciele_huurovereenkomst=_bool(m, "commercieleHuurovereenkomst"),
                studiefinanciering=_bool(m, "studiefinanciering"),
                bbl_leerling=_bool(m, "bblLeerling"),
            )
        )
    inkomsten = []
    for i in _lijst(h, "inkomsten"):
        if type(i) is not dict or not i.keys() <= _INKOMEN_VELDEN or type(i.get("nettoPerMaand")) is not str:
            raise _Anders
        start = i.get("vrijlatingStartdatum")
        inkomsten.append(
            Inkomen(
                persoon=Rol(i["persoon"]),
                soort=InkomstenSoort(i["soort"]),
                netto_per_maand=parse_bedrag(i["nettoPerMaand"]),
                vrijlating_startdatum=None if start is None else _datum(start),
            )
        )
    v = h.get("vermogen")
    vermogen = None
    if v is not None:
        if type(v) is not dict or not v.keys() <= _VERMOGEN_VELDEN:
            raise _Anders
        vermogen = Vermogen(
            bezittingen=parse_bedrag(v["bezittingen"]),
            schulden=parse_bedrag(v["schulden"]),
            overwaarde_eigen_woning=parse_bedrag(v.get("overwaardeEigenWoning", "0.00")),
        )
    partner = h.get("partner")
    return Huishouden(
        gemeente=gemeente,
        peildatum=peildatum,
        aanvrager=_persoon(h.get("aanvrager")),
        partner=None if partner is None else _persoon(partner),
        kinderen=tuple(kinderen),
        medebewoners=tuple(medebewoners),
        inkomsten=tuple(inkomsten),
        vermogen=vermogen,
    )


def huishouden_uit_json(gemeente: str, peildatum: date, huishouden: Any) -> Huishouden:
    """The engine's household from its JSON form. Raises pydantic's ``ValidationError`` for invalid input."""
    try:
        return _snel(gemeente, peildatum, huishouden)
    except (_Anders, ValueError, KeyError, TypeError):
        data = dict(huishouden) if isinstance(huishouden, dict) else {"aanvrager": huishouden}
        verzoek = BerekeningVerzoek.model_validate({**data, "gemeente": gemeente, "peildatum": peildatum.isoformat()})
        return naar_huishouden(verzoek)


@dataclass(frozen=True, slots=True)
class Maandfeiten:
    """What besides the household decides the month's payment."""

    maand: date  # first day of the month
    startdatum: date
    voorschot_open: int = 0
    verlaging_bp: int = 0
    vakantietoeslag_opgebouwd: int = 0
    uitbetalingsmaand: bool = False


@dataclass(frozen=True, slots=True)
class Maandbetaling:
    normcategorie: str | None
    norm: int
    inkomen: int
    bijstand: int
    reservering: int
    verlaging: int
    vakantietoeslag: int
    voorschot: int
    bedrag: int
    regelset_versie: str


def bereken_maand(huishouden: Huishouden, feiten: Maandfeiten, regelset: Regelset | None = None) -> Maandbetaling:
    """The payment of one month (see the module docstring). ``huishouden.peildatum`` must be ``feiten.maand``."""
    rs = regelset if regelset is not None else standaard_regelset()
    b = bereken_algemene_bijstand(huishouden, rs)
    bijstand = b.bijstand
    reservering = b.vakantietoeslag_reservering
    maand = feiten.maand
    if b.recht and feiten.startdatum > maand:
        dagen = calendar.monthrange(maand.year, maand.month)[1]
        if feiten.startdatum.year == maand.year and feiten.startdatum.month == maand.month:
            bijstand = rond_half_op(bijstand * (dagen - feiten.startdatum.day + 1), dagen)
            reservering = pct_van_afgerond(bijstand, rs.peil(maand).regel("VAKANTIETOESLAG_PCT").geheel)
        else:  # starts after this month: nothing yet
            bijstand = reservering = 0
    maandbedrag = bijstand - reservering
    verlaging = pct_van_afgerond(maandbedrag, feiten.verlaging_bp) if feiten.verlaging_bp else 0
    vakantietoeslag = feiten.vakantietoeslag_opgebouwd if feiten.uitbetalingsmaand else 0
    te_betalen = maandbedrag - verlaging + vakantietoeslag
    voorschot = min(feiten.voorschot_open, max(0, te_betalen))
    return Maandbetaling(
        normcategorie=b.normcategorie,
        norm=b.norm,
        inkomen=b.in_te_korten_inkomen,
        bijstand=bijstand,
        reservering=reservering,
        verlaging=verlaging,
        vakantietoeslag=vakantietoeslag,
        voorschot=voorschot,
        bedrag=te_betalen - voorschot,
        regelset_versie=rs.versie,
    )

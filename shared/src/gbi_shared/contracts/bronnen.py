"""Contracts of the integration layer's source queries (``/internal/integration/v1/bronnen/...``).

What the outside world knows about a person, as the process layer gets it: income and benefits (UWV polis data via
Suwinet), vehicles (RDW), registered property (Kadaster BRK, with WOZ value and registered mortgages), student finance
(DUO), detention (DJI) and Inlichtingenbureau signals. Conventions, as in every ``gbi_shared.contracts`` module:

* JSON field names are camelCase; every amount is a string with exactly two decimals (``"1401.50"``), never a number.
* A period is ``{vanaf, tot}``: ``vanaf`` inclusive, ``tot`` **exclusive** (the day after the last day), ``tot`` null
  is open-ended. The sources' inclusive end dates (Suwinet ``DatE...``) are converted.
* Every answer carries its provenance (``bron``: which source, fetched when). A source that cannot answer makes the
  query fail with 503 (single source) or ``status: niet-beschikbaar`` (dossier): never a partial answer presented as
  complete. An answer the source gave for less than the period asked says so (``volledig: false``).
* ``zaakId`` (optional) names the case the query is made for; it is written to the processing log together with
  the actor, gemeente and purpose of the verified context and the (pseudonymised) person.

Queries and answers::

    InkomstenVerzoek        -> Inkomsten              UWV polis: inkomstenverhoudingen with monthly opgaven
    PeildatumVerzoek        -> Voertuigen             RDW: vehicles registered to the person on the peildatum
    PeildatumVerzoek        -> Eigendommen            Kadaster: rights on real estate, WOZ value, mortgages
    PeriodeVerzoek          -> Studiefinanciering     DUO: WSF 2000 / WTOS grants, student debt
    PeriodeVerzoek          -> Detenties              DJI: detention periods
    PeriodeVerzoek          -> IbSignalen             Inlichtingenbureau: signals about one person
    DossierVerzoek          -> Dossier                several of the above, fetched concurrently
    (query parameters)      -> IbSignalenPagina       Inlichtingenbureau: a gemeente's signal feed (since-cursor)

Mapping to the domain calculation (``gbi_shared.contracts.berekening``): ``inkomen_invoer`` (-> ``InkomenInvoer``),
``vermogen_invoer`` (-> ``VermogenInvoer``), ``gedetineerd_op`` and ``studiefinanciering_op`` (-> ``PersoonInvoer``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self, get_args

from pydantic import Field, StringConstraints, model_validator

from gbi_shared.contracts.berekening import (
    Bedrag,
    BedragMetTeken,
    InkomenInvoer,
    InkomstenSoortCode,
    RolCode,
    VermogenInvoer,
)
from gbi_shared.contracts.common import Bsn, CamelModel, GemeenteCode, euro_to_cents
from gbi_shared.contracts.huishouden import Bronvermelding

__all__ = [
    "BRONNEN",
    "IB_SIGNAAL_SOORTEN",
    "INKOMSTENVERHOUDING_SOORTEN",
    "BronCode",
    "BronHerkomst",
    "BronStatus",
    "BronVerzoek",
    "Detentie",
    "Detenties",
    "Dossier",
    "DossierVerzoek",
    "Eigendom",
    "Eigendommen",
    "Hypotheek",
    "IbSignaal",
    "IbSignaalSoort",
    "IbSignalen",
    "IbSignalenPagina",
    "Inhoudingsplichtige",
    "Inkomsten",
    "InkomstenVerzoek",
    "Inkomstenopgave",
    "Inkomstenverhouding",
    "InkomstenverhoudingSoort",
    "PeildatumVerzoek",
    "Periode",
    "PeriodeVerzoek",
    "Studiefinanciering",
    "Toekenning",
    "Voertuig",
    "Voertuigen",
    "ZaakId",
    "bedrag",
    "centen",
    "gedetineerd_op",
    "inkomen_invoer",
    "standaardperiode",
    "studiefinanciering_op",
    "vermogen_invoer",
]

MAX_PERIODE_DAGEN = 5 * 366
MAX_PAGINA = 200

BronCode = Literal["inkomsten", "voertuigen", "eigendommen", "studiefinanciering", "detenties", "ib-signalen"]
BRONNEN: tuple[BronCode, ...] = (
    "inkomsten",
    "voertuigen",
    "eigendommen",
    "studiefinanciering",
    "detenties",
    "ib-signalen",
)
BronStatus = Literal["ok", "niet-beschikbaar"]

#: A case reference: a ZGW zaak identificatie or uuid (letters, digits, ``.``, ``_``, ``-``).
ZaakId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
    Field(
        description="De zaak waarvoor de bron wordt geraadpleegd (identificatie of uuid)", examples=["ZAAK-2026-0042"]
    ),
]

#: Kind of income relation. Loon, the uitkeringen by the law that pays them, pensioen. The Belastingdienst's
#: "code soort inkomstenverhouding" (CdSrtIkv) travels along in ``codeSoortInkomstenverhouding``.
InkomstenverhoudingSoort = Literal[
    "loon",
    "ww",
    "zw",
    "wia-wga",
    "wia-iva",
    "wao",
    "waz",
    "wajong",
    "ioaw",
    "ioaz",
    "tw",
    "anw",
    "aow",
    "pensioen",
    "bijstand",
    "overig",
]
INKOMSTENVERHOUDING_SOORTEN: tuple[str, ...] = get_args(InkomstenverhoudingSoort)

IbSignaalSoort = Literal["inkomen", "voertuig", "bankrekening-buitenland", "detentie", "verblijf-buitenland"]
IB_SIGNAAL_SOORTEN: tuple[str, ...] = get_args(IbSignaalSoort)

VoertuigSoort = Literal["personenauto", "bedrijfsauto", "motorfiets", "bromfiets", "aanhangwagen", "overig"]
Regeling = Literal["wsf", "wtos"]
Onderwijs = Literal["mbo", "hbo", "wo", "vavo", "overig"]

Kenteken = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z0-9]{6}$"),
    Field(description="Kenteken zonder streepjes", examples=["KX123B"]),
]
Landcode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{2}$"), Field(description="ISO 3166-1 alpha-2", examples=["BE"])
]


# ------------------------------------------------------------------------------------------------ money helpers


def bedrag(cents: int) -> str:
    """Integer cents as a two-decimal amount string: ``140150`` -> ``"1401.50"``, ``-5`` -> ``"-0.05"``."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def centen(amount: str) -> int:
    """A two-decimal amount string as integer cents (the inverse of ``bedrag``)."""
    return euro_to_cents(Decimal(amount))


# ------------------------------------------------------------------------------------------------ periods


class Periode(CamelModel):
    """``vanaf`` inclusive, ``tot`` exclusive (the day after the last day); ``tot`` null: open-ended."""

    vanaf: date
    tot: date | None = Field(default=None, description="Exclusief: de dag na de laatste dag; leeg is onbepaald")

    @model_validator(mode="after")
    def _tot_na_vanaf(self) -> Self:
        if self.tot is not None and self.tot <= self.vanaf:
            raise ValueError("tot moet na vanaf liggen (tot is exclusief)")
        return self

    def overlapt(self, vanaf: date, tot: date | None) -> bool:
        """Whether this period shares at least one day with ``[vanaf, tot)``."""
        return (tot is None or self.vanaf < tot) and (self.tot is None or vanaf < self.tot)

    def bevat(self, dag: date) -> bool:
        return self.vanaf <= dag and (self.tot is None or dag < self.tot)


def _eerste_van_maand(dag: date, maanden_terug: int) -> date:
    index = dag.year * 12 + dag.month - 1 - maanden_terug
    return date(index // 12, index % 12 + 1, 1)


def standaardperiode(peildatum: date) -> Periode:
    """The period a dossier asks income for when none is given: the three whole calendar months before the
    month of the peildatum (polis data of the running month is not complete before the month has been declared)."""
    return Periode(vanaf=_eerste_van_maand(peildatum, 3), tot=_eerste_van_maand(peildatum, 0))


# ------------------------------------------------------------------------------------------------ requests


class BronVerzoek(CamelModel):
    """A query about one person, optionally for one case."""

    bsn: Bsn
    zaak_id: ZaakId | None = None


class PeriodeVerzoek(BronVerzoek):
    """A query about a period: ``vanaf`` inclusive, ``tot`` exclusive, at most five years."""

    vanaf: date
    tot: date = Field(description="Exclusief: de dag na de laatste dag van de periode")

    @model_validator(mode="after")
    def _periode(self) -> Self:
        if self.tot <= self.vanaf:
            raise ValueError("tot moet na vanaf liggen (tot is exclusief)")
        if (self.tot - self.vanaf).days > MAX_PERIODE_DAGEN:
            raise ValueError("de periode is langer dan vijf jaar")
        return self

    @property
    def periode(self) -> Periode:
        return Periode(vanaf=self.vanaf, tot=self.tot)


class InkomstenVerzoek(PeriodeVerzoek):
    """Income relations with opgaven in ``[vanaf, tot)``."""


class PeildatumVerzoek(BronVerzoek):
    """A query about the state on one day (vehicles registered, property owned)."""

    peildatum: date


def _standaard_bronnen() -> list[BronCode]:
    return [b for b in BRONNEN if b != "ib-signalen"]


class DossierVerzoek(BronVerzoek):
    """Several sources at once. ``vanaf``/``tot`` are the period for income, student finance, detention and
    signals; without them: ``standaardperiode(peildatum)`` (the three whole months before the peildatum's month)."""

    peildatum: date
    vanaf: date | None = None
    tot: date | None = Field(default=None, description="Exclusief")
    bronnen: list[BronCode] = Field(
        default_factory=_standaard_bronnen,
        min_length=1,
        max_length=len(BRONNEN),
        description="Welke bronnen; standaard alle behalve ib-signalen",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(set(self.bronnen)) != len(self.bronnen):
            raise ValueError("elke bron hoogstens een keer")
        if (self.vanaf is None) != (self.tot is None):
            raise ValueError("geef vanaf en tot allebei, of geen van beide")
        if self.vanaf is not None and self.tot is not None:
            if self.tot <= self.vanaf:
                raise ValueError("tot moet na vanaf liggen (tot is exclusief)")
            if (self.tot - self.vanaf).days > MAX_PERIODE_DAGEN:
                raise ValueError("de periode is langer dan vijf jaar")
        return self

    @property
    def periode(self) -> Periode:
        if self.vanaf is not None and self.tot is not None:
            return Periode(vanaf=self.vanaf, tot=self.tot)
        return standaardperiode(self.peildatum)


# ------------------------------------------------------------------------------------------------ income (UWV)


class Inhoudingsplichtige(CamelModel):
    """The employer or benefit agency that declared the income (Suwinet: AdministratieveEenheid)."""

    loonheffingennummer: str = Field(pattern=r"^[0-9]{9}L[0-9]{2}$", examples=["812345678L01"])
    naam: str


class Inkomstenopgave(CamelModel):
    """One declared pay period (Suwinet: Inkomstenopgave).

    ``netto`` is derived: loon voor loonheffing minus ingehouden loonheffing. The polis holds no net pay; employee
    pension premiums and other deductions are not in it, so ``netto`` can be somewhat above what was paid out.
    Corrections can make amounts negative."""

    periode: Periode
    bruto: BedragMetTeken = Field(description="Loon SV (BedrBrutoloonSv)")
    loon_voor_loonheffing: BedragMetTeken = Field(description="Loon LB/PH (BedrLoonLbPremieVolksverz)")
    loonheffing: BedragMetTeken = Field(description="Ingehouden LB/PH (BedrIngehoudenLbPremieVolksverz)")
    netto: BedragMetTeken = Field(description="Afgeleid: loonVoorLoonheffing - loonheffing")
    vakantietoeslag_opgebouwd: BedragMetTeken | None = Field(
        default=None, description="Opgebouwd recht op vakantietoeslag (BedrOpgbRechtVakantietoeslag)"
    )
    verloonde_uren: int | None = Field(default=None, ge=0)


class Inkomstenverhouding(CamelModel):
    """One income relation (IKV) with the opgaven that fall in the period asked."""

    id: str = Field(description="Nummer van de inkomstenverhouding bij de inhoudingsplichtige")
    soort: InkomstenverhoudingSoort
    code_soort_inkomstenverhouding: str | None = Field(
        default=None, description="CdSrtIkv (Belastingdienst, loonaangifte)", examples=["15"]
    )
    inhoudingsplichtige: Inhoudingsplichtige
    periode: Periode = Field(description="Looptijd van de inkomstenverhouding")
    opgaven: list[Inkomstenopgave]


class Inkomsten(CamelModel):
    """UWV polis data for a period. ``geleverd`` is the period the source covered (Suwinet:
    PeriodeGegevensleveringIko); ``volledig`` is false when it does not cover the whole period asked."""

    bsn: Bsn
    periode: Periode
    geleverd: Periode | None
    volledig: bool
    inkomstenverhoudingen: list[Inkomstenverhouding]
    bron: Bronvermelding


# ------------------------------------------------------------------------------------------------ vehicles (RDW)


class Voertuig(CamelModel):
    """A vehicle registered to the person (RDW tenaamstelling, aansprakelijkheid).

    ``geschatteWaarde`` is an indication, not a valuation: the catalogue price depreciated by the vehicle's age
    (``waardering`` names the rule). The caseworker establishes the real value where it matters."""

    kenteken: Kenteken
    soort: VoertuigSoort
    merk: str
    handelsbenaming: str | None = None
    datum_eerste_toelating: date | None = None
    datum_tenaamstelling: date
    datum_einde_tenaamstelling: date | None = None
    catalogusprijs: Bedrag | None = None
    geschatte_waarde: Bedrag | None = None
    waardering: str | None = Field(default=None, description="Hoe geschatteWaarde is bepaald")


class Voertuigen(CamelModel):
    bsn: Bsn
    peildatum: date
    voertuigen: list[Voertuig]
    bron: Bronvermelding


# ------------------------------------------------------------------------------------------------ property (Kadaster)


class Hypotheek(CamelModel):
    """A registered mortgage right. ``bedrag`` is the amount in the deed: an upper bound of the debt, not the
    balance outstanding (that comes from the lender)."""

    bedrag: Bedrag
    hypotheekhouder: str | None = None
    datum_inschrijving: date | None = None


class Eigendom(CamelModel):
    """A right on real estate (BRK zakelijk recht on a perceel or appartementsrecht), with the WOZ value.

    ``overwaarde`` = aandeel x (wozWaarde - sum of hypotheken), negative when the mortgages exceed the value (a
    restschuld). ``eigenWoning``: the person lives there (WOZ: eigenaar-bewoner)."""

    kadastrale_aanduiding: str = Field(examples=["SGR00 H 1234"])
    soort: Literal["perceel", "appartementsrecht"]
    aard_recht: Literal["eigendom", "erfpacht", "opstal", "vruchtgebruik", "overig"]
    aandeel_teller: int = Field(ge=1)
    aandeel_noemer: int = Field(ge=1)
    omschrijving: str | None = None
    adres: str | None = Field(default=None, examples=["Wilgenkade 18, 2492TR 's-Gravenhage"])
    postcode: str | None = None
    huisnummer: int | None = None
    datum_verkrijging: date | None = None
    koopsom: Bedrag | None = None
    woz_waarde: Bedrag | None = None
    woz_peildatum: date | None = None
    hypotheken: list[Hypotheek] = Field(default_factory=list)
    eigen_woning: bool | None = None
    overwaarde: BedragMetTeken | None = Field(default=None, description="Aandeel x (WOZ - hypotheken)")


class Eigendommen(CamelModel):
    bsn: Bsn
    peildatum: date
    eigendommen: list[Eigendom]
    bron: Bronvermelding


# ------------------------------------------------------------------------------------------------ student finance (DUO)


class Toekenning(CamelModel):
    """A grant of student finance (WSF 2000) or WTOS for a period."""

    regeling: Regeling
    onderwijs: Onderwijs
    periode: Periode
    bedrag_per_maand: Bedrag
    prestatiebeurs: bool = Field(description="Gift onder voorwaarde (prestatiebeurs) of lening")


class Studiefinanciering(CamelModel):
    bsn: Bsn
    periode: Periode
    toekenningen: list[Toekenning]
    studieschuld: Bedrag | None = Field(default=None, description="Openstaande studieschuld bij DUO")
    studieschuld_peildatum: date | None = None
    bron: Bronvermelding


# ------------------------------------------------------------------------------------------------ detention (DJI)


class Detentie(CamelModel):
    id: str
    periode: Periode = Field(description="Insluiting tot ontslag (tot leeg: nog gedetineerd)")
    inrichting: str
    titel: Literal["voorlopige-hechtenis", "gevangenisstraf", "vervangende-hechtenis", "tbs", "overig"]


class Detenties(CamelModel):
    bsn: Bsn
    periode: Periode
    detenties: list[Detentie]
    bron: Bronvermelding


# ------------------------------------------------------------------------------------------------ IB signals


class IbSignaal(CamelModel):
    """One signal of the Inlichtingenbureau about a person of a gemeente. The detail fields depend on ``soort``:
    inkomen (bedrag, instantie), voertuig (kenteken), bankrekening-buitenland (land, bedrag = saldo, instantie =
    bank), detentie (instantie = inrichting), verblijf-buitenland (land)."""

    signaal_id: str
    cursor: str = Field(description="Positie in de feed van de gemeente (voor ``na``)")
    bsn: Bsn
    gemeente: GemeenteCode
    soort: IbSignaalSoort
    periode: Periode
    ontvangen_op: date
    omschrijving: str
    bedrag: Bedrag | None = None
    kenteken: Kenteken | None = None
    land: Landcode | None = None
    instantie: str | None = None


class IbSignalen(CamelModel):
    """The signals about one person for the caller's gemeente, overlapping the period asked."""

    bsn: Bsn
    gemeente: GemeenteCode
    periode: Periode | None
    signalen: list[IbSignaal]
    bron: Bronvermelding


class IbSignalenPagina(CamelModel):
    """One page of a gemeente's signal feed, oldest first. Ask again with ``na = cursor``; ``meer`` says whether
    more signals are waiting now. ``cursor`` is the input cursor when the page is empty."""

    gemeente: GemeenteCode
    items: list[IbSignaal]
    cursor: str | None
    meer: bool
    bron: Bronvermelding


# ------------------------------------------------------------------------------------------------ dossier


class BronHerkomst(CamelModel):
    """Provenance of one source in a dossier. ``niet-beschikbaar``: the source did not answer (or not usably);
    its field in the dossier is null and the case should wait for it."""

    bron: BronCode
    status: BronStatus
    opgevraagd_op: datetime
    leverancier: str | None = Field(default=None, description="Welke registratie, via welk koppelvlak")
    melding: str | None = None


class Dossier(CamelModel):
    """What the sources know about a person. ``volledig`` is true only when every source asked answered and
    every answer covers the whole period asked."""

    bsn: Bsn
    peildatum: date
    periode: Periode
    volledig: bool
    herkomst: list[BronHerkomst]
    inkomsten: Inkomsten | None = None
    voertuigen: Voertuigen | None = None
    eigendommen: Eigendommen | None = None
    studiefinanciering: Studiefinanciering | None = None
    detenties: Detenties | None = None
    ib_signalen: IbSignalen | None = None


# ------------------------------------------------------------------------------------------------ to the domain


_UITKERINGEN = frozenset({"ww", "zw", "wia-wga", "wia-iva", "wao", "waz", "wajong", "ioaw", "ioaz", "tw", "anw"})


def _soort_invoer(soort: str) -> InkomstenSoortCode:
    if soort == "loon":
        return "arbeid"
    if soort in ("aow", "pensioen"):
        return "pensioen"
    if soort in _UITKERINGEN:
        return "uitkering"
    return "overig"


def _maanden(periode: Periode) -> Decimal:
    """Length in months: a whole calendar month counts 1, anything else its days / (365.25 / 12)."""
    if periode.tot is None:
        raise ValueError("een opgave heeft een einddatum")
    if periode.vanaf.day == 1 and periode.tot == _eerste_van_maand(periode.vanaf, -1):
        return Decimal(1)
    return Decimal((periode.tot - periode.vanaf).days) / (Decimal("365.25") / 12)


def inkomen_invoer(inkomsten: Inkomsten, persoon: RolCode) -> list[InkomenInvoer]:
    """One ``InkomenInvoer`` per income relation with opgaven: the average net amount per month over its opgaven
    in the period (rounded half up to cents). Loon counts as ``arbeid``, AOW and pensioen as ``pensioen``, the
    UWV/SVB benefits as ``uitkering``, bijstand and unknown kinds as ``overig``. ``vrijlatingStartdatum`` cannot be
    read from the polis and stays empty. Note that ``netto`` in the polis is derived (see ``Inkomstenopgave``)."""
    out: list[InkomenInvoer] = []
    for ikv in inkomsten.inkomstenverhoudingen:
        if not ikv.opgaven:
            continue
        totaal = sum(centen(o.netto) for o in ikv.opgaven)
        maanden = sum((_maanden(o.periode) for o in ikv.opgaven), Decimal(0))
        per_maand = max(0, euro_to_cents(Decimal(totaal) / 100 / maanden)) if maanden else 0
        out.append(InkomenInvoer(persoon=persoon, soort=_soort_invoer(ikv.soort), netto_per_maand=bedrag(per_maand)))
    return out


def _aandeel(cents: int, teller: int, noemer: int) -> int:
    return euro_to_cents(Decimal(cents) * teller / noemer / 100)


def vermogen_invoer(
    *,
    voertuigen: Iterable[Voertuigen] = (),
    eigendommen: Iterable[Eigendommen] = (),
    studiefinanciering: Iterable[Studiefinanciering] = (),
    studieschuld_meetellen: bool = False,
) -> VermogenInvoer:
    """The household's registered assets as ``VermogenInvoer`` (pass the answers of claimant and partner).

    - Vehicles: ``geschatteWaarde`` counts as bezitting (each kenteken once).
    - Property that is not the own home: aandeel x WOZ as bezitting, aandeel x hypotheken as schuld.
    - The own home: a positive ``overwaarde`` goes to ``overwaardeEigenWoning`` (Pw 34 lid 2 d, 50), a negative one
      (restschuld) to ``schulden``. Each kadastrale aanduiding counts once per person; shares of claimant and
      partner in the same object add up.
    - Studieschuld only with ``studieschuld_meetellen`` (whether a debt counts is the caseworker's judgement).
    Bank balances, cash and other debts are not in these registers: the claimant declares them.
    """
    bezittingen = schulden = overwaarde = 0
    kentekens: set[str] = set()
    for antwoord in voertuigen:
        for v in antwoord.voertuigen:
            if v.kenteken in kentekens:
                continue
            kentekens.add(v.kenteken)
            bezittingen += centen(v.geschatte_waarde) if v.geschatte_waarde is not None else 0
    gezien: set[tuple[str, str]] = set()
    for bezit in eigendommen:
        for e in bezit.eigendommen:
            sleutel = (bezit.bsn, e.kadastrale_aanduiding)
            if sleutel in gezien:
                continue
            gezien.add(sleutel)
            woz = centen(e.woz_waarde) if e.woz_waarde is not None else 0
            hypotheek = sum(centen(h.bedrag) for h in e.hypotheken)
            if e.eigen_woning:
                netto = _aandeel(woz - hypotheek, e.aandeel_teller, e.aandeel_noemer)
                if netto >= 0:
                    overwaarde += netto
                else:
                    schulden += -netto
            else:
                bezittingen += _aandeel(woz, e.aandeel_teller, e.aandeel_noemer)
                schulden += _aandeel(hypotheek, e.aandeel_teller, e.aandeel_noemer)
    if studieschuld_meetellen:
        for sf in studiefinanciering:
            schulden += centen(sf.studieschuld) if sf.studieschuld is not None else 0
    return VermogenInvoer(
        bezittingen=bedrag(bezittingen), schulden=bedrag(schulden), overwaarde_eigen_woning=bedrag(overwaarde)
    )


def gedetineerd_op(detenties: Detenties, peildatum: date) -> bool:
    """For ``PersoonInvoer.gedetineerd`` (Pw 13 lid 1 a): detained on the peildatum per DJI."""
    return any(d.periode.bevat(peildatum) for d in detenties.detenties)


def studiefinanciering_op(studiefinanciering: Studiefinanciering, peildatum: date) -> bool:
    """For ``PersoonInvoer.studiefinanciering`` (Pw 13 lid 2): receives WSF 2000 or WTOS on the peildatum per DUO.
    The law asks whether the person *can* get it; someone entitled who did not apply is not in the register."""
    return any(t.periode.bevat(peildatum) for t in studiefinanciering.toekenningen)

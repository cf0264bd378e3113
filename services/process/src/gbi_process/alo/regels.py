"""The process layer's own rules of the ALO, as pure functions of the facts (unit-tested without any service).

- :func:`zoektermijn`: does the 4-week zoektermijn of art. 41 lid 4 Pw apply (younger than 27 on the melding,
  unless a documented exception is declared)?
- :func:`berekening_verzoek`: the domain calculation's request from the BRP household, the sources and what the
  citizen declared (the sources win for what they know; declarations fill what no register holds).
- :func:`risico`: straight through (stp) only when the data is complete and consistent and no risk rule fires;
  otherwise which warm steps are needed, each with its reason.

Facts are the JSON the handlers recorded (``feit.bronnen``: the household and a dossier per person).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gbi_shared.contracts.alo_proces import AanvraagGegevens
from gbi_shared.contracts.berekening import (
    BerekeningAntwoord,
    BerekeningVerzoek,
    InkomenInvoer,
    KindInvoer,
    MedebewonerInvoer,
    PersoonInvoer,
    RolCode,
    VermogenInvoer,
)
from gbi_shared.contracts.bronnen import (
    Dossier,
    Inkomsten,
    bedrag,
    centen,
    gedetineerd_op,
    inkomen_invoer,
    studiefinanciering_op,
    vermogen_invoer,
)
from gbi_shared.contracts.huishouden import Huishouden

__all__ = [
    "BRONINKOMSTEN",
    "INKOMEN_TOLERANTIE_CENTS",
    "VOERTUIG_DREMPEL_CENTS",
    "ZOEKTERMIJN_LEEFTIJD",
    "Bronfeiten",
    "Risico",
    "berekening_verzoek",
    "leeftijd",
    "lopende_inkomsten",
    "risico",
    "zoektermijn",
]

ZOEKTERMIJN_LEEFTIJD = 27
KOSTENDELER_LEEFTIJD = 27  # Pw 19a lid 1: a kostendeler is 27 or older
#: A vehicle worth more than this (RDW catalogue price, depreciated) is checked by a person (Pw 34: vermogen).
VOERTUIG_DREMPEL_CENTS = 5_000_00
#: Declared and registered net income per month may differ this much (averaging over months rounds).
INKOMEN_TOLERANTIE_CENTS = 5_00
#: Income kinds the UWV polis knows; other kinds (alimentatie, kinderbijslag, toeslagen) only the citizen declares.
BRONINKOMSTEN = frozenset({"arbeid", "uitkering", "pensioen"})

_UITZONDERINGEN = {
    "volledig-arbeidsongeschikt": "volledig en duurzaam arbeidsongeschikt (geen arbeidsverplichtingen, Pw 9 lid 2)",
    "alleenstaande-ouder-kind-onder-5": "alleenstaande ouder met de zorg voor een kind jonger dan 5 (Pw 9a)",
    "noodsituatie": "noodsituatie: bijstand kan niet wachten (Pw 41 lid 4, laatste zin; beleid van de gemeente)",
}


def leeftijd(geboortedatum: date, op: date) -> int:
    return op.year - geboortedatum.year - ((op.month, op.day) < (geboortedatum.month, geboortedatum.day))


def zoektermijn(geboortedatum: date, meldingsdatum: date, gegevens: AanvraagGegevens) -> tuple[bool, str | None]:
    """(applies, reason). Applies to someone younger than 27 on the day of the melding (art. 41 lid 4 Pw) unless
    a documented exception was declared; the caseworker checks the exception later in the case."""
    jaren = leeftijd(geboortedatum, meldingsdatum)
    if jaren >= ZOEKTERMIJN_LEEFTIJD:
        return False, None
    if gegevens.zoektermijn_uitzondering is not None:
        return False, f"jonger dan 27, maar {_UITZONDERINGEN[gegevens.zoektermijn_uitzondering]}"
    return True, f"jonger dan 27 ({jaren} jaar op de meldingsdatum): eerst 4 weken zoektermijn (Pw 41 lid 4)"


@dataclass(frozen=True)
class Bronfeiten:
    """What the BRP and the sources told about the household."""

    huishouden: Huishouden
    aanvrager: Dossier | None  # None: the sources were not asked (a voorschot before the sources answered)
    partner: Dossier | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Bronfeiten:
        aanvrager, partner = data.get("aanvrager"), data.get("partner")
        return cls(
            huishouden=Huishouden.model_validate(data["huishouden"]),
            aanvrager=Dossier.model_validate(aanvrager) if aanvrager else None,
            partner=Dossier.model_validate(partner) if partner else None,
        )

    def to_json(self) -> dict[str, Any]:
        def dump(d: Dossier | None) -> dict[str, Any] | None:
            return d.model_dump(mode="json", by_alias=True) if d is not None else None

        return {
            "huishouden": self.huishouden.model_dump(mode="json", by_alias=True),
            "aanvrager": dump(self.aanvrager),
            "partner": dump(self.partner),
        }

    def dossiers(self) -> list[Dossier]:
        return [d for d in (self.aanvrager, self.partner) if d is not None]


def lopende_inkomsten(inkomsten: Inkomsten, peildatum: date) -> Inkomsten:
    """Only the income relations that still run on the peildatum: a job that ended is no income now (it was
    before, which the polis still shows for the months asked)."""
    return inkomsten.model_copy(
        update={"inkomstenverhoudingen": [i for i in inkomsten.inkomstenverhoudingen if i.periode.bevat(peildatum)]}
    )


def _persoon(geboortedatum: date | None, dossier: Dossier | None, peildatum: date, buitenland: int) -> PersoonInvoer:
    if geboortedatum is None:
        raise ValueError("de BRP kent geen volledige geboortedatum")
    return PersoonInvoer(
        geboortedatum=geboortedatum,
        gedetineerd=bool(dossier and dossier.detenties and gedetineerd_op(dossier.detenties, peildatum)),
        studiefinanciering=bool(
            dossier and dossier.studiefinanciering and studiefinanciering_op(dossier.studiefinanciering, peildatum)
        ),
        verblijf_buitenland_dagen=buitenland,
    )


def berekening_verzoek(feiten: Bronfeiten, gegevens: AanvraagGegevens, peildatum: date) -> BerekeningVerzoek:
    """The household as the domain calculates it: persons and children from the BRP, detention and student
    finance from DJI and DUO, income from the UWV polis plus the declared kinds no register holds, vermogen from
    the RDW and the Kadaster plus the declared bank balances and debts, medebewoners as declared."""
    h = feiten.huishouden
    inkomsten: list[InkomenInvoer] = []
    if feiten.aanvrager is not None and feiten.aanvrager.inkomsten is not None:
        inkomsten += inkomen_invoer(lopende_inkomsten(feiten.aanvrager.inkomsten, peildatum), "aanvrager")
    if feiten.partner is not None and feiten.partner.inkomsten is not None:
        inkomsten += inkomen_invoer(lopende_inkomsten(feiten.partner.inkomsten, peildatum), "partner")
    zonder_bronnen = feiten.aanvrager is None  # only what the citizen declared (a provisional calculation)
    for opgave in gegevens.inkomsten:
        if zonder_bronnen or opgave.soort not in BRONINKOMSTEN:
            inkomsten.append(
                InkomenInvoer(persoon=opgave.persoon, soort=opgave.soort, netto_per_maand=opgave.netto_per_maand)
            )
    geregistreerd = vermogen_invoer(
        voertuigen=[d.voertuigen for d in feiten.dossiers() if d.voertuigen is not None],
        eigendommen=[d.eigendommen for d in feiten.dossiers() if d.eigendommen is not None],
    )
    verklaard = gegevens.vermogen
    vermogen = VermogenInvoer(
        bezittingen=bedrag(centen(geregistreerd.bezittingen) + (centen(verklaard.bezittingen) if verklaard else 0)),
        schulden=bedrag(centen(geregistreerd.schulden) + (centen(verklaard.schulden) if verklaard else 0)),
        overwaarde_eigen_woning=geregistreerd.overwaarde_eigen_woning,
    )
    partner = None
    if h.partner is not None:
        partner = _persoon(h.partner.geboortedatum, feiten.partner, peildatum, 0)
    kinderen = [
        KindInvoer(geboortedatum=k.geboortedatum)
        for k in h.kinderen
        if k.geboortedatum is not None and k.geboortedatum <= peildatum and leeftijd(k.geboortedatum, peildatum) < 18
    ]
    return BerekeningVerzoek(
        gemeente=h.gemeente,
        peildatum=peildatum,
        aanvrager=_persoon(h.aanvrager.geboortedatum, feiten.aanvrager, peildatum, gegevens.verblijf_buitenland_dagen),
        partner=partner,
        kinderen=kinderen,
        medebewoners=[
            MedebewonerInvoer(
                geboortedatum=m.geboortedatum,
                relatie=m.relatie,
                commerciele_huurovereenkomst=m.commerciele_huurovereenkomst,
                studiefinanciering=m.studiefinanciering,
            )
            for m in gegevens.medebewoners
        ],
        inkomsten=inkomsten,
        vermogen=vermogen,
    )


@dataclass
class Risico:
    intake: list[str] = field(default_factory=list)
    documenten: list[str] = field(default_factory=list)
    huisbezoek: list[str] = field(default_factory=list)
    beoordeling: list[str] = field(default_factory=list)

    @property
    def redenen(self) -> list[str]:
        return self.intake + self.documenten + self.huisbezoek + self.beoordeling

    @property
    def stp(self) -> bool:
        return not self.redenen

    def uitkomst(self) -> dict[str, Any]:
        """The outputs of ``risico.beoordelen`` as the model declares them."""
        return {
            "stp": self.stp,
            "intake_nodig": bool(self.intake),
            "documenten_nodig": bool(self.documenten),
            "huisbezoek_nodig": bool(self.huisbezoek),
            "routeringsreden": "; ".join(self.redenen)[:2000] if self.redenen else None,
        }


def onverklaarde_medebewoners(huishouden: Huishouden, gegevens: AanvraagGegevens, peildatum: date) -> int:
    """How many persons registered at the address (besides applicant, partner and children) could be kostendelers
    (27 or older on the peildatum, or without a known birth date) and are not among the declared medebewoners.
    Declared and registered persons are paired on birth date, each declaration used once."""
    verklaard: dict[date, int] = {}
    for m in gegevens.medebewoners:
        verklaard[m.geboortedatum] = verklaard.get(m.geboortedatum, 0) + 1
    onverklaard = 0
    for bewoner in huishouden.medebewoners:
        geboren = bewoner.geboortedatum
        if geboren is not None and leeftijd(geboren, peildatum) < KOSTENDELER_LEEFTIJD:
            continue
        if geboren is not None and verklaard.get(geboren, 0) > 0:
            verklaard[geboren] -= 1
            continue
        onverklaard += 1
    return onverklaard


def _bron_inkomen(dossier: Dossier | None, persoon: RolCode, peildatum: date) -> int:
    if dossier is None or dossier.inkomsten is None:
        return 0
    lopend = lopende_inkomsten(dossier.inkomsten, peildatum)
    return sum(centen(i.netto_per_maand) for i in inkomen_invoer(lopend, persoon))


def risico(
    feiten: Bronfeiten,
    gegevens: AanvraagGegevens,
    berekening: BerekeningAntwoord,
    peildatum: date,
    meldingsdatum: date,
) -> Risico:
    """The risk rules. Any rule that fires takes the case out of straight-through processing with its reason:

    - income: the net income per month the citizen declared (work, benefits, pension) differs from what the UWV
      polis shows for the income relations still running by more than EUR 5 -> documents (loonstroken, ...);
    - a vehicle worth more than EUR 5,000 -> documents (taxatie), or any real estate -> documents (WOZ, hypotheek);
    - an Inlichtingenbureau signal -> intake (explain it), a signal about living abroad -> also a home visit;
    - detention (DJI) on the peildatum, student finance (DUO) running for someone under 27 -> assessment;
    - declared medebewoners with relatie overig (maybe a partner: gezamenlijke huishouding) -> home visit;
    - persons the BRP registers at the address who may be kostendelers (27 or older on the peildatum, or of unknown
      age) and whom the application does not declare (matched on birth date) -> intake: the kostendelersnorm
      (Pw 19a, 22a) is decided on who lives there, so a household that differs from the register is never decided
      automatically;
    - no IBAN declared -> intake; every signal of the calculation (AOW age, krediethypotheek, ...) -> assessment.
    """
    r = Risico()
    if feiten.aanvrager is None:
        r.beoordeling.append("de bronnen zijn niet geraadpleegd")
    personen: tuple[tuple[RolCode, Dossier | None], ...] = (
        ("aanvrager", feiten.aanvrager),
        ("partner", feiten.partner),
    )
    for persoon, dossier in personen:
        if dossier is None:
            continue
        verklaard = sum(
            centen(i.netto_per_maand) for i in gegevens.inkomsten if i.persoon == persoon and i.soort in BRONINKOMSTEN
        )
        bron = _bron_inkomen(dossier, persoon, peildatum)
        if abs(verklaard - bron) > INKOMEN_TOLERANTIE_CENTS:
            r.documenten.append(
                f"inkomen {persoon}: opgegeven {bedrag(verklaard)} per maand, volgens UWV {bedrag(bron)}"
            )
        for v in dossier.voertuigen.voertuigen if dossier.voertuigen else []:
            waarde = centen(v.geschatte_waarde) if v.geschatte_waarde is not None else None
            if waarde is None or waarde > VOERTUIG_DREMPEL_CENTS:
                geschat = bedrag(waarde) if waarde is not None else "onbekend"
                r.documenten.append(f"voertuig {v.kenteken} ({persoon}) met geschatte waarde {geschat}")
        for e in dossier.eigendommen.eigendommen if dossier.eigendommen else []:
            r.documenten.append(f"onroerend goed {e.kadastrale_aanduiding} ({persoon}): vermogen vaststellen")
        for s in dossier.ib_signalen.signalen if dossier.ib_signalen else []:
            r.intake.append(f"signaal Inlichtingenbureau ({persoon}): {s.soort}")
            if s.soort in ("verblijf-buitenland", "bankrekening-buitenland"):
                r.huisbezoek.append(f"signaal {s.soort} ({persoon}): woonsituatie vaststellen")
        if dossier.detenties and gedetineerd_op(dossier.detenties, peildatum):
            r.beoordeling.append(f"gedetineerd volgens DJI ({persoon}, Pw 13 lid 1 a)")
        geboren = feiten.huishouden.aanvrager.geboortedatum if persoon == "aanvrager" else None
        if feiten.huishouden.partner is not None and persoon == "partner":
            geboren = feiten.huishouden.partner.geboortedatum
        if (
            dossier.studiefinanciering
            and studiefinanciering_op(dossier.studiefinanciering, peildatum)
            and (geboren is None or leeftijd(geboren, meldingsdatum) < ZOEKTERMIJN_LEEFTIJD)
        ):
            r.beoordeling.append(f"studiefinanciering loopt ({persoon}, jonger dan 27, Pw 13 lid 2)")
    for m in gegevens.medebewoners:
        if m.relatie == "overig":
            r.huisbezoek.append("medebewoner zonder familie- of huurrelatie: gezamenlijke huishouding vaststellen")
            break
    onverklaard = onverklaarde_medebewoners(feiten.huishouden, gegevens, peildatum)
    if onverklaard:
        r.intake.append(
            f"volgens de BRP wonen er {onverklaard} mogelijke kostendeler(s) (27 jaar of ouder) op het adres die de "
            "aanvraag niet noemt: kostendelers vaststellen (Pw 19a, 22a)"
        )
    if not gegevens.iban:
        r.intake.append("geen IBAN opgegeven")
    for signaal in berekening.signaleringen:
        r.beoordeling.append(f"signalering berekening: {signaal.tekst} ({signaal.artikel})")
    return r

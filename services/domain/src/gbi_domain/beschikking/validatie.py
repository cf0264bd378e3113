"""Checks across fields that the schema alone cannot express: which fields a soort needs and which it must not
have, and that the letter does not contradict its own calculation. Every problem names its field (camelCase, as
on the wire) so the caller sees all of them at once in ``invalidParams``."""

from __future__ import annotations

from collections.abc import Callable

from gbi_shared.contracts.berekening import BerekeningAntwoord
from gbi_shared.contracts.beschikking import BeschikkingVerzoek
from gbi_shared.errors import BadRequestError, InvalidParam

__all__ = ["MAX_TOELICHTING_REGELS", "MAX_TOELICHTING_TEKST", "controleer"]

# The calculation's contract leaves its texts unbounded; a letter is not. Far above what the engine writes.
MAX_TOELICHTING_REGELS = 100
MAX_TOELICHTING_TEKST = 600
MAX_ARTIKEL = 120
MAX_VERSIE = 64


def _past_in_de_brief(b: BerekeningAntwoord, fout: Callable[[str, str], None]) -> None:
    if len(b.toelichting) > MAX_TOELICHTING_REGELS:
        fout("berekening.toelichting", f"hoogstens {MAX_TOELICHTING_REGELS} regels in een brief")
    if len(b.regelset_versie) > MAX_VERSIE:
        fout("berekening.regelsetVersie", f"hoogstens {MAX_VERSIE} tekens")
    regels = [("toelichting", i, r.regel, r.artikel) for i, r in enumerate(b.toelichting)]
    regels += [("redenen", i, r.tekst, r.artikel) for i, r in enumerate(b.redenen)]
    for lijst, i, tekst, artikel in regels:
        if len(tekst) > MAX_TOELICHTING_TEKST or any(len(w) > 60 for w in tekst.split()):
            fout(f"berekening.{lijst}[{i}]", f"tekst te lang voor de brief (hoogstens {MAX_TOELICHTING_TEKST} tekens)")
        if len(artikel) > MAX_ARTIKEL:
            fout(f"berekening.{lijst}[{i}].artikel", f"hoogstens {MAX_ARTIKEL} tekens")


def controleer(v: BeschikkingVerzoek) -> str | None:
    """Raise a 400 naming every field that does not fit; return the amount per month the letter states (for a
    toekenning) or None."""
    fouten: list[InvalidParam] = []

    def fout(veld: str, reden: str, code: str = "invalid") -> None:
        fouten.append(InvalidParam(name=veld, code=code, reason=reden))

    def verboden(veld: str, aanwezig: bool) -> None:
        if aanwezig:
            fout(veld, f"hoort niet bij een beschikking van soort {v.soort}", "not-allowed")

    bedrag: str | None = None
    b = v.berekening
    if b is not None:
        _past_in_de_brief(b, fout)
    if b is not None and b.gemeente != v.gemeente.code:
        fout("berekening.gemeente", f"de berekening hoort bij gemeente {b.gemeente}, de brief bij {v.gemeente.code}")
    if v.soort == "toekenning":
        if v.ingangsdatum is None:
            fout("ingangsdatum", "verplicht bij een toekenning", "required")
        if b is None:
            fout("berekening", "verplicht bij een toekenning: de brief noemt de berekening als grond", "required")
        else:
            if not b.recht:
                fout("berekening.recht", "volgens de berekening is er geen recht op bijstand; dat is geen toekenning")
            bedrag = v.bedrag_per_maand or b.bedrag_per_maand
            if v.bedrag_per_maand is not None and v.bedrag_per_maand != b.bedrag_per_maand:
                fout(
                    "bedragPerMaand",
                    f"{v.bedrag_per_maand} wijkt af van bedragPerMaand van de berekening ({b.bedrag_per_maand})",
                )
        verboden("redenen", bool(v.redenen))
        verboden("buitenBehandeling", v.buiten_behandeling is not None)
    elif v.soort == "afwijzing":
        if not v.redenen and b is not None and b.recht:
            fout("redenen", "de berekening geeft recht op bijstand: noem de reden van de afwijzing", "required")
        elif not v.redenen and (b is None or not b.redenen):
            fout("redenen", "een afwijzing noemt ten minste een reden (of een berekening met redenen)", "required")
        verboden("ingangsdatum", v.ingangsdatum is not None)
        verboden("bedragPerMaand", v.bedrag_per_maand is not None)
        verboden("buitenBehandeling", v.buiten_behandeling is not None)
    else:
        bb = v.buiten_behandeling
        if bb is None:
            fout(
                "buitenBehandeling",
                "verplicht bij buiten behandeling: de ontbrekende stukken en de hersteltermijn (Awb 4:5)",
                "required",
            )
        else:
            if bb.hersteltermijn_tot < bb.verzoek_datum:
                fout("buitenBehandeling.hersteltermijnTot", "ligt voor de datum van het verzoek om de stukken")
            if bb.hersteltermijn_tot >= v.datum:
                fout(
                    "buitenBehandeling.hersteltermijnTot",
                    "de hersteltermijn moet verstreken zijn op de datum van de brief (Awb 4:5)",
                )
        verboden("ingangsdatum", v.ingangsdatum is not None)
        verboden("bedragPerMaand", v.bedrag_per_maand is not None)
        verboden("berekening", b is not None)
        verboden("redenen", bool(v.redenen))
    if v.aanvraagdatum is not None and v.aanvraagdatum > v.datum:
        fout("aanvraagdatum", "ligt na de datum van de brief")
    for i, voorschot in enumerate(v.voorschotten):
        if voorschot.betaald_op > v.datum:
            fout(f"voorschotten[{i}].betaaldOp", "ligt na de datum van de brief")
    keurder = v.goedgekeurd_door
    if keurder is not None and keurder.naam.strip().casefold() == v.behandelaar.naam.strip().casefold():
        fout("goedgekeurdDoor.naam", "vier ogen: de goedkeurder is iemand anders dan de behandelaar")
    if fouten:
        namen = ", ".join(dict.fromkeys(p.name for p in fouten))
        raise BadRequestError(f"De beschikking kan zo niet worden gemaakt: {namen}", invalid_params=fouten)
    return bedrag

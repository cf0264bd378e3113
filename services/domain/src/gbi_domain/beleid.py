"""Local policy (beleid) as the domain layer understands it: what a valid policy is, where it is kept, and how a
calculation applies the version in force.

The data service keeps the versions (effective-dated, append-only) and checks their *form*; this module checks
what they *mean* before a beheerder's version is stored::

    bijzondere-bijstand   bands start at 0% of the norm and join up without gap or overlap, only the last one is
                          open-ended; pctMeetellen 0-100; period 1-60 months; a legal or an own drempel, not both;
                          known cost types, each once
    afstemming            categories unique; lowering above 0% and at most 100%; 1-36 months
    vakantiegeld          month 1-12
    vierogen              an amount limit (EUR) and whether any deviation from the calculation needs approval

Policy is reached through the ``BeleidOpslag`` port; ``GatewayBeleidOpslag`` is the adapter that calls the data
service through the gateway, forwarding the caller's context (so the data service applies the caller's gemeente
and role). Calculations themselves stay synchronous and pure (``gbi_domain.engine``).
"""

from __future__ import annotations

from datetime import date
from typing import Final, Protocol

from gbi_domain import errors as domain_errors
from gbi_domain.engine.geld import parse_pct
from gbi_domain.mapping import bereken_bijzondere_bijstand_antwoord
from gbi_domain.service import DomainService, to_service_error
from gbi_shared.clients import GatewayClient
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.beleid import (
    AfstemmingBeleidsinhoud,
    Beleidsinhoud,
    Beleidsversie,
    BeleidsversieLijst,
    BeleidsversieNieuw,
    BeleidsversieVerwijzing,
    BijzondereBijstandBeleidsinhoud,
    BijzondereBijstandBerekeningAntwoord,
    BijzondereBijstandBerekeningVerzoek,
    check_onderwerp,
    lees_inhoud,
)
from gbi_shared.contracts.berekening import BijzondereBijstandBeleidInvoer, BijzondereBijstandVerzoek
from gbi_shared.errors import BadRequestError, ForbiddenError, InvalidParam, NotFoundError, UnprocessableError

__all__ = [
    "BIJZONDERE_BIJSTAND",
    "KOSTENSOORTEN",
    "BeleidOpslag",
    "GatewayBeleidOpslag",
    "beleid_in_werking",
    "beleidsversie",
    "beleidsversies",
    "bereken_bijzondere_bijstand",
    "naar_beleid_invoer",
    "nieuwe_beleidsversie",
    "valideer_inhoud",
]

BIJZONDERE_BIJSTAND: Final = "bijzondere-bijstand"
BEHEERDER: Final = "beheerder"

#: The cost types GBI knows for bijzondere bijstand (code -> meaning). A gemeente chooses which it covers.
KOSTENSOORTEN: Final[dict[str, str]] = {
    "bewindvoering": "Kosten van beschermingsbewind, mentorschap of curatele",
    "dieetkosten": "Meerkosten van een medisch voorgeschreven dieet",
    "duurzame-gebruiksgoederen": "Aanschaf of vervanging van duurzame gebruiksgoederen (wasmachine, koelkast)",
    "eigen-bijdrage-rechtsbijstand": "Eigen bijdrage voor gesubsidieerde rechtsbijstand",
    "eigen-risico-zorgverzekering": "Het verplicht eigen risico van de zorgverzekering",
    "kinderopvang": "Kosten van kinderopvang die geen toeslag dekt",
    "legeskosten": "Leges, bijvoorbeeld voor een identiteitsbewijs of verblijfsdocument",
    "maaltijdvoorziening": "Kosten van een maaltijdvoorziening",
    "medische-kosten": "Medische kosten die geen voorliggende voorziening dekt",
    "reiskosten": "Reiskosten, bijvoorbeeld voor ziekenbezoek of omgang met kinderen",
    "schoolkosten": "Kosten van school of opleiding van kinderen",
    "uitvaartkosten": "Kosten van een uitvaart",
    "verhuiskosten": "Verhuis- en herinrichtingskosten",
    "woninginrichting": "Eerste inrichting of herinrichting van een woning",
    "woonkosten": "Woonkosten, zoals dubbele woonlasten",
}

_HONDERD = 100 * 100  # basis points
_MAX_PERIODE = 60
_MAX_DUUR_VERLAGING = 36


# ------------------------------------------------------------------------------------------------ meaning


def _bijzondere_bijstand_fouten(inhoud: BijzondereBijstandBeleidsinhoud) -> list[InvalidParam]:
    fouten: list[InvalidParam] = []

    def fout(veld: str, reden: str, code: str = "beleid-ongeldig") -> None:
        fouten.append(InvalidParam(name=f"inhoud.{veld}", code=code, reason=reden))

    schijven = inhoud.draagkrachtschijven
    laatste = len(schijven) - 1
    vorige_tot: int | None = 0
    for i, schijf in enumerate(schijven):
        pad = f"draagkrachtschijven[{i}]"
        vanaf = parse_pct(schijf.vanaf_pct_norm)
        tot = None if schijf.tot_pct_norm is None else parse_pct(schijf.tot_pct_norm)
        if i == 0 and vanaf != 0:
            fout(f"{pad}.vanafPctNorm", "de eerste schijf begint bij 0% van de norm")
        elif i > 0 and vorige_tot is not None and vanaf != vorige_tot:
            fout(
                f"{pad}.vanafPctNorm",
                f"sluit niet aan op de vorige schijf (die loopt tot {schijven[i - 1].tot_pct_norm}%): schijven lopen "
                "oplopend door, zonder gat of overlap",
            )
        if tot is not None and tot <= vanaf:
            fout(f"{pad}.totPctNorm", "moet groter zijn dan vanafPctNorm")
        if tot is None and i != laatste:
            fout(f"{pad}.totPctNorm", "alleen de laatste schijf mag zonder bovengrens zijn")
        if tot is not None and i == laatste:
            fout(f"{pad}.totPctNorm", "de laatste schijf heeft geen bovengrens (null), zodat al het inkomen meetelt")
        if not 0 <= parse_pct(schijf.pct_meetellen) <= _HONDERD:
            fout(f"{pad}.pctMeetellen", "moet tussen 0 en 100 liggen")
        vorige_tot = tot
    if not 1 <= inhoud.draagkrachtperiode_maanden <= _MAX_PERIODE:
        fout("draagkrachtperiodeMaanden", f"moet tussen 1 en {_MAX_PERIODE} maanden liggen")
    if inhoud.wettelijke_drempel and inhoud.drempel is not None:
        fout("drempel", "geef een eigen drempel of de wettelijke drempel (wettelijkeDrempel), niet beide")
    gezien: set[str] = set()
    for i, soort in enumerate(inhoud.toegestane_kostensoorten):
        if soort not in KOSTENSOORTEN:
            fout(
                f"toegestaneKostensoorten[{i}]",
                f"onbekende kostensoort {soort!r}; bekend zijn: {', '.join(sorted(KOSTENSOORTEN))}",
                "kostensoort-onbekend",
            )
        elif soort in gezien:
            fout(f"toegestaneKostensoorten[{i}]", f"{soort!r} staat er meer dan eens in")
        gezien.add(soort)
    return fouten


def _afstemming_fouten(inhoud: AfstemmingBeleidsinhoud) -> list[InvalidParam]:
    fouten: list[InvalidParam] = []
    gezien: set[str] = set()
    for i, verlaging in enumerate(inhoud.verlagingen):
        pad = f"inhoud.verlagingen[{i}]"
        if verlaging.categorie in gezien:
            fouten.append(
                InvalidParam(
                    name=f"{pad}.categorie", code="beleid-ongeldig", reason=f"{verlaging.categorie!r} komt al voor"
                )
            )
        gezien.add(verlaging.categorie)
        if not 0 < parse_pct(verlaging.percentage) <= _HONDERD:
            fouten.append(
                InvalidParam(
                    name=f"{pad}.percentage", code="beleid-ongeldig", reason="moet groter dan 0 en hoogstens 100 zijn"
                )
            )
        if not 1 <= verlaging.duur_maanden <= _MAX_DUUR_VERLAGING:
            fouten.append(
                InvalidParam(
                    name=f"{pad}.duurMaanden",
                    code="beleid-ongeldig",
                    reason=f"moet tussen 1 en {_MAX_DUUR_VERLAGING} maanden liggen",
                )
            )
    return fouten


def valideer_inhoud(inhoud: Beleidsinhoud) -> None:
    """400 naming every field whose meaning is wrong (the form was checked by ``lees_inhoud``)."""
    if isinstance(inhoud, BijzondereBijstandBeleidsinhoud):
        fouten = _bijzondere_bijstand_fouten(inhoud)
    elif isinstance(inhoud, AfstemmingBeleidsinhoud):
        fouten = _afstemming_fouten(inhoud)
    else:  # vakantiegeld, vierogen: their form is all there is to check
        fouten = []
    if fouten:
        namen = ", ".join(f.name for f in fouten[:5])
        raise BadRequestError(f"Het beleid klopt niet: {namen}", invalid_params=fouten, code="beleid-ongeldig")


def naar_beleid_invoer(versie: Beleidsversie) -> BijzondereBijstandBeleidInvoer:
    """A stored bijzondere-bijstand version as the calculation's policy input, cited by its ``beleidId``."""
    inhoud = lees_inhoud(BIJZONDERE_BIJSTAND, versie.inhoud)
    assert isinstance(inhoud, BijzondereBijstandBeleidsinhoud)
    return BijzondereBijstandBeleidInvoer(
        beleid_id=versie.beleid_id,
        draagkrachtschijven=inhoud.draagkrachtschijven,
        draagkrachtperiode_maanden=inhoud.draagkrachtperiode_maanden,
        toegestane_kostensoorten=inhoud.toegestane_kostensoorten,
        wettelijke_drempel=inhoud.wettelijke_drempel,
        drempel=inhoud.drempel,
        norm_zonder_kostendelers=inhoud.norm_zonder_kostendelers,
        norm_inclusief_vakantietoeslag=inhoud.norm_inclusief_vakantietoeslag,
    )


# ------------------------------------------------------------------------------------------------ storage


class BeleidOpslag(Protocol):
    """Where policy versions are kept (the data service). Calls act for the caller's gemeente."""

    async def in_werking(self, onderwerp: str, peildatum: date, *, gemeente: str | None = None) -> Beleidsversie: ...

    async def versies(self, onderwerp: str) -> BeleidsversieLijst: ...

    async def versie(self, onderwerp: str, versie: int) -> Beleidsversie: ...

    async def nieuwe_versie(self, onderwerp: str, nieuw: BeleidsversieNieuw) -> Beleidsversie: ...


class GatewayBeleidOpslag:
    """The data service's ``/internal/data/v1/beleid`` through the gateway, with the caller's context."""

    PREFIX: Final = "/internal/data/v1/beleid"

    def __init__(self, gateway: GatewayClient) -> None:
        self._gw = gateway

    async def in_werking(self, onderwerp: str, peildatum: date, *, gemeente: str | None = None) -> Beleidsversie:
        return await self._gw.get_model(
            f"{self.PREFIX}/{check_onderwerp(onderwerp)}",
            Beleidsversie,
            params={"peildatum": peildatum.isoformat()},
            gemeente=gemeente,
        )

    async def versies(self, onderwerp: str) -> BeleidsversieLijst:
        return await self._gw.get_model(f"{self.PREFIX}/{check_onderwerp(onderwerp)}/versies", BeleidsversieLijst)

    async def versie(self, onderwerp: str, versie: int) -> Beleidsversie:
        return await self._gw.get_model(f"{self.PREFIX}/{check_onderwerp(onderwerp)}/versies/{versie}", Beleidsversie)

    async def nieuwe_versie(self, onderwerp: str, nieuw: BeleidsversieNieuw) -> Beleidsversie:
        # A plain dict, so that explicit nulls inside the content (an open-ended band) travel as they are.
        return await self._gw.post_model(
            f"{self.PREFIX}/{check_onderwerp(onderwerp)}/versies",
            nieuw.model_dump(mode="json", by_alias=True),
            Beleidsversie,
        )


# ------------------------------------------------------------------------------------------------ use cases


def _mag_lezen(ctx: RequestContext) -> None:
    if ctx.actor_type is ActorType.BURGER:
        raise ForbiddenError("Het beleid van de gemeente is in te zien door medewerkers en systemen van de gemeente")


def _mag_wijzigen(ctx: RequestContext) -> None:
    if not ctx.has_role(BEHEERDER):
        raise ForbiddenError("Alleen een beheerder van de gemeente legt beleid vast")


async def beleid_in_werking(
    opslag: BeleidOpslag, ctx: RequestContext, onderwerp: str, peildatum: date
) -> Beleidsversie:
    _mag_lezen(ctx)
    return await opslag.in_werking(check_onderwerp(onderwerp), peildatum)


async def beleidsversies(opslag: BeleidOpslag, ctx: RequestContext, onderwerp: str) -> BeleidsversieLijst:
    _mag_lezen(ctx)
    return await opslag.versies(check_onderwerp(onderwerp))


async def beleidsversie(opslag: BeleidOpslag, ctx: RequestContext, onderwerp: str, versie: int) -> Beleidsversie:
    _mag_lezen(ctx)
    return await opslag.versie(check_onderwerp(onderwerp), versie)


async def nieuwe_beleidsversie(
    opslag: BeleidOpslag, ctx: RequestContext, onderwerp: str, nieuw: BeleidsversieNieuw
) -> Beleidsversie:
    """Check the form and the meaning of a beheerder's new version, then store it (the data service checks the
    dates and records who, when and why, audited)."""
    _mag_wijzigen(ctx)
    inhoud = lees_inhoud(check_onderwerp(onderwerp), nieuw.inhoud)
    valideer_inhoud(inhoud)
    genormaliseerd = BeleidsversieNieuw(
        geldig_vanaf=nieuw.geldig_vanaf,
        toelichting=nieuw.toelichting,
        inhoud=inhoud.model_dump(mode="json", by_alias=True),
    )
    return await opslag.nieuwe_versie(onderwerp, genormaliseerd)


async def bereken_bijzondere_bijstand(
    opslag: BeleidOpslag, domein: DomainService, ctx: RequestContext, verzoek: BijzondereBijstandBerekeningVerzoek
) -> BijzondereBijstandBerekeningAntwoord:
    """Bijzondere bijstand (Pw 35) for one cost item under the bijzondere-bijstand policy of the household's
    gemeente in force on the peildatum; the answer names that version."""
    huishouden = verzoek.huishouden
    domein.mag_rekenen(ctx, huishouden.gemeente)
    try:
        versie = await opslag.in_werking(BIJZONDERE_BIJSTAND, huishouden.peildatum, gemeente=huishouden.gemeente)
    except NotFoundError as exc:
        raise UnprocessableError(exc.detail, code="beleid-onbekend-op-peildatum") from exc
    berekening_verzoek = BijzondereBijstandVerzoek(
        huishouden=huishouden,
        kostensoort=verzoek.kostensoort,
        kosten=verzoek.kosten,
        inkomen_per_maand=verzoek.inkomen_per_maand,
        beleid=naar_beleid_invoer(versie),
    )
    try:
        antwoord = bereken_bijzondere_bijstand_antwoord(berekening_verzoek)
    except domain_errors.DomainError as exc:
        raise to_service_error(exc) from exc
    return BijzondereBijstandBerekeningAntwoord(
        **dict(antwoord),
        beleidsversie=BeleidsversieVerwijzing(
            gemeente=versie.gemeente,
            onderwerp=versie.onderwerp,
            versie=versie.versie,
            geldig_vanaf=versie.geldig_vanaf,
            beleid_id=versie.beleid_id,
        ),
    )

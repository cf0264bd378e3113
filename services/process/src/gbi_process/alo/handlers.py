"""The handlers of the ALO model's service tasks: one async function per handler name in the model.

A handler gets a :class:`Stap` (the case, the process variables, the data service's clock, the gateway) and returns
exactly the outputs its service task declares. It runs *outside* the engine, possibly more than once for the same
task (a crash before the result was recorded, two replicas after a lease expired), so every effect on another
system is idempotent there: the zaaksysteem looks up before it creates, the data service has one besluit and one
uitkering per aanvraag and one voorschot per volgnummer, tijdlijn entries and documents carry a key. The runner
records each result as a step (first write wins), so a task completes with the same result however often it ran.

Failures: :class:`WachtOpBron` when a source (BRP, UWV, RDW, Kadaster, DUO, DJI, IB) cannot answer (the case
waits visibly and retries by itself, never decides on missing data); a 502/503/504 of another layer is retried
the same way; anything else (a 4xx, a broken invariant) becomes an incident for a person.

Facts a later step needs (what the sources said, the calculation) are recorded once per instance as steps named
``feit.<naam>`` (the ALO model runs each of those steps once per case).
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, JsonValue

from gbi_process.alo import regels
from gbi_process.alo.geheugen import Casusgeheugen
from gbi_process.alo.referentie import Referentiecache
from gbi_process.alo.store import AloStore
from gbi_shared.clients import GatewayClient
from gbi_shared.contracts.alo import (
    Aanvraag,
    Besluit,
    BesluitNieuw,
    Taak,
    TijdlijnItemNieuw,
    UitkeringGrondslagNieuw,
    UitkeringNieuw,
    Voorschot,
    VoorschotNieuw,
)
from gbi_shared.contracts.alo_proces import AanvraagGegevens
from gbi_shared.contracts.beleid import VierogenBeleidsinhoud
from gbi_shared.contracts.berekening import BerekeningAntwoord, BerekeningVerzoek, VoorschotAntwoord
from gbi_shared.contracts.beschikking import (
    BeschikkingDocument,
    BeschikkingVerzoek,
    BuitenBehandelingInvoer,
    GemeenteAfzenderInvoer,
    MedewerkerInvoer,
    OntvangerInvoer,
    RedenInvoer,
    VoorschotBetalingInvoer,
)
from gbi_shared.contracts.bronnen import BRONNEN, Dossier, DossierVerzoek, bedrag, centen
from gbi_shared.contracts.data import Gemeente
from gbi_shared.contracts.huishouden import BrpHuishoudenVerzoek, Huishouden
from gbi_shared.contracts.kanaal import is_valid_iban, normalize_iban
from gbi_shared.contracts.zaken import (
    ZaakAfhandeling,
    ZaakAfhandelingBesluit,
    ZaakAfhandelingDocument,
    ZaakAfhandelingStatus,
    ZaakAfhandelingVerzoek,
    ZaakBesluittypeNaam,
    ZaakRegistratieVerzoek,
    Zaakverwijzing,
)
from gbi_shared.errors import (
    ServiceUnavailableError,
    UpstreamError,
    UpstreamTimeoutError,
)
from gbi_shared.tijd import nl_datum

__all__ = ["HANDLERS", "Handler", "Stap", "WachtOpBron", "vandaag_in_nl"]

NL = ZoneInfo("Europe/Amsterdam")
log = logging.getLogger("gbi.process.alo")
INTEGRATION = "/internal/integration/v1"
AUTOMATISCH = "gbi-proces (automatisch besluit)"
#: Awb 4:14: the extension announced when the teamleider postpones the decision.
VERDAGING = timedelta(weeks=4)
_TRANSIENT = (ServiceUnavailableError, UpstreamTimeoutError, UpstreamError)


class WachtOpBron(Exception):
    """A source could not answer: the case waits (visibly) and the step is retried later."""

    def __init__(self, bronnen: list[str], melding: str) -> None:
        super().__init__(f"bron niet beschikbaar: {', '.join(bronnen)}: {melding}")
        self.bronnen = bronnen


def vandaag_in_nl(moment: datetime) -> date:
    return moment.astimezone(NL).date()


@dataclass
class Stap:
    """One execution of a service task, with everything a handler may use."""

    gw: GatewayClient
    store: AloStore
    instance_id: uuid.UUID
    aanvraag: Aanvraag
    task_id: str
    element: str
    variables: Mapping[str, Any]
    nu: datetime
    signaleringstermijn_dagen: int = 7
    #: The run's recorded step results (read once when it started) and the ones its next save records; without
    #: them (None) every fact is read and recorded on its own.
    recorded: dict[str, Any] | None = field(default=None, repr=False)
    pending: dict[str, Any] | None = field(default=None, repr=False)
    _taken: list[Taak] | None = field(default=None, repr=False)
    #: The process's short-lived cache of the gemeente and its policy (None: read every time).
    referentie: Referentiecache | None = field(default=None, repr=False)
    #: The run's tijdlijn entries not written yet (by sleutel): they go with the next save, which records this
    #: step's result (ADR 0027); without it (None) an entry is written at once.
    tijdlijn_pending: dict[str, TijdlijnItemNieuw] | None = field(default=None, repr=False)
    #: The uitkering this step starts, by the step's task id: it goes with the save that records the step's result,
    #: in its transaction (ADR 0030); without it (None) it is started at once.
    uitkering_pending: dict[str, UitkeringNieuw] | None = field(default=None, repr=False)
    #: The run's save that records the besluit with the state before its step, in one transaction (ADR 0038): the
    #: besluit as stored, or None when the run did not take it along (then the step records it itself).
    besluit_met_opslag: Callable[[BesluitNieuw], Awaitable[Besluit | None]] | None = field(default=None, repr=False)
    #: The run's facts as read (parsed) by its steps, by name, with the recorded value they were read from: a fact is
    #: recorded once and never changes, so the steps of one run read it once (None: every step reads it itself).
    gelezen: dict[str, tuple[Any, Any]] | None = field(default=None, repr=False)

    @property
    def referenties(self) -> Referentiecache:
        return self.referentie if self.referentie is not None else Referentiecache(self.gw, 0.0)

    @property
    def casus(self) -> Casusgeheugen | None:
        """This process's memory of what was read or registered for a case moments ago (None: none, ask)."""
        return self.referentie.casus if self.referentie is not None else None

    @property
    def gemeente(self) -> str:
        return self.aanvraag.gemeente

    @property
    def vandaag(self) -> date:
        return vandaag_in_nl(self.nu)

    @property
    def gegevens(self) -> AanvraagGegevens:
        return AanvraagGegevens.model_validate(self.aanvraag.gegevens)

    def var(self, name: str, default: Any = None) -> Any:
        return self.variables.get(name, default)

    async def feit(self, naam: str) -> Any:
        key = f"feit.{naam}"
        for known in (self.pending, self.recorded):
            if known is not None and key in known:
                return known[key]
        stap = await self.store.stap(self.instance_id, key)
        return None if stap is None else stap.resultaat

    async def leg_feit_vast(self, naam: str, waarde: Any) -> Any:
        """Record a fact once; the answer is the stored one (a retry that computed something else loses). In a
        run the fact is recorded with the step's save (all or nothing; a fact recorded before wins there too)."""
        key = f"feit.{naam}"
        if self.recorded is None or self.pending is None:
            return await self.store.leg_stap_vast(self.instance_id, key, waarde)
        if key in self.recorded:
            return self.recorded[key]
        return self.pending.setdefault(key, waarde)

    async def tijdlijn(self, sleutel: str, soort: str, omschrijving: str) -> None:
        """A citizen-visible entry, once per sleutel. In a run it is written with the save that records the step's
        result (not later: a replay that finds the result recorded does not run the handler again), dated now."""
        item = TijdlijnItemNieuw(soort=soort, omschrijving=omschrijving, actor="gemeente", sleutel=sleutel)
        if self.tijdlijn_pending is not None:
            self.tijdlijn_pending.setdefault(sleutel, item.model_copy(update={"at": self.nu}))
            return
        await self.store.tijdlijn(self.aanvraag.id, item)

    async def taken(self) -> list[Taak]:
        if self._taken is None:
            self._taken = await self.store.taken(self.aanvraag.id)
        return self._taken

    async def laatst_afgerond(self, element: str, uitkomst: str | None = None) -> Taak | None:
        """The most recently completed inbox task of an element of this instance (with that outcome)."""
        done = [
            t
            for t in await self.taken()
            if t.status == "afgerond"
            and t.procesinstantie_id == self.instance_id
            and t.gegevens.get("element") == element
            and (uitkomst is None or t.uitkomst == uitkomst)
        ]
        return max(done, key=lambda t: t.afgerond_op or t.created_at, default=None)

    async def post(self, path: str, body: Any, model: type[Any]) -> Any:
        # Nulls are sent as null (not left out): some answers embedded in requests have required nullable fields.
        if isinstance(body, BaseModel):
            body = body.model_dump(mode="json", by_alias=True)
        return await self.gw.post_model(path, body, model, gemeente=self.gemeente, as_service=True)

    async def get(self, path: str, model: type[Any], params: dict[str, str] | None = None) -> Any:
        return await self.gw.get_model(path, model, params=params, gemeente=self.gemeente, as_service=True)


Handler = Callable[[Stap], Awaitable[dict[str, Any]]]


# ---------------------------------------------------------------------------------------------- sources


async def _huishouden(stap: Stap) -> Huishouden:
    """The aanvrager's household from the BRP; a read of this process for the same aanvraag at most
    ``HUISHOUDEN_HOUDBAAR`` old (case clock and real time) stands in for a new one (ADR 0031)."""
    casus = stap.casus
    if casus is not None:
        known = casus.huishouden(stap.aanvraag.id, stap.aanvraag.bsn, stap.gemeente, stap.nu)
        if known is not None:
            return known
    try:
        result: Huishouden = await stap.post(
            f"{INTEGRATION}/brp/huishoudens", BrpHuishoudenVerzoek(bsn=stap.aanvraag.bsn), Huishouden
        )
    except _TRANSIENT as exc:
        raise WachtOpBron(["BRP"], str(exc)) from exc
    if casus is not None:
        casus.onthoud_huishouden(stap.aanvraag.id, result, stap.nu)
    return result


async def _dossier(stap: Stap, bsn: str) -> Dossier:
    verzoek = DossierVerzoek(
        bsn=bsn, zaak_id=stap.var("zaak_id"), peildatum=stap.aanvraag.aanvraagdatum, bronnen=list(BRONNEN)
    )
    try:
        dossier: Dossier = await stap.post(f"{INTEGRATION}/bronnen/dossier", verzoek, Dossier)
    except _TRANSIENT as exc:
        raise WachtOpBron(["bronnen"], str(exc)) from exc
    weg: list[str] = [h.bron for h in dossier.herkomst if h.status != "ok"]
    if weg or not dossier.volledig:
        raise WachtOpBron(
            weg or ["bronnen (onvolledig antwoord)"], "; ".join(h.melding or "" for h in dossier.herkomst)
        )
    return dossier


async def _bronfeiten(stap: Stap) -> regels.Bronfeiten | None:
    """The sources' facts (four steps of a case read them): parsed once per run from the recorded value, which is
    the same object for the whole run (~50 us a parse). The steps only read them."""
    data = await stap.feit("bronnen")
    if not data:
        return None
    gelezen = stap.gelezen
    known = gelezen.get("bronnen") if gelezen is not None else None
    if known is not None and known[0] is data:
        feiten: regels.Bronfeiten = known[1]
        return feiten
    feiten = regels.Bronfeiten.from_json(data)
    if gelezen is not None:
        gelezen["bronnen"] = (data, feiten)
    return feiten


# ---------------------------------------------------------------------------------------------- handlers


async def zaak_registreren(stap: Stap) -> dict[str, Any]:
    """ZGW Zaken: the zaak of the aanvraag, with the aanvrager as rol (the zaaksysteem finds an earlier one)."""
    verzoek = ZaakRegistratieVerzoek(
        gemeente=stap.gemeente,
        aanvraag_referentie=str(stap.aanvraag.id),
        bsn=stap.aanvraag.bsn,
        omschrijving="Aanvraag algemene bijstand levensonderhoud",
        startdatum=stap.aanvraag.aanvraagdatum,
    )
    zaak: Zaakverwijzing = await stap.post(f"{INTEGRATION}/zaken", verzoek, Zaakverwijzing)
    await stap.tijdlijn(
        "zaak-geregistreerd",
        "in-behandeling",
        f"Uw aanvraag is in behandeling genomen onder zaaknummer {zaak.identificatie}.",
    )
    return {"zaak_id": zaak.identificatie}


async def zoektermijn_bepalen(stap: Stap) -> dict[str, Any]:
    """Age on the melding from the BRP: under 27 the zoektermijn applies unless an exception is declared."""
    huishouden = await _huishouden(stap)
    geboren = huishouden.aanvrager.geboortedatum
    if geboren is None:
        raise ValueError("De BRP kent geen volledige geboortedatum van de aanvrager: de zoektermijn is niet te bepalen")
    geldt, reden = regels.zoektermijn(geboren, stap.aanvraag.meldingsdatum, stap.gegevens)
    if geldt:
        einde = stap.aanvraag.meldingsdatum + timedelta(weeks=4)
        await stap.tijdlijn(
            "zoektermijn",
            "zoektermijn",
            "U bent jonger dan 27. U zoekt eerst vier weken zelf naar werk of een opleiding (zoektermijn, artikel "
            f"41 lid 4 Participatiewet). Daarna behandelen wij uw aanvraag verder, vanaf {einde.isoformat()}.",
        )
    return {"zoektermijn": geldt, "zoektermijn_reden": reden}


async def bronnen_ophalen(stap: Stap) -> dict[str, Any]:
    """BRP household and every source for the aanvrager and the partner; a source down: wait, never guess."""
    huishouden = await _huishouden(stap)
    partner_bsn = huishouden.partner.bsn if huishouden.partner is not None else None
    if partner_bsn:
        aanvrager, partner = await asyncio.gather(_dossier(stap, stap.aanvraag.bsn), _dossier(stap, partner_bsn))
    else:
        aanvrager, partner = await _dossier(stap, stap.aanvraag.bsn), None
    feiten = regels.Bronfeiten(huishouden=huishouden, aanvrager=aanvrager, partner=partner)
    await stap.leg_feit_vast("bronnen", feiten.to_json())
    return {"bronnen_compleet": True}


async def _verzoek(stap: Stap, feiten: regels.Bronfeiten) -> BerekeningVerzoek:
    try:
        return regels.berekening_verzoek(feiten, stap.gegevens, stap.aanvraag.aanvraagdatum)
    except ValueError as exc:
        raise ValueError(f"De berekening is niet op te stellen: {exc}") from exc


async def berekening_uitvoeren(stap: Stap) -> dict[str, Any]:
    """Domain: the calculation (with its explanation) of the household from the sources and the declarations."""
    feiten = await _bronfeiten(stap)
    if feiten is None or feiten.aanvrager is None:
        raise ValueError("Geen gegevens uit de bronnen: bronnen.ophalen is niet vastgelegd")
    verzoek = await _verzoek(stap, feiten)
    antwoord: BerekeningAntwoord = await stap.post("/api/v1/berekeningen", verzoek, BerekeningAntwoord)
    stored = await stap.leg_feit_vast(
        "berekening",
        {
            "verzoek": verzoek.model_dump(mode="json", by_alias=True, exclude_none=True),
            "antwoord": antwoord.model_dump(mode="json", by_alias=True),
        },
    )
    antwoord = BerekeningAntwoord.model_validate(stored["antwoord"])
    return {
        "besluit_voorstel": "toekenning" if antwoord.recht else "afwijzing",
        "bedrag_cents": centen(antwoord.bedrag_per_maand),
    }


async def _berekening(stap: Stap) -> BerekeningAntwoord | None:
    data = await stap.feit("berekening")
    return BerekeningAntwoord.model_validate(data["antwoord"]) if data else None


async def risico_beoordelen(stap: Stap) -> dict[str, Any]:
    feiten = await _bronfeiten(stap)
    berekening = await _berekening(stap)
    if feiten is None or berekening is None:
        raise ValueError("Geen bronnen of berekening vastgelegd voor de risicobeoordeling")
    result = regels.risico(feiten, stap.gegevens, berekening, stap.aanvraag.aanvraagdatum, stap.aanvraag.meldingsdatum)
    return result.uitkomst()


def _documenten(value: Any) -> list[str]:
    if isinstance(value, list):
        return [
            _regel(str(v.get("omschrijving") or v.get("naam") or v) if isinstance(v, dict) else str(v)) for v in value
        ]
    if value:
        return [_regel(str(value))]
    return []


async def herstelverzoek_versturen(stap: Stap) -> dict[str, Any]:
    """Awb 4:5: ask for the missing documents with a hersteltermijn (an open request in the citizen's tijdlijn)."""
    documenten = _documenten(stap.var("gevraagde_documenten")) or ["de gevraagde stukken"]
    termijn = date.fromisoformat(stap.var("hersteltermijn_einde"))
    await stap.leg_feit_vast(
        "herstelverzoek",
        {"datum": stap.vandaag.isoformat(), "hersteltermijnEinde": termijn.isoformat(), "documenten": documenten},
    )
    await stap.tijdlijn(
        f"herstelverzoek.{stap.task_id}",
        "herstelverzoek",
        "Wij hebben meer gegevens nodig om uw aanvraag te beoordelen: "
        + "; ".join(documenten)
        + f". Stuur ze uiterlijk {termijn.isoformat()}. Krijgen wij ze niet op tijd, dan kunnen wij uw aanvraag "
        "buiten behandeling stellen (artikel 4:5 Algemene wet bestuursrecht).",
    )
    return {}


async def vierogen_bepalen(stap: Stap) -> dict[str, Any]:
    """The gemeente's vierogen policy in force today (domain): an amount above the limit or a deviation from the
    calculation needs a teamleider. No policy found: four eyes (never less control on missing data)."""
    versie = await stap.referenties.beleid(stap.gemeente, "vierogen", stap.vandaag)
    if versie is None:
        return {"vierogen_nodig": True, "vierogen_reden": "geen vierogenbeleid van de gemeente gevonden"}
    beleid = VierogenBeleidsinhoud.model_validate(versie.inhoud)
    redenen = []
    if stap.var("besluit") == "toekenning" and int(stap.var("bedrag_cents", 0)) > centen(beleid.bedragsgrens_per_maand):
        redenen.append(f"bedrag boven {beleid.bedragsgrens_per_maand} per maand ({versie.beleid_id})")
    if beleid.bij_afwijking_van_berekening and stap.var("afwijking_berekening") is True:
        redenen.append(f"besluit wijkt af van de berekening ({versie.beleid_id})")
    return {"vierogen_nodig": bool(redenen), "vierogen_reden": "; ".join(redenen) or None}


_SOORT = {"toekenning": "toekenning", "afwijzing": "afwijzing", "buiten_behandeling": "buiten-behandeling"}


def _ingangsdatum(stap: Stap) -> date:
    """Pw 44 lid 1: from the day of the melding; for whom the zoektermijn applied, not before it ended (lid 2)."""
    melding = stap.aanvraag.meldingsdatum
    return melding + timedelta(weeks=4) if stap.var("zoektermijn") is True else melding


async def _zaak_afhandelen(stap: Stap, besluit: Besluit) -> None:
    """The end of the case in the zaaksysteem, in one request (ADR 0045): the besluit with the zaak's status
    besluit_genomen at the besluit's ``createdAt``, its beschikking as document of the zaak and the besluit, and the
    eindstatus a second later. The moments and keys follow from the besluit and the letter, so a retried step (a
    replay, a repeated request) finds each part its first try registered and goes on after the last."""
    if besluit.beschikking_document_id is None:
        raise ValueError("Het besluit heeft geen beschikking om in het zaaksysteem vast te leggen")
    beschikking = await stap.store.beschikking(stap.aanvraag.id, besluit.beschikking_document_id)
    verzoek = ZaakAfhandelingVerzoek(
        gemeente=stap.gemeente,
        besluit=ZaakAfhandelingBesluit(
            besluittype=ZaakBesluittypeNaam(besluit.soort.replace("-", "_")),
            datum=besluit.datum,
            ingangsdatum=besluit.ingangsdatum or besluit.datum,
            toelichting=f"Besluit op aanvraag {besluit.aanvraag_id}",
            status_gezet_op=besluit.created_at,
            status_toelichting=besluit.soort,
        ),
        # Made on the day it was stored, not the day it is made known (days later after an incident): the document's
        # creatiedatum agrees with the besluit and the zaak's einddatum, and a retry sends the same.
        document=ZaakAfhandelingDocument(
            titel=f"Beschikking {besluit.soort}",
            inhoud=beschikking.inhoud.encode(),
            bestandsnaam=beschikking.bestandsnaam,
            creatiedatum=nl_datum(beschikking.gemaakt),
        ),
        eindstatus=ZaakAfhandelingStatus(datum=besluit.created_at + timedelta(seconds=1), toelichting=besluit.soort),
    )
    await stap.post(f"{INTEGRATION}/zaken/{stap.var('zaak_id')}:afhandelen", verzoek, ZaakAfhandeling)


async def besluit_vastleggen(stap: Stap) -> dict[str, Any]:
    """The decision in the data service (one per aanvraag); the zaaksysteem gets it when it is made known
    (``notificatie.versturen``, ADR 0045)."""
    soort = _SOORT[str(stap.var("besluit"))]
    beoordeling = await stap.laatst_afgerond("beoordeling")
    goedkeuring = await stap.laatst_afgerond("vierogen_goedkeuring", "goedgekeurd")
    vastgesteld = beoordeling.afgerond_door if beoordeling and beoordeling.afgerond_door else AUTOMATISCH
    goedgekeurd = goedkeuring.afgerond_door if goedkeuring else None
    berekening = await _berekening(stap)
    gronden: dict[str, JsonValue] = {
        "routeringsreden": stap.var("routeringsreden"),
        "vierogenReden": stap.var("vierogen_reden"),
        "beoordeling": beoordeling.uitkomst_reden if beoordeling else None,
    }
    if berekening is not None:
        gronden["berekening"] = berekening.model_dump(mode="json", by_alias=True)
    toekenning = soort == "toekenning"
    nieuw = BesluitNieuw(
        soort=soort,
        datum=stap.vandaag,
        ingangsdatum=_ingangsdatum(stap) if toekenning else None,
        bedrag_per_maand_cents=int(stap.var("bedrag_cents", 0)) if toekenning else None,
        gronden=gronden,
        vastgesteld_door=vastgesteld,
        goedgekeurd_door=goedgekeurd if goedgekeurd != vastgesteld else None,
    )
    # In a run, with the save of the state before this step (ADR 0038); else (or when the run did not take it
    # along) on its own. The zaaksysteem hears of it with its beschikking when it is made known (ADR 0045).
    besluit = await stap.besluit_met_opslag(nieuw) if stap.besluit_met_opslag is not None else None
    if besluit is None:
        besluit = await stap.store.leg_besluit_vast(stap.aanvraag.id, nieuw)
    return {"besluit_id": str(besluit.id)}


_REGEL_WEG = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _regel(tekst: str, lengte: int = 400) -> str:
    cleaned = _REGEL_WEG.sub(" ", tekst).strip()
    return (cleaned or "-")[:lengte]


async def _gemeente(stap: Stap) -> Gemeente:
    return await stap.referenties.gemeente(stap.gemeente)


async def _voorschotten(stap: Stap) -> list[Voorschot]:
    """The voorschotten paid on the aanvraag. Only voorschot.beoordelen pays them, each after claiming its volgnummer
    as step ``voorschot.<n>``: in a run (which read every recorded step when it started, or knows there can be none)
    no such step means no voorschot, and the data service is not asked."""
    if (
        stap.recorded is not None
        and stap.pending is not None
        and not any(k.startswith("voorschot.") for known in (stap.recorded, stap.pending) for k in known)
    ):
        return []
    return await stap.store.voorschotten(stap.aanvraag.id)


async def beschikking_maken(stap: Stap) -> dict[str, Any]:
    """Domain renders the letter (PDF/A) from the besluit and its grounds; stored with the aanvraag (soort
    beschikking) and linked to the besluit. It goes to the zaaksysteem with the besluit when the decision is
    announced (notificatie.versturen, ADR 0045)."""
    besluit = await stap.store.besluit(stap.aanvraag.id)
    if besluit is None:
        raise ValueError("Er is geen besluit vastgelegd om een beschikking van te maken")
    if besluit.beschikking_document_id is not None:
        # The step ran before and stored its letter with the besluit (a retry after a crash or a lost answer): that
        # letter stands, none is rendered again (a domain service of another version may render other bytes,
        # which the data service would refuse as a second beschikking of the besluit).
        return {"beschikking_id": str(besluit.beschikking_document_id)}
    berekening = await _berekening(stap)
    gemeente = await _gemeente(stap)
    gegevens = stap.gegevens
    feiten = await _bronfeiten(stap)
    naam = gegevens.naam or (feiten.huishouden.aanvrager.naam if feiten and feiten.huishouden.aanvrager.naam else None)
    redenen: list[RedenInvoer] = []
    buiten: BuitenBehandelingInvoer | None = None
    if besluit.soort == "afwijzing":
        if berekening is not None and not berekening.recht:
            redenen = [
                RedenInvoer(code=r.code[:64], tekst=_regel(r.tekst), artikel=_regel(r.artikel, 100))
                for r in berekening.redenen[:20]
            ]
        if not redenen:
            beoordeling = await stap.laatst_afgerond("beoordeling")
            tekst = (
                beoordeling.uitkomst_reden if beoordeling and beoordeling.uitkomst_reden else "Geen recht op bijstand"
            )
            redenen = [RedenInvoer(code="beoordeling", tekst=_regel(tekst), artikel="Pw 11 lid 1")]
    elif besluit.soort == "buiten-behandeling":
        verzoek = await stap.feit("herstelverzoek")
        if verzoek:
            buiten = BuitenBehandelingInvoer(
                verzoek_datum=date.fromisoformat(verzoek["datum"]),
                hersteltermijn_tot=date.fromisoformat(verzoek["hersteltermijnEinde"]),
                ontbrekende_stukken=verzoek["documenten"] or ["de gevraagde stukken"],
            )
        else:
            buiten = BuitenBehandelingInvoer(
                verzoek_datum=stap.aanvraag.aanvraagdatum,
                hersteltermijn_tot=besluit.datum - timedelta(days=1),
                ontbrekende_stukken=["de gevraagde gegevens"],
            )
    voorschotten = await _voorschotten(stap)
    toekenning = besluit.soort == "toekenning"
    verzoek_pdf = BeschikkingVerzoek(
        gemeente=GemeenteAfzenderInvoer(
            code=stap.gemeente,
            naam=_regel(gemeente.naam, 100),
            afzender=["Werk en Inkomen", _regel(f"Gemeente {gemeente.naam}", 100)],
        ),
        aanvraag_id=str(stap.aanvraag.id),
        aanvraagdatum=stap.aanvraag.aanvraagdatum,
        zaak_identificatie=str(stap.var("zaak_id")),
        datum=besluit.datum,
        ontvanger=OntvangerInvoer(
            naam=_regel(naam or "De aanvrager", 100),
            adres=[_regel(r, 100) for r in (gegevens.adres or ["(adres volgens de Basisregistratie Personen)"])],
            bsn=stap.aanvraag.bsn,
        ),
        soort=besluit.soort,
        ingangsdatum=besluit.ingangsdatum if toekenning else None,
        bedrag_per_maand=bedrag(besluit.bedrag_per_maand_cents or 0) if toekenning else None,
        berekening=berekening if toekenning else None,
        redenen=redenen,
        buiten_behandeling=buiten,
        behandelaar=MedewerkerInvoer(naam=_regel(besluit.vastgesteld_door, 100), functie="Werk en Inkomen"),
        goedgekeurd_door=MedewerkerInvoer(naam=_regel(besluit.goedgekeurd_door, 100), functie="teamleider")
        if besluit.goedgekeurd_door
        else None,
        voorschotten=[
            VoorschotBetalingInvoer(betaald_op=v.betaaldatum, bedrag=bedrag(v.bedrag_cents)) for v in voorschotten
        ],
    )
    pdf: BeschikkingDocument = await stap.post("/internal/domain/v1/beschikkingen", verzoek_pdf, BeschikkingDocument)
    # stored and linked to the besluit in one request (ADR 0027)
    document = await stap.store.voeg_beschikking_toe(
        stap.aanvraag.id,
        {"bestandsnaam": pdf.bestandsnaam, "contentType": "application/pdf", "inhoud": pdf.inhoud},
        idempotency_key=f"beschikking.{stap.aanvraag.id}.{pdf.id}",
    )
    return {"beschikking_id": str(document.id)}


async def _grondslag(stap: Stap) -> UitkeringGrondslagNieuw | None:
    """What the monthly payment run pays on: the household of the calculation the besluit was made on (without
    gemeente and peildatum: the run calculates each month anew) and the account and name from the application
    (the name as declared, else the BRP's). None, logged, when one of them is missing: the run reports it."""
    berekening = await stap.feit("berekening")
    feiten = await _bronfeiten(stap)
    gegevens = stap.gegevens
    iban = normalize_iban(gegevens.iban) if gegevens.iban else None
    naam = gegevens.naam or (feiten.huishouden.aanvrager.naam if feiten and feiten.huishouden.aanvrager.naam else None)
    ontbreekt = [
        veld
        for veld, waarde in (
            ("berekening", berekening),
            ("iban", iban if iban and is_valid_iban(iban) else None),
            ("naam", naam),
        )
        if not waarde
    ]
    if ontbreekt or berekening is None or iban is None or naam is None:
        log.warning("aanvraag %s: uitkering zonder grondslag (ontbreekt: %s)", stap.aanvraag.id, ", ".join(ontbreekt))
        return None
    huishouden = {k: v for k, v in dict(berekening["verzoek"]).items() if k not in ("gemeente", "peildatum")}
    return UitkeringGrondslagNieuw(huishouden=huishouden, iban=iban, naam=_regel(naam, 70))


async def uitkering_registreren(stap: Stap) -> dict[str, Any]:
    besluit = await stap.store.besluit(stap.aanvraag.id)
    if besluit is None or besluit.soort != "toekenning" or besluit.ingangsdatum is None:
        raise ValueError("Zonder toekenning geen uitkering")
    nieuw = UitkeringNieuw(
        # one uitkering per aanvraag: its id follows from the aanvraag, so every try of this step names the same
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"gbi:uitkering:{stap.aanvraag.id}"),
        aanvraag_id=stap.aanvraag.id,
        startdatum=besluit.ingangsdatum,
        bedrag_per_maand_cents=besluit.bedrag_per_maand_cents or 0,
        grondslag=await _grondslag(stap),
    )
    if stap.uitkering_pending is not None:
        # started by the save that records this result, in one transaction (ADR 0030)
        stap.uitkering_pending[stap.task_id] = nieuw
        return {"uitkering_id": str(nieuw.id)}
    uitkering = await stap.store.start_uitkering(nieuw)
    return {"uitkering_id": str(uitkering.id)}


_BEKENDMAKING = {
    "toekenning": "Wij hebben uw aanvraag toegekend: u krijgt bijstand vanaf {ingang}, {bedrag} euro per maand. "
    "De beschikking staat bij uw documenten.",
    "afwijzing": "Wij hebben uw aanvraag afgewezen. In de beschikking bij uw documenten staat waarom en hoe u "
    "bezwaar kunt maken.",
    "buiten-behandeling": "Wij hebben uw aanvraag buiten behandeling gesteld, omdat de gevraagde stukken niet op "
    "tijd binnen waren. De beschikking staat bij uw documenten.",
}


async def notificatie_versturen(stap: Stap) -> dict[str, Any]:
    """Announce the decision: the citizen's tijdlijn, and in the zaaksysteem the besluit with its beschikking and
    the zaak's eindstatus (one request, ADR 0045). Subscribers hear of the besluit through the data service's outbox
    (ADR 0009); the aanvraag's final status is set by the runner."""
    besluit = await stap.store.besluit(stap.aanvraag.id)
    if besluit is None:
        raise ValueError("Er is geen besluit om bekend te maken")
    tekst = _BEKENDMAKING[besluit.soort].format(
        ingang=besluit.ingangsdatum.isoformat() if besluit.ingangsdatum else "-",
        bedrag=bedrag(besluit.bedrag_per_maand_cents or 0),
    )
    # The zaaksysteem first: a refusal fails the step before the citizen's tijdlijn says the besluit was made known
    # (the runner keeps an entry once added, also when the step fails after it).
    await _zaak_afhandelen(stap, besluit)
    await stap.tijdlijn("besluit-bekendgemaakt", "besluit", tekst)
    return {}


async def _voorschot_verzoek(stap: Stap) -> BerekeningVerzoek:
    berekening = await stap.feit("berekening")
    if berekening:
        return BerekeningVerzoek.model_validate(berekening["verzoek"])
    feiten = await _bronfeiten(stap)
    if feiten is None:
        feiten = regels.Bronfeiten(huishouden=await _huishouden(stap), aanvrager=None, partner=None)
    return await _verzoek(stap, feiten)


async def voorschot_beoordelen(stap: Stap) -> dict[str, Any]:
    """Pw 52: no decision after 4 weeks -> a voorschot of at least 95% of the expected benefit, unless no right
    is to be expected (the calculation gives nothing). Each payment takes the next volgnummer, claimed once per
    task as a step (first write wins), so a retried task pays with the same volgnummer: never twice."""
    if stap.var("zoektermijn") is True:
        # Pw 41 lid 4: under 27 the aanvraag counts from the end of the zoektermijn; art. 52's four weeks run
        # from then (the model counts its terms from the aanvraagdatum the intake passed).
        vanaf = max(stap.aanvraag.aanvraagdatum, stap.aanvraag.meldingsdatum + timedelta(weeks=4))
        if stap.vandaag < vanaf + timedelta(weeks=4):
            return {"voorschot_betaald": False}
    verzoek = await _voorschot_verzoek(stap)
    antwoord: VoorschotAntwoord = await stap.post("/api/v1/berekeningen/voorschotten", verzoek, VoorschotAntwoord)
    bedrag_cents = centen(antwoord.bedrag)
    if bedrag_cents <= 0 or not antwoord.berekening.recht:
        await stap.tijdlijn(
            f"voorschot-geweigerd.{stap.task_id}",
            "voorschot",
            "Er is nog geen besluit op uw aanvraag. Een voorschot is niet mogelijk, omdat u naar de gegevens die wij "
            "nu hebben geen recht op bijstand heeft (artikel 52 Participatiewet).",
        )
        return {"voorschot_betaald": False}
    plan: dict[str, Any] = {
        "taskId": stap.task_id,
        "betaaldatum": stap.vandaag.isoformat(),
        "periode": stap.vandaag.strftime("%Y-%m"),
    }
    volgnummer = 0
    for n in range(1, 1001):
        stored = await stap.store.leg_stap_vast(stap.instance_id, f"voorschot.{n}", plan)
        if stap.recorded is not None:
            stap.recorded[f"voorschot.{n}"] = stored  # the run's view of the recorded steps stays complete
        if isinstance(stored, dict) and stored.get("taskId") == stap.task_id:
            volgnummer, plan = n, dict(stored)
            break
    if not volgnummer:
        raise ValueError("Geen volgnummer voor het voorschot")
    await stap.store.leg_voorschot_vast(
        VoorschotNieuw(
            aanvraag_id=stap.aanvraag.id,
            volgnummer=volgnummer,
            bedrag_cents=bedrag_cents,
            periode=str(plan["periode"]),
            betaaldatum=date.fromisoformat(str(plan["betaaldatum"])),
        )
    )
    await stap.tijdlijn(
        f"voorschot.{volgnummer}",
        "voorschot",
        f"Er is nog geen besluit op uw aanvraag. U krijgt een voorschot van {bedrag(bedrag_cents)} euro "
        "(artikel 52 Participatiewet); dat verrekenen wij met de bijstand.",
    )
    return {"voorschot_betaald": True}


async def verdaging_versturen(stap: Stap) -> dict[str, Any]:
    """Awb 4:14: tell the citizen the decision takes longer, with the new term (4 weeks more)."""
    oud = date.fromisoformat(str(stap.var("beslistermijn_einde")))
    nieuw = oud + VERDAGING
    await stap.tijdlijn(
        f"verdaging.{stap.task_id}",
        "verdaging",
        f"Wij hebben meer tijd nodig om op uw aanvraag te beslissen. U hoort uiterlijk {nieuw.isoformat()} van ons "
        "(artikel 4:14 Algemene wet bestuursrecht).",
    )
    return {"beslistermijn_einde": nieuw.isoformat()}


HANDLERS: Mapping[str, Handler] = {
    "zaak.registreren": zaak_registreren,
    "zoektermijn.bepalen": zoektermijn_bepalen,
    "bronnen.ophalen": bronnen_ophalen,
    "berekening.uitvoeren": berekening_uitvoeren,
    "risico.beoordelen": risico_beoordelen,
    "herstelverzoek.versturen": herstelverzoek_versturen,
    "vierogen.bepalen": vierogen_bepalen,
    "besluit.vastleggen": besluit_vastleggen,
    "beschikking.maken": beschikking_maken,
    "uitkering.registreren": uitkering_registreren,
    "notificatie.versturen": notificatie_versturen,
    "voorschot.beoordelen": voorschot_beoordelen,
    "verdaging.versturen": verdaging_versturen,
}

"""Use cases of the caseworker's workbench: the inbox per role, working a task (claim, hand back, reassign,
complete, comment) and the case dossier.

    what                                   who (medewerker of the gemeente)
    inbox, counts, a task, comment         klantmanager, inkomensconsulent, handhaver, teamleider
    the inbox of a role                    who has that role, or a teamleider
    claim, hand back, complete             the same; the store checks the task's rol, that only the claimer
                                           completes, and 4-eyes (whoever completed the task under review
                                           cannot approve it)
    reassign                               teamleider
    case dossier                           klantmanager, inkomensconsulent, handhaver, teamleider

Everything is within the caller's own gemeente (their context carries it); another gemeente's task or case answers
404 exactly like a missing one. Completing a task wakes its process instance in the same store transaction.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import JsonValue

from gbi_interaction.lagen import Lagen, optioneel, samen
from gbi_interaction.voortgang import lees_voortgang
from gbi_interaction.weergave import (
    aanvraag_links,
    beschikking_van,
    document_weergave,
    dossier_besluit,
    opmerking_weergave,
    status_omschrijving,
    taak_detail,
    uitkering_weergave,
    voorschot_weergave,
    werkbaktaak,
)
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.alo import (
    Besluit,
    OpmerkingNieuw,
    TaakAfronding,
    TaakHerverdeling,
    TaakPagina,
    TaakStatus,
    TaakTellingen,
    Uitkering,
)
from gbi_shared.contracts.kanaal import (
    WERKBAK_ROLLEN,
    DossierAanvrager,
    DossierTijdlijnItem,
    TaakAfrondingVerzoek,
    TaakHerverdelingVerzoek,
    TaakOpmerkingVerzoek,
    TaakOpmerkingWeergave,
    WerkbakRol,
    WerkbaktaakDetail,
    Zaakdossier,
)
from gbi_shared.errors import ForbiddenError, NotFoundError

__all__ = ["SORTERING", "WerkplekService"]

#: Public sort keys of the inbox -> the store's.
SORTERING = {"deadline": "due", "aangemaakt": "created"}
_GEEN_TAAK = "Geen taak met dit id"
_GEEN_AANVRAAG = "Geen aanvraag met dit id"
#: How many tasks of one case the dossier shows (a case has a handful).
_TAKEN_PER_ZAAK = 100


def _medewerker(ctx: RequestContext) -> None:
    if ctx.actor_type is not ActorType.MEDEWERKER or not ctx.has_role(*WERKBAK_ROLLEN):
        raise ForbiddenError(f"Alleen voor medewerkers met een van de rollen {', '.join(WERKBAK_ROLLEN)}")


def _huishouden(gegevens: dict[str, JsonValue]) -> dict[str, JsonValue] | None:
    """The household as declared: partner and children (``huishouden``) with the other residents
    (``medebewoners``, where the process reads them)."""
    huishouden = gegevens.get("huishouden")
    medebewoners = gegevens.get("medebewoners")
    if not isinstance(huishouden, dict) and medebewoners is None:
        return None
    result: dict[str, JsonValue] = dict(huishouden) if isinstance(huishouden, dict) else {}
    if medebewoners is not None:
        result.setdefault("medebewoners", medebewoners)
    return result


class WerkplekService:
    def __init__(self, lagen: Lagen) -> None:
        self._lagen = lagen

    # --- the inbox ------------------------------------------------------------------------------------------------

    async def taken(
        self,
        ctx: RequestContext,
        *,
        rol: WerkbakRol | None,
        status: TaakStatus | None,
        toegewezen_aan: str | None,
        aanvraag_id: UUID | None,
        sorteer: str,
        page_size: int,
        after: str | None,
    ) -> TaakPagina:
        """The inbox of the caller's gemeente. Without ``rol`` a medewerker with one inbox role sees that role's
        inbox; a teamleider, or who has several roles, sees them all. ``toegewezenAan=mij`` is the caller."""
        _medewerker(ctx)
        teamleider = ctx.has_role("teamleider")
        if rol is not None and not (ctx.has_role(rol) or teamleider):
            raise ForbiddenError(f"U hebt de rol {rol} niet; u ziet alleen de werkbak van uw eigen rollen")
        if rol is None and not teamleider:
            eigen = [r for r in WERKBAK_ROLLEN if ctx.has_role(r)]
            if len(eigen) == 1:
                rol = eigen[0]  # type: ignore[assignment]
        params = {"sort": SORTERING[sorteer], "pageSize": str(page_size)}
        if rol is not None:
            params["rol"] = rol
        if status is not None:
            params["status"] = status
        if toegewezen_aan is not None:
            params["toegewezenAan"] = ctx.actor_id if toegewezen_aan == "mij" else toegewezen_aan
        if aanvraag_id is not None:
            params["aanvraagId"] = str(aanvraag_id)
        if after is not None:
            params["after"] = after
        return await self._lagen.store(None).taken(params)

    async def tellingen(self, ctx: RequestContext) -> TaakTellingen:
        _medewerker(ctx)
        return await self._lagen.store(None).tellingen()

    async def taak(self, ctx: RequestContext, taak_id: UUID) -> WerkbaktaakDetail:
        _medewerker(ctx)
        try:
            return taak_detail(await self._lagen.store(None).taak(taak_id))
        except NotFoundError:
            raise NotFoundError(_GEEN_TAAK) from None

    # --- working a task -------------------------------------------------------------------------------------------

    async def _actie(self, ctx: RequestContext, taak_id: UUID, actie: str) -> WerkbaktaakDetail:
        _medewerker(ctx)
        try:
            return taak_detail(await self._lagen.store(None).taak_actie(taak_id, actie))
        except NotFoundError:
            raise NotFoundError(_GEEN_TAAK) from None

    async def claim(self, ctx: RequestContext, taak_id: UUID) -> WerkbaktaakDetail:
        return await self._actie(ctx, taak_id, "claim")

    async def vrijgeven(self, ctx: RequestContext, taak_id: UUID) -> WerkbaktaakDetail:
        return await self._actie(ctx, taak_id, "vrijgeven")

    async def herverdeel(
        self, ctx: RequestContext, taak_id: UUID, verzoek: TaakHerverdelingVerzoek
    ) -> WerkbaktaakDetail:
        _medewerker(ctx)
        if not ctx.has_role("teamleider"):
            raise ForbiddenError("Alleen een teamleider verdeelt taken")
        try:
            taak = await self._lagen.store(None).herverdeel(taak_id, TaakHerverdeling(medewerker=verzoek.medewerker))
        except NotFoundError:
            raise NotFoundError(_GEEN_TAAK) from None
        return taak_detail(taak)

    async def rond_af(self, ctx: RequestContext, taak_id: UUID, verzoek: TaakAfrondingVerzoek) -> WerkbaktaakDetail:
        _medewerker(ctx)
        afronding = TaakAfronding(uitkomst=verzoek.uitkomst, reden=verzoek.reden, gegevens=verzoek.gegevens)
        try:
            return taak_detail(await self._lagen.store(None).rond_af(taak_id, afronding))
        except NotFoundError:
            raise NotFoundError(_GEEN_TAAK) from None

    async def plaats_opmerking(
        self, ctx: RequestContext, taak_id: UUID, verzoek: TaakOpmerkingVerzoek
    ) -> TaakOpmerkingWeergave:
        _medewerker(ctx)
        try:
            opmerking = await self._lagen.store(None).plaats_opmerking(taak_id, OpmerkingNieuw(tekst=verzoek.tekst))
        except NotFoundError:
            raise NotFoundError(_GEEN_TAAK) from None
        return opmerking_weergave(opmerking)

    # --- the case dossier -----------------------------------------------------------------------------------------

    async def zaak(self, ctx: RequestContext, aanvraag_id: UUID) -> Zaakdossier:
        """Everything the store and the process know of one aanvraag of the caller's gemeente."""
        _medewerker(ctx)
        store = self._lagen.store(None)
        try:
            aanvraag = await store.aanvraag(aanvraag_id)
        except NotFoundError:
            raise NotFoundError(_GEEN_AANVRAAG) from None
        documenten, besluit, voorschotten, taken, voortgang = await samen(
            store.documenten(aanvraag_id),
            optioneel(store.besluit(aanvraag_id)),
            store.voorschotten(aanvraag_id),
            store.taken({"aanvraagId": str(aanvraag_id), "sort": "created", "pageSize": str(_TAKEN_PER_ZAAK)}),
            self._lagen.proces(None).voortgang(aanvraag_id),
        )
        uitkering: Uitkering | None = None
        if isinstance(besluit, Besluit) and besluit.soort == "toekenning":
            uitkering = await optioneel(store.uitkering(aanvraag_id))
        beeld = lees_voortgang(voortgang.waarde, aanvraag.status)
        beschikking = beschikking_van(besluit, documenten.items)
        berekening = beeld.berekening
        if isinstance(besluit, Besluit) and isinstance(besluit.gronden.get("berekening"), dict):
            berekening = besluit.gronden["berekening"]
        huishouden = _huishouden(aanvraag.gegevens)
        assert isinstance(taken, TaakPagina)
        return Zaakdossier(
            id=aanvraag.id,
            gemeente=aanvraag.gemeente,
            status=aanvraag.status,
            status_omschrijving=status_omschrijving(aanvraag.status),
            kanaal=aanvraag.kanaal,
            meldingsdatum=aanvraag.meldingsdatum,
            aanvraagdatum=aanvraag.aanvraagdatum,
            versie=aanvraag.version,
            ontvangen_op=aanvraag.created_at,
            gewijzigd_op=aanvraag.updated_at,
            aanvrager=DossierAanvrager(bsn=aanvraag.bsn),
            huishouden=huishouden,
            opgegeven=aanvraag.gegevens,
            bronnen=beeld.bronnen,
            berekening=berekening,
            termijnen=beeld.termijnen,
            open_verzoeken=beeld.open_verzoeken,
            documenten=[document_weergave(d) for d in documenten.items],
            tijdlijn=[
                DossierTijdlijnItem(op=t.at, soort=t.soort, omschrijving=t.omschrijving, door=t.actor)
                for t in sorted(aanvraag.tijdlijn, key=lambda t: (t.at, str(t.id)))
            ],
            taken=[werkbaktaak(t) for t in taken.items],
            besluit=dossier_besluit(besluit, beschikking=beschikking is not None) if besluit is not None else None,
            uitkering=uitkering_weergave(uitkering) if uitkering is not None else None,
            voorschotten=[voorschot_weergave(v) for v in sorted(voorschotten.items, key=lambda v: v.volgnummer)],
            voortgang=voortgang.waarde,
            links=aanvraag_links(aanvraag.id, beschikking=beschikking is not None),
        )

"""Use cases of the citizen channel for the ALO transaction: submit an aanvraag, follow it, upload documents, read
the beschikking. Who may do what is checked here; the store checks it again on every row (and a citizen's other
cases, or another gemeente's, answer exactly like cases that do not exist).

    caller                                   submit   list / status / documents / beschikking / upload
    burger (token with BSN)                  yes      own aanvragen only
    medewerker: klantmanager, inkomens-      no       the aanvragen of their own gemeente
    consulent, handhaver, teamleider
    anyone else                              403      403
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from uuid import UUID

from pydantic import JsonValue

from gbi_interaction.lagen import Lagen, afgeleide_sleutel, optioneel, samen
from gbi_interaction.voortgang import lees_voortgang
from gbi_interaction.weergave import (
    aanvraag_links,
    beschikking_van,
    besluit_weergave,
    document_ontvangst,
    document_weergave,
    status_omschrijving,
    tijdlijn,
    uitkering_weergave,
    voorschot_weergave,
)
from gbi_shared._http import HttpResponse
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.alo import (
    DOCUMENT_CONTENT_TYPES,
    MAX_DOCUMENT_BYTES,
    Aanvraag,
    AanvraagPagina,
    AanvraagStatus,
    Besluit,
    DocumentUpload,
    Uitkering,
)
from gbi_shared.contracts.alo_proces import AloAanvraagIndiening
from gbi_shared.contracts.kanaal import (
    WERKBAK_ROLLEN,
    AanvraagIndiening,
    AanvraagOntvangst,
    Aanvraagstatus,
    DocumentOntvangst,
    DocumentOverzicht,
    UploadDocumentsoort,
)
from gbi_shared.errors import (
    BadRequestError,
    ForbiddenError,
    InvalidParam,
    NotFoundError,
    PayloadTooLargeError,
    ServiceError,
    UpstreamError,
)
from gbi_shared.tijd import nl_datum

__all__ = [
    "CASE_ROLES",
    "AanvraagService",
    "Bestand",
    "UnsupportedMediaTypeError",
    "controleer_bestand",
    "gegevens_voor_proces",
]

log = logging.getLogger("gbi.interaction.aanvragen")

#: Staff roles that work on cases: they see the aanvragen of their own gemeente.
CASE_ROLES: tuple[str, ...] = WERKBAK_ROLLEN
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
_GEEN_AANVRAAG = "Geen aanvraag met dit id"
_GEEN_DOCUMENT = "Geen document met dit id"


class UnsupportedMediaTypeError(ServiceError):
    status = 415
    title = "Mediatype niet ondersteund"
    code = "unsupported-media-type"


@dataclass(frozen=True, slots=True)
class Bestand:
    """An uploaded document, checked: allowed type, not empty, not too large, bytes of the declared type."""

    inhoud: bytes
    content_type: str
    soort: UploadDocumentsoort
    bestandsnaam: str


def controleer_bestand(
    inhoud: bytes, content_type: str, soort: UploadDocumentsoort, bestandsnaam: str, veld: str
) -> Bestand:
    """415 for a type other than PDF, PNG or JPEG; 413 above 10 MiB; 400 (naming ``veld``) when empty or when the
    bytes are not what the type says."""
    if content_type not in DOCUMENT_CONTENT_TYPES:
        raise UnsupportedMediaTypeError(
            f"Een document is een PDF, PNG of JPEG ({', '.join(DOCUMENT_CONTENT_TYPES)}), niet "
            f"{content_type or '(geen type)'}"
        )
    if len(inhoud) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLargeError(f"Een document is ten hoogste {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
    if not inhoud:
        raise BadRequestError.for_field(veld, "het document is leeg", code="empty")
    if not inhoud.startswith(_SIGNATURES[content_type]):
        soort_naam = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}[content_type]
        raise BadRequestError.for_field(veld, f"de inhoud is geen {soort_naam}", code="content-type-mismatch")
    return Bestand(inhoud, content_type, soort, bestandsnaam)


def gegevens_voor_proces(indiening: AanvraagIndiening) -> dict[str, JsonValue]:
    """What the citizen declared, as the ``gegevens`` of the aanvraag: the fields the ALO process reads where it
    reads them (``gbi_shared.contracts.alo_proces.AanvraagGegevens``: ``iban``, ``inkomsten``, ``vermogen``,
    ``medebewoners``, ``verblijfBuitenlandDagen``, ``zoektermijnUitzondering``), the rest (partner and children as
    declared, housing, contact, the declaration) beside them for the caseworker."""
    opgegeven = indiening.model_dump(mode="json", by_alias=True)
    huishouden = opgegeven.pop("huishouden")
    opgegeven["medebewoners"] = huishouden.pop("medebewoners")
    opgegeven["huishouden"] = huishouden
    return opgegeven


def _burger_of_medewerker(ctx: RequestContext) -> None:
    if ctx.actor_type is ActorType.BURGER and ctx.bsn:
        return
    if ctx.actor_type is ActorType.MEDEWERKER and ctx.has_role(*CASE_ROLES):
        return
    raise ForbiddenError("Alleen de aanvrager zelf of een medewerker van de gemeente")


def _kruiscontroles(indiening: AanvraagIndiening, ctx: RequestContext) -> None:
    """Checks that span fields, each naming the field that is wrong."""
    fouten: list[InvalidParam] = []
    partner = indiening.huishouden.partner
    for i, inkomen in enumerate(indiening.inkomsten):
        if inkomen.persoon == "partner" and partner is None:
            fouten.append(
                InvalidParam(
                    name=f"inkomsten.{i}.persoon",
                    code="geen-partner",
                    reason="u hebt geen partner opgegeven; geef de partner op bij huishouden.partner",
                )
            )
    if partner is not None and partner.bsn is not None and partner.bsn == ctx.bsn:
        fouten.append(
            InvalidParam(
                name="huishouden.partner.bsn", code="eigen-bsn", reason="dit is uw eigen BSN, niet dat van uw partner"
            )
        )
    if fouten:
        samenvatting = "; ".join(f"{f.name}: {f.reason}" for f in fouten)
        raise BadRequestError(f"Controleer uw invoer. {samenvatting}", invalid_params=fouten)


class AanvraagService:
    def __init__(self, lagen: Lagen) -> None:
        self._lagen = lagen

    @staticmethod
    def controleer_toegang(ctx: RequestContext) -> None:
        """403 unless the caller is a citizen or a caseworker (before anything they sent is looked at)."""
        _burger_of_medewerker(ctx)

    # --- submit ---------------------------------------------------------------------------------------------------

    async def dien_in(
        self, indiening: AanvraagIndiening, ctx: RequestContext, idempotency_key: str
    ) -> AanvraagOntvangst:
        """Hand the aanvraag to the process layer, which registers it with the gemeente where the citizen lives
        and starts the ALO. The key is scoped to the citizen, so two citizens can never collide on one."""
        if ctx.actor_type is not ActorType.BURGER or not ctx.bsn:
            raise ForbiddenError("Via dit kanaal dient alleen een burger een aanvraag in, voor zichzelf")
        _kruiscontroles(indiening, ctx)
        # The melding and the aanvraag are the same day on the digital channel: today by the suite's clock (the
        # data service's, which tests move), in the Netherlands.
        klok = await self._lagen.store(None).klok()
        vandaag = nl_datum(klok.nu)
        verzoek = AloAanvraagIndiening(
            bsn=ctx.bsn,
            meldingsdatum=vandaag,
            aanvraagdatum=vandaag,
            kanaal="digitaal",
            gegevens=gegevens_voor_proces(indiening),
        )
        ontvangen = await self._lagen.proces(None).start(
            verzoek, afgeleide_sleutel("aanvraag", ctx.bsn, idempotency_key)
        )
        self._lagen.woonplaats.onthoud(ctx.bsn, ontvangen.gemeente)
        return AanvraagOntvangst(
            id=ontvangen.aanvraag_id, status=ontvangen.status, links=aanvraag_links(ontvangen.aanvraag_id)
        )

    # --- read -----------------------------------------------------------------------------------------------------

    async def zoek(
        self, ctx: RequestContext, *, status: AanvraagStatus | None, page_size: int, after: str | None
    ) -> AanvraagPagina:
        """A citizen's own aanvragen; a caseworker's gemeente's. No BSN in the list."""
        _burger_of_medewerker(ctx)
        if ctx.actor_type is ActorType.BURGER:
            # Citizen-wide (ADR 0010): also the aanvragen of a gemeente the citizen moved away from.
            return await self._lagen.store(None).burger_aanvragen(status=status, page_size=page_size, after=after)
        return await self._lagen.store(None).aanvragen(status=status, page_size=page_size, after=after)

    async def _zichtbare(self, ctx: RequestContext, aanvraag_id: UUID) -> tuple[str | None, Aanvraag]:
        _burger_of_medewerker(ctx)
        gemeente = await self._lagen.gemeente_van_aanvraag(ctx, aanvraag_id)
        try:
            return gemeente, await self._lagen.store(gemeente).aanvraag(aanvraag_id)
        except NotFoundError:
            raise NotFoundError(_GEEN_AANVRAAG) from None

    async def status(self, ctx: RequestContext, aanvraag_id: UUID) -> Aanvraagstatus:
        gemeente, aanvraag = await self._zichtbare(ctx, aanvraag_id)
        store = self._lagen.store(gemeente)
        documenten, besluit, voorschotten, voortgang = await samen(
            store.documenten(aanvraag_id),
            optioneel(store.besluit(aanvraag_id)),
            store.voorschotten(aanvraag_id),
            self._lagen.proces(gemeente).voortgang(aanvraag_id),
        )
        beschikking = beschikking_van(besluit, documenten.items)
        # A decision takes effect when it is made known (Awb 3:40): the citizen sees it with its beschikking (or
        # once the aanvraag is closed as decided), not in the moment between recording it and making the letter.
        if besluit is not None and beschikking is None and aanvraag.status != "besloten":
            besluit = None
        uitkering: Uitkering | None = None
        if isinstance(besluit, Besluit) and besluit.soort == "toekenning":
            uitkering = await optioneel(store.uitkering(aanvraag_id))
        beeld = lees_voortgang(voortgang.waarde, aanvraag.status)
        return Aanvraagstatus(
            id=aanvraag.id,
            gemeente=aanvraag.gemeente,
            status=aanvraag.status,
            status_omschrijving=status_omschrijving(aanvraag.status),
            meldingsdatum=aanvraag.meldingsdatum,
            aanvraagdatum=aanvraag.aanvraagdatum,
            tijdlijn=tijdlijn(aanvraag),
            open_verzoeken=beeld.open_verzoeken,
            termijnen=beeld.termijnen,
            besluit=besluit_weergave(besluit, beschikking=beschikking is not None) if besluit is not None else None,
            uitkering=uitkering_weergave(uitkering) if uitkering is not None else None,
            voorschotten=[voorschot_weergave(v) for v in sorted(voorschotten.items, key=lambda v: v.volgnummer)],
            documenten=[document_weergave(d) for d in documenten.items],
            voortgang_beschikbaar=voortgang.beschikbaar,
            links=aanvraag_links(aanvraag.id, beschikking=beschikking is not None),
        )

    async def documenten(self, ctx: RequestContext, aanvraag_id: UUID) -> DocumentOverzicht:
        """The documents of an aanvraag: what was uploaded, and the beschikking once it is made."""
        _burger_of_medewerker(ctx)
        gemeente = await self._lagen.gemeente_van_aanvraag(ctx, aanvraag_id)
        try:
            lijst = await self._lagen.store(gemeente).documenten(aanvraag_id)
        except NotFoundError:
            raise NotFoundError(_GEEN_AANVRAAG) from None
        return DocumentOverzicht(items=[document_weergave(d) for d in lijst.items])

    async def beschikking(self, ctx: RequestContext, aanvraag_id: UUID) -> HttpResponse:
        """The beschikking (PDF) of a decided aanvraag; 404 before it is made."""
        gemeente, _ = await self._zichtbare(ctx, aanvraag_id)
        store = self._lagen.store(gemeente)
        besluit, documenten = await samen(optioneel(store.besluit(aanvraag_id)), store.documenten(aanvraag_id))
        beschikking = beschikking_van(besluit, documenten.items)
        if beschikking is None:
            raise NotFoundError("Er is nog geen beschikking over deze aanvraag", code="geen-beschikking")
        pdf = await store.document_inhoud(beschikking)
        if pdf.headers.get("Content-Type", "").split(";")[0].strip() != "application/pdf":
            raise UpstreamError("De beschikking is geen PDF")
        return pdf

    async def document_inhoud(self, ctx: RequestContext, document_id: UUID) -> HttpResponse:
        """The bytes of one document (audited by the store): the citizen's own, or of their gemeente for staff."""
        _burger_of_medewerker(ctx)
        if ctx.actor_type is not ActorType.BURGER:
            try:
                return await self._lagen.store(None).document_inhoud(document_id)
            except NotFoundError:
                raise NotFoundError(_GEEN_DOCUMENT) from None
        # A citizen: the document lives in one of the gemeenten that hold their aanvragen (ADR 0010).
        for gemeente in await self._lagen.gemeenten_van_burger(ctx):
            try:
                return await self._lagen.store(gemeente).document_inhoud(document_id)
            except NotFoundError:
                continue
        raise NotFoundError(_GEEN_DOCUMENT)

    # --- upload ---------------------------------------------------------------------------------------------------

    async def lever_document_aan(
        self, ctx: RequestContext, aanvraag_id: UUID, bestand: Bestand, idempotency_key: str | None
    ) -> tuple[DocumentOntvangst, bool]:
        """Store the document with the aanvraag, then tell the process documents arrived (it decides whether that
        answers an open request). Returns (the document, replayed).

        Idempotent: with the caller's key, or without one by content (the same file again is the same document),
        and the signal to the process has a key per document; so a retry after a failure (the process not
        reachable, say) stores nothing twice and signals at most once."""
        _burger_of_medewerker(ctx)
        gemeente = await self._lagen.gemeente_van_aanvraag(ctx, aanvraag_id)
        sha256 = hashlib.sha256(bestand.inhoud).hexdigest()
        if idempotency_key is not None:
            sleutel = afgeleide_sleutel(
                "document", ctx.actor_type.value, ctx.actor_id, str(aanvraag_id), idempotency_key
            )
        else:
            sleutel = afgeleide_sleutel("document", str(aanvraag_id), bestand.soort, bestand.bestandsnaam, sha256)
        upload = DocumentUpload(
            soort=bestand.soort,
            bestandsnaam=bestand.bestandsnaam,
            content_type=bestand.content_type,
            inhoud=base64.b64encode(bestand.inhoud).decode("ascii"),
        )
        try:
            document, replayed = await self._lagen.store(gemeente).voeg_document_toe(aanvraag_id, upload, sleutel)
        except NotFoundError:
            raise NotFoundError(_GEEN_AANVRAAG) from None
        try:
            beantwoord = await self._lagen.proces(gemeente).documenten_ontvangen(aanvraag_id, [document.id])
        except BadRequestError as exc:
            # The process refusing our message is our fault, not the caller's: never name its fields to them.
            log.error("process refused documenten-ontvangen: %s", exc.detail)
            raise UpstreamError("Het document is opgeslagen, maar de behandeling kon het niet verwerken") from exc
        return document_ontvangst(document, beantwoord), replayed

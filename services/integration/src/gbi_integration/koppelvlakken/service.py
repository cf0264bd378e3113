"""Use cases of the koppelvlakken Levensonderhoud: take in an aanvraag a front office announces, and answer
behandelen and beslissen for GBI's cases. Who: systems of a gemeente (actor ``systeem``, role ``integrator``),
each for its own gemeente only.

Taking in (``ontvang``), in this order, each refusal leaving nothing behind:

1. the notification: ``actie`` create, update or partial_update; the kenmerk ``codeOntvangendeGemeente``, when
   given, the caller's gemeente (403 otherwise); ``resourceUrl`` under the URL of a front office
   registered for the caller's gemeente, of the form ``.../AanvragenLevensonderhoudBehandeld/{AanvraagId}``
   (400 naming ``resourceUrl`` otherwise: GBI fetches no address a notification made up);
2. pull the message (``frontoffice``): unreachable, 5xx or timeout after the retries -> 503 (send again later);
   unknown there -> 400;
3. check it against the aanvragen 1.2.1 schema (``schema``) -> 400 naming every field that does not conform;
4. its ``Aanvraagid`` is the one of the URL, its ``CodeOntvangendeGemeente`` the caller's (403 otherwise), the rules
   the schema cannot express hold (``aanvraag``) -> 400 naming the field;
5. start the ALO in the process layer with ``Idempotency-Key: koppelvlak-loa:<gemeente>:<AanvraagId>``: the same
   notification again (or a retry after a lost answer) registers nothing new and gets the same aanvraag; the same
   AanvraagId with other content is a 409 (GBI takes no changes to a submitted aanvraag over this koppelvlak).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from gbi_integration.brp import BrpPort, HaalCentraalBrp
from gbi_integration.koppelvlakken.aanvraag import naar_indiening
from gbi_integration.koppelvlakken.config import Frontoffice, load_frontoffices
from gbi_integration.koppelvlakken.documenten import Dossier, dienst_aangevraagd, zaak_lo_behandeld
from gbi_integration.koppelvlakken.frontoffice import (
    BerichtNietGevonden,
    FrontofficeBron,
    HttpFrontoffice,
    OnbruikbaarBericht,
)
from gbi_integration.koppelvlakken.lagen import Dossiers, GatewayLagen, ProcesLaag
from gbi_integration.koppelvlakken.schema import AanvraagSchema
from gbi_integration.settings import IntegrationSettings
from gbi_shared._http import HttpTransport
from gbi_shared.clients import GatewayClient
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.alo_proces import AloAanvraagOntvangen
from gbi_shared.contracts.koppelvlakken import BEHANDELD_PAD, Notificatie
from gbi_shared.errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UpstreamError,
)

__all__ = ["ACTIES", "KoppelvlakService", "Ontvangst", "koppelvlakken_service", "sleutel"]

ACTIES = frozenset({"create", "update", "partial_update"})
INTEGRATOR = "integrator"


def sleutel(gemeente: str, aanvraag_id: str) -> str:
    """The Idempotency-Key of the aanvraag with this AanvraagId in this gemeente."""
    return f"koppelvlak-loa:{gemeente}:{aanvraag_id.strip('{}').lower()}"


def _gemeentecode(value: object) -> str | None:
    """CodeOntvangendeGemeente as a CBS code: ``0363``, ``363`` and ``GM0363`` are all Amsterdam."""
    text = str(value).strip().upper().removeprefix("GM")
    return text.zfill(4) if text.isdigit() and 1 <= len(text) <= 4 else None


@dataclass(frozen=True, slots=True)
class Ontvangst:
    aanvraag: AloAanvraagOntvangen
    frontoffice_aanvraag_id: str


class KoppelvlakService:
    def __init__(
        self,
        *,
        frontoffices: dict[str, Frontoffice],
        schema: AanvraagSchema,
        bron: FrontofficeBron,
        proces: ProcesLaag,
        dossiers: Dossiers,
        brp: BrpPort,
        publieke_url: str | None = None,
    ) -> None:
        self._frontoffices = frontoffices
        self.schema = schema
        self._bron = bron
        self._proces = proces
        self._dossiers = dossiers
        self._brp = brp
        self._publieke_url = publieke_url

    @staticmethod
    def integrator(ctx: RequestContext) -> str:
        """The gemeente of the calling system; 403 for anyone who is not an integrator of a gemeente."""
        if ctx.actor_type is not ActorType.SYSTEEM or not ctx.has_role(INTEGRATOR) or ctx.gemeente is None:
            raise ForbiddenError("Dit koppelvlak is er voor systemen (integrator) van een gemeente")
        return ctx.gemeente

    # -- taking in --------------------------------------------------------------------------------------------

    def _frontoffice(self, gemeente: str, url: str) -> tuple[str, Frontoffice, str]:
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            raise BadRequestError.for_field("resourceUrl", "een URL zonder query of fragment", code="ongeldige-url")
        for naam, fo in sorted(self._frontoffices.items()):
            if gemeente not in fo.gemeenten or not fo.bevat(url):
                continue
            rest = parts.path[len(urlsplit(fo.url).path.rstrip("/")) :]
            segments = rest.split("/")
            if len(segments) != 3 or f"/{segments[1]}" != BEHANDELD_PAD or not segments[2]:
                raise BadRequestError.for_field(
                    "resourceUrl",
                    f"verwacht {fo.url}{BEHANDELD_PAD}/{{AanvraagId}} (Levensonderhoud aanvragen 1.2.1)",
                    code="ongeldige-url",
                )
            return naam, fo, unquote(segments[2])
        raise BadRequestError.for_field(
            "resourceUrl",
            f"dit is geen adres van een front office van gemeente {gemeente}",
            code="onbekende-frontoffice",
        )

    async def ontvang(self, notificatie: Notificatie, ctx: RequestContext) -> Ontvangst:
        gemeente = self.integrator(ctx)
        if notificatie.actie not in ACTIES:
            raise BadRequestError.for_field(
                "actie", f"GBI neemt alleen {', '.join(sorted(ACTIES))} aan", code="actie-niet-ondersteund"
            )
        kenmerk = notificatie.kenmerken.get("codeOntvangendeGemeente")
        if kenmerk is not None and _gemeentecode(kenmerk) != gemeente:
            raise ForbiddenError(
                f"kenmerken.codeOntvangendeGemeente: deze aanvraag is niet voor gemeente {gemeente}",
                code="andere-gemeente",
            )
        naam, frontoffice, aanvraag_id = self._frontoffice(gemeente, notificatie.resource_url)
        try:
            body = await self._bron.haal_op(naam, frontoffice, notificatie.resource_url)
        except BerichtNietGevonden:
            raise BadRequestError.for_field(
                "resourceUrl", "de front office kent deze aanvraag niet (404)", code="niet-gevonden"
            ) from None
        except OnbruikbaarBericht as exc:
            raise BadRequestError.for_field(
                "resourceUrl", f"de front office gaf geen bruikbaar bericht: {exc}", code="onbruikbaar-bericht"
            ) from None
        gecontroleerd, fouten = self.schema.controleer(body)
        if gecontroleerd is None:
            names = ", ".join(p.name for p in fouten[:5])
            raise BadRequestError(
                f"Het bericht voldoet niet aan Levensonderhoud aanvragen 1.2.1: {names}",
                invalid_params=fouten,
                code="ongeldig-bericht",
            )
        prefix = "ZaakLOAangevraagd." if gecontroleerd.omhuld else ""
        zaak = gecontroleerd.zaak
        lo = zaak["LOaangevraagd"]
        if str(lo["Aanvraagid"]).strip("{}").lower() != aanvraag_id.strip("{}").lower():
            raise BadRequestError.for_field(
                f"{prefix}LOaangevraagd.Aanvraagid",
                "hoort niet bij de resourceUrl van de notificatie",
                code="andere-aanvraag",
            )
        ontvangend = _gemeentecode(lo["CodeOntvangendeGemeente"])
        if ontvangend != gemeente:
            raise ForbiddenError(
                f"{prefix}LOaangevraagd.CodeOntvangendeGemeente: deze aanvraag is niet voor gemeente {gemeente}",
                code="andere-gemeente",
            )
        indiening = naar_indiening(
            zaak, frontoffice=naam, gemeente=gemeente, resource_url=notificatie.resource_url, prefix=prefix
        )
        try:
            ontvangen = await self._proces.start_alo(gemeente, indiening, sleutel(gemeente, aanvraag_id))
        except ConflictError as exc:
            if exc.instance_code == "idempotency-key-reused":
                raise ConflictError(
                    f"Aanvraag {aanvraag_id} is al ontvangen met een andere inhoud; GBI neemt over dit koppelvlak "
                    "geen wijzigingen van een ingediende aanvraag aan",
                    code="aanvraag-gewijzigd",
                ) from exc
            raise
        return Ontvangst(aanvraag=ontvangen, frontoffice_aanvraag_id=str(lo["Aanvraagid"]))

    # -- behandelen, beslissen --------------------------------------------------------------------------------

    async def _dossier(self, aanvraag_id: str, ctx: RequestContext, *, beslissing: bool) -> Dossier:
        gemeente = self.integrator(ctx)
        try:
            uid = uuid.UUID(aanvraag_id)
        except ValueError:
            raise NotFoundError("Geen aanvraag met dit id") from None
        aanvraag = await self._dossiers.aanvraag(gemeente, uid)
        besluit = await self._dossiers.besluit(gemeente, uid)
        if beslissing:
            if besluit is None:
                raise NotFoundError("Op deze aanvraag is nog niet beslist", code="nog-niet-beslist")
            if besluit.soort != "toekenning":
                raise NotFoundError(
                    f"Deze aanvraag is niet toegekend ({besluit.soort}): er is geen dienst", code="geen-toekenning"
                )
        uitkering = await self._dossiers.uitkering(gemeente, uid) if besluit and besluit.soort == "toekenning" else None
        dossier = Dossier(aanvraag, besluit, uitkering, publieke_url=self._publieke_url)
        if dossier.herkomst is None:
            # Not from the koppelvlak: the persons as the BRP knows them (the gemeente's established facts).
            try:
                brp = await self._brp.huishouden(aanvraag.bsn, ctx)
            except NotFoundError:
                brp = None
            dossier = Dossier(aanvraag, besluit, uitkering, brp, publieke_url=self._publieke_url)
        return dossier

    async def behandeld(self, aanvraag_id: str, ctx: RequestContext) -> dict[str, object]:
        dossier = await self._dossier(aanvraag_id, ctx, beslissing=False)
        try:
            return zaak_lo_behandeld(dossier)
        except ValueError as exc:
            raise UpstreamError(f"De aanvraag mist wat Levensonderhoud behandelen vraagt: {exc}") from exc

    async def beslissing(self, aanvraag_id: str, ctx: RequestContext) -> dict[str, object]:
        dossier = await self._dossier(aanvraag_id, ctx, beslissing=True)
        try:
            return dienst_aangevraagd(dossier)
        except ValueError as exc:
            raise UpstreamError(f"De aanvraag mist wat Levensonderhoud beslissen vraagt: {exc}") from exc


def koppelvlakken_service(
    settings: IntegrationSettings, transport: HttpTransport, gateway: GatewayClient
) -> KoppelvlakService:
    """Build the service from the settings. With front offices configured, the schema must load now: a missing
    or different schema file stops the service at start-up, not at the first notification."""
    frontoffices = load_frontoffices(settings.koppelvlak_frontoffices, settings.koppelvlak_frontoffices_file)
    schema = AanvraagSchema(settings.koppelvlak_specs_dir)
    if frontoffices:
        schema.load()
    lagen = GatewayLagen(gateway)
    return KoppelvlakService(
        frontoffices=frontoffices,
        schema=schema,
        bron=HttpFrontoffice(
            transport,
            timeout_s=settings.koppelvlak_timeout_s,
            connect_timeout_s=settings.koppelvlak_connect_timeout_s,
            retries=settings.koppelvlak_retries,
            retry_delay_s=settings.koppelvlak_retry_delay_s,
            max_bytes=settings.koppelvlak_max_bericht_bytes,
            breaker_failures=settings.breaker_failures,
            breaker_cooldown_s=settings.breaker_cooldown_s,
        ),
        proces=lagen,
        dossiers=lagen,
        brp=HaalCentraalBrp(settings, transport),
        publieke_url=settings.koppelvlak_public_url,
    )

"""Public routes of the aanvragen (``/api/v1/aanvragen``): a citizen submits an aanvraag levensonderhoud, follows
it, uploads documents and reads the beschikking; caseworkers read the aanvragen of their gemeente. Thin: parse,
call :class:`~gbi_interaction.aanvraag_service.AanvraagService`, return."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from gbi_interaction.aanvraag_service import AanvraagService, Bestand, controleer_bestand
from gbi_interaction.http import (
    BINARY,
    LOCATION,
    REPLAYED,
    IdempotencyKeyOptional,
    IdempotencyKeyRequired,
    bestand_antwoord,
    bestand_responses,
    pagina_links,
    problem,
)
from gbi_interaction.weergave import overzicht_item
from gbi_shared import PROBLEM_RESPONSES, RequestContext, current_context
from gbi_shared.contracts.alo import DOCUMENT_CONTENT_TYPES, MAX_DOCUMENT_BYTES, AanvraagStatus
from gbi_shared.contracts.kanaal import (
    AanvraagIndiening,
    AanvraagOntvangst,
    AanvraagOverzicht,
    Aanvraagstatus,
    DocumentAanlevering,
    DocumentOntvangst,
    DocumentOverzicht,
    UploadDocumentsoort,
)
from gbi_shared.errors import BadRequestError, PayloadTooLargeError

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/aanvragen", tags=["Aanvragen"], responses=PROBLEM_RESPONSES)

Ctx = Annotated[RequestContext, Depends(current_context)]
AanvraagId = Annotated[UUID, Path(alias="aanvraagId", description="Het id van de aanvraag")]
_EXTENSIES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def _service(request: Request) -> AanvraagService:
    service: AanvraagService = request.app.state.aanvragen
    return service


Service = Annotated[AanvraagService, Depends(_service)]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Dien een aanvraag levensonderhoud in",
    description=(
        "Een burger vraagt algemene bijstand aan (Participatiewet): het huishouden zoals de burger het opgeeft, de "
        "woning, het inkomen, het vermogen, het IBAN (met controle op het controlegetal) en hoe de gemeente de "
        "burger bereikt. Wie de aanvrager is, volgt uit het token (DigiD); een BSN staat nooit in het bericht. De "
        "gemeente waar de burger woont behandelt de aanvraag. Een `Idempotency-Key` is verplicht: dezelfde sleutel "
        "nog eens geeft dezelfde aanvraag terug, zonder tweede aanvraag. Ongeldige invoer geeft 400 met per veld "
        "de reden in gewone taal (`invalidParams`)."
    ),
    operation_id="dienAanvraagIn",
    responses={
        202: {"description": "De aanvraag is ontvangen en de behandeling is gestart", "headers": LOCATION},
        409: problem("Deze Idempotency-Key is al gebruikt voor een andere aanvraag"),
        422: problem(
            "De aanvraag kan niet worden behandeld, bijvoorbeeld omdat de burger niet in een GBI-gemeente woont"
        ),
    },
)
async def dien_aanvraag_in(
    body: AanvraagIndiening, ctx: Ctx, service: Service, response: Response, idempotency_key: IdempotencyKeyRequired
) -> AanvraagOntvangst:
    result = await service.dien_in(body, ctx, idempotency_key)
    response.headers["Location"] = result.links.self.href
    return result


@router.get(
    "",
    summary="Zoek aanvragen",
    description=(
        "Een burger ziet zijn eigen aanvragen; een medewerker (klantmanager, inkomensconsulent, handhaver, "
        "teamleider) de aanvragen van de eigen gemeente. Nieuwste eerst, zonder BSN. Volgende pagina: "
        "`links.next`."
    ),
    operation_id="zoekAanvragen",
)
async def zoek_aanvragen(
    ctx: Ctx,
    service: Service,
    request: Request,
    status_: Annotated[
        AanvraagStatus | None, Query(alias="status", description="Alleen aanvragen met deze status")
    ] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100, description="Aantal per pagina")] = 20,
    after: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Uit links.next van de vorige pagina")
    ] = None,
) -> AanvraagOverzicht:
    pagina = await service.zoek(ctx, status=status_, page_size=page_size, after=after)
    return AanvraagOverzicht(
        items=[overzicht_item(i) for i in pagina.items], links=pagina_links(request, pagina.next_after)
    )


@router.get(
    "/{aanvraagId}",
    summary="Bekijk hoe het met een aanvraag staat",
    description=(
        "De status in gewone taal, een tijdlijn van de stappen met hun datum, wat de gemeente nog van de burger "
        "nodig heeft (gevraagde stukken met de hersteltermijn), de termijnen (beslistermijn, voorschot) en, als er "
        "is besloten, het besluit met het bedrag en een link naar de beschikking. Een aanvraag van een ander, of "
        "van een andere gemeente, geeft 404, net als een aanvraag die niet bestaat."
    ),
    operation_id="raadpleegAanvraag",
)
async def raadpleeg_aanvraag(ctx: Ctx, service: Service, aanvraag_id: AanvraagId) -> Aanvraagstatus:
    return await service.status(ctx, aanvraag_id)


@router.get(
    "/{aanvraagId}/beschikking",
    summary="Download de beschikking",
    description=(
        "De beschikking (besluitbrief) als PDF, zodra die is gemaakt; daarvoor 404. Voor de aanvrager en voor "
        "medewerkers van de gemeente. Elke raadpleging wordt gelogd."
    ),
    operation_id="raadpleegBeschikking",
    response_class=Response,
    responses=bestand_responses("De beschikking als PDF", ("application/pdf",)),
)
async def raadpleeg_beschikking(ctx: Ctx, service: Service, aanvraag_id: AanvraagId) -> Response:
    return bestand_antwoord(await service.beschikking(ctx, aanvraag_id))


@router.get(
    "/{aanvraagId}/documenten",
    summary="Bekijk de documenten van een aanvraag",
    description="Wat is aangeleverd en, na het besluit, de beschikking: per document de soort, naam, type en grootte.",
    operation_id="zoekAanvraagDocumenten",
)
async def zoek_documenten(ctx: Ctx, service: Service, aanvraag_id: AanvraagId) -> DocumentOverzicht:
    return await service.documenten(ctx, aanvraag_id)


# --- upload ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Body:
    inhoud: bytes
    content_type: str


async def _body(request: Request) -> _Body:
    content_type = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    return _Body(await request.body(), content_type)


def _schema(model: type[DocumentAanlevering]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True)
    schema.pop("title", None)
    return schema


_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": (
            "Het document zelf (PDF, PNG of JPEG, ten hoogste 10 MiB) met zijn Content-Type, of als JSON met de "
            "inhoud in base64"
        ),
        "content": {kind: BINARY for kind in DOCUMENT_CONTENT_TYPES}
        | {"application/json": {"schema": _schema(DocumentAanlevering)}},
    }
}


def _decodeer(waarde: str) -> bytes:
    compact = re.sub(r"\s+", "", waarde)
    if len(compact) * 3 // 4 > MAX_DOCUMENT_BYTES + 2:
        raise PayloadTooLargeError(f"Een document is ten hoogste {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRequestError.for_field("inhoud", "is geen geldige base64", code="base64") from exc


@router.post(
    "/{aanvraagId}/documenten",
    status_code=status.HTTP_201_CREATED,
    summary="Lever een document aan bij een aanvraag",
    description=(
        "Een bewijsstuk (loonstrook, bankafschrift, huurcontract, ...) als PDF, PNG of JPEG van ten hoogste 10 MiB: "
        "de bytes zelf met hun `Content-Type` (met `soort` en `bestandsnaam` als query), of JSON met de inhoud in "
        "base64. Een ander type geeft 415, een te groot document 413, een leeg document of inhoud die niet bij het "
        "type past 400. Vroeg de gemeente om stukken, dan geldt het document als antwoord daarop "
        "(`verzoekBeantwoord`). Hetzelfde document nog eens (of dezelfde `Idempotency-Key`) geeft hetzelfde "
        "document terug (200)."
    ),
    operation_id="leverDocumentAan",
    openapi_extra=_UPLOAD_BODY,
    responses={
        200: {"description": "Dit document was al aangeleverd (Idempotent-Replayed: true)"},
        201: {"description": "Het document is opgeslagen", "headers": LOCATION},
        409: problem("Deze Idempotency-Key is al gebruikt voor een ander document"),
        413: problem("Het document is groter dan 10 MiB"),
        415: problem("Geen PDF, PNG of JPEG"),
    },
)
async def lever_document_aan(
    upload: Annotated[_Body, Depends(_body)],
    ctx: Ctx,
    service: Service,
    response: Response,
    aanvraag_id: AanvraagId,
    idempotency_key: IdempotencyKeyOptional = None,
    soort: Annotated[
        UploadDocumentsoort, Query(description="Alleen bij de bytes zelf: de soort document")
    ] = "bewijsstuk",
    bestandsnaam: Annotated[
        str | None, Query(min_length=1, max_length=255, description="Alleen bij de bytes zelf: de naam van het bestand")
    ] = None,
) -> DocumentOntvangst:
    service.controleer_toegang(ctx)
    if upload.content_type == "application/json":
        try:
            aanlevering = DocumentAanlevering.model_validate_json(upload.inhoud)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from exc
        content_type = aanlevering.content_type.split(";", 1)[0].strip().lower()
        bestand: Bestand = controleer_bestand(
            _decodeer(aanlevering.inhoud), content_type, aanlevering.soort, aanlevering.bestandsnaam, "inhoud"
        )
    else:
        naam = bestandsnaam or f"document.{_EXTENSIES.get(upload.content_type, 'bin')}"
        bestand = controleer_bestand(upload.inhoud, upload.content_type, soort, naam, "body")
    document, replayed = await service.lever_document_aan(ctx, aanvraag_id, bestand, idempotency_key)
    response.headers["Location"] = document.links.self.href
    if replayed:
        response.status_code = status.HTTP_200_OK
        response.headers[REPLAYED] = "true"
    return document

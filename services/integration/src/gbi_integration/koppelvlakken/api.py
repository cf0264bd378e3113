"""The koppelvlakken Levensonderhoud as GBI serves them, under ``/koppelvlakken/levensonderhoud`` (the gateway
routes that prefix here; system clients with a token of their gemeente's integrator):

    POST /notificaties                                   notificatie 0.9.0: an aanvraag can be fetched
    GET  /AanvragenLevensonderhoudBehandeld/{AanvraagId}  behandelen 0.95: ZaakLOBehandeld of a GBI aanvraag
    GET  /AanvragenLevensonderhoudBeslissing/{AanvraagId} beslissen 1.0: DienstAangevraagd of a granted aanvraag

``AanvraagId`` in the paths is GBI's id of the aanvraag (the notification's answer gives it: the kenmerk
``gbiAanvraagId`` and the ``Location`` header); the documents carry the front office's AanvraagId as
``Aanvraagid`` when the aanvraag came over the koppelvlak. Every answer, errors included, carries the
``API-version`` of its standard; errors are problem+json in the standards' ``Fout`` shape. The official OpenAPI
documents (``../shared/specs/gbi``) describe these operations; this service's own OpenAPI only lists them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from gbi_integration.koppelvlakken.service import KoppelvlakService
from gbi_shared.context import RequestContext
from gbi_shared.contracts.koppelvlakken import (
    BEHANDELD_PAD,
    BEHANDELEN_VERSIE,
    BESLISSEN_VERSIE,
    BESLISSING_PAD,
    KOPPELVLAK_PREFIX,
    NOTIFICATIE_VERSIE,
    NOTIFICATIES_PAD,
    Notificatie,
)
from gbi_shared.errors import BadRequestError, InvalidParam, ServiceError, UnauthorizedError

__all__ = ["router"]

log = logging.getLogger("gbi.integration.koppelvlakken")

router = APIRouter(prefix=KOPPELVLAK_PREFIX, tags=["koppelvlakken levensonderhoud"])

_SPECS = "../shared/specs/gbi/"
_FOUT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _versie(versie: str) -> dict[str, Any]:
    return {
        "API-Version": {
            "description": "De versie van de standaard van dit koppelvlak (API-version)",
            "schema": {"type": "string", "example": versie},
        }
    }


def _fouten(versie: str, *statussen: int) -> dict[int | str, dict[str, Any]]:
    omschrijving = {
        400: "Ongeldige notificatie of ongeldig bericht (invalidParams noemt de velden)",
        401: "Niet geauthenticeerd",
        403: "Geen systeem (integrator) van deze gemeente",
        404: "Onbekend, van een andere gemeente, of (beslissen) nog niet beslist of niet toegekend",
        409: "Deze aanvraag is al ontvangen met een andere inhoud",
        500: "Interne fout",
        502: "De front office of een bron gaf een onbruikbaar antwoord",
        503: "De front office of een laag is tijdelijk niet bereikbaar: stuur de notificatie later opnieuw",
    }
    return {s: {"description": omschrijving[s], "headers": _versie(versie), "content": _FOUT} for s in statussen}


def _message_schema() -> dict[str, Any]:
    """``Notificatie`` as a self-contained schema (``kanaal``: any value, as the standard leaves it)."""
    schema = Notificatie.model_json_schema(by_alias=True)
    schema.pop("$defs", None)
    schema["properties"]["kanaal"] = {"description": schema["properties"]["kanaal"].get("description", "")}
    return schema


def _service(request: Request) -> KoppelvlakService:
    service: KoppelvlakService = request.app.state.koppelvlakken
    return service


def _context(request: Request) -> RequestContext:
    ctx = getattr(request.state, "context", None)
    if not isinstance(ctx, RequestContext):
        raise UnauthorizedError("Geen geldige identiteit bij dit verzoek")
    return ctx


async def _in_standaard(versie: str, handler: Callable[[], Awaitable[Response]]) -> Response:
    """Run ``handler``; every error leaves as the standard's ``Fout`` (code, title, status, detail, instance) with
    the standard's ``API-version``."""
    try:
        return await handler()
    except ServiceError as exc:
        error = exc
    except Exception:
        log.exception("koppelvlak failed")
        error = ServiceError("Er ging iets mis bij GBI; probeer het later opnieuw")
    if not error.detail:
        error.detail = error.instance_title
    error.headers["API-version"] = versie
    raise error


def _notificatie(raw: bytes) -> tuple[dict[str, Any], Notificatie]:
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        raise BadRequestError.for_field("body", "geen geldige JSON", code="json_invalid") from None
    if not isinstance(body, dict):
        raise BadRequestError.for_field("body", "een Message (JSON-object) van notificatie 0.9.0", code="type")
    try:
        return body, Notificatie.model_validate(body)
    except ValidationError as exc:
        params = [
            InvalidParam(
                name=".".join(str(p) for p in err["loc"]) or "body", code=str(err["type"]), reason=str(err["msg"])
            )
            for err in exc.errors()
        ]
        names = ", ".join(p.name for p in params[:5])
        raise BadRequestError(
            f"Ongeldige notificatie: {names}", invalid_params=params, code="ongeldige-notificatie"
        ) from None


@router.post(
    NOTIFICATIES_PAD,
    summary="Notificatie: een aanvraag levensonderhoud staat klaar bij de front office (notificatie 0.9.0)",
    description=(
        "Ontvangt een Message van notificatie 0.9.0 van een front office van de gemeente van de aanroeper, haalt "
        "de ZaakLOAangevraagd op de resourceUrl op, controleert die tegen levensonderhoud-aanvragen-1.2.1.schema.json "
        "en start de aanvraag algemene bijstand. Antwoordt met de ontvangen Message; het kenmerk gbiAanvraagId en de "
        "Location-header noemen de aanvraag bij GBI. Dezelfde notificatie opnieuw legt niets nieuws vast. Zie "
        f"{_SPECS}notificatie-0.9.0.yaml."
    ),
    response_model=None,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _message_schema()}},
        }
    },
    responses={
        200: {
            "description": "Ontvangen: de Message, met kenmerk gbiAanvraagId",
            "headers": {
                **_versie(NOTIFICATIE_VERSIE),
                "Location": {"description": "De aanvraag bij GBI (behandelen)", "schema": {"type": "string"}},
            },
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **_fouten(NOTIFICATIE_VERSIE, 400, 401, 403, 409, 500, 502, 503),
    },
)
async def notificatie(request: Request) -> Response:
    async def handle() -> Response:
        service = _service(request)
        service.integrator(_context(request))
        raw, melding = _notificatie(await request.body())
        ontvangst = await service.ontvang(melding, _context(request))
        aanvraag_id = str(ontvangst.aanvraag.aanvraag_id)
        kenmerken = dict(raw.get("kenmerken") or {})
        kenmerken["gbiAanvraagId"] = aanvraag_id
        return JSONResponse(
            {**raw, "kenmerken": kenmerken},
            headers={
                "API-version": NOTIFICATIE_VERSIE,
                "Location": f"{KOPPELVLAK_PREFIX}{BEHANDELD_PAD}/{aanvraag_id}",
            },
        )

    return await _in_standaard(NOTIFICATIE_VERSIE, handle)


AanvraagId = Annotated[str, Path(alias="AanvraagId", description="Het id van de aanvraag bij GBI")]


@router.get(
    BEHANDELD_PAD + "/{AanvraagId}",
    summary="Wat GBI over een aanvraag levensonderhoud vaststelde (behandelen 0.95)",
    description=f"ZaakLOBehandeld, geldig volgens {_SPECS}levensonderhoud-behandelen-0.95.yaml.",
    response_model=None,
    responses={
        200: {
            "description": "ZaakLOBehandeld",
            "headers": _versie(BEHANDELEN_VERSIE),
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **_fouten(BEHANDELEN_VERSIE, 401, 403, 404, 500, 502, 503),
    },
)
async def behandeld(request: Request, aanvraag_id: AanvraagId) -> Response:
    async def handle() -> Response:
        document = await _service(request).behandeld(aanvraag_id, _context(request))
        return JSONResponse(document, headers={"API-version": BEHANDELEN_VERSIE})

    return await _in_standaard(BEHANDELEN_VERSIE, handle)


@router.get(
    BESLISSING_PAD + "/{AanvraagId}",
    summary="De dienst van een toegekende aanvraag levensonderhoud, voor administratie en betaling (beslissen 1.0)",
    description=(
        f"DienstAangevraagd, geldig volgens {_SPECS}levensonderhoud-beslissen-1.0.yaml. 404 (Fout met code "
        "nog-niet-beslist of geen-toekenning) zolang er geen toekenning is."
    ),
    response_model=None,
    responses={
        200: {
            "description": "DienstAangevraagd",
            "headers": _versie(BESLISSEN_VERSIE),
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **_fouten(BESLISSEN_VERSIE, 401, 403, 404, 500, 502, 503),
    },
)
async def beslissing(request: Request, aanvraag_id: AanvraagId) -> Response:
    async def handle() -> Response:
        document = await _service(request).beslissing(aanvraag_id, _context(request))
        return JSONResponse(document, headers={"API-version": BESLISSEN_VERSIE})

    return await _in_standaard(BESLISSEN_VERSIE, handle)

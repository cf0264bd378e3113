"""What the public routes of the interaction layer share: OpenAPI fragments (problem responses, headers), the
``Idempotency-Key`` header, pagination links and serving a document's bytes."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Header, Request
from fastapi.responses import Response

from gbi_shared._http import HttpResponse
from gbi_shared.contracts.alo import DOCUMENT_CONTENT_TYPES
from gbi_shared.contracts.kanaal import Link, PaginaLinks

__all__ = [
    "BINARY",
    "IDEMPOTENCY_KEY",
    "LOCATION",
    "REPLAYED",
    "IdempotencyKeyOptional",
    "IdempotencyKeyRequired",
    "bestand_antwoord",
    "bestand_responses",
    "pagina_links",
    "problem",
]

IDEMPOTENCY_KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
_KEY_PATTERN = r"^[\x21-\x7e]+$"
BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}


def problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


LOCATION: dict[str, Any] = {"Location": {"description": "Het pad van de resource", "schema": {"type": "string"}}}

IdempotencyKeyRequired = Annotated[
    str,
    Header(
        alias=IDEMPOTENCY_KEY,
        min_length=1,
        max_length=255,
        pattern=_KEY_PATTERN,
        description="Een sleutel die u zelf kiest (bijvoorbeeld een UUID): hetzelfde verzoek met dezelfde sleutel "
        "heeft maar een keer effect",
    ),
]
IdempotencyKeyOptional = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_KEY,
        min_length=1,
        max_length=255,
        pattern=_KEY_PATTERN,
        description="Optioneel: hetzelfde verzoek met dezelfde sleutel heeft maar een keer effect",
    ),
]


def pagina_links(request: Request, next_after: str | None) -> PaginaLinks:
    """``self`` as asked, ``next`` with ``after`` set to the store's cursor (None on the last page)."""
    path = request.url.path
    query = request.url.query
    volgende = None
    if next_after is not None:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
        params.append(("after", next_after))
        volgende = Link(href=f"{path}?{urlencode(params)}")
    return PaginaLinks(self=Link(href=f"{path}?{query}" if query else path), next=volgende)


_BESTAND_HEADERS = ("Content-Disposition", "ETag")


def bestand_antwoord(resp: HttpResponse) -> Response:
    """A stored document's bytes as they came from the store, never cached, never sniffed as something else."""
    media_type = resp.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()
    if media_type not in DOCUMENT_CONTENT_TYPES:
        media_type = "application/octet-stream"
    headers = {k: resp.headers[k] for k in _BESTAND_HEADERS if k in resp.headers}
    headers["Cache-Control"] = "private, no-store"
    headers["X-Content-Type-Options"] = "nosniff"
    return Response(content=resp.body, media_type=media_type, headers=headers)


def bestand_responses(description: str, types: tuple[str, ...] = DOCUMENT_CONTENT_TYPES) -> dict[int | str, Any]:
    return {
        200: {
            "description": description,
            "content": {kind: BINARY for kind in types},
            "headers": {
                "Content-Disposition": {
                    "description": "inline, met een veilige bestandsnaam",
                    "schema": {"type": "string"},
                },
                "ETag": {
                    "description": "De SHA-256 van de inhoud, tussen aanhalingstekens",
                    "schema": {"type": "string"},
                },
                "Cache-Control": {
                    "description": "Altijd private, no-store: persoonsgegevens",
                    "schema": {"type": "string"},
                },
            },
        }
    }

"""Checks on uploaded documents: allowed types, size, and whether the bytes are what they claim to be.

A declared Content-Type is only believed when the first bytes carry that format's signature ("magic bytes"): a
PDF starts with ``%PDF-``, a PNG with its 8-byte signature, a JPEG with ``FF D8 FF``. Anything else is refused, so
a portal never serves an HTML page or a script as if it were a scanned payslip.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import ClassVar

from gbi_shared import BadRequestError, ServiceError
from gbi_shared.contracts.alo import DOCUMENT_CONTENT_TYPES, MAX_DOCUMENT_BYTES
from gbi_shared.errors import PayloadTooLargeError

__all__ = [
    "SIGNATURES",
    "UnsupportedMediaTypeError",
    "check_content",
    "check_type",
    "content_disposition",
    "decode_base64",
    "media_type",
]

SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


class UnsupportedMediaTypeError(ServiceError):
    status: ClassVar[int] = 415
    title: ClassVar[str] = "Mediatype niet ondersteund"
    code: ClassVar[str] = "unsupported-media-type"


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header, lower case, without parameters ("" when absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def check_type(declared: str, field: str) -> str:
    kind = media_type(declared)
    if kind not in DOCUMENT_CONTENT_TYPES:
        raise UnsupportedMediaTypeError(
            f"{field}: {kind or '(geen)'} wordt niet aangenomen; toegestaan: {', '.join(DOCUMENT_CONTENT_TYPES)}"
        )
    return kind


def decode_base64(value: str, field: str = "inhoud") -> bytes:
    # The decoded size is known before decoding: refuse a too large document without allocating it.
    if len(value) * 3 // 4 <= MAX_DOCUMENT_BYTES + 2:
        # Most senders send no whitespace: decode as it is (``validate`` refuses whitespace as any other character
        # outside the alphabet, and the slow path below then answers exactly as before).
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
    compact = re.sub(r"\s+", "", value)
    if len(compact) * 3 // 4 > MAX_DOCUMENT_BYTES + 2:
        raise PayloadTooLargeError(f"{field}: een document is ten hoogste {MAX_DOCUMENT_BYTES} bytes")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRequestError.for_field(field, "geen geldige base64", code="base64") from exc


def check_content(content: bytes, declared: str, field: str = "inhoud") -> str:
    """The allowed media type of ``content`` as declared; 415 for a type we do not take, 413 when too large, 400
    when empty or when the bytes are not of the declared type."""
    kind = check_type(declared, "contentType" if field == "inhoud" else "Content-Type")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLargeError(f"{field}: een document is ten hoogste {MAX_DOCUMENT_BYTES} bytes")
    if not content:
        raise BadRequestError.for_field(field, "het document is leeg", code="empty")
    if not content.startswith(SIGNATURES[kind]):
        raise BadRequestError.for_field(field, f"de inhoud is geen {kind}", code="content-type-mismatch")
    return kind


def content_disposition(filename: str) -> str:
    """``inline`` with a safe ASCII filename (the stored name may hold anything)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("._") or "document"
    return f'inline; filename="{safe[:100]}"'

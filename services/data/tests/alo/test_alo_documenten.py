"""Documents: PDF, PNG or JPEG, as base64 in JSON or as raw bytes with their Content-Type; at most 10 MiB; the
first bytes must match the declared type (415, 413 or 400 as problem+json otherwise); served back with their type,
audited, only to whoever may see the aanvraag."""

from __future__ import annotations

import base64
import uuid

import pytest

from gbi_shared.contracts.alo import MAX_DOCUMENT_BYTES

V1 = "/internal/data/v1"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def _json(content: bytes, content_type: str, **changes: object) -> dict:
    return {
        "soort": "bewijsstuk",
        "bestandsnaam": "loonstrook maart.pdf",
        "contentType": content_type,
        "inhoud": base64.b64encode(content).decode(),
    } | changes


def _url(aanvraag: dict) -> str:
    return f"{V1}/aanvragen/{aanvraag['id']}/documenten"


def test_upload_as_json_and_read_back(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    created = alo.client.post(_url(aanvraag), json=_json(PDF, "application/pdf"), headers=actors.burger())
    assert created.status_code == 201, created.text
    document = created.json()
    assert (document["contentType"], document["grootte"], document["soort"]) == (
        "application/pdf",
        len(PDF),
        "bewijsstuk",
    )
    assert created.headers["Location"] == f"{V1}/documenten/{document['id']}/inhoud"
    listed = alo.client.get(_url(aanvraag), headers=actors.staff()).json()["items"]
    assert listed == [document]
    content = alo.client.get(f"{V1}/documenten/{document['id']}/inhoud", headers=actors.staff())
    assert content.status_code == 200
    assert content.content == PDF
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["x-content-type-options"] == "nosniff"
    assert content.headers["content-disposition"] == 'inline; filename="loonstrook_maart.pdf"'
    assert {"document.toevoegen", "document.zoeken", "document.raadplegen"} <= set(alo.operations())


@pytest.mark.parametrize(
    ("content", "content_type"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")]
)
def test_upload_raw_bytes(alo, actors, content: bytes, content_type: str) -> None:
    aanvraag = alo.aanvraag()
    created = alo.client.post(
        f"{_url(aanvraag)}?soort=aanvraagformulier&bestandsnaam=scan",
        content=content,
        headers=actors.service() | {"Content-Type": content_type},
    )
    assert created.status_code == 201, created.text
    assert (created.json()["contentType"], created.json()["soort"]) == (content_type, "aanvraagformulier")
    served = alo.client.get(f"{V1}/documenten/{created.json()['id']}/inhoud", headers=actors.burger())
    assert served.content == content
    assert served.headers["content-type"] == content_type


def test_types_magic_bytes_and_size_are_checked(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    url, headers = _url(aanvraag), actors.service()
    html = alo.client.post(url, content=b"<html>", headers=headers | {"Content-Type": "text/html"})
    assert html.status_code == 415
    assert alo.problem(html)["code"] == "unsupported-media-type"
    declared_html = alo.client.post(url, json=_json(PDF, "text/html"), headers=headers)
    assert declared_html.status_code == 415
    # A PNG that says it is a PDF, and a script that says it is a JPEG.
    lying = alo.client.post(url, content=PNG, headers=headers | {"Content-Type": "application/pdf"})
    assert lying.status_code == 400
    assert alo.problem(lying)["invalidParams"][0]["code"] == "content-type-mismatch"
    script = alo.client.post(url, json=_json(b"#!/bin/sh\nrm -rf /\n", "image/jpeg"), headers=headers)
    assert script.status_code == 400
    assert alo.problem(script)["invalidParams"][0]["name"] == "inhoud"
    empty = alo.client.post(url, content=b"", headers=headers | {"Content-Type": "application/pdf"})
    assert empty.status_code == 400
    not_base64 = alo.client.post(url, json=_json(PDF, "application/pdf") | {"inhoud": "@@@"}, headers=headers)
    assert not_base64.status_code == 400
    assert alo.problem(not_base64)["invalidParams"][0]["code"] == "base64"
    missing_field = alo.client.post(url, json={"contentType": "application/pdf"}, headers=headers)
    assert missing_field.status_code == 400
    too_big = PDF + b"\x00" * (MAX_DOCUMENT_BYTES + 1 - len(PDF))
    raw = alo.client.post(url, content=too_big, headers=headers | {"Content-Type": "application/pdf"})
    assert raw.status_code == 413
    assert alo.problem(raw)["code"] == "payload-too-large"
    as_json = alo.client.post(url, json=_json(too_big, "application/pdf"), headers=headers)
    assert as_json.status_code == 413
    just_fits = PDF + b"\x00" * (MAX_DOCUMENT_BYTES - len(PDF))
    fits = alo.client.post(url, content=just_fits, headers=headers | {"Content-Type": "application/pdf"})
    assert fits.status_code == 201
    fits_json = alo.client.post(url, json=_json(just_fits, "application/pdf"), headers=headers)
    assert fits_json.status_code == 201
    # Nothing refused was stored.
    assert len(alo.client.get(url, headers=headers).json()["items"]) == 2


def test_idempotent_upload(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    headers = actors.service() | {"Idempotency-Key": f"beschikking-{aanvraag['id']}"}
    body = _json(PDF, "application/pdf", soort="beschikking", bestandsnaam="beschikking.pdf")
    first = alo.client.post(_url(aanvraag), json=body, headers=headers)
    again = alo.client.post(_url(aanvraag), json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    other = alo.client.post(_url(aanvraag), json=_json(PNG, "image/png", soort="beschikking"), headers=headers)
    assert other.status_code == 409
    assert len(alo.client.get(_url(aanvraag), headers=actors.service()).json()["items"]) == 1


def test_a_citizen_sees_only_their_own_documents_and_cannot_store_a_beschikking(alo, actors) -> None:
    own, foreign = alo.aanvraag("999993653"), alo.aanvraag("999990019")
    citizen = actors.burger("999993653")
    doc = alo.client.post(_url(foreign), json=_json(PDF, "application/pdf"), headers=actors.service()).json()
    assert alo.client.post(_url(foreign), json=_json(PDF, "application/pdf"), headers=citizen).status_code == 404
    assert alo.client.get(_url(foreign), headers=citizen).status_code == 404
    assert alo.client.get(f"{V1}/documenten/{doc['id']}/inhoud", headers=citizen).status_code == 404
    beschikking = _json(PDF, "application/pdf", soort="beschikking")
    assert alo.client.post(_url(own), json=beschikking, headers=citizen).status_code == 403
    assert alo.client.post(_url(own), json=beschikking, headers=actors.staff()).status_code == 201


def test_another_gemeentes_document_is_404_like_a_missing_one(alo, actors) -> None:
    aanvraag = alo.aanvraag()
    doc = alo.client.post(_url(aanvraag), json=_json(PDF, "application/pdf"), headers=actors.service()).json()
    rotterdam = actors.staff(gemeente="0599")
    foreign = alo.client.get(f"{V1}/documenten/{doc['id']}/inhoud", headers=rotterdam)
    missing = alo.client.get(f"{V1}/documenten/{uuid.uuid4()}/inhoud", headers=rotterdam)
    assert foreign.status_code == missing.status_code == 404
    assert alo.comparable(foreign.json()) == alo.comparable(missing.json())
    assert alo.client.get(_url(aanvraag), headers=rotterdam).status_code == 404
    upload = alo.client.post(_url(aanvraag), json=_json(PDF, "application/pdf"), headers=actors.service("0599"))
    assert upload.status_code == 404

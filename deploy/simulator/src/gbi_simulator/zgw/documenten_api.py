"""Documenten API 1.7.1: enkelvoudiginformatieobjecten (with the content as base64 ``inhoud``, downloadable)
and the objectinformatieobjecten the Zaken and Besluiten APIs mirror there.

Rules, with the reference implementation's codes: a valid ``informatieobjecttype`` that is not a concept, a valid
RSIN as ``bronorganisatie``, identificatie unique per bronorganisatie (``identificatie-niet-uniek``), a
``bestandsomvang`` that matches the content, no status ``in_bewerking``/``ter_vaststelling`` together with an
``ontvangstdatum`` (``invalid_for_received``). Only version 1 of a document exists (no updates, no locking); the
upload in parts (``bestandsdelen``) is not simulated.
"""

from __future__ import annotations

import base64
from typing import Any

from gbi_simulator.zgw.core import Call, Reply, is_valid_rsin, same_url
from gbi_simulator.zgw.problems import ZgwProblem
from gbi_simulator.zgw.store import Record

__all__ = [
    "enkelvoudiginformatieobject_create",
    "enkelvoudiginformatieobject_download",
    "enkelvoudiginformatieobject_list",
    "enkelvoudiginformatieobject_retrieve",
    "objectinformatieobject_list",
    "objectinformatieobject_retrieve",
]

Json = Any


def _eio_out(call: Call, record: Record) -> Json:
    data = call.out(record.data)
    if record.content is not None:
        data["inhoud"] = f"{call.url(record)}/download?versie=1"
    return data


def enkelvoudiginformatieobject_list(call: Call) -> Reply:
    q = call.query
    candidates = (
        call.store.having("enkelvoudiginformatieobjecten", "identificatie", q["identificatie"])
        if "identificatie" in q
        else call.store.all("enkelvoudiginformatieobjecten")
    )
    records = [r for r in candidates if call.visible(r)]
    for name in ("identificatie", "bronorganisatie"):
        if name in q:
            records = [r for r in records if r.data.get(name) == q[name]]
    if "trefwoorden" in q:
        records = [r for r in records if set(q["trefwoorden"]) <= set(r.data.get("trefwoorden") or [])]
    if "objectinformatieobjecten_object" in q or "objectinformatieobjecten_objectType" in q:
        oios = list(call.store.all("objectinformatieobjecten"))

        def related(r: Record) -> bool:
            for oio in oios:
                if oio.data["informatieobject"] != r.data["url"]:
                    continue
                if "objectinformatieobjecten_object" in q and not same_url(
                    oio.data["object"], q["objectinformatieobjecten_object"]
                ):
                    continue
                if (
                    "objectinformatieobjecten_objectType" in q
                    and oio.data["objectType"] != q["objectinformatieobjecten_objectType"]
                ):
                    continue
                return True
            return False

        records = [r for r in records if related(r)]
    return Reply(200, call.page([_eio_out(call, r) for r in records]))


def enkelvoudiginformatieobject_create(call: Call) -> Reply:
    body: dict[str, Json] = call.body
    iot = call.resolve("informatieobjecttype", body["informatieobjecttype"], "informatieobjecttypen")
    call.may_use_type(iot, "informatieobjecttype")
    if iot.data.get("concept"):
        raise ZgwProblem.field(
            "informatieobjecttype", "not-published", "Het informatieobjecttype is nog niet gepubliceerd (concept)."
        )
    organisatie = body["bronorganisatie"]
    if not is_valid_rsin(organisatie):
        raise ZgwProblem.field(
            "bronorganisatie", "invalid", "Voer een geldig RSIN in (9 cijfers die aan de elfproef voldoen)."
        )
    content: bytes | None = None
    if body.get("inhoud") is not None:
        content = base64.b64decode(body["inhoud"], validate=True)
    omvang = body.get("bestandsomvang")
    if content is None and omvang:
        raise ZgwProblem.not_simulated("upload in bestandsdelen (bestandsomvang zonder inhoud)")
    if content is not None and omvang is not None and omvang != len(content):
        raise ZgwProblem.field(
            "bestandsomvang", "file-size-mismatch", "De bestandsomvang komt niet overeen met de grootte van de inhoud."
        )
    if body.get("ontvangstdatum") and body.get("status") in ("in_bewerking", "ter_vaststelling"):
        raise ZgwProblem.field(
            "status",
            "invalid_for_received",
            "De statuswaarden 'in bewerking' en 'ter vaststelling' zijn niet van toepassing op ontvangen documenten.",
        )
    year = int(body["creatiedatum"][:4])
    identificatie = body.get("identificatie") or (
        f"DOCUMENT-{year}-{call.store.next_number('document', organisatie, year):010d}"
    )
    for other in call.store.having("enkelvoudiginformatieobjecten", "identificatie", identificatie):
        if other.data["bronorganisatie"] == organisatie and other.data["identificatie"] == identificatie:
            raise ZgwProblem.field(
                "identificatie", "identificatie-niet-uniek", "Deze identificatie bestaat al voor deze bronorganisatie."
            )
    data: dict[str, Json] = {
        "identificatie": identificatie,
        "bronorganisatie": organisatie,
        "creatiedatum": body["creatiedatum"],
        "titel": body["titel"],
        "vertrouwelijkheidaanduiding": body.get("vertrouwelijkheidaanduiding")
        or iot.data["vertrouwelijkheidaanduiding"],
        "isGereedVoorPublicatie": body.get("isGereedVoorPublicatie"),
        "tonenAanInitiator": bool(body.get("tonenAanInitiator", False)),
        "auteur": body["auteur"],
        "status": body.get("status") or "",
        "inhoudIsVervallen": body.get("inhoudIsVervallen"),
        "formaat": body.get("formaat", ""),
        "taal": body["taal"],
        "versie": 1,
        "beginRegistratie": call.now().isoformat(),
        "bestandsnaam": body.get("bestandsnaam", ""),
        "inhoud": None,
        "bestandsomvang": len(content) if content is not None else omvang,
        "beschrijving": body.get("beschrijving", ""),
        "ontvangstdatum": body.get("ontvangstdatum"),
        "verzenddatum": body.get("verzenddatum"),
        "indicatieGebruiksrecht": body.get("indicatieGebruiksrecht"),
        "verschijningsvorm": body.get("verschijningsvorm", ""),
        "ondertekening": body.get("ondertekening"),
        "integriteit": body.get("integriteit"),
        "informatieobjecttype": iot.ref,
        "locked": False,
        "bestandsdelen": [],
        "trefwoorden": list(body.get("trefwoorden") or []),
    }
    if body.get("link"):
        data["link"] = body["link"]
    record = call.store.add("enkelvoudiginformatieobjecten", data, gemeente=iot.gemeente, content=content)
    return Reply(201, {**_eio_out(call, record), "lock": ""}, headers={"Location": call.url(record)})


def _versie(call: Call) -> None:
    versie = call.query.get("versie")
    if versie is not None and versie != 1:
        raise ZgwProblem.not_found("Deze versie van het informatieobject bestaat niet.")


def enkelvoudiginformatieobject_retrieve(call: Call) -> Reply:
    record = call.own("enkelvoudiginformatieobjecten")
    _versie(call)
    return Reply(200, _eio_out(call, record))


def enkelvoudiginformatieobject_download(call: Call) -> Reply:
    record = call.own("enkelvoudiginformatieobjecten")
    _versie(call)
    if record.content is None:
        raise ZgwProblem.not_found("Dit informatieobject heeft geen inhoud.")
    name = str(record.data.get("bestandsnaam") or record.uuid)
    name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return Reply(
        200,
        record.content,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def objectinformatieobject_list(call: Call) -> Reply:
    q = call.query
    records = [r for r in call.store.all("objectinformatieobjecten") if call.visible(r)]
    for name in ("object", "informatieobject"):
        if name in q:
            records = [r for r in records if same_url(r.data[name], q[name])]
    return Reply(200, [call.out(r.data) for r in records])


def objectinformatieobject_retrieve(call: Call) -> Reply:
    return Reply(200, call.out(call.own("objectinformatieobjecten").data))

"""Zaken API 1.7.0: zaken, statussen, rollen, zaakinformatieobjecten and zaakbesluiten.

Besides the schema (checked before a handler runs), the rules the spec's operation descriptions name are
enforced with the reference implementation's codes: a valid ``zaaktype`` that is not a concept, identificatie
unique within the bronorganisatie (``identificatie-niet-uniek``), RSINs that pass the elfproef, a statustype /
roltype of the zaak's own zaaktype (``zaaktype-mismatch``), the eindstatus only when every informatieobject of
the zaak has ``indicatieGebruiksrecht`` set (``indicatiegebruiksrecht-unset``; the eindstatus closes the zaak:
``einddatum``), ``betrokkene`` or ``betrokkeneIdentificatie`` on a rol, an informatieobject whose type the
zaaktype allows (``missing-zaaktype-informatieobjecttype-relation``), a zaak/informatieobject pair only once
(``unique``). A zaakinformatieobject is mirrored as an objectinformatieobject in the Documenten API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from gbi_shared.tijd import nl_datum
from gbi_simulator.zgw.core import Call, Reply, is_valid_rsin, lookup_filter, same_url
from gbi_simulator.zgw.problems import ZgwProblem
from gbi_simulator.zgw.spec import SchemaError
from gbi_simulator.zgw.store import Record

__all__ = [
    "rol_create",
    "rol_list",
    "rol_retrieve",
    "status_create",
    "status_list",
    "status_retrieve",
    "zaak_create",
    "zaak_list",
    "zaak_retrieve",
    "zaakbesluit_create",
    "zaakbesluit_list",
    "zaakbesluit_retrieve",
    "zaakinformatieobject_create",
    "zaakinformatieobject_list",
    "zaakinformatieobject_retrieve",
]

Json = Any

_VERTROUWELIJKHEID = [
    "openbaar",
    "beperkt_openbaar",
    "intern",
    "zaakvertrouwelijk",
    "vertrouwelijk",
    "confidentieel",
    "geheim",
    "zeer_geheim",
]
_BETALINGSINDICATIE = {
    "": "",
    "nvt": "Er is geen sprake van te betalen, met de zaak gemoeide, kosten.",
    "nog_niet": "De met de zaak gemoeide kosten zijn (nog) niet betaald.",
    "gedeeltelijk": "De met de zaak gemoeide kosten zijn gedeeltelijk betaald.",
    "geheel": "De met de zaak gemoeide kosten zijn geheel betaald.",
}
_ZAAK_FIELDS = (
    "identificatie",
    "bronorganisatie",
    "zaaktype",
    "archiefnominatie",
    "archiefactiedatum",
    "archiefstatus",
    "startdatum",
    "registratiedatum",
    "einddatum",
    "einddatumGepland",
    "uiterlijkeEinddatumAfdoening",
)
_BETROKKENE_TYPES = {
    "natuurlijkPersoon": "natuurlijk_persoon",
    "nietNatuurlijkPersoon": "niet_natuurlijk_persoon",
    "vestiging": "vestiging",
    "organisatorischeEenheid": "organisatorische_eenheid",
    "medewerker": "medewerker",
}
_ZIO_AARD = "Hoort bij, omgekeerd: kent"
_ALLOF_NULLABLE_ZAAK = ("zaakgeometrie", "verlenging", "opschorting", "processobject")


def _invalid(*params: tuple[str, str, str]) -> ZgwProblem:
    return ZgwProblem.invalid([SchemaError(*p) for p in params])


def _rsin(name: str, value: Any) -> None:
    if not is_valid_rsin(value):
        raise ZgwProblem.field(name, "invalid", "Voer een geldig RSIN in (9 cijfers die aan de elfproef voldoen).")


# ---------------------------------------------------------------------------------------------- zaken


def _zaak_out(call: Call, record: Record) -> Json:
    return call.out(record.data)


def zaak_list(call: Call) -> Reply:
    q = call.query
    candidates = call.store.having("zaken", "identificatie", q["identificatie"]) if "identificatie" in q else None
    records = [r for r in (candidates if candidates is not None else call.store.all("zaken")) if call.visible(r)]
    records = lookup_filter(records, q, _ZAAK_FIELDS)
    rol_filters = {k: v for k, v in q.items() if k.startswith("rol__")}
    if rol_filters:
        records = [r for r in records if any(_rol_matches(rol, rol_filters) for rol in _rollen_of(call, r))]
    if "maximaleVertrouwelijkheidaanduiding" in q:
        limit = _VERTROUWELIJKHEID.index(q["maximaleVertrouwelijkheidaanduiding"])
        records = [r for r in records if _VERTROUWELIJKHEID.index(r.data["vertrouwelijkheidaanduiding"]) <= limit]
    for key in reversed(q.get("ordering") or []):
        records.sort(key=_sort_key(key.lstrip("-")), reverse=key.startswith("-"))
    return Reply(200, call.page([_zaak_out(call, r) for r in records]))


def _sort_key(name: str) -> Callable[[Record], str]:
    def key(record: Record) -> str:
        return str(record.data.get(name) or "")

    return key


def _rollen_of(call: Call, zaak: Record) -> list[Record]:
    return [r for r in call.store.having("rollen", "zaak", zaak.data["url"]) if r.data["zaak"] == zaak.data["url"]]


def _rol_matches(rol: Record, filters: dict[str, Any]) -> bool:
    for name, value in filters.items():
        key = name.removeprefix("rol__")
        if key == "betrokkeneType" and rol.data["betrokkeneType"] != value:
            return False
        if key == "omschrijvingGeneriek" and rol.data["omschrijvingGeneriek"] != value:
            return False
        if key == "betrokkene" and rol.data.get("betrokkene") != value:
            return False
        if key.startswith("betrokkeneIdentificatie__"):
            kind, _, attribute = key.removeprefix("betrokkeneIdentificatie__").partition("__")
            if rol.data["betrokkeneType"] != _BETROKKENE_TYPES.get(kind):
                return False
            if (rol.data.get("betrokkeneIdentificatie") or {}).get(attribute) != value:
                return False
    return True


def zaak_create(call: Call) -> Reply:
    body: dict[str, Json] = call.body
    zaaktype = call.resolve("zaaktype", body["zaaktype"], "zaaktypen")
    call.may_use_type(zaaktype, "zaaktype")
    if zaaktype.data.get("concept"):
        raise ZgwProblem.field("zaaktype", "not-published", "Het zaaktype is nog niet gepubliceerd (concept).")
    _rsin("bronorganisatie", body["bronorganisatie"])
    _rsin("verantwoordelijkeOrganisatie", body["verantwoordelijkeOrganisatie"])
    today = call.today()
    errors: list[tuple[str, str, str]] = []
    if body.get("laatsteBetaaldatum") and body["laatsteBetaaldatum"][:10] > today.isoformat():
        errors.append(("laatsteBetaaldatum", "date-in-future", "De datum mag niet in de toekomst liggen."))
    if body.get("laatsteBetaaldatum") and body.get("betalingsindicatie") == "nvt":
        errors.append(
            (
                "laatsteBetaaldatum",
                "betaling-nvt",
                'De laatste betaaldatum kan niet gezet worden bij betalingsindicatie "nvt".',
            )
        )
    archiefstatus = body.get("archiefstatus") or "nog_te_archiveren"
    if archiefstatus != "nog_te_archiveren":
        errors.append(("archiefstatus", "documents-not-archived", "Een nieuwe zaak kan nog niet gearchiveerd zijn."))
    for name in ("hoofdzaak",):
        if body.get(name):
            call.resolve(name, body[name], "zaken")
    if errors:
        raise _invalid(*errors)
    year = int(body["startdatum"][:4])
    identificatie = body.get("identificatie") or (
        f"ZAAK-{year}-{call.store.next_number('zaak', body['bronorganisatie'], year):010d}"
    )
    for other in call.store.having("zaken", "identificatie", identificatie):
        if other.data["bronorganisatie"] == body["bronorganisatie"] and other.data["identificatie"] == identificatie:
            raise ZgwProblem.field(
                "identificatie", "identificatie-niet-uniek", "Deze identificatie bestaat al voor deze bronorganisatie."
            )
    betalingsindicatie = body.get("betalingsindicatie") or ""
    data: dict[str, Json] = {
        "identificatie": identificatie,
        "bronorganisatie": body["bronorganisatie"],
        "omschrijving": body.get("omschrijving", ""),
        "toelichting": body.get("toelichting", ""),
        "zaaktype": zaaktype.ref,
        "registratiedatum": body.get("registratiedatum") or today.isoformat(),
        "verantwoordelijkeOrganisatie": body["verantwoordelijkeOrganisatie"],
        "startdatum": body["startdatum"],
        "einddatum": None,
        "einddatumGepland": body.get("einddatumGepland"),
        "uiterlijkeEinddatumAfdoening": body.get("uiterlijkeEinddatumAfdoening"),
        "publicatiedatum": body.get("publicatiedatum"),
        "productenOfDiensten": list(body.get("productenOfDiensten") or []),
        "vertrouwelijkheidaanduiding": body.get("vertrouwelijkheidaanduiding")
        or zaaktype.data["vertrouwelijkheidaanduiding"],
        "betalingsindicatie": betalingsindicatie,
        "betalingsindicatieWeergave": _BETALINGSINDICATIE[betalingsindicatie],
        "laatsteBetaaldatum": body.get("laatsteBetaaldatum"),
        "zaakgeometrie": body.get("zaakgeometrie"),
        "verlenging": body.get("verlenging"),
        "opschorting": body.get("opschorting") or {"indicatie": False, "reden": ""},
        "hoofdzaak": body.get("hoofdzaak"),
        "deelzaken": [],
        "relevanteAndereZaken": list(body.get("relevanteAndereZaken") or []),
        "eigenschappen": [],
        "rollen": [],
        "status": None,
        "zaakinformatieobjecten": [],
        "zaakobjecten": [],
        "kenmerken": list(body.get("kenmerken") or []),
        "archiefnominatie": body.get("archiefnominatie"),
        "archiefstatus": archiefstatus,
        "archiefactiedatum": body.get("archiefactiedatum"),
        "resultaat": None,
        "opdrachtgevendeOrganisatie": body.get("opdrachtgevendeOrganisatie", ""),
        "processobjectaard": body.get("processobjectaard"),
        "startdatumBewaartermijn": body.get("startdatumBewaartermijn"),
        "processobject": body.get("processobject"),
    }
    for optional in ("communicatiekanaal", "selectielijstklasse"):
        if body.get(optional):
            data[optional] = body[optional]
    # OpenAPI 3.0.3: ``nullable`` next to an ``allOf`` does not make null valid; such a field is left out, not null.
    for name in _ALLOF_NULLABLE_ZAAK:
        if data.get(name) is None:
            data.pop(name, None)
    record = call.store.add("zaken", {}, gemeente=zaaktype.gemeente)
    record.data.update({"uuid": record.uuid, **data})
    if isinstance(body.get("hoofdzaak"), str):
        hoofdzaak = call.store.resolve(body["hoofdzaak"], "zaken")
        if hoofdzaak is not None:
            record.data["hoofdzaak"] = hoofdzaak.ref
            hoofdzaak.data["deelzaken"].append(record.ref)
    return Reply(201, _zaak_out(call, record), headers={"Location": call.url(record)})


def zaak_retrieve(call: Call) -> Reply:
    return Reply(200, _zaak_out(call, call.own("zaken")))


def _zaak(call: Call, name: str, url: Any) -> Record:
    return call.resolve(name, url, "zaken")


# ---------------------------------------------------------------------------------------------- statussen


def _status_out(call: Call, record: Record) -> Json:
    zaak = call.store.resolve(record.data["zaak"], "zaken")
    laatste = zaak is not None and zaak.data.get("status") == record.data["url"]
    return call.out({**record.data, "indicatieLaatstGezetteStatus": laatste})


def status_list(call: Call) -> Reply:
    q = call.query
    candidates = call.store.having("statussen", "zaak", q["zaak"]) if "zaak" in q else call.store.all("statussen")
    records = [r for r in candidates if call.visible(r)]
    if "zaak" in q:
        records = [r for r in records if same_url(r.data["zaak"], q["zaak"])]
    if "statustype" in q:
        records = [r for r in records if same_url(r.data["statustype"], q["statustype"])]
    items = [_status_out(call, r) for r in records]
    if "indicatieLaatstGezetteStatus" in q:
        wanted = str(q["indicatieLaatstGezetteStatus"]).lower() in ("true", "1")
        items = [i for i in items if i["indicatieLaatstGezetteStatus"] is wanted]
    return Reply(200, call.page(items))


def status_create(call: Call) -> Reply:
    body: dict[str, Json] = call.body
    zaak = _zaak(call, "zaak", body["zaak"])
    statustype = call.resolve("statustype", body["statustype"], "statustypen")
    if statustype.data["zaaktype"] != zaak.data["zaaktype"]:
        raise ZgwProblem.field(
            "nonFieldErrors", "zaaktype-mismatch", "Het statustype hoort niet bij het zaaktype van de zaak."
        )
    gezet = body["datumStatusGezet"]
    # A zaak's dates are Dutch calendar days: 23:30Z on 28 November is already 29 November in the Netherlands.
    if _dag(gezet) < zaak.data["startdatum"]:
        raise ZgwProblem.field(
            "datumStatusGezet",
            "date-before-startdatum",
            "De status kan niet voor de startdatum van de zaak gezet zijn.",
        )
    for other in call.store.having("statussen", "zaak", zaak.data["url"]):
        if other.data["zaak"] == zaak.data["url"] and _same_moment(other.data["datumStatusGezet"], gezet):
            raise ZgwProblem.field("nonFieldErrors", "unique", "Deze zaak heeft al een status op dit tijdstip.")
    gezetdoor = body.get("gezetdoor")
    if gezetdoor:
        rol = call.resolve("gezetdoor", gezetdoor, "rollen")
        if rol.data["zaak"] != zaak.data["url"]:
            raise ZgwProblem.field("gezetdoor", "zaak-mismatch", "De rol hoort niet bij deze zaak.")
    eindstatus = bool(statustype.data["isEindstatus"])
    if eindstatus:
        for zio_ref in zaak.data["zaakinformatieobjecten"]:
            zio = call.store.resolve(zio_ref, "zaakinformatieobjecten")
            eio = call.store.resolve(zio.data["informatieobject"], "enkelvoudiginformatieobjecten") if zio else None
            if eio is not None and eio.data.get("indicatieGebruiksrecht") is None:
                raise ZgwProblem.field(
                    "nonFieldErrors",
                    "indicatiegebruiksrecht-unset",
                    "Van alle informatieobjecten van de zaak moet indicatieGebruiksrecht gezet zijn.",
                )
    record = call.store.add("statussen", {}, gemeente=zaak.gemeente)
    record.data.update(
        {
            "uuid": record.uuid,
            "zaak": zaak.ref,
            "statustype": statustype.ref,
            "datumStatusGezet": gezet,
            "statustoelichting": body.get("statustoelichting", ""),
            "zaakinformatieobjecten": [],
        }
    )
    if gezetdoor:
        record.data["gezetdoor"] = call.store.resolve(gezetdoor, "rollen").ref  # type: ignore[union-attr]
    _recompute_status(call, zaak)
    return Reply(201, _status_out(call, record), headers={"Location": call.url(record)})


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))


def _dag(value: str) -> str:
    """The Dutch calendar day (ISO) of a moment with an offset."""
    return nl_datum(_moment(value)).isoformat()


def _same_moment(a: str, b: str) -> bool:
    return _moment(a) == _moment(b)


def _recompute_status(call: Call, zaak: Record) -> None:
    statussen = [
        s for s in call.store.having("statussen", "zaak", zaak.data["url"]) if s.data["zaak"] == zaak.data["url"]
    ]
    latest = max(statussen, key=lambda s: (_moment(s.data["datumStatusGezet"]), s.seq))
    zaak.data["status"] = latest.ref
    statustype = call.store.resolve(latest.data["statustype"], "statustypen")
    if statustype is not None and statustype.data["isEindstatus"]:
        zaak.data["einddatum"] = _dag(latest.data["datumStatusGezet"])
    else:
        zaak.data["einddatum"] = None


def status_retrieve(call: Call) -> Reply:
    return Reply(200, _status_out(call, call.own("statussen")))


# ---------------------------------------------------------------------------------------------- rollen


def rol_list(call: Call) -> Reply:
    q = call.query
    candidates = call.store.having("rollen", "zaak", q["zaak"]) if "zaak" in q else call.store.all("rollen")
    records = [r for r in candidates if call.visible(r)]
    for name in ("zaak", "roltype"):
        if name in q:
            records = [r for r in records if same_url(r.data[name], q[name])]
    for name in ("betrokkene", "betrokkeneType", "omschrijving", "omschrijvingGeneriek"):
        if name in q:
            records = [r for r in records if r.data.get(name) == q[name]]
    identificaties = {k: v for k, v in q.items() if k.startswith("betrokkeneIdentificatie__")}
    if identificaties:
        records = [r for r in records if _rol_matches(r, {f"rol__{k}": v for k, v in identificaties.items()})]
    return Reply(200, call.page([call.out(r.data) for r in records]))


def rol_create(call: Call) -> Reply:
    body: dict[str, Json] = call.body
    zaak = _zaak(call, "zaak", body["zaak"])
    roltype = call.resolve("roltype", body["roltype"], "roltypen")
    if roltype.data["zaaktype"] != zaak.data["zaaktype"]:
        raise ZgwProblem.field(
            "nonFieldErrors", "zaaktype-mismatch", "Het roltype hoort niet bij het zaaktype van de zaak."
        )
    identificatie = body.get("betrokkeneIdentificatie")
    if not body.get("betrokkene") and not identificatie:
        raise ZgwProblem.field(
            "nonFieldErrors", "invalid-betrokkene", "betrokkene of betrokkeneIdentificatie moet gegeven zijn."
        )
    record = call.store.add("rollen", {}, gemeente=zaak.gemeente)
    data: dict[str, Json] = {
        "uuid": record.uuid,
        "zaak": zaak.ref,
        "betrokkeneType": body["betrokkeneType"],
        "afwijkendeNaamBetrokkene": body.get("afwijkendeNaamBetrokkene", ""),
        "roltype": roltype.ref,
        "omschrijving": roltype.data["omschrijving"],
        "omschrijvingGeneriek": roltype.data["omschrijvingGeneriek"],
        "roltoelichting": body["roltoelichting"],
        "registratiedatum": call.now().isoformat(),
        "indicatieMachtiging": body.get("indicatieMachtiging") or "",
        "statussen": [],
    }
    if body.get("contactpersoonRol"):
        data["contactpersoonRol"] = body["contactpersoonRol"]
    if body.get("betrokkene"):
        data["betrokkene"] = body["betrokkene"]
    if identificatie:
        data["betrokkeneIdentificatie"] = dict(identificatie)
    record.data.update(data)
    zaak.data["rollen"].append(record.ref)
    return Reply(201, call.out(record.data), headers={"Location": call.url(record)})


def rol_retrieve(call: Call) -> Reply:
    return Reply(200, call.out(call.own("rollen").data))


# ---------------------------------------------------------------------------------------------- zaakinformatieobjecten


def zaakinformatieobject_list(call: Call) -> Reply:
    q = call.query
    candidates = (
        call.store.having("zaakinformatieobjecten", "zaak", q["zaak"])
        if "zaak" in q
        else call.store.all("zaakinformatieobjecten")
    )
    records = [r for r in candidates if call.visible(r)]
    for name in ("zaak", "informatieobject"):
        if name in q:
            records = [r for r in records if same_url(r.data[name], q[name])]
    return Reply(200, [call.out(r.data) for r in records])


def zaakinformatieobject_create(call: Call) -> Reply:
    body: dict[str, Json] = call.body
    zaak = _zaak(call, "zaak", body["zaak"])
    eio = call.resolve("informatieobject", body["informatieobject"], "enkelvoudiginformatieobjecten")
    if zaak.data["archiefstatus"] != "nog_te_archiveren":
        raise ZgwProblem.field("nonFieldErrors", "zaak-archiefstatus", "De zaak is al gearchiveerd.")
    zaaktype = call.store.resolve(zaak.data["zaaktype"], "zaaktypen")
    if zaaktype is None or eio.data["informatieobjecttype"] not in zaaktype.data["informatieobjecttypen"]:
        raise ZgwProblem.field(
            "nonFieldErrors",
            "missing-zaaktype-informatieobjecttype-relation",
            "Het informatieobjecttype van het informatieobject hoort niet bij het zaaktype van de zaak.",
        )
    for other in call.store.having("zaakinformatieobjecten", "zaak", zaak.data["url"]):
        if other.data["zaak"] == zaak.data["url"] and other.data["informatieobject"] == eio.data["url"]:
            raise ZgwProblem.field("nonFieldErrors", "unique", "Dit informatieobject hoort al bij deze zaak.")
    status = body.get("status")
    if status:
        status_record = call.resolve("status", status, "statussen")
        if status_record.data["zaak"] != zaak.data["url"]:
            raise ZgwProblem.field("status", "zaak-mismatch", "De status hoort niet bij deze zaak.")
    record = call.store.add("zaakinformatieobjecten", {}, gemeente=zaak.gemeente)
    record.data.update(
        {
            "uuid": record.uuid,
            "informatieobject": eio.ref,
            "zaak": zaak.ref,
            "aardRelatieWeergave": _ZIO_AARD,
            "titel": body.get("titel", ""),
            "beschrijving": body.get("beschrijving", ""),
            "registratiedatum": call.now().isoformat(),
            "vernietigingsdatum": body.get("vernietigingsdatum"),
            "status": call.store.resolve(status, "statussen").ref if status else None,  # type: ignore[union-attr]
        }
    )
    zaak.data["zaakinformatieobjecten"].append(record.ref)
    if status:
        call.store.resolve(status, "statussen").data["zaakinformatieobjecten"].append(record.ref)  # type: ignore[union-attr]
    mirror_object_informatieobject(call, eio, zaak, "zaak")
    return Reply(201, call.out(record.data), headers={"Location": call.url(record)})


def zaakinformatieobject_retrieve(call: Call) -> Reply:
    return Reply(200, call.out(call.own("zaakinformatieobjecten").data))


def mirror_object_informatieobject(call: Call, eio: Record, obj: Record, object_type: str) -> Record:
    """The Documenten API's side of a zaak- or besluitinformatieobject (as the Zaken/Besluiten API creates it)."""
    record = call.store.add("objectinformatieobjecten", {}, gemeente=obj.gemeente)
    record.data.update({"informatieobject": eio.ref, "object": obj.ref, "objectType": object_type})
    return record


# ---------------------------------------------------------------------------------------------- zaakbesluiten


def _zaak_from_path(call: Call) -> Record:
    zaak = call.store.get("zaken", call.path_params.get("zaak_uuid", ""))
    if zaak is None or not call.visible(zaak):
        raise ZgwProblem.not_found()
    return zaak


def zaakbesluit_list(call: Call) -> Reply:
    zaak = _zaak_from_path(call)
    records = [r for r in call.store.all("zaakbesluiten") if r.extra.get("zaak") == zaak.data["url"]]
    return Reply(200, [call.out(r.data) for r in records])


def add_zaakbesluit(call: Call, zaak: Record, besluit: Record) -> Record:
    """The Zaken API's relation to a besluit of the zaak (created by the Besluiten API, or by this endpoint)."""
    record = call.store.add("zaakbesluiten", {}, gemeente=zaak.gemeente, parent=zaak.uuid)
    record.data.update({"uuid": record.uuid, "besluit": besluit.ref})
    record.extra["zaak"] = zaak.data["url"]
    return record


def zaakbesluit_create(call: Call) -> Reply:
    zaak = _zaak_from_path(call)
    besluit = call.resolve("besluit", call.body["besluit"], "besluiten")
    if besluit.data.get("zaak") != zaak.data["url"]:
        raise ZgwProblem.field("besluit", "inconsistent-relation", "Het besluit hoort niet bij deze zaak.")
    for other in call.store.all("zaakbesluiten"):
        if other.extra.get("zaak") == zaak.data["url"] and other.data["besluit"] == besluit.data["url"]:
            raise ZgwProblem.field("besluit", "unique", "Dit besluit is al aan deze zaak gerelateerd.")
    record = add_zaakbesluit(call, zaak, besluit)
    return Reply(201, call.out(record.data), headers={"Location": call.url(record)})


def zaakbesluit_retrieve(call: Call) -> Reply:
    zaak = _zaak_from_path(call)
    record = call.store.get("zaakbesluiten", call.path_params.get("uuid", ""))
    if record is None or record.extra.get("zaak") != zaak.data["url"]:
        raise ZgwProblem.not_found()
    return Reply(200, call.out(record.data))

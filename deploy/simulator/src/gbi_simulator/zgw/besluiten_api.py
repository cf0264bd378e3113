"""Besluiten API 1.1.0: besluiten and besluitinformatieobjecten.

Rules of the spec's operation descriptions, with the reference implementation's codes: a valid ``besluittype``
that is not a concept, a valid RSIN as ``verantwoordelijkeOrganisatie``, identificatie unique per organisation
(``identificatie-niet-uniek``), ``datum`` not in the future (``datum-in-future``), a besluittype the zaak's
zaaktype allows (``zaaktype-mismatch``), an informatieobject whose type the besluittype allows
(``missing-besluittype-informatieobjecttype-relation``), a besluit/informatieobject pair only once (``unique``).
As the real Besluiten API does, a besluit with a ``zaak`` creates the zaakbesluit in the Zaken API, and a
besluitinformatieobject the objectinformatieobject in the Documenten API.
"""

from __future__ import annotations

from typing import Any

from gbi_simulator.zgw.core import Call, Reply, is_valid_rsin, same_url
from gbi_simulator.zgw.problems import ZgwProblem
from gbi_simulator.zgw.store import Record
from gbi_simulator.zgw.zaken_api import add_zaakbesluit, mirror_object_informatieobject

__all__ = [
    "besluit_create",
    "besluit_list",
    "besluit_read",
    "besluitinformatieobject_create",
    "besluitinformatieobject_list",
    "besluitinformatieobject_read",
]

Json = Any


def besluit_list(call: Call) -> Reply:
    q = call.query
    candidates = (
        call.store.having("besluiten", "identificatie", q["identificatie"])
        if "identificatie" in q
        else call.store.all("besluiten")
    )
    records = [r for r in candidates if call.visible(r)]
    for name in ("identificatie", "verantwoordelijkeOrganisatie"):
        if name in q:
            records = [r for r in records if r.data.get(name) == q[name]]
    for name in ("besluittype", "zaak"):
        if name in q:
            records = [r for r in records if same_url(r.data.get(name), q[name])]
    return Reply(200, call.page([call.out(r.data) for r in records]))


def besluit_create(call: Call) -> Reply:
    body: dict[str, Json] = call.body
    besluittype = call.resolve("besluittype", body["besluittype"], "besluittypen")
    call.may_use_type(besluittype, "besluittype")
    if besluittype.data.get("concept"):
        raise ZgwProblem.field("besluittype", "not-published", "Het besluittype is nog niet gepubliceerd (concept).")
    organisatie = body["verantwoordelijkeOrganisatie"]
    if not is_valid_rsin(organisatie):
        raise ZgwProblem.field(
            "verantwoordelijkeOrganisatie",
            "invalid",
            "Voer een geldig RSIN in (9 cijfers die aan de elfproef voldoen).",
        )
    if body["datum"] > call.today().isoformat():
        raise ZgwProblem.field("datum", "datum-in-future", "De datum van het besluit mag niet in de toekomst liggen.")
    zaak: Record | None = None
    if body.get("zaak"):
        zaak = call.resolve("zaak", body["zaak"], "zaken")
        zaaktype = call.store.resolve(zaak.data["zaaktype"], "zaaktypen")
        if zaaktype is None or besluittype.data["url"] not in zaaktype.data["besluittypen"]:
            raise ZgwProblem.field(
                "nonFieldErrors", "zaaktype-mismatch", "Het besluittype hoort niet bij het zaaktype van de zaak."
            )
    year = int(body["datum"][:4])
    identificatie = body.get("identificatie") or (
        f"BESLUIT-{year}-{call.store.next_number('besluit', organisatie, year):010d}"
    )
    for other in call.store.having("besluiten", "identificatie", identificatie):
        if other.data["verantwoordelijkeOrganisatie"] == organisatie and other.data["identificatie"] == identificatie:
            raise ZgwProblem.field(
                "identificatie", "identificatie-niet-uniek", "Deze identificatie bestaat al voor deze organisatie."
            )
    data: dict[str, Json] = {
        "identificatie": identificatie,
        "verantwoordelijkeOrganisatie": organisatie,
        "besluittype": besluittype.ref,
        "datum": body["datum"],
        "toelichting": body.get("toelichting", ""),
        "bestuursorgaan": body.get("bestuursorgaan", ""),
        "ingangsdatum": body["ingangsdatum"],
        "vervaldatum": body.get("vervaldatum"),
        "publicatiedatum": body.get("publicatiedatum"),
        "verzenddatum": body.get("verzenddatum"),
        "uiterlijkeReactiedatum": body.get("uiterlijkeReactiedatum"),
    }
    if zaak is not None:
        data["zaak"] = zaak.ref
    if body.get("vervalreden"):
        data["vervalreden"] = body["vervalreden"]
        data["vervalredenWeergave"] = {
            "tijdelijk": "Besluit met tijdelijke werking",
            "ingetrokken_overheid": "Besluit ingetrokken door overheid",
            "ingetrokken_belanghebbende": "Besluit ingetrokken o.v.v. belanghebbende",
        }[body["vervalreden"]]
    record = call.store.add("besluiten", data, gemeente=besluittype.gemeente)
    if zaak is not None:
        add_zaakbesluit(call, zaak, record)
    return Reply(201, call.out(record.data), headers={"Location": call.url(record)})


def besluit_read(call: Call) -> Reply:
    return Reply(200, call.out(call.own("besluiten").data))


def besluitinformatieobject_list(call: Call) -> Reply:
    q = call.query
    candidates = (
        call.store.having("besluitinformatieobjecten", "besluit", q["besluit"])
        if "besluit" in q
        else call.store.all("besluitinformatieobjecten")
    )
    records = [r for r in candidates if call.visible(r)]
    for name in ("besluit", "informatieobject"):
        if name in q:
            records = [r for r in records if same_url(r.data[name], q[name])]
    return Reply(200, [call.out(r.data) for r in records])


def besluitinformatieobject_create(call: Call) -> Reply:
    body: dict[str, Json] = call.body
    besluit = call.resolve("besluit", body["besluit"], "besluiten")
    eio = call.resolve("informatieobject", body["informatieobject"], "enkelvoudiginformatieobjecten")
    besluittype = call.store.resolve(besluit.data["besluittype"], "besluittypen")
    if besluittype is None or eio.data["informatieobjecttype"] not in besluittype.data["informatieobjecttypen"]:
        raise ZgwProblem.field(
            "nonFieldErrors",
            "missing-besluittype-informatieobjecttype-relation",
            "Het informatieobjecttype van het informatieobject hoort niet bij het besluittype van het besluit.",
        )
    for other in call.store.having("besluitinformatieobjecten", "besluit", besluit.data["url"]):
        if other.data["besluit"] == besluit.data["url"] and other.data["informatieobject"] == eio.data["url"]:
            raise ZgwProblem.field("nonFieldErrors", "unique", "Dit informatieobject hoort al bij dit besluit.")
    record = call.store.add(
        "besluitinformatieobjecten", {"informatieobject": eio.ref, "besluit": besluit.ref}, gemeente=besluit.gemeente
    )
    mirror_object_informatieobject(call, eio, besluit, "besluit")
    return Reply(201, call.out(record.data), headers={"Location": call.url(record)})


def besluitinformatieobject_read(call: Call) -> Reply:
    return Reply(200, call.out(call.own("besluitinformatieobjecten").data))

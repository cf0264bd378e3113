"""Catalogi API 1.4.0 (read-only): catalogussen, zaaktypen, statustypen, roltypen, besluittypen,
informatieobjecttypen, as seeded (``gbi_simulator.zgw.catalogi``). Every type is published (``concept``
false), so the ``status`` filter ``concept`` finds nothing and ``alles``/``definitief`` find everything."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from gbi_simulator.zgw.core import Call, Reply, same_url
from gbi_simulator.zgw.problems import ZgwProblem
from gbi_simulator.zgw.store import Record

__all__ = [
    "besluittype_list",
    "besluittype_retrieve",
    "catalogus_list",
    "catalogus_retrieve",
    "informatieobjecttype_list",
    "informatieobjecttype_retrieve",
    "roltype_list",
    "roltype_retrieve",
    "statustype_list",
    "statustype_retrieve",
    "zaaktype_list",
    "zaaktype_retrieve",
]


def _list(call: Call, records: Iterable[Record]) -> Reply:
    items = [call.out(r.data) for r in records]
    return Reply(200, call.page(items))


def _published(call: Call, records: Iterable[Record]) -> list[Record]:
    """The ``status`` filter: its schema is a plain string, its description names the three choices."""
    status = call.query.get("status", "definitief")
    if status not in ("alles", "concept", "definitief"):
        raise ZgwProblem.field("status", "invalid_choice", f'"{status}" is een ongeldige keuze.')
    if status == "concept":
        return []
    return list(records)


def _geldig(call: Call, records: Iterable[Record]) -> list[Record]:
    datum = call.query.get("datumGeldigheid")
    if datum is None:
        return list(records)
    try:
        date.fromisoformat(datum)
    except ValueError:
        raise ZgwProblem.field("datumGeldigheid", "invalid", "Voer een geldige datum in (JJJJ-MM-DD).") from None
    out = []
    for r in records:
        begin = r.data.get("beginGeldigheid") or "0000-00-00"
        einde = r.data.get("eindeGeldigheid") or "9999-99-99"
        if begin <= datum <= einde:
            out.append(r)
    return out


def _zaaktype_of(call: Call, r: Record) -> Record | None:
    return call.store.resolve(r.data.get("zaaktype"), "zaaktypen")


# ---------------------------------------------------------------------------------------------- catalogussen


def catalogus_list(call: Call) -> Reply:
    q = call.query
    records = [
        r
        for r in call.store.all("catalogussen")
        if ("domein" not in q or r.data["domein"] == q["domein"])
        and ("domein__in" not in q or r.data["domein"] in q["domein__in"])
        and ("rsin" not in q or r.data["rsin"] == q["rsin"])
        and ("rsin__in" not in q or r.data["rsin"] in q["rsin__in"])
    ]
    return _list(call, records)


def catalogus_retrieve(call: Call) -> Reply:
    return Reply(200, call.out(call.own("catalogussen").data))


# ---------------------------------------------------------------------------------------------- zaaktypen


def zaaktype_list(call: Call) -> Reply:
    q = call.query
    records = [
        r
        for r in call.store.all("zaaktypen")
        if ("catalogus" not in q or same_url(r.data["catalogus"], q["catalogus"]))
        and ("identificatie" not in q or r.data["identificatie"] == q["identificatie"])
        and ("trefwoorden" not in q or set(q["trefwoorden"]) <= set(r.data["trefwoorden"]))
    ]
    return _list(call, _geldig(call, _published(call, records)))


def zaaktype_retrieve(call: Call) -> Reply:
    return Reply(200, call.out(call.own("zaaktypen").data))


# ---------------------------------------------------------------------------------------------- statustypen


def _by_zaaktype(call: Call, collection: str) -> list[Record]:
    q = call.query
    out = []
    for r in call.store.all(collection):
        if "zaaktype" in q and not same_url(r.data["zaaktype"], q["zaaktype"]):
            continue
        if "zaaktypeIdentificatie" in q and r.data.get("zaaktypeIdentificatie") != q["zaaktypeIdentificatie"]:
            continue
        out.append(r)
    return out


def statustype_list(call: Call) -> Reply:
    records = _by_zaaktype(call, "statustypen")
    datum = call.query.get("datumGeldigheid")
    if datum is not None:
        records = [r for r in records if (zt := _zaaktype_of(call, r)) is not None and _geldig(call, [zt])]
    return _list(call, _published(call, records))


def statustype_retrieve(call: Call) -> Reply:
    return Reply(200, call.out(call.own("statustypen").data))


# ---------------------------------------------------------------------------------------------- roltypen


def roltype_list(call: Call) -> Reply:
    records = _by_zaaktype(call, "roltypen")
    generiek = call.query.get("omschrijvingGeneriek")
    if generiek is not None:
        records = [r for r in records if r.data["omschrijvingGeneriek"] == generiek]
    if call.query.get("datumGeldigheid") is not None:
        records = [r for r in records if (zt := _zaaktype_of(call, r)) is not None and _geldig(call, [zt])]
    return _list(call, _published(call, records))


def roltype_retrieve(call: Call) -> Reply:
    return Reply(200, call.out(call.own("roltypen").data))


# ---------------------------------------------------------------------------------------------- besluittypen


def besluittype_list(call: Call) -> Reply:
    q = call.query
    records = [
        r
        for r in call.store.all("besluittypen")
        if ("catalogus" not in q or same_url(r.data["catalogus"], q["catalogus"]))
        and ("zaaktypen" not in q or any(same_url(z, q["zaaktypen"]) for z in r.data["zaaktypen"]))
        and (
            "informatieobjecttypen" not in q
            or any(same_url(i, q["informatieobjecttypen"]) for i in r.data["informatieobjecttypen"])
        )
        and ("omschrijving" not in q or r.data["omschrijving"] == q["omschrijving"])
    ]
    return _list(call, _geldig(call, _published(call, records)))


def besluittype_retrieve(call: Call) -> Reply:
    return Reply(200, call.out(call.own("besluittypen").data))


# ---------------------------------------------------------------------------------------------- informatieobjecttypen


def informatieobjecttype_list(call: Call) -> Reply:
    q = call.query
    records = [
        r
        for r in call.store.all("informatieobjecttypen")
        if ("catalogus" not in q or same_url(r.data["catalogus"], q["catalogus"]))
        and ("omschrijving" not in q or r.data["omschrijving"] == q["omschrijving"])
    ]
    return _list(call, _geldig(call, _published(call, records)))


def informatieobjecttype_retrieve(call: Call) -> Reply:
    return Reply(200, call.out(call.own("informatieobjecttypen").data))

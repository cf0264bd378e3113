"""``POST /haalcentraal/api/brp/personen``: Haal Centraal BRP Personen bevragen v2 (2.7.0) with RvIG test persons.

Request validation and error bodies follow the spec (``BadRequestFoutbericht`` with ``invalidParams``) and the
official implementation's messages. A BRP gateway demands protocollering headers: ``x-doelbinding``,
``x-verwerking`` and ``x-gebruiker`` are required, logged (never with a BSN) and echoed on the response.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from gbi_simulator.brp.convert import ConvertedPerson, Json
from gbi_simulator.brp.fields import FieldCatalog, Selection, apply_selection
from gbi_simulator.brp.store import PersonStore
from gbi_simulator.clock import Clock

__all__ = ["PROTOCOL_HEADERS", "BrpProblem", "BrpService", "brp_problem_response", "router"]

log = logging.getLogger("gbi.simulator.brp")

PROTOCOL_HEADERS = ("x-doelbinding", "x-verwerking", "x-gebruiker")
BASE_PATH = "/haalcentraal/api/brp"
JSON_UTF8 = "application/json; charset=utf-8"
PROBLEM_JSON = "application/problem+json"

_BSN = re.compile(r"^[0-9]{9}$")
_POSTCODE = re.compile(r"^[1-9][0-9]{3} ?[A-Za-z]{2}$")
_HUISLETTER = re.compile(r"^[a-zA-Z]$")
_TOEVOEGING = re.compile(r"^[a-zA-Z0-9 \-]{1,4}$")
_BAG_ID = re.compile(r"^(?!0{16})[0-9]{16}$")
_GEMEENTE = re.compile(r"^[0-9]{4}$")
_FIELD = re.compile(r"^[a-zA-Z0-9._]{1,200}$")
_NAAM = re.compile(r"^[a-zA-Z0-9À-ž .\-']{1,200}$|^[a-zA-Z0-9À-ž .\-']{3,199}\*$")
_VOORNAMEN_OPTIONEEL = re.compile(r"^[a-zA-Z0-9À-ž .\-']{1,199}\*?$")
_VOORVOEGSEL = re.compile(r"^[a-zA-Z ']{1,10}$")
_GESLACHT = re.compile(r"^[MmVvOo]$")
_STRAAT = re.compile(r"^[a-zA-Z0-9À-ž \-'.]{1,80}$|^[a-zA-Z0-9À-ž \-'.]{7,79}\*$|^\*[a-zA-Z0-9À-ž \-'.]{7,79}$")
_HEADER_VALUE = re.compile(r"^[\x20-\x7e]{1,200}$")
_MAX_FIELDS = 130

_PROBLEM_TYPES = {
    400: "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.1",
    404: "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.4",
    415: "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.13",
    500: "https://datatracker.ietf.org/doc/html/rfc7231#section-6.6.1",
}


# ------------------------------------------------------------------------------------------------ problems


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    code: str
    reason: str


class BrpProblem(Exception):
    """An error of the BRP API, rendered as the spec's ``Foutbericht`` / ``BadRequestFoutbericht``."""

    def __init__(
        self, status: int, title: str, code: str, *, detail: str | None = None, params: list[Param] | None = None
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.code = code
        self.detail = detail
        self.params = params or []


def _params_problem(params: list[Param]) -> BrpProblem:
    return BrpProblem(400, "Een of meerdere parameters zijn niet correct.", "paramsValidation", params=params)


def _fit_name(name: str) -> str:
    """The spec allows parameter names of at most 30 characters (^[a-zA-Z0-9._]{1,30}$), shorter than the longest
    parameter (adresseerbaarObjectIdentificatie, 32): such a name is cut to fit, so the answer stays valid."""
    return name[:30]


def brp_problem_response(problem: BrpProblem, request: Request) -> JSONResponse:
    body: Json = {
        "type": _PROBLEM_TYPES.get(problem.status, _PROBLEM_TYPES[500]),
        "title": problem.title,
        "status": problem.status,
        "instance": str(request.url.replace(query="", fragment="")),
        "code": problem.code,
    }
    if problem.detail:
        body["detail"] = problem.detail
    if problem.params:
        body["invalidParams"] = [
            {"name": _fit_name(p.name), "code": p.code, "reason": p.reason} for p in problem.params
        ]
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON)


# ------------------------------------------------------------------------------------------------ validation


class _Checker:
    """Collects invalid parameters of one request body, with the official API's codes and reasons."""

    def __init__(self, body: Json) -> None:
        self.body = body
        self.params: list[Param] = []

    def fail(self, name: str, code: str, reason: str) -> None:
        self.params.append(Param(name, code, reason))

    def require(self, name: str) -> None:
        if self.body.get(name) in (None, ""):
            self.fail(name, "required", "Parameter is verplicht.")

    def string(self, name: str, pattern: re.Pattern[str], *, required: bool = False) -> str | None:
        value = self.body.get(name)
        if value is None:
            if required:
                self.fail(name, "required", "Parameter is verplicht.")
            return None
        if not isinstance(value, str):
            self.fail(name, "string", "Parameter is geen string.")
            return None
        if value == "" and required:
            self.fail(name, "required", "Parameter is verplicht.")
            return None
        if not pattern.match(value):
            self.fail(name, "pattern", "Waarde voldoet niet aan patroon.")
            return None
        return value

    def integer(self, name: str, minimum: int, maximum: int, *, required: bool = False) -> int | None:
        value = self.body.get(name)
        if value is None:
            if required:
                self.fail(name, "required", "Parameter is verplicht.")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, "integer", "Waarde is geen geldig getal.")
            return None
        if value < minimum:
            self.fail(name, "minimum", f"Waarde is lager dan minimum {minimum}.")
            return None
        if value > maximum:
            self.fail(name, "maximum", f"Waarde is hoger dan maximum {maximum}.")
            return None
        return value

    def boolean(self, name: str) -> bool:
        value = self.body.get(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(name, "boolean", "Waarde is geen boolean.")
            return False
        return value

    def datum(self, name: str, *, required: bool = False) -> date | None:
        value = self.body.get(name)
        if value is None:
            if required:
                self.fail(name, "required", "Parameter is verplicht.")
            return None
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(name, "date", "Waarde is geen geldige datum.")
        return None

    def string_list(self, name: str, pattern: re.Pattern[str], max_items: int) -> list[str]:
        value = self.body.get(name)
        if value is None:
            self.fail(name, "required", "Parameter is verplicht.")
            return []
        if not isinstance(value, list):
            self.fail(name, "array", "Parameter is geen array.")
            return []
        if not value:
            self.fail(name, "minItems", "Array bevat minder dan 1 items.")
            return []
        if len(value) > max_items:
            self.fail(name, "maxItems", f"Array bevat meer dan {max_items} items.")
            return []
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not pattern.match(item):
                self.fail(f"{name}.{i}", "pattern", "Waarde voldoet niet aan patroon.")
            else:
                out.append(item)
        return out

    def only(self, allowed: frozenset[str]) -> None:
        for key in self.body:
            if key not in allowed:
                name = key if re.fullmatch(r"[a-zA-Z0-9._]{1,30}", key) else "body"
                self.fail(name, "unknownParam", "Parameter is niet verwacht.")


# ------------------------------------------------------------------------------------------------ searches


@dataclass(frozen=True, slots=True)
class _QueryType:
    response_schema: str
    parameters: frozenset[str]
    search: Callable[[PersonStore, _Checker], list[ConvertedPerson]]
    # RaadpleegMetBurgerservicenummer returns deceased persons too; the searches only on request.
    always_deceased: bool = False


def _wildcard(pattern: str, value: str | None) -> bool:
    """Case-insensitive match; ``*`` at the end (prefix) or, for streets, at the start (suffix)."""
    if value is None:
        return False
    pattern, value = pattern.casefold(), value.casefold()
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    return value == pattern


def _adres_filters(
    persons: list[ConvertedPerson], huisletter: str | None, toevoeging: str | None
) -> list[ConvertedPerson]:
    out = []
    for person in persons:
        adres = (person.persoon.get("verblijfplaats") or {}).get("verblijfadres") or {}
        if huisletter is not None and (adres.get("huisletter") or "").casefold() != huisletter.casefold():
            continue
        if toevoeging is not None and (adres.get("huisnummertoevoeging") or "").casefold() != toevoeging.casefold():
            continue
        out.append(person)
    return out


def _geboren_op(person: ConvertedPerson, geboortedatum: date) -> bool:
    datum = ((person.persoon.get("geboorte") or {}).get("datum")) or {}
    return datum.get("type") == "Datum" and datum.get("datum") == geboortedatum.isoformat()


def _naam(person: ConvertedPerson) -> Json:
    naam: Json = person.persoon.get("naam") or {}
    return naam


def _persoon_filters(persons: list[ConvertedPerson], c: _Checker, voornamen: str | None) -> list[ConvertedPerson]:
    """The optional filters of the name searches: geslacht, voorvoegsel, voornamen."""
    geslacht = c.string("geslacht", _GESLACHT)
    voorvoegsel = c.string("voorvoegsel", _VOORVOEGSEL)
    out = []
    for p in persons:
        if geslacht and ((p.persoon.get("geslacht") or {}).get("code") or "").casefold() != geslacht.casefold():
            continue
        if voorvoegsel and (_naam(p).get("voorvoegsel") or "").casefold() != voorvoegsel.casefold():
            continue
        if voornamen and not _wildcard(voornamen, _naam(p).get("voornamen")):
            continue
        out.append(p)
    return out


def _search_bsn(store: PersonStore, c: _Checker) -> list[ConvertedPerson]:
    bsns = c.string_list("burgerservicenummer", _BSN, 20)
    seen: set[str] = set()
    out = []
    for bsn in bsns:
        person = store.get(bsn)
        if person is not None and bsn not in seen:
            seen.add(bsn)
            out.append(person)
    return out


def _search_postcode(store: PersonStore, c: _Checker) -> list[ConvertedPerson]:
    postcode = c.string("postcode", _POSTCODE, required=True)
    huisnummer = c.integer("huisnummer", 1, 99999, required=True)
    huisletter = c.string("huisletter", _HUISLETTER)
    toevoeging = c.string("huisnummertoevoeging", _TOEVOEGING)
    geboortedatum = c.datum("geboortedatum")
    geslachtsnaam = c.string("geslachtsnaam", _NAAM)
    if postcode is None or huisnummer is None:
        return []
    persons = _adres_filters(store.at_adres(postcode.replace(" ", "").upper(), huisnummer), huisletter, toevoeging)
    if geboortedatum is not None:
        persons = [p for p in persons if _geboren_op(p, geboortedatum)]
    if geslachtsnaam is not None:
        persons = [p for p in persons if _wildcard(geslachtsnaam, _naam(p).get("geslachtsnaam"))]
    return persons


def _search_aoi(store: PersonStore, c: _Checker) -> list[ConvertedPerson]:
    aoi = c.string("adresseerbaarObjectIdentificatie", _BAG_ID, required=True)
    return store.at_adresseerbaar_object(aoi) if aoi else []


def _search_nai(store: PersonStore, c: _Checker) -> list[ConvertedPerson]:
    nai = c.string("nummeraanduidingIdentificatie", _BAG_ID, required=True)
    return store.at_nummeraanduiding(nai) if nai else []


def _search_naam_geboorte(store: PersonStore, c: _Checker) -> list[ConvertedPerson]:
    geslachtsnaam = c.string("geslachtsnaam", _NAAM, required=True)
    geboortedatum = c.datum("geboortedatum", required=True)
    voornamen = c.string("voornamen", _VOORNAMEN_OPTIONEEL)
    if geslachtsnaam is None or geboortedatum is None:
        return []
    found = [
        p for p in store if _geboren_op(p, geboortedatum) and _wildcard(geslachtsnaam, _naam(p).get("geslachtsnaam"))
    ]
    return _persoon_filters(found, c, voornamen)


def _search_naam_gemeente(store: PersonStore, c: _Checker) -> list[ConvertedPerson]:
    geslachtsnaam = c.string("geslachtsnaam", _NAAM, required=True)
    voornamen = c.string("voornamen", _NAAM, required=True)
    c.require("gemeenteVanInschrijving")
    if geslachtsnaam is None or voornamen is None:
        return []
    found = [p for p in store if _wildcard(geslachtsnaam, _naam(p).get("geslachtsnaam"))]
    return _persoon_filters(found, c, voornamen)


def _search_straat(store: PersonStore, c: _Checker) -> list[ConvertedPerson]:
    straat = c.string("straat", _STRAAT, required=True)
    huisnummer = c.integer("huisnummer", 1, 99999, required=True)
    c.require("gemeenteVanInschrijving")
    huisletter = c.string("huisletter", _HUISLETTER)
    toevoeging = c.string("huisnummertoevoeging", _TOEVOEGING)
    if straat is None or huisnummer is None:
        return []
    found = []
    for p in store:
        vp = p.persoon.get("verblijfplaats") or {}
        adres = vp.get("verblijfadres") or {}
        if vp.get("type") != "Adres" or adres.get("huisnummer") != huisnummer:
            continue
        if _wildcard(straat, adres.get("officieleStraatnaam")) or _wildcard(straat, adres.get("korteStraatnaam")):
            found.append(p)
    return _adres_filters(found, huisletter, toevoeging)


_COMMON = frozenset({"type", "fields", "gemeenteVanInschrijving"})
_OVERLEDEN = frozenset({"inclusiefOverledenPersonen"})
QUERY_TYPES: dict[str, _QueryType] = {
    "RaadpleegMetBurgerservicenummer": _QueryType(
        "Persoon", _COMMON | {"burgerservicenummer"}, _search_bsn, always_deceased=True
    ),
    "ZoekMetPostcodeEnHuisnummer": _QueryType(
        "PersoonBeperkt",
        _COMMON
        | _OVERLEDEN
        | {"postcode", "huisnummer", "huisletter", "huisnummertoevoeging", "geboortedatum", "geslachtsnaam"},
        _search_postcode,
    ),
    "ZoekMetAdresseerbaarObjectIdentificatie": _QueryType(
        "GezagPersoonBeperkt", _COMMON | _OVERLEDEN | {"adresseerbaarObjectIdentificatie"}, _search_aoi
    ),
    "ZoekMetNummeraanduidingIdentificatie": _QueryType(
        "PersoonBeperkt", _COMMON | _OVERLEDEN | {"nummeraanduidingIdentificatie"}, _search_nai
    ),
    "ZoekMetGeslachtsnaamEnGeboortedatum": _QueryType(
        "PersoonBeperkt",
        _COMMON | _OVERLEDEN | {"geslachtsnaam", "geboortedatum", "geslacht", "voorvoegsel", "voornamen"},
        _search_naam_geboorte,
    ),
    "ZoekMetNaamEnGemeenteVanInschrijving": _QueryType(
        "PersoonBeperkt",
        _COMMON | _OVERLEDEN | {"geslachtsnaam", "voornamen", "geslacht", "voorvoegsel"},
        _search_naam_gemeente,
    ),
    "ZoekMetStraatHuisnummerEnGemeenteVanInschrijving": _QueryType(
        "PersoonBeperkt",
        _COMMON | _OVERLEDEN | {"straat", "huisnummer", "huisletter", "huisnummertoevoeging"},
        _search_straat,
    ),
}


# ------------------------------------------------------------------------------------------------ service


class BrpService:
    """Answers one Personen query from the store."""

    def __init__(self, store: PersonStore, catalog: FieldCatalog, clock: Clock) -> None:
        self.store = store
        self.catalog = catalog
        self.clock = clock
        #: How often each person was asked for by BSN (RaadpleegMetBurgerservicenummer, answered): the BRP's
        #: protocollering as a count, for tests of how often GBI consults it per case.
        self.raadplegingen: Counter[str] = Counter()
        # Build the field trees once, up front.
        for query in QUERY_TYPES.values():
            catalog.tree(query.response_schema)

    def query(self, body: Any) -> Json:
        if not isinstance(body, dict):
            raise _params_problem([Param("body", "object", "Het verzoek is geen JSON object.")])
        c = _Checker(body)
        kind = body.get("type")
        if kind is None:
            raise _params_problem([Param("type", "required", "Parameter is verplicht.")])
        query = QUERY_TYPES.get(kind) if isinstance(kind, str) else None
        if query is None:
            raise _params_problem([Param("type", "value", "Waarde is geen geldig zoek type.")])
        c.only(query.parameters)
        selection = self._fields(c, query.response_schema)
        gemeente = c.string("gemeenteVanInschrijving", _GEMEENTE)
        inclusief_overleden = c.boolean("inclusiefOverledenPersonen")
        persons = query.search(self.store, c)
        if c.params:
            raise _params_problem(c.params)
        if gemeente is not None:
            persons = [p for p in persons if (p.persoon.get("gemeenteVanInschrijving") or {}).get("code") == gemeente]
        if not (query.always_deceased or inclusief_overleden):
            persons = [p for p in persons if not p.overleden]
        today = self.clock.today()
        if kind == "RaadpleegMetBurgerservicenummer":
            self.raadplegingen.update(b for b in body.get("burgerservicenummer") or () if isinstance(b, str))
        return {"type": kind, "personen": [self._render(p, selection, today) for p in persons]}

    def _fields(self, c: _Checker, schema: str) -> Selection:
        if not c.string_list("fields", _FIELD, _MAX_FIELDS):
            return {}
        # Parse the well-formed ones, keeping each field's position in the request for the error names.
        positions = [(i, f) for i, f in enumerate(c.body["fields"]) if isinstance(f, str) and _FIELD.match(f)]
        selection, errors = self.catalog.tree(schema).parse([f for _, f in positions])
        for error in errors:
            c.fail(f"fields.{positions[error.index][0]}", error.code, error.reason)
        return selection

    def _render(self, person: ConvertedPerson, selection: Selection, today: date) -> Json:
        full = self.store.render(person, today)
        out = apply_selection(selection, full)
        for key in ("geheimhoudingPersoonsgegevens", "opschortingBijhouding", "rni", "verificatie"):
            if key in full:
                out[key] = full[key]
        return out


# ------------------------------------------------------------------------------------------------ route

router = APIRouter(tags=["BRP (Haal Centraal Personen v2, simulator)"])

_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {JSON_UTF8: {"schema": {"type": "object", "description": "PersonenQuery (BRP Personen 2.7.0)"}}},
    }
}


def _protocol_headers(request: Request) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in PROTOCOL_HEADERS:
        value = request.headers.get(name)
        if value is None or not value.strip():
            raise BrpProblem(
                400,
                "Verplichte protocolleringsheader ontbreekt.",
                "protocolHeader",
                detail=f"De header {name} ontbreekt.",
            )
        if not _HEADER_VALUE.match(value):
            raise BrpProblem(
                400,
                "Ongeldige protocolleringsheader.",
                "protocolHeader",
                detail=f"De header {name} bevat ongeldige tekens of is te lang.",
            )
        values[name] = value
    return values


@router.post(
    f"{BASE_PATH}/personen",
    summary="Zoek personen (Haal Centraal BRP Personen bevragen v2, gesimuleerd)",
    openapi_extra=_REQUEST_BODY,
    response_class=JSONResponse,
)
async def personen(request: Request) -> Response:
    service: BrpService = request.app.state.brp
    try:
        protocol = _protocol_headers(request)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError):
            raise _params_problem([Param("body", "json", "Het verzoek bevat geen geldige JSON.")]) from None
        result = service.query(body)
    except BrpProblem as problem:
        log.info("BRP query refused", extra={"event": "brp-query", "status": problem.status, "code": problem.code})
        response = brp_problem_response(problem, request)
        for name in PROTOCOL_HEADERS:
            if request.headers.get(name):
                response.headers[name] = request.headers[name]
        return response
    log.info(
        "BRP query answered",
        extra={
            "event": "brp-query",
            "status": 200,
            "query_type": result["type"],
            "persons": len(result["personen"]),
            "doelbinding": protocol["x-doelbinding"],
            "verwerking": protocol["x-verwerking"],
            "gebruiker": protocol["x-gebruiker"],
        },
    )
    return JSONResponse(result, media_type=JSON_UTF8, headers=protocol)

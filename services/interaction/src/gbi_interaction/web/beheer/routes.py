"""Beheer (``/beheer``): the gemeente's local policy with effective dates (view every version with who recorded
it, when and why; record a new version, checked by the domain layer), the roles model and who has which role,
and starting the month's payment run (followed on the progress page).

Policy goes through ``/api/v1/beleid`` as the logged-in medewerker: anyone of the gemeente's staff may read it, only
a beheerder may record a version (the domain layer checks what the content means, the data service its form and
dates, and logs the change with the actor). Versions are append-only: the past never changes.

Role assignments live in the identity provider (the gemeente's own, or the development IdP), which puts the roles
in the token; GBI keeps no list of who has which role. This page says so and shows the roles model and the roles
of the logged-in user, rather than a list it cannot know.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import Response

from gbi_interaction.web.kern import PaginaFout, Web, api, formulier, medewerker, naar, pagina, web_router
from gbi_interaction.web.sessie import Gebruiker
from gbi_shared.contracts.beleid import ONDERWERPEN
from gbi_shared.errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError
from gbi_shared.tijd import NL, vandaag_nl

__all__ = ["ROLLENMODEL", "registreer", "router"]

router = web_router("/beheer")
Beheer = Annotated[Gebruiker, Depends(medewerker("beheerder", "teamleider", "auditor"))]
Beheerder = Annotated[Gebruiker, Depends(medewerker("beheerder"))]

ONDERWERP_NAMEN = {
    "bijzondere-bijstand": "Bijzondere bijstand (draagkracht, kostensoorten)",
    "afstemming": "Afstemmingsverordening (verlagingen)",
    "vakantiegeld": "Vakantiegeld (maand van uitbetaling)",
    "vierogen": "Vier ogen (wanneer een teamleider goedkeurt)",
}
#: What each role may do in GBI (the permissions the layers check).
ROLLENMODEL: tuple[tuple[str, str], ...] = (
    ("klantmanager", "Aanvragen registreren en inzien, intake, stukken opvragen, proefberekeningen"),
    ("inkomensconsulent", "Aanvragen beoordelen en een besluit voorstellen, proefberekeningen"),
    ("handhaver", "Huisbezoeken, signalen van het Inlichtingenbureau"),
    (
        "teamleider",
        "Vier ogen: besluiten goedkeuren of terugsturen, taken verdelen, termijnen bewaken, managementinformatie",
    ),
    ("beheerder", "Lokaal beleid vastleggen, betaalrun starten, managementinformatie"),
    ("auditor", "Verwerkingenlogboek en audittrails inzien, managementinformatie"),
)

#: "Today" for a Dutch caseworker or beheerder is the Dutch calendar day, not the UTC one.


def registreer(w: Web) -> None:
    w.navigatie.append(
        (
            "/beheer",
            "Beheer",
            lambda wie: wie is not None and wie.is_medewerker and wie.heeft_rol("beheerder", "teamleider", "auditor"),
        )
    )


def _vandaag() -> str:
    return vandaag_nl().isoformat()


def _onderwerp(onderwerp: str) -> str:
    if onderwerp not in ONDERWERPEN:
        raise PaginaFout(404, "Onbekend onderwerp", "Over dit onderwerp kent GBI geen lokaal beleid.")
    return onderwerp


@router.get("")
async def beheer(request: Request, wie: Beheer) -> Response:
    gbi = api(request)
    huidige: list[dict[str, Any]] = []
    for onderwerp in ONDERWERPEN:
        try:
            versie = await gbi.get(f"/api/v1/beleid/{onderwerp}", {"peildatum": _vandaag()})
        except NotFoundError:
            versie = None
        huidige.append({"onderwerp": onderwerp, "naam": ONDERWERP_NAMEN[onderwerp], "versie": versie})
    return pagina(
        request,
        "beheer/beheer.html",
        {
            "huidige": huidige,
            "rollenmodel": ROLLENMODEL,
            "mijn_rollen": wie.rollen,
            "mag_betaalrun": wie.heeft_rol("beheerder"),
            "maand": datetime.now(NL).strftime("%Y-%m"),
        },
        titel="Beheer",
    )


# ----------------------------------------------------------------------------------------------- policy


def _vlak(waarde: Any, pad: str = "") -> list[tuple[str, Any]]:
    """The scalar leaves of a JSON document with their paths (``draagkrachtschijven[0].pctMeetellen``)."""
    if isinstance(waarde, dict):
        uit: list[tuple[str, Any]] = []
        for k, v in waarde.items():
            uit += _vlak(v, f"{pad}.{k}" if pad else k)
        return uit
    if isinstance(waarde, list):
        uit = []
        for i, v in enumerate(waarde):
            uit += _vlak(v, f"{pad}[{i}]")
        return uit
    return [(pad, waarde)]


def _veld_id(pad: str) -> str:
    return "inhoud-" + re.sub(r"[^A-Za-z0-9]+", "-", pad).strip("-")


def _zet(doc: Any, pad: str, waarde: Any) -> None:
    delen = re.findall(r"[^.\[\]]+", pad)
    node = doc
    for deel in delen[:-1]:
        node = node[int(deel)] if isinstance(node, list) else node[deel]
    laatste = delen[-1]
    if isinstance(node, list):
        node[int(laatste)] = waarde
    else:
        node[laatste] = waarde


def _velden(inhoud: dict[str, Any], invoer: dict[str, str] | None = None) -> list[dict[str, Any]]:
    velden = []
    for pad, waarde in _vlak(inhoud):
        soort = (
            "bool"
            if isinstance(waarde, bool)
            else "int"
            if isinstance(waarde, int)
            else "leeg"
            if waarde is None
            else "tekst"
        )
        tekst = "ja" if waarde is True else "nee" if waarde is False else "" if waarde is None else str(waarde)
        ident = _veld_id(pad)
        velden.append(
            {
                "pad": pad,
                "id": ident,
                "soort": soort,
                "waarde": (invoer or {}).get(ident, tekst),
                "decimaal": isinstance(waarde, str) and _is_bedrag(waarde),
            }
        )
    return velden


def _is_bedrag(tekst: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", tekst) is not None


def _lees_inhoud(basis: dict[str, Any], form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The new content: the latest version's document with every field as filled in, each in its original type."""
    doc = json.loads(json.dumps(basis))
    fouten: dict[str, str] = {}
    for veld in _velden(basis):
        ruw = str(form.get(veld["id"]) or "").strip()
        pad = veld["pad"]
        if veld["soort"] == "bool":
            _zet(doc, pad, ruw == "ja")
        elif veld["soort"] == "int":
            if not re.fullmatch(r"-?\d+", ruw):
                fouten[veld["id"]] = f"Vul bij {pad} een heel getal in."
                continue
            _zet(doc, pad, int(ruw))
        elif veld["soort"] == "leeg":
            _zet(doc, pad, ruw or None)
        elif veld["decimaal"]:
            try:
                bedrag = Decimal(ruw.replace(",", "."))
            except InvalidOperation:
                fouten[veld["id"]] = f"Vul bij {pad} een getal in, zoals 1250.00."
                continue
            _zet(
                doc,
                pad,
                f"{bedrag:.2f}"
                if "." in str(veld["waarde"]) and len(str(veld["waarde"]).split(".")[1]) == 2
                else str(bedrag),
            )
        else:
            if not ruw:
                fouten[veld["id"]] = f"Vul {pad} in."
                continue
            _zet(doc, pad, ruw)
    return doc, fouten


async def _beleid(request: Request, onderwerp: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    gbi = api(request)
    versies = (await gbi.get(f"/api/v1/beleid/{onderwerp}/versies"))["items"]
    try:
        huidig = await gbi.get(f"/api/v1/beleid/{onderwerp}", {"peildatum": _vandaag()})
    except NotFoundError:
        huidig = None
    return list(versies), huidig


def _wijzigingen(versies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per version what changed against the one before (path, old value, new value): who changed what."""
    uit = []
    vorige: dict[str, Any] = {}
    for v in versies:
        nu = dict(_vlak(v["inhoud"]))
        verschil = [
            {"pad": pad, "oud": vorige.get(pad), "nieuw": nu.get(pad)}
            for pad in sorted(set(vorige) | set(nu))
            if vorige.get(pad) != nu.get(pad)
        ]
        uit.append(v | {"verschil": verschil if vorige else [], "eerste": not vorige})
        vorige = nu
    return list(reversed(uit))


@router.get("/beleid/{onderwerp}")
async def beleid(request: Request, wie: Beheer, onderwerp: Annotated[str, Path()]) -> Response:
    onderwerp = _onderwerp(onderwerp)
    versies, huidig = await _beleid(request, onderwerp)
    return _beleid_pagina(request, wie, onderwerp, versies, huidig, {}, None)


def _beleid_pagina(
    request: Request,
    wie: Gebruiker,
    onderwerp: str,
    versies: list[dict[str, Any]],
    huidig: dict[str, Any] | None,
    fouten: dict[str, str],
    invoer: dict[str, str] | None,
) -> Response:
    laatste = versies[-1] if versies else None
    basis = laatste["inhoud"] if laatste else {}
    return pagina(
        request,
        "beheer/beleid.html",
        {
            "onderwerp": onderwerp,
            "naam": ONDERWERP_NAMEN[onderwerp],
            "versies": _wijzigingen(versies),
            "geldend": huidig,
            "laatste": laatste,
            "velden": _velden(basis, invoer),
            "mag_wijzigen": wie.heeft_rol("beheerder"),
            "fouten": fouten,
            "invoer": invoer or {"geldigVanaf": _vandaag(), "toelichting": ""},
        },
        titel=("Fout: " if fouten else "") + f"Beleid {onderwerp}",
        status=400 if fouten else 200,
    )


def _veldnaam(naam: str, velden: list[dict[str, Any]]) -> str:
    """An invalidParams name of the API (``inhoud.draagkrachtschijven.0.pctMeetellen``) as our field id."""
    if naam in ("geldigVanaf", "toelichting"):
        return naam
    pad = naam.removeprefix("inhoud.").removeprefix("inhoud")
    pad = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", pad)
    ident = _veld_id(pad)
    if any(v["id"] == ident for v in velden):
        return ident
    kandidaten = [v["id"] for v in velden if v["id"].startswith(ident)]
    return kandidaten[0] if kandidaten else "toelichting"


@router.post("/beleid/{onderwerp}")
async def beleid_wijzigen(request: Request, wie: Beheerder, onderwerp: Annotated[str, Path()]) -> Response:
    onderwerp = _onderwerp(onderwerp)
    form = await formulier(request)
    versies, huidig = await _beleid(request, onderwerp)
    basis = versies[-1]["inhoud"] if versies else {}
    invoer = {k: str(v) for k, v in form.items() if k != "csrf"}
    inhoud, fouten = _lees_inhoud(basis, form)
    geldig_vanaf = invoer.get("geldigVanaf", "").strip()
    try:
        date.fromisoformat(geldig_vanaf)
    except ValueError:
        fouten["geldigVanaf"] = "Vul de eerste dag in waarop deze versie geldt, zoals 2027-01-01."
    toelichting = invoer.get("toelichting", "").strip()
    if not toelichting:
        fouten["toelichting"] = "Schrijf op waarom (bijvoorbeeld het raadsbesluit of de verordening)."
    if not fouten:
        try:
            nieuw = await api(request).post(
                f"/api/v1/beleid/{onderwerp}/versies",
                {"geldigVanaf": geldig_vanaf, "toelichting": toelichting[:2000], "inhoud": inhoud},
            )
        except (BadRequestError, ConflictError) as exc:
            velden = _velden(basis)
            for p in exc.invalid_params or []:
                fouten[_veldnaam(p.name, velden)] = p.reason
            if not fouten:
                fouten["geldigVanaf"] = exc.detail or "Deze wijziging kan niet."
        except ForbiddenError:
            raise PaginaFout(403, "Geen toegang", "Alleen een beheerder legt beleid vast.") from None
        else:
            return naar(
                request,
                f"/beheer/beleid/{onderwerp}",
                f"Versie {nieuw['versie']} is vastgelegd en geldt vanaf {nieuw['geldigVanaf']}.",
            )
    return _beleid_pagina(request, wie, onderwerp, versies, huidig, fouten, invoer)


# ----------------------------------------------------------------------------------------------- payment run


@router.post("/betaalrun")
async def betaalrun(request: Request, wie: Beheerder) -> Response:
    form = await formulier(request)
    maand = str(form.get("maand") or "").strip()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", maand):
        return naar(request, "/beheer", "Kies de maand van de betaalrun als JJJJ-MM, bijvoorbeeld 2026-12.")
    sleutel = str(form.get("sleutel") or uuid.uuid4())
    run = await api(request).post("/api/v1/betaalruns", {"maand": maand}, headers={"Idempotency-Key": sleutel[:100]})
    return naar(
        request, f"/werkplek/voortgang?bron=/api/v1/betaalruns/{run['id']}", f"De betaalrun van {maand} is gestart."
    )

"""The caseworker's workbench (``/werkplek``): the inbox per role with filters and counts, the case view (applicant
and household, source data with provenance, the calculation line by line, documents, the audit trail, the process
diagram with the current step) and working a task: claim, complete (request documents, assess, 4-eyes approve or
send back), hand back, comment; a preview of the beschikking before it is sent; and a generic progress page for
long-running work (a payment run).

Every read and write goes to GBI's public API as the logged-in medewerker (``/api/v1/taken``, ``/api/v1/zaken``,
``/api/v1/beschikkingen:voorbeeld``), so the page can do nothing the medewerker could not do with the API, and the
layers below decide (role of the task, 4-eyes, gemeente).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from markupsafe import Markup

from gbi_interaction.web.kern import GbiApi, PaginaFout, Web, api, formulier, medewerker, naar, pagina, web_router
from gbi_interaction.web.sessie import Gebruiker
from gbi_shared.errors import BadRequestError, ForbiddenError, NotFoundError, ServiceError
from gbi_shared.tijd import vandaag_nl

__all__ = ["ROLNAMEN", "WERKBAK_ROLLEN", "registreer", "router", "voortgang_bron"]

router = web_router("/werkplek")

WERKBAK_ROLLEN = ("klantmanager", "inkomensconsulent", "handhaver", "teamleider")
ROLNAMEN = {
    "klantmanager": "Klantmanager",
    "inkomensconsulent": "Inkomensconsulent",
    "handhaver": "Handhaver",
    "teamleider": "Teamleider",
    "beheerder": "Beheerder",
    "auditor": "Auditor",
}
STATUSNAMEN = {"open": "Open", "geclaimd": "In behandeling", "afgerond": "Afgerond"}
UITKOMSTNAMEN = {
    "toekenning": "Toekennen",
    "afwijzing": "Afwijzen",
    "buiten_behandeling": "Buiten behandeling stellen",
    "goedgekeurd": "Goedkeuren",
    "teruggestuurd": "Terugsturen",
    "geen_bijzonderheden": "Geen bijzonderheden",
    "bijzonderheden": "Bijzonderheden",
    "verdagen": "Beslistermijn verdagen",
    "doorzetten": "Doorzetten zonder verdaging",
}
VELDNAMEN = {
    "hersteltermijn_einde": "Laatste dag om de stukken aan te leveren",
    "gevraagde_documenten": "Welke stukken (een per regel)",
    "afwijking_berekening": "Het besluit wijkt af van de berekening",
}
#: Progress resources the progress page may poll (public API paths of long-running work).
VOORTGANG_BRONNEN = (re.compile(r"^/api/v1/betaalruns/[0-9a-fA-F-]{36}$"),)

Medewerker = Annotated[Gebruiker, Depends(medewerker(*WERKBAK_ROLLEN))]
Ieder = Annotated[Gebruiker, Depends(medewerker())]

#: "Today" for a Dutch caseworker or beheerder is the Dutch calendar day, not the UTC one.


def registreer(w: Web) -> None:
    """The workbench's entry in the main navigation (staff who work on cases)."""
    w.navigatie.append(
        (
            "/werkplek",
            "Werkvoorraad",
            lambda wie: wie is not None and wie.is_medewerker and wie.heeft_rol(*WERKBAK_ROLLEN),
        )
    )


def _nu() -> datetime:
    return datetime.now(UTC)


def _verlopen(deadline: str | None) -> bool:
    if not deadline:
        return False
    try:
        return datetime.fromisoformat(deadline.replace("Z", "+00:00")) < _nu()
    except ValueError:
        return False


async def _of_niets(call: Any) -> Any:
    try:
        return await call
    except NotFoundError:
        return None


# ----------------------------------------------------------------------------------------------- the inbox


@router.get("")
async def werkvoorraad(
    request: Request,
    wie: Medewerker,
    rol: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    mijn: Annotated[str | None, Query()] = None,
    sorteer: Annotated[str | None, Query()] = None,
) -> Response:
    eigen_rollen = [r for r in WERKBAK_ROLLEN if wie.heeft_rol(r)]
    mag_alle = wie.heeft_rol("teamleider")
    rollen = list(WERKBAK_ROLLEN) if mag_alle else eigen_rollen
    rol = rol if rol in rollen else None
    status = status if status in STATUSNAMEN or status == "alle" else "open"
    sorteer = sorteer if sorteer in ("deadline", "aangemaakt") else "deadline"
    params = {"pageSize": "50", "sorteer": sorteer}
    if rol:
        params["rol"] = rol
    if status != "alle":
        params["status"] = status
    if mijn == "ja":
        params["toegewezenAan"] = "mij"
    gbi = api(request)
    taken, tellingen = await asyncio.gather(gbi.get("/api/v1/taken", params), gbi.get("/api/v1/taken/tellingen"))
    items = [t | {"verlopen": t["status"] != "afgerond" and _verlopen(t.get("deadline"))} for t in taken["items"]]
    telling = [t for t in tellingen["items"] if t["rol"] in rollen]
    return pagina(
        request,
        "werkplek/werkvoorraad.html",
        {
            "taken": items,
            "tellingen": telling,
            "peilmoment": tellingen.get("peilmoment"),
            "rollen": rollen,
            "rolnamen": ROLNAMEN,
            "statusnamen": STATUSNAMEN,
            "filter": {"rol": rol or "", "status": status, "mijn": mijn == "ja", "sorteer": sorteer},
            "meer": taken.get("links", {}).get("next") is not None,
        },
        titel="Werkvoorraad",
    )


# ----------------------------------------------------------------------------------------------- the case view


def _bedrag_cents(cents: Any) -> str | None:
    return f"{int(cents) / 100:.2f}" if isinstance(cents, int) else None


def _velden(taak: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields a task asks for when completing it (``gegevens.velden``: name -> type of the BPMN model), without
    the outcome variable itself (chosen as the uitkomst)."""
    gegevens = taak.get("gegevens") or {}
    velden = gegevens.get("velden") or {}
    uitkomsten = set(gegevens.get("uitkomsten") or [])
    out = []
    for naam, soort in velden.items():
        soort = str(soort)
        optioneel = soort.endswith("?")
        basis = soort.rstrip("?")
        keuzes = basis.split("|") if "|" in basis else None
        if keuzes and uitkomsten and set(keuzes) == uitkomsten:
            continue
        out.append(
            {
                "naam": naam,
                "label": VELDNAMEN.get(naam, naam.replace("_", " ").capitalize()),
                "soort": "keuze" if keuzes else basis,
                "keuzes": keuzes or [],
                "optioneel": optioneel,
            }
        )
    return out


def _taak_weergave(taak: dict[str, Any], wie: Gebruiker) -> dict[str, Any]:
    gegevens = taak.get("gegevens") or {}
    uitkomsten = [u for u in gegevens.get("uitkomsten") or [] if isinstance(u, str)]
    return taak | {
        "verlopen": taak["status"] != "afgerond" and _verlopen(taak.get("deadline")),
        "van_mij": taak.get("toegewezenAan") == wie.sub,
        "mag_claimen": taak["status"] == "open" and wie.heeft_rol(taak["rol"]),
        "uitkomst_keuzes": [(u, UITKOMSTNAMEN.get(u, u.replace("_", " ").capitalize())) for u in uitkomsten],
        "velden": _velden(taak),
        "element": gegevens.get("element"),
        "proces": gegevens.get("proces") or {},
    }


async def _zaak(request: Request, gbi: GbiApi, aanvraag_id: UUID, wie: Gebruiker) -> dict[str, Any]:
    base = f"/api/v1/zaken/{aanvraag_id}"
    zaak = await gbi.get(base)
    onderbouwing, audittrail, diagram = await asyncio.gather(
        _of_niets(gbi.get(f"{base}/onderbouwing")),
        _of_niets(gbi.get(f"{base}/audittrail", {"pageSize": "25"})),
        _of_niets(gbi.request("GET", f"{base}/procesdiagram", headers={"Accept": "image/svg+xml"})),
    )
    svg = diagram.body.decode() if diagram is not None and diagram.body.startswith(b"<svg") else None
    berekening = (onderbouwing or {}).get("berekening") or (
        zaak.get("berekening") if isinstance(zaak.get("berekening"), dict) else None
    )
    taken = [_taak_weergave(t, wie) for t in zaak.get("taken", [])]
    huidige = []
    voortgang = zaak.get("voortgang") or {}
    for soort in ("taken", "servicetaken", "timers", "berichten"):
        for item in voortgang.get(soort) or []:
            huidige.append(item.get("naam") or item.get("element"))
    return {
        "zaak": zaak,
        "onderbouwing": onderbouwing,
        "berekening": berekening,
        "audittrail": audittrail,
        # Drawn by our own process layer from the reviewed BPMN model: SVG with presentation attributes only,
        # every name XML-escaped there (gbi_process.diagram), no script.
        "diagram": Markup(svg) if svg else None,  # noqa: S704
        "huidige_stappen": huidige,
        "taken": taken,
        "open_taken": [t for t in taken if t["status"] != "afgerond"],
        "statusnamen": STATUSNAMEN,
        "rolnamen": ROLNAMEN,
    }


@router.get("/zaken/{aanvraag_id}")
async def zaak(request: Request, wie: Medewerker, aanvraag_id: Annotated[UUID, Path()]) -> Response:
    context = await _zaak(request, api(request), aanvraag_id, wie)
    return pagina(request, "werkplek/zaak.html", context, titel=f"Dossier aanvraag {str(aanvraag_id)[:8]}")


@router.get("/documenten/{document_id}")
async def document(request: Request, wie: Medewerker, document_id: Annotated[UUID, Path()]) -> Response:
    resp = await api(request).request("GET", f"/api/v1/documenten/{document_id}", headers={"Accept": "*/*"})
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    if "Content-Disposition" in resp.headers:
        headers["Content-Disposition"] = resp.headers["Content-Disposition"]
    media_type = resp.headers.get("Content-Type", "application/octet-stream").split(";")[0]
    if media_type not in ("application/pdf", "image/png", "image/jpeg"):
        media_type = "application/octet-stream"
    return Response(resp.body, media_type=media_type, headers=headers)


# ----------------------------------------------------------------------------------------------- working a task


def _terug(aanvraag_id: str | None, taak_id: UUID) -> str:
    return f"/werkplek/zaken/{aanvraag_id}#taak-{taak_id}" if aanvraag_id else "/werkplek"


async def _taak(gbi: GbiApi, taak_id: UUID) -> dict[str, Any]:
    taak: dict[str, Any] = await gbi.get(f"/api/v1/taken/{taak_id}")
    return taak


def _actiefout(error: ServiceError) -> str:
    if isinstance(error, ForbiddenError):
        return f"Dat mag niet: {error.detail}"
    if error.status == 409:
        return f"Dat kan nu niet: {error.detail}"
    return f"Dat lukte niet: {error.detail}"


@router.post("/taken/{taak_id}/claim")
async def claim(request: Request, wie: Medewerker, taak_id: Annotated[UUID, Path()]) -> Response:
    await formulier(request)
    gbi = api(request)
    try:
        taak = await gbi.post(f"/api/v1/taken/{taak_id}/claim", {})
    except (ForbiddenError, ServiceError) as exc:
        if exc.status >= 500 or isinstance(exc, NotFoundError):
            raise
        taak = await _taak(gbi, taak_id)
        return naar(request, _terug(taak.get("aanvraagId"), taak_id), _actiefout(exc))
    return naar(request, _terug(taak.get("aanvraagId"), taak_id), f"U behandelt nu de taak '{taak['naam']}'.")


@router.post("/taken/{taak_id}/vrijgeven")
async def vrijgeven(request: Request, wie: Medewerker, taak_id: Annotated[UUID, Path()]) -> Response:
    await formulier(request)
    taak = await api(request).post(f"/api/v1/taken/{taak_id}/vrijgeven", {})
    return naar(request, _terug(taak.get("aanvraagId"), taak_id), "De taak staat weer in de werkvoorraad.")


@router.post("/taken/{taak_id}/opmerkingen")
async def opmerking(request: Request, wie: Medewerker, taak_id: Annotated[UUID, Path()]) -> Response:
    form = await formulier(request)
    gbi = api(request)
    taak = await _taak(gbi, taak_id)
    tekst = str(form.get("tekst") or "").strip()
    if not tekst:
        return naar(request, _terug(taak.get("aanvraagId"), taak_id), "Schrijf eerst een opmerking.")
    await gbi.post(f"/api/v1/taken/{taak_id}/opmerkingen", {"tekst": tekst[:4000]})
    return naar(request, _terug(taak.get("aanvraagId"), taak_id), "Uw opmerking is geplaatst.")


def _lees_afronding(taak: dict[str, Any], form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The completion from the form, checked: (body for the API, errors per field in plain Dutch)."""
    fouten: dict[str, str] = {}
    prefix = f"t{str(taak['id'])[:8]}"
    keuzes = [u for u, _ in taak["uitkomst_keuzes"]]
    uitkomst = str(form.get("uitkomst") or "")
    if keuzes and uitkomst not in keuzes:
        fouten[f"{prefix}-uitkomst"] = "Kies een uitkomst."
    if not keuzes:
        uitkomst = "afgerond"
    reden = str(form.get("reden") or "").strip()
    if not reden:
        fouten[f"{prefix}-reden"] = "Schrijf op waarom (de motivering staat in het dossier)."
    gegevens: dict[str, Any] = {}
    for veld in taak["velden"]:
        naam = veld["naam"]
        ruw = str(form.get(f"veld_{naam}") or "").strip()
        sleutel = f"{prefix}-veld_{naam}"
        if veld["soort"] == "bool":
            gegevens[naam] = ruw == "ja"
            continue
        if not ruw:
            if not veld["optioneel"]:
                fouten[sleutel] = f"Vul in: {veld['label'].lower()}."
            continue
        if veld["soort"] == "date":
            try:
                dag = date.fromisoformat(ruw)
            except ValueError:
                fouten[sleutel] = "Vul een datum in als JJJJ-MM-DD, bijvoorbeeld 2026-12-15."
                continue
            if dag < vandaag_nl():
                fouten[sleutel] = "Deze datum ligt in het verleden."
                continue
            gegevens[naam] = dag.isoformat()
        elif veld["soort"] == "json":
            regels = [r.strip() for r in ruw.splitlines() if r.strip()]
            gegevens[naam] = regels
        elif veld["soort"] == "int":
            if not ruw.lstrip("-").isdigit():
                fouten[sleutel] = "Vul een heel getal in."
                continue
            gegevens[naam] = int(ruw)
        elif veld["soort"] == "keuze":
            if ruw not in veld["keuzes"]:
                fouten[sleutel] = "Kies een van de mogelijkheden."
                continue
            gegevens[naam] = ruw
        else:
            gegevens[naam] = ruw[:1000]
    return {"uitkomst": uitkomst, "reden": reden[:4000], "gegevens": gegevens}, fouten


@router.post("/taken/{taak_id}/afronden")
async def afronden(request: Request, wie: Medewerker, taak_id: Annotated[UUID, Path()]) -> Response:
    form = await formulier(request)
    gbi = api(request)
    taak = _taak_weergave(await _taak(gbi, taak_id), wie)
    body, fouten = _lees_afronding(taak, form)
    aanvraag_id = taak.get("aanvraagId")
    fout_tekst: str | None = None
    if not fouten:
        try:
            await gbi.post(f"/api/v1/taken/{taak_id}/afronden", body)
        except BadRequestError as exc:
            prefix = f"t{str(taak_id)[:8]}"
            for param in exc.invalid_params or []:
                naam = param.name.removeprefix("gegevens.")
                fouten[
                    f"{prefix}-veld_{naam}" if naam in {v["naam"] for v in taak["velden"]} else f"{prefix}-reden"
                ] = param.reason
            if not fouten:
                fouten[f"{prefix}-reden"] = exc.detail or "Controleer de invoer."
        except ServiceError as exc:
            if exc.status >= 500 or isinstance(exc, NotFoundError):
                raise
            fout_tekst = _actiefout(exc)
    if fout_tekst is not None:
        return naar(request, _terug(aanvraag_id, taak_id), fout_tekst)
    if fouten:
        context = await _zaak(request, gbi, UUID(str(aanvraag_id)), wie)
        context |= {"fouten": fouten, "invoer": {"taak": str(taak_id), **{k: str(v) for k, v in form.items()}}}
        return pagina(request, "werkplek/zaak.html", context, titel="Fout: dossier", status=400)
    keuze = dict(taak["uitkomst_keuzes"]).get(body["uitkomst"], "Afgerond")
    return naar(request, f"/werkplek/zaken/{aanvraag_id}", f"De taak '{taak['naam']}' is afgerond: {keuze}.")


# ----------------------------------------------------------------------------------------------- beschikking preview


def _regel(tekst: Any, lengte: int = 100) -> str:
    schoon = " ".join(str(tekst or "").split())[:lengte]
    return schoon or "-"


def _voorbeeld_verzoek(zaak: dict[str, Any], berekening: dict[str, Any] | None, wie: Gebruiker) -> dict[str, Any]:
    """A BeschikkingVerzoek for the decision that is proposed now (the beoordeling's outcome, or the calculation's
    proposal), so the teamleider sees the letter before approving it. Nothing is stored."""
    voorstel = None
    for taak in sorted(zaak.get("taken", []), key=lambda t: t.get("afgerondOp") or "", reverse=True):
        proces = (taak.get("gegevens") or {}).get("proces") or {}
        voorstel = voorstel or proces.get("besluit") or proces.get("besluit_voorstel")
        if taak.get("uitkomst") in ("toekenning", "afwijzing", "buiten_behandeling"):
            voorstel = taak["uitkomst"]
            break
    if zaak.get("besluit"):
        voorstel = zaak["besluit"]["soort"]
    soort = {"buiten_behandeling": "buiten-behandeling"}.get(str(voorstel), str(voorstel or "toekenning"))
    if soort == "toekenning" and not (berekening and berekening.get("recht")):
        soort = "afwijzing"
    opgegeven = zaak.get("opgegeven") or {}
    zaak_id = None
    for taak in zaak.get("taken", []):
        zaak_id = zaak_id or ((taak.get("gegevens") or {}).get("proces") or {}).get("zaak_id")
    verzoek: dict[str, Any] = {
        "gemeente": {
            "code": zaak["gemeente"],
            "naam": f"{zaak['gemeente']}",
            "afzender": ["Werk en Inkomen", f"Gemeente {zaak['gemeente']}"],
        },
        "aanvraagId": str(zaak["id"]),
        "aanvraagdatum": zaak.get("aanvraagdatum"),
        "zaakIdentificatie": re.sub(r"[^A-Za-z0-9._/-]", "-", str(zaak_id or zaak["id"]))[:64],
        "datum": vandaag_nl().isoformat(),
        "ontvanger": {
            "naam": _regel(opgegeven.get("naam") or "De aanvrager"),
            "adres": [_regel(r) for r in (opgegeven.get("adres") or ["(adres volgens de Basisregistratie Personen)"])][
                :6
            ],
        },
        "soort": soort,
        "behandelaar": {"naam": _regel(wie.naam), "functie": "Werk en Inkomen"},
    }
    if soort == "toekenning" and berekening:
        verzoek |= {"ingangsdatum": zaak.get("meldingsdatum"), "berekening": berekening}
    elif soort == "afwijzing":
        redenen = (berekening or {}).get("redenen") or []
        verzoek["redenen"] = [
            {"code": _code(r.get("code")), "tekst": _regel(r.get("tekst"), 400), "artikel": _regel(r.get("artikel"))}
            for r in redenen[:20]
            if isinstance(r, dict)
        ] or [{"code": "beoordeling", "tekst": "Geen recht op bijstand", "artikel": "Pw 11 lid 1"}]
    else:
        verzoek["buitenBehandeling"] = {
            "verzoekDatum": zaak.get("aanvraagdatum"),
            "hersteltermijnTot": vandaag_nl().isoformat(),
            "ontbrekendeStukken": ["de gevraagde stukken"],
        }
    return verzoek


def _code(value: Any) -> str:
    code = re.sub(r"[^a-z0-9-]", "-", str(value or "reden").lower()).strip("-")[:64]
    return code or "reden"


@router.get("/zaken/{aanvraag_id}/beschikking")
async def beschikking_voorbeeld(request: Request, wie: Medewerker, aanvraag_id: Annotated[UUID, Path()]) -> Response:
    """The beschikking as it would be sent (a PDF, nothing stored); once sent, the stored letter itself."""
    gbi = api(request)
    zaak_data = await gbi.get(f"/api/v1/zaken/{aanvraag_id}")
    besluit = zaak_data.get("besluit") or {}
    link = (besluit.get("beschikking") or {}).get("href") if isinstance(besluit, dict) else None
    if link:
        resp = await gbi.request("GET", str(link), headers={"Accept": "application/pdf"})
    else:
        onderbouwing = await _of_niets(gbi.get(f"/api/v1/zaken/{aanvraag_id}/onderbouwing"))
        verzoek = _voorbeeld_verzoek(zaak_data, (onderbouwing or {}).get("berekening"), wie)
        try:
            resp = await gbi.request(
                "POST", "/api/v1/beschikkingen:voorbeeld", json_body=verzoek, headers={"Accept": "application/pdf"}
            )
        except BadRequestError as exc:
            raise PaginaFout(
                422, "Geen voorbeeld mogelijk", f"De brief kan nog niet worden opgesteld: {exc.detail}"
            ) from None
    return Response(
        resp.body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="beschikking-voorbeeld-{str(aanvraag_id)[:8]}.pdf"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# ----------------------------------------------------------------------------------------------- progress


def voortgang_bron(bron: str | None) -> str:
    """The progress resource to poll: only known public API paths of long-running work (no open proxy)."""
    if bron and any(p.match(bron) for p in VOORTGANG_BRONNEN):
        return bron
    raise PaginaFout(404, "Onbekende voortgang", "Van dit werk is geen voortgang bekend.")


def _stand(data: dict[str, Any]) -> dict[str, Any]:
    totaal = int(data.get("totaal") or 0)
    gedaan = min(int(data.get("gedaan") or 0), totaal) if totaal else int(data.get("gedaan") or 0)
    status = str(data.get("status") or "")
    klaar = status in ("klaar", "voltooid", "afgerond", "gereed", "mislukt", "fout") or (
        totaal > 0 and gedaan >= totaal
    )
    procent = int(gedaan * 100 / totaal) if totaal else (100 if klaar else 0)
    return {
        "gedaan": gedaan,
        "totaal": totaal,
        "procent": procent,
        "status": status,
        "klaar": klaar,
        "fout": data.get("fout"),
    }


@router.get("/voortgang")
async def voortgang(request: Request, wie: Ieder, bron: Annotated[str | None, Query()] = None) -> Response:
    pad = voortgang_bron(bron)
    data = await api(request).get(pad)
    return pagina(
        request, "werkplek/voortgang.html", {"bron": pad, "stand": _stand(data), "data": data}, titel="Voortgang"
    )


@router.get("/voortgang/stand")
async def voortgang_stand(request: Request, wie: Ieder, bron: Annotated[str | None, Query()] = None) -> Response:
    """The same progress as JSON, for the page's script (same origin, the session's token)."""
    pad = voortgang_bron(bron)
    data = await api(request).get(pad)
    return JSONResponse(_stand(data), headers={"Cache-Control": "no-store"})

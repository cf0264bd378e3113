"""The citizen portal (``/portaal``): Mijn aanvragen, applying for bijstand step by step with a saved draft,
following an aanvraag (status, timeline, deadlines, open requests, decision and beschikking), uploading documents.

Every read and write goes to GBI's public API as the citizen (``/api/v1/aanvragen...``), so the portal can do
nothing the citizen could not do with the API directly.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Path, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from gbi_interaction.web.kern import (
    GbiApi,
    PaginaFout,
    Web,
    api,
    burger,
    formulier,
    fout_van,
    naar,
    pagina,
    web,
    web_router,
)
from gbi_interaction.web.portaal import formulier as aanvraagformulier
from gbi_interaction.web.portaal.formulier import STAPPEN
from gbi_interaction.web.sessie import Gebruiker
from gbi_shared.contracts.kanaal import AANVRAAG_STATUS_OMSCHRIJVING
from gbi_shared.errors import BadRequestError, ServiceError

__all__ = ["registreer", "router"]

router = web_router("/portaal")

Burger = Annotated[Gebruiker, Depends(burger)]
AanvraagId = Annotated[UUID, Path()]
CONCEPT = "aanvraag-levensonderhoud"
MAX_UPLOAD = 10 * 1024 * 1024
UPLOAD_SOORTEN: tuple[tuple[str, str], ...] = (
    ("bewijsstuk", "Bewijsstuk (bijvoorbeeld loonstrook of bankafschrift)"),
    ("correspondentie", "Brief of e-mail"),
    ("overig", "Iets anders"),
)
_BESLUIT = {"toekenning": "Toegekend", "afwijzing": "Afgewezen", "buiten-behandeling": "Buiten behandeling gesteld"}


def registreer(w: Web) -> None:
    """The portal's entries in the main navigation (only for citizens)."""
    w.navigatie.append(("/portaal", "Mijn aanvragen", lambda wie: wie is not None and wie.is_burger))
    w.navigatie.append(("/portaal/aanvraag", "Bijstand aanvragen", lambda wie: wie is not None and wie.is_burger))


_BUITEN_GBI = (
    "Wij kunnen uw aanvraag niet behandelen. Woont u in een gemeente die bij GBI is aangesloten? "
    "Neem anders contact op met uw gemeente."
)


async def _concept(request: Request, wie: Gebruiker) -> dict[str, Any]:
    return await web(request).concepten.lees(wie, CONCEPT) or {}


# ----------------------------------------------------------------------------------------------- Mijn aanvragen


@router.get("")
async def mijn_aanvragen(request: Request, wie: Burger) -> Response:
    overzicht = await api(request).get("/api/v1/aanvragen", {"pageSize": "50"})
    return pagina(
        request,
        "portaal/overzicht.html",
        {"aanvragen": overzicht["items"], "concept": bool(await _concept(request, wie))},
        titel="Mijn aanvragen",
    )


# ----------------------------------------------------------------------------------------------- applying


@router.get("/aanvraag")
async def aanvraag_start(request: Request, wie: Burger) -> Response:
    concept = await _concept(request, wie)
    # Continue at the first step with an error (or the last step when everything is filled in).
    fouten = aanvraagformulier.controleer(concept) if concept else {}
    volgende = next((s.naam for s in STAPPEN if s.naam in fouten), STAPPEN[-1].naam) if concept else STAPPEN[0].naam
    return pagina(
        request,
        "portaal/aanvraag_start.html",
        {"concept": bool(concept), "volgende": volgende, "stappen": STAPPEN},
        titel="Bijstand aanvragen",
    )


def _stap_of_404(naam: str) -> aanvraagformulier.Stap:
    gevonden = aanvraagformulier.stap(naam)
    if gevonden is None:
        raise PaginaFout(404, "Pagina niet gevonden", "Deze stap van de aanvraag bestaat niet.")
    return gevonden


def _stap_pagina(
    request: Request, s: aanvraagformulier.Stap, concept: dict[str, Any], fouten: dict[str, str], status: int = 200
) -> Response:
    index = STAPPEN.index(s)
    extra: dict[str, Any] = {}
    if s.naam == "controleren":
        extra["samenvatting"] = _samenvatting(concept)
        extra["alle_fouten"] = aanvraagformulier.controleer({**concept, "waarheid": "ja"})
    return pagina(
        request,
        f"portaal/stap_{s.naam}.html",
        {
            "stap": s,
            "stappen": STAPPEN,
            "index": index,
            "vorige": STAPPEN[index - 1].naam if index > 0 else None,
            "d": concept,
            "fouten": fouten,
            "woningsoorten": aanvraagformulier.WONINGSOORTEN,
            "inkomstensoorten": aanvraagformulier.INKOMSTEN_SOORTEN,
            "relaties": aanvraagformulier.RELATIES,
            "personen": aanvraagformulier.PERSONEN,
            "kind_rijen": range(1, aanvraagformulier.KIND_RIJEN + 1),
            "mede_rijen": range(1, aanvraagformulier.MEDE_RIJEN + 1),
            "inkomen_rijen": range(1, aanvraagformulier.INKOMEN_RIJEN + 1),
            **extra,
        },
        titel=f"{'Fout: ' if fouten else ''}Stap {index + 1} van {len(STAPPEN)}: {s.titel} - Bijstand aanvragen",
        status=status,
    )


@router.get("/aanvraag/{naam}")
async def aanvraag_stap(request: Request, wie: Burger, naam: Annotated[str, Path(max_length=30)]) -> Response:
    s = _stap_of_404(naam)
    return _stap_pagina(request, s, await _concept(request, wie), {})


@router.post("/aanvraag/{naam}")
async def aanvraag_stap_opslaan(request: Request, wie: Burger, naam: Annotated[str, Path(max_length=30)]) -> Response:
    s = _stap_of_404(naam)
    form = await formulier(request)
    w = web(request)
    concept = await _concept(request, wie)
    concept.setdefault("_id", uuid.uuid4().hex)
    concept.update(aanvraagformulier.velden_van(s, form))
    # Saved also when it has errors: nothing typed is lost. Not saved: the citizen lives outside GBI.
    if s.naam != "controleren" and not await w.concepten.bewaar(wie, CONCEPT, concept):
        raise PaginaFout(422, "Aanvraag niet mogelijk", _BUITEN_GBI)
    fouten = s.controle(concept)
    if fouten:
        return _stap_pagina(request, s, concept, fouten, status=400)
    if form.get("actie") == "later":
        return naar(request, "/portaal", "Uw aanvraag is opgeslagen. U kunt later verdergaan.")
    index = STAPPEN.index(s)
    if s.naam != "controleren":
        return naar(request, f"/portaal/aanvraag/{STAPPEN[index + 1].naam}")
    return await _verstuur(request, wie, w, concept)


async def _verstuur(request: Request, wie: Gebruiker, w: Web, concept: dict[str, Any]) -> Response:
    controleren = STAPPEN[-1]
    alle = aanvraagformulier.controleer(concept)
    if alle:
        return _stap_pagina(request, controleren, concept, {}, status=400)
    body = aanvraagformulier.als_indiening(concept)
    sleutel = "portaal-" + hashlib.sha256(f"{wie.sub}:{concept['_id']}".encode()).hexdigest()[:40]
    try:
        ontvangst = await api(request).post("/api/v1/aanvragen", body, headers={"Idempotency-Key": sleutel})
    except BadRequestError as exc:
        redenen = {p.name: p.reason for p in exc.invalid_params or []}
        return _stap_pagina(request, controleren, concept, {"versturen": _api_fouten(redenen)}, status=400)
    except ServiceError as exc:
        if exc.status == 422:
            raise PaginaFout(422, "Aanvraag niet mogelijk", _BUITEN_GBI) from None
        raise
    await w.concepten.verwijder(wie, CONCEPT)
    return naar(
        request,
        f"/portaal/aanvragen/{ontvangst['id']}",
        "Uw aanvraag is verstuurd. U ziet hieronder hoe het ermee staat.",
    )


def _api_fouten(redenen: dict[str, str]) -> str:
    delen = [f"{naam}: {reden}" for naam, reden in list(redenen.items())[:5]]
    return "De gemeente kon uw aanvraag niet verwerken. " + "; ".join(delen)


def _samenvatting(d: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Per step: (step, title, [(label, value)]) of what was filled in, for the check page."""
    opties = {
        **dict(aanvraagformulier.WONINGSOORTEN),
        **dict(aanvraagformulier.INKOMSTEN_SOORTEN),
        **dict(aanvraagformulier.RELATIES),
        **dict(aanvraagformulier.PERSONEN),
    }
    leeg = "niet ingevuld"
    huishouden: list[tuple[str, str]] = []
    if d.get("partner") == "ja":
        huishouden.append(("Partner", f"{d.get('partner_naam', '')}, geboren {d.get('partner_geboortedatum', '')}"))
    else:
        huishouden.append(("Partner", "geen" if d.get("partner") == "nee" else leeg))
    for i in range(1, aanvraagformulier.KIND_RIJEN + 1):
        if d.get(f"kind{i}_geboortedatum"):
            huishouden.append(
                (f"Kind {i}", f"{d.get(f'kind{i}_naam') or 'kind'}, geboren {d[f'kind{i}_geboortedatum']}")
            )
    for i in range(1, aanvraagformulier.MEDE_RIJEN + 1):
        if d.get(f"mede{i}_geboortedatum"):
            relatie = opties.get(d.get(f"mede{i}_relatie", ""), "")
            huishouden.append((f"Medebewoner {i}", f"{d.get(f'mede{i}_naam') or 'medebewoner'} ({relatie})"))
    woning = [
        ("Woonsituatie", opties.get(d.get("woning_soort", ""), leeg)),
        ("Woonkosten per maand", d.get("woonkosten") or "niet opgegeven"),
    ]
    inkomen: list[tuple[str, str]] = []
    if d.get("inkomen") == "ja":
        for i in range(1, aanvraagformulier.INKOMEN_RIJEN + 1):
            if d.get(f"ink{i}_bedrag"):
                van = opties.get(d.get(f"ink{i}_persoon", ""), "")
                soort = opties.get(d.get(f"ink{i}_soort", ""), "")
                inkomen.append((f"Inkomen {i}", f"{soort} ({van}): {d[f'ink{i}_bedrag']} netto per maand"))
    else:
        inkomen.append(("Inkomen", "geen" if d.get("inkomen") == "nee" else leeg))
    vermogen = [
        ("Bezittingen", d.get("bezittingen") or leeg),
        ("Schulden", d.get("schulden") or leeg),
        ("Overwaarde eigen woning", d.get("overwaarde") or "0"),
        ("Dagen in het buitenland dit jaar", d.get("buitenland_dagen") or "0"),
    ]
    rekening = [
        ("Rekeningnummer (IBAN)", d.get("iban") or leeg),
        ("E-mailadres", d.get("email") or "niet opgegeven"),
        ("Telefoonnummer", d.get("telefoon") or "niet opgegeven"),
    ]
    return [
        ("huishouden", "Uw huishouden", huishouden),
        ("woning", "Uw woning", woning),
        ("inkomen", "Uw inkomen", inkomen),
        ("vermogen", "Uw bezittingen en schulden", vermogen),
        ("rekening", "Rekeningnummer en contact", rekening),
    ]


@router.post("/concept/verwijderen")
async def concept_verwijderen(request: Request, wie: Burger) -> Response:
    await formulier(request)
    await web(request).concepten.verwijder(wie, CONCEPT)
    return naar(request, "/portaal", "Uw opgeslagen aanvraag is verwijderd.")


# ----------------------------------------------------------------------------------------------- one aanvraag


async def _status(gbi: GbiApi, aanvraag_id: UUID) -> dict[str, Any]:
    status: dict[str, Any] = await gbi.get(f"/api/v1/aanvragen/{aanvraag_id}")
    return status


def _status_pagina(
    request: Request, status: dict[str, Any], fouten: dict[str, str] | None = None, code: int = 200
) -> Response:
    besluit = status.get("besluit")
    return pagina(
        request,
        "portaal/aanvraag.html",
        {
            "a": status,
            "besluit_tekst": _BESLUIT.get(besluit["soort"], besluit["soort"]) if besluit else None,
            "status_teksten": AANVRAAG_STATUS_OMSCHRIJVING,
            "upload_soorten": UPLOAD_SOORTEN,
            "fouten": fouten or {},
        },
        titel=f"{'Fout: ' if fouten else ''}Uw aanvraag van {status['aanvraagdatum']}",
        status=code,
    )


@router.get("/aanvragen/{aanvraag_id}")
async def aanvraag(request: Request, wie: Burger, aanvraag_id: AanvraagId) -> Response:
    return _status_pagina(request, await _status(api(request), aanvraag_id))


@router.get("/aanvragen/{aanvraag_id}/beschikking")
async def beschikking(request: Request, wie: Burger, aanvraag_id: AanvraagId) -> Response:
    resp = await api(request).request("GET", f"/api/v1/aanvragen/{aanvraag_id}/beschikking")
    headers = {
        "Content-Disposition": f'attachment; filename="beschikking-{aanvraag_id}.pdf"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content=resp.body, media_type="application/pdf", headers=headers)


@router.post("/aanvragen/{aanvraag_id}/documenten")
async def document_uploaden(request: Request, wie: Burger, aanvraag_id: AanvraagId) -> Response:
    form = await formulier(request)
    gbi = api(request)
    bestand = form.get("bestand")
    soort = form.get("soort")
    fouten: dict[str, str] = {}
    if soort not in {c for c, _ in UPLOAD_SOORTEN}:
        fouten["soort"] = "Kies wat voor document het is."
    inhoud = b""
    if not isinstance(bestand, UploadFile) or not bestand.filename:
        fouten["bestand"] = "Kies een bestand om te uploaden."
    else:
        inhoud = await bestand.read(MAX_UPLOAD + 1)
        if not inhoud:
            fouten["bestand"] = "Het bestand is leeg. Kies een ander bestand."
        elif len(inhoud) > MAX_UPLOAD:
            fouten["bestand"] = "Het bestand is groter dan 10 MB. Maak het kleiner of kies een ander bestand."
    if not fouten and isinstance(bestand, UploadFile):
        content_type = (bestand.content_type or "application/octet-stream").split(";")[0].strip().lower()
        naam = (bestand.filename or "document").replace("\\", "/").rsplit("/", 1)[-1][:200] or "document"
        sleutel = "portaal-doc-" + hashlib.sha256(str(aanvraag_id).encode() + inhoud).hexdigest()[:40]
        try:
            await gbi.request(
                "POST",
                f"/api/v1/aanvragen/{aanvraag_id}/documenten",
                params={"soort": str(soort), "bestandsnaam": naam},
                content=inhoud,
                content_type=content_type,
                headers={"Idempotency-Key": sleutel},
            )
        except ServiceError as exc:
            if exc.status == 404:
                raise
            fouten["bestand"] = _upload_fout(exc)
    if fouten:
        return _status_pagina(request, await _status(gbi, aanvraag_id), fouten, code=400)
    return naar(request, f"/portaal/aanvragen/{aanvraag_id}#documenten", "Uw document is ontvangen. Dank u wel.")


def _upload_fout(exc: ServiceError) -> str:
    if exc.status == 415:
        return "Dit soort bestand kunnen wij niet ontvangen. Stuur een PDF, PNG of JPEG."
    if exc.status == 413:
        return "Het bestand is groter dan 10 MB. Maak het kleiner of kies een ander bestand."
    if exc.status == 400:
        return "Dit bestand kunnen wij niet lezen. Is het echt een PDF, PNG of JPEG? Kies een ander bestand."
    return fout_van(exc).uitleg

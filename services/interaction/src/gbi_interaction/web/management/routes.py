"""Management information (``/management``): per gemeente and period the applications in and decided, the lead
time distribution, the share decided within 8 weeks, the straight-through rate and the open tasks per role with
their age, as accessible SVG charts with the same numbers in tables, and a CSV export.

The figures come from ``GET /api/v1/managementinformatie`` as the logged-in medewerker (teamleider, beheerder or
auditor); the export is the same resource with ``Accept: text/csv``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from gbi_interaction.web.kern import Web, api, medewerker, pagina, web_router
from gbi_interaction.web.management.grafiek import Reeks, horizontale_balken, staafdiagram
from gbi_interaction.web.sessie import Gebruiker
from gbi_shared.errors import BadRequestError

__all__ = ["MANAGEMENT_ROLLEN", "registreer", "router"]

router = web_router("/management")
MANAGEMENT_ROLLEN = ("teamleider", "beheerder", "auditor")
Manager = Annotated[Gebruiker, Depends(medewerker(*MANAGEMENT_ROLLEN))]
_ROLNAMEN = {
    "klantmanager": "Klantmanager",
    "inkomensconsulent": "Inkomensconsulent",
    "handhaver": "Handhaver",
    "teamleider": "Teamleider",
    "beheerder": "Beheerder",
}
_BESLUITEN = {"toekenning": "Toegekend", "afwijzing": "Afgewezen", "buiten-behandeling": "Buiten behandeling"}
_MAANDEN = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def registreer(w: Web) -> None:
    w.navigatie.append(
        (
            "/management",
            "Management",
            lambda wie: wie is not None and wie.is_medewerker and wie.heeft_rol(*MANAGEMENT_ROLLEN),
        )
    )


def _periode(van: str | None, tot: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """The query for the API and the errors per field, in plain Dutch (dates as JJJJ-MM-DD from the date inputs)."""
    params: dict[str, str] = {}
    fouten: dict[str, str] = {}
    for naam, waarde in (("van", van), ("tot", tot)):
        if not waarde:
            continue
        try:
            params[naam] = date.fromisoformat(waarde).isoformat()
        except ValueError:
            fouten[naam] = f"Vul bij '{naam}' een datum in, zoals 2026-01-31."
    if not fouten and "van" in params and "tot" in params and params["van"] > params["tot"]:
        fouten["van"] = "De periode begint na het einde. Kies een 'van' op of voor 'tot'."
    return params, fouten


def _maandlabel(maand: str) -> str:
    jaar, nummer = maand.split("-")
    return f"{_MAANDEN[int(nummer) - 1]} {jaar[2:]}"


def _grafieken(info: dict[str, Any]) -> dict[str, Any]:
    maanden = info["perMaand"]
    per_maand = staafdiagram(
        "grafiek-maand",
        "Aanvragen ingekomen en besloten per maand",
        [_maandlabel(m["maand"]) for m in maanden],
        [Reeks("Ingekomen", [m["ingekomen"] for m in maanden]), Reeks("Besloten", [m["besloten"] for m in maanden])],
    )
    doorlooptijd = horizontale_balken(
        "grafiek-doorlooptijd",
        "Doorlooptijd van de besluiten (dagen van aanvraag tot besluit)",
        [
            (k["label"], k["aantal"], "na de 8 weken" if (k["vanDagen"] or 0) > 56 else None)
            for k in info["doorlooptijd"]["klassen"]
        ],
        eenheid=" besluiten",
    )
    open_taken = horizontale_balken(
        "grafiek-taken",
        "Onafgeronde taken per rol",
        [
            (
                _ROLNAMEN.get(r["rol"], r["rol"]),
                r["open"] + r["geclaimd"],
                f"{r['verlopen']} over de deadline" if r["verlopen"] else None,
            )
            for r in info["openTaken"]
        ],
        eenheid=" taken",
    )
    return {"grafiek_maand": per_maand, "grafiek_doorlooptijd": doorlooptijd, "grafiek_taken": open_taken}


@router.get("")
async def management(
    request: Request,
    wie: Manager,
    van: Annotated[str | None, Query()] = None,
    tot: Annotated[str | None, Query()] = None,
) -> Response:
    params, fouten = _periode(van, tot)
    info: dict[str, Any] | None = None
    if not fouten:
        try:
            info = await api(request).get("/api/v1/managementinformatie", params)
        except BadRequestError as exc:
            for p in exc.invalid_params or []:
                fouten[p.name if p.name in ("van", "tot") else "van"] = p.reason
            if not fouten:
                fouten["van"] = exc.detail or "Deze periode kan niet."
    if info is None:
        info = await api(request).get("/api/v1/managementinformatie")
    export = "/management/export?" + "&".join(f"{k}={v}" for k, v in (("van", info["van"]), ("tot", info["tot"])))
    context = {
        "info": info,
        "invoer": {"van": van or info["van"], "tot": tot or info["tot"]},
        "fouten": fouten,
        "export": export,
        "rolnamen": _ROLNAMEN,
        "besluitnamen": _BESLUITEN,
        **_grafieken(info),
    }
    return pagina(
        request,
        "management/management.html",
        context,
        titel=("Fout: " if fouten else "") + "Managementinformatie",
        status=400 if fouten else 200,
    )


@router.get("/export")
async def export(
    request: Request,
    wie: Manager,
    van: Annotated[str | None, Query()] = None,
    tot: Annotated[str | None, Query()] = None,
) -> Response:
    params, fouten = _periode(van, tot)
    if fouten:
        params = {}
    resp = await api(request).request(
        "GET", "/api/v1/managementinformatie", params=params or None, headers={"Accept": "text/csv"}
    )
    naam = resp.headers.get("Content-Disposition") or 'attachment; filename="managementinformatie.csv"'
    return Response(
        resp.body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": naam, "Cache-Control": "private, no-store"},
    )

"""Internal route of the payment run in the domain layer: the amounts of a chunk of uitkeringen for one month.

Body ``{gemeente, maand: "JJJJ-MM", uitbetalingsmaand: bool, regels: [[uitkeringId, startdatum, huishouden,
voorschotOpenCents, verlagingBp, vakantietoeslagOpgebouwdCents], ...]}`` -- the chunk as the data service hands it
out. Answer ``{betalingen: [[uitkeringId, normcategorie, normCents, inkomenCents, bijstandCents, reserveringCents,
verlagingCents, vakantietoeslagCents, voorschotVerrekendCents, bedragCents, regelsetVersie], ...], fouten:
[{uitkeringId, detail}]}``. A household the engine cannot decide on is reported in ``fouten`` and not paid.
The headers ``GBI-Aantal`` and ``GBI-Fouten`` carry the number of betalingen and of fouten.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from gbi_domain.betaalrun.bedragen import Maandfeiten, bereken_maand, huishouden_uit_json
from gbi_domain.engine import standaard_regelset
from gbi_domain.engine.gc_pauze import gc_gepauzeerd
from gbi_domain.errors import DomainError
from gbi_shared import PROBLEM_RESPONSES, ActorType, BadRequestError, RequestContext, require_roles

__all__ = ["BETAALRUN_PAD", "MAX_REGELS", "bereken_chunk", "router"]

router = APIRouter(prefix="/internal/domain/v1", responses=PROBLEM_RESPONSES, tags=["betaalrun"])
BETAALRUN_PAD = "/internal/domain/v1/betaalrun/bedragen:batch"
MAX_REGELS = 10_000
_MAAND = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
_GEMEENTE = re.compile(r"^[0-9]{4}$")
Service = Annotated[RequestContext, Depends(require_roles(actor_types=[ActorType.SERVICE]))]


def _cents(v: Any, veld: str) -> int:
    if type(v) is not int or not 0 <= v <= 10**11:
        raise BadRequestError.for_field(veld, "centen: geheel getal >= 0")
    return v


def bereken_chunk(body: Any) -> dict[str, Any]:
    """Check the body and compute every row (pure; runs in a worker thread)."""
    if not isinstance(body, dict):
        raise BadRequestError.for_field("body", "een object")
    gemeente, maand_tekst, regels = body.get("gemeente"), body.get("maand"), body.get("regels")
    if not isinstance(gemeente, str) or not _GEMEENTE.match(gemeente):
        raise BadRequestError.for_field("gemeente", "CBS-code van vier cijfers")
    if not isinstance(maand_tekst, str) or not _MAAND.match(maand_tekst):
        raise BadRequestError.for_field("maand", "JJJJ-MM")
    uitbetalen = body.get("uitbetalingsmaand", False)
    if type(uitbetalen) is not bool:
        raise BadRequestError.for_field("uitbetalingsmaand", "true of false")
    if not isinstance(regels, list) or not 1 <= len(regels) <= MAX_REGELS:
        raise BadRequestError.for_field("regels", f"1 tot {MAX_REGELS} regels")
    maand = date.fromisoformat(maand_tekst + "-01")
    rs = standaard_regelset()
    betalingen: list[list[Any]] = []
    fouten: list[dict[str, str]] = []
    # No reference cycles are built. The pause nests across threads (the payment run sends a few chunks at once):
    # the collector is enabled again when the last one ends (gbi_domain.engine.gc_pauze).
    with gc_gepauzeerd():
        for i, r in enumerate(regels):
            if not isinstance(r, list) or len(r) != 6 or not isinstance(r[0], str):
                raise BadRequestError.for_field(f"regels[{i}]", "een rij van 6 waarden")
            try:
                startdatum = date.fromisoformat(r[1])
            except (TypeError, ValueError) as exc:
                raise BadRequestError.for_field(f"regels[{i}][1]", "startdatum JJJJ-MM-DD") from exc
            feiten = Maandfeiten(
                maand=maand,
                startdatum=startdatum,
                voorschot_open=_cents(r[3], f"regels[{i}][3]"),
                verlaging_bp=_cents(r[4], f"regels[{i}][4]"),
                vakantietoeslag_opgebouwd=_cents(r[5], f"regels[{i}][5]"),
                uitbetalingsmaand=uitbetalen,
            )
            if feiten.verlaging_bp > 10_000:
                raise BadRequestError.for_field(f"regels[{i}][4]", "hoogstens 10000 basispunten")
            try:
                huishouden = huishouden_uit_json(gemeente, maand, r[2])
                m = bereken_maand(huishouden, feiten, rs)
            except ValidationError as exc:
                first = exc.errors()[0]
                fouten.append({"uitkeringId": r[0], "detail": f"{'.'.join(map(str, first['loc']))}: {first['msg']}"})
                continue
            except DomainError as exc:
                fouten.append({"uitkeringId": r[0], "detail": str(exc)})
                continue
            betalingen.append(
                [
                    r[0],
                    m.normcategorie,
                    m.norm,
                    m.inkomen,
                    m.bijstand,
                    m.reservering,
                    m.verlaging,
                    m.vakantietoeslag,
                    m.voorschot,
                    m.bedrag,
                    m.regelset_versie,
                ]
            )
    return {"betalingen": betalingen, "fouten": fouten}


@router.post(
    BETAALRUN_PAD.removeprefix("/internal/domain/v1"),
    summary="The month's amounts of a chunk of uitkeringen (payment run)",
    description=__doc__,
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
)
async def bedragen(request: Request, _ctx: Service) -> Response:
    raw = await request.body()

    def work() -> tuple[bytes, int, int]:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadRequestError.for_field("body", "geen geldige JSON") from exc
        antwoord = bereken_chunk(body)
        return orjson.dumps(antwoord), len(antwoord["betalingen"]), len(antwoord["fouten"])

    inhoud, aantal, fouten = await anyio.to_thread.run_sync(work)
    # The counts as headers too: the process layer passes the answer on to the data service without parsing it.
    return Response(
        inhoud, media_type="application/json", headers={"GBI-Aantal": str(aantal), "GBI-Fouten": str(fouten)}
    )

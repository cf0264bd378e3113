"""Who may render a beschikking, and the rendering itself.

* Preview (public, the workbench before sending): staff (medewerker) of the gemeente that sends the letter, also
  when the interaction layer forwards their context. Citizens, system clients and other gemeenten get 403.
* Render (internal, the process layer): a GBI service acting as itself (for the gemeente it names, if it names
  one), or forwarding the context of staff or a system client of that gemeente.
"""

from __future__ import annotations

from gbi_domain.beschikking.render import GerenderdeBeschikking, render_beschikking
from gbi_shared.context import ActorType, RequestContext
from gbi_shared.contracts.beschikking import BeschikkingDocument, BeschikkingVerzoek
from gbi_shared.errors import ForbiddenError

__all__ = ["maak_beschikking", "maak_voorbeeld", "mag_maken", "mag_voorbeeld_zien"]


def mag_voorbeeld_zien(ctx: RequestContext, gemeente: str) -> None:
    if ctx.actor_type is not ActorType.MEDEWERKER:
        raise ForbiddenError("Alleen medewerkers van de gemeente kunnen een beschikking vooraf bekijken")
    if ctx.gemeente != gemeente:
        raise ForbiddenError("U kunt alleen beschikkingen van uw eigen gemeente bekijken")


def mag_maken(ctx: RequestContext, gemeente: str) -> None:
    if ctx.actor_type is ActorType.SERVICE and ctx.via is None:
        if ctx.gemeente not in (None, gemeente):
            raise ForbiddenError("Deze beschikking hoort bij een andere gemeente")
        return
    if ctx.via is not None and ctx.actor_type in (ActorType.MEDEWERKER, ActorType.SYSTEEM):
        if ctx.gemeente != gemeente:
            raise ForbiddenError("Deze beschikking hoort bij een andere gemeente")
        return
    raise ForbiddenError("Alleen GBI-diensten maken beschikkingen")


def maak_voorbeeld(verzoek: BeschikkingVerzoek, ctx: RequestContext) -> GerenderdeBeschikking:
    mag_voorbeeld_zien(ctx, verzoek.gemeente.code)
    return render_beschikking(verzoek)


def maak_beschikking(verzoek: BeschikkingVerzoek, ctx: RequestContext) -> BeschikkingDocument:
    mag_maken(ctx, verzoek.gemeente.code)
    return render_beschikking(verzoek).document()

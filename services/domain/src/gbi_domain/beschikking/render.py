"""Render a checked :class:`BeschikkingVerzoek` to PDF/A-1b bytes and their metadata.

``render_beschikking`` is pure: the same request gives the same bytes (see :mod:`.pdfa` for how), so the sha256
identifies the document and a retried process step renders exactly the letter it rendered before. "The same" holds
for one build: another template version (``SJABLOONVERSIE``), ReportLab or zlib version may change the bytes,
so a stored beschikking is kept as bytes, never re-rendered to prove what was sent.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import threading
from dataclasses import dataclass
from typing import Any

from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageTemplate

from gbi_domain.beschikking.pdfa import PDFA_NIVEAU, PdfACanvas, PdfAMetadata, document_id, registreer_fonts
from gbi_domain.beschikking.sjabloon import LINKS, PAGINA_BREEDTE, RECHTS, Brief, onderwerp
from gbi_domain.beschikking.validatie import controleer
from gbi_shared.contracts.beschikking import Beschikking, BeschikkingDocument, BeschikkingVerzoek
from gbi_shared.gc_pauze import gc_gepauzeerd

__all__ = ["SJABLOONVERSIE", "GerenderdeBeschikking", "render_beschikking"]

#: Raise with every change to the text or layout: it is printed in the letter and returned in the metadata, and
#: together with the request it determines the bytes.
SJABLOONVERSIE = "beschikking-alo 2026.1"

_MM = 72 / 25.4
_PAGINA_HOOGTE = 297 * _MM
# ReportLab keeps module-level state (font registry, subset bookkeeping per document); one render at a time.
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class GerenderdeBeschikking:
    pdf: bytes
    metadata: Beschikking

    def document(self) -> BeschikkingDocument:
        return BeschikkingDocument(**self.metadata.model_dump(), inhoud=base64.b64encode(self.pdf).decode("ascii"))


def _bestandsnaam(v: BeschikkingVerzoek) -> str:
    return f"beschikking-{v.zaak_identificatie.replace('/', '-')}-{v.soort}.pdf"


def _metadata(v: BeschikkingVerzoek) -> PdfAMetadata:
    # The document id hashes the request with the BSN left out: an id must not let anyone guess the number.
    zonder_bsn = v.model_copy(update={"ontvanger": v.ontvanger.model_copy(update={"bsn": None})})
    bsn_staart = (v.ontvanger.bsn or "")[-3:]
    ident = document_id(
        SJABLOONVERSIE.encode(), zonder_bsn.model_dump_json(by_alias=True).encode(), bsn_staart.encode()
    )
    naam = f"Gemeente {v.gemeente.naam}"
    return PdfAMetadata(
        titel=f"Beschikking bijstand ({v.soort}) {v.zaak_identificatie}",
        auteur=naam,
        onderwerp=onderwerp(v),
        trefwoorden=f"beschikking; Participatiewet; {v.soort}; {v.zaak_identificatie}",
        maker=f"GBI beschikkingen ({SJABLOONVERSIE})",
        datum=v.datum,
        document_id=ident,
    )


class _Kader(Frame):
    """A page's frame whose copy is shallow.

    Platypus deep-copies the current frame each time it measures a group kept together (a heading with what
    follows it, the signature block): the copy catches content a flowable may generate while measured. A frame
    holds only numbers, strings and that list of generated content, which the copy sets aside before use, so a
    shallow copy is the same copy for less work (the layout, and the bytes, do not change)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Kader:
        return copy.copy(self)


def render_beschikking(v: BeschikkingVerzoek) -> GerenderdeBeschikking:
    """Check the request (400 naming the field) and render the letter.

    The cyclic garbage collector is paused while the letter is made (:mod:`gbi_shared.gc_pauze`): a letter allocates
    some ten thousand short-lived objects (paragraph fragments, lines, PDF objects), freed by reference counting when
    the render ends; collections in between only rescanned them (some 4% of the render). What cycles it leaves (a
    canvas and its document) are collected after the pause, as before."""
    bedrag = controleer(v)
    with gc_gepauzeerd(inhalen=True):  # renders overlap on a busy service: catch up on what is due
        return _render(v, bedrag)


def _render(v: BeschikkingVerzoek, bedrag: str | None) -> GerenderdeBeschikking:
    registreer_fonts()
    brief = Brief(v, bedrag_per_maand=bedrag, sjabloonversie=SJABLOONVERSIE)
    meta = _metadata(v)
    voettekst = brief.drukbaar("gemeente.naam", f"Gemeente {v.gemeente.naam} · kenmerk {v.zaak_identificatie}")
    buffer = io.BytesIO()
    breedte = PAGINA_BREEDTE - LINKS - RECHTS
    geen_rand = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}
    kop = brief.briefhoofd_hoogte()
    eerste = _Kader(LINKS, 22 * _MM, breedte, _PAGINA_HOOGTE - kop - 22 * _MM, id="eerste", **geen_rand)
    volgende = _Kader(LINKS, 22 * _MM, breedte, _PAGINA_HOOGTE - 22 * _MM - 22 * _MM, id="volgende", **geen_rand)
    doc = BaseDocTemplate(
        buffer,
        pagesize=(PAGINA_BREEDTE, _PAGINA_HOOGTE),
        leftMargin=LINKS,
        rightMargin=RECHTS,
        topMargin=25 * _MM,
        bottomMargin=25 * _MM,
        pageTemplates=[
            PageTemplate(id="eerste", frames=[eerste], onPage=brief.eerste_pagina),
            PageTemplate(id="volgende", frames=[volgende]),
        ],
        invariant=1,
        pageCompression=1,
    )
    canvassen: list[PdfACanvas] = []

    def canvasmaker(*args: Any, **kwargs: Any) -> PdfACanvas:
        canvas = PdfACanvas(*args, meta=meta, voettekst=voettekst, **kwargs)
        canvassen.append(canvas)
        return canvas

    with _lock:
        doc.build([NextPageTemplate("volgende"), *brief.inhoud()], canvasmaker=canvasmaker)
    pdf = buffer.getvalue()
    sha = hashlib.sha256(pdf).hexdigest()
    metadata = Beschikking(
        id=sha[:32],
        sha256=sha,
        paginas=canvassen[-1].paginas,
        grootte=len(pdf),
        bestandsnaam=_bestandsnaam(v),
        pdfa=PDFA_NIVEAU,
        sjabloonversie=SJABLOONVERSIE,
        soort=v.soort,
        gemeente=v.gemeente.code,
        zaak_identificatie=v.zaak_identificatie,
        datum=v.datum,
        waarschuwingen=brief.waarschuwingen,
    )
    return GerenderdeBeschikking(pdf=pdf, metadata=metadata)

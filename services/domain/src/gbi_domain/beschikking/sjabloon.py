"""The text of the decision letter, in plain Dutch (taalniveau B1), and its layout on A4.

Structure (every soort): letterhead with the sender, the address in the window of an envelope, date and
references, subject; the decision in one or two short sentences; "Waarom krijgt u dit besluit?" with the facts
and the articles; for a calculation "Zo hebben wij het bedrag berekend" (every explanation line: what, amount,
article); voorschotten already paid; the duty to report changes (toekenning); "Bent u het niet eens met dit
besluit?" (bezwaar within 6 weeks, Awb 6:7; how; no suspension, Awb 6:16; voorlopige voorziening, Awb 8:81);
questions; the signature (behandelaar and, with four eyes, who approved).

Every text that comes from the request is escaped for ReportLab's paragraph markup and checked against the
font: a character the font lacks is printed as its base letter (``ő`` -> ``o``) and reported as a warning,
never as an empty box.
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.abag import ABag
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.paragraph import (  # type: ignore[attr-defined]  # ReportLab's own word split and cleaner
    _handleBulletWidth,
    cleanBlockQuotedText,
    split,
    strip,
)
from reportlab.platypus.paraparser import ParaParser
from reportlab.rl_config import _FUZZ, paraFontSizeHeightOffset

from gbi_domain.beschikking.opmaak import (
    artikel_kort,
    artikel_voluit,
    artikelen_per_wet,
    bsn_gemaskeerd,
    datum_nl,
    euro,
    euro_centen,
    leesbare_regel,
    naar_centen,
)
from gbi_domain.beschikking.pdfa import FONT, FONT_BOLD, lettertype_kent, passend
from gbi_shared.contracts.beschikking import BeschikkingVerzoek, RedenInvoer

__all__ = ["LINKS", "PAGINA_BREEDTE", "Brief", "besluitzin", "onderwerp"]

PAGINA_BREEDTE, PAGINA_HOOGTE = 210 * mm, 297 * mm
LINKS, RECHTS = 25 * mm, 20 * mm
TEKSTBREEDTE = PAGINA_BREEDTE - LINKS - RECHTS
GRIJS = colors.Color(0.35, 0.35, 0.35)
LICHTGRIJS = colors.Color(0.92, 0.92, 0.92)
LIJN = colors.Color(0.7, 0.7, 0.7)

_STIJL = ParagraphStyle(
    "brief", fontName=FONT, fontSize=10, leading=14, spaceAfter=5, bulletFontName=FONT, textColor=colors.black
)
STIJLEN = {
    "tekst": _STIJL,
    "vet": ParagraphStyle("vet", parent=_STIJL, fontName=FONT_BOLD, bulletFontName=FONT_BOLD),
    "besluit": ParagraphStyle("besluit", parent=_STIJL, fontName=FONT_BOLD, fontSize=11.5, leading=16, spaceAfter=6),
    "kop": ParagraphStyle(
        "kop",
        parent=_STIJL,
        fontName=FONT_BOLD,
        fontSize=11.5,
        leading=15,
        spaceBefore=9,
        spaceAfter=3,
        keepWithNext=1,
    ),
    "punt": ParagraphStyle("punt", parent=_STIJL, leftIndent=5 * mm, bulletIndent=1 * mm, spaceAfter=3),
    "klein": ParagraphStyle("klein", parent=_STIJL, fontSize=8, leading=10.5, textColor=GRIJS, spaceAfter=0),
    "cel": ParagraphStyle("cel", parent=_STIJL, fontSize=9, leading=12, spaceAfter=0),
    "cel-vet": ParagraphStyle("cel-vet", parent=_STIJL, fontName=FONT_BOLD, fontSize=9, leading=12, spaceAfter=0),
    "cel-rechts": ParagraphStyle("cel-rechts", parent=_STIJL, fontSize=9, leading=12, spaceAfter=0, alignment=TA_RIGHT),
    "cel-rechts-vet": ParagraphStyle(
        "cel-rechts-vet", parent=_STIJL, fontName=FONT_BOLD, fontSize=9, leading=12, spaceAfter=0, alignment=TA_RIGHT
    ),
    "label": ParagraphStyle("label", parent=_STIJL, fontSize=9, leading=12.5, textColor=GRIJS, spaceAfter=0),
    "waarde": ParagraphStyle("waarde", parent=_STIJL, fontSize=9, leading=12.5, spaceAfter=0),
}

#: Parsed paragraph markup per (text, style, bullet) of the letters' fixed texts (:class:`_VasteAlinea`): most of a
#: letter is the same text in every letter, and parsing it (ReportLab runs an HTML parser per paragraph) was a sixth
#: of the render. Only fixed texts are kept: a paragraph with a citizen's name, address, amounts or facts is parsed
#: for its letter and not remembered by the process (data minimisation). Bounded; emptied when full.
_ONTLEED_MAX = 4096
_ontleed: dict[tuple[str, int, str | None], tuple[Any, str, Any, list[Any], Any]] = {}
_ontleed_lock = threading.Lock()


#: Per paragraph style: the style and the one fragment ReportLab's parser makes of a plain text in it (made from a
#: placeholder, so no letter's text is kept). A text without markup gets a copy with its own text instead of a run of
#: the HTML parser: the same fragment the parser would make (the tests compare the bytes of the letters).
_PROTOTYPES: dict[int, tuple[Any, Any, Any]] = {}
#: The attributes ``Paragraph.wrap`` sets (besides ``canv``, which ``wrapOn`` sets around it).
_GEEN_WRAP_STAAT = frozenset({"canv"})


def _prototype(style: Any) -> tuple[Any, Any] | None:
    bewaard = _PROTOTYPES.get(id(style))
    if bewaard is not None and bewaard[0] is style:
        return bewaard[1], bewaard[2]
    stijl, frags, _ = ParaParser().parse("x", style)  # type: ignore[no-untyped-call]
    if frags is None or len(frags) != 1 or frags[0].text != "x":
        return None
    with _ontleed_lock:
        _PROTOTYPES[id(style)] = (style, stijl, frags[0])
    return stijl, frags[0]


def _kopie(frag: Any, **attr: Any) -> Any:
    """``frag.clone(**attr)`` of a fragment whose class makes an instance from its attributes alone (ReportLab's
    ``ABag.__init__``, as ``ParaFrag`` has): the same instance, without passing each attribute as a keyword."""
    if type(frag).__init__ is not ABag.__init__:
        return frag.clone(**attr)
    kopie = object.__new__(type(frag))
    kopie.__dict__.update(frag.__dict__)
    if attr:
        kopie.__dict__.update(attr)
    return kopie


class _Rechtstreeks:
    """A flowable that writes the operators ReportLab would write for it (:meth:`_operatoren`; None where it cannot)
    straight to the canvas, inside the frame ``Flowable.drawOn`` writes (:func:`_omlijst`): the same bytes (the tests
    compare them), without ReportLab's text object and the canvas' bookkeeping of a colour and a graphics state that
    the ``Q`` undoes anyway. Anything else (and a frame drawn for debugging) ReportLab draws."""

    def _operatoren(self, canvas: Any) -> list[str] | None:
        raise NotImplementedError

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803 - ReportLab's name
        operatoren = None if getattr(self, "_showBoundary", None) else self._operatoren(canvas)
        if operatoren is None:
            super().drawOn(canvas, x, y, _sW)  # type: ignore[misc]
            return
        _omlijst(canvas, self._hAlignAdjust(x, _sW), y, operatoren)  # type: ignore[attr-defined]


class _Alinea(_Rechtstreeks, Paragraph):
    """A paragraph of a letter; :class:`_VasteAlinea` is one with a fixed text.

    Two savings over ReportLab's Paragraph, with the same result: a text without markup (no ``<`` or ``&``) is not
    run through the HTML parser (see :data:`_PROTOTYPES`), and a paragraph wrapped again at the width it was wrapped
    at last keeps its lines (platypus wraps a paragraph several times: a table to measure its rows and again to draw
    its cells, KeepTogether and the frame each once)."""

    blPara: Any  # noqa: N815 - ReportLab's name; set by ``wrap``
    _wrap_staat: tuple[float, Any, dict[str, Any], tuple[float, float]] | None = None

    def _setup(self, text: Any, style: Any, bulletText: Any, frags: Any, cleaner: Any) -> None:  # noqa: N803
        if frags is None and isinstance(text, str):
            schoon = cleaner(text)
            if schoon and "<" not in schoon and "&" not in schoon:
                prototype = _prototype(style)
                if prototype is not None:
                    stijl, frag = prototype
                    super()._setup(schoon, stijl, bulletText, [_kopie(frag, text=schoon)], cleaner)  # type: ignore[misc]
                    return
        super()._setup(text, style, bulletText, frags, cleaner)  # type: ignore[misc]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        staat = self._wrap_staat
        if staat is not None and staat[0] == availWidth and staat[1] is self.frags:
            self.__dict__.update(staat[2])
            return staat[3]
        voor = dict(self.__dict__)
        uit: tuple[float, float] = super().wrap(availWidth, availHeight)
        gezet = {
            k: v for k, v in self.__dict__.items() if k not in _GEEN_WRAP_STAAT and (k not in voor or voor[k] is not v)
        }
        self._wrap_staat = (availWidth, self.frags, gezet, uit)
        return uit

    def breakLines(self, width: Any) -> Any:  # noqa: N802 - ReportLab's name
        """ReportLab's ``breakLines`` for a paragraph of one plain fragment (every variable text of the letter that
        wraps), without its general machinery: the same words, the same widths added in the same order, the same
        lines and the same attributes set. Anything its simple path would treat specially (a soft hyphen,
        hyphenation, a word wider than a line, bidi or shaped text, end dots, a fragment with a background or a
        callback) goes to ReportLab."""
        frags = self.frags
        style = self.style
        if (
            type(width) is not list
            or len(frags) != 1
            or style.wordWrap
            or style.shaping
            or style.endDots
            or getattr(style, "hyphenationLang", "")
            or style.uriWasteReduce
            or style.embeddedHyphenation
        ):
            return super().breakLines(width)
        f = frags[0]
        tekst = getattr(f, "text", None)
        if type(tekst) is not str or "\xad" in tekst or hasattr(f, "cbDefn") or hasattr(f, "backColor"):
            return super().breakLines(width)
        woorden = split(strip(tekst))
        if not woorden:
            return super().breakLines(width)
        font: Any = pdfmetrics.getFont(f.fontName)
        grootte = f.fontSize
        codering = self.encoding
        breedtes = [font.stringWidth(w, grootte, codering) for w in woorden]
        voor = width[:]
        _handleBulletWidth(self.bulletText, style, width)  # as ReportLab: line 1 is shorter after a wide bullet
        if max(breedtes) > min(width):  # a word ReportLab might split: its way
            width[:] = voor
            return super().breakLines(width)
        self._width_max = 0
        self.height = 0
        self._splitLongWordCount = self._hyphenations = 0
        spatie = font.stringWidth(" ", grootte, codering)
        krimp = style.spaceShrinkage * spatie
        laatste = len(width) - 1
        regels: list[tuple[float, list[str]]] = []
        regel: list[str] = []
        huidig = -spatie  # ReportLab's start: no space before the first word
        nummer = 0
        maximum = width[0]
        for woord, breedte in zip(woorden, breedtes, strict=True):
            nieuw = huidig + spatie + breedte
            if nieuw <= maximum + krimp * len(regel) or not regel:
                regel.append(woord)
                huidig = nieuw
            else:
                if huidig > self._width_max:
                    self._width_max = huidig
                regels.append((maximum - huidig, regel))
                regel = [woord]
                huidig = breedte
                nummer += 1
                maximum = width[min(laatste, nummer)]
        if huidig > self._width_max:
            self._width_max = huidig
        regels.append((maximum - huidig, regel))
        boven, onder = getAscentDescent(f.fontName, grootte)
        return f.clone(kind=0, lines=regels, ascent=boven, descent=onder, fontSize=grootte)

    def _operatoren(self, canvas: Any) -> list[str] | None:
        """What ``Paragraph.drawPara`` writes for lines of one style (ReportLab's "kind 0") in a TrueType font and an
        opaque RGB colour, left aligned, with no bullet or a text bullet anchored at the start, and without indent of
        the first line, border, background, underline, link or automatic leading: ``q``, the bullet's text object
        (:meth:`_opsomteken`), the colour, one text object (the origin; per line the move past the bullet on the
        first, the subset's font when it changes, the text, ``T*``; a line that ReportLab squeezed gets its word
        spacing ``Tw`` and ``0 Tw`` after), ``Q``. None for anything else, which ReportLab draws."""
        blpara = getattr(self, "blPara", None)
        s = self.style
        if (
            blpara is None
            or blpara.kind != 0
            or s.alignment != TA_LEFT
            or not isinstance(self.bulletText, str | None)
            or (self.bulletText and s.bulletAnchor != "start")
            or s.firstLineIndent
            or getattr(self, "_offsets", None) is not None
            or getattr(self, "debug", 0)
            or s.backColor
            or (s.borderColor and s.borderWidth)
            or s.wordWrap
            or getattr(self, "autoLeading", getattr(s, "autoLeading", ""))
            or getattr(blpara, "us_lines", None)
            or getattr(blpara, "link", None)
            or not paraFontSizeHeightOffset
            or "preformatted" in type(self).__name__.lower()
        ):
            return None
        regels = blpara.lines
        if not regels:
            return []  # drawPara draws nothing for no lines
        font: Any = pdfmetrics.getFont(blpara.fontName)
        kleur = _kleur_operator(canvas, blpara.textColor)
        if kleur is None or not font._dynamicFont or (getattr(font, "shapable", False) and s.shaping):
            return None
        doc = canvas._doc
        boven = self.height - blpara.fontSize
        uit = ["q"]
        inspringen: float = 0
        if self.bulletText:
            opsomming = self._opsomteken(canvas, boven)
            if opsomming is None:
                return None
            uit.append(opsomming[0])
            inspringen = max(inspringen, opsomming[1] - s.leftIndent)
        doc.ensureMinPdfVersion("transparency")  # Canvas.setFillColor with an opaque colour
        uit.append(kleur)
        maat = f"{fp_str(blpara.fontSize)} Tf {fp_str(s.leading)} TL"
        code = ["BT", f"1 0 0 1 {fp_str(s.leftIndent, boven)} Tm"]
        huidig = -1
        for regel, (extra, woorden) in enumerate(regels):
            tekst = " ".join(woorden)
            verschoven = regel == 0 and abs(inspringen) > 1e-6  # the first line after the bullet (ReportLab's setXPos)
            if verschoven:
                code.append(f"{fp_str(inspringen, 0)} Td")
            krap = extra <= -1e-8
            if krap:
                spaties = len(woorden) + tekst.count("\xa0") - 1
                krap = spaties > 0
                if krap:
                    code.append(f"{fp_str(extra / float(spaties))} Tw")
            delen, huidig = _tj(canvas, font, tekst, maat, huidig)
            code.append(" ".join(delen) + " T*")
            if krap:
                code.append(f"{fp_str(0)} Tw")
            if verschoven:
                code.append(f"{fp_str(-inspringen, 0)} Td")
        code.append("ET")
        uit += [" ".join(code), "Q"]
        return uit

    def _opsomteken(self, canvas: Any, boven: float) -> tuple[str, float] | None:
        """ReportLab's ``_drawBullet`` of a text bullet anchored at the start: its text object, and where the bullet
        ends (the first line starts after it). None for a bullet in a colour the direct path does not write."""
        s = self.style
        tekst = str(self.bulletText)
        kleur = _kleur_operator(canvas, getattr(s, "bulletColor", s.textColor))
        font: Any = pdfmetrics.getFont(s.bulletFontName)
        if kleur is None or not font._dynamicFont:
            return None
        x = s.bulletIndent - 0  # ReportLab's bulletIndent - bulletWidth, 0 for a bullet anchored at the start
        y = boven + getattr(s, "bulletOffsetY", 0)
        grootte = s.bulletFontSize
        maat = f"{fp_str(grootte)} Tf {fp_str(grootte * 1.2)} TL"  # setFont without a leading: 1.2 x the size
        doc = canvas._doc
        code = ["BT", f"1 0 0 1 {fp_str(x, y)} Tm", kleur]
        delen: list[str] = []
        huidig = -1
        for subset, deel in font.splitString(tekst, doc):
            if subset != huidig:
                delen.append(f"{font.getSubsetInternalName(subset, doc)} {maat}")
                huidig = subset
            delen.append(f"({canvas._escape(deel)}) Tj")
        code.append(" ".join(delen))
        code.append("ET")
        einde = x + canvas.stringWidth(tekst, s.bulletFontName, grootte) + grootte * 0.6
        return " ".join(code), einde


class _VasteAlinea(_Alinea):
    """A paragraph of fixed text (no personal data) whose markup is parsed once per process. Each paragraph gets its
    own copies of the fragments (ReportLab marks fragments while it breaks lines), so a letter is laid out exactly
    as before.

    Its lines at a width (:data:`_VASTE_REGELS`) and the PDF operators that draw them (:data:`_VASTE_TEKENING`) are
    kept per process too, for a paragraph in one style (ReportLab's "kind 0"): a fixed text at the same width breaks
    into the same lines in every letter, and draws as the same operators relative to its origin (platypus moves the
    origin with ``cm`` before ``draw``) as long as the document's fonts encode its characters the same way, which
    the key of a drawing checks."""

    _vast: tuple[str, int, str | None] | None = None

    def _setup(self, text: Any, style: Any, bulletText: Any, frags: Any, cleaner: Any) -> None:  # noqa: N803
        if frags is not None or not isinstance(text, str) or not isinstance(bulletText, str | None):
            super()._setup(text, style, bulletText, frags, cleaner)
            return
        sleutel = (text, id(style), bulletText)
        if any(s is style for s in _VASTE_STIJLEN):
            self._vast = sleutel
        bewaard = _ontleed.get(sleutel)
        if bewaard is None or bewaard[0] is not style:
            super()._setup(text, style, bulletText, None, cleaner)
            kopie = [_kopie(f) for f in self.frags]
            with _ontleed_lock:
                if len(_ontleed) >= _ONTLEED_MAX:
                    _ontleed.clear()
                _ontleed[sleutel] = (style, self.text, self.style, kopie, self.bulletText)
            return
        _, schoon, stijl, fragmenten, opsomteken = bewaard
        super()._setup(schoon, stijl, opsomteken, [_kopie(f) for f in fragmenten], cleaner)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        vast = self._vast
        staat = self._wrap_staat
        if vast is None or (staat is not None and staat[0] == availWidth and staat[1] is self.frags):
            return super().wrap(availWidth, availHeight)
        sleutel = (*vast, availWidth)
        bewaard = _VASTE_REGELS.get(sleutel)
        if bewaard is not None:
            gezet, uit = bewaard
            self.__dict__.update(gezet)
            self._wrap_staat = (availWidth, self.frags, gezet, uit)
            return uit
        uit = super().wrap(availWidth, availHeight)
        staat = self._wrap_staat
        if staat is not None and self.blPara.kind == 0 and staat[1] is self.frags and "frags" not in staat[2]:
            with _ontleed_lock:
                if len(_VASTE_REGELS) >= _ONTLEED_MAX:
                    _VASTE_REGELS.clear()
                _VASTE_REGELS[sleutel] = (staat[2], uit)
        return uit

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803 - ReportLab's name
        """A paragraph whose drawing is kept (see :meth:`draw`) is written as the operators ``Flowable.drawOn`` writes
        around it (``q``, the ``cm`` that moves the origin, the drawing, ``Q``) without ReportLab's bookkeeping of a
        graphics state the kept operators do not change; anything else is drawn by ReportLab."""
        if self._vast is None:  # a part split off at a page's end (no kept lines or drawing): as any paragraph
            super().drawOn(canvas, x, y, _sW)
            return
        bewaard = self._bewaarde_tekening(canvas)
        if bewaard is None or getattr(self, "_showBoundary", None):
            # ReportLab's drawOn, not _Alinea's direct one: this draw() keeps the drawing for the next letters
            Paragraph.drawOn(self, canvas, x, y, _sW)  # type: ignore[call-arg]
            return
        _omlijst(canvas, self._hAlignAdjust(x, _sW), y, bewaard)  # type: ignore[attr-defined]

    def _bewaarde_tekening(self, canvas: Any) -> tuple[str, ...] | None:
        vast = self._vast
        if vast is None or self.blPara.kind != 0 or getattr(self, "_offsets", None) is not None:
            return None
        tekens = _TEKENS.get(vast)
        if tekens is None:
            return None
        voor, _ = _fontstaat(canvas._doc, tekens)
        return _VASTE_TEKENING.get(
            (*vast, self.width, self.height, canvas._fontname, canvas._fontsize, canvas._leading, voor)
        )

    def draw(self) -> None:
        vast = self._vast
        canvas: Any = self.canv
        if vast is None or self.blPara.kind != 0 or getattr(self, "_offsets", None) is not None:
            super().draw()
            return
        tekens = _TEKENS.get(vast)
        if tekens is None:
            tekens = _bijzondere_tekens(self)
            with _ontleed_lock:
                if len(_TEKENS) >= _ONTLEED_MAX:
                    _TEKENS.clear()
                _TEKENS[vast] = tekens
        voor, codes = _fontstaat(canvas._doc, tekens)
        sleutel = (*vast, self.width, self.height, canvas._fontname, canvas._fontsize, canvas._leading, voor)
        bewaard = _VASTE_TEKENING.get(sleutel)
        if bewaard is not None:
            canvas._code.extend(bewaard)
            return
        begin = len(canvas._code)
        super().draw()
        if _fontstaat(canvas._doc, tekens) == (voor, codes):  # it added no font or character to this document
            with _ontleed_lock:
                if len(_VASTE_TEKENING) >= _ONTLEED_MAX:
                    _VASTE_TEKENING.clear()
                _VASTE_TEKENING[sleutel] = tuple(canvas._code[begin:])


#: The styles whose paragraphs of fixed text keep their lines and drawing per process (the letter's own styles).
_VASTE_STIJLEN: tuple[ParagraphStyle, ...] = tuple(STIJLEN.values())
#: (text, style, bullet, width) -> what ``wrap`` set and returned, for fixed texts in one style.
_VASTE_REGELS: dict[tuple[Any, ...], tuple[dict[str, Any], tuple[float, float]]] = {}
#: (text, style, bullet, size, canvas font, the document's font state for its characters) -> the drawing operators.
_VASTE_TEKENING: dict[tuple[Any, ...], tuple[str, ...]] = {}
#: (text, style, bullet) -> its characters outside ASCII (see :func:`_bijzondere_tekens`).
_TEKENS: dict[tuple[str, int, str | None], tuple[int, ...]] = {}


def _omlijst(canvas: Any, x: float, y: float, operatoren: Iterable[str]) -> None:
    """Operators drawn at (x, y) as ``Flowable.drawOn`` frames a flowable's drawing: ``q``, the ``cm`` that
    ``Canvas.translate`` writes after a ``q`` (nothing to merge with), the operators, ``Q``. For a drawing that leaves
    the canvas' own state (font, colours, matrix) as ``restoreState`` would put it back: nothing to save or restore."""
    code = canvas._code
    code.append("q")
    code.append(f"{fp_str(1, 0, 0, 1, x, y)} cm")
    code.extend(operatoren)
    code.append("Q")


def _tj(canvas: Any, font: Any, tekst: str, maat: str, huidig: int) -> tuple[list[str], int]:
    """The text operators of one line as ``PDFTextObject._formatText`` writes them for a TrueType font: per run of
    one font subset a ``Tf`` (with ``maat``, the size and leading) where the subset changes, then its ``Tj``. Returns
    the operators and the subset the text ends in (``huidig`` is the one it starts in; -1: none yet)."""
    doc = canvas._doc
    delen: list[str] = []
    for subset, deel in font.splitString(tekst, doc):
        if subset != huidig:
            delen.append(f"{font.getSubsetInternalName(subset, doc)} {maat}")
            huidig = subset
        delen.append(f"({canvas._escape(deel)}) Tj")
    return delen, huidig


def _bijzondere_tekens(alinea: Paragraph) -> tuple[int, ...]:
    """The characters outside ASCII of a one-style paragraph and its bullet: ASCII has fixed codes in every
    document (ReportLab's ``asciiReadable`` subset), these get theirs in the order a document first uses them."""
    tekst = "".join(str(getattr(f, "text", "")) for f in alinea.frags) + str(alinea.bulletText or "")
    return tuple(sorted({ord(c) for c in tekst if ord(c) > 126}))


@functools.cache
def _faces() -> tuple[Any, ...]:
    return tuple(pdfmetrics.getFont(naam) for naam in (FONT, FONT_BOLD))


def _fontstaat(doc: Any, tekens: tuple[int, ...]) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    """Per face of the letter: its name in this document and the codes these characters have in it; and how many
    codes the document has given out per face (to see whether drawing added one)."""
    uit: list[Any] = []
    volgende: list[int] = []
    for font in _faces():
        staat = font.state.get(doc)
        if staat is None:
            uit.append(None)
            volgende.append(-1)
        else:
            uit.append((staat.internalName, tuple(staat.assignments.get(t) for t in tekens)))
            volgende.append(staat.nextCode)
    return tuple(uit), tuple(volgende)


class _Regel(_Rechtstreeks, Flowable):
    """A variable text of one line of plain text, drawn without a Paragraph.

    Most cells of the letter's tables (the kenmerken and the calculation) are a few words that fit on one line, and
    so are some variable lines (the salutation, the calculation's date). ReportLab's Paragraph parses, breaks,
    measures and draws such a text through its general machinery; this draws the same text at the same place in the
    same font (one ``BT .. Tj .. ET``, as the Paragraph draws a line of one style), so the letter reads and looks
    the same. A text with markup or entities, or one that does not fit on one line at the width it is given, is a
    Paragraph (:class:`_Alinea`) as before: the decision is made at ``wrap``, where the width is known (and a split,
    at the foot of a page, is the Paragraph's). Words are split and joined as ReportLab does (``strip``/``split``: a
    no-break space keeps its words together), so the line is the Paragraph's line."""

    def __init__(self, markup: str, style: ParagraphStyle) -> None:
        super().__init__()
        self._markup = markup
        self.style = style
        self._woorden = split(strip(markup))
        self._breedte: float | None = None
        self._alinea: Paragraph | None = None

    def _als_alinea(self) -> Paragraph:
        if self._alinea is None:
            self._alinea = _Alinea(self._markup, self.style)
        return self._alinea

    def _tekstbreedte(self) -> float:
        """The line's width (its words and the single spaces between them)."""
        if self._breedte is None:
            self._breedte = stringWidth(" ".join(self._woorden), self.style.fontName, self.style.fontSize)
        return self._breedte

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self._alinea is None and not self._woorden and availWidth >= _FUZZ:
            # no text (an explanation line without an amount): the Paragraph has no lines, no height, draws nothing
            self.width, self.height = availWidth, 0
            return self.width, self.height
        # a small margin: at the edge (a sum of the words' widths) the Paragraph decides, as before
        if self._alinea is None and self._woorden and self._tekstbreedte() <= availWidth - 0.01:
            self.width, self.height = availWidth, self.style.leading
            return self.width, self.height
        canvas: Any = getattr(self, "canv", None)
        uit: tuple[float, float] = self._als_alinea().wrapOn(canvas, availWidth, availHeight)
        self.width, self.height = uit
        return uit

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        return self._als_alinea().split(availWidth, availHeight)

    def _operatoren(self, canvas: Any) -> list[str] | None:
        """What :meth:`draw` writes for a one-line text in a TrueType font with an opaque RGB colour (every style of
        the letter); for a wrapped text what its paragraph writes (:meth:`_Alinea._operatoren`: ``draw`` draws the
        paragraph in place); None for anything else (another font or colour), which :meth:`draw` draws."""
        alinea = self._alinea
        if alinea is not None:
            return alinea._operatoren(canvas) if isinstance(alinea, _Alinea) else None
        if not self._woorden:
            return []  # no text: nothing between the frame's q and Q
        s = self.style
        kleur = _kleur_operator(canvas, s.textColor)
        font: Any = pdfmetrics.getFont(s.fontName)
        if kleur is None or not font._dynamicFont:
            return None
        doc = canvas._doc
        # Canvas.setFillColor with an opaque colour: ensures PDF 1.4 (transparency) and writes no ``gs``
        doc.ensureMinPdfVersion("transparency")
        uit = ["BT", f"1 0 0 1 {fp_str(0, self.height - s.fontSize)} Tm"]
        x = self.width - self._tekstbreedte() if s.alignment == TA_RIGHT else 0.0
        verschoven = abs(x) > 1e-6
        if verschoven:
            uit.append(f"{fp_str(x, 0)} Td")
        # PDFTextObject._formatText of a plain text in a TrueType font, then ``T*`` (``_textOut(text, 1)``)
        tekst, _ = _tj(canvas, font, " ".join(self._woorden), f"{fp_str(s.fontSize)} Tf {fp_str(s.leading)} TL", -1)
        uit.append(" ".join(tekst) + " T*")
        if verschoven:
            uit.append(f"{fp_str(-x, 0)} Td")
        uit.append("ET")
        return [kleur, " ".join(uit)]

    def draw(self) -> None:
        alinea = self._alinea
        if alinea is not None:
            alinea.canv = self.canv
            alinea.draw()
            return
        if not self._woorden:
            return
        s = self.style
        canvas: Any = self.canv
        canvas.setFillColor(s.textColor)
        tekst = canvas.beginText(0, self.height - s.fontSize)
        tekst.setFont(s.fontName, s.fontSize, s.leading)
        # moved right as the Paragraph moves a right-aligned line (so a reader finds the same text runs)
        x = self.width - self._tekstbreedte() if s.alignment == TA_RIGHT else 0.0
        if abs(x) > 1e-6:
            tekst.setXPos(x)
        tekst._textOut(" ".join(self._woorden), 1)
        if abs(x) > 1e-6:
            tekst.setXPos(-x)
        canvas.drawText(tekst)


@functools.cache
def _ascii_drukbaar() -> bool:
    """Whether both faces print every character U+0020..U+007E (Bitstream Vera does)."""
    return all(lettertype_kent(chr(code)) for code in range(0x20, 0x7F))


class _Ruimte(Spacer):
    """Vertical space; drawn (platypus draws a spacer like any flowable: ``q``, the ``cm`` that moves the origin,
    nothing, ``Q``) as those operators written straight to the canvas (:func:`_omlijst`), without saving and restoring
    a graphics state that nothing changes. The same bytes."""

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803 - ReportLab's name
        if getattr(self, "_showBoundary", None):
            super().drawOn(canvas, x, y, _sW)  # type: ignore[call-arg]
            return
        _omlijst(canvas, self._hAlignAdjust(x, _sW), y, ())  # type: ignore[attr-defined]


def _kleur_operator(canvas: Any, kleur: Any) -> str | None:
    """The operator ``Canvas.setFillColor`` writes for an opaque RGB colour while the fill is opaque (and writes no
    ``gs`` for), or None for any other colour, which ReportLab sets itself."""
    rgb = canvas._enforceColorSpace(kleur) if canvas._enforceColorSpace else kleur
    if type(rgb) is not colors.Color or rgb.alpha != 1 or canvas._extgstate.getValue("ca") != 1:
        return None
    return f"{fp_str((rgb.red, rgb.green, rgb.blue))} rg"


def _regel_mogelijk(markup: str, style: ParagraphStyle) -> bool:
    """Whether a text can be a :class:`_Regel`: plain text (no markup, entity or soft hyphen; or none at all) in a
    plain style that is not kept with the next flowable."""
    return (
        "<" not in markup
        and "&" not in markup
        and "\xad" not in markup
        and style.alignment in (TA_LEFT, TA_RIGHT)
        and not style.leftIndent
        and not style.rightIndent
        and not style.firstLineIndent
        and not style.backColor
        and not style.borderWidth
        and not style.wordWrap
        and not getattr(style, "keepWithNext", 0)
        # what a Paragraph does to a text that a _Regel would not (none of the letter's styles sets them today)
        and not getattr(style, "textTransform", None)
        and not getattr(style, "underline", False)
        and not getattr(style, "strike", False)
        and not getattr(style, "hyphenationLang", None)
    )


_ADRES = ParagraphStyle("adres", parent=STIJLEN["tekst"], leftIndent=5 * mm)

#: Per role of a signature and number of lines: the style and fragments ReportLab's parser makes of the signature's
#: markup with placeholders where the person's lines go (no name or function is kept).
_ONDERTEKENAARS: dict[tuple[str, int], tuple[Any, list[Any]]] = {}
_PLAATSHOUDERS = ("\ue000", "\ue001")


def _als_tekst_geparst(regel: str) -> bool:
    """Whether ReportLab's parser makes of this escaped text exactly one fragment with this text: no markup or
    entity, no placeholder, and the cleaner leaves it as it is (no leading, trailing or repeated spaces)."""
    return (
        bool(regel)
        and not any(t in regel for t in ("<", ">", "&", *_PLAATSHOUDERS))
        and " ".join(split(strip(regel))) == regel
    )


def _ondertekenaar(rol: str, regels: list[str]) -> Paragraph:
    """The signature of one person: the role in grey, then the lines (printable text, not yet escaped).

    The paragraph ReportLab's parser would make of ``<font color='#595959'>rol</font><br/>regel<br/>regel``, made
    from the fragments of that markup parsed once with placeholders for the lines (the HTML parser was a fortieth of
    the render); a line the parser would not keep as one plain fragment makes the markup go through the parser."""
    stijl = STIJLEN["tekst"]
    markup = "<br/>".join([f"<font color='#595959'>{rol}</font>", *(escape(r) for r in regels)])
    if len(regels) > len(_PLAATSHOUDERS) or not all(_als_tekst_geparst(r) for r in regels):
        return _Alinea(markup, stijl)
    sleutel = (rol, len(regels))
    bewaard = _ONDERTEKENAARS.get(sleutel)
    if bewaard is None:
        sjabloon = "<br/>".join([f"<font color='#595959'>{rol}</font>", *_PLAATSHOUDERS[: len(regels)]])
        geparst_stijl, fragmenten, _ = ParaParser().parse(cleanBlockQuotedText(sjabloon), stijl)  # type: ignore[no-untyped-call]
        if fragmenten is None or [f.text for f in fragmenten].count(_PLAATSHOUDERS[0]) != 1:
            return _Alinea(markup, stijl)
        bewaard = (geparst_stijl, fragmenten)
        with _ontleed_lock:
            _ONDERTEKENAARS[sleutel] = bewaard
    geparst_stijl, fragmenten = bewaard
    vervanging = dict(zip(_PLAATSHOUDERS, regels, strict=False))
    eigen = [_kopie(f, text=vervanging[f.text]) if f.text in vervanging else _kopie(f) for f in fragmenten]
    return _Alinea(cleanBlockQuotedText(markup), geparst_stijl, frags=eigen)


_LEEFVORM = {
    "alleenstaande": "U heeft geen partner en er wonen geen kinderen bij u die u onderhoudt. Wij zien u daarom als "
    "alleenstaande.",
    "alleenstaande-ouder": "U heeft geen partner en u zorgt alleen voor uw kind of kinderen. Wij zien u daarom als "
    "alleenstaande ouder.",
    "gehuwden": "U bent getrouwd of u woont samen met uw partner. Wij berekenen de bijstand daarom voor u samen.",
}


def besluitzin(verzoek: BeschikkingVerzoek, bedrag_per_maand: str | None) -> str:
    """The decision in plain words (without markup): what the citizen reads first."""
    if verzoek.soort == "toekenning":
        assert verzoek.ingangsdatum is not None
        assert bedrag_per_maand is not None
        return f"U krijgt bijstand vanaf {datum_nl(verzoek.ingangsdatum)}. U krijgt {euro(bedrag_per_maand)} per maand."
    if verzoek.soort == "afwijzing":
        return "Wij wijzen uw aanvraag af. U krijgt geen bijstand."
    return "Wij behandelen uw aanvraag niet verder. U krijgt op deze aanvraag geen bijstand."


def onderwerp(verzoek: BeschikkingVerzoek) -> str:
    return {
        "toekenning": "Besluit over uw aanvraag voor bijstand: u krijgt bijstand",
        "afwijzing": "Besluit over uw aanvraag voor bijstand: u krijgt geen bijstand",
        "buiten-behandeling": "Besluit over uw aanvraag voor bijstand: wij behandelen uw aanvraag niet verder",
    }[verzoek.soort]


class Brief:
    """The flowables and the first-page letterhead of one letter, and the warnings made while writing it."""

    def __init__(self, verzoek: BeschikkingVerzoek, *, bedrag_per_maand: str | None, sjabloonversie: str) -> None:
        self.v = verzoek
        self.bedrag_per_maand = bedrag_per_maand
        self.sjabloonversie = sjabloonversie
        self.waarschuwingen: list[str] = []
        self._gezien: set[tuple[str, str]] = set()

    # -------------------------------------------------------------------------------------------- text helpers

    def drukbaar(self, veld: str, tekst: str) -> str:
        """Text the font can print: a missing character becomes its base letter (or ``?``), with a warning.

        Printable ASCII (U+0020..U+007E: no whitespace but the space) is returned as it is when both faces have
        every such character (checked once), as the walk below would return it."""
        if tekst.isascii() and tekst.isprintable() and _ascii_drukbaar():
            return tekst
        uit = []
        for teken in tekst:
            if teken.isspace() and teken != "\u00a0":
                uit.append(" ")
                continue
            if lettertype_kent(teken):
                uit.append(teken)
                continue
            basis = "".join(
                c for c in unicodedata.normalize("NFKD", teken) if not unicodedata.combining(c) and lettertype_kent(c)
            )
            vervanging = basis or "?"
            uit.append(vervanging)
            if (veld, teken) not in self._gezien:
                self._gezien.add((veld, teken))
                self.waarschuwingen.append(
                    f"{veld}: het teken {teken!r} (U+{ord(teken):04X}) staat niet in het lettertype en is "
                    f"afgedrukt als {vervanging!r}"
                )
        return "".join(uit)

    def x(self, veld: str, tekst: str) -> str:
        """Request text as paragraph markup: printable and escaped."""
        return escape(self.drukbaar(veld, tekst))

    @staticmethod
    def p(markup: str, stijl: str = "tekst", *, vast: bool = False) -> Flowable:
        """A paragraph; ``vast``: its text is the same in every letter (no personal data), so its parse is kept.
        A variable text that is one line of plain text at its width is drawn as a :class:`_Regel`."""
        style = STIJLEN[stijl]
        if not vast and _regel_mogelijk(markup, style):
            return _Regel(markup, style)
        return (_VasteAlinea if vast else _Alinea)(markup, style)

    @staticmethod
    def punt(markup: str, *, vast: bool = False) -> Paragraph:
        return (_VasteAlinea if vast else _Alinea)(markup, STIJLEN["punt"], bulletText="•")

    # -------------------------------------------------------------------------------------------- first page

    def eerste_pagina(self, canvas: Any, _doc: Any) -> None:
        """Letterhead (no logo): the gemeente's name, the sender's address, and the address for the window of a
        standard envelope (left 25 mm, 50 mm from the top, 85 mm wide)."""
        v = self.v
        top = PAGINA_HOOGTE - 20 * mm
        canvas.saveState()
        canvas.setFillColorRGB(0, 0, 0)
        naam = [("gemeente.naam", f"Gemeente {v.gemeente.naam}")]
        self._regels(canvas, naam, LINKS, top - 4 * mm, FONT_BOLD, 16, TEKSTBREEDTE - 70 * mm)
        canvas.setFillColor(GRIJS)
        afzender = [(f"gemeente.afzender[{i}]", r) for i, r in enumerate(v.gemeente.afzender)]
        self._regels(canvas, afzender, PAGINA_BREEDTE - RECHTS, top, FONT, 8.5, 65 * mm, rechts=True)
        canvas.setFillColorRGB(0, 0, 0)
        self._regels(canvas, self._adres(), LINKS, PAGINA_HOOGTE - 50 * mm, FONT, 10.5, 85 * mm)
        canvas.restoreState()

    def _adres(self) -> list[tuple[str, str]]:
        o = self.v.ontvanger
        return [("ontvanger.naam", o.naam), *((f"ontvanger.adres[{i}]", r) for i, r in enumerate(o.adres))]

    def briefhoofd_hoogte(self) -> float:
        """How far from the top of the first page the letterhead and the address reach (at least 88 mm: the
        text starts below the envelope window)."""
        afzender = [(f"gemeente.afzender[{i}]", r) for i, r in enumerate(self.v.gemeente.afzender)]
        onder_afzender = 20 * mm + self._hoogte(afzender, FONT, 8.5, 65 * mm)
        onder_adres = 50 * mm + self._hoogte(self._adres(), FONT, 10.5, 85 * mm)
        return max(88 * mm, onder_afzender + 8 * mm, onder_adres + 8 * mm)

    def _hoogte(self, regels: list[tuple[str, str]], font: str, grootte: float, breedte: float) -> float:
        hoogte = 0.0
        for veld, tekst in regels:
            maat, delen = passend(self.drukbaar(veld, tekst), font, grootte, breedte)
            hoogte += maat * 1.3 * len(delen)
        return hoogte

    def _regels(
        self,
        canvas: Any,
        regels: list[tuple[str, str]],
        x: float,
        y: float,
        font: str,
        grootte: float,
        breedte: float,
        *,
        rechts: bool = False,
    ) -> None:
        """Lines of request text on the canvas, each fitted to its box (see :func:`passend`)."""
        for veld, tekst in regels:
            maat, delen = passend(self.drukbaar(veld, tekst), font, grootte, breedte)
            canvas.setFont(font, maat)
            for deel in delen:
                (canvas.drawRightString if rechts else canvas.drawString)(x, y, deel)
                y -= maat * 1.3

    # -------------------------------------------------------------------------------------------- the letter

    def inhoud(self) -> list[Flowable]:
        v = self.v
        f: list[Flowable] = [self._kenmerken(), _Ruimte(1, 8 * mm)]
        f.append(self.p(f"Onderwerp: {escape(onderwerp(v))}", "vet", vast=True))
        f.append(_Ruimte(1, 3 * mm))
        f.append(self.p(f"Beste {self.x('ontvanger.naam', v.ontvanger.naam)},"))
        if v.aanvraagdatum is not None:
            f.append(
                self.p(
                    f"U heeft op {datum_nl(v.aanvraagdatum)} bijstand aangevraagd. In deze brief leest u wat wij "
                    "hebben besloten."
                )
            )
        else:
            f.append(self.p("U heeft bijstand aangevraagd. In deze brief leest u wat wij hebben besloten.", vast=True))
        f.append(self.p("Ons besluit", "kop", vast=True))
        f.append(self.p(escape(besluitzin(v, self.bedrag_per_maand)), "besluit", vast=v.soort != "toekenning"))
        if v.soort == "toekenning":
            f += self._toekenning()
        elif v.soort == "afwijzing":
            f += self._afwijzing()
        else:
            f += self._buiten_behandeling()
        f += self._voorschotten()
        if v.soort == "toekenning":
            f += self._inlichtingenplicht()
        f += self._bezwaar()
        f += self._vragen()
        f += self._ondertekening()
        return f

    def _kenmerken(self) -> Table:
        v = self.v
        rijen: list[tuple[str, str]] = [
            ("Datum", datum_nl(v.datum)),
            ("Ons kenmerk", self.x("zaakIdentificatie", v.zaak_identificatie)),
        ]
        aanvraag = self.x("aanvraagId", v.aanvraag_id)
        if v.aanvraagdatum is not None:
            aanvraag += f" van {datum_nl(v.aanvraagdatum)}"
        rijen.append(("Uw aanvraag", aanvraag))
        if v.ontvanger.bsn is not None:
            rijen.append(("BSN", bsn_gemaskeerd(v.ontvanger.bsn)))
        rijen.append(("Behandeld door", self.x("behandelaar.naam", v.behandelaar.naam)))
        if v.gemeente.telefoon is not None:
            rijen.append(("Telefoon", escape(v.gemeente.telefoon)))
        data = [[self.p(label, "label", vast=True), self.p(waarde, "waarde")] for label, waarde in rijen]
        tabel = Table(data, colWidths=[32 * mm, TEKSTBREEDTE - 32 * mm], hAlign="LEFT")
        tabel.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return tabel

    # ------------------------------------------------------------------------------------------ toekenning

    def _toekenning(self) -> list[Flowable]:
        v = self.v
        b = v.berekening
        assert b is not None
        f: list[Flowable] = [
            self.p(
                "Bijstand is geld om van te leven als u niet genoeg inkomen of vermogen heeft. Wij betalen de "
                "bijstand elke maand. Verandert uw situatie? Dan kan het bedrag ook veranderen.",
                vast=True,
            )
        ]
        if b.geldlening:
            f.append(
                self.p(
                    "U krijgt de bijstand als lening. Dat komt doordat u een eigen huis heeft met overwaarde. "
                    "Dit staat in artikel 50 van de Participatiewet.",
                    vast=True,
                )
            )
        f.append(self.p("Waarom krijgt u dit besluit?", "kop", vast=True))
        f.append(self.p("Wij hebben gekeken naar uw situatie. Dit is wat wij hebben vastgesteld:", vast=True))
        f += [self.punt(escape(feit), vast=vast) for feit, vast in self._feiten()]
        f += self._artikelen(self._artikelen_van_berekening())
        f += self._berekening()
        return f

    def _feiten(self) -> list[tuple[str, bool]]:
        """The facts the decision rests on, each with whether it is a fixed text of this template (the same in every
        letter that states it, no amount or count: its layout may be kept per process, see :class:`_VasteAlinea`)."""
        b = self.v.berekening
        assert b is not None
        feiten = [(_LEEFVORM[b.leefvorm], True)]
        feiten.append(
            (
                f"Voor uw situatie geldt een bijstandsnorm van {euro(b.norm)} per maand. Daarin zit ook vakantiegeld.",
                False,
            )
        )
        if b.aantal_kostendelers is not None and b.aantal_kostendelers > 1:
            feiten.append(
                (
                    f"Bij u wonen volwassenen die de kosten met u kunnen delen. Wij tellen {b.aantal_kostendelers} "
                    "personen mee. Daarom is uw norm lager (kostendelersnorm).",
                    False,
                )
            )
        if naar_centen(b.in_te_korten_inkomen) > 0:
            feiten.append(
                (
                    f"Wij tellen {euro(b.in_te_korten_inkomen)} per maand van uw inkomen mee. Dit bedrag gaat van de "
                    "norm af.",
                    False,
                )
            )
        else:
            feiten.append(("U heeft geen inkomen dat wij van de bijstand aftrekken.", True))
        if b.recht and any(r.stap == "vermogen" for r in b.toelichting):
            feiten.append(("Uw vermogen (bezit min schulden) is niet hoger dan de grens die voor u geldt.", True))
        if naar_centen(b.vakantietoeslag_reservering) > 0:
            feiten.append(
                (
                    f"Elke maand houden wij {euro(b.vakantietoeslag_reservering)} apart als vakantiegeld. Dat krijgt "
                    "u in juni.",
                    False,
                )
            )
        return feiten

    def _artikelen_van_berekening(self) -> list[str]:
        b = self.v.berekening
        if b is None:
            return []
        return [regel.artikel for regel in b.toelichting]

    def _artikelen(self, codes: Iterable[str]) -> list[Flowable]:
        """The articles the decision rests on, per law (``Participatiewet: artikel 3, 4 en 21 onder a``)."""
        zinnen = artikelen_per_wet(codes)
        if not zinnen:
            return []
        inleiding = "Dit staat in deze wet:" if len(zinnen) == 1 else "Dit staat in deze wetten:"
        return [self.p(inleiding, vast=True), *(self.punt(escape(z), vast=True) for z in zinnen)]

    def _berekening(self) -> list[Flowable]:
        b = self.v.berekening
        if b is None or not b.toelichting:
            return []
        kop: list[Flowable] = [
            self.p("Onderdeel", "cel-vet", vast=True),
            self.p("Bedrag", "cel-rechts-vet", vast=True),
            self.p("Artikel", "cel-vet", vast=True),
        ]
        rijen: list[list[Flowable]] = [kop]
        for i, regel in enumerate(b.toelichting):
            laatste = regel.stap == "uitbetaling"
            tekst = self.x(f"berekening.toelichting[{i}].regel", leesbare_regel(regel.regel))
            bedrag = euro(regel.bedrag) if regel.bedrag is not None else ""
            rijen.append(
                [
                    self.p(tekst, "cel-vet" if laatste else "cel"),
                    self.p(bedrag, "cel-rechts-vet" if laatste else "cel-rechts"),
                    self.p(escape(artikel_kort(regel.artikel)), "cel", vast=True),  # a law, never personal
                ]
            )
        tabel = Table(
            rijen,
            colWidths=[95 * mm, 28 * mm, TEKSTBREEDTE - 123 * mm],
            repeatRows=1,
            splitInRow=1,  # a long explanation line may continue on the next page
            hAlign="LEFT",
        )
        tabel.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("BACKGROUND", (0, 0), (-1, 0), LICHTGRIJS),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, LIJN),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return [
            CondPageBreak(40 * mm),
            self.p("Zo hebben wij het bedrag berekend", "kop", vast=True),
            self.p(
                "In de tabel ziet u elke stap van de berekening. Bij elke stap staan het bedrag per maand en de "
                "regel uit de wet.",
                vast=True,
            ),
            tabel,
            _Ruimte(1, 2 * mm),
            self.p(f"De berekening is gemaakt met de regels die golden op {datum_nl(b.peildatum)}.", "klein"),
            _Ruimte(1, 2 * mm),
        ]

    # ------------------------------------------------------------------------------------------ afwijzing

    def _afwijzing(self) -> list[Flowable]:
        v = self.v
        redenen: list[RedenInvoer] = list(v.redenen)
        velden = "redenen"
        if not redenen and v.berekening is not None:
            redenen = [RedenInvoer(code=r.code, tekst=r.tekst, artikel=r.artikel) for r in v.berekening.redenen]
            velden = "berekening.redenen"
        f: list[Flowable] = [self.p("Waarom krijgt u dit besluit?", "kop", vast=True)]
        f.append(self.p("U krijgt geen bijstand, omdat:", vast=True))
        for i, reden in enumerate(redenen):
            artikelen = " en ".join(artikel_voluit(reden.artikel))
            tekst = self.x(f"{velden}[{i}].tekst", leesbare_regel(reden.tekst))
            f.append(self.punt(f"{tekst} ({escape(artikelen)})"))
        f += self._artikelen([r.artikel for r in redenen] + self._artikelen_van_berekening())
        f += self._berekening()
        return f

    # ------------------------------------------------------------------------------------------ buiten behandeling

    def _buiten_behandeling(self) -> list[Flowable]:
        bb = self.v.buiten_behandeling
        assert bb is not None
        f: list[Flowable] = [self.p("Waarom krijgt u dit besluit?", "kop", vast=True)]
        f.append(
            self.p(
                f"Wij hebben u op {datum_nl(bb.verzoek_datum)} een brief gestuurd. Daarin vroegen wij u om deze "
                f"papieren te sturen, uiterlijk op {datum_nl(bb.hersteltermijn_tot)}:"
            )
        )
        f += [
            self.punt(self.x(f"buitenBehandeling.ontbrekendeStukken[{i}]", stuk))
            for i, stuk in enumerate(bb.ontbrekende_stukken)
        ]
        f.append(
            self.p(
                "Wij hebben deze papieren niet of niet op tijd gekregen. Zonder deze papieren kunnen wij niet "
                "beoordelen of u recht heeft op bijstand. Daarom behandelen wij uw aanvraag niet verder.",
                vast=True,
            )
        )
        f += self._artikelen(["Awb 4:5"])
        f.append(self.p("Wilt u toch bijstand?", "kop", vast=True))
        f.append(
            self.p(
                "Dan kunt u opnieuw bijstand aanvragen. Stuur dan meteen alle papieren mee. Dan kunnen wij uw "
                "aanvraag sneller behandelen.",
                vast=True,
            )
        )
        return f

    # ------------------------------------------------------------------------------------------ voorschotten

    def _voorschotten(self) -> list[Flowable]:
        v = self.v
        if not v.voorschotten:
            return []
        totaal = sum(naar_centen(vs.bedrag) for vs in v.voorschotten)
        f: list[Flowable] = [self.p("Voorschotten die u al heeft gekregen", "kop", vast=True)]
        f.append(self.p("Wij hebben u al een voorschot betaald:", vast=True))
        f += [self.punt(f"op {datum_nl(vs.betaald_op)}: {euro(vs.bedrag)}") for vs in v.voorschotten]
        if len(v.voorschotten) > 1:
            f.append(self.p(f"Dat is samen {euro_centen(totaal)}."))
        if v.soort == "toekenning":
            f.append(
                self.p(
                    "Wij trekken dit bedrag af van de bijstand die u over dezelfde periode krijgt. Dit heet "
                    "verrekenen. Dit staat in artikel 52 van de Participatiewet.",
                    vast=True,
                )
            )
        else:
            f.append(
                self.p(
                    "U krijgt geen bijstand. Daarom moet u de voorschotten terugbetalen. Hierover krijgt u een "
                    "aparte brief. Dit staat in artikel 52 en artikel 58 van de Participatiewet.",
                    vast=True,
                )
            )
        return [KeepTogether(f)]

    # ------------------------------------------------------------------------------------------ obligations

    def _inlichtingenplicht(self) -> list[Flowable]:
        return [
            self.p("Wat moet u aan ons doorgeven?", "kop", vast=True),
            self.p(
                "Geef veranderingen in uw situatie meteen aan ons door. Bijvoorbeeld als u gaat werken of meer "
                "gaat verdienen, als er iemand bij u komt wonen of weggaat, als u gaat verhuizen, of als u langer "
                "dan 4 weken naar het buitenland gaat. Twijfelt u? Vraag het ons.",
                vast=True,
            ),
            self.p(
                "Dit moet volgens de wet (inlichtingenplicht, artikel 17 van de Participatiewet). Geeft u iets niet "
                "of te laat door? Dan moet u misschien bijstand terugbetalen en kunt u een boete krijgen.",
                vast=True,
            ),
        ]

    # ------------------------------------------------------------------------------------------ bezwaar

    def _bezwaar(self) -> list[Flowable]:
        g = self.v.gemeente
        adres = g.bezwaar_adres or g.afzender
        veld = "gemeente.bezwaarAdres" if g.bezwaar_adres else "gemeente.afzender"
        f: list[Flowable] = [
            CondPageBreak(50 * mm),
            self.p("Bent u het niet eens met dit besluit?", "kop", vast=True),
            self.p(
                "Dan kunt u bezwaar maken. Dat moet binnen 6 weken na de datum van deze brief. Dit staat in "
                "artikel 6:7 van de Algemene wet bestuursrecht (Awb).",
                vast=True,
            ),
        ]
        if g.bezwaar_url is not None:
            # the gemeente's own address and site: no personal data, the same in each of its letters
            f.append(
                self.p(f"U kunt digitaal bezwaar maken op {escape(g.bezwaar_url)}. Of stuur een brief naar:", vast=True)
            )
        else:
            f.append(self.p("Stuur dan een brief naar:", vast=True))
        ontvanger = f"Het college van burgemeester en wethouders van {self.x('gemeente.naam', g.naam)}"
        regels = [ontvanger, *(self.x(f"{veld}[{i}]", r) for i, r in enumerate(adres))]
        f.append(_VasteAlinea("<br/>".join(regels), _ADRES))  # the gemeente's address, no personal data
        f.append(self.p("Zet in uw bezwaar:", vast=True))
        f += [
            self.punt(t, vast=True)
            for t in (
                "uw naam en adres",
                "de datum",
                "het kenmerk van deze brief, of stuur een kopie van deze brief mee",
                "waarom u het niet eens bent met het besluit",
                "uw handtekening (bij een brief)",
            )
        ]
        f.append(
            self.p(
                "Let op: ook als u bezwaar maakt, blijft dit besluit gelden. Bezwaar maken stopt het besluit niet "
                "(artikel 6:16 Awb).",
                vast=True,
            )
        )
        f.append(
            self.p(
                "Is het dringend en kunt u niet wachten op de beslissing op uw bezwaar? Dan kunt u de "
                "voorzieningenrechter van de rechtbank vragen om een voorlopige voorziening (artikel 8:81 Awb). "
                "Dat kan alleen als u ook bezwaar heeft gemaakt. De rechtbank vraagt hiervoor griffierecht.",
                vast=True,
            )
        )
        return f

    def _vragen(self) -> list[Flowable]:
        g = self.v.gemeente
        kenmerk = self.x("zaakIdentificatie", self.v.zaak_identificatie)
        if g.telefoon is not None:
            tekst = f"Bel ons dan op {escape(g.telefoon)}. Noem het kenmerk van deze brief: {kenmerk}."
        else:
            tekst = f"Neem dan contact met ons op. Noem het kenmerk van deze brief: {kenmerk}."
        return [self.p("Heeft u nog vragen?", "kop", vast=True), self.p(tekst)]

    # ------------------------------------------------------------------------------------------ signature

    def _ondertekening(self) -> list[Flowable]:
        v = self.v
        naam = self.x("gemeente.naam", v.gemeente.naam)

        def persoon(rol: str, veld: str, wie: Any) -> Paragraph:
            regels = [self.drukbaar(f"{veld}.naam", wie.naam)]
            if wie.functie:
                regels.append(self.drukbaar(f"{veld}.functie", wie.functie))
            return _ondertekenaar(rol, regels)

        blok: list[Flowable] = [
            _Ruimte(1, 4 * mm),
            self.p("Met vriendelijke groet,", vast=True),
            self.p(f"namens het college van burgemeester en wethouders van {naam},", vast=True),
            _Ruimte(1, 3 * mm),
        ]
        cellen = [persoon("Behandeld door", "behandelaar", v.behandelaar)]
        if v.goedgekeurd_door is not None:
            cellen.append(persoon("Gecontroleerd en goedgekeurd door", "goedgekeurdDoor", v.goedgekeurd_door))
        tabel = Table([cellen], colWidths=[TEKSTBREEDTE / 2] * len(cellen), hAlign="LEFT")
        tabel.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        blok.append(tabel)
        colofon = f"Kenmerk {self.x('zaakIdentificatie', v.zaak_identificatie)} · sjabloon {self.sjabloonversie}"
        if v.berekening is not None:
            colofon += f" · regelset {escape(v.berekening.regelset_versie)}"
        return [KeepTogether(blok), _Ruimte(1, 6 * mm), self.p(colofon, "klein")]

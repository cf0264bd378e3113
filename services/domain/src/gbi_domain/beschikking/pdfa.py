"""PDF/A-1b on top of open-source ReportLab, byte for byte reproducible.

ReportLab writes clean PDF 1.4 but knows nothing of PDF/A. This module adds what ISO 19005-1 level B asks and
ReportLab leaves out, and pins everything that would make two renders differ:

* **Fonts**: Bitstream Vera (shipped inside the reportlab wheel) embedded as TrueType subsets (FontFile2 with a
  ToUnicode map), also as the canvas' initial font, so no standard-14 font (Helvetica) is ever referenced.
* **Colour**: an sRGB output intent (``GTS_PDFA1``) with an ICC v2 display profile that :func:`srgb_icc_profile`
  builds here, in Python, from the published sRGB primaries and tone curve (no binary file, no clock); every
  colour is forced to DeviceRGB (``enforceColorSpace="rgb"``).
* **Metadata**: an uncompressed XMP packet (``pdfaid:part=1``, ``conformance=B``, ``dc:language nl-NL``) whose
  title, author, subject, keywords, creator, producer and dates equal the Info dictionary's; ``/Lang (nl-NL)``.
* **Streams**: an end-of-line before every ``endstream`` (6.1.7; ReportLab writes none after compressed data).
* **Determinism**: dates come from the letter's datum, the trailer ``/ID`` from a hash of the (BSN-masked)
  request; ``invariant=1`` for the rest. No clock, no random, no file path reaches the bytes.

Not reached: level A (PDF/A-1a, tagged structure for screen readers; ReportLab's open-source edition does not tag)
and therefore not PDF/UA. No veraPDF run here (not installable from the registries this project uses); the tests
check the requirements above on the produced file.
"""

from __future__ import annotations

import functools
import hashlib
import math
import operator
import re
import struct
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib.fonts import addMapping
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfdoc, pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

__all__ = [
    "FONT",
    "FONT_BOLD",
    "FONT_ITALIC",
    "PDFA_NIVEAU",
    "PdfACanvas",
    "PdfAMetadata",
    "passend",
    "registreer_fonts",
    "srgb_icc_profile",
]

PDFA_NIVEAU = "PDF/A-1b"
FONT = "GbiVera"
FONT_BOLD = "GbiVera-Bold"
FONT_ITALIC = "GbiVera-Italic"
_FONT_FILES = {FONT: "Vera.ttf", FONT_BOLD: "VeraBd.ttf", FONT_ITALIC: "VeraIt.ttf", "GbiVera-BoldItalic": "VeraBI.ttf"}
_fonts_lock = threading.Lock()
_fonts_geregistreerd = False
OUTPUT_CONDITION = "sRGB IEC61966-2.1"
#: Font subsets kept per process: a letter uses nearly the same characters every time, so the subset of a face
#: (and its Flate-compressed bytes) is made once, not once per document. Same input, same bytes: the cache
#: changes no output.
_SUBSETS_MAX = 64


class _SubsetCache:
    """``makeSubset`` of one face, memoised on the subset (LRU, bounded); the caller holds the render lock."""

    def __init__(self, maak: Any) -> None:
        self._maak = maak
        self._cache: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, subset: Any) -> bytes:
        sleutel = tuple(subset)
        with self._lock:
            gevonden = self._cache.get(sleutel)
            if gevonden is not None:
                self._cache.move_to_end(sleutel)
                return gevonden
        gemaakt: bytes = self._maak(subset)
        with self._lock:
            self._cache[sleutel] = gemaakt
            while len(self._cache) > _SUBSETS_MAX:
                self._cache.popitem(last=False)
        return gemaakt


class _FlateCache:
    """ReportLab's Flate filter with the compressed bytes of the last font subsets remembered (same bytes in,
    same ``zlib.compress`` bytes out)."""

    pdfname = pdfdoc.PDFZCompress.pdfname

    def __init__(self) -> None:
        self._cache: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, text: bytes | str) -> bytes:
        data = text.encode("utf8") if isinstance(text, str) else text
        with self._lock:
            gevonden = self._cache.get(data)
            if gevonden is not None:
                self._cache.move_to_end(data)
                return gevonden
        gecomprimeerd = zlib.compress(data)
        with self._lock:
            self._cache[data] = gecomprimeerd
            while len(self._cache) > _SUBSETS_MAX:
                self._cache.popitem(last=False)
        return gecomprimeerd

    def decode(self, encoded: bytes) -> bytes:
        return zlib.decompress(encoded)


_FONT_FLATE = _FlateCache()


_PDFDOC_ENC = pdfdoc.pdfdocEnc
#: The ASCII characters PDFDocEncoding does not have at their own code (``extpdfdoc`` refuses U+0018..U+001F).
_GEEN_EIGEN_CODE = re.compile("[\x18-\x1f]")


def _pdfdoc_enc(x: Any) -> Any:
    """ReportLab's ``pdfdocEnc`` (every name, number, dictionary and page stream of a document passes through it), with
    ASCII text encoded by Python's own codec: the ``extpdfdoc`` codec gives each ASCII character its own code except
    U+0018..U+001F, so for any other ASCII text the bytes are the same; everything else goes to ReportLab's codec."""
    if type(x) is str and x.isascii() and _GEEN_EIGEN_CODE.search(x) is None:
        return x.encode("ascii")
    return _PDFDOC_ENC(x)


# pdfdoc's own functions look the name up when they run: they use this one from now on (this service alone uses
# ReportLab).
pdfdoc.pdfdocEnc = _pdfdoc_enc

_PDF_NAME = pdfdoc.PDFName
#: Written PDF names per name: a document writes some hundred names (every dictionary key, ``/Type /Page``, the font
#: resources), all from the same few dozen; ReportLab escapes each character of each anew. Names are keys, types and
#: resource names of the template, never a letter's text (that is in strings and page streams). Bounded.
_PDF_NAMEN: dict[str, str] = {}
_PDF_NAMEN_MAX = 1024


def _pdf_name(data: Any, lo: str = "\x21", hi: str = "\x7e") -> str:
    """ReportLab's ``PDFName`` (the same string), remembered per name."""
    if type(data) is not str or lo != "\x21" or hi != "\x7e":
        uit: str = _PDF_NAME(data, lo, hi)
        return uit
    naam = _PDF_NAMEN.get(data)
    if naam is None:
        naam = _PDF_NAME(data)
        if len(_PDF_NAMEN) >= _PDF_NAMEN_MAX:
            _PDF_NAMEN.clear()
        _PDF_NAMEN[data] = naam
    return naam


pdfdoc.PDFName = _pdf_name

_TO_UNICODE_CMAP = ttfonts.makeToUnicodeCMap
#: The ToUnicode CMap text per font subset (name and characters): a letter's subsets are nearly always the same, and
#: ReportLab writes every entry of the map anew for each document. Bounded like the subsets themselves. What it keeps
#: is what the subset cache keeps: which characters beyond ASCII letters used (a name's accented letters among them,
#: in order of first use), never words or text.
_CMAPS: OrderedDict[tuple[Any, ...], str] = OrderedDict()


def _to_unicode_cmap(fontname: str, subset: Any) -> str:
    """ReportLab's ``makeToUnicodeCMap`` (the same text), remembered for the last subsets."""
    sleutel = (fontname, *subset)
    with _cmaps_lock:
        gevonden = _CMAPS.get(sleutel)
        if gevonden is not None:
            _CMAPS.move_to_end(sleutel)
            return gevonden
    tekst: str = _TO_UNICODE_CMAP(fontname, subset)
    with _cmaps_lock:
        _CMAPS[sleutel] = tekst
        while len(_CMAPS) > _SUBSETS_MAX:
            _CMAPS.popitem(last=False)
    return tekst


_cmaps_lock = threading.Lock()
# ``TTFont.addObjects`` looks the function up when it runs.
ttfonts.makeToUnicodeCMap = _to_unicode_cmap


class _TTFont(TTFont):
    """A TrueType font whose ``splitString`` skips its per-character walk for printable ASCII, and whose
    ``stringWidth`` adds the characters' widths from a table of its own (see :meth:`stringWidth`).

    With ``asciiReadable`` (ReportLab's default) a document's subset 0 gives each character U+0020..U+007E its own
    code from the start, so ReportLab splits such a text into one run of subset 0 whose bytes are the text's ASCII
    bytes, and assigns no new code. That result is returned directly, for a document whose state the font already
    has (the first call of a document goes to ReportLab, which makes it) and only if the face has every such
    character (checked once, when the font is registered); anything else is split by ReportLab."""

    _ascii_eigen: bool = False
    #: The face's advance width per character (the ``charWidths`` that ReportLab's C code reads), or None.
    _breedte_van: Any = None

    def stringWidth(self, text: Any, size: float, encoding: str = "utf8") -> float:  # noqa: N802 - ReportLab's name
        """The width of a text, as ReportLab's ``instanceStringWidthTTF`` computes it (the sum of the characters'
        widths, times 0.001, times the size) without its per-character calls back into Python: a letter measures
        some three hundred words and lines, and that C function took more than a microsecond for each. The widths
        of this face are whole multiples of 1/256 (checked when it is registered, with a sample compared to the C
        code), so their sum is exact in any order: the same float. A character the table lacks, or bytes, go to
        ReportLab."""
        breedte_van = self._breedte_van
        if breedte_van is not None and type(text) is str:
            try:
                breedte: float = sum(map(breedte_van, text)) * 0.001 * size
                return breedte
            except TypeError:  # a character without a width of its own: the face's default, by ReportLab
                pass
        uit: float = super().stringWidth(text, size, encoding)
        return uit

    def splitString(self, text: Any, doc: Any, encoding: str = "utf-8") -> Any:  # noqa: N802 - ReportLab's name
        if self._ascii_eigen and type(text) is str and text.isascii() and text.isprintable() and doc in self.state:
            return [(0, text.encode("ascii"))] if text else []
        return super().splitString(text, doc, encoding)


def _ascii_eigen(font: TTFont) -> bool:
    """Whether a document's state of this font gives U+0020..U+007E their own code in subset 0 from the start."""
    leesbaar: Any = font._asciiReadable  # type: ignore[attr-defined]
    # ReportLab makes a document's state with the font (splitString), its face, or neither (getSubsetInternalName)
    staten: list[Any] = [TTFont.State(leesbaar, f) for f in (font, font.face, None)]
    return bool(leesbaar) and all(s.assignments.get(c) == c for s in staten for c in range(0x20, 0x7F))


def _breedtetabel(font: TTFont) -> Any:
    """The ``get`` of a table character -> advance width for :meth:`_TTFont.stringWidth`, if every width of the face
    is a whole multiple of 1/256 (TrueType units of a 2048-unit em scaled to 1000: the sum of any of them is exact)
    and the table gives the C code's width for a sample of texts and sizes; None otherwise."""
    face: Any = font.face
    breedtes: dict[int, float] = face.charWidths
    if not breedtes or any((b * 256) % 1 for b in breedtes.values()):
        return None
    per_teken = {chr(code): float(b) for code, b in breedtes.items()}
    tabel: Any = per_teken.get
    tekens = "".join(sorted(per_teken))
    stalen = [tekens, tekens[::-1], " ", "", "Zo hebben wij het bedrag berekend: € 1.331,42", tekens[::7] * 5]
    for tekst in stalen:
        for grootte in (7, 8, 8.5, 9, 10, 10.5, 11.5, 16, 7.123456789, 13.3):
            if sum(map(tabel, tekst)) * 0.001 * grootte != TTFont.stringWidth(font, tekst, grootte):
                return None
    return tabel


def registreer_fonts() -> None:
    """Register the Vera family from the reportlab package (once per process)."""
    global _fonts_geregistreerd
    if _fonts_geregistreerd:
        return
    with _fonts_lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            fonts_dir = Path(reportlab.__file__).parent / "fonts"
            for name, bestand in _FONT_FILES.items():
                font = _TTFont(name, str(fonts_dir / bestand))
                font._ascii_eigen = _ascii_eigen(font)
                font._breedte_van = _breedtetabel(font)
                face: Any = font.face
                face.makeSubset = _SubsetCache(face.makeSubset)
                pdfmetrics.registerFont(font)
            addMapping(FONT, 0, 0, FONT)
            addMapping(FONT, 1, 0, FONT_BOLD)
            addMapping(FONT, 0, 1, FONT_ITALIC)
            addMapping(FONT, 1, 1, "GbiVera-BoldItalic")
        _fonts_geregistreerd = True


@functools.lru_cache(maxsize=4096)
def lettertype_kent(teken: str) -> bool:
    """Whether the regular and bold faces have a glyph for this character."""
    registreer_fonts()
    code = ord(teken)
    for naam in (FONT, FONT_BOLD):
        font = pdfmetrics.getFont(naam)
        if code not in font.face.charToGlyph:  # type: ignore[attr-defined]
            return False
    return True


def passend(tekst: str, font: str, grootte: float, breedte: float, minimum: float = 7.0) -> tuple[float, list[str]]:
    """A line drawn on the canvas (letterhead, address window, footer) never runs off its box: at its own size if it
    fits, else smaller (down to ``minimum``), else wrapped at spaces, and a word longer than the box is broken."""
    registreer_fonts()
    breed = pdfmetrics.stringWidth(tekst, font, grootte)
    if breed <= breedte:
        return grootte, [tekst]
    grootte = max(minimum, grootte * breedte / breed)
    if pdfmetrics.stringWidth(tekst, font, grootte) <= breedte:
        return grootte, [tekst]
    regels: list[str] = []
    for deel in simpleSplit(tekst, font, grootte, breedte):
        while pdfmetrics.stringWidth(deel, font, grootte) > breedte:
            n = len(deel)
            while n > 1 and pdfmetrics.stringWidth(deel[:n], font, grootte) > breedte:
                n -= 1
            regels.append(deel[:n])
            deel = deel[n:]
        regels.append(deel)
    return grootte, regels


# ------------------------------------------------------------------------------------------------ ICC profile


def _s15f16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + b"\0" * 4 + _s15f16(x) + _s15f16(y) + _s15f16(z)


def _desc(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc"
        + b"\0" * 4
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + struct.pack(">II", 0, 0)  # no Unicode description
        + struct.pack(">HB", 0, 0)  # no ScriptCode description
        + b"\0" * 67
    )


def _srgb_curve(points: int = 1024) -> bytes:
    """The sRGB tone curve (IEC 61966-2-1) as a sampled ``curv`` table."""
    values = []
    for i in range(points):
        v = i / (points - 1)
        linear = v / 12.92 if v <= 0.04045 else math.pow((v + 0.055) / 1.055, 2.4)
        values.append(round(linear * 65535))
    return b"curv" + b"\0" * 4 + struct.pack(">I", points) + struct.pack(f">{points}H", *values)


def srgb_icc_profile() -> bytes:
    """An ICC v2.1 display ('mntr') RGB profile for sRGB: colorants adapted to D50 (Bradford), the sRGB curve.

    PDF/A-1 wants a profile of version 2 for an output intent; we build it instead of shipping a binary."""
    curve = _srgb_curve()
    tags: list[tuple[bytes, bytes]] = [
        (b"desc", _desc(OUTPUT_CONDITION)),
        (b"cprt", b"text" + b"\0" * 4 + b"No copyright, use freely\0"),
        (b"wtpt", _xyz(0.9505, 1.0, 1.0891)),
        (b"rXYZ", _xyz(0.4360747, 0.2225045, 0.0139322)),
        (b"gXYZ", _xyz(0.3850649, 0.7168786, 0.0971045)),
        (b"bXYZ", _xyz(0.1430804, 0.0606169, 0.7141733)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    entries = []
    data = b""
    shared: dict[bytes, tuple[int, int]] = {}
    for signature, body in tags:
        if body in shared:  # the three TRC tags share one curve
            entries.append((signature, *shared[body]))
            continue
        while (offset + len(data)) % 4:
            data += b"\0"
        position = offset + len(data)
        shared[body] = (position, len(body))
        entries.append((signature, position, len(body)))
        data += body
    while len(data) % 4:
        data += b"\0"
    table = struct.pack(">I", len(tags)) + b"".join(struct.pack(">4sII", s, o, n) for s, o, n in entries)
    size = 128 + len(table) + len(data)
    header = (
        struct.pack(">I", size)
        + b"\0" * 4  # preferred CMM
        + struct.pack(">I", 0x02100000)  # version 2.1
        + b"mntr"
        + b"RGB "
        + b"XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)  # a fixed creation date: the bytes never change
        + b"acsp"
        + b"\0" * 4  # primary platform
        + b"\0" * 4  # flags
        + b"\0" * 8  # manufacturer, model
        + b"\0" * 8  # attributes
        + struct.pack(">I", 0)  # perceptual
        + _s15f16(0.9642)
        + _s15f16(1.0)
        + _s15f16(0.8249)  # PCS illuminant D50
        + b"\0" * 4  # creator
        + b"\0" * 44  # reserved (v2 has no profile id)
    )
    assert len(header) == 128
    return header + table + data


_ICC = srgb_icc_profile()


# ------------------------------------------------------------------------------------------------ metadata


@dataclass(frozen=True, slots=True)
class PdfAMetadata:
    """What the Info dictionary and the XMP packet both state (PDF/A-1 6.7.3 wants them equal)."""

    titel: str
    auteur: str
    onderwerp: str
    trefwoorden: str
    maker: str
    datum: date
    document_id: bytes  # 16 bytes for the trailer /ID
    taal: str = "nl-NL"

    @property
    def producent(self) -> str:
        return f"ReportLab PDF Library {reportlab.Version}"

    def pdf_datum(self) -> str:
        return f"D:{self.datum:%Y%m%d}000000+00'00'"

    def xmp_datum(self) -> str:
        return f"{self.datum:%Y-%m-%d}T00:00:00+00:00"

    def xmp(self) -> bytes:
        e = escape
        uuid_hex = self.document_id.hex()
        uuid = f"uuid:{uuid_hex[:8]}-{uuid_hex[8:12]}-{uuid_hex[12:16]}-{uuid_hex[16:20]}-{uuid_hex[20:32]}"
        packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>1</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(self.titel)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{e(self.auteur)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(self.onderwerp)}</rdf:li></rdf:Alt></dc:description>
   <dc:language><rdf:Bag><rdf:li>{e(self.taal)}</rdf:li></rdf:Bag></dc:language>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreateDate>{self.xmp_datum()}</xmp:CreateDate>
   <xmp:ModifyDate>{self.xmp_datum()}</xmp:ModifyDate>
   <xmp:MetadataDate>{self.xmp_datum()}</xmp:MetadataDate>
   <xmp:CreatorTool>{e(self.maker)}</xmp:CreatorTool>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{e(self.producent)}</pdf:Producer>
   <pdf:Keywords>{e(self.trefwoorden)}</pdf:Keywords>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">
   <xmpMM:DocumentID>{uuid}</xmpMM:DocumentID>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
        return packet.encode("utf-8")


class _Stream(pdfdoc.PDFStream):
    """A stream with an end-of-line before ``endstream`` that /Length does not count (PDF/A-1 6.1.7)."""

    def format(self, document: Any) -> bytes:
        out: bytes = super().format(document)
        einde = b"endstream\n"
        assert out.endswith(einde)
        return out[: -len(einde)] + b"\n" + einde


class _Info(pdfdoc.PDFInfo):
    """The Info dictionary with exactly the entries the XMP packet repeats (no /Trapped: PDF/A-1's XMP has no
    property for it) and the letter's date instead of the clock."""

    def __init__(self, meta: PdfAMetadata) -> None:
        super().__init__()
        self._meta = meta
        self.title = meta.titel
        self.author = meta.auteur
        self.subject = meta.onderwerp
        self.keywords = meta.trefwoorden
        self.creator = meta.maker
        self.producer = meta.producent

    def format(self, document: Any) -> bytes:
        m = self._meta
        d = pdfdoc.PDFDictionary(
            {
                "Title": pdfdoc.PDFString(m.titel),
                "Author": pdfdoc.PDFString(m.auteur),
                "Subject": pdfdoc.PDFString(m.onderwerp),
                "Keywords": pdfdoc.PDFString(m.trefwoorden),
                "Creator": pdfdoc.PDFString(m.maker),
                "Producer": pdfdoc.PDFString(m.producent),
                "CreationDate": pdfdoc.PDFString(m.pdf_datum()),
                "ModDate": pdfdoc.PDFString(m.pdf_datum()),
            }
        )
        out: bytes = d.format(document)
        return out


_BREEDTES: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_breedtes_lock = threading.Lock()


class _Breedtes(pdfdoc.PDFArray):
    """The /Widths of a font subset: plain numbers, formatted once per process per subset (a letter's subsets are
    nearly always the same; ReportLab formats every number of every width anew for each document)."""

    def format(self, document: Any, IND: bytes = b"\n ") -> bytes:  # noqa: N803 - ReportLab's name
        sleutel = (IND, *self.sequence)
        with _breedtes_lock:
            gevonden = _BREEDTES.get(sleutel)
        if gevonden is not None:
            return gevonden
        uit: bytes = super().format(document, IND)
        with _breedtes_lock:
            _BREEDTES[sleutel] = uit
            while len(_BREEDTES) > _SUBSETS_MAX:
                _BREEDTES.popitem(last=False)
        return uit


class _IccStream(_Stream):
    """The output intent's profile: the same object bytes in every document, formatted once per process."""

    _geformatteerd: bytes | None = None

    def format(self, document: Any) -> bytes:
        uit = _IccStream._geformatteerd
        if uit is None:
            uit = _IccStream._geformatteerd = super().format(document)
        return uit


class _Document(pdfdoc.PDFDocument):
    """ReportLab's document, with every plain stream it registers made a :class:`_Stream`."""

    def Reference(self, obj: Any, name: str | None = None) -> Any:  # noqa: N802 - ReportLab's name
        breedtes = getattr(obj, "Widths", None)
        if type(obj) is pdfdoc.PDFTrueTypeFont and type(breedtes) is pdfdoc.PDFArray:
            breedtes.__class__ = _Breedtes
        if type(obj) is pdfdoc.PDFStream:
            obj.__class__ = _Stream
            vast = name is not None and name.startswith(("fontFile:", "toUnicodeCMap:"))
            if vast and obj.filters == [pdfdoc.PDFZCompress]:
                obj.filters = [_FONT_FLATE]
            elif obj.filters and pdfdoc.PDFBase85Encode in obj.filters:
                # Binary streams are fine in PDF/A (the header's comment line marks the file binary); ASCII85
                # only makes the page streams a quarter larger and costs an encoding pass.
                obj.filters = [f for f in obj.filters if f is not pdfdoc.PDFBase85Encode]
        return super().Reference(obj, name)  # type: ignore[no-untyped-call]


#: The canvas attributes ``saveState`` keeps (ReportLab's list), read at once.
_STAAT_NAMEN: tuple[str, ...] = tuple(Canvas.STATE_ATTRIBUTES)
_staat_van = operator.itemgetter(*_STAAT_NAMEN)


class PdfACanvas(Canvas):
    """A canvas that numbers its pages (``pagina 1 van 3`` needs the total, so pages are kept until ``save``) and
    writes PDF/A-1b metadata on save. Made by the canvasmaker that render.py hands to the DocTemplate."""

    def __init__(self, *args: Any, meta: PdfAMetadata, voettekst: str, **kwargs: Any) -> None:
        kwargs.update(
            invariant=1,
            pdfVersion=(1, 4),
            enforceColorSpace="rgb",
            initialFontName=FONT,
            initialFontSize=10,
            lang=meta.taal,
        )
        super().__init__(*args, **kwargs)
        # The stubs leave out ReportLab's private attributes (_doc, _pagesize, _startPage) that this class uses.
        self._doc.__class__ = _Document  # type: ignore[attr-defined]
        self._meta = meta
        self._voettekst = voettekst
        self._pagina_staten: list[dict[str, Any]] = []
        self._aantal_paginas = 0

    def push_state_stack(self) -> None:
        """ReportLab's ``push_state_stack`` (``saveState``), keeping the same attributes as a tuple read in one call
        instead of a dict filled name by name (a letter saves the state some hundred times)."""
        self.state_stack.append(_staat_van(self.__dict__))
        self._extgstate = self._extgstate.pushCopy()  # type: ignore[has-type]

    def pop_state_stack(self) -> None:
        self.__dict__.update(zip(_STAAT_NAMEN, self.state_stack.pop(), strict=True))

    @property
    def paginas(self) -> int:
        """The number of pages (known after ``save``)."""
        return self._aantal_paginas

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._pagina_staten.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]

    def _voet(self, nummer: int, totaal: int) -> None:
        mm = 72 / 25.4
        breedte = self._pagesize[0]  # type: ignore[attr-defined]
        self.saveState()
        self.setFillColorRGB(0.3, 0.3, 0.3)
        grootte, regels = passend(self._voettekst, FONT, 8, breedte - 45 * mm - 40 * mm)
        self.setFont(FONT, grootte)
        self.drawString(25 * mm, 12 * mm, regels[0] if len(regels) == 1 else regels[0].rstrip() + " …")
        self.setFont(FONT, 8)
        self.drawRightString(breedte - 20 * mm, 12 * mm, f"pagina {nummer} van {totaal}")
        self.restoreState()

    def save(self) -> None:
        totaal = len(self._pagina_staten)
        for nummer, staat in enumerate(self._pagina_staten, start=1):
            self.__dict__.update(staat)
            self._voet(nummer, totaal)
            super().showPage()
        self._aantal_paginas = totaal
        self._pdfa()
        super().save()

    def _pdfa(self) -> None:
        doc = self._doc  # type: ignore[attr-defined]
        meta = self._meta
        doc.info = _Info(meta)
        ident = pdfdoc.PDFText(meta.document_id, enc="raw").format(pdfdoc.DummyDoc())
        doc._ID = b"\n[" + ident + ident + b"]\n"
        catalog = doc.Catalog
        metadata = _Stream(
            dictionary=pdfdoc.PDFDictionary({"Type": pdfdoc.PDFName("Metadata"), "Subtype": pdfdoc.PDFName("XML")}),
            content=meta.xmp(),
        )
        catalog.Metadata = metadata
        icc = _IccStream(dictionary=pdfdoc.PDFDictionary({"N": 3}), content=_ICC)
        intent = pdfdoc.PDFDictionary(
            {
                "Type": pdfdoc.PDFName("OutputIntent"),
                "S": pdfdoc.PDFName("GTS_PDFA1"),
                "OutputConditionIdentifier": pdfdoc.PDFString(OUTPUT_CONDITION),
                "Info": pdfdoc.PDFString(OUTPUT_CONDITION),
                "RegistryName": pdfdoc.PDFString("http://www.color.org"),
                "DestOutputProfile": doc.Reference(icc, "GbiSrgbProfile"),
            }
        )
        catalog.OutputIntents = pdfdoc.PDFArray([intent])
        # The catalog writes only the keys it knows; OutputIntents is not among them.
        catalog.__NoDefault__ = [*catalog.__NoDefault__, "OutputIntents"]


def document_id(*delen: bytes) -> bytes:
    """16 bytes for the trailer /ID and the XMP DocumentID, from the (BSN-masked) request."""
    h = hashlib.sha256()
    for deel in delen:
        h.update(len(deel).to_bytes(8, "big"))
        h.update(deel)
    return h.digest()[:16]

"""The PDF/A-1b requirements the renderer adds to ReportLab's output, checked on the produced file (no veraPDF
here): identification in XMP, Info equal to XMP, an sRGB output intent with a valid ICC v2 profile, every font
embedded, streams framed as ISO 19005-1 6.1.7 asks, no encryption, no transparency, language nl-NL."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from PIL import ImageCms
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject

from gbi_domain.beschikking import render_beschikking
from gbi_domain.beschikking.pdfa import srgb_icc_profile
from gbi_shared.contracts.beschikking import BeschikkingVerzoek

from .conftest import toekenning

PDFAID = "http://www.aiim.org/pdfa/ns/id/"


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_beschikking(BeschikkingVerzoek.model_validate(toekenning())).pdf


@pytest.fixture(scope="module")
def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def test_kop_en_trailer(pdf: bytes, reader: PdfReader) -> None:
    assert pdf.startswith(b"%PDF-1.4\n%")
    assert all(b > 127 for b in pdf[10:14])  # a binary comment on the second line (6.1.2)
    assert pdf.endswith(b"%%EOF\n")
    ident = reader.trailer["/ID"]
    assert len(ident) == 2
    assert ident[0] == ident[1]
    assert "/Encrypt" not in reader.trailer
    assert not reader.is_encrypted


def test_xmp_identificatie_en_info_gelijk(reader: PdfReader) -> None:
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert [e.firstChild.data for e in xmp.get_nodes_in_namespace("", PDFAID) if e.localName == "part"] == ["1"]
    assert [e.firstChild.data for e in xmp.get_nodes_in_namespace("", PDFAID) if e.localName == "conformance"] == ["B"]
    info = reader.metadata
    assert info is not None
    assert xmp.dc_title == {"x-default": info["/Title"]}
    assert xmp.dc_creator == [info["/Author"]]
    assert xmp.dc_description == {"x-default": info["/Subject"]}
    assert xmp.pdf_keywords == info["/Keywords"]
    assert xmp.pdf_producer == info["/Producer"]
    assert xmp.xmp_creator_tool == info["/Creator"]
    assert xmp.dc_language == ["nl-NL"]
    assert info["/CreationDate"] == info["/ModDate"] == "D:20260320000000+00'00'"
    assert xmp.xmp_create_date == datetime(2026, 3, 20)
    assert xmp.xmp_modify_date == datetime(2026, 3, 20)
    assert "/Trapped" not in info
    assert info["/Author"] == "Gemeente Rotterdam"
    # The metadata stream is not filtered (6.7.2) and its packet header has no bytes/encoding attributes.
    stream = reader.trailer["/Root"]["/Metadata"].get_object()
    assert "/Filter" not in stream
    assert stream["/Subtype"] == "/XML"
    data = stream.get_data()
    assert data.startswith('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'.encode())
    assert b"bytes=" not in data
    assert b"encoding=" not in data


def test_output_intent_srgb(reader: PdfReader) -> None:
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl-NL"
    intents = root["/OutputIntents"]
    assert len(intents) == 1
    intent = intents[0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/OutputConditionIdentifier"] == "sRGB IEC61966-2.1"
    profiel = intent["/DestOutputProfile"].get_object()
    assert profiel["/N"] == 3
    data = profiel.get_data()
    assert data == srgb_icc_profile()
    cms = ImageCms.ImageCmsProfile(io.BytesIO(data))  # littleCMS parses it
    assert cms.profile.version < 4  # PDF/A-1: ICC version 2
    assert cms.profile.device_class == "mntr"
    assert cms.profile.xcolor_space.strip() == "RGB"
    assert ImageCms.getProfileDescription(cms).strip() == "sRGB IEC61966-2.1"


def test_icc_profiel_is_srgb() -> None:
    from PIL import Image

    eigen = ImageCms.ImageCmsProfile(io.BytesIO(srgb_icc_profile()))
    transform = ImageCms.buildTransform(ImageCms.createProfile("sRGB"), eigen, "RGB", "RGB")
    kleuren = [(0, 0, 0), (255, 255, 255), (200, 30, 60), (90, 90, 90), (12, 200, 250)]
    for kleur in kleuren:
        beeld = Image.new("RGB", (1, 1), kleur)
        uit = ImageCms.applyTransform(beeld, transform)
        assert uit is not None
        pixel = uit.getpixel((0, 0))
        assert isinstance(pixel, tuple)
        assert all(abs(a - b) <= 1 for a, b in zip(pixel, kleur, strict=True))


def test_alle_fonts_ingebed(pdf: bytes, reader: PdfReader) -> None:
    gezien = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            assert font["/Subtype"] == "/TrueType"
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor
            assert "/ToUnicode" in font
            assert "/Encoding" not in font  # symbolic TrueType: no Encoding, one cmap (6.3.7)
            gezien.add(str(font["/BaseFont"]).split("+", 1)[1])
    assert gezien == {"BitstreamVeraSans-Roman", "BitstreamVeraSans-Bold"}
    for standaard in (b"Helvetica", b"Times-Roman", b"Courier", b"ZapfDingbats", b"/Symbol"):
        assert standaard not in pdf


def test_streams_volgens_6_1_7(pdf: bytes, reader: PdfReader) -> None:
    """Every ``endstream`` follows an end-of-line, and /Length counts the data up to that end-of-line."""
    assert not re.search(rb"[^\n]endstream", pdf)
    for m in re.finditer(rb"/Length (\d+)", pdf):
        begin = pdf.index(b"stream\n", m.end()) + len(b"stream\n")
        lengte = int(m.group(1))
        assert pdf[begin + lengte : begin + lengte + len(b"\nendstream")] == b"\nendstream"
    for nummer in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(nummer)
        if isinstance(obj, StreamObject):
            for verboden in ("/F", "/FFilter", "/FDecodeParms"):
                assert verboden not in obj
            assert "/LZWDecode" not in str(obj.get("/Filter", ""))


def test_geen_transparantie_geen_acties(pdf: bytes, reader: PdfReader) -> None:
    for verboden in (b"/SMask", b"/CA ", b"/ca ", b"/JavaScript", b"/OpenAction", b"/EmbeddedFile", b"/Annots"):
        assert verboden not in pdf
    root = reader.trailer["/Root"]
    assert "/AA" not in root
    assert "/OCProperties" not in root
    for page in reader.pages:
        assert "/AA" not in page
        assert isinstance(page["/Resources"], DictionaryObject)
        assert "/ExtGState" not in page["/Resources"]


def test_pdfdoc_encoding_of_ascii_is_reportlab_s() -> None:
    """ASCII text is encoded by Python's codec (the hot path of every name, number and page stream) with the bytes
    ReportLab's ``extpdfdoc`` codec gives, and what that codec refuses or maps otherwise still goes to it."""
    from reportlab.pdfbase import pdfdoc

    from gbi_domain.beschikking import pdfa

    assert pdfdoc.pdfdocEnc is pdfa._pdfdoc_enc
    origineel = pdfa._PDFDOC_ENC
    teksten = ["", "/Resources", "1 0 0 1 70.86614 447.2598 cm", "(\\001 1.331,42) Tj", "\n\r\t", b"bytes\x80"]
    teksten += ["".join(chr(i) for i in range(32, 127)), "Zoë · ‘Ünal’ €", "\u02d8", "\xff"]
    for tekst in teksten:
        assert pdfa._pdfdoc_enc(tekst) == origineel(tekst), tekst
    for teken in range(0x18, 0x20):  # no code of its own in PDFDocEncoding: ReportLab's codec refuses it, as before
        with pytest.raises(UnicodeEncodeError):
            origineel(chr(teken))
        with pytest.raises(UnicodeEncodeError):
            pdfa._pdfdoc_enc(f"a{chr(teken)}b")

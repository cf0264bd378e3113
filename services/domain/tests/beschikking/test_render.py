"""Rendering each soort: the text read back from the PDF states the decision, the amounts in Dutch notation, the
articles and the bezwaar clause; the BSN never appears in full; the same request gives the same bytes."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import StreamObject

from gbi_domain.beschikking import SJABLOONVERSIE, render_beschikking, sjabloon
from gbi_shared.contracts.beschikking import BeschikkingVerzoek

from .conftest import BSN, afwijzing, basis, berekening, buiten_behandeling, tekst_van, toekenning

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"

BEZWAAR = (
    "Bent u het niet eens met dit besluit? Dan kunt u bezwaar maken. Dat moet binnen 6 weken na de datum van deze "
    "brief. Dit staat in artikel 6:7 van de Algemene wet bestuursrecht (Awb)."
)


def render(data: dict[str, Any]) -> tuple[bytes, str]:
    gerenderd = render_beschikking(BeschikkingVerzoek.model_validate(data))
    return gerenderd.pdf, tekst_van(gerenderd.pdf)


def assert_bezwaar(tekst: str) -> None:
    assert BEZWAAR in tekst
    assert "U kunt digitaal bezwaar maken op https://www.rotterdam.nl/bezwaar" in tekst
    assert "Juridische Zaken, team Bezwaar Postbus 70012 3000 KP Rotterdam" in tekst
    assert "Bezwaar maken stopt het besluit niet (artikel 6:16 Awb)" in tekst
    assert "voorlopige voorziening (artikel 8:81 Awb)" in tekst


def assert_geen_bsn(pdf: bytes, tekst: str) -> None:
    assert BSN not in tekst
    assert BSN not in pdf.decode("latin-1")
    reader = PdfReader(io.BytesIO(pdf))
    for nummer in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(nummer)
        if isinstance(obj, StreamObject):
            assert BSN.encode() not in obj.get_data()
    assert BSN not in str(reader.metadata)
    assert BSN.encode() not in (reader.xmp_metadata.stream.get_data() if reader.xmp_metadata else b"")


def test_toekenning() -> None:
    pdf, tekst = render(toekenning())
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "beschikking-toekenning.pdf").write_bytes(pdf)
    assert "Gemeente Rotterdam" in tekst
    assert "Onderwerp: Besluit over uw aanvraag voor bijstand: u krijgt bijstand" in tekst
    assert "Beste J. de Vries," in tekst
    assert "U krijgt bijstand vanaf 1 maart 2026. U krijgt € 1.331,42 per maand." in tekst
    assert "Datum 20 maart 2026" in tekst
    assert "Ons kenmerk Z-2026-0042" in tekst
    assert "Uw aanvraag ALO-2026-000123 van 12 februari 2026" in tekst
    # The grounds: the facts and the articles from the calculation's explanation.
    assert "Waarom krijgt u dit besluit?" in tekst
    assert "Wij zien u daarom als alleenstaande." in tekst
    assert "bijstandsnorm van € 1.401,50 per maand" in tekst
    assert "Elke maand houden wij € 70,08 apart als vakantiegeld." in tekst
    assert "Participatiewet: artikel 3, 4, 11, 19 lid 1, 19 lid 3, 21 onder a, 31, 32, 34 lid 3 onder a en 45" in tekst
    # The calculation table: every explanation line with its amount and article.
    assert "Zo hebben wij het bedrag berekend" in tekst
    assert "€ 1.401,50 art. 21 onder a Pw" in tekst
    assert "€ 70,08 art. 19 lid 3 Pw" in tekst
    assert "Uit te betalen per maand € 1.331,42 art. 19 lid 3 Pw; art. 45 Pw" in tekst
    assert "VERMOGENSGRENS" not in tekst  # parameter versions stay in the metadata, not in the letter
    # Voorschot, obligations, bezwaar, signature.
    assert "op 10 maart 2026: € 1.264,85" in tekst
    assert "verrekenen. Dit staat in artikel 52 van de Participatiewet." in tekst
    assert "inlichtingenplicht, artikel 17 van de Participatiewet" in tekst
    assert_bezwaar(tekst)
    assert "Bel ons dan op 14 010." in tekst
    assert "namens het college van burgemeester en wethouders van Rotterdam" in tekst
    assert "Behandeld door" in tekst
    assert "A. Jansen" in tekst
    assert "Gecontroleerd en goedgekeurd door" in tekst
    assert "B. Bakker teamleider" in tekst
    assert f"sjabloon {SJABLOONVERSIE}" in tekst
    assert "pagina 1 van " in tekst
    assert "BSN ******653" in tekst
    assert_geen_bsn(pdf, tekst)


def test_toekenning_zonder_vier_ogen_en_zonder_bsn() -> None:
    data = toekenning()
    del data["goedgekeurdDoor"]
    data["ontvanger"] = {"naam": "J. de Vries", "adres": ["Coolsingel 40 A", "3011 AD Rotterdam"]}
    _, tekst = render(data)
    assert "goedgekeurd door" not in tekst
    assert "BSN" not in tekst
    assert "A. Jansen" in tekst


def test_toekenning_met_inkomen_en_lening() -> None:
    inkomen = [
        {"persoon": "aanvrager", "soort": "arbeid", "nettoPerMaand": "400.00", "vrijlatingStartdatum": "2026-01-01"}
    ]
    data = toekenning(bedragPerMaand="1046.42")
    data["berekening"] = berekening(inkomsten=inkomen)
    _, tekst = render(data)
    assert "U krijgt bijstand vanaf 1 maart 2026. U krijgt € 1.046,42 per maand." in tekst
    assert "Wij tellen € 300,00 per maand van uw inkomen mee." in tekst
    assert "art. 31 lid 2 onder n Pw" in tekst
    assert "ten hoogste € 285,00 per maand" in tekst


def test_afwijzing() -> None:
    pdf, tekst = render(afwijzing())
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "beschikking-afwijzing.pdf").write_bytes(pdf)
    assert "Wij wijzen uw aanvraag af. U krijgt geen bijstand." in tekst
    assert "U krijgt geen bijstand, omdat:" in tekst
    assert (
        "Uw inkomen (€ 1.650,00) is hoger dan de bijstandsnorm (€ 1.401,50) "
        "(artikel 11 lid 1 Participatiewet en artikel 19 lid 1 Participatiewet)"
    ) in tekst
    assert (
        "Participatiewet: artikel 3, 4, 11 lid 1, 19 lid 1, 21 onder a, 31, 31 lid 1, 32 en 34 lid 3 onder a" in tekst
    )
    assert "Zo hebben wij het bedrag berekend" in tekst
    assert "€ 1.650,00" in tekst
    assert "inlichtingenplicht" not in tekst  # no benefit, no duty to report
    assert "U krijgt bijstand vanaf" not in tekst
    assert_bezwaar(tekst)
    assert_geen_bsn(pdf, tekst)


def test_afwijzing_met_redenen_uit_de_berekening_en_voorschot_terug() -> None:
    data = afwijzing(voorschotten=[{"betaaldOp": "2026-03-10", "bedrag": "1264.85"}])
    data["redenen"] = []
    data["berekening"] = berekening(vermogen={"bezittingen": "12500.00", "schulden": "0.00"})
    _, tekst = render(data)
    assert (
        "Het vermogen (€ 12.500,00) is hoger dan de vermogensgrens (€ 8.000,00) "
        "(artikel 34 lid 3 onder a Participatiewet)"
    ) in tekst
    assert "Daarom moet u de voorschotten terugbetalen." in tekst
    assert "artikel 52 en artikel 58 van de Participatiewet" in tekst


def test_buiten_behandeling() -> None:
    pdf, tekst = render(buiten_behandeling())
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "beschikking-buiten-behandeling.pdf").write_bytes(pdf)
    assert "Wij behandelen uw aanvraag niet verder. U krijgt op deze aanvraag geen bijstand." in tekst
    assert "Wij hebben u op 20 februari 2026 een brief gestuurd." in tekst
    assert "uiterlijk op 6 maart 2026" in tekst
    assert "Bankafschriften van de laatste 3 maanden" in tekst
    assert "Uw huurcontract" in tekst
    assert "Algemene wet bestuursrecht (Awb): artikel 4:5" in tekst
    assert "Dan kunt u opnieuw bijstand aanvragen." in tekst
    assert "Zo hebben wij het bedrag berekend" not in tekst
    assert_bezwaar(tekst)
    assert_geen_bsn(pdf, tekst)


def test_zelfde_invoer_geeft_dezelfde_bytes() -> None:
    eerste = render_beschikking(BeschikkingVerzoek.model_validate(toekenning()))
    tweede = render_beschikking(BeschikkingVerzoek.model_validate(toekenning()))
    assert eerste.pdf == tweede.pdf
    assert eerste.metadata == tweede.metadata
    assert eerste.metadata.sha256 == hashlib.sha256(eerste.pdf).hexdigest()
    assert eerste.metadata.id == eerste.metadata.sha256[:32]
    anders = render_beschikking(BeschikkingVerzoek.model_validate(toekenning(datum="2026-03-21")))
    assert anders.metadata.sha256 != eerste.metadata.sha256


_SCRIPT = """
import hashlib, json, sys
from gbi_domain.beschikking import render_beschikking
from gbi_shared.contracts.beschikking import BeschikkingVerzoek
print(hashlib.sha256(render_beschikking(BeschikkingVerzoek.model_validate(json.loads(sys.stdin.read()))).pdf).hexdigest())
"""


def test_dezelfde_bytes_in_een_ander_proces_en_op_een_andere_dag() -> None:
    """No clock, hash seed or environment reaches the bytes (ReportLab reads SOURCE_DATE_EPOCH: not us)."""
    import json

    data = toekenning()
    hier = render_beschikking(BeschikkingVerzoek.model_validate(data)).metadata.sha256
    for seed, epoch in (("1", "0"), ("2", "1900000000")):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": epoch, "TZ": "Pacific/Chatham"}
        uit = subprocess.run(
            [sys.executable, "-c", _SCRIPT],
            input=json.dumps(data),
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        )
        assert uit.stdout.strip() == hier


def test_paginas_en_metadata() -> None:
    gerenderd = render_beschikking(BeschikkingVerzoek.model_validate(toekenning()))
    meta = gerenderd.metadata
    assert meta.paginas == len(PdfReader(io.BytesIO(gerenderd.pdf)).pages)
    assert meta.paginas >= 2
    assert meta.grootte == len(gerenderd.pdf)
    assert meta.pdfa == "PDF/A-1b"
    assert meta.bestandsnaam == "beschikking-Z-2026-0042-toekenning.pdf"
    assert (meta.soort, meta.gemeente, meta.zaak_identificatie) == ("toekenning", "0599", "Z-2026-0042")
    assert meta.waarschuwingen == []
    assert f"pagina {meta.paginas} van {meta.paginas}" in tekst_van(gerenderd.pdf)


def test_onbekend_teken_wordt_vervangen_en_gemeld() -> None:
    data = toekenning()
    data["ontvanger"]["naam"] = "Zoltán Kőrösi"
    gerenderd = render_beschikking(BeschikkingVerzoek.model_validate(data))
    tekst = tekst_van(gerenderd.pdf)
    assert "Zoltán Korösi" in tekst  # á and ö are in the font; ő is not: its base letter, never a blank box
    assert len(gerenderd.metadata.waarschuwingen) == 1
    assert "ontvanger.naam" in gerenderd.metadata.waarschuwingen[0]
    assert "U+0151" in gerenderd.metadata.waarschuwingen[0]


def test_opmaak_in_invoer_wordt_tekst() -> None:
    data = toekenning()
    data["ontvanger"]["naam"] = "<b>Jan</b> & Co <font size=40>x</font>"
    tekst = tekst_van(render_beschikking(BeschikkingVerzoek.model_validate(data)).pdf)
    assert "Beste <b>Jan</b> & Co <font size=40>x</font>," in tekst


@pytest.mark.parametrize("maker", [toekenning, afwijzing, buiten_behandeling])
def test_elke_soort_deterministisch(maker: Any) -> None:
    a = render_beschikking(BeschikkingVerzoek.model_validate(maker()))
    b = render_beschikking(BeschikkingVerzoek.model_validate(maker()))
    assert a.pdf == b.pdf
    assert zlib.crc32(a.pdf) == zlib.crc32(b.pdf)


def test_zonder_aanvraagdatum_telefoon_en_digitaal_bezwaar() -> None:
    data = basis(
        soort="afwijzing",
        redenen=[{"code": "gedetineerd", "tekst": "U zit in de gevangenis", "artikel": "Pw 13 lid 1 a"}],
    )
    del data["aanvraagdatum"]
    for veld in ("telefoon", "bezwaarUrl", "bezwaarAdres"):
        del data["gemeente"][veld]
    _, tekst = render(data)
    assert "U heeft bijstand aangevraagd. In deze brief leest u wat wij hebben besloten." in tekst
    assert "U zit in de gevangenis (artikel 13 lid 1 onder a Participatiewet)" in tekst
    assert "Stuur dan een brief naar: Het college van burgemeester en wethouders van Rotterdam Werk en Inkomen" in tekst
    assert "digitaal" not in tekst
    assert "Neem dan contact met ons op." in tekst


def test_lange_invoer_blijft_binnen_de_pagina() -> None:
    """The longest names and addresses the contract allows still render: canvas lines shrink and wrap, the text
    starts below the address block, long lists continue on the next pages."""
    data = buiten_behandeling()
    data["ontvanger"]["naam"] = "mr. " + "Abcdefghij " * 7 + "van der Heijden"
    data["ontvanger"]["adres"] = ["Straat" * 16] * 6
    data["gemeente"]["naam"] = "W" * 100
    data["gemeente"]["afzender"] = ["Afdeling " * 11] * 6
    data["buitenBehandeling"]["ontbrekendeStukken"] = ["Een stuk met een lange omschrijving " * 11] * 30
    gerenderd = render_beschikking(BeschikkingVerzoek.model_validate(data))
    reader = PdfReader(io.BytesIO(gerenderd.pdf))
    assert len(reader.pages) == gerenderd.metadata.paginas > 3
    assert "Straat" in tekst_van(gerenderd.pdf)


def test_the_process_keeps_the_parse_of_fixed_texts_but_no_citizen_s_name_or_address() -> None:
    """Parsed paragraphs are kept per process only for the letters' fixed texts: after a letter is rendered, the
    citizen's name and street are in no kept paragraph (data minimisation), while the bezwaar clause is."""
    verzoek = toekenning()
    naam, straat = verzoek["ontvanger"]["naam"], verzoek["ontvanger"]["adres"][0]
    render_beschikking(BeschikkingVerzoek.model_validate(verzoek))
    bewaard = [sleutel[0] for sleutel in sjabloon._ontleed]
    assert any("Dan kunt u bezwaar maken" in tekst for tekst in bewaard)
    assert not [tekst for tekst in bewaard if naam in tekst or straat in tekst]


def test_warm_caches_give_the_bytes_of_a_cold_process() -> None:
    """The per-process caches (parsed fixed texts, their lines and drawing operators, font widths) change no byte:
    after letters of every soort, two gemeenten and characters outside ASCII (which get their font codes in the
    order a document first uses them), a letter is byte for byte what a fresh process renders."""
    import json

    andere_gemeente = toekenning()
    andere_gemeente["gemeente"] = {  # another sender (the calculation's gemeente code stays)
        "code": andere_gemeente["gemeente"]["code"],
        "naam": "Súdwest-Fryslân",
        "afzender": ["Postbus 10000", "8600 HA Sneek"],
    }
    andere_gemeente["ontvanger"]["naam"] = "Zoë Çelik · ‘Ünal’"
    for data in (afwijzing(), andere_gemeente, buiten_behandeling(), toekenning(datum="2026-03-21")):
        render_beschikking(BeschikkingVerzoek.model_validate(data))
    for data in (toekenning(), afwijzing(), andere_gemeente):
        hier = render_beschikking(BeschikkingVerzoek.model_validate(data)).metadata.sha256
        uit = subprocess.run(
            [sys.executable, "-c", _SCRIPT],
            input=json.dumps(data),
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert uit.stdout.strip() == hier
    # the fixed texts were laid out and drawn from the caches
    assert sjabloon._VASTE_REGELS
    assert sjabloon._VASTE_TEKENING


def test_the_process_keeps_no_citizen_s_text_in_its_lines_or_drawings() -> None:
    """The lines and drawing operators kept per process are those of fixed texts only (data minimisation)."""
    verzoek = toekenning()
    naam, straat = verzoek["ontvanger"]["naam"], verzoek["ontvanger"]["adres"][0]
    render_beschikking(BeschikkingVerzoek.model_validate(verzoek))
    bewaard = [str(sleutel) for sleutel in (*sjabloon._VASTE_REGELS, *sjabloon._VASTE_TEKENING, *sjabloon._TEKENS)]
    bewaard += ["".join(tekening) for tekening in sjabloon._VASTE_TEKENING.values()]
    assert any("Dan kunt u bezwaar maken" in tekst for tekst in bewaard)
    bedragen = ("1.331,42", "1.401,50", "70,08", "1.200,00")  # the facts with an amount are not kept either
    for persoonlijk in (naam, straat, *bedragen, "Z-2026-0042", "ALO-2026-000123", "A. Jansen"):
        assert not [tekst for tekst in bewaard if persoonlijk in tekst], persoonlijk


def _lees(pdf: bytes) -> tuple[int, list[str], list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return (
        len(reader.pages),
        [p.extract_text() for p in reader.pages],
        [p.extract_text(extraction_mode="layout") for p in reader.pages],
    )


def _stp() -> dict[str, Any]:
    data = toekenning()
    del data["goedgekeurdDoor"]
    data["voorschotten"] = []
    return data


def _lange_cellen() -> dict[str, Any]:
    data = toekenning()
    data["behandelaar"]["naam"] = "mr. drs. " + "Abcdefghij " * 6 + "van der Heijden"  # wraps in the kenmerken
    data["ontvanger"]["naam"] = "Zoltán Kőrösi <b>&amp;</b> Ünal"  # markup and entities: a paragraph
    return data


@pytest.mark.parametrize("maker", [toekenning, _stp, afwijzing, buiten_behandeling, _lange_cellen])
def test_one_line_texts_read_and_lie_as_the_paragraphs_did(maker: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A variable text of one plain line (most table cells, the salutation) is drawn without a Paragraph
    (``_Regel``). The letter reads the same as with a Paragraph for every such text: the same pages, the same text
    per page, at the same places (pypdf's layout mode puts each run where it is on the page); texts that wrap or
    carry markup are still paragraphs."""
    data = maker()
    nieuw = render_beschikking(BeschikkingVerzoek.model_validate(data))
    assert any(isinstance(f, sjabloon._Regel) for f in _brief(data).inhoud())
    monkeypatch.setattr(sjabloon, "_regel_mogelijk", lambda markup, style: False)
    oud = render_beschikking(BeschikkingVerzoek.model_validate(data))
    assert _lees(nieuw.pdf) == _lees(oud.pdf)
    assert nieuw.metadata.paginas == oud.metadata.paginas


def _brief(data: dict[str, Any]) -> sjabloon.Brief:
    return sjabloon.Brief(BeschikkingVerzoek.model_validate(data), bedrag_per_maand="1331.42", sjabloonversie="t")


def test_a_cell_that_does_not_fit_on_one_line_is_a_paragraph() -> None:
    """A ``_Regel`` that does not fit the width it is given wraps as the Paragraph it stands for (two lines)."""
    regel = sjabloon._Regel("een " * 40, sjabloon.STIJLEN["cel"])
    breedte, hoogte = regel.wrap(200, 1000)
    assert breedte == 200
    assert hoogte > 12
    assert hoogte % 12 == 0  # whole lines of the style's leading
    assert regel._alinea is not None
    kort = sjabloon._Regel("€\u00a01.331,42", sjabloon.STIJLEN["cel-rechts"])
    assert kort.wrap(200, 1000) == (200, 12)
    assert kort._alinea is None
    leeg = sjabloon._Regel("", sjabloon.STIJLEN["cel-rechts"])  # no text: no lines, no height, as the Paragraph
    assert leeg.wrap(200, 1000) == (200, 0) == sjabloon._Alinea("", sjabloon.STIJLEN["cel-rechts"]).wrap(200, 1000)
    assert sjabloon._regel_mogelijk("", sjabloon.STIJLEN["cel-rechts"])
    assert not sjabloon._regel_mogelijk("J. &amp; K. de Vries", sjabloon.STIJLEN["cel"])
    assert not sjabloon._regel_mogelijk("<b>vet</b>", sjabloon.STIJLEN["cel"])
    assert not sjabloon._regel_mogelijk("Kop", sjabloon.STIJLEN["kop"])  # kept with the next: a paragraph


def _andere_gemeente() -> dict[str, Any]:
    data = toekenning()
    data["gemeente"] = {"code": data["gemeente"]["code"], "naam": "Súdwest-Fryslân", "afzender": ["Postbus 10000"]}
    data["ontvanger"]["naam"] = "Zoë Çelik · ‘Ünal’"
    return data


def _met_inkomen() -> dict[str, Any]:
    inkomen = [
        {"persoon": "aanvrager", "soort": "arbeid", "nettoPerMaand": "400.00", "vrijlatingStartdatum": "2026-01-01"}
    ]
    data = toekenning(bedragPerMaand="1046.42")
    data["berekening"] = berekening(inkomsten=inkomen)
    return data


@pytest.mark.parametrize(
    "maker",
    [toekenning, _stp, afwijzing, buiten_behandeling, _lange_cellen, _andere_gemeente, _met_inkomen],
)
def test_direct_drawing_writes_the_bytes_reportlab_writes(maker: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """One-line texts (``_Regel``), fixed texts with a kept drawing (``_VasteAlinea``) and spaces (``_Ruimte``) are
    written straight to the canvas, the canvas keeps its saved states as tuples, printable ASCII is split into font
    subsets without ReportLab's walk, PDF names and ToUnicode maps are remembered: the letter is byte for byte the one
    ReportLab's own ``Flowable.drawOn``, text object, state stack, ``splitString``, ``PDFName`` and
    ``makeToUnicodeCMap`` write, for every soort, in a warm process and a cold one."""
    from reportlab.pdfbase import pdfdoc, ttfonts
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Flowable

    from gbi_domain.beschikking import pdfa

    data = maker()
    render_beschikking(BeschikkingVerzoek.model_validate(data))  # warm: fixed texts have kept drawings
    direct: list[int] = []
    omlijst = sjabloon._omlijst

    def tel(*args: Any) -> None:
        direct.append(1)
        omlijst(*args)

    monkeypatch.setattr(sjabloon, "_omlijst", tel)
    snel = render_beschikking(BeschikkingVerzoek.model_validate(data))
    assert len(direct) > 20  # the direct paths were taken
    monkeypatch.setattr(sjabloon._Regel, "drawOn", Flowable.drawOn)
    monkeypatch.setattr(sjabloon._VasteAlinea, "drawOn", Flowable.drawOn)
    monkeypatch.setattr(sjabloon._Alinea, "drawOn", Flowable.drawOn)
    monkeypatch.setattr(sjabloon._Ruimte, "drawOn", Flowable.drawOn)
    monkeypatch.setattr(pdfa._TTFont, "splitString", TTFont.splitString)
    monkeypatch.setattr(pdfdoc, "PDFName", pdfa._PDF_NAME)
    monkeypatch.setattr(ttfonts, "makeToUnicodeCMap", pdfa._TO_UNICODE_CMAP)
    monkeypatch.setattr(pdfa.PdfACanvas, "push_state_stack", Canvas.push_state_stack)
    monkeypatch.setattr(pdfa.PdfACanvas, "pop_state_stack", Canvas.pop_state_stack)
    aantal = len(direct)
    reportlab = render_beschikking(BeschikkingVerzoek.model_validate(data))
    assert len(direct) == aantal
    assert snel.pdf == reportlab.pdf
    assert snel.metadata == reportlab.metadata


def test_a_regel_in_another_colour_or_transparent_is_drawn_by_reportlab() -> None:
    """The direct path writes only what it knows ReportLab writes: an opaque RGB colour on an opaque fill."""
    from reportlab.lib import colors

    from gbi_domain.beschikking.pdfa import FONT, PdfACanvas, PdfAMetadata

    meta = PdfAMetadata("t", "a", "o", "k", "m", date(2026, 3, 1), b"0" * 16)
    canvas = PdfACanvas(io.BytesIO(), meta=meta, voettekst="v")
    canvas.setFont(FONT, 10)
    stijl = sjabloon.STIJLEN["cel"]
    regel = sjabloon._Regel("€\u00a01.331,42", stijl)
    regel.wrap(200, 100)
    assert regel._operatoren(canvas) is not None
    transparant = sjabloon._Regel(
        "tekst", sjabloon.ParagraphStyle("t", parent=stijl, textColor=colors.Color(0, 0, 0, 0.5))
    )
    transparant.wrap(200, 100)
    assert transparant._operatoren(canvas) is None
    canvas.setFillAlpha(0.5)
    assert regel._operatoren(canvas) is None
    lang = sjabloon._Regel("een " * 40, stijl)
    lang.wrap(200, 1000)  # wraps: drawn as its Paragraph draws directly, but not on a transparent fill
    assert lang._alinea is not None
    assert lang._operatoren(canvas) is None
    dekkend = PdfACanvas(io.BytesIO(), meta=meta, voettekst="v")
    assert lang._operatoren(dekkend) == lang._alinea._operatoren(dekkend) is not None
    grijs = sjabloon.ParagraphStyle("t", parent=stijl, textColor=colors.Color(0, 0, 0, 0.5))
    lang_grijs = sjabloon._Regel("een " * 40, grijs)
    lang_grijs.wrap(200, 1000)
    assert lang_grijs._operatoren(dekkend) is None


def test_the_collector_is_paused_while_a_letter_is_made_and_runs_again_after(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    aan: list[bool] = []
    inhoud = sjabloon.Brief.inhoud

    def kijk(self: sjabloon.Brief) -> Any:
        aan.append(gc.isenabled())
        return inhoud(self)

    monkeypatch.setattr(sjabloon.Brief, "inhoud", kijk)
    assert gc.isenabled()
    render_beschikking(BeschikkingVerzoek.model_validate(toekenning()))
    assert aan == [False]
    assert gc.isenabled()

    def faalt(self: sjabloon.Brief) -> Any:
        raise RuntimeError("kapot")

    monkeypatch.setattr(sjabloon.Brief, "inhoud", faalt)
    with pytest.raises(RuntimeError):  # a render that fails leaves the collector running as well
        render_beschikking(BeschikkingVerzoek.model_validate(toekenning()))
    assert gc.isenabled()


def _ondertekening_bijzonder() -> dict[str, Any]:
    data = toekenning()
    data["behandelaar"] = {"naam": "J. van  Dam &amp; <b>Zn</b>"}  # entity, markup, two spaces: through the parser
    data["goedgekeurdDoor"] = {"naam": "Ünal Çelik", "functie": "teamleider\u00a0Werk"}
    return data


@pytest.mark.parametrize("maker", [toekenning, _stp, afwijzing, _ondertekening_bijzonder])
def test_signature_made_from_the_parsed_template_is_the_parsed_signature(
    maker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signature's paragraph is made from its markup parsed once with placeholders: byte for byte the letter whose
    signatures go through ReportLab's parser, also with the names that must (markup, entities, spaces), and no name
    is kept by the process."""
    data = maker()
    snel = render_beschikking(BeschikkingVerzoek.model_validate(data))
    assert sjabloon._ONDERTEKENAARS
    bewaard = str(sjabloon._ONDERTEKENAARS)
    for persoon in ("A. Jansen", "B. Bakker", "Ünal", "teamleider", "klantmanager"):
        assert persoon not in bewaard
    monkeypatch.setattr(sjabloon, "_PLAATSHOUDERS", ())  # every signature through the parser
    geparst = render_beschikking(BeschikkingVerzoek.model_validate(data))
    assert snel.pdf == geparst.pdf


def test_signature_fragments_equal_the_parser_s() -> None:
    from reportlab.platypus.paraparser import ParaParser

    for regels in (["A. Jansen"], ["A. Jansen", "klantmanager Werk en Inkomen"], ["Zoë", "x\u00a0y"]):
        alinea = sjabloon._ondertekenaar("Behandeld door", regels)
        markup = "<br/>".join(["<font color='#595959'>Behandeld door</font>", *regels])
        _, verwacht, _ = ParaParser().parse(markup, sjabloon.STIJLEN["tekst"])
        assert [f.__dict__ for f in alinea.frags] == [f.__dict__ for f in verwacht]
        assert alinea.text == markup
    assert not sjabloon._als_tekst_geparst("a  b")
    assert not sjabloon._als_tekst_geparst(" a")
    assert not sjabloon._als_tekst_geparst("a &amp; b")
    assert not sjabloon._als_tekst_geparst("")
    assert sjabloon._als_tekst_geparst("a\u00a0b c")


@pytest.mark.parametrize(
    "tekst", ["", "A. Jansen-de Vries (12) ~!", " twee  spaties ", "a\tb", "€\u00a01.331,42", "Zoë", "x\x7fy", "Őrsi"]
)
def test_split_string_of_printable_ascii_is_reportlabs_split(tekst: str) -> None:
    """The font's shortcut for printable ASCII gives ReportLab's runs and codes, and anything else goes to ReportLab
    (which assigns the document's codes of other characters as before)."""
    from reportlab.pdfbase import pdfdoc, pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from gbi_domain.beschikking.pdfa import FONT, registreer_fonts

    registreer_fonts()
    font: Any = pdfmetrics.getFont(FONT)
    assert font._ascii_eigen
    snel, gewoon = pdfdoc.PDFDocument(), pdfdoc.PDFDocument()
    for doc in (snel, gewoon):
        TTFont.splitString(font, "start", doc)  # the document's state, as the first text of a page makes it
    assert font.splitString(tekst, snel) == TTFont.splitString(font, tekst, gewoon)
    assert font.state[snel].assignments == font.state[gewoon].assignments
    assert font.state[snel].nextCode == font.state[gewoon].nextCode


def test_drukbaar_keeps_printable_ascii_and_walks_everything_else() -> None:
    brief = sjabloon.Brief(BeschikkingVerzoek.model_validate(toekenning()), bedrag_per_maand=None, sjabloonversie="t")
    assert brief.drukbaar("v", "A. Jansen-de Vries (12) ~!") == "A. Jansen-de Vries (12) ~!"
    assert brief.drukbaar("v", "a\tb\nc") == "a b c"
    assert brief.drukbaar("v", "Zoë\u00a0Őrsi") == "Zoë\u00a0Orsi"
    assert brief.waarschuwingen == ["v: het teken 'Ő' (U+0150) staat niet in het lettertype en is afgedrukt als 'O'"]


@pytest.mark.parametrize(
    "maker",
    [toekenning, _stp, afwijzing, buiten_behandeling, _lange_cellen, _andere_gemeente, _met_inkomen],
)
def test_line_breaking_and_widths_write_the_bytes_reportlab_writes(maker: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A paragraph of one plain fragment is broken into lines without ReportLab's general machinery, and the fonts
    measure text from a width table of their own: byte for byte the letter that ReportLab's own ``breakLines`` and
    C ``stringWidth`` make, for every soort."""
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph

    from gbi_domain.beschikking import pdfa

    data = maker()
    gebroken: list[int] = []
    breek = sjabloon._Alinea.breakLines

    def tel(self: Any, width: Any) -> Any:
        gebroken.append(1)
        return breek(self, width)

    monkeypatch.setattr(sjabloon._Alinea, "breakLines", tel)
    snel = render_beschikking(BeschikkingVerzoek.model_validate(data))
    assert gebroken  # the letter has variable paragraphs that wrap
    monkeypatch.setattr(sjabloon._Alinea, "breakLines", Paragraph.breakLines)
    monkeypatch.setattr(pdfa._TTFont, "stringWidth", TTFont.stringWidth)
    reportlab = render_beschikking(BeschikkingVerzoek.model_validate(data))
    assert snel.pdf == reportlab.pdf
    assert snel.metadata == reportlab.metadata


_WOORDEN = (
    "U",
    "heeft",
    "op",
    "29",
    "november",
    "2026",
    "bijstand",
    "aangevraagd.",
    "€\u00a01.419,46",
    "(bezittingen",
    "schulden),",
    "Zoë",
    "Çelik",
    "vermogensgrens",
    "a",
    "—",
    "pensioengerechtigde",
    "x\u00a0y",
    "Werk&nbsp;en",
)


@pytest.mark.parametrize("stijl", ["tekst", "punt", "cel", "cel-rechts", "klein", "besluit", "adres"])
def test_plain_paragraphs_break_into_reportlab_s_lines(stijl: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random plain texts at random widths (words that fit, words wider than a line, soft hyphens, a bullet, spaces
    at the ends): the lines, widths and attributes ReportLab's ``breakLines`` gives, and what it leaves in the
    widths it was handed (a bullet shortens line 1)."""
    import random

    from reportlab.platypus import Paragraph

    from gbi_domain.beschikking.pdfa import registreer_fonts

    registreer_fonts()
    style = sjabloon._ADRES if stijl == "adres" else sjabloon.STIJLEN[stijl]
    reportlab = Paragraph.breakLines
    naar_reportlab: list[int] = []

    def breek(self: Any, width: Any) -> Any:
        naar_reportlab.append(1)
        return reportlab(self, width)

    monkeypatch.setattr(Paragraph, "breakLines", breek)
    kans = random.Random(f"breek-{stijl}")
    snelle_weg = 0
    for _ in range(300):
        woorden = [kans.choice(_WOORDEN) for _ in range(kans.randint(0, 30))]
        if kans.random() < 0.1:
            woorden.append("zeer" * kans.randint(5, 30))  # wider than a line: ReportLab splits it
        if kans.random() < 0.05:
            woorden.append("af\xadbreek")
        tekst = (" " if kans.random() < 0.2 else "") + " ".join(woorden) + (" " if kans.random() < 0.2 else "")
        opsomteken = "•" if kans.random() < 0.3 else None
        breedte = kans.uniform(20, 480)
        snel = sjabloon._Alinea(tekst, style, bulletText=opsomteken)
        gewoon = sjabloon._Alinea(tekst, style, bulletText=opsomteken)
        ws = [breedte, breedte - kans.choice((0, 0, 7.5))]
        ws_gewoon = list(ws)
        voor = len(naar_reportlab)
        uit = snel.breakLines(ws)
        snelle_weg += len(naar_reportlab) == voor
        verwacht = reportlab(gewoon, ws_gewoon)
        assert repr(uit.__dict__) == repr(verwacht.__dict__), (tekst, breedte)  # ReportLab's lines have no ==
        assert ws == ws_gewoon
        attributen = ("_width_max", "height", "_splitLongWordCount", "_hyphenations")
        assert [getattr(snel, a, None) for a in attributen] == [getattr(gewoon, a, None) for a in attributen]
    assert 60 < snelle_weg < 300  # many texts took the plain path, others went to ReportLab


def test_the_width_table_gives_the_c_code_s_widths() -> None:
    """Each face measures with its own table (every width a multiple of 1/256) and gets, for random texts of its
    characters at the letter's sizes and odd ones, exactly the float of ReportLab's C ``instanceStringWidthTTF``; a
    character the face lacks, and bytes, are measured by ReportLab (its default width)."""
    import random

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from gbi_domain.beschikking import pdfa

    pdfa.registreer_fonts()
    for naam in ("GbiVera", "GbiVera-Bold", "GbiVera-Italic", "GbiVera-BoldItalic"):
        font: Any = pdfmetrics.getFont(naam)
        assert font._breedte_van is not None
        tekens = [chr(c) for c in font.face.charWidths]
        kans = random.Random(naam)
        for _ in range(20000):
            tekst = "".join(kans.choice(tekens) for _ in range(kans.randint(0, kans.choice((8, 40, 200)))))
            grootte = kans.choice((8, 8.5, 9, 10, 10.5, 11.5, 16, kans.uniform(5, 20)))
            assert font.stringWidth(tekst, grootte) == TTFont.stringWidth(font, tekst, grootte), (tekst, grootte)
        onbekend = "a\U0001f600b"  # not in the face: its default width
        assert "\U0001f600" not in font.face.charWidths
        assert font.stringWidth(onbekend, 10) == TTFont.stringWidth(font, onbekend, 10)
        assert font.stringWidth(b"abc", 10) == TTFont.stringWidth(font, b"abc", 10)
    breuk: Any = type("Face", (), {"charWidths": {65: 600.1}})()
    assert pdfa._breedtetabel(type("F", (), {"face": breuk})()) is None  # not a multiple of 1/256: ReportLab's


@pytest.mark.parametrize("stijl", ["tekst", "besluit", "cel", "cel-vet", "klein", "adres", "punt", "cel-rechts"])
def test_wrapped_paragraphs_drawn_directly_write_reportlab_s_operators(stijl: str) -> None:
    """Random wrapped texts (characters outside ASCII that get codes of a second subset, brackets and backslashes to
    escape, no-break spaces, lines squeezed by word spacing): the direct drawing of a paragraph writes the operators
    ReportLab's ``Flowable.drawOn`` and ``drawPara`` write (a bullet as its ``_drawBullet`` does), and leaves the
    document's fonts in the same state; another alignment or a colour with transparency is drawn by ReportLab."""
    import random

    from reportlab.lib import colors
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import Flowable

    from gbi_domain.beschikking.pdfa import FONT, PdfACanvas, PdfAMetadata, registreer_fonts

    registreer_fonts()
    meta = PdfAMetadata("t", "a", "o", "k", "m", date(2026, 3, 1), b"0" * 16)
    style = sjabloon._ADRES if stijl == "adres" else sjabloon.STIJLEN[stijl]
    woorden = (*_WOORDEN[:-1], "(a)", "b\\c", "Ωmega", "ĳs", "één", "x\u00a0y\u00a0z")
    kans = random.Random(f"teken-{stijl}")
    direct = 0
    for _ in range(150):
        tekst = " ".join(kans.choice(woorden) for _ in range(kans.randint(0, 40)))
        opsomteken = kans.choice(("•", "-", "1.", "ĳ") if stijl == "punt" else (None, None, "•", "(a)", "ĳ"))
        canvassen = [PdfACanvas(io.BytesIO(), meta=meta, voettekst="v") for _ in range(2)]
        breedte = kans.uniform(60, 450)
        for canvas in canvassen:
            canvas.setFont(FONT, 10)
            canvas.drawString(0, 0, "start é")  # the document's fonts already have a state
        snel, gewoon = (sjabloon._Alinea(tekst, style, bulletText=opsomteken) for _ in range(2))
        snel.wrapOn(canvassen[0], breedte, 1000)
        gewoon.wrapOn(canvassen[1], breedte, 1000)
        direct += snel._operatoren(canvassen[0]) is not None
        snel.drawOn(canvassen[0], 25.5, 700.25)
        Flowable.drawOn(gewoon, canvassen[1], 25.5, 700.25)
        assert canvassen[0]._code == canvassen[1]._code, tekst
        for naam in (FONT, sjabloon.FONT_BOLD):
            staten = [pdfmetrics.getFont(naam).state.get(c._doc) for c in canvassen]  # type: ignore[attr-defined]
            assert (staten[0] is None) == (staten[1] is None)
            if staten[0] is not None:
                assert staten[0].assignments == staten[1].assignments
                assert staten[0].internalName == staten[1].internalName
        assert canvassen[0]._doc._pdfVersion == canvassen[1]._doc._pdfVersion
    if style.alignment == sjabloon.TA_LEFT:
        assert direct > 100
    else:
        assert direct == 0
    canvas = PdfACanvas(io.BytesIO(), meta=meta, voettekst="v")
    grijs = sjabloon.ParagraphStyle("g", parent=style, textColor=colors.Color(0, 0, 0, 0.5))
    doorzichtig = sjabloon._Alinea("een " * 40, grijs)
    doorzichtig.wrapOn(canvas, 200, 1000)
    assert doorzichtig._operatoren(canvas) is None
    grijs_teken = sjabloon.ParagraphStyle("gt", parent=style, bulletColor=colors.Color(0, 0, 0, 0.5))
    opsomming = sjabloon._Alinea("een " * 40, grijs_teken, bulletText="•")
    opsomming.wrapOn(canvas, 200, 1000)
    assert opsomming._operatoren(canvas) is None
    midden = sjabloon._Alinea("een " * 40, sjabloon.ParagraphStyle("m", parent=style, bulletAnchor="middle"), "•")
    midden.wrapOn(canvas, 200, 1000)
    assert midden._operatoren(canvas) is None


@pytest.mark.parametrize("maker", [toekenning, _stp, _met_inkomen])
def test_an_empty_cell_writes_the_bytes_of_an_empty_paragraph(maker: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An explanation line without an amount has an empty amount cell: a ``_Regel`` without text, byte for byte the
    letter with an empty Paragraph there."""
    data = maker()
    snel = render_beschikking(BeschikkingVerzoek.model_validate(data))
    assert any(
        isinstance(cel, sjabloon._Regel) and not cel._woorden
        for f in _brief(data).inhoud()
        if isinstance(f, sjabloon.Table)
        for rij in f._cellvalues
        for cel in rij
    )
    mogelijk = sjabloon._regel_mogelijk
    monkeypatch.setattr(sjabloon, "_regel_mogelijk", lambda markup, style: bool(markup) and mogelijk(markup, style))
    assert not any(
        isinstance(cel, sjabloon._Regel) and not cel._woorden
        for f in _brief(data).inhoud()
        if isinstance(f, sjabloon.Table)
        for rij in f._cellvalues
        for cel in rij
    )
    alinea = render_beschikking(BeschikkingVerzoek.model_validate(data))
    assert snel.pdf == alinea.pdf

"""Contracts of the decision letter (beschikking) the domain layer renders to PDF.

A beschikking states the decision, its grounds (facts and articles) and how to object (bezwaar within 6 weeks,
Awb 6:7). The caller (the process layer, or the workbench for a preview) sends everything the letter shows; the
domain layer checks it, renders it with a fixed template and answers the PDF with its metadata. The same request
always gives the same bytes, so the hash identifies the document and a retried step renders the same letter.

* ``BeschikkingVerzoek`` -> ``application/pdf``            preview for staff (``/api/v1/beschikkingen:voorbeeld``)
* ``BeschikkingVerzoek`` -> ``BeschikkingDocument``       PDF (base64) and metadata, for the process layer

Which fields a soort needs (the domain layer answers 400 naming the field when they do not fit):

=====================  =========================================================================================
soort                  needs                                                     must not have
=====================  =========================================================================================
toekenning             ingangsdatum, berekening (with recht), bedragPerMaand      redenen, buitenBehandeling
                       equal to the berekening's when given
afwijzing              redenen, or a berekening without recht whose redenen       ingangsdatum, bedragPerMaand,
                       are used                                                  buitenBehandeling
buiten-behandeling     buitenBehandeling (Awb 4:5: the missing documents and      ingangsdatum, bedragPerMaand,
                       the hersteltermijn, expired on the letter's datum)         berekening, redenen
=====================  =========================================================================================

The BSN is never printed in full: the letter shows only its last three digits (``******653``), and the document
id is derived from the PDF, which does not hold the full number.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from gbi_shared.contracts.berekening import Bedrag, BerekeningAntwoord
from gbi_shared.contracts.common import Bsn, CamelModel, GemeenteCode

__all__ = [
    "BESLUIT_SOORTEN",
    "Beschikking",
    "BeschikkingDocument",
    "BeschikkingVerzoek",
    "BesluitSoort",
    "BuitenBehandelingInvoer",
    "GemeenteAfzenderInvoer",
    "MedewerkerInvoer",
    "OntvangerInvoer",
    "RedenInvoer",
    "VoorschotBetalingInvoer",
]

BesluitSoort = Literal["toekenning", "afwijzing", "buiten-behandeling"]
BESLUIT_SOORTEN: tuple[BesluitSoort, ...] = ("toekenning", "afwijzing", "buiten-behandeling")

# Printable text on one line: no control characters (C0, DEL, C1) and no line or paragraph separators (they would
# end up in the PDF as invisible glyphs or broken lines), and at least one character that is not a space.
# Regex escapes (not the characters themselves), so the OpenAPI document stays readable.
_TEKEN = r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]"
_REGEL = rf"^{_TEKEN}*[^\x00-\x20\x7f-\x9f\u2028\u2029\u00a0]{_TEKEN}*$"

#: A short line of text (a name, an address line).
Regel = Annotated[str, StringConstraints(pattern=_REGEL, max_length=100)]
#: A sentence (a reason, a missing document).
Zin = Annotated[str, StringConstraints(pattern=_REGEL, max_length=400)]
#: A reference such as a zaak identificatie or an aanvraag id.
Kenmerk = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")]


class GemeenteAfzenderInvoer(CamelModel):
    """The sender: the college of the gemeente (no logo: the letter names the gemeente in text)."""

    code: GemeenteCode = Field(description="CBS-gemeentecode", examples=["0599"])
    naam: Regel = Field(
        description="Naam van de gemeente zonder het woord gemeente; de brief zet er 'Gemeente' voor",
        examples=["Rotterdam"],
    )
    afzender: list[Regel] = Field(
        min_length=1,
        max_length=6,
        description="Adresregels van de afzender (afdeling, postbus, postcode en plaats)",
        examples=[["Werk en Inkomen", "Postbus 1024", "3000 BA Rotterdam"]],
    )
    bezwaar_adres: list[Regel] | None = Field(
        default=None,
        min_length=1,
        max_length=6,
        description="Adres voor een bezwaarschrift; niet opgegeven: het adres van de afzender",
    )
    bezwaar_url: Annotated[str, StringConstraints(pattern=r"^https://[^\s<>\"]{3,190}$")] | None = Field(
        default=None,
        description="Waar de burger digitaal bezwaar kan maken",
        examples=["https://www.rotterdam.nl/bezwaar"],
    )
    telefoon: Annotated[str, StringConstraints(pattern=r"^[0-9+][0-9 ()-]{5,24}$")] | None = Field(
        default=None, description="Telefoonnummer voor vragen", examples=["14 010"]
    )


class OntvangerInvoer(CamelModel):
    """The citizen the letter is addressed to."""

    naam: Regel = Field(examples=["J. de Vries"])
    adres: list[Regel] = Field(min_length=1, max_length=6, examples=[["Coolsingel 40 A", "3011 AD Rotterdam"]])
    bsn: Bsn | None = Field(default=None, description="Alleen de laatste drie cijfers komen in de brief; weglaten mag")


class MedewerkerInvoer(CamelModel):
    """A staff member in the signature block."""

    naam: Regel = Field(examples=["A. Jansen"])
    functie: Regel | None = Field(default=None, examples=["klantmanager Werk en Inkomen"])


class RedenInvoer(CamelModel):
    """A reason for an afwijzing, with its article (``Pw 13 lid 1 a``, ``Awb 4:5``)."""

    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    tekst: Zin = Field(description="De reden in gewone taal")
    artikel: Annotated[str, StringConstraints(pattern=_REGEL, max_length=100)] = Field(examples=["Pw 34 lid 1"])


class BuitenBehandelingInvoer(CamelModel):
    """Awb 4:5: the claimant was asked for documents within a hersteltermijn and did not send them."""

    verzoek_datum: date = Field(description="Datum van de brief waarin om de stukken is gevraagd")
    hersteltermijn_tot: date = Field(description="De laatste dag van de hersteltermijn")
    ontbrekende_stukken: list[Zin] = Field(min_length=1, max_length=30)


class VoorschotBetalingInvoer(CamelModel):
    """A voorschot already paid on this aanvraag (Pw 52), to be verrekend."""

    betaald_op: date
    bedrag: Bedrag


class BeschikkingVerzoek(CamelModel):
    """Everything the decision letter shows. See the module documentation for what each soort needs."""

    gemeente: GemeenteAfzenderInvoer
    aanvraag_id: Kenmerk = Field(description="Kenmerk van de aanvraag", examples=["ALO-2026-000123"])
    aanvraagdatum: date | None = Field(default=None, description="Datum waarop de aanvraag is gedaan")
    zaak_identificatie: Kenmerk = Field(description="Identificatie van de zaak (ons kenmerk)", examples=["Z-2026-0042"])
    datum: date = Field(description="Datum van de brief (de bezwaartermijn begint hierna)")
    ontvanger: OntvangerInvoer
    soort: BesluitSoort
    ingangsdatum: date | None = Field(default=None, description="Bij toekenning: de dag vanaf wanneer bijstand")
    bedrag_per_maand: Bedrag | None = Field(
        default=None, description="Bij toekenning; niet opgegeven: bedragPerMaand van de berekening"
    )
    berekening: BerekeningAntwoord | None = Field(
        default=None, description="De berekening met toelichting (verplicht bij toekenning)"
    )
    redenen: list[RedenInvoer] = Field(default_factory=list, max_length=20)
    buiten_behandeling: BuitenBehandelingInvoer | None = None
    behandelaar: MedewerkerInvoer
    goedgekeurd_door: MedewerkerInvoer | None = Field(
        default=None, description="Vier ogen: wie het besluit heeft goedgekeurd (iemand anders dan de behandelaar)"
    )
    voorschotten: list[VoorschotBetalingInvoer] = Field(
        default_factory=list, max_length=24, description="Al betaalde voorschotten (Pw 52) die worden verrekend"
    )


class Beschikking(CamelModel):
    """Metadata of a rendered beschikking."""

    id: str = Field(description="Inhoudshash: de eerste 32 tekens van sha256; dezelfde invoer geeft hetzelfde id")
    sha256: str = Field(description="SHA-256 van de PDF (hexadecimaal)")
    paginas: int = Field(ge=1)
    grootte: int = Field(description="Grootte van de PDF in bytes")
    media_type: Literal["application/pdf"] = "application/pdf"
    bestandsnaam: str
    pdfa: str = Field(description="Het PDF/A-niveau dat het document opgeeft", examples=["PDF/A-1b"])
    sjabloonversie: str = Field(description="Versie van het sjabloon van de brief")
    soort: BesluitSoort
    gemeente: str
    zaak_identificatie: str
    datum: date
    waarschuwingen: list[str] = Field(
        default_factory=list, description="Bijvoorbeeld tekens die het lettertype niet kent en zijn vervangen"
    )


class BeschikkingDocument(Beschikking):
    """A rendered beschikking with its PDF, base64-encoded (RFC 4648, no line breaks)."""

    inhoud: str = Field(description="De PDF, base64")

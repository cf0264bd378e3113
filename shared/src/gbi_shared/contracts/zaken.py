"""The zaak of an aanvraag levensonderhoud in the zaaksysteem (process layer -> integration layer).

The integration layer registers the ALO zaak of a gemeente in that gemeente's zaaksysteem (ZGW Zaken, Besluiten,
Documenten APIs) and keeps it up to date: statussen, rollen, besluiten and documenten. Every operation is safe to
repeat: a retried step finds what the first attempt registered instead of registering it twice.

Names, not URLs, cross this boundary for the types: the integration layer resolves ``ontvangen``, ``aanvrager``,
``toekenning``, ``beschikking`` to the statustype, roltype, besluittype and informatieobjecttype of the gemeente's
own catalogus (Catalogi API).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AwareDatetime, Base64Bytes, Field, StringConstraints, model_validator

from gbi_shared.contracts.common import Bsn, CamelModel, GemeenteCode

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "AanvraagReferentie",
    "ZaakAfhandeling",
    "ZaakAfhandelingBesluit",
    "ZaakAfhandelingDocument",
    "ZaakAfhandelingStatus",
    "ZaakAfhandelingVerzoek",
    "ZaakBesluit",
    "ZaakBesluitGegevens",
    "ZaakBesluitVerzoek",
    "ZaakBesluittypeNaam",
    "ZaakDocument",
    "ZaakDocumentGegevens",
    "ZaakDocumentVerzoek",
    "ZaakInformatieobjecttypeNaam",
    "ZaakMedewerker",
    "ZaakRegistratieVerzoek",
    "ZaakRol",
    "ZaakRolVerzoek",
    "ZaakRoltypeNaam",
    "ZaakStatusMoment",
    "ZaakStatusNaam",
    "ZaakStatusRegistratie",
    "ZaakStatusVerzoek",
    "Zaakverwijzing",
]

MAX_DOCUMENT_BYTES = 700_000
# The aanvraag's own reference; the zaak's identificatie is "GBI-" + this reference (at most 40 characters).
AanvraagReferentie = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$")]
ZaakIdentificatie = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class ZaakStatusNaam(StrEnum):
    """The statussen of the ALO zaaktype, in order; ``afgehandeld`` is the eindstatus (it closes the zaak)."""

    ONTVANGEN = "ontvangen"
    IN_BEHANDELING = "in_behandeling"
    BESLUIT_GENOMEN = "besluit_genomen"
    AFGEHANDELD = "afgehandeld"


class ZaakRoltypeNaam(StrEnum):
    AANVRAGER = "aanvrager"
    BEHANDELAAR = "behandelaar"


class ZaakBesluittypeNaam(StrEnum):
    TOEKENNING = "toekenning"
    AFWIJZING = "afwijzing"
    BUITEN_BEHANDELING = "buiten_behandeling"


class ZaakInformatieobjecttypeNaam(StrEnum):
    BESCHIKKING = "beschikking"


class ZaakRegistratieVerzoek(CamelModel):
    """Register the zaak of an aanvraag (with the aanvrager as rol); an existing zaak of the aanvraag is returned."""

    gemeente: GemeenteCode = Field(description="De gemeente in wier zaaksysteem de zaak hoort")
    aanvraag_referentie: AanvraagReferentie = Field(description="De eigen referentie van de aanvraag")
    bsn: Bsn = Field(description="BSN van de aanvrager")
    omschrijving: str = Field(min_length=1, max_length=80)
    startdatum: date


class Zaakverwijzing(CamelModel):
    """A zaak in the zaaksysteem of a gemeente."""

    gemeente: GemeenteCode
    identificatie: ZaakIdentificatie
    url: str = Field(description="De URL van de zaak in de Zaken API")
    uuid: str
    startdatum: date
    einddatum: date | None = None
    nieuw: bool = Field(default=False, description="Of de zaak bij dit verzoek is aangemaakt (anders bestond hij al)")


class ZaakStatusMoment(CamelModel):
    """What a status request and the afhandeling's eindstatus share: the moment and the toelichting."""

    datum: AwareDatetime = Field(description="Het moment waarop de status is bereikt")
    toelichting: str | None = Field(default=None, max_length=1000)


class ZaakStatusVerzoek(ZaakStatusMoment):
    gemeente: GemeenteCode
    status: ZaakStatusNaam


class ZaakStatusRegistratie(CamelModel):
    url: str
    status: ZaakStatusNaam
    datum: AwareDatetime
    nieuw: bool = False


class ZaakMedewerker(CamelModel):
    """A medewerker of the gemeente (or of GBI on its behalf) as betrokkene."""

    identificatie: str = Field(min_length=1, max_length=254)
    achternaam: str | None = Field(default=None, max_length=200)
    voorletters: str | None = Field(default=None, max_length=20)
    voorvoegsel_achternaam: str | None = Field(default=None, max_length=10)


class ZaakRolVerzoek(CamelModel):
    """A betrokkene in a rol: a natural person by BSN, or a medewerker."""

    gemeente: GemeenteCode
    roltype: ZaakRoltypeNaam
    bsn: Bsn | None = None
    medewerker: ZaakMedewerker | None = None
    toelichting: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _one_betrokkene(self) -> Self:
        if (self.bsn is None) == (self.medewerker is None):
            raise ValueError("geef precies een betrokkene: bsn of medewerker")
        return self


class ZaakRol(CamelModel):
    url: str
    roltype: ZaakRoltypeNaam
    nieuw: bool = False


class ZaakBesluitGegevens(CamelModel):
    """What a besluit request and the afhandeling's besluit share."""

    besluittype: ZaakBesluittypeNaam
    datum: date = Field(description="De beslisdatum (Awb)")
    ingangsdatum: date = Field(description="Ingangsdatum van de werking van het besluit")
    toelichting: str | None = Field(default=None, max_length=1000)
    status_toelichting: str | None = Field(default=None, max_length=1000, description="Toelichting bij die status")


class ZaakBesluitVerzoek(ZaakBesluitGegevens):
    gemeente: GemeenteCode
    status_gezet_op: AwareDatetime | None = Field(
        default=None,
        description="Zet met het besluit ook de status besluit_genomen van de zaak, op dit moment (een verzoek "
        "voor beide; herhaald vindt het beide terug)",
    )


class ZaakBesluit(CamelModel):
    url: str = Field(description="De URL van het besluit in de Besluiten API")
    identificatie: str
    besluittype: ZaakBesluittypeNaam
    datum: date
    ingangsdatum: date
    nieuw: bool = False
    status: ZaakStatusRegistratie | None = Field(
        default=None, description="De status besluit_genomen, als die met het besluit is gevraagd"
    )


class ZaakDocumentGegevens(CamelModel):
    """What a document request and the afhandeling's document share: a PDF of at most ``MAX_DOCUMENT_BYTES``."""

    titel: str = Field(min_length=1, max_length=200)
    inhoud: Base64Bytes = Field(description="De PDF (base64), hoogstens 700 kB")
    bestandsnaam: str | None = Field(default=None, max_length=255, pattern=r"^[^/\\]+$")
    informatieobjecttype: ZaakInformatieobjecttypeNaam = ZaakInformatieobjecttypeNaam.BESCHIKKING

    @model_validator(mode="after")
    def _pdf(self) -> Self:
        _check_pdf(self.inhoud)
        return self


class ZaakDocumentVerzoek(ZaakDocumentGegevens):
    """A document (a PDF) of the zaak, optionally of one of its besluiten."""

    gemeente: GemeenteCode
    besluit: str | None = Field(default=None, description="De URL van een besluit van deze zaak (ZaakBesluit.url)")


def _check_pdf(inhoud: bytes) -> None:
    if not inhoud.startswith(b"%PDF-"):
        raise ValueError("de inhoud moet een PDF zijn")
    if len(inhoud) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"de inhoud is groter dan {MAX_DOCUMENT_BYTES} bytes")


class ZaakDocument(CamelModel):
    url: str = Field(description="De URL van het informatieobject in de Documenten API")
    identificatie: str
    titel: str
    bestandsomvang: int
    sha256: str
    besluit: str | None = None
    nieuw: bool = False


class ZaakAfhandelingBesluit(ZaakBesluitGegevens):
    """The besluit of the zaak, with the zaak's status besluit_genomen at ``statusGezetOp``."""

    status_gezet_op: AwareDatetime = Field(description="Het moment van de status besluit_genomen van de zaak")


class ZaakAfhandelingDocument(ZaakDocumentGegevens):
    """The beschikking (a PDF) of the besluit."""

    creatiedatum: date = Field(
        description="De datum waarop de beschikking is gemaakt (creatiedatum en integriteit.datum van het "
        "informatieobject), niet die van het verzoek"
    )


class ZaakAfhandelingStatus(ZaakStatusMoment):
    """The eindstatus (afgehandeld): it closes the zaak."""


class ZaakAfhandelingVerzoek(CamelModel):
    """The end of a case in the zaaksysteem in one request (ADR 0045): the besluit with the status besluit_genomen,
    its beschikking as document of the zaak and of the besluit, and the eindstatus, in that order. Each part is
    registered as its own request registers it and found again when the request is repeated (a part refused stops
    the request; the parts before it stay and are found by the repeat)."""

    gemeente: GemeenteCode = Field(description="De gemeente in wier zaaksysteem de zaak hoort")
    besluit: ZaakAfhandelingBesluit
    document: ZaakAfhandelingDocument
    eindstatus: ZaakAfhandelingStatus

    @model_validator(mode="after")
    def _eindstatus_after_besluit(self) -> Self:
        if self.eindstatus.datum <= self.besluit.status_gezet_op:
            raise ValueError("de eindstatus moet later zijn dan de status besluit_genomen (besluit.statusGezetOp)")
        return self


class ZaakAfhandeling(CamelModel):
    besluit: ZaakBesluit = Field(description="Het besluit, met de status besluit_genomen")
    document: ZaakDocument = Field(description="De beschikking, bij de zaak en het besluit")
    eindstatus: ZaakStatusRegistratie

"""The public channel API of the ALO transaction (interaction layer, ``/api/v1/...``): what a citizen's portal and a
caseworker's workbench send and get back.

These models are the public contract, kept apart from the internal ones in ``gbi_shared.contracts.alo`` (the data
service's store) so that the store can change without the public API changing with it. Conventions as everywhere:
camelCase on the wire, unknown fields refused, amounts as strings in euro with two decimals (``"1331.42"``), legal
dates as dates, moments as date-times with a time zone, links as ``{"href": "/api/v1/..."}``.

    citizen                                    caseworker (workbench)
    AanvraagIndiening     -> AanvraagOntvangst  Werkbaktaak, WerkbaktaakDetail, WerkbakPagina, WerkbakTellingen
    AanvraagOverzicht     (own aanvragen)       TaakAfrondingVerzoek, TaakHerverdelingVerzoek, TaakOpmerkingVerzoek
    Aanvraagstatus        (one aanvraag)        Zaakdossier (one case: what the store and the process know)
    DocumentAanlevering   -> DocumentOntvangst

The BSN of the applicant is never part of what a citizen sends: it comes from the verified token.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Final, Literal, Self
from uuid import UUID

from pydantic import AfterValidator, Field, JsonValue, StringConstraints, field_validator, model_validator

from gbi_shared.contracts.alo import AanvraagStatus, BesluitSoort, DocumentContentType, Kanaal, TaakStatus
from gbi_shared.contracts.alo_proces import ZoektermijnUitzondering
from gbi_shared.contracts.berekening import Bedrag, InkomstenSoortCode, RelatieCode, RolCode
from gbi_shared.contracts.common import Bsn, CamelModel, GemeenteCode
from gbi_shared.tijd import vandaag_nl

__all__ = [
    "AANVRAAG_STATUS_OMSCHRIJVING",
    "MAX_GEZINSLEDEN",
    "MAX_INKOMSTEN",
    "WERKBAK_ROLLEN",
    "AanvraagIndiening",
    "AanvraagLinks",
    "AanvraagOntvangst",
    "AanvraagOverzicht",
    "AanvraagOverzichtItem",
    "Aanvraagstatus",
    "BesluitWeergave",
    "Contactgegevens",
    "DocumentAanlevering",
    "DocumentLinks",
    "DocumentOntvangst",
    "DocumentOverzicht",
    "DocumentWeergave",
    "DossierAanvrager",
    "DossierBesluit",
    "DossierTijdlijnItem",
    "Iban",
    "Link",
    "OpenVerzoek",
    "OpgegevenHuishouden",
    "OpgegevenInkomen",
    "OpgegevenKind",
    "OpgegevenMedebewoner",
    "OpgegevenPartner",
    "OpgegevenVermogen",
    "OpgegevenWoning",
    "PaginaLinks",
    "TaakAfrondingVerzoek",
    "TaakHerverdelingVerzoek",
    "TaakLinks",
    "TaakOpmerkingVerzoek",
    "TaakOpmerkingWeergave",
    "Termijnen",
    "TijdlijnStap",
    "UitkeringWeergave",
    "UploadDocumentsoort",
    "VoorschotWeergave",
    "WerkbakPagina",
    "WerkbakRol",
    "WerkbakTelling",
    "WerkbakTellingen",
    "Werkbaktaak",
    "WerkbaktaakDetail",
    "Woningsoort",
    "Zaakdossier",
    "bedrag_uit_centen",
    "is_valid_iban",
    "normalize_iban",
]

MAX_GEZINSLEDEN: Final = 20
MAX_INKOMSTEN: Final = 50

#: What a citizen reads next to each status of an aanvraag.
AANVRAAG_STATUS_OMSCHRIJVING: Final[dict[str, str]] = {
    "ontvangen": "Wij hebben uw aanvraag ontvangen.",
    "in-behandeling": "Wij behandelen uw aanvraag.",
    "wacht-op-bron": "Wij wachten op gegevens van een andere organisatie.",
    "wacht-op-burger": "Wij wachten op stukken of informatie van u.",
    "wacht-op-medewerker": "Een medewerker bekijkt uw aanvraag.",
    "besloten": "Er is een besluit over uw aanvraag.",
    "buiten-behandeling": "Uw aanvraag is buiten behandeling gesteld.",
    "ingetrokken": "Uw aanvraag is ingetrokken.",
}

#: The staff roles that have an inbox.
WerkbakRol = Literal["klantmanager", "inkomensconsulent", "handhaver", "teamleider"]
WERKBAK_ROLLEN: Final[tuple[str, ...]] = ("klantmanager", "inkomensconsulent", "handhaver", "teamleider")
Woningsoort = Literal["huurwoning", "koopwoning", "kamer", "inwonend", "instelling", "geen-vaste-woonplaats"]
#: Kinds of document a citizen or caseworker uploads (a beschikking is made by the process, never uploaded).
UploadDocumentsoort = Literal["bewijsstuk", "aanvraagformulier", "correspondentie", "overig"]


def bedrag_uit_centen(cents: int | None) -> str | None:
    """Integer cents as the public amount string (``133142`` -> ``"1331.42"``)."""
    if cents is None:
        return None
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


# ------------------------------------------------------------------------------------------------------------ IBAN

_IBAN_FORM = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_NL_IBAN = re.compile(r"^NL[0-9]{2}[A-Z]{4}[0-9]{10}$")


def normalize_iban(value: str) -> str:
    """Spaces removed, upper case: ``nl91 abna 0417 1643 00`` -> ``NL91ABNA0417164300``."""
    return re.sub(r"\s+", "", value).upper()


def is_valid_iban(value: str) -> bool:
    """An IBAN in normal form whose ISO 7064 mod 97-10 check holds (a Dutch one also with the Dutch structure)."""
    if not value.isascii() or not _IBAN_FORM.match(value):
        return False
    if value.startswith("NL") and not _NL_IBAN.match(value):
        return False
    rearranged = value[4:] + value[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def _check_iban(value: str) -> str:
    normal = normalize_iban(value)
    if not normal.isascii() or not _IBAN_FORM.match(normal):
        raise ValueError("is geen IBAN: twee letters van het land, twee cijfers en het rekeningnummer")
    if normal.startswith("NL") and not _NL_IBAN.match(normal):
        raise ValueError(
            "een Nederlands IBAN heeft 18 tekens: NL, twee cijfers, vier letters van de bank, tien cijfers"
        )
    if not is_valid_iban(normal):
        raise ValueError("het controlegetal van dit IBAN klopt niet; kijk het rekeningnummer na")
    return normal


#: An IBAN, accepted with spaces and in lower case, stored in normal form; the mod 97 check must hold.
Iban = Annotated[
    str,
    StringConstraints(min_length=1, max_length=50),
    AfterValidator(_check_iban),
    Field(description="IBAN van de rekening waarop de bijstand wordt betaald", examples=["NL91ABNA0417164300"]),
]


def _not_in_future(value: date) -> date:
    if value > vandaag_nl():
        raise ValueError("ligt in de toekomst")
    if value < date(1900, 1, 1):
        raise ValueError("ligt voor 1900")
    return value


Geboortedatum = Annotated[
    date, AfterValidator(_not_in_future), Field(description="Geboortedatum (JJJJ-MM-DD)", examples=["1990-05-01"])
]
Naam = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TELEFOON = re.compile(r"^\+?[0-9][0-9 ()-]{7,19}$")


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("is geen e-mailadres (zoals naam@voorbeeld.nl)")
    return value


def _check_telefoon(value: str) -> str:
    if not _TELEFOON.match(value) or sum(ch.isdigit() for ch in value) < 8:
        raise ValueError("is geen telefoonnummer (alleen cijfers, spaties, +, - en haakjes; minstens 8 cijfers)")
    return value


# --------------------------------------------------------------------------------------------- the application


class OpgegevenPartner(CamelModel):
    """The partner the citizen lives with (married, registered partner, or sharing a household)."""

    naam: Naam
    geboortedatum: Geboortedatum
    bsn: Bsn | None = Field(default=None, description="BSN van de partner, als u dat weet")


class OpgegevenKind(CamelModel):
    """A child under 18 that lives with the citizen."""

    naam: Naam | None = None
    geboortedatum: Geboortedatum


class OpgegevenMedebewoner(CamelModel):
    """Someone else of 18 or older who lives in the home (a kostendeler, Pw 19a, unless commercial)."""

    naam: Naam | None = None
    geboortedatum: Geboortedatum
    relatie: RelatieCode = Field(description="Wat deze persoon van de aanvrager is")
    commerciele_huurovereenkomst: bool = Field(
        default=False, description="Huurt of verhuurt tegen een commerciele prijs met een schriftelijke overeenkomst"
    )
    studiefinanciering: bool = Field(default=False, description="Krijgt studiefinanciering of WTOS")


class OpgegevenHuishouden(CamelModel):
    """The household as the citizen declares it (the BRP is checked by the gemeente)."""

    partner: OpgegevenPartner | None = None
    kinderen: list[OpgegevenKind] = Field(default_factory=list, max_length=MAX_GEZINSLEDEN)
    medebewoners: list[OpgegevenMedebewoner] = Field(default_factory=list, max_length=MAX_GEZINSLEDEN)


class OpgegevenWoning(CamelModel):
    soort: Woningsoort = Field(description="Waar de aanvrager woont")
    woonkosten_per_maand: Bedrag | None = Field(
        default=None, description="Huur of hypotheeklasten per maand, zonder servicekosten"
    )


class OpgegevenInkomen(CamelModel):
    """Net income per month of the applicant or the partner."""

    persoon: RolCode = Field(description="Van wie het inkomen is: aanvrager of partner")
    soort: InkomstenSoortCode
    netto_per_maand: Bedrag
    omschrijving: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, description="Bijvoorbeeld de naam van de werkgever of de uitkeringsinstantie"
    )


class OpgegevenVermogen(CamelModel):
    """Assets of the household on the day of the application (Pw 34)."""

    bezittingen: Bedrag = Field(description="Geld op rekeningen, contant geld, spaargeld, auto en andere bezittingen")
    schulden: Bedrag = Field(description="Schulden die u nu hebt")
    overwaarde_eigen_woning: Bedrag = Field(default="0.00", description="WOZ-waarde min hypotheek, als u een huis hebt")


class Contactgegevens(CamelModel):
    """How the gemeente reaches the citizen about this aanvraag: at least an e-mail address or a phone number."""

    email: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_check_email)] | None
    ) = None
    telefoon: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=30), AfterValidator(_check_telefoon)] | None
    ) = None

    @model_validator(mode="after")
    def _een_van_beide(self) -> Self:
        if self.email is None and self.telefoon is None:
            raise ValueError("geef een e-mailadres of een telefoonnummer op")
        return self


class AanvraagIndiening(CamelModel):
    """An aanvraag levensonderhoud (algemene bijstand) as a citizen submits it. The applicant is who the token
    says; the BSN is never sent. Send an ``Idempotency-Key``: the same key again gives the same aanvraag."""

    huishouden: OpgegevenHuishouden = Field(default_factory=OpgegevenHuishouden)
    woning: OpgegevenWoning
    inkomsten: list[OpgegevenInkomen] = Field(
        default_factory=list, max_length=MAX_INKOMSTEN, description="Leeg als er geen inkomen is"
    )
    vermogen: OpgegevenVermogen
    iban: Iban
    contact: Contactgegevens
    verblijf_buitenland_dagen: int = Field(
        default=0, ge=0, le=366, description="Hoeveel dagen de aanvrager dit kalenderjaar buiten Nederland was (Pw 13)"
    )
    zoektermijn_uitzondering: ZoektermijnUitzondering | None = Field(
        default=None,
        description="Alleen jonger dan 27: waarom de zoektermijn van 4 weken niet geldt (de gemeente controleert)",
    )
    naar_waarheid_ingevuld: bool = Field(
        description="De aanvrager verklaart alles naar waarheid te hebben ingevuld (moet true zijn)"
    )

    @field_validator("naar_waarheid_ingevuld")
    @classmethod
    def _verklaring(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("bevestig dat u alles naar waarheid hebt ingevuld")
        return value


class Link(CamelModel):
    href: str = Field(description="Pad van de gerelateerde resource", examples=["/api/v1/aanvragen/9b1d..."])


class AanvraagLinks(CamelModel):
    self: Link
    documenten: Link
    beschikking: Link | None = Field(default=None, description="Alleen als er een beschikking is")


class AanvraagOntvangst(CamelModel):
    """The aanvraag is received and the process has started; follow ``links.self`` for its progress."""

    id: UUID
    status: AanvraagStatus
    links: AanvraagLinks


class PaginaLinks(CamelModel):
    self: Link
    next: Link | None = Field(default=None, description="De volgende pagina, als die er is")


class AanvraagOverzichtItem(CamelModel):
    id: UUID
    gemeente: GemeenteCode
    status: AanvraagStatus
    status_omschrijving: str
    kanaal: Kanaal
    meldingsdatum: date
    aanvraagdatum: date
    ontvangen_op: datetime
    gewijzigd_op: datetime
    links: AanvraagLinks


class AanvraagOverzicht(CamelModel):
    items: list[AanvraagOverzichtItem]
    links: PaginaLinks


class TijdlijnStap(CamelModel):
    """One step of the history of an aanvraag, as the citizen sees it."""

    op: datetime
    soort: str = Field(examples=["aanvraag-ontvangen"])
    omschrijving: str


class OpenVerzoek(CamelModel):
    """Something the gemeente asked of the citizen and has not yet received."""

    soort: Literal["documenten-aanleveren"]
    omschrijving: str
    documenten: list[str] = Field(description="Welke stukken worden gevraagd")
    hersteltermijn_einde: date | None = Field(
        description="De laatste dag om de stukken aan te leveren (Awb 4:5); daarna kan de aanvraag buiten "
        "behandeling worden gesteld"
    )


class Termijnen(CamelModel):
    beslistermijn_einde: date | None = Field(description="Uiterlijk op deze dag beslist de gemeente (8 weken)")
    voorschot_vanaf: date | None = Field(
        description="Is er vanaf deze dag nog geen besluit, dan krijgt u een voorschot (Pw 52)"
    )


class BesluitWeergave(CamelModel):
    soort: BesluitSoort
    datum: date
    ingangsdatum: date | None
    bedrag_per_maand: Bedrag | None = Field(description="Netto bijstand per maand (bij een toekenning)")
    beschikking: Link | None = Field(description="De beschikking als PDF (null: nog niet gemaakt)")


class UitkeringWeergave(CamelModel):
    startdatum: date
    bedrag_per_maand: Bedrag
    status: str


class VoorschotWeergave(CamelModel):
    volgnummer: int
    periode: str = Field(description="Maand waarvoor het voorschot is (JJJJ-MM)")
    bedrag: Bedrag
    betaaldatum: date


class DocumentLinks(CamelModel):
    self: Link


class DocumentWeergave(CamelModel):
    id: UUID
    soort: str
    bestandsnaam: str
    content_type: DocumentContentType
    grootte: int = Field(description="Bytes")
    ontvangen_op: datetime
    links: DocumentLinks


class DocumentOverzicht(CamelModel):
    items: list[DocumentWeergave]


class DocumentOntvangst(DocumentWeergave):
    verzoek_beantwoord: bool = Field(
        description="true als het document is doorgegeven als antwoord op een open verzoek om stukken"
    )


class Aanvraagstatus(CamelModel):
    """Where an aanvraag stands, for the citizen: status, history, what is asked of them, the terms, and once
    decided the decision with its amount and the beschikking."""

    id: UUID
    gemeente: GemeenteCode
    status: AanvraagStatus
    status_omschrijving: str
    meldingsdatum: date
    aanvraagdatum: date
    tijdlijn: list[TijdlijnStap]
    open_verzoeken: list[OpenVerzoek]
    termijnen: Termijnen
    besluit: BesluitWeergave | None
    uitkering: UitkeringWeergave | None
    voorschotten: list[VoorschotWeergave]
    documenten: list[DocumentWeergave]
    voortgang_beschikbaar: bool = Field(
        description="false als de procesgegevens (termijnen, open verzoeken) nu niet op te halen waren"
    )
    links: AanvraagLinks


class DocumentAanlevering(CamelModel):
    """A document as JSON, for clients that cannot send the bytes themselves (the alternative: the bytes as the
    body with their Content-Type)."""

    soort: UploadDocumentsoort = "bewijsstuk"
    bestandsnaam: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    content_type: str = Field(min_length=1, max_length=100, examples=["application/pdf"])
    inhoud: str = Field(min_length=1, description="De inhoud in base64")


# ---------------------------------------------------------------------------------------------------- workbench


class TaakOpmerkingWeergave(CamelModel):
    id: UUID
    tekst: str
    door: str
    op: datetime


class TaakLinks(CamelModel):
    self: Link
    zaak: Link


class Werkbaktaak(CamelModel):
    """A warm task in the inbox of a role."""

    id: UUID
    aanvraag_id: UUID
    naam: str
    omschrijving: str
    reden: str = Field(description="Waarom dit naar een medewerker gaat")
    rol: str
    status: TaakStatus
    toegewezen_aan: str | None
    geclaimd_op: datetime | None
    deadline: datetime
    aangemaakt_op: datetime
    vier_ogen: bool = Field(description="Deze taak keurt een andere taak goed; wie die afrondde, mag deze niet doen")
    beoordeelt_taak_id: UUID | None
    gegevens: dict[str, JsonValue] = Field(description="Wat het proces voor deze taak meegeeft")
    uitkomst: str | None
    uitkomst_reden: str | None
    afgerond_door: str | None
    afgerond_op: datetime | None
    links: TaakLinks


class WerkbaktaakDetail(Werkbaktaak):
    uitkomst_gegevens: dict[str, JsonValue] | None
    beoordeeld_door: str | None
    opmerkingen: list[TaakOpmerkingWeergave]


class WerkbakPagina(CamelModel):
    items: list[Werkbaktaak]
    links: PaginaLinks


class WerkbakTelling(CamelModel):
    rol: str
    open: int
    geclaimd: int
    verlopen: int = Field(description="Open of geclaimd en over de deadline")


class WerkbakTellingen(CamelModel):
    items: list[WerkbakTelling]
    peilmoment: datetime = Field(description="Het moment waarop is geteld")


Sleutelwoord = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$", min_length=1, max_length=200)]


class TaakAfrondingVerzoek(CamelModel):
    """Complete a claimed task with its outcome (the outcomes a task allows are in its gegevens)."""

    uitkomst: Sleutelwoord = Field(examples=["toekenning", "goedgekeurd", "teruggestuurd"])
    reden: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)] = Field(
        description="De motivering, voor het dossier"
    )
    gegevens: dict[str, JsonValue] = Field(default_factory=dict, description="Wat de taak verder vastlegt")


class TaakHerverdelingVerzoek(CamelModel):
    medewerker: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="De medewerker (zijn id) die de taak krijgt"
    )


class TaakOpmerkingVerzoek(CamelModel):
    tekst: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


# ---------------------------------------------------------------------------------------------- the case dossier


class DossierAanvrager(CamelModel):
    bsn: str


class DossierTijdlijnItem(CamelModel):
    op: datetime
    soort: str
    omschrijving: str
    door: str


class DossierBesluit(CamelModel):
    id: UUID
    soort: BesluitSoort
    datum: date
    ingangsdatum: date | None
    bedrag_per_maand: Bedrag | None
    gronden: dict[str, JsonValue] = Field(description="De gronden met de berekening en haar toelichting")
    vastgesteld_door: str
    goedgekeurd_door: str | None
    beschikking: Link | None


class Zaakdossier(CamelModel):
    """One aanvraag as a caseworker sees it: the people and the household as declared, the source data with their
    provenance, the calculation and its explanation, the documents, the history, the tasks, the decision with its
    benefit and advances, and the progress of the process."""

    id: UUID
    gemeente: GemeenteCode
    status: AanvraagStatus
    status_omschrijving: str
    kanaal: Kanaal
    meldingsdatum: date
    aanvraagdatum: date
    versie: int
    ontvangen_op: datetime
    gewijzigd_op: datetime
    aanvrager: DossierAanvrager
    huishouden: dict[str, JsonValue] | None = Field(description="Het huishouden zoals de aanvrager het opgaf")
    opgegeven: dict[str, JsonValue] = Field(description="Alles wat de aanvrager opgaf")
    bronnen: list[JsonValue] = Field(
        description="Brongegevens met hun herkomst (bron, opgevraagdOp), zoals het proces ze ophaalde"
    )
    berekening: JsonValue = Field(description="De berekening met toelichting per regel (null: nog niet gemaakt)")
    termijnen: Termijnen
    open_verzoeken: list[OpenVerzoek]
    documenten: list[DocumentWeergave]
    tijdlijn: list[DossierTijdlijnItem]
    taken: list[Werkbaktaak]
    besluit: DossierBesluit | None
    uitkering: UitkeringWeergave | None
    voorschotten: list[VoorschotWeergave]
    voortgang: dict[str, JsonValue] | None = Field(
        description="De voortgang volgens de proceslaag (null: nu niet op te halen)"
    )
    links: AanvraagLinks

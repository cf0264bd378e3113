"""From the store's records to the public representations (``gbi_shared.contracts.kanaal``): links, amounts as
euro strings, and nothing a reader should not see (no process instance ids, lease owners or versions)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from gbi_shared.contracts.alo import (
    Aanvraag,
    AanvraagSamenvatting,
    Besluit,
    Document,
    Opmerking,
    Taak,
    TaakDetail,
    Uitkering,
    Voorschot,
)
from gbi_shared.contracts.kanaal import (
    AANVRAAG_STATUS_OMSCHRIJVING,
    AanvraagLinks,
    AanvraagOverzichtItem,
    BesluitWeergave,
    DocumentLinks,
    DocumentOntvangst,
    DocumentWeergave,
    DossierBesluit,
    Link,
    TaakOpmerkingWeergave,
    TijdlijnStap,
    UitkeringWeergave,
    VoorschotWeergave,
    Werkbaktaak,
    WerkbaktaakDetail,
    bedrag_uit_centen,
)

__all__ = [
    "API",
    "aanvraag_links",
    "beschikking_van",
    "besluit_weergave",
    "document_ontvangst",
    "document_weergave",
    "dossier_besluit",
    "opmerking_weergave",
    "overzicht_item",
    "status_omschrijving",
    "taak_detail",
    "tijdlijn",
    "uitkering_weergave",
    "voorschot_weergave",
    "werkbaktaak",
]

API = "/api/v1"


def status_omschrijving(status: str) -> str:
    return AANVRAAG_STATUS_OMSCHRIJVING.get(status, status)


def aanvraag_links(aanvraag_id: UUID, *, beschikking: bool = False) -> AanvraagLinks:
    base = f"{API}/aanvragen/{aanvraag_id}"
    return AanvraagLinks(
        self=Link(href=base),
        documenten=Link(href=f"{base}/documenten"),
        beschikking=Link(href=f"{base}/beschikking") if beschikking else None,
    )


def overzicht_item(item: AanvraagSamenvatting) -> AanvraagOverzichtItem:
    return AanvraagOverzichtItem(
        id=item.id,
        gemeente=item.gemeente,
        status=item.status,
        status_omschrijving=status_omschrijving(item.status),
        kanaal=item.kanaal,
        meldingsdatum=item.meldingsdatum,
        aanvraagdatum=item.aanvraagdatum,
        ontvangen_op=item.created_at,
        gewijzigd_op=item.updated_at,
        links=aanvraag_links(item.id),
    )


def tijdlijn(aanvraag: Aanvraag) -> list[TijdlijnStap]:
    items = sorted(aanvraag.tijdlijn, key=lambda t: (t.at, str(t.id)))
    return [TijdlijnStap(op=t.at, soort=t.soort, omschrijving=t.omschrijving) for t in items]


def beschikking_van(besluit: Besluit | None, documenten: Sequence[Document]) -> UUID | None:
    """The beschikking of the decision: the document the besluit names, else the newest document of soort
    beschikking (the process records the besluit first and makes the beschikking after it)."""
    if besluit is not None and besluit.beschikking_document_id is not None:
        return besluit.beschikking_document_id
    beschikkingen = [d for d in documenten if d.soort == "beschikking"]
    return max(beschikkingen, key=lambda d: (d.created_at, str(d.id))).id if beschikkingen else None


def _beschikking_link(besluit: Besluit, beschikking: bool) -> Link | None:
    return Link(href=f"{API}/aanvragen/{besluit.aanvraag_id}/beschikking") if beschikking else None


def besluit_weergave(besluit: Besluit, *, beschikking: bool) -> BesluitWeergave:
    return BesluitWeergave(
        soort=besluit.soort,
        datum=besluit.datum,
        ingangsdatum=besluit.ingangsdatum,
        bedrag_per_maand=bedrag_uit_centen(besluit.bedrag_per_maand_cents),
        beschikking=_beschikking_link(besluit, beschikking),
    )


def dossier_besluit(besluit: Besluit, *, beschikking: bool) -> DossierBesluit:
    return DossierBesluit(
        id=besluit.id,
        soort=besluit.soort,
        datum=besluit.datum,
        ingangsdatum=besluit.ingangsdatum,
        bedrag_per_maand=bedrag_uit_centen(besluit.bedrag_per_maand_cents),
        gronden=besluit.gronden,
        vastgesteld_door=besluit.vastgesteld_door,
        goedgekeurd_door=besluit.goedgekeurd_door,
        beschikking=_beschikking_link(besluit, beschikking),
    )


def uitkering_weergave(uitkering: Uitkering) -> UitkeringWeergave:
    bedrag = bedrag_uit_centen(uitkering.bedrag_per_maand_cents)
    assert bedrag is not None
    return UitkeringWeergave(startdatum=uitkering.startdatum, bedrag_per_maand=bedrag, status=uitkering.status)


def voorschot_weergave(voorschot: Voorschot) -> VoorschotWeergave:
    bedrag = bedrag_uit_centen(voorschot.bedrag_cents)
    assert bedrag is not None
    return VoorschotWeergave(
        volgnummer=voorschot.volgnummer, periode=voorschot.periode, bedrag=bedrag, betaaldatum=voorschot.betaaldatum
    )


def document_weergave(document: Document) -> DocumentWeergave:
    return DocumentWeergave(
        id=document.id,
        soort=document.soort,
        bestandsnaam=document.bestandsnaam,
        content_type=document.content_type,
        grootte=document.grootte,
        ontvangen_op=document.created_at,
        links=DocumentLinks(self=Link(href=f"{API}/documenten/{document.id}")),
    )


def document_ontvangst(document: Document, verzoek_beantwoord: bool) -> DocumentOntvangst:
    return DocumentOntvangst.model_validate(
        document_weergave(document).model_dump() | {"verzoek_beantwoord": verzoek_beantwoord}
    )


def _taak_velden(taak: Taak) -> dict[str, object]:
    return {
        "id": taak.id,
        "aanvraag_id": taak.aanvraag_id,
        "naam": taak.naam,
        "omschrijving": taak.omschrijving,
        "reden": taak.reden,
        "rol": taak.rol,
        "status": taak.status,
        "toegewezen_aan": taak.toegewezen_aan,
        "geclaimd_op": taak.geclaimd_op,
        "deadline": taak.due_at,
        "aangemaakt_op": taak.created_at,
        "vier_ogen": taak.vierogen,
        "beoordeelt_taak_id": taak.beoordeelt_taak_id,
        "gegevens": taak.gegevens,
        "uitkomst": taak.uitkomst,
        "uitkomst_reden": taak.uitkomst_reden,
        "afgerond_door": taak.afgerond_door,
        "afgerond_op": taak.afgerond_op,
        "links": {
            "self": {"href": f"{API}/taken/{taak.id}"},
            "zaak": {"href": f"{API}/zaken/{taak.aanvraag_id}"},
        },
    }


def werkbaktaak(taak: Taak) -> Werkbaktaak:
    return Werkbaktaak.model_validate(_taak_velden(taak))


def _opmerking(opmerking: Opmerking) -> TaakOpmerkingWeergave:
    return TaakOpmerkingWeergave(id=opmerking.id, tekst=opmerking.tekst, door=opmerking.door, op=opmerking.op)


def taak_detail(taak: TaakDetail) -> WerkbaktaakDetail:
    return WerkbaktaakDetail.model_validate(
        _taak_velden(taak)
        | {
            "uitkomst_gegevens": taak.uitkomst_gegevens,
            "beoordeeld_door": taak.beoordeeld_door,
            "opmerkingen": [_opmerking(o) for o in taak.opmerkingen],
        }
    )


def opmerking_weergave(opmerking: Opmerking) -> TaakOpmerkingWeergave:
    return _opmerking(opmerking)

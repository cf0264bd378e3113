"""The seeded Catalogi: one catalogus per GBI gemeente with the zaaktype "Aanvraag levensonderhoud" (ALO).

Every catalogus (domein ``GBI``, the gemeente's RSIN) holds one published zaaktype ``ALO`` with

- statustypen 1 Ontvangen, 2 In behandeling, 3 Besluit genomen, 4 Afgehandeld (the eindstatus);
- roltypen Aanvrager (generic ``initiator``) and Behandelaar (``behandelaar``);
- besluittypen Toekenning, Afwijzing, Buiten behandeling (reactietermijn: the Awb bezwaartermijn of 6 weeks);
- informatieobjecttype Beschikking, allowed on the zaaktype and on each besluittype.

Identifiers are uuid5s of the gemeente code and the name, so URLs stay the same across restarts (a client's
cache of catalogue URLs survives a restart of the simulator). The RSINs are synthetic (the gemeente code padded
and completed to pass the elfproef), not the gemeenten's real RSINs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from gbi_simulator.gemeenten import GBI_GEMEENTEN
from gbi_simulator.zgw.store import Ref, ZgwStore, ref_for

__all__ = [
    "BESLUITTYPEN",
    "CATALOGUS_DOMEIN",
    "INFORMATIEOBJECTTYPEN",
    "ROLTYPEN",
    "STATUSTYPEN",
    "ZAAKTYPE_IDENTIFICATIE",
    "SeededCatalogus",
    "gemeente_rsin",
    "seed_catalogi",
]

CATALOGUS_DOMEIN = "GBI"
ZAAKTYPE_IDENTIFICATIE = "ALO"
BEGIN_GELDIGHEID = "2020-01-01"
_NAMESPACE = uuid.UUID("6f1d6a52-8f0e-4c39-9a5e-1b0c2d6e7a10")

# (volgnummer, omschrijving, statustekst)
STATUSTYPEN = [
    (1, "Ontvangen", "Uw aanvraag levensonderhoud is ontvangen."),
    (2, "In behandeling", "Uw aanvraag levensonderhoud is in behandeling."),
    (3, "Besluit genomen", "Op uw aanvraag levensonderhoud is besloten."),
    (4, "Afgehandeld", "Uw aanvraag levensonderhoud is afgehandeld."),
]
# (omschrijving, omschrijvingGeneriek)
ROLTYPEN = [("Aanvrager", "initiator"), ("Behandelaar", "behandelaar")]
# (omschrijving, toelichting)
BESLUITTYPEN = [
    ("Toekenning", "Toekenning van algemene bijstand voor levensonderhoud (Participatiewet)."),
    ("Afwijzing", "Afwijzing van de aanvraag algemene bijstand voor levensonderhoud (Participatiewet)."),
    ("Buiten behandeling", "Buiten behandeling stellen van de aanvraag (artikel 4:5 Awb)."),
]
INFORMATIEOBJECTTYPEN = [("Beschikking", "Beschikking")]


def gemeente_rsin(code: str) -> str:
    """A synthetic RSIN for a gemeente: ``00`` + filler + the CBS code + a check digit (elfproef)."""
    for filler in range(10, 100):
        digits = f"00{filler}{code}"
        total = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        check = total % 11
        if check < 10:
            return digits + str(check)
    raise ValueError(f"no RSIN for {code}")  # pragma: no cover - some filler always works


def _uid(code: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{code}/{name}"))


@dataclass(frozen=True, slots=True)
class SeededCatalogus:
    gemeente: str
    rsin: str
    catalogus: Ref
    zaaktype: Ref


def seed_catalogi(store: ZgwStore) -> list[SeededCatalogus]:
    """Register the catalogus of every GBI gemeente in ``store``."""
    seeded = []
    for code, naam in GBI_GEMEENTEN.items():
        seeded.append(_seed_one(store, code, naam))
    return seeded


def _seed_one(store: ZgwStore, code: str, naam: str) -> SeededCatalogus:
    rsin = gemeente_rsin(code)
    cat_uid = _uid(code, "catalogus")
    zt_uid = _uid(code, "zaaktype/ALO")
    catalogus = ref_for("catalogussen", cat_uid)
    zaaktype = ref_for("zaaktypen", zt_uid)
    statustypen = [ref_for("statustypen", _uid(code, f"statustype/{nr}")) for nr, _, _ in STATUSTYPEN]
    roltypen = [ref_for("roltypen", _uid(code, f"roltype/{o}")) for o, _ in ROLTYPEN]
    besluittypen = [ref_for("besluittypen", _uid(code, f"besluittype/{o}")) for o, _ in BESLUITTYPEN]
    iotypen = [ref_for("informatieobjecttypen", _uid(code, f"iot/{o}")) for o, _ in INFORMATIEOBJECTTYPEN]
    besluit_namen = [o for o, _ in BESLUITTYPEN]
    iot_namen = [o for o, _ in INFORMATIEOBJECTTYPEN]

    store.add(
        "catalogussen",
        {
            "domein": CATALOGUS_DOMEIN,
            "rsin": rsin,
            "contactpersoonBeheerNaam": f"Functioneel beheer {naam}"[:40],
            "contactpersoonBeheerTelefoonnummer": "",
            "contactpersoonBeheerEmailadres": f"zaaktypen.{code}@gbi.example",
            "zaaktypen": [zaaktype],
            "besluittypen": besluittypen,
            "besluittypeOmschrijving": besluit_namen,
            "informatieobjecttypen": iotypen,
            "informatieobjecttypeOmschrijving": iot_namen,
            "naam": f"Werk en inkomen {naam} (GBI)",
            "versie": "1",
            "begindatumVersie": BEGIN_GELDIGHEID,
        },
        uid=cat_uid,
        gemeente=code,
    )
    store.add(
        "zaaktypen",
        {
            "identificatie": ZAAKTYPE_IDENTIFICATIE,
            "omschrijving": "Aanvraag levensonderhoud",
            "omschrijvingGeneriek": "Aanvraag algemene bijstand",
            "vertrouwelijkheidaanduiding": "zaakvertrouwelijk",
            "doel": "Vaststellen of de aanvrager recht heeft op algemene bijstand voor levensonderhoud.",
            "aanleiding": "Een inwoner vraagt algemene bijstand voor levensonderhoud aan (Participatiewet).",
            "toelichting": f"Behandeld door de Gezamenlijke Backoffice Inkomensvoorziening namens {naam}.",
            "indicatieInternOfExtern": "extern",
            "handelingInitiator": "Aanvragen",
            "onderwerp": "Levensonderhoud",
            "handelingBehandelaar": "Beslissen",
            "doorlooptijd": "P8W",
            "servicenorm": None,
            "opschortingEnAanhoudingMogelijk": True,
            "verlengingMogelijk": False,
            "verlengingstermijn": None,
            "trefwoorden": ["bijstand", "levensonderhoud", "Participatiewet"],
            "publicatieIndicatie": False,
            "publicatietekst": "",
            "verantwoordingsrelatie": [],
            "productenOfDiensten": [],
            "referentieproces": {"naam": "Aanvraag levensonderhoud"},
            "verantwoordelijke": f"Gemeente {naam}"[:50],
            "zaakobjecttypen": [],
            "catalogus": catalogus,
            "statustypen": statustypen,
            "resultaattypen": [],
            "resultaattypeOmschrijving": [],
            "eigenschappen": [],
            "informatieobjecttypen": iotypen,
            "informatieobjecttypeOmschrijving": iot_namen,
            "roltypen": roltypen,
            "besluittypen": besluittypen,
            "besluittypeOmschrijving": besluit_namen,
            "deelzaaktypen": [],
            "deelzaaktypeIdentificaties": [],
            "gerelateerdeZaaktypen": [],
            "beginGeldigheid": BEGIN_GELDIGHEID,
            "eindeGeldigheid": None,
            "versiedatum": BEGIN_GELDIGHEID,
            "concept": False,
        },
        uid=zt_uid,
        gemeente=code,
    )
    for (nr, omschrijving, tekst), ref in zip(STATUSTYPEN, statustypen, strict=True):
        store.add(
            "statustypen",
            {
                "omschrijving": omschrijving,
                "omschrijvingGeneriek": omschrijving,
                "statustekst": tekst,
                "zaaktype": zaaktype,
                "zaaktypeIdentificatie": ZAAKTYPE_IDENTIFICATIE,
                "catalogus": catalogus,
                "volgnummer": nr,
                "isEindstatus": nr == len(STATUSTYPEN),
                "informeren": nr in (1, 3),
                "doorlooptijd": None,
                "toelichting": None,
                "checklistitemStatustype": [],
                "eigenschappen": [],
            },
            uid=ref.rsplit("/", 1)[1],
            gemeente=code,
        )
    for (omschrijving, generiek), ref in zip(ROLTYPEN, roltypen, strict=True):
        store.add(
            "roltypen",
            {
                "zaaktype": zaaktype,
                "zaaktypeIdentificatie": ZAAKTYPE_IDENTIFICATIE,
                "omschrijving": omschrijving,
                "omschrijvingGeneriek": generiek,
                "catalogus": catalogus,
            },
            uid=ref.rsplit("/", 1)[1],
            gemeente=code,
        )
    for (omschrijving, toelichting), ref in zip(BESLUITTYPEN, besluittypen, strict=True):
        store.add(
            "besluittypen",
            {
                "catalogus": catalogus,
                "zaaktypen": [zaaktype],
                "zaaktypeIdentificaties": [ZAAKTYPE_IDENTIFICATIE],
                "omschrijving": omschrijving,
                "omschrijvingGeneriek": omschrijving,
                "besluitcategorie": "Besluit op aanvraag",
                "reactietermijn": "P6W",
                "publicatieIndicatie": False,
                "publicatietekst": "",
                "publicatietermijn": None,
                "toelichting": toelichting,
                "informatieobjecttypen": iotypen,
                "informatieobjecttypeOmschrijvingen": iot_namen,
                "beginGeldigheid": BEGIN_GELDIGHEID,
                "eindeGeldigheid": None,
                "concept": False,
                "resultaattypen": [],
                "resultaattypenOmschrijving": [],
                "vastgelegdIn": [],
            },
            uid=ref.rsplit("/", 1)[1],
            gemeente=code,
        )
    for (omschrijving, categorie), ref in zip(INFORMATIEOBJECTTYPEN, iotypen, strict=True):
        store.add(
            "informatieobjecttypen",
            {
                "catalogus": catalogus,
                "omschrijving": omschrijving,
                "vertrouwelijkheidaanduiding": "zaakvertrouwelijk",
                "beginGeldigheid": BEGIN_GELDIGHEID,
                "eindeGeldigheid": None,
                "concept": False,
                "zaaktypen": [zaaktype],
                "zaaktypeIdentificaties": [ZAAKTYPE_IDENTIFICATIE],
                "besluittypen": besluittypen,
                "besluittypeOmschrijving": besluit_namen,
                "informatieobjectcategorie": categorie,
                "trefwoord": [],
                "omschrijvingGeneriek": {
                    "informatieobjecttypeOmschrijvingGeneriek": omschrijving,
                    "definitieInformatieobjecttypeOmschrijvingGeneriek": "Een besluit van een bestuursorgaan.",
                    "herkomstInformatieobjecttypeOmschrijvingGeneriek": "GBI",
                    "hierarchieInformatieobjecttypeOmschrijvingGeneriek": "Besluit",
                    "opmerkingInformatieobjecttypeOmschrijvingGeneriek": None,
                },
            },
            uid=ref.rsplit("/", 1)[1],
            gemeente=code,
        )
    return SeededCatalogus(gemeente=code, rsin=rsin, catalogus=catalogus, zaaktype=zaaktype)

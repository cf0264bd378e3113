"""Suwinet (BKWI) dossier services as JSON: UWV polis, RDW, Kadaster and DUO (see ``protocol`` for the messages).

Like a Suwinet endpoint, each operation takes the request element as body and answers ``ClientSuwi``,
``NietsGevonden`` or ``FWI``. The protocollering headers ``x-doelbinding``, ``x-verwerking`` and ``x-gebruiker``
are required (an FWI with HTTP 400 otherwise), as for the BRP. Nothing is logged with a BSN.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from gbi_simulator.bronnen.feiten import Feiten, Ikv, laatste_dag, maand
from gbi_simulator.bronnen.store import BronnenSimulator
from gbi_simulator.bronnen.storingen import fwi

__all__ = [
    "LEVERINGSMAANDEN",
    "PROTOCOL_HEADERS",
    "duo_antwoord",
    "heffing",
    "kadaster_antwoord",
    "rdw_antwoord",
    "router",
    "uwv_antwoord",
]

log = logging.getLogger("gbi.simulator.bronnen")

PROTOCOL_HEADERS = ("x-doelbinding", "x-verwerking", "x-gebruiker")
#: The polis window Suwinet delivers: this many whole months before the current month.
LEVERINGSMAANDEN = 24
NIETS_GEVONDEN: dict[str, Any] = {"NietsGevonden": {}}
_BSN = re.compile(r"^[0-9]{9}$")
_DATUM = re.compile(r"^[0-9]{8}$")
_HEADER_VALUE = re.compile(r"^[\x20-\x7e]{1,200}$")

router = APIRouter(prefix="/suwinet", tags=["Suwinet (UWV, RDW, Kadaster, DUO)"])


def _sim(request: Request) -> BronnenSimulator:
    sim: BronnenSimulator = request.app.state.bronnen
    return sim


def _datum(d: date) -> str:
    return d.strftime("%Y%m%d")


def _parse_datum(value: str) -> date:
    return date(int(value[:4]), int(value[4:6]), int(value[6:]))


def _bedr(cents: int) -> dict[str, Any]:
    return {"CdPositiefNegatief": "-" if cents < 0 else "+", "WaardeBedr": abs(cents)}


def heffing(bruto: int) -> int:
    """Loonheffing withheld on a month's pay, roughly: 36.97% minus EUR 275 of heffingskortingen, never negative."""
    return max(0, (bruto * 3697 + 5000) // 10000 - 27_500)


async def _verzoek(request: Request, bron: str, *, datums: tuple[str, ...] = ()) -> dict[str, Any] | Response:
    """The request element, or the FWI (HTTP 400) that Suwinet gives for a malformed request."""
    missing = [h for h in PROTOCOL_HEADERS if not _HEADER_VALUE.match(request.headers.get(h, ""))]
    if missing:
        return fwi("PROTOCOL", f"Verplichte protocolleringsheader ontbreekt: {', '.join(missing)}", bron, status=400)
    try:
        body = json.loads(await request.body())
    except ClientDisconnect:  # the caller gave up (a "traag" fault outlasting its timeout)
        return Response(status_code=499)
    except ValueError:
        return fwi("VALIDATIE", "Het verzoek is geen geldige JSON", bron, status=400)
    if not isinstance(body, dict) or not isinstance(body.get("Burgerservicenr"), str):
        return fwi("VALIDATIE", "Burgerservicenr is verplicht", bron, status=400)
    if not _BSN.match(body["Burgerservicenr"]):
        return fwi("VALIDATIE", "Burgerservicenr moet 9 cijfers zijn", bron, status=400)
    for name in datums:
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not _DATUM.match(value):
            return fwi("VALIDATIE", f"{name} moet een datum JJJJMMDD zijn", bron, status=400)
        try:
            _parse_datum(value)
        except ValueError:
            return fwi("VALIDATIE", f"{name} is geen bestaande datum", bron, status=400)
    log.info(
        "suwinet request", extra={"event": "suwinet", "bron": bron, "doelbinding": request.headers["x-doelbinding"]}
    )
    return body


def _antwoord(body: dict[str, Any] | None) -> JSONResponse:
    return JSONResponse(body if body is not None else NIETS_GEVONDEN)


# ------------------------------------------------------------------------------------------------ UWV


def _opgave(ikv: Ikv, begin: date, einde: date, maand_begin: date, maand_einde: date) -> dict[str, Any]:
    dagen_maand = (maand_einde - maand_begin).days + 1
    dagen = (einde - begin).days + 1
    bruto = ikv.bruto if dagen == dagen_maand else ikv.bruto * dagen // dagen_maand
    opgave: dict[str, Any] = {"DatBIko": _datum(begin), "DatEIko": _datum(einde)}
    if ikv.uren is not None:
        opgave["AantVerloondeUrenIko"] = ikv.uren * dagen // dagen_maand
    opgave |= {
        "BedrBrutoloonSv": _bedr(bruto),
        "BedrLoonLbPremieVolksverz": _bedr(bruto),
        "BedrIngehoudenLbPremieVolksverz": _bedr(heffing(bruto)),
        "BedrOpgbRechtVakantietoeslag": _bedr((bruto * 8 + 50) // 100),
    }
    return opgave


def uwv_antwoord(f: Feiten, today: date) -> dict[str, Any] | None:
    """UWVPersoonsIkvInfo: every income relation with opgaven in the delivery window (whole months before the
    current one: a month is in the polis once its loonaangifte is in)."""
    venster_begin, venster_einde = maand(today, -LEVERINGSMAANDEN), laatste_dag(today, -1)
    ikvs: list[dict[str, Any]] = []
    for ikv in f.ikvs:
        opgaven = []
        for offset in range(-LEVERINGSMAANDEN, 0):
            mb, me = maand(today, offset), laatste_dag(today, offset)
            begin = max(mb, ikv.begin)
            einde = me if ikv.einde is None else min(me, ikv.einde)
            if begin <= einde:
                opgaven.append(_opgave(ikv, begin, einde, mb, me))
        if not opgaven:
            continue
        periode: dict[str, Any] = {"DatBIkp": _datum(ikv.begin)}
        if ikv.einde is not None and ikv.einde <= venster_einde:
            periode["DatEIkp"] = _datum(ikv.einde)
        periode["CdSrtIkv"] = ikv.cd_srt_ikv
        ikvs.append(
            {
                "NrInkomstenverhouding": ikv.nummer,
                "AdministratieveEenheid": {"Loonheffingennr": ikv.loonheffingennr, "NaamAeh": ikv.naam},
                "Inkomstenperiode": [periode],
                "Inkomstenopgave": opgaven,
            }
        )
    if not ikvs:
        return None
    return {
        "ClientSuwi": {"Burgerservicenr": f.bsn, "Inkomstenverhouding": ikvs},
        "PeriodeGegevensleveringIko": {"DatBPeriode": _datum(venster_begin), "DatEPeriode": _datum(venster_einde)},
    }


@router.post("/UWVDossierInkomstenGSD-v0200/UWVPersoonsIkvInfo", summary="UWV polis: inkomstenverhoudingen")
async def uwv_persoons_ikv_info(request: Request) -> Response:
    sim = _sim(request)
    if (storing := await sim.storingen.toepassen("uwv")) is not None:
        return storing
    verzoek = await _verzoek(request, "UWV")
    if isinstance(verzoek, Response):
        return verzoek
    feiten = sim.bronnen.feiten(verzoek["Burgerservicenr"])
    return _antwoord(uwv_antwoord(feiten, sim.bronnen.today()) if feiten else None)


# ------------------------------------------------------------------------------------------------ RDW


def rdw_antwoord(f: Feiten, today: date, van: date, tot: date) -> dict[str, Any] | None:
    """VoertuigbezitInfoPersoon: vehicles registered to the person at some moment in ``[van, tot]``."""
    items: list[dict[str, Any]] = []
    for v in f.voertuigen:
        if v.tenaamstelling > min(tot, today) or (v.einde_tenaamstelling is not None and v.einde_tenaamstelling < van):
            continue
        voertuig: dict[str, Any] = {
            "KentekenVoertuig": v.kenteken,
            "CdSrtVoertuig": v.categorie,
            "MerkVoertuig": v.merk,
            "TypeVoertuig": v.handelsbenaming,
            "DatEersteToelatingVoertuig": _datum(v.eerste_toelating),
        }
        if v.catalogusprijs is not None:
            voertuig["BedrCatalogusprijs"] = _bedr(v.catalogusprijs)
        item: dict[str, Any] = {"DatRegistratieAansprakelijkheid": _datum(v.tenaamstelling)}
        if v.einde_tenaamstelling is not None:
            item["DatEindeRegistratieAansprakelijkheid"] = _datum(v.einde_tenaamstelling)
        item["Voertuig"] = voertuig
        items.append(item)
    if not items:
        return None
    return {"ClientSuwi": {"Burgerservicenr": f.bsn, "Aansprakelijke": items}}


@router.post("/RDWDossierGSD-v0200/VoertuigbezitInfoPersoon", summary="RDW: voertuigbezit van een persoon")
async def rdw_voertuigbezit_info_persoon(request: Request) -> Response:
    sim = _sim(request)
    if (storing := await sim.storingen.toepassen("rdw")) is not None:
        return storing
    velden = ("DatBPeilperiodeAansprakelijkheid", "DatEPeilperiodeAansprakelijkheid")
    verzoek = await _verzoek(request, "RDW", datums=velden)
    if isinstance(verzoek, Response):
        return verzoek
    if "DatBPeilperiodeAansprakelijkheid" not in verzoek:
        return fwi("VALIDATIE", "DatBPeilperiodeAansprakelijkheid is verplicht", "RDW", status=400)
    van = _parse_datum(verzoek["DatBPeilperiodeAansprakelijkheid"])
    tot = _parse_datum(verzoek.get("DatEPeilperiodeAansprakelijkheid") or verzoek["DatBPeilperiodeAansprakelijkheid"])
    if tot < van:
        return fwi("VALIDATIE", "De peilperiode eindigt voor zij begint", "RDW", status=400)
    feiten = sim.bronnen.feiten(verzoek["Burgerservicenr"])
    return _antwoord(rdw_antwoord(feiten, sim.bronnen.today(), van, tot) if feiten else None)


# ------------------------------------------------------------------------------------------------ Kadaster

_AARD = {"2": "Eigendom (recht van)", "3": "Erfpacht (recht van)", "7": "Opstal (recht van)", "12": "Vruchtgebruik"}


def kadaster_antwoord(f: Feiten, today: date) -> dict[str, Any] | None:
    """PersoonsInfo: the person's current rights (the state of the registration today)."""
    zaken: list[dict[str, Any]] = []
    for o in f.onroerend:
        if o.verkregen > today:
            continue
        aanduiding: dict[str, Any] = {
            "CdKadastraleGemeente": o.kadastrale_gemeente_code,
            "KadastraleGemeentenaam": o.kadastrale_gemeente,
            "KadastraleSectie": o.sectie,
            "KadastraalPerceelnr": o.perceelnummer,
        }
        if o.appartementsindex is not None:
            aanduiding["VolgnrKadastraalAppartementsrecht"] = o.appartementsindex
        adres: dict[str, Any] = {"Straatnaam": o.straat, "Huisnr": o.huisnummer}
        if o.huisletter:
            adres["Huisletter"] = o.huisletter
        if o.toevoeging:
            adres["Huisnrtoevoeging"] = o.toevoeging
        adres |= {"Postcd": o.postcode, "Woonplaatsnaam": o.woonplaats}
        zaak: dict[str, Any] = {
            "CdTypeOnroerendeZaak": "A" if o.appartementsindex is not None else "P",
            "KadastraleAanduiding": aanduiding,
            "OmsKadastraalObject": o.omschrijving,
            "ZakelijkRecht": [
                {
                    "CdAardZakelijkRecht": o.aard_recht,
                    "OmsAardZakelijkRecht": _AARD.get(o.aard_recht, "Overig"),
                    "TellerAandeel": o.teller,
                    "NoemerAandeel": o.noemer,
                    "DatBZakelijkRecht": _datum(o.verkregen),
                }
            ],
            "LocatieOZ": [{"StraatadresBag": adres}],
        }
        if o.koopsom is not None:
            zaak["BedrKoopsom"] = _bedr(o.koopsom)
            zaak["JaarAankoop"] = o.verkregen.year
        zaak["IndMeerGerechtigden"] = "J" if o.noemer > 1 else "N"
        zaak["Hypotheek"] = [
            {
                "BedrHypotheek": _bedr(h.bedrag),
                "NaamHypotheekhouder": h.hypotheekhouder,
                "DatInschrijvingHypotheek": _datum(h.inschrijving),
            }
            for h in o.hypotheken
        ]
        zaak["WozObject"] = {
            "BedrWozWaarde": _bedr(o.woz),
            "DatWaardepeildatum": _datum(o.woz_peildatum),
            "IndEigenaarBewoner": "J" if o.eigenaar_bewoner else "N",
        }
        zaken.append(zaak)
    if not zaken:
        return None
    return {"ClientSuwi": {"Burgerservicenr": f.bsn, "Eigendom": {"OnroerendeZaak": zaken}}}


@router.post("/KadasterDossierGSD-v0300/PersoonsInfo", summary="Kadaster: zakelijke rechten van een persoon")
async def kadaster_persoons_info(request: Request) -> Response:
    sim = _sim(request)
    if (storing := await sim.storingen.toepassen("kadaster")) is not None:
        return storing
    verzoek = await _verzoek(request, "KADASTER")
    if isinstance(verzoek, Response):
        return verzoek
    feiten = sim.bronnen.feiten(verzoek["Burgerservicenr"])
    return _antwoord(kadaster_antwoord(feiten, sim.bronnen.today()) if feiten else None)


# ------------------------------------------------------------------------------------------------ DUO


def duo_antwoord(f: Feiten, today: date) -> dict[str, Any] | None:
    """DUOStudiefinancieringInfo: every grant so far and the study debt."""
    toekenningen: list[dict[str, Any]] = []
    for t in f.toekenningen:
        if t.begin > today:
            continue
        item: dict[str, Any] = {
            "CdRegeling": t.regeling,
            "CdSrtOnderwijs": t.onderwijs,
            "DatBToekenning": _datum(t.begin),
        }
        if t.einde is not None:
            item["DatEToekenning"] = _datum(t.einde)
        item["BedrToekenningPerMaand"] = _bedr(t.bedrag)
        item["IndPrestatiebeurs"] = "J" if t.prestatiebeurs else "N"
        toekenningen.append(item)
    schuld = f.studieschuld if f.studieschuld is not None and f.studieschuld.peildatum <= today else None
    if not toekenningen and schuld is None:
        return None
    client: dict[str, Any] = {"Burgerservicenr": f.bsn, "Studiefinanciering": toekenningen}
    if schuld is not None:
        client["Studieschuld"] = {"BedrStudieschuld": _bedr(schuld.bedrag), "DatPeil": _datum(schuld.peildatum)}
    return {"ClientSuwi": client}


@router.post(
    "/DUODossierStudiefinancieringGSD-v0200/DUOStudiefinancieringInfo", summary="DUO: studiefinanciering en WTOS"
)
async def duo_studiefinanciering_info(request: Request) -> Response:
    sim = _sim(request)
    if (storing := await sim.storingen.toepassen("duo")) is not None:
        return storing
    verzoek = await _verzoek(request, "DUO")
    if isinstance(verzoek, Response):
        return verzoek
    feiten = sim.bronnen.feiten(verzoek["Burgerservicenr"])
    return _antwoord(duo_antwoord(feiten, sim.bronnen.today()) if feiten else None)

"""Income and benefits: the port and its adapter for the UWV polis via Suwinet (UWVDossierInkomstenGSD v0200).

Mapping of the Suwinet concepts (``UWVPersoonsIkvInfo`` answer) to ``gbi_shared.contracts.bronnen.Inkomsten``:

=====================================================  ==============================================================
Suwinet (SuwiML)                                       GBI contract
=====================================================  ==============================================================
ClientSuwi.Inkomstenverhouding                         inkomstenverhoudingen[]
  NrInkomstenverhouding                                  id
  AdministratieveEenheid.Loonheffingennr / NaamAeh       inhoudingsplichtige.loonheffingennummer / naam
  Inkomstenperiode[].DatBIkp / DatEIkp (inclusive)       periode.vanaf / periode.tot (exclusive: DatE + 1 day)
  Inkomstenperiode[-1].CdSrtIkv                          codeSoortInkomstenverhouding, and soort (15 -> loon, 33 ->
                                                         ww, 31 -> zw, 40 -> wia-wga, 39 -> wia-iva, 22 -> aow, ...)
  Inkomstenopgave[].DatBIko / DatEIko                    opgaven[].periode (only opgaven overlapping the period asked)
  BedrBrutoloonSv                                        opgaven[].bruto
  BedrLoonLbPremieVolksverz                              opgaven[].loonVoorLoonheffing
  BedrIngehoudenLbPremieVolksverz                        opgaven[].loonheffing
  (derived)                                              opgaven[].netto = loonVoorLoonheffing - loonheffing
  BedrOpgbRechtVakantietoeslag                           opgaven[].vakantietoeslagOpgebouwd
  AantVerloondeUrenIko                                   opgaven[].verloondeUren
PeriodeGegevensleveringIko.DatBPeriode / DatEPeriode   geleverd, and volledig (geleverd covers the period asked)
NietsGevonden                                          no relations; volledig unless the period reaches into the
                                                       running month (the polis never holds it yet)
FWI                                                    503 (retried; the dossier says niet-beschikbaar)
=====================================================  ==============================================================

Left out: addresses of the administratieve eenheid, sector/risicogroep, contract and insurance indications, the
other Suwinet "Bedr..." fields (reiskosten, alimentatie, extra periodesalaris), and the "DigitaleDiensten" variant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from pydantic import Field

from gbi_integration.bronnen._client import BronClient
from gbi_integration.bronnen._suwinet import Datum, StandaardBedr, SuwiModel, lees_suwinet, onbruikbaar
from gbi_integration.settings import IntegrationSettings
from gbi_shared._http import HttpTransport
from gbi_shared.context import RequestContext
from gbi_shared.contracts.bronnen import (
    Inhoudingsplichtige,
    Inkomsten,
    Inkomstenopgave,
    Inkomstenverhouding,
    InkomstenverhoudingSoort,
    Periode,
    bedrag,
)
from gbi_shared.contracts.huishouden import Bronvermelding
from gbi_shared.tijd import nl_datum

__all__ = ["BRON", "CD_SRT_IKV", "InkomstenPort", "SuwinetUwv", "inkomsten_uit_suwinet"]

BRON = "UWV polisadministratie via Suwinet (UWVDossierInkomstenGSD v0200)"

#: Belastingdienst "code soort inkomstenverhouding" (loonaangifte) -> our soort.
CD_SRT_IKV: dict[str, InkomstenverhoudingSoort] = {
    "11": "loon",
    "12": "loon",
    "13": "loon",
    "14": "loon",
    "15": "loon",
    "17": "loon",
    "18": "loon",
    "21": "pensioen",
    "22": "aow",
    "23": "pensioen",
    "24": "anw",
    "31": "zw",
    "32": "wao",
    "33": "ww",
    "34": "ioaw",
    "35": "ww",
    "36": "waz",
    "37": "wajong",
    "38": "wajong",
    "39": "wia-iva",
    "40": "wia-wga",
    "42": "bijstand",
    "43": "bijstand",
    "45": "ioaz",
    "46": "tw",
}


class InkomstenPort(Protocol):
    """Income relations of a person with their declared pay periods in ``periode`` (vanaf incl., tot excl.)."""

    async def inkomsten(self, bsn: str, periode: Periode, ctx: RequestContext) -> Inkomsten: ...


# ------------------------------------------------------------------------------------------------ wire (SuwiML)


class _Eenheid(SuwiModel):
    loonheffingennr: str
    naam_aeh: str


class _Ikp(SuwiModel):
    dat_b_ikp: Datum
    dat_e_ikp: Datum | None = None
    cd_srt_ikv: str | None = None


class _Iko(SuwiModel):
    dat_b_iko: Datum
    dat_e_iko: Datum
    aant_verloonde_uren_iko: int | None = None
    bedr_brutoloon_sv: StandaardBedr | None = None
    bedr_loon_lb_premie_volksverz: StandaardBedr | None = None
    bedr_ingehouden_lb_premie_volksverz: StandaardBedr | None = None
    bedr_opgb_recht_vakantietoeslag: StandaardBedr | None = None


class _Ikv(SuwiModel):
    nr_inkomstenverhouding: str
    administratieve_eenheid: _Eenheid
    inkomstenperiode: list[_Ikp] = Field(min_length=1)
    inkomstenopgave: list[_Iko] = Field(default_factory=list)


class _Client(SuwiModel):
    inkomstenverhouding: list[_Ikv] = Field(default_factory=list)


class _Levering(SuwiModel):
    dat_b_periode: Datum
    dat_e_periode: Datum


class _Antwoord(SuwiModel):
    client_suwi: _Client
    periode_gegevenslevering_iko: _Levering | None = None


def _tot(inclusief: date | None) -> date | None:
    return inclusief + timedelta(days=1) if inclusief is not None else None


def _cent(value: StandaardBedr | None) -> int:
    return value.centen if value is not None else 0


def _opgave(iko: _Iko) -> Inkomstenopgave:
    loon_lb = _cent(iko.bedr_loon_lb_premie_volksverz)
    heffing = _cent(iko.bedr_ingehouden_lb_premie_volksverz)
    return Inkomstenopgave(
        periode=Periode(vanaf=iko.dat_b_iko, tot=_tot(iko.dat_e_iko)),
        bruto=bedrag(_cent(iko.bedr_brutoloon_sv)),
        loon_voor_loonheffing=bedrag(loon_lb),
        loonheffing=bedrag(heffing),
        netto=bedrag(loon_lb - heffing),
        vakantietoeslag_opgebouwd=bedrag(iko.bedr_opgb_recht_vakantietoeslag.centen)
        if iko.bedr_opgb_recht_vakantietoeslag is not None
        else None,
        verloonde_uren=iko.aant_verloonde_uren_iko,
    )


def _eerste_van_maand(dag: date) -> date:
    return dag.replace(day=1)


def inkomsten_uit_suwinet(
    bsn: str, periode: Periode, antwoord: _Antwoord | None, *, today: date, fetched_at: datetime
) -> Inkomsten:
    """Map a UWVPersoonsIkvInfo answer (None: NietsGevonden) to the contract, for the period asked."""
    assert periode.tot is not None
    verhoudingen: list[Inkomstenverhouding] = []
    geleverd: Periode | None = None
    if antwoord is not None:
        if antwoord.periode_gegevenslevering_iko is not None:
            lev = antwoord.periode_gegevenslevering_iko
            geleverd = Periode(vanaf=lev.dat_b_periode, tot=_tot(lev.dat_e_periode))
        for ikv in antwoord.client_suwi.inkomstenverhouding:
            perioden = sorted(ikv.inkomstenperiode, key=lambda p: p.dat_b_ikp)
            looptijd = Periode(vanaf=perioden[0].dat_b_ikp, tot=_tot(perioden[-1].dat_e_ikp))
            opgaven = [
                _opgave(iko)
                for iko in sorted(ikv.inkomstenopgave, key=lambda i: i.dat_b_iko)
                if Periode(vanaf=iko.dat_b_iko, tot=_tot(iko.dat_e_iko)).overlapt(periode.vanaf, periode.tot)
            ]
            if not opgaven and not looptijd.overlapt(periode.vanaf, periode.tot):
                continue
            code = perioden[-1].cd_srt_ikv
            verhoudingen.append(
                Inkomstenverhouding(
                    id=ikv.nr_inkomstenverhouding,
                    soort=CD_SRT_IKV.get(code or "", "overig"),
                    code_soort_inkomstenverhouding=code,
                    inhoudingsplichtige=Inhoudingsplichtige(
                        loonheffingennummer=ikv.administratieve_eenheid.loonheffingennr,
                        naam=ikv.administratieve_eenheid.naam_aeh,
                    ),
                    periode=looptijd,
                    opgaven=opgaven,
                )
            )
    if geleverd is not None:
        assert geleverd.tot is not None
        volledig = geleverd.vanaf <= periode.vanaf and periode.tot <= geleverd.tot
    else:
        # NietsGevonden: nothing in the polis, but the running month is never in it yet.
        volledig = periode.tot <= _eerste_van_maand(today)
    return Inkomsten(
        bsn=bsn,
        periode=periode,
        geleverd=geleverd,
        volledig=volledig,
        inkomstenverhoudingen=verhoudingen,
        bron=Bronvermelding(bron=BRON, opgevraagd_op=fetched_at),
    )


class SuwinetUwv:
    """``POST <uwv_url>/UWVPersoonsIkvInfo`` with ``{"Burgerservicenr": ...}``."""

    def __init__(self, settings: IntegrationSettings, transport: HttpTransport) -> None:
        self.client = BronClient("UWV", settings.uwv_url, settings, transport)

    async def inkomsten(self, bsn: str, periode: Periode, ctx: RequestContext) -> Inkomsten:
        def parse(data: Any) -> _Antwoord | None:
            return lees_suwinet(data, _Antwoord, "UWV")

        antwoord = await self.client.lees("POST", "/UWVPersoonsIkvInfo", ctx, parse, body={"Burgerservicenr": bsn})
        now = datetime.now(UTC)
        with onbruikbaar("UWV"):
            return inkomsten_uit_suwinet(bsn, periode, antwoord, today=_vandaag(now), fetched_at=now)


def _vandaag(now: datetime) -> date:
    return nl_datum(now)

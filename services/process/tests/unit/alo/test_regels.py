"""The process layer's own ALO rules: zoektermijn, the calculation request from the facts, and the risk rules that
decide between straight-through processing and a person (with the reason)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from gbi_process.alo import handlers, regels
from gbi_shared.contracts.alo_proces import AanvraagGegevens
from gbi_shared.contracts.berekening import BerekeningAntwoord
from gbi_shared.contracts.bronnen import Dossier
from gbi_shared.contracts.huishouden import Huishouden

PEIL = date(2026, 3, 2)
BRON = {"bron": "test", "opgevraagdOp": datetime(2026, 3, 2, tzinfo=UTC).isoformat()}
BSN = "999994116"


def _huishouden(geboren: str = "1992-09-09", **extra: Any) -> Huishouden:
    return Huishouden.model_validate(
        {"gemeente": "0599", "aanvrager": {"bsn": BSN, "geboortedatum": geboren}, "bron": BRON} | extra
    )


def _dossier(**bronnen: Any) -> Dossier:
    periode = {"vanaf": "2025-12-01", "tot": "2026-03-01"}
    base: dict[str, Any] = {
        "bsn": BSN,
        "peildatum": PEIL.isoformat(),
        "periode": periode,
        "volledig": True,
        "herkomst": [],
        "inkomsten": {
            "bsn": BSN,
            "periode": periode,
            "geleverd": periode,
            "volledig": True,
            "inkomstenverhoudingen": [],
            "bron": BRON,
        },
        "voertuigen": {"bsn": BSN, "peildatum": PEIL.isoformat(), "voertuigen": [], "bron": BRON},
        "eigendommen": {"bsn": BSN, "peildatum": PEIL.isoformat(), "eigendommen": [], "bron": BRON},
        "studiefinanciering": {"bsn": BSN, "periode": periode, "toekenningen": [], "bron": BRON},
        "detenties": {"bsn": BSN, "periode": periode, "detenties": [], "bron": BRON},
        "ibSignalen": {"bsn": BSN, "gemeente": "0599", "periode": periode, "signalen": [], "bron": BRON},
    }
    for key, value in bronnen.items():
        base[key] = base[key] | value
    return Dossier.model_validate(base)


def _loon(netto: str, tot: str | None = None) -> dict[str, Any]:
    opgaven = [
        {
            "periode": {"vanaf": f"2026-{m:02d}-01", "tot": f"2026-{m + 1:02d}-01"},
            "bruto": "2000.00",
            "loonVoorLoonheffing": "2000.00",
            "loonheffing": "0.00",
            "netto": netto,
        }
        for m in (1,)
    ]
    return {
        "id": "1",
        "soort": "loon",
        "inhoudingsplichtige": {"loonheffingennummer": "812345678L01", "naam": "Werkgever"},
        "periode": {"vanaf": "2020-01-01", "tot": tot},
        "opgaven": opgaven,
    }


def _berekening(**extra: Any) -> BerekeningAntwoord:
    base = {
        "gemeente": "0599",
        "peildatum": PEIL.isoformat(),
        "recht": True,
        "redenen": [],
        "signaleringen": [],
        "leefvorm": "alleenstaande",
        "normcategorie": "M",
        "aantalKostendelers": None,
        "norm": "1401.50",
        "vakantietoeslagReservering": "70.08",
        "inTeKortenInkomen": "0.00",
        "bijstandInclusiefVakantietoeslag": "1401.50",
        "bedragPerMaand": "1331.42",
        "geldlening": False,
        "toelichting": [],
        "regelsetVersie": "t",
    }
    return BerekeningAntwoord.model_validate(base | extra)


def _risico(dossier: Dossier, gegevens: dict[str, Any] | None = None, **kw: Any) -> regels.Risico:
    feiten = regels.Bronfeiten(huishouden=kw.pop("huishouden", _huishouden()), aanvrager=dossier, partner=None)
    g = AanvraagGegevens.model_validate({"iban": "NL91ABNA0417164300"} | (gegevens or {}))
    return regels.risico(feiten, g, kw.pop("berekening", _berekening()), PEIL, PEIL)


@pytest.mark.parametrize(
    ("geboren", "uitzondering", "geldt"),
    [
        ("1999-03-03", None, True),  # 26 on the melding
        ("1999-03-02", None, False),  # 27 that day
        ("2004-01-01", "volledig-arbeidsongeschikt", False),
        ("2004-01-01", "noodsituatie", False),
    ],
)
def test_zoektermijn(geboren: str, uitzondering: str | None, geldt: bool) -> None:
    gegevens = AanvraagGegevens.model_validate({"zoektermijnUitzondering": uitzondering} if uitzondering else {})
    result, reden = regels.zoektermijn(date.fromisoformat(geboren), PEIL, gegevens)
    assert result is geldt
    if uitzondering:
        assert reden is not None
        assert "jonger dan 27, maar" in reden


def test_clean_data_goes_straight_through() -> None:
    r = _risico(_dossier())
    assert r.stp
    assert r.uitkomst() == {
        "stp": True,
        "intake_nodig": False,
        "documenten_nodig": False,
        "huisbezoek_nodig": False,
        "routeringsreden": None,
    }


def test_declared_income_must_equal_the_running_income_in_the_polis() -> None:
    loon = {"inkomstenverhoudingen": [_loon("900.00")]}
    assert _risico(_dossier(inkomsten=loon)).documenten  # declared nothing
    gelijk = {"inkomsten": [{"soort": "arbeid", "nettoPerMaand": "900.00"}]}
    assert _risico(_dossier(inkomsten=loon), gelijk).stp
    # a job that ended before the peildatum is no income now
    geweest = {"inkomstenverhoudingen": [_loon("900.00", tot="2026-02-01")]}
    assert _risico(_dossier(inkomsten=geweest)).stp


def test_vehicles_property_signals_detention_and_missing_iban_route_to_a_person() -> None:
    auto = {
        "kenteken": "ZT414K",
        "soort": "personenauto",
        "merk": "Toyota",
        "datumTenaamstelling": "2025-01-01",
        "geschatteWaarde": "12000.00",
    }
    r = _risico(_dossier(voertuigen={"voertuigen": [auto]}))
    assert r.documenten
    assert "ZT414K" in r.documenten[0]
    oud = auto | {"geschatteWaarde": "900.00"}
    assert _risico(_dossier(voertuigen={"voertuigen": [oud]})).stp
    signaal = {
        "signaalId": "s1",
        "cursor": "1",
        "bsn": BSN,
        "gemeente": "0599",
        "soort": "verblijf-buitenland",
        "periode": {"vanaf": "2026-01-01", "tot": "2026-02-01"},
        "ontvangenOp": "2026-02-10",
        "omschrijving": "ES",
    }
    r = _risico(_dossier(ibSignalen={"signalen": [signaal]}))
    assert r.intake
    assert r.huisbezoek
    detentie = {"id": "d", "periode": {"vanaf": "2026-01-01"}, "inrichting": "PI", "titel": "gevangenisstraf"}
    r = _risico(_dossier(detenties={"detenties": [detentie]}))
    assert r.beoordeling
    assert "Pw 13 lid 1 a" in r.beoordeling[0]
    assert _risico(_dossier(), {"iban": None}).intake == ["geen IBAN opgegeven"]
    signalering = {"code": "uitvoering-svb", "tekst": "AOW-leeftijd", "artikel": "Pw 47"}
    assert not _risico(_dossier(), berekening=_berekening(signaleringen=[signalering])).stp


def test_student_finance_only_matters_under_27() -> None:
    wsf = {
        "regeling": "wsf",
        "onderwijs": "hbo",
        "periode": {"vanaf": "2025-09-01"},
        "bedragPerMaand": "300.00",
        "prestatiebeurs": True,
    }
    jong = _risico(_dossier(studiefinanciering={"toekenningen": [wsf]}), huishouden=_huishouden("2004-01-01"))
    assert jong.beoordeling
    oud = _risico(_dossier(studiefinanciering={"toekenningen": [wsf]}), huishouden=_huishouden("1990-01-01"))
    assert oud.stp


def test_the_calculation_request_combines_sources_and_declarations() -> None:
    huishouden = _huishouden(
        kinderen=[{"geboortedatum": "2020-05-05"}, {"geboortedatum": "2005-01-01"}],
        partner={"bsn": None, "geboortedatum": "1990-02-02"},
    )
    feiten = regels.Bronfeiten(
        huishouden=huishouden,
        aanvrager=_dossier(inkomsten={"inkomstenverhoudingen": [_loon("900.00")]}),
        partner=None,
    )
    gegevens = AanvraagGegevens.model_validate(
        {
            "inkomsten": [
                {"soort": "arbeid", "nettoPerMaand": "900.00"},
                {"soort": "alimentatie", "nettoPerMaand": "150.00"},
            ],
            "vermogen": {"bezittingen": "1200.00", "schulden": "200.00"},
            "medebewoners": [{"geboortedatum": "1960-01-01", "relatie": "ouder"}],
        }
    )
    verzoek = regels.berekening_verzoek(feiten, gegevens, PEIL)
    assert verzoek.partner is not None
    assert verzoek.partner.geboortedatum == date(1990, 2, 2)
    assert [k.geboortedatum for k in verzoek.kinderen] == [date(2020, 5, 5)]  # the 21-year-old is no child
    assert sorted((i.soort, i.netto_per_maand) for i in verzoek.inkomsten) == [
        ("alimentatie", "150.00"),
        ("arbeid", "900.00"),  # from the polis, not twice
    ]
    assert verzoek.vermogen is not None
    assert (verzoek.vermogen.bezittingen, verzoek.vermogen.schulden) == ("1200.00", "200.00")
    assert [m.relatie for m in verzoek.medebewoners] == ["ouder"]

    # without the sources (a voorschot before they answered): only what was declared
    voorlopig = regels.berekening_verzoek(
        regels.Bronfeiten(huishouden=huishouden, aanvrager=None, partner=None), gegevens, PEIL
    )
    assert sorted(i.soort for i in voorlopig.inkomsten) == ["alimentatie", "arbeid"]


def _met_bewoners(*geboren: str | None) -> Huishouden:
    return _huishouden(
        medebewoners=[
            {"bsn": bsn, "geboortedatum": g} if g else {"bsn": bsn}
            for bsn, g in zip(("999970720", "999970732", "999970744"), geboren, strict=False)
        ]
    )


def test_an_adult_at_the_address_the_application_does_not_declare_needs_an_intake() -> None:
    # Registered at the address: a 45-year-old (possible kostendeler) and a 12-year-old (never one).
    r = _risico(_dossier(), huishouden=_met_bewoners("1980-09-01", "2013-08-01"))
    assert not r.stp
    assert r.intake == [
        "volgens de BRP wonen er 1 mogelijke kostendeler(s) (27 jaar of ouder) op het adres die de aanvraag niet "
        "noemt: kostendelers vaststellen (Pw 19a, 22a)"
    ]


def test_declared_co_residents_are_paired_with_the_register_on_birth_date() -> None:
    huishouden = _met_bewoners("1980-09-01", "1978-12-01")
    een = {"medebewoners": [{"geboortedatum": "1980-09-01", "relatie": "broer-zus"}]}
    beide = {
        "medebewoners": [
            {"geboortedatum": "1980-09-01", "relatie": "broer-zus"},
            {"geboortedatum": "1978-12-01", "relatie": "kamerhuurder", "commercieleHuurovereenkomst": True},
        ]
    }
    assert regels.onverklaarde_medebewoners(huishouden, AanvraagGegevens.model_validate(een), PEIL) == 1
    assert regels.onverklaarde_medebewoners(huishouden, AanvraagGegevens.model_validate(beide), PEIL) == 0
    assert _risico(_dossier(), beide, huishouden=huishouden).stp


def test_under_27_at_the_peildatum_is_no_kostendeler_and_an_unknown_age_is_checked() -> None:
    # The peildatum is 2026-03-02: born 1999-03-03 is 26 that day (no kostendeler, Pw 19a); born 1999-03-02 is 27.
    assert regels.onverklaarde_medebewoners(_met_bewoners("1999-03-03"), AanvraagGegevens(), PEIL) == 0
    assert regels.onverklaarde_medebewoners(_met_bewoners("1999-03-02"), AanvraagGegevens(), PEIL) == 1
    assert regels.onverklaarde_medebewoners(_met_bewoners(None), AanvraagGegevens(), PEIL) == 1


def test_the_steps_of_a_run_parse_the_sources_facts_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four steps of a case read the recorded sources (``feit.bronnen``): in a run (its ``gelezen``) they are parsed
    once for the recorded value; another value (a replay's, read from the data service) is parsed anew; a step
    without a run's memory parses every time."""
    recorded = {
        "feit.bronnen": regels.Bronfeiten(huishouden=_huishouden(), aanvrager=_dossier(), partner=None).to_json()
    }
    parses: list[object] = []
    original = regels.Bronfeiten.from_json

    def counting(data: dict[str, Any]) -> regels.Bronfeiten:
        parses.append(data)
        return original(data)

    monkeypatch.setattr(regels.Bronfeiten, "from_json", staticmethod(counting))

    def stap(recorded: dict[str, Any], gelezen: dict[str, Any] | None) -> handlers.Stap:
        return handlers.Stap(
            gw=None,  # type: ignore[arg-type]
            store=None,  # type: ignore[arg-type]
            instance_id=uuid.uuid4(),
            aanvraag=None,  # type: ignore[arg-type]
            task_id="t",
            element="e",
            variables={},
            nu=datetime(2026, 3, 2, tzinfo=UTC),
            recorded=recorded,
            pending={},
            gelezen=gelezen,
        )

    gelezen: dict[str, Any] = {}
    first = asyncio.run(handlers._bronfeiten(stap(recorded, gelezen)))
    again = asyncio.run(handlers._bronfeiten(stap(recorded, gelezen)))
    assert again is first
    assert len(parses) == 1
    other = {"feit.bronnen": dict(recorded["feit.bronnen"])}  # the same facts, another recorded value
    assert asyncio.run(handlers._bronfeiten(stap(other, gelezen))) is not first
    assert len(parses) == 2
    asyncio.run(handlers._bronfeiten(stap(recorded, None)))
    asyncio.run(handlers._bronfeiten(stap(recorded, None)))
    assert len(parses) == 4

"""Property tests (hypothesis) over generated households: monotone, non-negative, whole cents, deterministic."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gbi_domain.engine import (
    Berekening,
    Huishouden,
    Inkomen,
    InkomstenSoort,
    Medebewoner,
    Persoon,
    Relatie,
    Rol,
    Vermogen,
    bereken_algemene_bijstand,
)
from gbi_domain.engine.datums import grensdatum_leeftijd, grensdatum_maanden, leeftijd_bereikt, plus_maanden
from gbi_domain.errors import DomainError

INSTELLINGEN = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

peildata = st.dates(date(2024, 7, 1), date(2026, 12, 31))
bedragen = st.integers(0, 400_000)


@st.composite
def huishoudens(draw: st.DrawFn) -> Huishouden:
    peildatum = draw(peildata)

    def persoon() -> Persoon:
        return Persoon(
            geboortedatum=peildatum - timedelta(days=draw(st.integers(18 * 366, 80 * 365))),
            in_inrichting=draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans()),
            verblijf_buitenland_dagen=draw(st.sampled_from([0, 0, 0, 10, 28, 29, 91, 92])),
            medisch_urenbeperkt=draw(st.booleans()),
        )

    aanvrager = persoon()
    partner = persoon() if draw(st.booleans()) else None
    kinderen = tuple(peildatum - timedelta(days=draw(st.integers(0, 17 * 365))) for _ in range(draw(st.integers(0, 3))))
    medebewoners = tuple(
        Medebewoner(
            geboortedatum=peildatum - timedelta(days=draw(st.integers(18 * 366, 90 * 365))),
            relatie=draw(st.sampled_from(list(Relatie))),
            commerciele_huurovereenkomst=draw(st.booleans()),
            studiefinanciering=draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    rollen = [Rol.AANVRAGER] + ([Rol.PARTNER] if partner else [])
    inkomsten = []
    for rol in rollen:
        for _ in range(draw(st.integers(0, 2))):
            soort = draw(st.sampled_from(list(InkomstenSoort)))
            start = None
            if soort is InkomstenSoort.ARBEID:
                start = draw(st.none() | st.dates(date(2022, 1, 1), date(2026, 12, 31)))
                if any(i.persoon is rol and i.vrijlating_startdatum for i in inkomsten):
                    start = next(
                        i.vrijlating_startdatum for i in inkomsten if i.persoon is rol and i.vrijlating_startdatum
                    )
            inkomsten.append(Inkomen(rol, soort, draw(bedragen), start))
    vermogen = Vermogen(draw(st.integers(0, 2_500_000)), draw(st.integers(0, 500_000)), draw(st.integers(0, 8_000_000)))
    return Huishouden("0599", peildatum, aanvrager, vermogen, partner, kinderen, medebewoners, tuple(inkomsten))


def _bereken(h: Huishouden) -> Berekening | None:
    try:
        return bereken_algemene_bijstand(h)
    except DomainError:
        return None  # undecidable or a rule unknown in that period: no amount at all


def _controleer(b: Berekening) -> None:
    for bedrag in (b.norm, b.bijstand, b.vakantietoeslag_reservering, b.bedrag_per_maand, b.in_te_korten_inkomen):
        assert isinstance(bedrag, int)
        assert bedrag >= 0
    assert b.bedrag_per_maand == b.bijstand - b.vakantietoeslag_reservering
    if b.recht:
        assert b.in_te_korten_inkomen < b.norm
        assert b.bijstand == b.norm - b.in_te_korten_inkomen > 0
        assert not b.redenen
    else:
        assert b.bijstand == b.vakantietoeslag_reservering == b.bedrag_per_maand == 0
        assert b.redenen
    for t in b.toelichting:
        assert t.bedrag is None or isinstance(t.bedrag, int)


@INSTELLINGEN
@given(huishoudens())
def test_uitkomst_is_consistent_niet_negatief_en_in_hele_centen(h: Huishouden) -> None:
    b = _bereken(h)
    if b is not None:
        _controleer(b)


@INSTELLINGEN
@given(huishoudens())
def test_zelfde_invoer_zelfde_uitkomst(h: Huishouden) -> None:
    eerste, tweede = _bereken(h), _bereken(replace(h))
    assert eerste == tweede


@INSTELLINGEN
@given(
    huishoudens(),
    st.sampled_from([InkomstenSoort.ARBEID, InkomstenSoort.UITKERING, InkomstenSoort.PENSIOEN]),
    bedragen,
    st.integers(1, 200_000),
    st.none() | st.dates(date(2022, 1, 1), date(2026, 12, 31)),
)
def test_meer_inkomen_nooit_meer_bijstand(
    h: Huishouden, soort: InkomstenSoort, inkomen: int, extra: int, start: date | None
) -> None:
    if soort is not InkomstenSoort.ARBEID or any(
        i.persoon is Rol.AANVRAGER and i.soort is InkomstenSoort.ARBEID for i in h.inkomsten
    ):
        start = None
    if start is None:
        start = next((i.vrijlating_startdatum for i in h.inkomsten if i.persoon is Rol.AANVRAGER), None)
        start = start if soort is InkomstenSoort.ARBEID else None
    minder = replace(h, inkomsten=(*h.inkomsten, Inkomen(Rol.AANVRAGER, soort, inkomen, start)))
    meer = replace(h, inkomsten=(*h.inkomsten, Inkomen(Rol.AANVRAGER, soort, inkomen + extra, start)))
    a, b = _bereken(minder), _bereken(meer)
    # either may be undecidable (e.g. a vrijlating maximum unknown in 2024-H2 is needed only once there is work
    # income): the property is about two decided outcomes
    if a is not None and b is not None:
        assert b.bijstand <= a.bijstand
        assert b.bedrag_per_maand <= a.bedrag_per_maand
        assert b.in_te_korten_inkomen >= a.in_te_korten_inkomen
        assert not (b.recht and not a.recht)


@INSTELLINGEN
@given(
    st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.integers(0, 120)
)
def test_grensdatum_is_gelijk_aan_verjaardag(geboortedatum: date, peildatum: date, jaren: int) -> None:
    verjaardag = plus_maanden(geboortedatum, 12 * jaren)
    assert (geboortedatum <= grensdatum_leeftijd(peildatum, jaren)) is (verjaardag <= peildatum)
    assert leeftijd_bereikt(geboortedatum, jaren, peildatum) is (verjaardag <= peildatum)


@INSTELLINGEN
@given(
    st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.dates(date(1950, 1, 1), date(2100, 12, 31)), st.integers(0, 900)
)
def test_grensdatum_maanden_is_gelijk_aan_plus_maanden(geboortedatum: date, peildatum: date, maanden: int) -> None:
    assert (geboortedatum <= grensdatum_maanden(peildatum, maanden)) is (
        plus_maanden(geboortedatum, maanden) <= peildatum
    )

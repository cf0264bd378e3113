"""The seeded policy: every gemeente has every subject; Rotterdam and 's-Gravenhage have their own bijzondere
bijstand; every other choice is marked as the GBI-standaard to be confirmed; every toelichting cites a source."""

from __future__ import annotations

from gbi_data.seed import BELEID, GEMEENTEN, SEED_GELDIG_VANAF
from gbi_shared.contracts.beleid import ONDERWERPEN, BijzondereBijstandBeleidsinhoud, lees_inhoud

STANDAARD = "GBI-standaard, bij de gemeente te bevestigen"


def _schijven(gemeente: str) -> list[tuple[str, str | None, str]]:
    inhoud = lees_inhoud("bijzondere-bijstand", BELEID[(gemeente, "bijzondere-bijstand")][0])
    assert isinstance(inhoud, BijzondereBijstandBeleidsinhoud)
    return [(s.vanaf_pct_norm, s.tot_pct_norm, s.pct_meetellen) for s in inhoud.draagkrachtschijven]


def test_every_gemeente_every_subject_in_the_contract_form() -> None:
    assert set(BELEID) == {(code, onderwerp) for code, _ in GEMEENTEN for onderwerp in ONDERWERPEN}
    for (_code, onderwerp), (inhoud, toelichting) in BELEID.items():
        lees_inhoud(onderwerp, inhoud)
        assert "Bron:" in toelichting


def test_rotterdam_and_the_hague_differ_from_each_other_and_the_default() -> None:
    assert _schijven("0599") == [("0", "110", "0"), ("110", "150", "50"), ("150", None, "100")]
    assert _schijven("0518") == [("0", "100", "0"), ("100", None, "35")]
    assert _schijven("0363") == [("0", "110", "0"), ("110", None, "35")]
    for code in ("0599", "0518"):
        inhoud = BELEID[(code, "bijzondere-bijstand")][0]
        assert (inhoud["draagkrachtperiodeMaanden"], inhoud["wettelijkeDrempel"]) == (12, True)
        assert not BELEID[(code, "bijzondere-bijstand")][1].startswith(STANDAARD)


def test_the_defaults_say_they_are_to_be_confirmed() -> None:
    own = {("0599", "bijzondere-bijstand"), ("0518", "bijzondere-bijstand")}
    for key, (_, toelichting) in BELEID.items():
        if key not in own:
            assert toelichting.startswith(STANDAARD), key
    assert SEED_GELDIG_VANAF.isoformat() == "2024-07-01"

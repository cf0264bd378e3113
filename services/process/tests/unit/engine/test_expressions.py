"""The restricted expression language: what models may compute, and that failures are real, readable errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from gbi_process.engine import ExpressionError
from gbi_process.engine.expressions import compile_expression, compile_script, parse_period

VARS: dict[str, Any] = {
    "stp": True,
    "besluit": "toekenning",
    "bedrag_cents": 1200,
    "aanvraagdatum": "2026-01-05",
    "dagen": 7,
    "leeg": None,
    "adres": {"gemeente": "0363"},
    "lijst": ["a", "b"],
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("stp", True),
        ("not stp", False),
        ('besluit == "toekenning"', True),
        ("besluit != 'afwijzing'", True),
        ('besluit in ["toekenning", "afwijzing"]', True),
        ('besluit not in ("afwijzing",)', True),
        ("stp and bedrag_cents > 1000", True),
        ("not stp or bedrag_cents >= 5000", False),
        ("bedrag_cents - 200 <= 1000", True),
        ("-bedrag_cents < 0", True),
        ("leeg == None", True),
        ('adres["gemeente"] == "0363"', True),
        ('lijst[1] == "b"', True),
        ('"a" in lijst', True),
        ('aanvraagdatum < "2026-02-01"', True),  # ISO dates order as text
        ("na_weken(aanvraagdatum, 8)", "2026-03-02"),
        ("na_dagen(aanvraagdatum, -dagen)", "2025-12-29"),
        ("na_dagen(na_weken(aanvraagdatum, 8), 0 - dagen)", "2026-02-23"),
        ('cyclus(na_weken(aanvraagdatum, 4), "P4W")', "R/2026-02-02/P4W"),
    ],
)
def test_evaluates(source: str, expected: Any) -> None:
    assert compile_expression(source).evaluate(VARS) == expected


def test_names_are_the_variables_read() -> None:
    expr = compile_expression("na_dagen(beslistermijn_einde, -signaleringstermijn_dagen)")
    assert expr.names == frozenset({"beslistermijn_einde", "signaleringstermijn_dagen"})


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("stp == True and onbekend", "unknown variable 'onbekend' (known: aanvraagdatum, adres, "),
        ('stp == "True"', "cannot compare bool True with text 'True'"),
        ("bedrag_cents == '1200'", "cannot compare number 1200 with text '1200'"),
        ('stp and "ja"', "expected a boolean, got text 'ja'"),
        ("not besluit", "expected a boolean, got text"),
        ('besluit + "x"', "+ and - work on numbers only"),
        ("besluit < 3", "cannot compare text"),
        ("leeg < 3", "cannot order none None"),
        ('besluit in "toekenning"', "needs a list on the right"),
        ('adres["woonplaats"]', "no element ['woonplaats'] in object"),
        ("na_weken(bedrag_cents, 1)", "na_weken: expected an ISO date (text), got int"),
        ('na_weken("5 januari", 1)', "is not an ISO date"),
        ("na_dagen(aanvraagdatum, stp)", "expected a whole number, got bool"),
        ('cyclus(aanvraagdatum, "P1M")', "not whole weeks or days"),
    ],
)
def test_failures_name_the_expression_and_the_reason(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(source).evaluate(VARS)
    assert message in str(info.value)
    assert repr(source) in str(info.value)
    assert not isinstance(info.value, NameError)


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('id')",
        "stp.__class__",
        "open('/etc/passwd')",
        "(lambda: 1)()",
        "[x for x in lijst]",
        "1 < bedrag_cents < 2",
        "bedrag_cents * 2",
        "_geheim",
        "na_weken(aanvraagdatum, weken=8)",
        "na_weken(aanvraagdatum)",
        "stp if stp else stp",
        "{'a': 1}",
        "b'bytes'",
        "besluit[1:2]",
        "f'{besluit}'",
    ],
)
def test_rejects_everything_outside_the_whitelist_at_compile_time(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(source)


def test_syntax_errors_are_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="syntax error"):
        compile_expression("stp ==")


def test_scripts_are_assignments_each_visible_to_the_next() -> None:
    script = compile_script(
        """
        beslistermijn_einde = na_weken(aanvraagdatum, 8)
        signaal = na_dagen(beslistermijn_einde, -dagen)
        """
    )
    assert script.targets == ("beslistermijn_einde", "signaal")
    assert script.names == frozenset({"aanvraagdatum", "dagen"})
    assert script.execute(VARS) == {"beslistermijn_einde": "2026-03-02", "signaal": "2026-02-23"}
    assert "signaal" not in VARS


@pytest.mark.parametrize(
    "source",
    [
        "import os",
        "x += 1",
        "a, b = 1, 2",
        "a = b = 1",
        "adres['gemeente'] = '0599'",
        "print(stp)",
        "na_weken = 1",
        "_x = 1",
        "",
        "def f():\n    return 1",
    ],
)
def test_scripts_reject_anything_but_assignments(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_script(source)


def test_periods_are_whole_weeks_or_days() -> None:
    assert parse_period("P4W") == timedelta(weeks=4)
    assert parse_period("P14D") == timedelta(days=14)
    for bad in ("P1M", "PT1H", "P1W2D", "4W"):
        with pytest.raises(ExpressionError):
            parse_period(bad)

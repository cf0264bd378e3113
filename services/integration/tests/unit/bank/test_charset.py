"""The SEPA (EPC) Latin character set: transliteration of names and text, validation of identifiers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gbi_integration.bank.charset import SEPA_CHARACTERS, is_sepa_identifier, is_sepa_text, transliterate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan de Vries", "Jan de Vries"),
        ("Zoë Dijkstra", "Zoe Dijkstra"),
        ("René Hélène Françoise", "Rene Helene Francoise"),
        ("Müller-Lüdenscheidt", "Muller-Ludenscheidt"),
        ("Straße", "Strasse"),
        ("GROẞE", "GROSSE"),
        ("Ærøskøbing", "AEroskobing"),
        ("Œuvre", "OEuvre"),
        ("Łódź", "Lodz"),
        ("Yılmaz Çelik Şahin Ğül", "Yilmaz Celik Sahin Gul"),
        ("Ĳsselmeer ĳs", "IJsselmeer ijs"),  # the ij ligature becomes the two letters
        ("ijsbeer IJmuiden", "ijsbeer IJmuiden"),  # 'ij' as two letters is fine as it is
        ("Þórður Guðmundsson", "THordur Gudmundsson"),
        ("’t Hart", "'t Hart"),
        ("„Het Huis”", "'Het Huis'"),
        ('Jan "Piet" Klaas', "Jan 'Piet' Klaas"),
        ("Jansen & Zonen", "Jansen + Zonen"),
        ("Kees_van_Dam", "Kees-van-Dam"),
        ("Bijstand – maart", "Bijstand - maart"),
        ("<script>alert(1)</script>", "(script)alert(1)(/script)"),
        ("€ 12,50 terug", "EUR 12,50 terug"),
        ("Jan   de\tVries\n", "Jan de Vries"),
        ("Jan\u00a0de\u2003Vries", "Jan de Vries"),
        ("Jan * de # Vries!", "Jan de Vries"),
        ("Иван Петров", ""),  # no Latin form: removed
        ("Ali 🙂 Öztürk", "Ali Ozturk"),
        ("ｆｕｌｌｗｉｄｔｈ＆", "fullwidth+"),
        ("Dossier 123/2026: (a) ok? yes.", "Dossier 123/2026: (a) ok? yes."),
    ],
)
def test_transliteration(text: str, expected: str) -> None:
    assert transliterate(text) == expected


def test_clean_text_is_returned_unchanged() -> None:
    text = "Jan de Vries"
    assert transliterate(text) is text


def test_truncation() -> None:
    assert transliterate("a" * 80, max_length=70) == "a" * 70
    assert transliterate("abc def", max_length=4) == "abc"  # no trailing space after cutting
    assert transliterate("Zoë" * 30, max_length=70) == ("Zoe" * 30)[:70]


@given(st.text(max_size=200), st.integers(min_value=1, max_value=140))
def test_output_is_always_sepa_text(text: str, max_length: int) -> None:
    out = transliterate(text, max_length=max_length)
    assert len(out) <= max_length
    assert set(out) <= SEPA_CHARACTERS
    assert out == "" or is_sepa_text(out)
    assert transliterate(out) == out  # idempotent


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("GBI-0363-202603-21I3V9", True),
        ("a", True),
        ("A" * 35, True),
        ("A" * 36, False),
        ("", False),
        ("/abc", False),
        ("abc/", False),
        ("a//b", False),
        ("a/b/c", True),
        (" abc", False),
        ("abc ", False),
        ("a b", True),
        ("abé", False),
        ("a&b", False),
        ("a_b", False),
        ("(1)+'2'?:.,-", True),
    ],
)
def test_identifiers(value: str, ok: bool) -> None:
    assert is_sepa_identifier(value) is ok


def test_identifier_other_length() -> None:
    assert is_sepa_identifier("A" * 140, max_length=140)
    assert not is_sepa_identifier("A" * 141, max_length=140)

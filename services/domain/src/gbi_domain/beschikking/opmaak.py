"""Dutch notation for the letter: amounts (``€ 1.401,50``), dates (``1 maart 2026``), articles
(``Pw 31 lid 2 n`` -> ``artikel 31 lid 2 onder n Participatiewet``) and the masked BSN (``******653``).

Pure functions; the template calls them, the tests check them one by one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

__all__ = [
    "MAANDEN",
    "artikel_kort",
    "artikel_voluit",
    "artikelen_per_wet",
    "bsn_gemaskeerd",
    "datum_nl",
    "euro",
    "euro_centen",
    "leesbare_regel",
    "naar_centen",
]

MAANDEN = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)

_WETTEN = {
    "Pw": ("Participatiewet", "Pw"),
    "Awb": ("Algemene wet bestuursrecht", "Awb"),
}
# "Pw 21 a", "Pw 31 lid 2 n", "Pw 34 lid 3 a", "Awb 4:5", "Pw 22a"
_ARTIKEL = re.compile(
    r"^(?P<wet>Pw|Awb)\s+(?P<nr>\d+[a-z]?(?::\d+[a-z]?)?)(?:\s+lid\s+(?P<lid>\d+))?(?:\s+(?P<sub>[a-z]{1,3}))?$"
)


def naar_centen(bedrag: str) -> int:
    """``"1401.50"`` -> 140150 (the contract guarantees two decimals; a sign is allowed)."""
    return int((Decimal(bedrag) * 100).to_integral_value())


def euro_centen(centen: int) -> str:
    """140150 -> ``€ 1.401,50``; the space after the sign does not break (U+00A0), negative ``-€ 250,00``."""
    teken = "-" if centen < 0 else ""
    euros, cent = divmod(abs(centen), 100)
    return f"{teken}€\u00a0{euros:,}".replace(",", ".") + f",{cent:02d}"


def euro(bedrag: str) -> str:
    """``"1401.50"`` -> ``€ 1.401,50``."""
    return euro_centen(naar_centen(bedrag))


def datum_nl(dag: date) -> str:
    """2026-03-01 -> ``1 maart 2026``."""
    return f"{dag.day} {MAANDEN[dag.month - 1]} {dag.year}"


def _delen(artikel: str) -> list[str]:
    return [deel.strip() for deel in artikel.split(";") if deel.strip()]


def _een_artikel(deel: str, *, voluit: bool) -> str:
    m = _ARTIKEL.match(deel)
    if m is None:
        return deel
    lang, kort = _WETTEN[m["wet"]]
    tekst = f"artikel {m['nr']}" if voluit else f"art. {m['nr']}"
    if m["lid"]:
        tekst += f" lid {m['lid']}"
    if m["sub"]:
        tekst += f" onder {m['sub']}"
    return f"{tekst} {lang if voluit else kort}"


# The article functions are pure, and every letter cites the same few articles: their results are kept per process
# (bounded), but only for references to a law. A caller may put any text in an ``artikel`` (the contracts check its
# characters, not its form), and free text could be personal: that is formatted each time and never kept.


def _wetsverwijzing(artikel: str) -> bool:
    """Whether every part of ``artikel`` is a reference to a law (``Pw 19 lid 3``, ``Awb 4:5``), nothing else."""
    delen = _delen(artikel)
    return bool(delen) and all(_ARTIKEL.match(d) is not None for d in delen)


def artikel_voluit(artikel: str) -> list[str]:
    """``"Pw 19 lid 3; Pw 45"`` -> ``["artikel 19 lid 3 Participatiewet", "artikel 45 Participatiewet"]``.

    A reference in another form is kept as it is: the letter never drops a ground it was given."""
    if not _wetsverwijzing(artikel):
        return list(_artikel_voluit.__wrapped__(artikel))
    return list(_artikel_voluit(artikel))


@functools.lru_cache(maxsize=1024)
def _artikel_voluit(artikel: str) -> tuple[str, ...]:
    return tuple(_een_artikel(d, voluit=True) for d in _delen(artikel))


def artikel_kort(artikel: str) -> str:
    """``"Pw 31 lid 2 n"`` -> ``art. 31 lid 2 onder n Pw`` (for the calculation table)."""
    if not _wetsverwijzing(artikel):
        return _artikel_kort.__wrapped__(artikel)
    return _artikel_kort(artikel)


@functools.lru_cache(maxsize=1024)
def _artikel_kort(artikel: str) -> str:
    return "; ".join(_een_artikel(d, voluit=False) for d in _delen(artikel))


def _sorteersleutel(m: re.Match[str]) -> tuple[int, ...]:
    nummers = [int(n) for n in re.findall(r"\d+", m["nr"])]
    letters = [ord(c) for c in re.sub(r"[^a-z]", "", m["nr"])]
    return (*nummers, 0, *letters, 0, int(m["lid"] or 0), *(ord(c) for c in m["sub"] or ""))


def artikelen_per_wet(codes: Iterable[str]) -> list[str]:
    """Articles grouped per law in legal order, each law once:
    ``["Pw 21 a", "Pw 19 lid 3; Pw 45", "Awb 4:5"]`` -> ``["Participatiewet: artikel 19 lid 3, 21 onder a en 45",
    "Algemene wet bestuursrecht (Awb): artikel 4:5"]``. A reference in another form is kept as it is."""
    gegeven = tuple(codes)
    if not all(_wetsverwijzing(code) for code in gegeven):
        return list(_artikelen_per_wet.__wrapped__(gegeven))
    return list(_artikelen_per_wet(gegeven))


@functools.lru_cache(maxsize=1024)
def _artikelen_per_wet(codes: tuple[str, ...]) -> tuple[str, ...]:
    per_wet: dict[str, dict[str, tuple[int, ...]]] = {"Pw": {}, "Awb": {}}
    overig: dict[str, None] = {}
    for code in codes:
        for deel in _delen(code):
            m = _ARTIKEL.match(deel)
            if m is None:
                overig[deel] = None
                continue
            tekst = m["nr"] + (f" lid {m['lid']}" if m["lid"] else "") + (f" onder {m['sub']}" if m["sub"] else "")
            per_wet[m["wet"]][tekst] = _sorteersleutel(m)
    zinnen = []
    for wet, naam in (("Pw", "Participatiewet"), ("Awb", "Algemene wet bestuursrecht (Awb)")):
        artikelen = sorted(per_wet[wet], key=lambda a: per_wet[wet][a])
        if artikelen:
            lijst = artikelen[0] if len(artikelen) == 1 else ", ".join(artikelen[:-1]) + " en " + artikelen[-1]
            zinnen.append(f"{naam}: artikel {lijst}")
    return (*zinnen, *overig)


_SLEUTEL = r"[A-Z][A-Z0-9_]*@\d{4}-\d{2}-\d{2}"
# "(8000.00, KEY@2026-01-01)" -> "(8000.00)"; "(KEY@2026-01-01, afgerond ...)" -> "(afgerond ...)"
_PARAMETER = re.compile(rf",\s*{_SLEUTEL}(?=\s*\))|{_SLEUTEL}(?:,\s*)?")
_LEGE_HAAKJES = re.compile(r"\s*\(\s*\)")
_BEDRAG_IN_TEKST = re.compile(r"(?<![\d.,])(\d{1,12})\.(\d{2})(?![\d%])")


def leesbare_regel(regel: str) -> str:
    """An explanation line for a citizen: parameter versions (``VRIJLATING_N_PCT@2026-01-01``) left out (they are
    in the metadata of the calculation), amounts in Dutch notation (``8000.00`` -> ``€ 8.000,00``)."""
    tekst = _LEGE_HAAKJES.sub("", _PARAMETER.sub("", regel))
    tekst = _BEDRAG_IN_TEKST.sub(lambda m: euro_centen(int(m[1]) * 100 + int(m[2])), tekst)
    return tekst[:1].upper() + tekst[1:]


def bsn_gemaskeerd(bsn: str) -> str:
    """Only the last three digits: ``******653``."""
    return "*" * (len(bsn) - 3) + bsn[-3:]

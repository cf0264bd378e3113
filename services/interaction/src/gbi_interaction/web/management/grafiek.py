"""Charts as accessible SVG, drawn on the server: no script, no inline style (presentation attributes only), a
title and a description for assistive technology, every value written next to its bar, and series told apart by
fill pattern and legend text, never by colour alone. The page shows the same numbers in a table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

__all__ = ["Reeks", "horizontale_balken", "staafdiagram"]

INK = "#1a1a1a"
DONKER = "#154273"
FONT = "Arial, Helvetica, sans-serif"


@dataclass(frozen=True, slots=True)
class Reeks:
    naam: str
    waarden: Sequence[int]


def _svg(ident: str, breedte: int, hoogte: int, titel: str, omschrijving: str, inhoud: str) -> Markup:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {breedte} {hoogte}" width="{breedte}" '
        f'height="{hoogte}" role="img" aria-labelledby={quoteattr(ident + "-titel")} '
        f"aria-describedby={quoteattr(ident + '-omschrijving')}>"
        f"<title id={quoteattr(ident + '-titel')}>{escape(titel)}</title>"
        f"<desc id={quoteattr(ident + '-omschrijving')}>{escape(omschrijving)}</desc>"
        f'<defs><pattern id={quoteattr(ident + "-arcering")} width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{DONKER}" stroke-width="3"/></pattern></defs>'
        f"{inhoud}</svg>"
    )
    return Markup(svg)  # noqa: S704 - every text above is escaped


def _tekst(x: float, y: float, tekst: str, *, anker: str = "middle", grootte: int = 12, vet: bool = False) -> str:
    gewicht = ' font-weight="bold"' if vet else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{grootte}" fill="{INK}" '
        f'text-anchor="{anker}"{gewicht}>{escape(tekst)}</text>'
    )


def staafdiagram(ident: str, titel: str, labels: Sequence[str], reeksen: Sequence[Reeks]) -> Markup:
    """Grouped vertical bars: one group per label, one bar per series; series 1 solid, series 2 hatched."""
    n = max(len(labels), 1)
    groep = max(28 * len(reeksen) + 16, 60)
    links, onder, boven = 40, 60, 40
    breedte = links + n * groep + 20
    hoogte = 280
    plot = hoogte - onder - boven
    hoogste = max([max(r.waarden, default=0) for r in reeksen] + [1])
    delen: list[str] = []
    delen.append(f'<line x1="{links}" y1="{boven + plot}" x2="{breedte - 10}" y2="{boven + plot}" stroke="{INK}"/>')
    for i, label in enumerate(labels):
        x0 = links + i * groep + 8
        for j, reeks in enumerate(reeksen):
            waarde = reeks.waarden[i] if i < len(reeks.waarden) else 0
            h = plot * waarde / hoogste
            x = x0 + j * 28
            y = boven + plot - h
            vulling = DONKER if j == 0 else f"url(#{ident}-arcering)"
            delen.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="24" height="{h:.1f}" fill="{vulling}" stroke="{DONKER}" '
                f'stroke-width="1.5"><title>{escape(f"{reeks.naam} {label}: {waarde}")}</title></rect>'
            )
            delen.append(_tekst(x + 12, y - 4, str(waarde), grootte=11))
        delen.append(_tekst(x0 + 14 * len(reeksen) - 2, boven + plot + 16, label, grootte=11))
    # Legend: a swatch with the same fill and the series name in words.
    lx = links
    for j, reeks in enumerate(reeksen):
        vulling = DONKER if j == 0 else f"url(#{ident}-arcering)"
        delen.append(
            f'<rect x="{lx}" y="{hoogte - 24}" width="16" height="16" fill="{vulling}" stroke="{DONKER}" '
            f'stroke-width="1.5"/>'
        )
        delen.append(
            _tekst(lx + 22, hoogte - 11, reeks.naam + (" (effen)" if j == 0 else " (gearceerd)"), anker="start")
        )
        lx += 200
    samenvatting = "; ".join(
        f"{label}: " + ", ".join(f"{r.naam} {r.waarden[i] if i < len(r.waarden) else 0}" for r in reeksen)
        for i, label in enumerate(labels)
    )
    return _svg(ident, breedte, hoogte, titel, samenvatting or "Geen gegevens.", "".join(delen))


def horizontale_balken(
    ident: str, titel: str, rijen: Sequence[tuple[str, int, str | None]], *, eenheid: str = ""
) -> Markup:
    """One horizontal bar per row (label, value, remark). A remark (e.g. "buiten de termijn") is written after the
    value and the bar is hatched, so the distinction does not rest on colour."""
    label_breedte, balk_max, rij_hoogte = 190, 360, 30
    breedte = label_breedte + balk_max + 220
    hoogte = max(len(rijen), 1) * rij_hoogte + 20
    hoogste = max([w for _, w, _ in rijen] + [1])
    delen: list[str] = []
    for i, (label, waarde, opmerking) in enumerate(rijen):
        y = 10 + i * rij_hoogte
        w = balk_max * waarde / hoogste
        vulling = f"url(#{ident}-arcering)" if opmerking else DONKER
        delen.append(_tekst(label_breedte - 8, y + 17, label, anker="end"))
        delen.append(
            f'<rect x="{label_breedte}" y="{y + 4}" width="{w:.1f}" height="20" fill="{vulling}" stroke="{DONKER}" '
            f'stroke-width="1.5"><title>{escape(f"{label}: {waarde}{eenheid}")}</title></rect>'
        )
        tekst = f"{waarde}{eenheid}" + (f" ({opmerking})" if opmerking else "")
        delen.append(_tekst(label_breedte + w + 6, y + 18, tekst, anker="start"))
    samenvatting = "; ".join(
        f"{label}: {waarde}{eenheid}" + (f" ({opmerking})" if opmerking else "") for label, waarde, opmerking in rijen
    )
    return _svg(ident, breedte, hoogte, titel, samenvatting or "Geen gegevens.", "".join(delen))

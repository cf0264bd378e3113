"""The gemeenten that GBI serves, and the elfproef of a burgerservicenummer."""

from __future__ import annotations

__all__ = ["GBI_GEMEENTEN"]

# CBS code -> name of the 13 gemeenten of the shared back office.
GBI_GEMEENTEN: dict[str, str] = {
    "0363": "Amsterdam",
    "0518": "'s-Gravenhage",
    "0599": "Rotterdam",
    "0344": "Utrecht",
    "0772": "Eindhoven",
    "0855": "Tilburg",
    "0014": "Groningen",
    "0268": "Nijmegen",
    "0153": "Enschede",
    "0796": "'s-Hertogenbosch",
    "0193": "Zwolle",
    "0114": "Emmen",
    "0995": "Lelystad",
}

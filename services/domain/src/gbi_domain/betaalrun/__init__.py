"""The monthly amounts of the payment run: the household calculation plus the month's settlements."""

from gbi_domain.betaalrun.bedragen import Maandbetaling, Maandfeiten, bereken_maand, huishouden_uit_json

__all__ = ["Maandbetaling", "Maandfeiten", "bereken_maand", "huishouden_uit_json"]

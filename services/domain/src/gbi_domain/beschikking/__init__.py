"""Decision letters (beschikkingen): checked, rendered from a fixed Dutch template to PDF/A-1b, reproducible.

render_beschikking(verzoek) -> GerenderdeBeschikking(pdf, metadata)      see render.py
router                                                                 see api.py (public preview, internal)
"""

from gbi_domain.beschikking.render import SJABLOONVERSIE, GerenderdeBeschikking, render_beschikking

__all__ = ["SJABLOONVERSIE", "GerenderdeBeschikking", "render_beschikking"]

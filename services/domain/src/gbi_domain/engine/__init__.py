"""The calculation core of the domain layer: pure functions over effective-dated rule data.

Public surface (amounts are integer euro cents, percentages basis points)::

    zoek_norm(categorie, peildatum) -> NormOpzoeking                       Pw 20-23
    bereken_algemene_bijstand(huishouden) -> Berekening                    Pw 11-34
    bereken_batch(huishoudens) -> list[Berekening | DomainError]
    bereken_voorschot(huishouden) / voorschot_uit_berekening(b) -> Voorschot   Pw 52
    bereken_bijzondere_bijstand(aanvraag, beleid) -> BijzondereBijstandBerekening  Pw 35
    standaard_regelset() / peilregels(peildatum)                            the rule data

Nothing here does I/O except loading the rule data once from package data.
"""

from gbi_domain.engine.algemene_bijstand import (
    bepaal_leefvorm,
    bereken_algemene_bijstand,
    bereken_batch,
    kostendelersnorm_per_persoon,
)
from gbi_domain.engine.bijzondere_bijstand import (
    BijzondereBijstandAanvraag,
    BijzondereBijstandBeleid,
    BijzondereBijstandBerekening,
    Draagkrachtschijf,
    bereken_bijzondere_bijstand,
    valideer_beleid,
)
from gbi_domain.engine.model import (
    Berekening,
    Huishouden,
    Inkomen,
    InkomstenSoort,
    Leefvorm,
    Medebewoner,
    Persoon,
    Reden,
    Relatie,
    Rol,
    Toelichtingregel,
    Vermogen,
)
from gbi_domain.engine.normen import NormOpzoeking, zoek_norm
from gbi_domain.engine.regels import Peilregels, Regel, Regelset, laad_regelset, peilregels, standaard_regelset
from gbi_domain.engine.voorschot import Voorschot, bereken_voorschot, voorschot_uit_berekening

__all__ = [
    "Berekening",
    "BijzondereBijstandAanvraag",
    "BijzondereBijstandBeleid",
    "BijzondereBijstandBerekening",
    "Draagkrachtschijf",
    "Huishouden",
    "Inkomen",
    "InkomstenSoort",
    "Leefvorm",
    "Medebewoner",
    "NormOpzoeking",
    "Peilregels",
    "Persoon",
    "Reden",
    "Regel",
    "Regelset",
    "Relatie",
    "Rol",
    "Toelichtingregel",
    "Vermogen",
    "Voorschot",
    "bepaal_leefvorm",
    "bereken_algemene_bijstand",
    "bereken_batch",
    "bereken_bijzondere_bijstand",
    "bereken_voorschot",
    "kostendelersnorm_per_persoon",
    "laad_regelset",
    "peilregels",
    "standaard_regelset",
    "valideer_beleid",
    "voorschot_uit_berekening",
    "zoek_norm",
]

"""Haal Centraal BRP Personen bevragen v2, simulated with the RvIG test persons."""

from gbi_simulator.brp.api import BrpProblem, BrpService, brp_problem_response, router
from gbi_simulator.brp.fields import FieldCatalog
from gbi_simulator.brp.store import PersonStore

__all__ = ["BrpProblem", "BrpService", "FieldCatalog", "PersonStore", "brp_problem_response", "router"]

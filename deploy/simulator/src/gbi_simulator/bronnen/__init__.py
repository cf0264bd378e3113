"""Simulated sources of the integration layer: UWV polis, RDW, Kadaster and DUO as Suwinet dossier services, DJI
detentions and the Inlichtingenbureau signal feed, with data consistent with the BRP test persons."""

from gbi_simulator.bronnen.api import control, router, routers
from gbi_simulator.bronnen.profielen import PROFIELEN
from gbi_simulator.bronnen.store import Bronnen, BronnenSimulator
from gbi_simulator.bronnen.storingen import Storingen

__all__ = ["PROFIELEN", "Bronnen", "BronnenSimulator", "Storingen", "control", "router", "routers"]

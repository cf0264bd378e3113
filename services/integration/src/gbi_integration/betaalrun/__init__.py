"""The payment run's bank side: the SEPA file and the finance journal of a run per gemeente."""

from gbi_integration.betaalrun.api import router
from gbi_integration.betaalrun.bestanden import STANDAARD_REKENINGSCHEMA, maak_bestanden

__all__ = ["STANDAARD_REKENINGSCHEMA", "maak_bestanden", "router"]

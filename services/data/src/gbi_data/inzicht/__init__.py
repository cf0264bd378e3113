"""Oversight over the ALO store, read-only and set-based: management figures per gemeente and period
(:mod:`.management`) and the audit trail of a case (:mod:`.audittrail`), with their internal routes (:mod:`.api`).

These modules only read the ALO store's tables (``gbi_data.alo.models``) and the processing log; they own no table.
"""

from gbi_data.inzicht.api import router

__all__ = ["router"]

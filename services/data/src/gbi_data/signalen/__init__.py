"""Inlichtingenbureau signals: bulk intake, set-based matching against the active uitkeringen, and the
handhaving-signalen it produces (``gbi_shared.contracts.signalen``)."""

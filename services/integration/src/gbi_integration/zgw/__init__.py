"""The zaaksysteem of each gemeente, spoken to through the ZGW APIs (Catalogi, Zaken, Besluiten, Documenten).

Modules: ``config`` (per-gemeente client settings), ``port`` (the ``Zaaksysteem`` protocol the use cases need),
``http`` (ZGW JWT client authentication, CRS headers, timeouts, retries for reads, circuit breaker),
``catalogus`` (the gemeente's types, resolved through the Catalogi API and cached), ``adapter`` (the ZGW
implementation of the port), ``service`` and ``api`` (the internal integration API).
"""

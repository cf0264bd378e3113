"""The durable store of the ALO transaction (aanvraag levensonderhoud): cases, process instances with leases,
recorded steps, the task inbox, documents, besluiten, uitkeringen, voorschotten and the movable clock.

``gbi_data.alo.api.router`` is included by ``gbi_data.app``; the tables are in ``gbi_data.alo.models`` (migration
``v0004_alo``), the SQL in ``repository``, the use cases in ``service``.
"""

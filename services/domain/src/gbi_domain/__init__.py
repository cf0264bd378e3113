"""gbi-domain: the law (Participatiewet) and local policy as effective-dated data plus pure functions.

``gbi_domain.engine`` calculates (norms, algemene bijstand, voorschot, bijzondere bijstand, batches),
``gbi_domain.rules`` holds the rule data, ``gbi_domain.errors`` the domain errors and ``gbi_domain.mapping``
converts between the HTTP contracts (``gbi_shared.contracts.berekening``) and the engine.
"""

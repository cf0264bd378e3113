"""The GBI koppelvlakken Levensonderhoud (VNG): front offices hand GBI an aanvraag, administrations read back.

Modules: ``config`` (the front offices: base URL, gemeenten, GBI's bearer token for each), ``schema`` (the
ZaakLOAangevraagd checked against ``levensonderhoud-aanvragen-1.2.1.schema.json``, with the errata it needs),
``frontoffice`` (the pull: port and HTTP adapter), ``aanvraag`` (ZaakLOAangevraagd -> ALO aanvraag), ``codes``
(the code lists), ``documenten`` (GBI's case -> ZaakLOBehandeld and DienstAangevraagd), ``lagen`` (process and
data layers through the gateway), ``service`` (the use cases) and ``api`` (the routes under
``/koppelvlakken/levensonderhoud``).

Deployment. The schema is read at run time from ``GBI_KOPPELVLAK_SPECS_DIR`` (``<dir>/gbi/
levensonderhoud-aanvragen-1.2.1.schema.json``; default ``<repo>/../shared/specs`` for tests and the local suite).
In production it ships with the deployment, not with the code: the file of the VNG release
(vng-gbi/Levensonderhoud-aanvraag @ 16bda1c1, ``1.2.1-aanvragen.json``) is mounted read-only (a ConfigMap from the
release file, for example at ``/etc/gbi/specs/gbi/``, with ``GBI_KOPPELVLAK_SPECS_DIR=/etc/gbi/specs``) or copied
into the image next to the orchestration definitions. With front offices configured
(``GBI_KOPPELVLAK_FRONTOFFICES`` JSON or ``GBI_KOPPELVLAK_FRONTOFFICES_FILE``, secrets by reference) the service
loads the schema at start-up and refuses to start when the file is missing or is not the published 1.2.1 (an
erratum no longer applies): a different schema needs a review, not a silent change of what GBI accepts.
"""

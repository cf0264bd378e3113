"""Test helpers every package's tests share (on ``sys.path`` through pytest's ``pythonpath``, never installed).

- :class:`ServerThread`: an ASGI app under uvicorn in a background thread, on loopback sockets of its own.
- :func:`dead_port`: a loopback port nobody listens on, for "the other side is down" tests.
- :func:`free_base_port`, :func:`port_free`, :func:`fresh_database`: ports and a PostgreSQL database for a suite.
- :func:`minimal_pdf`, :func:`is_wellformed_pdf`: a small but real PDF, and a structural check of one.
- :func:`ec_pem_pair`: an EC P-256 key pair as PEM, for signing and verifying the ``GBI-Context``.
"""

from gbi_testing.keys import ec_pem_pair
from gbi_testing.pdf import is_wellformed_pdf, minimal_pdf
from gbi_testing.servers import DEAD_PORT_RANGE, ServerThread, dead_port
from gbi_testing.suites import SUITE_PORT_OFFSETS, free_base_port, fresh_database, port_free

__all__ = [
    "DEAD_PORT_RANGE",
    "SUITE_PORT_OFFSETS",
    "ServerThread",
    "dead_port",
    "ec_pem_pair",
    "free_base_port",
    "fresh_database",
    "is_wellformed_pdf",
    "minimal_pdf",
    "port_free",
]

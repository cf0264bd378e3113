"""gbi-simulator: the outside world for development and tests (BRP Personen v2, development identity provider).

Never deployed in production; see deploy/simulator/README.md. The process is ``gbi_simulator.app:create_app``.
"""

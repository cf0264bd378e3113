"""A simulated subscriber of GBI's notifications (the ZGW Notificaties consumer API): callback endpoints that check
the Authorization header, validate each notification against the official ``Notificatie`` schema, record it once
per id (counting repeats) and can be switched offline; test controls under ``/abonnee/_abonnees`` and
``/abonnee/_ontvangen``. See ``gbi_simulator.abonnee.api``."""

from gbi_simulator.abonnee.api import router
from gbi_simulator.abonnee.store import CONSUMER_SPEC, Abonnee, AbonneeSimulator, Modus, Ontvangst

__all__ = ["CONSUMER_SPEC", "Abonnee", "AbonneeSimulator", "Modus", "Ontvangst", "router"]

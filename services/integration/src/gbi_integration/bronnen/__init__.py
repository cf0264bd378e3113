"""Source ports of the integration layer and their adapters: income and benefits (UWV polis via Suwinet),
vehicles (RDW), property (Kadaster), student finance (DUO), detention (DJI) and Inlichtingenbureau signals.

Each source has a Protocol port and an adapter that speaks its protocol over HTTP through the shared transport,
with a timeout per attempt, retries with backoff (every source query is a read), and a circuit breaker of its own.
``BronnenService`` adds who-may-ask, the processing log and the dossier; ``router`` exposes it.
"""

from __future__ import annotations

from gbi_integration.bronnen.api import router
from gbi_integration.bronnen.audit import AuditLog, AuditNietBeschikbaar, GatewayAuditLog
from gbi_integration.bronnen.dji import DetentiesPort, DjiDetenties
from gbi_integration.bronnen.duo import StudiefinancieringPort, SuwinetDuo
from gbi_integration.bronnen.ib import IbSignalenPort, Inlichtingenbureau
from gbi_integration.bronnen.kadaster import EigendommenPort, SuwinetKadaster
from gbi_integration.bronnen.rdw import SuwinetRdw, VoertuigenPort
from gbi_integration.bronnen.service import BronnenPoorten, BronnenService
from gbi_integration.bronnen.uwv import InkomstenPort, SuwinetUwv
from gbi_integration.settings import IntegrationSettings
from gbi_shared._http import HttpTransport
from gbi_shared.clients import GatewayClient

__all__ = [
    "AuditLog",
    "AuditNietBeschikbaar",
    "BronnenPoorten",
    "BronnenService",
    "DetentiesPort",
    "DjiDetenties",
    "EigendommenPort",
    "GatewayAuditLog",
    "IbSignalenPort",
    "InkomstenPort",
    "Inlichtingenbureau",
    "StudiefinancieringPort",
    "SuwinetDuo",
    "SuwinetKadaster",
    "SuwinetRdw",
    "SuwinetUwv",
    "VoertuigenPort",
    "bronnen_service",
    "router",
]


def bronnen_service(settings: IntegrationSettings, transport: HttpTransport, gateway: GatewayClient) -> BronnenService:
    """The real adapters, each with its own circuit breaker, and the processing log through the gateway."""
    poorten = BronnenPoorten(
        inkomsten=SuwinetUwv(settings, transport),
        voertuigen=SuwinetRdw(settings, transport),
        eigendommen=SuwinetKadaster(settings, transport),
        studiefinanciering=SuwinetDuo(settings, transport),
        detenties=DjiDetenties(settings, transport),
        ib=Inlichtingenbureau(settings, transport),
    )
    return BronnenService(poorten, GatewayAuditLog(gateway, timeout_s=settings.audit_timeout_s))

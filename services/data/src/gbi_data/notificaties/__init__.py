"""Notifications out (ZGW Notificaties style): kanalen, abonnementen per gemeente with a callback URL and the
Authorization header to send, an outbox written in the same transaction as the change it announces, and one
levering per notification and abonnement that the integration layer's delivery worker claims, delivers and reports.

Other data-service code announces a change with :func:`publiceer` inside its own transaction. ``router``
(``gbi_data.notificaties.api``) is included by ``gbi_data.app``; the tables are in ``gbi_data.notificaties.models``
(migration ``v0005_notificaties``), the SQL in ``repository``, the use cases in ``service``.
"""

from gbi_data.notificaties.service import publiceer

__all__ = ["publiceer"]

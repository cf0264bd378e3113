"""All SQL of the web pages' store: sessions and drafts.

The inactivity limit is enforced here, in the query: a session whose ``laatst_actief`` is older than ``idle_s``
or whose token has expired is never returned (and is deleted when asked for), whatever the caller's clock says.
``opruimen`` deletes every expired session and draft in one statement per table.

A session's key is the SHA-256 (hex) of its cookie value, computed by the caller: the store never sees a cookie.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gbi_data.interactie.models import WebConcept, WebSessie

__all__ = [
    "concept_bewaar",
    "concept_lees",
    "concept_verwijder",
    "opruimen",
    "sessie_bewaar",
    "sessie_lees",
    "sessie_verwijder",
]

_SLEUTEL = re.compile(r"[0-9a-f]{64}")


def _sleutel(sleutel: str) -> str:
    if not _SLEUTEL.fullmatch(sleutel):
        raise ValueError("a session key is the lowercase hex SHA-256 of the cookie value")
    return sleutel


def _levend(nu: datetime, idle_s: int) -> Any:
    return (WebSessie.laatst_actief > nu - timedelta(seconds=idle_s)) & or_(
        WebSessie.verloopt_op.is_(None), WebSessie.verloopt_op > nu
    )


def sessie_lees(session: Session, sleutel: str, *, nu: datetime, idle_s: int) -> dict[str, Any] | None:
    """The live session's data with its inactivity clock restarted at ``nu``; None when unknown or ended (an ended
    session is deleted)."""
    sleutel = _sleutel(sleutel)
    gegevens = session.execute(
        update(WebSessie)
        .where(WebSessie.sleutel == sleutel, _levend(nu, idle_s))
        .values(laatst_actief=nu)
        .returning(WebSessie.gegevens)
    ).scalar_one_or_none()
    if gegevens is None:
        session.execute(delete(WebSessie).where(WebSessie.sleutel == sleutel))
        return None
    data: dict[str, Any] = json.loads(gegevens)
    return data


def sessie_bewaar(
    session: Session, sleutel: str, gegevens: dict[str, Any], *, verloopt_op: datetime | None, nu: datetime
) -> None:
    """Create or replace the session under ``sleutel``; its inactivity clock starts at ``nu``."""
    values = {
        "sleutel": _sleutel(sleutel),
        "gegevens": json.dumps(gegevens, separators=(",", ":")),
        "laatst_actief": nu,
        "verloopt_op": verloopt_op,
        "aangemaakt_op": nu,
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(WebSessie).values(**values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[WebSessie.sleutel],
            set_={
                "gegevens": stmt.excluded.gegevens,
                "laatst_actief": stmt.excluded.laatst_actief,
                "verloopt_op": stmt.excluded.verloopt_op,
            },
        )
    )


def sessie_verwijder(session: Session, sleutel: str) -> bool:
    return bool(session.execute(delete(WebSessie).where(WebSessie.sleutel == _sleutel(sleutel))).rowcount)  # type: ignore[attr-defined]


def concept_lees(session: Session, gemeente: str, bsn: str, soort: str, *, nu: datetime) -> dict[str, Any] | None:
    gegevens = session.execute(
        select(WebConcept.gegevens).where(
            WebConcept.gemeente == gemeente,
            WebConcept.bsn == bsn,
            WebConcept.soort == soort,
            WebConcept.verloopt_op > nu,
        )
    ).scalar_one_or_none()
    if gegevens is None:
        return None
    data: dict[str, Any] = json.loads(gegevens)
    return data


def concept_bewaar(
    session: Session, gemeente: str, bsn: str, soort: str, gegevens: dict[str, Any], *, nu: datetime, ttl_s: int
) -> None:
    values = {
        "gemeente": gemeente,
        "bsn": bsn,
        "soort": soort,
        "gegevens": json.dumps(gegevens, separators=(",", ":")),
        "bijgewerkt_op": nu,
        "verloopt_op": nu + timedelta(seconds=ttl_s),
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(WebConcept).values(**values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[WebConcept.gemeente, WebConcept.bsn, WebConcept.soort],
            set_={
                "gegevens": stmt.excluded.gegevens,
                "bijgewerkt_op": stmt.excluded.bijgewerkt_op,
                "verloopt_op": stmt.excluded.verloopt_op,
            },
        )
    )


def concept_verwijder(session: Session, gemeente: str, bsn: str, soort: str) -> bool:
    result = session.execute(
        delete(WebConcept).where(WebConcept.gemeente == gemeente, WebConcept.bsn == bsn, WebConcept.soort == soort)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def opruimen(session: Session, *, nu: datetime, idle_s: int) -> tuple[int, int]:
    """Delete every ended session and (of the session's gemeente, under row-level security) every expired draft:
    (sessions, drafts) deleted."""
    sessies = session.execute(delete(WebSessie).where(~_levend(nu, idle_s))).rowcount  # type: ignore[attr-defined]
    concepten = session.execute(delete(WebConcept).where(WebConcept.verloopt_op <= nu)).rowcount  # type: ignore[attr-defined]
    return int(sessies), int(concepten)

# ruff: noqa: S608  (the SQL here is composed of fixed fragments only; every value is a bound parameter)
"""All SQL of the payment run. Set-based: one query reads a chunk of work, one statement writes a chunk of payments.

PostgreSQL writes payments with ``COPY`` into a per-connection temporary table and one
``INSERT ... SELECT ... ON CONFLICT (uitkering_id, maand) DO NOTHING`` (``COPY FROM`` itself is not allowed into a
table with row-level security, and the conflict clause is what makes a repeated chunk harmless). SQLite (the
embedded default) uses Core ``executemany`` with the same conflict clause.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = [
    "BETALING_KOLOMMEN",
    "Werkregel",
    "as_uuid",
    "eerste_van_maand",
    "lees_betalingen",
    "lees_betalingen_json",
    "lees_werk",
    "lees_werk_json",
    "schrijf_betalingen",
    "tel_betaald",
    "tel_start",
    "volgende_maand",
]

# The amounts of a payment as the domain layer computes them, in the order of a row of the write body.
BETALING_KOLOMMEN = (
    "norm_cents",
    "inkomen_cents",
    "bijstand_cents",
    "reservering_cents",
    "verlaging_cents",
    "vakantietoeslag_cents",
    "voorschot_verrekend_cents",
    "bedrag_cents",
)


def eerste_van_maand(d: date) -> date:
    return d.replace(day=1)


def volgende_maand(d: date) -> date:
    return date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)


def maand_terug(d: date, maanden: int) -> date:
    index = d.year * 12 + d.month - 1 - maanden
    return date(index // 12, index % 12 + 1, 1)


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _index_plan(session: Session) -> None:
    """Keep the bulk queries on their indexes for the rest of this transaction (PostgreSQL only).

    The payment run's statistics are stale by nature: a month's payments do not exist when the run starts and grow
    by hundreds of thousands while it runs, before autovacuum analyses them. Planned on "no rows yet", the
    anti-join "no payment this month" becomes a hash or a sequential scan per chunk and the run turns quadratic
    (measured: minutes per chunk at 70,000 payments). The right plan is known and stable -- walk the
    ``(gemeente, uitkering_id)`` index from the cursor, probe ``uitkeringen`` and the unique
    ``(uitkering_id, maand)`` index per row, stop at the limit -- so this transaction asks for it. The same goes for
    the write: each row of the chunk probes the grondslag by its key (without ``enable_material = off`` the planner,
    misled by the row-level-security filter, rescanned the gemeente's grondslagen per row: 2 s per 5,000 rows). No
    JIT: the disabled plans carry huge costs that would compile every statement (0.4 s each) for nothing.
    """
    if _is_pg(session):
        session.execute(
            text(
                "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), "
                "set_config('enable_mergejoin', 'off', true), set_config('enable_material', 'off', true), "
                "set_config('jit', 'off', true)"
            )
        )


def _uid(session: Session, value: uuid.UUID) -> Any:
    """A uuid as the dialect stores it (SQLite: 32 hex characters, as SQLAlchemy's ``Uuid`` does)."""
    return value if _is_pg(session) else value.hex


def as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class Werkregel:
    """One uitkering still to be paid for the month, with everything its amount depends on."""

    uitkering_id: uuid.UUID
    startdatum: date
    huishouden_json: str  # the stored JSON text, handed on as it is (never parsed here)
    voorschot_open_cents: int
    verlaging_bp: int
    vakantietoeslag_opgebouwd_cents: int


def _actief(alias: str = "u") -> str:
    return f"{alias}.status = 'actief' AND {alias}.startdatum < :volgende"


def tel_start(session: Session, gemeente: str, maand: date) -> tuple[int, int, int]:
    """What a run starts from in ``gemeente`` for ``maand``, in one statement: the active uitkeringen running in
    ``maand`` it can pay (those with a grondslag), the active ones it cannot (no grondslag recorded) and the
    payments already made (``tel_betaald``). One pass over the gemeente's uitkeringen (by
    ``ix_uitkeringen_gemeente_id``) instead of two over all of them."""
    sql = (
        "SELECT count(g.uitkering_id), count(*) FILTER (WHERE g.uitkering_id IS NULL), "
        "(SELECT count(*) FROM betalingen b WHERE b.gemeente = :gemeente AND b.maand = :maand) "
        "FROM uitkeringen u LEFT JOIN uitkering_grondslagen g ON g.uitkering_id = u.id AND g.gemeente = :gemeente "
        f"WHERE u.gemeente = :gemeente AND {_actief()}"
    )
    params = {"gemeente": gemeente, "maand": maand, "volgende": volgende_maand(maand)}
    totaal, zonder, betaald = session.execute(text(sql), params).one()
    return int(totaal), int(zonder), int(betaald)


def tel_betaald(session: Session, gemeente: str, maand: date) -> int:
    sql = "SELECT count(*) FROM betalingen WHERE gemeente = :gemeente AND maand = :maand"
    return int(session.execute(text(sql), {"gemeente": gemeente, "maand": maand}).scalar_one())


def _werk_query(
    session: Session, gemeente: str, maand: date, *, after: uuid.UUID | None, limit: int, vakantietoeslag: bool
) -> tuple[str, dict[str, Any]]:
    periode = maand.strftime("%Y-%m")
    vt_sql = (
        "COALESCE((SELECT sum(b2.reservering_cents) FROM betalingen b2 WHERE b2.uitkering_id = u.id "
        "AND b2.maand >= :vt_van AND b2.maand < :maand), 0)"
        if vakantietoeslag
        else "0"
    )
    sql = f"""
        SELECT g.uitkering_id, u.startdatum, g.huishouden AS huishouden,
               COALESCE((SELECT sum(v.bedrag_cents) FROM voorschotten v
                         WHERE v.aanvraag_id = u.aanvraag_id AND v.periode <= :periode), 0)
               - COALESCE((SELECT sum(b1.voorschot_verrekend_cents) FROM betalingen b1
                           WHERE b1.uitkering_id = u.id AND b1.voorschot_verrekend_cents > 0), 0) AS voorschot_open,
               COALESCE((SELECT max(m.percentage_bp) FROM maatregelen m
                         WHERE m.uitkering_id = u.id AND m.van <= :maand AND m.tot >= :maand), 0) AS verlaging_bp,
               {vt_sql} AS vt_opgebouwd
        FROM uitkering_grondslagen g
        JOIN uitkeringen u ON u.id = g.uitkering_id
        WHERE g.gemeente = :gemeente AND {_actief()} {"AND g.uitkering_id > :after" if after is not None else ""}
          AND NOT EXISTS (SELECT 1 FROM betalingen b WHERE b.uitkering_id = g.uitkering_id AND b.maand = :maand)
        ORDER BY g.uitkering_id
        LIMIT :limit
    """
    params: dict[str, Any] = {
        "gemeente": gemeente,
        "maand": maand,
        "volgende": volgende_maand(maand),
        "periode": periode,
        "vt_van": maand_terug(maand, 12),
        "limit": limit,
    }
    if after is not None:
        params["after"] = _uid(session, after)
    return sql, params


def lees_werk(
    session: Session,
    gemeente: str,
    maand: date,
    *,
    after: uuid.UUID | None,
    limit: int,
    vakantietoeslag: bool,
) -> list[Werkregel]:
    """The next ``limit`` active uitkeringen of ``gemeente`` (by id, after ``after``) without a payment for
    ``maand``, with the open voorschot balance, the maatregel in force and (in the payout month) the vakantietoeslag
    reserved in the twelve months before."""
    sql, params = _werk_query(session, gemeente, maand, after=after, limit=limit, vakantietoeslag=vakantietoeslag)
    if _is_pg(session):
        sql = sql.replace("g.huishouden AS huishouden", "g.huishouden::text AS huishouden", 1)
    _index_plan(session)
    rows = session.execute(text(sql), params).all()
    return [
        Werkregel(
            uitkering_id=as_uuid(r[0]),
            startdatum=_as_date(r[1]),
            huishouden_json=r[2],
            voorschot_open_cents=max(0, int(r[3])),
            verlaging_bp=int(r[4]),
            vakantietoeslag_opgebouwd_cents=int(r[5]),
        )
        for r in rows
    ]


def lees_werk_json(
    session: Session,
    gemeente: str,
    maand: date,
    *,
    after: uuid.UUID | None,
    limit: int,
    vakantietoeslag: bool,
) -> tuple[str, int, uuid.UUID | None]:
    """PostgreSQL only: the rows of ``lees_werk`` as the JSON array of the werk answer, built by the database
    (``[[uitkeringId, startdatum, huishouden, voorschotOpen, verlagingBp, vakantietoeslagOpgebouwd], ...]``), with
    their number and the last uitkering id. The rows never become Python objects here: at 200,000 uitkeringen a
    run, building them was the largest cost of the data service."""
    sql, params = _werk_query(session, gemeente, maand, after=after, limit=limit, vakantietoeslag=vakantietoeslag)
    wrapped = f"""
        SELECT COALESCE(json_agg(json_build_array(w.uitkering_id, w.startdatum, w.huishouden,
                                                  GREATEST(w.voorschot_open, 0)::bigint, w.verlaging_bp::bigint,
                                                  w.vt_opgebouwd::bigint) ORDER BY w.uitkering_id)::text, '[]'),
               count(*), (array_agg(w.uitkering_id ORDER BY w.uitkering_id DESC))[1]
        FROM ({sql}) w
    """
    _index_plan(session)
    regels, aantal, laatste = session.execute(text(wrapped), params).one()
    return str(regels), int(aantal), None if laatste is None else as_uuid(laatste)


_INSERT_COLUMNS = (
    "gemeente, uitkering_id, maand, betaalrun_id, normcategorie, "
    + ", ".join(BETALING_KOLOMMEN)
    + ", regelset_versie, iban, naam, created_at"
)
_TEMP_TABLE = "betaling_invoer"


def schrijf_betalingen(
    session: Session,
    gemeente: str,
    maand: date,
    betaalrun_id: uuid.UUID,
    rows: Sequence[tuple[Any, ...]],
    now: datetime,
) -> int:
    """Insert the payments ``rows`` (uitkering_id, normcategorie, the amounts of ``BETALING_KOLOMMEN``,
    regelset_versie); the IBAN and name come from the uitkering's grondslag at this moment. A payment that already
    exists for (uitkering, maand) is skipped, not doubled. Returns how many were inserted."""
    if not rows:
        return 0
    amounts = ", ".join(f"t.{c}" for c in BETALING_KOLOMMEN)
    if _is_pg(session):
        _index_plan(session)
        connection = session.connection().connection.driver_connection
        assert connection is not None
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {_TEMP_TABLE} (uitkering_id uuid, normcategorie text, "
                + ", ".join(f"{c} bigint" for c in BETALING_KOLOMMEN)
                + ", regelset_versie text) ON COMMIT DELETE ROWS"
            )
            with cursor.copy(f"COPY {_TEMP_TABLE} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO betalingen ({_INSERT_COLUMNS}) "
                f"SELECT %(gemeente)s, t.uitkering_id, %(maand)s, %(run)s, t.normcategorie, {amounts}, "
                "t.regelset_versie, g.iban, g.naam, %(now)s "
                f"FROM {_TEMP_TABLE} t JOIN uitkering_grondslagen g ON g.uitkering_id = t.uitkering_id "
                "WHERE g.gemeente = %(gemeente)s "
                "ON CONFLICT (uitkering_id, maand) DO NOTHING",
                {"gemeente": gemeente, "maand": maand, "run": betaalrun_id, "now": now},
            )
            inserted = cursor.rowcount
            cursor.execute(f"TRUNCATE {_TEMP_TABLE}")
        return int(inserted)
    names = ("uitkering_id", "normcategorie", *BETALING_KOLOMMEN, "regelset_versie")
    sql = text(
        f"INSERT INTO betalingen ({_INSERT_COLUMNS}) "
        f"SELECT :gemeente, g.uitkering_id, :maand, :run, :normcategorie, "
        + ", ".join(f":{c}" for c in BETALING_KOLOMMEN)
        + ", :regelset_versie, g.iban, g.naam, :now "
        "FROM uitkering_grondslagen g WHERE g.uitkering_id = :uitkering_id AND g.gemeente = :gemeente "
        "ON CONFLICT (uitkering_id, maand) DO NOTHING"
    )
    stamp = now.replace(tzinfo=None)
    params = [
        {
            **dict(zip(names, row, strict=True)),
            "uitkering_id": as_uuid(row[0]).hex,
            "gemeente": gemeente,
            "maand": maand,
            "run": betaalrun_id.hex,
            "now": stamp,
        }
        for row in rows
    ]
    before = tel_betaald(session, gemeente, maand)
    session.execute(sql, params)
    return tel_betaald(session, gemeente, maand) - before


_BETALINGEN_SQL = (
    "SELECT id, uitkering_id, iban, naam, bedrag_cents, vakantietoeslag_cents, voorschot_verrekend_cents, maand "
    "FROM betalingen WHERE betaalrun_id = :run AND gemeente = :gemeente AND id > :after AND bedrag_cents > 0 "
    "ORDER BY id LIMIT :limit"
)


def lees_betalingen(
    session: Session, gemeente: str, betaalrun_id: uuid.UUID, *, after: int, limit: int
) -> list[tuple[Any, ...]]:
    """Payments of the run in ``gemeente`` with an amount to transfer, by id: (id, uitkering_id, iban, naam,
    bedrag, vakantietoeslag, voorschot_verrekend, maand)."""
    params = {"run": _uid(session, betaalrun_id), "gemeente": gemeente, "after": after, "limit": limit}
    _index_plan(session)
    return [tuple(r) for r in session.execute(text(_BETALINGEN_SQL), params).all()]


def lees_betalingen_json(session: Session, gemeente: str, betaalrun_id: uuid.UUID, *, after: int, limit: int) -> str:
    """PostgreSQL only: the rows of ``lees_betalingen`` as the JSON array of the answer, built by the database:
    ``[[id, uitkeringId, iban, naam, bedragCents, vakantietoeslagCents, voorschotVerrekendCents], ...]``."""
    sql = (
        "SELECT COALESCE(json_agg(json_build_array(p.id, p.uitkering_id, p.iban, p.naam, p.bedrag_cents, "
        "p.vakantietoeslag_cents, p.voorschot_verrekend_cents) ORDER BY p.id)::text, '[]') "
        f"FROM ({_BETALINGEN_SQL}) p"
    )
    params = {"run": betaalrun_id, "gemeente": gemeente, "after": after, "limit": limit}
    _index_plan(session)
    return str(session.execute(text(sql), params).scalar_one())


def specificaties_van(session: Session, gemeente: str, bsn: str, *, limit: int) -> list[Any]:
    """The payments of the citizen ``bsn`` in ``gemeente``, newest month first."""
    sql = (
        "SELECT b.id, b.uitkering_id, b.maand, b.normcategorie, "
        + ", ".join(f"b.{c}" for c in BETALING_KOLOMMEN)
        + ", b.regelset_versie, b.iban, b.created_at, r.betaaldatum "
        "FROM betalingen b JOIN uitkeringen u ON u.id = b.uitkering_id JOIN aanvragen a ON a.id = u.aanvraag_id "
        "JOIN betaalruns r ON r.id = b.betaalrun_id "
        "WHERE b.gemeente = :gemeente AND a.bsn = :bsn ORDER BY b.maand DESC, b.id DESC LIMIT :limit"
    )
    return list(session.execute(text(sql), {"gemeente": gemeente, "bsn": bsn, "limit": limit}).all())

"""The web pages' store on SQLite and PostgreSQL: sessions by the hash of their cookie, ended after 15 minutes
without a request (enforced in the query) or when the token expires, and drafts per gemeente and BSN under
row-level security."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from gbi_data.database import Database
from gbi_data.interactie import repository as store
from gbi_data.interactie.models import WebConcept, WebSessie

from ..conftest import AMSTERDAM, BSN_A, BSN_B, ROTTERDAM

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
IDLE = 900
COOKIE = "een-geheime-cookiewaarde"
KEY = hashlib.sha256(COOKIE.encode()).hexdigest()
GEGEVENS = {"csrf": "c", "gebruiker": {"sub": "s-1", "bsn": BSN_A}, "token": "eyJ.geheim.token"}


def _lees(database: Database, at: datetime, key: str = KEY) -> dict[str, object] | None:
    with database.transaction(gemeente=None) as session:
        return store.sessie_lees(session, key, nu=at, idle_s=IDLE)


def test_a_session_is_stored_under_the_hash_of_its_cookie_never_the_cookie(database: Database) -> None:
    with database.transaction(gemeente=None) as session:
        store.sessie_bewaar(session, KEY, GEGEVENS, verloopt_op=T0 + timedelta(hours=1), nu=T0)
    assert _lees(database, T0 + timedelta(seconds=10)) == GEGEVENS
    with database.transaction(gemeente=None) as session:
        rows = session.execute(select(WebSessie.sleutel, WebSessie.gegevens)).all()
    assert [r.sleutel for r in rows] == [KEY]
    assert COOKIE not in rows[0].gegevens
    assert rows[0].sleutel != COOKIE
    with database.transaction(gemeente=None) as session, pytest.raises(ValueError, match="SHA-256"):
        store.sessie_lees(session, COOKIE, nu=T0, idle_s=IDLE)


def test_each_request_restarts_the_fifteen_minutes_and_idleness_ends_the_session(database: Database) -> None:
    with database.transaction(gemeente=None) as session:
        store.sessie_bewaar(session, KEY, GEGEVENS, verloopt_op=None, nu=T0)
    # 14 minutes later: alive, and the clock restarts; 28 minutes after the start it is therefore still alive.
    assert _lees(database, T0 + timedelta(minutes=14)) == GEGEVENS
    assert _lees(database, T0 + timedelta(minutes=28)) == GEGEVENS
    # 15 minutes and one second without a request: ended, and gone from the table.
    assert _lees(database, T0 + timedelta(minutes=43, seconds=1)) is None
    with database.transaction(gemeente=None) as session:
        assert session.execute(select(WebSessie)).all() == []
    assert _lees(database, T0 + timedelta(minutes=43, seconds=2)) is None


def test_an_expired_token_ends_the_session_even_when_active(database: Database) -> None:
    with database.transaction(gemeente=None) as session:
        store.sessie_bewaar(session, KEY, GEGEVENS, verloopt_op=T0 + timedelta(minutes=5), nu=T0)
    assert _lees(database, T0 + timedelta(minutes=4, seconds=59)) == GEGEVENS
    assert _lees(database, T0 + timedelta(minutes=5)) is None


def test_saving_again_replaces_the_data_and_deleting_ends_it(database: Database) -> None:
    with database.transaction(gemeente=None) as session:
        store.sessie_bewaar(session, KEY, GEGEVENS, verloopt_op=None, nu=T0)
        store.sessie_bewaar(session, KEY, {**GEGEVENS, "csrf": "nieuw"}, verloopt_op=None, nu=T0 + timedelta(minutes=1))
    assert _lees(database, T0 + timedelta(minutes=2)) == {**GEGEVENS, "csrf": "nieuw"}
    with database.transaction(gemeente=None) as session:
        assert store.sessie_verwijder(session, KEY) is True
        assert store.sessie_verwijder(session, KEY) is False
    assert _lees(database, T0 + timedelta(minutes=2)) is None


def test_purge_deletes_only_ended_sessions_and_expired_drafts(database: Database) -> None:
    oud, vers = hashlib.sha256(b"oud").hexdigest(), hashlib.sha256(b"vers").hexdigest()
    with database.transaction(gemeente=AMSTERDAM) as session:
        store.sessie_bewaar(session, oud, GEGEVENS, verloopt_op=None, nu=T0)
        store.sessie_bewaar(session, vers, GEGEVENS, verloopt_op=None, nu=T0 + timedelta(minutes=10))
        store.concept_bewaar(session, AMSTERDAM, BSN_A, "aanvraag", {"a": "1"}, nu=T0, ttl_s=600)
        store.concept_bewaar(session, AMSTERDAM, BSN_B, "aanvraag", {"b": "2"}, nu=T0, ttl_s=3600)
    with database.transaction(gemeente=AMSTERDAM) as session:
        assert store.opruimen(session, nu=T0 + timedelta(minutes=16), idle_s=IDLE) == (1, 1)
    assert _lees(database, T0 + timedelta(minutes=16), oud) is None
    assert _lees(database, T0 + timedelta(minutes=16), vers) == GEGEVENS
    with database.transaction(gemeente=AMSTERDAM) as session:
        assert store.concept_lees(session, AMSTERDAM, BSN_B, "aanvraag", nu=T0 + timedelta(minutes=16)) == {"b": "2"}
        assert store.concept_lees(session, AMSTERDAM, BSN_A, "aanvraag", nu=T0 + timedelta(minutes=16)) is None


def test_drafts_per_gemeente_bsn_and_kind_replace_expire_and_delete(database: Database) -> None:
    with database.transaction(gemeente=AMSTERDAM) as session:
        store.concept_bewaar(session, AMSTERDAM, BSN_A, "aanvraag", {"stap": "1"}, nu=T0, ttl_s=3600)
        store.concept_bewaar(session, AMSTERDAM, BSN_A, "aanvraag", {"stap": "2"}, nu=T0, ttl_s=3600)
        store.concept_bewaar(session, AMSTERDAM, BSN_A, "wijziging", {"x": "y"}, nu=T0, ttl_s=3600)
    with database.transaction(gemeente=AMSTERDAM) as session:
        assert store.concept_lees(session, AMSTERDAM, BSN_A, "aanvraag", nu=T0) == {"stap": "2"}
        assert store.concept_lees(session, AMSTERDAM, BSN_B, "aanvraag", nu=T0) is None
        assert store.concept_lees(session, AMSTERDAM, BSN_A, "aanvraag", nu=T0 + timedelta(hours=1)) is None
        assert store.concept_verwijder(session, AMSTERDAM, BSN_A, "aanvraag") is True
        assert store.concept_lees(session, AMSTERDAM, BSN_A, "aanvraag", nu=T0) is None
        assert store.concept_lees(session, AMSTERDAM, BSN_A, "wijziging", nu=T0) == {"x": "y"}


@pytest.mark.postgres
def test_row_level_security_hides_another_gemeentes_drafts(database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("row-level security is PostgreSQL's")
    with database.transaction(gemeente=AMSTERDAM) as session:
        store.concept_bewaar(session, AMSTERDAM, BSN_A, "aanvraag", {"a": "1"}, nu=T0, ttl_s=3600)
    with database.transaction(gemeente=ROTTERDAM) as session:
        # Even asking for Amsterdam's key explicitly finds nothing, and nothing can be written in its name.
        assert store.concept_lees(session, AMSTERDAM, BSN_A, "aanvraag", nu=T0) is None
        assert session.execute(select(WebConcept)).all() == []
        assert store.concept_verwijder(session, AMSTERDAM, BSN_A, "aanvraag") is False
    with pytest.raises(Exception, match="row-level security"), database.transaction(gemeente=ROTTERDAM) as session:
        store.concept_bewaar(session, AMSTERDAM, BSN_B, "aanvraag", {"b": "2"}, nu=T0, ttl_s=3600)
    with database.transaction(gemeente=AMSTERDAM) as session:
        assert store.concept_lees(session, AMSTERDAM, BSN_A, "aanvraag", nu=T0) == {"a": "1"}

"""Migrations run on SQLite and PostgreSQL alike: up, down, up again; the models match them; seeding is
idempotent; the CLI works from a plain working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from gbi_data import repository
from gbi_data.alo.models import ALO_TABLES
from gbi_data.betaalrun.models import BETAALRUN_TABLES
from gbi_data.database import Database, normalise_url
from gbi_data.interactie.models import INTERACTIE_TABLES
from gbi_data.migrate import check, downgrade, main, upgrade
from gbi_data.notificaties.models import NOTIFICATIE_TABLES
from gbi_data.seed import BELEID, GEMEENTEN, seed_beleid
from gbi_data.settings import DataSettings
from gbi_data.signalen.models import SIGNAAL_TABLES

TABLES = {"gemeenten", "proefberekeningen", "audit_log", "audit_chain_heads", "beleidsversies"}
ALL_TABLES = TABLES | set(ALO_TABLES) | set(NOTIFICATIE_TABLES) | set(SIGNAAL_TABLES) | set(BETAALRUN_TABLES)
ALL_TABLES |= set(INTERACTIE_TABLES)


def _tables(settings: DataSettings) -> set[str]:
    engine = create_engine(normalise_url(settings.database_url))
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _gemeente_count(settings: DataSettings) -> int:
    database = Database(settings)
    try:
        with database.transaction(gemeente=None) as session:
            return len(repository.list_gemeenten(session))
    finally:
        database.dispose()


def test_upgrade_downgrade_upgrade(settings: DataSettings) -> None:
    assert upgrade(settings) == len(GEMEENTEN)
    assert _tables(settings) == ALL_TABLES
    downgrade(settings, "base")
    assert _tables(settings) == set()
    assert upgrade(settings) == len(GEMEENTEN)
    assert _tables(settings) == ALL_TABLES
    assert _gemeente_count(settings) == 13


def _beleid_count(settings: DataSettings) -> int:
    database = Database(settings)
    try:
        total = 0
        for code, _ in GEMEENTEN:
            with database.transaction(gemeente=code) as session:
                total += sum(
                    len(repository.list_beleidsversies(session, code, onderwerp))
                    for onderwerp in ("bijzondere-bijstand", "afstemming", "vakantiegeld", "vierogen")
                )
        return total
    finally:
        database.dispose()


def test_the_policy_revision_goes_down_and_up_alone(settings: DataSettings) -> None:
    upgrade(settings)
    assert "beleidsversies" in _tables(settings)
    assert _beleid_count(settings) == 13 * 4
    downgrade(settings, "0002")
    assert _tables(settings) == {"gemeenten", "proefberekeningen", "audit_log", "audit_chain_heads"}
    assert _gemeente_count(settings) == 13
    upgrade(settings)
    assert "beleidsversies" in _tables(settings)
    assert _beleid_count(settings) == 13 * 4
    assert check(settings) is None


def test_policy_seed_is_idempotent_and_leaves_recorded_policy_alone(migrated: DataSettings) -> None:
    assert len(BELEID) == 13 * 4
    database = Database(migrated)
    try:
        with database.owner_transaction() as session:
            assert seed_beleid(session) == 0
    finally:
        database.dispose()
    assert upgrade(migrated) == 0
    assert _beleid_count(migrated) == 13 * 4


def test_models_and_migrations_are_in_step(migrated: DataSettings) -> None:
    assert check(migrated) is None


def test_seed_is_idempotent(migrated: DataSettings) -> None:
    assert upgrade(migrated) == 0
    assert _gemeente_count(migrated) == 13


def test_seed_has_the_thirteen_gemeenten() -> None:
    codes = dict(GEMEENTEN)
    assert len(codes) == 13
    assert codes["0363"] == "Amsterdam"
    assert codes["0518"] == "'s-Gravenhage"
    assert codes["0796"] == "'s-Hertogenbosch"
    assert codes["0995"] == "Lelystad"


def test_main_check_reports_in_step(migrated: DataSettings) -> None:
    assert main(["check"], settings=migrated) == 0


def test_cli_creates_the_default_sqlite_file_relative_to_the_working_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GBI_")}
    env["GBI_ENVIRONMENT"] = "test"
    result = subprocess.run(
        [sys.executable, "-m", "gbi_data.migrate"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "13 gemeenten added" in result.stdout
    assert (tmp_path / "var" / "gbi.db").is_file()


def test_an_unusable_database_is_one_line_without_password(capsys: pytest.CaptureFixture[str]) -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    settings = DataSettings(database_url="postgresql+psycopg://gbi:geheim-wachtwoord@127.0.0.1:1/gbi")
    assert main(["upgrade"], settings=settings) == 2
    err = capsys.readouterr().err
    assert err.startswith("the database at postgresql+psycopg://gbi:***@127.0.0.1:1/gbi is not usable: ")
    assert err.count("\n") == 1
    assert "geheim-wachtwoord" not in err
    assert "Traceback" not in err

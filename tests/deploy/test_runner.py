"""The suite runner wires the processes the way the simulator and the services expect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gbi_runner import COMPONENTS, Suite, SuiteConfig
from gbi_runner.suite import GBI_GEMEENTEN, synthetic_rsin
from gbi_simulator._constants import DEFAULT_IDP_ISSUER, idp_issuer_for_base_port
from gbi_simulator.gemeenten import GBI_GEMEENTEN as SIMULATOR_GEMEENTEN
from gbi_simulator.zgw.catalogi import gemeente_rsin
from gbi_testing import free_base_port


def test_the_runner_and_the_simulator_agree_on_the_gemeenten_and_their_rsins() -> None:
    assert set(GBI_GEMEENTEN) == set(SIMULATOR_GEMEENTEN)
    for code in GBI_GEMEENTEN:
        assert synthetic_rsin(code) == gemeente_rsin(code)


def test_the_token_command_finds_the_idp_the_runner_starts_on_any_base_port(tmp_path: Path) -> None:
    # ``GBI_BASE_PORT=N make token`` asks the simulator the runner starts for ``GBI_BASE_PORT=N make run``.
    for base_port in (8000, 23400):
        suite = Suite(SuiteConfig(var_dir=tmp_path, base_port=base_port))
        suite.prepare()
        env = suite.env_for(next(c for c in COMPONENTS if c.name == "gateway"))
        assert env["GBI_OIDC_ISSUER"] == idp_issuer_for_base_port(base_port)
    assert idp_issuer_for_base_port(8000) == DEFAULT_IDP_ISSUER


def test_prepare_writes_matching_client_files_and_keeps_them(tmp_path: Path) -> None:
    suite = Suite(SuiteConfig(var_dir=tmp_path, base_port=31000))
    suite.prepare()
    zgw_sim = json.loads((tmp_path / "zgw-clients.json").read_text())
    zgw_int = json.loads((tmp_path / "zgw-gemeenten.json").read_text())
    assert {c["gemeente"] for c in zgw_sim} == set(GBI_GEMEENTEN)
    for client in zgw_sim:
        assert zgw_int[client["gemeente"]]["secret"] == client["secret"]
        assert len(client["secret"]) >= 32
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".pem") and "public" not in path.name:
            assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"
    first = (tmp_path / "dev-clients.json").read_text()
    suite.prepare()
    assert (tmp_path / "dev-clients.json").read_text() == first


def test_every_process_gets_its_own_name_and_only_services_get_client_credentials(tmp_path: Path) -> None:
    suite = Suite(SuiteConfig(var_dir=tmp_path, base_port=31000))
    suite.prepare()
    for comp in COMPONENTS:
        env = suite.env_for(comp)
        assert env["GBI_SERVICE_NAME"] == f"gbi-{comp.name}"
        assert ("GBI_CLIENT_SECRET" in env) is comp.service
        assert ("GBI_CONTEXT_PRIVATE_KEY_FILE" in env) is (comp.name == "gateway")
        assert env["GBI_GATEWAY_URL"] == "http://127.0.0.1:31000"


def test_a_failed_migration_stops_what_was_started(tmp_path: Path) -> None:
    # The other processes start while the migration runs; when it fails, none of them is left running.
    base = free_base_port()
    suite = Suite(
        SuiteConfig(var_dir=tmp_path, base_port=base, database_url="postgresql+psycopg://gbi:x@127.0.0.1:1/gbi")
    )
    with pytest.raises(RuntimeError, match="database migration failed"):
        suite.start()
    assert suite.procs, "the other processes were started alongside the migration"
    assert "data" not in suite.procs
    assert all(proc.poll() is not None for proc in suite.procs.values())

"""The repository's layout as issue 2 asks it: the five layers with the same file set each, one lock file for the
whole workspace, Python 3.11, and the documents every reader starts from."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("interaction", "process", "integration", "domain", "data")
#: Every layer: one FastAPI app built by gbi_shared's factory (app.py), its routes (api.py), its use cases
#: (service.py), its settings (settings.py), typed (py.typed), its own tests.
SERVICE_FILES = ("__init__.py", "app.py", "api.py", "service.py", "settings.py", "py.typed")


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_has_the_same_file_set(layer: str) -> None:
    base = ROOT / "services" / layer
    assert (base / "pyproject.toml").is_file()
    assert (base / "tests").is_dir()
    package = base / "src" / f"gbi_{layer}"
    missing = [name for name in SERVICE_FILES if not (package / name).is_file()]
    assert not missing, f"services/{layer} lacks {missing}"
    app = (package / "app.py").read_text(encoding="utf-8")
    assert "def create_app(" in app
    assert "from gbi_shared import create_app as create_service_app" in app  # the one factory of gbi-shared
    assert "create_service_app(" in app
    project = tomllib.loads((base / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == f"gbi-{layer}"
    assert project["requires-python"].startswith(">=3.11")


def test_the_top_level_layout_one_lock_file_and_python_3_11() -> None:
    for path in ("gateway", "orchestration", "shared", "deploy", "tests", "docs/adr", "services"):
        assert (ROOT / path).is_dir(), path
    for path in ("Makefile", "README.md", "CHANGELOG.md", "docs/architecture.md", "docs/glossary.md", "uv.lock"):
        assert (ROOT / path).is_file(), path
    assert sorted(p.name for p in (ROOT / "services").iterdir() if p.is_dir() and not p.name.startswith(".")) == sorted(
        LAYERS
    )
    # One lock file for the whole workspace: no member has its own.
    locks = [p for p in ROOT.rglob("uv.lock") if ".venv" not in p.parts and "node_modules" not in p.parts]
    assert locks == [ROOT / "uv.lock"]
    assert (ROOT / ".python-version").read_text(encoding="utf-8").strip().startswith("3.11")
    root = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert root["project"]["requires-python"] == ">=3.11,<3.12"
    members = set(root["project"]["dependencies"])
    assert {f"gbi-{layer}" for layer in LAYERS} | {"gbi-shared", "gbi-gateway"} <= members

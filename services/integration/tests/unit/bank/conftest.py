"""Fixtures of the bank adapter tests: the official pain.001.001.03 schema and sample, read from the shared specs
(``<repo>/../shared/specs/sepa/``; never copied into the project)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

REPO = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").is_file())
SEPA_SPECS = REPO / ".." / "shared" / "specs" / "sepa"


@pytest.fixture(scope="session")
def pain001_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SEPA_SPECS / "pain.001.001.03.xsd")))


@pytest.fixture(scope="session")
def pain001_sample() -> bytes:
    return (SEPA_SPECS / "sample-pain.001.001.03.xml").read_bytes()

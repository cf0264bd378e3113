"""Fixtures for the gbi-shared tests: keys, a clean environment and logging, and real loopback HTTP servers."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


@dataclass(frozen=True)
class EcKeyPair:
    private_pem: str
    public_pem: str


def make_ec_keypair() -> EcKeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return EcKeyPair(private_pem, public_pem)


@pytest.fixture(scope="session")
def context_keys() -> EcKeyPair:
    """The gateway's ES256 context key pair."""
    return make_ec_keypair()


@pytest.fixture(scope="session")
def other_keys() -> EcKeyPair:
    """A key pair nobody trusts."""
    return make_ec_keypair()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings must come from the test, not from whatever GBI_* variables the machine has; and the app factory
    reconfigures the root logger, which must not leak into the next test."""
    for name in list(os.environ):
        if name.startswith("GBI_"):
            monkeypatch.delenv(name)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)

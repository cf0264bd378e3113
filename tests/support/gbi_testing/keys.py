"""Key material for tests: the EC P-256 pair the gateway signs the verified context (``GBI-Context``) with."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = ["ec_pem_pair"]


def ec_pem_pair() -> tuple[str, str]:
    """A fresh EC P-256 key pair as PEM text: (PKCS#8 private key, SubjectPublicKeyInfo public key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public.decode()

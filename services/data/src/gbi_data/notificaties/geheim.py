"""The Authorization header of an abonnement is a secret of the subscriber: stored encrypted, shown only masked.

Encryption is Fernet (AES-128-CBC with HMAC-SHA256, authenticated), under a key derived with HKDF-SHA256 from the
data service's secret key (``GBI_AUDIT_PSEUDONYM_KEY``, required and checked in production) with its own ``info``
label, so the two uses never share key material. A database dump or backup therefore holds no usable header; only
the claim of the delivery worker (a GBI service) gets the plain value, to send it.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["AuthKluis", "hint"]

_INFO = b"gbi-data/notificaties/abonnement-auth/v1"


class AuthKluis:
    """Encrypts and decrypts abonnement Authorization headers."""

    def __init__(self, secret: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode("utf-8"))
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def versleutel(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def ontsleutel(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:  # another key, or an altered row
            raise ValueError("de auth van dit abonnement is niet te ontsleutelen") from exc


def hint(value: str) -> str:
    """The masked form people see: the scheme (``Bearer``, ``Token``, ...) and, for a long enough credential, its
    last four characters; never more."""
    scheme, _, credential = value.strip().partition(" ")
    if not credential:
        scheme, credential = "", scheme
    prefix = f"{scheme} " if scheme and len(scheme) <= 20 and scheme.isascii() and scheme.isalpha() else ""
    tail = credential[-4:] if len(credential) >= 16 else ""
    return f"{prefix}****{tail}"

"""Errors of the ZGW APIs in their own format (``Fout``, ``ValidatieFout``), and the log of rejected requests.

The bodies follow the ZGW reference implementations (vng-api-common): ``type`` (a URI per kind of error),
``code``, ``title``, ``status``, ``detail``, ``instance`` (``urn:uuid:...``) and, for a 400, ``invalidParams``
with ``name``/``code``/``reason`` per field. As in the reference implementations, a missing or invalid JWT is a
403 (``not_authenticated`` / ``permission_denied``), a missing ``Accept-Crs``/``Content-Crs`` header a 412, an
unsupported CRS a 406 (Accept-Crs) or 415 (Content-Crs), and a body that is not ``application/json`` a 415.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gbi_simulator.zgw.spec import SchemaError

__all__ = ["Rejection", "RejectionLog", "ZgwProblem"]

_KINDS = {
    400: ("ValidationError", "Invalid input."),
    403: ("PermissionDenied", "U heeft geen toestemming om deze actie uit te voeren."),
    404: ("NotFound", "Niet gevonden."),
    405: ("MethodNotAllowed", "Methode niet toegestaan."),
    406: ("NotAcceptable", "Kan niet voldoen aan de opgegeven Accept header."),
    409: ("Conflict", "Conflict."),
    412: ("PreconditionFailed", "Precondition failed"),
    415: ("UnsupportedMediaType", "Niet ondersteund media type in verzoek."),
    500: ("APIException", "Er is een serverfout opgetreden."),
    501: ("NotImplemented", "Niet gesimuleerd."),
}


class ZgwProblem(Exception):
    """An answer other than success, rendered as the spec's ``Fout`` (or ``ValidatieFout`` for a 400)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str | None = None,
        invalid_params: Iterable[SchemaError] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or _KINDS.get(status, _KINDS[500])[1]
        self.invalid_params = list(invalid_params or [])

    @classmethod
    def invalid(cls, params: Iterable[SchemaError]) -> ZgwProblem:
        params = list(params)
        names = ", ".join(dict.fromkeys(p.name for p in params))
        return cls(400, "invalid", f"Ongeldige invoer: {names}.", invalid_params=params)

    @classmethod
    def field(cls, name: str, code: str, reason: str) -> ZgwProblem:
        return cls.invalid([SchemaError(name, code, reason)])

    @classmethod
    def not_found(cls, detail: str = "Niet gevonden.") -> ZgwProblem:
        return cls(404, "not_found", detail)

    @classmethod
    def not_simulated(cls, what: str) -> ZgwProblem:
        return cls(501, "not-simulated", f"De simulator ondersteunt dit (nog) niet: {what}.")

    def body(self, api: str, base_url: str) -> dict[str, Any]:
        kind = _KINDS.get(self.status, _KINDS[500])[0]
        out: dict[str, Any] = {
            "type": f"{base_url}/zgw/{api}/ref/fouten/{kind}/",
            "code": self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": f"urn:uuid:{uuid.uuid4()}",
        }
        if self.status == 400:
            out["invalidParams"] = [{"name": p.name, "code": p.code, "reason": p.reason} for p in self.invalid_params]
        return out


@dataclass(frozen=True, slots=True)
class Rejection:
    """One request the simulated zaaksysteem refused (or could not answer as the spec says)."""

    at: str
    api: str
    operation: str | None
    method: str
    path: str
    status: int
    code: str
    reason: str
    client_id: str | None = None
    invalid_params: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "api": self.api,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "code": self.code,
            "reason": self.reason,
            "clientId": self.client_id,
            "invalidParams": self.invalid_params,
        }


class RejectionLog:
    """Counts every rejection and keeps the most recent ones (a bounded list)."""

    def __init__(self, keep: int = 1000) -> None:
        self._items: deque[Rejection] = deque(maxlen=keep)
        self._violations: deque[dict[str, Any]] = deque(maxlen=keep)
        self._count = 0
        self._lock = threading.Lock()

    def record(
        self,
        *,
        api: str,
        operation: str | None,
        method: str,
        path: str,
        problem: ZgwProblem,
        client_id: str | None,
    ) -> Rejection:
        item = Rejection(
            at=datetime.now(UTC).isoformat(),
            api=api,
            operation=operation,
            method=method,
            path=path,
            status=problem.status,
            code=problem.code,
            reason=problem.detail,
            client_id=client_id,
            invalid_params=[{"name": p.name, "code": p.code, "reason": p.reason} for p in problem.invalid_params],
        )
        with self._lock:
            self._items.append(item)
            self._count += 1
        return item

    def violation(self, *, api: str, operation: str, status: int, errors: list[SchemaError]) -> None:
        """A response of the simulator that does not match the spec (a bug of the simulator)."""
        with self._lock:
            self._violations.append(
                {
                    "at": datetime.now(UTC).isoformat(),
                    "api": api,
                    "operation": operation,
                    "status": status,
                    "errors": [{"name": e.name, "code": e.code, "reason": e.reason} for e in errors[:20]],
                }
            )

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "count": self._count,
                "rejections": [r.to_json() for r in self._items],
                "responseViolations": list(self._violations),
            }

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._violations.clear()
            self._count = 0

"""The error tree of GBI, rendered as ``application/problem+json`` (RFC 9457, NL API Design Rules).

Errors are values with a status. Use cases raise them; the app factory renders them::

    ServiceError                      500  base: something we did not expect
    +-- BadRequestError               400  the request cannot be processed as sent (invalidParams names fields)
    +-- UnauthorizedError             401  no or invalid credentials
    +-- ForbiddenError                403  authenticated but not allowed
    +-- NotFoundError                 404  does not exist, or not visible to this caller (never says which)
    +-- ConflictError                 409  conflicts with current state (e.g. an Idempotency-Key reused with a
    |                                      different body)
    +-- PayloadTooLargeError          413
    +-- UnprocessableError            422  well-formed, but the law or the state does not allow it
    +-- TooManyRequestsError          429  (carries retry_after seconds)
    +-- UpstreamError                 502  a layer or source answered wrongly
    +-- ServiceUnavailableError       503  a layer or source is not reachable now (carries retry_after)
    +-- UpstreamTimeoutError          504  a layer or source did not answer in time

An error that crossed a service boundary keeps its status, title, detail and invalidParams, so a 404 of the data
service reaches the citizen as the same 404 and a 400 keeps naming the field.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BadRequestError",
    "ConflictError",
    "ForbiddenError",
    "InvalidParam",
    "NotFoundError",
    "PayloadTooLargeError",
    "Problem",
    "ServiceError",
    "ServiceUnavailableError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnprocessableError",
    "UpstreamError",
    "UpstreamTimeoutError",
    "error_for_problem",
]

PROBLEM_TYPE_BASE = "https://gbi.example.nl/problemen/"


class InvalidParam(BaseModel):
    """One invalid input field, as in the NL API Design Rules (``invalidParams``)."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="The field, as a dotted path (for example aanvrager.geboortedatum)")
    code: str = Field(default="invalid", description="Machine-readable reason")
    reason: str = Field(description="Plain-language reason")


class Problem(BaseModel):
    """Problem details (RFC 9457) as every GBI API returns them."""

    model_config = ConfigDict(populate_by_name=True)

    type: str = Field(description="URI identifying the kind of problem")
    title: str = Field(description="Short summary of the kind of problem")
    status: int = Field(description="HTTP status code", ge=100, le=599)
    detail: str | None = Field(default=None, description="Explanation of this occurrence")
    instance: str | None = Field(default=None, description="URI of this occurrence (request path + request id)")
    code: str | None = Field(default=None, description="Machine-readable code of the problem")
    invalid_params: list[InvalidParam] | None = Field(
        default=None, alias="invalidParams", description="The invalid input fields"
    )


class ServiceError(Exception):
    """Base of all errors that GBI renders as problem+json."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Er ging iets mis aan onze kant"
    code: ClassVar[str] = "internal-error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        invalid_params: list[InvalidParam] | None = None,
        title: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.invalid_params = invalid_params
        self.instance_title = title or self.title
        self.instance_code = code or self.code
        self.headers = dict(headers or {})

    def to_problem(self, instance: str | None = None) -> Problem:
        return Problem(
            type=PROBLEM_TYPE_BASE + self.instance_code,
            title=self.instance_title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            code=self.instance_code,
            invalid_params=self.invalid_params,
        )


class BadRequestError(ServiceError):
    status = 400
    title = "Ongeldige invoer"
    code = "bad-request"

    @classmethod
    def for_field(cls, name: str, reason: str, code: str = "invalid") -> BadRequestError:
        return cls(f"{name}: {reason}", invalid_params=[InvalidParam(name=name, reason=reason, code=code)])


class UnauthorizedError(ServiceError):
    status = 401
    title = "Niet geauthenticeerd"
    code = "unauthorized"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        headers = kwargs.pop("headers", None) or {"WWW-Authenticate": 'Bearer realm="gbi"'}
        super().__init__(detail, headers=headers, **kwargs)


class ForbiddenError(ServiceError):
    status = 403
    title = "Geen toegang"
    code = "forbidden"


class NotFoundError(ServiceError):
    status = 404
    title = "Niet gevonden"
    code = "not-found"


class ConflictError(ServiceError):
    status = 409
    title = "Conflict"
    code = "conflict"


class PayloadTooLargeError(ServiceError):
    status = 413
    title = "Verzoek te groot"
    code = "payload-too-large"


class UnprocessableError(ServiceError):
    status = 422
    title = "Verzoek kan niet worden verwerkt"
    code = "unprocessable"


class TooManyRequestsError(ServiceError):
    status = 429
    title = "Te veel verzoeken"
    code = "too-many-requests"

    def __init__(self, detail: str | None = None, *, retry_after: int = 1, **kwargs: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))}, **kwargs)


class UpstreamError(ServiceError):
    status = 502
    title = "Fout bij een achterliggend systeem"
    code = "bad-gateway"


class ServiceUnavailableError(ServiceError):
    status = 503
    title = "Dienst tijdelijk niet beschikbaar"
    code = "service-unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 5, **kwargs: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))}, **kwargs)


class UpstreamTimeoutError(ServiceError):
    status = 504
    title = "Achterliggend systeem reageert niet op tijd"
    code = "gateway-timeout"


_BY_STATUS: dict[int, type[ServiceError]] = {
    cls.status: cls
    for cls in (
        BadRequestError,
        UnauthorizedError,
        ForbiddenError,
        NotFoundError,
        ConflictError,
        PayloadTooLargeError,
        UnprocessableError,
        TooManyRequestsError,
        UpstreamError,
        ServiceUnavailableError,
        UpstreamTimeoutError,
    )
}


def error_for_problem(status: int, body: dict[str, Any] | None) -> ServiceError:
    """Rebuild the error a downstream layer answered, so it crosses the boundary unchanged."""
    body = body or {}
    cls = _BY_STATUS.get(status)
    mapped = cls is not None
    if cls is None:
        cls = UpstreamError if status >= 500 else BadRequestError
    raw_params = body.get("invalidParams") or None
    try:
        params = [InvalidParam.model_validate(p) for p in raw_params] if isinstance(raw_params, list) else None
    except ValueError:  # a malformed invalidParams must not turn the upstream's answer into our own crash
        params = None
    code = body.get("code")
    title = body.get("title")
    detail = body.get("detail")
    error: ServiceError
    if cls in (TooManyRequestsError, ServiceUnavailableError):
        error = cls(
            detail if isinstance(detail, str) else None,
            title=title if isinstance(title, str) else None,
            code=code if isinstance(code, str) else None,
        )
    else:
        error = cls(
            detail if isinstance(detail, str) else None,
            invalid_params=params,
            title=title if isinstance(title, str) else None,
            code=code if isinstance(code, str) else None,
        )
    if not mapped and 400 <= status < 500:
        # A client error outside the tree (405, 410, 412, 415, ...) keeps its number across the boundary; an
        # unexpected server error of a layer stays a 502 (UpstreamError) for whoever called us.
        error.status = status  # type: ignore[misc]
    return error

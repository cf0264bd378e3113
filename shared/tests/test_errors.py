"""The error tree: every error renders as problem+json and crosses a service boundary unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from gbi_shared.errors import (
    PROBLEM_TYPE_BASE,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InvalidParam,
    NotFoundError,
    PayloadTooLargeError,
    Problem,
    ServiceError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnauthorizedError,
    UnprocessableError,
    UpstreamError,
    UpstreamTimeoutError,
    error_for_problem,
)

TREE: list[tuple[type[ServiceError], int, str]] = [
    (ServiceError, 500, "internal-error"),
    (BadRequestError, 400, "bad-request"),
    (UnauthorizedError, 401, "unauthorized"),
    (ForbiddenError, 403, "forbidden"),
    (NotFoundError, 404, "not-found"),
    (ConflictError, 409, "conflict"),
    (PayloadTooLargeError, 413, "payload-too-large"),
    (UnprocessableError, 422, "unprocessable"),
    (TooManyRequestsError, 429, "too-many-requests"),
    (UpstreamError, 502, "bad-gateway"),
    (ServiceUnavailableError, 503, "service-unavailable"),
    (UpstreamTimeoutError, 504, "gateway-timeout"),
]


@pytest.mark.parametrize(("cls", "status", "code"), TREE)
def test_every_error_renders_as_problem(cls: type[ServiceError], status: int, code: str) -> None:
    error = cls("iets specifieks")
    problem = error.to_problem("/v1/aanvragen/1#abc")
    body = problem.model_dump(by_alias=True, exclude_none=True)
    assert body["type"] == PROBLEM_TYPE_BASE + code
    assert body["title"] == cls.title
    assert body["status"] == status == error.status
    assert body["detail"] == "iets specifieks"
    assert body["instance"] == "/v1/aanvragen/1#abc"
    assert body["code"] == code
    assert "invalidParams" not in body
    assert issubclass(cls, ServiceError)
    assert str(error) == "iets specifieks"


def test_bad_request_names_the_field_as_invalid_params() -> None:
    error = BadRequestError.for_field("aanvrager.geboortedatum", "ligt in de toekomst", code="date-in-future")
    body = error.to_problem().model_dump(by_alias=True, exclude_none=True)
    assert body["status"] == 400
    assert body["invalidParams"] == [
        {"name": "aanvrager.geboortedatum", "code": "date-in-future", "reason": "ligt in de toekomst"}
    ]
    assert "aanvrager.geboortedatum" in body["detail"]
    assert "instance" not in body


def test_title_and_code_can_be_specialised_per_occurrence() -> None:
    error = ConflictError("al verwerkt", title="Dubbele aanvraag", code="duplicate-aanvraag")
    body = error.to_problem().model_dump(by_alias=True, exclude_none=True)
    assert body["title"] == "Dubbele aanvraag"
    assert body["type"] == PROBLEM_TYPE_BASE + "duplicate-aanvraag"
    assert body["code"] == "duplicate-aanvraag"
    # The class defaults are untouched.
    assert ConflictError.title == "Conflict"
    assert ConflictError().to_problem().code == "conflict"


def test_error_without_detail_uses_its_title_as_message() -> None:
    error = NotFoundError()
    assert error.detail is None
    assert str(error) == NotFoundError.title
    assert "detail" not in error.to_problem().model_dump(by_alias=True, exclude_none=True)


def test_unauthorized_carries_www_authenticate() -> None:
    assert UnauthorizedError().headers == {"WWW-Authenticate": 'Bearer realm="gbi"'}
    custom = UnauthorizedError(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    assert custom.headers == {"WWW-Authenticate": 'Bearer error="invalid_token"'}


@pytest.mark.parametrize(("retry_after", "header"), [(7, "7"), (0, "1"), (-3, "1")])
def test_retry_after_is_at_least_one_second(retry_after: int, header: str) -> None:
    assert TooManyRequestsError(retry_after=retry_after).headers == {"Retry-After": header}
    assert ServiceUnavailableError(retry_after=retry_after).headers == {"Retry-After": header}


def test_service_unavailable_defaults_to_retry_after_five() -> None:
    assert ServiceUnavailableError().headers == {"Retry-After": "5"}
    assert TooManyRequestsError().headers == {"Retry-After": "1"}


def test_problem_model_uses_camel_case_alias_and_validates_status() -> None:
    problem = Problem.model_validate(
        {
            "type": "about:blank",
            "title": "x",
            "status": 400,
            "invalidParams": [{"name": "a", "reason": "b"}],
        }
    )
    assert problem.invalid_params == [InvalidParam(name="a", code="invalid", reason="b")]
    with pytest.raises(ValueError, match="status"):
        Problem(type="about:blank", title="x", status=99)
    with pytest.raises(ValueError, match="status"):
        Problem(type="about:blank", title="x", status=600)


def test_invalid_param_is_immutable() -> None:
    param = InvalidParam(name="a", reason="b")
    with pytest.raises(ValueError, match="frozen"):
        param.name = "c"  # type: ignore[misc]


def _wire(error: ServiceError) -> dict[str, Any]:
    """What a layer sends: the problem as JSON."""
    return error.to_problem("/x#1").model_dump(mode="json", by_alias=True, exclude_none=True)


@pytest.mark.parametrize(("cls", "status", "code"), TREE[1:])
def test_error_for_problem_round_trips_every_class(cls: type[ServiceError], status: int, code: str) -> None:
    original = cls("detail van beneden", title="Specifieke titel", code=f"{code}-specifiek")
    again = error_for_problem(status, _wire(original))
    assert type(again) is cls
    assert again.status == status
    assert again.detail == "detail van beneden"
    assert again.instance_title == "Specifieke titel"
    assert again.instance_code == f"{code}-specifiek"
    assert again.to_problem("/x#1") == original.to_problem("/x#1")


def test_error_for_problem_keeps_invalid_params() -> None:
    original = BadRequestError(
        "twee velden",
        invalid_params=[
            InvalidParam(name="iban", code="iban", reason="geen geldig IBAN"),
            InvalidParam(name="partner.bsn", reason="elfproef"),
        ],
    )
    again = error_for_problem(400, _wire(original))
    assert isinstance(again, BadRequestError)
    assert again.invalid_params == original.invalid_params


def test_error_for_problem_retry_classes_get_their_header() -> None:
    again = error_for_problem(503, _wire(ServiceUnavailableError("BRP ligt eruit")))
    assert isinstance(again, ServiceUnavailableError)
    assert again.headers["Retry-After"] == "5"
    assert again.detail == "BRP ligt eruit"
    throttled = error_for_problem(429, _wire(TooManyRequestsError("rustig aan")))
    assert isinstance(throttled, TooManyRequestsError)
    assert throttled.headers["Retry-After"] == "1"


@pytest.mark.parametrize("status", [405, 410, 412, 415, 418])
def test_error_for_problem_keeps_unmapped_client_statuses(status: int) -> None:
    again = error_for_problem(status, {"title": "t", "detail": "d"})
    assert isinstance(again, BadRequestError)
    assert again.status == status
    assert again.to_problem().status == status
    # The class itself is not changed by that.
    assert BadRequestError.status == 400
    assert BadRequestError("x").status == 400


@pytest.mark.parametrize("status", [500, 501, 505])
def test_error_for_problem_unmapped_server_statuses_are_upstream_errors(status: int) -> None:
    again = error_for_problem(status, {"detail": "kapot"})
    assert isinstance(again, UpstreamError)
    assert again.status == 502
    assert again.detail == "kapot"


def test_error_for_problem_tolerates_bodies_that_are_not_problems() -> None:
    again = error_for_problem(404, None)
    assert isinstance(again, NotFoundError)
    assert again.detail is None
    assert again.instance_title == NotFoundError.title
    odd = error_for_problem(400, {"title": 5, "detail": ["x"], "code": None, "invalidParams": "nonsense"})
    assert isinstance(odd, BadRequestError)
    assert odd.instance_title == BadRequestError.title
    assert odd.detail is None
    assert odd.invalid_params is None


def test_error_for_problem_ignores_malformed_invalid_params() -> None:
    odd = error_for_problem(400, {"detail": "d", "invalidParams": [{"naam": "zonder reason"}]})
    assert isinstance(odd, BadRequestError)
    assert odd.invalid_params is None
    assert odd.detail == "d"

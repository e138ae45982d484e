"""The exception hierarchy (render_sdk.errors)."""

from __future__ import annotations

import inspect

import pytest

from render_sdk import errors
from render_sdk.models import TaskRunDetails, TaskRunStatus

ALL = [
    obj
    for _, obj in inspect.getmembers(errors, inspect.isclass)
    if issubclass(obj, BaseException) and obj.__module__ == errors.__name__
]


def test_every_exported_error_is_listed_and_public() -> None:
    public = {cls.__name__ for cls in ALL if not cls.__name__.startswith("_")}
    assert public == set(errors.__all__)


@pytest.mark.parametrize(
    "cls", [cls for cls in ALL if not issubclass(cls, Warning)], ids=lambda c: c.__name__
)
def test_every_error_derives_from_render_error(cls: type) -> None:
    assert issubclass(cls, errors.RenderError)


def test_render_warning_is_a_user_warning_not_an_error() -> None:
    assert issubclass(errors.RenderWarning, UserWarning)
    assert not issubclass(errors.RenderWarning, errors.RenderError)


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (errors.InvalidInputError, (ValueError, TypeError, errors.InvalidArgumentError)),
        (errors.InvalidTaskIdentifierError, (ValueError, errors.InvalidArgumentError)),
        (errors.InvalidArgumentError, (ValueError,)),
        (errors.WaitTimeoutError, (TimeoutError,)),
        (errors.APITimeoutError, (errors.APIConnectionError, errors.APIError)),
        (errors.APIResponseValidationError, (errors.APIError,)),
        (errors.RateLimitError, (errors.APIStatusError,)),
        (errors.InternalServerError, (errors.APIStatusError,)),
        (errors.NotFoundError, (errors.APIStatusError, errors.APIError)),
        (errors.TaskRunFailedError, (errors.TaskRunError,)),
        (errors.TaskRunCanceledError, (errors.TaskRunError,)),
    ],
)
def test_hierarchy(cls: type, bases: tuple[type, ...]) -> None:
    for base in bases:
        assert issubclass(cls, base)


def details(**kwargs: object) -> TaskRunDetails:
    return TaskRunDetails(id="trn-a", task_id="tsk-b", **kwargs)  # type: ignore[arg-type]


def test_task_run_failed_error_carries_details_and_error() -> None:
    failed = details(status=TaskRunStatus.FAILED, error="ZeroDivisionError")
    exc = errors.TaskRunFailedError("run trn-a failed", failed)
    assert exc.details is failed
    assert exc.error == "ZeroDivisionError"
    assert exc.task_run_id == "trn-a"
    assert str(exc) == "run trn-a failed"


def test_task_run_canceled_error_carries_details() -> None:
    canceled = details(status=TaskRunStatus.CANCELED)
    exc = errors.TaskRunCanceledError("canceled", canceled)
    assert exc.details is canceled
    assert exc.task_run_id == "trn-a"


def test_wait_timeout_error_carries_run_id_and_last_status() -> None:
    exc = errors.WaitTimeoutError("gave up", task_run_id="trn-a", last_status=TaskRunStatus.RUNNING)
    assert (exc.task_run_id, exc.last_status) == ("trn-a", TaskRunStatus.RUNNING)
    assert isinstance(exc, TimeoutError)


def test_input_error_carries_its_path() -> None:
    exc = errors.InvalidInputError("bad", path="input_data[0]")
    assert exc.path == "input_data[0]"
    assert errors.InvalidInputError("bad").path is None


def test_connection_errors_say_whether_the_request_was_sent() -> None:
    assert errors.APIConnectionError(request_sent=False).request_sent is False
    timeout = errors.APITimeoutError(method="GET", url="https://h/v1/x")
    assert (timeout.request_sent, timeout.method, str(timeout)) == (
        True,
        "GET",
        "Request timed out.",
    )


def test_status_error_attributes_and_case_insensitive_headers() -> None:
    exc = errors.RateLimitError(
        "slow down",
        retry_after=3.0,
        status_code=429,
        code="rate_limited",
        error_id="e1",
        request_id="r1",
        body=b"{}",
        headers={"Retry-After": "3", "X-Request-Id": "r1"},
    )
    assert (exc.status_code, exc.code, exc.error_id, exc.request_id, exc.retry_after) == (
        429,
        "rate_limited",
        "e1",
        "r1",
        3.0,
    )
    assert exc.headers["retry-after"] == exc.headers["Retry-After"] == "3"
    assert "x-request-id" in exc.headers
    assert len(exc.headers) == 2
    assert errors.APIStatusError("x", status_code=500).headers == {}

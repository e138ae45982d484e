"""The error-to-HTTP table shared by the Django, Flask and FastAPI integrations."""

from __future__ import annotations

import pytest

from render_sdk import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InternalServerError,
    InvalidInputError,
    InvalidTaskIdentifierError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RenderError,
    TaskRunCanceledError,
    TaskRunDetails,
    TaskRunFailedError,
    TaskRunStatus,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from render_sdk.contrib.http import http_error_for


def details(status: str, **extra: object) -> TaskRunDetails:
    return TaskRunDetails(id="trn-abc", task_id="tsk-def", status=TaskRunStatus(status), **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (InvalidTaskIdentifierError("bad identifier"), 400, "invalid_argument"),
        (NotFoundError("no such run", status_code=404), 404, "not_found"),
        (ConflictError("finished", status_code=409), 409, "conflict"),
        (BadRequestError("bad", status_code=400), 422, "rejected"),
        (UnprocessableEntityError("no", status_code=422), 422, "rejected"),
        (RateLimitError("slow down", status_code=429), 503, "rate_limited"),
        (APITimeoutError(), 504, "upstream_timeout"),
        (APIConnectionError(), 503, "upstream_unavailable"),
        (AuthenticationError("bad key", status_code=401), 502, "upstream_refused"),
        (PermissionDeniedError("no", status_code=403), 502, "upstream_refused"),
        (InternalServerError("boom", status_code=500), 502, "upstream_error"),
        (APIResponseValidationError("not json"), 502, "upstream_error"),
        (ConfigurationError("no API key"), 500, "server_error"),
        (RenderError("something else"), 500, "server_error"),
    ],
)
def test_each_error_maps_to_its_status_and_code(exc: RenderError, status: int, code: str) -> None:
    error = http_error_for(exc)
    assert (error.status, error.body["error"]) == (status, code)
    assert isinstance(error.body["message"], str)
    assert error.body["message"]


def test_caller_errors_carry_the_sdk_message_and_the_offending_path() -> None:
    exc = InvalidInputError("input_data[0] is a set", path="input_data[0]")
    error = http_error_for(exc)
    assert error.body == {
        "error": "invalid_argument",
        "message": "input_data[0] is a set",
        "path": "input_data[0]",
    }


def test_server_side_errors_hide_the_sdk_message() -> None:
    secret_detail = "https://internal.example/v1 refused key rnd_abc"
    for exc in (
        AuthenticationError(secret_detail, status_code=401),
        InternalServerError(secret_detail, status_code=500),
        ConfigurationError(secret_detail),
        APIConnectionError(secret_detail),
    ):
        assert secret_detail not in str(http_error_for(exc).body)


def test_rate_limit_passes_retry_after_rounded_up_to_whole_seconds() -> None:
    error = http_error_for(RateLimitError("slow", status_code=429, retry_after=2.2))
    assert error.headers == {"Retry-After": "3"}
    assert http_error_for(RateLimitError("slow", status_code=429)).headers == {}


def test_upstream_request_id_is_passed_on_for_support() -> None:
    exc = NotFoundError("no such run", status_code=404, request_id="req-42")
    assert http_error_for(exc).body["request_id"] == "req-42"


def test_a_failed_run_is_a_result_with_its_status_and_error() -> None:
    run = details("failed", error="ValueError: nope", input=[1])
    error = http_error_for(TaskRunFailedError("run failed", run))
    assert error.status == 200
    assert error.body["id"] == "trn-abc"
    assert error.body["status"] == "failed"
    assert error.body["error"] == "ValueError: nope"
    assert error.body["input"] == [1]


def test_a_canceled_run_is_a_result_too() -> None:
    error = http_error_for(TaskRunCanceledError("canceled", details("canceled")))
    assert (error.status, error.body["status"]) == (200, "canceled")


def test_waiting_that_timed_out_says_accepted_with_the_last_status() -> None:
    exc = WaitTimeoutError("gave up", task_run_id="trn-abc", last_status=TaskRunStatus.RUNNING)
    error = http_error_for(exc)
    assert error.status == 202
    assert error.body["id"] == "trn-abc"
    assert error.body["status"] == "running"


def test_the_shared_modules_import_no_framework() -> None:
    import subprocess
    import sys

    code = (
        "import sys, render_sdk.contrib, render_sdk.contrib.http, render_sdk.contrib._settings;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'django', 'flask', 'starlette', 'fastapi', 'httpx'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"

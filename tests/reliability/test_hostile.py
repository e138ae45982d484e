"""Hostile and malformed responses become RenderError subclasses: no bare errors, no hangs.

Through the mock transport (every endpoint, both twins) and through the real transports
against a loopback server that sends raw bytes (tests/loopback.py). Existing
narrower cases: tests/_async/test_client.py::test_unreadable_bodies_raise_response_validation_error,
::test_html_error_page_from_a_proxy_becomes_a_status_error,
tests/_async/test_waiting.py::test_garbage_events_are_ignored, and the pure decoder
tests tests/unit/test_api.py::test_decode_page_raises_validation_error_for_bad_pages.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from render_sdk import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    InternalServerError,
    PermissionDeniedError,
    RenderError,
    RetryPolicy,
    TaskRunStatus,
)
from render_sdk._transport.base import HTTPResponse
from tests.fakeapi import details_json, run_json, task_json
from tests.loopback import http, raw_server
from tests.reliability._twins import Twin

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

HUGE = 50 * 1024 * 1024
CALLS: dict[str, Callable[[Any], Any]] = {
    "get_task_run": lambda c: c.workflows.get_task_run("trn-1"),
    "get_task": lambda c: c.workflows.get_task("tsk-abc"),
    "start_task": lambda c: c.workflows.start_task("wf/task", [1]),
    "list_task_runs": lambda c: c.workflows.list_task_runs(),
    "list_tasks": lambda c: c.workflows.list_tasks(),
}
GOOD: dict[str, Any] = {
    "get_task_run": details_json(),
    "get_task": task_json(),
    "start_task": run_json(),
    "list_task_runs": [{"taskRun": run_json(), "cursor": "c1"}],
    "list_tasks": [{"task": task_json(), "cursor": "c1"}],
}
SUCCESS = {"start_task": 202}


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def malformed(call: str) -> dict[str, bytes]:
    """Bodies that no reading of the API can accept, for one endpoint."""
    good = GOOD[call]
    text = json.dumps(good).encode()
    item = good[0][next(k for k in good[0] if k != "cursor")] if isinstance(good, list) else good
    bad_items = {
        "wrong type: id is a number": {**item, "id": 5},
        "wrong type: a list for an object": [item],
        "missing id": without(item, "id"),
        "wrong type: attempts is a string": {**item, "attempts": "none"},
        "wrong type: createdAt is not a date": {**item, "createdAt": "yesterday"},
        "wrong type: status is an object": {**item, "status": {"v": 1}},
    }
    if isinstance(good, list):
        key = next(k for k in good[0] if k != "cursor")
        shaped = {name: [{key: value, "cursor": "c"}] for name, value in bad_items.items()}
        shaped["an object for a list"] = good[0]
        shaped["items without their key"] = [{"cursor": "c"}]
        shaped["a list of numbers"] = [1, 2, 3]
    else:
        shaped = dict(bad_items)
        shaped["a list for an object"] = [good]
        shaped["missing every required field"] = {"unexpected": True}
    bodies = {name: json.dumps(value).encode() for name, value in shaped.items()}
    # Not every field is checked on every model: keep only bodies that really are wrong.
    if call in ("get_task", "list_tasks"):  # a Task has neither attempts nor status
        bodies.pop("wrong type: attempts is a string")
        bodies.pop("wrong type: status is an object")
    else:
        bodies.pop("wrong type: createdAt is not a date")
    bodies |= {
        "not JSON": b"this is not json",
        "empty": b"",
        "truncated JSON": text[: len(text) // 2],
        "JSON null": b"null",
        "a JSON string": b'"ok"',
        "a proxy's HTML page with 200": b"<!DOCTYPE html><html><body>Gateway</body></html>",
        "deeply nested": b"[" * 100_000 + b"]" * 100_000,
        "invalid UTF-8": b'{"id": "\xff\xfe"}',
        "NaN literal": with_extra_field(good, float("nan")),
        "Infinity literal": with_extra_field(good, float("-inf")),
    }
    return bodies


def with_extra_field(good: Any, value: float) -> bytes:
    """The good body with one more, unknown field whose value is a non-JSON literal.

    Nothing else is wrong with it: it is refused for that literal alone (Python's json
    would read it, and hand the caller a value that can never be sent back as JSON).
    """
    if isinstance(good, list):
        body: Any = [{**good[0], "extra": value}]
    else:
        body = {**good, "extra": value}
    text = json.dumps(body, allow_nan=True).encode()
    assert b'"extra": NaN' in text or b'"extra": -Infinity' in text
    return text


CASES = [(call, name) for call in CALLS for name in malformed(call)]


@pytest.mark.parametrize(("call", "name"), CASES, ids=[f"{c}-{n}" for c, n in CASES])
def test_malformed_success_bodies_raise_response_validation_error(
    twin: Twin, call: str, name: str
) -> None:
    body = malformed(call)[name]
    status = SUCCESS.get(call, 200)
    reply = HTTPResponse(status, {"content-type": "application/json"}, body)
    client, transport, _ = twin.mocked(lambda request: reply)
    try:
        with pytest.raises(APIResponseValidationError) as info:
            twin.call(CALLS[call](client))
    finally:
        twin.close(client)
    assert info.value.status_code == status
    assert len(str(info.value)) < 1000
    assert len(transport.requests) == 1  # a body the SDK cannot read is not retried


@pytest.mark.parametrize("call", list(CALLS))
def test_200_where_202_was_expected_and_202_where_200_was_are_accepted(
    twin: Twin, call: str
) -> None:
    status = 200 if call == "start_task" else 202
    reply = HTTPResponse(status, {}, json.dumps(GOOD[call]).encode())
    client, _, _ = twin.mocked(lambda request: reply)
    try:
        result = twin.call(CALLS[call](client))
    finally:
        twin.close(client)
    first = result[0] if isinstance(result, list) else result
    assert first.id in ("trn-1", "tsk-abc")


@pytest.mark.parametrize(
    ("status", "error"), [(502, InternalServerError), (403, PermissionDeniedError)]
)
@pytest.mark.parametrize("call", list(CALLS))
def test_an_html_error_page_from_a_proxy_is_a_status_error(
    twin: Twin, call: str, status: int, error: type[Exception]
) -> None:
    page = b"<html><head><title>Bad gateway</title></head><body>" + b"x" * 100_000 + b"</body>"
    reply = HTTPResponse(status, {"content-type": "text/html"}, page)
    client, _, _ = twin.mocked(lambda request: reply, max_retries=0)
    try:
        with pytest.raises(error) as info:
            twin.call(CALLS[call](client))
    finally:
        twin.close(client)
    assert info.value.status_code == status
    assert "Bad gateway" in str(info.value)
    assert len(str(info.value)) < 1000  # the page is clipped, not pasted into the message


@pytest.mark.parametrize(
    ("call", "kind"),
    [
        ("list_task_runs", "array of one 50 MB string"),
        ("list_tasks", "array of 50 MB of numbers"),
        ("get_task_run", "50 MB of non-JSON"),
        ("start_task", "50 MB object of unknown fields"),
    ],
)
def test_a_huge_body_is_refused_or_read_quickly_with_a_short_message(
    twin: Twin, call: str, kind: str
) -> None:
    if kind == "array of one 50 MB string":
        body = b'["' + b"a" * HUGE + b'"]'
    elif kind == "array of 50 MB of numbers":
        body = b"[" + b"1234567," * (HUGE // 8) + b"1]"
    elif kind == "50 MB of non-JSON":
        body = b"<" * HUGE
    else:
        body = json.dumps({**run_json(), "unknownHugeField": "z" * HUGE}).encode()
    reply = HTTPResponse(SUCCESS.get(call, 200), {}, body)
    client, _, _ = twin.mocked(lambda request: reply)
    started = time.monotonic()
    try:
        if kind == "50 MB object of unknown fields":  # unknown fields are tolerated
            assert twin.call(CALLS[call](client)).id == "trn-1"
        else:
            with pytest.raises(APIResponseValidationError) as info:
                twin.call(CALLS[call](client))
            assert len(str(info.value)) < 1000
    finally:
        twin.close(client)
    assert time.monotonic() - started < 10


# --- through the real transports ---------------------------------------------------------------

HTML_502 = http(
    "502 Bad Gateway", b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>", "text/html"
)


def real_reply(case: str) -> Callable[[str, str], bytes]:
    good_run = json.dumps(details_json(status="succeeded")).encode()

    def reply(method: str, path: str) -> bytes:
        if case == "html 502":
            return HTML_502
        if case == "html 200":
            return http("200 OK", b"<html><body>Welcome to nginx!</body></html>", "text/html")
        if case == "truncated body":  # Content-Length promises more than is sent
            return http("200 OK", good_run)[:-40]
        if case == "wrong types":
            return http("200 OK", json.dumps({**details_json(), "retries": "many"}).encode())
        if case == "not http":
            return b"SSH-2.0-OpenSSH_9.6\r\n" + os.urandom(64)
        if case == "huge list":
            return http("200 OK", b'["' + b"b" * HUGE + b'"]')
        raise AssertionError(case)

    return reply


REAL_CASES = {
    "html 502": (InternalServerError, "get_task_run"),
    "html 200": (APIResponseValidationError, "get_task_run"),
    "truncated body": (APIConnectionError, "get_task_run"),
    "wrong types": (APIResponseValidationError, "get_task_run"),
    "not http": (APIConnectionError, "start_task"),
    "huge list": (APIResponseValidationError, "list_task_runs"),
}


@pytest.mark.parametrize("case", list(REAL_CASES))
def test_hostile_responses_over_real_sockets(twin: Twin, case: str) -> None:
    expected, call = REAL_CASES[case]
    outcome: list[BaseException] = []
    with raw_server(real_reply(case)) as url:
        client = twin.client(
            api_key="rnd_x", base_url=url, retry_policy=RetryPolicy(1, initial_backoff=0.01)
        )
        started = time.monotonic()

        def caller() -> None:  # the caller's own thread must survive whatever it gets
            try:
                twin.call(CALLS[call](client))
            except BaseException as exc:
                outcome.append(exc)

        if twin.is_async:
            caller()
        else:
            thread = threading.Thread(target=caller)
            thread.start()
            thread.join(30)
            assert not thread.is_alive()
        twin.close(client)
    assert time.monotonic() - started < 10
    [error] = outcome
    assert isinstance(error, expected), repr(error)
    assert isinstance(error, RenderError)


@pytest.mark.parametrize("garbage", ["random bytes", "binary nulls", "not sse", "bad json data"])
def test_an_events_stream_of_garbage_still_ends_the_wait(twin: Twin, garbage: str) -> None:
    """The stream sends garbage and closes; the read of the run tells the truth."""
    payloads = {
        "random bytes": os.urandom(4096),
        "binary nulls": b"\x00" * 4096,
        "not sse": b"<html>" * 500,
        "bad json data": b"event: task.completed\ndata: {not json\n\n" * 50,
    }
    finished = json.dumps(details_json("trn-1", status="succeeded")).encode()

    def reply(method: str, path: str) -> bytes:
        if path.startswith("/v1/task-runs/events"):
            return http("200 OK", payloads[garbage], "text/event-stream")
        return http("200 OK", finished)

    with raw_server(reply) as url:
        client = twin.client(api_key="rnd_x", base_url=url, event_idle_timeout=1.0)
        started = time.monotonic()
        try:
            details = twin.call(client.workflows.wait_for_task_run("trn-1", timeout=10))
        finally:
            twin.close(client)
    assert details.status is TaskRunStatus.SUCCEEDED
    assert time.monotonic() - started < 5


def test_garbage_everywhere_ends_in_a_render_error(twin: Twin) -> None:
    def reply(method: str, path: str) -> bytes:
        if path.startswith("/v1/task-runs/events"):
            return http("200 OK", os.urandom(2048), "text/event-stream")
        return http("200 OK", os.urandom(512), "application/json")

    with raw_server(reply) as url:
        client = twin.client(api_key="rnd_x", base_url=url, max_retries=0)
        try:
            with pytest.raises(APIResponseValidationError):
                twin.call(client.workflows.wait_for_task_run("trn-1", timeout=10))
        finally:
            twin.close(client)


def test_a_status_error_body_of_any_shape_is_read_safely(twin: Twin) -> None:
    bodies = [b"", b"null", b"[]", b'{"message": 5, "code": []}', b"\xff" * 50, b"{" * 10_000]
    for body in bodies:
        reply = HTTPResponse(400, {"content-type": "application/json"}, body)
        client, _, _ = twin.mocked(lambda request, reply=reply: reply)
        try:
            with pytest.raises(APIStatusError) as info:
                twin.call(client.workflows.get_task_run("trn-1"))
        finally:
            twin.close(client)
        assert info.value.status_code == 400
        assert info.value.code is None

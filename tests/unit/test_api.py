"""Wire rules: error mapping, response decoding, query parameters (render_sdk._api)."""

from __future__ import annotations

import contextlib
import json
from email.utils import formatdate
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from render_sdk import errors, models
from render_sdk._api import (
    build_url,
    decode_json,
    decode_model,
    decode_page,
    list_params,
    path_segment,
    status_error,
    validate_limit,
)
from render_sdk._transport.base import HTTPResponse

URL = "https://api.render.com/v1/task-runs/trn-a"
RUN = {"id": "trn-a", "taskId": "tsk-b", "status": "running", "retries": 0, "attempts": []}


def response(status: int, body: bytes | Any = b"", **headers: str) -> HTTPResponse:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HTTPResponse(status, CaseInsensitiveDict(headers), content)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (422, errors.UnprocessableEntityError),
        (429, errors.RateLimitError),
        (500, errors.InternalServerError),
        (502, errors.InternalServerError),
        (503, errors.InternalServerError),
        (504, errors.InternalServerError),
        (418, errors.APIStatusError),
    ],
)
def test_status_error_maps_each_status_with_its_details(
    status: int, cls: type[errors.APIStatusError]
) -> None:
    body = {"id": "err-1", "message": "it broke", "code": "some_code"}
    exc = status_error(response(status, body, **{"X-Request-Id": "req-9"}), "GET", URL)
    assert type(exc) is cls
    assert (exc.status_code, exc.code, exc.error_id, exc.request_id) == (
        status,
        "some_code",
        "err-1",
        "req-9",
    )
    assert str(exc) == (
        f"GET /v1/task-runs/trn-a returned {status}: it broke "
        "(code=some_code, error id=err-1, request id=req-9)"
    )
    assert exc.method == "GET"
    assert exc.url == URL
    assert isinstance(exc, errors.RenderError)


def test_rate_limit_error_carries_retry_after() -> None:
    exc = status_error(response(429, {"message": "slow down"}, **{"Retry-After": "7"}), "POST", URL)
    assert isinstance(exc, errors.RateLimitError)
    assert exc.retry_after == 7.0
    later = formatdate(2_000_000_000, usegmt=True)
    exc = status_error(response(429, b"", **{"retry-after": later}), "GET", URL)
    assert isinstance(exc, errors.RateLimitError)
    assert exc.retry_after is not None
    assert exc.retry_after > 0
    exc = status_error(response(429, b""), "GET", URL)
    assert isinstance(exc, errors.RateLimitError)
    assert exc.retry_after is None


def test_headers_on_the_error_are_case_insensitive() -> None:
    exc = status_error(response(503, b"", **{"Retry-After": "2"}), "GET", URL)
    assert exc.headers["retry-after"] == "2"
    assert exc.headers["RETRY-AFTER"] == "2"
    assert dict(exc.headers) == {"retry-after": "2"}


def test_html_error_page_gives_a_short_one_line_snippet() -> None:
    html = b"<html>\n<head><title>502 Bad Gateway</title></head>\n<body>" + b"x" * 5000 + b"</body>"
    exc = status_error(response(502, html), "GET", URL)
    text = str(exc)
    assert "<html> <head><title>502 Bad Gateway</title></head>" in text
    assert "\n" not in text
    assert text.endswith("...")
    assert len(text) < 300
    assert exc.body == html


def test_huge_json_message_is_truncated_in_the_error_message() -> None:
    body = {"message": "m" * 100_000, "code": "c" * 10_000, "id": "i" * 10_000}
    exc = status_error(response(500, body), "GET", URL)
    assert len(str(exc)) < 1000
    assert exc.code == "c" * 10_000
    assert len(exc.body) > 100_000


@pytest.mark.parametrize(
    "body", [b"", b"null", b"[1,2]", b'{"message": 5}', b"\xff\xfe", b"[" * 100_000]
)
def test_error_bodies_that_say_nothing_useful_still_map(body: bytes) -> None:
    exc = status_error(response(404, body), "DELETE", URL)
    assert isinstance(exc, errors.NotFoundError)
    assert exc.code is None
    assert str(exc).startswith("DELETE /v1/task-runs/trn-a returned 404: ")
    assert len(str(exc)) < 300


def test_empty_error_body_says_no_error_message() -> None:
    assert str(status_error(response(503), "GET", URL)).endswith("no error message")


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"<html>oops</html>", b'{"id": ', b"\xff\xfe\x00", b"[" * 100_000, b"NaN1"],
)
def test_decode_json_raises_validation_error_for_garbage(content: bytes) -> None:
    with pytest.raises(errors.APIResponseValidationError, match="not JSON") as info:
        decode_json(response(200, content, **{"Content-Type": "text/html"}), "GET", URL)
    assert info.value.status_code == 200
    assert info.value.body == content
    assert len(str(info.value)) < 400


@pytest.mark.parametrize(
    "content", [b"NaN", b'{"results": [NaN]}', b'{"x": Infinity}', b"[1, -Infinity]"]
)
def test_decode_json_refuses_the_non_json_literals_python_would_read(content: bytes) -> None:
    with pytest.raises(errors.APIResponseValidationError, match="not JSON"):
        decode_json(response(200, content), "GET", URL)


def test_decode_model_reads_a_model_and_names_shape_problems() -> None:
    run = decode_model(response(200, RUN), models.TaskRun, "GET", URL)
    assert run.id == "trn-a"
    assert run.status is models.TaskRunStatus.RUNNING
    with pytest.raises(errors.APIResponseValidationError, match=r"TaskRun.*taskId"):
        decode_model(response(200, {**RUN, "taskId": None}), models.TaskRun, "GET", URL)
    with pytest.raises(errors.APIResponseValidationError, match="TaskRun"):
        decode_model(response(200, [RUN]), models.TaskRun, "GET", URL)


def test_decode_page_reads_items_and_cursors() -> None:
    body = [{"taskRun": RUN, "cursor": "c1"}, {"taskRun": {**RUN, "id": "trn-b"}, "cursor": ""}]
    page = decode_page(response(200, body), "taskRun", models.TaskRun, "GET", URL)
    assert [(run.id, cursor) for run, cursor in page] == [("trn-a", "c1"), ("trn-b", None)]
    assert decode_page(response(200, []), "taskRun", models.TaskRun, "GET", URL) == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"taskRun": RUN}, "expected a JSON list"),
        ([RUN], "item 0 is not an object with 'taskRun'"),
        ([{"taskRun": RUN}, 5], "item 1"),
        ([{"taskRun": {**RUN, "status": None}}], "page item 0"),
    ],
)
def test_decode_page_raises_validation_error_for_bad_pages(body: Any, words: str) -> None:
    with pytest.raises(errors.APIResponseValidationError, match=words):
        decode_page(response(200, body), "taskRun", models.TaskRun, "GET", URL)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["taskRun", "cursor", *RUN, "x"]), children, max_size=5)
    ),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_validation_errors(content: bytes) -> None:
    for decode in (
        lambda r: decode_json(r, "GET", URL),
        lambda r: decode_model(r, models.TaskRunDetails, "GET", URL),
        lambda r: decode_page(r, "taskRun", models.TaskRun, "GET", URL),
    ):
        with contextlib.suppress(errors.APIResponseValidationError):
            decode(response(200, content))
    exc = status_error(response(500, content), "GET", URL)
    assert isinstance(exc, errors.InternalServerError)


@settings(max_examples=200, deadline=None)
@given(_json | st.lists(st.fixed_dictionaries({"taskRun": _json, "cursor": _json}), max_size=3))
def test_arbitrary_json_raises_only_validation_errors(data: Any) -> None:
    content = json.dumps(data).encode()
    with contextlib.suppress(errors.APIResponseValidationError):
        decode_model(response(200, content), models.TaskRunDetails, "GET", URL)
    try:
        page = decode_page(response(200, content), "taskRun", models.TaskRun, "GET", URL)
    except errors.APIResponseValidationError:
        pass
    else:
        assert all(isinstance(run, models.TaskRun) for run, _ in page)


def test_list_params_repeats_keys_or_joins_them() -> None:
    params = list_params(
        limit=20,
        repeated={"taskSlug": ["a/b", "c/d"], "rootTaskRunId": "trn-1", "workflowId": None},
        joined={"ownerId": ["own-1", "own-2"], "other": []},
    )
    assert params == [
        ("limit", "20"),
        ("taskSlug", "a/b"),
        ("taskSlug", "c/d"),
        ("rootTaskRunId", "trn-1"),
        ("ownerId", "own-1,own-2"),
    ]
    assert build_url("https://h/v1", "/task-runs", params) == (
        "https://h/v1/task-runs?limit=20&taskSlug=a%2Fb&taskSlug=c%2Fd"
        "&rootTaskRunId=trn-1&ownerId=own-1%2Cown-2"
    )


@pytest.mark.parametrize("value", ["", " x", [""], ["ok", None], [5], 5, b"ab", {"a": "b"}])
def test_list_params_rejects_bad_values_with_an_argument_error(value: Any) -> None:
    with pytest.raises(errors.InvalidArgumentError, match="taskSlug must be"):
        list_params(limit=5, repeated={"taskSlug": value})


@pytest.mark.parametrize("limit", [1, 20, 100])
def test_validate_limit_accepts_1_to_100(limit: int) -> None:
    assert validate_limit(limit) == limit


@pytest.mark.parametrize("limit", [0, -1, 101, 1.5, "10", None, True])
def test_validate_limit_rejects_everything_else(limit: object) -> None:
    with pytest.raises(errors.InvalidArgumentError, match="limit must be"):
        validate_limit(limit)


def test_path_segment_escapes_slashes_and_spaces() -> None:
    assert path_segment("trn-a/../b c") == "trn-a%2F..%2Fb%20c"

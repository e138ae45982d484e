"""Fuzzing the whole client path: any response body, any status, only documented errors.

The pure parts are fuzzed already (hypothesis):
tests/unit/test_identifiers.py::test_arbitrary_text_raises_only_the_identifier_error,
tests/unit/test_inputs.py::test_arbitrary_python_objects_raise_only_invalid_input_error,
tests/unit/test_sse.py::test_arbitrary_bytes_never_raise_and_chunking_is_irrelevant,
tests/unit/test_api.py::test_arbitrary_bytes_raise_only_validation_errors,
tests/unit/test_api.py::test_arbitrary_json_raises_only_validation_errors,
tests/unit/test_serde.py::test_arbitrary_json_raises_only_shape_error.
Here arbitrary bytes go through the mock transport into the public methods of both
twins (request loop, retries, status mapping, decoding, pagination).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from render_sdk import APIResponseValidationError, APIStatusError, RetryPolicy
from render_sdk._transport.base import HTTPResponse
from tests.fakeapi import details_json, run_json
from tests.reliability._twins import Twin

CALLS = {
    "get_task_run": lambda c: c.workflows.get_task_run("trn-1"),
    "list_task_runs": lambda c: c.workflows.list_task_runs(limit=3, max_items=10),
    "start_task": lambda c: c.workflows.start_task("wf/task", [1]),
}
DOCUMENTED = (APIResponseValidationError, APIStatusError)

_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
_near_valid = st.sampled_from(
    [details_json(), run_json(), {"taskRun": run_json(), "cursor": "c"}]
).flatmap(
    lambda base: st.dictionaries(st.sampled_from(sorted(base)), _json, max_size=3).map(
        lambda patch: {**base, **patch}
    )
)
_bodies = (
    st.binary(max_size=300)
    | _json.map(lambda v: json.dumps(v).encode())
    | _near_valid.map(lambda v: json.dumps(v).encode())
    | st.lists(_near_valid, max_size=3).map(lambda v: json.dumps(v).encode())
)
_statuses = st.sampled_from([200, 201, 202, 204, 301, 304, 400, 404, 409, 418, 429, 500, 503])
_headers = st.dictionaries(
    st.sampled_from(["content-type", "retry-after", "x-request-id"]),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
    max_size=3,
)


@pytest.mark.parametrize("call", list(CALLS))
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(replies=st.lists(st.tuples(_statuses, _headers, _bodies), min_size=1, max_size=4))
def test_arbitrary_responses_raise_only_documented_errors(
    twin: Twin, call: str, replies: list[tuple[int, dict[str, str], bytes]]
) -> None:
    script = [HTTPResponse(status, headers, body) for status, headers, body in replies]

    def handler(request: Any) -> HTTPResponse:
        return script.pop(0) if len(script) > 1 else script[0]

    policy = RetryPolicy(max_retries=2, max_retry_after=5)
    client, transport, clock = twin.mocked(handler, retry_policy=policy)
    try:
        twin.call(CALLS[call](client))
    except DOCUMENTED:
        pass
    finally:
        twin.close(client)
    assert 1 <= len(transport.requests) <= 3 or call == "list_task_runs"
    assert sum(clock.sleeps) <= 3 * 8.0 + 2 * 5

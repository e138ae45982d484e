"""Render's worker protocol bodies: parsing what workers send, building what they read."""

from __future__ import annotations

import base64
import json

import pytest

from render_sdk.local.worker_protocol import (
    ProtocolError,
    WorkerTaskSpec,
    decode_json_b64,
    encode_json_b64,
    input_body,
    parse_callback,
    parse_register_tasks,
    parse_run_subtask,
    parse_subtask_result_request,
    subtask_result_body,
)


def b64(value: object) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def body(value: object) -> bytes:
    return json.dumps(value).encode()


def test_registration_reads_names_retry_timeout_plan_and_parameters() -> None:
    (spec,) = parse_register_tasks(
        body(
            {
                "tasks": [
                    {
                        "name": "square",
                        "options": {
                            "retry": {"max_retries": 3, "wait_duration_ms": 500, "factor": 1.5},
                            "timeout_seconds": 60,
                            "plan": "starter",
                        },
                        "parameters": [
                            {"name": "a", "has_default": False, "type": "int"},
                            {"name": "b", "has_default": True, "default_value": "2"},
                        ],
                    }
                ]
            }
        )
    )
    assert (spec.name, spec.max_retries, spec.wait_duration_ms, spec.factor) == (
        "square",
        3,
        500,
        1.5,
    )
    assert (spec.timeout_seconds, spec.plan) == (60, "starter")
    assert [(p.name, p.has_default, p.type, p.default_value) for p in spec.parameters] == [
        ("a", False, "int", None),
        ("b", True, None, "2"),
    ]


def test_registration_without_options_gets_no_retries_and_factor_two() -> None:
    (spec,) = parse_register_tasks(body({"tasks": [{"name": "t"}]}))
    assert spec == WorkerTaskSpec(name="t")
    assert spec.factor == 2.0
    assert spec.timeout_seconds is None


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not json", "not valid JSON"),
        (body([]), "must be a JSON object"),
        (body({"tasks": {}}), "'tasks' must be a list"),
        (body({"tasks": [{"name": ""}]}), r"tasks\[0\]\.name"),
        (body({"tasks": [{"name": "a:b"}]}), r"tasks\[0\]\.name"),
        (body({"tasks": [{"name": "a"}, {"name": "a"}]}), "registered twice"),
        (
            body({"tasks": [{"name": "a", "options": {"retry": {"max_retries": -1}}}]}),
            "max_retries must be >= 0",
        ),
        (
            body({"tasks": [{"name": "a", "options": {"timeout_seconds": "x"}}]}),
            "timeout_seconds must be a number",
        ),
    ],
)
def test_bad_registrations_say_what_is_wrong(payload: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        parse_register_tasks(payload)


@pytest.mark.parametrize(("retry", "expected"), [(0, 0.5), (1, 0.75), (2, 1.125)])
def test_the_wait_before_retry_n_is_wait_times_factor_to_the_n(retry: int, expected: float) -> None:
    spec = WorkerTaskSpec(name="t", max_retries=3, wait_duration_ms=500, factor=1.5)
    assert spec.delay_before_retry(retry) == pytest.approx(expected)


def test_the_input_body_carries_base64_json_and_the_run_ids() -> None:
    answer = input_body("t", {"a": 1}, run_id="trn-1", root_run_id="trn-0", parent_run_id="trn-0")
    assert json.loads(base64.b64decode(answer["input"])) == {"a": 1}
    assert (answer["task_name"], answer["task_run_id"], answer["root_task_run_id"]) == (
        "t",
        "trn-1",
        "trn-0",
    )
    assert answer["parent_task_run_id"] == "trn-0"


def test_a_success_callback_gives_the_results_array() -> None:
    outcome = parse_callback(body({"complete": {"output": b64([{"x": 1}])}}))
    assert outcome.succeeded
    assert outcome.results == [{"x": 1}]


def test_an_error_callback_gives_the_details_and_stack_trace() -> None:
    outcome = parse_callback(body({"error": {"details": "boom", "stack_trace": "tb"}}))
    assert not outcome.succeeded
    assert (outcome.error, outcome.stack_trace) == ("boom", "tb")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (body({}), "exactly one of"),
        (body({"complete": {"output": b64([1])}, "error": {"details": "x"}}), "exactly one of"),
        (body({"complete": {}}), "with 'output'"),
        (body({"complete": {"output": "%%%"}}), "not valid base64"),
        (body({"complete": {"output": base64.b64encode(b"{nope").decode()}}), "base64 of JSON"),
        (body({"complete": {"output": b64({"a": 1})}}), "JSON array of the result"),
        (body({"error": {"details": 3}}), "string 'details'"),
    ],
)
def test_malformed_callbacks_are_protocol_errors(payload: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        parse_callback(payload)


def test_run_subtask_reads_name_input_and_key() -> None:
    request = parse_run_subtask(
        body({"task_name": "sq", "input": b64([2]), "idempotency_key": "k", "created_at": "now"})
    )
    assert (request.task_name, request.input, request.idempotency_key) == ("sq", [2], "k")
    assert parse_run_subtask(body({"task_name": "sq"})).input == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (body({"input": b64([])}), "'task_name'"),
        (body({"task_name": "sq", "input": b64(3)}), "JSON array or object"),
        (body({"task_name": "sq", "idempotency_key": ""}), "idempotency_key"),
    ],
)
def test_bad_subtask_requests_are_protocol_errors(payload: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        parse_run_subtask(payload)


def test_subtask_result_requests_need_a_run_id() -> None:
    assert parse_subtask_result_request(body({"task_run_id": "trn-1"})) == "trn-1"
    with pytest.raises(ProtocolError, match="task_run_id"):
        parse_subtask_result_request(body({}))


def test_subtask_results_by_status() -> None:
    done = subtask_result_body("succeeded", [5], None)
    assert done["still_running"] is False
    assert decode_json_b64(done["complete"]["output"], "output") == [5]
    assert subtask_result_body("failed", [], "boom") == {
        "still_running": False,
        "error": {"details": "boom"},
    }
    assert subtask_result_body("canceled", [], None)["error"]["details"] == (
        "the subtask was canceled"
    )
    assert subtask_result_body("running", [], None) == {"still_running": True}
    assert subtask_result_body("pending", [], None) == {"still_running": True}


def test_base64_json_round_trips() -> None:
    value = {"a": [1, "é", None]}
    assert decode_json_b64(encode_json_b64(value), "x") == value
    with pytest.raises(ProtocolError, match="x must be a base64 string"):
        decode_json_b64(3, "x")

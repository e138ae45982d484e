"""The cattrs converter: camelCase JSON <-> snake_case models (render_sdk._serde)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from render_sdk import models
from render_sdk._serde import ShapeError, format_datetime, parse_datetime, structure, unstructure

UTC = timezone.utc
T0 = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)

ATTEMPT = {
    "attempt": 0,
    "status": "succeeded",
    "startedAt": "2024-05-01T12:30:15.123456Z",
    "taskRunId": "trn-a",
    "enqueuedAt": "2024-05-01T12:30:14Z",
    "completedAt": "2024-05-01T12:30:16Z",
}
DETAILS = {
    "id": "trn-a",
    "taskId": "tsk-b",
    "status": "succeeded",
    "parentTaskRunId": "",
    "rootTaskRunId": "trn-a",
    "retries": 1,
    "attempts": [{**ATTEMPT, "error": None, "results": [25]}],
    "startedAt": "2024-05-01T12:30:15.123456Z",
    "completedAt": "2024-05-01T12:30:16Z",
    "parentTaskAttempt": None,
    "results": [25],
    "input": {"a": 5},
    "error": None,
}
RUN = {**{k: v for k, v in DETAILS.items() if k not in ("results", "input", "error")}}
RUN["attempts"] = [ATTEMPT]
TASK = {
    "id": "tsk-b",
    "name": "calculate_square",
    "createdAt": "2024-05-01T12:30:15.123456Z",
    "workflowId": "wfl-c",
    "workflowVersionId": "wfv-d",
}


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (models.Task, TASK),
        (models.TaskAttempt, ATTEMPT),
        (models.TaskAttemptDetails, {**ATTEMPT, "error": "boom", "results": [1, 2]}),
        (models.TaskRun, RUN),
        (models.TaskRunDetails, DETAILS),
    ],
)
def test_every_model_round_trips_between_camel_case_json_and_snake_case(
    cls: type, data: dict[str, Any]
) -> None:
    model = structure(data, cls)
    assert json.loads(json.dumps(unstructure(model))) == data
    assert structure(unstructure(model), cls) == model


def test_fields_get_snake_case_names() -> None:
    details = structure(DETAILS, models.TaskRunDetails)
    assert details.task_id == "tsk-b"
    assert details.root_task_run_id == "trn-a"
    assert details.started_at == T0
    assert details.attempts[0].task_run_id == "trn-a"
    assert details.attempts[0].results == [25]
    assert details.input == {"a": 5}
    assert details.result == 25


def test_unknown_fields_are_ignored_at_every_level() -> None:
    data = {
        **DETAILS,
        "newField": {"x": 1},
        "attempts": [{**DETAILS["attempts"][0], "extra": True}],
    }
    assert structure(data, models.TaskRunDetails) == structure(DETAILS, models.TaskRunDetails)


def test_unknown_status_is_kept() -> None:
    run = structure({**RUN, "status": "paused-new"}, models.TaskRun)
    assert run.status.value == "paused-new"
    assert run.status == models.TaskRunStatus("paused-new")
    assert not run.status.is_known
    assert not run.is_terminal
    assert unstructure(run)["status"] == "paused-new"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:30:15Z", datetime(2024, 5, 1, 12, 30, 15, tzinfo=UTC)),
        ("2024-05-01t12:30:15z", datetime(2024, 5, 1, 12, 30, 15, tzinfo=UTC)),
        ("2024-05-01T12:30:15", datetime(2024, 5, 1, 12, 30, 15, tzinfo=UTC)),
        ("2024-05-01 12:30:15Z", datetime(2024, 5, 1, 12, 30, 15, tzinfo=UTC)),
        ("2024-05-01T12:30:15.5Z", datetime(2024, 5, 1, 12, 30, 15, 500000, tzinfo=UTC)),
        ("2024-05-01T12:30:15.123456789Z", datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)),
        (
            "2024-05-01T12:30:15+05:30",
            datetime(2024, 5, 1, 12, 30, 15, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        (
            "2024-05-01T12:30:15.1-0700",
            datetime(2024, 5, 1, 12, 30, 15, 100000, tzinfo=timezone(timedelta(hours=-7))),
        ),
    ],
)
def test_parse_datetime_accepts_rfc3339_variants(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2024-05-01",
        "2024-13-01T00:00:00Z",
        "2024-05-01T25:00:00Z",
        "2024-05-01T12:30:15+25:00",
        "2024-05-01T12:30:15.Z",
        "\u0662\u0660\u0662\u0664-05-01T12:30:15Z",  # Arabic-Indic digits
    ],
)
def test_parse_datetime_rejects_everything_else_with_shape_error(text: str) -> None:
    with pytest.raises(ShapeError, match="date-time"):
        parse_datetime(text)


def test_format_datetime_uses_z_for_utc_and_assumes_utc_when_naive() -> None:
    assert format_datetime(T0) == "2024-05-01T12:30:15.123456Z"
    assert format_datetime(datetime(2024, 1, 1)) == "2024-01-01T00:00:00Z"
    plus2 = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(plus2) == "2024-01-01T00:00:00+02:00"


@pytest.mark.parametrize(
    ("cls", "data", "expected"),
    [
        (models.TaskRun, {**RUN, "taskId": 5}, "TaskRun.taskId"),
        (models.TaskRun, {k: v for k, v in RUN.items() if k != "id"}, "TaskRun.id"),
        (models.TaskRun, {k: v for k, v in RUN.items() if k != "status"}, "TaskRun.status"),
        (models.TaskRun, {**RUN, "retries": "1"}, "TaskRun.retries"),
        (models.TaskRun, {**RUN, "retries": True}, "TaskRun.retries"),
        (models.TaskRun, {**RUN, "status": 3}, "TaskRun.status"),
        (models.TaskRun, {**RUN, "startedAt": 17}, "TaskRun.startedAt"),
        (models.TaskRun, {**RUN, "startedAt": "2024-13-01T00:00:00Z"}, "TaskRun.startedAt"),
        (models.TaskRun, {**RUN, "attempts": [{"status": "x"}]}, "TaskRun.attempts[0].attempt"),
        (models.TaskRunDetails, {**DETAILS, "input": "5"}, "TaskRunDetails.input"),
        (models.TaskRunDetails, {**DETAILS, "results": {"a": 1}}, "TaskRunDetails.results"),
        (models.Task, {**TASK, "name": None}, "Task.name"),
        (models.Task, {k: v for k, v in TASK.items() if k != "createdAt"}, "Task.createdAt"),
    ],
)
def test_wrong_shapes_raise_shape_error_naming_the_json_field(
    cls: type, data: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ShapeError) as info:
        structure(data, cls)
    assert expected in str(info.value)


def test_missing_field_says_so() -> None:
    with pytest.raises(ShapeError, match=r"required field missing @ TaskRun\.id$"):
        structure({"taskId": "t", "status": "pending"}, models.TaskRun)


@pytest.mark.parametrize("data", [None, [], "trn-a", 5, [RUN]])
def test_structure_of_a_non_object_raises_shape_error(data: Any) -> None:
    with pytest.raises(ShapeError, match="expected a JSON object for TaskRun"):
        structure(data, models.TaskRun)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=15,
)
_field_values = st.dictionaries(
    st.sampled_from([*DETAILS, "x"]),
    _json | st.sampled_from(["2024-05-01T12:30:15Z", "pending", [ATTEMPT], [{}]]),
)


@settings(max_examples=200, deadline=None)
@given(_json | _field_values | _field_values.map(lambda d: {**DETAILS, **d}))
def test_arbitrary_json_raises_only_shape_error(data: Any) -> None:
    try:
        details = structure(data, models.TaskRunDetails)
    except ShapeError as exc:
        message = str(exc)
    else:
        assert isinstance(details, models.TaskRunDetails)
        return
    assert message


def test_a_run_handle_unstructures_as_the_run_it_extends() -> None:
    from render_sdk import Client
    from render_sdk.testing import MockTransport, json_response

    body = {"id": "trn-1", "taskId": "tsk-1", "status": "pending"}
    transport = MockTransport(lambda request: json_response(202, body))
    with Client(api_key="k", transport=transport) as client:
        run = client.workflows.start_task("wf/task", [])

    data = unstructure(run)

    assert data["id"] == "trn-1"
    assert data["status"] == "pending"
    assert "workflows" not in data
    assert "_workflows" not in data

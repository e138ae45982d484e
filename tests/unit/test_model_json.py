"""Models to the API's JSON shape and back: ``to_dict()`` / ``from_dict()``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from render_sdk import InvalidArgumentError, TaskRun, TaskRunStatus, models
from render_sdk.models import Task, TaskAttempt, TaskAttemptDetails, TaskRunDetails

json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
json_scalars |= st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
moments = st.builds(
    lambda naive, minutes: naive.replace(tzinfo=timezone(timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
statuses = st.sampled_from(list(TaskRunStatus)) | st.from_regex(r"[a-z]{1,12}", fullmatch=True).map(
    TaskRunStatus
)
ids = st.text(min_size=1, max_size=12)


def attempts(cls: type[TaskAttempt]) -> st.SearchStrategy[Any]:
    extra: dict[str, Any] = {}
    if cls is TaskAttemptDetails:
        extra = {
            "error": st.none() | st.text(max_size=10),
            "results": st.none() | st.lists(json_values, max_size=2),
        }
    return st.builds(
        cls,
        attempt=st.integers(min_value=0, max_value=10),
        status=statuses,
        started_at=st.none() | moments,
        task_run_id=st.none() | ids,
        enqueued_at=st.none() | moments,
        completed_at=st.none() | moments,
        **extra,
    )


def run_fields(attempt_cls: type[TaskAttempt]) -> dict[str, Any]:
    return {
        "id": ids,
        "task_id": ids,
        "status": statuses,
        "parent_task_run_id": st.text(max_size=8),
        "root_task_run_id": st.text(max_size=8),
        "retries": st.integers(min_value=0, max_value=5),
        "attempts": st.lists(attempts(attempt_cls), max_size=3).map(tuple),
        "started_at": st.none() | moments,
        "completed_at": st.none() | moments,
        "parent_task_attempt": st.none() | st.integers(min_value=0, max_value=5),
    }


task_runs = st.builds(models.TaskRun, **run_fields(TaskAttempt))
task_run_details = st.builds(
    TaskRunDetails,
    **run_fields(TaskAttemptDetails),
    results=st.lists(json_values, max_size=3),
    input=st.lists(json_values, max_size=3)
    | st.dictionaries(st.text(max_size=5), json_values, max_size=3),
    error=st.none() | st.text(max_size=10),
)
tasks = st.builds(
    Task,
    id=ids,
    name=ids,
    created_at=moments,
    workflow_id=st.none() | ids,
    workflow_version_id=st.none() | ids,
)


@given(
    st.one_of(
        task_runs, task_run_details, tasks, attempts(TaskAttempt), attempts(TaskAttemptDetails)
    )
)
def test_every_model_survives_to_dict_json_and_from_dict(model: Any) -> None:
    data = model.to_dict()
    decoded = json.loads(json.dumps(data))  # plain JSON types only
    assert type(model).from_dict(decoded) == model


def test_to_dict_writes_the_api_shape() -> None:
    run = TaskRunDetails(
        id="trn-1",
        task_id="tsk-1",
        status=TaskRunStatus.SUCCEEDED,
        root_task_run_id="trn-1",
        started_at=datetime(2025, 1, 2, 3, 4, 5, 600000, tzinfo=timezone.utc),
        completed_at=datetime(2025, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
        attempts=(TaskAttemptDetails(attempt=0, status=TaskRunStatus.SUCCEEDED, results=[4]),),
        results=[4],
        input=[2],
    )
    data = run.to_dict()
    assert data["taskId"] == "tsk-1"
    assert data["rootTaskRunId"] == "trn-1"
    assert data["status"] == "succeeded"
    assert data["startedAt"] == "2025-01-02T03:04:05.600000Z"
    assert data["completedAt"] == "2025-01-02T05:04:05+02:00"
    assert data["attempts"] == [
        {
            "attempt": 0,
            "status": "succeeded",
            "startedAt": None,
            "taskRunId": None,
            "enqueuedAt": None,
            "completedAt": None,
            "error": None,
            "results": [4],
        }
    ]
    assert (data["results"], data["input"], data["error"]) == ([4], [2], None)


def test_an_unknown_status_is_kept_as_received() -> None:
    run = models.TaskRun.from_dict({"id": "trn-1", "taskId": "tsk-1", "status": "hibernating"})
    assert not run.status.is_known
    assert run.to_dict()["status"] == "hibernating"


def test_from_dict_reads_the_apis_own_json_and_ignores_unknown_fields() -> None:
    api_json = {
        "id": "trn-9",
        "taskId": "tsk-9",
        "status": "failed",
        "parentTaskRunId": "",
        "rootTaskRunId": "trn-9",
        "retries": 1,
        "attempts": [{"attempt": 0, "status": "failed", "startedAt": "2025-03-01T10:00:00Z"}],
        "results": [],
        "input": {"a": 1},
        "error": "boom",
        "someFieldAddedLater": {"x": 1},
    }
    details = TaskRunDetails.from_dict(api_json)
    assert details.failed
    assert details.attempts[0].started_at == datetime(2025, 3, 1, 10, tzinfo=timezone.utc)
    assert details.error == "boom"


def test_from_dict_names_every_problem_before_anything_is_built() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        TaskRunDetails.from_dict({"id": 5, "status": "running", "startedAt": "yesterday"})
    message = str(caught.value)
    assert "TaskRunDetails.id" in message
    assert "TaskRunDetails.taskId" in message
    assert "TaskRunDetails.startedAt" in message


def test_a_run_handle_becomes_plain_data_and_from_dict_on_its_class_gives_plain_data() -> None:
    plain = TaskRun.from_dict({"id": "trn-1", "taskId": "tsk-1", "status": "pending"})
    assert type(plain) is models.TaskRun
    assert plain.to_dict()["id"] == "trn-1"


def test_a_started_run_handle_to_dict_has_the_runs_fields_only() -> None:
    from render_sdk import Client
    from render_sdk.testing import MockTransport, json_response

    answer = {"id": "trn-5", "taskId": "tsk-5", "status": "pending", "attempts": []}
    transport = MockTransport(lambda request: json_response(202, answer))
    with Client(api_key="rnd_x", transport=transport) as client:
        handle = client.workflows.start_task("tsk-5", [])
    data = handle.to_dict()
    assert data["id"] == "trn-5"
    assert "workflows" not in data
    assert models.TaskRun.from_dict(data) == models.TaskRun.from_dict(answer)

"""``render_sdk.identifiers`` and the models' ``to_dict``: the public helpers the CLI uses."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from render_sdk import Client, InvalidArgumentError, InvalidTaskIdentifierError, models
from render_sdk.identifiers import parse_task_identifier, validate_task_id, validate_task_run_id
from render_sdk.testing import MockTransport, json_response
from tests.fakeapi import FakeAPI, run_json


def test_identifiers_accept_the_documented_forms() -> None:
    slug = parse_task_identifier("my-workflow/square:v2")
    assert (slug.kind, slug.workflow_slug, slug.task_name, slug.version) == (
        "slug",
        "my-workflow",
        "square",
        "v2",
    )
    assert parse_task_identifier("tsk-abc123").kind == "id"
    assert validate_task_id("tsk-abc") == "tsk-abc"
    assert validate_task_run_id("trn-abc") == "trn-abc"


@pytest.mark.parametrize("bad", ["", "no slash", "a/b/c", "trn-abc"])
def test_identifiers_refuse_other_text_showing_the_accepted_forms(bad: str) -> None:
    with pytest.raises(InvalidTaskIdentifierError, match="workflow-slug/task-name"):
        parse_task_identifier(bad)


def test_run_ids_are_checked() -> None:
    with pytest.raises(InvalidArgumentError, match="trn-"):
        validate_task_run_id("run-1")


RUN: dict[str, Any] = {
    "id": "trn-1",
    "task_id": "tsk-1",
    "status": models.TaskRunStatus.SUCCEEDED,
    "root_task_run_id": "trn-1",
    "started_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
}


def test_to_dict_writes_the_api_shape() -> None:
    details = models.TaskRunDetails(**RUN, results=[25], input={"a": 5})
    data = details.to_dict()
    assert data["taskId"] == "tsk-1"
    assert data["status"] == "succeeded"
    assert data["results"] == [25]
    assert data["input"] == {"a": 5}
    assert data["startedAt"].startswith("2026-01-02T03:04:05")


def test_to_dict_writes_a_run_handle_without_its_client() -> None:
    page = [{"taskRun": run_json("trn-9", status="running"), "cursor": "c1"}]
    api = FakeAPI().on("GET", "/v1/task-runs", json_response(200, page))
    with Client(api_key="rnd_x", transport=MockTransport(api)) as client:
        (handle,) = client.workflows.list_task_runs()
    data = handle.to_dict()
    assert data["id"] == "trn-9"
    assert data["status"] == "running"
    assert "workflows" not in data
    assert set(data) == set(
        models.TaskRun(id="trn-9", task_id="t", status=models.TaskRunStatus.RUNNING).to_dict()
    )


def test_a_log_entry_round_trips_through_the_api_shape() -> None:
    entry = models.LogEntry(
        id="log-1",
        message="hello",
        timestamp=datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc),
        labels={"taskRun": "trn-1", "level": "info"},
    )
    data = entry.to_dict()
    assert data == {
        "id": "log-1",
        "message": "hello",
        "timestamp": "2026-01-02T03:04:05.123456Z",
        "labels": [{"name": "taskRun", "value": "trn-1"}, {"name": "level", "value": "info"}],
    }
    assert models.LogEntry.from_dict(data) == entry

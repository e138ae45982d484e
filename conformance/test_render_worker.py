"""Render's own client triggers tasks defined with Render's own decorator, through our server.

Both ends are Render's SDK (``pip install render``): the task code in
``examples/render_tasks/main.py`` (``Workflows``, ``@app.task``, ``ctx.run``) runs
under our worker-protocol host, and ``Render()`` starts and reads its runs over
our REST API. Nothing of ``render_sdk``'s client is used.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from render import Render
from render.client.errors import TaskRunError
from render.public_api.api.workflow_tasks import list_task_runs
from render.public_api.models.task_run_status import TaskRunStatus

import render_sdk.local
from render_sdk.local import LocalServer

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "render_tasks"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    """Our server hosting the example's worker command, the official client's env on it."""
    saved = {key: os.environ.get(key) for key in ("RENDER_USE_LOCAL_DEV", "RENDER_LOCAL_DEV_URL")}
    with render_sdk.local.serve(command=[sys.executable, "main.py"], cwd=str(EXAMPLE)) as running:
        os.environ["RENDER_USE_LOCAL_DEV"] = "true"
        os.environ["RENDER_LOCAL_DEV_URL"] = running.base_url
        try:
            yield running
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture
def render(server: LocalServer) -> Iterator[Render]:
    client = Render()
    with client.client.internal:
        yield client


def test_a_fan_out_runs_to_its_result_with_its_subtasks_under_the_root(render: Render) -> None:
    details = render.workflows.run_task("render-tasks/sum_squares", [4])
    assert details.status == TaskRunStatus.SUCCEEDED
    assert details.results == [0 + 1 + 4 + 9]
    page = list_task_runs.sync(
        client=render.client.internal, root_task_run_id=[details.id], limit=100
    )
    assert isinstance(page, list)
    subtasks = [item.task_run for item in page if item.task_run.id != details.id]
    assert len(subtasks) == 4
    assert {run.parent_task_run_id for run in subtasks} == {details.id}
    assert {run.root_task_run_id for run in subtasks} == {details.id}


def test_a_task_error_reaches_the_official_client(render: Render) -> None:
    with pytest.raises(TaskRunError, match="not today"):
        render.workflows.run_task("render-tasks/fail", ["not today"])


def test_retries_show_as_attempts(render: Render, tmp_path: Path) -> None:
    details = render.workflows.run_task("render-tasks/flaky", [str(tmp_path / "n"), 2])
    assert details.status == TaskRunStatus.SUCCEEDED
    assert details.results == [3]
    assert [attempt.status for attempt in details.attempts] == [
        TaskRunStatus.FAILED,
        TaskRunStatus.FAILED,
        TaskRunStatus.SUCCEEDED,
    ]
    assert details.attempts[0].error == "attempt 1 failed on purpose"

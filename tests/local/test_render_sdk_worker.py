"""Task code written only against Render's SDK (examples/render_tasks) under our worker host.

Runs are started and read with this project's client, through the REST API only.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

pytest.importorskip("render", reason="Render's SDK (`render`) is in the test dependency group")

from render_sdk import Client
from render_sdk.local import LocalServer, serve

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "render_tasks"


@pytest.fixture(scope="module")
def example_server() -> Iterator[LocalServer]:
    with serve(command=[sys.executable, "main.py"], cwd=str(EXAMPLE)) as server:
        yield server


@pytest.fixture
def client(example_server: LocalServer) -> Iterator[Client]:
    with Client(api_key="rnd_local", base_url=example_server.base_url) as c:
        yield c


def seconds(later: datetime | None, earlier: datetime | None) -> float:
    assert later is not None
    assert earlier is not None
    return (later - earlier).total_seconds()


def test_the_workflow_slug_comes_from_the_folder_and_options_from_the_decorators(
    example_server: LocalServer,
) -> None:
    registry = example_server.state.registry
    assert {task.slug for task in example_server.tasks} == {
        f"render-tasks/{name}"
        for name in ("square", "sum_squares", "flaky", "fail", "slow", "pipeline")
    }
    flaky = registry.resolve("render-tasks/flaky").function.options
    assert (flaky.max_retries, flaky.backoff, flaky.backoff_factor) == (2, 0.1, 2.0)
    assert registry.resolve("render-tasks/slow").function.options.timeout == 1


def test_every_outcome_reads_right_through_the_rest_api(client: Client, tmp_path: Path) -> None:
    # Started together, so the worker processes overlap.
    fan_out = client.workflows.start_task("render-tasks/sum_squares", [3])
    tree = client.workflows.start_task("render-tasks/pipeline", [[1, 2]])
    flaky = client.workflows.start_task("render-tasks/flaky", [str(tmp_path / "count"), 1])
    failing = client.workflows.start_task("render-tasks/fail", ["no luck"])
    slow = client.workflows.start_task("render-tasks/slow", [30])

    done = fan_out.wait(timeout=60)
    assert done.status == "succeeded"
    assert done.results == [0 + 1 + 4]
    assert done.attempts[0].status == "succeeded"
    children = list(client.workflows.list_task_runs(root_task_run_id=fan_out.id))
    subtasks = [run for run in children if run.id != fan_out.id]
    assert len(children) == 4
    assert len(subtasks) == 3
    for sub in subtasks:
        assert (sub.parent_task_run_id, sub.root_task_run_id) == (fan_out.id, fan_out.id)
        details = client.workflows.get_task_run(sub.id)
        assert details.status == "succeeded"
        assert details.results == [details.input[0] ** 2]

    whole = tree.wait(timeout=60)
    assert whole.results == [{"total": 1, "parts": 2}]  # sum_squares(1) + sum_squares(2)
    runs = list(client.workflows.list_task_runs(root_task_run_id=tree.id))
    assert len(runs) == 1 + 2 + (1 + 2)
    assert all(run.root_task_run_id == tree.id for run in runs)
    middle = {run.id for run in runs if run.parent_task_run_id == tree.id}
    leaves = [run for run in runs if run.parent_task_run_id in middle]
    assert len(middle) == 2
    assert len(leaves) == 3

    retried = flaky.wait(timeout=60)
    assert retried.status == "succeeded"
    assert retried.results == [2]
    assert retried.retries == 1
    assert [a.status for a in retried.attempts] == ["failed", "succeeded"]
    assert retried.attempts[0].error == "attempt 1 failed on purpose"
    assert seconds(retried.attempts[1].started_at, retried.attempts[0].completed_at) >= 0.1

    with pytest.raises(Exception, match="no luck") as failed:
        failing.wait(timeout=60)
    details = client.workflows.get_task_run(failing.id)
    assert details.status == "failed"
    assert details.error == "no luck"
    assert details.results == []
    assert failed.value is not None

    timed_out = client.workflows.get_task_run(slow.id)
    with pytest.raises(Exception, match="timeout"):
        slow.wait(timeout=60)
    timed_out = client.workflows.get_task_run(slow.id)
    assert timed_out.status == "failed"
    assert timed_out.error is not None
    assert "exceeded its timeout of 1 s" in timed_out.error
    assert seconds(timed_out.completed_at, timed_out.started_at) < 10


def test_worker_output_lines_land_in_the_log_store(
    client: Client, example_server: LocalServer, tmp_path: Path
) -> None:
    run = client.workflows.run_task("render-tasks/flaky", [str(tmp_path / "n"), 0], timeout=60)
    lines = example_server.state.logs.for_run(run.id)
    assert ("info", "flaky: attempt 1") in [(line.level, line.message) for line in lines]

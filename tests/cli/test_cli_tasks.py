"""``render-sdk tasks list/get/run`` in subprocesses against the local server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from render_sdk import Client
from render_sdk.local import LocalServer

from .conftest import CLI

RUN_KEYS = {"id", "taskId", "status", "parentTaskRunId", "rootTaskRunId", "retries", "attempts"}


def test_tasks_list_table_and_json(cli: CLI, local_server: LocalServer) -> None:
    table = cli("tasks", "list")
    assert table.code == 0, table.err
    header, *rows = table.out.splitlines()
    assert header.split() == ["ID", "NAME", "WORKFLOW", "CREATED"]
    assert any(row.split()[:2] == [local_server.task_id("demo/square"), "square"] for row in rows)
    assert "\x1b" not in table.out  # not a terminal: no colours

    listed = cli("tasks", "list", "--json").json()
    assert isinstance(listed, list)
    assert {task["name"] for task in listed} >= {"square", "add", "slow", "fail"}
    assert {"id", "name", "createdAt", "workflowId"} <= set(listed[0])
    workflow = listed[0]["workflowId"]
    assert len(cli("tasks", "list", "--workflow", workflow, "--json").json()) == len(listed)


def test_tasks_get_by_id_and_slug(cli: CLI, local_server: LocalServer) -> None:
    task_id = local_server.task_id("demo/greet")
    by_id = cli("tasks", "get", task_id, "--json").json()
    assert by_id["id"] == task_id
    assert by_id["name"] == "greet"
    by_slug = cli("tasks", "get", "demo/greet")
    assert by_slug.code == 0
    assert task_id in by_slug.out
    unknown = cli("tasks", "get", "tsk-doesnotexist")
    assert unknown.code == 5
    assert "not found" in unknown.err


def test_run_and_wait_prints_the_results(cli: CLI) -> None:
    result = cli("tasks", "run", "--wait", "demo/square", "[5]")
    assert result.code == 0, result.err
    status, results = result.out.splitlines()
    assert status.startswith("trn-")
    assert " succeeded in " in status
    assert results == "[25]"
    assert result.err == ""


def test_run_json_with_keyword_input(cli: CLI) -> None:
    details = cli("tasks", "run", "demo/greet", '{"name": "Ada"}', "--wait", "--json").json()
    assert isinstance(details, dict)
    assert RUN_KEYS | {"results", "input", "startedAt", "completedAt"} <= set(details)
    assert details["status"] == "succeeded"
    assert details["results"] == ["Hello, Ada!"]
    assert details["input"] == {"name": "Ada"}


def test_run_with_no_wait_prints_the_id(cli: CLI, sdk: Client) -> None:
    result = cli("tasks", "run", "demo/add", "[2, 3]", "--no-wait")
    assert result.code == 0, result.err
    run_id = result.out.strip()
    assert run_id.startswith("trn-")
    assert "\n" not in run_id
    assert sdk.workflows.wait_for_task_run(run_id, timeout=10).results == [5]

    started = cli("tasks", "run", "demo/add", "[1, 1]", "--no-wait", "--json").json()
    assert isinstance(started, dict)
    assert set(started) >= RUN_KEYS
    assert "results" not in started
    assert started["status"] in ("pending", "running", "succeeded")


def test_input_from_stdin(cli: CLI) -> None:
    result = cli(
        "tasks",
        "run",
        "demo/add",
        "--input-file",
        "-",
        "--wait",
        "--json",
        stdin='{"a": 2, "b": 40}',
    )
    assert result.code == 0, result.err
    assert result.json()["results"] == [42]


def test_input_from_a_file_and_the_idempotency_key(cli: CLI, tmp_path: Path) -> None:
    path = tmp_path / "input.json"
    path.write_text('["file"]')
    args = ("tasks", "run", "demo/greet", "--input-file", str(path), "--idempotency-key")
    first: Any = cli(*args, "cli-test-key-1", "--no-wait", "--json").json()
    again: Any = cli(*args, "cli-test-key-1", "--wait", "--json").json()
    assert again["id"] == first["id"]
    assert again["results"] == ["Hello, file!"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("[5",), None, "INPUT is not valid JSON: Expecting ',' delimiter (line 1, column 3)"),
        (("5",), None, "INPUT must be a JSON array (positional arguments) or object"),
        (("--input-file", "-"), "{nope", "standard input is not valid JSON"),
        (("[1]", "--input-file", "-"), "[1]", "either as INPUT or with --input-file, not both"),
        (("--input-file", "/nonexistent/input.json"), None, "cannot read input file"),
    ],
)
def test_bad_input_is_exit_2(
    cli: CLI, args: tuple[str, ...], stdin: str | None, message: str
) -> None:
    result = cli("tasks", "run", "demo/square", *args, "--wait", stdin=stdin)
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith("error: ")
    assert message in result.err
    assert result.err.count("\n") == 1


def test_malformed_and_unknown_tasks(cli: CLI) -> None:
    malformed = cli("tasks", "run", "not a slug", "--wait")
    assert malformed.code == 2
    assert "invalid task identifier 'not a slug'" in malformed.err
    unknown = cli("tasks", "run", "demo/nope", "[]", "--wait")
    assert unknown.code == 5
    assert unknown.err.startswith(
        "error: POST /v1/task-runs returned 404: task 'demo/nope' not found"
    )
    assert "error id=" in unknown.err
    assert unknown.err.count("\n") == 1
    assert "Traceback" not in unknown.err


def test_failed_run_is_exit_1(cli: CLI) -> None:
    result = cli("tasks", "run", "demo/fail", '["boom"]', "--wait")
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith("error: task run trn-")
    assert result.err.rstrip().endswith("failed: ValueError: boom")
    as_json = cli("tasks", "run", "demo/fail", '{"message": "bang"}', "--wait", "--json")
    assert as_json.code == 1
    details: Any = as_json.json()
    assert (details["status"], details["error"]) == ("failed", "ValueError: bang")


def test_wait_timeout_is_exit_4_and_leaves_the_run(cli: CLI, sdk: Client) -> None:
    result = cli("tasks", "run", "demo/slow", "[30]", "--wait", "--timeout", "0.3", "--json")
    assert result.code == 4
    run: Any = result.json()
    assert run["status"] in ("pending", "running")
    assert "gave up waiting for task run" in result.err
    assert sdk.workflows.get_task_run(run["id"]).status.value == "running"
    sdk.workflows.cancel_task_run(run["id"])

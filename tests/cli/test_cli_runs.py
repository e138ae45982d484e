"""``render-sdk runs list/get/cancel/wait/watch`` in subprocesses against the local server."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from render_sdk import Client

from .conftest import CLI

StartRun = Callable[..., str]


def test_runs_list_table_limit_filters_and_json(cli: CLI, start_run: StartRun, sdk: Client) -> None:
    ids = [start_run("demo/echo", [n]) for n in range(3)]
    sdk.workflows.wait_all(ids, timeout=10)

    table = cli("runs", "list", "--task", "demo/echo", "--limit", "2")
    assert table.code == 0, table.err
    header, *rows = table.out.splitlines()
    assert header.split() == ["ID", "TASK", "STATUS", "STARTED", "DURATION"]
    assert [row.split()[0] for row in rows] == [ids[2], ids[1]]  # newest first
    assert all(row.split()[1:3] == ["echo", "succeeded"] for row in rows)

    listed: Any = cli("runs", "list", "--task", "demo/echo", "--all", "--json").json()
    assert [run["id"] for run in listed[:3]] == ids[::-1]
    assert {"id", "taskId", "status", "rootTaskRunId", "attempts"} <= set(listed[0])

    by_root: Any = cli("runs", "list", "--root", ids[0], "--json").json()
    assert [run["id"] for run in by_root] == [ids[0]]

    by_id = cli("runs", "list", "--task", "tsk-abc")
    assert by_id.code == 2
    assert "task slugs" in by_id.err


def test_runs_list_refuses_limit_with_all_instead_of_ignoring_it(cli: CLI) -> None:
    result = cli("runs", "list", "--all", "--limit", "5")
    assert result.code == 2
    assert "--all" in result.err
    assert "--limit" in result.err


def test_runs_get_plain_and_json(cli: CLI, start_run: StartRun, sdk: Client) -> None:
    run_id = start_run("demo/square", [7])
    sdk.workflows.wait_for_task_run(run_id, timeout=10)
    plain = cli("runs", "get", run_id)
    assert plain.code == 0, plain.err
    fields = dict(line.split(None, 1) for line in plain.out.splitlines() if "  " in line)
    assert fields["id"] == run_id
    assert fields["status"] == "succeeded"
    assert fields["task"].startswith("square (tsk-")
    assert fields["input"] == "[7]"
    assert plain.out.rstrip().endswith("results:\n[49]")

    details: Any = cli("runs", "get", run_id, "--json").json()
    assert (details["id"], details["results"], details["input"]) == (run_id, [49], [7])

    missing = cli("runs", "get", "trn-doesnotexist")
    assert missing.code == 5
    assert "404" in missing.err


def test_cancel_then_wait_is_exit_3(cli: CLI, start_run: StartRun) -> None:
    run_id = start_run("demo/slow", [30])
    canceled = cli("runs", "cancel", run_id)
    assert canceled.code == 0, canceled.err
    assert canceled.out.split() == ["canceled", run_id]
    waited = cli("runs", "wait", run_id)
    assert waited.code == 3
    assert waited.out.split()[:2] == [run_id, "canceled"]
    assert waited.err.strip() == f"error: task run {run_id} was canceled"
    # Canceling a finished run: the API says 409, the CLI says so in one line, exit 5.
    again = cli("runs", "cancel", run_id)
    assert again.code == 5
    assert "409" in again.err
    assert "task_run_not_cancelable" in again.err


def test_wait_for_several_runs(cli: CLI, start_run: StartRun) -> None:
    ok = start_run("demo/square", [3])
    bad = start_run("demo/fail", ["nope"])
    result = cli("runs", "wait", ok, bad, "--json")
    assert result.code == 1
    details: Any = result.json()
    assert [(d["id"], d["status"]) for d in details] == [(ok, "succeeded"), (bad, "failed")]
    assert result.err.strip() == f"error: 1 run failed ({bad})"

    plain = cli("runs", "wait", ok)
    assert plain.code == 0
    assert plain.out.split() == [ok, "succeeded", plain.out.split()[2], "[9]"]


def test_wait_timeout_is_exit_4(cli: CLI, start_run: StartRun, sdk: Client) -> None:
    slow = start_run("demo/slow", [30])
    quick = start_run("demo/square", [2])
    result = cli("runs", "wait", slow, quick, "--timeout", "0.5")
    assert result.code == 4
    assert result.out.split()[:2] == [quick, "succeeded"]
    assert "gave up waiting after 0.50s: 1 run not finished" in result.err
    assert f"{slow} running" in result.err
    sdk.workflows.cancel_task_run(slow)


def test_watch_prints_a_line_as_each_run_finishes(cli: CLI, start_run: StartRun) -> None:
    # Long enough that the CLI process is surely watching before the slow run ends, even
    # on a loaded machine (the order of the lines is what this test proves).
    slow = start_run("demo/slow", [3])
    quick = start_run("demo/greet", {"name": "Bo"})
    failing = start_run("demo/fail", ["late"])
    result = cli("runs", "watch", slow, quick, failing)
    assert result.code == 1
    lines = result.out.splitlines()
    assert len(lines) == 3
    assert lines[-1].split()[:3] == [slow, "succeeded", lines[-1].split()[2]]  # last to finish
    assert {line.split()[0] for line in lines[:2]} == {quick, failing}
    assert any(line.endswith('["Hello, Bo!"]') for line in lines)
    assert any(line.endswith("ValueError: late") for line in lines)
    assert "\x1b" not in result.out
    assert result.err.strip() == f"error: 1 run failed ({failing})"


def test_watch_json_lines(cli: CLI, start_run: StartRun) -> None:
    run_id = start_run("demo/slow", [0.3])
    result = cli("runs", "watch", run_id, "--json")
    assert result.code == 0, result.err
    updates = [json.loads(line) for line in result.out.splitlines()]
    assert all(update["id"] == run_id for update in updates)
    assert updates[-1]["status"] == "succeeded"
    assert updates[-1]["results"] == [0.3]

"""In a pipe or a file (not a terminal) every command does what it does on a terminal.

``tasks run`` waits and exits with the run's outcome whatever stdout is; only how the
output looks may depend on the terminal.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from render_sdk import Client
from render_sdk.local import LocalServer

from .conftest import CLI, base_env, run_cli_tty


def test_tasks_run_in_a_pipe_waits_and_exits_0_when_the_run_succeeds(cli: CLI) -> None:
    result = cli("tasks", "run", "demo/square", "[7]")
    assert result.code == 0, result.err
    status, results = result.out.splitlines()
    assert " succeeded in " in status
    assert results == "[49]"


def test_tasks_run_redirected_to_a_file_exits_1_when_the_run_fails(
    local_server: LocalServer, tmp_path: Path
) -> None:
    out_file = tmp_path / "out.txt"
    with out_file.open("w") as stdout:
        proc = subprocess.run(
            [sys.executable, "-m", "render_sdk.cli", "tasks", "run", "demo/fail", '["x"]'],
            env=base_env(local_server),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=30,
        )
    assert proc.returncode == 1
    assert out_file.read_text() == ""
    assert proc.stderr.startswith("error: task run trn-")
    assert proc.stderr.rstrip().endswith("failed: ValueError: x")


def test_tasks_run_in_a_pipe_exits_3_when_the_run_is_canceled(
    local_server: LocalServer, sdk: Client
) -> None:
    before = {run.id for run in sdk.workflows.list_task_runs(task="demo/slow", max_items=100)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "render_sdk.cli", "tasks", "run", "demo/slow", "[30]"],
        env=base_env(local_server),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        run_id = _new_run(sdk, before)
        sdk.workflows.cancel_task_run(run_id)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:  # pragma: no cover - only when the command hangs
            proc.kill()
            proc.communicate()
    assert proc.returncode == 3
    assert out == ""
    assert err.strip() == f"error: task run {run_id} was canceled"


def _new_run(sdk: Client, before: set[str]) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        runs = sdk.workflows.list_task_runs(task="demo/slow", max_items=100)
        new = [run.id for run in runs if run.id not in before]
        if new:
            return new[0]
        time.sleep(0.05)
    raise AssertionError("the command never started its run")


def test_tasks_run_in_a_pipe_honours_timeout_and_exits_4(cli: CLI, sdk: Client) -> None:
    result = cli("tasks", "run", "demo/slow", "[30]", "--timeout", "0.3")
    assert result.code == 4
    assert result.out == ""
    assert "gave up waiting for task run trn-" in result.err
    run_id = result.err.split("task run ", 1)[1].split()[0]
    assert sdk.workflows.get_task_run(run_id).status.value == "running"
    sdk.workflows.cancel_task_run(run_id)


def test_tasks_run_json_in_a_pipe_prints_the_final_details(cli: CLI) -> None:
    result = cli("tasks", "run", "demo/fail", '["j"]', "--json")
    assert result.code == 1
    details: Any = result.json()
    assert (details["status"], details["error"]) == ("failed", "ValueError: j")


def test_no_wait_prints_only_the_run_id_and_exits_0_even_for_a_failing_task(
    cli: CLI, sdk: Client
) -> None:
    result = cli("tasks", "run", "demo/fail", '["later"]', "--no-wait")
    assert result.code == 0, result.err
    run_id = result.out.strip()
    assert result.out == run_id + "\n"
    assert run_id.startswith("trn-")
    assert result.err == ""
    assert sdk.workflows.wait_for_task_run(run_id, timeout=10, raise_on_failure=False).failed


def test_no_wait_with_timeout_is_a_usage_error(cli: CLI) -> None:
    result = cli("tasks", "run", "demo/square", "[1]", "--no-wait", "--timeout", "5")
    assert result.code == 2
    assert "--timeout" in result.err
    assert "--no-wait" in result.err


def test_tables_have_the_same_headers_in_a_pipe_and_on_a_terminal(
    cli: CLI, local_server: LocalServer
) -> None:
    piped = cli("tasks", "list").out.splitlines()[0].split()
    drawn = run_cli_tty("tasks", "list", env=base_env(local_server))
    assert drawn.code == 0, drawn.err
    assert piped == ["ID", "NAME", "WORKFLOW", "CREATED"]
    first_line = next(line for line in drawn.out.splitlines() if line.strip())
    assert re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", first_line).split() == piped

"""``render-sdk runs logs`` and ``tasks run --logs``, in a pipe and on a terminal."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest

from render_sdk import Client
from render_sdk.local import LocalServer, serve
from tests.logtasks import logtasks

from .conftest import base_env, run_cli, run_cli_tty

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"


@pytest.fixture(scope="module")
def log_server() -> Iterator[LocalServer]:
    with serve(logtasks) as server:
        yield server


@pytest.fixture(scope="module")
def client(log_server: LocalServer) -> Iterator[Client]:
    with Client(api_key="unused-by-the-local-server", base_url=log_server.base_url) as client:
        yield client


def token() -> str:
    return f"tok-{uuid.uuid4().hex[:10]}"


def test_runs_logs_prints_time_and_message_per_line_in_a_pipe(
    log_server: LocalServer, client: Client
) -> None:
    tok = token()
    run = client.workflows.start_task("logtasks/chatty", [tok, 3, 0.0])
    run.wait(timeout=10)
    result = run_cli("runs", "logs", run.id, env=base_env(log_server))

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == [f"{tok} {i}" for i in range(3)]
    assert all(re.fullmatch(_STAMP, line.split(" ", 1)[0]) for line in lines)
    assert "\x1b[" not in result.out


def test_runs_logs_json_prints_one_log_object_per_line(
    log_server: LocalServer, client: Client
) -> None:
    tok = token()
    run = client.workflows.start_task("logtasks/mixed", [tok])
    run.wait(timeout=10)
    result = run_cli("runs", "logs", run.id, "--json", env=base_env(log_server))

    assert result.code == 0, result.err
    logs = [json.loads(line) for line in result.out.splitlines()]
    assert [log["message"] for log in logs] == [
        f"{tok} out",
        f"{tok} err",
        f"{tok} warned",
        f"{tok} unterminated",
    ]
    assert {"name": "taskRun", "value": run.id} in logs[0]["labels"]


def test_runs_logs_follow_prints_lines_until_the_run_ends(
    log_server: LocalServer, client: Client
) -> None:
    tok = token()
    run = client.workflows.start_task("logtasks/chatty", [tok, 20, 0.02])
    result = run_cli("runs", "logs", run.id, "--follow", env=base_env(log_server))

    assert result.code == 0, result.err
    assert [line.split(" ", 1)[1] for line in result.out.splitlines()] == [
        f"{tok} {i}" for i in range(20)
    ]
    assert client.workflows.get_task_run(run.id).status.is_terminal


def test_runs_logs_of_a_malformed_run_id_is_a_usage_error(log_server: LocalServer) -> None:
    result = run_cli("runs", "logs", "run-123", env=base_env(log_server))
    assert result.code == 2
    assert "trn-" in result.err


def test_tasks_run_logs_prints_the_lines_then_the_result(log_server: LocalServer) -> None:
    tok = token()
    result = run_cli(
        "tasks",
        "run",
        "logtasks/chatty",
        json.dumps([tok, 5, 0.01]),
        "--logs",
        env=base_env(log_server),
    )
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert [line.split(" ", 1)[1] for line in lines[:5]] == [f"{tok} {i}" for i in range(5)]
    assert "succeeded" in lines[5]
    assert lines[6] == "[5]"


def test_tasks_run_logs_with_json_keeps_stdout_for_the_result(log_server: LocalServer) -> None:
    tok = token()
    result = run_cli(
        "tasks",
        "run",
        "logtasks/chatty",
        json.dumps([tok, 2, 0.0]),
        "--logs",
        "--json",
        env=base_env(log_server),
    )
    assert result.code == 0, result.err
    assert result.json()["status"] == "succeeded"
    assert [line.split(" ", 1)[1] for line in result.err.splitlines()] == [
        f"{tok} 0",
        f"{tok} 1",
    ]


def test_tasks_run_logs_cannot_go_with_no_wait(log_server: LocalServer) -> None:
    result = run_cli(
        "tasks",
        "run",
        "logtasks/chatty",
        '["x", 1, 0]',
        "--logs",
        "--no-wait",
        env=base_env(log_server),
    )
    assert result.code == 2
    assert "--logs" in result.err


def test_on_a_terminal_the_same_lines_are_shown(log_server: LocalServer) -> None:
    tok = token()
    result = run_cli_tty(
        "tasks",
        "run",
        "logtasks/chatty",
        json.dumps([tok, 3, 0.01]),
        "--logs",
        env=base_env(log_server),
    )
    assert result.code == 0, result.err
    plain = _ANSI.sub("", result.out)
    assert "following the logs of trn-" in plain
    for i in range(3):
        assert f"{tok} {i}" in plain
    assert "succeeded in" in plain

"""On a terminal: colours and live updates (stdout on a pseudo-terminal)."""

from __future__ import annotations

import re
from collections.abc import Callable

from render_sdk.local import LocalServer

from .conftest import base_env, run_cli_tty

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _plain(text: str) -> str:
    return _ANSI.sub("", text)


def test_tasks_run_on_a_terminal_waits_with_a_live_line(local_server: LocalServer) -> None:
    result = run_cli_tty("tasks", "run", "demo/slow", "[0.6]", env=base_env(local_server))
    assert result.code == 0, result.err
    assert "\x1b[" in result.out  # colours / cursor control
    assert "demo/slow" in result.out  # the live status line
    assert "running" in result.out
    assert "\x1b[32m" in result.out  # green
    assert "succeeded in" in _plain(result.out)
    assert "[0.6]" in _plain(result.out)


def test_runs_watch_on_a_terminal_draws_a_table(
    local_server: LocalServer, start_run: Callable[..., str]
) -> None:
    ids = [start_run("demo/slow", [0.4]), start_run("demo/square", [6])]
    result = run_cli_tty("runs", "watch", *ids, env=base_env(local_server))
    assert result.code == 0, result.err
    plain = _plain(result.out)
    assert "2 of 2 finished" in plain
    for run_id in ids:
        assert run_id in plain
    assert "[36]" in plain


def test_no_color_on_a_terminal_is_respected(local_server: LocalServer) -> None:
    env = base_env(local_server, NO_COLOR="1")
    result = run_cli_tty("tasks", "run", "demo/square", "[3]", env=env)
    assert result.code == 0, result.err
    assert "\x1b[32m" not in result.out  # no green, though bold may remain
    assert "[9]" in _plain(result.out)

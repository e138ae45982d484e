"""The demo command (``python -m render_sdk.local.demo``) runs to the end and says what it did."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.fixture(scope="module")
def demo_output() -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RENDER_")}
    return subprocess.run(
        [sys.executable, "-m", "render_sdk.local.demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_demo_exits_cleanly_without_traceback(
    demo_output: subprocess.CompletedProcess[str],
) -> None:
    assert demo_output.returncode == 0, demo_output.stderr
    assert "Traceback" not in demo_output.stdout + demo_output.stderr


@pytest.mark.parametrize(
    "expected",
    [
        "Local Render Workflows API server listening on http://127.0.0.1:",
        "1. Start a run by slug",
        "result:          49",
        "2. Start a run by task ID",
        "id of 'add':     tsk-",
        "result:          42",
        "result:          'Hello, newcomer!'",
        "caught:          TaskRunFailedError",
        "error:           ValueError: the disk is full",
        "caught:          TaskRunCanceledError",
        "status:          canceled",
        "attempts:        3",
        "result:          'demo-key succeeded after 2 failure(s)'",
        "7. AsyncClient",
        "succeeded  result=144",
        "8. Recent runs",
        "Done: the server has stopped.",
    ],
)
def test_demo_prints_each_step(
    demo_output: subprocess.CompletedProcess[str], expected: str
) -> None:
    assert expected in demo_output.stdout


def test_demo_lists_the_runs_it_made_newest_first(
    demo_output: subprocess.CompletedProcess[str],
) -> None:
    listing = demo_output.stdout.split("8. Recent runs")[1].splitlines()[2:]
    names = [line.split()[1] for line in listing if line.startswith("  trn-")]
    # The newest four are the concurrent batch of section 7 (in whatever order the
    # server received them); the oldest is section 1's square.
    assert sorted(names[:4]) == ["slow", "slow", "slow", "square"]
    assert names[-1] == "square"
    assert {"add", "greet", "fail", "slow", "flaky"} <= set(names)
